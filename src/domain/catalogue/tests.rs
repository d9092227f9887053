//! Tests of the catalogue: the built-in file, overrides, `like`, and refusals.

use super::*;

fn spec(id: &str) -> Arc<ModelSpec> {
    Catalogue::builtin().find(id).cloned().unwrap()
}

#[test]
fn the_built_in_file_parses_and_has_every_seed_model() {
    let c = Catalogue::builtin();
    let ids: Vec<&str> = c.entries().iter().map(|e| e.spec.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "qwen-image-2",
            "qwen-image-2-pro",
            "qwen-image-plus",
            "wan2.5-t2i-preview",
            "qwen-image-edit",
            "qwen-image-edit-plus",
            "wan2.5-i2i-preview"
        ]
    );
    for id in &ids[2..] {
        assert_eq!(spec(id).wire, Wire::OpenAi, "{id}");
    }
    assert!(spec("qwen-image-plus").timeout_secs >= 120);
    assert!(spec("wan2.5-t2i-preview").timeout_secs >= 240);
    assert_eq!(spec("qwen-image-plus").sizes()[0].wire(), "1328*1328");
    assert_eq!(
        spec("qwen-image-2").price.as_ref().map(|p| p.per_image),
        Some(3.0)
    );
    assert!(
        spec("qwen-image-2-pro").price.is_none(),
        "price unknown, never guessed"
    );
}

#[test]
fn both_qwen_image_plus_4_3_sizes_are_accepted() {
    let plus = spec("qwen-image-plus");
    for (w, h) in [(1472, 1140), (1472, 1104), (1140, 1472), (1104, 1472)] {
        assert!(plus.takes_size(w, h), "{w}*{h}");
    }
    assert!(!plus.takes_size(1000, 1000));
    assert_eq!(plus.sizes()[2].label, "4:3");
}

#[test]
fn ratio_sizes_match_their_ratio_exactly() {
    for r in spec("qwen-image-2").ratios() {
        let (rw, rh) = r.ratio.as_str().split_once(':').unwrap();
        let (rw, rh): (u32, u32) = (rw.parse().unwrap(), rh.parse().unwrap());
        assert_eq!(r.width * rh, r.height * rw, "{}", r.ratio.as_str());
    }
    assert_eq!(spec("qwen-image-2").ratios().len(), 10);
}

#[test]
fn config_models_start_like_a_built_in_or_change_one() {
    let new = ModelFile {
        like: Some("qwen-image-plus".into()),
        label: Some("Qwen-Image 3".into()),
        sizes: Some(vec!["2048*2048".into(), "1024*1024".into()]),
        price: Some(PriceFileForTest::cny(0.25)),
        ..ModelFile::default()
    };
    let changed = ModelFile {
        timeout_secs: Some(900),
        ..ModelFile::default()
    };
    let c =
        Catalogue::with_config([("qwen-image-3.0", &new), ("qwen-image-edit", &changed)]).unwrap();
    let m = c.find("qwen-image-3.0").unwrap();
    assert_eq!(
        (m.wire, m.prompt_max, m.sizes().len()),
        (Wire::OpenAi, 800, 2)
    );
    assert_eq!(m.price.as_ref().unwrap().unit, "CNY");
    let e = c
        .entries()
        .iter()
        .find(|e| e.spec.id == "qwen-image-3.0")
        .unwrap();
    assert_eq!(e.origin.describe(), "config.toml (like qwen-image-plus)");
    let edit = c
        .entries()
        .iter()
        .find(|e| e.spec.id == "qwen-image-edit")
        .unwrap();
    assert_eq!(
        (edit.spec.timeout_secs, edit.origin.clone()),
        (900, Origin::Overridden)
    );
    assert_eq!(edit.spec.images.max, 1, "unchanged fields stay");
}

#[test]
fn broken_definitions_name_the_model_and_the_field() {
    let cases = [
        (ModelFile::default(), "wire"),
        (
            ModelFile {
                like: Some("nope".into()),
                ..ModelFile::default()
            },
            "like",
        ),
        (
            ModelFile {
                like: Some("qwen-image-plus".into()),
                sizes: Some(vec!["big".into()]),
                ..ModelFile::default()
            },
            "sizes",
        ),
        (
            ModelFile {
                like: Some("qwen-image-edit".into()),
                images: Some(file::ImagesFile {
                    min: 0,
                    max: 2,
                    min_side: 1,
                    max_side: 9,
                    max_bytes: 9,
                }),
                ..ModelFile::default()
            },
            "images",
        ),
        (
            ModelFile {
                like: Some("qwen-image-2".into()),
                sizes: Some(vec!["1024*1024".into()]),
                ratios: None,
                ..ModelFile::default()
            },
            "ratios",
        ),
    ];
    for (f, field) in &cases {
        let e = Catalogue::with_config([("x-model", f)]).unwrap_err();
        assert_eq!(
            (e.model.as_str(), e.field.as_str()),
            ("x-model", *field),
            "{e}"
        );
    }
}

/// Builds a price file for the tests.
struct PriceFileForTest;

impl PriceFileForTest {
    fn cny(per_image: f64) -> file::PriceFile {
        file::PriceFile {
            per_image,
            unit: Some("CNY".into()),
        }
    }
}
