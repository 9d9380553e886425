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
use std::path::{Path, PathBuf};

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
                cfg.design,
                crate::print::module(m)
            ),
        })
        .collect()
}

impl Ip {
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
