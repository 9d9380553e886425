//! Where a synthesis spends its time: the stages of each tool run, found
//! in the tool's log while it is written (Yosys's numbered pass headers,
//! nextpnr's `Info:` lines), shown as progress steps nested in the run's
//! step and recorded with their seconds in the report.

use crate::progress::Progress;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Instant;

/// How many of a Yosys stage's slowest passes a report keeps.
const SLOWEST: usize = 5;

/// The wall-clock seconds of one stage of a synthesis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageTime {
    /// The stage: `rtl`, `tools`, `yosys read`, `yosys proc`, `yosys
    /// synth`, `harness`, `nextpnr load`, `nextpnr pack`, `nextpnr place`,
    /// `nextpnr route` or `nextpnr timing` (docs/SYNTHESIS.md).
    pub stage: String,
    /// Seconds, to the millisecond.
    pub seconds: f64,
    /// The Yosys passes that took longest in the stage, slowest first (at
    /// most five; each pass's time runs from its header in the log to the
    /// next header, summed over its runs; the log is read every 25 ms, so
    /// shorter passes may show as 0 and are left out); empty for other
    /// tools.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passes: Vec<PassTime>,
}

/// The seconds of one Yosys pass, summed over its runs in a stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PassTime {
    /// The pass as Yosys's log names it, in lower case (`abc`, `opt_clean`,
    /// `verilog-2005 frontend`).
    pub pass: String,
    /// Seconds, to the millisecond.
    pub seconds: f64,
}

/// Seconds rounded to the millisecond (what reports keep).
pub(crate) fn millis(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

/// Which tool run a log comes from, and so how its lines map to stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Yosys synthesizing the top: read, proc (with the latch check), synth.
    Yosys,
    /// Yosys synthesizing the place-and-route harness: one stage.
    Harness,
    /// nextpnr: load (chip database and netlist), pack, place, route, timing.
    Nextpnr,
}

impl Flow {
    /// The stages in the order they run.
    pub(crate) fn stages(self) -> &'static [&'static str] {
        match self {
            Flow::Yosys => &["yosys read", "yosys proc", "yosys synth"],
            Flow::Harness => &["harness"],
            Flow::Nextpnr => &[
                "nextpnr load",
                "nextpnr pack",
                "nextpnr place",
                "nextpnr route",
                "nextpnr timing",
            ],
        }
    }

    /// The stage that `line` begins, when it begins one after `current`.
    pub(crate) fn stage_of(self, line: &str, current: usize) -> Option<usize> {
        let stage = match self {
            Flow::Yosys => {
                let (depth, text) = yosys_header(line)?;
                match text {
                    _ if depth > 1 => None,
                    t if t.starts_with("PROC pass") => Some(1),
                    // `synth`, `synth_ice40`, `synth_ecp5`, `synth_xilinx`.
                    t if t.starts_with("SYNTH") => Some(2),
                    _ => None,
                }
            }
            Flow::Harness => None,
            Flow::Nextpnr => {
                let body = line.strip_prefix("Info: ")?;
                let starts = |prefixes: &[&str]| prefixes.iter().any(|p| body.starts_with(p));
                if starts(&["Packing", "Logic utilisation before packing"]) {
                    Some(1)
                } else if starts(&[
                    "Creating initial analytic placement",
                    "Running main analytical placer",
                    "Running simulated annealing placer",
                ]) || (body.starts_with("Placed ")
                    && body.contains("cells based on constraints"))
                {
                    Some(2)
                } else if starts(&["Routing globals", "Routing..", "Running router2"]) {
                    Some(3)
                } else if body.starts_with("Critical path report") && current >= 3 {
                    // The report after routing; one before it is part of placement.
                    Some(4)
                } else {
                    None
                }
            }
        };
        stage.filter(|&s| s > current)
    }

    /// What `line` says the tool is doing, worth showing; `None` for the
    /// rest (tables, statistics, warnings).
    pub(crate) fn detail(self, line: &str) -> Option<&str> {
        match self {
            Flow::Yosys | Flow::Harness => {
                yosys_header(line).map(|_| line.trim_end().trim_end_matches('.'))
            }
            Flow::Nextpnr => line
                .strip_prefix("Info: ")
                .filter(|b| b.starts_with(|c: char| c.is_ascii_uppercase()))
                .map(|b| b.trim_end().trim_end_matches('.')),
        }
    }
}

