//! Robustness: the gate must hold on hostile and broken input.
//!
//! Every fixture (Terraform plans and state files, CloudFormation change sets as JSON and as
//! YAML, templates) is truncated, byte-flipped, given wrong-typed fields and duplicated keys,
//! and a set of hostile documents (10 MB strings, 10,000-deep nesting, alias bombs, invalid
//! UTF-8, empty files, directories, FIFOs) is fed to the library and the binary. Invariants:
//!
//! * never a panic (library calls run inside `catch_unwind`; a sample runs through the real
//!   binary, where a panic or abort would show as an exit code other than 0/1/2);
//! * never `Ok` for a document that was not fully understood: a truncated JSON document is
//!   always an error; a mutated document may still be a valid plan, but where the mutation
//!   cannot legitimately remove a destructive change (a flipped byte inside an action word,
//!   a wrong-typed field, a duplicated key) an `Ok` result must still contain every
//!   destructive change of the original, or say that it is incomplete (a blocking finding);
//! * every `Error::Input` is a diagnostic with a code, a message and a location: line and
//!   column > 0 unless the problem concerns the whole file (a short, listed set of codes).
//!
//! Offsets are sampled deterministically (a hash of the file name seeds a small PRNG), so a
//! failure reproduces; the whole module stays well under two minutes in a debug build.

use crate::common::{format_name, planguard, testdata, ALL_FORMATS};
use planguard::error::Error;
use planguard::plan::{detect, Detected, Source};
use planguard::policy::{evaluate, Policy};
use planguard::report::{render, Report, TextOptions};
use serde_json::Value;
use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------

/// Diagnostic codes that legitimately concern the whole file (no line/column).
const WHOLE_FILE_CODES: &[&str] = &[
    "planguard::input::empty",
    "planguard::input::not-a-plan",
    "planguard::input::template-only",
    "planguard::input::yaml-aliases",
    "planguard::input::too-deep",
    "planguard::input::cfn-changeset",
    "planguard::input::yaml",
    "planguard::input::cfn-template",
];

/// Small deterministic PRNG (xorshift64*), seeded per file.
struct Rng(u64);

impl Rng {
    fn for_name(name: &str) -> Rng {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// What one library call produced, reduced to what the invariants compare.
#[derive(Debug)]
enum Outcome {
    Ok {
        /// `(address, action)` of every destructive change.
        destructive: BTreeSet<(String, String)>,
        incomplete: bool,
    },
    Err(String),
}

impl Outcome {
    fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok { .. })
    }
}

/// Check an error is a proper diagnostic; returns a one-line description.
fn check_error(e: &Error, text: &str, what: &str) -> String {
    match e {
        Error::Input(l) => {
            assert!(!l.message.is_empty(), "{what}: empty message");
            assert!(l.code.starts_with("planguard::"), "{what}: code {}", l.code);
            if l.line == 0 {
                assert!(
                    WHOLE_FILE_CODES.contains(&l.code),
                    "{what}: {} has no line/column: {}",
                    l.code,
                    l.message
                );
            } else {
                assert!(l.column > 0, "{what}: column 0 at line {}", l.line);
                let lines = text.lines().count().max(1);
                assert!(
                    l.line <= lines + 1,
                    "{what}: line {} beyond the {lines} lines of the input",
                    l.line
                );
            }
            format!("{}: {}", l.code, l.message)
        }
        other => panic!("{what}: in-memory input gave a non-input error: {other:?}"),
    }
}

/// Render a diagnostic the way the binary does; must not panic.
fn render_error(e: Error, what: &str) {
    let r = catch_unwind(AssertUnwindSafe(|| format!("{:?}", miette::Report::new(e))));
    assert!(r.is_ok(), "{what}: rendering the diagnostic panicked");
}

fn policy() -> &'static Policy {
    static P: std::sync::OnceLock<Policy> = std::sync::OnceLock::new();
    P.get_or_init(|| Policy::builtin().unwrap_or_else(|e| panic!("{e:?}")))
}

fn summarize(a: &planguard::Analysis, render_all: bool, what: &str) -> Outcome {
    if render_all {
        let r = catch_unwind(AssertUnwindSafe(|| {
            let evaluation = evaluate(a, policy());
            let report = Report {
                analysis: a,
                evaluation: &evaluation,
            };
            for f in ALL_FORMATS {
                let _ = render(&report, *f, TextOptions::default());
            }
        }));
        assert!(r.is_ok(), "{what}: evaluate/render panicked");
    }
    Outcome::Ok {
        destructive: a
            .destructive
            .iter()
            .map(|d| {
                let n = a.node(d.node);
                let action = n.action().map(|x| x.as_str()).unwrap_or("?");
                (n.address.clone(), action.to_string())
            })
            .collect(),
        incomplete: !a.incomplete.is_empty(),
    }
}

/// Analyse `bytes` as the single input of `check`, without panicking.
fn run_input(bytes: &[u8], what: &str, render_all: bool) -> Outcome {
    // A path that does not exist: no templates are picked up from beside it.
    let path = "robustness/mutated-input";
    let r = catch_unwind(AssertUnwindSafe(|| {
        let src = Source::from_bytes(path, bytes.to_vec())?;
        planguard::analyze(&[src], &[])
    }));
    let text = String::from_utf8_lossy(bytes);
    match r {
        Err(_) => panic!("{what}: the library panicked"),
        Ok(Ok(a)) => summarize(&a, render_all, what),
        Ok(Err(e)) => {
            let d = check_error(&e, &text, what);
            if render_all {
                render_error(e, what);
            }
            Outcome::Err(d)
        }
    }
}

