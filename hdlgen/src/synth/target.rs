//! Synthesis targets, their devices, and which cell types count as LUTs,
//! flip-flops, DSPs and block RAMs on each.

use miette::Diagnostic;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A target or device name that does not exist.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum TargetError {
    /// `--target` named no target.
    #[error("unknown synthesis target `{target}`")]
    #[diagnostic(
        code(systolic::synth::target),
        help("targets: generic, ice40, ecp5, xilinx")
    )]
    UnknownTarget {
        /// What was given.
        target: String,
    },
    /// `--device` named no device of the target.
    #[error("unknown {target} device `{device}`")]
    #[diagnostic(code(systolic::synth::device), help("{target} devices: {known}"))]
    UnknownDevice {
        /// The target.
        target: Target,
        /// What was given.
        device: String,
        /// The devices that exist.
        known: String,
    },
}

/// What to synthesize for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Yosys's own gate library (`synth`): technology-independent cell counts.
    Generic,
    /// Lattice iCE40 (`synth_ice40`), placed and routed with nextpnr-ice40.
    Ice40,
    /// Lattice ECP5 (`synth_ecp5`), placed and routed with nextpnr-ecp5.
    Ecp5,
    /// AMD/Xilinx 7-series and UltraScale (`synth_xilinx`); synthesis only.
    Xilinx,
}

impl Target {
    /// Every target, in the order reports list them.
    pub const ALL: [Target; 4] = [Target::Generic, Target::Ice40, Target::Ecp5, Target::Xilinx];

    /// The device used when none is given (`None` for `generic`).
    pub fn default_device(self) -> Option<&'static str> {
        match self {
            Target::Generic => None,
            Target::Ice40 => Some("up5k"),
            Target::Ecp5 => Some("85k"),
            Target::Xilinx => Some("xc7"),
        }
    }

    /// The device names this target accepts.
    pub fn device_names(self) -> Vec<&'static str> {
        match self {
            Target::Generic => Vec::new(),
            Target::Ice40 => ICE40.iter().map(|d| d.name).collect(),
            Target::Ecp5 => ECP5.iter().map(|d| d.name).collect(),
            Target::Xilinx => XILINX_FAMILIES.to_vec(),
        }
    }

    /// Resolves `--device` for this target: the default when `None`, an
    /// error naming the known devices when unknown.
    pub fn device(self, name: Option<&str>) -> Result<Option<Device>, TargetError> {
        let unknown = |device: &str| TargetError::UnknownDevice {
            target: self,
            device: device.to_string(),
            known: if self == Target::Generic {
                "none: generic synthesis has no device; leave out --device".to_string()
            } else {
                format!(
                    "{} (default {})",
                    self.device_names().join(", "),
                    self.default_device().unwrap_or("-")
                )
            },
        };
        let Some(name) = name.or(self.default_device()) else {
            return Ok(None);
        };
        let key = name.trim().to_ascii_lowercase();
        let key = key
            .strip_prefix("ice40")
            .or_else(|| key.strip_prefix("lfe5u-"))
            .unwrap_or(&key);
        let found = match self {
            Target::Generic => None,
            Target::Ice40 => ICE40.iter().find(|d| d.name == key).copied(),
            Target::Ecp5 => ECP5.iter().find(|d| d.name == key).copied(),
            Target::Xilinx => XILINX_FAMILIES
                .iter()
                .find(|f| **f == key)
                .map(|f| Device::family(f)),
        };
        found.map(Some).ok_or_else(|| unknown(name))
    }

    /// Whether this target is placed and routed (to measure Fmax).
    pub fn has_pnr(self) -> bool {
        matches!(self, Target::Ice40 | Target::Ecp5)
    }

    /// The LUT-equivalents one cell of type `cell` uses on this target.
    pub fn lut_weight(self, cell: &str) -> u64 {
        match self {
            Target::Generic => 0,
            Target::Ice40 => u64::from(cell == "SB_LUT4"),
            // A CCU2C carry cell occupies the two LUT4s of a slice half.
            Target::Ecp5 => match cell {
                "LUT4" => 1,
                "CCU2C" => 2,
                _ => 0,
            },
            // Logic LUTs, shift-register LUTs and distributed RAM (LUTs as memory).
            Target::Xilinx => match cell {
                "LUT1" | "LUT2" | "LUT3" | "LUT4" | "LUT5" | "LUT6" => 1,
                "SRL16E" | "SRLC16E" | "SRLC32E" => 1,
                "RAM32X1S" | "RAM64X1S" => 1,
                "RAM32X1D" | "RAM64X1D" | "RAM128X1S" => 2,
                "RAM128X1D" | "RAM256X1S" | "RAM32M" | "RAM64M" => 4,
                "RAM32M16" | "RAM64M8" => 8,
                _ => 0,
            },
        }
    }

    /// Whether `cell` is a flip-flop on this target.
    pub fn is_flip_flop(self, cell: &str) -> bool {
        match self {
            Target::Generic => cell.starts_with("$_") && cell.contains("DFF"),
            Target::Ice40 => cell.starts_with("SB_DFF"),
            Target::Ecp5 => cell == "TRELLIS_FF",
            Target::Xilinx => matches!(cell, "FDRE" | "FDSE" | "FDCE" | "FDPE"),
        }
    }

    /// Whether `cell` is a DSP (hard multiplier) on this target.
    pub fn is_dsp(self, cell: &str) -> bool {
        match self {
            Target::Generic => false,
            Target::Ice40 => cell == "SB_MAC16",
            Target::Ecp5 => cell == "MULT18X18D",
            Target::Xilinx => cell.starts_with("DSP48"),
        }
    }

    /// Whether `cell` is a block RAM on this target.
    pub fn is_block_ram(self, cell: &str) -> bool {
        match self {
            Target::Generic => false,
            Target::Ice40 => cell.starts_with("SB_RAM40_4K"),
            Target::Ecp5 => matches!(cell, "DP16KD" | "PDPW16KD"),
            Target::Xilinx => cell.starts_with("RAMB18") || cell.starts_with("RAMB36"),
        }
    }

    /// Names of the DSP and block RAM primitives, for readers of a table.
    pub fn primitive_names(self) -> (&'static str, &'static str) {
        match self {
            Target::Generic => ("-", "-"),
            Target::Ice40 => ("SB_MAC16", "SB_RAM40_4K"),
            Target::Ecp5 => ("MULT18X18D", "DP16KD/PDPW16KD"),
            Target::Xilinx => ("DSP48E1/E2", "RAMB18/RAMB36"),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Target::Generic => "generic",
            Target::Ice40 => "ice40",
            Target::Ecp5 => "ecp5",
            Target::Xilinx => "xilinx",
        })
    }
}

