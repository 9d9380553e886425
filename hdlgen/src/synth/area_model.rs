//! The silicon area of a design on an FPGA, as Kuon and Rose measured it: the
//! sum of the areas of the tiles it uses, each with its share of the
//! routing. The tiles are the VTR project's 40 nm architecture
//! (`tables/fpga-area-vtr40.toml`, every figure cited), a Stratix IV-class
//! fabric; a design's LUT4s, flip-flops and hard multipliers are mapped onto
//! it by the rule [`TileAreas::area`] states. docs/SYNTHESIS.md, "FPGA vs
//! ASIC gap".

use super::fpga::Sourced;
use miette::Diagnostic;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const VTR40_TOML: &str = include_str!("../../tables/fpga-area-vtr40.toml");

/// Why an area could not be modeled.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Diagnostic)]
pub enum AreaModelError {
    /// The tile table does not parse or lacks a figure.
    #[error("hdlgen/tables/fpga-area-vtr40.toml: {message}")]
    #[diagnostic(
        code(systolic::area_model::table),
        help("every figure needs a positive value and a source; multiplier slots go from narrow to wide")
    )]
    Table {
        /// What is wrong.
        message: String,
    },
    /// Block RAMs are not mapped onto the model's memory tile.
    #[error("the design uses {count} block RAMs; the area model maps only logic and multipliers")]
    #[diagnostic(
        code(systolic::area_model::block_ram),
        help("measure a design without its buffers (the gap table's array), as an ASIC would build them from memory macros")
    )]
    BlockRams {
        /// Block RAMs used.
        count: u64,
    },
    /// No multiplier slot of the model takes operands this wide.
    #[error("{bits}-bit operands are wider than the model's widest multiplier ({widest} bits)")]
    #[diagnostic(code(systolic::area_model::operand))]
    OperandTooWide {
        /// The operand width.
        bits: u32,
        /// The widest slot.
        widest: u32,
    },
}

/// The logic tile: a cluster of ALMs (fracturable 6-LUTs with two registers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogicTile {
    /// Area without the general routing, MWTA.
    pub tile_mwta: Sourced<f64>,
    /// ALMs in one tile.
    pub alms_per_tile: Sourced<f64>,
    /// Independent 4-input LUTs one ALM holds.
    pub luts_per_alm: Sourced<f64>,
    /// Flip-flops one ALM holds.
    pub ffs_per_alm: Sourced<f64>,
}

/// How many independent products of at most `max_bits` x `max_bits` one
/// multiplier tile holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultiplierSlot {
    /// Widest operand of the mode.
    pub max_bits: u32,
    /// Products per tile in that mode.
    pub per_tile: u32,
}

/// The hard multiplier tile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultiplierTile {
    /// Area without the general routing, MWTA.
    pub tile_mwta: Sourced<f64>,
    /// Rows of logic tiles it spans (each brings one tile's routing).
    pub height_tiles: Sourced<f64>,
    /// Its modes, narrowest first.
    pub slots: Vec<MultiplierSlot>,
    /// Where the modes come from.
    pub slots_source: String,
}

/// A tile area table (`tables/fpga-area-vtr40.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TileAreas {
    /// Process node of the areas, nm.
    pub node_nm: u32,
    /// One minimum-width transistor area, µm².
    pub mwta_um2: Sourced<f64>,
    /// General routing charged to each tile row, MWTA.
    pub routing_mwta_per_tile: Sourced<f64>,
    /// The logic tile.
    pub logic: LogicTile,
    /// The multiplier tile.
    pub multiplier: MultiplierTile,
}

/// What a design uses on an FPGA, as synthesis counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FpgaUse {
    /// 4-input LUTs (ECP5: LUT4s plus two per CCU2C).
    pub luts: u64,
    /// Flip-flops outside the hard blocks.
    pub flip_flops: u64,
    /// Hard multipliers (SB_MAC16, MULT18X18D), one product each.
    pub multipliers: u64,
    /// Width of each multiplier's operands, bits.
    pub multiplier_bits: u32,
    /// Block RAMs (must be 0: not modeled).
    pub block_rams: u64,
}

/// The modeled area of an [`FpgaUse`], µm² at the table's node.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FpgaArea {
    /// ALMs the LUTs and flip-flops fill.
    pub alms: f64,
    /// Their share of logic tiles with routing, µm².
    pub logic_um2: f64,
    /// The multipliers' share of multiplier tiles with routing, µm².
    pub multiplier_um2: f64,
    /// `logic_um2 + multiplier_um2`.
    pub total_um2: f64,
}

/// The VTR 40 nm tile areas, parsed and checked once.
pub fn vtr_40nm() -> Result<&'static TileAreas, AreaModelError> {
    static TABLE: OnceLock<Result<TileAreas, AreaModelError>> = OnceLock::new();
    TABLE
        .get_or_init(|| TileAreas::parse(VTR40_TOML))
        .as_ref()
        .map_err(Clone::clone)
}

