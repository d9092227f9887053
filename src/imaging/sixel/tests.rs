use super::*;
use image::{Rgb, RgbImage};

fn gradient(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb([
            (x * 255 / w) as u8,
            (y * 255 / h) as u8,
            ((x + y) % 256) as u8,
        ])
    })
}

#[test]
fn a_flat_image_is_a_few_runs_and_decodes_to_itself() {
    let img = RgbImage::from_pixel(100, 13, Rgb([255, 0, 0]));
    let s = encode(&img, SixelOptions::default()).unwrap();
    assert!(s.starts_with("\x1bP0;1;0q\"1;1;100;13"));
    assert!(s.ends_with("\x1b\\"));
    assert!(s.len() < 60, "{} bytes: {s:?}", s.len());
    let d = decode::decode(s.as_bytes()).unwrap();
    assert_eq!((d.width, d.height), (100, 13));
    assert_eq!(&d.rgb[..3], &[255, 0, 0]);
    assert!(decode::psnr(img.as_raw(), 100, &d) > 60.0);
}

#[test]
fn a_gradient_keeps_its_fidelity() {
    let img = gradient(200, 121);
    let s = encode(&img, SixelOptions::default()).unwrap();
    let d = decode::decode(s.as_bytes()).unwrap();
    assert_eq!((d.width, d.height), (200, 121));
    let psnr = decode::psnr(img.as_raw(), 200, &d);
    assert!(psnr > 30.0, "PSNR {psnr:.1} dB");
    // Fewer colours cost fidelity.
    let few = encode(
        &img,
        SixelOptions {
            colours: 8,
            tmux: false,
        },
    )
    .unwrap();
    let worse = decode::psnr(img.as_raw(), 200, &decode::decode(few.as_bytes()).unwrap());
    assert!(worse < psnr);
}

#[test]
fn runs_use_repeat_introducers_only_when_shorter() {
    let mut s = String::new();
    runs(&mut s, &[1, 1, 1, 2, 2, 2, 2, 2, 0]);
    assert_eq!(s, "@@@!5A?");
}

#[test]
fn tmux_doubles_every_escape() {
    let img = RgbImage::from_pixel(2, 2, Rgb([0, 0, 0]));
    let s = encode(
        &img,
        SixelOptions {
            colours: 2,
            tmux: true,
        },
    )
    .unwrap();
    assert!(s.starts_with("\x1bPtmux;\x1b\x1bP"));
    assert!(s.ends_with("\x1b\x1b\\\x1b\\"));
}

#[test]
fn the_decoder_reads_hls_colours_and_ignores_garbage() {
    let d = decode::decode(b"\x1bPq#1;1;120;50;100#1~~\x07\x1b\\").unwrap();
    assert_eq!((d.width, d.height), (2, 6));
    // HLS hue 120 is red.
    assert_eq!(&d.rgb[..3], &[255, 0, 0]);
    assert!(decode::decode(b"no sixel here").is_none());
}
