//! The non-RTL files of a generated IP: file list, README, FuseSoC core.

use crate::ast::Dir;
use crate::ip::{SourceFile, MARK};
use crate::rtl::{self, Config, Kind};
use std::fmt::Write;

/// File list, README and FuseSoC core of the IP.
pub fn extra_files(cfg: &Config) -> Vec<SourceFile> {
    let names: Vec<String> = rtl::modules(cfg)
        .iter()
        .map(|m| format!("{}.v", m.name))
        .collect();
    let mut list = format!("// {MARK}: RTL files of {}, leaves first.\n", cfg.design);
    for n in &names {
        let _ = writeln!(list, "{n}");
    }
    let mut core = format!(
        "CAPI=2:\n# {MARK} from design `{}`.\nname: systolic:ip:{}:0.1.0\ndescription: {}x{} {} systolic array (int{} operands, int{} accumulators)\n\nfilesets:\n  rtl:\n    file_type: verilogSource\n    files:\n",
        cfg.design, cfg.prefix, cfg.rows, cfg.cols, cfg.kind.word(), cfg.opw, cfg.accw
    );
    for n in &names {
        let _ = writeln!(core, "      - {n}");
    }
    let _ = write!(
        core,
        "\ntargets:\n  default:\n    filesets: [rtl]\n    toplevel: {top}\n  lint:\n    default_tool: verilator\n    filesets: [rtl]\n    toplevel: {top}\n    tools:\n      verilator:\n        mode: lint-only\n        verilator_options: [-Wall]\n",
        top = cfg.top()
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
            text: readme(cfg),
        },
    ]
}

fn readme(cfg: &Config) -> String {
    let top = rtl::top::top(cfg);
    let (r, c) = (cfg.rows, cfg.cols);
    let mut s = format!(
        "# `{}`: {r}x{c} {} systolic array\n\n<!-- {MARK} from design `{}`; regenerate with `systolic gen --design {}`. -->\n\n",
        cfg.top(),
        cfg.kind.word(),
        cfg.design,
        cfg.design
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
    s.push_str("## Ports\n\n| port | dir | bits | meaning |\n|---|---|---|---|\n");
    for p in &top.ports {
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
    let (a_lanes, b_lanes) = match cfg.kind {
        Kind::Ws | Kind::Os => (r, c),
        Kind::Is => (c, r),
    };
    let layout = match cfg.kind {
        Kind::Ws => format!(
            "- A (host_buf 0): line `kt*M + m` holds `A[m][kt*{r} + i]` in lane i ({a_lanes} lanes).\n\
- B (host_buf 1): line `nt*K + k` holds `B[k][nt*{c} + j]` in lane j ({b_lanes} lanes).\n\
- C (host_buf 2): line `nt*M + m` holds `C[m][nt*{c} + j]` in lane j.\n"
        ),
        Kind::Is => format!(
            "- A (host_buf 0): line `mt*K + k` holds `A[mt*{c} + j][k]` in lane j ({a_lanes} lanes).\n\
- B (host_buf 1): line `kt*N + n` holds `B[kt*{r} + i][n]` in lane i ({b_lanes} lanes).\n\
- C (host_buf 2): line `mt*N + n` holds `C[mt*{c} + j][n]` in lane j.\n"
        ),
        Kind::Os => format!(
            "- A (host_buf 0): line `mt*K + k` holds `A[mt*{r} + i][k]` in lane i ({a_lanes} lanes).\n\
- B (host_buf 1): line `nt*K + k` holds `B[k][nt*{c} + j]` in lane j ({b_lanes} lanes).\n\
- C (host_buf 2): line `nt*M + m` holds `C[m][nt*{c} + j]` in lane j.\n"
        ),
    };
    let latency = match cfg.kind {
        Kind::Os => format!(
            "Folds (row tile outer, column tile inner) stream K steps each; with s_0 = 1, \
D_f = max(s_f + K + {r} - 1, D_(f-1) + {r}), s_(f+1) = max(s_f + K, D_f + {r} + 1 - K), the GEMM takes \
D_last + {c} + {r} cycles. One fold alone (M <= {r}, N <= {c}): K + {} cycles.",
            2 * r + c
        ),
        _ => format!(
            "Folds (column tile outer, row tile inner) stream T = {} vectors each; with L_0 = 1, s_0 = L_0 + {r}, \
L_(f+1) = max(s_f + {r} - 1, L_f + {r}), s_(f+1) = max(s_f + T, L_(f+1) + {r}, s_f + 2), the GEMM takes \
s_last + T + {} cycles. One fold alone: T + {} cycles; in steady state folds start max(T, {}) cycles apart.",
            if cfg.kind == Kind::Ws { "M" } else { "N" },
            r + c - 1,
            2 * r + c,
            2 * r - 1
        ),
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
