//! Energy tables: TOML files in which every number carries its source.

use super::{Buffer, DramInterface, EnergyModel};
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
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnergyTable {
    /// Table name.
    pub name: String,
    /// Node the numbers were measured at (nm); absent for tables that must not be scaled.
    #[serde(default)]
    pub node_nm: Option<u32>,
    /// Where the table comes from.
    pub source: String,
    /// Arithmetic energies by number format (a MAC = multiply + accumulate add).
    #[serde(default)]
    pub arith: Vec<ArithRow>,
    /// Whole-MAC energies by operand format; override `arith` where given.
    #[serde(default)]
    pub mac: Vec<OpRow>,
    /// Vector-unit operation energies by operand format; override `arith` adds.
    #[serde(default)]
    pub vector: Vec<OpRow>,
    /// PE register energy.
    pub register: RegisterRow,
    /// A 2:1 multiplexer bit's energy per selection: the sparse PE's
    /// M-to-1 activation selection is `(M - 1) x bits` of them. Optional:
    /// without it a sparse design's selection energy is not counted (and
    /// its report says so).
    #[serde(default)]
    pub mux: Option<RegisterRow>,
    /// What a clock-gated MAC (a zero operand, `zero_gating = true`) costs
    /// as a share of a MAC. Optional: without it gating is not counted.
    #[serde(default)]
    pub gating: Option<GatingRow>,
    /// SRAM energy per 64-bit access by capacity (interpolated log-log).
    #[serde(default)]
    pub sram: Vec<SramRow>,
    /// Energies of named buffers (`ifmap`, `filter`, `ofmap`), whatever their
    /// capacity; override `sram` where given.
    #[serde(default)]
    pub buffer: Vec<BufferRow>,
    /// DRAM energy per bit by interface (a row without `interface` is the
    /// table's own DRAM, used when a design names none).
    #[serde(default)]
    pub dram: Vec<DramRow>,
    /// How a design named this table: a built-in name, or the path as
    /// written (relative to the design file). Set by [`EnergyTable::resolve`].
    #[serde(skip)]
    pub reference: String,
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

/// Energy of one operation in one operand format.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpRow {
    /// `int8`, `fp16`, ...
    pub operand: String,
    /// Energy of one operation (pJ).
    pub pj: f64,
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

/// Clock-gated MAC energy.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatingRow {
    /// A gated MAC's energy over a MAC's (0 to 1).
    pub mac_fraction: f64,
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
    /// Write of 64 bits (pJ); the read energy when absent.
    #[serde(default)]
    pub write_pj_per_64b: Option<f64>,
    /// Citation.
    pub source: String,
}

/// Energy of one named buffer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BufferRow {
    /// `ifmap`, `filter` or `ofmap`.
    pub buffer: String,
    /// Read of 64 bits (pJ).
    pub read_pj_per_64b: f64,
    /// Write of 64 bits (pJ).
    pub write_pj_per_64b: f64,
    /// Citation.
    pub source: String,
}

/// DRAM energy of one interface.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DramRow {
    /// Interface name (`lpddr4`, ...); absent for the table's own DRAM.
    #[serde(default)]
    pub interface: Option<String>,
    /// Energy per bit read or written (pJ).
    #[serde(default)]
    pub pj_per_bit: Option<f64>,
    /// Energy per bit read (pJ), overriding `pj_per_bit`.
    #[serde(default)]
    pub read_pj_per_bit: Option<f64>,
    /// Energy per bit written (pJ), overriding `pj_per_bit`.
    #[serde(default)]
    pub write_pj_per_bit: Option<f64>,
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

