//! The manifest of an IP folder (`.systolic-ip`): which design it is and
//! which files systolic wrote there, so a later `systolic gen` can tell its
//! own IP from anything else.

use super::file::SourceFile;
use crate::error::HdlError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// File name of the manifest in an IP folder.
pub const MANIFEST: &str = ".systolic-ip";

/// What an IP folder holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// `systolic <version>`.
    pub generator: String,
    /// The design's name.
    pub design: String,
    /// The top module.
    pub top: String,
    /// The files systolic wrote, besides the manifest.
    pub files: Vec<String>,
}

impl Manifest {
    /// The manifest of `design`'s IP made of `files`.
    pub fn new(design: &str, top: &str, files: impl IntoIterator<Item = String>) -> Manifest {
        Manifest {
            generator: format!("systolic {}", env!("CARGO_PKG_VERSION")),
            design: design.to_string(),
            top: top.to_string(),
            files: files.into_iter().collect(),
        }
    }

    /// The manifest as the file it is written to.
    pub fn file(&self) -> SourceFile {
        SourceFile {
            name: MANIFEST.to_string(),
            text: serde_json::to_string_pretty(self).expect("a manifest serializes") + "\n",
        }
    }

    /// The manifest in `dir`: `None` when there is none or it is not one
    /// systolic wrote (then the folder counts as someone else's).
    pub fn read(dir: &Path) -> Result<Option<Manifest>, HdlError> {
        let path = dir.join(MANIFEST);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => return Ok(None),
            Err(e) => return Err(HdlError::io("read", path)(e)),
        };
        let Ok(mut m) = serde_json::from_str::<Manifest>(&text) else {
            return Ok(None);
        };
        // Only plain names systolic writes: never a path outside the folder.
        if m.files
            .iter()
            .any(|f| f.is_empty() || f.contains(['/', '\\']) || f.starts_with('.'))
        {
            return Ok(None);
        }
        m.files.sort();
        Ok(Some(m))
    }
}
