//! Place and route with nextpnr to measure Fmax. The synthesized top is
//! wrapped in a harness with four pins (clock, serial in, load, serial out):
//! every top-level input is driven by a shift register and every output is
//! captured into one, so any top fits any package and every path that is
//! timed starts and ends at a register, as it would inside a chip.

use super::error::SynthError;
use super::job::Job;
use super::stages::{Flow, StageTime, Stages};
use super::target::{Device, Target};
use super::yosys::{self, is_identifier, Port};
use crate::progress;
use crate::tools::{self, Tool};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Name of the harness module.
pub const HARNESS: &str = "systolic_pnr_harness";
const HARNESS_V: &str = "harness.v";
const HARNESS_YS: &str = "harness.ys";
const HARNESS_LOG: &str = "harness.log";
const PNR_NETLIST: &str = "pnr.json";
const PNR_LOG: &str = "nextpnr.log";
const PNR_REPORT: &str = "nextpnr-report.json";

/// Clock port names tried, in order, when none is given.
pub const CLOCK_NAMES: [&str; 8] = [
    "clk", "clock", "clk_i", "i_clk", "aclk", "clock_i", "i_clock", "clk_in",
];

/// One resource of the placed design, as nextpnr counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Utilization {
    /// Used, harness included.
    pub used: u64,
    /// On the device.
    pub available: u64,
}

/// What place and route measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    /// Highest clock frequency the routed design meets, MHz.
    pub fmax_mhz: f64,
    /// Frequency nextpnr aimed at (`--freq`), MHz.
    pub target_mhz: f64,
    /// Package placed into.
    pub package: String,
    /// Input bits of the top driven by the harness's input shift register.
    pub harness_input_bits: u64,
    /// Output bits of the top captured by the harness's output shift register.
    pub harness_output_bits: u64,
    /// nextpnr's utilization of every resource type, harness included.
    pub utilization: BTreeMap<String, Utilization>,
}

/// Picks the clock among the top's inputs.
fn clock_port<'p>(
    ports: &'p [Port],
    top: &str,
    given: Option<&str>,
) -> Result<&'p Port, SynthError> {
    let inputs: Vec<&Port> = ports.iter().filter(|p| p.direction == "input").collect();
    let found = match given {
        Some(name) => inputs.iter().find(|p| p.name == name && p.width == 1),
        None => CLOCK_NAMES
            .iter()
            .find_map(|n| inputs.iter().find(|p| p.name == *n && p.width == 1)),
    };
    found.copied().ok_or_else(|| SynthError::NoClock {
        top: top.to_string(),
        tried: given.map_or_else(
            || CLOCK_NAMES.map(|n| format!("`{n}`")).join(", "),
            |g| format!("`{g}`"),
        ),
        inputs: {
            let one: Vec<&str> = inputs
                .iter()
                .filter(|p| p.width == 1)
                .map(|p| p.name.as_str())
                .collect();
            if one.is_empty() {
                "(none)".into()
            } else {
                one.join(", ")
            }
        },
    })
}

/// A Verilog identifier for `name` (escaped when it is not a plain one).
fn ident(name: &str) -> String {
    if is_identifier(name) && !name.contains('$') {
        name.to_string()
    } else {
        format!("\\{name} ")
    }
}