/// `(depth, text after "Executing ")` of a Yosys pass header such as
/// `12.3. Executing ABC pass (technology mapping using ABC).` (depth 2).
fn yosys_header(line: &str) -> Option<(usize, &str)> {
    let (number, rest) = line.split_once(". ")?;
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !number.split('.').all(digits) {
        return None;
    }
    Some((number.split('.').count(), rest.strip_prefix("Executing ")?))
}

/// The pass a header's text names: `ABC pass (technology ...)` is `abc`,
/// `Verilog-2005 frontend: rtl/x.v` is `verilog-2005 frontend`.
fn pass_name(text: &str) -> String {
    let end = [" (", ":", ".", " in ", " for "]
        .iter()
        .filter_map(|s| text.find(s))
        .min()
        .unwrap_or(text.len());
    let name = text[..end].trim();
    name.strip_suffix(" pass")
        .unwrap_or(name)
        .to_ascii_lowercase()
}

/// The stages of one tool run, followed line by line: each stage begins
/// and ends as a progress step nested in the run's own (a one-stage run
/// shows none), details go to [`Progress::detail`], and the seconds are
/// kept.
pub(crate) struct Stages<'a> {
    flow: Flow,
    progress: &'a dyn Progress,
    started: Instant,
    current: usize,
    since: f64,
    pass: Option<(String, f64)>,
    passes: BTreeMap<String, f64>,
    done: Vec<StageTime>,
}