/// Scales an area between process nodes by the square of the feature size
/// (classic scaling): `um2 x (to_nm / from_nm)²`.
pub fn scale_area_um2(um2: f64, from_nm: f64, to_nm: f64) -> f64 {
    um2 * (to_nm / from_nm).powi(2)
}

impl TileAreas {
    /// Parses and checks a table: every figure positive and sourced, the
    /// multiplier slots from narrow to wide.
    pub fn parse(text: &str) -> Result<TileAreas, AreaModelError> {
        let bad = |message: String| AreaModelError::Table { message };
        let t: TileAreas = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let figures = [
            ("mwta_um2", &t.mwta_um2),
            ("routing_mwta_per_tile", &t.routing_mwta_per_tile),
            ("logic.tile_mwta", &t.logic.tile_mwta),
            ("logic.alms_per_tile", &t.logic.alms_per_tile),
            ("logic.luts_per_alm", &t.logic.luts_per_alm),
            ("logic.ffs_per_alm", &t.logic.ffs_per_alm),
            ("multiplier.tile_mwta", &t.multiplier.tile_mwta),
            ("multiplier.height_tiles", &t.multiplier.height_tiles),
        ];
        for (what, f) in figures {
            if !f.value.is_some_and(|v| v > 0.0) || f.source.trim().is_empty() {
                return Err(bad(format!("{what} needs a positive value and a source")));
            }
        }
        let slots = &t.multiplier.slots;
        let ordered = slots.windows(2).all(|w| w[0].max_bits < w[1].max_bits);
        if slots.is_empty() || !ordered || slots.iter().any(|s| s.per_tile == 0) {
            return Err(bad(
                "multiplier.slots must be non-empty, narrowest first, each with products".into(),
            ));
        }
        if t.multiplier.slots_source.trim().is_empty() || t.node_nm == 0 {
            return Err(bad(
                "multiplier.slots_source and node_nm are required".into()
            ));
        }
        Ok(t)
    }

    /// A logic tile with its routing, µm².
    pub fn logic_tile_um2(&self) -> f64 {
        (fig(&self.logic.tile_mwta) + fig(&self.routing_mwta_per_tile)) * fig(&self.mwta_um2)
    }

    /// A multiplier tile with the routing of the rows it spans, µm².
    pub fn multiplier_tile_um2(&self) -> f64 {
        let m = &self.multiplier;
        (fig(&m.tile_mwta) + fig(&m.height_tiles) * fig(&self.routing_mwta_per_tile))
            * fig(&self.mwta_um2)
    }

    /// Products of `bits` x `bits` one multiplier tile holds: its narrowest
    /// mode that fits.
    pub fn multipliers_per_tile(&self, bits: u32) -> Result<u32, AreaModelError> {
        let slots = &self.multiplier.slots;
        slots
            .iter()
            .find(|s| bits <= s.max_bits)
            .map(|s| s.per_tile)
            .ok_or(AreaModelError::OperandTooWide {
                bits,
                widest: slots.last().map_or(0, |s| s.max_bits),
            })
    }

    /// The area `u` occupies, by this rule: the LUT4s and flip-flops fill
    /// `max(luts / luts_per_alm, flip_flops / ffs_per_alm)` ALMs (perfect
    /// packing, register packing included), charged as that fraction of a
    /// logic tile with its routing; each multiplier takes one product slot
    /// of its width ([`Self::multipliers_per_tile`]), charged as that
    /// fraction of a multiplier tile with its routing. Fractions of tiles
    /// are counted, not whole tiles. Block RAMs are refused.
    pub fn area(&self, u: &FpgaUse) -> Result<FpgaArea, AreaModelError> {
        if u.block_rams > 0 {
            return Err(AreaModelError::BlockRams {
                count: u.block_rams,
            });
        }
        let l = &self.logic;
        let alms =
            (u.luts as f64 / fig(&l.luts_per_alm)).max(u.flip_flops as f64 / fig(&l.ffs_per_alm));
        let logic_um2 = alms / fig(&l.alms_per_tile) * self.logic_tile_um2();
        let multiplier_um2 = if u.multipliers == 0 {
            0.0
        } else {
            let per_tile = self.multipliers_per_tile(u.multiplier_bits)?;
            u.multipliers as f64 / f64::from(per_tile) * self.multiplier_tile_um2()
        };
        Ok(FpgaArea {
            alms,
            logic_um2,
            multiplier_um2,
            total_um2: logic_um2 + multiplier_um2,
        })
    }
}

/// A checked figure's value ([`TileAreas::parse`] refuses a missing one).
fn fig(s: &Sourced<f64>) -> f64 {
    s.value.unwrap_or(f64::NAN)
}
