//! Running a program and keeping what it said: the one place `hdlgen`
//! starts a process.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};

/// What a finished run left.
#[derive(Debug, Clone)]
pub struct Run {
    /// It exited with status 0.
    pub ok: bool,
    /// Its exit status (the code, or how it ended).
    pub status: String,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

impl Run {
    /// Standard output and standard error, in that order.
    pub fn output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `program args` (in `dir` when given) with no standard input,
/// capturing its output.
pub fn run<S: AsRef<OsStr>>(
    program: &Path,
    args: &[S],
    dir: Option<&Path>,
) -> std::io::Result<Run> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let out = cmd.output()?;
    Ok(Run {
        ok: out.status.success(),
        status: out
            .status
            .code()
            .map_or_else(|| out.status.to_string(), |c| c.to_string()),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// The lines of a failed run worth showing: its errors (from `output` and
/// the `log` file, if any), else its last lines; at most 15.
pub fn excerpt(output: &str, log: Option<&Path>) -> String {
    let log_text = log
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default();
    let errors: Vec<&str> = output
        .lines()
        .chain(log_text.lines())
        .filter(|l| l.contains("ERROR") || l.contains("rror:") || l.contains("Assertion"))
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    let mut lines: Vec<&str> = errors.into_iter().filter(|l| seen.insert(*l)).collect();
    if lines.is_empty() {
        let source = if output.trim().is_empty() {
            log_text.as_str()
        } else {
            output
        };
        lines = source.lines().rev().take(15).collect();
        lines.reverse();
    }
    lines.truncate(15);
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_prefers_error_lines_once_each() {
        let out = "info\n%Error: x.v:3: bad\nmore\n%Error: x.v:3: bad\n";
        assert_eq!(excerpt(out, None), "%Error: x.v:3: bad");
        let quiet: String = (0..20).map(|i| format!("line {i}\n")).collect();
        let e = excerpt(&quiet, None);
        assert!(e.starts_with("line 5") && e.ends_with("line 19"), "{e}");
    }
}
