//! Policy: rules + config + waivers → findings and a verdict.
//!
//! Rules are data (`rules/*.yaml`, embedded at build time; user rules from `--rules` or the
//! config). A user rule with a built-in's id replaces it. The verdict counts only unwaived
//! findings at or above `fail_on`. Waivers never hide a finding: a waived finding stays in
//! every report, marked waived with its reason; expired, wrong-plan and stale waivers are
//! reported too.

pub mod builtin;
pub mod config;
mod patterns;
pub mod rule;

use crate::analysis::{Analysis, Destructive};
use crate::error::{Error, Result};
use crate::model::{Action, Node};
use config::{parse_date, Date, LoadedConfig, WaiverSpec};
use globset::GlobMatcher;
use rule::{render_template, render_template_into, Matcher, Origin, Rule, Severity};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Everything the command line can say about policy, before files are read.
#[derive(Debug, Clone, Default)]
pub struct PolicyOptions {
    pub config: Option<LoadedConfig>,
    /// `--rules`: extra rule files or directories.
    pub rule_paths: Vec<PathBuf>,
    pub disable: Vec<String>,
    /// `--severity ID=LEVEL`.
    pub severity: Vec<(String, Severity)>,
    pub no_builtin_rules: bool,
    /// `--fail-on`; beats the config's `fail_on`.
    pub fail_on: Option<Severity>,
    /// The date waivers are judged against (today unless a test says otherwise).
    pub today: Option<Date>,
}

pub struct Policy {
    /// Sorted by id.
    pub rules: Vec<Rule>,
    pub fail_on: Severity,
    pub waivers: Vec<Waiver>,
    pub today: Date,
}

pub struct Waiver {
    pub spec: WaiverSpec,
    matcher: GlobMatcher,
    expires: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct WaivedBy {
    pub reason: String,
    pub approved_by: String,
    pub expires: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    /// `None` for plan-level findings.
    pub address: Option<String>,
    #[serde(skip)]
    pub node: Option<u32>,
    pub message: String,
    pub waived: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<Box<WaivedBy>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaiverStatus {
    /// Valid and waived at least one finding.
    Applied,
    /// Past its `expires` date: waives nothing.
    Expired,
    /// Pinned to another plan's SHA-256: waives nothing.
    WrongPlan,
    /// Valid but matched no finding: probably safe to delete.
    Stale,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverReport {
    pub rule: String,
    pub address: String,
    pub reason: String,
    pub approved_by: String,
    pub expires: String,
    pub status: WaiverStatus,
    /// Findings it waived (or would have, for expired and wrong-plan waivers).
    pub matched: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
}

pub struct Evaluation {
    /// Sorted: severity (highest first), then address, then rule id.
    pub findings: Vec<Finding>,
    pub waivers: Vec<WaiverReport>,
    pub verdict: Verdict,
    pub fail_on: Severity,
    /// The rules that were loaded (sorted by id): code-scanning formats describe each one.
    pub rules: Vec<RuleInfo>,
}

/// What a report may say about a rule: its documentation, not its matcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    pub id: String,
    /// Default severity (`severity_when` may raise or lower it per finding).
    pub severity: Severity,
    pub summary: String,
    pub description: String,
    pub example: Option<String>,
}

impl Evaluation {
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }
    /// Unwaived findings at or above `fail_on`.
    pub fn blocking(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| !f.waived && f.severity >= self.fail_on)
    }
}

fn read_rule_file(path: &Path) -> Result<Rule> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    let shown = path.display().to_string();
    rule::parse_rule(&shown, &Arc::new(text), Origin::File(shown.clone()))
}

/// Rule files under a path: the file itself, or every `*.yaml`/`*.yml` in a directory
/// (sorted, not recursive).
fn rule_files(path: &Path) -> Result<Vec<PathBuf>> {
    if path.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        let mut v: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
            .collect();
        v.sort();
        Ok(v)
    } else if path.exists() {
        Ok(vec![path.to_path_buf()])
    } else {
        Err(Error::usage(
            format!("rule path {} does not exist", path.display()),
            Some("--rules takes a rule file or a directory of *.yaml rule files".into()),
        ))
    }
}

