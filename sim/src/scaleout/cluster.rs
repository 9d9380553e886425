//! Clusters of chips: the interconnect, its links and where the numbers come
//! from; the cluster TOML file (`designs/clusters/*.toml`) read and checked
//! once, with errors that name the file, line and field.

use crate::error::{InputError, Result};
use serde::Deserialize;
use std::path::Path;

/// How the chips of a cluster are connected, which fixes the all-reduce
/// algorithm the model assumes (docs/SCALEOUT.md has every formula).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interconnect {
    /// One ring through every chip (NCCL's ring; NVSwitch or PCIe switches
    /// make any ring order possible).
    Ring,
    /// NCCL's double binary tree.
    Tree,
    /// A 2-D torus with wraparound links, chips arranged as the most nearly
    /// square `x * y = n`.
    Torus2d,
    /// A 3-D torus with wraparound links (TPU v4, v5p), chips arranged as the
    /// most nearly cubic `x * y * z = n`.
    Torus3d,
    /// Nodes of `chips_per_node` chips on a fast link, nodes joined by a
    /// slower inter-node link: reduce-scatter inside each node, all-reduce
    /// across nodes, all-gather inside each node.
    Hierarchical,
}

impl Interconnect {
    /// Every interconnect, in the order docs list them.
    pub const ALL: [Interconnect; 5] = [
        Interconnect::Ring,
        Interconnect::Tree,
        Interconnect::Torus2d,
        Interconnect::Torus3d,
        Interconnect::Hierarchical,
    ];

    /// The name used in cluster files: `ring`, `tree`, `torus2d`, `torus3d`,
    /// `hierarchical`.
    pub fn name(self) -> &'static str {
        match self {
            Interconnect::Ring => "ring",
            Interconnect::Tree => "tree",
            Interconnect::Torus2d => "torus2d",
            Interconnect::Torus3d => "torus3d",
            Interconnect::Hierarchical => "hierarchical",
        }
    }

    /// The interconnect called `s` (exact name), if any.
    pub fn parse(s: &str) -> Option<Interconnect> {
        Interconnect::ALL.into_iter().find(|i| i.name() == s)
    }

    /// Dimensions of the torus (2 or 3), or `None` for other interconnects.
    pub fn torus_dims(self) -> Option<usize> {
        match self {
            Interconnect::Torus2d => Some(2),
            Interconnect::Torus3d => Some(3),
            _ => None,
        }
    }
}

impl std::fmt::Display for Interconnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One kind of link, in SI units.
///
/// `bytes_per_s` is the bandwidth **per chip, per direction** that one step
/// of a collective can use: for a ring, tree or hierarchical cluster, all of
/// a chip's links on that fabric together (an A100's 12 NVLink3 links: 12 x
/// 25 GB/s = 300 GB/s, the NCCL-tests "bus bandwidth" peak); for a torus,
/// **one** link to one neighbour (a chip has two per dimension).
/// `latency_s` is the α of the α-β model: the fixed cost of one step of a
/// collective algorithm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// Bytes per second, per chip (torus: per link), per direction.
    pub bytes_per_s: f64,
    /// Seconds per algorithm step (α).
    pub latency_s: f64,
}

impl Link {
    /// A link of `gbytes_per_s` GB/s (10^9 bytes per second) and
    /// `latency_us` microseconds per step.
    pub fn new(gbytes_per_s: f64, latency_us: f64) -> Link {
        Link {
            bytes_per_s: gbytes_per_s * 1e9,
            latency_s: latency_us * 1e-6,
        }
    }
}

/// A cluster of chips for data-parallel training: how they are connected,
/// and the cited figures of the links. Build one with [`Cluster::parse`],
/// [`Cluster::load`] or [`super::preset`]; a cluster built in code is checked
/// by [`Cluster::check`] when a [`super::Group`] is made from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Short identifier, e.g. `nvlink4-h100`.
    pub name: String,
    /// One line describing it.
    pub description: String,
    /// Where every figure comes from.
    pub source: String,
    /// How the chips are connected.
    pub interconnect: Interconnect,
    /// Chips that share a node (host, board or NVSwitch domain). Only
    /// `hierarchical` clusters compute with it; others keep it as a fact.
    pub chips_per_node: u32,
    /// Most chips the interconnect can join (`None`: no limit).
    pub max_chips: Option<u32>,
    /// The chips' link (inside a node, for `hierarchical`).
    pub link: Link,
    /// The link between nodes: present exactly for `hierarchical`.
    /// `bytes_per_s` is per chip: each chip's share of its node's network
    /// (a DGX H100 has one 400 Gb/s NIC per GPU).
    pub inter_node: Option<Link>,
}

