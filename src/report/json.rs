//! The JSON report, `schema_version` 1: a public contract (additive changes only).
//!
//! Fields and their meaning are defined in DESIGN.md and `docs/json-report.md`. Beyond the
//! DESIGN fields this adds (additively): per-change `mode`, `provider`, `deposed`,
//! `moved_from`, `importing`, `mitigation`, `raw_actions`; top-level `root_causes`, `drift`,
//! `output_changes`, `notes`, `incomplete`, `waivers`, and summary counts of the estate.

use super::Report;
use crate::model::{Action, Node};
use crate::policy::rule::Severity;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    tool: Tool,
    verdict: crate::policy::Verdict,
    fail_on: Severity,
    inputs: &'a [crate::model::InputInfo],
    summary: Summary,
    changes: Changes<'a>,
    findings: &'a [crate::policy::Finding],
    root_causes: Vec<String>,
    drift: &'a [crate::model::Drift],
    output_changes: &'a [crate::model::OutputChange],
    notes: &'a [crate::model::Note],
    incomplete: &'a [crate::model::Incomplete],
    waivers: &'a [crate::policy::WaiverReport],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    #[serde(flatten)]
    actions: BTreeMap<&'static str, usize>,
    findings: BTreeMap<&'static str, usize>,
    waived: usize,
    managed_existing: usize,
    managed_destroyed: usize,
    root_causes: usize,
}

#[derive(Serialize)]
struct JsonChange<'a> {
    address: &'a str,
    #[serde(rename = "type")]
    resource_type: &'a str,
    mode: crate::model::Mode,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deposed: Option<&'a str>,
    action: Action,
    raw_actions: &'a [String],
    replace_order: Option<crate::model::ReplaceOrder>,
    certainty: crate::model::Certainty,
    reasons: &'a [String],
    forced_by: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    moved_from: Option<&'a str>,
    importing: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    mitigation: Option<&'a str>,
    root_cause: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blast_radius: Option<BlastRadius<'a>>,
}

#[derive(Serialize)]
struct BlastRadius<'a> {
    dependents: Names<'a>,
    changing: Names<'a>,
    unchanged: Names<'a>,
}

/// Node addresses written straight from the analysis: a mass replacement can list hundreds
/// of megabytes of dependents, which are never copied into strings first.
enum Names<'a> {
    Nodes(&'a [u32], &'a crate::analysis::Analysis),
    /// Every dependent of a destructive change, in address order.
    AllDependents(
        &'a crate::analysis::Destructive,
        &'a crate::analysis::Analysis,
    ),
}

impl Serialize for Names<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        fn element<Q: SerializeSeq>(seq: &mut Q, n: &Node) -> Result<(), Q::Error> {
            match &n.deposed {
                None => seq.serialize_element(n.address.as_str()),
                Some(_) => seq.serialize_element(&n.display_address()),
            }
        }
        match *self {
            Names::Nodes(nodes, a) => {
                let mut seq = s.serialize_seq(Some(nodes.len()))?;
                for &i in nodes {
                    element(&mut seq, a.node(i))?;
                }
                seq.end()
            }
            Names::AllDependents(d, a) => {
                let mut seq = s.serialize_seq(Some(d.dependent_count()))?;
                for i in d.dependents(a) {
                    element(&mut seq, a.node(i))?;
                }
                seq.end()
            }
        }
    }
}

/// `changes`, built one at a time while they are written: a 100k-change plan never holds
/// its report rows all at once.
struct Changes<'a>(&'a crate::analysis::Analysis);

impl Serialize for Changes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let a = self.0;
        let mut seq = s.serialize_seq(None)?;
        for (i, n) in a.nodes_by_address() {
            if let Some(change) = json_change(a, i, n) {
                seq.serialize_element(&change)?;
            }
        }
        seq.end()
    }
}

fn json_change<'a>(
    a: &'a crate::analysis::Analysis,
    i: u32,
    n: &'a Node,
) -> Option<JsonChange<'a>> {
    if !n.is_changing() {
        return None;
    }
    let c = n.change.as_ref()?;
    let d = if n.is_destructive() {
        a.destructive_of(i)
    } else {
        None
    };
    Some(JsonChange {
        address: &n.address,
        resource_type: &n.resource_type,
        mode: n.mode,
        provider: n.provider.as_deref(),
        deposed: n.deposed.as_deref(),
        action: c.action,
        raw_actions: &c.raw_actions,
        replace_order: c.replace_order,
        certainty: c.certainty,
        reasons: &c.reasons,
        forced_by: &c.forced_by,
        moved_from: c.moved_from.as_deref(),
        importing: c.importing,
        mitigation: c.mitigation.as_deref(),
        root_cause: d
            .and_then(|d| d.root_cause)
            .map(|rc| a.node(rc).display_address()),
        blast_radius: d.map(|d| BlastRadius {
            dependents: Names::AllDependents(d, a),
            changing: Names::Nodes(d.changing(), a),
            unchanged: Names::Nodes(d.unchanged(), a),
        }),
    })
}

pub fn render(r: &Report<'_>) -> String {
    let mut out = Vec::new();
    match write(r, &mut out) {
        Ok(()) => String::from_utf8(out)
            .unwrap_or_else(|e| format!("{{\"error\": \"report is not UTF-8: {e}\"}}\n")),
        Err(e) => format!("{{\"error\": \"cannot serialise report: {e}\"}}\n"),
    }
}

/// Stream the report into `w` (a file or stdout): a large report is never held in memory.
pub fn write(r: &Report<'_>, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let a = r.analysis;
    let e = r.evaluation;
    let mut actions = BTreeMap::new();
    for act in Action::ALL {
        let n = a.summary.counts.get(&act).copied().unwrap_or(0);
        // The seven DESIGN counts are always present; CloudFormation-only ones when used.
        if n > 0 || !matches!(act, Action::Import | Action::Dynamic) {
            actions.insert(act.as_str(), n);
        }
    }
    let findings = Severity::ALL
        .into_iter()
        .map(|s| (s.as_str(), e.count(s)))
        .collect();
    let report = JsonReport {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "planguard",
            version: env!("CARGO_PKG_VERSION"),
        },
        verdict: e.verdict,
        fail_on: e.fail_on,
        inputs: &a.inputs,
        summary: Summary {
            actions,
            findings,
            waived: e.findings.iter().filter(|f| f.waived).count(),
            managed_existing: a.summary.managed_existing,
            managed_destroyed: a.summary.managed_destroyed,
            root_causes: a.summary.root_causes,
        },
        changes: Changes(a),
        findings: &e.findings,
        root_causes: a
            .root_causes()
            .map(|d| a.node(d.node).display_address())
            .collect(),
        drift: &a.drift,
        output_changes: &a.outputs,
        notes: &a.notes,
        incomplete: &a.incomplete,
        waivers: &e.waivers,
    };
    // Buffered here, whatever `w` is: the pretty printer makes several tiny writes per
    // list element, each a dynamic call on `w`.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, w);
    serde_json::to_writer_pretty(&mut out, &report).map_err(std::io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}
