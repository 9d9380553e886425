//! A generated IP: the RTL modules of a design printed as files, with its
//! file list, README and FuseSoC core, and writing it into a folder of its
//! own without ever harming a user's files.

mod doc;
mod file;
mod manifest;
mod write;

pub use file::{SourceFile, MARK};
pub use manifest::{Manifest, MANIFEST};

use crate::ast::Module;
use crate::error::HdlError;
use crate::rtl::{self, Config};
use sim::Design;
use std::path::{Component, Path, PathBuf};

/// The RTL of one design, ready to be written out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ip {
    /// The design's name.
    pub design: String,
    /// Name of the top module.
    pub top: String,
    /// Verilog sources in dependency order (leaves first).
    pub rtl: Vec<SourceFile>,
    /// Other files of the IP directory (file list, README, FuseSoC core).
    pub extra: Vec<SourceFile>,
}

/// Generates the IP of `design`.
pub fn generate(design: &Design) -> Result<Ip, HdlError> {
    let cfg = Config::of(design)?;
    let modules = rtl::modules(&cfg);
    Ok(Ip {
        design: cfg.design.clone(),
        top: cfg.top(),
        rtl: files_of(&cfg, &modules),
        extra: doc::extra_files(&cfg, &modules),
    })
}

/// The folder of `design`'s IP under `root` (`verilog-out/<design>`).
/// Refuses a name that is not one plain path component (`..`, `a/b`, an
/// absolute path), whatever checked it before: the folder never leaves `root`.
pub fn folder_in(root: &Path, design: &str) -> Result<PathBuf, HdlError> {
    sim::design::check_name(design).map_err(|e| HdlError::BadName {
        message: e.message,
        help: e.help,
    })?;
    let mut parts = Path::new(design).components();
    match (parts.next(), parts.next()) {
        (Some(Component::Normal(part)), None) if part == design => Ok(root.join(part)),
        _ => Err(HdlError::BadName {
            message: format!("the design name {design:?} is not a single folder name"),
            help: "a design name is an identifier such as `edge-8x8`".into(),
        }),
    }
}

/// The design's RTL files, one module per file named after it, leaves first.
pub fn rtl_files(cfg: &Config) -> Vec<SourceFile> {
    files_of(cfg, &rtl::modules(cfg))
}

fn files_of(cfg: &Config, modules: &[Module]) -> Vec<SourceFile> {
    modules
        .iter()
        .map(|m| SourceFile {
            name: format!("{}.v", m.name),
            text: format!(
                "// {MARK} {} from design `{}`. Do not edit: run `systolic gen`.\n{}",
                env!("CARGO_PKG_VERSION"),
                crate::text::one_line(&cfg.design),
                crate::print::module(m)
            ),
        })
        .collect()
}

impl Ip {
    /// The IP's top module (`<prefix>_ip`, around the core `top`).
    pub fn ip_top(&self) -> String {
        let prefix = self.top.strip_suffix("_top").unwrap_or(&self.top);
        format!("{prefix}_ip")
    }

    /// Whether the RTL has the AXI IP around the core (a sparse design's
    /// has the core alone).
    pub fn has_ip(&self) -> bool {
        let file = format!("{}.v", self.ip_top());
        self.rtl.iter().any(|f| f.name == file)
    }

    /// The folder of this IP under `root`: see [`folder_in`].
    pub fn folder_in(&self, root: &Path) -> Result<PathBuf, HdlError> {
        folder_in(root, &self.design)
    }

    fn manifest_of(&self, files: &[&SourceFile]) -> SourceFile {
        Manifest::new(
            &self.design,
            &self.top,
            files.iter().map(|f| f.name.clone()),
        )
        .file()
    }

    /// Every file of the IP folder: the RTL, the file list, README and core,
    /// and the manifest ([`MANIFEST`]) naming the design and its files.
    pub fn files(&self) -> Vec<SourceFile> {
        let mine: Vec<&SourceFile> = self.rtl.iter().chain(&self.extra).collect();
        let manifest = self.manifest_of(&mine);
        let mut all: Vec<SourceFile> = mine.into_iter().cloned().collect();
        all.push(manifest);
        all
    }