/// Largest chip count anything here accepts: far beyond any machine, small
/// enough that every count and product stays exact.
pub const MAX_CHIPS: u32 = 1 << 24;
/// Bandwidth range, GB/s: 1 MB/s to 1 PB/s.
pub const BANDWIDTH_GBYTES_PER_S: (f64, f64) = (1e-3, 1e6);
/// Largest latency, µs: one second.
pub const MAX_LATENCY_US: f64 = 1e6;

/// A field of a cluster with a bad value: its path in the cluster file, what
/// is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterFieldError {
    /// Dotted path of the field in the cluster file (`link.latency_us`).
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl ClusterFieldError {
    fn new(field: &'static str, message: impl Into<String>, help: impl Into<String>) -> Self {
        ClusterFieldError {
            field,
            message: message.into(),
            help: help.into(),
        }
    }

    /// As an [`InputError`] about `file`, pointing into `text` when given.
    pub fn into_input(self, file: &str, text: Option<&str>) -> InputError {
        let e = InputError::new("systolic::cluster::field", file, self.message)
            .field(self.field)
            .hint(self.help);
        match text.and_then(|t| crate::error::span_of(t, self.field, None).map(|s| (t, s))) {
            Some((t, span)) => e.span(t, span),
            None => e,
        }
    }
}

/// The cluster file as written (TOML), before checking.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    /// Short identifier.
    pub name: String,
    /// One line describing the cluster.
    #[serde(default)]
    pub description: String,
    /// Where the figures come from (every preset cites; optional in a
    /// user's file).
    #[serde(default)]
    pub source: String,
    /// `ring`, `tree`, `torus2d`, `torus3d` or `hierarchical`.
    pub interconnect: String,
    /// Chips per node (default 1).
    #[serde(default)]
    pub chips_per_node: Option<u32>,
    /// Most chips the interconnect joins (default: no limit).
    #[serde(default)]
    pub max_chips: Option<u32>,
    /// `[link]`: the chips' link (inside a node, for `hierarchical`).
    pub link: RawLink,
    /// `[inter_node]`: the link between nodes (`hierarchical` only).
    #[serde(default)]
    pub inter_node: Option<RawLink>,
}

/// `[link]` and `[inter_node]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawLink {
    /// GB/s (10^9 bytes per second) per chip (torus: per link), per direction.
    pub bandwidth_gbytes_per_s: f64,
    /// Microseconds per algorithm step (α).
    pub latency_us: f64,
}

const NAME_HELP: &str = "a cluster name is 1 to 64 letters, digits, `_`, `.` and `-`, starting with a letter, digit or `_` (e.g. `nvlink4-h100`)";

fn check_link(
    link: &Link,
    bandwidth: &'static str,
    latency: &'static str,
) -> std::result::Result<(), ClusterFieldError> {
    let gb = link.bytes_per_s / 1e9;
    let (lo, hi) = BANDWIDTH_GBYTES_PER_S;
    if !(gb.is_finite() && (lo..=hi).contains(&gb)) {
        return Err(ClusterFieldError::new(
            bandwidth,
            format!("bandwidth {gb} GB/s is out of range"),
            format!("give GB/s (10^9 bytes per second) per chip and direction, from {lo} to {hi}"),
        ));
    }
    let us = link.latency_s * 1e6;
    if !(us.is_finite() && (0.0..=MAX_LATENCY_US).contains(&us)) {
        return Err(ClusterFieldError::new(
            latency,
            format!("latency {us} µs is out of range"),
            format!("give microseconds per algorithm step, from 0 to {MAX_LATENCY_US}"),
        ));
    }
    Ok(())
}

