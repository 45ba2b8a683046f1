//! Reports: one analysis and its evaluation, rendered for people and machines.
//!
//! One file per format. Every renderer reads the same [`Report`] and writes into a `String`
//! (the library never prints). Output is deterministic: every list is sorted by the analysis
//! or the evaluation, never by hash order. No renderer sees attribute values: the model
//! holds none, so no format can leak a secret.

pub mod github;
pub mod gitlab;
pub mod graph;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;

use crate::analysis::Analysis;
use crate::model::Node;
use crate::policy::rule::Severity;
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
    /// SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, IDEs).
    Sarif,
    /// A pull-request comment that fits GitHub's comment limit.
    Markdown,
    /// GitHub Actions workflow commands: findings as annotations.
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
}

impl Format {
    pub const NAMES: [&'static str; 6] = ["text", "json", "sarif", "markdown", "github", "gitlab"];
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
        Format::Sarif => sarif::render(report),
        Format::Markdown => markdown::render(report),
        Format::Github => github::render(report),
        Format::Gitlab => gitlab::render(report),
    }
}

/// Where a finding about `node` points: its declaration when known, else the input file it
/// came from (`line` is `None`). With several inputs a node's input is known only when its
/// address was prefixed (`path::address`); otherwise the first input is named.
pub fn location_of<'a>(a: &'a Analysis, node: Option<&'a Node>) -> (&'a str, Option<usize>) {
    if let Some(src) = node.and_then(|n| n.source.as_ref()) {
        return (src.path.as_str(), Some(src.line));
    }
    if let Some((path, _)) = node.and_then(|n| n.address.split_once("::")) {
        if let Some(input) = a.inputs.iter().find(|i| i.path == path) {
            return (input.path.as_str(), None);
        }
    }
    (a.inputs.first().map_or("", |i| i.path.as_str()), None)
}

/// Code-scanning level of a severity: critical/high error, medium warning, else note.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` score for a severity (its bands: ≥9 critical, ≥7 high,
/// ≥4 medium, else low).
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// Stable identity of a finding across runs: rule id, address (or `<plan>` for plan-level
/// findings) and an occurrence number for repeats, never message text or line numbers.
/// `findings` must be in evaluation order; returns one hex SHA-256 per finding.
pub fn fingerprints(e: &Evaluation) -> Vec<String> {
    let mut seen: std::collections::HashMap<(&str, &str), usize> = std::collections::HashMap::new();
    e.findings
        .iter()
        .map(|f| {
            let addr = f.address.as_deref().unwrap_or("<plan>");
            let n = seen.entry((f.rule_id.as_str(), addr)).or_default();
            *n += 1;
            let key = if *n == 1 {
                format!("{}\0{}", f.rule_id, addr)
            } else {
                format!("{}\0{}\0{}", f.rule_id, addr, n)
            };
            crate::plan::hex_sha256(key.as_bytes())
        })
        .collect()
}

/// Human words for a count of things: `1 resource`, `2 resources`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The one-line summary of what a plan does: the destroy part first (callers may emphasise
/// it), then every other action that occurs, then the unchanged count.
pub fn action_summary(a: &Analysis) -> (String, Vec<String>) {
    use crate::model::Action;
    let count = |act: Action| a.summary.counts.get(&act).copied().unwrap_or(0);
    let destroy = format!(
        "{} to destroy",
        count(Action::Replace) + count(Action::Delete)
    );
    let mut rest = vec![format!(
        "({} replace, {} delete)",
        count(Action::Replace),
        count(Action::Delete)
    )];
    for act in [
        Action::Create,
        Action::Update,
        Action::Import,
        Action::Dynamic,
        Action::Forget,
        Action::Read,
    ] {
        if count(act) > 0 {
            rest.push(format!("{} {}", count(act), act.as_str()));
        }
    }
    rest.push(format!("{} unchanged", count(Action::NoOp)));
    (destroy, rest)
}
