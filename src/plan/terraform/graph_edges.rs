//! Dependency edges of a Terraform plan, as §12 of the plan-format reference describes.
//!
//! Two sources, both kept with their provenance:
//! - **configuration** (`references`, `depends_on`, count/for_each, provisioners, provider
//!   configs), resolved through module calls (`module.C.OUT` → the child's output
//!   expression, `var.V` → the parent's argument), mapped to instances by pairing instances
//!   that share the same module-instance keys along their common module path;
//! - **prior_state `depends_on`** (transitive as of the last apply), normalised through moves.
//!
//! `local.*` cannot be resolved from plan JSON (locals are not in it): such references are
//! reported as notes saying an edge may be missing. Literal instance indexes in references
//! are *not* used to narrow edges: Terraform also lists every prefix of a reference, so
//! `aws_x.y[0].id` always comes with a bare `aws_x.y` that could be a splat. Over-reporting
//! a dependent is safe; missing one is not.

use super::address::parse_instance;
use super::Str;
use crate::model::{Edge, EdgeSource, Node, Note, NoteKind};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::rc::Rc;

#[derive(Deserialize)]
pub(crate) struct RawConfig<'a> {
    #[serde(borrow, default)]
    provider_config: BTreeMap<Str<'a>, RawProviderConfig<'a>>,
    #[serde(borrow, default)]
    root_module: Option<RawModule<'a>>,
}

#[derive(Deserialize)]
struct RawProviderConfig<'a> {
    #[serde(borrow, default)]
    module_address: Option<Str<'a>>,
    #[serde(borrow, default)]
    expressions: Refs<'a>,
}

#[derive(Deserialize, Default)]
struct RawModule<'a> {
    #[serde(borrow, default)]
    outputs: BTreeMap<Str<'a>, RawOutput<'a>>,
    #[serde(borrow, default)]
    resources: Vec<RawConfigResource<'a>>,
    #[serde(borrow, default)]
    module_calls: BTreeMap<Str<'a>, RawModuleCall<'a>>,
}

#[derive(Deserialize)]
struct RawOutput<'a> {
    #[serde(borrow, default)]
    expression: Refs<'a>,
    #[serde(borrow, default)]
    depends_on: Vec<Str<'a>>,
}

#[derive(Deserialize)]
struct RawConfigResource<'a> {
    #[serde(borrow)]
    address: Str<'a>,
    #[serde(borrow, default)]
    provider_config_key: Option<Str<'a>>,
    #[serde(borrow, default)]
    expressions: Refs<'a>,
    #[serde(borrow, default)]
    count_expression: Refs<'a>,
    #[serde(borrow, default)]
    for_each_expression: Refs<'a>,
    #[serde(borrow, default)]
    depends_on: Vec<Str<'a>>,
    #[serde(borrow, default)]
    provisioners: Refs<'a>,
}

#[derive(Deserialize)]
struct RawModuleCall<'a> {
    #[serde(borrow, default)]
    expressions: BTreeMap<Str<'a>, Refs<'a>>,
    #[serde(borrow, default)]
    count_expression: Refs<'a>,
    #[serde(borrow, default)]
    for_each_expression: Refs<'a>,
    #[serde(borrow, default)]
    depends_on: Vec<Str<'a>>,
    #[serde(borrow, default)]
    module: Option<RawModule<'a>>,
}

/// Every string under a `references` key anywhere inside an expressions tree, skipping
/// `constant_value` subtrees (a constant map may hold a key named `references`).
#[derive(Default)]
struct Refs<'a>(Vec<Str<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for Refs<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut out = Vec::new();
        Collect {
            out: &mut out,
            in_refs: false,
        }
        .deserialize(d)?;
        Ok(Refs(out))
    }
}

struct Collect<'o, 'a> {
    out: &'o mut Vec<Str<'a>>,
    in_refs: bool,
}

impl<'de: 'a, 'a> DeserializeSeed<'de> for Collect<'_, 'a> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for Collect<'_, 'a> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a configuration expression")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
        if self.in_refs {
            self.out.push(Str::Borrowed(v));
        }
        Ok(())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        if self.in_refs {
            self.out.push(Str::Owned(v.to_string()));
        }
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let in_refs = self.in_refs;
        while seq
            .next_element_seed(Collect {
                out: &mut *self.out,
                in_refs,
            })?
            .is_some()
        {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Str<'de>>()? {
            if key == "constant_value" {
                map.next_value::<IgnoredAny>()?;
            } else {
                map.next_value_seed(Collect {
                    out: &mut *self.out,
                    in_refs: key == "references",
                })?;
            }
        }
        Ok(())
    }
}