impl Cluster {
    /// Checks every field: the name rule, positive finite bandwidths within
    /// [`BANDWIDTH_GBYTES_PER_S`], latencies from 0 to [`MAX_LATENCY_US`],
    /// chip counts from 1 to [`MAX_CHIPS`], and an inter-node link exactly
    /// when the interconnect is hierarchical.
    pub fn check(&self) -> std::result::Result<(), ClusterFieldError> {
        let name_ok = (1..=64).contains(&self.name.chars().count())
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            && !self.name.starts_with(['.', '-']);
        if !name_ok {
            return Err(ClusterFieldError::new(
                "name",
                format!("the cluster name {:?} is not allowed", self.name),
                NAME_HELP,
            ));
        }
        if !(1..=MAX_CHIPS).contains(&self.chips_per_node) {
            return Err(ClusterFieldError::new(
                "chips_per_node",
                format!("chips_per_node = {} is out of range", self.chips_per_node),
                format!("give 1 to {MAX_CHIPS} chips per node"),
            ));
        }
        if let Some(m) = self.max_chips {
            if !(1..=MAX_CHIPS).contains(&m) {
                return Err(ClusterFieldError::new(
                    "max_chips",
                    format!("max_chips = {m} is out of range"),
                    format!("give 1 to {MAX_CHIPS} chips, or leave max_chips out for no limit"),
                ));
            }
        }
        check_link(&self.link, "link.bandwidth_gbytes_per_s", "link.latency_us")?;
        match (self.interconnect, &self.inter_node) {
            (Interconnect::Hierarchical, Some(l)) => check_link(
                l,
                "inter_node.bandwidth_gbytes_per_s",
                "inter_node.latency_us",
            ),
            (Interconnect::Hierarchical, None) => Err(ClusterFieldError::new(
                "interconnect",
                "a hierarchical cluster needs an [inter_node] link",
                "add [inter_node] with bandwidth_gbytes_per_s and latency_us (e.g. InfiniBand NDR: 50 GB/s per GPU)",
            )),
            (other, Some(_)) => Err(ClusterFieldError::new(
                "inter_node",
                format!("[inter_node] is used only by hierarchical clusters, not {other}"),
                "remove [inter_node], or set interconnect = \"hierarchical\"",
            )),
            (_, None) => Ok(()),
        }
    }

    /// Parses and checks cluster TOML; `file` names it in errors, which
    /// point at the line and field at fault.
    pub fn parse(text: &str, file: &str) -> Result<Cluster> {
        let raw: RawCluster = toml::from_str(text).map_err(|e| {
            let message = e.message().to_string();
            let mut err = InputError::new("systolic::cluster::syntax", file, message.clone())
                .hint("see docs/SCALEOUT.md and designs/clusters/*.toml for every field");
            if let Some(field) = serde_field(&message) {
                err = err.field(field);
            }
            if let Some(span) = e.span() {
                err = err.span(text, span);
            }
            err
        })?;
        let field_err = |e: ClusterFieldError| e.into_input(file, Some(text));
        let interconnect = Interconnect::parse(&raw.interconnect).ok_or_else(|| {
            field_err(ClusterFieldError::new(
                "interconnect",
                format!("unknown interconnect `{}`", raw.interconnect),
                format!(
                    "use one of: {}",
                    Interconnect::ALL.map(Interconnect::name).join(", ")
                ),
            ))
        })?;
        let link = |l: &RawLink| Link::new(l.bandwidth_gbytes_per_s, l.latency_us);
        let cluster = Cluster {
            name: raw.name,
            description: raw.description,
            source: raw.source,
            interconnect,
            chips_per_node: raw.chips_per_node.unwrap_or(1),
            max_chips: raw.max_chips,
            link: link(&raw.link),
            inter_node: raw.inter_node.as_ref().map(link),
        };
        cluster.check().map_err(field_err)?;
        Ok(cluster)
    }

    /// Loads and checks a cluster file.
    pub fn load(path: &Path) -> Result<Cluster> {
        let text = crate::error::read_file(path)?;
        Cluster::parse(&text, &path.display().to_string())
    }

    /// A one-line summary: interconnect, link figures, chips per node.
    pub fn summary(&self) -> String {
        let l = |link: &Link| {
            // Rounded to what the presets give (1e-6 GB/s, 1e-6 µs), so that
            // 3.4 µs does not print as 3.3999999999999995.
            let r = |v: f64| (v * 1e6).round() / 1e6;
            format!(
                "{} GB/s, {} µs",
                r(link.bytes_per_s / 1e9),
                r(link.latency_s * 1e6)
            )
        };
        let mut s = format!(
            "{}: {} link {}; {} chips per node",
            self.name,
            self.interconnect,
            l(&self.link),
            self.chips_per_node
        );
        if let Some(i) = &self.inter_node {
            s.push_str(&format!("; inter-node {}", l(i)));
        }
        if let Some(m) = self.max_chips {
            s.push_str(&format!("; at most {m} chips"));
        }
        s
    }
}

