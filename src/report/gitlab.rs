//! GitLab Code Quality report (a JSON array of issues), for `artifacts:reports:codequality`:
//! findings show in the merge request widget and diff.
//!
//! Severity: critical → blocker, high → critical, medium → major, low → minor, info → info.
//! Waived findings are left out (GitLab has no suppression field); the `fingerprint` is the
//! same stable hash as SARIF's, so GitLab can tell new issues from old ones.

use super::{fingerprints, location_of, Report};
use crate::policy::rule::Severity;
use serde_json::{json, Value};

fn gitlab_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "blocker",
        Severity::High => "critical",
        Severity::Medium => "major",
        Severity::Low => "minor",
        Severity::Info => "info",
    }
}

pub fn render(r: &Report<'_>) -> String {
    let a = r.analysis;
    let e = r.evaluation;
    let issues: Vec<Value> = e
        .findings
        .iter()
        .zip(fingerprints(e))
        .filter(|(f, _)| !f.waived)
        .map(|(f, print)| {
            let (path, line) = location_of(a, f.node.map(|i| a.node(i)));
            json!({
                "type": "issue",
                "description": f.message,
                "check_name": f.rule_id,
                "fingerprint": print,
                "severity": gitlab_severity(f.severity),
                "categories": ["Security"],
                "location": {"path": path, "lines": {"begin": line.unwrap_or(1)}},
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".to_string());
    s.push('\n');
    s
}
