//! Tests of config parsing: the documented example, the profile rules and error messages.

use super::*;

const DESIGN_EXAMPLE: &str = r#"
default_profile = "studio"
theme = "default"
image_protocol = "auto"

[profiles.studio]
provider = "apiframe"
base_url = "https://api.apiframe.ai"
api_key_env = "APIFRAME_API_KEY"
model = "qwen-image-2"
output_dir = "~/Pictures/qimg"

[profiles.gateway]
provider = "openai"
base_url = "https://gateway.example"
api_key_env = "QIMG_GATEWAY_KEY"
model = "qwen-image-plus"
"#;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("/cfg/config.toml"))
}

fn invalid(text: &str) -> (usize, Option<String>, String) {
    match parse(text) {
        Err(ConfigError::Invalid {
            line,
            field,
            message,
            ..
        }) => (line, field, message),
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

#[test]
fn the_design_example_parses() {
    let c = parse(DESIGN_EXAMPLE).unwrap();
    assert_eq!(
        c.profiles.keys().collect::<Vec<_>>(),
        ["studio", "gateway", "sim", "sim-gateway"]
    );
    let studio = &c.profiles["studio"];
    assert_eq!(studio.kind, ProviderKind::Apiframe);
    assert!(matches!(&studio.key_source, KeySource::Env(v) if v == "APIFRAME_API_KEY"));
    assert!(!studio.output_dir.as_ref().unwrap().starts_with("~"));
    assert_eq!(c.profiles["gateway"].kind, ProviderKind::OpenAi);
    assert_eq!(c.pick_profile(None, None).unwrap().name, "studio");
    assert_eq!(
        c.pick_profile(Some("gateway"), Some("studio"))
            .unwrap()
            .name,
        "gateway"
    );
    assert_eq!(c.pick_profile(None, Some("sim")).unwrap().name, "sim");
}

#[test]
fn no_file_means_the_simulator() {
    let c = parse("").unwrap();
    assert_eq!(c.pick_profile(None, None).unwrap().name, "sim");
    assert!(c.pick_profile(None, None).unwrap().is_simulator());
}

#[test]
fn without_default_the_first_profile_with_a_key_wins() {
    let text = r#"
[profiles.a]
provider = "apiframe"
api_key_env = "QIMG_TEST_SURELY_UNSET_VAR_1"
[profiles.b]
provider = "apiframe"
api_key_cmd = "echo k"
"#;
    assert_eq!(
        parse(text).unwrap().pick_profile(None, None).unwrap().name,
        "b"
    );
}

#[test]
fn unknown_profile_is_named() {
    let c = parse(DESIGN_EXAMPLE).unwrap();
    let e = c.pick_profile(Some("nope"), None).unwrap_err().to_string();
    assert!(
        e.contains("nope") && e.contains("studio, gateway, sim, sim-gateway"),
        "{e}"
    );
}

#[test]
fn a_typo_in_the_provider_names_line_and_field() {
    let (line, field, message) = invalid("[profiles.x]\nprovider = \"apiframee\"\n");
    assert_eq!(line, 2);
    assert_eq!(field.as_deref(), Some("profiles.x.provider"));
    assert!(message.contains("apiframee"), "{message}");
}

#[test]
fn unknown_keys_are_errors() {
    let (line, field, message) =
        invalid("theme = \"light\"\n\n[profiles.x]\nprovider = \"sim\"\nmodle = \"x\"\n");
    assert_eq!(line, 5);
    assert!(field.unwrap().starts_with("profiles.x"));
    assert!(message.contains("modle"), "{message}");
}

#[test]
fn toml_syntax_errors_have_a_line() {
    let (line, _, _) = invalid("theme = \"a\"\nthis is not toml\n");
    assert_eq!(line, 2);
}

#[test]
fn plain_http_only_for_loopback() {
    let (line, field, message) =
        invalid("[profiles.g]\nprovider = \"openai\"\nbase_url = \"http://gw.example\"\n");
    assert_eq!(line, 3);
    assert_eq!(field.as_deref(), Some("profiles.g.base_url"));
    assert!(message.contains("loopback"), "{message}");
    assert!(
        parse("[profiles.g]\nprovider = \"openai\"\nbase_url = \"http://127.0.0.1:9\"\n").is_ok()
    );
}

#[test]
fn openai_needs_a_base_url_and_a_gateway_model() {
    let (_, field, _) = invalid("[profiles.g]\nprovider = \"openai\"\n");
    assert_eq!(field.as_deref(), Some("profiles.g.base_url"));
    let (_, field, message) =
        invalid("[profiles.g]\nprovider = \"apiframe\"\nmodel = \"qwen-image-plus\"\n");
    assert_eq!(field.as_deref(), Some("profiles.g.model"));
    assert!(message.contains("not offered"), "{message}");
}

#[test]
fn one_key_source_only() {
    let (_, field, _) = invalid(
        "[profiles.g]\nprovider = \"apiframe\"\napi_key_env = \"A\"\napi_key_cmd = \"b\"\n",
    );
    assert_eq!(field.as_deref(), Some("profiles.g.api_key"));
}

#[test]
fn bad_default_profile_and_protocol() {
    let (line, field, _) = invalid("default_profile = \"ghost\"\n");
    assert_eq!((line, field.as_deref()), (1, Some("default_profile")));
    let (_, field, _) = invalid("image_protocol = \"braille\"\n");
    assert_eq!(field.as_deref(), Some("image_protocol"));
}

#[test]
fn keybinding_overrides_are_validated() {
    let c = parse("[keybindings.global]\n\"ctrl-g\" = \"submit\"\n").unwrap();
    assert_eq!(c.key_overrides.len(), 1);
    let (_, field, message) = invalid("[keybindings.global]\n\"ctrl-g\" = \"explode\"\n");
    assert_eq!(field.as_deref(), Some("keybindings.global.ctrl-g"));
    assert!(message.contains("explode"));
    let (_, _, message) = invalid("[keybindings.jobs]\n\"hyper-x\" = \"quit\"\n");
    assert!(message.contains("not a key"), "{message}");
}

#[test]
fn a_literal_key_in_an_open_file_is_refused_not_fatal() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let text = "[profiles.p]\nprovider = \"apiframe\"\napi_key = \"afk_literal\"\n";
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let c = Config::parse(text, &path).unwrap();
    let p = &c.profiles["p"];
    assert!(matches!(&p.key_source, KeySource::Refused(why) if why.contains("chmod 600")));
    assert!(p.resolve_key().is_err());
    assert!(!format!("{c:?}").contains("afk_literal"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let c = Config::parse(text, &path).unwrap();
    assert!(matches!(c.profiles["p"].key_source, KeySource::Literal(_)));
    assert!(
        !format!("{c:?}").contains("afk_literal"),
        "Debug must redact the key"
    );
}

#[test]
fn models_in_the_file_join_the_catalogue_and_profiles_may_use_them() {
    let c = parse(
        r#"
[profiles.gw]
provider = "openai"
base_url = "https://gateway.example"
api_key_env = "K"
model = "qwen-image-3.0"
watermark = true
retry_budget_secs = 60

[models."qwen-image-3.0"]
like = "qwen-image-plus"
n = [1, 6]

[models."qwen-image-2"]
prompt_max = 1000
"#,
    )
    .unwrap();
    let m = c.catalogue.find("qwen-image-3.0").unwrap();
    assert_eq!((m.wire, m.n), (crate::domain::models::Wire::OpenAi, (1, 6)));
    assert_eq!(c.catalogue.find("qwen-image-2").unwrap().prompt_max, 1000);
    let gw = &c.profiles["gw"];
    assert!(gw.watermark);
    assert_eq!(gw.retry_budget, std::time::Duration::from_secs(60));
}

#[test]
fn a_bad_model_names_its_line_and_field() {
    let (line, field, message) =
        invalid("\n[models.\"mine\"]\nwire = \"openai\"\nkind = \"paint\"\nprompt_max = 10\n");
    assert_eq!(line, 2);
    assert_eq!(field.as_deref(), Some("models.mine.kind"));
    assert!(
        message.contains("`paint` is not one of generate, edit, both"),
        "{message}"
    );
    let (_, field, message) = invalid("[models.\"x\"]\nlike = \"nope\"\n");
    assert_eq!(field.as_deref(), Some("models.x.like"));
    assert!(message.contains("no model `nope`"), "{message}");
    let (_, field, _) =
        invalid("[models.\"y\"]\nlike = \"qwen-image-2\"\nsizes = [\"1024*1024\"]\n");
    assert_eq!(
        field.as_deref(),
        Some("models.y.ratios"),
        "Apiframe takes ratios"
    );
}

#[test]
fn prices_and_budgets_are_checked_and_read() {
    let (line, field, message) =
        invalid("[profiles.a]\nprovider = \"sim\"\n\nbudget = { daily = -1 }\n");
    assert_eq!(
        (line, field.as_deref()),
        (4, Some("profiles.a.budget.daily"))
    );
    assert!(message.contains("0 or more"), "{message}");
    let (_, field, message) = invalid(
        "[profiles.a]\nprovider = \"apiframe\"\napi_key_env = \"X\"\nprice_per_image = 3\nprice_unit = \"USD\"\n",
    );
    assert_eq!(field.as_deref(), Some("profiles.a.price_unit"));
    assert!(message.contains("Apiframe charges credits"), "{message}");
    let (line, field, _) = invalid("[profiles.a]\nprovider = \"sim\"\n\nprice_unit = \"CNY\"\n");
    assert_eq!(
        (line, field.as_deref()),
        (4, Some("profiles.a.price_unit")),
        "at the key"
    );
    let (line, field, _) = invalid("confirm_cost_above = -1\n");
    assert_eq!((line, field.as_deref()), (1, Some("confirm_cost_above")));
    let (_, field, _) = invalid("[profiles.a]\nprovider = \"sim\"\nbudget = { dayly = 3 }\n");
    assert!(
        field.is_some_and(|f| f.starts_with("profiles.a")),
        "a typo is an error"
    );
    let c = Config::parse(
        "[profiles.gw]\nprovider = \"openai\"\nbase_url = \"https://gw.example\"\nprice_per_image = 0.2\nprice_unit = \"CNY\"\nbudget = { daily = 20, monthly = 300, confirm_above = 2 }\n",
        Path::new("c.toml"),
    )
    .unwrap();
    let p = &c.profiles["gw"];
    assert_eq!(p.unit(), "CNY");
    assert_eq!(p.reservation(&c.catalogue, "qwen-image-plus"), Some(0.2));
    assert_eq!(
        (p.budget.daily, p.budget.monthly, p.budget.confirm_above),
        (Some(20.0), Some(300.0), Some(2.0))
    );
    let g = p
        .guard(crate::domain::Timestamp(1_796_292_000_000), 0)
        .unwrap();
    assert_eq!(g.caps.len(), 2);
}