/// Read and check user rule files (`planguard rules validate`).
pub fn validate_rule_paths(paths: &[PathBuf]) -> Result<Vec<Rule>> {
    let mut out = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for p in paths {
        for f in rule_files(p)? {
            let r = read_rule_file(&f)?;
            if let Some(prev) = seen.insert(r.spec.id.clone(), f.display().to_string()) {
                return Err(duplicate_id(&f, &r.spec.id, &prev));
            }
            out.push(r);
        }
    }
    Ok(out)
}

fn duplicate_id(file: &Path, id: &str, previous: &str) -> Error {
    let text = Arc::new(std::fs::read_to_string(file).unwrap_or_default());
    let shown = file.display().to_string();
    Error::rules(
        rule::locate_text(&shown, &text, id, format!("duplicate rule id {id:?}")).with_help(
            format!("{previous} already defines it; ids must be unique among user rules"),
        ),
    )
}

impl Policy {
    /// Built-in rules only, default `fail_on` (library users and tests).
    pub fn builtin() -> Result<Policy> {
        Policy::load(PolicyOptions::default())
    }

    pub fn load(opts: PolicyOptions) -> Result<Policy> {
        let cfg = opts.config.as_ref();
        let use_builtin =
            !opts.no_builtin_rules && cfg.and_then(|c| c.config.builtin_rules).unwrap_or(true);
        let mut rules: BTreeMap<String, Rule> = BTreeMap::new();
        if use_builtin {
            for r in builtin::rules()? {
                rules.insert(r.spec.id.clone(), r);
            }
        }
        let mut user_paths: Vec<PathBuf> = Vec::new();
        if let Some(c) = cfg {
            let base = c.path.parent().unwrap_or(Path::new("."));
            user_paths.extend(c.config.rules.iter().map(|r| base.join(r)));
        }
        user_paths.extend(opts.rule_paths.iter().cloned());
        for r in validate_rule_paths(&user_paths)? {
            rules.insert(r.spec.id.clone(), r);
        }
        let known: Vec<String> = rules.keys().cloned().collect();
        let known_refs: Vec<&str> = known.iter().map(String::as_str).collect();

        // Config: thresholds, severities, disabled rules, waivers, all by known id.
        if let Some(c) = cfg {
            for (id, t) in &c.config.thresholds {
                let Some(r) = rules.get_mut(id) else {
                    return Err(config::unknown_rule(c, id, &known_refs));
                };
                apply_thresholds(r, t).map_err(|m| c.error_at(id, m, "thresholds: min_dependents, min_destroyed, min_destroyed_share (0–1), min_root_causes"))?;
            }
            for (id, s) in &c.config.severity {
                let Some(r) = rules.get_mut(id) else {
                    return Err(config::unknown_rule(c, id, &known_refs));
                };
                r.spec.severity = *s;
                r.severity_when.clear();
            }
            for id in &c.config.disable {
                if rules.remove(id).is_none() {
                    return Err(config::unknown_rule(c, id, &known_refs));
                }
            }
        }
        for (id, s) in &opts.severity {
            let Some(r) = rules.get_mut(id) else {
                return Err(unknown_cli_rule(id, "--severity"));
            };
            r.spec.severity = *s;
            r.severity_when.clear();
        }
        for id in &opts.disable {
            if rules.remove(id).is_none() && !known.contains(id) {
                return Err(unknown_cli_rule(id, "--disable"));
            }
        }
        let mut waivers = Vec::new();
        if let Some(c) = cfg {
            for w in &c.config.waivers {
                if !known.contains(&w.rule) {
                    return Err(config::unknown_rule(c, &w.rule, &known_refs));
                }
                let matcher = patterns::glob(&w.address)
                    .map_err(|e| {
                        c.error_at(
                            &w.address,
                            format!("waiver address glob {:?}: {e}", w.address),
                            "`*` matches any text; write `[[]` for a literal `[`",
                        )
                    })?
                    .compile_matcher();
                let expires = parse_date(&w.expires).ok_or_else(|| {
                    c.error_at(
                        &w.expires,
                        format!("bad date {:?}", w.expires),
                        "YYYY-MM-DD",
                    )
                })?;
                waivers.push(Waiver {
                    spec: w.clone(),
                    matcher,
                    expires,
                });
            }
        }
        let fail_on = opts
            .fail_on
            .or(cfg.and_then(|c| c.config.fail_on))
            .unwrap_or(Severity::High);
        Ok(Policy {
            rules: rules.into_values().collect(),
            fail_on,
            waivers,
            today: opts.today.unwrap_or_else(Date::today),
        })
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.spec.id == id)
    }
}