/// The field a serde message is about: `unknown field `x`` and `missing
/// field `x`` name it.
fn serde_field(message: &str) -> Option<String> {
    for prefix in ["unknown field `", "missing field `"] {
        if let Some(rest) = message.split(prefix).nth(1) {
            return rest.split('`').next().map(str::to_string);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"name = "test"
source = "made up for a test"
interconnect = "ring"
chips_per_node = 8

[link]
bandwidth_gbytes_per_s = 300
latency_us = 2
"#;

    fn err(text: &str) -> String {
        Cluster::parse(text, "bad.toml").unwrap_err().to_string()
    }

    #[test]
    fn a_good_file_reads_in_si_units() {
        let c = Cluster::parse(GOOD, "good.toml").unwrap();
        assert_eq!(c.interconnect, Interconnect::Ring);
        assert_eq!(c.link.bytes_per_s, 300e9);
        assert!((c.link.latency_s - 2e-6).abs() < 1e-18);
        assert_eq!(c.chips_per_node, 8);
        assert_eq!(c.inter_node, None);
    }

    #[test]
    fn an_unknown_field_names_file_line_and_field() {
        let e = err(&GOOD.replace("latency_us = 2", "latency_us = 2\nlatncy = 3"));
        assert!(e.starts_with("bad.toml:9: field `latncy`"), "{e}");
        assert!(e.contains("unknown field `latncy`"), "{e}");
    }

    #[test]
    fn a_missing_field_is_named() {
        let e = err(&GOOD.replace("interconnect = \"ring\"\n", ""));
        assert!(
            e.contains("field `interconnect`") && e.contains("missing field"),
            "{e}"
        );
        // A source is optional in a user's file.
        let unsourced = GOOD.replace("source = \"made up for a test\"\n", "");
        assert!(Cluster::parse(&unsourced, "s.toml").is_ok());
    }

    #[test]
    fn a_bad_value_names_its_line_and_field_with_a_hint() {
        let e = Cluster::parse(&GOOD.replace("= 300", "= -1"), "bad.toml").unwrap_err();
        let crate::SimError::Input(i) = &e else {
            panic!("{e}")
        };
        assert_eq!(i.field.as_deref(), Some("link.bandwidth_gbytes_per_s"));
        assert_eq!(i.line, Some(7));
        assert!(i.help.as_deref().unwrap().contains("GB/s"));
        assert_eq!(i.code, "systolic::cluster::field");
    }

    #[test]
    fn interconnect_names_are_checked() {
        let e = err(&GOOD.replace("\"ring\"", "\"rign\""));
        assert!(
            e.starts_with("bad.toml:3: field `interconnect`: unknown interconnect `rign`"),
            "{e}"
        );
    }

    #[test]
    fn inter_node_goes_with_hierarchical_only() {
        let e = err(&GOOD.replace("\"ring\"", "\"hierarchical\""));
        assert!(e.contains("needs an [inter_node] link"), "{e}");
        let extra = format!("{GOOD}\n[inter_node]\nbandwidth_gbytes_per_s = 50\nlatency_us = 5\n");
        let e = err(&extra);
        assert!(e.starts_with("bad.toml:10: field `inter_node`"), "{e}");
        let h = Cluster::parse(&extra.replace("\"ring\"", "\"hierarchical\""), "h.toml").unwrap();
        assert_eq!(h.inter_node, Some(Link::new(50.0, 5.0)));
    }

    #[test]
    fn names_latencies_and_counts_are_checked() {
        assert!(err(&GOOD.replace("\"test\"", "\"a/b\"")).contains("field `name`"));
        assert!(err(&GOOD.replace("latency_us = 2", "latency_us = -2")).contains("latency"));
        assert!(err(&GOOD.replace("= 8", "= 0")).contains("field `chips_per_node`"));
        let nan = GOOD.replace("= 300", "= nan");
        assert!(err(&nan).contains("field `link.bandwidth_gbytes_per_s`"));
    }

    #[test]
    fn interconnects_round_trip_their_names() {
        for i in Interconnect::ALL {
            assert_eq!(Interconnect::parse(i.name()), Some(i));
        }
        assert_eq!(Interconnect::parse("Ring"), None);
    }
}
