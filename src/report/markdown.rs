//! The pull-request comment: Markdown that always fits GitHub's 65,536-character limit.
//!
//! First line is a hidden marker (`<!-- planguard-report -->`) so a CI job can find and
//! update its previous comment. Then the verdict, what the plan does, a table of every root
//! cause with why it happens and its blast radius, the critical and blocking findings, the
//! other destructive changes, a Mermaid diagram of the blast radius, waivers and notes.
//!
//! Fitting the limit: root causes and critical findings are *essential* and always named.
//! Everything else is fitted into what remains, in priority order (other findings, waivers,
//! the capped diagram, the explained destructive changes, drift and notes); what does not fit
//! is summarised by count and type, and the comment says what was cut and where the full
//! report is. Should the essentials alone not fit (tens of thousands of independent
//! deletions), they are listed compactly and, last resort, cut with a count. Sizes are
//! counted in bytes, which is never less than GitHub's character count.

use super::graph::{class_of, mermaid_escape, MERMAID_CLASSES};
use super::{plural, Report};
use crate::analysis::{Analysis, Destructive};
use crate::model::{Action, Certainty, ReplaceOrder};
use crate::policy::rule::Severity;
use crate::policy::{Finding, Verdict, WaiverStatus};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// The hidden first line CI jobs look for.
pub const MARKER: &str = "<!-- planguard-report -->";
/// GitHub's limit on a comment body, in characters.
pub const GITHUB_LIMIT: usize = 65_536;
/// What this renderer aims for, in bytes: headroom for a CI job's own wrapper text.
pub const BUDGET: usize = 60_000;
/// Kept back for the cut notice and footer.
const RESERVE: usize = 1_500;
/// Rows of a list shown before it goes into `<details>`.
const OPEN_ROWS: usize = 10;

/// Diagram caps.
const DIAGRAM_ROOTS: usize = 8;
const DIAGRAM_DESTROYED: usize = 6;
const DIAGRAM_DEPENDENTS: usize = 4;

pub fn render(r: &Report<'_>) -> String {
    render_with_budget(r, BUDGET)
}

/// Render within `budget` bytes (tests use small budgets to exercise cutting).
pub fn render_with_budget(r: &Report<'_>, budget: usize) -> String {
    let a = r.analysis;
    let e = r.evaluation;
    let mut cut: Vec<String> = Vec::new();

    let head = header(r);
    let roots: Vec<&Destructive> = a.root_causes().collect();
    let critical: Vec<&Finding> = e
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Critical)
        .collect();

    // Essentials: full detail, else compact, else cut with a count.
    let room = budget.saturating_sub(head.len() + RESERVE);
    let mut essential = root_table(a, &roots) + &findings_table("Critical findings", &critical);
    if essential.len() > room {
        essential = root_compact(a, &roots) + &findings_compact("Critical findings", &critical);
        cut.push("root-cause details (reasons, blast radius) are shown compactly".into());
    }
    if essential.len() > room {
        let (s, n) = truncate_lines(&essential, room);
        essential = s;
        cut.push(format!(
            "{n} lines of root causes and critical findings (too many to list)"
        ));
    }
    let mut left = room.saturating_sub(essential.len());

    // Optional sections, in priority order.
    let other: Vec<&Finding> = e
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Critical && (f.waived || f.severity >= e.fail_on))
        .collect();
    let findings_other = fit_findings(r, &other, left, &mut cut);
    left = left.saturating_sub(findings_other.len());
    let waivers = fit_section(waivers_section(r), left, "the waiver list", &mut cut);
    left = left.saturating_sub(waivers.len());
    let diagram = fit_section(
        diagram_section(a),
        left,
        "the blast-radius diagram",
        &mut cut,
    );
    left = left.saturating_sub(diagram.len());
    let explained = fit_explained(a, left.saturating_sub(2_000), &mut cut);
    left = left.saturating_sub(explained.len());
    let notes = fit_section(notes_section(r), left, "drift and notes", &mut cut);

    let mut o = head;
    o.push_str(&essential);
    o.push_str(&findings_other);
    o.push_str(&explained);
    o.push_str(&diagram);
    o.push_str(&waivers);
    o.push_str(&notes);
    if !cut.is_empty() {
        o.push_str("\n> [!NOTE]\n> Shortened to fit a GitHub comment. Cut: ");
        let mut listed = cut.join("; ");
        if listed.len() > RESERVE - 400 {
            let (s, _) = truncate_chars(&listed, RESERVE - 400);
            listed = s + " …";
        }
        o.push_str(&md_text(&listed));
        o.push_str(". The full report: `planguard check --format json`.\n");
    }
    let _ = write!(
        o,
        "\n<sub>planguard {} · fail-on: {}</sub>\n",
        env!("CARGO_PKG_VERSION"),
        e.fail_on
    );
    o
}

