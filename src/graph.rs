//! The resource graph: who depends on whom, across every input of one analysis.
//!
//! An edge `A → B` means A depends on B (petgraph node index = model node index). Every
//! traversal here is iterative (a 100k-deep dependency chain must not overflow the stack) and
//! shares work across nodes where it can: cycles are condensed once, and dependency order is
//! computed once, so root causes cost one linear pass.

use crate::model::{Edge, EdgeSource};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

pub struct ResourceGraph {
    g: DiGraph<(), EdgeSource, u32>,
}

impl ResourceGraph {
    pub fn new(node_count: usize, edges: &[Edge]) -> ResourceGraph {
        let mut g = DiGraph::with_capacity(node_count, edges.len());
        for _ in 0..node_count {
            g.add_node(());
        }
        for e in edges {
            if (e.from as usize) < node_count && (e.to as usize) < node_count && e.from != e.to {
                g.add_edge(
                    NodeIndex::new(e.from as usize),
                    NodeIndex::new(e.to as usize),
                    e.source,
                );
            }
        }
        ResourceGraph { g }
    }

    pub fn node_count(&self) -> usize {
        self.g.node_count()
    }

    pub fn edge_count(&self) -> usize {
        self.g.edge_count()
    }

    /// Direct dependents of `n` (nodes with an edge to `n`), possibly repeated.
    pub fn dependents(&self, n: u32) -> impl Iterator<Item = u32> + '_ {
        self.g
            .neighbors_directed(NodeIndex::new(n as usize), Direction::Incoming)
            .map(|i| i.index() as u32)
    }

    /// Direct dependencies of `n`, possibly repeated.
    pub fn dependencies(&self, n: u32) -> impl Iterator<Item = u32> + '_ {
        self.g
            .neighbors_directed(NodeIndex::new(n as usize), Direction::Outgoing)
            .map(|i| i.index() as u32)
    }

    /// Every edge as `(from, to, source)`.
    pub fn edges(&self) -> impl Iterator<Item = (u32, u32, EdgeSource)> + '_ {
        self.g.raw_edges().iter().map(|e| {
            (
                e.source().index() as u32,
                e.target().index() as u32,
                e.weight,
            )
        })
    }

    /// Strongly connected components, listed so that every component comes after all the
    /// components it depends on. Returns (component of each node, components in that order).
    pub fn components_in_dependency_order(&self) -> (Vec<u32>, Vec<Vec<u32>>) {
        // Plans are almost always acyclic: try a plain topological order first (one pass),
        // and condense cycles only when there are some.
        if let Some(order) = self.topological_order() {
            let comp: Vec<u32> = (0..self.g.node_count() as u32).collect();
            let mut ordered = Vec::with_capacity(order.len());
            for n in order {
                ordered.push(vec![n]);
            }
            return (comp, ordered);
        }
        let sccs = petgraph::algo::kosaraju_scc(&self.g);
        let mut comp = vec![0u32; self.g.node_count()];
        for (c, members) in sccs.iter().enumerate() {
            for m in members {
                comp[m.index()] = c as u32;
            }
        }
        // Kahn's algorithm on the condensation, dependencies first.
        let n = sccs.len();
        let mut pending = vec![0usize; n]; // unprocessed dependencies per component
        let mut dependents: Vec<Vec<u32>> = vec![Vec::new(); n];
        for e in self.g.raw_edges() {
            let (a, b) = (comp[e.source().index()], comp[e.target().index()]);
            if a != b {
                pending[a as usize] += 1;
                dependents[b as usize].push(a);
            }
        }
        let mut ready: Vec<u32> = (0..n as u32)
            .filter(|&c| pending[c as usize] == 0)
            .collect();
        let mut order = Vec::with_capacity(n);
        while let Some(c) = ready.pop() {
            order.push(c);
            for &d in &dependents[c as usize] {
                pending[d as usize] -= 1;
                if pending[d as usize] == 0 {
                    ready.push(d);
                }
            }
        }
        let mut by_comp: Vec<Option<Vec<u32>>> = sccs
            .into_iter()
            .map(|m| Some(m.into_iter().map(|i| i.index() as u32).collect()))
            .collect();
        let ordered = order
            .into_iter()
            .filter_map(|c| by_comp[c as usize].take())
            .collect();
        (comp, ordered)
    }

    /// Nodes with every dependency before its dependents, or `None` if there is a cycle.
    fn topological_order(&self) -> Option<Vec<u32>> {
        let n = self.g.node_count();
        let mut pending = vec![0u32; n];
        for e in self.g.raw_edges() {
            pending[e.source().index()] += 1;
        }
        let mut ready: Vec<u32> = (0..n as u32)
            .filter(|&i| pending[i as usize] == 0)
            .collect();
        let mut order = Vec::with_capacity(n);
        while let Some(i) = ready.pop() {
            order.push(i);
            for d in self.dependents(i) {
                pending[d as usize] -= 1;
                if pending[d as usize] == 0 {
                    ready.push(d);
                }
            }
        }
        (order.len() == n).then_some(order)
    }
}

/// Reusable visited-set for many traversals over the same graph: a generation stamp per
/// node, so starting a new traversal costs nothing.
pub struct Visited {
    stamp: Vec<u32>,
    generation: u32,
}

impl Visited {
    pub fn new(n: usize) -> Visited {
        Visited {
            stamp: vec![0; n],
            generation: 0,
        }
    }

    pub fn next_generation(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
    }

    /// Marks `n`; true if it was not yet visited in this generation.
    pub fn insert(&mut self, n: u32) -> bool {
        let s = &mut self.stamp[n as usize];
        if *s == self.generation {
            false
        } else {
            *s = self.generation;
            true
        }
    }
}

/// Every node that transitively depends on `start` (not including `start`).
pub fn transitive_dependents(
    graph: &ResourceGraph,
    start: u32,
    visited: &mut Visited,
    out: &mut Vec<u32>,
) {
    visited.next_generation();
    visited.insert(start);
    let mut stack = vec![start];
    while let Some(n) = stack.pop() {
        for d in graph.dependents(n) {
            if visited.insert(d) {
                out.push(d);
                stack.push(d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(from: u32, to: u32) -> Edge {
        Edge {
            from,
            to,
            source: EdgeSource::ConfigReference,
        }
    }

    #[test]
    fn dependents_are_transitive_and_cycles_terminate() {
        // 1 → 0, 2 → 1, 3 → 2, 2 → 3 (cycle)
        let g = ResourceGraph::new(5, &[edge(1, 0), edge(2, 1), edge(3, 2), edge(2, 3)]);
        let mut v = Visited::new(5);
        let mut out = Vec::new();
        transitive_dependents(&g, 0, &mut v, &mut out);
        out.sort();
        assert_eq!(out, [1, 2, 3]);
        let (comp, order) = g.components_in_dependency_order();
        assert_eq!(comp[2], comp[3]);
        let pos = |n: u32| order.iter().position(|c| c.contains(&n));
        assert!(pos(0) < pos(1) && pos(1) < pos(2));
    }

    #[test]
    fn deep_chain_does_not_overflow() {
        let n = 200_000u32;
        let edges: Vec<Edge> = (1..n).map(|i| edge(i, i - 1)).collect();
        let g = ResourceGraph::new(n as usize, &edges);
        let (_, order) = g.components_in_dependency_order();
        assert_eq!(order.len(), n as usize);
        let mut v = Visited::new(n as usize);
        let mut out = Vec::new();
        transitive_dependents(&g, 0, &mut v, &mut out);
        assert_eq!(out.len(), n as usize - 1);
    }
}
