//! Running a program and keeping what it said: the one place `hdlgen`
//! starts a process.

use std::ffi::OsStr;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

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

/// How often [`run_watching`] looks for new lines in the log.
const POLL: Duration = Duration::from_millis(25);

/// Runs `program args` (in `dir` when given) like [`run`], and while it
/// runs hands each complete line the program appends to `log` to
/// `on_line`, within [`POLL`] of its writing (the tools flush their log
/// files as they go). `log` must not exist yet, or be one the program
/// truncates: lines already there are handed over too.
pub fn run_watching<S: AsRef<OsStr>>(
    program: &Path,
    args: &[S],
    dir: Option<&Path>,
    log: &Path,
    on_line: &mut dyn FnMut(&str),
) -> std::io::Result<Run> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let mut child = cmd.spawn()?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let mut tail = Tail::default();
    let status = loop {
        let exited = child.try_wait()?;
        tail.read(log, on_line);
        match exited {
            Some(status) => break status,
            None => std::thread::sleep(POLL),
        }
    };
    tail.finish(on_line);
    Ok(Run {
        ok: status.success(),
        status: status
            .code()
            .map_or_else(|| status.to_string(), |c| c.to_string()),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

/// The part of a growing log file read so far.
#[derive(Default)]
struct Tail {
    file: Option<std::fs::File>,
    partial: Vec<u8>,
}

impl Tail {
    /// Hands over the complete lines appended since the last call.
    fn read(&mut self, log: &Path, on_line: &mut dyn FnMut(&str)) {
        if self.file.is_none() {
            self.file = std::fs::File::open(log).ok();
        }
        let Some(f) = self.file.as_mut() else {
            return;
        };
        if f.read_to_end(&mut self.partial).is_err() {
            return;
        }
        if let Some(end) = self.partial.iter().rposition(|&b| b == b'\n') {
            let rest = self.partial.split_off(end + 1);
            for line in String::from_utf8_lossy(&self.partial).lines() {
                on_line(line);
            }
            self.partial = rest;
        }
    }

    /// Hands over a last line that has no line break.
    fn finish(self, on_line: &mut dyn FnMut(&str)) {
        if !self.partial.is_empty() {
            on_line(String::from_utf8_lossy(&self.partial).trim_end());
        }
    }
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
    fn a_watched_log_is_handed_over_line_by_line_while_the_program_runs() {
        let dir = std::env::temp_dir().join(format!("systolic-watch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("log.txt");
        let _ = std::fs::remove_file(&log);
        // Two lines, a pause, a third without a line break.
        let script = "printf 'one\\ntwo\\n' > log.txt; sleep 0.5; printf 'three' >> log.txt; echo out; echo err >&2";
        let started = std::time::Instant::now();
        let mut seen = Vec::new();
        let run = run_watching(
            Path::new("/bin/sh"),
            &["-c", script],
            Some(&dir),
            &log,
            &mut |l| seen.push((l.to_string(), started.elapsed())),
        )
        .unwrap();
        assert!(
            run.ok && run.stdout == "out\n" && run.stderr == "err\n",
            "{run:?}"
        );
        let lines: Vec<&str> = seen.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(lines, ["one", "two", "three"]);
        assert!(
            seen[1].1 + Duration::from_millis(300) < seen[2].1,
            "the first lines came before the program ended: {seen:?}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn excerpt_prefers_error_lines_once_each() {
        let out = "info\n%Error: x.v:3: bad\nmore\n%Error: x.v:3: bad\n";
        assert_eq!(excerpt(out, None), "%Error: x.v:3: bad");
        let quiet: String = (0..20).map(|i| format!("line {i}\n")).collect();
        let e = excerpt(&quiet, None);
        assert!(e.starts_with("line 5") && e.ends_with("line 19"), "{e}");
    }
}
