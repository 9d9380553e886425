//! Generated Verilog: `verilog-out/` matches the generator byte for byte, every
//! preset lints clean under `verilator --lint-only -Wall`, and `systolic gen`
//! never overwrites a file it did not write. Fails (never skips) when
//! Verilator is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Presets with an integer datapath (the generator's scope) and their IPs.
fn generated() -> Vec<(String, hdlgen::Ip)> {
    sim::design::preset_names()
        .into_iter()
        .filter_map(|name| {
            let d = sim::design::preset(name).expect("preset");
            hdlgen::generate(&d).ok().map(|ip| (name.to_string(), ip))
        })
        .collect()
}

#[test]
fn verilog_out_is_what_the_generator_writes() {
    let ips = generated();
    assert!(ips.len() >= 6, "only {} presets generate RTL", ips.len());
    let hint = "regenerate with `cargo run --release -- gen --all` and commit verilog-out/";
    for (name, ip) in &ips {
        let dir = root().join("verilog-out").join(name);
        let mut expected: Vec<String> = Vec::new();
        for f in ip.rtl.iter().chain(&ip.extra) {
            let path = dir.join(&f.name);
            let committed = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}; {hint}", path.display()));
            assert!(
                committed == f.text,
                "{} differs from the generator's output; {hint}",
                path.display()
            );
            expected.push(f.name.clone());
        }
        let mut present: Vec<String> = std::fs::read_dir(&dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        present.sort();
        expected.sort();
        assert_eq!(
            present,
            expected,
            "{}: stale or missing files; {hint}",
            dir.display()
        );
    }
    let mut dirs: Vec<String> = std::fs::read_dir(root().join("verilog-out"))
        .expect("verilog-out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let mut names: Vec<String> = ips.iter().map(|(n, _)| n.clone()).collect();
    names.sort();
    assert_eq!(
        dirs, names,
        "verilog-out/ holds exactly the generatable presets; {hint}"
    );
}

fn lint(dir: &Path, top: &str, files: &[PathBuf]) -> String {
    hdlgen::cosim::require("verilator").unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new("verilator")
        .args(["--lint-only", "-Wall", "--top-module", top])
        .args(files)
        .current_dir(dir)
        .output()
        .expect("verilator runs");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ) + if out.status.success() { "" } else { "(failed)" }
}

/// Full size for arrays up to 32x32. Larger presets (96x96 and up take 4 to
/// 60 minutes to lint, see docs/HDL.md) lint here at 16x16 with every other
/// parameter of the preset (widths, depths, banks, dataflow); their full-size
/// lint is recorded in docs/HDL.md.
#[test]
fn every_preset_lints_clean_with_wall() {
    for name in sim::design::preset_names() {
        let mut d = sim::design::preset(name).expect("preset");
        if hdlgen::rtl::Config::of(&d).is_err() {
            continue;
        }
        if d.pes() > 1024 {
            d.rows = 16;
            d.cols = 16;
        }
        let ip = hdlgen::generate(&d).expect("generates");
        let dir = std::env::temp_dir().join(format!("systolic-lint-{}-{name}", std::process::id()));
        let files = ip.write_rtl(&dir).expect("writes");
        let log = lint(&dir, &ip.top, &files);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            log.trim().is_empty(),
            "{name} ({}x{}): verilator -Wall says:\n{log}",
            d.rows,
            d.cols
        );
    }
}

#[test]
fn lint_catches_a_real_warning() {
    // The check above would pass vacuously if the lint never complained.
    let dir = std::env::temp_dir().join(format!("systolic-lint-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let f = dir.join("bad.v");
    std::fs::write(
        &f,
        "module bad(input wire [7:0] a, output wire [3:0] y);\n    assign y = a;\nendmodule\n",
    )
    .expect("write");
    let log = lint(&dir, "bad", &[f]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        log.contains("WIDTH"),
        "expected a width warning, got:\n{log}"
    );
}

#[test]
fn gen_never_overwrites_a_file_it_did_not_write() {
    let dir = std::env::temp_dir().join(format!("systolic-gen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let mine = dir.join("README.md");
    std::fs::write(&mine, "my notes\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_systolic"))
        .args(["gen", "--design", "edge-8x8", "--out"])
        .arg(&dir)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("not generated by systolic"), "{err}");
    assert_eq!(std::fs::read_to_string(&mine).expect("read"), "my notes\n");
    // Into an empty directory it writes the IP, and again over its own files.
    std::fs::remove_file(&mine).expect("rm");
    for _ in 0..2 {
        let out = Command::new(env!("CARGO_BIN_EXE_systolic"))
            .args(["gen", "--design", "edge-8x8", "--out"])
            .arg(&dir)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(dir.join("edge_8x8_top.v").exists() && dir.join("edge_8x8.core").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
