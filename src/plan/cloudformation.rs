//! AWS CloudFormation change sets (`aws cloudformation describe-change-set` output, JSON or
//! YAML) → neutral model, with the stack templates supplying the dependency graph.
//!
//! Format decisions (the format itself: `docs/cloudformation-format.md` in the shared folder):
//! * Every field is optional and `null` means absent, except the ones a change cannot be read
//!   without (`ResourceChange.Action`, `LogicalResourceId`, `ResourceType`). Unknown `Action`,
//!   `Replacement`, `PolicyAction` and `RequiresRecreation` words are errors pointing at the
//!   value (fail closed: a new AWS word may mean "destroy"). `ChangeSource`, `Evaluation` and
//!   `Attribute` only feed reason texts and are kept verbatim, known or not.
//!   `CreationTime` (CLI v1 wire form or v2 ISO 8601), `Parameters`, `BeforeContext`,
//!   `AfterContext`, `BeforeValue` and `AfterValue` are never read: the model holds no values,
//!   so NoEcho parameters and `{{resolve:…}}` secrets cannot leak through it.
//! * Actions: `Add` → create; `Modify` → update, or replace when `Replacement` is `True`
//!   (certain) or `Conditional` (certainty conditional); a `Modify` without `Replacement` takes
//!   the worst of its details (`Always`+`Static` → certain, `Always`+`Dynamic` or
//!   `Conditionally` → conditional). `Remove` → delete, `Import` → import (`importing`),
//!   `Dynamic` → dynamic. `SyncWithActual` (drift-aware change sets: only CloudFormation's
//!   record is reset) → dynamic, as the model defines: never assumed safe. `Replacement` on
//!   `Add` (an April–May 2025 AWS quirk) is ignored.
//! * Replacement order: CloudFormation creates the replacement first, repoints references,
//!   then deletes the old object → `create_before_delete`, except for the types whose
//!   registry schema says `replacementStrategy: delete_then_create` (the embedded
//!   replacement table) → `delete_before_create`.
//! * `raw_actions` = `[Action]`, plus `Replacement=<value>` for `Modify`.
//!   `reasons`: one text per distinct detail,
//!   `RequiresRecreation=<RR>: <Attribute>[.<Name or Path>] (<ChangeSource>[ <CausingEntity>], <Evaluation>)`
//!   (the `RequiresRecreation=…: ` prefix only when the detail has one), then
//!   `PolicyAction=<value>` when present. `forced_by`: `Properties.<Name>` (or the `Path`,
//!   dotted) of the details with `RequiresRecreation` `Always` or `Conditionally`, on replaces.
//! * `CausingEntity` `X` or `X.Attr` with `ChangeSource` `ResourceReference` /
//!   `ResourceAttribute` (or naming a known resource) is an edge to resource `X`
//!   (`cfn_causing_entity`); a parameter (`ParameterReference`) is not.
//! * Mitigation: `PolicyAction` `Retain`, `Snapshot`, `ReplaceAndRetain`, `ReplaceAndSnapshot`;
//!   when a change set has no `PolicyAction` (older API), the template's `DeletionPolicy`
//!   (deletes) or `UpdateReplacePolicy` (replaces) `Retain`/`RetainExceptOnCreate`/`Snapshot`.
//!   `PolicyAction` wins when both exist: it is what AWS will do.
//! * Pages: documents with the same `ChangeSetId` are pages of one change set; their `Changes`
//!   are concatenated. A page set without exactly one last page (no `NextToken`) is missing
//!   pages → `Incomplete`. The same file given twice (same SHA-256) counts once.
//! * Nested change sets (`--include-nested-stacks`): a child names its parent in
//!   `ParentChangeSetId`; the parent's `AWS::CloudFormation::Stack` change carries the child's
//!   `ChangeSetId`, whose `LogicalResourceId` becomes the address prefix (`Parent/Child/Res`).
//!   One [`Plan`] per root change set; the other files of its hierarchy are listed in an `Info`
//!   note with their SHA-256 (the plan's `input` is the root's first page).
//! * `Incomplete` (the analysis cannot be trusted to be complete): `Status` other than
//!   `CREATE_COMPLETE` (except `FAILED` with "didn't contain changes", which is an empty change
//!   set and gets an `Info` note); a `StatusReason` saying property values made the data
//!   incomplete (the `[WARN] --include-property-values` case); missing pages; a nested change
//!   set referenced but not given; a nested stack `Modify` in a change set made without
//!   `--include-nested-stacks` (the child's changes are invisible).
//! * Templates: see `match_templates` (below) and `cfn_template`. Without one, a `PartialGraph`
//!   note says the graph only has the change set's own `CausingEntity` hints.
//!   Templates are also looked for beside the change set file; that is the one place this
//!   parser reads files (a missing file is simply not there, an unreadable one is an error).

use crate::error::{Error, Located, Result};
use crate::model::{
    Action, Certainty, Change, EdgeSource, Incomplete, InputFormat, InputInfo, Note, NoteKind,
    Plan, ReplaceOrder,
};
use crate::plan::cfn_diff::replacement_strategy_deletes_first;
use crate::plan::cfn_template::{
    add_template_graph, parse_template_graph, GraphBuilder, PlacedStack, Reference, Template,
    UNKNOWN_TYPE,
};
use crate::plan::Source;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// A string of the document: borrowed from its text when it has no escapes, copied
/// otherwise. (`Option<Cow<str>>` fields never borrow with serde's derive, hence the type.)
#[derive(Debug, Clone, PartialEq, Eq)]
struct Str<'a>(Cow<'a, str>);

