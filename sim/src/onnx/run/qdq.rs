//! The order nodes run in, with QDQ groups fused as onnxruntime fuses them
//! at its default optimization level (its QDQ selectors and actions,
//! `onnxruntime/core/optimizer/qdq_transformer/`): `DequantizeLinear` of
//! every quantized input, the op, and one `QuantizeLinear` of its output
//! become the integer kernel (`Conv` -> `QLinearConv`, `MatMul` ->
//! `QLinearMatMul`, `Gemm` -> `QGemm`, `Add` -> `QLinearAdd`,
//! `GlobalAveragePool` -> `QLinearGlobalAveragePool`); data-movement ops and
//! `MaxPool` between a DQ and a Q of equal scale and zero point run on the
//! integers. A group is fused only when the op's output feeds that Q alone;
//! a DQ whose output is used elsewhere too still runs.

use super::super::proto::{Attribute, NodeProto};
use super::super::{Analysis, OnnxFile};
use std::collections::HashMap;

/// The nodes to run, in order (fused groups as one synthetic node).
pub struct Plan {
    /// Nodes in run order.
    pub steps: Vec<NodeProto>,
    /// What was fused.
    pub notes: Vec<String>,
}

impl Plan {
    /// Every node as written, in topological order.
    pub fn literal(file: &OnnxFile, a: &Analysis) -> Plan {
        Plan {
            steps: a
                .order
                .iter()
                .map(|&i| file.proto.graph.nodes[i].clone())
                .collect(),
            notes: Vec::new(),
        }
    }
}

/// Ops whose QDQ group becomes an integer kernel: (op, kernel, domain).
const KERNELS: &[(&str, &str, &str)] = &[
    ("Conv", "QLinearConv", ""),
    ("MatMul", "QLinearMatMul", ""),
    ("Gemm", "QGemm", "com.microsoft"),
    ("Add", "QLinearAdd", "com.microsoft"),
    ("Mul", "QLinearMul", "com.microsoft"),
    (
        "GlobalAveragePool",
        "QLinearGlobalAveragePool",
        "com.microsoft",
    ),
];

/// Ops that run on the integers between a DQ and a Q of equal parameters.
const DROP: &[&str] = &[
    "MaxPool",
    "Reshape",
    "Transpose",
    "Flatten",
    "Squeeze",
    "Unsqueeze",
    "Identity",
];

