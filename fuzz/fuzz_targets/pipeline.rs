//! Fuzz the whole pipeline as `planguard check -` runs it: detect, parse, analyse, judge with
//! the built-in rules, render every report format.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planguard::plan::Source;
use planguard::policy::{evaluate, Policy};
use planguard::report::{render, Format, Report, TextOptions};
use std::sync::OnceLock;

fn policy() -> Option<&'static Policy> {
    static P: OnceLock<Option<Policy>> = OnceLock::new();
    P.get_or_init(|| Policy::builtin().ok()).as_ref()
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = Source::from_bytes("-", data.to_vec()) else {
        return;
    };
    let Ok(analysis) = planguard::analyze(&[src], &[]) else {
        return;
    };
    let Some(policy) = policy() else {
        return;
    };
    let evaluation = evaluate(&analysis, policy);
    let report = Report {
        analysis: &analysis,
        evaluation: &evaluation,
    };
    // Every format (add new `Format` variants here). The JSON ones are written partly by
    // hand (planguard's own string escaping): whatever the input held, they must parse.
    for format in [Format::Text, Format::Json, Format::Sarif, Format::Markdown, Format::Github, Format::Gitlab] {
        let out = render(&report, format, TextOptions::default());
        if matches!(format, Format::Json | Format::Sarif | Format::Gitlab) {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&out) {
                panic!("{format:?} report is not JSON: {e}");
            }
        }
    }
});
