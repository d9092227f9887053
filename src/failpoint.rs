//! Crash points for the crash test: `QIMG_FAILPOINTS="submit.after_response=0.5,..."` makes
//! the process abort (like a SIGKILL, without cleanup) at a named point with the given
//! probability. Unset in normal use, where each check is one atomic load.

use std::sync::OnceLock;

fn table() -> &'static Vec<(String, f64)> {
    static T: OnceLock<Vec<(String, f64)>> = OnceLock::new();
    T.get_or_init(|| {
        std::env::var("QIMG_FAILPOINTS")
            .unwrap_or_default()
            .split(',')
            .filter_map(|e| {
                let (name, p) = e.split_once('=')?;
                Some((name.trim().to_owned(), p.trim().parse().ok()?))
            })
            .collect()
    })
}

/// Aborts the process at `name` when the crash test asked for it.
pub fn hit(name: &str) {
    if let Some((_, p)) = table().iter().find(|(n, _)| n == name)
        && rand::random::<f64>() < *p
    {
        eprintln!("qimg: failpoint {name} hit; aborting on purpose");
        std::process::abort();
    }
}
