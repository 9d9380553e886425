//! What a sweep simulates: inference (one batch of each model per design)
//! or a training step scaled over a number of chips (docs/SWEEP.md, "Train
//! mode"). The mode fixes the kind of rows, their columns and the
//! objectives and constraints that apply.

use serde::{Deserialize, Serialize};

/// `mode = "inference" | "train"` of a sweep spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// One batch of each model on each design ([`crate::SweepRow`]s).
    #[default]
    Inference,
    /// One training step of each model on each design, scaled over each
    /// chip count ([`crate::TrainRow`]s).
    Train,
}

impl Mode {
    /// Its name in specs: `inference` or `train`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Inference => "inference",
            Mode::Train => "train",
        }
    }

    /// Whether it is [`Mode::Inference`] (the default, left out when
    /// serialized so that specs and sidecars of inference sweeps read as
    /// they did before train mode existed).
    pub fn is_inference(&self) -> bool {
        *self == Mode::Inference
    }

    /// The unit of work, plural: `inferences` or `samples`.
    pub fn unit(self) -> &'static str {
        match self {
            Mode::Inference => "inferences",
            Mode::Train => "samples",
        }
    }

    /// The unit of work, singular: `inference` or `sample`.
    pub fn one(self) -> &'static str {
        match self {
            Mode::Inference => "inference",
            Mode::Train => "sample",
        }
    }

    /// The unit of work, singular, as the table's headings abbreviate it:
    /// `inf` or `sample`.
    pub fn per(self) -> &'static str {
        match self {
            Mode::Inference => "inf",
            Mode::Train => "sample",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