impl FromStr for Target {
    type Err = TargetError;

    fn from_str(s: &str) -> Result<Target, TargetError> {
        Target::ALL
            .into_iter()
            .find(|t| t.to_string().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| TargetError::UnknownTarget {
                target: s.to_string(),
            })
    }
}

/// One device: the name `--device` takes and what nextpnr needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Device {
    /// Name as given to `--device` and written in reports (`up5k`, `85k`, `xc7`).
    pub name: &'static str,
    /// nextpnr's device flag without dashes (`up5k`, `um5g-85k`); empty when not placed.
    pub pnr_flag: &'static str,
    /// Package nextpnr places into (the pins are few: see the harness).
    pub package: &'static str,
    /// Logic cells (iCE40 LCs, ECP5 LUT4s) the device has, as nextpnr counts them.
    pub logic_cells: u64,
    /// Block RAMs (SB_RAM40_4K, DP16KD).
    pub block_rams: u64,
    /// DSPs (SB_MAC16, MULT18X18D).
    pub dsps: u64,
}

impl Device {
    fn family(name: &'static str) -> Device {
        Device {
            name,
            pnr_flag: "",
            package: "",
            logic_cells: 0,
            block_rams: 0,
            dsps: 0,
        }
    }
}

const fn dev(
    name: &'static str,
    package: &'static str,
    logic_cells: u64,
    block_rams: u64,
    dsps: u64,
) -> Device {
    Device {
        name,
        pnr_flag: name,
        package,
        logic_cells,
        block_rams,
        dsps,
    }
}

/// iCE40 devices with nextpnr-ice40 0.4's capacities and default packages.
const ICE40: [Device; 12] = [
    dev("lp384", "qn32", 384, 0, 0),
    dev("lp1k", "tq144", 1280, 16, 0),
    dev("lp4k", "tq144", 7680, 32, 0),
    dev("lp8k", "ct256", 7680, 32, 0),
    dev("hx1k", "tq144", 1280, 16, 0),
    dev("hx4k", "tq144", 7680, 32, 0),
    dev("hx8k", "ct256", 7680, 32, 0),
    dev("up3k", "sg48", 5280, 30, 8),
    dev("up5k", "sg48", 5280, 30, 8),
    dev("u1k", "sg48", 3520, 20, 4),
    dev("u2k", "sg48", 3520, 20, 4),
    dev("u4k", "sg48", 3520, 20, 4),
];

/// ECP5 devices with nextpnr-ecp5 0.11's capacities and default package.
const ECP5: [Device; 10] = [
    dev("12k", "CABGA381", 24288, 56, 28),
    dev("25k", "CABGA381", 24288, 56, 28),
    dev("45k", "CABGA381", 43848, 108, 72),
    dev("85k", "CABGA381", 83640, 208, 156),
    dev("um-25k", "CABGA381", 24288, 56, 28),
    dev("um-45k", "CABGA381", 43848, 108, 72),
    dev("um-85k", "CABGA381", 83640, 208, 156),
    dev("um5g-25k", "CABGA381", 24288, 56, 28),
    dev("um5g-45k", "CABGA381", 43848, 108, 72),
    dev("um5g-85k", "CABGA381", 83640, 208, 156),
];

/// `synth_xilinx -family` values whose primitives the counts above know.
const XILINX_FAMILIES: [&str; 3] = ["xc7", "xcu", "xcup"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_case_insensitively_and_print_back() {
        for t in Target::ALL {
            assert_eq!(t.to_string().to_uppercase().parse::<Target>().unwrap(), t);
        }
        assert!(matches!(
            "ice41".parse::<Target>(),
            Err(TargetError::UnknownTarget { .. })
        ));
    }

    #[test]
    fn devices_default_resolve_and_accept_vendor_prefixes() {
        assert_eq!(Target::Ice40.device(None).unwrap().unwrap().name, "up5k");
        assert_eq!(
            Target::Ice40
                .device(Some("iCE40HX8K"))
                .unwrap()
                .unwrap()
                .name,
            "hx8k"
        );
        assert_eq!(
            Target::Ecp5.device(Some("LFE5U-25F")).ok(),
            None,
            "the F suffix is not stripped"
        );
        assert_eq!(Target::Ecp5.device(Some("25k")).unwrap().unwrap().dsps, 28);
        assert_eq!(Target::Generic.device(None).unwrap(), None);
        let e = Target::Ice40.device(Some("up9k")).unwrap_err().to_string();
        assert!(e.contains("up9k"), "{e}");
        assert!(Target::Generic.device(Some("up5k")).is_err());
    }

    #[test]
    fn every_default_device_is_known() {
        for t in Target::ALL {
            if let Some(d) = t.default_device() {
                assert!(t.device_names().contains(&d), "{t} {d}");
            }
        }
    }
}