fn header(r: &Report<'_>) -> String {
    let a = r.analysis;
    let e = r.evaluation;
    let mut o = String::new();
    o.push_str(MARKER);
    o.push('\n');
    let blocking = e.blocking().count();
    let waived = e.findings.iter().filter(|f| f.waived).count();
    match e.verdict {
        Verdict::Fail => {
            let _ = writeln!(
                o,
                "## ❌ planguard: FAIL, {} (fail-on: {})\n",
                plural(blocking, "blocking finding", "blocking findings"),
                e.fail_on
            );
        }
        Verdict::Pass => {
            let _ = writeln!(
                o,
                "## ✅ planguard: PASS, no finding at or above {}\n",
                e.fail_on
            );
        }
    }
    if waived > 0 {
        let _ = writeln!(
            o,
            "{} waived (see Waivers).\n",
            plural(waived, "finding", "findings")
        );
    }
    for inc in &a.incomplete {
        let (msg, _) = truncate_chars(&inc.message, 300);
        let _ = writeln!(o, "> [!WARNING]\n> Partial analysis: {}\n", md_text(&msg));
    }
    let (destroy, rest) = super::action_summary(a);
    let _ = writeln!(o, "**{destroy}** {}", rest.join(" · "));
    if a.summary.managed_existing > 0 {
        let _ = writeln!(
            o,
            "\nDestroys {} of {} existing managed resources ({:.0}%), from {}.",
            a.summary.managed_destroyed,
            a.summary.managed_existing,
            a.summary.destroyed_share() * 100.0,
            plural(a.summary.root_causes, "root cause", "root causes")
        );
    }
    let inputs: Vec<String> = a
        .inputs
        .iter()
        .take(5)
        .map(|i| format!("{} ({})", code(&i.path), i.format.as_str()))
        .collect();
    let more = if a.inputs.len() > 5 {
        format!(" and {} more", a.inputs.len() - 5)
    } else {
        String::new()
    };
    let _ = writeln!(o, "\nInput: {}{more}\n", inputs.join(", "));
    o
}

/// Text safe in a Markdown paragraph or table cell.
fn md_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// A code span safe in a table cell (addresses hold no backticks; if one does, a longer
/// fence is used).
fn code(s: &str) -> String {
    let s = s.replace('|', "\\|").replace(['\n', '\r'], " ");
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

fn order_words(o: Option<ReplaceOrder>) -> &'static str {
    match o {
        Some(ReplaceOrder::DeleteBeforeCreate) => "destroy first, then create",
        Some(ReplaceOrder::CreateBeforeDelete) => "create first, then destroy",
        None => "",
    }
}

fn action_cell(a: &Analysis, d: &Destructive) -> String {
    let n = a.node(d.node);
    let Some(c) = &n.change else {
        return String::new();
    };
    let mut s = format!("**{}**", c.action);
    if c.replace_order.is_some() {
        let _ = write!(s, " ({})", order_words(c.replace_order));
    }
    if c.certainty == Certainty::Conditional {
        s.push_str(" (conditional)");
    }
    s
}

fn why_cell(a: &Analysis, d: &Destructive) -> String {
    let n = a.node(d.node);
    let Some(c) = &n.change else {
        return String::new();
    };
    let mut parts = Vec::new();
    if !c.forced_by.is_empty() {
        let f: Vec<String> = c.forced_by.iter().take(5).map(|p| code(p)).collect();
        let more = if c.forced_by.len() > 5 { ", …" } else { "" };
        parts.push(format!("forced by {}{more}", f.join(", ")));
    }
    if !c.reasons.is_empty() {
        let (r, _) = truncate_chars(&c.reasons.join(", "), 300);
        parts.push(md_text(&r));
    }
    if let Some(m) = &c.mitigation {
        parts.push(format!("mitigated: {}", md_text(m)));
    }
    if let Some(m) = &c.moved_from {
        parts.push(format!("moved from {}", code(m)));
    }
    if parts.is_empty() {
        "—".into()
    } else {
        parts.join("; ")
    }
}

