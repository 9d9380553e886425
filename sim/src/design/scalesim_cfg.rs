//! SCALE-Sim `.cfg` files, read unchanged, turned into a [`Design`].
//! SCALE-Sim words are one byte (int8); it has no clock, so 1 GHz is assumed;
//! `Bandwidth` (words per cycle) becomes the DRAM bandwidth. The values go
//! straight into [`super::DesignParams`], checked by [`Design::new`].

use super::Design;
use crate::error::{InputError, Result};
use std::path::Path;

/// Reads a SCALE-Sim config file as a design.
pub fn load(path: &Path) -> Result<Design> {
    let text = crate::error::read_file(path)?;
    parse(&text, &path.display().to_string())
}

/// Parses SCALE-Sim config text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Design> {
    let mut get = std::collections::HashMap::new();
    let mut run_name = None;
    for (idx, raw) in text.lines().enumerate() {
        let line = raw.split(['#', ';']).next().unwrap_or("").trim();
        if line.is_empty() || line.starts_with('[') {
            continue;
        }
        let Some((k, v)) = line.split_once([':', '=']) else {
            return Err(InputError::new(
                "systolic::scalesim_cfg::syntax",
                file,
                format!("expected `Key : value`, found `{line}`"),
            )
            .line(idx + 1)
            .hint("SCALE-Sim configs have lines such as `ArrayHeight : 32` under section headers")
            .into());
        };
        let key = k.trim().to_ascii_lowercase();
        if key == "run_name" {
            run_name = Some(v.trim().to_string());
        }
        get.insert(key, (v.trim().to_string(), idx + 1));
    }
    // SCALE-Sim reads every one of these with Python's int(): a whole
    // positive number, checked here as written (and bounded as the design
    // bounds it, so a message quotes the file, not a converted value).
    let num = |key: &str, name: &str, max: u64| -> Result<u64> {
        let Some((v, line)) = get.get(key) else {
            return Err(InputError::new("systolic::scalesim_cfg::missing", file, format!("`{name}` is missing"))
                .field(name)
                .hint("a SCALE-Sim config names ArrayHeight, ArrayWidth, IfmapSramSzkB, FilterSramSzkB, OfmapSramSzkB, Dataflow and Bandwidth")
                .into());
        };
        match v.parse::<u64>() {
            Ok(x) if (1..=max).contains(&x) => Ok(x),
            _ => Err(InputError::new(
                "systolic::scalesim_cfg::value",
                file,
                format!("expected a whole number from 1 to {max}, found `{v}`"),
            )
            .line(*line)
            .field(name)
            .hint("SCALE-Sim reads these as integers: sizes in kB, array dimensions in PEs, bandwidth in words per cycle")
            .into()),
        }
    };
    let side = u64::from(super::MAX_SIDE);
    let kb = super::MAX_SRAM_KIB as u64;
    let bw_max = super::DRAM_BANDWIDTH.1 as u64;
    let rows = num("arrayheight", "ArrayHeight", side)?;
    let cols = num("arraywidth", "ArrayWidth", side)?;
    let ifmap = num("ifmapsramszkb", "IfmapSramSzkB", kb)? as f64;
    let filter = num("filtersramszkb", "FilterSramSzkB", kb)? as f64;
    let ofmap = num("ofmapsramszkb", "OfmapSramSzkB", kb)? as f64;
    let bw = num("bandwidth", "Bandwidth", bw_max)? as f64;
    let (df, df_line) = get
        .get("dataflow")
        .cloned()
        .unwrap_or_else(|| ("os".into(), 0));
    let Some(dataflow) = super::Dataflow::parse(&df) else {
        // SCALE-Sim silently runs an unknown dataflow as os; we refuse it.
        let mut e = InputError::new(
            "systolic::scalesim_cfg::value",
            file,
            format!("unknown dataflow `{df}`"),
        )
        .field("Dataflow")
        .hint("use os, ws or is (SCALE-Sim would silently run a misspelled dataflow as os)");
        if df_line > 0 {
            e = e.line(df_line);
        }
        return Err(e.into());
    };
    let name = run_name.unwrap_or_else(|| "scalesim".into());
    // Within MAX_SIDE, checked above.
    let mut p = super::DesignParams::new(&name, rows as u32, cols as u32, dataflow);
    p.description = format!("SCALE-Sim config {file}");
    p.ifmap_sram_kib = ifmap;
    p.filter_sram_kib = filter;
    p.ofmap_sram_kib = ofmap;
    p.dram_bandwidth = bw;
    p.dram_interface = None;
    p.dram_latency = super::DEFAULT_DRAM_LATENCY;
    Design::new(p).map_err(|e| {
        let key = match e.field {
            "array.rows" => "ArrayHeight",
            "array.cols" => "ArrayWidth",
            "memory.ifmap_sram_kib" => "IfmapSramSzkB",
            "memory.filter_sram_kib" => "FilterSramSzkB",
            "memory.ofmap_sram_kib" => "OfmapSramSzkB",
            "memory.dram_bandwidth_bytes_per_cycle" => "Bandwidth",
            "name" => "run_name",
            _ => "",
        };
        let mut err =
            InputError::new("systolic::scalesim_cfg::value", file, e.message).hint(e.help);
        if !key.is_empty() {
            err = err.field(key);
            if let Some((_, line)) = get.get(&key.to_ascii_lowercase()) {
                err = err.line(*line);
            }
        }
        err.into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: &str = "[general]\nrun_name = t32\n\n[architecture_presets]\nArrayHeight:    32\nArrayWidth:     16\nIfmapSramSzkB:    64\nFilterSramSzkB:   64\nOfmapSramSzkB:    32\nIfmapOffset:    0\nFilterOffset:   10000000\nOfmapOffset:    20000000\nBandwidth : 10\nDataflow : ws\nMemoryBanks:   1\n\n[run_presets]\nInterfaceBandwidth: CALC\n";

    #[test]
    fn reads_scalesim_config() {
        let d = parse(CFG, "t.cfg").unwrap();
        assert_eq!((d.rows, d.cols), (32, 16));
        assert_eq!(d.dataflow, crate::design::Dataflow::Ws);
        assert_eq!(d.ifmap_sram_bytes, 64 * 1024);
        assert_eq!(d.ofmap_sram_bytes, 32 * 1024);
        assert_eq!(d.dram_bandwidth, 10.0);
        assert_eq!(d.name, "t32");
    }

    #[test]
    fn bad_values_are_named() {
        let e = parse(
            &CFG.replace("ArrayWidth:     16", "ArrayWidth: wide"),
            "t.cfg",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("t.cfg:6") && e.contains("ArrayWidth"), "{e}");
        let e = parse(&CFG.replace("Dataflow : ws", "Dataflow : wss"), "t.cfg")
            .unwrap_err()
            .to_string();
        assert!(e.contains("Dataflow") && e.contains("wss"), "{e}");
        for (bad, shown) in [
            ("ArrayHeight:    1e10", "`1e10`"),
            ("ArrayHeight:    8.7", "`8.7`"),
            ("ArrayHeight:    10000000000", "`10000000000`"),
            ("ArrayHeight:    0", "`0`"),
        ] {
            let e = parse(&CFG.replace("ArrayHeight:    32", bad), "t.cfg")
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("t.cfg:5") && e.contains("ArrayHeight") && e.contains(shown),
                "{e}"
            );
        }
        // A file name with quotes is only a name (no TOML is made of it).
        let d = parse(CFG, "my \"odd\" name.cfg").unwrap();
        assert_eq!(d.description, "SCALE-Sim config my \"odd\" name.cfg");
        let e = parse(&CFG.replace("Bandwidth : 10\n", ""), "t.cfg")
            .unwrap_err()
            .to_string();
        assert!(e.contains("Bandwidth") && e.contains("missing"), "{e}");
    }
}
