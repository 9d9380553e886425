//! The controllers: start each load, stream and drain at the first cycle
//! docs/TIMING.md's schedule allows, and walk the folds in plan.rs's order
//! with run-time GEMM sizes. They keep no cycle counter: each condition on
//! the time since an event is a flag kept from that event, and each fold's
//! rows, columns and addresses are computed while the fold before it runs,
//! so every decision reads registers. A decision taken during cycle `x`
//! reads SRAM during `x` for an event at `x + 1`.

mod common;
mod os;
mod ws;

pub use os::ctrl_os;
pub use ws::ctrl_ws;
