//! Design TOML to RTL: `Design::parse`, then for a valid design what
//! `systolic gen` and `verify` compute: `hdlgen::generate` (every file of
//! the IP) and the buffer-fit checks of a GEMM. Strings from the design file
//! reach Verilog, YAML, Markdown and JSON, so each file must have the same
//! lines as the IP of the same design named `fuzz` (a name or description
//! that adds a line has escaped its comment or string), and each Verilog
//! file must declare exactly one module.
#![no_main]

use hdlgen::check::fit;
use hdlgen::rtl::Config;
use libfuzzer_sys::fuzz_target;
use sim::Design;

fuzz_target!(|data: &[u8]| {
    let Some(text) = systolic_fuzz::text(data) else {
        return;
    };
    let design = match Design::parse(text, "fuzz.toml", Some(systolic_fuzz::scratch())) {
        Ok(d) => d,
        Err(e) => {
            systolic_fuzz::render(&e);
            return;
        }
    };
    let seed = systolic_fuzz::hash(data);
    if let Ok(cfg) = Config::of(&design) {
        let dim = |s: u64| 1 + s % (1 << 16);
        let gemm = (dim(seed), dim(seed >> 16), dim(seed >> 32));
        std::hint::black_box(fit::overflows(&cfg, gemm));
        if let Err(e) = fit::check_gemm(&cfg, gemm) {
            std::hint::black_box(e.to_string());
        }
        std::hint::black_box(fit::largest_m(&cfg, gemm.1, gemm.2));
    }
    let ip = match hdlgen::generate(&design) {
        Ok(ip) => ip,
        Err(e) => {
            std::hint::black_box(e.to_string());
            return;
        }
    };
    let plain = design
        .variant(|p| {
            p.name = "fuzz".into();
            p.description = "fuzz".into();
            p.source = p.source.as_ref().map(|_| "fuzz".into());
        })
        .expect("renaming a valid design keeps it valid");
    let plain = hdlgen::generate(&plain).expect("the renamed design generates as the original did");
    let (files, plain_files) = (ip.files(), plain.files());
    assert_eq!(
        files.len(),
        plain_files.len(),
        "renaming changes the IP's file count"
    );
    for (f, p) in files.iter().zip(&plain_files) {
        assert_eq!(
            f.text.lines().count(),
            p.text.lines().count(),
            "{}: the design's name or description adds lines to a generated file (it escapes its comment or string):\n{}",
            f.name,
            f.text.lines().take(4).collect::<Vec<_>>().join("\n")
        );
        if f.name.ends_with(".v") {
            let modules = f
                .text
                .lines()
                .filter(|l| l.trim_start().starts_with("module "))
                .count();
            assert_eq!(modules, 1, "{}: {modules} module declarations", f.name);
        }
    }
});