fn unknown_cli_rule(id: &str, flag: &str) -> Error {
    Error::usage(
        format!("{flag}: unknown rule id {id:?}"),
        Some("`planguard rules list` shows every rule id".into()),
    )
}

fn apply_thresholds(r: &mut Rule, t: &config::Thresholds) -> std::result::Result<(), String> {
    if let Some(plan) = &mut r.spec.plan {
        if t.min_dependents.is_some() {
            return Err(format!(
                "rule {} judges the whole plan: it has no min_dependents",
                r.spec.id
            ));
        }
        if t.min_destroyed.is_some() {
            plan.min_destroyed = t.min_destroyed;
        }
        if let Some(s) = t.min_destroyed_share {
            if !(0.0..=1.0).contains(&s) {
                return Err(format!("min_destroyed_share {s} is not between 0 and 1"));
            }
            plan.min_destroyed_share = Some(s);
        }
        if t.min_root_causes.is_some() {
            plan.min_root_causes = t.min_root_causes;
        }
        return Ok(());
    }
    if t.min_destroyed.is_some() || t.min_destroyed_share.is_some() || t.min_root_causes.is_some() {
        return Err(format!(
            "rule {} judges each change: only min_dependents applies",
            r.spec.id
        ));
    }
    if let (Some(m), Some(n)) = (&r.matcher, t.min_dependents) {
        let o = rule::MatchSpec {
            min_dependents: Some(n),
            ..Default::default()
        };
        let compiled = m.with_overrides(&o).map_err(|(_, e)| e)?;
        if let Some(spec) = &mut r.spec.match_ {
            spec.min_dependents = Some(n);
        }
        r.matcher = Some(compiled);
    }
    Ok(())
}

const DEFAULT_ACTIONS: [Action; 2] = [Action::Replace, Action::Delete];

/// Each node's resource type as a small id (a plan has tens of types and up to 100k nodes).
struct TypeIds(Vec<u32>);

impl TypeIds {
    fn new(a: &Analysis) -> TypeIds {
        TypeIds(type_ids(a.nodes.iter().map(|n| n.resource_type.as_str())))
    }
}

/// Equal strings get equal ids, different ones different ids, counted from 0.
fn type_ids<'a>(types: impl Iterator<Item = &'a str>) -> Vec<u32> {
    // A plan has few types: look them up in a short list (lengths differ, so most
    // comparisons stop there), and hash only past that. CloudFormation change sets
    // interleave their types, so the last type seen rarely helps there.
    const SHORT: usize = 48;
    let mut short: Vec<&str> = Vec::new();
    let mut ids: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    let mut last: Option<(&str, u32)> = None;
    types
        .map(|t| {
            if let Some((_, id)) = last.filter(|(lt, _)| *lt == t) {
                return id;
            }
            let id = match short.iter().position(|s| *s == t) {
                Some(k) => k as u32,
                None if short.len() < SHORT => {
                    short.push(t);
                    short.len() as u32 - 1
                }
                None => {
                    if ids.is_empty() {
                        ids.extend(short.iter().zip(0..).map(|(s, k)| (*s, k)));
                    }
                    let next = ids.len() as u32;
                    *ids.entry(t).or_insert(next)
                }
            };
            last = Some((t, id));
            id
        })
        .collect()
}

/// Resource-type glob results, memoized per type: a glob set match costs far more than a
/// lookup. One per thread.
struct TypeMatches<'t> {
    ids: &'t TypeIds,
    memo: std::cell::RefCell<crate::id_hash::IdMap<(usize, u32), bool>>,
}

