//! The terminal report: verdict first, then root causes, then each destructive change with
//! why it happens and who depends on it, then findings and notes.
//!
//! It must stay readable for a 5,000-change plan: long lists are capped (the JSON report has
//! everything) and explained changes are grouped under their root cause.

use super::{plural, Report, TextOptions};
use crate::analysis::Destructive;
use crate::model::{Action, NoteKind, ReplaceOrder};
use crate::policy::rule::Severity;
use crate::policy::{Verdict, WaiverStatus};
use std::fmt::Write;

const DEFAULT_MAX: usize = 10;

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    fn red(&self, s: &str) -> String {
        self.paint("1;31", s)
    }
    fn green(&self, s: &str) -> String {
        self.paint("1;32", s)
    }
    fn yellow(&self, s: &str) -> String {
        self.paint("33", s)
    }
    fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    fn severity(&self, sev: Severity) -> String {
        let label = format!("{:<8}", sev.as_str().to_uppercase());
        match sev {
            Severity::Critical | Severity::High => self.red(&label),
            Severity::Medium => self.yellow(&label),
            _ => self.dim(&label),
        }
    }
}

fn order_words(o: Option<ReplaceOrder>) -> &'static str {
    match o {
        Some(ReplaceOrder::DeleteBeforeCreate) => "destroy first, then create",
        Some(ReplaceOrder::CreateBeforeDelete) => "create first, then destroy",
        None => "",
    }
}

