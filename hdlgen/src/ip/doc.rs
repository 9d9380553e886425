//! The non-RTL files of a generated IP: file list, README, FuseSoC core.

use super::file::{SourceFile, MARK};
use crate::ast::{Dir, Module};
use crate::rtl::Config;
use crate::text::{html_comment, markdown_code, one_line};
use sim::design::{Dim, Edge, Operand};
use std::fmt::Write;

/// File list, README and FuseSoC core of the IP whose RTL is `modules`
/// (leaves first, the top last).
pub(super) fn extra_files(cfg: &Config, modules: &[Module]) -> Vec<SourceFile> {
    let names: Vec<String> = modules.iter().map(|m| format!("{}.v", m.name)).collect();
    let mut list = format!(
        "// {MARK}: RTL files of {}, leaves first.\n",
        one_line(&cfg.design)
    );
    for n in &names {
        let _ = writeln!(list, "{n}");
    }
    let mut core = format!(
        "CAPI=2:\n# {MARK} from design `{}`.\nname: systolic:ip:{}:0.1.0\ndescription: {}x{} {} systolic array (int{} operands, int{} accumulators)\n\nfilesets:\n  rtl:\n    file_type: verilogSource\n    files:\n",
        one_line(&cfg.design), cfg.prefix, cfg.rows, cfg.cols, cfg.dataflow.long_name(), cfg.opw, cfg.accw
    );
    for n in &names {
        let _ = writeln!(core, "      - {n}");
    }
    // The IP (AXI4-Lite + AXI4 master) is the default target; the core
    // (command/status and host ports) stays a target of its own.
    let top = cfg.name("ip");
    let _ = write!(
        core,
        "\ntargets:\n  default:\n    filesets: [rtl]\n    toplevel: {top}\n    # AXI4-Lite slave s_axi_* (registers: docs/IP.md of the systolic repository),\n    # AXI4 master m_axi_* ({} data bits), irq.\n  core:\n    filesets: [rtl]\n    toplevel: {}\n",
        cfg.dw * 8,
        cfg.top()
    );
    let _ = write!(
        core,
        "  lint:\n    default_tool: verilator\n    filesets: [rtl]\n    toplevel: {top}\n    tools:\n      verilator:\n        mode: lint-only\n        verilator_options: [-Wall]\n"
    );
    vec![
        SourceFile {
            name: "files.f".into(),
            text: list,
        },
        SourceFile {
            name: format!("{}.core", cfg.prefix),
            text: core,
        },
        SourceFile {
            name: "README.md".into(),
            text: readme(cfg, modules),
        },
    ]
}

fn lower(d: Dim) -> char {
    match d {
        Dim::M => 'm',
        Dim::K => 'k',
        Dim::N => 'n',
    }
}

/// One line per buffer: which element each lane of each line holds, from
/// the dataflow's roles (the layouts `check::lines` packs).
fn layout(cfg: &Config) -> String {
    let mut s = String::new();
    for (buf, op) in Operand::ALL.into_iter().enumerate() {
        let l = cfg.roles.layout(op);
        let (d0, d1) = op.dims();
        let other = if l.lane == d0 { d1 } else { d0 };
        let (lane, size) = match l.edge {
            Edge::Rows => ('i', cfg.rows),
            Edge::Cols => ('j', cfg.cols),
        };
        let tile = format!("{}t", lower(l.lane));
        let at = |d: Dim| {
            if d == l.lane {
                format!("{tile}*{size} + {lane}")
            } else {
                lower(d).to_string()
            }
        };
        let lanes = if op == Operand::C {
            String::new()
        } else {
            format!(" ({} lanes)", cfg.lanes(op))
        };
        let _ = writeln!(
            s,
            "- {op:?} (host_buf {buf}): line `{tile}*{} + {}` holds `{op:?}[{}][{}]` in lane {lane}{lanes}.",
            lower(other).to_ascii_uppercase(),
            lower(other),
            at(d0),
            at(d1)
        );
    }
    s
}

fn ports_table(s: &mut String, m: &Module) {
    s.push_str("| port | dir | bits | meaning |\n|---|---|---|---|\n");
    for p in &m.ports {
        let bits = p
            .range
            .as_ref()
            .map(|r| {
                format!(
                    "[{}:{}]",
                    crate::print::top(&r.msb),
                    crate::print::top(&r.lsb)
                )
            })
            .unwrap_or_else(|| "1".into());
        let dir = if p.dir == Dir::Input { "in" } else { "out" };
        let _ = writeln!(s, "| `{}` | {dir} | {bits} | {} |", p.name, p.doc);
    }
}

