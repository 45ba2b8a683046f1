//! CloudFormation templates (JSON, or YAML with short tags) → resources, dependency edges and
//! deletion policies.
//!
//! A change set lists what changes, but not what merely *depends* on a change (`DependsOn`
//! dependents are never listed, cross-stack importers live in other stacks). The template
//! fills that gap: every resource becomes a graph node, changing or not.
//!
//! Format decisions:
//! * Both syntaxes are read into one small tree, [`TValue`], with every YAML short tag
//!   (`!Ref`, `!GetAtt`, `!Sub` …) rewritten to its long form (`{"Ref": …}`,
//!   `{"Fn::GetAtt": …}`), so there is exactly one reference walker. A YAML template whose tags
//!   were lost would silently lose its edges; a test asserts a `!Ref` yields an edge.
//!   An unknown tag is an error: CloudFormation would refuse the template too.
//! * Edges (dependent → dependency) come from `Ref`, both `Fn::GetAtt` forms, every `${Name}`
//!   and `${Name.Attr}` of the `Fn::Sub` forms (`${!Literal}` is an escape; names defined in
//!   the `Fn::Sub` variable map shadow template names), and `DependsOn` (string or list),
//!   found in `Properties`, `Metadata`, `UpdatePolicy` and `CreationPolicy`. Names that are
//!   not resources (parameters, pseudo parameters, conditions) produce no edge: the model holds
//!   only resources. Both `Fn::If` branches count: either may be taken.
//! * `Fn::GetAtt Child.Outputs.X` of an `AWS::CloudFormation::Stack` resource is an edge to
//!   the stack node and, when the child template is known, to what its output `X` references.
//!   Resources of a nested stack depend on their stack resource (removing the stack removes
//!   them).
//! * `Fn::ImportValue` names and `Outputs.*.Export.Name` are evaluated symbolically: literal
//!   text is kept, anything only known at deploy time (`${AWS::StackName}`, parameters) is a
//!   wildcard. An import is linked to every export of another template whose name *could* be
//!   equal. This over-approximates on purpose: a missing dependent is worse than an extra one.
//! * YAML anchors/aliases are not CloudFormation YAML. serde_yaml refuses alias bombs past its
//!   repetition limit; we also refuse any document whose tree has more nodes than the file has
//!   bytes (only aliases can do that) and nesting deeper than [`MAX_DEPTH`]. serde_json and
//!   serde_yaml stop at 128 levels themselves; both limits end in a located error, never a
//!   stack overflow.
//! * Templates are internal inputs: their values never reach the model, only names.

use crate::error::{Error, Located, Result};
use crate::id_hash::IdMap;
use crate::model::{Edge, EdgeSource, Node, Plan};
use crate::plan::Source;
use std::collections::{HashMap, HashSet};

/// Deepest nesting accepted in a template. Real templates stay below 20.
pub const MAX_DEPTH: usize = 256;

/// A template value; YAML short tags are already rewritten to the long form.
///
/// Text is `String`; the change-set reader, which drops each value once its references
/// are collected, reads JSON with `Cow<str>` text borrowed from the document instead.
#[derive(Debug, Clone, PartialEq)]
pub enum TValue<S = String> {
    Null,
    Bool(bool),
    /// Kept as text: CloudFormation compares most property values as strings.
    Number(S),
    String(S),
    List(Vec<TValue<S>>),
    /// Key order as written.
    Map(Vec<(S, TValue<S>)>),
}

impl<S: AsRef<str>> TValue<S> {
    pub fn get(&self, key: &str) -> Option<&TValue<S>> {
        match self {
            TValue::Map(m) => m.iter().find(|(k, _)| k.as_ref() == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            TValue::String(s) => Some(s.as_ref()),
            _ => None,
        }
    }

    /// The single `(key, value)` of a one-entry map: how intrinsic functions look.
    fn intrinsic(&self) -> Option<(&str, &TValue<S>)> {
        match self {
            TValue::Map(m) if m.len() == 1 => Some((m[0].0.as_ref(), &m[0].1)),
            _ => None,
        }
    }
}

/// The text type of a [`TValue`] as read from a document: `String`, or `Cow<str>` borrowing
/// from the document where it has no escapes.
pub trait TextOf<'de>: AsRef<str> + Eq + std::hash::Hash + Clone + Sized {
    fn borrowed(s: &'de str) -> Self;
    fn copied(s: &str) -> Self;
    fn owned(s: String) -> Self;
    fn into_string(self) -> String;
    /// The same tree with `String` text (free for `String`).
    fn owned_tree(v: TValue<Self>) -> TValue<String>;
}

impl<'de> TextOf<'de> for String {
    fn borrowed(s: &'de str) -> Self {
        s.to_string()
    }
    fn copied(s: &str) -> Self {
        s.to_string()
    }
    fn owned(s: String) -> Self {
        s
    }
    fn into_string(self) -> String {
        self
    }
    fn owned_tree(v: TValue<String>) -> TValue<String> {
        v
    }
}

impl<'de> TextOf<'de> for std::borrow::Cow<'de, str> {
    fn borrowed(s: &'de str) -> Self {
        std::borrow::Cow::Borrowed(s)
    }
    fn copied(s: &str) -> Self {
        std::borrow::Cow::Owned(s.to_string())
    }
    fn owned(s: String) -> Self {
        std::borrow::Cow::Owned(s)
    }
    fn into_string(self) -> String {
        self.into_owned()
    }
    fn owned_tree(v: TValue<Self>) -> TValue<String> {
        match v {
            TValue::Null => TValue::Null,
            TValue::Bool(b) => TValue::Bool(b),
            TValue::Number(n) => TValue::Number(n.into_owned()),
            TValue::String(s) => TValue::String(s.into_owned()),
            TValue::List(l) => TValue::List(l.into_iter().map(Self::owned_tree).collect()),
            TValue::Map(m) => TValue::Map(
                m.into_iter()
                    .map(|(k, v)| (k.into_owned(), Self::owned_tree(v)))
                    .collect(),
            ),
        }
    }
}

/// What a resource or output refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Reference {
    /// `Ref`, `Fn::GetAtt`, `Fn::Sub`, `DependsOn` to a name of the same template (resource or
    /// not: filtered when the graph is built).
    Name { target: String, source: EdgeSource },
    /// `Fn::GetAtt [Stack, "Outputs.X"]` (or `${Stack.Outputs.X}`).
    NestedOutput { stack: String, output: String },
    /// `Fn::ImportValue` of a symbolically evaluated export name.
    Import(ExportName),
}

/// An export name evaluated without deploying: literal text and unknown parts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ExportName {
    parts: Vec<NamePart>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum NamePart {
    Literal(String),
    Unknown,
}

impl ExportName {
    fn literal(s: &str) -> ExportName {
        let mut n = ExportName::default();
        n.push_literal(s);
        n
    }
    fn unknown() -> ExportName {
        ExportName {
            parts: vec![NamePart::Unknown],
        }
    }
    fn push_literal(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if let Some(NamePart::Literal(last)) = self.parts.last_mut() {
            last.push_str(s);
        } else {
            self.parts.push(NamePart::Literal(s.to_string()));
        }
    }
    fn push_unknown(&mut self) {
        if self.parts.last() != Some(&NamePart::Unknown) {
            self.parts.push(NamePart::Unknown);
        }
    }
    fn append(&mut self, other: &ExportName) {
        for p in &other.parts {
            match p {
                NamePart::Literal(s) => self.push_literal(s),
                NamePart::Unknown => self.push_unknown(),
            }
        }
    }

