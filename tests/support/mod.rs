//! Shared by the tests that run the `systolic` binary as a user would: the
//! command (in the repository root, or in a directory with extra
//! environment), its output as text, commands that must succeed or fail with
//! a user error (exit 1, never a panic), and fresh scratch directories.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (where `designs/`, `docs/` and the README are).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `systolic` command, colourless, run in `dir`.
pub fn command_in(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_systolic"));
    c.env("NO_COLOR", "1").current_dir(dir);
    c
}

/// The `systolic` command, colourless, run in the repository root.
pub fn command() -> Command {
    command_in(&root())
}

/// Runs `systolic args` in `dir` with extra environment `env`.
pub fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = command_in(dir);
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("the binary runs")
}

/// Runs `systolic args` in the repository root.
pub fn run(args: &[&str]) -> Output {
    run_in(&root(), args, &[])
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that `o` succeeded; its standard output.
pub fn succeeded(o: &Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "{what} failed ({:?}):\n{}",
        o.status,
        stderr(o)
    );
    stdout(o)
}

/// Runs a command in the repository root that must succeed.
pub fn ok(args: &[&str]) -> Output {
    let o = run(args);
    succeeded(&o, &format!("{args:?}"));
    o
}

/// Asserts that `o` is a user error (exit 1, no panic); its standard error.
pub fn user_error(o: &Output, what: &str) -> String {
    assert_eq!(
        o.status.code(),
        Some(1),
        "expected a user error from {what}, got {:?}\n{}",
        o.status,
        stderr(o)
    );
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
    stderr(o)
}

/// Runs a command in the repository root that must fail with a user error;
/// its message.
pub fn fails(args: &[&str]) -> String {
    user_error(&run(args), &format!("{args:?}"))
}

/// Runs a command in `dir` (with `env`) that must fail with a user error;
/// its message.
pub fn fails_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    user_error(&run_in(dir, args, env), &format!("{args:?}"))
}

/// A fresh, empty directory `group/name` under the test target directory.
pub fn scratch(group: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// `name` found on PATH, as `which` finds it.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A path as a `&str` argument.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// A file's text.
pub fn text(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Asserts that directory `made` holds exactly the files of `committed`,
/// byte for byte (a committed example is what the current code writes);
/// `hint` says how to regenerate it.
pub fn assert_same_files(committed: &Path, made: &Path, hint: &str) {
    let names = |d: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let want = names(committed);
    assert_eq!(
        want,
        names(made),
        "{} holds other files; {hint}",
        committed.display()
    );
    for n in &want {
        let a = std::fs::read(committed.join(n)).unwrap();
        let b = std::fs::read(made.join(n)).unwrap();
        assert!(a == b, "{}/{n} is stale; {hint}", committed.display());
    }
}
