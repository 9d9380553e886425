//! Energy tables: TOML files in which every number carries its source.

use super::{DramInterface, EnergyModel};
use crate::error::{InputError, Result, SimError};
use crate::precision::Precision;
use serde::Deserialize;
use std::path::Path;

/// Built-in tables: (name, TOML text).
pub const BUILTIN_TABLES: &[(&str, &str)] = &[(
    "horowitz-45nm",
    include_str!("../../tables/horowitz-45nm.toml"),
)];

/// Node-scaling data shared by all tables (energy factor relative to 45 nm).
const NODE_SCALING: &str = include_str!("../../tables/node-scaling.toml");

/// An energy table as written in TOML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnergyTable {
    /// Table name.
    pub name: String,
    /// Node the numbers were measured at (nm).
    pub node_nm: u32,
    /// Where the table comes from.
    pub source: String,
    /// Arithmetic energies by number format.
    pub arith: Vec<ArithRow>,
    /// PE register energy.
    pub register: RegisterRow,
    /// SRAM energy per 64-bit access by capacity (interpolated log-log).
    pub sram: Vec<SramRow>,
    /// DRAM energy per bit by interface.
    pub dram: Vec<DramRow>,
}

/// Energy of one add and one multiply in a number format.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArithRow {
    /// `int8`, `int32`, `fp16`, ...
    pub format: String,
    /// One addition (pJ).
    pub add_pj: f64,
    /// One multiplication (pJ).
    pub mult_pj: f64,
    /// Citation.
    pub source: String,
}

/// Register energy.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterRow {
    /// Writing one bit of a flip-flop register (pJ).
    pub pj_per_bit: f64,
    /// Citation or derivation.
    pub source: String,
}

/// SRAM energy at one capacity.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SramRow {
    /// Capacity (KiB).
    pub kib: f64,
    /// Read of 64 bits (pJ).
    pub read_pj_per_64b: f64,
    /// Citation.
    pub source: String,
}