impl<'t> TypeMatches<'t> {
    fn new(ids: &'t TypeIds) -> TypeMatches<'t> {
        TypeMatches {
            ids,
            memo: Default::default(),
        }
    }

    /// Does `g` match the resource type of node `i`?
    fn is_match(&self, g: &patterns::PatternSet, a: &Analysis, i: u32) -> bool {
        let key = (
            g as *const patterns::PatternSet as usize,
            self.ids.0[i as usize],
        );
        if let Some(&hit) = self.memo.borrow().get(&key) {
            return hit;
        }
        let hit = g.is_match(&a.node(i).resource_type);
        self.memo.borrow_mut().insert(key, hit);
        hit
    }
}

fn node_matches(
    m: &Matcher,
    a: &Analysis,
    types: &TypeMatches<'_>,
    i: u32,
    d: Option<&Destructive>,
) -> bool {
    let n = a.node(i);
    let s = &m.spec;
    let Some(change) = &n.change else {
        return false;
    };
    let actions = s.actions.as_deref().unwrap_or(&DEFAULT_ACTIONS);
    if !actions.contains(&change.action) {
        return false;
    }
    if let Some(g) = &m.types {
        if !types.is_match(g, a, i) {
            return false;
        }
    }
    if m.exclude_types
        .as_ref()
        .is_some_and(|g| types.is_match(g, a, i))
    {
        return false;
    }
    if let Some(g) = &m.addresses {
        if !g.is_match(&n.address) {
            return false;
        }
    }
    if m.exclude_addresses
        .as_ref()
        .is_some_and(|g| g.is_match(&n.address))
    {
        return false;
    }
    if let Some(g) = &m.providers {
        if !n.provider.as_deref().is_some_and(|p| g.is_match(p)) {
            return false;
        }
    }
    if !s.reasons.is_empty() && !change.reasons.iter().any(|r| s.reasons.contains(r)) {
        return false;
    }
    if s.replace_order.is_some() && change.replace_order != s.replace_order {
        return false;
    }
    if s.certainty.is_some_and(|c| c != change.certainty) {
        return false;
    }
    if s.mitigated
        .is_some_and(|want| want != change.mitigation.is_some())
    {
        return false;
    }
    if s.importing.is_some_and(|want| want != change.importing) {
        return false;
    }
    if s.move_candidate
        .is_some_and(|want| want != change.move_candidate.is_some())
    {
        return false;
    }
    let needs_blast =
        s.min_dependents.is_some() || m.dependent_types.is_some() || s.root_cause.is_some();
    if needs_blast {
        let Some(d) = d else {
            return false;
        };
        if s.min_dependents
            .is_some_and(|min| d.dependent_count() < min)
        {
            return false;
        }
        if s.root_cause
            .is_some_and(|want| want != d.root_cause.is_none())
        {
            return false;
        }
        if let Some(g) = &m.dependent_types {
            if !d
                .dependents_any_order()
                .iter()
                .any(|&dep| types.is_match(g, a, dep))
            {
                return false;
            }
        }
    }
    true
}

fn past(action: Action) -> &'static str {
    match action {
        Action::Replace => "replaced (destroyed and recreated)",
        Action::Delete => "destroyed",
        Action::Create => "created",
        Action::Update => "updated in place",
        Action::Read => "read",
        Action::NoOp => "left unchanged",
        Action::Forget => "forgotten (removed from state, left running)",
        Action::Import => "imported",
        Action::Dynamic => "changed as decided at deploy time",
    }
}

fn resource_value(key: &str, a: &Analysis, n: &Node, d: Option<&Destructive>, out: &mut String) {
    use std::fmt::Write;
    let change = n.change.as_ref();
    let list = |v: &[String], out: &mut String| {
        if v.is_empty() {
            out.push_str("none");
        }
        for (k, x) in v.iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            out.push_str(x);
        }
    };
    let address = |n: &Node, out: &mut String| {
        out.push_str(&n.address);
        if let Some(k) = &n.deposed {
            let _ = write!(out, " (deposed {k})");
        }
    };
    let count = |x: usize, out: &mut String| {
        let _ = write!(out, "{x}");
    };
    match key {
        "address" => address(n, out),
        "type" => out.push_str(&n.resource_type),
        "action" => out.push_str(change.map_or("no change", |c| past(c.action))),
        "reasons" => match change {
            Some(c) => list(&c.reasons, out),
            None => out.push_str("none"),
        },
        "forced_by" => match change {
            Some(c) => list(&c.forced_by, out),
            None => out.push_str("none"),
        },
        "replace_order" => {
            out.push_str(
                change
                    .and_then(|c| c.replace_order)
                    .map_or("n/a", |o| match o {
                        crate::model::ReplaceOrder::DeleteBeforeCreate => {
                            "destroy first, then create"
                        }
                        crate::model::ReplaceOrder::CreateBeforeDelete => {
                            "create first, then destroy"
                        }
                    }),
            )
        }
        "certainty" => out.push_str(change.map_or("certain", |c| c.certainty.as_str())),
        "dependents" => count(d.map_or(0, |d| d.dependent_count()), out),
        "changing" => count(d.map_or(0, |d| d.changing().len()), out),
        "unchanged" => count(d.map_or(0, |d| d.unchanged().len()), out),
        "mitigation" => out.push_str(
            change
                .and_then(|c| c.mitigation.as_deref())
                .unwrap_or("none"),
        ),
        "explains" => count(d.map_or(0, |d| d.explains), out),
        "root_cause" => address(d.and_then(|d| d.root_cause).map_or(n, |r| a.node(r)), out),
        "moved_from" => out.push_str(
            change
                .and_then(|c| c.moved_from.as_deref())
                .unwrap_or("none"),
        ),
        "moved_to" => out.push_str(
            change
                .and_then(|c| c.move_candidate.as_deref())
                .unwrap_or("none"),
        ),
        _ => {}
    }
}

