//! Errors of the ONNX reader: which node, which operator and opset, what.

use super::proto::NodeProto;
use crate::error::InputError;
use std::path::Path;

/// A problem with a node: which one, and what.
#[derive(Debug, Clone)]
pub struct OnnxError {
    /// The node's name (or first output), op type and the opset in force.
    pub node: Option<(String, String, i64)>,
    /// What is wrong.
    pub message: String,
    /// What to do, when there is something.
    pub hint: Option<String>,
    /// The operator is one this reader does not know (rather than a known
    /// one used wrongly).
    pub unsupported: bool,
}

impl OnnxError {
    /// A problem with node `n`.
    pub fn node(n: &NodeProto, opset: i64, message: impl Into<String>) -> OnnxError {
        OnnxError {
            node: Some((node_name(n).to_string(), n.op_type.clone(), opset)),
            message: message.into(),
            hint: None,
            unsupported: false,
        }
    }

    /// Node `n`'s operator is not supported.
    pub fn unsupported(n: &NodeProto, opset: i64) -> OnnxError {
        OnnxError {
            unsupported: true,
            ..OnnxError::node(
                n,
                opset,
                if n.domain.is_empty() || n.domain == "ai.onnx" {
                    "this operator is not supported".to_string()
                } else {
                    format!("this operator of domain `{}` is not supported", n.domain)
                },
            )
        }
        .hint(
            "pass --skip-unsupported to cost it as zero (it is then flagged in the coverage table)",
        )
    }

    /// A problem with the model as a whole.
    pub fn model(message: impl Into<String>) -> OnnxError {
        OnnxError {
            node: None,
            message: message.into(),
            hint: None,
            unsupported: false,
        }
    }

    /// With a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> OnnxError {
        self.hint = Some(hint.into());
        self
    }

    /// As a diagnostic on `file`.
    pub fn into_input(self, file: &Path) -> InputError {
        let mut e = InputError::new(
            "systolic::onnx::model",
            file.display().to_string(),
            match &self.node {
                Some((name, op, opset)) => {
                    format!("node `{name}` ({op}, opset {opset}): {}", self.message)
                }
                None => self.message.clone(),
            },
        );
        if let Some((name, _, _)) = &self.node {
            e = e.field(format!("node {name}"));
        }
        e.hint(self.hint.unwrap_or_else(|| {
            "check the model with `python -c \"import onnx; onnx.checker.check_model('MODEL.onnx', full_check=True)\"`".into()
        }))
    }
}

/// A node's name: its `name`, or its first output when it has none.
pub fn node_name(n: &NodeProto) -> &str {
    if n.name.is_empty() {
        n.outputs.first().map_or("", String::as_str)
    } else {
        &n.name
    }
}