fn root_table(a: &Analysis, roots: &[&Destructive]) -> String {
    if roots.is_empty() {
        return "### Nothing is destroyed\n\n".into();
    }
    let explained: usize = roots.iter().map(|d| d.explains).sum();
    let mut o = format!(
        "### Root causes ({}){}\n\n",
        roots.len(),
        if explained > 0 {
            format!(
                ", explaining {}",
                plural(
                    explained,
                    "more destructive change",
                    "more destructive changes"
                )
            )
        } else {
            String::new()
        }
    );
    o.push_str("| Resource | Action | Why | Blast radius | Explains |\n|---|---|---|---|---|\n");
    for d in roots {
        let n = a.node(d.node);
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} ({} changing, {} unchanged) | {} |",
            code(&n.display_address()),
            action_cell(a, d),
            why_cell(a, d),
            plural(d.dependent_count(), "dependent", "dependents"),
            d.changing().len(),
            d.unchanged().len(),
            d.explains
        );
    }
    o.push('\n');
    o
}

fn root_compact(a: &Analysis, roots: &[&Destructive]) -> String {
    let mut o = format!("### Root causes ({})\n\n", roots.len());
    for d in roots {
        let n = a.node(d.node);
        let _ = writeln!(
            o,
            "- {} {} ({} dependents)",
            code(&n.display_address()),
            n.action().map_or("", Action::as_str),
            d.dependent_count()
        );
    }
    o.push('\n');
    o
}

fn finding_row(f: &Finding) -> String {
    let (msg, _) = truncate_chars(&f.message, 500);
    format!(
        "| {}{} | {} | {} | {} |\n",
        f.severity,
        if f.waived { " (waived)" } else { "" },
        code(&f.rule_id),
        f.address.as_deref().map_or("plan".into(), code),
        md_text(&msg)
    )
}

const FINDINGS_HEAD: &str = "| Severity | Rule | Resource | Message |\n|---|---|---|---|\n";

fn findings_table(title: &str, list: &[&Finding]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let mut o = format!("### {title} ({})\n\n{FINDINGS_HEAD}", list.len());
    for f in list {
        o.push_str(&finding_row(f));
    }
    o.push('\n');
    o
}

fn findings_compact(title: &str, list: &[&Finding]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let mut o = format!("### {title} ({})\n\n", list.len());
    for f in list {
        let _ = writeln!(
            o,
            "- {} {}",
            code(&f.rule_id),
            f.address.as_deref().map_or("plan".into(), code)
        );
    }
    o.push('\n');
    o
}

/// Blocking and waived non-critical findings, as many rows as fit; the rest counted by
/// rule. Findings below fail-on are always only counted.
fn fit_findings(r: &Report<'_>, list: &[&Finding], budget: usize, cut: &mut Vec<String>) -> String {
    let e = r.evaluation;
    let mut below: BTreeMap<(std::cmp::Reverse<Severity>, &str), usize> = BTreeMap::new();
    for f in &e.findings {
        if !f.waived && f.severity < e.fail_on && f.severity != Severity::Critical {
            *below
                .entry((std::cmp::Reverse(f.severity), f.rule_id.as_str()))
                .or_default() += 1;
        }
    }
    if list.is_empty() && below.is_empty() {
        return String::new();
    }
    let mut tail = String::new();
    if !below.is_empty() {
        let listed: Vec<String> = below
            .iter()
            .map(|((s, rule), n)| format!("{n} {} ({})", code(rule), s.0))
            .collect();
        let _ = writeln!(
            tail,
            "\nBelow fail-on ({}): {}.",
            e.fail_on,
            listed.join(", ")
        );
    }
    let title = if list.is_empty() {
        "### Other findings\n".to_string()
    } else {
        format!("### Other findings ({})\n\n", list.len())
    };
    let (rows, shown) = fit_rows(
        list.iter().map(|f| finding_row(f)),
        budget.saturating_sub(title.len() + tail.len() + FINDINGS_HEAD.len() + 200),
    );
    let mut o = title;
    if !list.is_empty() {
        let details = list.len() > OPEN_ROWS;
        if details {
            let _ = write!(
                o,
                "<details><summary>{} blocking or waived findings below critical</summary>\n\n",
                list.len()
            );
        }
        o.push_str(FINDINGS_HEAD);
        o.push_str(&rows);
        if shown < list.len() {
            let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
            for f in &list[shown..] {
                *by_rule.entry(f.rule_id.as_str()).or_default() += 1;
            }
            let listed: Vec<String> = by_rule
                .iter()
                .map(|(r, n)| format!("{n} {}", code(r)))
                .collect();
            let _ = writeln!(
                o,
                "\n… and {} more: {}",
                list.len() - shown,
                listed.join(", ")
            );
            cut.push(format!(
                "{} of {} findings below critical (counted by rule)",
                list.len() - shown,
                list.len()
            ));
        }
        if details {
            o.push_str("\n</details>\n");
        }
    }
    o.push_str(&tail);
    o.push('\n');
    if o.len() > budget {
        cut.push("the other findings".into());
        return String::new();
    }
    o
}

