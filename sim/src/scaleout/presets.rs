//! Built-in clusters: the TOML files of `designs/clusters/`, compiled in so
//! that a cluster name works on a fresh machine with no files around. Each
//! cites its figures in its `source` (docs/SCALEOUT.md lists them).

use super::cluster::Cluster;
use crate::error::{Result, SimError};
use std::path::Path;

/// (name, TOML text) of every built-in cluster.
pub const PRESETS: &[(&str, &str)] = &[
    (
        "tpu-v4",
        include_str!("../../../designs/clusters/tpu-v4.toml"),
    ),
    (
        "tpu-v5p",
        include_str!("../../../designs/clusters/tpu-v5p.toml"),
    ),
    (
        "nvlink4-h100",
        include_str!("../../../designs/clusters/nvlink4-h100.toml"),
    ),
    (
        "nvlink3-a100",
        include_str!("../../../designs/clusters/nvlink3-a100.toml"),
    ),
    (
        "nvlink3-a100-x4-fit",
        include_str!("../../../designs/clusters/nvlink3-a100-x4-fit.toml"),
    ),
    (
        "pcie5-x16",
        include_str!("../../../designs/clusters/pcie5-x16.toml"),
    ),
    (
        "mirrored-strategy-host",
        include_str!("../../../designs/clusters/mirrored-strategy-host.toml"),
    ),
    (
        "dgx-h100-ib-ndr",
        include_str!("../../../designs/clusters/dgx-h100-ib-ndr.toml"),
    ),
    (
        "ib-ndr-tree",
        include_str!("../../../designs/clusters/ib-ndr-tree.toml"),
    ),
];

/// Names of the built-in clusters.
pub fn preset_names() -> Vec<&'static str> {
    PRESETS.iter().map(|(n, _)| *n).collect()
}

fn unknown(name: &str) -> SimError {
    SimError::unknown(
        "cluster",
        name,
        &preset_names(),
        "or a path to a cluster TOML file",
    )
}

/// A built-in cluster by its exact name (near misses are suggested).
pub fn preset(name: &str) -> Result<Cluster> {
    let Some((n, text)) = PRESETS.iter().find(|(n, _)| *n == name) else {
        return Err(unknown(name));
    };
    Cluster::parse(text, &format!("designs/clusters/{n}.toml"))
}

/// A cluster named on a command line: a file when `name` ends in `.toml` or
/// names an existing file, else a built-in cluster.
pub fn resolve(name: &str) -> Result<Cluster> {
    let path = Path::new(name);
    if name.ends_with(".toml") || path.is_file() {
        return Cluster::load(path);
    }
    preset(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaleout::Interconnect;

    #[test]
    fn every_preset_checks_cites_and_is_named_after_its_file() {
        for (n, _) in PRESETS {
            let c = preset(n).unwrap();
            assert_eq!(c.name, *n);
            assert!(c.source.len() > 40, "{n} cites its figures");
            assert!(c.group(1).is_ok());
        }
    }

    #[test]
    fn the_cited_figures() {
        let gb = |n: &str| preset(n).unwrap().link.bytes_per_s / 1e9;
        // 900 and 600 GB/s bidirectional per GPU.
        assert_eq!(gb("nvlink4-h100") * 2.0, 900.0);
        assert_eq!(gb("nvlink3-a100") * 2.0, 600.0);
        // v5p: 1200 GB/s bidirectional over 6 links.
        assert_eq!(gb("tpu-v5p") * 2.0 * 6.0, 1200.0);
        // v4: 1.1 PB/s all-reduce bandwidth per 4096-chip pod, 6 links each.
        assert!((gb("tpu-v4") * 6.0 * 4096.0 / 1e6 - 1.1).abs() < 0.005);
        let ib = preset("dgx-h100-ib-ndr").unwrap();
        assert_eq!(ib.inter_node.unwrap().bytes_per_s * 8.0 / 1e9, 400.0);
        assert_eq!(ib.interconnect, Interconnect::Hierarchical);
        assert_eq!(
            preset("tpu-v4").unwrap().interconnect,
            Interconnect::Torus3d
        );
        assert_eq!(
            preset("ib-ndr-tree").unwrap().interconnect,
            Interconnect::Tree
        );
    }

    #[test]
    fn unknown_names_suggest_the_close_ones() {
        let e = preset("nvlink4_h100").unwrap_err().to_string();
        assert!(e.contains("unknown cluster `nvlink4_h100`"), "{e}");
        assert!(e.contains("did you mean `nvlink4-h100`"), "{e}");
        assert!(resolve("tpu-v4").is_ok());
        assert!(resolve("no/such/file.toml").is_err());
    }
}
