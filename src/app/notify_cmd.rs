//! `notify_cmd`: the user's command (`ntfy publish …`) run when a notification is due, with the
//! job's or batch's JSON on stdin and no secret in its environment, for at most 10 s, on a
//! thread of its own so the loop never waits. The first failure is logged and told; later
//! ones only at debug level (a broken command must not flood the log every job).

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use super::message::Msg;

/// How long the command may run before it (and everything it started) is stopped.
pub const NOTIFY_CMD_TIMEOUT: Duration = Duration::from_secs(10);

/// The first failure was told (later ones are logged at debug level only).
static FAILED_ONCE: AtomicBool = AtomicBool::new(false);

/// Runs `command` with `sh -c` and `json` on stdin, off the loop, without `key_vars` (or any
/// variable named like a secret) in its environment; `msgs` hears of the first failure.
pub fn run(command: &str, key_vars: &[String], json: String, msgs: UnboundedSender<Msg>) {
    let env: Vec<(OsString, OsString)> = std::env::vars_os()
        .filter(|(k, _)| !super::external::holds_secret(k, key_vars))
        .collect();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .env_clear()
        .envs(env)
        // Its own process group, so a timeout stops what it started too.
        .process_group(0);
    let spawned = std::thread::Builder::new()
        .name("notify_cmd".into())
        .spawn(move || {
            if let Err(why) = run_once(cmd, &json, NOTIFY_CMD_TIMEOUT) {
                if FAILED_ONCE.swap(true, Ordering::SeqCst) {
                    tracing::debug!("notify_cmd failed again: {why}");
                } else {
                    tracing::warn!(
                        "notify_cmd failed: {why} (later failures are logged at debug level)"
                    );
                    let _ = msgs.send(Msg::Failed(format!("notify_cmd failed: {why}")));
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start a thread for notify_cmd: {e}");
    }
}

/// Starts the command, writes `json`, and waits at most `timeout`.
fn run_once(mut cmd: Command, json: &str, timeout: Duration) -> Result<(), String> {
    let mut child = cmd.spawn().map_err(|e| format!("cannot start it: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input is not a failure.
        let _ = stdin.write_all(json.as_bytes());
    }
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("it ended with {status}")),
            Ok(None) if Instant::now() >= deadline => {
                if let Some(pid) = rustix::process::Pid::from_raw(child.id().cast_signed()) {
                    let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
                }
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "it ran for more than {} s and was stopped",
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_command_says_how_and_a_hanging_one_is_stopped_with_its_children() {
        let sh = |script: &str| {
            let mut c = Command::new("sh");
            c.args(["-c", script])
                .stdin(Stdio::piped())
                .process_group(0);
            c
        };
        let second = Duration::from_secs(1);
        assert_eq!(
            run_once(sh("exit 3"), "{}", second),
            Err("it ended with exit status: 3".into())
        );
        assert_eq!(run_once(sh("cat > /dev/null"), "{\"a\":1}", second), Ok(()));
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let script = format!("sleep 30 & echo $! > {}; wait", pid_file.display());
        let started = Instant::now();
        let r = run_once(sh(&script), "{}", Duration::from_millis(300));
        assert!(r.unwrap_err().contains("was stopped"));
        assert!(started.elapsed() < Duration::from_secs(10));
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // The grandchild went with its group (give the kernel a moment to reap it).
        let gone = (0..50).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            !std::path::Path::new(&format!("/proc/{pid}")).exists()
                || std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .is_ok_and(|s| s.contains(") Z "))
        });
        assert!(gone, "sleep {pid} outlived the timeout");
    }
}
