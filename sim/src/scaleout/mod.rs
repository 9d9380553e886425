//! Data-parallel scale-out over many chips (issue 13): clusters and their
//! interconnects (cited presets, TOML files), collective times by the α-β
//! model, gradient buckets overlapped with the backward pass, ZeRO memory
//! and traffic, and the step time, throughput and efficiency of n chips.
//! Pure functions of values: nothing here simulates a chip; the one-chip
//! step comes in as a [`StepProfile`]. The formulas and sources are in
//! docs/SCALEOUT.md; the calibration against measurements in
//! docs/VALIDATION.md ("Collectives").

mod cluster;
mod collective;
mod overlap;
mod presets;
mod scaling;
mod zero;

pub use cluster::{
    Cluster, ClusterFieldError, Interconnect, Link, RawCluster, RawLink, BANDWIDTH_GBYTES_PER_S,
    MAX_CHIPS, MAX_LATENCY_US,
};
pub use collective::{
    all_gather_time, allreduce_time, reduce_scatter_time, torus_shape, Collective, Group, Layout,
};
pub use overlap::{
    overlap, schedule, Bucket, Bucketing, GradientReady, Overlap, DDP_BUCKET_BYTES,
    DDP_FIRST_BUCKET_BYTES,
};
pub use presets::{preset, preset_names, resolve, PRESETS};
pub use scaling::{scaling, step, DataParallel, ScalingPoint, StepProfile};
pub use zero::{
    collectives as zero_collectives, memory as zero_memory, volume as zero_volume, Optimizer,
    Phase, StateBytes, StepCollective, Training, ZeroMemory, ZeroStage,
};
