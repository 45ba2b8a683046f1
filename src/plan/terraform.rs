//! Terraform / OpenTofu plan JSON (`terraform show -json PLANFILE`) → neutral model.
//!
//! Every `format_version` from 0.1 on is read; a newer *minor* version is read too (the
//! format promises additive minors) with a note; an unknown *major* is refused. The document
//! is deserialized once into typed structs that borrow strings from the input and skip every
//! attribute value (`before`, `after`, `values` …): a 450 MB plan must cost about one parse,
//! and values are never needed (nor wanted: they hold secrets).
//!
//! Decisions (see `docs/terraform.md` for the full list):
//! - classify by `actions`, never by `action_reason`; an unknown action is an error;
//! - `["create","forget"]` (Terraform) and `["forget","create"]` (OpenTofu) are `forget`:
//!   the old object survives unmanaged, nothing is destroyed;
//! - `resource_drift` is kept apart as drift; `deferred_changes` and `errored` / `complete:
//!   false` plans become [`Incomplete`] entries (a blocking finding downstream);
//! - HCP Terraform's redacted plans have no configuration or prior state: read, with a note
//!   that the graph is partial.

pub mod address;
mod graph_edges;

pub use address::{config_address, parse_instance, steps, InstanceAddr, Step};

use crate::error::{Error, Result};
use crate::model::{
    Action, Change, Drift, InputFormat, InputInfo, Mode, Node, Note, NoteKind, OutputChange, Plan,
    ReplaceOrder,
};
use crate::plan::Source;
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock};

type Str<'a> = Cow<'a, str>;

/// Highest `format_version` minor this build was written against, per major.
const KNOWN_MINOR: [(u32, u32); 2] = [(0, 2), (1, 2)];

#[derive(Deserialize, Default)]
struct RawPlan<'a> {
    #[serde(borrow)]
    format_version: Option<Str<'a>>,
    #[serde(borrow)]
    terraform_version: Option<Str<'a>>,
    /// HCP Terraform redacted plans use this key instead of `format_version`.
    #[serde(borrow)]
    plan_format_version: Option<Str<'a>>,
    #[serde(default)]
    resource_changes: Option<ChangeNodes>,
    #[serde(borrow, default)]
    resource_drift: Option<Vec<RawResourceChange<'a>>>,
    #[serde(borrow, default)]
    deferred_changes: Option<Vec<RawDeferred<'a>>>,
    #[serde(borrow, default)]
    output_changes: Option<BTreeMap<Str<'a>, RawOutputChange<'a>>>,
    #[serde(borrow, default)]
    prior_state: Option<RawState<'a>>,
    #[serde(borrow, default)]
    configuration: Option<graph_edges::RawConfig<'a>>,
    errored: Option<bool>,
    complete: Option<bool>,
    // Present only to recognise documents that are not plans.
    values: Option<IgnoredAny>,
    planned_values: Option<IgnoredAny>,
    #[serde(rename = "@level")]
    ui_level: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct RawResourceChange<'a> {
    #[serde(borrow)]
    address: Option<Str<'a>>,
    #[serde(borrow)]
    previous_address: Option<Str<'a>>,
    #[serde(borrow)]
    module_address: Option<Str<'a>>,
    #[serde(borrow)]
    mode: Option<Str<'a>>,
    #[serde(borrow, rename = "type")]
    resource_type: Option<Str<'a>>,
    #[serde(borrow)]
    name: Option<Str<'a>>,
    index: Option<serde_json::Value>,
    #[serde(borrow)]
    provider_name: Option<Str<'a>>,
    #[serde(borrow)]
    deposed: Option<Str<'a>>,
    #[serde(borrow)]
    change: RawChange<'a>,
    #[serde(borrow)]
    action_reason: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct RawChange<'a> {
    #[serde(borrow)]
    actions: Vec<Str<'a>>,
    replace_paths: Option<Vec<Vec<serde_json::Value>>>,
    importing: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct RawDeferred<'a> {
    #[serde(borrow)]
    reason: Option<Str<'a>>,
    #[serde(borrow)]
    resource_change: Option<RawResourceChange<'a>>,
}

#[derive(Deserialize)]
struct RawOutputChange<'a> {
    #[serde(borrow)]
    actions: Vec<Str<'a>>,
}

#[derive(Deserialize)]
struct RawState<'a> {
    #[serde(borrow, default)]
    values: Option<RawStateValues<'a>>,
}

#[derive(Deserialize)]
struct RawStateValues<'a> {
    #[serde(borrow, default)]
    root_module: Option<RawStateModule<'a>>,
}

#[derive(Deserialize)]
struct RawStateModule<'a> {
    #[serde(borrow, default)]
    resources: Vec<RawStateResource<'a>>,
    #[serde(borrow, default)]
    child_modules: Vec<RawStateModule<'a>>,
}

#[derive(Deserialize)]
pub(crate) struct RawStateResource<'a> {
    #[serde(borrow)]
    address: Str<'a>,
    #[serde(borrow)]
    mode: Option<Str<'a>>,
    #[serde(borrow, rename = "type")]
    resource_type: Option<Str<'a>>,
    #[serde(borrow)]
    provider_name: Option<Str<'a>>,
    #[serde(default)]
    depends_on: DependsOn,
    #[serde(borrow)]
    deposed_key: Option<Str<'a>>,
}

thread_local! {
    /// Names met in `prior_state` `depends_on` lists during the current parse. The lists are
    /// transitive, so a 100k-resource state repeats a few thousand names millions of times;
    /// interning them (4 bytes an entry instead of a 24-byte string slice) keeps peak memory
    /// near the size of the input. Reset at the start of every parse on this thread.
    static DEPENDS_ON_NAMES: std::cell::RefCell<Interner> = std::cell::RefCell::default();
}

#[derive(Default)]
struct Interner {
    index: HashMap<String, u32>,
    names: Vec<String>,
    /// The previous list's ids: instances of one `count`/`for_each` resource, listed one
    /// after another, have the same `depends_on`, so comparing a name with the one at the
    /// same position there usually answers without hashing.
    previous: Vec<u32>,
}

