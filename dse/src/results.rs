//! A sweep's results as a report reads them: the rows of the results CSV
//! (`systolic sweep --out RESULTS.csv`, read by [`crate::read_csv`]), the
//! Pareto objectives its `.sweep.json` sidecar names, each row's design
//! (rebuilt by [`SweepRow::design`]), and a synth-stage sweep's synthesis
//! figures ([`read_synth`]).

use crate::{
    read_csv, read_rows, resolve_base, sparsity_name, Meta, Objective, Outputs, SweepRow, SynthRow,
    COLUMNS, SYNTH_COLUMNS,
};
use sim::design::Design;
use sim::error::{InputError, Result};
use std::path::Path;

/// The Pareto objectives of a report when neither `--objectives` nor the
/// results' sidecar names any.
pub const DEFAULT_OBJECTIVES: [Objective; 2] = [Objective::Latency, Objective::Energy];

/// Reads a results CSV: [`parse`] of the file's text. A file written before
/// the `sparsity` column existed ([`crate::LEGACY_COLUMNS`]) gives each row
/// its base design's sparsity (the sweep had no sparsity axis then): its
/// base resolves as [`design`] resolves it, against the file's directory,
/// and a base that does not resolve leaves the row dense.
pub fn read(path: &Path) -> Result<Vec<SweepRow>> {
    let text = sim::error::read_file(path)?;
    let mut rows = parse(&text, &path.display().to_string())?;
    let header = text.lines().next().unwrap_or("");
    if !header
        .split(',')
        .any(|h| h.trim().trim_matches('"') == "sparsity")
    {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        base_sparsity(&mut rows, dir);
    }
    Ok(rows)
}

/// Sets each row's sparsity to its base design's (each base resolved once).
fn base_sparsity(rows: &mut [SweepRow], dir: &Path) {
    let mut known: Vec<(String, String)> = Vec::new();
    for r in rows {
        let name = match known.iter().find(|(b, _)| *b == r.base) {
            Some((_, s)) => s.clone(),
            None => {
                let s = resolve_base(&r.base, dir)
                    .map_or_else(|_| "dense".to_string(), |d| sparsity_name(d.sparsity));
                known.push((r.base.clone(), s.clone()));
                s
            }
        };
        r.sparsity = name;
    }
}

/// Parses results CSV text (`file` names it in errors) with
/// [`crate::read_csv`], and requires at least one row: an empty file
/// or a header alone is an [`InputError`] too.
pub fn parse(text: &str, file: &str) -> Result<Vec<SweepRow>> {
    if text.trim().is_empty() {
        return Err(
            InputError::new("systolic::report::empty", file, "the results file is empty")
                .line(1)
                .hint(format!(
                    "the file `systolic sweep --out RESULTS.csv` writes has these columns: {}",
                    COLUMNS.join(",")
                ))
                .into(),
        );
    }
    let rows = read_csv(text, file)?;
    if rows.is_empty() {
        return Err(InputError::new(
            "systolic::report::empty",
            file,
            "the results file has a header but no rows",
        )
        .line(2)
        .hint("run the sweep first (`systolic sweep SPEC.toml --out RESULTS.csv`), or check that it finished")
        .into());
    }
    Ok(rows)
}

/// Reads the synthesis rows of a results file: [`parse_synth`] of the
/// file's text.
pub fn read_synth(path: &Path) -> Result<Option<Vec<SynthRow>>> {
    let text = sim::error::read_file(path)?;
    parse_synth(&text, &path.display().to_string())
}

