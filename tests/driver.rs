//! The bare-metal C driver `drivers/systolic.h`: its register offsets are
//! docs/IP.md's table; the header compiles alone as freestanding C99 with
//! strict warnings (and as C++11 when a `c++` is on PATH), and so does the
//! usage example in its opening comment; and
//! `drivers/test/driver_test.c`, built with the system `cc` twice (the
//! header's own MMIO over an array, then with every access logged), passes
//! on a fake register file. Needs `cc` and fails, naming the package, without it.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::{on_path, root, scratch, text};

/// The warnings every C compilation here turns into errors.
const C_FLAGS: [&str; 5] = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"];

/// The system C compiler; panics with the package to install when missing.
fn cc() -> PathBuf {
    required_cc(on_path("cc"))
}

/// `found`, or a panic naming the package that brings `cc`.
fn required_cc(found: Option<PathBuf>) -> PathBuf {
    found.unwrap_or_else(|| {
        panic!(
            "`cc` was not found on PATH: the C driver's tests need a C compiler. \
             Install Debian's `gcc` package: `apt-get install -y gcc` \
             (or `build-essential`, which also brings `c++`)"
        )
    })
}

/// Runs `compiler args` and asserts that it succeeded.
fn compile(compiler: &Path, args: &[&str], what: &str) {
    let o = Command::new(compiler)
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("{} does not run: {e}", compiler.display()));
    assert_ok(
        &o,
        &format!("{what}: {} {}", compiler.display(), args.join(" ")),
    );
}

fn assert_ok(o: &Output, what: &str) {
    assert!(
        o.status.success(),
        "{what} failed ({:?}):\n{}{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Offsets by name in docs/IP.md's register table (`CYCLES_LO / _HI` rows give two).
fn documented_offsets() -> BTreeMap<String, u32> {
    let doc = text(&root().join("docs/IP.md"));
    let mut map = BTreeMap::new();
    for line in doc.lines().filter(|l| l.starts_with("| 0x")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let offsets: Vec<&str> = cells[1].split(" / ").collect();
        let names: Vec<&str> = cells[2].split(" / ").collect();
        assert_eq!(offsets.len(), names.len(), "{line}");
        let first = names[0];
        for (off, name) in offsets.iter().zip(&names) {
            let name = match name.strip_prefix('_') {
                Some(suffix) => format!("{}_{suffix}", first.trim_end_matches("_LO")),
                None => name.to_string(),
            };
            let off = u32::from_str_radix(off.trim_start_matches("0x"), 16)
                .unwrap_or_else(|e| panic!("{line}: {e}"));
            assert!(map.insert(name, off).is_none(), "{line}: named twice");
        }
    }
    map
}

/// `#define SYSTOLIC_REG_<NAME> 0x..u` lines of the header, by name.
fn header_offsets(header: &str) -> BTreeMap<String, u32> {
    header
        .lines()
        .filter_map(|l| l.strip_prefix("#define SYSTOLIC_REG_"))
        .map(|rest| {
            let (name, value) = rest.split_once(' ').expect("#define NAME VALUE");
            let hex = value.trim().trim_start_matches("0x").trim_end_matches('u');
            (name.to_string(), u32::from_str_radix(hex, 16).expect(rest))
        })
        .collect()
}

#[test]
fn the_header_s_register_offsets_are_the_documented_map() {
    let documented = documented_offsets();
    assert_eq!(documented.len(), 29, "{documented:?}");
    assert_eq!(documented["CTRL"], 0x20);
    assert_eq!(documented["WR_BYTES_HI"], 0x9C);
    let header = text(&root().join("drivers/systolic.h"));
    assert_eq!(header_offsets(&header), documented);
    let doc = text(&root().join("docs/IP.md"));
    assert!(doc.contains("| 0x00 | ID | RO | `0x53594131` (\"SYA1\") |"));
    assert!(header.contains("#define SYSTOLIC_ID_VALUE 0x53594131u"));
}

#[test]
fn the_header_compiles_alone_as_freestanding_c99_and_as_cpp11() {
    let mut args = C_FLAGS.to_vec();
    args.extend([
        "-Wconversion",
        "-Wsign-conversion",
        "-Wshadow",
        "-Wstrict-prototypes",
        "-Wcast-qual",
        "-ffreestanding",
        "-fsyntax-only",
        "-x",
        "c",
        "drivers/systolic.h",
    ]);
    compile(&cc(), &args, "the header as freestanding C99");
    match on_path("c++") {
        Some(cxx) => compile(
            &cxx,
            &[
                "-x",
                "c++",
                "-std=c++11",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pedantic",
                "-fsyntax-only",
                "drivers/systolic.h",
            ],
            "the header as C++11",
        ),
        None => eprintln!("no `c++` on PATH: the header was compiled as C only"),
    }
}

/// The usage example of the header's opening comment, as a C file.
fn header_example(header: &str) -> String {
    let lines: Vec<&str> = header.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_start_matches(" *").trim() == "#include \"systolic.h\"")
        .expect("the example's #include");
    let len = lines[start..]
        .iter()
        .position(|l| *l == " *   }")
        .expect("the example's closing brace");
    lines[start..=start + len]
        .iter()
        .map(|l| format!("{}\n", l.strip_prefix(" *   ").unwrap_or("")))
        .collect()
}

#[test]
fn the_header_s_usage_example_compiles() {
    let example = header_example(&text(&root().join("drivers/systolic.h")));
    assert!(example.contains("systolic_wait(IP)"), "{example}");
    let dir = scratch("driver", "example");
    let file = dir.join("example.c");
    std::fs::write(&file, example).unwrap();
    let obj = dir.join("example.o");
    let mut args = C_FLAGS.to_vec();
    args.extend(["-Wconversion", "-Idrivers", "-c", file.to_str().unwrap()]);
    args.extend(["-o", obj.to_str().unwrap()]);
    compile(&cc(), &args, "the header's example");
}

#[test]
fn the_c_driver_test_passes_on_a_fake_register_file() {
    let cc = cc();
    let dir = scratch("driver", "c");
    for (variant, define) in [("plain", None), ("logged", Some("-DDRIVER_TEST_LOG"))] {
        let exe = dir.join(format!("driver_test_{variant}"));
        let mut args = C_FLAGS.to_vec();
        args.extend(["-O2", "-Idrivers"]);
        args.extend(define);
        args.extend(["drivers/test/driver_test.c", "-o", exe.to_str().unwrap()]);
        compile(&cc, &args, &format!("driver_test.c ({variant})"));
        let o = Command::new(&exe).output().expect("driver_test runs");
        assert_ok(&o, &format!("driver_test ({variant})"));
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            out.contains(" checks, 0 failed") && out.trim_end().ends_with("DRIVER TEST OK"),
            "{variant}:\n{out}"
        );
    }
}

#[test]
fn a_missing_cc_fails_naming_the_package_to_install() {
    let e = std::panic::catch_unwind(|| required_cc(None)).expect_err("no cc must fail");
    let e = (e.downcast_ref::<String>().map(String::as_str))
        .or_else(|| e.downcast_ref::<&str>().copied())
        .expect("a text message");
    assert!(
        e.contains("`cc` was not found") && e.contains("apt-get install -y gcc"),
        "{e}"
    );
}
