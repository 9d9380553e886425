//! The non-RTL files of a generated IP: file list, README, FuseSoC core.

use crate::ip::SourceFile;
use crate::rtl::Config;

/// File list, README and FuseSoC core of the IP.
pub fn extra_files(cfg: &Config) -> Vec<SourceFile> {
    let _ = cfg;
    Vec::new()
}
