//! Dataflow comparisons: the best design of each dataflow side by side
//! (latency and energy), and which dataflow wins each layer.

use super::heatmap::{Heatmap, Panel, Scale};
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
}

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

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
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
                .draw()?;
            c.draw_series(
                self.best
                    .iter()
                    .enumerate()
                    .map(|(i, b)| kit::bar(i, 0.0, get(b), dataflow_colour(&b.dataflow), 24)),
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
        kit::legend(&side, "best design (lowest EDP)", &entries)
    }
}

/// Per-layer comparison of the same design in each dataflow.
#[derive(Debug, Clone)]
pub struct LayerWinners {
    /// The heatmap: one row per dataflow, one column per layer, each cell the
    /// layer's cycles divided by the fastest dataflow's (1 = winner).
    pub heatmap: Heatmap,
    /// Layers each dataflow is strictly fastest on, in the order of `dataflows`.
    pub wins: Vec<usize>,
    /// Layers where the fastest dataflows tie.
    pub ties: usize,
    /// The dataflows compared.
    pub dataflows: Vec<String>,
    /// Total cycles of the model in each dataflow.
    pub totals: Vec<u64>,
}

/// Compares `runs` (the same model on the same design in each dataflow, as
/// `(dataflow, report)`) layer by layer.
pub fn layer_winners(title: &str, runs: &[(String, ModelReport)]) -> LayerWinners {
    let n = runs.first().map_or(0, |(_, r)| r.layers.len());
    let mut cells = vec![vec![None; n]; runs.len()];
    let mut wins = vec![0; runs.len()];
    let mut ties = 0;
    for i in 0..n {
        let cycles: Vec<u64> = runs.iter().map(|(_, r)| r.layers[i].total_cycles).collect();
        let best = cycles.iter().copied().min().unwrap_or(0);
        if best == 0 {
            continue;
        }
        for (row, c) in cells.iter_mut().zip(&cycles) {
            row[i] = Some(*c as f64 / best as f64);
        }
        let winners: Vec<usize> = (0..cycles.len()).filter(|&j| cycles[j] == best).collect();
        if let [only] = winners[..] {
            wins[only] += 1;
        } else {
            ties += 1;
        }
    }
    let dataflows: Vec<String> = runs.iter().map(|(d, _)| d.clone()).collect();
    let heatmap = Heatmap {
        title: title.to_string(),
        panels: vec![Panel {
            title: String::new(),
            x_labels: (0..n).map(|i| i.to_string()).collect(),
            y_labels: dataflows.clone(),
            cells,
        }],
        x_desc: "layer (index in model order)".into(),
        y_desc: "dataflow".into(),
        scale: Scale {
            lo: 1.0,
            hi: 4.0,
            log: true,
            reversed: true,
            label: "cycles ÷ fastest dataflow's (×)".into(),
            unit_suffix: "×".into(),
            display_scale: 1.0,
        },
        size: (1200, 330),
        values: true,
    };
    LayerWinners {
        heatmap,
        wins,
        ties,
        dataflows,
        totals: runs.iter().map(|(_, r)| r.total.total_cycles).collect(),
    }
}
