//! Analysis: merge inputs, then find destructive changes, their blast radius and root causes.
//!
//! Definitions (the report's vocabulary):
//! - **destructive**: the existing object is destroyed (`replace`, `delete`).
//! - **blast radius** of X: every node that transitively depends on X, split into `changing`
//!   (has its own non-no-op change in this plan) and `unchanged` (stays, but depends on
//!   something destroyed: the quiet victims).
//! - **root cause**: a destructive change not explained by the destruction of something it
//!   depends on. A replace is *explained* when a transitive dependency is destroyed, unless
//!   it has an independent reason (`replace_by_request`, `replace_because_tainted`); a delete
//!   is always its own root cause (it is decided by configuration, not by a dependency).
//!
//! Cost: root causes take one pass in dependency order over the condensed graph; each blast
//! radius is one traversal sharing a stamped visited-set, so total work is proportional to
//! the size of the output.

use crate::graph::{transitive_dependents, ResourceGraph, Visited};
use crate::model::{
    Action, Drift, Edge, Incomplete, InputInfo, Mode, Node, Note, OutputChange, Plan,
};
use std::collections::{BTreeMap, HashMap};

/// Reasons that make a replace independent of its dependencies.
const INDEPENDENT_REPLACE_REASONS: [&str; 2] = ["replace_by_request", "replace_because_tainted"];

pub struct Analysis {
    pub inputs: Vec<InputInfo>,
    pub nodes: Vec<Node>,
    pub graph: ResourceGraph,
    /// Sorted by address.
    pub destructive: Vec<Destructive>,
    pub notes: Vec<Note>,
    pub incomplete: Vec<Incomplete>,
    pub drift: Vec<Drift>,
    pub outputs: Vec<OutputChange>,
    pub summary: Summary,
    /// Node → position in `destructive`, or `u32::MAX`.
    destructive_index: Vec<u32>,
    /// Node → its position when nodes are sorted by address (then deposed key).
    rank: Vec<u32>,
    /// Nodes sorted by address (then deposed key).
    by_address: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destructive {
    pub node: u32,
    /// `None` when this change is itself a root cause.
    pub root_cause: Option<u32>,
    /// All transitive dependents: first those this plan changes, then those it leaves
    /// standing, each part sorted by address. One list, not three: a mass replacement has
    /// millions of (destroyed, dependent) pairs.
    blast: Box<[u32]>,
    changing_len: usize,
    /// For a root cause: how many other destructive changes it explains.
    pub explains: usize,
}

impl Destructive {
    /// Dependents with their own change in this plan, sorted by address.
    pub fn changing(&self) -> &[u32] {
        &self.blast[..self.changing_len]
    }

    /// Dependents this plan leaves standing (the quiet victims), sorted by address.
    pub fn unchanged(&self) -> &[u32] {
        &self.blast[self.changing_len..]
    }

    pub fn dependent_count(&self) -> usize {
        self.blast.len()
    }

    /// Every transitive dependent, in no particular order.
    pub fn dependents_any_order(&self) -> &[u32] {
        &self.blast
    }

