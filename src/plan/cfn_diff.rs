//! Predict a CloudFormation change set from two templates, without AWS.
//!
//! `planguard check --before deployed.yaml --after new.yaml` needs no credentials: this module
//! compares the templates resource by resource and predicts what CloudFormation would report,
//! using the embedded per-type replacement table (`data/replacement-properties.json`, see
//! `data/README.md`).
//!
//! Prediction rules (mirroring cdk's template-only diff, extended to nested property paths):
//! * only in `before` → delete; only in `after` → create; `Type` changed → replace (certain).
//! * A changed property path under a `createOnly` or legacy `Immutable` pointer (the union:
//!   the two sources disagree both ways, and missing a replacement is the worse error) →
//!   replace, certain; under a `conditional` pointer → replace, conditional; otherwise update.
//!   A path that contains a pointer (a whole object added or removed) counts as under it.
//! * A property that references (`Ref`, `Fn::GetAtt`, `Fn::Sub`) a replaced resource changes
//!   at deploy time: under a replacing pointer it is a conditional replacement (AWS reports
//!   `Always` + `Dynamic` → `Conditional`), otherwise an update. Repeated to a fixed point.
//! * Resource `Condition`s that compare only literals are evaluated: a resource whose
//!   condition is false does not exist. A resource whose `Condition` (or the condition's
//!   definition) changed and depends on parameters is a conditional delete.
//! * A parameter whose `Default` changed, or a changed `Mappings` entry read with
//!   `Fn::FindInMap`, changes the properties using it (AWS: `ParameterReference`): replace
//!   (conditional: an explicit parameter value would override the default) or update.
//! * Changes to `Metadata`, `DeletionPolicy`, `UpdateReplacePolicy`, `UpdatePolicy`,
//!   `CreationPolicy` or `Condition` are updates, never replacements; `DependsOn` alone is no
//!   change (ordering only).
//! * `Custom::*` and `AWS::CloudFormation::CustomResource`: property changes are updates (the
//!   provider decides). Types missing from the table: property changes are conditional
//!   replacements, with a reason saying the table does not know the type (fail closed).
//! * Parameter values, SSM-typed parameters and `{{resolve:…}}` references are not compared:
//!   they can change without a template change. An `Info` note says so.
//! * Mitigation: deletes use the `before` template's `DeletionPolicy` (RDS `DBCluster`, and
//!   `DBInstance` without `DBClusterIdentifier`, default to `Snapshot`); replaces use
//!   `UpdateReplacePolicy` of `after`, else `before`.
//! * Graph: every resource of `after` with its template edges, plus removed resources with
//!   their `before` edges. Reasons use the change set parser's text form so the two can be
//!   compared.

use crate::error::{Error, Located, Result};
use crate::model::{
    Action, Certainty, Change, InputFormat, InputInfo, Note, NoteKind, Plan, ReplaceOrder,
};
use crate::plan::cfn_template::{
    add_template_graph, parse_template, references_in, GraphBuilder, PlacedStack, Reference,
    Resource, TValue, Template,
};
use crate::plan::cloudformation::policy_mitigation;
use crate::plan::Source;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

const TABLE_JSON: &str = include_str!("../../data/replacement-properties.json");

#[derive(Debug, Default, Deserialize)]
struct TypeInfo {
    #[serde(rename = "createOnly", default)]
    create_only: Vec<String>,
    #[serde(default)]
    conditional: Vec<String>,
    #[serde(rename = "legacyImmutable", default)]
    legacy_immutable: Vec<String>,
    #[serde(rename = "replacementStrategy", default)]
    replacement_strategy: Option<String>,
}