/// DRAM energy of one interface.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DramRow {
    /// Interface name (`lpddr4`, ...).
    pub interface: String,
    /// Energy per bit (pJ).
    pub pj_per_bit: f64,
    /// Citation.
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeScaling {
    #[allow(dead_code)]
    source: String,
    vdd: f64,
    node: Vec<NodeRow>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeRow {
    nm: u32,
    a: f64,
    b: f64,
    c: f64,
}

impl NodeScaling {
    /// Stillmaker-Baas energy factor at `nm` (interpolated log-log between rows).
    fn factor(&self, nm: u32) -> Option<f64> {
        let mut pts: Vec<(f64, f64)> = self
            .node
            .iter()
            .map(|n| {
                (
                    f64::from(n.nm),
                    n.a * self.vdd * self.vdd + n.b * self.vdd + n.c,
                )
            })
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let x = f64::from(nm);
        (x >= pts[0].0 && x <= pts[pts.len() - 1].0).then(|| loglog(&pts, x))
    }
}

fn node_scaling() -> NodeScaling {
    toml::from_str(NODE_SCALING).expect("built-in node-scaling table is valid (tested)")
}

/// Nodes with scaling data, for error hints.
pub fn scaling_nodes() -> String {
    let s = node_scaling();
    let nm: Vec<u32> = s.node.iter().map(|n| n.nm).collect();
    format!(
        "any node from {} to {} nm (rows at {:?} nm)",
        nm.iter().min().unwrap_or(&0),
        nm.iter().max().unwrap_or(&0),
        nm
    )
}

impl EnergyTable {
    /// Parses a table; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<EnergyTable> {
        let t: EnergyTable = toml::from_str(text).map_err(|e| {
            let mut err =
                InputError::new("systolic::energy::syntax", file, e.message().to_string())
                    .hint("see sim/tables/horowitz-45nm.toml for the table format");
            if let Some(span) = e.span() {
                err = err.span(text, span);
            }
            err
        })?;
        let bad = |field: &str, msg: String| -> SimError {
            let e = InputError::new("systolic::energy::field", file, msg)
                .field(field)
                .hint("every energy is a positive number of pJ");
            match crate::design::span_of(text, field) {
                Some(s) => e.span(text, s).into(),
                None => e.into(),
            }
        };
        for r in &t.arith {
            if Precision::parse(&r.format).is_none() {
                return Err(bad(
                    "arith",
                    format!("unknown format `{}` in [[arith]]", r.format),
                ));
            }
            if !(positive(r.add_pj) && positive(r.mult_pj)) {
                return Err(bad(
                    "arith",
                    format!("non-positive energy for `{}`", r.format),
                ));
            }
        }
        if !t.arith.iter().any(|r| r.format == "int8")
            || !t.arith.iter().any(|r| r.format == "fp32")
        {
            return Err(bad(
                "arith",
                "the table needs at least int8 and fp32 rows".into(),
            ));
        }
        if t.sram.is_empty()
            || t.sram
                .iter()
                .any(|r| !(r.kib > 0.0 && r.read_pj_per_64b > 0.0))
        {
            return Err(bad(
                "sram",
                "expected one or more [[sram]] rows with positive kib and read_pj_per_64b".into(),
            ));
        }
        if !positive(t.register.pj_per_bit) {
            return Err(bad(
                "register.pj_per_bit",
                "expected a positive energy per bit".into(),
            ));
        }
        for r in &t.dram {
            if DramInterface::parse(&r.interface).is_none() {
                return Err(bad(
                    "dram",
                    format!("unknown DRAM interface `{}`", r.interface),
                ));
            }
        }
        Ok(t)
    }

    /// A built-in table by name, or a table file (relative to `dir`).
    pub fn resolve(name: &str, dir: Option<&Path>) -> Result<EnergyTable> {
        if let Some((n, text)) = BUILTIN_TABLES.iter().find(|(n, _)| *n == name) {
            return EnergyTable::parse(text, &format!("<built-in table {n}>"));
        }
        let path = match dir {
            Some(d) => d.join(name),
            None => Path::new(name).to_path_buf(),
        };
        if path.is_file() {
            let text = crate::error::read_file(&path)?;
            return EnergyTable::parse(&text, &path.display().to_string());
        }
        Err(SimError::Unknown {
            what: "energy table",
            name: name.to_string(),
            known: format!(
                "built-in tables: {}; or give a path to a table TOML file relative to the design file",
                BUILTIN_TABLES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            ),
        })
    }

    /// Resolves per-action energies at `node_nm` for `dram`; an error message
    /// if the node or interface has no data.
    pub fn model(&self, node_nm: u32, dram: DramInterface) -> Result<EnergyModel, String> {
        let scaling = node_scaling();
        let factor_of = |nm: u32| scaling.factor(nm);
        let node_factor = if node_nm == self.node_nm {
            1.0
        } else {
            let (Some(to), Some(from)) = (factor_of(node_nm), factor_of(self.node_nm)) else {
                return Err(format!(
                    "no energy-scaling data for {node_nm} nm (table measured at {} nm)",
                    self.node_nm
                ));
            };
            to / from
        };
        let dram_row = self
            .dram
            .iter()
            .find(|r| DramInterface::parse(&r.interface) == Some(dram))
            .ok_or_else(|| {
                format!(
                    "table `{}` has no DRAM energy for interface {dram}",
                    self.name
                )
            })?;
        Ok(EnergyModel {
            table: self.name.clone(),
            node_nm,
            node_factor,
            mac_pj: 0.0,
            vector_op_pj: 0.0,
            reg_pj_per_bit: self.register.pj_per_bit * node_factor,
            dram_pj_per_bit: dram_row.pj_per_bit,
            arith: self.arith.clone(),
            sram: self.sram.clone(),
        })
    }
}

fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// Interpolates `x -> y` log-log through `points` (sorted by x), extending the
/// end segments beyond the data.
fn loglog(points: &[(f64, f64)], x: f64) -> f64 {
    if points.len() == 1 {
        return points[0].1;
    }
    let i = points
        .iter()
        .position(|p| p.0 >= x)
        .unwrap_or(points.len() - 1)
        .clamp(1, points.len() - 1);
    let (x0, y0) = points[i - 1];
    let (x1, y1) = points[i];
    let slope = (y1.ln() - y0.ln()) / (x1.ln() - x0.ln());
    (y0.ln() + slope * (x.ln() - x0.ln())).exp()
}

