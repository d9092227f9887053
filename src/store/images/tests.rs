//! Tests of image saving: sniffing, chunks, names, atomic writes.

use super::*;
use crate::domain::JobRequest;
use crate::domain::models::AspectRatio;

fn tiny_png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(3, 2, image::Rgb([200, 10, 10]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

fn job() -> Job {
    let mut r = JobRequest::apiframe("A red kite over dunes — 日本", AspectRatio::L16x9, 42);
    r.negative_prompt = Some("blurry".into());
    Job::new("sim", r)
}

#[test]
fn sniffing() {
    assert_eq!(ImageFormat::sniff(&tiny_png()), Some(ImageFormat::Png));
    assert_eq!(
        ImageFormat::sniff(b"\xFF\xD8\xFF\xE0rest"),
        Some(ImageFormat::Jpeg)
    );
    assert_eq!(
        ImageFormat::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
        Some(ImageFormat::Webp)
    );
    assert_eq!(
        ImageFormat::sniff(b"GIF89a\x01\x00"),
        Some(ImageFormat::Gif)
    );
    assert_eq!(
        ImageFormat::sniff(b"GIF87a\x01\x00"),
        Some(ImageFormat::Gif)
    );
    assert_eq!(
        ImageFormat::sniff(b"\0\0\0\x1cftypavif\0\0\0\0"),
        Some(ImageFormat::Avif)
    );
    // HEIC shares the container but is not AVIF; SVG is text and is never rendered.
    assert_eq!(ImageFormat::sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), None);
    assert_eq!(
        ImageFormat::sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        None
    );
    assert_eq!(ImageFormat::sniff(b"<html>"), None);
    assert_eq!(ImageFormat::sniff(b""), None);
    assert!(ImageFormat::Png.is_common() && !ImageFormat::Gif.is_common());
}

#[test]
fn unusual_but_valid_pngs_save_and_preview() {
    let dir = tempfile::tempdir().unwrap();
    let job = crate::domain::Job::new(
        "sim",
        crate::domain::JobRequest::apiframe("deep", crate::domain::models::AspectRatio::Square, 1),
    );
    // 16-bit RGBA and grey with alpha.
    let images = [
        image::DynamicImage::ImageRgba16(image::ImageBuffer::from_pixel(
            9,
            7,
            image::Rgba([65535u16, 0, 30000, 40000]),
        )),
        image::DynamicImage::ImageLumaA8(image::ImageBuffer::from_pixel(
            5,
            5,
            image::LumaA([200u8, 100]),
        )),
    ];
    for (i, img) in images.iter().enumerate() {
        let mut bytes = Vec::new();
        img.write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
        let path = save_result(dir.path(), &job, "sim", i, images.len(), &bytes).unwrap();
        let back = crate::imaging::decode_file_for_preview(&path, 64, 64).unwrap();
        assert_eq!((back.width(), back.height()), (img.width(), img.height()));
    }
}

#[test]
fn saved_png_carries_both_chunks_and_still_decodes() {
    let dir = tempfile::tempdir().unwrap();
    let j = job();
    let path = save_result(dir.path(), &j, "apiframe", 0, 1, &tiny_png()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!((img.width(), img.height()), (3, 2));
    let chunks = png_text_chunks(&bytes);
    let json = &chunks.iter().find(|(k, _)| k == QIMG_KEYWORD).unwrap().1;
    let p: EmbeddedParams = serde_json::from_str(json).unwrap();
    assert_eq!(p.prompt, j.request.prompt);
    assert_eq!(p.seed, Some(42));
    assert_eq!(p.aspect_ratio.as_deref(), Some("16:9"));
    let a1111 = &chunks.iter().find(|(k, _)| k == A1111_KEYWORD).unwrap().1;
    assert!(a1111.starts_with("A red kite over dunes — 日本\nNegative prompt: blurry\nSeed: 42, Size: 3x2, Model: qwen-image-2"), "{a1111}");
}

#[test]
fn a_template_travels_in_both_chunks_and_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = job();
    j.request.template = Some("A {red|blue} kite, over dunes".into());
    let path = save_result(dir.path(), &j, "apiframe", 0, 1, &tiny_png()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let chunks = png_text_chunks(&bytes);
    let json = &chunks.iter().find(|(k, _)| k == QIMG_KEYWORD).unwrap().1;
    let p: EmbeddedParams = serde_json::from_str(json).unwrap();
    assert_eq!(p.template.as_deref(), Some("A {red|blue} kite, over dunes"));
    let a1111 = &chunks.iter().find(|(k, _)| k == A1111_KEYWORD).unwrap().1;
    assert!(
        a1111.contains(r#"Template: "A {red|blue} kite, over dunes""#),
        "{a1111}"
    );
    let back =
        crate::store::params::from_png(&bytes, crate::domain::catalogue::Catalogue::builtin())
            .unwrap();
    assert_eq!(back.template, j.request.template);
}

#[test]
fn names_and_collisions() {
    let dir = tempfile::tempdir().unwrap();
    let j = job();
    let name = file_name(&j, 0, 1, "png");
    assert!(
        name.contains(&j.id.short()) && name.ends_with("_a-red-kite-over-dunes.png"),
        "{name}"
    );
    let a = write_atomic(dir.path(), "x.png", b"1").unwrap();
    let b = write_atomic(dir.path(), "x.png", b"2").unwrap();
    assert_ne!(a, b);
    assert_eq!(
        std::fs::read(&a).unwrap(),
        b"1",
        "an existing file is never overwritten"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no temp files left"
    );
}

#[test]
fn not_an_image_is_refused_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let e = save_result(
        dir.path(),
        &job(),
        "apiframe",
        0,
        1,
        b"<html>\x1b[2J</html>",
    )
    .unwrap_err();
    assert!(e.to_string().contains("not a PNG"), "{e}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn temp_files_are_swept() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".qimg-tmp-abc"), b"x").unwrap();
    std::fs::write(dir.path().join("keep.png"), b"x").unwrap();
    assert_eq!(sweep_temp_files(dir.path()), 1);
    assert!(dir.path().join("keep.png").exists());
}

proptest::proptest! {
    #[test]
    fn slugs_are_always_safe(s in "\\PC{0,200}|[./\\\\\\x00-\\x1f]{0,20}") {
        let sl = slug(&s);
        proptest::prop_assert!(!sl.is_empty() && sl.len() <= 40);
        proptest::prop_assert!(sl.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
        proptest::prop_assert!(!sl.contains(".."));
        let root = std::path::Path::new("/out");
        proptest::prop_assert!(root.join(&sl).starts_with(root));
    }
}
