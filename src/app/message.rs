//! `Msg`: everything besides terminal input and network events that enters the app loop: the
//! results of the helpers the effects started.

use std::path::PathBuf;

use image::DynamicImage;

use super::Sent;
use crate::domain::Job;
use crate::imaging::DecodeError;

/// A result from a background helper of the app loop.
pub enum Msg {
    /// A preview finished decoding (off the UI thread).
    PreviewDecoded {
        /// The file.
        path: PathBuf,
        /// The shrunk image, or why it cannot be shown.
        result: Result<DynamicImage, DecodeError>,
        /// The file's own width and height.
        dims: Option<(u32, u32)>,
    },
    /// A preview finished scaling and encoding (on the worker thread).
    PreviewEncoded(crate::preview::Encoded),
    /// The terminal answered one of qimg's queries (read by the input reader).
    TerminalAnswer(crate::preview::Answer),
    /// The prompt history, read from the store after start.
    RecallLoaded(Vec<crate::store::history::PromptUse>),
    /// The job list loaded again (new filter, search or order).
    Reloaded {
        /// The first page.
        jobs: Vec<Job>,
        /// More remain in the store.
        more: bool,
    },
    /// A full-resolution decode for zooming.
    FullDecoded {
        /// The file.
        path: PathBuf,
        /// The image, or why it cannot be shown.
        result: Result<DynamicImage, DecodeError>,
    },
    /// A gallery thumbnail, encoded for its cell.
    ThumbReady {
        /// The file.
        path: PathBuf,
        /// The protocol, or why there is none.
        result: Result<crate::preview::Picture, crate::preview::thumbs::ThumbError>,
        /// Its kitty image id, when kitty.
        kitty_id: Option<u32>,
    },
    /// A preset was saved or deleted (or could not be).
    PresetsWritten(super::presets::PresetsWritten),
    /// Parameters read from a PNG, or why not.
    Params(Result<crate::domain::JobRequest, String>),
    /// Older jobs loaded from the store (lazy loading).
    OlderJobs {
        /// The jobs.
        jobs: Vec<Job>,
        /// More remain in the store.
        more: bool,
    },
    /// New jobs were made (files resolved, seeds drawn), ready to list and send.
    Created {
        /// The jobs, or why an input file cannot be sent (nothing was stored).
        jobs: Result<Vec<Job>, crate::api::input_image::InputError>,
        /// Why they were made.
        sent: Sent,
    },
    /// A path completion finished: the field text it was for, and the completed text with
    /// the candidates when several match (`None`: nothing to complete).
    Completed {
        /// The image field's text when completion started.
        typed: String,
        /// The completed text and the candidates.
        found: Option<(String, Vec<String>)>,
    },
    /// A helper failed in a way the user must hear about (sanitised).
    Failed(String),
    /// A helper finished something the user asked for (sanitised).
    Finished(String),
    /// Today's and this week's spend.
    Spend(crate::domain::ledger::Totals, crate::domain::ledger::Totals),
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PreviewDecoded { path, result, .. } => f
                .debug_struct("PreviewDecoded")
                .field("path", path)
                .field("ok", &result.is_ok())
                .finish(),
            Self::TerminalAnswer(a) => f.debug_tuple("TerminalAnswer").field(a).finish(),
            Self::RecallLoaded(h) => f.debug_tuple("RecallLoaded").field(&h.len()).finish(),
            Self::PreviewEncoded(done) => f
                .debug_struct("PreviewEncoded")
                .field("bytes", &done.bytes)
                .field("took", &done.took)
                .finish(),
            Self::Reloaded { jobs, more } => f
                .debug_struct("Reloaded")
                .field("count", &jobs.len())
                .field("more", more)
                .finish(),
            Self::FullDecoded { path, result } => f
                .debug_struct("FullDecoded")
                .field("path", path)
                .field("ok", &result.is_ok())
                .finish(),
            Self::ThumbReady { path, result, .. } => f
                .debug_struct("ThumbReady")
                .field("path", path)
                .field("ok", &result.is_ok())
                .finish(),
            Self::Params(r) => f.debug_struct("Params").field("ok", &r.is_ok()).finish(),
            Self::PresetsWritten(w) => f.debug_tuple("PresetsWritten").field(w).finish(),
            Self::OlderJobs { jobs, more } => f
                .debug_struct("OlderJobs")
                .field("count", &jobs.len())
                .field("more", more)
                .finish(),
            Self::Created { jobs, sent } => f
                .debug_struct("Created")
                .field("count", &Result::as_ref(jobs).map_or(0, |j| j.len()))
                .field("sent", sent)
                .finish(),
            Self::Completed { found, .. } => f
                .debug_struct("Completed")
                .field("found", &found.is_some())
                .finish(),
            Self::Failed(text) => f.debug_tuple("Failed").field(text).finish(),
            Self::Finished(text) => f.debug_tuple("Finished").field(text).finish(),
            Self::Spend(day, _) => f.debug_tuple("Spend").field(&day.jobs).finish(),
        }
    }
}
