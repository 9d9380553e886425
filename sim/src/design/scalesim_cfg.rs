//! SCALE-Sim `.cfg` files, read unchanged, turned into a [`Design`].
//! SCALE-Sim words are one byte (int8); it has no clock, so 1 GHz is assumed;
//! `Bandwidth` (words per cycle) becomes the DRAM bandwidth.

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
    let num = |key: &str, name: &str| -> Result<f64> {
        let Some((v, line)) = get.get(key) else {
            return Err(InputError::new("systolic::scalesim_cfg::missing", file, format!("`{name}` is missing"))
                .field(name)
                .hint("a SCALE-Sim config names ArrayHeight, ArrayWidth, IfmapSramSzkB, FilterSramSzkB, OfmapSramSzkB, Dataflow and Bandwidth")
                .into());
        };
        match v.parse::<f64>() {
            Ok(x) if x > 0.0 => Ok(x),
            _ => Err(InputError::new(
                "systolic::scalesim_cfg::value",
                file,
                format!("expected a positive number, found `{v}`"),
            )
            .line(*line)
            .field(name)
            .hint("sizes are in kB, array dimensions in PEs, bandwidth in words per cycle")
            .into()),
        }
    };
    let rows = num("arrayheight", "ArrayHeight")?;
    let cols = num("arraywidth", "ArrayWidth")?;
    let ifmap = num("ifmapsramszkb", "IfmapSramSzkB")?;
    let filter = num("filtersramszkb", "FilterSramSzkB")?;
    let ofmap = num("ofmapsramszkb", "OfmapSramSzkB")?;
    let bw = num("bandwidth", "Bandwidth")?;
    let (df, df_line) = get
        .get("dataflow")
        .cloned()
        .unwrap_or_else(|| ("os".into(), 0));
    if super::Dataflow::parse(&df).is_none() {
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
    }
    let name = run_name.unwrap_or_else(|| "scalesim".into());
    let toml = format!(
        "name = {name:?}\ndescription = \"SCALE-Sim config {file}\"\n[array]\nrows = {rows}\ncols = {cols}\ndataflow = {df:?}\n\
         [precision]\noperand = \"int8\"\n[memory]\nifmap_sram_kib = {ifmap}\nfilter_sram_kib = {filter}\nofmap_sram_kib = {ofmap}\n\
         dram_bandwidth_bytes_per_cycle = {bw}\n[clock]\nmhz = 1000\n",
        rows = rows as u32,
        cols = cols as u32,
    );
    Design::parse(&toml, file, None)
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
        let e = parse(&CFG.replace("Bandwidth : 10\n", ""), "t.cfg")
            .unwrap_err()
            .to_string();
        assert!(e.contains("Bandwidth") && e.contains("missing"), "{e}");
    }
}
