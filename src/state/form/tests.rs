//! Tests of form validation and field visibility.

use super::*;
use crate::domain::models::AspectRatio;
use crate::domain::seed::{SeedStream, parse_seed};
use rstest::rstest;

fn form(wires: &[Wire], model: &str) -> ComposeForm {
    ComposeForm::new(
        ComposeForm::models_for(crate::domain::catalogue::Catalogue::builtin(), wires),
        model,
    )
}

/// The form's requests with their seeds drawn, as the jobs will carry them.
fn requests(f: &ComposeForm) -> Vec<JobRequest> {
    f.validate().unwrap().seeded(&mut SeedStream::new(3))
}

#[rstest]
#[case("42", Ok(42))]
#[case(" 42 ", Ok(42))]
#[case("0", Ok(0))]
#[case("2147483647", Ok(2_147_483_647))]
#[case("2147483648", Err(()))]
#[case("abc", Err(()))]
#[case("-1", Err(()))]
#[case("1e3", Err(()))]
#[case("18446744073709551616", Err(()))]
#[case("0x2A", Err(()))]
#[case("+5", Err(()))]
#[case("", Err(()))]
fn seeds(#[case] input: &str, #[case] want: Result<u32, ()>) {
    assert_eq!(parse_seed(input).map_err(|_| ()), want, "{input:?}");
}

#[test]
fn empty_prompt_is_refused() {
    let mut f = form(&[Wire::Apiframe], "qwen-image-2");
    f.prompt.set("   \n ");
    assert_eq!(f.validate().unwrap_err().field, Field::Prompt);
}

#[test]
fn prompt_limit_counts_characters() {
    let mut f = form(&[Wire::Apiframe], "qwen-image-2");
    f.prompt.set(&"日".repeat(2000));
    assert!(f.validate().is_ok());
    f.prompt.set(&"日".repeat(2001));
    let e = f.validate().unwrap_err();
    assert!(e.message.contains("2001"), "{e}");
}

#[test]
fn count_makes_n_jobs_with_their_own_random_seeds() {
    let mut f = form(&[Wire::Apiframe], "qwen-image-2");
    f.prompt.set("a lake");
    f.count = 4;
    let reqs = requests(&f);
    assert_eq!(reqs.len(), 4);
    let seeds: std::collections::HashSet<_> = reqs.iter().map(|r| r.seed).collect();
    assert_eq!(seeds.len(), 4, "each job its own seed");
    assert!(
        reqs.iter()
            .all(|r| r.seed.is_some() && r.aspect_ratio == Some(AspectRatio::Square))
    );
    f.seed_locked = true;
    f.seed.set("7");
    let seeds: Vec<_> = requests(&f).iter().map(|r| r.seed).collect();
    assert_eq!(
        seeds,
        [Some(7), Some(8), Some(9), Some(10)],
        "a locked seed counts up"
    );
    f.seed_mode = SeedMode::Fixed;
    assert!(requests(&f).iter().all(|r| r.seed == Some(7)));
    f.seed.set("x");
    assert_eq!(f.validate().unwrap_err().field, Field::Seed);
}

#[test]
fn fields_follow_the_model() {
    let mut f = form(&[Wire::OpenAi], "qwen-image-edit");
    assert_eq!(
        f.visible_fields(),
        vec![Field::Prompt, Field::Model, Field::Reference, Field::Count]
    );
    f.prompt.set("make it night");
    assert_eq!(f.validate().unwrap_err().field, Field::Reference);
    f.reference.set("/tmp/in.png");
    let r = requests(&f);
    assert_eq!(r[0].images, vec![ImageInput::File("/tmp/in.png".into())]);
    assert_eq!(r[0].seed, None);
    let g = form(&[Wire::OpenAi], "qwen-image-plus");
    assert_eq!(
        g.visible_fields(),
        vec![
            Field::Prompt,
            Field::Negative,
            Field::Model,
            Field::Shape,
            Field::Seed,
            Field::Rewrite,
            Field::Count
        ]
    );
    assert_eq!(g.shape_label().unwrap(), "1328*1328 (1:1)");
}

#[test]
fn gateway_jobs_get_a_seed_and_an_explicit_rewrite_and_watermark() {
    let mut f = form(&[Wire::OpenAi], "qwen-image-plus");
    f.prompt.set("a cat");
    let r = requests(&f);
    assert!(
        r[0].seed.is_some(),
        "qimg picks the seed, so the job records it"
    );
    assert_eq!(r[0].size.as_deref(), Some("1328*1328"));
    assert_eq!(
        (r[0].prompt_extend, r[0].watermark),
        (Some(false), Some(false))
    );
    f.step(Field::Rewrite, 1);
    assert_eq!(requests(&f)[0].prompt_extend, Some(true));
}

#[test]
fn the_seed_cycles_random_locked_fixed_and_fixed_only_with_a_count() {
    let mut f = form(&[Wire::Apiframe], "qwen-image-2");
    f.cycle_seed(5);
    assert!(f.seed_locked && f.seed_mode == SeedMode::Increment);
    assert_eq!(f.seed.text(), "5");
    f.cycle_seed(6);
    assert!(!f.seed_locked, "with one job, locked goes back to random");
    f.count = 3;
    f.cycle_seed(6);
    f.cycle_seed(6);
    assert!(f.seed_locked && f.seed_mode == SeedMode::Fixed);
    assert_eq!(f.seed.text(), "5", "a typed seed is kept");
    f.cycle_seed(6);
    assert!(!f.seed_locked);
}

#[test]
fn too_many_images_for_the_model() {
    let mut f = form(&[Wire::OpenAi], "qwen-image-edit");
    f.prompt.set("x");
    f.reference.set("/a.png; /b.png");
    assert!(f.validate().unwrap_err().message.contains("at most 1"));
}