    /// Checks, writing nothing, that [`Ip::write`] into `dir` would be
    /// allowed: `dir` is a folder (or does not exist) holding nothing, or
    /// only an IP systolic wrote for this design.
    pub fn check_target(&self, dir: &Path) -> Result<(), HdlError> {
        write::check_target(dir, &self.design).map(|_| ())
    }

    /// Writes the whole IP ([`Ip::files`]) into `dir`, replacing an IP of
    /// this design that systolic wrote there before. Every file is written
    /// into a staging folder beside `dir`, which then takes `dir`'s place: a
    /// crash leaves the old IP or the new one, never a mix. Refuses, before
    /// writing anything, a `dir` that is not a folder or holds anything else.
    /// Returns the paths of the files written.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, HdlError> {
        write::write_folder(dir, &self.design, &self.files())
    }

    /// Writes the RTL files alone (and the manifest) into `dir` the same way
    /// as [`Ip::write`]; returns their paths, leaves first.
    pub fn write_rtl(&self, dir: &Path) -> Result<Vec<PathBuf>, HdlError> {
        let rtl: Vec<&SourceFile> = self.rtl.iter().collect();
        let mut files: Vec<SourceFile> = self.rtl.clone();
        files.push(self.manifest_of(&rtl));
        let mut paths = write::write_folder(dir, &self.design, &files)?;
        paths.truncate(self.rtl.len());
        Ok(paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge() -> Design {
        sim::design::preset("edge-8x8").expect("a preset")
    }

    #[test]
    fn a_name_changed_after_validation_is_refused_before_any_text_is_made() {
        for bad in [
            "x\nmodule tb; initial $system(\"touch PWNED\"); endmodule\n//",
            "../../x",
            "/tmp/x",
            "..",
        ] {
            let mut d = edge();
            d.name = bad.into();
            let e = generate(&d).unwrap_err();
            assert!(matches!(e, HdlError::BadName { .. }), "{bad:?}: {e}");
            assert!(!e.to_string().contains('\n'), "{e}");
            assert!(matches!(Config::of(&d), Err(HdlError::BadName { .. })));
        }
    }

    #[test]
    fn an_ip_folder_is_one_plain_name_under_its_root() {
        let root = Path::new("verilog-out");
        assert_eq!(
            folder_in(root, "edge-8x8").unwrap(),
            Path::new("verilog-out/edge-8x8")
        );
        for bad in [
            "../x", "../../x", "/abs", "a/b", "..", ".", "", "a\\b", "x\0",
        ] {
            let e = folder_in(root, bad).unwrap_err();
            assert!(matches!(e, HdlError::BadName { .. }), "{bad:?}");
        }
    }

    #[test]
    fn descriptions_and_sources_never_reach_the_generated_files() {
        // Only the (checked) name and numbers reach the IP: a description
        // full of Markdown, HTML, YAML and Verilog metacharacters changes
        // no byte of it.
        let nasty = "x\n# title\n<script>alert(1)</script> `code` --> ]]> \"q\" 'q'\n- yaml: [1]\n*/ endmodule // $system(\"touch PWNED\")\r\u{2028}";
        let plain = edge()
            .variant(|p| {
                p.description = String::new();
                p.source = None;
            })
            .unwrap();
        let noisy = edge()
            .variant(|p| {
                p.description = nasty.into();
                p.source = Some(nasty.into());
            })
            .unwrap();
        let (a, b) = (generate(&plain).unwrap(), generate(&noisy).unwrap());
        assert_eq!(a.files(), b.files());
        for f in b.files() {
            assert!(
                !f.text.contains("PWNED") && !f.text.contains("<script>"),
                "{}",
                f.name
            );
            assert!(
                !f.text.chars().any(|c| c.is_control() && c != '\n'),
                "{}: a control character",
                f.name
            );
        }
    }
}
