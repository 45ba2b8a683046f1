//! SARIF 2.1.0, shaped for GitHub code scanning (and any other SARIF consumer).
//!
//! One run. `tool.driver.rules` describes every loaded rule (built-in and user) with its
//! summary, description, default level and GitHub's `security-severity`. Each finding is a
//! result at the resource's declaration when it is known (CloudFormation template line,
//! Terraform `.tf` block with `--source-dir`), else at the plan file with the address as a
//! logical location. `partialFingerprints` hash the rule id and address only, so a re-run
//! updates alerts instead of duplicating them. Waived findings stay, carrying an external
//! suppression whose justification is the waiver's reason and approver.

use super::{fingerprints, level, location_of, security_severity, Report};
use crate::policy::RuleInfo;
use serde_json::{json, Map, Value};

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The `partialFingerprints` key: versioned, so a future change of scheme is explicit.
pub const FINGERPRINT_KEY: &str = "planguardFinding/v1";

/// `resource-replaced` → `ResourceReplaced`: SARIF's readable rule name.
fn pascal(id: &str) -> String {
    id.split(['-', '_'])
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

fn rule_json(r: &RuleInfo) -> Value {
    let mut help_md = format!("**{}**\n\n{}", r.summary, r.description.trim_end());
    let mut help_text = format!("{}\n\n{}", r.summary, r.description.trim_end());
    if let Some(ex) = &r.example {
        help_md.push_str(&format!("\n\nExample:\n\n```\n{}\n```", ex.trim_end()));
        help_text.push_str(&format!("\n\nExample:\n{}", ex.trim_end()));
    }
    help_md.push_str(&format!(
        "\n\nExplain locally: `planguard rules explain {}`",
        r.id
    ));
    json!({
        "id": r.id,
        "name": pascal(&r.id),
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.description.trim_end()},
        "help": {"text": help_text, "markdown": help_md},
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {
            "security-severity": security_severity(r.severity),
            "tags": ["planguard", "infrastructure", "destructive-change", r.severity.as_str()],
            "precision": "high",
            "problem.severity": match level(r.severity) {
                "error" => "error",
                "warning" => "warning",
                _ => "recommendation",
            },
        },
    })
}

/// A relative path or URI as a SARIF `uri`: forward slashes, percent-encoded where a URI
/// reference needs it; absolute paths become `file://` URIs.
pub fn path_uri(path: &str) -> String {
    let p = path.replace('\\', "/");
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

pub fn render(r: &Report<'_>) -> String {
    let a = r.analysis;
    let e = r.evaluation;
    let rules: Vec<Value> = e.rules.iter().map(rule_json).collect();
    let index_of = |id: &str| e.rules.iter().position(|x| x.id == id);
    let prints = fingerprints(e);
    let mut results = Vec::with_capacity(e.findings.len());
    for (f, print) in e.findings.iter().zip(&prints) {
        let node = f.node.map(|i| a.node(i));
        let (path, line) = location_of(a, node);
        let mut physical = Map::new();
        physical.insert(
            "artifactLocation".into(),
            json!({"uri": path_uri(if path.is_empty() { "plan" } else { path })}),
        );
        // GitHub needs a line to show an alert; the plan file's first line stands in when
        // the declaration is unknown (the logical location names the resource).
        physical.insert("region".into(), json!({"startLine": line.unwrap_or(1)}));
        let mut location = Map::new();
        location.insert("physicalLocation".into(), Value::Object(physical));
        if let Some(addr) = &f.address {
            location.insert(
                "logicalLocations".into(),
                json!([{"fullyQualifiedName": addr, "kind": "resource"}]),
            );
        }
        let mut result = Map::new();
        result.insert("ruleId".into(), json!(f.rule_id));
        if let Some(i) = index_of(&f.rule_id) {
            result.insert("ruleIndex".into(), json!(i));
        }
        result.insert("level".into(), json!(level(f.severity)));
        result.insert("message".into(), json!({"text": f.message}));
        result.insert("locations".into(), json!([Value::Object(location)]));
        result.insert(
            "partialFingerprints".into(),
            json!({ FINGERPRINT_KEY: print }),
        );
        let mut props = Map::new();
        props.insert("severity".into(), json!(f.severity.as_str()));
        props.insert(
            "security-severity".into(),
            json!(security_severity(f.severity)),
        );
        if let Some(n) = node {
            props.insert("resourceType".into(), json!(n.resource_type));
            if let Some(act) = n.action() {
                props.insert("action".into(), json!(act.as_str()));
            }
            if let Some(d) = f.node.and_then(|i| a.destructive_of(i)) {
                props.insert("dependents".into(), json!(d.dependent_count()));
                if let Some(rc) = d.root_cause {
                    props.insert("rootCause".into(), json!(a.node(rc).display_address()));
                }
            }
        }
        result.insert("properties".into(), Value::Object(props));
        if let Some(w) = &f.waiver {
            result.insert(
                "suppressions".into(),
                json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": format!(
                        "{} (approved by {}, expires {})",
                        w.reason, w.approved_by, w.expires
                    ),
                    "properties": {"approvedBy": w.approved_by, "expires": w.expires},
                }]),
            );
        }
        results.push(Value::Object(result));
    }
    let artifacts: Vec<Value> = a
        .inputs
        .iter()
        .map(|i| {
            json!({
                "location": {"uri": path_uri(&i.path)},
                "hashes": {"sha-256": i.sha256},
                "roles": ["analysisTarget"],
            })
        })
        .collect();
    let doc = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "planguard",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "automationDetails": {"id": "planguard/"},
            "artifacts": artifacts,
            "results": results,
            "invocations": [{
                "executionSuccessful": true,
                "properties": {"verdict": e.verdict, "failOn": e.fail_on},
            }],
            "properties": {
                "rootCauses": a.root_causes().map(|d| a.node(d.node).display_address()).collect::<Vec<_>>(),
            },
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialise SARIF: {e}\"}}"));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(pascal("resource-replaced"), "ResourceReplaced");
        assert_eq!(path_uri("dir/a b.json"), "dir/a%20b.json");
        assert_eq!(path_uri("/abs/x.tf"), "file:///abs/x.tf");
        assert_eq!(path_uri("a\\b.tf"), "a/b.tf");
    }
}