/// Parsed once; `_meta` parses as an entry with no pointers and is never looked up.
fn table() -> Result<&'static HashMap<String, TypeInfo>> {
    static TABLE: OnceLock<std::result::Result<HashMap<String, TypeInfo>, String>> =
        OnceLock::new();
    match TABLE.get_or_init(|| serde_json::from_str(TABLE_JSON).map_err(|e| e.to_string())) {
        Ok(t) => Ok(t),
        Err(e) => Err(Error::input(
            Located::whole_file(
                "planguard::internal::replacement-table",
                "data/replacement-properties.json",
                format!("the embedded replacement table is corrupt: {e}"),
            )
            .with_help("this is a build problem; refresh the table as data/README.md says."),
        )),
    }
}

/// Types whose registry schema says the old resource is deleted before the new one exists.
pub fn replacement_strategy_deletes_first(resource_type: &str) -> bool {
    table()
        .ok()
        .and_then(|t| t.get(resource_type))
        .is_some_and(|i| i.replacement_strategy.as_deref() == Some("delete_then_create"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Recreation {
    Never,
    Conditionally,
    Always,
}

impl Recreation {
    fn as_str(self) -> &'static str {
        match self {
            Recreation::Never => "Never",
            Recreation::Conditionally => "Conditionally",
            Recreation::Always => "Always",
        }
    }
}

fn pointer_segments(p: &str) -> Vec<&str> {
    p.trim_start_matches("/properties/")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect()
}

/// Is one of the two paths a prefix of the other (`*` matches any element)?
fn overlaps(pointer: &[&str], path: &[String]) -> bool {
    pointer
        .iter()
        .zip(path.iter())
        .all(|(a, b)| *a == "*" || *a == b)
}

fn classify(info: Option<&TypeInfo>, path: &[String]) -> Recreation {
    let Some(info) = info else {
        return Recreation::Conditionally;
    };
    let hits = |list: &[String]| list.iter().any(|p| overlaps(&pointer_segments(p), path));
    if hits(&info.create_only) || hits(&info.legacy_immutable) {
        Recreation::Always
    } else if hits(&info.conditional) {
        Recreation::Conditionally
    } else {
        Recreation::Never
    }
}

fn is_custom(resource_type: &str) -> bool {
    resource_type.starts_with("Custom::") || resource_type == "AWS::CloudFormation::CustomResource"
}

/// Property paths whose values differ. Intrinsic functions are compared whole.
fn changed_paths(
    before: Option<&TValue>,
    after: Option<&TValue>,
    path: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
) {
    if before == after {
        return;
    }
    let is_intrinsic = |v: &TValue| match v {
        TValue::Map(m) if m.len() == 1 => {
            let k = m[0].0.as_str();
            k == "Ref" || k == "Condition" || k.starts_with("Fn::")
        }
        _ => false,
    };
    match (before, after) {
        (Some(b @ TValue::Map(bm)), Some(a @ TValue::Map(am)))
            if !is_intrinsic(b) && !is_intrinsic(a) =>
        {
            let mut keys: Vec<&str> = bm.iter().map(|(k, _)| k.as_str()).collect();
            for (k, _) in am {
                if !keys.contains(&k.as_str()) {
                    keys.push(k);
                }
            }
            for k in keys {
                path.push(k.to_string());
                changed_paths(b.get(k), a.get(k), path, out);
                path.pop();
            }
        }
        (Some(TValue::List(bl)), Some(TValue::List(al))) if bl.len() == al.len() => {
            for (i, (x, y)) in bl.iter().zip(al).enumerate() {
                path.push(i.to_string());
                changed_paths(Some(x), Some(y), path, out);
                path.pop();
            }
        }
        _ => out.push(path.clone()),
    }
}

struct Predicted {
    action: Action,
    certainty: Certainty,
    reasons: Vec<String>,
    forced_by: Vec<String>,
}

/// Compare two templates of one stack and predict its change set.
pub fn diff_templates(before: &Source, after: &Source) -> Result<Plan> {
    let table = table()?;
    let old = parse_template(before)?;
    let new = parse_template(after)?;

    let mut predicted: HashMap<&str, Predicted> = HashMap::new();
    // Resources leaving the stack: gone from the template, or their Condition is false.
    let mut leaving: Vec<(&Resource, Certainty, Option<String>)> = Vec::new();
    for r in &old.resources {
        let id = r.logical_id.as_str();
        let was = presence(&old, Some(r));
        let now = presence(&new, new.resource(id));
        if was == Presence::Absent {
            continue;
        }
        let certainty = if was == Presence::Present {
            Certainty::Certain
        } else {
            Certainty::Conditional
        };
        match (now, new.resource(id)) {
            (Presence::Absent, None) => leaving.push((r, certainty, None)),
            (Presence::Absent, Some(n)) => leaving.push((
                r,
                certainty,
                Some(format!(
                    "Condition {} is false: the resource is removed",
                    n.condition.as_deref().unwrap_or("-")
                )),
            )),
            (Presence::Maybe, Some(n)) if condition_changed(&old, r, &new, n) => leaving.push((
                r,
                Certainty::Conditional,
                Some(format!(
                    "Condition {} changed and depends on deploy-time values: the resource is \
                     removed if it is false",
                    n.condition.as_deref().unwrap_or("-")
                )),
            )),
            _ => {}
        }
    }
    let leaving_ids: HashSet<&str> = leaving
        .iter()
        .map(|(r, _, _)| r.logical_id.as_str())
        .collect();
    for r in &new.resources {
        let id = r.logical_id.as_str();
        if leaving_ids.contains(id) {
            continue;
        }
        let was = presence(&old, old.resource(id));
        let now = presence(&new, Some(r));
        if now == Presence::Absent {
            continue;
        }
        match (was, old.resource(id)) {
            (Presence::Absent, _) | (_, None) => {
                predicted.insert(
                    id,
                    Predicted {
                        action: Action::Create,
                        certainty: Certainty::Certain,
                        reasons: Vec::new(),
                        forced_by: Vec::new(),
                    },
                );
            }
            (_, Some(o)) => {
                if let Some(p) = compare(o, r, table.get(r.resource_type.as_str())) {
                    predicted.insert(id, p);
                }
            }
        }
    }

    let changed_inputs = ChangedInputs {
        parameters: changed_entries(&old.parameter_defaults, &new.parameter_defaults),
        mappings: changed_entries(&old.mappings, &new.mappings),
    };
    propagate_replacements(&new, table, &changed_inputs, &leaving_ids, &mut predicted);

    let mut plan = Plan::new(InputInfo {
        path: after.path.clone(),
        format: InputFormat::CloudformationTemplateDiff,
        format_version: None,
        tool_version: None,
        sha256: after.sha256().to_string(),
    });
    plan.notes.push(Note {
        kind: NoteKind::Info,
        address: None,
        message: format!(
            "predicted from templates {} (sha256 {}) → {}, without AWS: parameter values, \
             SSM parameters and {{{{resolve:…}}}} references are not compared, and can change \
             resources with an unchanged template",
            before.path,
            before.sha256(),
            after.path
        ),
    });
    for t in [&old, &new] {
        if t.transformed {
            plan.notes.push(Note {
                kind: NoteKind::PartialGraph,
                address: None,
                message: format!(
                    "template {} uses a Transform or Fn::ForEach: CloudFormation rewrites it, \
                     so the prediction covers only the resources written out; compare the \
                     processed templates instead",
                    t.path
                ),
            });
        }
    }

    let mut builder = GraphBuilder::default();
    add_template_graph(
        &mut builder,
        &[PlacedStack {
            prefix: String::new(),
            template: Some(&new),
            parent: None,
        }],
    );
    for r in &new.resources {
        let Some(p) = predicted.remove(r.logical_id.as_str()) else {
            continue;
        };
        let mitigation = (p.action == Action::Replace)
            .then(|| {
                policy_mitigation("UpdateReplacePolicy", r.update_replace_policy.as_deref())
                    .or_else(|| {
                        old.resource(&r.logical_id).and_then(|o| {
                            policy_mitigation(
                                "UpdateReplacePolicy",
                                o.update_replace_policy.as_deref(),
                            )
                        })
                    })
            })
            .flatten();
        let node = builder.node(&r.logical_id, &r.resource_type);
        builder.nodes[node as usize].change = Some(make_change(p, &r.resource_type, mitigation));
    }
    // Removed resources, with what they depended on in `before`.
    for (r, certainty, reason) in &leaving {
        let node = builder.node(&r.logical_id, &r.resource_type);
        let change = make_change(
            Predicted {
                action: Action::Delete,
                certainty: *certainty,
                reasons: reason.iter().cloned().collect(),
                forced_by: Vec::new(),
            },
            &r.resource_type,
            deletion_mitigation(r),
        );
        builder.nodes[node as usize].change = Some(change);
    }
    for (r, _, _) in &leaving {
        if new.resource(&r.logical_id).is_some() {
            continue; // its edges come from `after`
        }
        let Some(from) = builder.find(&r.logical_id) else {
            continue;
        };
        for reference in &r.references {
            if let Reference::Name { target, source } = reference {
                if old.resource(target).is_some() {
                    if let Some(to) = builder.find(target) {
                        builder.edge(from, to, *source);
                    }
                }
            }
        }
    }
    builder.finish_into(&mut plan);
    Ok(plan)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    Absent,
    Present,
    /// Has a `Condition` that depends on parameters.
    Maybe,
}

fn presence(t: &Template, r: Option<&Resource>) -> Presence {
    match r.map(|r| t.exists(r)) {
        None | Some(Some(false)) => Presence::Absent,
        Some(Some(true)) => Presence::Present,
        Some(None) => Presence::Maybe,
    }
}

fn condition_changed(old: &Template, o: &Resource, new: &Template, n: &Resource) -> bool {
    if o.condition != n.condition {
        return true;
    }
    let def = |t: &Template, name: &Option<String>| {
        name.as_ref()
            .and_then(|c| t.conditions.iter().find(|(k, _)| k == c))
            .map(|(_, v)| v.clone())
    };
    def(old, &o.condition) != def(new, &n.condition)
}

/// Names whose entry was added, removed or changed.
fn changed_entries<T: PartialEq>(old: &[(String, T)], new: &[(String, T)]) -> HashSet<String> {
    let mut out = HashSet::new();
    for (k, v) in new {
        if old.iter().find(|(o, _)| o == k).map(|(_, x)| x) != Some(v) {
            out.insert(k.clone());
        }
    }
    for (k, _) in old {
        if !new.iter().any(|(n, _)| n == k) {
            out.insert(k.clone());
        }
    }
    out
}

/// Template inputs whose value changed without the resource's own text changing.
struct ChangedInputs {
    /// Parameters whose `Default` changed (applies when the stack uses the default).
    parameters: HashSet<String>,
    mappings: HashSet<String>,
}

/// Names of mappings read with `Fn::FindInMap` below `v`.
fn mappings_used(v: &TValue, out: &mut HashSet<String>, depth: usize) {
    if depth > crate::plan::cfn_template::MAX_DEPTH {
        return;
    }
    match v {
        TValue::Map(m) => {
            if let [(k, TValue::List(args))] = m.as_slice() {
                if k == "Fn::FindInMap" {
                    if let Some(name) = args.first().and_then(TValue::as_str) {
                        out.insert(name.to_string());
                    }
                }
            }
            for (_, x) in m {
                mappings_used(x, out, depth + 1);
            }
        }
        TValue::List(l) => {
            for x in l {
                mappings_used(x, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn make_change(p: Predicted, resource_type: &str, mitigation: Option<String>) -> Change {
    let raw = match p.action {
        Action::Create => "Add",
        Action::Delete => "Remove",
        _ => "Modify",
    };
    let mut raw_actions = vec![raw.to_string()];
    if raw == "Modify" {
        raw_actions.push(match (p.action, p.certainty) {
            (Action::Replace, Certainty::Certain) => "Replacement=True".to_string(),
            (Action::Replace, Certainty::Conditional) => "Replacement=Conditional".to_string(),
            _ => "Replacement=False".to_string(),
        });
    }
    let replace_order = (p.action == Action::Replace).then(|| {
        if replacement_strategy_deletes_first(resource_type) {
            ReplaceOrder::DeleteBeforeCreate
        } else {
            ReplaceOrder::CreateBeforeDelete
        }
    });
    Change {
        action: p.action,
        raw_actions,
        replace_order,
        certainty: p.certainty,
        reasons: p.reasons,
        forced_by: p.forced_by,
        moved_from: None,
        importing: false,
        mitigation,
        move_candidate: None,
    }
}

fn deletion_mitigation(r: &Resource) -> Option<String> {
    if let Some(m) = policy_mitigation("DeletionPolicy", r.deletion_policy.as_deref()) {
        return Some(m);
    }
    if r.deletion_policy.is_some() {
        return None;
    }
    let in_cluster = r
        .definition
        .get("Properties")
        .and_then(|p| p.get("DBClusterIdentifier"))
        .is_some();
    match r.resource_type.as_str() {
        "AWS::RDS::DBCluster" => {
            Some("DeletionPolicy: Snapshot (default for AWS::RDS::DBCluster)".to_string())
        }
        "AWS::RDS::DBInstance" if !in_cluster => Some(
            "DeletionPolicy: Snapshot (default for AWS::RDS::DBInstance outside a cluster)"
                .to_string(),
        ),
        _ => None,
    }
}

/// Predict the change of a resource present in both templates; `None` when unchanged.
fn compare(old: &Resource, new: &Resource, info: Option<&TypeInfo>) -> Option<Predicted> {
    if old.resource_type != new.resource_type {
        return Some(Predicted {
            action: Action::Replace,
            certainty: Certainty::Certain,
            reasons: vec![format!(
                "Type changed: {} → {}",
                old.resource_type, new.resource_type
            )],
            forced_by: vec!["Type".to_string()],
        });
    }
    let mut paths = Vec::new();
    changed_paths(
        old.definition.get("Properties"),
        new.definition.get("Properties"),
        &mut vec!["Properties".to_string()],
        &mut paths,
    );
    let mut worst = Recreation::Never;
    let mut reasons = Vec::new();
    let mut forced_by = Vec::new();
    let custom = is_custom(&new.resource_type);
    for path in &paths {
        let rr = if custom {
            Recreation::Never
        } else {
            classify(info, &path[1..])
        };
        worst = worst.max(rr);
        let dotted = path.join(".");
        let mut reason = format!(
            "RequiresRecreation={}: {dotted} (DirectModification, Static)",
            rr.as_str()
        );
        if info.is_none() && !custom {
            reason
                .push_str(" [type not in the replacement table: replacement cannot be ruled out]");
        }
        reasons.push(reason);
        if rr != Recreation::Never {
            forced_by.push(dotted);
        }
    }
    for attr in [
        "Metadata",
        "DeletionPolicy",
        "UpdateReplacePolicy",
        "UpdatePolicy",
        "CreationPolicy",
        "Condition",
    ] {
        if old.definition.get(attr) != new.definition.get(attr) {
            reasons.push(format!("{attr} (DirectModification, Static)"));
        }
    }
    if reasons.is_empty() {
        return None;
    }
    let (action, certainty) = match worst {
        Recreation::Always => (Action::Replace, Certainty::Certain),
        Recreation::Conditionally => (Action::Replace, Certainty::Conditional),
        Recreation::Never => (Action::Update, Certainty::Certain),
    };
    if action != Action::Replace {
        forced_by.clear();
    }
    forced_by.sort();
    forced_by.dedup();
    Some(Predicted {
        action,
        certainty,
        reasons,
        forced_by,
    })
}

/// Properties that read a replaced resource, a parameter whose default changed or a changed
/// mapping get a new value at deploy time.
fn propagate_replacements<'t>(
    new: &'t Template,
    table: &HashMap<String, TypeInfo>,
    inputs: &ChangedInputs,
    leaving: &HashSet<&str>,
    predicted: &mut HashMap<&'t str, Predicted>,
) {
    // (resource, top-level property, names referenced, mappings read) per property.
    let mut uses: Vec<(&Resource, &str, Vec<String>, HashSet<String>)> = Vec::new();
    for r in &new.resources {
        if leaving.contains(r.logical_id.as_str()) {
            continue;
        }
        if let Some(TValue::Map(props)) = r.definition.get("Properties") {
            for (name, value) in props {
                let mut names: Vec<String> = references_in(value)
                    .into_iter()
                    .filter_map(|x| match x {
                        Reference::Name { target, .. } => Some(target),
                        _ => None,
                    })
                    .collect();
                names.sort();
                names.dedup();
                let mut maps = HashSet::new();
                mappings_used(value, &mut maps, 0);
                if !names.is_empty() || !maps.is_empty() {
                    uses.push((r, name.as_str(), names, maps));
                }
            }
        }
    }
    // Each pass can only add reasons or replacements, so passes ≤ resources + 1.
    for _ in 0..=new.resources.len() {
        let replaced: HashSet<&str> = predicted
            .iter()
            .filter(|(_, p)| p.action == Action::Replace)
            .map(|(k, _)| *k)
            .collect();
        let mut changed = false;
        for (r, property, names, maps) in &uses {
            let id = r.logical_id.as_str();
            if matches!(predicted.get(id), Some(p) if p.action == Action::Create) {
                continue;
            }
            let cause = names
                .iter()
                .find(|n| replaced.contains(n.as_str()))
                .map(|n| format!("ResourceReference {n}"))
                .or_else(|| {
                    names
                        .iter()
                        .find(|n| new.resource(n).is_none() && inputs.parameters.contains(*n))
                        .map(|n| format!("ParameterReference {n}: Default changed"))
                })
                .or_else(|| {
                    let mut m: Vec<&String> = maps.intersection(&inputs.mappings).collect();
                    m.sort();
                    m.first().map(|n| format!("Mapping {n} changed"))
                });
            let Some(cause) = cause else { continue };
            let rr = if is_custom(&r.resource_type) {
                Recreation::Never
            } else {
                classify(table.get(r.resource_type.as_str()), &[property.to_string()])
            };
            let reason = format!(
                "RequiresRecreation={}: Properties.{property} ({cause}, Dynamic)",
                rr.as_str()
            );
            let entry = predicted.entry(id).or_insert_with(|| Predicted {
                action: Action::Update,
                certainty: Certainty::Certain,
                reasons: Vec::new(),
                forced_by: Vec::new(),
            });
            if entry.reasons.contains(&reason) {
                continue;
            }
            entry.reasons.push(reason);
            changed = true;
            if rr != Recreation::Never && entry.action != Action::Replace {
                entry.action = Action::Replace;
                entry.certainty = Certainty::Conditional;
                entry.forced_by.push(format!("Properties.{property}"));
            }
        }
        if !changed {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_and_knows_buckets() {
        let t = table().map_err(|e| e.to_string());
        let t = t.as_ref().map_err(|e| e.as_str());
        assert!(t.is_ok_and(|t| t
            .get("AWS::S3::Bucket")
            .is_some_and(|i| i.create_only.iter().any(|p| p == "/properties/BucketName"))));
    }

    #[test]
    fn nested_pointer_matches_changed_subpath() {
        let info = TypeInfo {
            create_only: vec!["/properties/A/*/B".to_string()],
            ..TypeInfo::default()
        };
        let p = |s: &str| s.split('/').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(classify(Some(&info), &p("A/0/B")), Recreation::Always);
        assert_eq!(classify(Some(&info), &p("A")), Recreation::Always);
        assert_eq!(classify(Some(&info), &p("A/0/C")), Recreation::Never);
        assert_eq!(classify(Some(&info), &p("Z")), Recreation::Never);
    }
}