pub(crate) struct EdgeInputs<'n, 'a> {
    pub nodes: &'n [Node],
    pub configuration: Option<&'n RawConfig<'a>>,
    /// (node index, its prior_state `depends_on` as ids into `depends_on_names`).
    pub state: Vec<(u32, &'n [u32])>,
    pub depends_on_names: &'n [String],
    /// (old config address, new config address) from `previous_address`.
    pub moves: &'n [(String, String)],
}

pub(crate) struct Derived {
    pub edges: Vec<Edge>,
    pub notes: Vec<Note>,
    /// Root output name → config addresses its expression depends on.
    pub output_refs: HashMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Target {
    /// Absolute config address of a resource.
    Resource(String),
    /// Every resource under this config module path (`module.a.module.b.`).
    Module(String),
}

/// One module of the configuration, by config path.
struct ModuleInfo<'n, 'a> {
    module: &'n RawModule<'a>,
    /// Parent path and the call that created this module; `None` at root.
    parent: Option<(String, &'n RawModuleCall<'a>)>,
}

struct Resolver<'n, 'a> {
    modules: HashMap<String, ModuleInfo<'n, 'a>>,
    memo: HashMap<(String, String), Rc<Vec<Target>>>,
    /// `local.*` names met while resolving, per resolution (drained by the caller).
    locals: BTreeSet<String>,
}

/// First `n` names of a reference, skipping `[…]` keys (quotes respected).
fn ref_names(r: &str, n: usize) -> Vec<&str> {
    let b = r.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut start = 0;
    let mut in_bracket = false;
    let mut in_string = false;
    while i < b.len() && out.len() < n {
        let c = b[i];
        if in_string {
            if c == b'\\' {
                i += 1;
            } else if c == b'"' {
                in_string = false;
            }
        } else if in_bracket {
            if c == b'"' {
                in_string = true;
            } else if c == b']' {
                in_bracket = false;
                start = i + 1;
            }
        } else if c == b'[' {
            if i > start {
                out.push(&r[start..i]);
            }
            in_bracket = true;
        } else if c == b'.' {
            if i > start {
                out.push(&r[start..i]);
            }
            start = i + 1;
        }
        i += 1;
    }
    if out.len() < n && !in_bracket && start < b.len() {
        out.push(&r[start..]);
    }
    out
}

impl<'n, 'a> Resolver<'n, 'a> {
    /// Resolve a list of references (as Terraform lists them, prefixes included) in `path`.
    fn resolve_refs(&mut self, refs: &[Str<'a>], path: &str, out: &mut Vec<Target>) {
        // `module.C` comes with every `module.C.OUT`: only a bare one on its own means the
        // whole module object (all outputs).
        let mut with_output: BTreeSet<&str> = BTreeSet::new();
        for r in refs {
            let names = ref_names(r, 3);
            if names.len() >= 3 && names[0] == "module" {
                with_output.insert(names[1]);
            }
        }
        for r in refs {
            let names = ref_names(r, 3);
            match names.as_slice() {
                ["module", c] if with_output.contains(c) => {}
                _ => self.resolve_one(&names, path, out),
            }
        }
    }

    fn resolve_one(&mut self, names: &[&str], path: &str, out: &mut Vec<Target>) {
        match names {
            [] | ["count" | "each" | "path" | "terraform" | "self", ..] => {}
            ["local", l, ..] => {
                self.locals.insert(format!("local.{l}"));
            }
            ["var", v, ..] => {
                let r = self.resolve_var(path, v);
                out.extend(r.iter().cloned());
            }
            ["module", c, o, ..] => {
                let r = self.resolve_output(&format!("{path}module.{c}."), o);
                out.extend(r.iter().cloned());
            }
            ["module", c] => {
                let child = format!("{path}module.{c}.");
                let outputs: Vec<String> = self
                    .modules
                    .get(&child)
                    .map(|m| m.module.outputs.keys().map(|k| k.to_string()).collect())
                    .unwrap_or_default();
                for o in outputs {
                    let r = self.resolve_output(&child, &o);
                    out.extend(r.iter().cloned());
                }
            }
            ["data", t, n, ..] => out.push(Target::Resource(format!("{path}data.{t}.{n}"))),
            [t, n, ..] => out.push(Target::Resource(format!("{path}{t}.{n}"))),
            [_] => {}
        }
    }

    /// `depends_on` entries: module-relative subjects; a module means all its resources.
    fn resolve_depends_on(&mut self, deps: &[Str<'a>], path: &str, out: &mut Vec<Target>) {
        for d in deps {
            let names = ref_names(d, 3);
            match names.as_slice() {
                ["module", c] => out.push(Target::Module(format!("{path}module.{c}."))),
                _ => self.resolve_one(&names, path, out),
            }
        }
    }

    fn memoized(
        &mut self,
        key: (String, String),
        compute: impl FnOnce(&mut Self) -> Vec<Target>,
    ) -> Rc<Vec<Target>> {
        if let Some(r) = self.memo.get(&key) {
            return Rc::clone(r);
        }
        // Guard against reference cycles (invalid configs, but never loop on input).
        self.memo.insert(key.clone(), Rc::new(Vec::new()));
        let mut v = compute(self);
        v.sort();
        v.dedup();
        let r = Rc::new(v);
        self.memo.insert(key, Rc::clone(&r));
        r
    }

    fn resolve_output(&mut self, child: &str, output: &str) -> Rc<Vec<Target>> {
        let key = (child.to_string(), format!("output.{output}"));
        let child = child.to_string();
        let output = output.to_string();
        self.memoized(key, move |this| {
            let mut out = Vec::new();
            let Some(o) = this
                .modules
                .get(&child)
                .and_then(|m| m.module.outputs.get(output.as_str()))
            else {
                return out;
            };
            let (refs, deps) = (&o.expression.0, &o.depends_on);
            this.resolve_refs(refs, &child, &mut out);
            this.resolve_depends_on(deps, &child, &mut out);
            out
        })
    }

    fn resolve_var(&mut self, path: &str, var: &str) -> Rc<Vec<Target>> {
        let key = (path.to_string(), format!("var.{var}"));
        let path = path.to_string();
        let var = var.to_string();
        self.memoized(key, move |this| {
            let mut out = Vec::new();
            let Some((parent, call)) = this.modules.get(&path).and_then(|m| m.parent.clone())
            else {
                return out; // root variable: an input, no edge
            };
            if let Some(expr) = call.expressions.get(var.as_str()) {
                this.resolve_refs(&expr.0, &parent, &mut out);
            }
            out
        })
    }
}

fn walk_modules<'n, 'a>(
    module: &'n RawModule<'a>,
    path: String,
    parent: Option<(String, &'n RawModuleCall<'a>)>,
    modules: &mut HashMap<String, ModuleInfo<'n, 'a>>,
) {
    for (name, call) in &module.module_calls {
        if let Some(child) = &call.module {
            let child_path = format!("{path}module.{name}.");
            walk_modules(child, child_path, Some((path.clone(), call)), modules);
        }
    }
    modules.insert(path, ModuleInfo { module, parent });
}

/// Instances of config addresses, interned so that mapping millions of config-level
/// dependencies to instances allocates nothing per edge.
struct Instances<'n> {
    /// Node → its config id (`u32::MAX` when the address does not parse).
    node_config: Vec<u32>,
    /// Config address → id. Sorted, for "every resource under module X" range queries.
    ids: BTreeMap<String, u32>,
    /// Config id → its instances (node indexes).
    instances: Vec<Vec<u32>>,
    /// Config id → module call names along its path.
    module_names: Vec<Vec<&'n str>>,
    /// Node → interned module-instance prefix id at depth 1..=k, flattened.
    prefix_start: Vec<u32>,
    prefixes: Vec<u32>,
    /// (config id, depth) → prefix id → instances with that prefix.
    groups: crate::id_hash::IdMap<(u32, u32), crate::id_hash::IdMap<u32, Vec<u32>>>,
}

impl<'n> Instances<'n> {
    fn new(nodes: &'n [Node]) -> Instances<'n> {
        let mut ids: BTreeMap<String, u32> = BTreeMap::new();
        let mut instances: Vec<Vec<u32>> = Vec::new();
        let mut module_names: Vec<Vec<&'n str>> = Vec::new();
        let mut prefix_ids: HashMap<String, u32> = HashMap::new();
        let mut prefix_start = Vec::with_capacity(nodes.len() + 1);
        let mut prefixes = Vec::new();
        let mut buf = String::new();
        let mut node_config = vec![u32::MAX; nodes.len()];
        for (i, node) in nodes.iter().enumerate() {
            prefix_start.push(prefixes.len() as u32);
            let Some(p) = parse_instance(&node.address) else {
                continue;
            };
            buf.clear();
            for m in &p.modules {
                buf.push_str("module.");
                buf.push_str(m.name);
                if let Some(k) = m.key {
                    buf.push('[');
                    buf.push_str(k);
                    buf.push(']');
                }
                buf.push('.');
                let next = prefix_ids.len() as u32;
                let id = match prefix_ids.get(buf.as_str()) {
                    Some(&id) => id,
                    None => {
                        prefix_ids.insert(buf.clone(), next);
                        next
                    }
                };
                prefixes.push(id);
            }
            let config = p.config_address();
            let cid = match ids.get(config.as_str()) {
                Some(&c) => c,
                None => {
                    let c = instances.len() as u32;
                    ids.insert(config, c);
                    instances.push(Vec::new());
                    module_names.push(p.modules.iter().map(|m| m.name).collect());
                    c
                }
            };
            node_config[i] = cid;
            // Deposed objects are leftovers: nothing depends on them any more.
            if node.deposed.is_none() {
                instances[cid as usize].push(i as u32);
            }
        }
        prefix_start.push(prefixes.len() as u32);
        Instances {
            node_config,
            ids,
            instances,
            module_names,
            prefix_start,
            prefixes,
            groups: Default::default(),
        }
    }

    fn id(&self, config_addr: &str) -> Option<u32> {
        self.ids.get(config_addr).copied()
    }

    /// Module-instance prefix id of node `n` at `depth` (1-based).
    fn prefix_of(&self, n: u32, depth: usize) -> Option<u32> {
        let start = self.prefix_start[n as usize] as usize;
        let end = self.prefix_start[n as usize + 1] as usize;
        (depth >= 1 && start + depth <= end).then(|| self.prefixes[start + depth - 1])
    }

    /// Instances of config `cid` paired with dependent instance `d` (whose module call
    /// config is `d_cid`): along the module calls both share, the keys must be equal.
    fn paired(&mut self, d: u32, d_cid: u32, cid: u32, out: &mut Vec<u32>) {
        let depth = self.module_names[d_cid as usize]
            .iter()
            .zip(&self.module_names[cid as usize])
            .take_while(|(a, b)| a == b)
            .count();
        let all = &self.instances[cid as usize];
        if depth == 0 {
            out.extend(all.iter().copied().filter(|&i| i != d));
            return;
        }
        let Some(d_prefix) = self.prefix_of(d, depth) else {
            return;
        };
        let key = (cid, depth as u32);
        if !self.groups.contains_key(&key) {
            let mut g: crate::id_hash::IdMap<u32, Vec<u32>> = Default::default();
            for &i in &self.instances[cid as usize] {
                if let Some(p) = self.prefix_of(i, depth) {
                    g.entry(p).or_default().push(i);
                }
            }
            self.groups.insert(key, g);
        }
        if let Some(v) = self.groups.get(&key).and_then(|g| g.get(&d_prefix)) {
            out.extend(v.iter().copied().filter(|&i| i != d));
        }
    }

    /// Config ids of every resource under a module path (`module.a.`).
    fn under_module(&self, prefix: &str) -> Vec<u32> {
        self.ids
            .range::<str, _>((
                std::ops::Bound::Included(prefix),
                std::ops::Bound::Unbounded,
            ))
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(_, &c)| c)
            .collect()
    }

