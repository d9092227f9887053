//! `EffectRunner`: carries out the effects the update asks for. Anything slow or blocking
//! (decoding, the store, reading folders, resolving files) runs on a blocking thread or a task
//! and reports back through a `Msg`; only screen writes happen on the loop's thread.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;

use super::message::Msg;
use super::screen::{Screen, osc52};
use super::{App, Effect, PAGE, Sent};
use crate::api::Command;
use crate::domain::Level;
use crate::domain::catalogue::Catalogue;
use crate::services::{NewJobs, make_jobs};
use crate::store::Store;

/// What the effects need from outside the app.
pub struct EffectRunner {
    /// Commands to the network task.
    pub engine: UnboundedSender<Command>,
    /// Results back into the loop.
    pub msgs: UnboundedSender<Msg>,
    /// The job store.
    pub store: Store,
    /// Variables the profiles read keys from: removed from every program qimg starts.
    pub key_vars: Vec<String>,
    /// Inside tmux (the clipboard sequence goes through passthrough).
    pub tmux: bool,
    /// The home folder, for `~/` in path completion.
    pub home: Option<PathBuf>,
    /// The models, for checking input files and reading parameters back.
    pub catalogue: Arc<Catalogue>,
    /// `presets.toml`, where presets are saved.
    pub presets_file: PathBuf,
    /// Where contact sheets go.
    pub sheets_dir: PathBuf,
    /// Prices by profile and model, for the spend in the header.
    pub prices: crate::domain::ledger::Prices,
    /// Whether a spend load is running (see `load_spend`).
    pub spend_load: Arc<std::sync::atomic::AtomicU8>,
}

impl EffectRunner {
    /// Carries out `effects` in order.
    pub fn run(&self, effects: Vec<Effect>, app: &mut App, screen: &mut dyn Screen, now: Instant) {
        for fx in effects {
            self.one(fx, app, screen, now);
        }
    }

    fn one(&self, fx: Effect, app: &mut App, screen: &mut dyn Screen, now: Instant) {
        match fx {
            Effect::Engine(cmd) => {
                if self.engine.send(cmd).is_err() {
                    app.state.notice(
                        Level::Error,
                        "the network task stopped; restart qimg (jobs resume)",
                        now,
                    );
                    app.dirty = true;
                }
            }
            Effect::Create(new, sent) => self.create(new, sent),
            Effect::Decode(path) => self.decode(path, app, screen.size()),
            Effect::DecodeFull(path) => self.decode_full(path),
            Effect::Thumbs(paths) => self.thumbs(paths, app),
            Effect::Repaint => {
                screen.repaint();
                app.dirty = true;
            }
            Effect::Editor(field) => self.editor(field, app, screen, now),
            Effect::WriteTerminal(bytes) => {
                if let Err(e) = screen.write_raw(&bytes) {
                    tracing::warn!("cannot write to the terminal: {e}");
                }
            }
            Effect::LoadOlder => {
                self.load_page(app.state.jobs.len(), app, false);
                // Only one page at a time.
                app.state.jobs.more_in_store = false;
            }
            Effect::ReloadJobs => self.load_page(0, app, true),
            Effect::Clipboard(text) => {
                if let Err(e) = screen.write_raw(osc52(&text, self.tmux).as_bytes()) {
                    tracing::warn!("clipboard write failed: {e}");
                }
            }
            Effect::OpenExternal(path) => {
                if let Err(e) = super::external::open(&path, &self.key_vars) {
                    app.state
                        .notice(Level::Error, format!("cannot open it: {e}"), now);
                    app.dirty = true;
                }
            }
            Effect::DeleteJob { id, files } => self.delete(id, files),
            Effect::LoadParams(typed) => self.load_params(typed),
            Effect::SavePreset { name, preset } => self.write_presets(move |file| {
                crate::config::presets::save(file, &name, &preset)?;
                Ok(Some(format!("saved the form as preset `{name}`")))
            }),
            Effect::DeletePreset(name) => self.write_presets(move |file| {
                crate::config::presets::delete(file, &name)?;
                Ok(Some(format!("deleted preset `{name}`")))
            }),
            Effect::LoadPresets => self.write_presets(|_| Ok(None)),
            Effect::Sheet(jobs) => self.sheet(jobs),
            Effect::LoadSpend => self.load_spend(),
            Effect::NotifyCmd(json) => {
                if let Some(command) = &app.state.notify_cmd {
                    super::notify_cmd::run(command, &self.key_vars, json, self.msgs.clone());
                }
            }
            Effect::Complete(text) => self.complete(text),
        }
    }

    /// Runs `work` on a blocking thread and sends its message back.
    fn blocking(&self, work: impl FnOnce() -> Msg + Send + 'static) {
        let tx = self.msgs.clone();
        tokio::task::spawn_blocking(move || {
            let _ = tx.send(work());
        });
    }

