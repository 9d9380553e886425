//! Generated Verilog: `verilog-out/` matches the generator byte for byte,
//! and every preset's RTL lints clean under `verilator --lint-only -Wall`,
//! both with its top module named and with none (no module is left unused).
//! Fails (never skips), with the install command, when Verilator is missing.

use hdlgen::tools::{Tool, ToolPaths};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
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
        let dir = repo().join("verilog-out").join(name);
        let mut expected: Vec<String> = Vec::new();
        for f in ip.files() {
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
    let mut dirs: Vec<String> = std::fs::read_dir(repo().join("verilog-out"))
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

fn verilator() -> PathBuf {
    Tool::Verilator
        .locate(&ToolPaths::default())
        .unwrap_or_else(|e| {
            let help = miette::Diagnostic::help(&e).map_or(String::new(), |h| h.to_string());
            panic!("{e}\nhelp: {help}")
        })
}

/// What `verilator --lint-only -Wall [--top-module top] files` prints, with
/// `(failed)` appended when it exits with an error.
fn lint(dir: &Path, top: Option<&str>, files: &[String]) -> String {
    let mut args = vec!["--lint-only".to_string(), "-Wall".to_string()];
    if let Some(t) = top {
        args.extend(["--top-module".to_string(), t.to_string()]);
    }
    args.extend(files.iter().cloned());
    let out = Tool::Verilator
        .run(&verilator(), &args, Some(dir))
        .expect("verilator runs");
    out.output() + if out.ok { "" } else { "(failed)" }
}

/// The files `files.f` of the IP in `dir` lists.
fn file_list(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("files.f"))
        .expect("files.f")
        .lines()
        .filter(|l| !l.starts_with("//") && !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// Full size for arrays up to 32x32. Larger presets (96x96 and up take 4 to
/// 60 minutes to lint, see docs/HDL.md) lint here at 16x16 with every other
/// parameter of the preset (widths, depths, banks, dataflow); their full-size
/// lint is recorded in docs/HDL.md. Each is linted twice: with its top named,
/// and as `files.f` alone (any module no other instantiates would be a
/// second top: MULTITOP).
#[test]
fn every_preset_lints_clean_with_wall_with_and_without_a_top() {
    for name in sim::design::preset_names() {
        let d = sim::design::preset(name).expect("preset");
        if hdlgen::rtl::Config::of(&d).is_ok() {
            lints_clean(name, d);
        }
    }
}

/// The floating-point co-simulation designs (hdlgen/tests/cosim/), whose
/// PEs no preset has (fused adders, products_exact, bf16 partial sums,
/// flushed subnormals), lint clean too.
#[test]
fn floating_point_cosim_designs_lint_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cosim");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/cosim") {
        let path = entry.expect("entry").path();
        let d = sim::Design::load(&path).expect("loads");
        if d.fp.is_some() {
            lints_clean(&d.name.clone(), d);
            n += 1;
        }
    }
    assert!(n >= 7, "{n} floating-point designs");
}

fn lints_clean(name: &str, mut d: sim::Design) {
    {
        if d.pes() > 1024 {
            d.rows = 16;
            d.cols = 16;
        }
        let ip = hdlgen::generate(&d).expect("generates");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("lint")
            .join(name);
        let _ = std::fs::remove_dir_all(&dir);
        ip.write(&dir).expect("writes");
        let files = file_list(&dir);
        assert_eq!(files.len(), ip.rtl.len(), "files.f lists every RTL file");
        for top in [Some(ip.top.as_str()), None] {
            let log = lint(&dir, top, &files);
            assert!(
                log.trim().is_empty(),
                "{name} ({}x{}), top {top:?}: verilator -Wall says:\n{log}",
                d.rows,
                d.cols
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn lint_catches_a_real_warning_and_a_second_top() {
    // The checks above would pass vacuously if the lint never complained.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lint-bad");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("bad.v"),
        "module bad(input wire [7:0] a, output wire [3:0] y);\n    assign y = a;\nendmodule\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("unused.v"),
        "module unused(input wire a, output wire y);\n    assign y = a;\nendmodule\n",
    )
    .expect("write");
    let log = lint(&dir, Some("bad"), &["bad.v".into()]);
    assert!(
        log.contains("WIDTH"),
        "expected a width warning, got:\n{log}"
    );
    let log = lint(&dir, None, &["bad.v".into(), "unused.v".into()]);
    assert!(
        log.contains("MULTITOP"),
        "expected a second top, got:\n{log}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
