//! `Action`: what the user wants. Key bindings map keys to actions; `App::update` carries them out.

use serde::{Deserialize, Serialize};

/// Something the user asked for, independent of the key that asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Leave qimg; running jobs continue on the next start.
    Quit,
    /// Send the compose form: one job per image to make.
    Submit,
    /// Move focus to the next field or pane.
    FocusNext,
    /// Move focus to the previous field or pane.
    FocusPrev,
    /// Open the help overlay.
    Help,
    /// Close the overlay or the full-screen viewer.
    Close,
    /// Move the selection up.
    Up,
    /// Move the selection down.
    Down,
    /// Jump to the first item.
    Top,
    /// Jump to the last item.
    Bottom,
    /// Move the selection a page up.
    PageUp,
    /// Move the selection a page down.
    PageDown,
    /// Open the selected job full screen.
    Open,
    /// Stop working on the selected job.
    CancelJob,
    /// Send an ambiguous or failed job's parameters again as a new job.
    Resubmit,
    /// Switch the seed between random and locked.
    ToggleSeedLock,
    /// Choose the next value of the focused selector.
    NextValue,
    /// Choose the previous value of the focused selector.
    PrevValue,
    /// Show the Compose pane (narrow layout) and focus it.
    ShowCompose,
    /// Show the Jobs pane (narrow layout) and focus it.
    ShowJobs,
    /// Show the Preview pane (narrow layout) and focus it.
    ShowPreview,
    /// Repaint the whole screen (after something else drew over it).
    Redraw,
    /// Open the profile picker.
    Profiles,
    /// Put the selected job's image into the form's image field.
    UseAsReference,
    /// Send the selected job again with the same parameters and seed.
    Rerun,
    /// Send the selected job again with a new seed.
    Reroll,
    /// Load the selected job's parameters into the form to change and send them.
    EditJob,
    /// Copy the selected job's prompt to the clipboard (OSC 52, works over SSH).
    CopyPrompt,
    /// Copy the selected job's image path to the clipboard.
    CopyPath,
    /// Open the image with the system viewer (local sessions).
    OpenImage,
    /// Open the image's folder with the system file manager (local sessions).
    OpenFolder,
    /// Delete the selected job from the history (asks first).
    DeleteJob,
    /// Search the prompts of the job list.
    Search,
    /// Show the next state filter.
    CycleFilter,
    /// Newest first ↔ oldest first.
    ToggleSort,
    /// Load the parameters embedded in the PNG named in the image field into the form.
    LoadParams,
    /// Edit the prompt (or the negative prompt) in `$VISUAL` / `$EDITOR`.
    ExternalEditor,
    /// The prompt sent before this one (in the prompt field).
    OlderPrompt,
    /// The prompt sent after this one, or the text being typed.
    NewerPrompt,
    /// Search the prompts sent before (a popup, fuzzy as you type).
    SearchPrompts,
    /// Open the presets: apply one to the form, save the form as one, delete one.
    Presets,
    /// Send the form as a grid run (one or two axes).
    GridRun,
    /// Fold or unfold the selected job's batch.
    ToggleBatch,
    /// Cancel the jobs of the selected job's batch not sent yet.
    CancelBatch,
    /// Send the failed jobs of the selected job's batch again.
    RetryBatch,
    /// Send the selected job's whole batch again with new seeds.
    RerunBatch,
    /// Write the selected job's batch as a contact sheet (a PNG).
    ExportSheet,
    /// Show the selected job's batch as a labelled grid of thumbnails.
    BatchGrid,
    /// Mark (or unmark) the selected job for an A/B compare.
    Mark,
    /// Compare the two marked jobs (or the marked one and the selected one).
    Compare,
    /// In a compare, show the other job.
    Flip,
    /// In a compare, show both side by side (or one at full size again).
    SideBySide,
    /// In the viewer, go to the job this one came from.
    Parent,
    /// In the viewer, go to the next job that came from this one.
    Child,
    /// In the image field: move the reference under the cursor one place earlier.
    ReferenceEarlier,
    /// In the image field: move the reference under the cursor one place later.
    ReferenceLater,
    /// In the image field: remove the reference under the cursor.
    ReferenceRemove,
    /// Open (or close) the gallery of thumbnails.
    Gallery,
    /// Move left in a grid.
    Left,
    /// Move right in a grid.
    Right,
    /// Zoom the viewer in.
    ZoomIn,
    /// Zoom the viewer out.
    ZoomOut,
    /// Fit the image to the screen again.
    ZoomReset,
    /// Pan the zoomed image left.
    PanLeft,
    /// Pan the zoomed image right.
    PanRight,
    /// Pan the zoomed image up.
    PanUp,
    /// Pan the zoomed image down.
    PanDown,
    /// Answer yes to the open question.
    Yes,
    /// Answer no (keep things as they are).
    No,
    /// Answer yes, and delete the job's files too.
    YesWithFiles,
}