impl Str<'_> {
    fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Str<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::ops::Deref for Str<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                // As `String`'s, so messages stay the same.
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> std::result::Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: serde::de::Error>(
                self,
                v: String,
            ) -> std::result::Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v)))
            }
            fn visit_bytes<E: serde::de::Error>(
                self,
                v: &[u8],
            ) -> std::result::Result<Str<'de>, E> {
                match std::str::from_utf8(v) {
                    Ok(s) => Ok(Str(Cow::Owned(s.to_string()))),
                    Err(_) => Err(E::invalid_value(serde::de::Unexpected::Bytes(v), &self)),
                }
            }
            fn visit_byte_buf<E: serde::de::Error>(
                self,
                v: Vec<u8>,
            ) -> std::result::Result<Str<'de>, E> {
                self.visit_bytes(&v)
            }
        }
        d.deserialize_string(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawChangeSet<'a> {
    #[serde(borrow)]
    change_set_id: Option<Str<'a>>,
    #[serde(borrow)]
    stack_name: Option<Str<'a>>,
    #[serde(borrow)]
    status: Option<Str<'a>>,
    #[serde(borrow)]
    status_reason: Option<Str<'a>>,
    #[serde(borrow)]
    changes: Option<Vec<RawChange<'a>>>,
    #[serde(borrow)]
    next_token: Option<Str<'a>>,
    #[serde(borrow)]
    parent_change_set_id: Option<Str<'a>>,
    include_nested_stacks: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawChange<'a> {
    #[serde(rename = "Type", borrow)]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    resource_change: Option<RawResourceChange<'a>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawResourceChange<'a> {
    action: RawAction,
    #[serde(borrow)]
    logical_resource_id: Str<'a>,
    #[serde(borrow)]
    resource_type: Str<'a>,
    replacement: Option<RawReplacement>,
    policy_action: Option<RawPolicyAction>,
    #[serde(borrow, default, deserialize_with = "short_list")]
    details: Option<Vec<RawDetail<'a>>>,
    #[serde(borrow)]
    change_set_id: Option<Str<'a>>,
}

/// `Option<Vec<T>>` as serde reads it, but a list of one takes room for one: most changes
/// have one or two details, and a `Vec` grown by pushing starts with room for four.
fn short_list<'de, D, T>(d: D) -> std::result::Result<Option<Vec<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Seq<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Seq<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            // As `Vec`'s, so messages stay the same.
            f.write_str("a sequence")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> std::result::Result<Vec<T>, A::Error> {
            let Some(first) = seq.next_element()? else {
                return Ok(Vec::new());
            };
            let Some(second) = seq.next_element()? else {
                return Ok(vec![first]);
            };
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).clamp(2, 64) + 2);
            out.push(first);
            out.push(second);
            while let Some(x) = seq.next_element()? {
                out.push(x);
            }
            Ok(out)
        }
    }
    struct Opt<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Opt<T> {
        type Value = Option<Vec<T>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("option")
        }
        fn visit_none<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: serde::Deserializer<'de>>(
            self,
            d: D2,
        ) -> std::result::Result<Self::Value, D2::Error> {
            d.deserialize_seq(Seq(std::marker::PhantomData)).map(Some)
        }
    }
    d.deserialize_option(Opt(std::marker::PhantomData))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawDetail<'a> {
    #[serde(borrow)]
    target: Option<RawTarget<'a>>,
    #[serde(borrow)]
    evaluation: Option<Str<'a>>,
    #[serde(borrow)]
    change_source: Option<Str<'a>>,
    #[serde(borrow)]
    causing_entity: Option<Str<'a>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawTarget<'a> {
    #[serde(borrow)]
    attribute: Option<Str<'a>>,
    #[serde(borrow)]
    name: Option<Str<'a>>,
    requires_recreation: Option<RawRecreation>,
    #[serde(borrow)]
    path: Option<Str<'a>>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
enum RawAction {
    Add,
    Modify,
    Remove,
    Import,
    Dynamic,
    SyncWithActual,
}

impl RawAction {
    fn as_str(self) -> &'static str {
        match self {
            RawAction::Add => "Add",
            RawAction::Modify => "Modify",
            RawAction::Remove => "Remove",
            RawAction::Import => "Import",
            RawAction::Dynamic => "Dynamic",
            RawAction::SyncWithActual => "SyncWithActual",
        }
    }
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
enum RawReplacement {
    True,
    False,
    Conditional,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
enum RawPolicyAction {
    Delete,
    Retain,
    Snapshot,
    ReplaceAndDelete,
    ReplaceAndRetain,
    ReplaceAndSnapshot,
}

impl RawPolicyAction {
    fn as_str(self) -> &'static str {
        match self {
            RawPolicyAction::Delete => "Delete",
            RawPolicyAction::Retain => "Retain",
            RawPolicyAction::Snapshot => "Snapshot",
            RawPolicyAction::ReplaceAndDelete => "ReplaceAndDelete",
            RawPolicyAction::ReplaceAndRetain => "ReplaceAndRetain",
            RawPolicyAction::ReplaceAndSnapshot => "ReplaceAndSnapshot",
        }
    }
    fn mitigates(self) -> bool {
        !matches!(
            self,
            RawPolicyAction::Delete | RawPolicyAction::ReplaceAndDelete
        )
    }
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum RawRecreation {
    Never,
    Conditionally,
    Always,
}

impl RawRecreation {
    fn as_str(self) -> &'static str {
        match self {
            RawRecreation::Never => "Never",
            RawRecreation::Conditionally => "Conditionally",
            RawRecreation::Always => "Always",
        }
    }
}

const UNKNOWN_WORD_HELP: &str = "planguard fails closed on CloudFormation words it does not \
    know: a newer AWS API may have added one, and it could mean a resource is destroyed. \
    Check the value against `aws cloudformation describe-change-set help`; if it is real, \
    upgrade planguard or report it.";

fn parse_raw(src: &Source) -> Result<RawChangeSet<'_>> {
    let text = src.text.as_str();
    let parsed = if text.trim_start().starts_with('{') {
        serde_json::from_str::<RawChangeSet>(text).map_err(|e| {
            Error::input(
                src.error_at_line_col(
                    "planguard::input::cfn-changeset",
                    e.line(),
                    e.column(),
                    format!("cannot read this change set: {e}"),
                )
                .with_help(raw_help(&e.to_string())),
            )
        })?
    } else {
        // YAML has no closing bracket: a file cut off between two changes is still valid
        // YAML with fewer changes. The AWS CLI ends its output with a line break, so a
        // document without one was cut off mid-line (cuts exactly at a line end remain
        // undetectable; prefer `--output json`).
        if !text.ends_with('\n') {
            return Err(Error::input(
                src.error_at(
                    "planguard::input::cfn-changeset",
                    text.len(),
                    "this YAML change set does not end with a line break: it looks cut off",
                )
                .with_label("the document ends here")
                .with_help(
                    "`aws cloudformation describe-change-set --output yaml` ends with a line \
                     break; a file without one was truncated (disk full? killed step?). \
                     Describe the change set again, preferably with `--output json`, whose \
                     end is unambiguous.",
                ),
            ));
        }
        serde_yaml::from_str::<RawChangeSet>(text).map_err(|e| {
            let message = format!("cannot read this change set: {e}");
            let located = match e.location() {
                Some(l) => src.error_at_line_col(
                    "planguard::input::cfn-changeset",
                    l.line(),
                    l.column(),
                    message,
                ),
                None => Located::whole_file("planguard::input::cfn-changeset", &src.path, message),
            };
            Error::input(located.with_help(raw_help(&e.to_string())))
        })?
    };
    if parsed.changes.is_none() && parsed.status.is_none() {
        return Err(Error::input(
            Located::whole_file(
                "planguard::input::cfn-changeset",
                &src.path,
                "this looks like a change set but has neither `Changes` nor `Status`",
            )
            .with_help(
                "give the output of `aws cloudformation describe-change-set --change-set-name \
                 ARN --output json` (not `create-change-set`, which only prints the ARN).",
            ),
        ));
    }
    Ok(parsed)
}

