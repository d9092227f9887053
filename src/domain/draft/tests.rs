//! Tests of `draft`.

use super::*;
use crate::domain::BadUrl;
use crate::domain::ImageInput;
use crate::domain::catalogue::{Catalogue, ModelSpec};

fn spec(id: &str) -> &'static ModelSpec {
    Catalogue::builtin().find(id).unwrap()
}

fn seeds_of(plan: Plan) -> Vec<Option<u32>> {
    plan.seeded(&mut SeedStream::new(1))
        .iter()
        .map(|r| r.seed)
        .collect()
}

fn locked(text: &str, mode: SeedMode) -> SeedChoice {
    SeedChoice::Locked {
        text: text.into(),
        mode,
    }
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
    let r = validate(spec("qwen-image-2-pro"), &d).unwrap();
    assert_eq!(r.jobs[0].request.aspect_ratio, Some(AspectRatio::L16x9));
    let e = validate(spec("qwen-image-plus"), &d).unwrap_err();
    assert_eq!(e.field(), Field::Shape);
    d.shape = Shape::Size("1664x928".into());
    let r = validate(spec("qwen-image-plus"), &d).unwrap();
    assert_eq!(r.jobs[0].request.size.as_deref(), Some("1664*928"));
    for newer in ["1472*1104", "1104*1472", "1472*1140"] {
        d.shape = Shape::Size(newer.into());
        assert!(validate(spec("qwen-image-plus"), &d).is_ok(), "{newer}");
    }
    d.shape = Shape::Size("1000*1000".into());
    let e = validate(spec("qwen-image-plus"), &d).unwrap_err();
    assert!(e.to_string().contains("1328*1328"), "{e}");
    d.references = vec!["/in.png".into()];
    let e = validate(spec("qwen-image-edit-plus"), &d).unwrap_err();
    assert!(e.to_string().contains("it offers none"), "{e}");
}

#[test]
fn every_job_gets_a_seed_drawn_in_the_model_s_range_on_both_wires() {
    let mut d = Draft::new("x");
    d.count = 3;
    for model in ["qwen-image-2", "qwen-image-plus", "wan2.5-t2i-preview"] {
        let plan = validate(spec(model), &d).unwrap();
        assert!(
            plan.jobs
                .iter()
                .all(|p| p.draw_seed == Some((0, 2_147_483_647))),
            "{model}"
        );
        let seeds: std::collections::HashSet<_> = seeds_of(plan).into_iter().collect();
        assert_eq!(seeds.len(), 3, "{model}: one seed per job");
        assert!(!seeds.contains(&None));
    }
    // The gateway's edit form carries no seed: nothing to draw, and nothing claimed.
    d.references = vec!["/in.png".into()];
    let plan = validate(spec("qwen-image-edit-plus"), &d).unwrap();
    assert!(plan.jobs.iter().all(|p| p.draw_seed.is_none()));
}

#[test]
fn a_locked_seed_counts_up_unless_fixed_and_must_fit_the_range() {
    let mut d = Draft::new("x");
    d.count = 3;
    d.seed = locked("7", SeedMode::Increment);
    let plan = validate(spec("qwen-image-plus"), &d).unwrap();
    assert_eq!(seeds_of(plan), [Some(7), Some(8), Some(9)]);
    d.seed = locked("7", SeedMode::Fixed);
    let plan = validate(spec("qwen-image-2"), &d).unwrap();
    assert_eq!(seeds_of(plan), [Some(7), Some(7), Some(7)]);
    d.seed = locked("2147483646", SeedMode::Increment);
    let e = validate(spec("qwen-image-2"), &d).unwrap_err();
    assert!(
        matches!(
            e,
            DraftError::SeedRange {
                seed: 2_147_483_648,
                ..
            }
        ),
        "the last seed of the batch is checked: {e}"
    );
    d.seed = locked("x", SeedMode::Increment);
    assert_eq!(
        validate(spec("qwen-image-2"), &d).unwrap_err().field(),
        Field::Seed
    );
}

#[test]
fn a_parameter_the_model_or_wire_cannot_carry_is_refused_not_dropped() {
    let mut d = Draft::new("make it night");
    d.references = vec!["/in.png".into()];
    d.seed = locked("42", SeedMode::Increment);
    let e = validate(spec("qwen-image-edit-plus"), &d).unwrap_err();
    assert_eq!(e.field(), Field::Seed);
    assert_eq!(
        e.to_string(),
        "qwen-image-edit-plus takes no seed (its wire cannot carry it); remove it to send the job"
    );
    d.seed = SeedChoice::Random;
    d.negative = "blurry".into();
    let e = validate(spec("wan2.5-i2i-preview"), &d).unwrap_err();
    assert_eq!(e.field(), Field::Negative);
    assert!(
        e.to_string()
            .contains("wan2.5-i2i-preview takes no negative prompt"),
        "{e}"
    );
    d.negative.clear();
    d.rewrite = Some(false);
    let e = validate(spec("qwen-image-edit-plus"), &d).unwrap_err();
    assert_eq!(e.field(), Field::Rewrite);
    d.rewrite = Some(true);
    let e = validate(
        spec("qwen-image-2"),
        &Draft {
            references: vec![],
            ..d.clone()
        },
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("qwen-image-2 takes no prompt rewrite"),
        "{e}"
    );
}