    /// The name with `*` for unknown parts, for messages.
    pub fn display(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                NamePart::Literal(s) => s.as_str(),
                NamePart::Unknown => "*",
            })
            .collect()
    }

    /// Could both names evaluate to the same string? Unknown parts match anything,
    /// including unknown parts of the other name.
    pub fn could_equal(&self, other: &ExportName) -> bool {
        let a = self.symbols();
        let b = other.symbols();
        let width = b.len() + 1;
        // memo[i * width + j]: can a[i..] and b[j..] match.
        let mut memo = vec![false; (a.len() + 1) * width];
        memo[a.len() * width + b.len()] = true;
        for i in (0..=a.len()).rev() {
            for j in (0..=b.len()).rev() {
                if i == a.len() && j == b.len() {
                    continue;
                }
                let at = |i: usize, j: usize| memo[i * width + j];
                let ai = a.get(i).copied();
                let bj = b.get(j).copied();
                let ok = match (ai, bj) {
                    (Some(None), _) => at(i + 1, j) || (j < b.len() && at(i, j + 1)),
                    (_, Some(None)) => at(i, j + 1) || (i < a.len() && at(i + 1, j)),
                    (Some(Some(x)), Some(Some(y))) => x == y && at(i + 1, j + 1),
                    _ => false,
                };
                memo[i * width + j] = ok;
            }
        }
        memo[0]
    }

    /// Characters, `None` for an unknown part.
    fn symbols(&self) -> Vec<Option<char>> {
        let mut out = Vec::new();
        for p in &self.parts {
            match p {
                NamePart::Literal(s) => out.extend(s.chars().map(Some)),
                NamePart::Unknown => out.push(None),
            }
        }
        out
    }
}

/// One resource of a template.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub logical_id: String,
    pub resource_type: String,
    pub deletion_policy: Option<String>,
    pub update_replace_policy: Option<String>,
    /// Everything the resource refers to, in order of appearance, without duplicates.
    pub references: Vec<Reference>,
    /// For `AWS::CloudFormation::Stack`: file names that may hold the child template (the
    /// literal tail of `TemplateURL`, CDK's `aws:asset:path`).
    pub template_file_hints: Vec<String>,
    /// The resource's `Condition`: it exists only when that condition is true.
    pub condition: Option<String>,
    /// The resource definition as written, for template diffs. Never copied into the model.
    pub definition: TValue,
    /// 1-based line of the logical ID in the template text (reports point at it).
    pub line: Option<usize>,
}

/// One `Outputs` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub name: String,
    pub references: Vec<Reference>,
    pub export: Option<ExportName>,
}

/// A parsed template: what the graph needs, no values.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub path: String,
    pub resources: Vec<Resource>,
    pub outputs: Vec<Output>,
    /// Top-level `Transform` (SAM, macros, LanguageExtensions) or `Fn::ForEach` resources:
    /// CloudFormation rewrites the template, so the graph may miss resources.
    pub transformed: bool,
    index: HashMap<String, usize>,
    /// `Conditions`, `Mappings` and parameter `Default`s: only for template diffs.
    pub(crate) conditions: Vec<(String, TValue)>,
    pub(crate) mappings: Vec<(String, TValue)>,
    pub(crate) parameter_defaults: Vec<(String, Option<TValue>)>,
}

impl Template {
    pub fn resource(&self, logical_id: &str) -> Option<&Resource> {
        self.index.get(logical_id).map(|&i| &self.resources[i])
    }

    /// Position of resource `logical_id` in [`Template::resources`].
    pub fn resource_index(&self, logical_id: &str) -> Option<usize> {
        self.index.get(logical_id).copied()
    }

    pub fn output(&self, name: &str) -> Option<&Output> {
        self.outputs.iter().find(|o| o.name == name)
    }

    /// The file name part of the path (`dir/vpc.yaml` → `vpc.yaml`).
    pub fn file_name(&self) -> &str {
        file_name(&self.path)
    }
}

pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Parse a template from JSON or YAML.
pub fn parse_template(src: &Source) -> Result<Template> {
    read_template(src, true)
}

/// [`parse_template`] for the dependency graph of a change set: what only template diffs
/// compare (resource definitions, `Conditions`, `Mappings`, parameter defaults) is not kept
/// (`definition` is `Null`, the lists are empty), so a JSON template is read one resource at
/// a time and never held as one tree. Same errors, same resources, references and outputs.
pub fn parse_template_graph(src: &Source) -> Result<Template> {
    read_template(src, false)
}

fn read_template(src: &Source, keep_values: bool) -> Result<Template> {
    let text = src.text.as_str();
    let mut builder = TemplateBuilder::new(src, keep_values);
    if text.trim_start().starts_with('{') {
        // Streamed: every value is read as `parse_value` reads it (the same `TValue`
        // deserializer, in the same order), so errors and their positions are the same;
        // each resource is turned into a `Resource` as soon as it is read.
        // Kept values are `String` trees; otherwise text is borrowed from the document.
        let mut de = serde_json::Deserializer::from_str(text);
        let read = if keep_values {
            let seed = RootSeed::<String>(&mut builder, std::marker::PhantomData);
            serde::de::DeserializeSeed::deserialize(seed, &mut de)
        } else {
            let seed = RootSeed::<std::borrow::Cow<str>>(&mut builder, std::marker::PhantomData);
            serde::de::DeserializeSeed::deserialize(seed, &mut de)
        };
        read.and_then(|()| de.end())
            .map_err(|e| json_error(src, &e))?;
    } else {
        builder.root(parse_value(src)?);
    }
    builder.finish()
}

/// Parse a JSON or YAML document into a [`TValue`], with short tags rewritten.
pub fn parse_value(src: &Source) -> Result<TValue> {
    let text = src.text.as_str();
    let trimmed = text.trim_start();
    let mut budget = NodeBudget {
        left: text.len() + 64,
    };
    if trimmed.starts_with('{') {
        // Straight into the template tree (no generic JSON value first), refusing duplicate
        // keys: JSON readers usually keep the last one silently, which could hide a resource
        // or a DeletionPolicy; YAML already refuses them.
        let v: TValue = serde_json::from_str(text).map_err(|e| json_error(src, &e))?;
        Ok(v)
    } else {
        let v: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| yaml_error(src, &e))?;
        from_yaml(src, v, 0, &mut budget)
    }
}

fn json_error(src: &Source, e: &serde_json::Error) -> Error {
    Error::input(
        src.error_at_line_col(
            "planguard::input::cfn-template",
            e.line(),
            e.column(),
            format!("template is not valid JSON: {e}"),
        )
        .with_help(depth_or_syntax_help(&e.to_string())),
    )
}

fn depth_or_syntax_help(message: &str) -> String {
    if message.contains("recursion limit") {
        format!(
            "the document nests deeper than planguard reads (at most {MAX_DEPTH} levels, \
             128 for the JSON/YAML readers); real templates nest a few levels. Is this file \
             generated or hostile?"
        )
    } else if message.contains("repetition limit") {
        "the YAML expands through aliases (`&anchor` / `*alias`), which CloudFormation YAML \
         does not allow; write the template without anchors."
            .to_string()
    } else {
        "CloudFormation templates are JSON or YAML documents; check the file at this position."
            .to_string()
    }
}

pub(crate) fn yaml_error(src: &Source, e: &serde_yaml::Error) -> Error {
    let message = format!("not valid YAML: {e}");
    let located = match e.location() {
        Some(loc) => {
            src.error_at_line_col("planguard::input::yaml", loc.line(), loc.column(), message)
        }
        None => Located::whole_file("planguard::input::yaml", &src.path, message),
    };
    Error::input(located.with_help(depth_or_syntax_help(&e.to_string())))
}

