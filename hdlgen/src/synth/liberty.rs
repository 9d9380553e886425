//! Reading a standard-cell liberty: cell areas, and the flip-flops'
//! clock-to-Q and setup tables (interpolated as the liberty's NLDM tables
//! are), for `super::asic`'s critical path.

use std::collections::BTreeMap;

/// Liberty areas of every cell, µm², by name (for checking a report's sum).
pub fn cell_areas(liberty_text: &str) -> BTreeMap<String, f64> {
    groups(liberty_text, "cell")
        .into_iter()
        .filter_map(|(name, body)| Some((name.to_string(), attr(body, "area")?)))
        .collect()
}

/// A rising-edge flip-flop's timing tables (liberty units: ns, fF).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Flop {
    /// Clock-to-Q rise and fall: clock slew index, load index, values.
    clk_to_q: Vec<Table>,
    /// Setup rise and fall: data slew index, clock slew index, values.
    setup: Vec<Table>,
}

#[derive(Debug, Clone, PartialEq)]
struct Table {
    index_1: Vec<f64>,
    index_2: Vec<f64>,
    values: Vec<Vec<f64>>,
}

impl Table {
    /// The value in row `row` of `index_1`, interpolated linearly along
    /// `index_2` (clamped to the table's range).
    fn along_index_2(&self, row: usize, x: f64) -> f64 {
        interpolate(&self.index_2, &self.values[row], x)
    }

    /// The value at the first `index_2` point (an ideal clock edge),
    /// interpolated linearly along `index_1`.
    fn along_index_1(&self, x: f64) -> f64 {
        let column: Vec<f64> = self.values.iter().map(|r| r[0]).collect();
        interpolate(&self.index_1, &column, x)
    }
}

fn interpolate(xs: &[f64], ys: &[f64], x: f64) -> f64 {
    let x = x.clamp(xs[0], xs[xs.len() - 1]);
    let i = xs.windows(2).position(|w| x <= w[1]).unwrap_or(0);
    let (x0, x1, y0, y1) = (xs[i], xs[i + 1], ys[i], ys[i + 1]);
    y0 + (y1 - y0) * (x - x0) / (x1 - x0)
}

impl Flop {
    /// Clock-to-Q, ps: the slower of rise and fall with an ideal clock edge
    /// (the tables' first clock slew) into `load_ff`.
    pub(super) fn clk_to_q_ps(&self, load_ff: f64) -> f64 {
        self.clk_to_q
            .iter()
            .map(|t| t.along_index_2(0, load_ff) * 1e3)
            .fold(0.0, f64::max)
    }

    /// Setup, ps: the larger of rise and fall with an ideal clock edge and
    /// the data arriving with slew `slew_ps`.
    pub(super) fn setup_ps(&self, slew_ps: f64) -> f64 {
        self.setup
            .iter()
            .map(|t| t.along_index_1(slew_ps * 1e-3) * 1e3)
            .fold(0.0, f64::max)
    }
}

/// What the timing needs from a liberty file.
pub(super) struct Liberty {
    pub(super) name: String,
    pub(super) flops: BTreeMap<String, Flop>,
}

impl Liberty {
    pub(super) fn parse(text: &str) -> Result<Liberty, String> {
        let name = groups(text, "library")
            .first()
            .map(|(n, _)| n.to_string())
            .ok_or("no `library (...)` group")?;
        let mut flops = BTreeMap::new();
        for (cell, body) in groups(text, "cell") {
            if groups(body, "ff").is_empty() {
                continue;
            }
            let mut clk_to_q = Vec::new();
            let mut setup = Vec::new();
            for (_, pin) in groups(body, "pin") {
                for (_, timing) in groups(pin, "timing") {
                    let kind = attr_text(timing, "timing_type").unwrap_or_default();
                    let (names, into) = match kind.as_str() {
                        "rising_edge" => (["cell_rise", "cell_fall"], &mut clk_to_q),
                        "setup_rising" => (["rise_constraint", "fall_constraint"], &mut setup),
                        _ => continue,
                    };
                    for n in names {
                        into.extend(groups(timing, n).into_iter().filter_map(|(_, t)| table(t)));
                    }
                }
            }
            if !clk_to_q.is_empty() && !setup.is_empty() {
                flops.insert(cell.to_string(), Flop { clk_to_q, setup });
            }
        }
        if flops.is_empty() {
            return Err("no rising-edge flip-flop with clock-to-Q and setup tables".into());
        }
        Ok(Liberty { name, flops })
    }
}

/// Every `kind (name) { body }` group in `text` (at any depth), in order.
fn groups<'a>(text: &'a str, kind: &str) -> Vec<(&'a str, &'a str)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(off) = text[i..].find(kind) {
        let at = i + off;
        i = at + kind.len();
        let before_ok =
            at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        let rest = text[i..].trim_start();
        if !before_ok || !rest.starts_with('(') {
            continue;
        }
        let open = text.len() - rest.len();
        let Some(close) = text[open..].find(')').map(|c| open + c) else {
            break;
        };
        let name = text[open + 1..close].trim().trim_matches('"');
        let after = text[close + 1..].trim_start();
        if !after.starts_with('{') {
            continue;
        }
        let start = text.len() - after.len() + 1;
        let mut depth = 1;
        let mut j = start;
        while j < bytes.len() && depth > 0 {
            match bytes[j] {
                b'{' => depth += 1,
                b'}' => depth -= 1,
                _ => {}
            }
            j += 1;
        }
        out.push((name, &text[start..j.saturating_sub(1)]));
        i = j;
    }
    out
}

/// A simple attribute `key : value ;` directly in `body`, as text.
fn attr_text(body: &str, key: &str) -> Option<String> {
    body.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| {
            v.trim()
                .trim_end_matches(';')
                .trim()
                .trim_matches('"')
                .to_string()
        })
    })
}

fn attr(body: &str, key: &str) -> Option<f64> {
    attr_text(body, key)?.parse().ok()
}

fn numbers(s: &str) -> Vec<f64> {
    s.split(|c: char| c == ',' || c == '"' || c == '\\' || c.is_whitespace())
        .filter_map(|t| t.parse().ok())
        .collect()
}

/// A two-index lookup table: `index_1`, `index_2`, `values`.
fn table(body: &str) -> Option<Table> {
    let list = |key: &str| {
        let at = body.find(key)?;
        let open = at + body[at..].find('(')?;
        let close = open + body[open..].find(')')?;
        Some(&body[open + 1..close])
    };
    let index_1 = numbers(list("index_1")?);
    let index_2 = numbers(list("index_2")?);
    let flat = numbers(list("values")?);
    if index_1.len() < 2 || index_2.len() < 2 || flat.len() != index_1.len() * index_2.len() {
        return None;
    }
    let values = flat.chunks(index_2.len()).map(<[f64]>::to_vec).collect();
    Some(Table {
        index_1,
        index_2,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_and_clamps() {
        assert_eq!(interpolate(&[1.0, 3.0], &[10.0, 30.0], 2.0), 20.0);
        assert_eq!(interpolate(&[1.0, 3.0], &[10.0, 30.0], 0.0), 10.0);
        assert_eq!(interpolate(&[1.0, 3.0], &[10.0, 30.0], 9.0), 30.0);
    }
}
