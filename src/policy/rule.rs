//! The rule language: one YAML file per rule, read into a validated, compiled [`Rule`].
//!
//! A rule either matches resource changes (`match:`) or the plan as a whole (`plan:`).
//! Everything a user could mistype is checked at load time and reported at its file, line
//! and column: unknown fields, unknown actions, bad globs, unknown message placeholders.
//! A rule that silently never fires would be worse than no rule.

use super::patterns::PatternSet;
use crate::error::{Error, Located, Result};
use crate::model::{Action, Certainty, ReplaceOrder};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The rule file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub severity: Severity,
    pub summary: String,
    pub description: String,
    #[serde(default, rename = "match")]
    pub match_: Option<MatchSpec>,
    #[serde(default)]
    pub plan: Option<PlanSpec>,
    /// First entry whose `match` also holds sets the severity instead of `severity`.
    #[serde(default)]
    pub severity_when: Vec<SeverityWhen>,
    pub message: String,
    /// Shown by `planguard rules explain`: a plan excerpt or command that triggers it.
    #[serde(default)]
    pub example: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MatchSpec {
    /// Any of these actions (default: replace and delete).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<Action>>,
    /// Resource type globs, Terraform and CloudFormation names alike.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_types: Vec<String>,
    /// Address globs (`*` crosses dots; write `[[]` for a literal `[`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_addresses: Vec<String>,
    /// Provider globs (`registry.terraform.io/hashicorp/aws`, `*/aws`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<String>,
    /// Any of these reasons (exact `action_reason` values or CloudFormation reason words).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace_order: Option<ReplaceOrder>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certainty: Option<Certainty>,
    /// At least this many transitive dependents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_dependents: Option<usize>,
    /// At least one dependent of one of these types ("has stateful dependents").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependent_types: Vec<String>,
    /// Only root causes (`true`) or only explained changes (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_cause: Option<bool>,
    /// Deletion retained/snapshotted (CloudFormation policies) or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mitigated: Option<bool>,
    /// The change also imports an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importing: Option<bool>,
    /// A delete that looks like a move or rename of a create in the same plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub move_candidate: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanSpec {
    /// At least this many existing managed resources destroyed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_destroyed: Option<usize>,
    /// At least this share (0.0–1.0) of the existing managed resources destroyed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_destroyed_share: Option<f64>,
    /// At least this many root causes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_root_causes: Option<usize>,
    /// The plan says it is partial (errored, incomplete, failed change set): one finding each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityWhen {
    #[serde(rename = "match")]
    pub match_: MatchSpec,
    pub severity: Severity,
}

/// Placeholders a `message` may use. Plan-level rules have their own set.
pub const RESOURCE_PLACEHOLDERS: &[&str] = &[
    "address",
    "type",
    "action",
    "reasons",
    "forced_by",
    "replace_order",
    "certainty",
    "dependents",
    "changing",
    "unchanged",
    "mitigation",
    "explains",
    "root_cause",
    "moved_from",
    "moved_to",
];
pub const PLAN_PLACEHOLDERS: &[&str] =
    &["destroyed", "managed", "share", "root_causes", "incomplete"];

/// Where a rule came from: the built-in table or a user file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Builtin,
    File(String),
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub spec: RuleSpec,
    pub origin: Origin,
    pub(crate) matcher: Option<Matcher>,
    pub(crate) severity_when: Vec<(Matcher, Severity)>,
}

#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    pub spec: MatchSpec,
    pub types: Option<PatternSet>,
    pub exclude_types: Option<PatternSet>,
    pub addresses: Option<PatternSet>,
    pub exclude_addresses: Option<PatternSet>,
    pub providers: Option<PatternSet>,
    pub dependent_types: Option<PatternSet>,
}

impl Matcher {
    pub(crate) fn compile(spec: MatchSpec) -> std::result::Result<Matcher, (String, String)> {
        let g =
            |v: &[String]| PatternSet::compile(v).map_err(|(p, e)| (p, format!("bad glob {e}")));
        Ok(Matcher {
            types: g(&spec.types)?,
            exclude_types: g(&spec.exclude_types)?,
            addresses: g(&spec.addresses)?,
            exclude_addresses: g(&spec.exclude_addresses)?,
            providers: g(&spec.providers)?,
            dependent_types: g(&spec.dependent_types)?,
            spec,
        })
    }

    /// Apply threshold overrides from config (only the fields given).
    pub(crate) fn with_overrides(
        &self,
        o: &MatchSpec,
    ) -> std::result::Result<Matcher, (String, String)> {
        let mut spec = self.spec.clone();
        macro_rules! take {
            ($($f:ident),*) => { $( if o.$f.is_some() { spec.$f = o.$f.clone(); } )* };
        }
        take!(
            actions,
            replace_order,
            certainty,
            min_dependents,
            root_cause,
            mitigated,
            importing
        );
        macro_rules! take_vec {
            ($($f:ident),*) => { $( if !o.$f.is_empty() { spec.$f = o.$f.clone(); } )* };
        }
        take_vec!(
            types,
            exclude_types,
            addresses,
            exclude_addresses,
            providers,
            reasons,
            dependent_types
        );
        Matcher::compile(spec)
    }
}

