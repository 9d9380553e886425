//! `ip`: the accelerator IP of docs/IP.md: an AXI4-Lite register file, the
//! sequencer that cuts a GEMM into core GEMMs, an AXI4 master DMA (four
//! [`super::walk`] walkers) and the core (`top` with `EXT = 1`). Its cycle
//! contract is docs/TIMING.md, "The IP".

use super::config::Config;
use super::walk::NW;
use crate::ast::*;
use sim::Dataflow;

mod dma;
/// Register offsets of docs/IP.md.
pub mod regs;
mod seq;

/// Bits of the performance counters.
const CNTW: u32 = 48;

fn ceil8(bits: u32) -> u64 {
    u64::from(bits).div_ceil(8)
}

/// Operand and accumulator bytes in DRAM.
pub fn elem_bytes(cfg: &Config) -> (u64, u64) {
    (ceil8(cfg.opw), ceil8(cfg.accw))
}

fn z32(e: Expr) -> Expr {
    concat(vec![sized(16, 0), e])
}

fn u32c(v: u64) -> Expr {
    sized(32, v)
}

fn min32(a: Expr, b: Expr) -> Expr {
    a.clone().lt(b.clone()).tern(a, b)
}

/// A register of `w` bits.
fn regw(n: &str, w: u32) -> Item {
    reg(n, bits(i64::from(w)))
}

/// The values derived from the [`Config`] that the sections share.
struct Ctx<'a> {
    cfg: &'a Config,
    r: u64,
    c: u64,
    /// Operand and accumulator bytes in DRAM.
    ob: u64,
    cb: u64,
    /// AXI data bytes and their log2.
    dw: u64,
    dwl: u64,
    ws: bool,
    os: bool,
    /// Lines per bank of A, B, C.
    depth: [u64; 3],
    /// Stationary and streamed buffers (0 A, 1 B) and their depths.
    sbuf: u64,
    xbuf: u64,
    sdepth: u64,
    xdepth: u64,
    cdepth: u64,
    dbl: bool,
    /// Bytes of the longest operand line.
    lbmax: u64,
    /// Bytes of a C line in DRAM.
    clb: u64,
    /// Bits of the core's host data.
    hw: i64,
    /// Bits of a bit index into the assembled read line and into the head line's bytes.
    rlw: i64,
    hbw: i64,
    /// Address and stride registers of part 0 ("s_*") and part 1 ("x_*").
    sa: &'static str,
    ss: &'static str,
    xa: &'static str,
    xs: &'static str,
    /// The core command's M, K, N.
    cmds: [&'static str; 3],
    /// (lines, lanes, lanes per line) of each part.
    p0: (&'static str, &'static str, u64),
    p1: (&'static str, &'static str, u64),
}

impl<'a> Ctx<'a> {
    fn new(cfg: &'a Config) -> Self {
        let (r, c) = (u64::from(cfg.rows), u64::from(cfg.cols));
        let (ob, cb) = elem_bytes(cfg);
        let dw = cfg.dw;
        let dwl = u64::from(dw.trailing_zeros());
        let ws = cfg.dataflow == Dataflow::Ws;
        let os = cfg.dataflow == Dataflow::Os;
        let depth = cfg.depth;
        // Stationary and streamed buffers (0 A, 1 B) and their depths.
        // The job's two parts: ws the stationary B then the streamed A; is the
        // stationary A then the streamed B; os A then B (both streamed).
        let (sbuf, xbuf) = if ws { (1u64, 0u64) } else { (0, 1) };
        let (sdepth, xdepth, cdepth) = (depth[sbuf as usize], depth[xbuf as usize], depth[2]);
        let dbl = cfg.banks == 2;
        let lbmax = r.max(c) * ob; // bytes of the longest operand line
        let clb = c * cb; // bytes of a C line in DRAM
        let hw = cfg.host_w() as i64;
        let idx_bits = |n: u64| (64 - (n - 1).leading_zeros()).max(1) as i64;
        let rlw = idx_bits(lbmax * 8);
        let hbw = idx_bits(clb * 8);
        // Part 0 ("s_*" registers) and part 1 ("x_*"): see (sbuf, xbuf).
        let sa = if ws { "r_ba" } else { "r_aa" };
        let ss = if ws { "r_bs" } else { "r_as" };
        let xa = if ws { "r_aa" } else { "r_ba" };
        let xs = if ws { "r_as" } else { "r_bs" };
        let cmds: [&str; 3] = match cfg.dataflow {
            Dataflow::Ws => ["pq_ts", "pq_rs", "pq_cs"],
            Dataflow::Is => ["pq_cs", "pq_rs", "pq_ts"],
            Dataflow::Os => ["pq_rs", "pq_ts", "pq_cs"],
        };
        // (lines, lanes, lanes per line) of each part: ws/is stationary (rows x
        // columns over C lanes), streamed (time x rows over R lanes); os Aᵀ (K x
        // M over R lanes), B (K x N over C lanes).
        let (p0, p1) = if os {
            (("ts", "rs", r), ("ts", "cs", c))
        } else {
            (("rs", "cs", c), ("ts", "rs", r))
        };
        Ctx {
            cfg,
            r,
            c,
            ob,
            cb,
            dw,
            dwl,
            ws,
            os,
            depth,
            sbuf,
            xbuf,
            sdepth,
            xdepth,
            cdepth,
            dbl,
            lbmax,
            clb,
            hw,
            rlw,
            hbw,
            sa,
            ss,
            xa,
            xs,
            cmds,
            p0,
            p1,
        }
    }
}