/// Energy of an operation in `p`: the table's row for that format if present;
/// for integer widths without a row, log-log interpolation over the integer
/// rows by width (multiplier energy grows about quadratically, adder energy
/// about linearly with width: Horowitz's int8 and int32 rows fit that); bf16
/// without a row falls back to fp16.
pub(crate) fn arith_energy(rows: &[ArithRow], p: Precision, f: impl Fn(&ArithRow) -> f64) -> f64 {
    let name = p.to_string();
    if let Some(r) = rows.iter().find(|r| r.format == name) {
        return f(r);
    }
    match p {
        Precision::Int(bits) => {
            let mut pts: Vec<(f64, f64)> = rows
                .iter()
                .filter_map(|r| match Precision::parse(&r.format) {
                    Some(Precision::Int(b)) => Some((f64::from(b), f(r))),
                    _ => None,
                })
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            loglog(&pts, f64::from(bits))
        }
        Precision::Bf16 => arith_energy(rows, Precision::Fp16, f),
        Precision::Fp16 | Precision::Fp32 => rows
            .iter()
            .find(|r| r.format == "fp32")
            .map(f)
            .unwrap_or(0.0),
    }
}

/// SRAM energy per 64-bit access at `kib` capacity (pJ), log-log interpolated.
pub(crate) fn sram_pj_per_64b(rows: &[SramRow], kib: f64) -> f64 {
    let mut pts: Vec<(f64, f64)> = rows.iter().map(|r| (r.kib, r.read_pj_per_64b)).collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    loglog(&pts, kib)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> EnergyTable {
        EnergyTable::resolve("horowitz-45nm", None).unwrap()
    }

    #[test]
    fn builtin_tables_parse_and_node_scaling_parses() {
        for (n, _) in BUILTIN_TABLES {
            EnergyTable::resolve(n, None).unwrap();
        }
        let s = node_scaling();
        // The authors' erratum example: HP32 at 0.9 V gives 0.4571.
        let hp32 = s.node.iter().find(|n| n.nm == 32).unwrap();
        assert!((hp32.a * 0.81 + hp32.b * 0.9 + hp32.c - 0.4571).abs() < 1e-4);
        let f = |nm| s.factor(nm).unwrap() / s.factor(45).unwrap();
        assert!((f(45) - 1.0).abs() < 1e-12);
        assert!(
            f(130) > f(65)
                && f(65) > 1.0
                && f(32) < 1.0
                && f(28) < f(32)
                && f(22) > f(20)
                && f(7) < f(10)
        );
        assert!(s.factor(5).is_none() && s.factor(180).is_none());
    }

    #[test]
    fn horowitz_points_are_reproduced_exactly() {
        let t = table();
        assert_eq!(
            arith_energy(&t.arith, Precision::Int(8), |r| r.mult_pj),
            0.2
        );
        assert_eq!(
            arith_energy(&t.arith, Precision::Int(32), |r| r.add_pj),
            0.1
        );
        assert!((sram_pj_per_64b(&t.sram, 8.0) - 10.0).abs() < 1e-9);
        assert!((sram_pj_per_64b(&t.sram, 32.0) - 20.0).abs() < 1e-9);
        assert!((sram_pj_per_64b(&t.sram, 1024.0) - 100.0).abs() < 1e-9);
    }

    #[test]
    fn interpolation_is_monotone_and_between_points() {
        let t = table();
        let m16 = arith_energy(&t.arith, Precision::Int(16), |r| r.mult_pj);
        assert!(m16 > 0.2 && m16 < 3.1, "{m16}");
        let s = sram_pj_per_64b(&t.sram, 100.0);
        assert!(s > 20.0 && s < 100.0);
        let big = sram_pj_per_64b(&t.sram, 4096.0);
        assert!(big > 100.0);
        let small = sram_pj_per_64b(&t.sram, 2.0);
        assert!(small < 10.0 && small > 0.0);
    }

    #[test]
    fn scaling_to_a_smaller_node_lowers_on_chip_energy_only() {
        let t = table();
        let m45 = t.model(45, DramInterface::Lpddr4).unwrap();
        let m = t.model(7, DramInterface::Lpddr4).unwrap();
        assert!(m.node_factor < 1.0);
        assert!(m.reg_pj_per_bit < m45.reg_pj_per_bit);
        assert_eq!(m.dram_pj_per_bit, m45.dram_pj_per_bit);
        assert!(t.model(3, DramInterface::Lpddr4).is_err());
    }
}