fn raw_help(message: &str) -> String {
    if message.contains("unknown variant") {
        UNKNOWN_WORD_HELP.to_string()
    } else if message.contains("missing field") {
        "every `ResourceChange` needs `Action`, `LogicalResourceId` and `ResourceType`; was the \
         file edited or cut short?"
            .to_string()
    } else if message.contains("recursion limit") || message.contains("repetition limit") {
        "the document nests too deep or expands through YAML aliases; `describe-change-set` \
         output does neither."
            .to_string()
    } else {
        "expected `aws cloudformation describe-change-set` output (JSON or YAML).".to_string()
    }
}

/// One change set after merging its pages.
struct ChangeSetDoc<'s> {
    id: Option<String>,
    /// Pages in the order given; the first names the plan.
    sources: Vec<&'s Source>,
    stack_name: Option<String>,
    parent_id: Option<String>,
    include_nested: bool,
    /// The changes of each page (same index as `sources`), every one with a
    /// `ResourceChange`: see [`ChangeSetDoc::changes`].
    page_changes: Vec<Vec<RawChange<'s>>>,
    incomplete: Vec<Incomplete>,
    notes: Vec<Note>,
}

impl<'s> ChangeSetDoc<'s> {
    /// Every resource change with the index of its page, in page order.
    fn changes(&self) -> impl Iterator<Item = (usize, &RawResourceChange<'s>)> + '_ {
        self.page_changes
            .iter()
            .enumerate()
            .flat_map(|(page, changes)| {
                changes
                    .iter()
                    .filter_map(move |c| Some((page, c.resource_change.as_ref()?)))
            })
    }

    fn change_count(&self) -> usize {
        self.page_changes.iter().map(Vec::len).sum()
    }
}

/// Parse change sets given together (pages of one change set are merged; nested change sets
/// are linked to their parent) with the templates that describe their stacks. One plan per
/// root change set.
pub fn parse_change_sets(change_sets: &[&Source], templates: &[&Source]) -> Result<Vec<Plan>> {
    let mut plans = parse_change_sets_unhashed(change_sets, templates)?;
    for p in &mut plans {
        super::fill_hashes(std::slice::from_mut(&mut p.input), change_sets);
    }
    Ok(plans)
}

/// [`parse_change_sets`] leaving `input.sha256` empty for the caller to fill, so the parse
/// never waits for the second core's hash (see [`super::fill_hashes`]).
pub(crate) fn parse_change_sets_unhashed(
    change_sets: &[&Source],
    templates: &[&Source],
) -> Result<Vec<Plan>> {
    let docs = merge_pages(change_sets)?;

    // Templates: given ones first, then ones found beside the change set files.
    let mut template_sources: Vec<Source> = templates.iter().map(|s| (*s).clone()).collect();
    let mut beside_main: HashMap<usize, usize> = HashMap::new(); // doc index → template index
    for (di, doc) in docs.iter().enumerate() {
        for src in &doc.sources {
            let found = find_templates_beside(&src.path)?;
            for (k, t) in found.into_iter().enumerate() {
                let ti = match template_sources.iter().position(|x| x.path == t.path) {
                    Some(i) => i,
                    None => {
                        template_sources.push(t);
                        template_sources.len() - 1
                    }
                };
                if k == 0 {
                    beside_main.entry(di).or_insert(ti);
                }
            }
        }
    }
    let parsed_templates: Vec<Template> = template_sources
        .iter()
        .map(parse_template_graph)
        .collect::<Result<_>>()?;

    // Link children to parents.
    let index_by_id: HashMap<&str, usize> = docs
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.id.as_deref().map(|id| (id, i)))
        .collect();
    let mut parent_of: Vec<Option<usize>> = vec![None; docs.len()];
    for (i, d) in docs.iter().enumerate() {
        if let Some(p) = d.parent_id.as_deref().and_then(|p| index_by_id.get(p)) {
            if *p != i {
                parent_of[i] = Some(*p);
            }
        }
    }

    let mut claimed = vec![false; parsed_templates.len()];
    let mut plans = Vec::new();
    for (root, _) in docs
        .iter()
        .enumerate()
        .filter(|(i, _)| parent_of[*i].is_none())
    {
        plans.push(build_plan(
            root,
            &docs,
            &parent_of,
            &parsed_templates,
            &beside_main,
            &mut claimed,
        )?);
    }
    Ok(plans)
}