    fn create(&self, new: NewJobs, sent: Sent) {
        let entropy = rand::random::<u64>();
        let catalogue = Arc::clone(&self.catalogue);
        self.blocking(move || Msg::Created {
            jobs: make_jobs(new, entropy, &catalogue),
            sent,
        });
    }

    fn decode(&self, path: PathBuf, app: &App, (cols, rows): (u16, u16)) {
        let (fw, fh) = app.previews.font_size();
        let max_w = (u32::from(cols) * u32::from(fw)).clamp(64, 2048);
        let max_h = (u32::from(rows) * u32::from(fh)).clamp(64, 2048);
        self.blocking(move || {
            let started = std::time::Instant::now();
            let (result, dims) = crate::imaging::decode_path_for_preview(&path, max_w, max_h);
            tracing::debug!(took = ?started.elapsed(), ?dims, "preview decoded");
            Msg::PreviewDecoded { path, result, dims }
        });
    }

    fn decode_full(&self, path: PathBuf) {
        self.blocking(move || {
            let (result, _) = crate::imaging::decode_path_for_preview(&path, 8192, 8192);
            Msg::FullDecoded { path, result }
        });
    }

    fn thumbs(&self, paths: Vec<PathBuf>, app: &mut App) {
        let Some(encoder) = app.previews.encoder() else {
            return;
        };
        let (fw, fh) = app.previews.font_size();
        let size = crate::preview::thumbs::THUMB;
        let max = (
            u32::from(size.width) * u32::from(fw),
            u32::from(size.height) * u32::from(fh),
        );
        for path in paths {
            let kitty_id = app
                .previews
                .is_kitty()
                .then(|| app.previews.next_kitty_id());
            self.blocking(move || {
                let (decoded, _) = crate::imaging::decode_path_for_preview(&path, max.0, max.1);
                let result = decoded.map_err(Into::into).and_then(|img| {
                    crate::preview::thumbs::encode(encoder, &img, size, kitty_id.unwrap_or(0))
                });
                Msg::ThumbReady {
                    path,
                    result,
                    kitty_id,
                }
            });
        }
    }

    /// Loads a page of the list for the current view: the first one again (`replace`), or the
    /// next older one.
    fn load_page(&self, offset: usize, app: &App, replace: bool) {
        let (tx, store) = (self.msgs.clone(), self.store.clone());
        let filter = app.state.history.to_filter();
        tokio::spawn(async move {
            match store.run(move |s| s.list(&filter, PAGE, offset)).await {
                Ok(jobs) => {
                    let more = jobs.len() == PAGE;
                    let msg = if replace {
                        Msg::Reloaded { jobs, more }
                    } else {
                        Msg::OlderJobs { jobs, more }
                    };
                    let _ = tx.send(msg);
                }
                Err(e) => {
                    let _ = tx.send(Msg::Failed(format!("cannot read the job history: {e}")));
                }
            }
        });
    }

    fn delete(&self, id: crate::domain::JobId, files: Vec<PathBuf>) {
        let (tx, store) = (self.msgs.clone(), self.store.clone());
        tokio::spawn(async move {
            if let Err(e) = store.run(move |s| s.delete_job(id)).await {
                tracing::error!("cannot delete job {id}: {e}");
                let _ = tx.send(Msg::Failed(format!(
                    "cannot delete job {}: {e}",
                    id.short()
                )));
            }
            for f in files {
                if let Err(e) = tokio::fs::remove_file(&f).await {
                    tracing::warn!("cannot delete {}: {e}", f.display());
                }
            }
        });
    }

    fn load_params(&self, typed: String) {
        let catalogue = Arc::clone(&self.catalogue);
        self.blocking(move || {
            let path = crate::util::resolve_path(Path::new(&typed));
            Msg::Params(read_params(&path, &catalogue))
        });
    }

    /// Runs a save or delete of `presets.toml` (or nothing, for a reload) off the loop, then
    /// reads the file back.
    fn write_presets(
        &self,
        write: impl FnOnce(&Path) -> Result<Option<String>, crate::config::presets::PresetFileError>
        + Send
        + 'static,
    ) {
        use super::presets::{PresetsRead, PresetsWritten};
        let file = self.presets_file.clone();
        let clean = |e: String| crate::sanitize::sanitize_line(&e).into_owned();
        self.blocking(move || {
            let written = match write(&file) {
                Ok(done) => PresetsWritten {
                    read: match crate::config::presets::load(&file) {
                        Ok(p) => PresetsRead::Ok(p.entries),
                        Err(e) => PresetsRead::Broken(clean(e.to_string())),
                    },
                    done,
                },
                Err(e) => PresetsWritten {
                    read: PresetsRead::WriteFailed(clean(e.to_string())),
                    done: None,
                },
            };
            Msg::PresetsWritten(written)
        });
    }

