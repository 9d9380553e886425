//! Results files, as `systolic report` and `systolic merge` read them. The
//! input is up to three parts separated by NUL bytes: a results CSV, its
//! JSON lines and its `.sweep.json` sidecar. The CSV goes through
//! `dse::results::parse` (rows' points, designs, objectives, constraints,
//! Pareto fronts, CSV round trip) and as synth-stage rows, each JSON line through `SweepRow`'s
//! serde, the sidecar through `Meta`'s (shard arithmetic, objectives); then
//! the three are written as a shard into a scratch folder and merged with
//! `dse::merge`.
#![no_main]

use dse::{
    merge, pareto_rows, read_csv, write_csv, Constraints, Meta, Objective, Outputs, SweepRow,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() > systolic_fuzz::MAX_INPUT {
        return;
    }
    let mut parts = data.splitn(3, |&b| b == 0);
    let (csv, jsonl, meta) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let dir = systolic_fuzz::scratch();
    if let Ok(text) = std::str::from_utf8(csv) {
        check_rows(text, dir);
        // As a synth-stage sweep's rows: every row read checks and writes
        // back to itself.
        if let Ok(rows) = dse::read_rows::<dse::SynthRow>(text, "fuzz.csv") {
            let mut again = dse::header::<dse::SynthRow>().into_bytes();
            write_csv(&rows, &mut again);
            let back =
                dse::read_rows::<dse::SynthRow>(std::str::from_utf8(&again).unwrap(), "again")
                    .expect("written synth rows read back");
            assert_eq!(back.len(), rows.len());
        }
    }
    if let Ok(text) = std::str::from_utf8(jsonl) {
        for line in text.lines().take(4) {
            if let Ok(row) = serde_json::from_str::<SweepRow>(line) {
                check_row(&row, dir);
            }
        }
    }
    // The three parts as one shard's files: the sidecar read as `report`
    // reads it, then the shard merged. A sidecar that is not one (not a
    // `Meta` in JSON) is refused first by both, so it is not written.
    let Ok(sidecar) = serde_json::from_slice::<Meta>(meta) else {
        return;
    };
    let shard = dir.join("shard.csv");
    let files = Outputs::beside(&shard, None);
    // The JSON lines go where the sidecar says they are (a name beside the
    // CSV), else beside the CSV under the default name.
    let name = sidecar.jsonl.as_str();
    let plain = !name.is_empty() && !name.contains('/') && name != "." && name != "..";
    let jsonl_path = if plain && name != "shard.csv" {
        dir.join(name)
    } else {
        files.jsonl.clone()
    };
    for (path, bytes) in [(&shard, csv), (&jsonl_path, jsonl), (&files.meta, meta)] {
        if std::fs::write(path, bytes).is_err() {
            return; // a name the scratch folder cannot hold (e.g. too long)
        }
    }
    match dse::results::sweep_objectives(&shard) {
        Ok(o) => {
            std::hint::black_box(o);
        }
        Err(e) => {
            systolic_fuzz::render(&e);
        }
    }
    if let Ok(Some(m)) = Meta::read(&files.meta) {
        let back: Meta = serde_json::from_str(&m.to_text()).expect("a sidecar reads back");
        assert_eq!(back, m, "the sidecar does not survive a JSON round trip");
    }
    let out = Outputs::beside(&dir.join("merged.csv"), None);
    match merge(&[shard], &out, None) {
        Ok(summary) => {
            std::hint::black_box(summary.front.len());
        }
        Err(e) => {
            systolic_fuzz::render(&e);
        }
    }
});

fn check_rows(text: &str, dir: &std::path::Path) {
    let rows = match dse::results::parse(text, "fuzz.csv") {
        Ok(r) => r,
        Err(e) => {
            systolic_fuzz::render(&e);
            return;
        }
    };
    for r in rows.iter().take(4) {
        check_row(r, dir);
    }
    for pair in [
        &Objective::ALL[..2],
        &Objective::ALL[3..6],
        &Objective::ALL[8..],
    ] {
        std::hint::black_box(pareto_rows(&rows, pair));
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
            "rows read from a results file do not read back once written:\n{csv}\n{}",
            systolic_fuzz::render(&e)
        ),
    }
}

fn check_row(row: &SweepRow, dir: &std::path::Path) {
    std::hint::black_box(row.describe());
    for o in Objective::ALL {
        std::hint::black_box((o.value(row), o.minimized(row)));
    }
    let limits = Constraints {
        max_area_mm2: Some(1.0),
        max_power_w: Some(1.0),
        min_tops: Some(1.0),
        max_latency_ms: Some(1.0),
        max_energy_mj: Some(1.0),
        min_throughput_inf_per_s: Some(1.0),
        min_tops_per_w: Some(1.0),
        min_utilization: Some(0.5),
        ..Constraints::default()
    };
    std::hint::black_box(limits.feasible(row));
    match dse::results::design(row, dir) {
        Ok(d) => std::hint::black_box(sim::area::of(&d)).total_mm2,
        Err(e) => {
            systolic_fuzz::render(&e);
            0.0
        }
    };
    let mut json = Vec::new();
    dse::write_jsonl(std::slice::from_ref(row), &mut json);
}