fn merge_pages<'s>(change_sets: &[&'s Source]) -> Result<Vec<ChangeSetDoc<'s>>> {
    let mut docs: Vec<ChangeSetDoc<'s>> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut seen_sha: HashSet<&str> = HashSet::new();
    let mut last_pages: Vec<usize> = Vec::new();
    for src in change_sets {
        // Only several files can repeat one; a single file's hash is left to the second core.
        if change_sets.len() > 1 && !seen_sha.insert(src.sha256()) {
            continue;
        }
        let raw = parse_raw(src)?;
        let di = match raw.change_set_id.as_deref().and_then(|id| by_id.get(id)) {
            Some(&di) => di,
            None => {
                if let Some(id) = raw.change_set_id.as_deref() {
                    by_id.insert(id.to_string(), docs.len());
                }
                docs.push(ChangeSetDoc {
                    id: raw.change_set_id.as_deref().map(str::to_string),
                    sources: Vec::new(),
                    stack_name: raw.stack_name.as_deref().map(str::to_string),
                    parent_id: raw.parent_change_set_id.as_deref().map(str::to_string),
                    include_nested: false,
                    page_changes: Vec::new(),
                    incomplete: Vec::new(),
                    notes: Vec::new(),
                });
                last_pages.push(0);
                docs.len() - 1
            }
        };
        let doc = &mut docs[di];
        let page = doc.sources.len();
        doc.sources.push(src);
        doc.include_nested |= raw.include_nested_stacks.unwrap_or(false);
        if raw.next_token.is_none() {
            last_pages[di] += 1;
        }
        status_findings(src, &raw, &mut doc.incomplete, &mut doc.notes);
        for (ci, change) in raw.changes.iter().flatten().enumerate() {
            match (change.kind.as_deref(), &change.resource_change) {
                (Some("Resource") | None, Some(_)) => {}
                (kind, _) => {
                    let kind = kind.unwrap_or("(none)");
                    return Err(Error::input(
                        src.error_at(
                            "planguard::input::cfn-changeset",
                            nth_offset(&src.text, "\"Type\"", ci).unwrap_or(0),
                            format!(
                                "change {} has Type `{kind}` and no ResourceChange planguard can read",
                                ci + 1
                            ),
                        )
                        .with_help(UNKNOWN_WORD_HELP),
                    ));
                }
            }
        }
        debug_assert_eq!(page, doc.page_changes.len());
        doc.page_changes.push(raw.changes.unwrap_or_default());
    }
    for (di, doc) in docs.iter_mut().enumerate() {
        if last_pages[di] != 1 {
            let message = if last_pages[di] == 0 {
                format!(
                    "{}: every page given has a NextToken, so at least the last page of this \
                     change set is missing",
                    doc.sources[0].path
                )
            } else {
                format!(
                    "{}: {} documents of this change set each claim to be the last page; \
                     pages may be missing or mixed",
                    doc.sources[0].path, last_pages[di]
                )
            };
            doc.incomplete.push(Incomplete {
                kind: "changeset_pages_missing".to_string(),
                message,
            });
        }
    }
    Ok(docs)
}

fn nth_offset(text: &str, needle: &str, n: usize) -> Option<usize> {
    text.match_indices(needle).nth(n).map(|(i, _)| i)
}

fn status_findings(
    src: &Source,
    raw: &RawChangeSet,
    incomplete: &mut Vec<Incomplete>,
    notes: &mut Vec<Note>,
) {
    let reason = raw.status_reason.as_deref().unwrap_or("");
    let short_reason: String = reason.chars().take(400).collect();
    match raw.status.as_deref() {
        Some("CREATE_COMPLETE") => {}
        Some("FAILED")
            if reason.contains("didn't contain changes")
                && raw.changes.as_ref().is_none_or(Vec::is_empty) =>
        {
            notes.push(Note {
                kind: NoteKind::Info,
                address: None,
                message: format!(
                    "{}: the change set is empty: CloudFormation found nothing to change",
                    src.path
                ),
            });
        }
        Some("FAILED") => incomplete.push(Incomplete {
            kind: "changeset_failed".to_string(),
            message: format!(
                "{}: the change set FAILED, so its changes are not known: {short_reason}",
                src.path
            ),
        }),
        Some(other) => incomplete.push(Incomplete {
            kind: "changeset_not_ready".to_string(),
            message: format!(
                "{}: change set Status is {other}, not CREATE_COMPLETE: its change list is not final",
                src.path
            ),
        }),
        None => incomplete.push(Incomplete {
            kind: "changeset_status_unknown".to_string(),
            message: format!(
                "{}: the change set has no Status, so it may not be complete",
                src.path
            ),
        }),
    }
    // A finished change set always lists its changes (an empty one FAILs instead), so
    // `Changes` missing or `null` means the list was lost: not "nothing changes".
    if raw.changes.is_none() && raw.status.as_deref() == Some("CREATE_COMPLETE") {
        incomplete.push(Incomplete {
            kind: "changeset_changes_missing".to_string(),
            message: format!(
                "{}: the change set is CREATE_COMPLETE but has no `Changes` list, so what it                  changes is unknown (was the file edited or cut?)",
                src.path
            ),
        });
    }
    let lowered = reason.to_ascii_lowercase();
    if lowered.contains("incomplete") || lowered.contains("truncat") || lowered.contains("dropped")
    {
        incomplete.push(Incomplete {
            kind: "changeset_incomplete_data".to_string(),
            message: format!(
                "{}: CloudFormation says the change set data may be incomplete: {short_reason} \
                 (describe it again without --include-property-values and give both files)",
                src.path
            ),
        });
    }
}

/// Templates beside a change set file, main one first: `<stem>.template.{json,yaml,yml}`,
/// `<stem>.template.after.*`; for fixture-style names `<base>--cs1[-props]` the
/// `<base>.template.before.*` and otherwise `<base>.template.after.*` (`<base>` = the stem
/// without its last `--part`); then `template.{yaml,yml,json}`. Other `<base>.template.*`
/// files (e.g. `.export-stack.yaml`) are returned after the main one as sibling stacks.
pub fn find_templates_beside(change_set_path: &str) -> Result<Vec<Source>> {
    if change_set_path == "-" {
        return Ok(Vec::new());
    }
    let path = Path::new(change_set_path);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    };
    let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
        return Ok(Vec::new());
    };
    let (base, stage) = match stem.rsplit_once("--") {
        Some((base, last)) if last == "cs1" || last == "cs1-props" => (base, "before"),
        Some((base, _)) => (base, "after"),
        None => (stem, "after"),
    };
    let exts = ["json", "yaml", "yml"];
    let mut main_names = Vec::new();
    for ext in exts {
        main_names.push(format!("{stem}.template.{ext}"));
    }
    for ext in exts {
        main_names.push(format!("{stem}.template.after.{ext}"));
    }
    for ext in exts {
        main_names.push(format!("{base}.template.{stage}.{ext}"));
    }
    for name in ["template.yaml", "template.yml", "template.json"] {
        main_names.push(name.to_string());
    }
    let mut out = Vec::new();
    for name in &main_names {
        if let Some(src) = read_if_exists(&dir.join(name))? {
            out.push(src);
            break;
        }
    }
    if out.is_empty() {
        return Ok(out);
    }
    // Sibling stacks of the fixture convention.
    let prefix = format!("{base}.template.");
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| {
                n.starts_with(&prefix)
                    && !n[prefix.len()..].starts_with("before.")
                    && !n[prefix.len()..].starts_with("after.")
                    && exts.iter().any(|e| n.ends_with(&format!(".{e}")))
            })
            .collect();
        names.sort();
        for n in names {
            if let Some(src) = read_if_exists(&dir.join(&n))? {
                if !out.iter().any(|s: &Source| s.path == src.path) {
                    out.push(src);
                }
            }
        }
    }
    Ok(out)
}