/// Parse `bytes` as a template, and diff it against `original` both ways.
fn run_template(original: &Source, bytes: &[u8], what: &str, render_all: bool) -> Outcome {
    let r = catch_unwind(AssertUnwindSafe(|| {
        let src = Source::from_bytes("robustness/mutated-template", bytes.to_vec())?;
        planguard::plan::cfn_template::parse_template(&src)?;
        let a = planguard::analyze_template_diff(original, &src)?;
        let _ = planguard::analyze_template_diff(&src, original);
        Ok::<_, Error>(a)
    }));
    let text = String::from_utf8_lossy(bytes);
    match r {
        Err(_) => panic!("{what}: the library panicked"),
        Ok(Ok(a)) => summarize(&a, render_all, what),
        Ok(Err(e)) => {
            let d = check_error(&e, &text, what);
            if render_all {
                render_error(e, what);
            }
            Outcome::Err(d)
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Family {
    /// Terraform plan JSON (or a file the Terraform parser must refuse: state, wrapped logs).
    Terraform,
    ChangeSet,
    Template,
}

struct Fixture {
    name: String,
    bytes: Vec<u8>,
    family: Family,
    yaml: bool,
}

impl Fixture {
    fn run(&self, bytes: &[u8], what: &str, render_all: bool) -> Outcome {
        match self.family {
            Family::Template => {
                let original =
                    Source::from_bytes("robustness/original-template", self.bytes.clone())
                        .unwrap_or_else(|e| panic!("{}: {e}", self.name));
                run_template(&original, bytes, what, render_all)
            }
            _ => run_input(bytes, what, render_all),
        }
    }
    fn text(&self) -> &str {
        std::str::from_utf8(&self.bytes).unwrap_or("")
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ["json", "yaml", "yml", "tfstate"].contains(&e))
        {
            out.push(p);
        }
    }
}

/// Every fixture, plus a YAML rendering of a sample of the JSON change sets (the recorded
/// ones are all JSON; `describe-change-set --output yaml` is just as valid an input).
fn fixtures() -> &'static [Fixture] {
    static F: std::sync::OnceLock<Vec<Fixture>> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let mut paths = Vec::new();
        walk(&testdata(""), &mut paths);
        paths.push(PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/vpc-replace/plan.json"
        )));
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        let mut yaml_made = 0;
        for p in paths {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let name = p
                .strip_prefix(&root)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned();
            let Ok(src) = Source::from_bytes(&name, bytes.clone()) else {
                continue;
            };
            let family = match detect(&src) {
                Ok(Detected::CloudformationChangeSet) => Family::ChangeSet,
                Ok(Detected::CloudformationTemplate) => Family::Template,
                _ => Family::Terraform,
            };
            let yaml = !src.text.trim_start().starts_with('{');
            if family == Family::ChangeSet && !yaml && yaml_made < 40 && out.len() % 7 == 0 {
                if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
                    if let Ok(y) = serde_yaml::to_string(&v) {
                        yaml_made += 1;
                        out.push(Fixture {
                            name: format!("{name} (as YAML)"),
                            bytes: y.into_bytes(),
                            family,
                            yaml: true,
                        });
                    }
                }
            }
            out.push(Fixture {
                name,
                bytes,
                family,
                yaml,
            });
        }
        out
    })
}

/// Baseline of a fixture as given (not mutated).
fn baseline(f: &Fixture) -> Outcome {
    f.run(&f.bytes, &f.name, false)
}

fn floor_boundary(text: &[u8], mut i: usize) -> usize {
    while i > 0 && i < text.len() && (text[i] & 0xC0) == 0x80 {
        i -= 1;
    }
    i
}

// ---------------------------------------------------------------------------------------
// Truncation and byte flips over every fixture
// ---------------------------------------------------------------------------------------

#[test]
fn truncated_documents_are_errors_and_nothing_panics() {
    let fx = fixtures();
    assert!(fx.len() > 900, "only {} fixtures", fx.len());
    let (mut runs, mut yaml_ok) = (0usize, 0usize);
    for (i, f) in fx.iter().enumerate() {
        let mut rng = Rng::for_name(&f.name);
        let content_end = f.bytes.len()
            - f.bytes
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        // Cheap cuts everywhere, a few more on small files; always the last byte.
        let n = if f.bytes.len() < 20_000 { 10 } else { 5 };
        let mut cuts: Vec<usize> = (0..n).map(|_| rng.below(content_end)).collect();
        cuts.push(content_end.saturating_sub(1));
        cuts.push(0);
        for cut in cuts {
            let cut = floor_boundary(&f.bytes, cut);
            let what = format!("{} cut at {cut}", f.name);
            let out = f.run(&f.bytes[..cut], &what, i % 5 == 0);
            runs += 1;
            if !f.yaml {
                assert!(
                    !out.is_ok(),
                    "{what}: a truncated JSON document was accepted"
                );
            } else if out.is_ok() {
                // YAML change sets must end with a line break; a cut exactly at a line end
                // cannot be told from a shorter document.
                assert!(
                    f.family == Family::Template || f.bytes[..cut].ends_with(b"\n"),
                    "{what}: a YAML change set cut mid-line was accepted"
                );
                yaml_ok += 1;
            }
        }
    }
    eprintln!(
        "truncation: {runs} runs; {yaml_ok} truncated YAML documents still parse (YAML has no \
         end marker; see docs/robustness.md)"
    );
}