    /// Reads the spend off the loop. Loads asked for while one runs become one more load after
    /// it, so a burst of job ends reads the store twice, not once per job.
    fn load_spend(&self) {
        use std::sync::atomic::Ordering;
        // 0 idle, 1 loading, 2 loading and asked again.
        if self.spend_load.fetch_max(1, Ordering::SeqCst) >= 1 {
            self.spend_load.store(2, Ordering::SeqCst);
            return;
        }
        let (store, prices, tx, flag) = (
            self.store.clone(),
            self.prices.clone(),
            self.msgs.clone(),
            Arc::clone(&self.spend_load),
        );
        tokio::task::spawn_blocking(move || {
            loop {
                match crate::services::ledger::spend_now(&store, &prices) {
                    Ok((day, week)) => {
                        let _ = tx.send(Msg::Spend(day, week));
                    }
                    Err(e) => tracing::warn!("cannot read the spend: {e}"),
                }
                if flag
                    .compare_exchange(2, 1, Ordering::SeqCst, Ordering::SeqCst)
                    .is_err()
                {
                    flag.store(0, Ordering::SeqCst);
                    break;
                }
            }
        });
    }

    /// Writes a contact sheet of `jobs` next to the others, never over one.
    fn sheet(&self, jobs: Vec<crate::domain::Job>) {
        let dir = self.sheets_dir.clone();
        self.blocking(move || {
            let name = match jobs.iter().find_map(|j| j.batch) {
                Some(b) => format!("sheet-{}.png", b.short()),
                None => "sheet.png".to_owned(),
            };
            let written =
                crate::services::sheet::sheet_png(&jobs, None, (320, 320)).and_then(|png| {
                    crate::store::images::write_atomic(&dir, &name, &png).map_err(|e| e.to_string())
                });
            match written {
                Ok(path) => Msg::Finished(format!("contact sheet written: {}", path.display())),
                Err(e) => Msg::Failed(format!(
                    "the contact sheet could not be written: {}",
                    crate::sanitize::sanitize_line(&e)
                )),
            }
        });
    }

    fn complete(&self, text: String) {
        let home = self.home.clone();
        self.blocking(move || Msg::Completed {
            found: super::reference::complete_field(&text, home.as_deref()),
            typed: text,
        });
    }
}

/// The parameters embedded in the PNG at `path`, or why there are none (sanitised).
fn read_params(path: &Path, catalogue: &Catalogue) -> Result<crate::domain::JobRequest, String> {
    use std::io::Read;
    let shown = crate::sanitize::sanitize_line(&path.display().to_string()).into_owned();
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(crate::imaging::FILE_CAP).read_to_end(&mut bytes))
        .map_err(|e| format!("{shown}: {e}"))?;
    crate::store::params::from_png(&bytes, catalogue).map_err(|e| format!("{shown}: {e}"))
}

impl EffectRunner {
    /// Gives the terminal to the editor on `field`'s text and takes it back: the text is
    /// replaced by what the editor saved; a missing or failing editor is a notice and the
    /// text stays as it was. The loop waits meanwhile (jobs go on in the network task).
    fn editor(
        &self,
        field: crate::domain::draft::Field,
        app: &mut App,
        screen: &mut dyn Screen,
        now: Instant,
    ) {
        use crate::domain::draft::Field;
        let form = &app.state.form;
        let text = match field {
            Field::Negative => form.negative.text().to_owned(),
            _ => form.prompt.text().to_owned(),
        };
        if let Err(e) = screen.suspend() {
            app.state.notice(
                Level::Warning,
                format!("cannot hand the terminal to the editor: {e}"),
                now,
            );
            return;
        }
        let run = || super::editor::edit(&text, &self.key_vars);
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        let result = if multi_thread {
            tokio::task::block_in_place(run)
        } else {
            run()
        };
        if let Err(e) = screen.resume() {
            tracing::error!("cannot take the terminal back from the editor: {e}");
        }
        screen.repaint();
        app.dirty = true;
        match result {
            Ok(new) => {
                let form = &mut app.state.form;
                match field {
                    // One line: the editor's line breaks become spaces.
                    Field::Negative => form.negative.set(&new.replace(['\r', '\n'], " ")),
                    _ => form.prompt.set(&new),
                }
                app.state.notice(Level::Info, "edited in the editor", now);
            }
            Err(e) => app.state.notice(
                Level::Warning,
                crate::sanitize::sanitize_line(&e.to_string()).into_owned(),
                now,
            ),
        }
    }
}
