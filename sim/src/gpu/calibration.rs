//! The model's free parameters, their fitted values, and the minimizer that
//! fits them. The fit itself (which points train, which are held out) is
//! `sim/tests/gpu.rs`, beside the fixtures it reads; it recomputes these
//! values and fails if they drift (docs/GPU.md, "Calibration").

/// The fitted parameters, shared by every GPU.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    /// GEMM efficiency of a large, deep GEMM: the fraction of the dense
    /// tensor-core peak cuBLAS sustains.
    pub eta_max: f64,
    /// 128 x 128 output tiles per multiprocessor at which the GEMM reaches
    /// half of its parallel efficiency (`s / (s + tile_half)`).
    pub tile_half: f64,
    /// Inner dimension K at which a GEMM reaches half of its depth
    /// efficiency (`K / (K + k_half)`): each tile's fill and write-back.
    pub k_half: f64,
    /// Fraction of the datasheet DRAM bandwidth a streaming kernel attains.
    pub mem_eff: f64,
    /// Fixed cost per kernel launch, s (a TensorRT engine's, as in MLPerf).
    pub launch_s: f64,
    /// Fixed cost per run of the batch, s: the host's copies to and from
    /// the GPU and its synchronization (a TensorRT engine's, as in MLPerf).
    pub run_s: f64,
}

/// The built-in calibration. `eta_max`, `tile_half`, `k_half` and `mem_eff`
/// are fitted to the training half of LLMCompass's measured A100 GEMMs;
/// `launch_s` and `run_s` to the two training MLPerf Inference SingleStream
/// latencies (A100 only); every other point is held out (docs/VALIDATION.md, "GPU model (issue 17)").
pub const CALIBRATION: Calibration = Calibration {
    eta_max: 0.9207,
    tile_half: 0.1555,
    k_half: 75.66,
    mem_eff: 0.9306,
    launch_s: 3.249e-6,
    run_s: 233.8e-6,
};

/// Output tile edge, elements: the 128 x 128 thread-block tile of CUTLASS's
/// and cuBLAS's large tensor-core GEMM kernels. A modelling constant, not fitted.
pub const TILE: f64 = 128.0;

/// The shallowest slice split-K cuts K into, elements: one 128-deep tile
/// of K. A modelling constant, not fitted.
pub const SPLIT_K_MIN_DEPTH: f64 = 128.0;

/// Idle power as a fraction of TDP, for GPUs whose datasheet publishes no
/// idle figure (none of the built-in ones does). An assumption, not a
/// measurement: docs/GPU.md says what it moves.
pub const IDLE_FRACTION: f64 = 0.2;

/// Minimizes `f` from `x0` with the Nelder-Mead simplex (initial edges
/// `step`), `iterations` at most; deterministic. Returns the best point.
pub fn nelder_mead(
    f: impl Fn(&[f64]) -> f64,
    x0: &[f64],
    step: &[f64],
    iterations: usize,
) -> Vec<f64> {
    let n = x0.len();
    if n == 0 {
        return Vec::new();
    }
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    simplex.push((x0.to_vec(), f(x0)));
    for i in 0..n {
        let mut x = x0.to_vec();
        x[i] += step.get(i).copied().unwrap_or(0.1);
        let fx = f(&x);
        simplex.push((x, fx));
    }
    let along = |a: &[f64], b: &[f64], t: f64| -> Vec<f64> {
        a.iter().zip(b).map(|(a, b)| a + t * (b - a)).collect()
    };
    for _ in 0..iterations {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let centroid: Vec<f64> = (0..n)
            .map(|j| simplex[..n].iter().map(|(x, _)| x[j]).sum::<f64>() / n as f64)
            .collect();
        let (worst, f_worst) = simplex[n].clone();
        let reflected = along(&centroid, &worst, -1.0);
        let f_r = f(&reflected);
        if f_r < simplex[0].1 {
            let expanded = along(&centroid, &worst, -2.0);
            let f_e = f(&expanded);
            simplex[n] = if f_e < f_r {
                (expanded, f_e)
            } else {
                (reflected, f_r)
            };
        } else if f_r < simplex[n - 1].1 {
            simplex[n] = (reflected, f_r);
        } else {
            let contracted = along(&centroid, &worst, 0.5);
            let f_c = f(&contracted);
            if f_c < f_worst {
                simplex[n] = (contracted, f_c);
            } else {
                let best = simplex[0].0.clone();
                for (x, fx) in simplex.iter_mut().skip(1) {
                    *x = along(&best, x, 0.5);
                    *fx = f(x);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    simplex.swap_remove(0).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nelder_mead_finds_a_quadratic_minimum() {
        let f = |x: &[f64]| (x[0] - 3.0).powi(2) + 10.0 * (x[1] + 1.0).powi(2);
        let x = nelder_mead(f, &[0.0, 0.0], &[1.0, 1.0], 400);
        assert!(
            (x[0] - 3.0).abs() < 1e-4 && (x[1] + 1.0).abs() < 1e-4,
            "{x:?}"
        );
    }
}