#[test]
fn flipped_bytes_never_panic_and_errors_are_located() {
    let fx = fixtures();
    let mut runs = 0usize;
    for (i, f) in fx.iter().enumerate() {
        let mut rng = Rng::for_name(&format!("flip {}", f.name));
        let n = if f.bytes.len() < 20_000 { 10 } else { 5 };
        for k in 0..n {
            if f.bytes.is_empty() {
                break;
            }
            let at = rng.below(f.bytes.len());
            let mut m = f.bytes.clone();
            // Mostly printable ASCII replacements (the parser gets past UTF-8 decoding);
            // every fourth flip is a raw bit flip, which may break the encoding.
            m[at] = if k % 4 == 3 {
                m[at] ^ (1 << rng.below(8))
            } else if m[at].is_ascii() {
                let mut c = b' ' + rng.below(95) as u8;
                if c == m[at] {
                    c = if c == b'x' { b'y' } else { b'x' };
                }
                c
            } else {
                continue;
            };
            let what = format!("{} byte {at} set to {:#04x}", f.name, m[at]);
            f.run(&m, &what, i % 5 == 0);
            runs += 1;
        }
    }
    eprintln!("byte flips: {runs} runs");
}

/// Byte ranges of the string values of `key` (`"key": "v"` or `"key": ["v", …]`) in JSON
/// text, quotes excluded.
fn value_ranges(text: &str, key: &str) -> Vec<(usize, usize)> {
    let needle = format!("\"{key}\"");
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = text[from..].find(&needle) {
        let mut i = from + p + needle.len();
        from = i;
        let skip_ws = |i: &mut usize| {
            while *i < b.len() && b[*i].is_ascii_whitespace() {
                *i += 1;
            }
        };
        skip_ws(&mut i);
        if i >= b.len() || b[i] != b':' {
            continue;
        }
        i += 1;
        skip_ws(&mut i);
        let in_list = i < b.len() && b[i] == b'[';
        if in_list {
            i += 1;
        }
        loop {
            skip_ws(&mut i);
            if i >= b.len() || b[i] != b'"' {
                break;
            }
            let start = i + 1;
            let Some(len) = text[start..].find('"') else {
                break;
            };
            out.push((start, start + len));
            i = start + len + 1;
            skip_ws(&mut i);
            if !in_list || i >= b.len() || b[i] != b',' {
                break;
            }
            i += 1;
        }
    }
    out
}

/// A destructive change may not disappear from an `Ok` result unless the result says it is
/// incomplete (which blocks).
fn assert_still_destructive(orig: &Outcome, got: &Outcome, what: &str, by_action_only: bool) {
    let (
        Outcome::Ok {
            destructive: want, ..
        },
        Outcome::Ok {
            destructive: have,
            incomplete,
        },
    ) = (orig, got)
    else {
        return;
    };
    if *incomplete {
        return;
    }
    if by_action_only {
        let count = |s: &BTreeSet<(String, String)>, a: &str| s.iter().filter(|x| x.1 == a).count();
        for a in ["delete", "replace"] {
            assert!(
                count(have, a) >= count(want, a),
                "{what}: {a} count fell from {} to {} silently",
                count(want, a),
                count(have, a)
            );
        }
    } else {
        let lost: Vec<_> = want.difference(have).collect();
        assert!(
            lost.is_empty(),
            "{what}: destructive changes vanished silently: {lost:?}"
        );
    }
}

