//! Tests of form validation and field visibility.

use super::*;
use crate::domain::models::AspectRatio;
use crate::domain::seed::{SeedStream, parse_seed};
use rstest::rstest;

fn form(wires: &[Wire], model: &str) -> ComposeForm {
    ComposeForm::new(ComposeForm::models_for(wires), model)
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
            Field::Count
        ]
    );
    assert_eq!(g.shape_label().unwrap(), "1328*1328 (1:1)");
}

#[test]
fn gateway_seed_only_when_locked() {
    let mut f = form(&[Wire::OpenAi], "qwen-image-plus");
    f.prompt.set("a cat");
    let r = requests(&f);
    assert_eq!((r[0].seed, r[0].size.as_deref()), (None, Some("1328*1328")));
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
    assert_eq!(f.spec().unwrap().id, "qwen-image-plus");
    f.step(Field::Model, -1);
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