/// Every finding of one rule.
fn judge_rule(r: &Rule, a: &Analysis, types: &TypeMatches<'_>, findings: &mut Vec<Finding>) {
    if let Some(m) = &r.matcher {
        let destructive_only = m
            .spec
            .actions
            .as_deref()
            .unwrap_or(&DEFAULT_ACTIONS)
            .iter()
            .all(|x| x.is_destructive());
        let mut message = String::new();
        let mut judge = |i: u32, d: Option<&Destructive>| {
            if !node_matches(m, a, types, i, d) {
                return;
            }
            let n = a.node(i);
            let severity = r
                .severity_when
                .iter()
                .find(|(w, _)| node_matches(w, a, types, i, d))
                .map_or(r.spec.severity, |(_, s)| *s);
            findings.push(Finding {
                rule_id: r.spec.id.clone(),
                severity,
                address: Some(n.display_address()),
                node: Some(i),
                message: {
                    let lookup = |k: &str, out: &mut String| resource_value(k, a, n, d, out);
                    render_template_into(&r.spec.message, lookup, &mut message);
                    message.as_str().into()
                },
                waived: false,
                waiver: None,
            });
        };
        if destructive_only {
            for d in &a.destructive {
                judge(d.node, Some(d));
            }
        } else {
            for (i, n) in a.nodes.iter().enumerate() {
                if n.change.is_some() {
                    let i = i as u32;
                    judge(i, a.destructive_of(i));
                }
            }
        }
    }
    if let Some(p) = &r.spec.plan {
        let s = &a.summary;
        let plan_value = |k: &str, incomplete: &str| -> String {
            match k {
                "destroyed" => s.managed_destroyed.to_string(),
                "managed" => s.managed_existing.to_string(),
                "share" => format!("{:.0}%", s.destroyed_share() * 100.0),
                "root_causes" => s.root_causes.to_string(),
                "incomplete" => incomplete.to_string(),
                _ => String::new(),
            }
        };
        let mut push = |message: String| {
            findings.push(Finding {
                rule_id: r.spec.id.clone(),
                severity: r.spec.severity,
                address: None,
                node: None,
                message,
                waived: false,
                waiver: None,
            })
        };
        if p.incomplete == Some(true) {
            for inc in &a.incomplete {
                push(render_template(&r.spec.message, |k, out| {
                    out.push_str(&plan_value(k, &inc.message))
                }));
            }
            return;
        }
        let holds = p.min_destroyed.is_none_or(|m| s.managed_destroyed >= m)
            && p.min_destroyed_share
                .is_none_or(|m| s.managed_destroyed > 0 && s.destroyed_share() >= m)
            && p.min_root_causes.is_none_or(|m| s.root_causes >= m);
        if holds {
            push(render_template(&r.spec.message, |k, out| {
                out.push_str(&plan_value(k, ""))
            }));
        }
    }
}

