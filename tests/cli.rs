//! The `systolic` command as a user runs it: main job, formats, atomic output,
//! and clear errors (file, line, field, hint; never a panic) for bad input.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::{fails, ok, run as systolic, stderr, stdout};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

const GOOD: &str = "name = \"t\"\n[array]\nrows = 8\ncols = 8\ndataflow = \"ws\"\n[precision]\noperand = \"int8\"\n[memory]\nifmap_sram_kib = 64\nfilter_sram_kib = 64\nofmap_sram_kib = 64\ndram_bandwidth_bytes_per_cycle = 8\n[clock]\nmhz = 500\n";

fn design_file(name: &str, text: &str) -> String {
    let p = scratch(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn main_command_on_defaults_reports_every_resnet50_layer_and_a_total() {
    let o = systolic(&["sim"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with(
            "design tpu-v1-like (256x256 ws int8, 700 MHz, 91.75 TOPS peak)   model resnet50"
        ),
        "{out}"
    );
    assert!(out.contains("layer4.2.conv3"));
    assert!(
        out.lines()
            .any(|l| l.starts_with("TOTAL") && l.contains("4089.18")),
        "{out}"
    );
    assert!(out.contains("TOPS/W") && out.contains("pJ/MAC") && out.contains("DRAM"));
}

#[test]
fn csv_header_is_exactly_the_documented_field_list() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/REPORT_FORMAT.md"),
    )
    .unwrap();
    let mut documented = Vec::new();
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let first_cell = line.split('|').nth(1).unwrap();
        for name in first_cell.split('`').skip(1).step_by(2) {
            documented.push(name.to_string());
        }
    }
    let o = systolic(&[
        "sim", "--design", "edge-8x8", "--model", "alexnet", "--format", "csv",
    ]);
    assert!(o.status.success());
    let out = stdout(&o);
    let header: Vec<String> = out
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(String::from)
        .collect();
    assert_eq!(header, documented);
    assert_eq!(
        out.lines().count(),
        1 + 18 + 1,
        "header, 18 alexnet layers, total"
    );
    assert!(out.lines().last().unwrap().starts_with("TOTAL,model,all,"));
}