fn read_if_exists(path: &Path) -> Result<Option<Source>> {
    // Mapped like the inputs named on the command line: no heap copy of the template.
    match crate::plan::InputBytes::read_file(path) {
        Ok(bytes) => Ok(Some(Source::from_input(&path.to_string_lossy(), bytes)?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Io {
            path: path.to_string_lossy().into_owned(),
            source,
        }),
    }
}

/// A stack of the hierarchy being built.
struct StackSlot {
    prefix: String,
    doc: Option<usize>,
    template: Option<usize>,
    parent: Option<(usize, String)>,
}

/// Decide which template describes which stack:
/// * root: the template found beside its change set file; else a given template whose file
///   stem is the stack name; else the one template containing every resource the change set
///   adds or modifies; else the only template left;
/// * nested stack `L` of a parent: a template whose file name is the tail of `TemplateURL`
///   (or CDK's `aws:asset:path`), or whose file stem is `L`, or (with a child change set)
///   the one template containing all its added/modified resources;
/// * templates left over that export or import something are sibling stacks addressed
///   `<file-stem>::LogicalId` (for `Fn::ImportValue` edges); others are noted and ignored.
fn match_templates(
    root: usize,
    docs: &[ChangeSetDoc<'_>],
    parent_of: &[Option<usize>],
    templates: &[Template],
    beside_main: &HashMap<usize, usize>,
    claimed: &mut [bool],
) -> Vec<StackSlot> {
    let mut slots = vec![StackSlot {
        prefix: String::new(),
        doc: Some(root),
        template: None,
        parent: None,
    }];
    let root_template = beside_main
        .get(&root)
        .copied()
        .filter(|&t| !claimed[t])
        .or_else(|| {
            let stack = docs[root].stack_name.as_deref()?;
            unique(templates, claimed, |t| {
                stem_of(t.file_name()).eq_ignore_ascii_case(stack)
            })
        })
        .or_else(|| content_match(&docs[root], templates, claimed));
    if let Some(t) = root_template {
        claimed[t] = true;
        slots[0].template = Some(t);
    }

    // Walk down: nested stacks from templates and from change sets.
    let mut next = 0;
    while next < slots.len() {
        let si = next;
        next += 1;
        if slots[si].prefix.matches('/').count() > 32 {
            continue; // absurd nesting; the graph stays partial beyond it
        }
        let mut stack_ids: Vec<String> = Vec::new();
        if let Some(t) = slots[si].template {
            for r in &templates[t].resources {
                if r.resource_type == "AWS::CloudFormation::Stack" {
                    stack_ids.push(r.logical_id.clone());
                }
            }
        }
        if let Some(d) = slots[si].doc {
            for (_, rc) in docs[d].changes() {
                if rc.resource_type.as_str() == "AWS::CloudFormation::Stack"
                    && !stack_ids
                        .iter()
                        .any(|s| s == rc.logical_resource_id.as_str())
                {
                    stack_ids.push(rc.logical_resource_id.to_string());
                }
            }
        }
        for id in stack_ids {
            let child_doc = slots[si].doc.and_then(|d| {
                let arn = docs[d]
                    .changes()
                    .find(|(_, rc)| rc.logical_resource_id.as_str() == id)
                    .and_then(|(_, rc)| rc.change_set_id.as_deref())?;
                docs.iter()
                    .enumerate()
                    .find(|(ci, c)| parent_of[*ci] == Some(d) && c.id.as_deref() == Some(arn))
                    .map(|(ci, _)| ci)
            });
            let hints: Vec<String> = slots[si]
                .template
                .and_then(|t| templates[t].resource(&id))
                .map(|r| r.template_file_hints.clone())
                .unwrap_or_default();
            let child_template = child_doc
                .and_then(|c| beside_main.get(&c).copied().filter(|&t| !claimed[t]))
                .or_else(|| {
                    unique(templates, claimed, |t| {
                        hints.iter().any(|h| {
                            h.eq_ignore_ascii_case(t.file_name())
                                || stem_of(h).eq_ignore_ascii_case(stem_of(t.file_name()))
                        })
                    })
                })
                .or_else(|| {
                    unique(templates, claimed, |t| {
                        stem_of(t.file_name()).eq_ignore_ascii_case(&id)
                    })
                })
                .or_else(|| child_doc.and_then(|c| content_match(&docs[c], templates, claimed)));
            if let Some(t) = child_template {
                claimed[t] = true;
            }
            let prefix = format!("{}{}/", slots[si].prefix, id);
            slots.push(StackSlot {
                prefix,
                doc: child_doc,
                template: child_template,
                parent: Some((si, id)),
            });
        }
    }

    // Children whose parent's change does not name them: keep them, addressed by stack name.
    for (ci, _) in docs.iter().enumerate() {
        if slots.iter().any(|s| s.doc == Some(ci)) || !is_descendant(ci, root, parent_of) {
            continue;
        }
        let name = docs[ci]
            .stack_name
            .clone()
            .unwrap_or_else(|| format!("stack{ci}"));
        slots.push(StackSlot {
            prefix: format!("{name}/"),
            doc: Some(ci),
            template: None,
            parent: None,
        });
    }

    if slots[0].template.is_none() {
        let left: Vec<usize> = (0..templates.len()).filter(|&t| !claimed[t]).collect();
        if left.len() == 1 {
            claimed[left[0]] = true;
            slots[0].template = Some(left[0]);
        }
    }
    slots
}

fn is_descendant(mut i: usize, root: usize, parent_of: &[Option<usize>]) -> bool {
    for _ in 0..=parent_of.len() {
        match parent_of[i] {
            Some(p) if p == root => return true,
            Some(p) => i = p,
            None => return false,
        }
    }
    false
}

fn stem_of(file: &str) -> &str {
    file.split('.').next().unwrap_or(file)
}

fn unique(
    templates: &[Template],
    claimed: &[bool],
    pred: impl Fn(&Template) -> bool,
) -> Option<usize> {
    let mut found = None;
    for (i, t) in templates.iter().enumerate() {
        if !claimed[i] && pred(t) {
            if found.is_some() {
                return None;
            }
            found = Some(i);
        }
    }
    found
}

/// The one unclaimed template holding every resource the change set adds or modifies.
fn content_match(
    doc: &ChangeSetDoc<'_>,
    templates: &[Template],
    claimed: &[bool],
) -> Option<usize> {
    let ids: Vec<&str> = doc
        .changes()
        .filter(|(_, rc)| rc.action != RawAction::Remove)
        .map(|(_, rc)| rc.logical_resource_id.as_str())
        .collect();
    if ids.is_empty() {
        return None;
    }
    unique(templates, claimed, |t| {
        ids.iter().all(|id| t.resource(id).is_some())
    })
}

fn build_plan(
    root: usize,
    docs: &[ChangeSetDoc<'_>],
    parent_of: &[Option<usize>],
    templates: &[Template],
    beside_main: &HashMap<usize, usize>,
    claimed: &mut [bool],
) -> Result<Plan> {
    let root_src = docs[root].sources[0];
    let mut plan = Plan::new(InputInfo {
        path: root_src.path.clone(),
        format: InputFormat::CloudformationChangeset,
        format_version: None,
        tool_version: None,
        sha256: String::new(), // see parse_change_sets_unhashed
    });
    let slots = match_templates(root, docs, parent_of, templates, beside_main, claimed);

    // Sibling stacks: leftover templates linked by Export/ImportValue to a placed one.
    let mut placed: Vec<PlacedStack<'_>> = slots
        .iter()
        .map(|s| PlacedStack {
            prefix: s.prefix.clone(),
            template: s.template.map(|t| &templates[t]),
            parent: s.parent.clone(),
        })
        .collect();
    for (ti, t) in templates.iter().enumerate() {
        if claimed[ti] {
            continue;
        }
        let linked = placed
            .iter()
            .filter_map(|p| p.template)
            .any(|p| imports_from(t, p) || imports_from(p, t));
        if linked {
            claimed[ti] = true;
            placed.push(PlacedStack {
                prefix: format!("{}::", stem_of(t.file_name())),
                template: Some(t),
                parent: None,
            });
            plan.notes.push(Note {
                kind: NoteKind::Info,
                address: None,
                message: format!(
                    "template {} is another stack linked by Export/ImportValue; its resources \
                     are addressed `{}::LogicalId`",
                    t.path,
                    stem_of(t.file_name())
                ),
            });
        }
    }

    let mut builder = GraphBuilder::default();
    add_template_graph(&mut builder, &placed);

    // A nested stack's change set given without its parent: the parent stacks (which read
    // this stack's outputs) are not in the graph, even with this stack's template.
    if let Some(parent) = docs[root].parent_id.as_deref() {
        plan.notes.push(Note {
            kind: NoteKind::PartialGraph,
            address: None,
            message: format!(
                "change set {} is a nested stack's (ParentChangeSetId {parent}) and its parent \
                 change set was not given: resources of the parent stacks that read this \
                 stack's outputs are not in the blast radius. Pass the root change set and \
                 every nested one, with their templates.",
                root_src.path
            ),
        });
    }

    for slot in &slots {
        if let Some(t) = slot.template {
            if templates[t].transformed {
                plan.notes.push(Note {
                    kind: NoteKind::PartialGraph,
                    address: none_if_empty(&slot.prefix),
                    message: format!(
                        "template {} uses a Transform or Fn::ForEach: CloudFormation rewrites \
                         it, so resources and edges may be missing; give the processed \
                         template (`get-template --template-stage Processed`)",
                        templates[t].path
                    ),
                });
            }
        }
        let Some(d) = slot.doc else { continue };
        let doc = &docs[d];
        if slot.template.is_none() {
            plan.notes.push(Note {
                kind: NoteKind::PartialGraph,
                address: none_if_empty(&slot.prefix),
                message: format!(
                    "no template for the stack of change set {}: the graph only has the change \
                     set's own hints (CausingEntity); resources that depend on a change only \
                     through DependsOn or another stack are not seen. Pass the template with \
                     --template.",
                    doc.sources[0].path
                ),
            });
        }
        add_changes(&mut plan, &mut builder, slot, doc, templates, docs)?;
        // Resources of a nested change set depend on their stack resource.
        if let Some((pi, id)) = &slot.parent {
            let stack = builder.node_at(&slots[*pi].prefix, id, "AWS::CloudFormation::Stack");
            for (_, rc) in doc.changes() {
                if let Some(n) = builder.find_at(&slot.prefix, &rc.logical_resource_id) {
                    builder.edge(n, stack, EdgeSource::CfnNestedStack);
                }
            }
        }
        plan.incomplete.extend(doc.incomplete.iter().cloned());
        plan.notes.extend(doc.notes.iter().cloned());
    }

    let others: Vec<String> = slots
        .iter()
        .filter_map(|s| s.doc)
        .flat_map(|d| docs[d].sources.iter())
        .filter(|s| s.path != root_src.path)
        .map(|s| format!("{} (sha256 {})", s.path, s.sha256()))
        .collect();
    if !others.is_empty() {
        plan.notes.push(Note {
            kind: NoteKind::Info,
            address: None,
            message: format!("this change set also read: {}", others.join(", ")),
        });
    }
    builder.finish_into(&mut plan);
    plan.notes.sort();
    plan.notes.dedup();
    plan.incomplete.sort();
    plan.incomplete.dedup();
    Ok(plan)
}

fn none_if_empty(prefix: &str) -> Option<String> {
    let p = prefix.trim_end_matches('/');
    (!p.is_empty()).then(|| p.to_string())
}

/// Does `importer` import a name `exporter` could export?
fn imports_from(importer: &Template, exporter: &Template) -> bool {
    let exports: Vec<_> = exporter
        .outputs
        .iter()
        .filter_map(|o| o.export.as_ref())
        .collect();
    if exports.is_empty() {
        return false;
    }
    let refs = importer
        .resources
        .iter()
        .flat_map(|r| r.references.iter())
        .chain(importer.outputs.iter().flat_map(|o| o.references.iter()));
    for r in refs {
        if let Reference::Import(name) = r {
            if exports.iter().any(|e| e.could_equal(name)) {
                return true;
            }
        }
    }
    false
}

fn add_changes(
    plan: &mut Plan,
    builder: &mut GraphBuilder,
    slot: &StackSlot,
    doc: &ChangeSetDoc<'_>,
    templates: &[Template],
    docs: &[ChangeSetDoc<'_>],
) -> Result<()> {
    let template = slot.template.map(|t| &templates[t]);
    // The logical IDs of this change set: only needed for a `CausingEntity` that is neither
    // a resource reference nor a template resource, so built on first use.
    let mut in_change_set: Option<HashSet<&str>> = None;
    // The action each node of this change set got, by node index: `prefix + id` is one node
    // per logical ID, so a node seen twice is a logical ID listed twice.
    let mut done: Vec<Option<RawAction>> = Vec::new();
    // Room for the changes that are not template resources (those have their node).
    builder.reserve(match template {
        Some(t) => doc
            .changes()
            .filter(|(_, rc)| t.resource_index(&rc.logical_resource_id).is_none())
            .count(),
        None => doc.change_count(),
    });
    for (page, rc) in doc.changes() {
        let src = doc.sources[page];
        let id = rc.logical_resource_id.as_str();
        let node = builder.node_untyped(&slot.prefix, id, &rc.resource_type);
        let ni = node as usize;
        if done.len() <= ni {
            done.resize(builder.nodes.len().max(ni + 1), None);
        }
        if let Some(prev) = done[ni].replace(rc.action) {
            if prev == rc.action {
                continue; // the same change twice (overlapping pages): count it once
            }
            return Err(Error::input(
                src.error_at(
                    "planguard::input::cfn-changeset",
                    src.text.find(id).unwrap_or(0),
                    format!(
                        "`{id}` has two different changes ({} and {})",
                        prev.as_str(),
                        rc.action.as_str()
                    ),
                )
                .with_help(
                    "a change set lists each logical ID once; were pages of different change \
                     sets with the same ChangeSetId mixed?",
                ),
            ));
        }
        builder.refine_type(node, &rc.resource_type);
        let change = convert_change(rc, template);
        builder.nodes[ni].change = Some(change);

        for detail in rc.details.iter().flatten() {
            let Some(entity) = detail.causing_entity.as_deref() else {
                continue;
            };
            let target = entity.split('.').next().unwrap_or(entity);
            let names_resource = matches!(
                detail.change_source.as_deref(),
                Some("ResourceReference" | "ResourceAttribute")
            );
            let known = template.and_then(|t| t.resource(target));
            if names_resource
                || known.is_some()
                || in_change_set
                    .get_or_insert_with(|| {
                        doc.changes()
                            .map(|(_, rc)| rc.logical_resource_id.as_str())
                            .collect()
                    })
                    .contains(target)
            {
                let ty = known.map_or(UNKNOWN_TYPE, |r| r.resource_type.as_str());
                let to = builder.node_at(&slot.prefix, target, ty);
                builder.edge(node, to, EdgeSource::CfnCausingEntity);
            }
        }

        if rc.resource_type.as_str() == "AWS::CloudFormation::Stack"
            && rc.action == RawAction::Modify
        {
            let address = &builder.nodes[ni].address;
            match rc.change_set_id.as_deref() {
                Some(arn) if !docs.iter().any(|d| d.id.as_deref() == Some(arn)) => {
                    plan.incomplete.push(Incomplete {
                        kind: "nested_changeset_missing".to_string(),
                        message: format!(
                            "{}: nested stack {address} has its own change set {arn}, which \
                             was not given: its changes are unknown (describe it and pass it too)",
                            src.path
                        ),
                    });
                }
                None if !doc.include_nested => plan.incomplete.push(Incomplete {
                    kind: "nested_changes_hidden".to_string(),
                    message: format!(
                        "{}: nested stack {address} changes, but the change set was created \
                         without --include-nested-stacks, so what changes inside it is \
                         unknown",
                        src.path
                    ),
                }),
                _ => {}
            }
        }
    }
    Ok(())
}

fn convert_change(rc: &RawResourceChange, template: Option<&Template>) -> Change {
    let details = rc.details.as_deref().unwrap_or(&[]);
    let (action, certainty) = match rc.action {
        RawAction::Add => (Action::Create, Certainty::Certain),
        RawAction::Remove => (Action::Delete, Certainty::Certain),
        RawAction::Import => (Action::Import, Certainty::Certain),
        RawAction::Dynamic | RawAction::SyncWithActual => (Action::Dynamic, Certainty::Certain),
        RawAction::Modify => match rc.replacement {
            Some(RawReplacement::True) => (Action::Replace, Certainty::Certain),
            Some(RawReplacement::Conditional) => (Action::Replace, Certainty::Conditional),
            Some(RawReplacement::False) => (Action::Update, Certainty::Certain),
            None => replacement_from_details(details),
        },
    };
    // Every list is allocated at its final length: a plan holds one per change.
    let replacement_word = match (rc.action, rc.replacement) {
        (RawAction::Modify, Some(RawReplacement::True)) => Some("Replacement=True"),
        (RawAction::Modify, Some(RawReplacement::False)) => Some("Replacement=False"),
        (RawAction::Modify, Some(RawReplacement::Conditional)) => Some("Replacement=Conditional"),
        _ => None,
    };
    let mut raw_actions = Vec::with_capacity(1 + usize::from(replacement_word.is_some()));
    raw_actions.push(rc.action.as_str().to_string());
    raw_actions.extend(replacement_word.map(str::to_string));
    let forces = |d: &&RawDetail| {
        action == Action::Replace
            && d.target.as_ref().is_some_and(|t| {
                matches!(
                    t.requires_recreation,
                    Some(RawRecreation::Always | RawRecreation::Conditionally)
                )
            })
    };
    let mut reasons: Vec<String> =
        Vec::with_capacity(details.len() + usize::from(rc.policy_action.is_some()));
    let mut forced_by: Vec<String> = Vec::with_capacity(details.iter().filter(forces).count());
    let mut text = String::new();
    for d in details {
        text.clear();
        write_detail_text(d, &mut text);
        if !reasons.contains(&text) {
            reasons.push(text.as_str().to_string());
        }
        if forces(&d) {
            if let Some(path) = d.target.as_ref().and_then(target_path) {
                forced_by.push(path);
            }
        }
    }
    if let Some(p) = rc.policy_action {
        reasons.push(format!("PolicyAction={}", p.as_str()));
    }
    forced_by.sort();
    forced_by.dedup();

    let replace_order = (action == Action::Replace).then(|| {
        if replacement_strategy_deletes_first(&rc.resource_type) {
            ReplaceOrder::DeleteBeforeCreate
        } else {
            ReplaceOrder::CreateBeforeDelete
        }
    });
    let mitigation = match rc.policy_action {
        Some(p) if p.mitigates() => Some(format!("PolicyAction: {}", p.as_str())),
        Some(_) => None,
        None => template
            .and_then(|t| t.resource(&rc.logical_resource_id))
            .and_then(|r| match action {
                Action::Delete => policy_mitigation("DeletionPolicy", r.deletion_policy.as_deref()),
                Action::Replace => {
                    policy_mitigation("UpdateReplacePolicy", r.update_replace_policy.as_deref())
                }
                _ => None,
            }),
    };
    Change {
        action,
        raw_actions,
        replace_order,
        certainty,
        reasons,
        forced_by,
        moved_from: None,
        importing: rc.action == RawAction::Import,
        mitigation,
        move_candidate: None,
    }
}

/// `Retain`, `RetainExceptOnCreate` and `Snapshot` keep the data; `Delete` does not.
pub(crate) fn policy_mitigation(attribute: &str, value: Option<&str>) -> Option<String> {
    match value? {
        v @ ("Retain" | "RetainExceptOnCreate" | "Snapshot") => {
            Some(format!("{attribute}: {v} (template)"))
        }
        _ => None,
    }
}

fn replacement_from_details(details: &[RawDetail]) -> (Action, Certainty) {
    let mut result = (Action::Update, Certainty::Certain);
    for d in details {
        let rr = d.target.as_ref().and_then(|t| t.requires_recreation);
        let stat = d.evaluation.as_deref() == Some("Static");
        match rr {
            Some(RawRecreation::Always) if stat => return (Action::Replace, Certainty::Certain),
            Some(RawRecreation::Always | RawRecreation::Conditionally) => {
                result = (Action::Replace, Certainty::Conditional)
            }
            _ => {}
        }
    }
    result
}

/// `Properties.BucketName`, `Properties.A.B` (from `Path`), or the bare attribute.
fn target_path(t: &RawTarget) -> Option<String> {
    let mut s = String::new();
    write_target_path(t, &mut s).then_some(s)
}

/// Append [`target_path`] to `out`; false (and nothing appended) when there is none.
fn write_target_path(t: &RawTarget, out: &mut String) -> bool {
    if let Some(p) = t.path.as_deref() {
        let mut any = false;
        for part in p.split('/').filter(|s| !s.is_empty()) {
            if any {
                out.push('.');
            }
            out.push_str(part);
            any = true;
        }
        if any {
            return true;
        }
    }
    let Some(attr) = t.attribute.as_deref() else {
        return false;
    };
    out.push_str(attr);
    if let Some(n) = t.name.as_deref() {
        out.push('.');
        out.push_str(n);
    }
    true
}

/// Append the reason text of detail `d` to `s`.
fn write_detail_text(d: &RawDetail, s: &mut String) {
    let target = d.target.as_ref();
    if let Some(rr) = target.and_then(|t| t.requires_recreation) {
        s.push_str("RequiresRecreation=");
        s.push_str(rr.as_str());
        s.push_str(": ");
    }
    if !target.is_some_and(|t| write_target_path(t, s)) {
        s.push('-');
    }
    s.push_str(" (");
    s.push_str(d.change_source.as_deref().unwrap_or("-"));
    if let Some(e) = &d.causing_entity {
        s.push(' ');
        s.push_str(e);
    }
    s.push_str(", ");
    s.push_str(d.evaluation.as_deref().unwrap_or("-"));
    s.push(')');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Result<Plan> {
        let src = Source::from_text("-", text);
        let mut plans = parse_change_sets(&[&src], &[])?;
        Ok(plans.remove(0))
    }

    #[test]
    fn unknown_action_fails_closed_with_location() {
        let text = r#"{"ChangeSetId": "x", "Status": "CREATE_COMPLETE", "Changes": [
  {"Type": "Resource", "ResourceChange": {"Action": "Obliterate", "LogicalResourceId": "A",
   "ResourceType": "AWS::S3::Bucket"}}]}"#;
        let err = one(text).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("Obliterate"), "{err}");
        assert!(err.contains("-:2:"), "{err}");
    }

    #[test]
    fn unknown_replacement_fails_closed() {
        let text = r#"{"ChangeSetId": "x", "Status": "CREATE_COMPLETE", "Changes": [
  {"Type": "Resource", "ResourceChange": {"Action": "Modify", "LogicalResourceId": "A",
   "ResourceType": "AWS::S3::Bucket", "Replacement": "Maybe"}}]}"#;
        assert!(one(text).is_err());
    }

    #[test]
    fn modify_without_replacement_uses_details() {
        let text = r#"{"ChangeSetId": "x", "Status": "CREATE_COMPLETE", "Changes": [
  {"Type": "Resource", "ResourceChange": {"Action": "Modify", "LogicalResourceId": "A",
   "ResourceType": "AWS::S3::Bucket", "Details": [{"Target": {"Attribute": "Properties",
   "Name": "BucketName", "RequiresRecreation": "Always"}, "Evaluation": "Dynamic",
   "ChangeSource": "DirectModification"}]}}]}"#;
        let plan = one(text)
            .map_err(|e| e.to_string())
            .unwrap_or_else(|e| panic!("{e}"));
        let c = plan.nodes[0].change.clone().unwrap_or_default();
        assert_eq!(c.action, Action::Replace);
        assert_eq!(c.certainty, Certainty::Conditional);
        assert_eq!(c.forced_by, vec!["Properties.BucketName".to_string()]);
        assert_eq!(
            c.reasons,
            vec!["RequiresRecreation=Always: Properties.BucketName (DirectModification, Dynamic)"]
        );
    }
}

#[cfg(test)]
mod yaml_scalar_tests {
    use super::*;

    /// CLI YAML output quotes `'True'`; a hand-written unquoted `True` must read the same.
    #[test]
    fn unquoted_true_reads_as_the_word() {
        let yaml = "ChangeSetId: x\nStatus: CREATE_COMPLETE\nChanges:\n- Type: Resource\n  \
            ResourceChange:\n    Action: Modify\n    LogicalResourceId: A\n    \
            ResourceType: AWS::S3::Bucket\n    Replacement: True\n";
        let src = Source::from_text("cs.yaml", yaml);
        let plans = parse_change_sets(&[&src], &[]).map_err(|e| format!("{e:?}"));
        let action = plans.as_ref().ok().and_then(|p| p[0].nodes[0].action());
        assert_eq!(action, Some(Action::Replace), "{plans:?}");
    }
}
