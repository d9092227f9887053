//! qimg: a terminal studio and job monitor for Qwen image generation through Apiframe v2 and
//! OpenAI-compatible gateways, with a built-in simulator. The library holds everything; the
//! binary is a thin entry point.

pub mod action;
pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod domain;
pub mod failpoint;
pub mod imaging;
pub mod logging;
pub mod preview;
pub mod sanitize;
pub mod services;
pub mod sim;
pub mod state;
pub mod store;
pub mod ui;
pub mod util;
