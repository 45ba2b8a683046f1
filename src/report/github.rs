//! GitHub Actions workflow commands: each finding becomes an annotation on the pull request
//! (`::error file=…,line=…,title=…::message`), at the resource's declaration when known,
//! else on the plan file.
//!
//! Escaping follows GitHub's toolkit: in the message `%`, `\r`, `\n` are percent-encoded;
//! in properties (`file`, `title`) `:` and `,` are too. Without it a `:` in a title or a
//! newline in a message would end the command early or forge another one.
//!
//! Levels: critical/high `error`, medium `warning`, low/info `notice`; waived findings are
//! `notice`s saying who waived them. A last line gives the verdict.

use super::{location_of, plural, Report};
use crate::policy::rule::Severity;
use crate::policy::Verdict;
use std::fmt::Write;

/// Escape a command's message (data).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a command property value (`file`, `title`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(level: &str, file: &str, line: Option<usize>, title: &str, message: &str) -> String {
    let mut props = Vec::new();
    if !file.is_empty() {
        props.push(format!("file={}", escape_property(file)));
    }
    if let Some(l) = line {
        props.push(format!("line={l}"));
    }
    props.push(format!("title={}", escape_property(title)));
    format!("::{level} {}::{}\n", props.join(","), escape_data(message))
}

pub fn render(r: &Report<'_>) -> String {
    let a = r.analysis;
    let e = r.evaluation;
    let mut o = String::new();
    for f in &e.findings {
        let node = f.node.map(|i| a.node(i));
        let (file, line) = location_of(a, node);
        let level = if f.waived {
            "notice"
        } else {
            match f.severity {
                Severity::Critical | Severity::High => "error",
                Severity::Medium => "warning",
                Severity::Low | Severity::Info => "notice",
            }
        };
        let mut title = format!("planguard {} ({})", f.rule_id, f.severity);
        if let Some(addr) = &f.address {
            let _ = write!(title, ": {addr}");
        }
        let mut message = f.message.clone();
        if let Some(w) = &f.waiver {
            let _ = write!(
                message,
                "\nwaived: {} (approved by {}, until {})",
                w.reason, w.approved_by, w.expires
            );
        }
        o.push_str(&command(level, file, line, &title, &message));
    }
    let blocking = e.blocking().count();
    let summary = match e.verdict {
        Verdict::Fail => format!(
            "FAIL: {} at or above {}; {} destroyed by {}",
            plural(blocking, "blocking finding", "blocking findings"),
            e.fail_on,
            plural(a.destructive.len(), "resource", "resources"),
            plural(a.summary.root_causes, "root cause", "root causes"),
        ),
        Verdict::Pass => format!(
            "PASS: no finding at or above {}; {} destroyed",
            e.fail_on,
            plural(a.destructive.len(), "resource", "resources"),
        ),
    };
    let level = if e.verdict == Verdict::Fail {
        "error"
    } else {
        "notice"
    };
    o.push_str(&command(level, "", None, "planguard verdict", &summary));
    o
}
