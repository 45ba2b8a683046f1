//! The resource graph drawn as Graphviz DOT or Mermaid (`planguard graph`), and the Mermaid
//! helpers the Markdown report's blast-radius diagram shares.
//!
//! Addresses hold brackets and quotes (`module.x["a.b"].aws_y.z[0]`) that break naive
//! labels, so every node gets a generated id (`n0`, `n1`, … in address order) and its label
//! is escaped for the target language: Mermaid entity codes (`#quot;`, `#35;` …) inside a
//! quoted label, DOT backslash escapes inside a quoted string. Nodes are styled by action:
//! replace/delete red, update yellow, create green, unchanged grey. Edges point from a
//! dependency to what depends on it (the direction damage travels) and can be labelled by
//! provenance (`config_reference`, `cfn_get_att` …).

use super::Report;
use crate::analysis::Analysis;
use crate::model::{Action, EdgeSource};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GraphFormat {
    #[default]
    Dot,
    Mermaid,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct GraphOptions {
    pub format: GraphFormat,
    /// Only destructive changes and their transitive dependents.
    pub blast_radius: bool,
    /// Label edges with why they exist.
    pub edge_labels: bool,
}

/// Style class of an action (also the Mermaid `classDef` name).
pub fn class_of(action: Option<Action>) -> &'static str {
    match action {
        Some(Action::Replace | Action::Delete) => "destroy",
        Some(Action::Update | Action::Dynamic) => "update",
        Some(Action::Create | Action::Import) => "create",
        _ => "unchanged",
    }
}

/// Mermaid `classDef` lines for the four classes (and `summary` for "… N more" nodes).
pub const MERMAID_CLASSES: &str = "  classDef destroy fill:#ffd6d6,stroke:#c62828,color:#000\n  \
classDef update fill:#fff3c4,stroke:#b58900,color:#000\n  \
classDef create fill:#d9f7d9,stroke:#2e7d32,color:#000\n  \
classDef unchanged fill:#eeeeee,stroke:#9e9e9e,color:#000\n  \
classDef summary fill:#ffffff,stroke:#9e9e9e,stroke-dasharray:4 3,color:#000\n";

/// Text made safe inside a Mermaid quoted label (`n0["…"]`) or edge label (`|…|`):
/// characters Mermaid or HTML would read become entity codes; newlines become spaces.
pub fn mermaid_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '"' => o.push_str("#quot;"),
            '#' => o.push_str("#35;"),
            '&' => o.push_str("#amp;"),
            '<' => o.push_str("#lt;"),
            '>' => o.push_str("#gt;"),
            '|' => o.push_str("#124;"),
            '`' => o.push_str("#96;"),
            '\n' | '\r' | '\t' => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// Text made safe inside a DOT double-quoted string.
pub fn dot_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' | '\r' => o.push_str("\\n"),
            c => o.push(c),
        }
    }
    o
}

fn edge_word(s: EdgeSource) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The nodes to draw, sorted by address: every node, or the blast radius of every
/// destructive change (the destroyed nodes and all their dependents).
fn selected(a: &Analysis, blast_radius: bool) -> Vec<u32> {
    let mut set: BTreeSet<u32> = BTreeSet::new();
    if blast_radius {
        for d in &a.destructive {
            set.insert(d.node);
            set.extend(d.dependents_any_order().iter().copied());
        }
    } else {
        set.extend(0..a.nodes.len() as u32);
    }
    let mut v: Vec<u32> = set.into_iter().collect();
    v.sort_by_cached_key(|&i| a.node(i).display_address());
    v
}

fn label(a: &Analysis, i: u32) -> String {
    let n = a.node(i);
    match n.action() {
        Some(act) if act != Action::NoOp => format!("{} ({})", n.display_address(), act),
        _ => n.display_address(),
    }
}

pub fn render(r: &Report<'_>, opts: GraphOptions) -> String {
    render_analysis(r.analysis, opts)
}

/// Draw the graph of an analysis (no policy needed).
pub fn render_analysis(a: &Analysis, opts: GraphOptions) -> String {
    let nodes = selected(a, opts.blast_radius);
    let ids: BTreeMap<u32, usize> = nodes.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    // Edges between drawn nodes, dependency → dependent, sorted by drawn ids.
    let mut edges: BTreeMap<(usize, usize), BTreeSet<String>> = BTreeMap::new();
    for (from, to, source) in a.graph.edges() {
        if let (Some(&f), Some(&t)) = (ids.get(&from), ids.get(&to)) {
            // `from` depends on `to`: draw to → from.
            edges.entry((t, f)).or_default().insert(edge_word(source));
        }
    }
    let mut o = String::new();
    match opts.format {
        GraphFormat::Mermaid => {
            o.push_str("flowchart LR\n");
            for (k, &i) in nodes.iter().enumerate() {
                let _ = writeln!(
                    o,
                    "  n{k}[\"{}\"]:::{}",
                    mermaid_escape(&label(a, i)),
                    class_of(a.node(i).action())
                );
            }
            for ((f, t), sources) in &edges {
                if opts.edge_labels {
                    let words: Vec<&str> = sources.iter().map(String::as_str).collect();
                    let _ = writeln!(
                        o,
                        "  n{f} -->|\"{}\"| n{t}",
                        mermaid_escape(&words.join(", "))
                    );
                } else {
                    let _ = writeln!(o, "  n{f} --> n{t}");
                }
            }
            o.push_str(MERMAID_CLASSES);
        }
        GraphFormat::Dot => {
            o.push_str("digraph planguard {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n");
            for (k, &i) in nodes.iter().enumerate() {
                let (fill, stroke) = match class_of(a.node(i).action()) {
                    "destroy" => ("#ffd6d6", "#c62828"),
                    "update" => ("#fff3c4", "#b58900"),
                    "create" => ("#d9f7d9", "#2e7d32"),
                    _ => ("#eeeeee", "#9e9e9e"),
                };
                let _ = writeln!(
                    o,
                    "  n{k} [label=\"{}\", fillcolor=\"{fill}\", color=\"{stroke}\"];",
                    dot_escape(&label(a, i))
                );
            }
            for ((f, t), sources) in &edges {
                if opts.edge_labels {
                    let words: Vec<&str> = sources.iter().map(String::as_str).collect();
                    let _ = writeln!(
                        o,
                        "  n{f} -> n{t} [label=\"{}\"];",
                        dot_escape(&words.join(", "))
                    );
                } else {
                    let _ = writeln!(o, "  n{f} -> n{t};");
                }
            }
            o.push_str("}\n");
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_labels() {
        assert_eq!(
            mermaid_escape(r#"module.x["a.b"].y[0] #1 <b>|"#),
            "module.x[#quot;a.b#quot;].y[0] #35;1 #lt;b#gt;#124;"
        );
        assert_eq!(dot_escape(r#"a["b\c"]"#), r#"a[\"b\\c\"]"#);
    }
}
