//! Train mode of a sweep: the spec's training settings (optimizer,
//! recomputation, cluster, ZeRO stage, buckets, the `chips` axis) checked
//! once, with errors that name the file, line and field; and refused, field
//! by field, in an inference sweep.

use super::check::Checker;
use super::mode::Mode;
use super::spec::RawSpec;
use sim::error::{Result, SimError};
use sim::scaleout::{Bucketing, Cluster, ZeroStage};
use sim::train::{Optimizer, Recompute, TrainOptions};
use std::path::Path;

/// The cluster a train-mode spec uses when it names none (as `systolic
/// train --cluster`).
pub const DEFAULT_CLUSTER: &str = "tpu-v4";

/// A train-mode sweep's settings, validated.
#[derive(Debug, Clone)]
pub struct TrainSpec {
    /// The step each chip runs (batch per chip, optimizer, master weights,
    /// recomputation).
    pub options: TrainOptions,
    /// The cluster as written in the spec (preset name or path relative to
    /// the spec), or [`DEFAULT_CLUSTER`].
    pub cluster_name: String,
    /// The cluster.
    pub cluster: Cluster,
    /// ZeRO stage.
    pub zero: ZeroStage,
    /// Gradient buckets.
    pub bucketing: Bucketing,
    /// Chip counts, in spec order (`[1]` when `[grid]` gives none): each
    /// (point, model) has one row per count, the counts varying fastest.
    pub chips: Vec<u32>,
    /// Text identifying the cluster's content for the spec hash.
    pub(crate) source: String,
}

/// The training fields of `raw` that are given, with their paths.
fn given(raw: &RawSpec) -> Vec<&'static str> {
    [
        ("optimizer", raw.optimizer.is_some()),
        ("master_fp32", raw.master_fp32.is_some()),
        ("recompute", raw.recompute.is_some()),
        ("cluster", raw.cluster.is_some()),
        ("zero", raw.zero.is_some()),
        ("bucket_mib", raw.bucket_mib.is_some()),
        ("grid.chips", raw.grid.chips.is_some()),
    ]
    .into_iter()
    .filter(|(_, g)| *g)
    .map(|(f, _)| f)
    .collect()
}

impl Checker<'_> {
    /// The training settings of `raw`: `None` for an inference sweep (which
    /// may give none of them), else every field checked.
    pub(crate) fn train(&self, raw: &RawSpec, dir: &Path) -> Result<Option<TrainSpec>> {
        if raw.mode == Mode::Inference {
            if let Some(field) = given(raw).first() {
                return Err(self.err(
                    field,
                    None,
                    format!("`{field}` applies to train-mode sweeps, and this sweep is in inference mode"),
                    "add mode = \"train\" to sweep training steps, or remove it",
                ));
            }
            return Ok(None);
        }
        let optimizer = match &raw.optimizer {
            None => Optimizer::Adam,
            Some(s) => Optimizer::parse(s).ok_or_else(|| {
                self.err(
                    "optimizer",
                    None,
                    format!("unknown optimizer `{s}`"),
                    "use sgd, momentum or adam",
                )
            })?,
        };
        let recompute = match &raw.recompute {
            None => Recompute::None,
            Some(s) => Recompute::parse(s).ok_or_else(|| {
                self.err(
                    "recompute",
                    None,
                    format!("unknown recomputation `{s}`"),
                    "use none (keep every activation), all (checkpoints) or selective (recompute the vector-unit layers)",
                )
            })?,
        };
        let zero = match raw.zero {
            None => ZeroStage::Ddp,
            Some(z) => u8::try_from(z)
                .ok()
                .and_then(ZeroStage::from_number)
                .ok_or_else(|| {
                    self.err(
                        "zero",
                        None,
                        format!("ZeRO stage {z} does not exist"),
                        "0 (DDP), 1 (optimizer state partitioned), 2 (and gradients) or 3 (and weights)",
                    )
                })?,
        };
        let bucketing = sim::train::scale::bucketing(raw.bucket_mib).map_err(|msg| {
            self.err(
                "bucket_mib",
                None,
                msg,
                "PyTorch DDP uses 25 MiB (the default, after a 1 MiB first bucket); 0 sends every gradient in one all-reduce after the backward pass",
            )
        })?;
        if u32::try_from(raw.batch).is_err() {
            return Err(self.err(
                "batch",
                None,
                format!(
                    "a batch of {} per chip is too large for scale-out",
                    raw.batch
                ),
                &format!("train mode takes at most {} samples per chip", u32::MAX),
            ));
        }
        let (cluster_name, cluster, source) = self.cluster(raw.cluster.as_deref(), dir)?;
        let chips = match &raw.grid.chips {
            None => vec![1],
            Some(v) => {
                self.list("chips", v)?;
                for (i, &n) in v.iter().enumerate() {
                    if let Err(SimError::Input(e)) = cluster.group(n) {
                        return Err(self.err(
                            "grid.chips",
                            Some(i),
                            e.message,
                            e.help
                                .as_deref()
                                .unwrap_or("give chip counts the cluster can take"),
                        ));
                    }
                }
                v.clone()
            }
        };
        Ok(Some(TrainSpec {
            options: TrainOptions {
                batch: raw.batch,
                optimizer,
                master_fp32: raw.master_fp32.unwrap_or(true),
                recompute,
            },
            cluster_name,
            cluster,
            zero,
            bucketing,
            chips,
            source,
        }))
    }

    /// The cluster named `name` (a preset, or a TOML path relative to
    /// `dir`), its name as written and its text for the hash.
    fn cluster(&self, name: Option<&str>, dir: &Path) -> Result<(String, Cluster, String)> {
        let name = name.unwrap_or(DEFAULT_CLUSTER);
        if name.ends_with(".toml") {
            let path = dir.join(name);
            let text = sim::error::read_file(&path)?;
            let c = Cluster::parse(&text, &path.display().to_string())?;
            return Ok((name.to_string(), c, text));
        }
        let c = sim::scaleout::preset(name).map_err(|e| match e {
            SimError::Unknown {
                known, suggestions, ..
            } => self.err(
                "cluster",
                None,
                format!(
                    "unknown cluster `{name}`{}",
                    sim::names::did_you_mean(&suggestions)
                ),
                &format!("{known} (paths end in .toml and are relative to the spec file)"),
            ),
            other => other,
        })?;
        let text = sim::scaleout::PRESETS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.to_string())
            .unwrap_or_default();
        Ok((name.to_string(), c, text))
    }
}