/// The harness around `top`; returns its text and the input and output bits.
pub(crate) fn harness(top: &str, ports: &[Port], clock: &str) -> (String, u64, u64) {
    let n_in: usize = ports
        .iter()
        .filter(|p| p.direction == "input" && p.name != clock)
        .map(|p| p.width)
        .sum();
    let n_out: usize = ports
        .iter()
        .filter(|p| p.direction == "output")
        .map(|p| p.width)
        .sum();
    let mut v = format!(
        "// Place-and-route harness written by `systolic synth`: {n_in} input bits of `{top}`\n\
         // come from a shift register fed by `din`; its {n_out} output bits are loaded into a\n\
         // shift register read out through `dout`.\n\
         module {HARNESS} (\n    input  wire clk,\n    input  wire din,\n    input  wire load,\n    output wire dout\n);\n"
    );
    if n_in > 0 {
        let _ = writeln!(v, "    reg [{}:0] in_sr;", n_in - 1);
        if n_in == 1 {
            v.push_str("    always @(posedge clk) in_sr <= din;\n");
        } else {
            let _ = writeln!(
                v,
                "    always @(posedge clk) in_sr <= {{in_sr[{}:0], din}};",
                n_in - 2
            );
        }
    }
    if n_out > 0 {
        let _ = writeln!(v, "    wire [{}:0] out_w;", n_out - 1);
        let _ = writeln!(v, "    reg [{}:0] out_sr;", n_out - 1);
        if n_out == 1 {
            v.push_str("    always @(posedge clk) out_sr <= load ? out_w : 1'b0;\n");
        } else {
            let _ = writeln!(
                v,
                "    always @(posedge clk) out_sr <= load ? out_w : {{1'b0, out_sr[{}:1]}};",
                n_out - 1
            );
        }
        v.push_str("    assign dout = out_sr[0];\n");
    } else {
        v.push_str("    assign dout = 1'b0;\n");
    }
    let mut conns = Vec::new();
    let (mut i, mut o) = (0, 0);
    for p in ports {
        let bits = |base: usize, w: usize, bus: &str| format!("{bus}[{}:{base}]", base + w - 1);
        let net = match p.direction.as_str() {
            "input" if p.name == clock => "clk".to_string(),
            "input" => {
                i += p.width;
                bits(i - p.width, p.width, "in_sr")
            }
            "output" => {
                o += p.width;
                bits(o - p.width, p.width, "out_w")
            }
            _ => String::new(),
        };
        conns.push(format!("        .{}({net})", ident(&p.name)));
    }
    let _ = writeln!(
        v,
        "    {} u_top (\n{}\n    );",
        ident(top),
        conns.join(",\n")
    );
    v.push_str("endmodule\n");
    (v, n_in as u64, n_out as u64)
}

/// Refuses before placing when the netlist needs more DSPs, block RAMs or
/// LUTs than `device` has.
pub(crate) fn precheck(
    top: &str,
    target: Target,
    device: &Device,
    luts: u64,
    dsps: u64,
    brams: u64,
) -> Result<(), SynthError> {
    let (dsp_name, bram_name) = target.primitive_names();
    let mut over = Vec::new();
    if dsps > device.dsps {
        over.push(format!(
            "needs {dsps} DSPs ({dsp_name}), the {} has {}",
            device.name, device.dsps
        ));
    }
    if brams > device.block_rams {
        over.push(format!(
            "needs {brams} block RAMs ({bram_name}), the {} has {}",
            device.name, device.block_rams
        ));
    }
    if luts > device.logic_cells {
        over.push(format!(
            "needs {luts} LUTs, the {} has {}",
            device.name, device.logic_cells
        ));
    }
    if over.is_empty() {
        return Ok(());
    }
    Err(SynthError::DoesNotFit {
        top: top.to_string(),
        target,
        device: device.name.to_string(),
        summary: over.join("; "),
        utilization: String::new(),
        hint: bigger_devices(target, |d| {
            d.dsps >= dsps && d.block_rams >= brams && d.logic_cells >= luts
        }),
    })
}

fn bigger_devices(target: Target, fits: impl Fn(&Device) -> bool) -> String {
    let fit: Vec<&str> = target
        .device_names()
        .into_iter()
        .filter(|n| {
            target
                .device(Some(n))
                .ok()
                .flatten()
                .is_some_and(|d| fits(&d))
        })
        .collect();
    if fit.is_empty() {
        format!(
            "no {target} device is large enough; synthesize for a larger family (--target ecp5 --device 85k, or --target xilinx) or a smaller design"
        )
    } else {
        format!(
            "pick a device with enough resources with --device ({}), or synthesize a smaller design",
            fit.join(", ")
        )
    }
}

#[derive(Deserialize)]
struct ReportJson {
    #[serde(default)]
    fmax: BTreeMap<String, FmaxJson>,
    #[serde(default)]
    utilization: BTreeMap<String, Utilization>,
}

#[derive(Deserialize)]
struct FmaxJson {
    achieved: f64,
}

/// `Device utilisation:` lines of a nextpnr log: (resource, used, available).
fn utilisation_lines(log: &str) -> Vec<(String, u64, u64)> {
    let mut rows = Vec::new();
    let mut lines = log.lines();
    while let Some(l) = lines.next() {
        if !l.contains("Device utilisation:") {
            continue;
        }
        rows.clear();
        for l in lines.by_ref() {
            let body = l.trim_start_matches("Info:").trim();
            let Some((name, rest)) = body.split_once(':') else {
                break;
            };
            let Some((used, avail)) = rest.split_once('/') else {
                break;
            };
            let avail = avail.split_whitespace().next().unwrap_or("");
            match (used.trim().parse(), avail.parse()) {
                (Ok(u), Ok(a)) => rows.push((name.trim().to_string(), u, a)),
                _ => break,
            }
        }
    }
    rows
}

