//! Prints the "Collectives" calibration table of docs/VALIDATION.md: the
//! measured 4x A100 NVLink 3 all-reduce (sim/tests/fixtures/collectives/)
//! beside the fitted preset and the peak preset.
//! Run: `cargo run --release -p sim --example collectives_calibration`.

use sim::scaleout::{preset, Collective};

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/collectives/a100x4-nvlink3-allreduce.csv"
    );
    let mut r = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_path(path)
        .expect("the fixture is committed");
    let fit = preset("nvlink3-a100-x4-fit")
        .and_then(|c| c.group(4))
        .expect("built-in preset");
    let peak = preset("nvlink3-a100")
        .and_then(|c| c.group(4))
        .expect("built-in preset");
    println!("| bytes | measured µs | fit µs | fit / measured | peak µs | peak / measured | measured busbw GB/s |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for rec in r.records() {
        let rec = rec.expect("a CSV row");
        let bytes: u64 = rec[0].parse().expect("bytes");
        let us: f64 = rec[1].parse().expect("microseconds");
        let f = fit.allreduce(bytes) * 1e6;
        let p = peak.allreduce(bytes) * 1e6;
        let bus = fit.bus_bandwidth(Collective::AllReduce, bytes, us * 1e-6) / 1e9;
        println!(
            "| {bytes} | {us} | {f:.2} | {:.3} | {p:.2} | {:.3} | {bus:.2} |",
            f / us,
            p / us
        );
    }
}
