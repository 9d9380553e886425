//! Hostile and careless input, table-driven: every input found to break the
//! tool (issue 11) and the documented bounds of every numeric field, each
//! with the exit code and a fragment of the message it must give. Each case
//! runs the binary in a child limited to 200 MB of address space and 5 s
//! (`ulimit -v`, `timeout -s KILL`), so a case that allocates or loops
//! without bound fails the suite instead of stalling it.

mod support;

use std::path::Path;
use std::process::Command;
use support::{scratch, stderr, stdout};

/// A valid design; cases replace one line of it.
const GOOD: &str = "name = \"t\"\n[array]\nrows = 8\ncols = 8\ndataflow = \"ws\"\n[precision]\noperand = \"int8\"\n[memory]\nifmap_sram_kib = 64\nfilter_sram_kib = 64\nofmap_sram_kib = 64\ndram_bandwidth_bytes_per_cycle = 8\n[clock]\nmhz = 500\n";

/// A valid SCALE-Sim config; cases replace one line of it.
const CFG: &str = "[general]\nrun_name = t\n[architecture_presets]\nArrayHeight: 32\nArrayWidth: 32\nIfmapSramSzkB: 64\nFilterSramSzkB: 64\nOfmapSramSzkB: 32\nBandwidth: 10\nDataflow: ws\n";

/// A valid sweep spec; cases replace or add lines.
const SPEC: &str =
    "base = \"edge-8x8\"\nmodels = [\"linear-10-1\"]\nbatch = 1\n[grid]\nrows = [4, 8]\n";

/// One hostile input: the files it needs (name, text), the command, the
/// exit code it must give and a fragment of what it must say on stderr
/// (or stdout for successes).
struct Case {
    name: &'static str,
    files: Vec<(&'static str, String)>,
    args: Vec<String>,
    code: i32,
    says: &'static str,
}

fn case(name: &'static str, args: &[&str], code: i32, says: &'static str) -> Case {
    Case {
        name,
        files: Vec::new(),
        args: args.iter().map(|s| s.to_string()).collect(),
        code,
        says,
    }
}

impl Case {
    fn with(mut self, file: &'static str, text: impl Into<String>) -> Case {
        self.files.push((file, text.into()));
        self
    }
}

/// `GOOD` with line `from` replaced by `to` (`from` must be there).
fn design(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "{from}");
    GOOD.replacen(from, to, 1)
}

/// `sim` on `d.toml` holding `GOOD` with one line replaced.
fn design_case(name: &'static str, from: &str, to: &str, says: &'static str) -> Case {
    case(
        name,
        &["sim", "--design", "d.toml", "--model", "linear-10-1"],
        1,
        says,
    )
    .with("d.toml", design(from, to))
}

fn cfg_case(name: &'static str, from: &str, to: &str, says: &'static str) -> Case {
    assert!(CFG.contains(from), "{from}");
    case(
        name,
        &[
            "sim",
            "--scalesim-config",
            "c.cfg",
            "--model",
            "linear-10-1",
        ],
        1,
        says,
    )
    .with("c.cfg", CFG.replacen(from, to, 1))
}

fn topology_case(name: &'static str, row: &str, says: &'static str) -> Case {
    case(
        name,
        &["sim", "--design", "edge-8x8", "--topology", "t.csv"],
        1,
        says,
    )
    .with("t.csv", row.to_string())
}

fn spec_case(name: &'static str, text: String, says: &'static str) -> Case {
    case(name, &["sweep", "s.toml", "--out", "r.csv"], 1, says).with("s.toml", text)
}

