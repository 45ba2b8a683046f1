//! The one integration-test binary: every test module is included here so the suite links
//! once (CI has two cores).

mod cli;
mod cloudformation;
mod cloudformation_cli;
mod common;
mod fail_closed;
mod guard;
mod hook;
mod read_only;
mod redaction;
mod report_formats;
mod reports;
mod robustness;
mod rules;
mod terraform;
