//! The controllers: cycle counters that start each load, stream and drain at
//! the first cycle docs/TIMING.md's schedule allows, and walk the folds in
//! plan.rs's order with run-time GEMM sizes. Times are contract cycles
//! (`now` = 0 in the first cycle after the start command); a decision taken
//! during cycle `now` reads SRAM during `now` for an event at `now + 1`.

mod common;
mod os;
mod ws;

pub use os::ctrl_os;
pub use ws::ctrl_ws;