impl Action {
    /// A short description for the help overlay and the status line.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Quit => "quit",
            Self::Submit => "submit",
            Self::FocusNext => "next",
            Self::FocusPrev => "previous",
            Self::Help => "help",
            Self::Close => "close",
            Self::Up => "up",
            Self::Down => "down",
            Self::Top => "first",
            Self::Bottom => "last",
            Self::PageUp => "page up",
            Self::PageDown => "page down",
            Self::Open => "open",
            Self::CancelJob => "cancel job",
            Self::Resubmit => "resubmit",
            Self::ToggleSeedLock => "seed random/locked",
            Self::NextValue => "next value",
            Self::PrevValue => "previous value",
            Self::ShowCompose => "compose",
            Self::ShowJobs => "jobs",
            Self::ShowPreview => "preview",
            Self::Redraw => "redraw",
            Self::Profiles => "profiles",
            Self::UseAsReference => "use as reference",
            Self::Rerun => "rerun",
            Self::Reroll => "reroll (new seed)",
            Self::EditJob => "edit and resend",
            Self::CopyPrompt => "copy prompt",
            Self::CopyPath => "copy path",
            Self::OpenImage => "open image",
            Self::OpenFolder => "open folder",
            Self::DeleteJob => "delete",
            Self::Search => "search",
            Self::CycleFilter => "filter",
            Self::ToggleSort => "sort",
            Self::LoadParams => "load parameters from PNG",
            Self::ExternalEditor => "edit in $EDITOR",
            Self::OlderPrompt => "older prompt",
            Self::NewerPrompt => "newer prompt",
            Self::SearchPrompts => "search earlier prompts",
            Self::Presets => "presets (apply, save, delete)",
            Self::GridRun => "grid run of the form",
            Self::ReferenceEarlier => "image field: move the reference earlier",
            Self::ReferenceLater => "image field: move the reference later",
            Self::ReferenceRemove => "image field: remove the reference",
            Self::ToggleBatch => "fold/unfold the batch",
            Self::CancelBatch => "cancel the batch's queued jobs",
            Self::RetryBatch => "send the batch's failed jobs again",
            Self::RerunBatch => "send the batch again, new seeds",
            Self::ExportSheet => "contact sheet of the batch",
            Self::BatchGrid => "grid view of the batch",
            Self::Mark => "mark for A/B compare",
            Self::Compare => "compare the marked jobs",
            Self::Flip => "flip A/B",
            Self::SideBySide => "A/B side by side",
            Self::Parent => "go to the parent job",
            Self::Child => "go to the next child job",
            Self::Gallery => "gallery",
            Self::Left => "left",
            Self::Right => "right",
            Self::ZoomIn => "zoom in",
            Self::ZoomOut => "zoom out",
            Self::ZoomReset => "fit to screen",
            Self::PanLeft => "pan left",
            Self::PanRight => "pan right",
            Self::PanUp => "pan up",
            Self::PanDown => "pan down",
            Self::Yes => "yes",
            Self::No => "no",
            Self::YesWithFiles => "yes, with its files",
        }
    }

    /// Parses the snake_case name used in `config.toml`.
    pub fn parse(name: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(name.trim().to_owned())).ok()
    }
}