#[test]
fn switching_models_keeps_the_ratio_where_possible() {
    let mut f = form(&[Wire::Apiframe, Wire::OpenAi], "qwen-image-2");
    f.step(Field::Shape, 6); // 16:9
    assert_eq!(f.shape_label().as_deref(), Some("16:9"));
    f.step(Field::Model, 1);
    assert_eq!(f.spec().unwrap().id, "qwen-image-2-pro");
    assert_eq!(f.shape_label().as_deref(), Some("16:9"));
    f.step(Field::Model, 1);
    assert_eq!(f.spec().unwrap().id, "qwen-image-plus");
    f.step(Field::Model, -2);
    assert_eq!(f.spec().unwrap().id, "qwen-image-2");
}

#[test]
fn load_round_trips_a_request() {
    let mut f = form(&[Wire::Apiframe], "qwen-image-2");
    let mut req = JobRequest::apiframe("a kite", AspectRatio::P9x16, 99);
    req.negative_prompt = Some("fog".into());
    f.load(&req);
    let back = requests(&f).remove(0);
    assert_eq!(back, req);
}

#[test]
fn the_template_mode_shows_only_for_a_template_and_steps_from_every_combination() {
    let mut f = form(&[Wire::Apiframe], "qwen-image-2");
    f.prompt.set("a plain lake");
    assert!(!f.visible_fields().contains(&Field::Draws));
    f.prompt.set("a {red|blue|green} lake");
    assert_eq!(f.visible_fields().last(), Some(&Field::Draws));
    assert_eq!(requests(&f).len(), 3, "every combination by default");
    f.step(Field::Draws, 1);
    f.step(Field::Draws, 1);
    assert_eq!(f.draws, Some(2));
    assert_eq!(requests(&f).len(), 2, "two random draws");
    f.step(Field::Draws, -5);
    assert_eq!(f.draws, None, "below one draw is every combination again");
    f.draws = Some(2);
    f.prompt.set("a plain lake");
    assert_eq!(requests(&f).len(), 1, "a hidden mode is not sent");
}

#[test]
fn a_preset_saved_from_the_form_brings_the_whole_form_back() {
    let wires = [Wire::Apiframe, Wire::OpenAi];
    let mut f = form(&wires, "qwen-image-2");
    f.prompt.set("a {red|blue} kite");
    f.step(Field::Shape, 2);
    f.negative.set("blurry");
    f.seed.set("77");
    f.seed_locked = true;
    f.count = 3;
    f.seed_mode = SeedMode::Fixed;
    f.draws = Some(2);
    let preset = f.to_preset().unwrap();
    let mut g = form(&wires, "qwen-image-plus");
    g.prompt.set("a {red|blue} kite");
    g.apply_preset(&preset).unwrap();
    assert_eq!(format!("{:?}", g.draft()), format!("{:?}", f.draft()));
    assert_eq!(g.to_preset().unwrap(), preset);
}

#[test]
fn a_preset_the_profile_cannot_take_changes_nothing() {
    let mut f = form(&[Wire::Apiframe], "qwen-image-2");
    f.count = 2;
    let before = format!("{:?}", f.draft());
    let wrong_model = crate::domain::preset::Preset {
        model: Some("qwen-image-plus".into()),
        count: Some(5),
        ..Default::default()
    };
    let e = f.apply_preset(&wrong_model).unwrap_err();
    assert!(e.contains("no model `qwen-image-plus`"), "{e}");
    let wrong_shape = crate::domain::preset::Preset {
        size: Some("1328*1328".into()),
        count: Some(5),
        ..Default::default()
    };
    let e = f.apply_preset(&wrong_shape).unwrap_err();
    assert!(e.contains("no size 1328*1328"), "{e}");
    assert_eq!(format!("{:?}", f.draft()), before);
    let only_count = crate::domain::preset::Preset {
        count: Some(5),
        ..Default::default()
    };
    f.apply_preset(&only_count).unwrap();
    assert_eq!(f.count, 5);
}

#[test]
fn references_are_a_list_added_to_up_to_the_model_maximum_and_reordered_at_the_cursor() {
    let mut f = form(&[Wire::OpenAi], "qwen-image-edit-plus");
    let max = f.references_max();
    assert!(
        max >= 2,
        "the catalogue gives qwen-image-edit-plus {max} images"
    );
    assert_eq!(f.add_reference("/a.png"), Ok((1, max)));
    assert_eq!(f.add_reference("/b.png"), Ok((2, max)));
    assert_eq!(
        f.add_reference("/a.png"),
        Ok((1, max)),
        "the same file once"
    );
    assert_eq!(f.references(), ["/a.png", "/b.png"]);
    // The cursor is at the end, in /b.png: move it first.
    assert_eq!(f.move_reference(-1), Some(0));
    assert_eq!(f.references(), ["/b.png", "/a.png"]);
    assert_eq!(f.move_reference(-1), Some(0), "already first");
    assert_eq!(f.remove_reference().as_deref(), Some("/b.png"));
    assert_eq!(f.references(), ["/a.png"]);
    for n in 2..=max {
        f.add_reference(&format!("/{n}.png")).unwrap();
    }
    let e = f.add_reference("/one-too-many.png").unwrap_err();
    assert!(e.contains(&format!("at most {max} images")), "{e}");
    // A model of one image replaces it.
    let mut g = form(&[Wire::Apiframe, Wire::OpenAi], "qwen-image-2");
    let one = g.models.iter().position(|m| m.images.max == 1);
    if let Some(i) = one {
        g.model = i;
        g.add_reference("/x.png").unwrap();
        g.add_reference("/y.png").unwrap();
        assert_eq!(g.references(), ["/y.png"]);
    }
}