/// The IP module.
pub fn ip(cfg: &Config) -> Module {
    let x = Ctx::new(cfg);
    let Ctx {
        r,
        c,
        dw,
        dwl,
        sbuf,
        xbuf,
        hw,
        cmds,
        p0,
        p1,
        ..
    } = x;
    let mut m = Module::new(
        &cfg.name("ip"),
        &[
            &format!(
                "{}: {}x{} {} systolic array IP, generated by systolic from design `{}`.",
                cfg.name("ip"),
                cfg.rows,
                cfg.cols,
                cfg.dataflow.long_name(),
                cfg.design
            ),
            "AXI4-Lite registers (docs/IP.md), AXI4 master DMA; cycle contract: docs/TIMING.md, \"The IP\".",
        ],
    );
    m.param("DW", dw as i64, "AXI data bytes")
        .param("DWL", dwl as i64, "log2 DW");
    if cfg.int_datapath() {
        m.param(
            "DSPS",
            (r * c) as i64,
            "PEs (the first, row by row) whose multiplier is `*` (a DSP block); the others multiply in logic",
        );
    }
    if let Some((name, value, doc)) = cfg.mulprim_param() {
        m.param(name, value, doc);
    }
    m.port(input("clk", None, "clock"))
        .port(input("rst", None, "synchronous, active high"));
    // AXI4-Lite slave.
    for (n, w, d) in [
        ("s_axi_awaddr", 8, "in"),
        ("s_axi_awprot", 3, "in"),
        ("s_axi_awvalid", 0, "in"),
        ("s_axi_awready", 0, "out"),
        ("s_axi_wdata", 32, "in"),
        ("s_axi_wstrb", 4, "in"),
        ("s_axi_wvalid", 0, "in"),
        ("s_axi_wready", 0, "out"),
        ("s_axi_bresp", 2, "out"),
        ("s_axi_bvalid", 0, "outreg"),
        ("s_axi_bready", 0, "in"),
        ("s_axi_araddr", 8, "in"),
        ("s_axi_arprot", 3, "in"),
        ("s_axi_arvalid", 0, "in"),
        ("s_axi_arready", 0, "out"),
        ("s_axi_rdata", 32, "outreg"),
        ("s_axi_rresp", 2, "out"),
        ("s_axi_rvalid", 0, "outreg"),
        ("s_axi_rready", 0, "in"),
        ("m_axi_araddr", 32, "out"),
        ("m_axi_arlen", 8, "out"),
        ("m_axi_arsize", 3, "out"),
        ("m_axi_arburst", 2, "out"),
        ("m_axi_arvalid", 0, "out"),
        ("m_axi_arready", 0, "in"),
        ("m_axi_rdata", -1, "in"),
        ("m_axi_rresp", 2, "in"),
        ("m_axi_rlast", 0, "in"),
        ("m_axi_rvalid", 0, "in"),
        ("m_axi_rready", 0, "out"),
        ("m_axi_awaddr", 32, "out"),
        ("m_axi_awlen", 8, "out"),
        ("m_axi_awsize", 3, "out"),
        ("m_axi_awburst", 2, "out"),
        ("m_axi_awvalid", 0, "out"),
        ("m_axi_awready", 0, "in"),
        ("m_axi_wdata", -1, "out"),
        ("m_axi_wstrb", -2, "out"),
        ("m_axi_wlast", 0, "out"),
        ("m_axi_wvalid", 0, "out"),
        ("m_axi_wready", 0, "in"),
        ("m_axi_bresp", 2, "in"),
        ("m_axi_bvalid", 0, "in"),
        ("m_axi_bready", 0, "out"),
    ] {
        let range = match w {
            0 => None,
            -1 => bits(id("DW").mul(8)),
            -2 => bits("DW"),
            w => bits(w),
        };
        m.port(match d {
            "in" => input(n, range, ""),
            "out" => output(n, false, range, ""),
            _ => output(n, true, range, ""),
        });
    }
    m.port(output(
        "irq",
        false,
        None,
        "CTRL.IRQ_EN && (STATUS.DONE || STATUS.ERROR)",
    ));

    regs::regs(&x, &mut m);

    seq::seq(&x, &mut m);

    dma::dma(&x, &mut m);

    // ---- the core --------------------------------------------------------
    let host_addr_w = i64::from(cfg.host_aw());
    m.push([
        wire_eq("host_we", None, id("bw_en")),
        wire_eq("host_re", None, id("f_rd")),
        wire_eq(
            "host_buf",
            bits(2),
            id("bw_en").tern(
                id("bw_part").tern(sized(2, xbuf), sized(2, sbuf)),
                sized(2, 2),
            ),
        ),
        wire_eq("host_a32", bits(32), id("bw_en").tern("bw_addr", "ob_ra")),
        wire_eq(
            "host_addr",
            bits(host_addr_w),
            id("host_a32").slice(host_addr_w - 1, 0),
        ),
        wire("host_wdata", bits(hw)),
        wire("host_rdata", bits(hw)),
        wire_eq(
            "hsel_ab",
            None,
            id("rd_job").or("bw_en").tern("jbank", id("sel_ab").not()),
        ),
        wire_eq(
            "hsel_c",
            None,
            id("wr_job").tern("wbank", id("sel_c").not()),
        ),
        wire("c_cmd_ready", None),
        wire("c_error", None),
        wire("c_bank", None),
        wire_eq(
            "unused_core",
            None,
            concat(vec![
                sized(1, 0),
                id("c_cmd_ready"),
                id("c_error"),
                id("c_bank"),
            ])
            .any(),
        ),
    ]);
    // host_wdata: the line of the buffer being written, zero-extended to HW.
    let sw = (p0.2 * u64::from(cfg.opw)) as i64;
    let xw = (p1.2 * u64::from(cfg.opw)) as i64;
    let ext = |n: &str, w: i64| {
        if w == hw {
            id(n)
        } else {
            concat(vec![sized((hw - w) as u32, 0), id(n)])
        }
    };
    m.push([assign(
        "host_wdata",
        id("bw_part").tern(ext("xline", xw), ext("sline", sw)),
    )]);
    m.push([instance(
        &cfg.top(),
        "u_core",
        [("EXT", int(1)), ("HREG", int(0))]
            .into_iter()
            .chain(cfg.int_datapath().then(|| ("DSPS", id("DSPS"))))
            .chain(cfg.mulprim_param().map(|(n, _, _)| (n, id(n))))
            .collect(),
        vec![
            ("clk", id("clk")),
            ("rst", id("rst")),
            ("cmd_valid", id("core_start")),
            ("cmd_ready", id("c_cmd_ready")),
            ("cmd_op", sized(1, 0)),
            ("cmd_m", id(cmds[0])),
            ("cmd_k", id(cmds[1])),
            ("cmd_n", id(cmds[2])),
            ("busy", id("core_busy")),
            ("done", id("core_done")),
            ("error", id("c_error")),
            ("bank", id("c_bank")),
            ("sel_ab", id("sel_ab")),
            ("sel_c", id("sel_c")),
            ("hsel_ab", id("hsel_ab")),
            ("hsel_c", id("hsel_c")),
            ("acc_keep", id("acc_keep")),
            ("host_we", id("host_we")),
            ("host_re", id("host_re")),
            ("host_buf", id("host_buf")),
            ("host_addr", id("host_addr")),
            ("host_wdata", id("host_wdata")),
            ("host_rdata", id("host_rdata")),
        ],
    )]);
    let _ = NW;
    m
}
