//! The one integration-test binary: every test module is included here so the suite links
//! once (CI has two cores).

mod cli;
mod cloudformation;
mod common;
mod fail_closed;
mod read_only;
mod redaction;
mod reports;
mod robustness;
mod terraform;
