//! The model of the TUI: plain data and the rules that change it. No I/O, no terminal, no tokio.

pub mod batches;
pub mod form;
pub mod history;
pub mod jobs;
mod profile;
pub mod recall;
pub mod text;
mod zoom;

use std::time::{Duration, Instant};

use crate::config::Profile;
use crate::config::keymap::Mode;
use crate::domain::JobId;
use crate::domain::Level;
pub use batches::{BatchGrid, GridRow, ListRow};
pub use form::{ComposeForm, Field, FormError};
pub use jobs::{JobList, JobView};
pub use profile::ProfileView;
pub use zoom::ZoomView;

/// The three panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    /// The compose form.
    Compose,
    /// The job list.
    Jobs,
    /// The preview of the selected job.
    Preview,
}

/// Where the keyboard focus is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// A field of the compose form.
    Form(Field),
    /// The job list.
    Jobs,
    /// The preview pane.
    Preview,
    /// The search field of the job list.
    Search,
}

/// Something drawn over the panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    /// The key bindings.
    Help {
        /// First line shown.
        scroll: u16,
    },
    /// The profile picker.
    Profiles {
        /// The highlighted row.
        selected: usize,
    },
    /// The prompt history, searched as you type.
    PromptSearch {
        /// What was typed.
        query: text::TextInput,
        /// The highlighted row of the matches.
        selected: usize,
    },
    /// The presets: type to filter or to name a new one.
    Presets {
        /// What was typed.
        query: text::TextInput,
        /// The highlighted row of the matches.
        selected: usize,
        /// Ctrl-D was pressed once: the next Ctrl-D deletes the highlighted preset.
        armed: bool,
    },
    /// A grid run of the form: its rows and columns axes, as `--grid` takes them.
    Grid {
        /// The rows' axis ("seed=1,2,3").
        rows: text::TextInput,
        /// The columns' axis ("model=a,b"), may be blank.
        columns: text::TextInput,
        /// Typing goes to the columns' field.
        on_columns: bool,
    },
    /// A yes/no question.
    Confirm {
        /// The question.
        text: String,
        /// What `y` does.
        on_yes: Confirmed,
    },
}

/// Actions that need a yes first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    /// Send an ambiguous gateway job again (may charge twice).
    Resubmit(JobId),
    /// Delete a job from the history (`f` also deletes its files).
    Delete(JobId),
    /// Send the compose form although it makes many jobs or costs much.
    Submit,
    /// Send this grid run although it makes many jobs or costs much.
    Grid(Box<crate::domain::draft::Plan>),
}

/// A message for the user, shown in the status line for a while.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// Severity.
    pub level: Level,
    /// The text (sanitised).
    pub text: String,
    /// When it appeared.
    pub at: Instant,
}

impl Notice {
    /// How long a notice stays in the status line.
    pub fn ttl(&self) -> Duration {
        match self.level {
            Level::Info => Duration::from_secs(6),
            Level::Warning => Duration::from_secs(12),
            Level::Error => Duration::from_secs(20),
        }
    }
}

/// What the preview pane knows about terminal graphics.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GraphicsInfo {
    /// The protocol in use (`kitty`, `sixel`, `iterm2`, `halfblocks`), or `None` when off.
    pub protocol: Option<String>,
    /// Why previews are off or degraded, shown in the pane.
    pub note: Option<String>,
}

/// The whole UI state.
#[derive(Debug, Clone)]
pub struct State {
    /// The prompts sent before, to walk back through.
    pub recall: recall::PromptRecall,
    /// When a submit asks first.
    pub confirm_above: crate::domain::draft::ConfirmAbove,
    /// The terminal (or the tmux pane) has the focus (from focus reports).
    pub focused: bool,
    /// When endings are notified, and with a bell or not (from config.toml).
    pub notify: (crate::domain::notify::NotifyMode, bool),
    /// `notify_cmd`: run with the job's or batch's JSON when a notification is due.
    pub notify_cmd: Option<String>,
    /// Today's and this week's spend (read from the store after start and as jobs end).
    pub spend: Option<(crate::domain::ledger::Totals, crate::domain::ledger::Totals)>,
    /// A profile's credits as the provider last reported them (`/v2/me`).
    pub balance: Option<(String, i64)>,
    /// The axes of the last grid run sent from the form (the grid popup starts with them).
    pub grid_axes: (String, String),
    /// The presets of `presets.toml`, in file order.
    pub presets: indexmap::IndexMap<String, crate::domain::preset::Preset>,
    /// Why `presets.toml` could not be read (with its line and column), when it could not.
    pub presets_error: Option<String>,
    /// The active profile.
    pub profile: ProfileView,
    /// Every profile, for the picker.
    pub profiles: Vec<ProfileView>,
    /// The compose form.
    pub form: ComposeForm,
    /// The job list.
    pub jobs: JobList,
    /// The list's filter, search and order.
    pub history: history::History,
    /// Keyboard focus.
    pub focus: Focus,
    /// An overlay, when open.
    pub overlay: Option<Overlay>,
    /// The job shown full screen, when the viewer is open.
    pub viewer: Option<JobId>,
    /// The viewer's zoom.
    pub zoom: ZoomView,
    /// The gallery of thumbnails is open (its selection is the job list's).
    pub gallery: bool,
    /// The gallery shows only this batch, as its grid (rows and columns labelled).
    pub gallery_batch: Option<crate::domain::BatchId>,
    /// Jobs marked for an A/B compare (at most two, the first marked first).
    pub marked: Vec<JobId>,
    /// The two jobs the viewer compares (it shows one, a key flips to the other).
    pub compare: Option<(JobId, JobId)>,
    /// The compare shows both side by side (as thumbnails) instead of one at full size.
    pub compare_side: bool,
    /// Recent notices, newest last.
    pub notices: Vec<Notice>,
    /// Terminal graphics facts.
    pub graphics: GraphicsInfo,
    /// Set when the user asked to quit.
    pub quit: bool,
}