/// The run plan of `file`, QDQ groups fused.
pub fn plan(file: &OnnxFile, a: &Analysis) -> Plan {
    let g = &file.proto.graph;
    let mut producer: HashMap<&str, usize> = HashMap::new();
    let mut users: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, n) in g.nodes.iter().enumerate() {
        for o in n.outputs.iter().filter(|o| !o.is_empty()) {
            producer.insert(o, i);
        }
        for x in n.inputs.iter().filter(|x| !x.is_empty()) {
            users.entry(x.as_str()).or_default().push(i);
        }
    }
    let graph_outputs: std::collections::HashSet<&str> =
        g.outputs.iter().map(|o| o.name.as_str()).collect();
    let is = |i: usize, op: &str| g.nodes[i].op_type == op && g.nodes[i].domain.is_empty();
    let dq_of = |t: &str| {
        producer
            .get(t)
            .copied()
            .filter(|&p| is(p, "DequantizeLinear"))
    };
    let only_user = |t: &str| match users.get(t).map(Vec::as_slice) {
        Some([u]) if !graph_outputs.contains(t) => Some(*u),
        _ => None,
    };
    let mut replaced: HashMap<usize, NodeProto> = HashMap::new();
    let mut dropped: std::collections::HashSet<usize> = Default::default();
    let mut notes = Vec::new();
    let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
    for (i, n) in g.nodes.iter().enumerate() {
        if !n.domain.is_empty() {
            continue;
        }
        let Some(out) = n.outputs.first() else {
            continue;
        };
        let Some(q) = only_user(out).filter(|&u| is(u, "QuantizeLinear")) else {
            continue;
        };
        let qn = &g.nodes[q];
        // (q, scale, zero point) of each DQ input, in the op's input order.
        let dqs: Vec<Option<usize>> = n.inputs.iter().map(|x| dq_of(x)).collect();
        let arg = |d: usize, j: usize| g.nodes[d].inputs.get(j).cloned().unwrap_or_default();
        let synth =
            |op: &str, domain: &str, inputs: Vec<String>, attrs: Vec<Attribute>| NodeProto {
                name: if n.name.is_empty() {
                    out.clone()
                } else {
                    n.name.clone()
                },
                op_type: op.to_string(),
                domain: domain.to_string(),
                inputs,
                outputs: vec![qn.outputs[0].clone()],
                attributes: attrs,
                at: n.at,
            };
        let (qs, qz) = (arg(q, 1), arg(q, 2));
        if let Some(&(_, kernel, domain)) = KERNELS.iter().find(|(op, ..)| *op == n.op_type) {
            let need = match n.op_type.as_str() {
                "Conv" | "Gemm" => 2,
                "GlobalAveragePool" => 1,
                _ => 2,
            };
            if dqs.len() < need || dqs[..need].iter().any(Option::is_none) {
                continue;
            }
            // A bias must be a DQ of int32 (Conv, Gemm), else no fusion.
            let bias = match dqs.get(2) {
                Some(Some(d)) if matches!(n.op_type.as_str(), "Conv" | "Gemm") => Some(arg(*d, 0)),
                Some(None) if n.inputs.get(2).is_some_and(|b| !b.is_empty()) => continue,
                _ => None,
            };
            if n.op_type == "Gemm" && n.attributes.iter().any(|a| a.name == "transA") {
                continue;
            }
            let trip = |d: usize| vec![arg(d, 0), arg(d, 1), arg(d, 2)];
            let d = |j: usize| dqs[j].expect("checked");
            let inputs = match n.op_type.as_str() {
                "GlobalAveragePool" => [trip(d(0)), vec![qs, qz]].concat(),
                "Gemm" => [
                    trip(d(0)),
                    trip(d(1)),
                    vec![bias.unwrap_or_default(), qs, qz],
                ]
                .concat(),
                "Conv" => {
                    let mut v = [trip(d(0)), trip(d(1)), vec![qs, qz]].concat();
                    v.extend(bias);
                    v
                }
                _ => [trip(d(0)), trip(d(1)), vec![qs, qz]].concat(),
            };
            replaced.insert(i, synth(kernel, domain, inputs, n.attributes.clone()));
            dropped.insert(q);
            for &dq in dqs.iter().flatten() {
                let t = &g.nodes[dq].outputs[0];
                if users
                    .get(t.as_str())
                    .is_some_and(|u| u.iter().all(|&u| u == i))
                    && !graph_outputs.contains(t.as_str())
                {
                    dropped.insert(dq);
                }
            }
            *counts
                .entry(format!("{} -> {kernel}", n.op_type))
                .or_default() += 1;
        } else if DROP.contains(&n.op_type.as_str()) {
            let Some(Some(dq)) = dqs.first() else {
                continue;
            };
            // Equal scale and zero point on both sides (the same tensors, or
            // constants of equal value).
            let same = |x: &str, y: &str| {
                x == y
                    || matches!(
                        (a.known.get(x).and_then(|k| k.value.as_deref()), a.known.get(y).and_then(|k| k.value.as_deref())),
                        (Some(u), Some(v)) if u == v
                    )
            };
            if !same(&arg(*dq, 1), &qs) || !same(&arg(*dq, 2), &qz) {
                continue;
            }
            let mut inputs = n.inputs.clone();
            inputs[0] = arg(*dq, 0);
            replaced.insert(i, synth(&n.op_type, "", inputs, n.attributes.clone()));
            dropped.insert(q);
            let t = &g.nodes[*dq].outputs[0];
            if users
                .get(t.as_str())
                .is_some_and(|u| u.iter().all(|&u| u == i))
                && !graph_outputs.contains(t.as_str())
            {
                dropped.insert(*dq);
            }
            *counts
                .entry(format!("{} on integers", n.op_type))
                .or_default() += 1;
        }
    }
    for (what, c) in counts {
        notes.push(format!("QDQ: {c} x {what} (as onnxruntime fuses them)"));
    }
    let steps = a
        .order
        .iter()
        .filter(|i| !dropped.contains(i))
        .map(|&i| replaced.remove(&i).unwrap_or_else(|| g.nodes[i].clone()))
        .collect();
    Plan { steps, notes }
}
