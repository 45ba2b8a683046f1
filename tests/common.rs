//! Helpers shared by the test modules.

use planguard::plan::Source;
use std::path::PathBuf;

pub fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

/// Read a file under `testdata/` as the CLI would, naming it by its testdata path so
/// reports are the same on every machine.
pub fn source(rel: &str) -> Source {
    let bytes = std::fs::read(testdata(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    Source::from_bytes(&format!("testdata/{rel}"), bytes).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub fn analyze_file(rel: &str) -> planguard::Result<planguard::Analysis> {
    let bytes = std::fs::read(testdata(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let src = Source::from_bytes(&format!("testdata/{rel}"), bytes)?;
    planguard::analyze(&[src], &[])
}

/// The built binary, run from the crate root.
pub fn planguard() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("planguard").expect("binary built");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env("NO_COLOR", "1");
    c.env_remove("CLICOLOR_FORCE");
    c
}

/// Every report format. A new `Format` variant makes [`format_name`] fail to compile until
/// it is listed here too, so the redaction and robustness suites cover it.
pub const ALL_FORMATS: &[planguard::report::Format] = &[
    planguard::report::Format::Text,
    planguard::report::Format::Json,
    planguard::report::Format::Sarif,
    planguard::report::Format::Markdown,
    planguard::report::Format::Github,
    planguard::report::Format::Gitlab,
];

/// The `--format` name of a report format.
pub fn format_name(f: planguard::report::Format) -> &'static str {
    use planguard::report::Format;
    match f {
        Format::Text => "text",
        Format::Json => "json",
        Format::Sarif => "sarif",
        Format::Markdown => "markdown",
        Format::Github => "github",
        Format::Gitlab => "gitlab",
    }
}