#[test]
fn json_has_layers_and_total_with_the_same_fields() {
    let o = systolic(&[
        "sim",
        "--design",
        "gemmini-like",
        "--model",
        "lstm-lm",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(v["schema"], 1);
    assert_eq!(v["design"]["name"], "gemmini-like");
    assert_eq!(v["timing"], "rtl");
    let layers = v["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 4);
    assert_eq!(layers[0]["kind"], "lstm");
    assert_eq!(layers[0]["gemms"], 35);
    let keys = |o: &serde_json::Value| o.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&layers[0]), keys(&v["total"]));
    let macs: u64 = layers.iter().map(|l| l["macs"].as_u64().unwrap()).sum();
    assert_eq!(v["total"]["macs"].as_u64().unwrap(), macs);
}

#[test]
fn out_file_is_written_whole_and_nothing_else_is_left() {
    let path = scratch("r.csv");
    let _ = std::fs::remove_file(&path);
    let o = systolic(&[
        "sim",
        "--design",
        "edge-8x8",
        "--model",
        "linear-10-1",
        "--format",
        "csv",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("layer,kind,unit,") && text.ends_with('\n'));
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn a_full_standard_output_fails_and_a_fifo_is_written_through() {
    // `sim > /dev/full`: the failed write is an error (exit 1), not success.
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full");
    let full = full.expect("/dev/full exists on Linux");
    let o = support::command()
        .args(["sim", "--model", "linear-10-1"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("No space left on device"),
        "{}",
        stderr(&o)
    );

    // `--out FIFO`: written through (a reader gets the report), and the FIFO
    // stays a FIFO.
    let dir = scratch("fifo");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let o = systolic(&[
        "sim",
        "--model",
        "linear-10-1",
        "--format",
        "csv",
        "--out",
        fifo.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let got = reader.join().unwrap();
    assert!(got.starts_with("layer,kind,unit,"), "{got}");
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary left"
    );
}

#[test]
fn batch_and_layer_filter() {
    let one = systolic(&[
        "sim", "--design", "edge-8x8", "--model", "resnet18", "--layer", "conv1", "--format", "csv",
    ]);
    let four = systolic(&[
        "sim", "--design", "edge-8x8", "--model", "resnet18", "--layer", "conv1", "--batch", "4",
        "--format", "csv",
    ]);
    let row = |o: &Output| {
        stdout(o)
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .map(String::from)
            .collect::<Vec<_>>()
    };
    let (r1, r4) = (row(&one), row(&four));
    assert_eq!(r1[0], "conv1");
    assert_eq!(stdout(&one).lines().count(), 3, "header, conv1, total");
    assert_eq!(
        r4[4].parse::<u64>().unwrap(),
        4 * r1[4].parse::<u64>().unwrap(),
        "M grows with the batch"
    );
    let glob = systolic(&[
        "sim",
        "--design",
        "edge-8x8",
        "--model",
        "resnet18",
        "--layer",
        "layer1.*conv*",
        "--format",
        "csv",
    ]);
    assert_eq!(stdout(&glob).lines().count(), 1 + 4 + 1);
}

#[test]
fn design_field_errors_name_file_line_field_and_hint() {
    let f = design_file("rows0.toml", &GOOD.replace("rows = 8", "rows = 0"));
    let e = fails(&["sim", "--design", &f]);
    assert!(
        e.contains("rows0.toml:3")
            && e.contains("array.rows")
            && e.contains("expected an integer from 1 to 4096, found 0"),
        "{e}"
    );
    assert!(e.contains("help:"), "{e}");

    let f = design_file("df.toml", &GOOD.replace("\"ws\"", "\"wsx\""));
    let e = fails(&["sim", "--design", &f]);
    assert!(
        e.contains("df.toml:5")
            && e.contains("array.dataflow")
            && e.contains("unknown dataflow `wsx`")
            && e.contains("os (output stationary)"),
        "{e}"
    );

    let f = design_file("prec.toml", &GOOD.replace("\"int8\"", "\"int64\""));
    let e = fails(&["sim", "--design", &f]);
    assert!(
        e.contains("prec.toml:7") && e.contains("precision.operand") && e.contains("int64"),
        "{e}"
    );

    let f = design_file("bw.toml", &GOOD.replace("= 8\n[clock]", "= -1\n[clock]"));
    let e = fails(&["sim", "--design", &f]);
    assert!(
        e.contains("bw.toml:12") && e.contains("memory.dram_bandwidth_bytes_per_cycle"),
        "{e}"
    );

    let f = design_file(
        "acc.toml",
        &GOOD.replace(
            "operand = \"int8\"",
            "operand = \"int16\"\naccumulator_bits = 8",
        ),
    );
    let e = fails(&["sim", "--design", &f]);
    assert!(
        e.contains("acc.toml:8") && e.contains("precision.accumulator_bits"),
        "{e}"
    );

    let f = design_file("node.toml", &format!("{GOOD}[technology]\nnode_nm = 3\n"));
    let e = fails(&["sim", "--design", &f]);
    assert!(
        e.contains("node.toml:16") && e.contains("technology.node_nm") && e.contains("3 nm"),
        "{e}"
    );

    let f = design_file(
        "table.toml",
        &format!("{GOOD}[technology]\nenergy_table = \"nope.toml\"\n"),
    );
    let e = fails(&["sim", "--design", &f]);
    assert!(
        e.contains("technology.energy_table") && e.contains("horowitz-45nm"),
        "{e}"
    );
}

#[test]
fn design_syntax_errors_name_the_line() {
    let f = design_file(
        "unknown.toml",
        &GOOD.replace("cols = 8\n", "cols = 8\ncolz = 3\n"),
    );
    let e = fails(&["sim", "--design", &f]);
    assert!(
        e.contains("unknown.toml:5") && e.contains("unknown field `colz`"),
        "{e}"
    );

    let f = design_file("missing.toml", &GOOD.replace("[clock]\nmhz = 500\n", ""));
    let e = fails(&["sim", "--design", &f]);
    assert!(
        e.contains("missing.toml") && e.contains("missing field `clock`"),
        "{e}"
    );

    let f = design_file("type.toml", &GOOD.replace("cols = 8", "cols = \"eight\""));
    let e = fails(&["sim", "--design", &f]);
    assert!(e.contains("type.toml:4") && e.contains("cols"), "{e}");

    let e = fails(&["sim", "--design", "/nonexistent/d.toml"]);
    assert!(e.contains("cannot read /nonexistent/d.toml"), "{e}");
}

#[test]
fn topology_errors_name_line_and_column() {
    let p = scratch("bad_topo.csv");
    std::fs::write(&p, "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc1, 10, 10, 3, 3, 3, 8, 1,\nc2, 10, 10, 3, 3, 3, -8, 1,\n").unwrap();
    let e = fails(&[
        "sim",
        "--design",
        "edge-8x8",
        "--topology",
        p.to_str().unwrap(),
    ]);
    assert!(
        e.contains("bad_topo.csv:3") && e.contains("Num Filter") && e.contains("`-8`"),
        "{e}"
    );
}

#[test]
fn unknown_names_list_what_exists() {
    let e = fails(&["sim", "--design", "tpu-v9"]);
    assert!(
        e.contains("unknown design `tpu-v9`")
            && e.contains("tpu-v1-like")
            && e.contains("edge-8x8"),
        "{e}"
    );
    let e = fails(&["sim", "--model", "resnet51"]);
    assert!(
        e.contains("unknown model `resnet51`") && e.contains("resnet50") && e.contains("bert-base"),
        "{e}"
    );
    let e = fails(&["sim", "--layer", "nosuchlayer"]);
    assert!(e.contains("--layer") && e.contains("layer1.0.conv1"), "{e}");
    let e = fails(&["sim", "--batch", "0"]);
    assert!(e.contains("--batch") && e.contains("at least 1"), "{e}");
}

#[test]
fn scalesim_inputs_are_read_unchanged() {
    let o = systolic(&[
        "sim",
        "--scalesim-config",
        "tests/inputs/scalesim_32x32_ws.cfg",
        "--topology",
        "tests/inputs/scalesim_gemm.csv",
        "--timing",
        "scalesim",
        "--format",
        "csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let row: Vec<&str> = out.lines().nth(1).unwrap().split(',').collect();
    // GEMM row `fc1, M=64, N=100, K=300`: ws folds ceil(300/32) * ceil(100/32) = 40,
    // each 2*32 + 32 + 64 - 2 = 158 cycles.
    assert_eq!(
        &row[..8],
        ["fc1", "gemm", "array", "1", "64", "300", "100", "1920000"]
    );
    assert_eq!(row[9], "40");
    assert_eq!(row[10], (40 * 158).to_string());
}

#[test]
fn list_shows_presets_and_models() {
    let d = stdout(&systolic(&["list", "designs"]));
    assert!(d.lines().count() >= 6);
    assert!(d.contains("tpu-v1-like") && d.contains("256x256") && d.contains("91.75 TOPS"));
    let m = stdout(&systolic(&["list", "models"]));
    for name in [
        "alexnet",
        "vgg16",
        "resnet18",
        "resnet50",
        "mobilenet_v2",
        "bert-base",
        "lstm-lm",
        "dense-10-1",
        "linear-10-1",
    ] {
        assert!(m.contains(name), "{name} missing from\n{m}");
    }
}

#[test]
fn help_shows_examples() {
    let h = stdout(&systolic(&["sim", "--help"]));
    assert!(h.contains("Examples:") && h.contains("--scalesim-config") && h.contains("--timing"));
}

fn write_npy(name: &str, shape: Vec<usize>, data: sim::npy::NpyData) -> String {
    let p = scratch(name);
    sim::npy::write(&p, &sim::npy::NpyArray::new(shape, data).unwrap()).unwrap();
    p.display().to_string()
}

/// A design with `zero_gating = true` shows, after a GEMM on real
/// operands, how many multiply-adds had a zero operand (counted here by
/// brute force) and its energy with them beside the data-independent
/// estimate; the same design without gating shows no such line.
#[test]
fn gemm_on_a_zero_gating_design_counts_the_gated_macs_and_lowers_its_energy() {
    let (m, k, n) = (64usize, 96usize, 48usize);
    // Half of A zero (a ReLU's output), B with a few zeros.
    let a: Vec<i8> = (0..m * k)
        .map(|i| if i % 2 == 0 { 0 } else { (i * 37 % 255) as i8 })
        .collect();
    let b: Vec<i8> = (0..k * n).map(|i| (i * 91 % 97) as i8 - 48).collect();
    let pa = write_npy("zga.npy", vec![m, k], sim::npy::NpyData::I8(a.clone()));
    let pb = write_npy("zgb.npy", vec![k, n], sim::npy::NpyData::I8(b.clone()));
    let mut zero = 0u64;
    for i in 0..m {
        for l in 0..k {
            for j in 0..n {
                zero += u64::from(a[i * k + l] == 0 || b[l * n + j] == 0);
            }
        }
    }
    let run = |design: &str| {
        let o = systolic(&["gemm", "--design", design, "--a", &pa, "--b", &pb]);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    let plain = design_file("ungated.toml", GOOD);
    let gated = design_file(
        "gated.toml",
        &GOOD.replace(
            "dataflow = \"ws\"\n",
            "dataflow = \"ws\"\nzero_gating = true\n",
        ),
    );
    assert!(!run(&plain).contains("zero gating"));
    let out = run(&gated);
    let line = out
        .lines()
        .find(|l| l.starts_with("zero gating: "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.starts_with(&format!(
            "zero gating: {zero} of {} multiply-adds gated",
            m * k * n
        )),
        "{line} (want {zero})"
    );
    let uj: Vec<f64> = line
        .split(" uJ")
        .filter_map(|p| p.rsplit(' ').next()?.parse().ok())
        .collect();
    assert!(uj.len() == 2 && uj[0] < uj[1], "{line}");
    // The saving is the gated MACs' arithmetic, 96.8 % of each.
    let d = sim::Design::load(Path::new(&gated)).unwrap();
    let saved = zero as f64 * d.energy.mac_pj * 0.968 / 1e6;
    assert!(
        ((uj[1] - uj[0]) - saved).abs() < 0.0011,
        "{line}: saved {saved}"
    );
}

#[test]
fn gemm_reads_npy_runs_value_exactly_and_writes_int32() {
    let (m, k, n) = (9usize, 21usize, 5usize);
    let a: Vec<i8> = (0..m * k)
        .map(|i| (i as i64 * 37 % 256 - 128) as i8)
        .collect();
    let b: Vec<i8> = (0..k * n)
        .map(|i| (i as i64 * 91 % 256 - 128) as i8)
        .collect();
    let pa = write_npy("ga.npy", vec![m, k], sim::npy::NpyData::I8(a.clone()));
    let pb = write_npy("gb.npy", vec![k, n], sim::npy::NpyData::I8(b.clone()));
    let pc = scratch("gc.npy");
    let o = systolic(&[
        "gemm",
        "--design",
        "edge-8x8",
        "--a",
        &pa,
        "--b",
        &pb,
        "--out",
        pc.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("value-exact") && stdout(&o).contains("pJ/MAC"));
    let c = sim::npy::read(&pc).unwrap();
    assert_eq!(c.shape, vec![m, n]);
    let sim::npy::NpyData::I32(c) = c.data else {
        panic!("C is int32")
    };
    for i in 0..m {
        for j in 0..n {
            let want: i32 = (0..k)
                .map(|l| i32::from(a[i * k + l]) * i32::from(b[l * n + j]))
                .sum();
            assert_eq!(c[i * n + j], want, "C[{i}][{j}]");
        }
    }
}

#[test]
fn gemm_quantize_reports_error_and_savings_against_fp32() {
    let (m, k, n) = (16usize, 64usize, 8usize);
    let a: Vec<f32> = (0..m * k)
        .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
        .collect();
    let b: Vec<f32> = (0..k * n)
        .map(|i| ((i * 104_729) % 1000) as f32 / 5000.0 - 0.1)
        .collect();
    let pa = write_npy("qa.npy", vec![m, k], sim::npy::NpyData::F32(a));
    let pb = write_npy("qb.npy", vec![k, n], sim::npy::NpyData::F32(b));
    let o = systolic(&[
        "gemm",
        "--design",
        "gemmini-like",
        "--a",
        &pa,
        "--b",
        &pb,
        "--quantize",
        "--per-channel",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let sqnr: f64 = out
        .split("SQNR ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(sqnr > 30.0, "{out}");
    assert!(
        out.contains("fp32 on the same design") && out.contains("saved:"),
        "{out}"
    );
    // Float files without --quantize, and mismatched shapes, are user errors;
    // the advice names --quantize, never an integer cast of float data.
    let e = fails(&["gemm", "--a", &pa, "--b", &pb]);
    assert!(
        e.contains("found floating point (`<f4`)") && e.contains("--quantize"),
        "{e}"
    );
    // float64 is quantized like float32 (rounded to float32 first), with
    // the same result as the float32 files.
    let to_f64 = |p: &str, name: &str| {
        let a = sim::npy::read(Path::new(p)).unwrap();
        let sim::npy::NpyData::F32(v) = a.data else {
            panic!("float32 fixture")
        };
        write_npy(
            name,
            a.shape,
            sim::npy::NpyData::F64(v.iter().map(|&x| f64::from(x)).collect()),
        )
    };
    let (pa64, pb64) = (to_f64(&pa, "a64.npy"), to_f64(&pb, "b64.npy"));
    let e = fails(&["gemm", "--a", &pa64, "--b", &pb64]);
    assert!(
        e.contains("found floating point (`<f8`)") && !e.contains("float32 operands"),
        "{e}"
    );
    let o64 = systolic(&[
        "gemm",
        "--design",
        "gemmini-like",
        "--a",
        &pa64,
        "--b",
        &pb64,
        "--quantize",
        "--per-channel",
    ]);
    assert_eq!(stdout(&o64), out, "{}", stderr(&o64));
    let e = fails(&["gemm", "--a", &pa, "--b", &pa, "--quantize"]);
    assert!(e.contains("A has 64 columns but B has 16 rows"), "{e}");
    // A floating-point design computes in its own format; --quantize there
    // is a user error that points to an integer design.
    let e = fails(&[
        "gemm",
        "--design",
        "tpu-v3-mxu-like",
        "--a",
        &pa,
        "--b",
        &pb,
        "--quantize",
    ]);
    assert!(
        e.contains("computes in bf16, not integers") && e.contains("tpu-v1-like"),
        "{e}"
    );
}

#[test]
fn gemm_on_a_bf16_design_rounds_the_operands_and_reports_the_error_against_fp64() {
    let run = |name: &str, a: &[f32], b: &[f32], (m, k, n): (usize, usize, usize)| {
        let pa = write_npy(
            &format!("{name}-a.npy"),
            vec![m, k],
            sim::npy::NpyData::F32(a.to_vec()),
        );
        let pb = write_npy(
            &format!("{name}-b.npy"),
            vec![k, n],
            sim::npy::NpyData::F32(b.to_vec()),
        );
        let pc =
            std::env::temp_dir().join(format!("systolic-cli-{}-{name}-c.npy", std::process::id()));
        let _ = std::fs::remove_file(&pc);
        let o = systolic(&[
            "gemm",
            "--design",
            "tpu-v3-mxu-like",
            "--a",
            &pa,
            "--b",
            &pb,
            "--out",
            pc.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let c = sim::npy::read(&pc).unwrap();
        std::fs::remove_file(&pc).unwrap();
        assert_eq!(c.shape, vec![m, n]);
        let sim::npy::NpyData::F32(c) = c.data else {
            panic!("C is float32")
        };
        (stdout(&o), c)
    };
    // Small integers are exact in bf16 and every partial sum is exact in
    // fp32: C is the integer product, and the report says so.
    let (m, k, n) = (5usize, 300usize, 3usize);
    let a: Vec<f32> = (0..m * k).map(|i| ((i * 37) % 17) as f32 - 8.0).collect();
    let b: Vec<f32> = (0..k * n).map(|i| ((i * 11) % 13) as f32 - 6.0).collect();
    let (out, c) = run("exact", &a, &b, (m, k, n));
    assert!(
        out.contains("SQNR inf (exact)") && out.contains("128x128 ws bf16"),
        "{out}"
    );
    for i in 0..m {
        for j in 0..n {
            let want: f32 = (0..k).map(|l| a[i * k + l] * b[l * n + j]).sum();
            assert_eq!(c[i * n + j], want, "C[{i}][{j}]");
        }
    }
    // Values bf16 rounds: each operand moves by at most 2^-9 of itself
    // (8 significand bits, to nearest), so each product by under 2^-7.9 of
    // |a||b|, and fp32 accumulation adds far less: the error of C[i][j] is
    // within 2^-7.9 * sum |a||b|. The SQNR is about bf16's, far below fp32's.
    let (m, k, n) = (8usize, 96usize, 6usize);
    let a: Vec<f32> = (0..m * k)
        .map(|i| ((i * 7919) % 1000) as f32 / 333.0 - 1.5)
        .collect();
    let b: Vec<f32> = (0..k * n)
        .map(|i| ((i * 104_729) % 1000) as f32 / 777.0 - 0.6)
        .collect();
    let (out, c) = run("rounded", &a, &b, (m, k, n));
    for i in 0..m {
        for j in 0..n {
            let (r, mag): (f64, f64) = (0..k).fold((0.0, 0.0), |(r, s), l| {
                let p = f64::from(a[i * k + l]) * f64::from(b[l * n + j]);
                (r + p, s + p.abs())
            });
            let err = (f64::from(c[i * n + j]) - r).abs();
            assert!(
                err <= mag * 2f64.powf(-7.9),
                "C[{i}][{j}] = {} vs {r}: error {err} beyond {}",
                c[i * n + j],
                mag * 2f64.powf(-7.9)
            );
        }
    }
    let sqnr: f64 = out
        .split("SQNR ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((35.0..80.0).contains(&sqnr), "{out}");
    // Random operands (--m --k --n --seed) are the same on every run.
    let args = [
        "gemm",
        "--design",
        "tpu-v3-mxu-like",
        "--m",
        "3",
        "--k",
        "50",
        "--n",
        "2",
        "--seed",
        "9",
    ];
    let first = stdout(&ok(&args));
    assert!(
        first.contains("SQNR ") && first.contains("C[3 x 2]"),
        "{first}"
    );
    assert_eq!(stdout(&ok(&args)), first);
}

#[test]
fn version_show_and_completions() {
    let o = systolic(&["--version"]);
    assert_eq!(
        stdout(&o),
        format!("systolic {}\n", env!("CARGO_PKG_VERSION"))
    );
    // A preset as written, to start from; and complete, every default spelled
    // out, reading back as the same design.
    let preset = stdout(&systolic(&["show", "design", "gemmini-like"]));
    let file = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("designs/gemmini-like.toml"),
    )
    .unwrap();
    assert_eq!(preset, file);
    let complete = stdout(&systolic(&["show", "design", "gemmini-like", "--complete"]));
    for field in [
        "vector_lanes",
        "output",
        "saturate",
        "dram_latency_cycles",
        "node_nm",
    ] {
        assert!(complete.contains(field), "{field} missing:\n{complete}");
    }
    let back = sim::Design::parse(&complete, "complete.toml", None).unwrap();
    assert_eq!(back, sim::design::preset("gemmini-like").unwrap());
    // A design file with its own energy table keeps the table's path.
    let dir = scratch("show");
    std::fs::create_dir_all(&dir).unwrap();
    let table = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sim/tables/horowitz-45nm.toml"),
    )
    .unwrap();
    std::fs::write(
        dir.join("mine.toml"),
        table.replace("name = \"horowitz-45nm\"", "name = \"mine\""),
    )
    .unwrap();
    let with_table = format!("{GOOD}[technology]\nenergy_table = \"mine.toml\"\n");
    std::fs::write(dir.join("d.toml"), &with_table).unwrap();
    let shown = stdout(&systolic(&[
        "show",
        "design",
        dir.join("d.toml").to_str().unwrap(),
    ]));
    assert!(shown.contains("energy_table = \"mine.toml\""), "{shown}");
    std::fs::write(dir.join("again.toml"), &shown).unwrap();
    assert_eq!(
        sim::Design::load(&dir.join("again.toml")).unwrap(),
        sim::Design::load(&dir.join("d.toml")).unwrap()
    );
    let e = fails(&["show", "design", "edge_8x8"]);
    assert!(e.contains("did you mean `edge-8x8`"), "{e}");
    let e = fails(&["show", "model", "ResNet-18"]);
    assert!(e.contains("did you mean `resnet18`"), "{e}");
    let layers = stdout(&systolic(&["show", "model", "resnet18"]));
    assert!(layers.starts_with("model resnet18: 48 layers"), "{layers}");
    assert_eq!(layers.lines().count(), 2 + 48, "{layers}");
    assert!(layers.contains("layer1.0.conv1"), "{layers}");
    // Completion scripts: bash's parses; each names the subcommands.
    let bash = stdout(&systolic(&["completions", "bash"]));
    let check = Command::new("bash")
        .arg("-n")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write as _;
            c.stdin.take().unwrap().write_all(bash.as_bytes())?;
            c.wait()
        })
        .unwrap();
    assert!(check.success(), "bash -n rejects the completion script");
    for (shell, mark) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef systolic"),
        ("fish", "complete -c systolic"),
    ] {
        let text = stdout(&systolic(&["completions", shell]));
        assert!(text.contains(mark), "{shell}: no `{mark}`");
        for verb in ["sim", "sweep", "verify", "show", "completions"] {
            assert!(text.contains(verb), "{shell}: no `{verb}`");
        }
    }
}

#[test]
fn the_design_format_documents_every_field() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/DESIGN_FORMAT.md"),
    )
    .unwrap();
    // Every field of the complete form of a design has a row in the table of
    // its section.
    let complete = stdout(&systolic(&["show", "design", "tpu-v1-like", "--complete"]));
    let mut section = String::from("Top level");
    let mut count = 0;
    for line in complete.lines() {
        if let Some(s) = line.strip_prefix('[') {
            section = format!("`[{s}`");
            continue;
        }
        let Some((key, _)) = line.split_once(" = ") else {
            continue;
        };
        let at = doc
            .find(&format!("## {section}"))
            .unwrap_or_else(|| panic!("no section {section}"));
        let rest = &doc[at..];
        let end = rest[3..].find("\n## ").map_or(rest.len(), |e| e + 3);
        assert!(
            rest[..end].contains(&format!("| `{key}` |")),
            "docs/DESIGN_FORMAT.md: no row for `{key}` in {section}"
        );
        count += 1;
    }
    assert!(count >= 22, "{count} fields");
    // The example in the document is a valid design.
    let example = doc
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    sim::Design::parse(example, "DESIGN_FORMAT.md", None).unwrap();
}

#[test]
fn onnx_models_print_their_coverage_and_take_symbolic_dimensions() {
    let model = support::root().join("sim/tests/fixtures/onnx/transformer.onnx");
    let model = model.to_str().unwrap();
    let o = systolic(&[
        "sim", "--design", "edge-8x8", "--model", model, "--format", "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("dimension 0 is `batch`, taken as 1 (set it with --dim batch=N)"),
        "{e}"
    );
    assert!(
        e.contains("MatMul") && e.contains("array") && e.contains("Erf") && e.contains("fused"),
        "{e}"
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let macs_1 = v["total"]["macs"].as_u64().unwrap();
    let cov = v["coverage"].as_array().unwrap();
    let matmul = cov.iter().find(|c| c["op_type"] == "MatMul").unwrap();
    assert_eq!(matmul["treatment"], "array");
    assert_eq!(matmul["macs"].as_u64().unwrap(), macs_1);
    // --dim batch=8: eight times the MACs, and no note.
    let o = systolic(&[
        "sim", "--model", model, "--dim", "batch=8", "--format", "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("taken as 1"), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["total"]["macs"].as_u64().unwrap(), 8 * macs_1);
    // A --dim the model does not have, a malformed one, and --dim on a zoo model.
    let e = fails(&["sim", "--model", model, "--dim", "seq=4"]);
    assert!(
        e.contains("no dimension named `seq`") && e.contains("batch"),
        "{e}"
    );
    let o = systolic(&["sim", "--model", model, "--dim", "batch"]);
    assert_eq!(o.status.code(), Some(2), "a usage error");
    assert!(stderr(&o).contains("NAME=VALUE"), "{}", stderr(&o));
    let e = fails(&["sim", "--model", "resnet18", "--dim", "batch=2"]);
    assert!(e.contains("need an ONNX model"), "{e}");
    // A damaged file.
    let dir = scratch("onnx");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("cut.onnx");
    let bytes = std::fs::read(support::root().join("sim/tests/fixtures/onnx/cnn.onnx")).unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() / 3]).unwrap();
    let e = fails(&["sim", "--model", bad.to_str().unwrap()]);
    assert!(
        e.contains("cut.onnx") && (e.contains("byte ") || e.contains("node `")),
        "{e}"
    );
}

#[test]
fn gemm_on_float_designs_follows_the_partial_sum_format_and_the_order_of_additions() {
    // 1 x 512 ones times 512 x 1 ones, with bf16 partial sums: a ws array
    // of 16 rows sums 16 ones per fold (exact) into the fp32 accumulator:
    // 512. An os PE keeps one bf16 chain: 256 + 1 = 257 is a tie between
    // 256 and 258 and rounds to 256 (even), so the chain stops at 256.
    let design = |name: &str, dataflow: &str, extra: &str| {
        let p = scratch(&format!("{name}.toml"));
        std::fs::write(
            &p,
            format!(
                "name = \"{name}\"\n[array]\nrows = 16\ncols = 16\ndataflow = \"{dataflow}\"\n[precision]\noperand = \"bf16\"\n{extra}\n[memory]\nifmap_sram_kib = 256\nfilter_sram_kib = 256\nofmap_sram_kib = 64\ndram_bandwidth_bytes_per_cycle = 16\n[clock]\nmhz = 1000\n"
            ),
        )
        .unwrap();
        p.display().to_string()
    };
    let k = 512usize;
    let pa = write_npy(
        "ones-a.npy",
        vec![1, k],
        sim::npy::NpyData::F32(vec![1.0; k]),
    );
    let pb = write_npy(
        "ones-b.npy",
        vec![k, 1],
        sim::npy::NpyData::F32(vec![1.0; k]),
    );
    let c_of = |d: &str| {
        let pc = scratch(&format!(
            "{}-c.npy",
            Path::new(d).file_stem().unwrap().to_str().unwrap()
        ));
        let o = systolic(&[
            "gemm",
            "--design",
            d,
            "--a",
            &pa,
            "--b",
            &pb,
            "--out",
            pc.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let sim::npy::NpyData::F32(c) = sim::npy::read(&pc).unwrap().data else {
            panic!("C is float32")
        };
        (c[0], stdout(&o))
    };
    let (ws, out) = c_of(&design("ws-bf16", "ws", "partial_sums = \"bf16\""));
    assert_eq!(ws, 512.0, "{out}");
    assert!(
        out.contains("bf16 partial sums, fp32 accumulator, fma_chain"),
        "{out}"
    );
    let (os, out) = c_of(&design("os-bf16", "os", "partial_sums = \"bf16\""));
    assert_eq!(os, 256.0, "{out}");
    let (os32, _) = c_of(&design("os-fp32", "os", ""));
    assert_eq!(os32, 512.0);
    // A fused adder of 4 products, V100-style, gives the same here (each
    // group of 4 ones is exact), and its parameters are shown.
    let (fa, out) = c_of(&design(
        "os-fused",
        "os",
        "accumulation = \"fused_adder\"\nfused_terms = 4\nfused_extra_bits = 0",
    ));
    assert_eq!(fa, 512.0);
    assert!(
        out.contains("fused_adder of 4 products, 0 extra bits"),
        "{out}"
    );
    // Bad floating-point fields name the field and the fix.
    let refused = |d: String| fails(&["gemm", "--design", &d, "--m", "1", "--k", "1", "--n", "1"]);
    let e = refused(design("bad-rule", "ws", "accumulation = \"kahan\""));
    assert!(
        e.contains("precision.accumulation") && e.contains("unknown accumulation rule `kahan`"),
        "{e}"
    );
    let e = refused(design(
        "no-bits",
        "ws",
        "accumulation = \"fused_adder\"\nfused_terms = 4",
    ));
    assert!(e.contains("precision.fused_extra_bits"), "{e}");
    let e = refused(design("fp8-psums", "ws", "partial_sums = \"fp8e4m3\""));
    assert!(
        e.contains("precision.partial_sums")
            && e.contains("expected fp32, bf16 or fp16 partial sums, found fp8e4m3"),
        "{e}"
    );
    let e = refused(design("stray", "ws", "fused_terms = 4"));
    assert!(
        e.contains("precision.fused_terms") && e.contains("not \"fused_adder\""),
        "{e}"
    );
    let int8 = design("int-psum", "ws", "partial_sums = \"bf16\"");
    std::fs::write(
        &int8,
        std::fs::read_to_string(&int8)
            .unwrap()
            .replace("operand = \"bf16\"", "operand = \"int8\""),
    )
    .unwrap();
    let e = refused(int8);
    assert!(
        e.contains("precision.partial_sums applies to floating-point designs"),
        "{e}"
    );
    // show design --complete writes the choices out, and reads back the same.
    let shown = stdout(&systolic(&[
        "show",
        "design",
        &design("shown", "os", "partial_sums = \"fp16\"\nsubnormals = false"),
        "--complete",
    ]));
    assert!(
        shown.contains("partial_sums = \"fp16\"")
            && shown.contains("accumulation = \"fma_chain\"")
            && shown.contains("subnormals = false"),
        "{shown}"
    );
    let again = scratch("shown-again.toml");
    std::fs::write(&again, &shown).unwrap();
    let shown2 = stdout(&systolic(&[
        "show",
        "design",
        again.to_str().unwrap(),
        "--complete",
    ]));
    assert_eq!(shown2, shown);
}

#[test]
fn a_sparse_design_reports_its_speedup_and_energy_against_itself_dense_and_gen_writes_its_core_alone(
) {
    let text = format!("{GOOD}[sparsity]\nweights = \"1:4\"\n");
    let d = design_file("sparse-1-4.toml", &text);
    let o = systolic(&["sim", "--design", &d, "--model", "resnet18"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let line = out
        .lines()
        .find(|l| l.starts_with("sparsity 1:4 weights: "))
        .unwrap_or_else(|| panic!("no sparsity line in:\n{out}"));
    // "<speedup>x the speed of the same design dense (<cycles> cycles, dense <cycles>)".
    let speedup: f64 = line["sparsity 1:4 weights: ".len()..]
        .split('x')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(speedup > 1.0 && speedup <= 4.0, "{line}");
    let dense = design_file("dense-of-sparse.toml", GOOD);
    let od = systolic(&["sim", "--design", &dense, "--model", "resnet18"]);
    let total = |o: &str| {
        o.lines()
            .find(|l| l.starts_with("TOTAL"))
            .map(str::to_string)
            .unwrap()
    };
    assert_ne!(total(&out), total(&stdout(&od)));
    // The dense cycles are the dense run's own ("cycles C compute + S stall").
    let dense_cycles: u64 = line
        .split("cycles, dense ")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let od = stdout(&od);
    let run: Vec<u64> = od
        .split("cycles ")
        .last()
        .unwrap()
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(run.iter().sum::<u64>(), dense_cycles, "{line}\n{od}");
    let g = systolic(&[
        "gen",
        "--design",
        &d,
        "--out",
        scratch("sparse-rtl").to_str().unwrap(),
    ]);
    let e = stderr(&g);
    assert!(
        g.status.success() && e.contains("no AXI IP for sparse weights"),
        "{e}"
    );
    let names: Vec<String> = std::fs::read_dir(scratch("sparse-rtl"))
        .unwrap()
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().any(|n| n.ends_with("_pe_ws.v"))
            && !names.iter().any(|n| n.ends_with("_ip.v")),
        "{names:?}"
    );
    let pe = names.iter().find(|n| n.ends_with("_pe_ws.v")).unwrap();
    let pe = std::fs::read_to_string(scratch("sparse-rtl").join(pe)).unwrap();
    let param = |name: &str, value: &str| {
        pe.lines().any(|l| {
            let l: String = l.split_whitespace().collect();
            l.starts_with(&format!("parameter{name}={value}"))
        })
    };
    assert!(param("SPM", "4") && param("IB", "2"), "{pe}");
    // What needs the AXI IP is refused, naming what does run, before writing.
    for args in [
        vec!["verify", "--design", &d, "--gemm", "8,8,8"],
        vec![
            "synth", "--design", &d, "--target", "generic", "--ip", "--out",
        ],
    ] {
        let mut args: Vec<String> = args.into_iter().map(String::from).collect();
        if args[0] == "synth" {
            args.push(scratch("sparse-synth").to_str().unwrap().to_string());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let e = fails(&args);
        assert!(
            e.contains("systolic::hdl::sparse_ip") && e.contains("--core"),
            "{args:?}: {e}"
        );
    }
    assert!(!scratch("sparse-synth").exists());
}

/// Runs `systolic prune ARGS --out NAME` (NAME in the scratch folder, made
/// fresh), which must succeed: the output's path and the report.
fn prune(args: &[&str], name: &str) -> (PathBuf, String) {
    let out = scratch(name);
    let _ = std::fs::remove_file(&out);
    let mut all = vec!["prune"];
    all.extend_from_slice(args);
    all.extend(["--out", out.to_str().unwrap()]);
    let o = systolic(&all);
    assert!(o.status.success(), "{}", stderr(&o));
    (out, stdout(&o))
}

#[test]
fn prune_keeps_the_largest_of_each_group_in_the_inputs_dtype_and_reports_what_it_cost() {
    use sim::npy::NpyData;
    // K x N int8 weights, 8 x 2: column 0 groups [5, -9, 1, 2] and [0, 0, 3, -3].
    let w = write_npy(
        "prune-w.npy",
        vec![8, 2],
        NpyData::I8(vec![5, 1, -9, 1, 1, 1, 2, 1, 0, 7, 0, 0, 3, 0, -3, 0]),
    );
    let (out, text) = prune(&["--weights", &w, "--pattern", "2:4"], "prune-wp.npy");
    // Column 1 keeps two of its four ones (the first two); 2 + 2 removed.
    assert!(
        text.contains("to 2:4: 8 x 2 as K x N: 4 of 16 weights removed (25.0%"),
        "{text}"
    );
    assert!(
        text.contains("layer output SQNR") && text.contains(" dB"),
        "{text}"
    );
    let p = sim::npy::read(&out).unwrap();
    assert_eq!(p.shape, vec![8, 2]);
    assert_eq!(
        p.data,
        NpyData::I8(vec![5, 1, -9, 1, 0, 0, 0, 0, 0, 7, 0, 0, 3, 0, -3, 0])
    );
    // [out, in] float weights: groups run along each row.
    let fc = write_npy(
        "prune-fc.npy",
        vec![2, 4],
        NpyData::F32(vec![0.5, -2.0, 0.25, 1.0, 1.0, 1.0, 1.0, 1.0]),
    );
    let (out2, _) = prune(
        &["--weights", &fc, "--layout", "out-in", "--pattern", "1:4"],
        "prune-fcp.npy",
    );
    assert_eq!(
        sim::npy::read(&out2).unwrap().data,
        NpyData::F32(vec![0.0, -2.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0])
    );
    // Bad input: a clear error, nothing written, the input untouched.
    let out3 = scratch("prune-never.npy");
    let _ = std::fs::remove_file(&out3);
    for (args, words) in [
        (vec!["--pattern", "2:5"], "power of two"),
        (vec!["--pattern", "dense"], "prunes nothing"),
        (
            vec!["--pattern", "2:4", "--layout", "out-in", "--rows", "0"],
            "--rows",
        ),
    ] {
        let mut all = vec!["prune", "--weights", &w, "--out", out3.to_str().unwrap()];
        all.extend(args);
        let e = fails(&all);
        assert!(e.contains(words), "{e}");
        assert!(!out3.exists());
    }
    let e = fails(&["prune", "--weights", &w, "--pattern", "2:4", "--out", &w]);
    assert!(e.contains("is the input file"), "{e}");
    assert_eq!(sim::npy::read(Path::new(&w)).unwrap().data.len(), 16);
}

#[test]
fn gemm_on_a_sparse_design_refuses_unpruned_weights_and_matches_the_dense_design_on_pruned_ones() {
    use sim::npy::NpyData;
    let ints = |n: usize, seed: usize| -> Vec<i8> {
        (0..n).map(|i| ((i * 7919 + seed) % 251) as i8).collect()
    };
    let a = write_npy("sp-a.npy", vec![12, 40], NpyData::I8(ints(480, 1)));
    let b = write_npy("sp-b.npy", vec![40, 6], NpyData::I8(ints(240, 2)));
    let sparse = design_file(
        "sp-2-4.toml",
        &format!("{GOOD}[sparsity]\nweights = \"2:4\"\n"),
    );
    let dense = design_file("sp-dense.toml", GOOD);
    let c = scratch("sp-c.npy");
    let _ = std::fs::remove_file(&c);
    let e = fails(&[
        "gemm",
        "--design",
        &sparse,
        "--a",
        &a,
        "--b",
        &b,
        "--out",
        c.to_str().unwrap(),
    ]);
    assert!(
        e.contains("column 0, rows 0 to 3 (group 0)") && e.contains("systolic prune --pattern 2:4"),
        "{e}"
    );
    assert!(!c.exists());
    let (bp, _) = prune(&["--weights", &b, "--pattern", "2:4"], "sp-bp.npy");
    let bp = bp.display().to_string();
    let cd = scratch("sp-cd.npy");
    for (d, out) in [(&sparse, &c), (&dense, &cd)] {
        let _ = std::fs::remove_file(out);
        let o = systolic(&[
            "gemm",
            "--design",
            d,
            "--a",
            &a,
            "--b",
            &bp,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert_eq!(sim::npy::read(&c).unwrap(), sim::npy::read(&cd).unwrap());
}

#[test]
fn prune_model_zeroes_only_weight_values_and_the_result_runs_on_a_sparse_design() {
    let src = support::root().join("sim/tests/fixtures/infer/mlp-dynamic.float.onnx");
    let x = support::root().join("sim/tests/fixtures/infer/mlp-dynamic.in.x.npy");
    let (out, text) = prune(
        &["--model", src.to_str().unwrap(), "--pattern", "2:4"],
        "mlp-2of4.onnx",
    );
    assert!(
        text.contains("3 weight tensor(s)")
            && text.contains(
                "w1 (MatMul weight `w1`): 64 x 64 as K x N: 2048 of 4096 weights removed (50.0%"
            ),
        "{text}"
    );
    // Same length; bytes differ only inside the initializers' raw data, and
    // only where a value became +0.
    let (before, after) = (std::fs::read(&src).unwrap(), std::fs::read(&out).unwrap());
    assert_eq!(before.len(), after.len());
    let model = sim::onnx::OnnxFile::read(&out).unwrap();
    let raw: Vec<std::ops::Range<usize>> = model
        .proto
        .graph
        .initializers
        .iter()
        .filter_map(|t| match &t.payload {
            sim::onnx::proto::Payload::Raw(r) => Some(r.clone()),
            _ => None,
        })
        .collect();
    for (i, (b, a)) in before.iter().zip(&after).enumerate() {
        if b != a {
            let r = raw
                .iter()
                .find(|r| r.contains(&i))
                .expect("a change outside raw data");
            let w = (i - r.start) / 4 * 4 + r.start;
            assert_eq!(&after[w..w + 4], &0f32.to_le_bytes());
        }
    }
    // The pruned model runs on a 2:4 design; the original is refused there.
    let sparse = support::root().join("designs/sparse/gemmini-like-2of4.toml");
    // Against the dense model's fp32 run, pruning costs more than int8.
    let o = systolic(&[
        "infer",
        "--design",
        sparse.to_str().unwrap(),
        "--model",
        out.to_str().unwrap(),
        "--input",
        x.to_str().unwrap(),
        "--quantize",
        "--dense-model",
        src.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let sqnr = |what: &str| -> f64 {
        let l = text
            .lines()
            .find(|l| l.contains(what))
            .unwrap_or_else(|| panic!("{text}"));
        l.split("SQNR ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (own, dense) = (
        sqnr("against fp32: SQNR"),
        sqnr("against the dense model's fp32 run: SQNR"),
    );
    assert!(dense < own && dense > 0.0, "{text}");
    let e = fails(&[
        "infer",
        "--design",
        sparse.to_str().unwrap(),
        "--model",
        src.to_str().unwrap(),
        "--input",
        x.to_str().unwrap(),
        "--quantize",
    ]);
    assert!(e.contains("breaks the design's 2:4 pattern"), "{e}");
    // Never over its input.
    let e = fails(&[
        "prune",
        "--model",
        out.to_str().unwrap(),
        "--pattern",
        "2:4",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(e.contains("is the input file"), "{e}");
}

#[test]
fn a_sparsity_sweep_leaves_out_what_the_design_check_refuses_and_its_report_draws_the_patterns() {
    let dir = support::scratch("cli", "sparsity-sweep");
    let csv = dir.join("s.csv");
    let o = ok(&[
        "sweep",
        "designs/sweeps/sparsity.toml",
        "--out",
        support::s(&csv),
    ]);
    let e = stderr(&o);
    assert!(
        e.contains(
            "48 points x 2 models = 96 rows; 24 combinations the design check refuses left out"
        ),
        "{e}"
    );
    assert!(stdout(&o).contains(" sparsity "), "{}", stdout(&o));
    let rep = dir.join("rep");
    ok(&["report", support::s(&csv), "--out", support::s(&rep)]);
    assert!(rep.join("resnet18-sparsity.svg").is_file());
    let md = support::text(&rep.join("summary.md"));
    assert!(md.contains("## bert-base: sparsity against dense"), "{md}");
    assert!(
        md.contains("\n| 2:4 | 12 |") && md.contains("\n| 1:4 | 12 |"),
        "{md}"
    );
    // A bad pattern names its field, with a hint; never a panic.
    let spec = dir.join("bad.toml");
    std::fs::write(
        &spec,
        "base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n[grid]\nsparsity = [\"dense\", \"2:5\"]\n",
    )
    .unwrap();
    let e = fails(&[
        "sweep",
        support::s(&spec),
        "--out",
        support::s(&dir.join("b.csv")),
    ]);
    assert!(
        e.contains("field `grid.sparsity[1]`") && e.contains("power of two"),
        "{e}"
    );
    assert!(
        e.contains("e.g. sparsity = [\"dense\", \"2:4\", \"1:4\"]"),
        "{e}"
    );
}