/// Destructive changes explained by a root cause: rows while they fit, the rest counted by
/// root cause and type. The counts line is always there when anything is explained.
fn fit_explained(a: &Analysis, budget: usize, cut: &mut Vec<String>) -> String {
    let explained: Vec<&Destructive> = a
        .destructive
        .iter()
        .filter(|d| d.root_cause.is_some())
        .collect();
    if explained.is_empty() {
        return String::new();
    }
    let mut o = format!(
        "### Also destroyed, because of a root cause ({})\n\n",
        explained.len()
    );
    let head = "| Resource | Action | Root cause | Why |\n|---|---|---|---|\n";
    let rows = explained.iter().map(|d| {
        format!(
            "| {} | {} | {} | {} |\n",
            code(&a.node(d.node).display_address()),
            action_cell(a, d),
            d.root_cause
                .map(|rc| code(&a.node(rc).display_address()))
                .unwrap_or_default(),
            why_cell(a, d)
        )
    });
    // The summary of what is not shown is bounded: per root cause, the top types.
    let summary = |from: usize| -> String {
        let mut by_root: BTreeMap<String, BTreeMap<&str, usize>> = BTreeMap::new();
        for d in &explained[from..] {
            let rc = d
                .root_cause
                .map(|rc| a.node(rc).display_address())
                .unwrap_or_default();
            *by_root
                .entry(rc)
                .or_default()
                .entry(a.node(d.node).resource_type.as_str())
                .or_default() += 1;
        }
        let mut s = String::new();
        for (rc, types) in by_root.iter().take(20) {
            let total: usize = types.values().sum();
            let mut t: Vec<(&&str, &usize)> = types.iter().collect();
            t.sort_by(|x, y| y.1.cmp(x.1).then(x.0.cmp(y.0)));
            let listed: Vec<String> = t
                .iter()
                .take(5)
                .map(|(ty, n)| format!("{n} {ty}"))
                .collect();
            let _ = writeln!(
                s,
                "- {total} more because of {}: {}{}",
                code(rc),
                listed.join(", "),
                if t.len() > 5 { ", …" } else { "" }
            );
        }
        if by_root.len() > 20 {
            let _ = writeln!(s, "- … under {} more root causes", by_root.len() - 20);
        }
        s
    };
    let reserve = 400 + summary(0).len().min(8_000);
    let (body, shown) = fit_rows(rows, budget.saturating_sub(o.len() + head.len() + reserve));
    let details = shown > OPEN_ROWS || shown < explained.len();
    if details {
        let _ = write!(
            o,
            "<details><summary>{} listed{}</summary>\n\n",
            shown,
            if shown < explained.len() {
                format!(", {} summarised", explained.len() - shown)
            } else {
                String::new()
            }
        );
    }
    if shown > 0 {
        o.push_str(head);
        o.push_str(&body);
    }
    if shown < explained.len() {
        o.push('\n');
        o.push_str(&summary(shown));
        cut.push(format!(
            "{} of {} explained destructive changes are counted by root cause and type, not listed",
            explained.len() - shown,
            explained.len()
        ));
    }
    if details {
        o.push_str("\n</details>\n");
    }
    o.push('\n');
    if o.len() > budget {
        // Not even the summary fits: one line of counts.
        let line = format!(
            "### Also destroyed, because of a root cause ({})\n\nNot listed here.\n\n",
            explained.len()
        );
        cut.push("the list of explained destructive changes".into());
        return if line.len() <= budget {
            line
        } else {
            String::new()
        };
    }
    o
}