impl State {
    /// When a submit asks first: the config's rule, with the profile's `budget.confirm_above`
    /// over its cost.
    pub fn confirm_rule(&self) -> crate::domain::draft::ConfirmAbove {
        crate::domain::draft::ConfirmAbove {
            cost: self.profile.confirm_above.or(self.confirm_above.cost),
            ..self.confirm_above
        }
    }

    /// The presets whose name holds `query` (any case), in file order.
    pub fn preset_matches(&self, query: &str) -> Vec<&str> {
        let q = query.trim().to_lowercase();
        self.presets
            .keys()
            .filter(|n| n.to_lowercase().contains(&q))
            .map(String::as_str)
            .collect()
    }

    /// A fresh state for `profile` with `form`.
    pub fn new(profile: ProfileView, form: ComposeForm) -> Self {
        Self {
            profiles: vec![profile.clone()],
            profile,
            form,
            jobs: JobList::default(),
            history: history::History::default(),
            focus: Focus::Form(Field::Prompt),
            overlay: None,
            viewer: None,
            zoom: ZoomView::FIT,
            gallery: false,
            gallery_batch: None,
            marked: Vec::new(),
            compare: None,
            compare_side: false,
            notices: Vec::new(),
            graphics: GraphicsInfo::default(),
            recall: recall::PromptRecall::default(),
            confirm_above: crate::domain::draft::ConfirmAbove::default(),
            presets: indexmap::IndexMap::new(),
            grid_axes: (String::new(), String::new()),
            spend: None,
            balance: None,
            focused: true,
            notify: (crate::domain::notify::NotifyMode::default(), false),
            notify_cmd: None,
            presets_error: None,
            quit: false,
        }
    }

    /// The first state of the TUI: `profile` active, every configured profile in the picker.
    pub fn initial(profile: &Profile, config: &crate::config::Config) -> Self {
        let view = ProfileView::of(profile, &config.file, &config.catalogue);
        let form = view.form();
        let mut state = Self::new(view, form);
        state.confirm_above = config.confirm;
        state.notify = (config.notify, config.bell);
        state.notify_cmd.clone_from(&config.notify_cmd);
        state.profiles = config
            .profiles
            .values()
            .map(|p| ProfileView::of(p, &config.file, &config.catalogue))
            .collect();
        state
    }

    /// The pane that has focus.
    pub fn pane(&self) -> Pane {
        match self.focus {
            Focus::Form(_) => Pane::Compose,
            Focus::Jobs | Focus::Search => Pane::Jobs,
            Focus::Preview => Pane::Preview,
        }
    }

    /// Which key bindings apply now.
    pub fn mode(&self) -> Mode {
        match self.overlay {
            Some(Overlay::Confirm { .. }) => return Mode::Confirm,
            Some(Overlay::PromptSearch { .. } | Overlay::Presets { .. } | Overlay::Grid { .. }) => {
                return Mode::Text;
            }
            Some(_) => return Mode::Help,
            None => {}
        }
        if self.viewer.is_some() {
            return Mode::Viewer;
        }
        if self.gallery {
            return Mode::Gallery;
        }
        match self.focus {
            Focus::Form(f) if f.is_text() => Mode::Text,
            Focus::Search => Mode::Text,
            Focus::Form(_) => Mode::Form,
            Focus::Jobs => Mode::Jobs,
            Focus::Preview => Mode::Preview,
        }
    }

    /// Adds a notice (keeping the last 20).
    pub fn notice(&mut self, level: Level, text: impl Into<String>, now: Instant) {
        self.notices.push(Notice {
            level,
            text: text.into(),
            at: now,
        });
        if self.notices.len() > 20 {
            self.notices.remove(0);
        }
    }

    /// Makes the profile at `index` of `profiles` the active one. The form keeps its texts and
    /// offers that profile's models.
    pub fn switch_profile(&mut self, index: usize) -> bool {
        let Some(p) = self.profiles.get(index).cloned() else {
            return false;
        };
        let mut form = p.form();
        form.prompt = self.form.prompt.clone();
        form.negative = self.form.negative.clone();
        form.seed = self.form.seed.clone();
        form.seed_locked = self.form.seed_locked;
        form.seed_mode = self.form.seed_mode;
        form.rewrite = self.form.rewrite;
        form.reference = self.form.reference.clone();
        form.count = self.form.count;
        form.wildcards = std::sync::Arc::clone(&self.form.wildcards);
        self.form = form;
        self.profile = p;
        if let Focus::Form(_) = self.focus {
            self.focus = Focus::Form(Field::Prompt);
        }
        true
    }

    /// The notice to show in the status line now, if any is still fresh.
    pub fn current_notice(&self, now: Instant) -> Option<&Notice> {
        self.notices
            .last()
            .filter(|n| now.saturating_duration_since(n.at) < n.ttl())
    }

    /// When the current notice expires (the loop redraws then to remove it).
    pub fn notice_expiry(&self, now: Instant) -> Option<Instant> {
        self.current_notice(now).map(|n| n.at + n.ttl())
    }
}
