//! Reports: one analysis and its evaluation, rendered for people and machines.
//!
//! One file per format. Every renderer reads the same [`Report`] and writes into a `String`
//! (the library never prints). Output is deterministic: every list is sorted by the analysis
//! or the evaluation, never by hash order. No renderer sees attribute values: the model
//! holds none, so no format can leak a secret.

pub mod json;
pub mod text;

use crate::analysis::Analysis;
use crate::policy::Evaluation;

/// What every renderer reads.
pub struct Report<'a> {
    pub analysis: &'a Analysis,
    pub evaluation: &'a Evaluation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

impl Format {
    pub const NAMES: [&'static str; 2] = ["text", "json"];
}

/// Options that change how text is drawn, not what it says.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    pub color: bool,
    /// How many items of a long list to show before summarising (0 = default).
    pub max_items: usize,
}

pub fn render(report: &Report<'_>, format: Format, text: TextOptions) -> String {
    match format {
        Format::Text => text::render(report, text),
        Format::Json => json::render(report),
    }
}

/// Human words for a count of things: `1 resource`, `2 resources`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}