    /// Every transitive dependent, sorted by address (the two parts merged).
    pub fn dependents<'a>(&'a self, a: &'a Analysis) -> impl Iterator<Item = u32> + 'a {
        let mut changing = self.changing().iter().copied().peekable();
        let mut unchanged = self.unchanged().iter().copied().peekable();
        std::iter::from_fn(move || match (changing.peek(), unchanged.peek()) {
            (Some(&x), Some(&y)) if a.rank[y as usize] < a.rank[x as usize] => unchanged.next(),
            (Some(_), _) => changing.next(),
            (None, _) => unchanged.next(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    pub counts: BTreeMap<Action, usize>,
    /// Managed objects that exist before the plan (everything but creates, imports, reads).
    pub managed_existing: usize,
    /// Of those, how many this plan destroys (replace or delete).
    pub managed_destroyed: usize,
    pub root_causes: usize,
}

impl Summary {
    /// Share of the existing managed estate this plan destroys, 0.0–1.0.
    pub fn destroyed_share(&self) -> f64 {
        if self.managed_existing == 0 {
            0.0
        } else {
            self.managed_destroyed as f64 / self.managed_existing as f64
        }
    }
}

impl Analysis {
    pub fn node(&self, i: u32) -> &Node {
        &self.nodes[i as usize]
    }

    pub fn destructive_of(&self, node: u32) -> Option<&Destructive> {
        let i = *self.destructive_index.get(node as usize)?;
        self.destructive.get(i as usize)
    }

    /// Root causes, sorted by address.
    pub fn root_causes(&self) -> impl Iterator<Item = &Destructive> {
        self.destructive.iter().filter(|d| d.root_cause.is_none())
    }

    /// Position of node `i` in address order (then deposed key).
    pub fn rank(&self, i: u32) -> u32 {
        self.rank[i as usize]
    }

    /// Every node, sorted by address (then deposed key): the order of every report list.
    pub fn nodes_by_address(&self) -> impl Iterator<Item = (u32, &Node)> + '_ {
        self.by_address
            .iter()
            .map(|&i| (i, &self.nodes[i as usize]))
    }
}

/// Combine several inputs into one node space. When the same address appears in more than
/// one input, every address is prefixed with its input path (`path::address`) so nothing
/// is silently merged.
fn merge(plans: Vec<Plan>) -> Merged {
    let multi = plans.len() > 1;
    let collide = plans.len() > 1 && {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut c = false;
        'outer: for (i, p) in plans.iter().enumerate() {
            for n in &p.nodes {
                if let Some(&j) = seen.get(n.address.as_str()) {
                    if j != i {
                        c = true;
                        break 'outer;
                    }
                } else {
                    seen.insert(&n.address, i);
                }
            }
        }
        c
    };
    let mut inputs = Vec::new();
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    let mut notes = Vec::new();
    let mut incomplete = Vec::new();
    let mut drift = Vec::new();
    let mut outputs = Vec::new();
    for p in plans {
        let base = nodes.len() as u32;
        let prefix = |a: &str| -> String {
            if collide {
                format!("{}::{a}", p.input.path)
            } else {
                a.to_string()
            }
        };
        if nodes.is_empty() && edges.is_empty() && !collide {
            // The usual single input: take its lists as they are (no copy at peak memory).
            nodes = p.nodes;
            edges = p.edges;
        } else {
            for mut n in p.nodes {
                if collide {
                    n.address = prefix(&n.address);
                }
                nodes.push(n);
            }
            edges.extend(p.edges.into_iter().map(|e| Edge {
                from: e.from + base,
                to: e.to + base,
                source: e.source,
            }));
        }
        for mut n in p.notes {
            n.address = n.address.map(|a| prefix(&a));
            notes.push(n);
        }
        for mut i in p.incomplete {
            if multi {
                i.message = format!("{}: {}", p.input.path, i.message);
            }
            incomplete.push(i);
        }
        drift.extend(p.drift.into_iter().map(|mut d| {
            d.address = prefix(&d.address);
            d
        }));
        outputs.extend(p.outputs.into_iter().map(|mut o| {
            o.references = o.references.iter().map(|r| prefix(r)).collect();
            o
        }));
        inputs.push(p.input);
    }
    Merged {
        inputs,
        nodes,
        edges,
        notes,
        incomplete,
        drift,
        outputs,
    }
}

struct Merged {
    inputs: Vec<InputInfo>,
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    notes: Vec<Note>,
    incomplete: Vec<Incomplete>,
    drift: Vec<Drift>,
    outputs: Vec<OutputChange>,
}

/// Analyse parsed plans (one or several inputs) into one [`Analysis`].
pub fn analyze_plans(plans: Vec<Plan>) -> Analysis {
    let Merged {
        inputs,
        nodes,
        edges,
        mut notes,
        incomplete,
        mut drift,
        outputs,
    } = merge(plans);
    let graph = ResourceGraph::new(nodes.len(), &edges);
    drop(edges);

    let mut summary = Summary::default();
    for n in &nodes {
        if let Some(c) = &n.change {
            *summary.counts.entry(c.action).or_default() += 1;
        }
        if n.mode == Mode::Managed && n.deposed.is_none() {
            let exists = !matches!(
                n.action(),
                Some(Action::Create | Action::Import | Action::Read)
            );
            if exists {
                summary.managed_existing += 1;
                if n.is_destructive() {
                    summary.managed_destroyed += 1;
                }
            }
        }
    }

    // Every list in the report is sorted by address: rank nodes once, then sort by rank.
    let mut order_by_address: Vec<u32> = (0..nodes.len() as u32).collect();
    order_by_address.sort_unstable_by(|&a, &b| {
        let (x, y) = (&nodes[a as usize], &nodes[b as usize]);
        x.address
            .cmp(&y.address)
            .then_with(|| x.deposed.cmp(&y.deposed))
    });
    let mut rank = vec![0u32; nodes.len()];
    for (r, &n) in order_by_address.iter().enumerate() {
        rank[n as usize] = r as u32;
    }

    // Root causes: one pass in dependency order. `cause[n]` is a root cause among n's
    // transitive dependencies (not n itself), if any.
    let explainable = |n: &Node| -> bool {
        n.change.as_ref().is_some_and(|c| {
            c.action == Action::Replace
                && !c
                    .reasons
                    .iter()
                    .any(|r| INDEPENDENT_REPLACE_REASONS.contains(&r.as_str()))
        })
    };
    let order = graph.components_in_dependency_order();
    let comp = &order.component;
    let mut cause: Vec<Option<u32>> = vec![None; nodes.len()];
    // What a node passes on to its dependents.
    let through = |n: u32, cause: &[Option<u32>]| -> Option<u32> {
        let node = &nodes[n as usize];
        if node.is_destructive() {
            if explainable(node) {
                cause[n as usize].or(Some(n))
            } else {
                Some(n)
            }
        } else {
            cause[n as usize]
        }
    };
    let better = |a: Option<u32>, b: Option<u32>| -> Option<u32> {
        match (a, b) {
            (Some(x), Some(y)) => Some(if rank[y as usize] < rank[x as usize] {
                y
            } else {
                x
            }),
            (x, None) => x,
            (None, y) => y,
        }
    };
    for members in order.components() {
        let c = comp[members[0] as usize];
        let mut from_outside: Option<u32> = None;
        for &m in members {
            for d in graph.dependencies(m) {
                if comp[d as usize] != c {
                    from_outside = better(from_outside, through(d, &cause));
                }
            }
        }
        for &m in members {
            cause[m as usize] = from_outside;
        }
        if members.len() > 1 {
            // Inside a cycle, a destroyed member explains the others.
            let inner = members
                .iter()
                .filter(|&&m| nodes[m as usize].is_destructive())
                .min_by_key(|&&m| rank[m as usize])
                .copied();
            for &m in members {
                if cause[m as usize].is_none() && inner != Some(m) {
                    cause[m as usize] = inner;
                }
            }
        }
    }

    // Destructive changes with their blast radius: one traversal each, independent of each
    // other, so the destroyed nodes are split across two cores.
    let destroyed: Vec<u32> = (0..nodes.len() as u32)
        .filter(|&i| nodes[i as usize].is_destructive())
        .collect();
    // Sort key of a dependent: changing ones first, then by address. Precomputed so that
    // sorting millions of dependents never touches the (large) node structs.
    const UNCHANGED: u32 = 1 << 31;
    let blast_key: Vec<u32> = nodes
        .iter()
        .zip(&rank)
        .map(|(n, &r)| if n.is_changing() { r } else { r | UNCHANGED })
        .collect();
    let blast_radii = |part: &[u32]| -> Vec<Destructive> {
        let mut visited = Visited::new(nodes.len());
        let mut buf = Vec::new();
        part.iter()
            .map(|&i| {
                buf.clear();
                transitive_dependents(&graph, i, &mut visited, &mut buf);
                buf.sort_unstable_by_key(|&d| blast_key[d as usize]);
                let changing_len = buf.partition_point(|&d| blast_key[d as usize] < UNCHANGED);
                let n = &nodes[i as usize];
                Destructive {
                    node: i,
                    root_cause: if explainable(n) {
                        cause[i as usize]
                    } else {
                        None
                    },
                    blast: buf.as_slice().into(),
                    changing_len,
                    explains: 0,
                }
            })
            .collect()
    };
    let (first, second) = destroyed.split_at(destroyed.len() / 2);
    // Small plans: the traversals take well under a millisecond, and a thread started now
    // would compete with the second core's hashing (see `crate::analyze`).
    let mut destructive = if destroyed.len() < 64 || nodes.len() < 10_000 {
        blast_radii(&destroyed)
    } else {
        std::thread::scope(|scope| {
            let later = scope.spawn(|| blast_radii(second));
            let mut d = blast_radii(first);
            d.extend(
                later
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            );
            d
        })
    };
    destructive.sort_unstable_by_key(|d| rank[d.node as usize]);
    let mut destructive_index = vec![u32::MAX; nodes.len()];
    for (i, d) in destructive.iter().enumerate() {
        destructive_index[d.node as usize] = i as u32;
    }
    let mut explains: HashMap<u32, usize> = HashMap::new();
    for d in &destructive {
        if let Some(r) = d.root_cause {
            *explains.entry(r).or_default() += 1;
        }
    }
    for d in &mut destructive {
        if d.root_cause.is_none() {
            d.explains = explains.get(&d.node).copied().unwrap_or(0);
        }
    }
    summary.root_causes = destructive
        .iter()
        .filter(|d| d.root_cause.is_none())
        .count();

    notes.sort();
    notes.dedup();
    drift.sort();
    Analysis {
        inputs,
        nodes,
        graph,
        destructive,
        notes,
        incomplete,
        drift,
        outputs,
        summary,
        destructive_index,
        rank,
        by_address: order_by_address,
    }
}
