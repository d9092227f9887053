//! Runs the real binary in a pseudo-terminal and reads its screen with vt100.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// What a fake terminal answers to the queries it reads from the program.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    /// Answer the status report (`CSI 5 n`) and DA1.
    pub status: bool,
    /// Say sixel in DA1.
    pub sixel: bool,
    /// Say OK to the plain kitty graphics query.
    pub kitty: bool,
    /// Say OK to the kitty PNG and deflate probes.
    pub kitty_compression: bool,
    /// Wait this long before answering (a slow link).
    pub delay: Duration,
}

impl Answers {
    /// The replies to the queries in `out`.
    fn replies(&self, out: &[u8]) -> Vec<u8> {
        let text = String::from_utf8_lossy(out);
        let mut r = String::new();
        for apc in text.split("\x1b_G").skip(1) {
            let head = apc.split(';').next().unwrap_or("");
            if !head.contains("a=q") {
                continue;
            }
            let id = head
                .split(',')
                .find_map(|kv| kv.strip_prefix("i="))
                .unwrap_or("0");
            let compressed = head.contains("o=z") || head.contains("f=100");
            if self.kitty && (!compressed || self.kitty_compression) {
                r.push_str(&format!("\x1b_Gi={id};OK\x1b\\"));
            } else if self.kitty {
                r.push_str(&format!("\x1b_Gi={id};EINVAL:unsupported\x1b\\"));
            }
        }
        if self.status && text.contains("\x1b[16t") {
            r.push_str("\x1b[6;20;10t");
        }
        if self.status && text.contains("\x1b[c") {
            r.push_str(if self.sixel {
                "\x1b[?62;4;22c"
            } else {
                "\x1b[?62;22c"
            });
        }
        if self.status && text.contains("\x1b[5n") {
            r.push_str("\x1b[0n");
        }
        r.into_bytes()
    }
}

pub struct PtyApp {
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    /// When the program was started.
    pub started: Instant,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    master: Box<dyn portable_pty::MasterPty + Send>,
}

impl PtyApp {
    pub fn spawn(args: &[&str], env: &[(&str, String)], cols: u16, rows: u16) -> Self {
        Self::spawn_answering(args, env, cols, rows, None)
    }

    /// Like `spawn`, with a terminal that answers queries as `answers` says.
    pub fn spawn_answering(
        args: &[&str],
        env: &[(&str, String)],
        cols: u16,
        rows: u16,
        answers: Option<Answers>,
    ) -> Self {
        let started = Instant::now();
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_qimg"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = Arc::new(Mutex::new(pair.master.take_writer().unwrap()));
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (p2, r2, w2) = (Arc::clone(&parser), Arc::clone(&raw), Arc::clone(&writer));
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p2.lock().unwrap().process(&buf[..n]);
                r2.lock().unwrap().extend_from_slice(&buf[..n]);
                let Some(a) = &answers else { continue };
                let reply = a.replies(&buf[..n]);
                if reply.is_empty() {
                    continue;
                }
                let (w, delay) = (Arc::clone(&w2), a.delay);
                std::thread::spawn(move || {
                    std::thread::sleep(delay);
                    let mut w = w.lock().unwrap();
                    let _ = w.write_all(&reply);
                    let _ = w.flush();
                });
            }
        });
        Self {
            parser,
            raw,
            writer,
            started,
            child,
            master: pair.master,
        }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn raw(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    pub fn alternate_screen(&self) -> bool {
        self.parser.lock().unwrap().screen().alternate_screen()
    }

    pub fn send(&mut self, bytes: &[u8]) {
        let mut w = self.writer.lock().unwrap();
        w.write_all(bytes).unwrap();
        w.flush().unwrap();
    }

    /// Types text one character at a time, like a person.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.send(c.to_string().as_bytes());
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {needle:?}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn wait_exit(&mut self, timeout: Duration) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread take the last bytes.
                std::thread::sleep(Duration::from_millis(100));
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the program did not exit; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Resizes the pty; the kernel sends SIGWINCH.
    pub fn resize(&self, cols: u16, rows: u16) {
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
    }

    /// Waits until `ok` holds for the raw output written so far.
    pub fn wait_raw(&self, what: &str, timeout: Duration, ok: impl Fn(&[u8]) -> bool) {
        let deadline = Instant::now() + timeout;
        while !ok(&self.raw.lock().unwrap()) {
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until nothing was written for `quiet`.
    pub fn settle(&self, quiet: Duration, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let mut last = self.raw.lock().unwrap().len();
        let mut since = Instant::now();
        while since.elapsed() < quiet {
            assert!(Instant::now() < deadline, "the program never went quiet");
            std::thread::sleep(Duration::from_millis(50));
            let now = self.raw.lock().unwrap().len();
            if now != last {
                last = now;
                since = Instant::now();
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().unwrap()
    }
}

impl Drop for PtyApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Env for a hermetic run in `root`, with a fast simulator.
/// Runs `qimg ARGS` with `env` and fails the test, with its stderr, unless it succeeds.
pub fn qimg_ok(env: &[(&str, String)], args: &[&str]) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qimg"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn hermetic_env(root: &std::path::Path, job_seconds: f64) -> Vec<(&'static str, String)> {
    let config = root.join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        format!("[profiles.sim]\nprovider = \"sim\"\nsim_job_seconds = {job_seconds}\n"),
    )
    .unwrap();
    vec![
        ("QIMG_CONFIG_DIR", config.display().to_string()),
        ("QIMG_DATA_DIR", root.join("data").display().to_string()),
        ("QIMG_CACHE_DIR", root.join("cache").display().to_string()),
        ("QIMG_IMAGE_PROTOCOL", "halfblocks".to_owned()),
    ]
}
