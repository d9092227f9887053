//! Tests of `draft`.

use super::*;
use crate::domain::models::find;

fn spec(id: &str) -> &'static ModelSpec {
    find(id).unwrap()
}

#[test]
fn prompts_are_trimmed_counted_in_characters_and_required() {
    let s = spec("qwen-image-2");
    assert_eq!(
        validate(s, &Draft::new("  \n")),
        Err(DraftError::EmptyPrompt)
    );
    assert!(validate(s, &Draft::new(&"日".repeat(2000))).is_ok());
    let e = validate(s, &Draft::new(&"日".repeat(2001))).unwrap_err();
    assert!(
        e.to_string().contains("2001") && e.field() == Field::Prompt,
        "{e}"
    );
    let plan = validate(s, &Draft::new("  a lake ")).unwrap();
    assert_eq!(plan.jobs[0].request.prompt, "a lake");
}

#[test]
fn shapes_must_be_offered_by_the_model() {
    let mut d = Draft::new("x");
    d.shape = Shape::Aspect(AspectRatio::L16x9);
    let r = validate(spec("qwen-image-2"), &d).unwrap();
    assert_eq!(r.jobs[0].request.aspect_ratio, Some(AspectRatio::L16x9));
    let e = validate(spec("qwen-image-plus"), &d).unwrap_err();
    assert_eq!(e.field(), Field::Shape);
    d.shape = Shape::Size("1664x928".into());
    let r = validate(spec("qwen-image-plus"), &d).unwrap();
    assert_eq!(r.jobs[0].request.size.as_deref(), Some("1664*928"));
    d.shape = Shape::Size("1000*1000".into());
    let e = validate(spec("qwen-image-plus"), &d).unwrap_err();
    assert!(e.to_string().contains("1328*1328"), "{e}");
}

#[test]
fn seeds_are_drawn_per_job_on_apiframe_and_locked_seeds_are_kept() {
    let mut d = Draft::new("x");
    d.count = 3;
    let plan = validate(spec("qwen-image-2"), &d).unwrap();
    assert!(plan.jobs.iter().all(|p| p.draw_seed));
    let reqs = plan.seeded(&mut SeedStream::new(1));
    let seeds: std::collections::HashSet<_> = reqs.iter().map(|r| r.seed).collect();
    assert_eq!(seeds.len(), 3);
    d.seed = SeedChoice::Locked("7".into());
    let reqs = validate(spec("qwen-image-2"), &d)
        .unwrap()
        .seeded(&mut SeedStream::new(1));
    assert!(reqs.iter().all(|r| r.seed == Some(7)));
    d.seed = SeedChoice::Locked("x".into());
    assert_eq!(
        validate(spec("qwen-image-2"), &d).unwrap_err().field(),
        Field::Seed
    );
    d.seed = SeedChoice::Random;
    let plan = validate(spec("qwen-image-plus"), &d).unwrap();
    assert!(
        !plan.jobs[0].draw_seed,
        "the gateway sends a seed only when locked"
    );
}

#[test]
fn references_follow_the_model() {
    let mut d = Draft::new("make it night");
    assert_eq!(
        validate(spec("qwen-image-edit"), &d).unwrap_err().field(),
        Field::Reference
    );
    d.references = vec!["/a.png; /b.png".into()];
    let e = validate(spec("qwen-image-edit"), &d).unwrap_err();
    assert!(e.to_string().contains("at most 1"), "{e}");
    d.references = vec!["https://x.example/a.png".into()];
    assert_eq!(
        validate(spec("qwen-image-edit"), &d).unwrap_err(),
        DraftError::GatewayNeedsFiles
    );
    let r = validate(spec("qwen-image-2"), &d).unwrap();
    assert_eq!(
        r.jobs[0].request.images,
        vec![ImageInput::Url("https://x.example/a.png".into())]
    );
    d.references = vec!["http://x.example/a.png".into()];
    assert!(matches!(
        validate(spec("qwen-image-2"), &d),
        Err(DraftError::Url(BadUrl::NotHttps))
    ));
    let plus = validate(spec("qwen-image-plus"), &Draft::new("x")).unwrap();
    assert!(plus.jobs[0].request.images.is_empty());
}

#[test]
fn counts_and_negatives_have_limits() {
    let mut d = Draft::new("x");
    d.count = 0;
    assert_eq!(validate(spec("qwen-image-2"), &d), Err(DraftError::Count));
    d.count = 9;
    assert_eq!(validate(spec("qwen-image-2"), &d), Err(DraftError::Count));
    d.count = 2;
    d.negative = "n".repeat(501);
    assert_eq!(
        validate(spec("qwen-image-2"), &d).unwrap_err().field(),
        Field::Negative
    );
    d.negative = " blurry ".into();
    let r = validate(spec("qwen-image-2"), &d).unwrap();
    assert_eq!(r.jobs.len(), 2);
    assert_eq!(r.jobs[0].request.negative_prompt.as_deref(), Some("blurry"));
    let edit = validate(
        spec("qwen-image-edit"),
        &Draft {
            references: vec!["/in.png".into()],
            ..d
        },
    )
    .unwrap();
    assert_eq!(
        edit.jobs[0].request.negative_prompt, None,
        "edit models take none"
    );
}