impl Interner {
    fn id(&mut self, position: usize, name: Str<'_>) -> u32 {
        if let Some(&id) = self.previous.get(position) {
            if self.names[id as usize] == name.as_ref() {
                return id;
            }
        }
        match self.index.get(name.as_ref()) {
            Some(&id) => id,
            None => {
                let id = self.names.len() as u32;
                self.index.insert(name.to_string(), id);
                self.names.push(name.into_owned());
                id
            }
        }
    }
}

/// A `depends_on` list as ids into [`DEPENDS_ON_NAMES`].
#[derive(Default)]
pub(crate) struct DependsOn(pub(crate) Vec<u32>);

impl<'de> Deserialize<'de> for DependsOn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = DependsOn;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of resource addresses")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<DependsOn, A::Error> {
                DEPENDS_ON_NAMES.with(|t| {
                    let interner = &mut *t.borrow_mut();
                    let mut ids = Vec::new();
                    while let Some(name) = seq.next_element::<Str<'de>>()? {
                        ids.push(interner.id(ids.len(), name));
                    }
                    interner.previous.clear();
                    interner.previous.extend_from_slice(&ids);
                    Ok(DependsOn(ids))
                })
            }
        }
        d.deserialize_seq(V)
    }
}

/// Parse one Terraform/OpenTofu plan JSON document.
pub fn parse(src: &Source) -> Result<Plan> {
    let mut plan = parse_with(src, None)?;
    plan.input.sha256 = src.sha256().to_string();
    Ok(plan)
}

/// [`parse`], taking `prior_state` from `prefetch` when another thread has parsed it, and
/// leaving `input.sha256` empty for the caller (see [`super::fill_hashes`]).
pub(crate) fn parse_with<'a>(src: &'a Source, prefetch: Option<&Prefetch<'a>>) -> Result<Plan> {
    let text = src.text.as_str();
    let prefetch = prefetch.filter(|p| std::ptr::eq(p.text, text));
    if let Some((raw, names)) = read_sections(text, prefetch) {
        return build(src, raw, &names);
    }
    // The section reader gave up: the document is malformed or unusual. The whole-document
    // parse decides, and its error (with serde_json's own line and column) is the one shown.
    parse_whole_document(src)
}

/// The plan from one `serde_json` pass over the whole document (the reference the section
/// reader must agree with, and its fallback).
fn parse_whole_document(src: &Source) -> Result<Plan> {
    let (parsed, names) = with_fresh_names(|| serde_json::from_str::<RawPlan<'_>>(&src.text));
    build(src, parsed.map_err(|e| json_error(src, &e))?, &names)
}

/// The plan read both ways: by sections with the `prior_state` prefetch (what `analyze`
/// does for large plans) and by the whole-document parse. For the differential fuzz target
/// (`fuzz/fuzz_targets/terraform_sections.rs`); not an API.
#[doc(hidden)]
pub fn parse_both_ways(src: &Source) -> (Result<Plan>, Result<Plan>) {
    let prefetch = Prefetch::new(src);
    prefetch.run();
    (parse_with(src, Some(&prefetch)), parse_whole_document(src))
}

/// Run `f` with an empty [`DEPENDS_ON_NAMES`] table on this thread; return what it interned.
fn with_fresh_names<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    DEPENDS_ON_NAMES.with(|t| *t.borrow_mut() = Default::default());
    let out = f();
    let names = DEPENDS_ON_NAMES.with(|t| std::mem::take(&mut *t.borrow_mut()).names);
    (out, names)
}

/// `prior_state` of one plan, parsed ahead of the main parse by whichever thread asks first.
///
/// On a 100k-resource plan `prior_state` is a third of the bytes and of the parse time, and
/// it sits after `resource_changes`, so a second core can read it while the first reads the
/// rest. The helper cannot know where the top-level key is without parsing everything
/// before it, so it guesses (the last `"prior_state":` in the text, where Terraform writes
/// it) and the main parse uses the result only when the top-level key turns out to start
/// exactly there. A wrong guess costs time, never correctness: the same bytes are parsed
/// by the same code either way.
pub struct Prefetch<'a> {
    text: &'a str,
    cell: OnceLock<Mutex<Option<Speculated<'a>>>>,
}

struct Speculated<'a> {
    /// Where the value starts (after the key, the colon and whitespace).
    start: usize,
    /// The value and where it ends, or `None` when it did not parse.
    parsed: Option<(Option<RawState<'a>>, usize)>,
    names: Vec<String>,
}

impl<'a> Prefetch<'a> {
    pub fn new(src: &'a Source) -> Prefetch<'a> {
        Prefetch {
            text: src.text.as_str(),
            cell: OnceLock::new(),
        }
    }

    /// Do the work now (on the calling thread) unless it is done or under way.
    pub fn run(&self) {
        self.slot();
    }

    fn slot(&self) -> &Mutex<Option<Speculated<'a>>> {
        self.cell.get_or_init(|| Mutex::new(speculate(self.text)))
    }

    /// The parsed `prior_state` if the guess was the value starting at `start`.
    fn take_at(&self, start: usize) -> Option<Speculated<'a>> {
        let mut slot = self.slot().lock().ok()?;
        if slot.as_ref().is_some_and(|s| s.start == start) {
            slot.take()
        } else {
            None
        }
    }
}

fn speculate(text: &str) -> Option<Speculated<'_>> {
    const KEY: &str = "\"prior_state\"";
    let at = last_occurrence(text.as_bytes(), KEY.as_bytes())?;
    let bytes = text.as_bytes();
    let colon = skip_ws(bytes, at + KEY.len());
    if bytes.get(colon) != Some(&b':') {
        return None;
    }
    Some(speculate_at(text, skip_ws(bytes, colon + 1)))
}

/// Where `needle` last occurs in `hay`. The key sits before the ~150 MB value it names, so
/// this scans most of that value: forward SIMD search over windows taken from the end is
/// several times faster than a reverse search (which memchr does not vectorise). The
/// windows start small and double, so a small plan is not scanned whole.
fn last_occurrence(hay: &[u8], needle: &[u8]) -> Option<usize> {
    last_occurrence_in_windows(hay, needle, 256 << 10, 8 << 20)
}