fn readme(cfg: &Config, modules: &[Module]) -> String {
    let (r, c) = (cfg.rows, cfg.cols);
    let top = modules
        .iter()
        .find(|m| m.name == cfg.top())
        .expect("the core top module");
    let ip = modules.iter().find(|m| m.name == cfg.name("ip"));
    debug_assert!(
        ip.is_some() || cfg.sparse.is_some(),
        "every dense design has the IP"
    );
    let mut s = format!(
        "# {}: {r}x{c} {} systolic array\n\n<!-- {MARK} from design `{}`; regenerate with `systolic gen --design {}`. -->\n\n",
        markdown_code(&ip.map_or_else(|| cfg.top(), |m| m.name.clone())),
        cfg.dataflow.long_name(),
        html_comment(&cfg.design),
        html_comment(&cfg.design)
    );
    let _ = write!(
        s,
        "int{} operands, int{} accumulators ({}), {} bank(s) per buffer. Synthesizable Verilog-2001: \
no latches, delays or initial blocks; buffers are simple dual-port SRAMs with synchronous reads \
(block RAM). Cycle behaviour is docs/TIMING.md of the systolic repository, checked by `systolic verify`.\n\n",
        cfg.opw,
        cfg.accw,
        if cfg.sat { "saturating" } else { "two's-complement wrap" },
        cfg.banks
    );
    if let Some(sp) = cfg.sparse {
        let (n, m, ib) = (sp.n, sp.m, sp.index_bits());
        let _ = write!(
            s,
            "## Sparse weights: {sp}

B holds at most {n} nonzero weights in every {m} along K (`systolic prune` makes them so). It is stored compressed: for each group of {m} rows of B, {n} rows of words, each the kept value's {} bits with its {ib}-bit position in the group above them (padding slots: value 0, index 0); the B buffer holds these K' = ceil(K / {m}) x {n} rows as a dense design holds B's K rows. Each A line carries, for the {} groups of a row fold, the {m} activations of each (lane g x {m} + j is A[t][(fold x {} + g) x {m} + j]): the dense packing of A with {} lanes. Give the command K' as `cmd_k`. Each PE picks, with the index beside its stationary value, one of its group's {m} activations (a multiplexer, {m} words to 1, in front of its multiplier); the array otherwise runs the dense schedule over K' (docs/TIMING.md, \"Sparse weights\"). There is no AXI IP around this core: its DMA and tile model move dense lines.\n\n",
            cfg.opw,
            cfg.rows / n,
            cfg.rows / n,
            cfg.lanes(sim::design::Operand::A),
        );
    }
    if let Some(ip) = ip {
        let _ = write!(
            s,
            "## The IP: {}\n\nThe top to integrate: an AXI4-Lite slave (`s_axi_*`: the registers of docs/IP.md of the systolic \
repository; `drivers/systolic.h` programs them) and an AXI4 master (`m_axi_*`, {} data bits, INCR bursts that never \
cross 4 KB) that moves A, B and C between DRAM and the buffers, so any GEMM runs whatever its size. Its cycles, \
DRAM schedule included, are docs/TIMING.md, \"The IP\". The names follow Vivado's interface inference.\n\n",
            markdown_code(&ip.name),
            cfg.dw * 8
        );
        ports_table(&mut s, ip);
        let _ = write!(
            s,
            "\n## The core: {}\n\nThe array, controller and buffers behind a command port and a host port: what the IP \
drives, and the co-simulation test hook.\n\n",
            markdown_code(&cfg.top())
        );
    }
    s.push_str("## Ports\n\n");
    ports_table(&mut s, top);
    s.push_str(
        "\n## Parameters (as generated)\n\n| parameter | value | meaning |\n|---|---|---|\n",
    );
    for p in &top.params {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} |",
            p.name,
            crate::print::top(&p.value),
            p.doc
        );
    }
    let layout = layout(cfg);
    let latency = if cfg.output_stationary() {
        format!(
            "Folds (row tile outer, column tile inner) stream K steps each; with s_0 = 1, \
D_f = max(s_f + K + {r} - 1, D_(f-1) + {r}), s_(f+1) = max(s_f + K, D_f + {r} + 1 - K), the GEMM takes \
D_last + {c} + {r} cycles. One fold alone (M <= {r}, N <= {c}): K + {} cycles.",
            2 * r + c
        )
    } else {
        format!(
            "Folds (column tile outer, row tile inner) stream T = {} vectors each; with L_0 = 1, s_0 = L_0 + {r}, \
L_(f+1) = max(s_f + {r} - 1, L_f + {r}), s_(f+1) = max(s_f + T, L_(f+1) + {r}, s_f + 2), the GEMM takes \
s_last + T + {} cycles. One fold alone: T + {} cycles; in steady state folds start max(T, {}) cycles apart.",
            lower(cfg.roles.time).to_ascii_uppercase(),
            r + c - 1,
            2 * r + c,
            2 * r - 1
        )
    };
    let _ = write!(
        s,
        "\n## Protocol\n\n\
1. Hold `rst` high for at least one cycle.\n\
2. Write the A and B lines through the host port (`host_we`, `host_buf`, `host_addr`, `host_wdata`; lane i of a \
line at bits `[i*w +: w]`, two's complement, unused lanes zero). {banks}\n\
3. Offer `cmd_op = 0` with `cmd_m`, `cmd_k`, `cmd_n` while `cmd_ready`; the GEMM starts the next cycle. A zero size \
is refused and raises `error`.\n\
4. `busy` is high for exactly the GEMM's cycles; `done` pulses once after.\n\
5. {read} C lines with `host_re`; data arrive on `host_rdata` the next cycle.\n\n\
Every size fits when its lines fit a bank: A {} lines, B {} lines, C {} lines per bank.\n\n\
## Layout\n\n{layout}\n## Latency\n\n{latency}\n",
        cfg.depth[0],
        cfg.depth[1],
        cfg.depth[2],
        banks = if cfg.banks == 2 {
            "Double-buffered: the host port reaches the bank the array does not use; `cmd_op = 1` swaps them (so \
the next GEMM's operands load while one runs)."
        } else {
            "Single-buffered: the host port reaches the buffers only while the array is idle."
        },
        read = if cfg.banks == 2 { "Swap banks (`cmd_op = 1`), then read" } else { "Read" },
    );
    s
}