impl<'a> Stages<'a> {
    /// Begins the run's first stage now.
    pub(crate) fn begin(flow: Flow, progress: &'a dyn Progress) -> Stages<'a> {
        let s = Stages {
            flow,
            progress,
            started: Instant::now(),
            current: 0,
            since: 0.0,
            pass: None,
            passes: BTreeMap::new(),
            done: Vec::new(),
        };
        s.show_begin();
        s
    }

    fn nested(&self) -> bool {
        self.flow.stages().len() > 1
    }

    fn show_begin(&self) {
        if self.nested() {
            self.progress.begin(self.flow.stages()[self.current]);
        }
    }

    /// Takes the next line of the log, now.
    pub(crate) fn line(&mut self, line: &str) {
        let at = self.started.elapsed().as_secs_f64();
        self.line_at(line, at);
    }

    /// Takes the next line of the log, written `at` seconds after the run began.
    pub(crate) fn line_at(&mut self, line: &str, at: f64) {
        if let Some(next) = self.flow.stage_of(line, self.current) {
            self.end_stage(at, true);
            self.current = next;
            self.since = at;
            self.show_begin();
        }
        if let Some(detail) = self.flow.detail(line) {
            self.progress.detail(detail);
        }
        if self.flow != Flow::Nextpnr {
            if let Some((_, text)) = yosys_header(line) {
                self.close_pass(at);
                self.pass = Some((pass_name(text), at));
            }
        }
    }

    fn close_pass(&mut self, at: f64) {
        if let Some((name, from)) = self.pass.take() {
            *self.passes.entry(name).or_default() += at - from;
        }
    }

    fn end_stage(&mut self, at: f64, ok: bool) {
        self.close_pass(at);
        let seconds = at - self.since;
        if self.nested() {
            self.progress
                .end(self.flow.stages()[self.current], seconds, ok);
        }
        let mut passes: Vec<PassTime> = std::mem::take(&mut self.passes)
            .into_iter()
            .map(|(pass, s)| PassTime {
                pass,
                seconds: millis(s),
            })
            .filter(|p| p.seconds > 0.0)
            .collect();
        passes.sort_by(|a, b| b.seconds.total_cmp(&a.seconds));
        passes.truncate(SLOWEST);
        self.done.push(StageTime {
            stage: self.flow.stages()[self.current].to_string(),
            seconds: millis(seconds),
            passes,
        });
    }

    /// Ends the current stage now (the tool exited; `ok` is false when it
    /// failed) and returns every stage's seconds, in order.
    pub(crate) fn finish(self, ok: bool) -> Vec<StageTime> {
        let at = self.started.elapsed().as_secs_f64();
        self.finish_at(at, ok)
    }

    /// [`Stages::finish`] at `at` seconds after the run began.
    pub(crate) fn finish_at(mut self, at: f64, ok: bool) -> Vec<StageTime> {
        self.end_stage(at, ok);
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Progress written down as lines.
    #[derive(Default)]
    struct Log(Mutex<Vec<String>>);

    impl Progress for Log {
        fn begin(&self, what: &str) {
            self.0.lock().unwrap().push(format!("begin {what}"));
        }
        fn end(&self, what: &str, seconds: f64, ok: bool) {
            self.0
                .lock()
                .unwrap()
                .push(format!("end {what} {seconds} {ok}"));
        }
        fn detail(&self, text: &str) {
            self.0.lock().unwrap().push(format!("detail {text}"));
        }
    }

    impl Log {
        fn steps(&self) -> Vec<String> {
            let v = self.0.lock().unwrap();
            v.iter()
                .filter(|l| !l.starts_with("detail"))
                .cloned()
                .collect()
        }
        fn details(&self) -> Vec<String> {
            let v = self.0.lock().unwrap();
            v.iter()
                .filter_map(|l| l.strip_prefix("detail ").map(str::to_string))
                .collect()
        }
    }

    fn fixture(name: &str) -> String {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/logs")
            .join(name);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// Feeds a recorded log with line `i` written at second `i`; returns
    /// the stages and, for each, the first line of the log it began at.
    fn replay(flow: Flow, log: &str, progress: &Log) -> (Vec<StageTime>, Vec<String>) {
        let mut s = Stages::begin(flow, progress);
        let mut firsts = vec!["(start)".to_string()];
        let lines: Vec<&str> = log.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            let before = s.current;
            s.line_at(l, i as f64);
            if s.current != before {
                firsts.push(l.to_string());
            }
        }
        (s.finish_at(lines.len() as f64, true), firsts)
    }

    fn names(stages: &[StageTime]) -> Vec<&str> {
        stages.iter().map(|s| s.stage.as_str()).collect()
    }

    fn line_no(log: &str, line: &str) -> f64 {
        log.lines().position(|l| l == line).unwrap() as f64
    }

    #[test]
    fn a_recorded_nextpnr_ecp5_log_maps_to_load_pack_place_route_timing() {
        let log = fixture("nextpnr-ecp5-0.11.log");
        let p = Log::default();
        let (stages, firsts) = replay(Flow::Nextpnr, &log, &p);
        assert_eq!(
            names(&stages),
            [
                "nextpnr load",
                "nextpnr pack",
                "nextpnr place",
                "nextpnr route",
                "nextpnr timing"
            ]
        );
        assert_eq!(
            firsts[1..],
            [
                "Info: Logic utilisation before packing:",
                "Info: Placed 0 cells based on constraints.",
                "Info: Routing globals...",
                "Info: Critical path report for clock '$glbnet$clk$TRELLIS_IO_IN' (posedge -> posedge):",
            ]
        );
        // Each stage lasts from its first line to the next stage's.
        let at = |l: &str| line_no(&log, l);
        assert_eq!(stages[0].seconds, at(&firsts[1]));
        assert_eq!(stages[2].seconds, at(&firsts[3]) - at(&firsts[2]), "place");
        let total: f64 = stages.iter().map(|s| s.seconds).sum();
        assert_eq!(total, log.lines().count() as f64);
        assert!(stages.iter().all(|s| s.passes.is_empty()));
        // Each stage is a step nested in the run's, begun and ended in order.
        let steps = p.steps();
        assert_eq!(steps.len(), 10);
        assert_eq!(steps[0], "begin nextpnr load");
        assert!(steps[1].starts_with("end nextpnr load ") && steps[1].ends_with(" true"));
        assert_eq!(steps[8], "begin nextpnr timing");
        // The details are nextpnr's own sentences, never its tables.
        let details = p.details();
        for want in [
            "Packing LUTs",
            "Running simulated annealing placer for refinement",
            "Routing complete",
        ] {
            assert!(details.iter().any(|d| d == want), "{want} in {details:?}");
        }
        assert!(details.iter().all(|d| !d.contains('|')), "{details:?}");
    }

    #[test]
    fn a_recorded_nextpnr_ice40_log_keeps_placing_plls_in_pack_and_the_timing_estimate_in_place() {
        let log = fixture("nextpnr-ice40-0.4.log");
        let (stages, firsts) = replay(Flow::Nextpnr, &log, &Log::default());
        assert_eq!(stages.len(), 5, "{stages:?}");
        assert_eq!(
            firsts[1..],
            [
                "Info: Packing constants..",
                "Info: Placed 0 cells based on constraints.",
                "Info: Routing..",
                "Info: Critical path report for clock 'clk$SB_IO_IN_$glb_clk' (posedge -> posedge):",
            ]
        );
        // `Info: Placing PLLs..` comes while packing; the estimate of Fmax
        // printed after placement belongs to placement.
        let pll = line_no(&log, "Info: Placing PLLs..");
        assert!(pll > line_no(&log, &firsts[1]) && pll < line_no(&log, &firsts[2]));
    }

    #[test]
    fn a_recorded_yosys_log_maps_to_read_proc_synth_with_the_slowest_passes() {
        let log = fixture("yosys-0.23-ice40.log");
        let p = Log::default();
        let (stages, firsts) = replay(Flow::Yosys, &log, &p);
        assert_eq!(names(&stages), ["yosys read", "yosys proc", "yosys synth"]);
        assert_eq!(
            firsts[1..],
            [
                "11. Executing PROC pass (convert processes to netlists).",
                "12. Executing SYNTH_ICE40 pass.",
            ]
        );
        let lines: Vec<&str> = log.lines().collect();
        let bounds = [
            0,
            line_no(&log, &firsts[1]) as usize,
            line_no(&log, &firsts[2]) as usize,
            lines.len(),
        ];
        for (i, stage) in stages.iter().enumerate() {
            assert_eq!(stage.seconds, (bounds[i + 1] - bounds[i]) as f64);
            // Oracle: with a second per line, each line of the stage counts
            // for the last pass header at or before it.
            let mut per_pass: BTreeMap<String, f64> = BTreeMap::new();
            let mut pass = None;
            for l in &lines[bounds[i]..bounds[i + 1]] {
                if let Some((_, text)) = yosys_header(l) {
                    pass = Some(pass_name(text));
                }
                if let Some(name) = &pass {
                    *per_pass.entry(name.clone()).or_default() += 1.0;
                }
            }
            let mut want: Vec<(String, f64)> = per_pass.into_iter().collect();
            want.sort_by(|a, b| b.1.total_cmp(&a.1));
            want.truncate(SLOWEST);
            let got: Vec<(String, f64)> = stage
                .passes
                .iter()
                .map(|p| (p.pass.clone(), p.seconds))
                .collect();
            assert_eq!(got, want, "{}", stage.stage);
        }
        // Reading the RTL is mostly elaborating its parameterized modules.
        assert_eq!(stages[0].passes[0].pass, "ast frontend");
        assert_eq!(stages[2].passes.len(), SLOWEST);
        let details = p.details();
        assert!(
            details
                .contains(&"12.46. Executing ABC pass (technology mapping using ABC)".to_string()),
            "{details:?}"
        );
    }

    #[test]
    fn a_generic_flow_stays_in_synth_through_its_later_passes() {
        let log = "1. Executing Verilog-2005 frontend: rtl/a.v\n2. Executing HIERARCHY pass (managing design hierarchy).\n3. Executing PROC pass (convert processes to netlists).\n3.1. Executing PROC_CLEAN pass (remove empty switches from decision trees).\n4. Executing SYNTH pass.\n4.1. Executing HIERARCHY pass (managing design hierarchy).\n5. Executing OPT pass (performing simple optimizations).\n6. Executing ABC pass (technology mapping using ABC).\n7. Executing HIERARCHY pass (managing design hierarchy).\n8. Executing PROC pass (convert processes to netlists).\n";
        let (stages, _) = replay(Flow::Yosys, log, &Log::default());
        assert_eq!(names(&stages), ["yosys read", "yosys proc", "yosys synth"]);
        // A header at line i lasts until line i + 1; the stage ends at line 10.
        assert_eq!(stages[2].seconds, 6.0);
        let synth: Vec<(&str, f64)> = stages[2]
            .passes
            .iter()
            .map(|p| (p.pass.as_str(), p.seconds))
            .collect();
        assert_eq!(
            synth,
            [
                ("hierarchy", 2.0),
                ("abc", 1.0),
                ("opt", 1.0),
                ("proc", 1.0),
                ("synth", 1.0)
            ]
        );
    }

    #[test]
    fn a_one_stage_run_shows_details_but_no_nested_steps() {
        let p = Log::default();
        let (stages, _) = replay(
            Flow::Harness,
            "1. Executing JSON frontend.\n2. Executing Verilog-2005 frontend: harness.v\n",
            &p,
        );
        assert_eq!(names(&stages), ["harness"]);
        assert!(p.steps().is_empty(), "{:?}", p.steps());
        assert_eq!(
            p.details(),
            [
                "1. Executing JSON frontend",
                "2. Executing Verilog-2005 frontend: harness.v"
            ]
        );
    }

    #[test]
    fn headers_and_pass_names() {
        assert_eq!(
            yosys_header("12.3. Executing ABC pass (x)."),
            Some((2, "ABC pass (x)."))
        );
        assert_eq!(
            yosys_header("1. Executing JSON frontend."),
            Some((1, "JSON frontend."))
        );
        for not in [
            "Info: 1. Executing X",
            "1.a. Executing X",
            ". Executing X",
            "12. Printing statistics.",
        ] {
            assert_eq!(yosys_header(not), None, "{not}");
        }
        assert_eq!(pass_name("ABC pass (technology mapping using ABC)."), "abc");
        assert_eq!(
            pass_name("Verilog-2005 frontend: rtl/a.v"),
            "verilog-2005 frontend"
        );
        assert_eq!(
            pass_name("AST frontend in derive mode using pre-parsed AST for module `\\x'."),
            "ast frontend"
        );
        assert_eq!(
            pass_name("OPT_CLEAN pass (remove unused cells and wires)."),
            "opt_clean"
        );
        assert_eq!(pass_name("JSON backend."), "json backend");
    }

    #[test]
    fn a_failed_run_ends_its_stage_as_failed() {
        let p = Log::default();
        let mut s = Stages::begin(Flow::Nextpnr, &p);
        s.line_at("Info: Packing IOs..", 1.0);
        let stages = s.finish_at(3.5, false);
        assert_eq!(names(&stages), ["nextpnr load", "nextpnr pack"]);
        assert_eq!(stages[1].seconds, 2.5);
        assert_eq!(p.steps().last().unwrap(), "end nextpnr pack 2.5 false");
    }
}