    fn config_names(&self, cids: &[u32]) -> Vec<String> {
        let mut by_id: Vec<Option<&str>> = vec![None; self.instances.len()];
        for (k, &c) in &self.ids {
            by_id[c as usize] = Some(k.as_str());
        }
        cids.iter()
            .filter_map(|&c| by_id[c as usize].map(str::to_string))
            .collect()
    }
}

pub(crate) fn derive(input: EdgeInputs<'_, '_>) -> Derived {
    let mut edges: Vec<Edge> = Vec::new();
    let mut notes: Vec<Note> = Vec::new();
    let mut output_refs: HashMap<String, Vec<String>> = HashMap::new();
    let mut instances = Instances::new(input.nodes);

    let push_targets = |instances: &mut Instances<'_>,
                        edges: &mut Vec<Edge>,
                        buf: &mut Vec<u32>,
                        d: u32,
                        d_cid: u32,
                        targets: &[(u32, EdgeSource)]| {
        for &(cid, source) in targets {
            buf.clear();
            instances.paired(d, d_cid, cid, buf);
            edges.extend(buf.iter().map(|&to| Edge {
                from: d,
                to,
                source,
            }));
        }
    };
    let mut buf = Vec::new();

    // A. Configuration.
    if let Some(root) = input.configuration.and_then(|c| c.root_module.as_ref()) {
        let mut modules = HashMap::new();
        walk_modules(root, String::new(), None, &mut modules);
        let mut resolver = Resolver {
            modules,
            memo: HashMap::new(),
            locals: BTreeSet::new(),
        };
        let providers = input.configuration.map(|c| &c.provider_config);

        let mut paths: Vec<String> = resolver.modules.keys().cloned().collect();
        paths.sort();
        for path in &paths {
            // References every resource in this module inherits from the module calls
            // that enclose it (count/for_each/depends_on of each call, in its parent).
            let mut inherited: Vec<(Target, EdgeSource)> = Vec::new();
            let mut p = path.clone();
            while let Some((parent, call)) = resolver.modules.get(&p).and_then(|m| m.parent.clone())
            {
                let mut t = Vec::new();
                resolver.resolve_refs(&call.count_expression.0, &parent, &mut t);
                resolver.resolve_refs(&call.for_each_expression.0, &parent, &mut t);
                inherited.extend(t.into_iter().map(|t| (t, EdgeSource::ConfigReference)));
                let mut t = Vec::new();
                resolver.resolve_depends_on(&call.depends_on, &parent, &mut t);
                inherited.extend(t.into_iter().map(|t| (t, EdgeSource::ConfigDependsOn)));
                p = parent;
            }
            resolver.locals.clear();

            let Some(module) = resolver.modules.get(path).map(|m| m.module) else {
                continue;
            };
            for res in &module.resources {
                let abs = format!("{path}{}", res.address);
                let mut targets: Vec<(Target, EdgeSource)> = inherited.clone();
                let mut t = Vec::new();
                for refs in [
                    &res.expressions,
                    &res.count_expression,
                    &res.for_each_expression,
                    &res.provisioners,
                ] {
                    resolver.resolve_refs(&refs.0, path, &mut t);
                }
                targets.extend(t.drain(..).map(|t| (t, EdgeSource::ConfigReference)));
                resolver.resolve_depends_on(&res.depends_on, path, &mut t);
                targets.extend(t.drain(..).map(|t| (t, EdgeSource::ConfigDependsOn)));
                if let Some(pc) = res
                    .provider_config_key
                    .as_ref()
                    .and_then(|k| providers.and_then(|p| p.get(k.as_ref())))
                {
                    let ppath = pc
                        .module_address
                        .as_ref()
                        .map(|m| {
                            let m = m.as_ref();
                            // 0.12 wrote module_address without the `module.` prefix.
                            if m.starts_with("module.") {
                                format!("{m}.")
                            } else {
                                format!("module.{m}.")
                            }
                        })
                        .unwrap_or_default();
                    resolver.resolve_refs(&pc.expressions.0, &ppath, &mut t);
                    targets.extend(t.drain(..).map(|t| (t, EdgeSource::ProviderConfig)));
                }
                let locals = std::mem::take(&mut resolver.locals);
                if !locals.is_empty() {
                    let names: Vec<String> = locals.into_iter().collect();
                    notes.push(Note {
                        kind: NoteKind::UnresolvedReference,
                        address: Some(abs.clone()),
                        message: format!(
                            "{abs} references {}: locals are not in plan JSON, so edges \
                             through them come only from prior_state depends_on (objects \
                             already applied); an edge may be missing",
                            names.join(", ")
                        ),
                    });
                }
                targets.retain(|(t, _)| !matches!(t, Target::Resource(r) if *r == abs));
                targets.sort();
                targets.dedup_by(|a, b| a.0 == b.0);
                if targets.is_empty() {
                    continue;
                }
                let Some(d_cid) = instances.id(&abs) else {
                    continue;
                };
                let dependents = instances.instances[d_cid as usize].clone();
                let mut ids: Vec<(u32, EdgeSource)> = Vec::with_capacity(targets.len());
                for (t, source) in &targets {
                    match t {
                        Target::Resource(c) => ids.extend(instances.id(c).map(|c| (c, *source))),
                        Target::Module(prefix) => ids.extend(
                            instances
                                .under_module(prefix)
                                .into_iter()
                                .map(|c| (c, *source)),
                        ),
                    }
                }
                for d in dependents {
                    push_targets(&mut instances, &mut edges, &mut buf, d, d_cid, &ids);
                }
            }
        }

        // Root outputs: which resources each one reads.
        if let Some(root_info) = resolver.modules.get("") {
            let names: Vec<String> = root_info
                .module
                .outputs
                .keys()
                .map(|k| k.to_string())
                .collect();
            for name in names {
                let r = resolver.resolve_output("", &name);
                let mut cids: Vec<u32> = Vec::new();
                for t in r.iter() {
                    match t {
                        Target::Resource(c) => cids.extend(instances.id(c)),
                        Target::Module(p) => cids.extend(instances.under_module(p)),
                    }
                }
                let mut addrs = instances.config_names(&cids);
                addrs.sort();
                addrs.dedup();
                output_refs.insert(name, addrs);
            }
        }
    }

    // B. prior_state depends_on.
    let moves: HashMap<&str, &str> = input
        .moves
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let mut stale: BTreeSet<String> = BTreeSet::new();
    let mut resolved_names: Vec<Option<Option<u32>>> = vec![None; input.depends_on_names.len()];
    let mut targets = Vec::new();
    for (d, deps) in &input.state {
        if deps.is_empty() {
            continue;
        }
        let d_cid = match instances.node_config[*d as usize] {
            u32::MAX => continue,
            c => c,
        };
        targets.clear();
        for &dep in deps.iter() {
            // Each distinct name is resolved once, however often it is listed.
            let resolved = *resolved_names[dep as usize].get_or_insert_with(|| {
                let name = input.depends_on_names[dep as usize].as_str();
                let id = instances
                    .id(name)
                    .or_else(|| moves.get(name).and_then(|m| instances.id(m)));
                if id.is_none() {
                    stale.insert(name.to_string());
                }
                id
            });
            if let Some(c) = resolved {
                targets.push((c, EdgeSource::StateDependsOn));
            }
        }
        push_targets(&mut instances, &mut edges, &mut buf, *d, d_cid, &targets);
    }
    if !stale.is_empty() {
        let shown: Vec<&str> = stale.iter().take(10).map(String::as_str).collect();
        notes.push(Note {
            kind: NoteKind::StaleDependency,
            address: None,
            message: format!(
                "{} prior_state depends_on entr{} name nothing in this plan (stale since the \
                 last apply): {}{}",
                stale.len(),
                if stale.len() == 1 { "y" } else { "ies" },
                shown.join(", "),
                if stale.len() > shown.len() {
                    ", …"
                } else {
                    ""
                }
            ),
        });
    }

    // The list grew by doubling: give the slack back before the graph is built from it.
    edges.shrink_to_fit();
    // Deterministic order already (config paths sorted, nodes in plan order); duplicates
    // (the same dependency by two routes) are harmless to traversals, so no sort here.
    Derived {
        edges,
        notes,
        output_refs,
    }
}

#[cfg(test)]
mod tests {
    use super::ref_names;

    #[test]
    fn reference_names_skip_keys() {
        assert_eq!(
            ref_names("aws_instance.web[0].id", 3),
            ["aws_instance", "web", "id"]
        );
        assert_eq!(
            ref_names(r#"module.foo["a.b"].out"#, 3),
            ["module", "foo", "out"]
        );
        assert_eq!(ref_names("var.list[0][1]", 3), ["var", "list"]);
        assert_eq!(ref_names("data.x.y", 3), ["data", "x", "y"]);
        assert_eq!(ref_names("count.index", 3), ["count", "index"]);
    }
}
