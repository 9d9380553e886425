//! Sweep spec: `dse::Spec::parse` (relative paths resolve in an empty
//! scratch folder); a diagnostic for what fails, and for the spec it
//! validates: a few points (the first two and the last) evaluated as
//! `systolic sweep` evaluates them when their GEMMs are under the fold cap
//! (else simulated with the bounded engine), their rows written as CSV and
//! JSON lines and read back, their Pareto front, and the sidecar (a
//! train-mode spec's points run their training step and scale-out).
#![no_main]

use dse::{
    pareto_rows, read_csv, write_csv, write_jsonl, Evaluator, Meta, Objective, Outputs, Spec,
};
use libfuzzer_sys::fuzz_target;
use sim::engine::TimingMode;

fuzz_target!(|data: &[u8]| {
    let Some(text) = systolic_fuzz::text(data) else {
        return;
    };
    let dir = systolic_fuzz::scratch();
    let spec = match Spec::parse(text, "fuzz-sweep.toml", dir) {
        Ok(s) => s,
        Err(e) => {
            systolic_fuzz::render(&e);
            return;
        }
    };
    let points = spec.points();
    let mut indices = vec![0, 1, points.saturating_sub(1)];
    indices.retain(|&i| i < points);
    indices.dedup();
    let eval = Evaluator::new(&spec);
    std::hint::black_box(eval.engine_layers_per_point());
    let mut rows = Vec::new();
    for i in indices {
        let point = spec.point(i);
        let design = match point.design(&spec.base) {
            Ok(d) => d,
            Err(e) => {
                systolic_fuzz::render(&e);
                continue;
            }
        };
        let fits = spec
            .models
            .iter()
            .all(|m| systolic_fuzz::model_fits(&design, &m.model, spec.raw.batch, TimingMode::Rtl));
        if fits && spec.train.is_some() {
            // Train mode: one step per model, scaled to each chip count.
            match eval.train_rows(&point) {
                Ok(r) => std::hint::black_box(r.len()),
                Err(e) => {
                    systolic_fuzz::render(&e);
                    0
                }
            };
        } else if fits {
            match eval.rows(&point) {
                Ok(r) => rows.extend(r),
                Err(e) => {
                    systolic_fuzz::render(&e);
                }
            }
        } else {
            for m in &spec.models {
                systolic_fuzz::simulate_both(&design, &m.model, spec.raw.batch);
            }
        }
    }
    if rows.is_empty() {
        return;
    }
    for pair in [&spec.pareto[..], &Objective::ALL[..2], &Objective::ALL[7..]] {
        if pair.len() >= 2 {
            std::hint::black_box(pareto_rows(&rows, pair));
        }
    }
    let mut csv = dse::csv_header().into_bytes();
    write_csv(&rows, &mut csv);
    let csv = String::from_utf8(csv).expect("CSV of rows is UTF-8");
    match read_csv(&csv, "rows.csv") {
        Ok(back) => {
            let mut again = dse::csv_header().into_bytes();
            write_csv(&back, &mut again);
            assert_eq!(
                csv.as_bytes(),
                &again[..],
                "rows do not survive a CSV round trip"
            );
        }
        Err(e) => panic!(
            "the rows a sweep writes do not read back:\n{csv}\n{}",
            systolic_fuzz::render(&e)
        ),
    }
    let mut jsonl = Vec::new();
    write_jsonl(&rows, &mut jsonl);
    let out = Outputs::beside(&dir.join("r.csv"), None);
    let meta = Meta::of(&spec, None, &out);
    let back: Meta = serde_json::from_str(&meta.to_text()).expect("the sidecar reads back");
    assert_eq!(back, meta, "the sidecar does not survive a JSON round trip");
});