/// Whole rows while they fit in `budget` bytes.
fn fit_rows(rows: impl Iterator<Item = String>, budget: usize) -> (String, usize) {
    let mut o = String::new();
    let mut n = 0;
    for row in rows {
        if o.len() + row.len() > budget {
            break;
        }
        o.push_str(&row);
        n += 1;
    }
    (o, n)
}

fn fit_section(s: String, budget: usize, what: &str, cut: &mut Vec<String>) -> String {
    if s.len() <= budget {
        s
    } else {
        cut.push(what.to_string());
        String::new()
    }
}

fn waivers_section(r: &Report<'_>) -> String {
    let e = r.evaluation;
    if e.waivers.is_empty() {
        return String::new();
    }
    let mut o = format!(
        "### Waivers ({})\n\n| Rule | Address | Status | Reason | Approved by | Expires |\n|---|---|---|---|---|---|\n",
        e.waivers.len()
    );
    for w in &e.waivers {
        let status = match w.status {
            WaiverStatus::Applied => {
                format!("applied to {}", plural(w.matched, "finding", "findings"))
            }
            WaiverStatus::Expired => "**expired**: waives nothing".to_string(),
            WaiverStatus::WrongPlan => "**pinned to another plan**: waives nothing".to_string(),
            WaiverStatus::Stale => "stale: matches nothing".to_string(),
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} |",
            code(&w.rule),
            code(&w.address),
            status,
            md_text(&w.reason),
            md_text(&w.approved_by),
            md_text(&w.expires)
        );
    }
    o.push('\n');
    o
}

fn notes_section(r: &Report<'_>) -> String {
    let a = r.analysis;
    let mut o = String::new();
    if !a.drift.is_empty() {
        let _ = write!(
            o,
            "<details><summary>Drift: {} changed outside the tool (reported, not judged)</summary>\n\n",
            plural(a.drift.len(), "object", "objects")
        );
        for d in a.drift.iter().take(50) {
            let _ = writeln!(o, "- {} {}", code(&d.address), d.action);
        }
        if a.drift.len() > 50 {
            let _ = writeln!(o, "- … and {} more", a.drift.len() - 50);
        }
        o.push_str("\n</details>\n\n");
    }
    if !a.notes.is_empty() {
        let _ = write!(
            o,
            "<details><summary>Notes on this analysis ({})</summary>\n\n",
            a.notes.len()
        );
        for n in a.notes.iter().take(30) {
            let (m, _) = truncate_chars(&n.message, 400);
            let _ = writeln!(o, "- {}", md_text(&m));
        }
        if a.notes.len() > 30 {
            let _ = writeln!(o, "- … and {} more", a.notes.len() - 30);
        }
        o.push_str("\n</details>\n\n");
    }
    o
}

/// The blast-radius diagram: root causes → what they destroy → their dependents, capped
/// per root cause with "… N more" nodes.
fn diagram_section(a: &Analysis) -> String {
    let body = blast_radius_mermaid(a);
    if body.is_empty() {
        return String::new();
    }
    format!(
        "<details open><summary>Blast radius diagram</summary>\n\n```mermaid\n{body}```\n\n</details>\n\n"
    )
}