fn last_occurrence_in_windows(
    hay: &[u8],
    needle: &[u8],
    first_window: usize,
    max_window: usize,
) -> Option<usize> {
    let finder = memchr::memmem::Finder::new(needle);
    let mut end = hay.len();
    let mut window = first_window;
    loop {
        let start = end.saturating_sub(window);
        // Matches starting at `end` or later were seen in the previous window.
        let slice = &hay[start..(end + needle.len()).saturating_sub(1).min(hay.len())];
        if let Some(last) = finder.find_iter(slice).last() {
            return Some(start + last);
        }
        if start == 0 {
            return None;
        }
        end = start;
        window = (window * 2).min(max_window);
    }
}

fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\n' | b'\t' | b'\r')) {
        at += 1;
    }
    at
}

/// One JSON value starting at byte `at`, and the offset just after it.
fn value_at<'a, T: Deserialize<'a>>(text: &'a str, at: usize) -> Option<(T, usize)> {
    let mut values = serde_json::Deserializer::from_str(text.get(at..)?).into_iter::<T>();
    let value = values.next()?.ok()?;
    Some((value, at + values.byte_offset()))
}

/// Read the top-level object key by key, each value with its own typed deserializer, so
/// `prior_state` can come from a [`Prefetch`]. Accepts what `serde_json::from_str::<RawPlan>`
/// accepts (known keys at most once, unknown keys skipped but checked, nothing after the
/// object) and returns `None` for anything else, leaving the verdict and the error message
/// to that whole-document parse. One difference: serde_json's nesting limit counts from
/// where a parse starts, so a value may be nested one level deeper here (it is still read
/// in full; see the `sections_allow_one_more_level_of_nesting` test).
fn read_sections<'a>(
    text: &'a str,
    prefetch: Option<&Prefetch<'a>>,
) -> Option<(RawPlan<'a>, Vec<String>)> {
    fn once<T>(slot: &mut Option<T>, seen: &mut bool, value: Option<T>) -> Option<()> {
        if std::mem::replace(seen, true) {
            return None; // duplicate field: the whole-document parse refuses it
        }
        *slot = value;
        Some(())
    }
    let bytes = text.as_bytes();
    let mut raw = RawPlan::default();
    let mut names = Vec::new();
    let mut seen = [false; 14];
    let mut at = skip_ws(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    at = skip_ws(bytes, at + 1);
    if bytes.get(at) == Some(&b'}') {
        at += 1;
    } else {
        loop {
            if bytes.get(at) != Some(&b'"') {
                return None;
            }
            let (key, after_key) = value_at::<Str<'a>>(text, at)?;
            at = skip_ws(bytes, after_key);
            if bytes.get(at) != Some(&b':') {
                return None;
            }
            at = skip_ws(bytes, at + 1);
            macro_rules! field {
                ($slot:ident, $n:expr) => {{
                    let (v, end) = value_at(text, at)?;
                    once(&mut raw.$slot, &mut seen[$n], v)?;
                    end
                }};
            }
            at = match key.as_ref() {
                "format_version" => field!(format_version, 0),
                "terraform_version" => field!(terraform_version, 1),
                "plan_format_version" => field!(plan_format_version, 2),
                "resource_changes" => field!(resource_changes, 3),
                "resource_drift" => field!(resource_drift, 4),
                "deferred_changes" => field!(deferred_changes, 5),
                "output_changes" => field!(output_changes, 6),
                "configuration" => field!(configuration, 7),
                "errored" => field!(errored, 8),
                "complete" => field!(complete, 9),
                "values" => field!(values, 10),
                "planned_values" => field!(planned_values, 11),
                "@level" => field!(ui_level, 12),
                "prior_state" => {
                    let spec = match prefetch.and_then(|p| p.take_at(at)) {
                        Some(spec) => spec,
                        None => speculate_at(text, at),
                    };
                    let (state, end) = spec.parsed?;
                    once(&mut raw.prior_state, &mut seen[13], state)?;
                    names = spec.names;
                    end
                }
                _ => value_at::<IgnoredAny>(text, at)?.1,
            };
            at = skip_ws(bytes, at);
            match bytes.get(at) {
                Some(b',') => at = skip_ws(bytes, at + 1),
                Some(b'}') => {
                    at += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    (skip_ws(bytes, at) == bytes.len()).then_some((raw, names))
}

/// `prior_state` parsed here and now, at the known start of its value.
fn speculate_at(text: &str, start: usize) -> Speculated<'_> {
    let (parsed, names) = with_fresh_names(|| value_at::<Option<RawState<'_>>>(text, start));
    Speculated {
        start,
        parsed,
        names,
    }
}

fn json_error(src: &Source, e: &serde_json::Error) -> Error {
    use serde_json::error::Category;
    let (line, column) = (e.line(), e.column());
    let message = match e.classify() {
        Category::Eof => format!("the JSON ends early (truncated file?): {e}"),
        Category::Syntax => format!("not valid JSON: {e}"),
        Category::Data => format!("not a plan this version understands: {e}"),
        Category::Io => format!("cannot read: {e}"),
    };
    let help = match e.classify() {
        Category::Eof => {
            "the plan was cut off: re-run `terraform show -json PLANFILE > plan.json` and make \
             sure the command finished (disk full? killed CI step?)"
        }
        Category::Syntax => {
            "expected the JSON written by `terraform show -json PLANFILE`; a hand-edited or \
             concatenated file will not do"
        }
        _ => {
            "a field has an unexpected shape; planguard refuses plans it cannot fully read \
             rather than guess. If this plan came from a newer Terraform, please report it."
        }
    };
    // serde_json reports the position *after* the offending token; keep its numbers.
    let located = src
        .error_at_line_col(
            "planguard::input::json",
            line,
            column.saturating_sub(1),
            message,
        )
        .with_help(help);
    Error::input(located)
}

/// Find where `needle` (a JSON string value) appears, for pointing at semantic errors that
/// serde cannot place. Searches after `after` when given.
fn locate(src: &Source, needle: &str, after: Option<usize>) -> usize {
    let encoded = serde_json::to_string(needle).unwrap_or_default();
    let text = src.text.as_str();
    let start = after.unwrap_or(0).min(text.len());
    text[start..].find(&encoded).map_or(start, |p| start + p)
}

fn semantic_error(
    src: &Source,
    address: Option<&str>,
    value: &str,
    message: String,
    help: &str,
) -> Error {
    let near = address.map(|a| locate(src, a, None));
    let offset = locate(src, value, near);
    Error::input(
        src.error_at("planguard::input::plan", offset, message)
            .with_help(help.to_string()),
    )
}

fn check_format_version(src: &Source, version: &str) -> Result<Option<Note>> {
    let bad = |why: String| {
        let offset = locate(src, version, None);
        Error::input(
            src.error_at("planguard::input::format-version", offset, why)
                .with_label("this version")
                .with_help(
                    "planguard reads plan JSON format 0.1 to 1.x. A new major version may \
                     change meanings, so it is refused rather than guessed; upgrade planguard.",
                ),
        )
    };
    let (major, minor) = version
        .split_once('.')
        .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
        .ok_or_else(|| bad(format!("format_version {version:?} is not MAJOR.MINOR")))?;
    let Some(&(_, known_minor)) = KNOWN_MINOR.iter().find(|(m, _)| *m == major) else {
        return Err(bad(format!(
            "unsupported plan format_version {version}: major version {major} is unknown"
        )));
    };
    if minor > known_minor {
        return Ok(Some(Note {
            kind: NoteKind::Info,
            address: None,
            message: format!(
                "format_version {version} is newer than the {major}.{known_minor} planguard \
                 knows; read as an additive change"
            ),
        }));
    }
    Ok(None)
}

fn not_a_plan(src: &Source, raw: &RawPlan<'_>) -> Error {
    let state_like =
        raw.planned_values.is_none() && (raw.values.is_some() || raw.format_version.is_some());
    let (message, help) = if state_like {
        (
            "this is Terraform state JSON, not a plan",
            "state says what exists, not what will change. Make a plan and show it: \
             `terraform plan -out=tfplan && terraform show -json tfplan > plan.json`",
        )
    } else if raw.ui_level.is_some() {
        (
            "this is the `terraform plan -json` UI event stream, not a plan document",
            "save the plan and show it: `terraform plan -out=tfplan && terraform show -json \
             tfplan > plan.json`",
        )
    } else {
        (
            "not a Terraform plan: there is no `format_version`",
            "expected the output of `terraform show -json PLANFILE` (or `tofu show -json`)",
        )
    };
    Error::input(
        crate::error::Located::whole_file("planguard::input::not-a-plan", &src.path, message)
            .with_help(help),
    )
}

/// Map a Terraform `actions` list to the model. `None` for anything Terraform and OpenTofu
/// do not emit.
pub fn classify_actions(actions: &[Str<'_>]) -> Option<(Action, Option<ReplaceOrder>)> {
    let a: Vec<&str> = actions.iter().map(|s| s.as_ref()).collect();
    Some(match a.as_slice() {
        ["no-op"] => (Action::NoOp, None),
        ["create"] => (Action::Create, None),
        ["read"] => (Action::Read, None),
        ["update"] => (Action::Update, None),
        ["delete"] => (Action::Delete, None),
        ["delete", "create"] => (Action::Replace, Some(ReplaceOrder::DeleteBeforeCreate)),
        ["create", "delete"] => (Action::Replace, Some(ReplaceOrder::CreateBeforeDelete)),
        ["forget"] | ["create", "forget"] | ["forget", "create"] => (Action::Forget, None),
        _ => return None,
    })
}

fn parse_mode(s: Option<&str>) -> Option<Mode> {
    match s {
        None | Some("managed") => Some(Mode::Managed),
        Some("data") => Some(Mode::Data),
        Some("ephemeral") => Some(Mode::Ephemeral),
        Some(_) => None,
    }
}

/// Rebuild an address from its parts (drift entries of Terraform 0.15.4–1.0.x lack one).
fn rebuild_address(rc: &RawResourceChange<'_>) -> Option<String> {
    let mut s = String::new();
    if let Some(m) = &rc.module_address {
        s.push_str(m);
        s.push('.');
    }
    if rc.mode.as_deref() == Some("data") {
        s.push_str("data.");
    }
    s.push_str(rc.resource_type.as_deref()?);
    s.push('.');
    s.push_str(rc.name.as_deref()?);
    if let Some(i) = &rc.index {
        s.push_str(&address::render_key(i)?);
    }
    Some(s)
}

fn render_path(steps: &[serde_json::Value]) -> String {
    let mut s = String::new();
    for step in steps {
        match step {
            serde_json::Value::String(k) => {
                let plain = !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if plain {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                } else {
                    s.push_str(&format!("[{}]", serde_json::Value::String(k.clone())));
                }
            }
            other => s.push_str(&format!("[{other}]")),
        }
    }
    s
}

fn build(src: &Source, mut raw: RawPlan<'_>, depends_on_names: &[String]) -> Result<Plan> {
    let redacted = raw.format_version.is_none() && raw.plan_format_version.is_some();
    let looks_like_plan = redacted
        || raw.planned_values.is_some()
        || raw.resource_changes.is_some()
        || raw.configuration.is_some()
        || raw.prior_state.is_some()
        || raw.output_changes.is_some();
    if !looks_like_plan {
        return Err(not_a_plan(src, &raw));
    }
    let version = match (&raw.format_version, &raw.plan_format_version) {
        (Some(v), _) | (None, Some(v)) => v.to_string(),
        (None, None) => return Err(not_a_plan(src, &raw)),
    };
    let mut plan = Plan::new(InputInfo {
        path: src.path.clone(),
        format: if redacted {
            InputFormat::TerraformRedactedPlan
        } else {
            InputFormat::TerraformPlan
        },
        format_version: Some(version.clone()),
        tool_version: raw.terraform_version.as_ref().map(|v| v.to_string()),
        sha256: String::new(),
    });
    if let Some(note) = check_format_version(src, &version)? {
        plan.notes.push(note);
    }
    if raw.errored == Some(true) {
        plan.incomplete.push(crate::model::Incomplete {
            kind: "errored".into(),
            message: "Terraform reported errors while planning (`errored: true`): the plan \
                      lists only what was planned before the error, so this analysis may be \
                      partial"
                .into(),
        });
    }
    if raw.complete == Some(false) {
        plan.incomplete.push(crate::model::Incomplete {
            kind: "incomplete".into(),
            message: "the plan is marked `complete: false`: some resources got no planned \
                      action (deferred changes, -target, or an error), so a follow-up plan \
                      will change more than this one shows"
                .into(),
        });
    }
    if redacted {
        plan.notes.push(Note {
            kind: NoteKind::PartialGraph,
            address: None,
            message: "HCP Terraform redacted plan: it has no configuration or prior state, so \
                      the dependency graph is empty and blast radius cannot be computed; \
                      analyse `terraform show -json` output for the full picture"
                .into(),
        });
    }

    // Nodes from planned changes.
    let mut moves: Vec<(String, String)> = Vec::new();
    let changes = raw.resource_changes.take().unwrap_or_default();
    if let Some(u) = changes.first_error {
        return Err(unreadable_error(src, u));
    }
    let no_changes_listed = changes.nodes.is_empty();
    plan.nodes = changes.nodes;
    // Address index over the nodes, borrowing their strings (nodes from prior state are
    // collected apart and appended once the index is gone).
    let mut index: HashMap<(&str, Option<&str>), u32> = HashMap::with_capacity(plan.nodes.len());
    for (i, node) in plan.nodes.iter().enumerate() {
        if let Some(prev) = node.change.as_ref().and_then(|c| c.moved_from.as_deref()) {
            if let (Some(old), Some(new)) = (config_address(prev), config_address(&node.address)) {
                if old != new {
                    moves.push((old, new));
                }
            }
        }
        let key = (node.address.as_str(), node.deposed.as_deref());
        if index.insert(key, i as u32).is_some() {
            return Err(semantic_error(
                src,
                None,
                &node.address,
                format!(
                    "resource change {} appears twice in resource_changes",
                    node.display_address()
                ),
                "Terraform lists each instance once; a duplicated entry means the file was \
                 edited or concatenated, and either copy could be the real one",
            ));
        }
    }

    // Deferred changes: not planned now, but the plan is not the whole story.
    if let Some(deferred) = &raw.deferred_changes {
        if !deferred.is_empty() {
            let mut addrs: Vec<String> = deferred
                .iter()
                .filter_map(|d| {
                    let rc = d.resource_change.as_ref()?;
                    let a = rc
                        .address
                        .as_deref()
                        .map(str::to_string)
                        .or_else(|| rebuild_address(rc))?;
                    Some(match &d.reason {
                        Some(r) => format!("{a} ({r})"),
                        None => a,
                    })
                })
                .collect();
            addrs.sort();
            let shown: Vec<&str> = addrs.iter().take(10).map(String::as_str).collect();
            plan.incomplete.push(crate::model::Incomplete {
                kind: "deferred".into(),
                message: format!(
                    "{} change(s) are deferred to a later plan and not analysed here: {}{}",
                    deferred.len(),
                    shown.join(", "),
                    if addrs.len() > shown.len() {
                        ", …"
                    } else {
                        ""
                    }
                ),
            });
        }
    }

    // Nodes from prior state that have no change of their own: they are the quiet victims.
    let mut state_resources: Vec<&mut RawStateResource<'_>> = Vec::new();
    if let Some(root) = raw
        .prior_state
        .as_mut()
        .and_then(|s| s.values.as_mut())
        .and_then(|v| v.root_module.as_mut())
    {
        collect_state(root, &mut state_resources);
    }
    // Terraform lists every managed instance of the prior state in `resource_changes` (a
    // `no-op` at least), so state objects with no change list at all mean the list was lost
    // (a deleted or misspelt key, `null`): what happens to them is unknown.
    let managed_in_state = state_resources
        .iter()
        .filter(|r| matches!(r.mode.as_deref(), None | Some("managed")))
        .count();
    if no_changes_listed && managed_in_state > 0 {
        plan.incomplete.push(crate::model::Incomplete {
            kind: "resource_changes_missing".into(),
            message: format!(
                "the plan has no `resource_changes`, but its prior state holds                  {managed_in_state} managed resource(s): Terraform lists every one of them                  (as `no-op` at least), so the change list was lost or edited out and what                  happens to them is unknown"
            ),
        });
    }
    let mut state_node_of: Vec<u32> = Vec::with_capacity(state_resources.len());
    let mut state_only: Vec<Node> = Vec::new();
    for r in &state_resources {
        let key = (r.address.as_ref(), r.deposed_key.as_deref());
        let idx = match index.get(&key) {
            Some(&i) => i,
            None => {
                let mode = parse_mode(r.mode.as_deref()).ok_or_else(|| {
                    semantic_error(
                        src,
                        Some(&r.address),
                        r.mode.as_deref().unwrap_or_default(),
                        format!(
                            "prior_state resource {} has unknown mode {:?}",
                            r.address,
                            r.mode.as_deref().unwrap_or_default()
                        ),
                        "expected \"managed\" or \"data\"",
                    )
                })?;
                let i = (plan.nodes.len() + state_only.len()) as u32;
                state_only.push(Node {
                    address: r.address.to_string(),
                    deposed: key.1.map(str::to_string),
                    resource_type: r.resource_type.as_deref().unwrap_or_default().to_string(),
                    mode,
                    provider: r.provider_name.as_ref().map(|p| p.to_string()),
                    change: None,
                    source: None,
                });
                index.insert(key, i);
                i
            }
        };
        state_node_of.push(idx);
    }
    drop(index);
    plan.nodes.extend(state_only);
    find_move_candidates(&mut plan.nodes);

    // Only the depends_on lists of the state are still needed: keep them, free the rest of
    // the state (a 100k-resource state is ~15 MB of entries) and the node list's slack
    // before the edges are derived, which is where the peak memory is.
    let state_deps: Vec<(u32, Vec<u32>)> = state_resources
        .iter_mut()
        .zip(&state_node_of)
        .map(|(r, &i)| (i, std::mem::take(&mut r.depends_on.0)))
        .collect();
    drop(state_resources);
    raw.prior_state = None;
    plan.nodes.shrink_to_fit();

    // Drift: reported, never a change.
    for rc in raw.resource_drift.iter().flatten() {
        let address = rc
            .address
            .as_deref()
            .map(str::to_string)
            .or_else(|| rebuild_address(rc))
            .ok_or_else(|| {
                semantic_error(
                    src,
                    None,
                    "resource_drift",
                    "a resource_drift entry has neither an address nor type and name".into(),
                    "each drift entry needs `address` or `type`/`name`",
                )
            })?;
        let (action, _) = classify_actions(&rc.change.actions).ok_or_else(|| {
            unknown_action_error(src, &address, &rc.change.actions, "resource_drift")
        })?;
        plan.drift.push(Drift { address, action });
    }
    plan.drift.sort();

    // Edges: configuration references (A) and prior_state depends_on (B).
    let edges_input = graph_edges::EdgeInputs {
        nodes: &plan.nodes,
        configuration: raw.configuration.as_ref(),
        state: state_deps
            .iter()
            .map(|(i, deps)| (*i, deps.as_slice()))
            .collect(),
        depends_on_names,
        moves: &moves,
    };
    let derived = graph_edges::derive(edges_input);
    plan.edges = derived.edges;
    plan.notes.extend(derived.notes);

    // Root outputs.
    for (name, oc) in raw.output_changes.iter().flatten() {
        let (action, _) = classify_actions(&oc.actions)
            .filter(|(a, _)| {
                matches!(
                    a,
                    Action::Create | Action::Update | Action::Delete | Action::NoOp
                )
            })
            .ok_or_else(|| unknown_action_error(src, name, &oc.actions, "output_changes"))?;
        plan.outputs.push(OutputChange {
            name: name.to_string(),
            action,
            references: derived
                .output_refs
                .get(name.as_ref())
                .cloned()
                .unwrap_or_default(),
        });
    }

    // `plan.input.sha256` is left empty here: the caller fills it in once the hashing
    // thread is done (see `crate::analyze`), so the analysis does not wait for it.
    if raw.configuration.is_none() && !redacted {
        plan.notes.push(Note {
            kind: NoteKind::PartialGraph,
            address: None,
            message: "the plan has no `configuration`: dependency edges come only from \
                      prior_state depends_on"
                .into(),
        });
    }
    Ok(plan)
}

/// Flatten state modules (nesting depth is bounded by serde_json's recursion limit).
fn collect_state<'s, 'a>(
    m: &'s mut RawStateModule<'a>,
    out: &mut Vec<&'s mut RawStateResource<'a>>,
) {
    out.extend(m.resources.iter_mut());
    for c in &mut m.child_modules {
        collect_state(c, out);
    }
}

fn unknown_action_error(src: &Source, address: &str, actions: &[Str<'_>], field: &str) -> Error {
    let shown: Vec<&str> = actions.iter().map(|a| a.as_ref()).collect();
    let first_odd = shown
        .iter()
        .find(|a| {
            !matches!(
                **a,
                "no-op" | "create" | "read" | "update" | "delete" | "forget"
            )
        })
        .or(shown.first())
        .copied()
        .unwrap_or("actions");
    semantic_error(
        src,
        Some(address),
        first_odd,
        format!("{field} entry {address} has unknown actions {shown:?}"),
        "planguard knows no-op, create, read, update, delete, forget and the replace pairs \
         [delete,create], [create,delete], [create,forget], [forget,create]. An unknown action \
         could destroy something, so the plan is refused; upgrade planguard or report it.",
    )
}

/// Why a resource change could not become a node. `build` turns it into a located error
/// (the conversion runs inside deserialization, where the source text is not at hand).
enum Unreadable {
    NoAddress,
    Actions {
        address: String,
        actions: Vec<String>,
    },
    Mode {
        address: String,
        mode: String,
    },
}

fn unreadable_error(src: &Source, u: Unreadable) -> Error {
    match u {
        Unreadable::NoAddress => semantic_error(
            src,
            None,
            "resource_changes",
            "a resource_changes entry has no address".into(),
            "every resource change in `terraform show -json` output has an `address`",
        ),
        Unreadable::Actions { address, actions } => {
            let actions: Vec<Str<'_>> = actions.into_iter().map(Str::Owned).collect();
            unknown_action_error(src, &address, &actions, "resource_changes")
        }
        Unreadable::Mode { address, mode } => semantic_error(
            src,
            Some(&address),
            &mode,
            format!("resource change {address} has unknown mode {mode:?}"),
            "expected \"managed\", \"data\" or (OpenTofu) \"ephemeral\"",
        ),
    }
}

/// `resource_changes`, converted to nodes while they are read: the raw entries of a 100k
/// plan are never all held at once. After the first unreadable entry the rest are still
/// parsed (so syntax errors are found) but not converted.
#[derive(Default)]
struct ChangeNodes {
    nodes: Vec<Node>,
    first_error: Option<Unreadable>,
}

impl<'de> Deserialize<'de> for ChangeNodes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ChangeNodes;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of resource changes")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<ChangeNodes, A::Error> {
                let mut out = ChangeNodes::default();
                while let Some(rc) = seq.next_element::<RawResourceChange<'de>>()? {
                    if out.first_error.is_some() {
                        continue;
                    }
                    match change_node(&rc) {
                        Ok(n) => out.nodes.push(n),
                        Err(u) => out.first_error = Some(u),
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_seq(V)
    }
}

fn change_node(rc: &RawResourceChange<'_>) -> std::result::Result<Node, Unreadable> {
    let address = match rc.address.as_deref() {
        Some(a) => a.to_string(),
        None => rebuild_address(rc).ok_or(Unreadable::NoAddress)?,
    };
    let Some((action, replace_order)) = classify_actions(&rc.change.actions) else {
        return Err(Unreadable::Actions {
            actions: rc.change.actions.iter().map(|a| a.to_string()).collect(),
            address,
        });
    };
    let Some(mode) = parse_mode(rc.mode.as_deref()) else {
        return Err(Unreadable::Mode {
            mode: rc.mode.as_deref().unwrap_or_default().to_string(),
            address,
        });
    };
    let mut forced_by: Vec<String> = rc
        .change
        .replace_paths
        .iter()
        .flatten()
        .map(|p| render_path(p))
        .collect();
    forced_by.sort();
    forced_by.dedup();
    let resource_type = rc
        .resource_type
        .as_deref()
        .map(str::to_string)
        .or_else(|| {
            parse_instance(&address).map(|a| {
                let r = a.resource;
                let r = r.strip_prefix("data.").unwrap_or(&r).to_string();
                r.split('.').next().unwrap_or_default().to_string()
            })
        })
        .unwrap_or_default();
    Ok(Node {
        deposed: rc.deposed.as_ref().map(|d| d.to_string()),
        resource_type,
        mode,
        provider: rc.provider_name.as_ref().map(|p| p.to_string()),
        change: Some(Change {
            action,
            raw_actions: rc.change.actions.iter().map(|a| a.to_string()).collect(),
            replace_order,
            certainty: Default::default(),
            reasons: rc.action_reason.iter().map(|r| r.to_string()).collect(),
            forced_by,
            moved_from: rc
                .previous_address
                .as_ref()
                .filter(|p| p.as_ref() != address)
                .map(|p| p.to_string()),
            importing: rc.change.importing.is_some(),
            mitigation: None,
            move_candidate: None,
        }),
        address,
        source: None,
    })
}

/// Pair deletes with creates of the same type that look like the same object under a new
/// address: a missing `moved` block. Three shapes, tried in order, each create used once:
/// 1. `count` ↔ `for_each` (or none ↔ either): same config address, different key kind;
/// 2. module renamed or moved: same resource part and key, different module path;
/// 3. resource renamed: same module instance and key, and the only delete/create pair of
///    that type there.
fn find_move_candidates(nodes: &mut [Node]) {
    let is = |n: &Node, a: Action| {
        n.deposed.is_none() && n.mode == Mode::Managed && n.action() == Some(a)
    };
    let deletes: Vec<usize> = (0..nodes.len())
        .filter(|&i| is(&nodes[i], Action::Delete))
        .collect();
    let creates: Vec<usize> = (0..nodes.len())
        .filter(|&i| is(&nodes[i], Action::Create))
        .collect();
    if deletes.is_empty() || creates.is_empty() {
        return;
    }
    // Each address is parsed once and every shape is a hash lookup: a plan with tens of
    // thousands of deletes and creates must not cost their product.
    let parse_all = |list: &[usize]| -> Vec<(usize, InstanceAddr<'_>)> {
        list.iter()
            .filter_map(|&i| parse_instance(&nodes[i].address).map(|a| (i, a)))
            .collect()
    };
    let (dp, cp) = (parse_all(&deletes), parse_all(&creates));
    let key_kind = |k: Option<&str>| match k {
        None => 0u8,
        Some(k) if k.starts_with('"') => 2,
        Some(_) => 1,
    };
    let mut used = vec![false; nodes.len()];
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    // Shape 1: same config address, another kind of key (count ↔ for_each ↔ none).
    // Shape 2: same resource and key under another module path. Addresses are unique, so
    // a create in a shape-2 bucket never has the delete's own module path.
    type Buckets = HashMap<(String, String, String), std::collections::VecDeque<usize>>;
    let mut shape1: Buckets = HashMap::new();
    let mut shape2: Buckets = HashMap::new();
    for (c, a) in &cp {
        let ty = nodes[*c].resource_type.clone();
        shape1
            .entry((ty.clone(), a.config_address(), key_kind(a.key).to_string()))
            .or_default()
            .push_back(*c);
        shape2
            .entry((
                ty,
                a.resource.clone(),
                a.key.unwrap_or_default().to_string(),
            ))
            .or_default()
            .push_back(*c);
    }
    let take = |buckets: &mut Buckets, key: (String, String, String), used: &mut [bool]| {
        let q = buckets.get_mut(&key)?;
        while let Some(c) = q.pop_front() {
            if !used[c] {
                return Some(c);
            }
        }
        None
    };
    for (d, a) in &dp {
        let ty = &nodes[*d].resource_type;
        let kind = key_kind(a.key);
        let found = (0u8..3).filter(|k| *k != kind).find_map(|k| {
            take(
                &mut shape1,
                (ty.clone(), a.config_address(), k.to_string()),
                &mut used,
            )
        });
        if let Some(c) = found {
            used[*d] = true;
            used[c] = true;
            pairs.push((*d, c));
        }
    }
    for (d, a) in &dp {
        if used[*d] {
            continue;
        }
        let key = (
            nodes[*d].resource_type.clone(),
            a.resource.clone(),
            a.key.unwrap_or_default().to_string(),
        );
        if let Some(c) = take(&mut shape2, key, &mut used) {
            used[*d] = true;
            used[c] = true;
            pairs.push((*d, c));
        }
    }
    let parsed = |i: usize| parse_instance(&nodes[i].address);
    // Renames: exactly one unpaired delete and one unpaired create of a type in one module
    // instance, with the same key.
    let mut groups: HashMap<(String, String), (Vec<usize>, Vec<usize>)> = HashMap::new();
    for (list, is_delete) in [(&deletes, true), (&creates, false)] {
        for &i in list.iter().filter(|&&i| !used[i]) {
            if let Some(a) = parsed(i) {
                let g = groups
                    .entry((
                        a.module_instance_prefix(a.modules.len()),
                        nodes[i].resource_type.clone(),
                    ))
                    .or_default();
                if is_delete {
                    g.0.push(i)
                } else {
                    g.1.push(i)
                }
            }
        }
    }
    for (d, c) in groups.into_values() {
        if let ([d], [c]) = (d.as_slice(), c.as_slice()) {
            let same_key = parsed(*d).map(|a| a.key) == parsed(*c).map(|a| a.key);
            if same_key {
                pairs.push((*d, *c));
            }
        }
    }
    for (d, c) in pairs {
        let to = nodes[c].address.clone();
        if let Some(ch) = nodes[d].change.as_mut() {
            ch.move_candidate = Some(to);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parse with the prefetch done first (as on a second core), and say whether the
    /// section reader (not the fallback) produced the plan.
    fn parse_prefetched(src: &Source) -> (Result<Plan>, bool) {
        let prefetch = Prefetch::new(src);
        prefetch.run();
        let used = read_sections(src.text.as_str(), Some(&Prefetch::new(src))).is_some();
        (parse_with(src, Some(&prefetch)), used)
    }

    fn json_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                json_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }

    #[test]
    fn section_reader_agrees_with_whole_document_parse_on_every_fixture() {
        let mut files = Vec::new();
        json_files(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/terraform"),
            &mut files,
        );
        files.sort();
        let mut fast = 0;
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap();
            let src = Source::from_text(&f.display().to_string(), text);
            let whole = parse_whole_document(&src);
            let (sectioned, used) = parse_prefetched(&src);
            match (&whole, &sectioned) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{}", f.display()),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{}", f.display()),
                _ => panic!(
                    "{}: whole {:?} vs sectioned {:?}",
                    f.display(),
                    whole.is_ok(),
                    sectioned.is_ok()
                ),
            }
            // Every document the whole parse reads must take the section reader (it exists to
            // be fast on real plans), and nothing it refuses may.
            let json_ok =
                with_fresh_names(|| serde_json::from_str::<RawPlan<'_>>(&src.text).is_ok()).0;
            assert_eq!(used, json_ok, "{}", f.display());
            if used {
                fast += 1;
            }
        }
        assert!(
            fast > 100,
            "plans read by sections: {fast} of {}",
            files.len()
        );
    }

    const PLAN_TAIL: &str = r#""configuration":{"root_module":{"resources":[{"address":"aws_s3_bucket.b","mode":"managed","type":"aws_s3_bucket","name":"b","expressions":{"tags":{"constant_value":{"prior_state":{"values":null}}}}}]}}}"#;

    fn plan_with(prior_state: &str, tail: &str) -> Source {
        Source::from_text(
            "p.json",
            format!(
                r#"{{"format_version":"1.2","resource_changes":[{{"address":"aws_s3_bucket.b","mode":"managed","type":"aws_s3_bucket","name":"b","change":{{"actions":["delete","create"]}}}}],"prior_state":{prior_state},{tail}"#
            ),
        )
    }

    #[test]
    fn last_occurrence_finds_the_last_match_across_windows() {
        // Tiny windows (4, 8, 16, 16 …) put boundaries everywhere; compare with a naive
        // search for every position of one match and of two matches.
        let needle = b"\"ps\"";
        let naive = |hay: &[u8]| hay.windows(needle.len()).rposition(|w| w == needle);
        for len in [0, 3, 40, 100] {
            let mut cases = vec![vec![b'x'; len]];
            for a in 0..len.saturating_sub(needle.len() - 1) {
                let mut hay = vec![b'x'; len];
                hay[a..a + needle.len()].copy_from_slice(needle);
                cases.push(hay.clone());
                if a + 2 * needle.len() < len {
                    hay[len - needle.len()..].copy_from_slice(needle);
                    cases.push(hay);
                }
            }
            for hay in cases {
                assert_eq!(last_occurrence_in_windows(&hay, needle, 4, 16), naive(&hay));
            }
        }
        let mut hay = vec![b'x'; (8 << 20) * 2 + 100];
        let needle = b"\"prior_state\"";
        assert_eq!(last_occurrence(&hay, needle), None);
        for at in [
            0,
            5,
            (8 << 20) - 3,
            (8 << 20) + 7,
            hay.len() - (256 << 10) - 5,
        ] {
            hay[at..at + needle.len()].copy_from_slice(needle);
            assert_eq!(last_occurrence(&hay, needle), Some(at), "match at {at}");
        }
        assert_eq!(last_occurrence(b"ab", needle), None);
    }

    /// serde_json refuses values nested deeper than 128 levels, counted from where its
    /// parse starts: the section reader starts one level down, so it reads one level more
    /// (still fully parsed, so nothing is lost); deeper still, both refuse, with the
    /// whole-document message.
    #[test]
    fn sections_allow_one_more_level_of_nesting() {
        let plan = |depth: usize| {
            let nested = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
            Source::from_text(
                "p.json",
                format!(
                    r#"{{"format_version":"1.2","resource_changes":[{{"address":"a.b","mode":"managed","type":"a","name":"b","change":{{"actions":["no-op"]}},"index":{nested}}}]}}"#
                ),
            )
        };
        let both = |depth| {
            let (sections, whole) = parse_both_ways(&plan(depth));
            (sections.is_ok(), whole.map_err(|e| e.to_string()))
        };
        assert!(matches!(both(124), (true, Ok(_))));
        let (sections, whole) = both(125);
        assert!(sections);
        assert!(whole.unwrap_err().contains("recursion limit"));
        let src = plan(126);
        assert!(read_sections(&src.text, None).is_none());
        let (sections, whole) = parse_both_ways(&src);
        assert_eq!(
            sections.unwrap_err().to_string(),
            whole.unwrap_err().to_string()
        );
    }

    #[test]
    fn a_wrong_guess_at_prior_state_is_ignored() {
        let state = r#"{"values":{"root_module":{"resources":[{"address":"aws_s3_bucket.b","mode":"managed","type":"aws_s3_bucket","name":"b","depends_on":["aws_s3_bucket.c"]},{"address":"aws_s3_bucket.c","mode":"managed","type":"aws_s3_bucket","name":"c"}]}}}"#;
        // The last `"prior_state":` is a tag value inside configuration, not the section.
        let src = plan_with(state, PLAN_TAIL);
        let prefetch = Prefetch::new(&src);
        prefetch.run();
        let guessed = prefetch.slot().lock().unwrap().as_ref().unwrap().start;
        assert!(guessed > src.text.find(r#""configuration""#).unwrap());
        let (plan, used) = parse_prefetched(&src);
        assert!(used);
        let plan = plan.unwrap();
        assert_eq!(plan, parse_whole_document(&src).unwrap());
        assert_eq!(plan.nodes.len(), 2, "prior_state read from the right place");
        assert_eq!(plan.edges.len(), 1);
    }

    #[test]
    fn documents_the_whole_parse_refuses_are_refused_with_its_message() {
        let state = r#"{"values":null}"#;
        for (what, src) in [
            ("duplicate key", plan_with(state, r#""prior_state":null}"#)),
            ("trailing bytes", plan_with(state, r#""errored":false} x"#)),
            ("truncated", plan_with(state, r#""errored":false"#)),
            (
                "bad section",
                plan_with(r#"{"values":[1]}"#, r#""errored":false}"#),
            ),
            ("second document", plan_with(state, r#""errored":false}{}"#)),
        ] {
            assert!(read_sections(&src.text, None).is_none(), "{what}");
            let expected = parse_whole_document(&src).unwrap_err().to_string();
            let (got, _) = parse_prefetched(&src);
            assert_eq!(got.unwrap_err().to_string(), expected, "{what}");
        }
    }
}
