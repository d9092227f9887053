//! qimg's integration tests, in one binary so they link once (2-core machines). Every server
//! they talk to is qimg's simulator, wiremock, or a fault server on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

mod apiframe_wire;
mod app_flow;
mod batches_cli;
mod budget;
mod canary;
mod cli;
mod cli_cmds;
mod common;
mod crash;
mod downloads;
mod editor;
mod engine_flow;
mod fault;
mod fidelity;
mod fidelity_cli;
mod gateway;
mod graphics_input;
mod harness;
mod layering;
mod notify_pty;
mod presets_cli;
mod preview_bytes;
mod proxy;
mod pty;
mod readme;
mod resume;
mod scenarios;
mod signals;
mod soak;
mod templates_cli;
mod tui_e2e;
mod virtual_time;