/// A results CSV of one real row with column `col` set to `value`.
fn results_case(name: &'static str, col: &str, value: &str, says: &'static str) -> Case {
    let text =
        std::fs::read_to_string(support::root().join("reports/results/default.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let row = lines.next().unwrap();
    let k = header.split(',').position(|c| c == col).unwrap();
    let mut cells: Vec<&str> = row.split(',').collect();
    cells[k] = value;
    case(name, &["report", "r.csv", "--out", "rep"], 1, says)
        .with("r.csv", format!("{header}\n{}\n", cells.join(",")))
}

/// `merge` of one shard `s.csv` (header only, empty JSON lines) whose
/// sidecar says `models`, `points` and `shard` (fuzzing found these).
fn merge_case(
    name: &'static str,
    models: &str,
    points: &str,
    shard: &str,
    says: &'static str,
) -> Case {
    let header = support::text(&support::root().join("reports/results/default.csv"))
        .lines()
        .next()
        .unwrap()
        .to_string();
    let meta = format!(
        "{{\"format\":\"systolic-sweep/1\",\"spec_hash\":\"0\",\"base\":\"b\",\"models\":{models},\"points\":{points},\"shard\":{shard},\"rows\":0,\"jsonl\":\"s.jsonl\",\"pareto\":[],\"complete\":true}}"
    );
    case(name, &["merge", "s.csv", "--out", "m.csv"], 1, says)
        .with("s.csv", format!("{header}\n"))
        .with("s.jsonl", "\n")
        .with("s.sweep.json", meta)
}

fn npy(shape: &[usize], descr: &str, data: &[u8]) -> Vec<u8> {
    let dict = format!(
        "{{'descr': '{descr}', 'fortran_order': False, 'shape': ({}{}), }}",
        shape
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        if shape.len() == 1 { "," } else { "" }
    );
    let mut header = dict.into_bytes();
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(b' ');
    }
    header.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(data);
    out
}

fn cases() -> Vec<Case> {
    let big = (1u64 << 32).to_string();
    vec![
        // Designs: every numeric field at and past its documented bounds.
        design_case("rows 0", "rows = 8", "rows = 0", "expected an integer from 1 to 4096, found 0"),
        design_case("rows 4097", "rows = 8", "rows = 4097", "from 1 to 4096, found 4097"),
        design_case("cols 2^40", "cols = 8", "cols = 1099511627776", "d.toml:4: invalid value: integer `1099511627776`, expected u32"),
        design_case("vector lanes 0", "dataflow = \"ws\"", "dataflow = \"ws\"\nvector_lanes = 0", "array.vector_lanes"),
        design_case("unknown dataflow", "dataflow = \"ws\"", "dataflow = \"xs\"", "unknown dataflow `xs`"),
        design_case("operand int1", "operand = \"int8\"", "operand = \"int1\"", "unknown precision `int1`"),
        design_case("accumulator 65 bits", "operand = \"int8\"", "operand = \"int8\"\naccumulator_bits = 65", "8 to 64 bits"),
        design_case("accumulator narrower than the operand", "operand = \"int8\"", "operand = \"int8\"\naccumulator_bits = 4", "at least as wide"),
        design_case("SRAM 0", "ifmap_sram_kib = 64", "ifmap_sram_kib = 0", "memory.ifmap_sram_kib"),
        design_case("SRAM below a byte", "ifmap_sram_kib = 64", "ifmap_sram_kib = 1e-9", "memory.ifmap_sram_kib"),
        design_case("SRAM of 2^53 KiB", "filter_sram_kib = 64", "filter_sram_kib = 9007199254740992", "memory.filter_sram_kib"),
        design_case("SRAM NaN", "ofmap_sram_kib = 64", "ofmap_sram_kib = nan", "memory.ofmap_sram_kib"),
        design_case("bandwidth 1e-300", "dram_bandwidth_bytes_per_cycle = 8", "dram_bandwidth_bytes_per_cycle = 1e-300", "from 0.001 to 1000000"),
        design_case("bandwidth inf", "dram_bandwidth_bytes_per_cycle = 8", "dram_bandwidth_bytes_per_cycle = inf", "dram_bandwidth_bytes_per_cycle"),
        design_case("latency 2e6", "dram_bandwidth_bytes_per_cycle = 8", "dram_bandwidth_bytes_per_cycle = 8\ndram_latency_cycles = 2000000", "at most 1000000 cycles"),
        design_case("DRAM capacity -1", "dram_bandwidth_bytes_per_cycle = 8", "dram_bandwidth_bytes_per_cycle = 8\ndram_capacity_gib = -1", "memory.dram_capacity_gib"),
        design_case("DRAM capacity 1e300", "dram_bandwidth_bytes_per_cycle = 8", "dram_bandwidth_bytes_per_cycle = 8\ndram_capacity_gib = 1e300", "memory.dram_capacity_gib"),
        design_case("clock 0", "mhz = 500", "mhz = 0", "clock.mhz"),
        design_case("clock 1e-300", "mhz = 500", "mhz = 1e-300", "clock.mhz"),
        design_case("node 3 nm", "mhz = 500", "mhz = 500\n[technology]\nnode_nm = 3", "no energy-scaling data for 3 nm"),
        design_case("energy table /etc/passwd", "mhz = 500", "mhz = 500\n[technology]\nenergy_table = \"/etc/passwd\"", "must be relative to the design file"),
        design_case("energy table outside", "mhz = 500", "mhz = 500\n[technology]\nenergy_table = \"../x.toml\"", "no `..`"),
        design_case("unknown field", "mhz = 500", "mhz = 500\nturbo = true", "unknown field `turbo`"),
        // SCALE-Sim configs, checked as written.
        cfg_case("cfg ArrayHeight 1e10", "ArrayHeight: 32", "ArrayHeight: 1e10", "found `1e10`"),
        cfg_case("cfg ArrayHeight 8.7", "ArrayHeight: 32", "ArrayHeight: 8.7", "found `8.7`"),
        cfg_case("cfg ArrayWidth 2^33", "ArrayWidth: 32", "ArrayWidth: 8589934592", "found `8589934592`"),
        case("cfg file name with a quote", &["sim", "--scalesim-config", "a\"b.cfg", "--model", "linear-10-1"], 0, "TOTAL").with("a\"b.cfg", CFG),
        cfg_case("cfg misspelled dataflow", "Dataflow: ws", "Dataflow: wss", "unknown dataflow `wss`"),
        cfg_case("cfg missing bandwidth", "Bandwidth: 10\n", "", "`Bandwidth` is missing"),
        // Topologies: sizes whose products wrap 64 bits, and nonsense.
        topology_case("GEMM of 2^32 per side", &format!("Layer Name, M, N, K,\ng, {big}, {big}, {big},\n"), "M x K x N is beyond 2^64"),
        topology_case("conv sides of 2^60", "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc, 1152921504606846976, 1152921504606846976, 3, 3, 3, 8, 1,\n", "beyond 2^64"),
        topology_case("GEMM of 2^213 MACs", "Layer Name, M, N, K,\ng, 18446744073709551615, 18446744073709551615, 18446744073709551615,\n", "beyond 2^64"),
        topology_case("depthwise channels 2^32 x 2^32", "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc_DP, 10, 10, 3, 3, 4294967296, 4294967296, 1,\n", "the limit is"),
        case("show model whose MACs pass 2^64", &["show", "model", "t.csv"], 0, "more than 1.8e10 GMAC").with("t.csv", "Layer Name, M, N, K,\na, 4294967296, 4294967296, 1,\nb, 1, 1, 1,\n"),
        topology_case("negative size", "Layer Name, M, N, K,\ng, -4, 8, 8,\n", "t.csv:2"),
        // Batches: far too large is an error, never 0 MACs; the engine
        // never loops over the batch.
        case("GEMM of 60000^3 on a 2x2 array runs in time", &["sim", "--design", "fpga-2x2", "--topology", "t.csv"], 0, "TOTAL").with("t.csv", "Layer Name, M, N, K,\nfc, 60000, 60000, 60000,\n"),
        case("batch 2^63", &["sim", "--model", "resnet18", "--batch", "9223372036854775808"], 1, "beyond 2^64"),
        case("batch 1e12", &["sim", "--model", "resnet50", "--batch", "1000000000000"], 1, "the limit is 4294967296"),
        case("batch 0", &["sim", "--batch", "0"], 1, "at least 1"),
        case("batch 1e5 runs in time", &["sim", "--model", "resnet50", "--batch", "100000", "--design", "edge-8x8"], 0, "TOTAL"),
        // gemm: sizes refused before anything is allocated.
        case("gemm M = 2^64 - 1", &["gemm", "--design", "edge-8x8", "--m", "18446744073709551615", "--k", "2", "--n", "2"], 1, "more than 2^64 bytes"),
        case("gemm 1e5 x 1 x 1e5", &["gemm", "--design", "edge-8x8", "--m", "100000", "--k", "1", "--n", "100000"], 1, "149.0 GiB"),
        case("gemm npy 200000 x 1 . 1 x 200000", &["gemm", "--design", "edge-8x8", "--a", "a.npy", "--b", "b.npy"], 1, "--max-memory-gib"),
        case("gemm NaN under --quantize", &["gemm", "--design", "edge-8x8", "--a", "f.npy", "--b", "g.npy", "--quantize"], 1, "A[0][1] is NaN"),
        // Sweep specs.
        case("sample of 10^8 points from a 10^8-point grid loads lazily", &["sweep", "s.toml", "--out", "r.csv", "--stop-after", "1"], 0, "evaluated").with("s.toml", {
            let list = |from: u32| (from..from + 100).map(|v| v.to_string()).collect::<Vec<_>>().join(", ");
            format!("base = \"edge-8x8\"\nmodels = [\"linear-10-1\"]\n[grid]\nrows = [{}]\ncols = [{}]\nclock_mhz = [{}]\ndram_bandwidth_bytes_per_cycle = [{}]\n[sample]\ncount = 100000000\nseed = 1\n", list(1), list(1), list(100), list(1))
        }),
        spec_case("range of more than 2^64 steps", format!("{SPEC}[sample]\ncount = 4\n[sample.ranges]\nclock_mhz = {{ min = 1, max = 1e300 }}\n"), "more than 2^32 values"),
        spec_case("range step 5e-324", format!("{SPEC}[sample]\ncount = 4\n[sample.ranges]\nclock_mhz = {{ min = 100, max = 200, step = 5e-324 }}\n"), "more than 2^32 values"),
        spec_case("sample larger than the grid", format!("{SPEC}[sample]\ncount = 5\n"), "grid has only 2"),
        spec_case("batch beyond the bounds", SPEC.replace("batch = 1", "batch = 4294967297"), "at batch 4294967297"),
        case("sweep --jsonl equal to --out", &["sweep", "s.toml", "--out", "r.csv", "--jsonl", "r.csv"], 1, "would be both").with("s.toml", SPEC),
        case("sweep --threads 100000 is capped", &["sweep", "s.toml", "--out", "r.csv", "--threads", "100000"], 0, "using").with("s.toml", SPEC),
        // Results read back by `report`.
        results_case("report negative latency", "latency_ms", "-5", "`-5` is not a finite, non-negative number"),
        results_case("report NaN latency", "latency_ms", "NaN", "`NaN` is not a finite"),
        results_case("report unknown dataflow", "dataflow", "<img src=x onerror=alert(1)>", "unknown dataflow"),
        results_case("report rows 2^32 - 1", "rows", "4294967295", "is not an array side"),
        results_case("report utilization above 1", "utilization", "4.6", "more than 1"),
        // Sidecars no sweep writes (found by fuzzing `merge`).
        merge_case("merge: points x models overflow", "[\"a\", \"b\"]", "18446744073709551615", "{\"index\":0,\"count\":1}", "pass what a count holds"),
        merge_case("merge: shard count 0", "[\"a\"]", "1", "{\"index\":0,\"count\":0}", "shard 0/0 does not exist"),
        merge_case("merge: no models, 10^15 points", "[]", "1000000000000000", "{\"index\":0,\"count\":1}", "names no model"),
        // Outputs: never replace what is not a regular file; failures exit 1.
        case("--out /dev/full", &["sim", "--model", "linear-10-1", "--out", "/dev/full"], 1, "No space left on device"),
        case("--out a directory", &["sim", "--model", "linear-10-1", "--out", "."], 1, "it is a directory"),
        case("--out a symbolic link", &["sim", "--model", "linear-10-1", "--out", "link.csv"], 1, "symbolic link"),
        // Names: one rule, with suggestions.
        case("design name near a preset", &["sim", "--design", "edge_8x8"], 1, "did you mean `edge-8x8`"),
        case("model name near a zoo model", &["sim", "--model", "ResNet-50"], 1, "did you mean `resnet50`"),
    ]
}

/// Binary files some cases need (written beside the text files).
fn binary_files(dir: &Path, name: &str) {
    match name {
        "gemm npy 200000 x 1 . 1 x 200000" => {
            let ones = vec![1u8; 200_000];
            std::fs::write(dir.join("a.npy"), npy(&[200_000, 1], "|i1", &ones)).unwrap();
            std::fs::write(dir.join("b.npy"), npy(&[1, 200_000], "|i1", &ones)).unwrap();
        }
        "gemm NaN under --quantize" => {
            let f: Vec<u8> = [0.5f32, f32::NAN, 1.0, 2.0]
                .iter()
                .flat_map(|x| x.to_le_bytes())
                .collect();
            std::fs::write(dir.join("f.npy"), npy(&[2, 2], "<f4", &f)).unwrap();
            std::fs::write(dir.join("g.npy"), npy(&[2, 2], "<f4", &f[..8].repeat(2))).unwrap();
        }
        "--out a symbolic link" => {
            std::fs::write(dir.join("mine.csv"), "mine").unwrap();
            std::os::unix::fs::symlink(dir.join("mine.csv"), dir.join("link.csv")).unwrap();
        }
        _ => {}
    }
}

/// Runs `args` in `dir` under the memory and time limits.
fn limited(dir: &Path, args: &[String]) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 200000 && exec timeout -s KILL 5 \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_systolic"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("sh runs")
}