/// The built-in node-scaling table, parsed once (sweeps build many designs).
fn node_scaling() -> &'static NodeScaling {
    static PARSED: std::sync::OnceLock<NodeScaling> = std::sync::OnceLock::new();
    PARSED.get_or_init(|| {
        toml::from_str(NODE_SCALING).expect("built-in node-scaling table is valid (tested)")
    })
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
                .hint("every energy is a positive number of pJ with a `source`");
            match crate::error::span_of(text, field, None) {
                Some(s) => e.span(text, s).into(),
                None => e.into(),
            }
        };
        for r in &t.arith {
            if Precision::parse(&r.format).is_none() || !(positive(r.add_pj) && positive(r.mult_pj))
            {
                return Err(bad(
                    "arith",
                    format!(
                        "[[arith]] `{}` needs a known format and positive add_pj and mult_pj",
                        r.format
                    ),
                ));
            }
        }
        for r in t.mac.iter().chain(&t.vector) {
            if Precision::parse(&r.operand).is_none() || !positive(r.pj) {
                return Err(bad(
                    "mac",
                    format!(
                        "[[mac]]/[[vector]] `{}` needs a known operand format and a positive pj",
                        r.operand
                    ),
                ));
            }
        }
        if !positive(t.register.pj_per_bit) {
            return Err(bad(
                "register.pj_per_bit",
                "expected a positive energy per bit".into(),
            ));
        }
        if t.gating
            .as_ref()
            .is_some_and(|g| !(g.mac_fraction >= 0.0 && g.mac_fraction <= 1.0))
        {
            return Err(bad(
                "gating.mac_fraction",
                "expected a gated MAC's share of a MAC's energy, from 0 to 1".into(),
            ));
        }
        if t.mux.as_ref().is_some_and(|m| !positive(m.pj_per_bit)) {
            return Err(bad(
                "mux.pj_per_bit",
                "expected a positive energy per multiplexer bit and selection".into(),
            ));
        }
        if t.sram.iter().any(|r| {
            !(positive(r.kib)
                && positive(r.read_pj_per_64b)
                && r.write_pj_per_64b.is_none_or(positive))
        }) {
            return Err(bad("sram", "[[sram]] rows need positive kib and read_pj_per_64b (and write_pj_per_64b if given)".into()));
        }
        for r in &t.buffer {
            if Buffer::parse(&r.buffer).is_none()
                || !(positive(r.read_pj_per_64b) && positive(r.write_pj_per_64b))
            {
                return Err(bad("buffer", format!("[[buffer]] `{}`: expected ifmap, filter or ofmap with positive read and write energies", r.buffer)));
            }
        }
        if t.sram.is_empty()
            && Buffer::ALL.iter().any(|b| {
                !t.buffer
                    .iter()
                    .any(|r| Buffer::parse(&r.buffer) == Some(*b))
            })
        {
            return Err(bad(
                "sram",
                "give [[sram]] rows, or [[buffer]] rows for all of ifmap, filter and ofmap".into(),
            ));
        }
        for r in &t.dram {
            if let Some(i) = &r.interface {
                if DramInterface::parse(i).is_none() {
                    return Err(bad("dram", format!("unknown DRAM interface `{i}`")));
                }
            }
            let (rd, wr) = (
                r.read_pj_per_bit.or(r.pj_per_bit),
                r.write_pj_per_bit.or(r.pj_per_bit),
            );
            if !(rd.is_some_and(positive) && wr.is_some_and(positive)) {
                return Err(bad("dram", "each [[dram]] row needs a positive pj_per_bit, or read_pj_per_bit and write_pj_per_bit".into()));
            }
        }
        Ok(t)
    }

    /// A built-in table by name, or a table file (relative to `dir`).
    /// Built-in tables are parsed once per process and shared: sweeps build
    /// thousands of designs.
    pub fn resolve(name: &str, dir: Option<&Path>) -> Result<std::sync::Arc<EnergyTable>> {
        if let Some(i) = BUILTIN_TABLES.iter().position(|(n, _)| *n == name) {
            static PARSED: std::sync::OnceLock<Vec<Result<std::sync::Arc<EnergyTable>>>> =
                std::sync::OnceLock::new();
            let parsed = PARSED.get_or_init(|| {
                BUILTIN_TABLES
                    .iter()
                    .map(|(n, text)| {
                        EnergyTable::parse(text, &format!("<built-in table {n}>")).map(|mut t| {
                            t.reference = n.to_string();
                            std::sync::Arc::new(t)
                        })
                    })
                    .collect()
            });
            return match &parsed[i] {
                Ok(t) => Ok(t.clone()),
                Err(_) => {
                    let (n, text) = BUILTIN_TABLES[i];
                    EnergyTable::parse(text, &format!("<built-in table {n}>"))
                        .map(std::sync::Arc::new)
                }
            };
        }
        let rel = Path::new(name);
        let inside = !rel.as_os_str().is_empty()
            && rel
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
        if name.ends_with(".toml") || rel.components().count() > 1 {
            if !inside || !name.ends_with(".toml") {
                return Err(InputError::new(
                    "systolic::energy::path",
                    name,
                    "an energy table path must be relative to the design file, stay in its folder (no `..`, not absolute) and end in .toml",
                )
                .hint("copy the table beside the design file, or into a folder below it, e.g. `energy_table = \"tables/my-45nm.toml\"`")
                .into());
            }
            let path = match dir {
                Some(d) => d.join(rel),
                None => rel.to_path_buf(),
            };
            let text = crate::error::read_file(&path)?;
            // The table's own errors name its lines but never quote it: a
            // shared design file must not make an error print another file.
            return EnergyTable::parse(&text, &path.display().to_string())
                .map(|mut t| {
                    t.reference = name.to_string();
                    std::sync::Arc::new(t)
                })
                .map_err(|e| match e {
                    SimError::Input(i) => SimError::Input(Box::new(i.without_source())),
                    other => other,
                });
        }
        let names: Vec<&str> = BUILTIN_TABLES.iter().map(|(n, _)| *n).collect();
        Err(crate::error::SimError::unknown(
            "energy table",
            name,
            &names,
            "or a path to a table TOML file relative to the design file",
        ))
    }

    /// Resolves per-action energies for a design at `node_nm` (`None`: the
    /// table's own node) with DRAM `dram` (`None`: the table's own DRAM row,
    /// else LPDDR4), for the given operand and accumulator formats. The error
    /// says what the table lacks.
    pub fn model(
        &self,
        node_nm: Option<u32>,
        dram: Option<DramInterface>,
        operand: Precision,
        accumulator: Precision,
    ) -> Result<EnergyModel, String> {
        let node_factor = match (node_nm, self.node_nm) {
            (None, _) => 1.0,
            (Some(n), Some(t)) if n == t => 1.0,
            (Some(n), None) => {
                return Err(format!(
                    "table `{}` names no process node, so it cannot be scaled to {n} nm",
                    self.name
                ))
            }
            (Some(n), Some(t)) => {
                let scaling = node_scaling();
                let (Some(to), Some(from)) = (scaling.factor(n), scaling.factor(t)) else {
                    return Err(format!(
                        "no energy-scaling data for {n} nm (table measured at {t} nm)"
                    ));
                };
                to / from
            }
        };
        let iface = |r: &DramRow| r.interface.as_deref().and_then(DramInterface::parse);
        let dram_row = match dram {
            Some(d) => self.dram.iter().find(|r| iface(r) == Some(d)),
            None => self
                .dram
                .iter()
                .find(|r| r.interface.is_none())
                .or_else(|| {
                    self.dram
                        .iter()
                        .find(|r| iface(r) == Some(DramInterface::Lpddr4))
                }),
        }
        .ok_or_else(|| {
            format!(
                "table `{}` has no DRAM energy for {}",
                self.name,
                dram.map_or("its own DRAM".to_string(), |d| format!("interface {d}"))
            )
        })?;
        let op_row = |rows: &[OpRow], p: Precision| {
            rows.iter()
                .find(|r| Precision::parse(&r.operand) == Some(p))
                .map(|r| r.pj)
        };
        let has_arith = |p: Precision| {
            if p.is_int() {
                self.arith.iter().any(|r| r.format.starts_with("int"))
            } else {
                self.arith.iter().any(|r| r.format == "fp32")
            }
        };
        let mac_pj = match op_row(&self.mac, operand) {
            Some(pj) => pj,
            None if has_arith(operand) && has_arith(accumulator) => {
                arith_energy(&self.arith, operand, |r| r.mult_pj)
                    + arith_energy(&self.arith, accumulator, |r| r.add_pj)
            }
            None => {
                return Err(format!(
                    "table `{}` has no MAC energy for {operand} operands",
                    self.name
                ))
            }
        };
        let vector_op_pj = match op_row(&self.vector, operand) {
            Some(pj) => pj,
            None if has_arith(operand) => arith_energy(&self.arith, operand, |r| r.add_pj),
            None => {
                return Err(format!(
                    "table `{}` has no vector-operation energy for {operand}",
                    self.name
                ))
            }
        };
        let buffers = Buffer::ALL.map(|b| {
            self.buffer
                .iter()
                .find(|r| Buffer::parse(&r.buffer) == Some(b))
                .map(|r| (r.read_pj_per_64b, r.write_pj_per_64b))
        });
        let either = dram_row.pj_per_bit.unwrap_or(0.0);
        Ok(EnergyModel {
            table: self.name.clone(),
            node_nm: node_nm.or(self.node_nm),
            node_factor,
            mac_pj: mac_pj * node_factor,
            vector_op_pj: vector_op_pj * node_factor,
            reg_pj_per_bit: self.register.pj_per_bit * node_factor,
            mux_pj_per_bit: self.mux.as_ref().map(|m| m.pj_per_bit * node_factor),
            gated_mac_fraction: self.gating.as_ref().map(|g| g.mac_fraction),
            dram_read_pj_per_bit: dram_row.read_pj_per_bit.unwrap_or(either),
            dram_write_pj_per_bit: dram_row.write_pj_per_bit.unwrap_or(either),
            sram: self.sram.clone(),
            buffers,
        })
    }
}

fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// Interpolates `x -> y` log-log through `points` (sorted by x), extending the
/// end segments beyond the data.
pub(crate) fn loglog(points: &[(f64, f64)], x: f64) -> f64 {
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

/// A value of an arithmetic table (energy or area) in format `p`: the row
/// for `p` if present; for integer widths without a row, log-log
/// interpolation over the integer rows by width (multipliers grow about
/// quadratically, adders about linearly with width: Horowitz's int8 and int32
/// rows fit that); bf16 and fp8 without a row fall back to fp16 (an upper
/// estimate: the built-in tables carry rows derived by significand width),
/// fp16 without a row to fp32.
pub(crate) fn arith_lookup<R>(
    rows: &[R],
    format: impl Fn(&R) -> &str,
    p: Precision,
    f: impl Fn(&R) -> f64,
) -> f64 {
    if let Some(r) = rows.iter().find(|r| Precision::parse(format(r)) == Some(p)) {
        return f(r);
    }
    match p {
        Precision::Int(bits) => {
            let mut pts: Vec<(f64, f64)> = rows
                .iter()
                .filter_map(|r| match Precision::parse(format(r)) {
                    Some(Precision::Int(b)) => Some((f64::from(b), f(r))),
                    _ => None,
                })
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            if pts.is_empty() {
                return 0.0;
            }
            loglog(&pts, f64::from(bits))
        }
        Precision::Bf16 | Precision::Fp8E4M3 | Precision::Fp8E5M2 => {
            arith_lookup(rows, format, Precision::Fp16, f)
        }
        Precision::Fp16 => arith_lookup(rows, format, Precision::Fp32, f),
        Precision::Fp32 => 0.0,
    }
}

/// Energy of an operation in `p` ([`arith_lookup`] over the energy rows).
pub(crate) fn arith_energy(rows: &[ArithRow], p: Precision, f: impl Fn(&ArithRow) -> f64) -> f64 {
    arith_lookup(rows, |r| &r.format, p, f)
}

/// SRAM energy per 64-bit read (or write) at `kib` capacity (pJ), log-log interpolated.
pub(crate) fn sram_pj_per_64b(rows: &[SramRow], kib: f64, write: bool) -> f64 {
    let mut pts: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| {
            (
                r.kib,
                if write {
                    r.write_pj_per_64b.unwrap_or(r.read_pj_per_64b)
                } else {
                    r.read_pj_per_64b
                },
            )
        })
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    loglog(&pts, kib)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> EnergyTable {
        EnergyTable::resolve("horowitz-45nm", None)
            .unwrap()
            .as_ref()
            .clone()
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
        assert!((sram_pj_per_64b(&t.sram, 8.0, false) - 10.0).abs() < 1e-9);
        assert!((sram_pj_per_64b(&t.sram, 32.0, false) - 20.0).abs() < 1e-9);
        assert!((sram_pj_per_64b(&t.sram, 1024.0, true) - 100.0).abs() < 1e-9);
    }

    #[test]
    fn interpolation_is_monotone_and_between_points() {
        let t = table();
        let m16 = arith_energy(&t.arith, Precision::Int(16), |r| r.mult_pj);
        assert!(
            (m16 - (0.2f64 * 3.1).sqrt()).abs() < 1e-9,
            "geometric midpoint: {m16}"
        );
        let s = sram_pj_per_64b(&t.sram, 100.0, false);
        assert!(s > 20.0 && s < 100.0);
        assert!(sram_pj_per_64b(&t.sram, 4096.0, false) > 100.0);
        let small = sram_pj_per_64b(&t.sram, 2.0, false);
        assert!(small < 10.0 && small > 0.0);
    }

    #[test]
    fn scaling_to_a_smaller_node_lowers_on_chip_energy_only() {
        let t = table();
        let (i8, i32) = (Precision::Int(8), Precision::Int(32));
        let m45 = t
            .model(Some(45), Some(DramInterface::Lpddr4), i8, i32)
            .unwrap();
        let m = t
            .model(Some(7), Some(DramInterface::Lpddr4), i8, i32)
            .unwrap();
        assert!(m.node_factor < 1.0);
        assert!(m.reg_pj_per_bit < m45.reg_pj_per_bit && m.mac_pj < m45.mac_pj);
        assert!(
            (m45.mac_pj - 0.3).abs() < 1e-12,
            "int8 mult 0.2 + int32 add 0.1"
        );
        assert_eq!(m.dram_read_pj_per_bit, m45.dram_read_pj_per_bit);
        assert!(t.model(Some(3), None, i8, i32).is_err());
        assert_eq!(
            t.model(None, Some(DramInterface::Ddr3), i8, i32)
                .unwrap()
                .dram_write_pj_per_bit,
            70.0
        );
    }

    #[test]
    fn bf16_and_fp8_rows_follow_the_significand_width_rule_and_the_cross_check() {
        let t = table();
        let row = |f: &str| t.arith.iter().find(|r| r.format == f).unwrap();
        let fp16 = row("fp16");
        for (f, sig) in [("bf16", 8.0), ("fp8e4m3", 4.0), ("fp8e5m2", 3.0)] {
            let r = row(f);
            let w = sig / 11.0;
            // Rounded to two or three significant digits in the table.
            assert!(
                (r.mult_pj / (fp16.mult_pj * w * w) - 1.0).abs() < 0.01,
                "{f}"
            );
            assert!((r.add_pj / (fp16.add_pj * w) - 1.0).abs() < 0.01, "{f}");
        }
        let mac = |op, acc| t.model(None, None, op, acc).unwrap().mac_pj;
        // tpu-v3-mxu-like: bf16 products into fp32.
        assert!((mac(Precision::Bf16, Precision::Fp32) - (0.58 + 0.9)).abs() < 1e-12);
        // van Baalen et al. 2023: FP8 MACs cost 1.5x-2.8x an int8 MAC.
        let ratio =
            mac(Precision::Fp8E4M3, Precision::Fp16) / mac(Precision::Int(8), Precision::Int(32));
        assert!((1.5..=2.8).contains(&ratio), "{ratio}");
    }

    #[test]
    fn per_buffer_whole_mac_and_split_dram_rows_override() {
        let text = r#"
name = "custom"
source = "test"
[register]
pj_per_bit = 0.001
source = "t"
[[mac]]
operand = "int8"
pj = 0.04
source = "t"
[[vector]]
operand = "int8"
pj = 0.05
source = "t"
[[buffer]]
buffer = "ifmap"
read_pj_per_64b = 13.0
write_pj_per_64b = 11.0
source = "t"
[[buffer]]
buffer = "filter"
read_pj_per_64b = 0.76
write_pj_per_64b = 0.76
source = "t"
[[buffer]]
buffer = "ofmap"
read_pj_per_64b = 13.0
write_pj_per_64b = 11.0
source = "t"
[[dram]]
read_pj_per_bit = 10.9
write_pj_per_bit = 11.7
source = "t"
"#;
        let t = EnergyTable::parse(text, "custom.toml").unwrap();
        let m = t
            .model(None, None, Precision::Int(8), Precision::Int(16))
            .unwrap();
        assert_eq!((m.mac_pj, m.vector_op_pj), (0.04, 0.05));
        assert_eq!(
            (m.dram_read_pj_per_bit, m.dram_write_pj_per_bit),
            (10.9, 11.7)
        );
        assert_eq!(m.sram_pj(Buffer::Ifmap, 1 << 30, 64, false), 13.0);
        assert_eq!(m.sram_pj(Buffer::Ofmap, 1, 32, true), 5.5);
        assert!(t
            .model(Some(7), None, Precision::Int(8), Precision::Int(16))
            .unwrap_err()
            .contains("names no process node"));
        assert!(t
            .model(None, None, Precision::Fp16, Precision::Fp32)
            .unwrap_err()
            .contains("no MAC energy for fp16"));
        let missing = text.replace("buffer = \"ofmap\"", "buffer = \"ofmapx\"");
        assert!(EnergyTable::parse(&missing, "m.toml")
            .unwrap_err()
            .to_string()
            .contains("ofmapx"));
    }
}