pub fn render(r: &Report<'_>, opts: TextOptions) -> String {
    let a = r.analysis;
    let e = r.evaluation;
    let st = Style { color: opts.color };
    let max = if opts.max_items == 0 {
        DEFAULT_MAX
    } else {
        opts.max_items
    };
    let mut o = String::new();

    // Verdict.
    let blocking = e.blocking().count();
    let waived = e.findings.iter().filter(|f| f.waived).count();
    match e.verdict {
        Verdict::Fail => {
            let _ = writeln!(
                o,
                "{} {} (fail-on: {})",
                st.red("planguard: FAIL"),
                plural(blocking, "blocking finding", "blocking findings"),
                e.fail_on
            );
        }
        Verdict::Pass => {
            let _ = writeln!(
                o,
                "{} no finding at or above {}{}",
                st.green("planguard: PASS"),
                e.fail_on,
                if e.findings.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({} below it)",
                        plural(e.findings.len() - waived, "finding", "findings")
                    )
                }
            );
        }
    }
    if waived > 0 {
        let _ = writeln!(
            o,
            "{}",
            st.dim(&format!(
                "{} waived (listed below)",
                plural(waived, "finding", "findings")
            ))
        );
    }
    for inc in &a.incomplete {
        let _ = writeln!(o, "{} {}", st.red("! partial:"), inc.message);
    }
    o.push('\n');

    // What the plan does.
    for input in &a.inputs {
        let _ = writeln!(
            o,
            "{} ({}{}{})",
            st.bold(&input.path),
            input.format.as_str(),
            input
                .format_version
                .as_deref()
                .map(|v| format!(" {v}"))
                .unwrap_or_default(),
            input
                .tool_version
                .as_deref()
                .map(|v| format!(", written by {v}"))
                .unwrap_or_default()
        );
    }
    let (destroy, rest) = super::action_summary(a);
    let _ = writeln!(o, "  {destroy} {}", rest.join(" · "));
    if a.summary.managed_existing > 0 {
        let _ = writeln!(
            o,
            "  destroys {} of {} existing managed resources ({:.0}%)",
            a.summary.managed_destroyed,
            a.summary.managed_existing,
            a.summary.destroyed_share() * 100.0
        );
    }
    o.push('\n');

    // Root causes and their destructive changes.
    let roots: Vec<&Destructive> = a.root_causes().collect();
    if !roots.is_empty() {
        let explained: usize = roots.iter().map(|d| d.explains).sum();
        let head = if explained > 0 {
            format!(
                "Root causes ({}), explaining {} more destructive change{}",
                roots.len(),
                explained,
                if explained == 1 { "" } else { "s" }
            )
        } else {
            format!(
                "Root causes ({}): each destroyed for its own reason",
                roots.len()
            )
        };
        let _ = writeln!(o, "{}", st.bold(&head));
        for d in roots.iter().take(max.max(20)) {
            render_destructive(&mut o, r, d, &st, max, true);
        }
        if roots.len() > max.max(20) {
            let _ = writeln!(
                o,
                "  … and {} more root causes (see --format json)",
                roots.len() - max.max(20)
            );
        }
        o.push('\n');
        render_explained(&mut o, r, &st, max);
    } else {
        let _ = writeln!(o, "Nothing is destroyed.\n");
    }

    // Findings: blocking and waived ones in full; those below fail-on counted by rule.
    if !e.findings.is_empty() {
        let _ = writeln!(
            o,
            "{}",
            st.bold(&format!("Findings ({})", e.findings.len()))
        );
        let shown_limit = max * 5;
        let mut shown = 0;
        let mut below: std::collections::BTreeMap<(std::cmp::Reverse<Severity>, &str), usize> =
            std::collections::BTreeMap::new();
        for f in &e.findings {
            if !f.waived && f.severity < e.fail_on {
                *below
                    .entry((std::cmp::Reverse(f.severity), f.rule_id.as_str()))
                    .or_default() += 1;
                continue;
            }
            shown += 1;
            if shown > shown_limit {
                continue;
            }
            let tag = if f.waived {
                st.dim("(waived) ")
            } else {
                String::new()
            };
            let _ = writeln!(
                o,
                "  {} {}{}",
                st.severity(f.severity),
                tag,
                st.bold(&f.rule_id)
            );
            let _ = writeln!(o, "           {}", f.message);
            if let Some(w) = &f.waiver {
                let _ = writeln!(
                    o,
                    "           {}",
                    st.dim(&format!(
                        "waived: {} (approved by {}, until {})",
                        w.reason, w.approved_by, w.expires
                    ))
                );
            }
        }
        if shown > shown_limit {
            let _ = writeln!(
                o,
                "  … and {} more (see --format json)",
                shown - shown_limit
            );
        }
        if !below.is_empty() {
            let listed: Vec<String> = below
                .iter()
                .map(|((sev, rule), n)| format!("{n} {rule} ({})", sev.0))
                .collect();
            let _ = writeln!(o, "  below {}: {}", e.fail_on, listed.join(", "));
        }
        o.push('\n');
    }

    // Waiver problems.
    let problems: Vec<_> = e
        .waivers
        .iter()
        .filter(|w| w.status != WaiverStatus::Applied)
        .collect();
    if !problems.is_empty() {
        let _ = writeln!(o, "{}", st.bold("Waivers"));
        for w in problems {
            let why = match w.status {
                WaiverStatus::Expired => format!(
                    "expired on {}: waives nothing ({} finding(s) it would match)",
                    w.expires, w.matched
                ),
                WaiverStatus::WrongPlan => {
                    "pinned to another plan (plan_sha256 differs): waives nothing".to_string()
                }
                WaiverStatus::Stale => {
                    "matches no finding: stale, consider removing it".to_string()
                }
                WaiverStatus::Applied => String::new(),
            };
            let _ = writeln!(o, "  {} {} {}: {}", st.yellow("!"), w.rule, w.address, why);
        }
        o.push('\n');
    }

    // Notes.
    if !a.drift.is_empty() {
        let _ = writeln!(
            o,
            "{} {} (changed outside Terraform; reported, not judged)",
            st.bold("Drift:"),
            plural(a.drift.len(), "object", "objects")
        );
        for d in a.drift.iter().take(max) {
            let _ = writeln!(o, "  {} {}", d.address, st.dim(d.action.as_str()));
        }
        if a.drift.len() > max {
            let _ = writeln!(o, "  … and {} more", a.drift.len() - max);
        }
        o.push('\n');
    }
    if !a.notes.is_empty() {
        let _ = writeln!(o, "{}", st.bold("Notes on this analysis"));
        let (mut unresolved, mut other, mut omitted) = (0usize, 0usize, 0usize);
        for n in &a.notes {
            let (seen, cap) = if n.kind == NoteKind::UnresolvedReference {
                unresolved += 1;
                (unresolved, 3)
            } else {
                other += 1;
                (other, max)
            };
            if seen > cap {
                omitted += 1;
            } else {
                let _ = writeln!(o, "  - {}", n.message);
            }
        }
        if omitted > 0 {
            let _ = writeln!(o, "  - … and {omitted} more notes (see --format json)");
        }
    }
    o
}