/// Parse and compile one rule file. `path` is for diagnostics.
pub fn parse_rule(path: &str, text: &Arc<String>, origin: Origin) -> Result<Rule> {
    let spec: RuleSpec =
        serde_yaml::from_str(text).map_err(|e| Error::rules(yaml_error(path, text, &e)))?;
    compile_rule(path, text, spec, origin)
}

pub(crate) fn yaml_error(path: &str, text: &Arc<String>, e: &serde_yaml::Error) -> Located {
    match e.location() {
        Some(loc) => Located::at_line_col(
            "planguard::rules::syntax",
            path,
            text,
            loc.line(),
            loc.column(),
            e.to_string(),
        ),
        None => Located::whole_file("planguard::rules::syntax", path, e.to_string()),
    }
}

/// Point at the first occurrence of `needle` in the file (for checks serde cannot place).
pub(crate) fn locate_text(
    path: &str,
    text: &Arc<String>,
    needle: &str,
    message: String,
) -> Located {
    let offset = text.find(needle).unwrap_or(0);
    Located::at_offset("planguard::rules::invalid", path, text, offset, message)
}

pub(crate) fn compile_rule(
    path: &str,
    text: &Arc<String>,
    spec: RuleSpec,
    origin: Origin,
) -> Result<Rule> {
    let err = |needle: &str, msg: String, help: &str| {
        Error::rules(locate_text(path, text, needle, msg).with_help(help.to_string()))
    };
    let id_ok = !spec.id.is_empty()
        && spec
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !id_ok {
        return Err(err(
            &spec.id,
            format!("rule id {:?} must be kebab-case (a-z, 0-9, -)", spec.id),
            "ids are contracts users type in configs and waivers: `stateful-resource-destroyed`",
        ));
    }
    match (&spec.match_, &spec.plan) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(err(
                "id:",
                format!("rule {} needs exactly one of `match:` or `plan:`", spec.id),
                "`match:` judges each resource change; `plan:` judges the plan as a whole",
            ))
        }
        _ => {}
    }
    let allowed = if spec.plan.is_some() {
        PLAN_PLACEHOLDERS
    } else {
        RESOURCE_PLACEHOLDERS
    };
    for p in placeholders(&spec.message) {
        if !allowed.contains(&p) {
            return Err(err(
                &format!("{{{p}}}"),
                format!("unknown placeholder {{{p}}} in message of rule {}", spec.id),
                &format!("placeholders here: {}", allowed.join(", ")),
            ));
        }
    }
    if let Some(share) = spec.plan.as_ref().and_then(|p| p.min_destroyed_share) {
        if !(0.0..=1.0).contains(&share) {
            return Err(err(
                "min_destroyed_share",
                format!("min_destroyed_share {share} is not between 0 and 1"),
                "a share: 0.5 means half of the existing managed resources",
            ));
        }
    }
    let compile = |m: MatchSpec| {
        Matcher::compile(m).map_err(|(pattern, why)| {
            err(
                &pattern,
                format!("{why} in rule {}: {pattern:?}", spec.id),
                "globs: `*` any text, `?` one character, `[abc]` a class, `{a,b}` alternatives; \
                 write `[[]` for a literal `[`",
            )
        })
    };
    let matcher = match &spec.match_ {
        Some(m) => Some(compile(m.clone())?),
        None => None,
    };
    let mut severity_when = Vec::new();
    for w in &spec.severity_when {
        severity_when.push((compile(w.match_.clone())?, w.severity));
    }
    Ok(Rule {
        spec,
        origin,
        matcher,
        severity_when,
    })
}

/// `{name}` placeholders in a template (`{{` is a literal brace).
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(p) = rest.find('{') {
        if rest[p..].starts_with("{{") {
            rest = &rest[p + 2..];
            continue;
        }
        match rest[p + 1..].find('}') {
            Some(e) => {
                out.push(&rest[p + 1..p + 1 + e]);
                rest = &rest[p + 2 + e..];
            }
            None => break,
        }
    }
    out
}

/// Fill `{key}` placeholders: `lookup(key, out)` appends the value to `out` (no string per
/// value: a mass replacement renders tens of thousands of messages). `{{`/`}}` are literal
/// braces.
pub fn render_template(template: &str, lookup: impl Fn(&str, &mut String)) -> String {
    let mut out = String::new();
    render_template_into(template, lookup, &mut out);
    out
}

/// [`render_template`] into `out` (cleared first). Rendering many messages into one reused
/// buffer and copying each out at its exact size costs one allocation a message instead of
/// a growing one and a shrinking one (tens of thousands are kept until the report).
pub fn render_template_into(template: &str, lookup: impl Fn(&str, &mut String), out: &mut String) {
    out.clear();
    let mut rest = template;
    while let Some(p) = rest.find(['{', '}']) {
        out.push_str(&rest[..p]);
        let tail = &rest[p..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
        } else if tail.starts_with('{') {
            match tail.find('}') {
                Some(e) => {
                    lookup(&tail[1..e], out);
                    rest = &tail[e + 1..];
                }
                None => {
                    out.push_str(tail);
                    rest = "";
                }
            }
        } else {
            out.push('}');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_and_escape() {
        assert_eq!(placeholders("{a} x {{b}} {c}"), ["a", "c"]);
        let s = render_template("{a} {{lit}} {b}", |k, out| out.push_str(&k.to_uppercase()));
        assert_eq!(s, "A {lit} B");
    }
}
