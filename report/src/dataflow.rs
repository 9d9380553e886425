//! Dataflow comparisons: the best design of each dataflow side by side
//! (latency and energy), and which dataflow wins each layer.

use super::axes;
use super::heatmap::{Cell, Heatmap, Panel, Scale};
use super::hover::Marks;
use super::kit::{self, Entry, Marker};
use super::style::{self, dataflow_colour, short, text, text_in, INK};
use super::{Chart, DrawResult};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use sim::report::ModelReport;

/// The dataflows, in the order every plot shows them.
pub const DATAFLOWS: [&str; 3] = ["ws", "os", "is"];

/// The best design of one dataflow.
#[derive(Debug, Clone)]
pub struct Best {
    /// `ws`, `os` or `is`.
    pub dataflow: String,
    /// Latency of one run (ms).
    pub latency_ms: f64,
    /// Energy of one run (mJ).
    pub energy_mj: f64,
    /// The design in a few words (array, SRAM, clock).
    pub design: String,
    /// Hover title of its bars: the design point and its values.
    pub title: String,
}

/// Room on each side of a bar (px).
const BAR_GAP: u32 = 24;

/// One quantity of a [`Best`].
type Metric = fn(&Best) -> f64;

/// Grouped bars: latency and energy of the best design per dataflow.
pub struct BestPerDataflow {
    /// Plot title.
    pub title: String,
    /// One entry per dataflow present.
    pub best: Vec<Best>,
}

impl Chart for BestPerDataflow {
    fn size(&self) -> (u32, u32) {
        (1200, 500)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        marks: &mut Marks,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = kit::titled(root, &self.title)?;
        let (plot, side) = kit::with_legend(&area);
        let halves = plot.split_evenly((1, 2));
        let metrics: [(&str, Metric); 2] = [
            ("latency per run (ms)", |b| b.latency_ms),
            ("energy per run (mJ)", |b| b.energy_mj),
        ];
        let n = self.best.len();
        let names: Vec<String> = self.best.iter().map(|b| b.dataflow.clone()).collect();
        for ((desc, get), half) in metrics.iter().zip(&halves) {
            let max = self.best.iter().map(get).fold(0.0, f64::max).max(1e-12);
            let mut c = ChartBuilder::on(half)
                .margin(12)
                .x_label_area_size(50)
                .y_label_area_size(80)
                .build_cartesian_2d(kit::slots(n), 0f64..max * 1.18)?;
            c.configure_mesh()
                .disable_x_mesh()
                .x_labels(names.len())
                .x_label_formatter(&|v| {
                    kit::slot_of(*v, n).map_or_else(String::new, |i| names[i].clone())
                })
                .y_label_formatter(&|v| short(*v))
                .x_desc("dataflow (best design of each)")
                .y_desc(*desc)
                .axis_desc_style(text(style::AXIS_PX))
                .label_style(text(style::TICK_PX))
                .bold_line_style(axes::MAJOR)
                .light_line_style(axes::MINOR)
                .max_light_lines(4)
                .draw()?;
            for (i, b) in self.best.iter().enumerate() {
                let (x0, y0) = c.backend_coord(&(i as f64 - 0.5, 0.0));
                let (x1, y1) = c.backend_coord(&(i as f64 + 0.5, get(b)));
                marks.rect(
                    (x0.min(x1) + BAR_GAP as i32, y0),
                    (x0.max(x1) - BAR_GAP as i32, y1),
                    dataflow_colour(&b.dataflow),
                    b.title.clone(),
                );
            }
            c.draw_series(
                self.best
                    .iter()
                    .enumerate()
                    .map(|(i, b)| kit::bar(i, 0.0, get(b), dataflow_colour(&b.dataflow), BAR_GAP)),
            )?;
            c.draw_series(self.best.iter().enumerate().map(|(i, b)| {
                Text::new(
                    short(get(b)),
                    (i as f64, get(b) + max * 0.02),
                    text_in(style::TICK_PX, INK).pos(Pos::new(HPos::Center, VPos::Bottom)),
                )
            }))?;
        }
        let entries: Vec<Entry> = self
            .best
            .iter()
            .map(|b| {
                Entry::new(
                    format!("{}: {}", b.dataflow, b.design),
                    dataflow_colour(&b.dataflow),
                    Marker::Box,
                )
            })
            .collect();
        kit::legend(&side, "best design (lowest EDP)", &entries)?;
        Ok(())
    }
}