fn render_destructive(
    o: &mut String,
    r: &Report<'_>,
    d: &Destructive,
    st: &Style,
    max: usize,
    with_explained: bool,
) {
    let a = r.analysis;
    let n = a.node(d.node);
    let Some(c) = &n.change else { return };
    let mut head = format!(
        "  {} {} {}",
        st.red("✗"),
        st.bold(&n.display_address()),
        c.action.as_str()
    );
    if let Some(order) = c.replace_order {
        let _ = write!(head, " ({})", order_words(Some(order)));
    }
    if c.certainty == crate::model::Certainty::Conditional {
        head.push_str(" [conditional]");
    }
    let _ = writeln!(o, "{head}");
    if !c.reasons.is_empty() {
        let _ = writeln!(o, "      why: {}", c.reasons.join(", "));
    }
    if !c.forced_by.is_empty() {
        let _ = writeln!(o, "      forced by: {}", c.forced_by.join(", "));
    }
    if let Some(m) = &c.mitigation {
        let _ = writeln!(o, "      mitigated: {m}");
    }
    let _ = writeln!(
        o,
        "      blast radius: {} ({} changing in this plan, {} not changed)",
        plural(d.dependent_count(), "dependent", "dependents"),
        d.changing().len(),
        d.unchanged().len()
    );
    // Dependents: first those destroyed too, then the quiet victims.
    let show = |o: &mut String, label: &str, list: &[u32]| {
        if list.is_empty() {
            return;
        }
        let names: Vec<String> = list
            .iter()
            .take(max)
            .map(|&i| {
                let dn = a.node(i);
                match dn.action() {
                    Some(act) if act != Action::NoOp => {
                        format!("{} ({})", dn.display_address(), act)
                    }
                    _ => dn.display_address(),
                }
            })
            .collect();
        let _ = writeln!(o, "      {label}:");
        for nm in &names {
            let _ = writeln!(o, "        {nm}");
        }
        if list.len() > max {
            let _ = writeln!(o, "        … and {} more", list.len() - max);
        }
    };
    show(o, "changing", d.changing());
    show(o, "unchanged but depending on it", d.unchanged());
    if with_explained && d.explains > 0 {
        let _ = writeln!(
            o,
            "      explains {}",
            plural(
                d.explains,
                "other destructive change",
                "other destructive changes"
            )
        );
    }
}

/// Destructive changes explained by a root cause: one line each, capped, the rest counted
/// by type so a 5,000-change plan stays one screen of text.
fn render_explained(o: &mut String, r: &Report<'_>, st: &Style, max: usize) {
    let a = r.analysis;
    let explained: Vec<&Destructive> = a
        .destructive
        .iter()
        .filter(|d| d.root_cause.is_some())
        .collect();
    if explained.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "{}",
        st.bold(&format!(
            "Also destroyed, because of a root cause ({})",
            explained.len()
        ))
    );
    let limit = max * 3;
    for d in explained.iter().take(limit) {
        let n = a.node(d.node);
        let Some(c) = &n.change else { continue };
        let mut line = format!("  {} {}", n.display_address(), c.action.as_str());
        if let Some(order) = c.replace_order {
            let _ = write!(line, " ({})", order_words(Some(order)));
        }
        if !c.forced_by.is_empty() {
            let _ = write!(line, ", forced by {}", c.forced_by.join(", "));
        }
        if let Some(rc) = d.root_cause {
            let _ = write!(
                line,
                " {}",
                st.dim(&format!("← {}", a.node(rc).display_address()))
            );
        }
        let _ = writeln!(o, "{line}");
    }
    if explained.len() > limit {
        let mut by_type: std::collections::BTreeMap<&str, usize> =
            std::collections::BTreeMap::new();
        for d in &explained[limit..] {
            *by_type
                .entry(a.node(d.node).resource_type.as_str())
                .or_default() += 1;
        }
        let mut groups: Vec<(&str, usize)> = by_type.into_iter().collect();
        groups.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
        let listed: Vec<String> = groups
            .iter()
            .take(8)
            .map(|(t, n)| format!("{n} {t}"))
            .collect();
        let _ = writeln!(
            o,
            "  … and {} more: {}{}",
            explained.len() - limit,
            listed.join(", "),
            if groups.len() > 8 { ", …" } else { "" }
        );
    }
    o.push('\n');
}