#[test]
fn the_rewrite_and_watermark_are_sent_explicitly_where_the_model_takes_them() {
    let mut d = Draft::new("x");
    let plus = validate(spec("qwen-image-plus"), &d).unwrap();
    let r = &plus.jobs[0].request;
    assert_eq!((r.prompt_extend, r.watermark), (Some(false), Some(false)));
    d.rewrite = Some(true);
    d.watermark = true;
    let plus = validate(spec("qwen-image-plus"), &d).unwrap();
    let r = &plus.jobs[0].request;
    assert_eq!((r.prompt_extend, r.watermark), (Some(true), Some(true)));
    let af = validate(spec("qwen-image-2"), &Draft::new("x")).unwrap();
    let r = &af.jobs[0].request;
    assert_eq!(
        (r.prompt_extend, r.watermark),
        (None, None),
        "Apiframe has neither"
    );
    let mut e = Draft::new("x");
    e.references = vec!["/in.png".into()];
    let edit = validate(spec("qwen-image-edit-plus"), &e).unwrap();
    let r = &edit.jobs[0].request;
    assert_eq!((r.prompt_extend, r.watermark), (None, Some(false)));
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
    d.references = vec!["/a.png".into(), "/b.png".into(), "/c.png".into()];
    assert!(validate(spec("qwen-image-edit-plus"), &d).is_ok());
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
    d.references = vec!["/a.png".into()];
    let e = validate(spec("qwen-image-plus"), &d).unwrap_err();
    assert!(e.to_string().contains("takes no input image"), "{e}");
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
}

#[test]
fn a_template_makes_one_job_per_combination_and_keeps_itself() {
    let mut d = Draft::new("a {red|blue} kite");
    d.count = 2;
    let plan = validate(spec("qwen-image-2"), &d).unwrap();
    let reqs = plan.seeded(&mut SeedStream::new(3));
    let prompts: Vec<_> = reqs.iter().map(|r| r.prompt.as_str()).collect();
    assert_eq!(
        prompts,
        ["a red kite", "a red kite", "a blue kite", "a blue kite"]
    );
    assert!(
        reqs.iter()
            .all(|r| r.template.as_deref() == Some("a {red|blue} kite"))
    );
    // A plain prompt keeps no template.
    let plain = validate(spec("qwen-image-2"), &Draft::new("a kite")).unwrap();
    assert_eq!(plain.requests().next().unwrap().template, None);
}

#[test]
fn random_draws_follow_the_seed_and_limits_hold() {
    let mut d = Draft::new("{a|b|c|d|e|f} {g|h|i|j|k|l} {m|n|o|p}");
    d.draws = Some(5);
    d.seed = locked("100", SeedMode::Increment);
    let first: Vec<_> = validate(spec("qwen-image-2"), &d)
        .unwrap()
        .seeded(&mut SeedStream::new(1))
        .into_iter()
        .map(|r| r.prompt)
        .collect();
    let again: Vec<_> = validate(spec("qwen-image-2"), &d)
        .unwrap()
        .seeded(&mut SeedStream::new(999))
        .into_iter()
        .map(|r| r.prompt)
        .collect();
    assert_eq!(first.len(), 5);
    assert_eq!(first, again, "the same seeds draw the same prompts");
    assert!(first.iter().all(|p| p.len() == 5 && !p.contains('{')));
    d.draws = Some(0);
    assert_eq!(
        validate(spec("qwen-image-2"), &d).unwrap_err(),
        DraftError::Draws
    );
    d.draws = None;
    d.prompt = "{a|b|c|d|e|f|g|h|i|j}{a|b|c|d|e|f|g|h|i|j}{a|b}".into();
    d.count = 8;
    let e = validate(spec("qwen-image-2"), &d).unwrap_err();
    assert!(e.to_string().contains("would make 1600 jobs"), "{e}");
    d.prompt = "{a|b".into();
    assert_eq!(
        validate(spec("qwen-image-2"), &d).unwrap_err().field(),
        Field::Prompt
    );
    // Every expansion must fit the model's prompt limit.
    d.prompt = format!("{{short|{}}}", "x".repeat(900));
    d.count = 1;
    let e = validate(spec("qwen-image-plus"), &d).unwrap_err();
    assert!(e.to_string().contains("900"), "{e}");
}