/// Per-layer comparison of the same design in each dataflow.
#[derive(Debug, Clone)]
pub struct LayerWinners {
    /// The heatmap: one row per dataflow, one column per array layer, each cell the
    /// layer's cycles divided by the fastest dataflow's (1 = winner).
    pub heatmap: Heatmap,
    /// Array layers each dataflow is strictly fastest on, in the order of `dataflows`.
    pub wins: Vec<usize>,
    /// Array layers where the fastest dataflows tie.
    pub ties: usize,
    /// The dataflows compared.
    pub dataflows: Vec<String>,
    /// Total cycles of the model in each dataflow.
    pub totals: Vec<u64>,
}

/// Compares `runs` (the same model on the same design in each dataflow, as
/// `(dataflow, report)`) layer by layer, over the layers that run on the
/// array (vector-unit layers are the same in every dataflow).
pub fn layer_winners(title: &str, runs: &[(String, ModelReport)]) -> LayerWinners {
    let array: Vec<usize> = runs.first().map_or(Vec::new(), |(_, r)| {
        (0..r.layers.len())
            .filter(|&i| r.layers[i].unit != "vector")
            .collect()
    });
    let mut cells = vec![vec![Cell::Empty; array.len()]; runs.len()];
    let mut titles = vec![vec![String::new(); array.len()]; runs.len()];
    let mut wins = vec![0; runs.len()];
    let mut ties = 0;
    for (col, &i) in array.iter().enumerate() {
        let cycles: Vec<u64> = runs.iter().map(|(_, r)| r.layers[i].total_cycles).collect();
        let best = cycles.iter().copied().min().unwrap_or(0);
        let winners: Vec<usize> = (0..cycles.len()).filter(|&j| cycles[j] == best).collect();
        let names: Vec<&str> = winners.iter().map(|&j| runs[j].0.as_str()).collect();
        for (j, (df, r)) in runs.iter().enumerate() {
            let l = &r.layers[i];
            let ratio = (best > 0).then(|| cycles[j] as f64 / best as f64);
            if let Some(x) = ratio {
                cells[j][col] = Cell::Value(x);
            }
            let versus = match ratio {
                Some(x) => format!("{x:.2}× the fastest ({})", names.join(", ")),
                None => "no dataflow takes any cycles".into(),
            };
            titles[j][col] = format!(
                "layer {i} {} ({}) in {df}: {} cycles, {versus}",
                l.layer,
                l.kind,
                style::grouped(cycles[j]),
            );
        }
        if best == 0 {
            continue;
        }
        if let [only] = winners[..] {
            wins[only] += 1;
        } else {
            ties += 1;
        }
    }
    let dataflows: Vec<String> = runs.iter().map(|(d, _)| d.clone()).collect();
    let x_labels = runs.first().map_or(Vec::new(), |(_, r)| {
        array.iter().map(|&i| r.layers[i].layer.clone()).collect()
    });
    let heatmap = Heatmap {
        title: title.to_string(),
        panels: vec![Panel {
            title: String::new(),
            x_labels,
            y_labels: dataflows.clone(),
            cells,
            titles,
        }],
        x_desc: "array layer (model order; vector-unit layers left out)".into(),
        y_desc: "dataflow".into(),
        scale: Scale {
            lo: 1.0,
            hi: 5.0,
            log: true,
            reversed: true,
            label: "cycles ÷ fastest dataflow's (×)".into(),
            unit_suffix: "×".into(),
            display_scale: 1.0,
        },
        size: (1200, 520),
        values: true,
        rotate_x: true,
        empty_label: "no cycles".into(),
    };
    LayerWinners {
        heatmap,
        wins,
        ties,
        dataflows,
        totals: runs.iter().map(|(_, r)| r.total.total_cycles).collect(),
    }
}
