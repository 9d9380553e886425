//! Design-space exploration: sweep specifications, their points, and the
//! Pareto fronts over chosen objectives.

pub mod pareto;