struct NodeBudget {
    left: usize,
}

impl NodeBudget {
    fn take(&mut self, src: &Source) -> Result<()> {
        match self.left.checked_sub(1) {
            Some(l) => {
                self.left = l;
                Ok(())
            }
            None => Err(Error::input(
                Located::whole_file(
                    "planguard::input::yaml-aliases",
                    &src.path,
                    "the document expands to more values than it has bytes",
                )
                .with_help(
                    "only YAML aliases (`*name` repeating an `&name` anchor) can do that; \
                     CloudFormation YAML does not allow anchors or aliases. Write the values out.",
                ),
            )),
        }
    }
}

fn too_deep(src: &Source, depth: usize) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Error::input(
            Located::whole_file(
                "planguard::input::too-deep",
                &src.path,
                format!("the document nests more than {MAX_DEPTH} levels deep"),
            )
            .with_help("real templates nest a few levels; is this file generated or hostile?"),
        ));
    }
    Ok(())
}

/// Reads one string as `S` (a map key), borrowing when the deserializer lends it.
struct TextSeed<S>(std::marker::PhantomData<S>);

impl<'de, S: TextOf<'de>> serde::de::DeserializeSeed<'de> for TextSeed<S> {
    type Value = S;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<S, D::Error> {
        d.deserialize_string(self)
    }
}

impl<'de, S: TextOf<'de>> serde::de::Visitor<'de> for TextSeed<S> {
    type Value = S;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        // As `String`'s, so messages stay the same.
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> std::result::Result<S, E> {
        Ok(S::borrowed(v))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<S, E> {
        Ok(S::copied(v))
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> std::result::Result<S, E> {
        Ok(S::owned(v))
    }
    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> std::result::Result<S, E> {
        match std::str::from_utf8(v) {
            Ok(s) => Ok(S::copied(s)),
            Err(_) => Err(E::invalid_value(serde::de::Unexpected::Bytes(v), &self)),
        }
    }
    fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> std::result::Result<S, E> {
        self.visit_bytes(&v)
    }
}

fn next_key<'de, S: TextOf<'de>, A: serde::de::MapAccess<'de>>(
    map: &mut A,
) -> std::result::Result<Option<S>, A::Error> {
    map.next_key_seed(TextSeed(std::marker::PhantomData))
}