/// Judge an analysis.
pub fn evaluate(a: &Analysis, policy: &Policy) -> Evaluation {
    // Rules are independent: half of them on a second core (a mass replacement yields tens
    // of thousands of findings). Concatenated in a fixed order, then sorted: deterministic.
    let type_ids = TypeIds::new(a);
    let judge_all = |rules: &mut dyn Iterator<Item = &Rule>| {
        let types = TypeMatches::new(&type_ids);
        let mut findings = Vec::new();
        for r in rules {
            judge_rule(r, a, &types, &mut findings);
        }
        findings
    };
    let mut findings = if a.nodes.len() < 10_000 {
        // Small plans: a thread would cost about what it saves.
        judge_all(&mut policy.rules.iter())
    } else {
        std::thread::scope(|scope| {
            let odd = scope.spawn(|| judge_all(&mut policy.rules.iter().skip(1).step_by(2)));
            let mut even = judge_all(&mut policy.rules.iter().step_by(2));
            let odd = odd.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            even.reserve_exact(odd.len());
            even.extend(odd);
            even
        })
    };

    // Waivers.
    let input_digests: Vec<&str> = a.inputs.iter().map(|i| i.sha256.as_str()).collect();
    let mut reports = Vec::new();
    for w in &policy.waivers {
        let expired = policy.today > w.expires;
        let wrong_plan = w
            .spec
            .plan_sha256
            .as_deref()
            .is_some_and(|sha| !input_digests.iter().any(|d| d.eq_ignore_ascii_case(sha)));
        let mut matched = 0;
        for f in findings.iter_mut() {
            let addr = f.address.as_deref().unwrap_or("");
            let addr_ok = if f.address.is_none() {
                w.spec.address == "*"
            } else {
                w.matcher.is_match(addr)
            };
            if f.rule_id != w.spec.rule || !addr_ok {
                continue;
            }
            matched += 1;
            if !expired && !wrong_plan && !f.waived {
                f.waived = true;
                f.waiver = Some(Box::new(WaivedBy {
                    reason: w.spec.reason.clone(),
                    approved_by: w.spec.approved_by.clone(),
                    expires: w.spec.expires.clone(),
                }));
            }
        }
        let status = if expired {
            WaiverStatus::Expired
        } else if wrong_plan {
            WaiverStatus::WrongPlan
        } else if matched == 0 {
            WaiverStatus::Stale
        } else {
            WaiverStatus::Applied
        };
        reports.push(WaiverReport {
            rule: w.spec.rule.clone(),
            address: w.spec.address.clone(),
            reason: w.spec.reason.clone(),
            approved_by: w.spec.approved_by.clone(),
            expires: w.spec.expires.clone(),
            status,
            matched,
        });
    }

    // Addresses compare by node rank (the address order, precomputed) where both findings
    // are about nodes: a mass replacement sorts tens of thousands of findings.
    // Unstable (no scratch copy): findings that compare equal are identical.
    findings.sort_unstable_by(|x, y| {
        y.severity
            .cmp(&x.severity)
            .then_with(|| x.address.is_some().cmp(&y.address.is_some()))
            .then_with(|| match (x.node, y.node) {
                (Some(i), Some(j)) => a.rank(i).cmp(&a.rank(j)),
                _ => x.address.cmp(&y.address),
            })
            .then_with(|| x.rule_id.cmp(&y.rule_id))
            .then_with(|| x.message.cmp(&y.message))
    });
    let verdict = if findings
        .iter()
        .any(|f| !f.waived && f.severity >= policy.fail_on)
    {
        Verdict::Fail
    } else {
        Verdict::Pass
    };
    Evaluation {
        findings,
        waivers: reports,
        verdict,
        fail_on: policy.fail_on,
        rules: policy
            .rules
            .iter()
            .map(|r| RuleInfo {
                id: r.spec.id.clone(),
                severity: r.spec.severity,
                summary: r.spec.summary.clone(),
                description: r.spec.description.clone(),
                example: r.spec.example.clone(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    /// Past the short list the ids come from a hash map: both must agree on every type.
    #[test]
    fn type_ids_are_dense_and_consistent() {
        let names: Vec<String> = (0..200).map(|k| format!("aws_type_{}", k % 97)).collect();
        let mut order: Vec<&str> = names.iter().map(String::as_str).collect();
        order.extend(names.iter().rev().map(String::as_str));
        let ids = super::type_ids(order.iter().copied());
        let mut first: std::collections::HashMap<&str, u32> = Default::default();
        for (t, id) in order.iter().zip(&ids) {
            assert_eq!(*first.entry(t).or_insert(*id), *id, "{t}");
        }
        let mut distinct: Vec<u32> = first.values().copied().collect();
        distinct.sort();
        assert_eq!(distinct, (0..97).collect::<Vec<u32>>());
    }
}
