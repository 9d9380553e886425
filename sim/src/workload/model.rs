//! Models: a DAG of layers (petgraph arena with typed node ids).

use super::layer::{Layer, Op};
use petgraph::graph::{DiGraph, NodeIndex};

/// A model: layers and their data dependencies.
#[derive(Debug, Clone)]
pub struct Model {
    /// Model name.
    pub name: String,
    graph: DiGraph<Layer, ()>,
    order: Vec<NodeIndex>,
}

impl Model {
    /// Layers in a topological order (the order they run in).
    pub fn layers(&self) -> impl Iterator<Item = &Layer> + '_ {
        self.order.iter().map(|&i| &self.graph[i])
    }

    /// Number of layers.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether the model has no layers.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The dependency graph.
    pub fn graph(&self) -> &DiGraph<Layer, ()> {
        &self.graph
    }

    /// Total multiply-accumulates of the array layers at batch 1; `None`
    /// when a layer's or the total's count passes 2^64 (a hostile topology).
    pub fn macs(&self) -> Option<u64> {
        self.layers().try_fold(0u64, |sum, l| match l.lower(1) {
            super::Lowered::Gemm(g) => sum.checked_add(g.checked_macs()?),
            super::Lowered::Vector(_) => Some(sum),
        })
    }
}

/// Builds a [`Model`] layer by layer.
#[derive(Debug)]
pub struct ModelBuilder {
    name: String,
    graph: DiGraph<Layer, ()>,
}

impl ModelBuilder {
    /// A new, empty model.
    pub fn new(name: impl Into<String>) -> Self {
        ModelBuilder {
            name: name.into(),
            graph: DiGraph::new(),
        }
    }

    /// Adds a layer that consumes the outputs of `inputs`.
    pub fn add(&mut self, name: impl Into<String>, op: Op, inputs: &[NodeIndex]) -> NodeIndex {
        self.add_batched(name, op, 1, inputs)
    }

    /// Adds a layer whose operation holds `batch` samples at batch 1.
    pub fn add_batched(
        &mut self,
        name: impl Into<String>,
        op: Op,
        batch: u64,
        inputs: &[NodeIndex],
    ) -> NodeIndex {
        let id = self.graph.add_node(Layer {
            name: name.into(),
            op,
            batch,
        });
        for &i in inputs {
            self.graph.add_edge(i, id, ());
        }
        id
    }

    /// A layer added so far.
    pub fn layer(&self, id: NodeIndex) -> &Layer {
        &self.graph[id]
    }

    /// Finishes the model. Layers run in insertion order, which is a
    /// topological order because inputs must exist before they are named.
    pub fn build(self) -> Model {
        let order = self.graph.node_indices().collect();
        Model {
            name: self.name,
            graph: self.graph,
            order,
        }
    }
}
