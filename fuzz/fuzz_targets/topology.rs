//! SCALE-Sim topology CSV: `sim::workload::topology::parse`; a diagnostic
//! for what fails, and for the model it validates: its MACs, every layer
//! lowered at two batch sizes, and the model simulated on one preset per
//! dataflow with the bounded fast engine in both timing modes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sim::design::preset;
use sim::workload::{lower_as, topology, ConvRule};

fuzz_target!(|data: &[u8]| {
    let Some(text) = systolic_fuzz::text(data) else {
        return;
    };
    let model = match topology::parse(text, "fuzz.csv", "fuzz") {
        Ok(m) => m,
        Err(e) => {
            systolic_fuzz::render(&e);
            return;
        }
    };
    std::hint::black_box(model.macs());
    let batch = 1 + systolic_fuzz::hash(data) % 4;
    for l in model.layers() {
        for rule in [ConvRule::Exact, ConvRule::Scalesim] {
            std::hint::black_box(lower_as(&l.op, batch, rule));
        }
    }
    for name in ["edge-8x8", "edge-16x16-os", "server-128x128-is"] {
        let design = preset(name).expect("a built-in preset");
        systolic_fuzz::simulate_both(&design, &model, batch);
    }
});
