//! Built-in design presets: the TOML files of `designs/`, compiled in so that
//! `--design NAME` works on a fresh machine with no files around.

use super::Design;
use crate::error::{Result, SimError};

/// (name, TOML text) of every preset.
pub const PRESETS: &[(&str, &str)] = &[
    ("fpga-2x2", include_str!("../../../designs/fpga-2x2.toml")),
    ("edge-8x8", include_str!("../../../designs/edge-8x8.toml")),
    (
        "edge-16x16-os",
        include_str!("../../../designs/edge-16x16-os.toml"),
    ),
    (
        "gemmini-like",
        include_str!("../../../designs/gemmini-like.toml"),
    ),
    (
        "mobile-32x32",
        include_str!("../../../designs/mobile-32x32.toml"),
    ),
    (
        "gemmini-bf16-like",
        include_str!("../../../designs/gemmini-bf16-like.toml"),
    ),
    (
        "tpu-v3-mxu-like",
        include_str!("../../../designs/tpu-v3-mxu-like.toml"),
    ),
    (
        "fp8-e4m3-16x16",
        include_str!("../../../designs/fp8-e4m3-16x16.toml"),
    ),
    (
        "fsd-npu-like",
        include_str!("../../../designs/fsd-npu-like.toml"),
    ),
    (
        "server-128x128-is",
        include_str!("../../../designs/server-128x128-is.toml"),
    ),
    (
        "tpu-v1-like",
        include_str!("../../../designs/tpu-v1-like.toml"),
    ),
];

/// Names of the presets.
pub fn preset_names() -> Vec<&'static str> {
    PRESETS.iter().map(|(n, _)| *n).collect()
}

/// The TOML text of a preset, as in `designs/NAME.toml`.
pub fn preset_text(name: &str) -> Result<&'static str> {
    PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .ok_or_else(|| unknown(name))
}

fn unknown(name: &str) -> SimError {
    crate::error::SimError::unknown(
        "design",
        name,
        &preset_names(),
        "or a path to a design TOML file",
    )
}

/// A preset by name.
pub fn preset(name: &str) -> Result<Design> {
    let Some((n, text)) = PRESETS.iter().find(|(n, _)| *n == name) else {
        return Err(unknown(name));
    };
    Design::parse(text, &format!("designs/{n}.toml"), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_validates_and_is_named_after_its_file() {
        for (n, _) in PRESETS {
            let d = preset(n).unwrap();
            assert_eq!(d.name, *n);
        }
        assert!(PRESETS.len() >= 6);
    }

    #[test]
    fn tpu_v1_peak_is_the_published_92_tops() {
        // Jouppi et al., ISCA 2017: 65,536 MACs at 700 MHz = 92 TOPS (2 ops per MAC).
        let d = preset("tpu-v1-like").unwrap();
        assert_eq!((d.rows, d.cols), (256, 256));
        assert!((d.peak_tops() - 91.75).abs() < 0.01, "{}", d.peak_tops());
    }

    #[test]
    fn presets_span_edge_to_datacenter() {
        let sizes: Vec<u64> = PRESETS
            .iter()
            .map(|(n, _)| preset(n).unwrap().pes())
            .collect();
        assert_eq!(*sizes.iter().min().unwrap(), 4);
        assert_eq!(*sizes.iter().max().unwrap(), 65536);
    }
}