/// The rows of results CSV text as [`SynthRow`]s (the inference columns and
/// the synth stage's, [`crate::SYNTH_ROW_COLUMNS`]) when its header has any
/// of [`SYNTH_COLUMNS`]; `None` when it has none (a sim-stage sweep). A
/// header with some synthesis columns and not others, a bad value, and an
/// empty file or a header alone are [`InputError`]s with the file, line,
/// column and a hint, as [`parse`] gives them.
pub fn parse_synth(text: &str, file: &str) -> Result<Option<Vec<SynthRow>>> {
    let header = text.lines().next().unwrap_or("");
    let has = |c: &str| header.split(',').any(|h| h.trim().trim_matches('"') == c);
    if !SYNTH_COLUMNS.iter().any(|c| has(c)) {
        return Ok(None);
    }
    // The same checks of an empty file or a header alone as `parse`.
    parse(text, file)?;
    read_rows::<SynthRow>(text, file).map(Some)
}

/// How the sweep behind `results` read its ONNX models (its sidecar's
/// `dims` and `skip_unsupported`; defaults without a sidecar).
pub fn sweep_onnx_options(results: &Path) -> sim::onnx::import::ImportOptions {
    let path = Outputs::beside(results, None).meta;
    match Meta::read(&path) {
        Ok(Some(meta)) => sim::onnx::import::ImportOptions {
            dims: meta.dims.into_iter().collect(),
            skip_unsupported: meta.skip_unsupported,
        },
        _ => Default::default(),
    }
}

/// The Pareto objectives the sweep that wrote `results` declared (the
/// `pareto` list of its sidecar `RESULTS.sweep.json`): `None` when there is
/// no sidecar or it names none; an error when the sidecar is not one of
/// `systolic sweep`'s or names objectives this version does not know.
pub fn sweep_objectives(results: &Path) -> Result<Option<Vec<Objective>>> {
    let path = Outputs::beside(results, None).meta;
    let meta = Meta::read(&path).map_err(|_| {
        InputError::new(
            "systolic::report::sidecar",
            path.display().to_string(),
            "is not the sidecar of a `systolic sweep` results file",
        )
        .hint("choose the objectives with --objectives, or remove the file")
    })?;
    let Some(meta) = meta else {
        return Ok(None);
    };
    let list = Objective::parse_list(&meta.pareto).map_err(|(_, msg)| {
        InputError::new(
            "systolic::report::objectives",
            path.display().to_string(),
            msg,
        )
        .field("pareto")
        .hint(format!(
            "objectives: {}; or choose them with --objectives",
            Objective::names()
        ))
    })?;
    Ok((!list.is_empty()).then_some(list))
}