impl<'de, S: TextOf<'de>> serde::Deserialize<'de> for TValue<S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<S>(std::marker::PhantomData<S>);
        impl<'de, S: TextOf<'de>> serde::de::Visitor<'de> for V<S> {
            type Value = TValue<S>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a template value")
            }
            fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<TValue<S>, E> {
                Ok(TValue::Null)
            }
            fn visit_bool<E: serde::de::Error>(self, b: bool) -> std::result::Result<TValue<S>, E> {
                Ok(TValue::Bool(b))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> std::result::Result<TValue<S>, E> {
                Ok(TValue::Number(S::owned(n.to_string())))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> std::result::Result<TValue<S>, E> {
                Ok(TValue::Number(S::owned(n.to_string())))
            }
            fn visit_f64<E: serde::de::Error>(self, n: f64) -> std::result::Result<TValue<S>, E> {
                Ok(TValue::Number(S::owned(
                    serde_json::Number::from_f64(n)
                        .map_or_else(|| n.to_string(), |x| x.to_string()),
                )))
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> std::result::Result<TValue<S>, E> {
                Ok(TValue::String(S::borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<TValue<S>, E> {
                Ok(TValue::String(S::copied(v)))
            }
            fn visit_string<E: serde::de::Error>(
                self,
                v: String,
            ) -> std::result::Result<TValue<S>, E> {
                Ok(TValue::String(S::owned(v)))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<TValue<S>, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<TValue<S>>()? {
                    out.push(v);
                }
                Ok(TValue::List(out))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<TValue<S>, A::Error> {
                let mut out: Vec<(S, TValue<S>)> = Vec::new();
                // Most maps are small: a scan beats hashing every key. Large ones get a set.
                let mut seen: Option<HashSet<S>> = None;
                while let Some(k) = next_key::<S, A>(&mut map)? {
                    let repeated = match &mut seen {
                        Some(set) => !set.insert(k.clone()),
                        None => out.iter().any(|(x, _)| *x == k),
                    };
                    if repeated {
                        return Err(duplicate_key(k.as_ref()));
                    }
                    if seen.is_none() && out.len() >= 16 {
                        let mut set: HashSet<S> = out.iter().map(|(x, _)| x.clone()).collect();
                        set.insert(k.clone());
                        seen = Some(set);
                    }
                    let v = map.next_value::<TValue<S>>()?;
                    out.push((k, v));
                }
                Ok(TValue::Map(out))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The YAML tree as a [`TValue`], taken apart as it is converted (strings are moved, not
/// copied, and each part is freed once converted).
fn from_yaml(
    src: &Source,
    v: serde_yaml::Value,
    depth: usize,
    budget: &mut NodeBudget,
) -> Result<TValue> {
    use serde_yaml::Value as Y;
    too_deep(src, depth)?;
    budget.take(src)?;
    Ok(match v {
        Y::Null => TValue::Null,
        Y::Bool(b) => TValue::Bool(b),
        Y::Number(n) => TValue::Number(n.to_string()),
        Y::String(s) => TValue::String(s),
        Y::Sequence(a) => TValue::List(
            a.into_iter()
                .map(|x| from_yaml(src, x, depth + 1, budget))
                .collect::<Result<_>>()?,
        ),
        Y::Mapping(m) => {
            let mut out = Vec::with_capacity(m.len());
            for (k, x) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".to_string(),
                    _ => {
                        return Err(Error::input(
                            Located::whole_file(
                                "planguard::input::cfn-template",
                                &src.path,
                                "a mapping key is a list, mapping or tagged value",
                            )
                            .with_help("CloudFormation template keys are plain strings."),
                        ))
                    }
                };
                out.push((key, from_yaml(src, x, depth + 1, budget)?));
            }
            TValue::Map(out)
        }
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let long = match name {
                "Ref" | "Condition" => name.to_string(),
                "GetAtt" | "Sub" | "Join" | "Select" | "Split" | "Base64" | "Cidr" | "GetAZs"
                | "ImportValue" | "FindInMap" | "If" | "Equals" | "And" | "Or" | "Not"
                | "Transform" | "Length" | "ToJsonString" => format!("Fn::{name}"),
                _ => {
                    let offset = src.text.find(&tag).unwrap_or(0);
                    return Err(Error::input(
                        src.error_at(
                            "planguard::input::cfn-tag",
                            offset,
                            format!("unknown YAML tag `{tag}`"),
                        )
                        .with_help(
                            "CloudFormation knows the short forms !Ref, !Condition, !GetAtt, \
                             !Sub, !Join, !Select, !Split, !Base64, !Cidr, !GetAZs, \
                             !ImportValue, !FindInMap, !If, !Equals, !And, !Or, !Not and \
                             !Transform; write other functions in long form (`Fn::Name:`).",
                        ),
                    ));
                }
            };
            let inner = from_yaml(src, tagged.value, depth + 1, budget)?;
            TValue::Map(vec![(long, inner)])
        }
    })
}

/// Line of the first key of each line after the `Resources` key: in a pretty-printed JSON
/// or a YAML template, every logical ID starts its own line, and the first time a key is
/// seen after `Resources` is its definition (properties come after their resource's ID).
/// A template on one line maps every resource to that line. No values are kept.
fn key_lines(text: &str) -> HashMap<&str, usize> {
    let mut out = HashMap::new();
    // Indentation of `Resources`, then of the logical IDs (the first key after it): only
    // keys at that depth are logical IDs, so a property named like a resource is skipped.
    let mut resources_indent: Option<usize> = None;
    let mut id_indent: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let Some(key) = line_key(line) else { continue };
        let indent = line.len() - line.trim_start().len();
        let Some(top) = resources_indent else {
            if key == "Resources" {
                resources_indent = Some(indent);
            }
            continue;
        };
        if indent <= top && id_indent.is_some_and(|d| d > top) {
            break; // the next top-level section
        }
        let depth = *id_indent.get_or_insert(indent);
        if indent == depth {
            out.entry(key).or_insert(i + 1);
        }
    }
    out
}

/// The key a line starts with: `"Key":`, `'Key':` or `Key:` (after indentation, `{` or `,`).
fn line_key(line: &str) -> Option<&str> {
    let t = line
        .trim_start()
        .trim_start_matches(['{', ','])
        .trim_start();
    let (key, rest) = if let Some(q) = t.strip_prefix('"') {
        let end = q.find('"')?;
        (&q[..end], &q[end + 1..])
    } else if let Some(q) = t.strip_prefix('\'') {
        let end = q.find('\'')?;
        (&q[..end], &q[end + 1..])
    } else {
        let end = t.find(':')?;
        let key = &t[..end];
        if key.is_empty() || key.contains([' ', '#', '-', '[', '{']) {
            return None;
        }
        (key, &t[end..])
    };
    let quoted = t.starts_with(['"', '\'']);
    let after = rest.trim_start().strip_prefix(':')?;
    (quoted || after.is_empty() || after.starts_with([' ', '\t', '\r'])).then_some(key)
}

fn template_error(src: &Source, near: &str, message: String, help: &str) -> Error {
    let offset = if near.is_empty() {
        0
    } else {
        src.text.find(near).unwrap_or(0)
    };
    Error::input(
        src.error_at("planguard::input::cfn-template", offset, message)
            .with_help(help.to_string()),
    )
}

fn duplicate_key<E: serde::de::Error>(key: &str) -> E {
    E::custom(format!(
        "duplicate key `{key}`: a template may name each key once"
    ))
}

/// Turns a template's sections into a [`Template`] as they are read: from a whole tree
/// (YAML) or one section and one resource at a time (JSON, see [`RootSeed`]).
struct TemplateBuilder<'s> {
    src: &'s Source,
    /// Keep resource definitions, `Conditions`, `Mappings` and parameter defaults.
    keep_values: bool,
    lines: HashMap<&'s str, usize>,
    /// `None`: no `Resources` section yet; `Some(false)`: it is not a mapping.
    resources_mapping: Option<bool>,
    resources: Vec<Resource>,
    /// Every key of `Resources` read so far (value unused for `Fn::` keys and after an
    /// error), for the duplicate check of the streamed reader.
    index: HashMap<String, usize>,
    outputs: Vec<Output>,
    transformed: bool,
    conditions: Vec<(String, TValue)>,
    mappings: Vec<(String, TValue)>,
    parameter_defaults: Vec<(String, Option<TValue>)>,
    /// The first resource that cannot be read; reported once the whole document parsed
    /// (a syntax error anywhere wins, as when the document was read first).
    error: Option<Error>,
}

/// Index value of `Resources` keys that are not resources (`Fn::` keys, or read after an
/// error).
const NOT_A_RESOURCE: usize = usize::MAX;

impl<'s> TemplateBuilder<'s> {
    fn new(src: &'s Source, keep_values: bool) -> Self {
        TemplateBuilder {
            src,
            keep_values,
            lines: key_lines(&src.text),
            resources_mapping: None,
            resources: Vec::new(),
            index: HashMap::new(),
            outputs: Vec::new(),
            transformed: false,
            conditions: Vec::new(),
            mappings: Vec::new(),
            parameter_defaults: Vec::new(),
            error: None,
        }
    }

    /// A whole document (YAML).
    fn root(&mut self, root: TValue<String>) {
        let TValue::Map(entries) = root else { return };
        for (key, value) in entries {
            if key == "Resources" && self.resources_mapping.is_none() {
                match value {
                    TValue::Map(resources) => {
                        self.resources_mapping = Some(true);
                        self.resources.reserve(resources.len());
                        self.index.reserve(resources.len());
                        for (logical_id, def) in resources {
                            self.resource(logical_id, def);
                        }
                    }
                    _ => self.resources_mapping = Some(false),
                }
            } else {
                self.section(&key, value);
            }
        }
    }

    /// A top-level section other than `Resources`.
    fn section<'de, S: TextOf<'de>>(&mut self, key: &str, value: TValue<S>) {
        match key {
            "Transform" => self.transformed = true,
            "Outputs" => {
                let TValue::Map(entries) = value else { return };
                self.outputs.reserve(entries.len());
                for (name, def) in entries {
                    let mut refs = RefCollector::default();
                    if let Some(v) = def.get("Value") {
                        refs.walk(v, &[], 0);
                    }
                    let export = def
                        .get("Export")
                        .and_then(|e| e.get("Name"))
                        .map(evaluate_name);
                    self.outputs.push(Output {
                        name: name.into_string(),
                        references: refs.finish(),
                        export,
                    });
                }
            }
            "Conditions" | "Mappings" if self.keep_values => {
                let TValue::Map(entries) = S::owned_tree(value) else {
                    return;
                };
                if key == "Conditions" {
                    self.conditions = entries;
                } else {
                    self.mappings = entries;
                }
            }
            "Parameters" if self.keep_values => {
                let TValue::Map(entries) = S::owned_tree(value) else {
                    return;
                };
                self.parameter_defaults = entries
                    .into_iter()
                    .map(|(name, def)| {
                        let default = match def {
                            TValue::Map(fields) => fields
                                .into_iter()
                                .find(|(k, _)| k == "Default")
                                .map(|(_, v)| v),
                            _ => None,
                        };
                        (name, default)
                    })
                    .collect();
            }
            _ => {}
        }
    }

    /// Was `key` already read in `Resources`?
    fn has_resource_key(&self, key: &str) -> bool {
        self.index.contains_key(key)
    }

    /// One entry of `Resources`.
    fn resource<'de, S: TextOf<'de>>(&mut self, logical_id: String, def: TValue<S>) {
        if logical_id.starts_with("Fn::") {
            // `Fn::ForEach::*` (LanguageExtensions) or `Fn::Transform` (AWS::Include):
            // expanded server-side.
            self.transformed = true;
            self.index.entry(logical_id).or_insert(NOT_A_RESOURCE);
            return;
        }
        if self.error.is_some() {
            self.index.insert(logical_id, NOT_A_RESOURCE);
            return;
        }
        let Some(resource_type) = def.get("Type").and_then(TValue::as_str) else {
            self.error = Some(template_error(
                self.src,
                &logical_id,
                format!("resource `{logical_id}` has no string `Type`"),
                "every resource needs `Type: AWS::Service::Resource`.",
            ));
            self.index.insert(logical_id, NOT_A_RESOURCE);
            return;
        };
        let mut refs = RefCollector::default();
        for section in ["Properties", "Metadata", "UpdatePolicy", "CreationPolicy"] {
            if let Some(v) = def.get(section) {
                refs.walk(v, &[], 0);
            }
        }
        match def.get("DependsOn") {
            Some(TValue::String(s)) => refs.push_name(s.as_ref(), EdgeSource::CfnDependsOn),
            Some(TValue::List(list)) => {
                for item in list {
                    if let Some(s) = item.as_str() {
                        refs.push_name(s, EdgeSource::CfnDependsOn);
                    }
                }
            }
            _ => {}
        }
        let template_file_hints = if resource_type == "AWS::CloudFormation::Stack" {
            stack_template_hints(&def)
        } else {
            Vec::new()
        };
        let text = |key: &str| def.get(key).and_then(TValue::as_str).map(str::to_string);
        let resource = Resource {
            resource_type: resource_type.to_string(),
            deletion_policy: text("DeletionPolicy"),
            update_replace_policy: text("UpdateReplacePolicy"),
            references: refs.finish(),
            template_file_hints,
            condition: text("Condition"),
            line: self.lines.get(logical_id.as_str()).copied(),
            logical_id: String::new(),
            definition: if self.keep_values {
                S::owned_tree(def)
            } else {
                TValue::Null
            },
        };
        // A later entry with the same ID (only YAML keys `1` and `'1'` can do that)
        // takes the index, as before.
        self.index.insert(logical_id.clone(), self.resources.len());
        self.resources.push(Resource {
            logical_id,
            ..resource
        });
    }

    fn finish(self) -> Result<Template> {
        let src = self.src;
        match self.resources_mapping {
            None => {
                return Err(template_error(
                    src,
                    "",
                    "not a CloudFormation template: no `Resources` section".to_string(),
                    "a template is a mapping with a `Resources` section; `get-template` output \
                     wraps it in `TemplateBody`, which planguard does not unwrap: save the \
                     body alone.",
                ))
            }
            Some(false) => {
                return Err(template_error(
                    src,
                    "Resources",
                    "`Resources` is not a mapping".to_string(),
                    "`Resources` maps logical IDs to resource definitions.",
                ))
            }
            Some(true) => {}
        }
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut index = self.index;
        index.retain(|_, i| *i != NOT_A_RESOURCE);
        Ok(Template {
            path: src.path.clone(),
            resources: self.resources,
            outputs: self.outputs,
            transformed: self.transformed,
            index,
            conditions: self.conditions,
            mappings: self.mappings,
            parameter_defaults: self.parameter_defaults,
        })
    }
}

/// The template document (a JSON object), read section by section into a
/// [`TemplateBuilder`]. Values are read with [`TValue`]'s deserializer, keys checked for
/// duplicates with the same message at the same place.
struct RootSeed<'b, 's, S>(&'b mut TemplateBuilder<'s>, std::marker::PhantomData<S>);

impl<'de, S: TextOf<'de>> serde::de::DeserializeSeed<'de> for RootSeed<'_, '_, S> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, S: TextOf<'de>> serde::de::Visitor<'de> for RootSeed<'_, '_, S> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a template value")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<(), A::Error> {
        let mut keys: Vec<S> = Vec::new();
        while let Some(k) = next_key::<S, A>(&mut map)? {
            if keys.contains(&k) {
                return Err(duplicate_key(k.as_ref()));
            }
            if k.as_ref() == "Resources" {
                map.next_value_seed(ResourcesSeed::<S>(&mut *self.0, self.1))?;
            } else {
                let v = map.next_value::<TValue<S>>()?;
                self.0.section(k.as_ref(), v);
            }
            keys.push(k);
        }
        Ok(())
    }
    // Not a mapping (the JSON reader is only used for documents starting with `{`, so
    // unreachable): read as `TValue` would, and it has no `Resources`.
    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<(), A::Error> {
        while seq.next_element::<TValue<S>>()?.is_some() {}
        Ok(())
    }
}

/// The `Resources` value of a streamed template: each resource is read as a [`TValue`] and
/// handed to the builder, which keeps only what the template needs.
struct ResourcesSeed<'b, 's, S>(&'b mut TemplateBuilder<'s>, std::marker::PhantomData<S>);

impl<'de, S: TextOf<'de>> serde::de::DeserializeSeed<'de> for ResourcesSeed<'_, '_, S> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<S> ResourcesSeed<'_, '_, S> {
    fn not_a_mapping<E>(self) -> std::result::Result<(), E> {
        self.0.resources_mapping = Some(false);
        Ok(())
    }
}

impl<'de, S: TextOf<'de>> serde::de::Visitor<'de> for ResourcesSeed<'_, '_, S> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a template value")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<(), A::Error> {
        self.0.resources_mapping = Some(true);
        while let Some(k) = next_key::<S, A>(&mut map)? {
            if self.0.has_resource_key(k.as_ref()) {
                return Err(duplicate_key(k.as_ref()));
            }
            let def = map.next_value::<TValue<S>>()?;
            self.0.resource(k.into_string(), def);
        }
        Ok(())
    }
    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<(), E> {
        self.not_a_mapping()
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> std::result::Result<(), E> {
        self.not_a_mapping()
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> std::result::Result<(), E> {
        self.not_a_mapping()
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> std::result::Result<(), E> {
        self.not_a_mapping()
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> std::result::Result<(), E> {
        self.not_a_mapping()
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> std::result::Result<(), E> {
        self.not_a_mapping()
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<(), A::Error> {
        while seq.next_element::<TValue<S>>()?.is_some() {}
        self.not_a_mapping()
    }
}

impl Template {
    /// The value of condition `name` when it only compares literals; `None` when it depends
    /// on parameters or anything else known at deploy time.
    pub fn condition_value(&self, name: &str) -> Option<bool> {
        self.condition_depth(name, 0)
    }

    fn condition_depth(&self, name: &str, depth: usize) -> Option<bool> {
        if depth > 64 {
            return None;
        }
        let (_, def) = self.conditions.iter().find(|(n, _)| n == name)?;
        self.eval_condition(def, depth + 1)
    }

    fn eval_condition(&self, v: &TValue, depth: usize) -> Option<bool> {
        if depth > 64 {
            return None;
        }
        let (key, arg) = v.intrinsic()?;
        let args: &[TValue] = match arg {
            TValue::List(l) => l,
            _ => &[],
        };
        match key {
            "Condition" => self.condition_depth(arg.as_str()?, depth + 1),
            "Fn::Equals" if args.len() == 2 => {
                let literal = |x: &TValue| match x {
                    TValue::String(s) | TValue::Number(s) => Some(s.clone()),
                    TValue::Bool(b) => Some(b.to_string()),
                    _ => None,
                };
                Some(literal(&args[0])? == literal(&args[1])?)
            }
            "Fn::Not" if args.len() == 1 => self.eval_condition(&args[0], depth + 1).map(|b| !b),
            "Fn::And" | "Fn::Or" => {
                let is_and = key == "Fn::And";
                let mut unknown = false;
                for a in args {
                    match self.eval_condition(a, depth + 1) {
                        Some(b) if b != is_and => return Some(b),
                        Some(_) => {}
                        None => unknown = true,
                    }
                }
                (!unknown).then_some(is_and)
            }
            _ => None,
        }
    }

    /// Does the resource exist with this template? `None`: depends on deploy-time values.
    pub fn exists(&self, r: &Resource) -> Option<bool> {
        match &r.condition {
            None => Some(true),
            Some(c) => self.condition_value(c),
        }
    }
}

/// File names a nested stack's `TemplateURL` or CDK asset metadata points at.
fn stack_template_hints<S: AsRef<str>>(def: &TValue<S>) -> Vec<String> {
    let mut hints = Vec::new();
    if let Some(url) = def.get("Properties").and_then(|p| p.get("TemplateURL")) {
        let name = evaluate_name(url);
        if let Some(NamePart::Literal(tail)) = name.parts.last() {
            let tail = tail.split('?').next().unwrap_or(tail);
            let file = file_name(tail);
            if !file.is_empty() {
                hints.push(file.to_string());
            }
        }
    }
    if let Some(TValue::String(p)) = def.get("Metadata").and_then(|m| m.get("aws:asset:path")) {
        hints.push(file_name(p.as_ref()).to_string());
    }
    hints
}

/// Evaluate a name (export name, template URL) as far as possible without deploying.
pub fn evaluate_name<S: AsRef<str>>(v: &TValue<S>) -> ExportName {
    match v {
        TValue::String(s) => ExportName::literal(s.as_ref()),
        TValue::Number(n) => ExportName::literal(n.as_ref()),
        _ => match v.intrinsic() {
            Some(("Fn::Sub", arg)) => {
                let text = match arg {
                    TValue::String(s) => Some(s.as_ref()),
                    TValue::List(l) => l.first().and_then(TValue::as_str),
                    _ => None,
                };
                match text {
                    Some(t) => {
                        let mut name = ExportName::default();
                        for piece in sub_pieces(t) {
                            match piece {
                                SubPiece::Text(s) => name.push_literal(s),
                                SubPiece::Var(_) => name.push_unknown(),
                            }
                        }
                        name
                    }
                    None => ExportName::unknown(),
                }
            }
            Some(("Fn::Join", TValue::List(args))) if args.len() == 2 => {
                match (&args[0], &args[1]) {
                    (TValue::String(delim), TValue::List(items)) => {
                        let mut name = ExportName::default();
                        for (i, item) in items.iter().enumerate() {
                            if i > 0 {
                                name.push_literal(delim.as_ref());
                            }
                            name.append(&evaluate_name(item));
                        }
                        name
                    }
                    _ => ExportName::unknown(),
                }
            }
            _ => ExportName::unknown(),
        },
    }
}

enum SubPiece<'a> {
    Text(&'a str),
    /// `${Name}` or `${Name.Attr}`, trimmed.
    Var(&'a str),
}

/// Split an `Fn::Sub` string into text and variables; `${!X}` is the literal `${X}`.
fn sub_pieces(s: &str) -> Vec<SubPiece<'_>> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        if let Some(literal) = after.strip_prefix('!') {
            out.push(SubPiece::Text(&rest[..start]));
            out.push(SubPiece::Text("${"));
            rest = literal;
            continue;
        }
        match after.find('}') {
            Some(end) => {
                out.push(SubPiece::Text(&rest[..start]));
                out.push(SubPiece::Var(after[..end].trim()));
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out.push(SubPiece::Text(rest));
    out
}

#[derive(Default)]
struct RefCollector {
    refs: Vec<Reference>,
    seen: HashSet<Reference>,
}

/// Up to this many references, duplicates are found by a scan; beyond, with a set.
const SCAN_REFS: usize = 16;

impl RefCollector {
    fn push(&mut self, r: Reference) {
        if self.refs.len() < SCAN_REFS {
            if self.refs.contains(&r) {
                return;
            }
        } else {
            if self.seen.is_empty() {
                self.seen.extend(self.refs.iter().cloned());
            }
            if !self.seen.insert(r.clone()) {
                return;
            }
        }
        self.refs.push(r);
    }

    fn push_name(&mut self, name: &str, source: EdgeSource) {
        if name.is_empty() || name.starts_with("AWS::") {
            return; // pseudo parameters
        }
        // Most names repeat (`Ref: Vpc` in every subnet property): skip them unallocated.
        if self.refs.len() < SCAN_REFS
            && self.refs.iter().any(|r| {
                matches!(r, Reference::Name { target, source: s } if target == name && *s == source)
            })
        {
            return;
        }
        self.push(Reference::Name {
            target: name.to_string(),
            source,
        });
    }

    fn push_get_att(&mut self, resource: &str, attribute: &str, source: EdgeSource) {
        if let Some(output) = attribute.strip_prefix("Outputs.") {
            self.push(Reference::NestedOutput {
                stack: resource.to_string(),
                output: output.to_string(),
            });
        }
        self.push_name(resource, source);
    }

    fn finish(self) -> Vec<Reference> {
        self.refs
    }

    /// Collect references below `v`. `shadowed` are `Fn::Sub` map variables in scope.
    /// Depth is bounded by the parser ([`MAX_DEPTH`]).
    fn walk<S: AsRef<str>>(&mut self, v: &TValue<S>, shadowed: &[&str], depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match v {
            TValue::List(items) => {
                for x in items {
                    self.walk(x, shadowed, depth + 1);
                }
            }
            TValue::Map(entries) => {
                if let Some((key, arg)) = v.intrinsic() {
                    if self.intrinsic(key, arg, shadowed, depth) {
                        return;
                    }
                }
                for (_, x) in entries {
                    self.walk(x, shadowed, depth + 1);
                }
            }
            _ => {}
        }
    }

    /// Handle one intrinsic; false when `key` is not one that needs special treatment.
    fn intrinsic<S: AsRef<str>>(
        &mut self,
        key: &str,
        arg: &TValue<S>,
        shadowed: &[&str],
        depth: usize,
    ) -> bool {
        match key {
            "Ref" => {
                match arg {
                    TValue::String(name) => self.push_name(name.as_ref(), EdgeSource::CfnRef),
                    other => self.walk(other, shadowed, depth + 1),
                }
                true
            }
            "Fn::GetAtt" => {
                match arg {
                    TValue::String(s) => {
                        let s = s.as_ref();
                        let (res, attr) = s.split_once('.').unwrap_or((s, ""));
                        self.push_get_att(res, attr, EdgeSource::CfnGetAtt);
                    }
                    TValue::List(l) => {
                        if let Some(res) = l.first().and_then(TValue::as_str) {
                            let attr = l.get(1).and_then(TValue::as_str).unwrap_or("");
                            self.push_get_att(res, attr, EdgeSource::CfnGetAtt);
                        }
                        for x in l.iter().skip(1) {
                            self.walk(x, shadowed, depth + 1);
                        }
                    }
                    other => self.walk(other, shadowed, depth + 1),
                }
                true
            }
            "Fn::Sub" => {
                match arg {
                    TValue::String(s) => self.sub(s.as_ref(), shadowed),
                    TValue::List(l) => {
                        let mut names: Vec<&str> = shadowed.to_vec();
                        if let Some(TValue::Map(vars)) = l.get(1) {
                            for (name, value) in vars {
                                names.push(name.as_ref());
                                self.walk(value, shadowed, depth + 1);
                            }
                        }
                        match l.first() {
                            Some(TValue::String(s)) => self.sub(s.as_ref(), &names),
                            Some(other) => self.walk(other, shadowed, depth + 1),
                            None => {}
                        }
                    }
                    other => self.walk(other, shadowed, depth + 1),
                }
                true
            }
            "Fn::ImportValue" => {
                self.push(Reference::Import(evaluate_name(arg)));
                // The name itself may use Refs (to parameters, normally).
                self.walk(arg, shadowed, depth + 1);
                true
            }
            // `{"Condition": "Name"}` names a condition, never a resource.
            "Condition" if matches!(arg, TValue::String(_)) => true,
            // `Fn::If [Cond, a, b]`: both branches are possible.
            "Fn::If" => {
                if let TValue::List(l) = arg {
                    for x in l.iter().skip(1) {
                        self.walk(x, shadowed, depth + 1);
                    }
                }
                true
            }
            _ => false,
        }
    }

    fn sub(&mut self, s: &str, shadowed: &[&str]) {
        for piece in sub_pieces(s) {
            if let SubPiece::Var(var) = piece {
                if shadowed.contains(&var) {
                    continue;
                }
                match var.split_once('.') {
                    Some((res, attr)) => {
                        if !shadowed.contains(&res) {
                            self.push_get_att(res, attr, EdgeSource::CfnSub);
                        }
                    }
                    None => self.push_name(var, EdgeSource::CfnSub),
                }
            }
        }
    }
}

/// Every reference below `v` (a property value, an output value).
pub fn references_in<S: AsRef<str>>(v: &TValue<S>) -> Vec<Reference> {
    let mut c = RefCollector::default();
    c.walk(v, &[], 0);
    c.finish()
}

/// Builds the node and edge lists of one plan, addressing nodes by string.
///
/// Addresses are indexed by their keyed hash (SipHash with a per-process random key, as
/// `HashMap`'s, so inputs cannot aim collisions) and compared with the node's own address:
/// no second copy of every address, and `prefix` + `id` is looked up without building it.
#[derive(Debug, Default)]
pub struct GraphBuilder {
    pub nodes: Vec<Node>,
    hasher: std::hash::RandomState,
    /// Address hash → the last node created with that hash.
    index: IdMap<u64, u32>,
    /// Node → the previous node with the same address hash (almost always empty).
    collisions: IdMap<u32, u32>,
    /// Deduplicated (and sorted) once, in [`GraphBuilder::finish_into`].
    edges: Vec<Edge>,
}

impl GraphBuilder {
    pub fn find(&self, address: &str) -> Option<u32> {
        self.find_at("", address)
    }

    /// The node at `prefix` + `id`.
    pub(crate) fn find_at(&self, prefix: &str, id: &str) -> Option<u32> {
        self.lookup(self.hash_of(prefix, id), prefix, id)
    }

    fn hash_of(&self, prefix: &str, id: &str) -> u64 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = self.hasher.build_hasher();
        h.write(prefix.as_bytes());
        h.write(id.as_bytes());
        h.write_u8(0xff);
        h.finish()
    }

    fn lookup(&self, hash: u64, prefix: &str, id: &str) -> Option<u32> {
        let mut i = *self.index.get(&hash)?;
        loop {
            let a = &self.nodes.get(i as usize)?.address;
            if a.len() == prefix.len() + id.len() && a.starts_with(prefix) && a.ends_with(id) {
                return Some(i);
            }
            i = *self.collisions.get(&i)?;
        }
    }

    /// Room for `additional` more nodes (exactly: a plan holds its nodes to the end).
    pub fn reserve(&mut self, additional: usize) {
        self.nodes.reserve_exact(additional);
        self.index.reserve(additional);
    }

    /// The node at `address`, created unchanged if new. A known type replaces `unknown`.
    pub fn node(&mut self, address: &str, resource_type: &str) -> u32 {
        self.node_at("", address, resource_type)
    }

    /// [`GraphBuilder::node`] for an address already built as a `String`.
    pub fn node_owned(&mut self, address: String, resource_type: &str) -> u32 {
        let hash = self.hash_of("", &address);
        let i = match self.lookup(hash, "", &address) {
            Some(i) => i,
            None => self.push_node(hash, address, resource_type),
        };
        self.refine_type(i, resource_type);
        i
    }

    /// [`GraphBuilder::node`] at `prefix` + `id`.
    pub(crate) fn node_at(&mut self, prefix: &str, id: &str, resource_type: &str) -> u32 {
        let i = self.node_untyped(prefix, id, resource_type);
        self.refine_type(i, resource_type);
        i
    }

    /// The node at `prefix` + `id`; created with `resource_type` if new, an existing one is
    /// left as it is (see [`GraphBuilder::refine_type`]).
    pub(crate) fn node_untyped(&mut self, prefix: &str, id: &str, resource_type: &str) -> u32 {
        let hash = self.hash_of(prefix, id);
        match self.lookup(hash, prefix, id) {
            Some(i) => i,
            None => self.push_node(hash, prefixed(prefix, id), resource_type),
        }
    }

    fn push_node(&mut self, hash: u64, address: String, resource_type: &str) -> u32 {
        let i = self.nodes.len() as u32;
        self.nodes.push(Node {
            address,
            deposed: None,
            resource_type: resource_type.to_string(),
            mode: crate::model::Mode::Managed,
            provider: provider_of(resource_type),
            change: None,
            source: None,
        });
        if let Some(previous) = self.index.insert(hash, i) {
            self.collisions.insert(i, previous);
        }
        i
    }

    /// A known type replaces `unknown` on node `i`.
    pub(crate) fn refine_type(&mut self, i: u32, resource_type: &str) {
        let node = &mut self.nodes[i as usize];
        if node.resource_type == UNKNOWN_TYPE && resource_type != UNKNOWN_TYPE {
            node.resource_type = resource_type.to_string();
            node.provider = provider_of(resource_type);
        }
    }

    pub fn edge(&mut self, from: u32, to: u32, source: EdgeSource) {
        if from != to {
            self.edges.push(Edge { from, to, source });
        }
    }

    /// Move nodes and edges (sorted, without duplicates, for stable output) into `plan`.
    pub fn finish_into(self, plan: &mut Plan) {
        let mut edges = self.edges;
        edges.sort_unstable();
        edges.dedup();
        edges.shrink_to_fit();
        plan.nodes = self.nodes;
        plan.edges = edges;
    }
}

/// Type of a node only known as a name (a `CausingEntity` outside the template).
pub const UNKNOWN_TYPE: &str = "unknown";

/// `AWS::S3::Bucket` → `aws`; custom resources are CloudFormation's, so `aws` too.
pub fn provider_of(resource_type: &str) -> Option<String> {
    if resource_type == UNKNOWN_TYPE {
        return None;
    }
    let vendor = resource_type.split("::").next().unwrap_or(resource_type);
    if vendor.eq_ignore_ascii_case("custom") {
        return Some("aws".to_string());
    }
    Some(vendor.to_ascii_lowercase())
}

/// A template placed in the graph: which address prefix its resources get and, for a nested
/// stack, which stack resource of which parent holds it.
#[derive(Debug, Clone)]
pub struct PlacedStack<'t> {
    /// `""` for a root stack, `Parent/` for nested, `file-stem::` for a sibling stack.
    pub prefix: String,
    pub template: Option<&'t Template>,
    /// (index into the placed list, logical ID of the `AWS::CloudFormation::Stack` resource)
    pub parent: Option<(usize, String)>,
}

/// Add every resource of the placed templates as a node, and every edge the templates imply:
/// within a stack, nested stack ↔ parent, and `Fn::ImportValue` ↔ `Export` across stacks.
pub fn add_template_graph(builder: &mut GraphBuilder, stacks: &[PlacedStack<'_>]) {
    builder.reserve(
        stacks
            .iter()
            .filter_map(|s| s.template)
            .map(|t| t.resources.len())
            .sum(),
    );
    // nodes[si][ri]: the node of resource `ri` of stack `si` (its address is the stack's
    // prefix + the logical ID), so edges need no address lookups.
    let mut nodes: Vec<Vec<u32>> = Vec::with_capacity(stacks.len());
    for stack in stacks {
        let Some(t) = stack.template else {
            nodes.push(Vec::new());
            continue;
        };
        let mut ids = Vec::with_capacity(t.resources.len());
        for r in &t.resources {
            let i = builder.node_at(&stack.prefix, &r.logical_id, &r.resource_type);
            if let Some(line) = r.line {
                builder.nodes[i as usize].source = Some(crate::model::SourceLocation {
                    path: t.path.clone(),
                    line,
                });
            }
            ids.push(i);
        }
        nodes.push(ids);
    }
    // Nested children by (parent index, stack logical ID).
    let mut children: HashMap<(usize, &str), usize> = HashMap::new();
    for (i, stack) in stacks.iter().enumerate() {
        if let Some((p, id)) = &stack.parent {
            children.insert((*p, id.as_str()), i);
            let stack_type = stacks[*p]
                .template
                .and_then(|t| t.resource(id))
                .map_or("AWS::CloudFormation::Stack", |r| r.resource_type.as_str());
            let stack_node = builder.node_at(&stacks[*p].prefix, id, stack_type);
            for &n in &nodes[i] {
                builder.edge(n, stack_node, EdgeSource::CfnNestedStack);
            }
        }
    }
    let resolver = Resolver { stacks, children };
    let mut targets = Vec::new();
    for (si, stack) in stacks.iter().enumerate() {
        let Some(t) = stack.template else { continue };
        for (ri, r) in t.resources.iter().enumerate() {
            let from = nodes[si][ri];
            targets.clear();
            resolver.resolve(si, &r.references, &mut targets, 0);
            for &((ts, tr), source) in &targets {
                builder.edge(from, nodes[ts][tr], source);
            }
        }
    }
}

/// `prefix` + `id`, allocated once.
pub(crate) fn prefixed(prefix: &str, id: &str) -> String {
    let mut s = String::with_capacity(prefix.len() + id.len());
    s.push_str(prefix);
    s.push_str(id);
    s
}

struct Resolver<'a, 't> {
    stacks: &'a [PlacedStack<'t>],
    children: HashMap<(usize, &'a str), usize>,
}

/// A resource of a placed stack: (stack index, resource index in its template).
type ResourceAt = (usize, usize);

impl Resolver<'_, '_> {
    /// Resources (with edge provenance) the references of stack `si` lead to.
    fn resolve(
        &self,
        si: usize,
        refs: &[Reference],
        out: &mut Vec<(ResourceAt, EdgeSource)>,
        depth: usize,
    ) {
        // Outputs that read outputs of nested stacks: bounded by the nesting depth.
        if depth > 32 {
            return;
        }
        let stack = &self.stacks[si];
        let Some(t) = stack.template else { return };
        for r in refs {
            match r {
                Reference::Name { target, source } => {
                    if let Some(ri) = t.resource_index(target) {
                        let source = if t.resources[ri].resource_type
                            == "AWS::CloudFormation::Stack"
                            && refs.iter().any(|x| {
                                matches!(x, Reference::NestedOutput { stack, .. } if stack == target)
                            }) {
                            EdgeSource::CfnNestedStackOutput
                        } else {
                            *source
                        };
                        out.push(((si, ri), source));
                    }
                }
                Reference::NestedOutput { stack: id, output } => {
                    let Some(&ci) = self.children.get(&(si, id.as_str())) else {
                        continue;
                    };
                    let Some(child) = self.stacks[ci].template else {
                        continue;
                    };
                    if let Some(o) = child.output(output) {
                        let mut inner = Vec::new();
                        self.resolve(ci, &o.references, &mut inner, depth + 1);
                        out.extend(
                            inner
                                .into_iter()
                                .map(|(a, _)| (a, EdgeSource::CfnNestedStackOutput)),
                        );
                    }
                }
                Reference::Import(name) => {
                    for (oi, other) in self.stacks.iter().enumerate() {
                        if oi == si {
                            continue;
                        }
                        let Some(ot) = other.template else { continue };
                        for o in &ot.outputs {
                            if o.export.as_ref().is_some_and(|e| e.could_equal(name)) {
                                let mut inner = Vec::new();
                                self.resolve(oi, &o.references, &mut inner, depth + 1);
                                out.extend(
                                    inner
                                        .into_iter()
                                        .map(|(a, _)| (a, EdgeSource::CfnImportValue)),
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(parts: &[Option<&str>]) -> ExportName {
        let mut n = ExportName::default();
        for p in parts {
            match p {
                Some(s) => n.push_literal(s),
                None => n.push_unknown(),
            }
        }
        n
    }

    #[test]
    fn export_names_match_with_unknown_parts() {
        let exported = name(&[None, Some(":ClusterName")]);
        assert!(exported.could_equal(&name(&[None, Some(":ClusterName")])));
        assert!(exported.could_equal(&name(&[Some("prod:ClusterName")])));
        assert!(!exported.could_equal(&name(&[None, Some(":VPCId")])));
        assert!(name(&[Some("a")]).could_equal(&name(&[Some("a")])));
        assert!(!name(&[Some("a")]).could_equal(&name(&[Some("b")])));
        assert!(name(&[Some("a-"), None]).could_equal(&name(&[None, Some("-b")])));
    }

    #[test]
    fn sub_escapes_and_variables() {
        let mut c = RefCollector::default();
        c.sub(
            "${!Literal}-${Bucket}-${Role.Arn}-${AWS::Region}-${Var}",
            &["Var"],
        );
        let refs = c.finish();
        assert_eq!(
            refs,
            vec![
                Reference::Name {
                    target: "Bucket".into(),
                    source: EdgeSource::CfnSub
                },
                Reference::Name {
                    target: "Role".into(),
                    source: EdgeSource::CfnSub
                },
            ]
        );
    }
}

#[cfg(test)]
mod graph_builder_tests {
    use super::*;

    /// Two addresses with the same hash (forced here; SipHash with a random key makes it
    /// practically impossible) are still two nodes, each found again.
    #[test]
    fn colliding_addresses_stay_apart() {
        let mut b = GraphBuilder::default();
        let a = b.node("Parent/A", "AWS::S3::Bucket");
        let hash_b = b.hash_of("Parent/", "B");
        b.index.insert(hash_b, a); // "B" now collides with "A"
        let node_b = b.node_at("Parent/", "B", UNKNOWN_TYPE);
        assert_ne!(a, node_b);
        assert_eq!(b.find("Parent/B"), Some(node_b));
        assert_eq!(b.find_at("Parent/", "A"), Some(a));
        assert_eq!(b.node("Parent/B", "AWS::SQS::Queue"), node_b);
        assert_eq!(b.nodes[node_b as usize].resource_type, "AWS::SQS::Queue");
        assert_eq!(b.nodes[node_b as usize].address, "Parent/B");
        b.index.insert(hash_b, a); // a chain that ends without the address
        assert_eq!(b.find("Parent/B"), None);
        assert_eq!(b.find("Parent/C"), None);
        assert_eq!(b.nodes.len(), 2);
    }
}

#[cfg(test)]
mod key_line_tests {
    use super::key_lines;

    #[test]
    fn logical_ids_only_at_their_depth() {
        let yaml = "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  Bucket:\n    Type: String\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      Bucket: x\n  Bucket:\n    Type: AWS::S3::Bucket\n  'Quoted':\n    Type: AWS::SNS::Topic\nOutputs:\n  Other:\n    Value: 1\n";
        let lines = key_lines(yaml);
        assert_eq!(lines.get("Queue"), Some(&6));
        assert_eq!(
            lines.get("Bucket"),
            Some(&10),
            "not the property, not the parameter"
        );
        assert_eq!(lines.get("Quoted"), Some(&12));
        assert_eq!(lines.get("Other"), None, "outputs are not resources");
        assert_eq!(lines.get("Type"), None);
        let json = "{\n  \"Resources\": {\n    \"A\": {\n      \"Type\": \"X\"\n    },\n    \"B\": {\"Type\": \"Y\"}\n  },\n  \"Outputs\": {\n    \"C\": {}\n  }\n}\n";
        let lines = key_lines(json);
        assert_eq!(lines.get("A"), Some(&3));
        assert_eq!(lines.get("B"), Some(&6));
        assert_eq!(lines.get("C"), None);
    }
}