/// Synthesizes the harness around the netlist, places and routes it;
/// returns the placement and the seconds of the stages (the harness, then
/// nextpnr's).
pub(crate) fn place_and_route(
    job: &Job,
    device: &Device,
    yosys_exe: &Path,
    tool: Tool,
    exe: &Path,
) -> Result<(Placement, Vec<StageTime>), SynthError> {
    let dir = job.workdir;
    let ports = yosys::read_ports(&dir.join(yosys::NETLIST), job.top)?;
    let clock = clock_port(&ports, job.top, job.opts.clock.as_deref())?;
    let (text, n_in, n_out) = harness(job.top, &ports, &clock.name);
    for f in [
        HARNESS_V,
        HARNESS_YS,
        HARNESS_LOG,
        PNR_NETLIST,
        PNR_LOG,
        PNR_REPORT,
    ] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(SynthError::io("write", &p))
    };
    write(HARNESS_V, &text)?;
    let synth = match job.target {
        Target::Ecp5 => "synth_ecp5",
        _ if device.dsps > 0 => "synth_ice40 -dsp",
        _ => "synth_ice40",
    };
    write(
        HARNESS_YS,
        &format!(
            "read_json {}\nread_verilog {HARNESS_V}\n{synth} -top {HARNESS} -json {PNR_NETLIST}\n",
            yosys::NETLIST
        ),
    )?;
    let args = ["-q", "-l", HARNESS_LOG, "-s", HARNESS_YS].map(String::from);
    let (run, mut stages) = progress::step(
        job.progress,
        "synthesizing the place-and-route harness with Yosys",
        || {
            yosys::watch(
                Flow::Harness,
                yosys_exe,
                &args,
                dir,
                &dir.join(HARNESS_LOG),
                job.progress,
            )
        },
    )?;
    if !run.ok {
        return Err(SynthError::ToolFailed {
            tool: "yosys".into(),
            step: "synthesizing the place-and-route harness",
            excerpt: tools::excerpt(&run.output(), Some(&dir.join(HARNESS_LOG))),
            status: run.status,
            log: dir.join(HARNESS_LOG),
        });
    }
    let target_mhz = job.opts.target_mhz.unwrap_or(12.0);
    let mut args: Vec<String> = vec![
        format!("--{}", device.pnr_flag),
        "--package".into(),
        device.package.into(),
        "--json".into(),
        PNR_NETLIST.into(),
        "--report".into(),
        PNR_REPORT.into(),
        "--freq".into(),
        format!("{target_mhz}"),
        "--seed".into(),
        "1".into(),
        "--timing-allow-fail".into(),
        "-q".into(),
        "-l".into(),
        PNR_LOG.into(),
    ];
    if job.target == Target::Ice40 {
        args.push("--pcf-allow-unconstrained".into());
    }
    let what = format!(
        "placing and routing for {} {} with {}",
        job.target,
        device.name,
        tool.name()
    );
    let log_path = dir.join(PNR_LOG);
    let run = progress::step(job.progress, &what, || {
        let mut pnr = Stages::begin(Flow::Nextpnr, job.progress);
        let run = tool.run_watching(exe, &args, Some(dir), &log_path, &mut |l| pnr.line(l));
        stages.extend(pnr.finish(run.as_ref().is_ok_and(|r| r.ok)));
        run
    })?;
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let util = utilisation_lines(&log);
    if !run.ok {
        let over: Vec<String> = util
            .iter()
            .filter(|(_, u, a)| u > a)
            .map(|(n, u, a)| {
                format!(
                    "{n} {u}/{a} ({:.0}%)",
                    100.0 * *u as f64 / (*a).max(1) as f64
                )
            })
            .collect();
        if !over.is_empty() || log.contains("no BELs remaining") {
            let table = util
                .iter()
                .map(|(n, u, a)| format!("  {n:>16}: {u:>6}/{a:>6}"))
                .collect::<Vec<_>>()
                .join("\n");
            let lcs = util
                .iter()
                .find(|(n, _, _)| n == "ICESTORM_LC" || n == "TRELLIS_COMB")
                .map_or(0, |r| r.1);
            return Err(SynthError::DoesNotFit {
                top: job.top.to_string(),
                target: job.target,
                device: device.name.to_string(),
                summary: if over.is_empty() {
                    "nextpnr ran out of room placing it".into()
                } else {
                    over.join(", ")
                },
                utilization: format!(
                    "nextpnr's utilization (the harness adds {} flip-flops):\n{table}",
                    n_in + n_out
                ),
                hint: bigger_devices(job.target, |d| d.logic_cells >= lcs),
            });
        }
        return Err(SynthError::ToolFailed {
            tool: tool.name().into(),
            step: "placing and routing",
            excerpt: tools::excerpt(&run.output(), Some(&log_path)),
            status: run.status,
            log: log_path,
        });
    }
    let report_path = dir.join(PNR_REPORT);
    let bad = |message: String| SynthError::ToolOutput {
        tool: tool.name().into(),
        path: report_path.clone(),
        message,
    };
    let text =
        std::fs::read_to_string(&report_path).map_err(SynthError::io("read", &report_path))?;
    let report: ReportJson =
        serde_json::from_str(&text).map_err(|e| bad(format!("not a nextpnr report: {e}")))?;
    // The harness has one clock; nextpnr may add pseudo-clocks for DSPs
    // whose clock pins are tied off (`$PACKER_GND_NET`).
    let fmax_mhz = report
        .fmax
        .iter()
        .filter(|(net, _)| !net.contains("PACKER_"))
        .map(|(_, f)| f.achieved)
        .fold(None, |m: Option<f64>, f| Some(m.map_or(f, |m| m.min(f))))
        .ok_or_else(|| bad("no Fmax for the clock".into()))?;
    let placement = Placement {
        fmax_mhz,
        target_mhz,
        package: device.package.to_string(),
        harness_input_bits: n_in,
        harness_output_bits: n_out,
        utilization: report.utilization,
    };
    Ok((placement, stages))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(name: &str, direction: &str, width: usize) -> Port {
        Port {
            name: name.into(),
            direction: direction.into(),
            width,
        }
    }

    #[test]
    fn harness_connects_every_bit_once() {
        let ports = [
            port("a", "input", 3),
            port("clk", "input", 1),
            port("en", "input", 1),
            port("y", "output", 4),
            port("z", "output", 1),
        ];
        let (v, n_in, n_out) = harness("top", &ports, "clk");
        assert_eq!((n_in, n_out), (4, 5));
        for want in [
            ".a(in_sr[2:0])",
            ".clk(clk)",
            ".en(in_sr[3:3])",
            ".y(out_w[3:0])",
            ".z(out_w[4:4])",
            "in_sr <= {in_sr[2:0], din}",
            "out_sr <= load ? out_w : {1'b0, out_sr[4:1]}",
            "top u_top (",
        ] {
            assert!(v.contains(want), "{want} in\n{v}");
        }
    }

    #[test]
    fn harness_of_one_bit_ports_has_no_empty_ranges() {
        let ports = [
            port("clk", "input", 1),
            port("d", "input", 1),
            port("q", "output", 1),
        ];
        let (v, _, _) = harness("t", &ports, "clk");
        assert!(
            v.contains("in_sr <= din;") && v.contains("load ? out_w : 1'b0;"),
            "{v}"
        );
        assert!(!v.contains("[-1"), "{v}");
    }

    #[test]
    fn clock_is_found_by_name_or_refused_listing_the_inputs() {
        let ports = [
            port("rst", "input", 1),
            port("clock", "input", 1),
            port("d", "input", 8),
        ];
        assert_eq!(clock_port(&ports, "t", None).unwrap().name, "clock");
        let e = clock_port(&ports, "t", Some("clk"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`clk`") && e.contains("rst, clock"), "{e}");
    }

    #[test]
    fn utilisation_is_read_from_the_last_table() {
        let log = "Info: Device utilisation:\nInfo: \t ICESTORM_LC:  1/ 10   10%\n\nInfo: Device utilisation:\nInfo: \t         ICESTORM_LC:  3048/ 1280   238%\nInfo: \t        ICESTORM_RAM:     1/   16     6%\n\nInfo: Placed 0 cells\n";
        assert_eq!(
            utilisation_lines(log),
            [
                ("ICESTORM_LC".to_string(), 3048, 1280),
                ("ICESTORM_RAM".to_string(), 1, 16)
            ]
        );
    }
}