/// The design `row` was simulated on, rebuilt as the sweep built it
/// ([`SweepRow::design`]: the base design with the row's swept values and
/// the sweep's accumulator rule). A base that is a TOML path resolves
/// against `dir`, the results file's directory.
pub fn design(row: &SweepRow, dir: &Path) -> Result<Design> {
    if row.base.ends_with(".toml") && !dir.join(&row.base).is_file() {
        return Err(InputError::new(
            "systolic::report::base",
            dir.join(&row.base).display().to_string(),
            format!(
                "point {}: the base design `{}` is not a file",
                row.point, row.base
            ),
        )
        .field("base")
        .hint("a base design TOML path resolves against the results file's directory; keep the results beside the sweep spec (or copy the design there)")
        .into());
    }
    row.design(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::error::SimError;

    fn line(values: &[(&str, &str)], order: &[&str]) -> String {
        order
            .iter()
            .map(|c| values.iter().find(|(k, _)| k == c).map_or("", |(_, v)| *v))
            .collect::<Vec<_>>()
            .join(",")
    }

    const ROW: [(&str, &str); 31] = [
        ("point", "7"),
        ("model", "resnet18"),
        ("base", "edge-8x8"),
        ("rows", "16"),
        ("cols", "32"),
        ("dataflow", "os"),
        ("operand", "int8"),
        ("ifmap_sram_kib", "32"),
        ("filter_sram_kib", "32"),
        ("ofmap_sram_kib", "16"),
        ("dram_bandwidth_bytes_per_cycle", "4"),
        ("clock_mhz", "200"),
        ("sparsity", "dense"),
        ("batch", "1"),
        ("layers", "48"),
        ("macs", "1814073344"),
        ("cycles", "32000000"),
        ("latency_ms", "160.0"),
        ("throughput_inf_per_s", "6.25"),
        ("energy_mj", "10.3"),
        ("edp_mj_ms", "1648"),
        ("power_w", "0.064"),
        ("area_mm2", "1.088"),
        ("area_source", "model"),
        ("peak_tops", "0.2048"),
        ("achieved_tops", "0.0227"),
        ("tops_per_w", "0.35"),
        ("tops_per_mm2", "0.0208"),
        ("utilization", "0.11"),
        ("feasible", "false"),
        ("note", "extra columns are ignored"),
    ];

    fn input(e: SimError) -> InputError {
        match e {
            SimError::Input(i) => *i,
            e => panic!("not an input error: {e}"),
        }
    }

    #[test]
    fn columns_are_found_by_name_in_any_order() {
        let mut order: Vec<&str> = COLUMNS.iter().rev().copied().collect();
        order.insert(3, "note");
        let text = format!("{}\n{}\n", order.join(","), line(&ROW, &order));
        let rows = parse(&text, "r.csv").unwrap();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(
            (r.point, r.rows, r.cols, r.dataflow.as_str()),
            (7, 16, 32, "os")
        );
        assert_eq!(
            (r.cycles, r.latency_ms, r.feasible),
            (32_000_000, 160.0, false)
        );
        assert_eq!(Objective::Throughput.minimized(r), -6.25);
    }

    #[test]
    fn bad_values_name_the_line_and_column() {
        let text = format!("{}\n{}\n", COLUMNS.join(","), line(&ROW, &COLUMNS));
        let bad = |column: &str, value: &str| {
            let mut row = ROW;
            row.iter_mut().find(|(k, _)| *k == column).unwrap().1 = value;
            let t = format!("{text}{}\n", line(&row, &COLUMNS));
            input(parse(&t, "r.csv").unwrap_err())
        };
        let e = bad("latency_ms", "fast");
        assert_eq!(
            (e.line, e.field.as_deref(), e.message.as_str()),
            (Some(3), Some("latency_ms"), "`fast` is not a number")
        );
        let e = bad("cycles", "1.5");
        assert_eq!(e.field.as_deref(), Some("cycles"));
        assert!(e.message.contains("whole number"), "{}", e.message);
        let e = bad("feasible", "yes");
        assert_eq!(e.field.as_deref(), Some("feasible"));
        let e = bad("model", "");
        assert_eq!(
            (e.field.as_deref(), e.message.as_str()),
            (Some("model"), "the value is empty")
        );
        let e = input(parse(&text.replace("utilization", "util"), "r.csv").unwrap_err());
        assert_eq!((e.line, e.field.as_deref()), (Some(1), Some("utilization")));
        // The same in a header without the `sparsity` column.
        let old = text.replace(",sparsity,", ",").replace(",dense,", ",");
        assert_eq!(parse(&old, "r.csv").unwrap()[0].sparsity, "dense");
        let e = input(parse(&old.replace("utilization", "util"), "r.csv").unwrap_err());
        assert_eq!((e.line, e.field.as_deref()), (Some(1), Some("utilization")));
        let short = format!("{text}1,2\n");
        assert_eq!(input(parse(&short, "r.csv").unwrap_err()).line, Some(3));
        assert!(input(parse(" \n", "r.csv").unwrap_err())
            .message
            .contains("empty"));
        let header = format!("{}\n", COLUMNS.join(","));
        assert!(input(parse(&header, "r.csv").unwrap_err())
            .message
            .contains("no rows"));
    }

    #[test]
    fn a_row_rebuilds_its_design() {
        let text = format!("{}\n{}\n", COLUMNS.join(","), line(&ROW, &COLUMNS));
        let r = &parse(&text, "r.csv").unwrap()[0];
        let d = design(r, Path::new(".")).unwrap();
        assert_eq!(
            (d.rows, d.cols, d.dataflow.to_string()),
            (16, 32, "os".to_string())
        );
        assert_eq!(d.clock_mhz, 200.0);
        // A new operand follows the sweep's accumulator rule: fp16 on an
        // int8 base with a 32-bit accumulator accumulates in fp32.
        let mut fp = r.clone();
        fp.operand = "fp16".into();
        assert_eq!(
            design(&fp, Path::new(".")).unwrap(),
            fp.design(Path::new(".")).unwrap()
        );
        let mut bad = r.clone();
        bad.base = "no-such-design.toml".into();
        let e = input(design(&bad, Path::new(".")).unwrap_err());
        assert!(e.help.unwrap().contains("results file's directory"));
    }

    #[test]
    fn a_sparse_row_rebuilds_its_sparse_design_and_bad_patterns_name_the_column() {
        let mut row = ROW;
        row.iter_mut().find(|(k, _)| *k == "dataflow").unwrap().1 = "ws";
        row.iter_mut().find(|(k, _)| *k == "sparsity").unwrap().1 = "2:4";
        let text = format!("{}\n{}\n", COLUMNS.join(","), line(&row, &COLUMNS));
        let r = &parse(&text, "r.csv").unwrap()[0];
        assert!(r.describe().ends_with(", 2:4 sparse"), "{}", r.describe());
        let d = design(r, Path::new(".")).unwrap();
        assert_eq!(d.sparsity.map(|s| (s.n, s.m)), Some((2, 4)));
        let e = input(parse(&text.replace(",2:4,", ",3:3,"), "r.csv").unwrap_err());
        assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("sparsity")));
        assert!(e.message.contains("power of two"), "{}", e.message);
    }

    #[test]
    fn results_without_the_sparsity_column_read_with_their_base_designs_sparsity() {
        let dir = std::env::temp_dir().join(format!("systolic-legacy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut row = ROW;
        row.iter_mut().find(|(k, _)| *k == "dataflow").unwrap().1 = "ws";
        let old = |base: &str| {
            let mut r = row;
            r.iter_mut().find(|(k, _)| *k == "base").unwrap().1 = base;
            format!(
                "{}\n{}\n",
                crate::LEGACY_COLUMNS.join(","),
                line(&r, &crate::LEGACY_COLUMNS)
            )
        };
        // A preset base is dense.
        let rows = parse(&old("edge-8x8"), "old.csv").unwrap();
        assert_eq!(rows[0].sparsity, "dense");
        // A base design with [sparsity], beside the file: its pattern.
        std::fs::write(
            dir.join("sparse.toml"),
            include_str!("../../designs/sparse/gemmini-like-2of4.toml"),
        )
        .unwrap();
        std::fs::write(dir.join("old.csv"), old("sparse.toml")).unwrap();
        let rows = read(&dir.join("old.csv")).unwrap();
        assert_eq!(rows[0].sparsity, "2:4");
        assert!(design(&rows[0], &dir).unwrap().sparsity.is_some());
        // The same row in a file with the column keeps what it says.
        let mut new = row;
        new.iter_mut().find(|(k, _)| *k == "base").unwrap().1 = "sparse.toml";
        std::fs::write(
            dir.join("new.csv"),
            format!("{}\n{}\n", COLUMNS.join(","), line(&new, &COLUMNS)),
        )
        .unwrap();
        assert_eq!(read(&dir.join("new.csv")).unwrap()[0].sparsity, "dense");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    const SYNTH: [(&str, &str); 15] = [
        ("synth_target", "ice40"),
        ("synth_device", "up5k"),
        ("fits", "false"),
        ("no_room", "7210 LUTs of 5280"),
        ("luts", "7210"),
        ("flip_flops", "3011"),
        ("dsps", "8"),
        ("block_rams", "12"),
        ("cells", "10577"),
        ("fmax_mhz", ""),
        ("latency_at_fmax_ms", ""),
        ("tops_at_fmax", ""),
        ("luts_per_tops", ""),
        ("verified", ""),
        ("rtl_cycles", ""),
    ];

    #[test]
    fn synthesis_rows_read_when_the_header_has_their_columns() {
        let all: Vec<(&str, &str)> = ROW.iter().chain(&SYNTH).copied().collect();
        let order = crate::SYNTH_ROW_COLUMNS;
        let text = format!("{}\n{}\n", order.join(","), line(&all, &order));
        let rows = parse_synth(&text, "r.csv").unwrap().unwrap();
        assert_eq!(rows.len(), 1);
        let (r, s) = (&rows[0].sim, &rows[0].synth);
        assert_eq!((r.point, r.rows, r.cols), (7, 16, 32));
        assert_eq!((s.fits, s.luts, s.fmax_mhz), (false, Some(7210), None));
        assert_eq!(s.no_room, "7210 LUTs of 5280");
        // Inference results have none.
        let plain = format!("{}\n{}\n", COLUMNS.join(","), line(&ROW, &COLUMNS));
        assert_eq!(parse_synth(&plain, "r.csv").unwrap(), None);
        // Some synthesis columns but not all: the missing one, on line 1.
        let no_dsps = text
            .replace(",dsps,", ",")
            .replace(",3011,8,12,", ",3011,12,");
        let e = input(parse_synth(&no_dsps, "r.csv").unwrap_err());
        assert_eq!((e.line, e.field.as_deref()), (Some(1), Some("dsps")));
        assert!(e.help.unwrap().contains("synth_target"));
        // A bad value names its line and column.
        let bad = text.replace(",up5k,false,", ",up5k,maybe,");
        let e = input(parse_synth(&bad, "r.csv").unwrap_err());
        assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("fits")));
        // A row that fits names no overflow.
        let fits = text.replace(",up5k,false,", ",up5k,true,");
        let e = input(parse_synth(&fits, "r.csv").unwrap_err());
        assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("no_room")));
        let header = format!("{}\n", order.join(","));
        assert!(input(parse_synth(&header, "r.csv").unwrap_err())
            .message
            .contains("no rows"));
    }

    #[test]
    fn objectives_come_from_the_sidecar_when_there_is_one() {
        let dir = std::env::temp_dir().join(format!("systolic-results-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let csv = dir.join("r.csv");
        assert_eq!(sweep_objectives(&csv).unwrap(), None);
        let meta = |pareto: &[&str]| {
            Meta {
                format: crate::FORMAT.into(),
                spec_hash: "0".into(),
                base: "edge-8x8".into(),
                models: vec!["alexnet".into()],
                points: 1,
                shard: None,
                rows: 1,
                jsonl: "r.jsonl".into(),
                pareto: pareto.iter().map(|s| s.to_string()).collect(),
                complete: true,
                dims: Default::default(),
                skip_unsupported: false,
                mode: crate::Mode::Inference,
                chips: Vec::new(),
                stage: crate::Stage::Sim,
                tools: None,
            }
            .to_text()
        };
        let side = dir.join("r.sweep.json");
        std::fs::write(&side, meta(&["latency", "energy", "area"])).unwrap();
        assert_eq!(
            sweep_objectives(&csv).unwrap(),
            Some(vec![Objective::Latency, Objective::Energy, Objective::Area])
        );
        std::fs::write(&side, meta(&[])).unwrap();
        assert_eq!(sweep_objectives(&csv).unwrap(), None);
        std::fs::write(&side, meta(&["latency", "speed"])).unwrap();
        assert!(sweep_objectives(&csv).is_err());
        std::fs::write(&side, "{}").unwrap();
        let e = input(sweep_objectives(&csv).unwrap_err());
        assert!(e.help.unwrap().contains("--objectives"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
