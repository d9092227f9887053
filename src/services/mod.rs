//! The services the TUI and the CLI share: starting qimg (paths, config, logging, store, the
//! simulator, the engine) and making jobs from a validated plan.

pub mod boot;
pub mod jobs;
pub mod ledger;
pub mod sheet;

pub use boot::{BootError, Services, load_config};
pub use jobs::{NewJobs, make_jobs};