/// Mermaid flowchart of the blast radius (empty when nothing is destroyed).
pub fn blast_radius_mermaid(a: &Analysis) -> String {
    let mut roots: Vec<&Destructive> = a.root_causes().collect();
    if roots.is_empty() {
        return String::new();
    }
    roots.sort_by(|x, y| {
        (y.explains + y.dependent_count())
            .cmp(&(x.explains + x.dependent_count()))
            .then_with(|| {
                a.node(x.node)
                    .display_address()
                    .cmp(&a.node(y.node).display_address())
            })
    });
    let mut explained_by: HashMap<u32, Vec<u32>> = HashMap::new();
    for d in &a.destructive {
        if let Some(rc) = d.root_cause {
            explained_by.entry(rc).or_default().push(d.node);
        }
    }
    let mut g = Diagram::default();
    for d in roots.iter().take(DIAGRAM_ROOTS) {
        let root = g.node(a, d.node);
        let destroyed = explained_by.get(&d.node).map_or(&[][..], Vec::as_slice);
        let mut drawn = vec![d.node];
        for &x in destroyed.iter().take(DIAGRAM_DESTROYED) {
            let id = g.node(a, x);
            g.edge(root, id);
            drawn.push(x);
        }
        if destroyed.len() > DIAGRAM_DESTROYED {
            let rest = &destroyed[DIAGRAM_DESTROYED..];
            let id = g.summary(format!(
                "… {} more destroyed ({})",
                rest.len(),
                top_types(a, rest)
            ));
            g.edge(root, id);
        }
        let others: Vec<u32> = d
            .dependents(a)
            .filter(|&x| !a.node(x).is_destructive())
            .collect();
        for &x in others.iter().take(DIAGRAM_DEPENDENTS) {
            let id = g.node(a, x);
            let parent = a
                .graph
                .dependencies(x)
                .filter(|p| drawn.contains(p))
                .min()
                .and_then(|p| g.ids.get(&p).copied())
                .unwrap_or(root);
            g.edge(parent, id);
        }
        if others.len() > DIAGRAM_DEPENDENTS {
            let rest = &others[DIAGRAM_DEPENDENTS..];
            let id = g.summary(format!(
                "… {} more dependents ({})",
                rest.len(),
                top_types(a, rest)
            ));
            g.edge(root, id);
        }
    }
    if roots.len() > DIAGRAM_ROOTS {
        g.summary(format!(
            "… {} more root causes (see the table)",
            roots.len() - DIAGRAM_ROOTS
        ));
    }
    let mut o = String::from("flowchart LR\n");
    o.push_str(&g.lines);
    let mut edges: Vec<&(usize, usize)> = g.edges.iter().collect();
    edges.sort();
    edges.dedup();
    for (f, t) in edges {
        let _ = writeln!(o, "  n{f} --> n{t}");
    }
    o.push_str(MERMAID_CLASSES);
    o
}

fn top_types(a: &Analysis, nodes: &[u32]) -> String {
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for &n in nodes {
        *by.entry(a.node(n).resource_type.as_str()).or_default() += 1;
    }
    let mut v: Vec<(&str, usize)> = by.into_iter().collect();
    v.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
    let mut s: Vec<String> = v.iter().take(3).map(|(t, n)| format!("{n} {t}")).collect();
    if v.len() > 3 {
        s.push("…".into());
    }
    s.join(", ")
}

#[derive(Default)]
struct Diagram {
    ids: HashMap<u32, usize>,
    next: usize,
    lines: String,
    edges: Vec<(usize, usize)>,
}

impl Diagram {
    fn node(&mut self, a: &Analysis, i: u32) -> usize {
        if let Some(&id) = self.ids.get(&i) {
            return id;
        }
        let id = self.next;
        self.next += 1;
        self.ids.insert(i, id);
        let n = a.node(i);
        let label = match n.action() {
            Some(act) if act != Action::NoOp => format!("{} ({act})", n.display_address()),
            _ => n.display_address(),
        };
        let _ = writeln!(
            self.lines,
            "  n{id}[\"{}\"]:::{}",
            mermaid_escape(&label),
            class_of(n.action())
        );
        id
    }

    fn summary(&mut self, label: String) -> usize {
        let id = self.next;
        self.next += 1;
        let _ = writeln!(
            self.lines,
            "  n{id}[\"{}\"]:::summary",
            mermaid_escape(&label)
        );
        id
    }

    fn edge(&mut self, from: usize, to: usize) {
        if from != to {
            self.edges.push((from, to));
        }
    }
}

/// At most `max` bytes of `s`, cut at a char boundary; the bool says whether it was cut.
fn truncate_chars(s: &str, max: usize) -> (String, bool) {
    if s.len() <= max {
        return (s.to_string(), false);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    (format!("{}…", &s[..end]), true)
}

/// Whole lines of `s` within `max` bytes, and how many lines were dropped.
fn truncate_lines(s: &str, max: usize) -> (String, usize) {
    let mut o = String::new();
    let mut dropped = 0;
    for line in s.split_inclusive('\n') {
        if dropped == 0 && o.len() + line.len() + 80 <= max {
            o.push_str(line);
        } else {
            dropped += 1;
        }
    }
    if dropped > 0 {
        let _ = writeln!(o, "\n… {dropped} more lines not shown\n");
    }
    (o, dropped)
}