#[test]
fn every_hostile_input_gets_its_exit_code_and_message_within_the_limits() {
    let mut failed = Vec::new();
    let all = cases();
    for c in &all {
        let dir = scratch("hostile", &c.name.replace(['/', ' ', '.'], "_"));
        for (name, text) in &c.files {
            if !text.is_empty() {
                std::fs::write(dir.join(name), text).unwrap();
            }
        }
        binary_files(&dir, c.name);
        let t = std::time::Instant::now();
        let o = limited(&dir, &c.args);
        let secs = t.elapsed().as_secs_f64();
        let text = if c.code == 0 {
            format!("{}{}", stdout(&o), stderr(&o))
        } else {
            stderr(&o)
        };
        let ok =
            o.status.code() == Some(c.code) && text.contains(c.says) && !text.contains("panicked");
        if !ok {
            failed.push(format!(
                "{}: exit {:?} after {secs:.1} s (want {}), expected `{}` in:\n{}",
                c.name,
                o.status.code(),
                c.code,
                c.says,
                text.lines().take(6).collect::<Vec<_>>().join("\n")
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} hostile inputs misbehaved:\n\n{}",
        failed.len(),
        all.len(),
        failed.join("\n\n")
    );
}

#[test]
fn the_limits_catch_runaway_work() {
    // The harness itself: a command that allocates beyond 200 MB is stopped.
    let dir = scratch("hostile", "harness");
    let o = limited(
        &dir,
        &[
            "gemm",
            "--design",
            "edge-8x8",
            "--m",
            "8000",
            "--k",
            "1",
            "--n",
            "8000",
            "--max-memory-gib",
            "64",
        ]
        .map(String::from),
    );
    assert_ne!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_ne!(o.status.code(), Some(1), "{}", stderr(&o));
}