#[test]
fn a_flip_inside_an_action_word_never_hides_a_destruction() {
    let mut checked = 0usize;
    for f in fixtures()
        .iter()
        .filter(|f| !f.yaml && f.family != Family::Template)
    {
        let orig = baseline(f);
        let Outcome::Ok { destructive, .. } = &orig else {
            continue;
        };
        if destructive.is_empty() {
            continue;
        }
        let text = f.text();
        let mut ranges = Vec::new();
        for key in [
            "actions",
            "Action",
            "Replacement",
            "RequiresRecreation",
            "PolicyAction",
        ] {
            ranges.extend(value_ranges(text, key));
        }
        let mut rng = Rng::for_name(&format!("action {}", f.name));
        ranges.sort();
        let step = (ranges.len() / 24).max(1);
        for &(s, e) in ranges.iter().step_by(step) {
            for pos in [s, s + rng.below(e - s), e.saturating_sub(1)] {
                if pos >= e {
                    continue;
                }
                let mut m = f.bytes.clone();
                // A letter for a letter: the document stays valid JSON.
                m[pos] = if m[pos].is_ascii_uppercase() {
                    m[pos].to_ascii_lowercase()
                } else if m[pos] == b'e' {
                    b'a'
                } else {
                    b'e'
                };
                let what = format!("{}: byte {pos} in an action word", f.name);
                let got = f.run(&m, &what, false);
                assert_still_destructive(&orig, &got, &what, false);
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "only {checked} action flips checked");
    eprintln!("action-word flips checked: {checked}");
}

// ---------------------------------------------------------------------------------------
// Wrong types, deleted keys, duplicated keys
// ---------------------------------------------------------------------------------------

/// Fields the parsers read, per family.
const TERRAFORM_FIELDS: &[&str] = &[
    "format_version",
    "terraform_version",
    "plan_format_version",
    "resource_changes",
    "resource_drift",
    "deferred_changes",
    "output_changes",
    "prior_state",
    "configuration",
    "errored",
    "complete",
    "address",
    "previous_address",
    "module_address",
    "mode",
    "type",
    "name",
    "index",
    "provider_name",
    "deposed",
    "deposed_key",
    "change",
    "action_reason",
    "actions",
    "replace_paths",
    "importing",
    "values",
    "root_module",
    "resources",
    "child_modules",
    "depends_on",
    "module_calls",
    "outputs",
    "expressions",
    "references",
    "provider_config",
    "provider_config_key",
    "module",
    "reason",
    "resource_change",
];

const CHANGE_SET_FIELDS: &[&str] = &[
    "ChangeSetId",
    "StackName",
    "Status",
    "StatusReason",
    "Changes",
    "NextToken",
    "ParentChangeSetId",
    "IncludeNestedStacks",
    "Type",
    "ResourceChange",
    "Action",
    "LogicalResourceId",
    "ResourceType",
    "Replacement",
    "PolicyAction",
    "Details",
    "Target",
    "Evaluation",
    "ChangeSource",
    "CausingEntity",
    "Attribute",
    "Name",
    "RequiresRecreation",
    "Path",
];

const TEMPLATE_FIELDS: &[&str] = &[
    "Resources",
    "Type",
    "Properties",
    "DependsOn",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "Condition",
    "Conditions",
    "Outputs",
    "Value",
    "Export",
    "Name",
    "Parameters",
    "Default",
    "Mappings",
    "Transform",
    "Metadata",
    "Ref",
    "Fn::GetAtt",
    "Fn::Sub",
    "Fn::ImportValue",
    "Fn::If",
    "TemplateURL",
];

/// Keys whose change legitimately renames a resource (compare by action counts then).
const ADDRESS_FIELDS: &[&str] = &["address", "LogicalResourceId", "name", "Resources"];

fn fields(family: Family) -> &'static [&'static str] {
    match family {
        Family::Terraform => TERRAFORM_FIELDS,
        Family::ChangeSet => CHANGE_SET_FIELDS,
        Family::Template => TEMPLATE_FIELDS,
    }
}

/// JSON pointers of every member named `key` (pre-order).
fn pointers_of(v: &Value, key: &str, at: &mut String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let len = at.len();
                at.push('/');
                at.push_str(&k.replace('~', "~0").replace('/', "~1"));
                if k == key {
                    out.push(at.clone());
                }
                pointers_of(x, key, at, out);
                at.truncate(len);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                pointers_of(x, key, at, out);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

fn wrong_values(original: &Value) -> Vec<Value> {
    let all = [
        Value::String("x".into()),
        serde_json::json!(7),
        Value::Bool(true),
        serde_json::json!({}),
        serde_json::json!([]),
        serde_json::json!(["x"]),
        Value::Null,
    ];
    let same = |a: &Value, b: &Value| std::mem::discriminant(a) == std::mem::discriminant(b);
    all.into_iter().filter(|w| !same(w, original)).collect()
}

/// A sample of fixtures with destructive changes (and a few without), per family.
fn rich_sample(family: Family, n: usize) -> Vec<(&'static Fixture, Outcome)> {
    let mut picked = Vec::new();
    for f in fixtures()
        .iter()
        .filter(|f| f.family == family && !f.yaml && f.bytes.len() < 60_000)
    {
        let o = baseline(f);
        if let Outcome::Ok { destructive, .. } = &o {
            if !destructive.is_empty() || family == Family::Template {
                picked.push((f, o));
            }
        }
    }
    // Spread the sample over the (sorted) list.
    let step = (picked.len() / n).max(1);
    picked.into_iter().step_by(step).take(n).collect()
}

fn has_managed_state(f: &Fixture) -> bool {
    let Ok(v) = serde_json::from_slice::<Value>(&f.bytes) else {
        return false;
    };
    let mut ptrs = Vec::new();
    if let Some(state) = v.pointer("/prior_state/values/root_module") {
        pointers_of(state, "address", &mut String::new(), &mut ptrs);
    }
    !ptrs.is_empty()
}

fn mutate_and_check(
    f: &Fixture,
    orig: &Outcome,
    mutated: &Value,
    key: &str,
    what: &str,
) -> Outcome {
    let text = serde_json::to_string_pretty(mutated).unwrap_or_default();
    let got = f.run(text.as_bytes(), what, false);
    // Without a prior state nothing exists to destroy, so a plan whose change list is gone
    // is indistinguishable from a plan that creates everything; the parser can only notice
    // a lost list against the prior state (documented in docs/robustness.md).
    let list_lost_without_state =
        key == "resource_changes" && f.family == Family::Terraform && !has_managed_state(f);
    if f.family != Family::Template && !list_lost_without_state {
        assert_still_destructive(orig, &got, what, ADDRESS_FIELDS.contains(&key));
    }
    got
}

#[test]
fn wrong_types_and_deleted_keys_fail_closed() {
    let mut runs = 0usize;
    let mut errors = 0usize;
    for (family, n) in [
        (Family::Terraform, 14),
        (Family::ChangeSet, 14),
        (Family::Template, 6),
    ] {
        for (f, orig) in rich_sample(family, n) {
            let Ok(v) = serde_json::from_slice::<Value>(&f.bytes) else {
                continue;
            };
            let mut rng = Rng::for_name(&format!("types {}", f.name));
            for key in fields(family) {
                let mut ptrs = Vec::new();
                pointers_of(&v, key, &mut String::new(), &mut ptrs);
                if ptrs.is_empty() {
                    continue;
                }
                // The first occurrence and one more at random.
                let mut chosen = vec![ptrs[0].clone()];
                let other = ptrs[rng.below(ptrs.len())].clone();
                if other != ptrs[0] {
                    chosen.push(other);
                }
                for ptr in chosen {
                    let Some(original) = v.pointer(&ptr) else {
                        continue;
                    };
                    for wrong in wrong_values(original) {
                        let mut m = v.clone();
                        if let Some(slot) = m.pointer_mut(&ptr) {
                            *slot = wrong.clone();
                        }
                        let what = format!("{}: {ptr} = {wrong}", f.name);
                        if !mutate_and_check(f, &orig, &m, key, &what).is_ok() {
                            errors += 1;
                        }
                        runs += 1;
                    }
                    // Deleted key.
                    let mut m = v.clone();
                    let (parent, last) = ptr.rsplit_once('/').unwrap_or(("", ""));
                    let last = last.replace("~1", "/").replace("~0", "~");
                    if let Some(Value::Object(o)) = m.pointer_mut(parent) {
                        o.remove(&last);
                    }
                    let what = format!("{}: {ptr} deleted", f.name);
                    if !mutate_and_check(f, &orig, &m, key, &what).is_ok() {
                        errors += 1;
                    }
                    runs += 1;
                }
            }
        }
    }
    assert!(runs > 2000, "only {runs} wrong-type runs");
    eprintln!("wrong types / deleted keys: {runs} runs, {errors} refused");
}

/// Serialize `v` as JSON, writing member `dup_key` of the object at `dup_at` twice: first
/// with `first`, then with the original value (so a "last one wins" reader keeps the real
/// value and a "first one wins" reader sees `first`).
fn write_with_duplicate(
    v: &Value,
    at: &str,
    dup_at: &str,
    dup_key: &str,
    first: &Value,
    out: &mut String,
) {
    match v {
        Value::Object(m) => {
            out.push('{');
            let mut sep = "";
            for (k, x) in m {
                let child = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                if at == dup_at && k == dup_key {
                    out.push_str(sep);
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    out.push_str(&first.to_string());
                    sep = ",";
                }
                out.push_str(sep);
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_with_duplicate(x, &child, dup_at, dup_key, first, out);
                sep = ",";
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_with_duplicate(x, &format!("{at}/{i}"), dup_at, dup_key, first, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[test]
fn duplicated_keys_are_refused_where_the_parser_reads_them() {
    // Keys read into typed structs: a duplicate is ambiguous (which copy is real?).
    let must_refuse: &[(Family, &str, Value)] = &[
        (Family::Terraform, "actions", serde_json::json!(["no-op"])),
        (Family::Terraform, "address", serde_json::json!("x.y")),
        (
            Family::Terraform,
            "change",
            serde_json::json!({"actions": ["no-op"]}),
        ),
        (Family::Terraform, "resource_changes", serde_json::json!([])),
        (
            Family::Terraform,
            "format_version",
            serde_json::json!("1.0"),
        ),
        (Family::ChangeSet, "Action", serde_json::json!("Add")),
        (Family::ChangeSet, "Replacement", serde_json::json!("False")),
        (
            Family::ChangeSet,
            "LogicalResourceId",
            serde_json::json!("Other"),
        ),
        (Family::ChangeSet, "Changes", serde_json::json!([])),
        (
            Family::ChangeSet,
            "Status",
            serde_json::json!("CREATE_COMPLETE"),
        ),
        (Family::ChangeSet, "ResourceChange", serde_json::json!({})),
    ];
    let mut checked = 0usize;
    for family in [Family::Terraform, Family::ChangeSet] {
        for (f, _) in rich_sample(family, 12) {
            let Ok(v) = serde_json::from_slice::<Value>(&f.bytes) else {
                continue;
            };
            for (_, key, first) in must_refuse.iter().filter(|(fam, _, _)| *fam == family) {
                let mut ptrs = Vec::new();
                pointers_of(&v, key, &mut String::new(), &mut ptrs);
                // Only members the parser reads: not inside attribute values.
                let read = |p: &&String| {
                    ![
                        "/before",
                        "/after",
                        "/values/",
                        "/planned_values",
                        "/configuration",
                        "Context",
                        "Value",
                    ]
                    .iter()
                    .any(|x| p.contains(x))
                };
                let Some(ptr) = ptrs.iter().find(read) else {
                    continue;
                };
                let (parent, _) = ptr.rsplit_once('/').unwrap_or(("", ""));
                let mut text = String::new();
                write_with_duplicate(&v, "", parent, key, first, &mut text);
                let what = format!("{}: duplicated {ptr}", f.name);
                let got = f.run(text.as_bytes(), &what, false);
                assert!(!got.is_ok(), "{what}: accepted a duplicated key");
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} duplicate-key cases");
}

// ---------------------------------------------------------------------------------------
// Hostile documents
// ---------------------------------------------------------------------------------------

const TEN_MB: usize = 10 * 1024 * 1024;

fn tf_plan_with(address: &str, before: &str) -> String {
    format!(
        r#"{{"format_version":"1.2","resource_changes":[{{"address":{a},"mode":"managed","type":"aws_s3_bucket","name":"b","change":{{"actions":["delete"],"before":{before},"after":null}}}}],"prior_state":{{"values":{{"root_module":{{"resources":[{{"address":{a},"mode":"managed","type":"aws_s3_bucket"}}]}}}}}}}}"#,
        a = Value::String(address.to_string())
    )
}

fn change_set_with(logical_id: &str, context: &str) -> String {
    format!(
        r#"{{"ChangeSetId":"cs","Status":"CREATE_COMPLETE","Changes":[{{"Type":"Resource","ResourceChange":{{"Action":"Remove","LogicalResourceId":{id},"ResourceType":"AWS::S3::Bucket","BeforeContext":{context}}}}}]}}"#,
        id = Value::String(logical_id.to_string()),
    )
}

fn template_with(logical_id: &str, property: &str) -> String {
    format!(
        r#"{{"Resources":{{{id}:{{"Type":"AWS::S3::Bucket","Properties":{{"BucketName":{property}}}}}}}}}"#,
        id = Value::String(logical_id.to_string()),
    )
}

fn yaml_of(json: &str) -> String {
    let v: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
    serde_yaml::to_string(&v).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn ten_megabyte_strings_are_handled() {
    let big = "a".repeat(TEN_MB);
    let big_json = Value::String(big.clone()).to_string();
    let start = std::time::Instant::now();
    // A huge attribute value is skipped; a huge address is kept (and must still be destructive).
    let cases: Vec<(String, bool)> = vec![
        (tf_plan_with("aws_s3_bucket.b", &big_json), true),
        (tf_plan_with(&big, "null"), true),
        (change_set_with("Bucket", &big_json), true),
        (change_set_with(&big, "null"), true),
        (yaml_of(&change_set_with(&big, "null")), true),
    ];
    for (i, (text, destructive)) in cases.iter().enumerate() {
        let what = format!("10 MB case {i}");
        match run_input(text.as_bytes(), &what, true) {
            Outcome::Ok { destructive: d, .. } => {
                assert_eq!(!d.is_empty(), *destructive, "{what}")
            }
            Outcome::Err(e) => panic!("{what}: {e}"),
        }
    }
    let before = Source::from_text("before.json", template_with("Bucket", "\"a\""));
    for text in [
        template_with("Bucket", &big_json),
        template_with(&big, "\"a\""),
        yaml_of(&template_with("Bucket", &big_json)),
    ] {
        let out = run_template(&before, text.as_bytes(), "10 MB template", true);
        assert!(out.is_ok(), "10 MB template: {out:?}");
    }
    let took = start.elapsed().as_secs_f64();
    assert!(took < 60.0, "10 MB strings took {took:.1}s");
}

#[test]
fn ten_thousand_levels_of_nesting_are_refused_without_overflow() {
    let depth = 10_000;
    let deep_json = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let deep_obj = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    // Inside skipped attribute values, inside read structures, at the top.
    let tf_cases = [
        tf_plan_with("aws_s3_bucket.b", &deep_json),
        tf_plan_with("aws_s3_bucket.b", &deep_obj),
        format!(r#"{{"format_version":"1.2","configuration":{deep_obj}}}"#),
        format!(
            r#"{{"format_version":"1.2","prior_state":{{"values":{{"root_module":{}{{}}{}}}}}}}"#,
            "{\"child_modules\":[".repeat(depth),
            "]}".repeat(depth)
        ),
        deep_json.clone(),
        deep_obj.clone(),
    ];
    for (i, text) in tf_cases.iter().enumerate() {
        let out = run_input(text.as_bytes(), &format!("deep terraform {i}"), true);
        if i < 2 {
            // Deep attribute values are skipped unread: refused, or the delete still seen.
            assert!(
                !out.is_ok()
                    || matches!(&out, Outcome::Ok { destructive, .. } if !destructive.is_empty()),
                "deep terraform {i}: {out:?}"
            );
        } else if i == 2 {
            // Unknown keys of `configuration` are skipped: nothing exists, nothing destroyed.
            assert!(
                !out.is_ok()
                    || matches!(&out, Outcome::Ok { destructive, .. } if destructive.is_empty()),
                "deep terraform {i}: {out:?}"
            );
        } else {
            assert!(!out.is_ok(), "deep terraform {i}: {out:?}");
        }
    }
    let cs_json = change_set_with("Bucket", &deep_json);
    let flow_yaml = format!(
        "ChangeSetId: cs\nStatus: CREATE_COMPLETE\nChanges: {}1{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let block_yaml = format!(
        "ChangeSetId: cs\nStatus: CREATE_COMPLETE\nChanges:\n{}x\n",
        "- ".repeat(depth)
    );
    let map_yaml = format!(
        "ChangeSetId: cs\nStatus: CREATE_COMPLETE\nChanges: {}1{}\n",
        "{a: ".repeat(depth),
        "}".repeat(depth)
    );
    for (i, text) in [cs_json, flow_yaml, block_yaml, map_yaml]
        .iter()
        .enumerate()
    {
        let out = run_input(text.as_bytes(), &format!("deep change set {i}"), true);
        if i > 0 {
            assert!(!out.is_ok(), "deep change set {i}: {out:?}");
        }
    }
    let before = Source::from_text("before.json", template_with("Bucket", "\"a\""));
    let t_json = template_with("Bucket", &deep_json);
    let t_flow = format!(
        "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      P: {}1{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let t_block = format!(
        "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      P:\n        {}x\n",
        "- ".repeat(depth)
    );
    let t_tags = format!(
        "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      P: {}x\n",
        "!Base64 [".repeat(depth) + &"]".repeat(0)
    );
    for (i, text) in [t_json, t_flow, t_block, t_tags].iter().enumerate() {
        let out = run_template(
            &before,
            text.as_bytes(),
            &format!("deep template {i}"),
            true,
        );
        assert!(!out.is_ok(), "deep template {i}: {out:?}");
    }
}

/// Billion laughs: nine levels of nine aliases.
fn alias_bomb(head: &str, tail: &str) -> String {
    let mut s = String::from(head);
    s.push_str("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for i in 0..9 {
        let prev = if i == 0 {
            "a".to_string()
        } else {
            format!("l{}", i - 1)
        };
        let refs = vec![format!("*{prev}"); 9].join(",");
        s.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
    }
    s.push_str(tail);
    s
}

#[test]
fn yaml_alias_bombs_are_refused_quickly() {
    let start = std::time::Instant::now();
    let cs = alias_bomb(
        "ChangeSetId: cs\nStatus: CREATE_COMPLETE\n",
        "Changes:\n- Type: Resource\n  ResourceChange:\n    Action: Remove\n    LogicalResourceId: B\n    ResourceType: AWS::S3::Bucket\n    BeforeContext: *l8\n",
    );
    let out = run_input(cs.as_bytes(), "change set alias bomb", true);
    // Either refused, or the bomb sat in a skipped field and the Remove is still seen.
    assert!(
        !out.is_ok() || matches!(&out, Outcome::Ok { destructive, .. } if !destructive.is_empty()),
        "{out:?}"
    );
    let t = alias_bomb(
        "",
        "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      P: *l8\n",
    );
    let before = Source::from_text(
        "before.yaml",
        "Resources:\n  B:\n    Type: AWS::S3::Bucket\n",
    );
    let out = run_template(&before, t.as_bytes(), "template alias bomb", true);
    assert!(!out.is_ok(), "{out:?}");
    // Aliases as mapping keys and recursive anchors.
    let recursive = "Resources: &r\n  B: *r\n";
    let out = run_template(&before, recursive.as_bytes(), "recursive alias", true);
    assert!(!out.is_ok(), "{out:?}");
    let took = start.elapsed().as_secs_f64();
    assert!(took < 20.0, "alias bombs took {took:.1}s");
}

#[test]
fn invalid_utf8_and_empty_inputs_are_located_errors() {
    let mut bad = br#"{"format_version":"1.2","resource_changes":[{"address":"a"#.to_vec();
    bad.extend_from_slice(&[0xff, 0xfe]);
    bad.extend_from_slice(br#"","change":{"actions":["delete"]}}]}"#);
    for (what, bytes) in [
        ("invalid UTF-8", bad.clone()),
        ("UTF-16 BOM", vec![0xff, 0xfe, b'{', 0, b'}', 0]),
        ("lone continuation", vec![0x80]),
        ("empty", Vec::new()),
        ("whitespace", b" \n\t\r\n".to_vec()),
        ("NUL bytes", vec![0; 64]),
        (
            "UTF-8 BOM",
            b"\xef\xbb\xbf{\"format_version\":\"1.2\"}".to_vec(),
        ),
    ] {
        let out = run_input(&bytes, what, true);
        assert!(!out.is_ok(), "{what}: {out:?}");
    }
    let src = Source::from_bytes("bad.json", bad);
    let e = src
        .err()
        .unwrap_or_else(|| panic!("invalid UTF-8 accepted"));
    let l = e.located().unwrap_or_else(|| panic!("not located: {e:?}"));
    assert_eq!(l.code, "planguard::input::encoding");
    assert_eq!((l.line, l.column), (1, 58));
}

// ---------------------------------------------------------------------------------------
// The real binary
// ---------------------------------------------------------------------------------------

/// Run `planguard check` on `bytes` written to a file; returns (exit code, stderr).
fn binary_check(dir: &Path, name: &str, bytes: &[u8]) -> (i32, String) {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("{e}"));
    let out = planguard()
        .args(["check", "--no-config", "--format", "json"])
        .arg(&p)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        [0, 1, 2].contains(&code),
        "{name}: exit {:?} (killed by a signal or panicked?)\n{err}",
        out.status
    );
    assert!(!err.contains("panicked"), "{name}: {err}");
    if code == 2 {
        assert!(
            err.contains("planguard::"),
            "{name}: exit 2 without a diagnostic: {err}"
        );
        assert!(out.stdout.is_empty(), "{name}: a report and an error");
    }
    (code, err)
}

#[test]
fn the_binary_agrees_with_the_library_on_a_sample_of_mutations() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut n = 0;
    for (i, f) in fixtures()
        .iter()
        .filter(|f| f.family != Family::Template && f.bytes.len() < 40_000)
        .enumerate()
        .filter(|(i, _)| i % 40 == 0)
    {
        let mut rng = Rng::for_name(&format!("binary {}", f.name));
        let cut = floor_boundary(&f.bytes, rng.below(f.bytes.len()));
        let mut flipped = f.bytes.clone();
        if !flipped.is_empty() {
            let at = rng.below(flipped.len());
            flipped[at] ^= 0x04;
        }
        for (k, bytes) in [&f.bytes[..cut], &flipped[..], &f.bytes[..]]
            .into_iter()
            .enumerate()
        {
            let lib = run_input(bytes, &f.name, false);
            let (code, err) = binary_check(dir.path(), &format!("in{i}-{k}"), bytes);
            assert_eq!(
                lib.is_ok(),
                code != 2,
                "{} variant {k}: library {lib:?}, binary exit {code}: {err}",
                f.name
            );
            n += 1;
        }
    }
    // Hostile documents through the binary (10 MB, deep, bomb).
    let big = Value::String("a".repeat(TEN_MB)).to_string();
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let hostile = [
        tf_plan_with("aws_s3_bucket.b", &big),
        tf_plan_with("aws_s3_bucket.b", &deep),
        alias_bomb(
            "ChangeSetId: cs\nStatus: CREATE_COMPLETE\n",
            "Changes: *l8\n",
        ),
        format!("ChangeSetId: cs\nChanges:\n{}x\n", "- ".repeat(10_000)),
    ];
    for (i, h) in hostile.iter().enumerate() {
        binary_check(dir.path(), &format!("hostile{i}"), h.as_bytes());
        n += 1;
    }
    assert!(n > 60, "only {n} binary runs");
}

#[test]
fn a_directory_an_empty_file_and_invalid_utf8_exit_2_through_the_binary() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (code, err) = binary_check(dir.path(), "empty.json", b"");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("empty"), "{err}");
    let (code, err) = binary_check(dir.path(), "bad.json", b"{\"format_version\":\"1.\xff\"}");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("invalid UTF-8 at byte 21"), "{err}");
    let out = planguard()
        .args(["check", "--no-config"])
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a directory"));
}

#[cfg(unix)]
#[test]
fn a_fifo_is_read_like_a_file() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let plan = std::fs::read(testdata("terraform/handwritten/reasons.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    for (name, body, want) in [
        ("whole.fifo", plan.clone(), None),
        ("cut.fifo", plan[..plan.len() / 2].to_vec(), Some(2)),
        ("empty.fifo", Vec::new(), Some(2)),
    ] {
        let fifo = dir.path().join(name);
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap_or_else(|e| panic!("mkfifo: {e}"));
        assert!(status.success(), "mkfifo failed");
        let writer_path = fifo.clone();
        let writer = std::thread::spawn(move || {
            // Opening for writing blocks until planguard opens the FIFO for reading.
            if let Ok(mut w) = std::fs::OpenOptions::new().write(true).open(&writer_path) {
                use std::io::Write;
                let _ = w.write_all(&body);
            }
        });
        let out = planguard()
            .args(["check", "--no-config"])
            .arg(&fifo)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let _ = writer.join();
        let code = out.status.code();
        let want = want.unwrap_or_else(|| {
            let (c, _) = binary_check(dir.path(), "whole.json", &plan);
            c
        });
        assert_eq!(
            code,
            Some(want),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

// ---------------------------------------------------------------------------------------
// Regressions for what this suite found
// ---------------------------------------------------------------------------------------

/// A lost change list (`resource_changes` / `Changes` null or missing) is not "no changes".
#[test]
fn a_lost_change_list_is_incomplete_not_empty() {
    let tf = r#"{"format_version":"1.2","resource_changes":null,"prior_state":{"values":{"root_module":{"resources":[{"address":"aws_db_instance.d","mode":"managed","type":"aws_db_instance"}]}}}}"#;
    let cs = r#"{"ChangeSetId":"cs","Status":"CREATE_COMPLETE","Changes":null}"#;
    for text in [tf, cs] {
        match run_input(text.as_bytes(), text, true) {
            Outcome::Ok { incomplete, .. } => assert!(incomplete, "{text}"),
            Outcome::Err(e) => panic!("{text}: {e}"),
        }
    }
}

/// A minified plan cut beyond column 65,535 made miette panic while rendering (exit 101).
#[test]
fn a_long_single_line_plan_cut_off_exits_2_with_a_location() {
    let plan = std::fs::read(testdata(
        "terraform/real/tfcompliance-522-deletes-drift.json",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (code, err) = binary_check(dir.path(), "cut.json", &plan[..plan.len() - 2]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cut.json:1:"), "{err}");
    assert!(err.contains("the JSON ends early"), "{err}");
}

/// YAML change sets cut mid-line are refused (YAML has no closing bracket).
#[test]
fn a_yaml_change_set_without_final_line_break_is_refused() {
    let yaml = "ChangeSetId: cs\nStatus: CREATE_COMPLETE\nChanges:\n- Type: Resource\n  ResourceChange:\n    Action: Remove\n    LogicalResourceId: Bucket\n    ResourceType: AWS::S3::Bu";
    let out = run_input(yaml.as_bytes(), "cut yaml", true);
    assert!(
        matches!(&out, Outcome::Err(e) if e.contains("cut off")),
        "{out:?}"
    );
}

/// The suites iterate over `common::ALL_FORMATS`; it must name every format there is.
#[test]
fn every_report_format_is_exercised() {
    let names: Vec<&str> = ALL_FORMATS.iter().map(|f| format_name(*f)).collect();
    assert_eq!(names, planguard::report::Format::NAMES.to_vec());
}
