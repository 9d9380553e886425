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

    /// Layer ids in run order (as [`Model::layers`]).
    pub fn order(&self) -> &[NodeIndex] {
        &self.order
    }

    /// For each layer in run order, whether backward computes its input
    /// gradient (dX): when its input requires a gradient, as autograd
    /// decides. A layer's output requires one when the layer has parameters
    /// (GEMM layers with weights, layer norms) or its input requires one;
    /// the model's input does not, so layers fed only by it, directly or
    /// through parameter-free layers, get no dX. An attention product
    /// (`MatMul` of two activations) has no weights.
    pub fn needs_dx(&self) -> Vec<bool> {
        let mut out_grad = vec![false; self.graph.node_count()];
        let mut needs = Vec::with_capacity(self.order.len());
        for &i in &self.order {
            let l = &self.graph[i];
            let input = l.input_grad
                || self
                    .graph
                    .neighbors_directed(i, petgraph::Direction::Incoming)
                    .any(|p| out_grad[p.index()]);
            out_grad[i.index()] = input || l.op.has_params();
            needs.push(input);
        }
        needs
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
            input_grad: false,
        });
        for &i in inputs {
            self.graph.add_edge(i, id, ());
        }
        id
    }

    /// Marks layer `id`'s input as carrying a gradient from outside the
    /// model's layers ([`Layer::input_grad`]).
    pub fn mark_input_grad(&mut self, id: NodeIndex) {
        self.graph[id].input_grad = true;
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
