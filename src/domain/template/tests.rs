use super::*;
use proptest::prelude::*;

fn wild(pairs: &[(&str, &str)]) -> Wildcards {
    Wildcards(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Wildcards::lines_of(v)))
            .collect(),
    )
}

fn all(t: &str) -> Vec<String> {
    Template::parse(t, &Wildcards::default())
        .unwrap()
        .expand_all()
        .unwrap()
}

#[test]
fn every_combination_in_order() {
    assert_eq!(
        all("a {red|blue} {cat|dog}"),
        ["a red cat", "a red dog", "a blue cat", "a blue dog"]
    );
    assert_eq!(all("plain text"), ["plain text"]);
    assert!(
        Template::parse("plain", &Wildcards::default())
            .unwrap()
            .is_plain()
    );
    assert_eq!(all("{a|b {x|y}|}"), ["a", "b x", "b y", ""]);
    assert_eq!(
        Template::parse("{a|b {x|y}|}", &Wildcards::default())
            .unwrap()
            .count(),
        4
    );
}

#[test]
fn escapes_are_literal() {
    assert_eq!(
        all(r"\{not a choice\} a\|b c\\d"),
        [r"{not a choice} a|b c\d"]
    );
    assert_eq!(all("a|b outside braces"), ["a|b outside braces"]);
}

#[test]
fn unbalanced_braces_say_where() {
    let e = Template::parse("a {b|c", &Wildcards::default()).unwrap_err();
    assert_eq!(e, TemplateError::Unclosed(3));
    assert!(e.to_string().contains("character 3"), "{e}");
    let e = Template::parse("a b} c", &Wildcards::default()).unwrap_err();
    assert_eq!(e, TemplateError::Unopened(4));
}

#[test]
fn wildcards_pick_lines_nest_and_refuse_cycles() {
    let w = wild(&[
        ("animal", "# animals\ncat\n\n{big|small} __colour__ dog\n"),
        ("colour", "red\nblue"),
        ("a", "__b__"),
        ("b", "x __a__"),
        ("my_style", "oil"),
        ("empty", "# nothing\n\n"),
    ]);
    let t = Template::parse("a __animal__", &w).unwrap();
    assert_eq!(t.count(), 5);
    assert_eq!(
        t.expand_all().unwrap(),
        [
            "a cat",
            "a big red dog",
            "a big blue dog",
            "a small red dog",
            "a small blue dog"
        ]
    );
    assert_eq!(
        Template::parse("__my_style__ painting", &w)
            .unwrap()
            .expand_all()
            .unwrap(),
        ["oil painting"]
    );
    let e = Template::parse("__a__", &w).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the wildcards name each other in a circle: __a__ → __b__ → __a__"
    );
    assert!(
        matches!(Template::parse("__nope__", &w), Err(TemplateError::NoWildcard(n)) if n == "nope")
    );
    assert!(matches!(
        Template::parse("__empty__", &w),
        Err(TemplateError::EmptyWildcard(_))
    ));
    // Not a wildcard: kept as text.
    assert_eq!(
        Template::parse("snake_case and __ alone __x", &w)
            .unwrap()
            .expand_all()
            .unwrap(),
        ["snake_case and __ alone __x"]
    );
}

#[test]
fn deep_nesting_is_refused() {
    let pairs: Vec<(String, String)> = (0..12)
        .map(|i| (format!("w{i}"), format!("__w{}__", i + 1)))
        .collect();
    let mut w = Wildcards::default();
    for (k, v) in pairs {
        w.0.insert(k, vec![v]);
    }
    w.0.insert("w12".into(), vec!["end".into()]);
    assert!(matches!(
        Template::parse("__w0__", &w),
        Err(TemplateError::TooDeep(_))
    ));
}

#[test]
fn too_many_prompts_are_refused_with_the_number() {
    let t = Template::parse(&"{a|b|c|d|e|f|g|h|i|j}".repeat(4), &Wildcards::default()).unwrap();
    assert_eq!(t.count(), 10_000);
    let e = t.expand_all().unwrap_err();
    assert!(e.to_string().contains("makes 10000 prompts"), "{e}");
    // Random draws have no such limit.
    assert_eq!(t.draw(1).len(), 4);
}

#[test]
fn draws_are_stable_for_a_seed_and_vary_with_it() {
    let t = Template::parse("{a|b|c|d} {e|f|g|h} {i|j|k|l}", &Wildcards::default()).unwrap();
    assert_eq!(t.draw(42), t.draw(42));
    let distinct: std::collections::HashSet<_> = (0..50).map(|s| t.draw(s)).collect();
    assert!(distinct.len() > 10, "{distinct:?}");
    assert_eq!(t.max_chars(), 5);
}

proptest! {
    #[test]
    fn never_panics_and_the_count_matches_the_expansion(s in "[ab{}|\\\\_x ]{0,40}") {
        if let Ok(t) = Template::parse(&s, &Wildcards::default()) {
            match t.expand_all() {
                Ok(all) => {
                    prop_assert_eq!(all.len() as u64, t.count());
                    for p in &all {
                        prop_assert!(p.chars().count() <= t.max_chars());
                    }
                }
                Err(TemplateError::TooMany(n)) => prop_assert!(n > MAX_PROMPTS),
                Err(e) => prop_assert!(false, "{e}"),
            }
            let d = t.draw(7);
            prop_assert_eq!(&d, &t.draw(7));
            prop_assert!(d.chars().count() <= t.max_chars());
            if let Ok(all) = t.expand_all() {
                prop_assert!(all.contains(&d), "a draw is one of the combinations");
            }
        }
    }

    #[test]
    fn any_text_parses_or_says_why(s in "\\PC{0,60}") {
        let _ = Template::parse(&s, &Wildcards::default()).map(|t| t.count());
    }
}
