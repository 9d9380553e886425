//! SCALE-Sim topology CSV: `sim::workload::topology::parse`; a diagnostic
//! for what fails, and for the model it validates: its MACs, every layer
//! lowered with both convolution rules, and the model simulated on one of
//! three presets (one per dataflow) with the bounded fast engine in both
//! timing modes.
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
    let seed = systolic_fuzz::hash(data);
    let batch = 1 + seed % 4;
    for l in model.layers() {
        for rule in [ConvRule::Exact, ConvRule::Scalesim] {
            std::hint::black_box(lower_as(&l.op, batch, rule));
        }
    }
    // One preset per input, by its hash: each dataflow gets a third of the
    // inputs, at a third of the cost.
    let name = ["edge-8x8", "edge-16x16-os", "server-128x128-is"][(seed >> 8) as usize % 3];
    let design = preset(name).expect("a built-in preset");
    systolic_fuzz::simulate_both(&design, &model, batch);
    // Last, so that a model whose MACs overflow (`systolic show model`)
    // still reaches the simulation first.
    std::hint::black_box(model.macs());
});
