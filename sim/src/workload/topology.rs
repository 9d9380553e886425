//! SCALE-Sim topology CSV files, read unchanged: convolution rows
//! (`name, IFMAP H, IFMAP W, Filter H, Filter W, Channels, Num Filter, Strides,`)
//! or GEMM rows (`Layer Name, M, N, K,`), recognized by the header.
//! As in SCALE-Sim, convolutions have no padding, and a layer whose name
//! contains `DP` is depthwise: one layer per channel, each with one channel.

use super::layer::Op;
use super::model::{Model, ModelBuilder};
use crate::error::{InputError, Result};
use std::path::Path;

const CONV_COLUMNS: [&str; 7] = [
    "IFMAP Height",
    "IFMAP Width",
    "Filter Height",
    "Filter Width",
    "Channels",
    "Num Filter",
    "Strides",
];
const GEMM_COLUMNS: [&str; 3] = ["M", "N", "K"];

/// Reads a topology file.
pub fn load(path: &Path) -> Result<Model> {
    let text = crate::error::read_file(path)?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "topology".into());
    parse(&text, &path.display().to_string(), &name)
}

/// Parses topology text; `file` names it in errors.
pub fn parse(text: &str, file: &str, model_name: &str) -> Result<Model> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let Some((header_idx, header)) = lines.next() else {
        return Err(InputError::new("systolic::topology::empty", file, "the topology file is empty")
            .hint("the first line is a header: `Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,` (conv) or `Layer Name, M, N, K,` (GEMM)")
            .into());
    };
    let head: Vec<String> = cells(header)
        .into_iter()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let gemm = head.len() >= 4 && head[1] == "m" && head[2] == "n" && head[3] == "k";
    let columns: &[&str] = if gemm { &GEMM_COLUMNS } else { &CONV_COLUMNS };
    if !gemm && head.len() < 8 {
        return Err(InputError::new(
            "systolic::topology::header",
            file,
            format!("the header has {} columns; a convolution topology needs 8 (name and 7 numbers), a GEMM topology 4", head.len()),
        )
        .line(header_idx + 1)
        .hint("SCALE-Sim headers: `Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,` or `Layer Name, M, N, K,`")
        .into());
    }
    let mut b = ModelBuilder::new(model_name);
    let mut prev = None;
    let mut count = 0;
    for (idx, line) in lines {
        let lineno = idx + 1;
        let row = cells(line);
        if row.len() < columns.len() + 1 {
            return Err(InputError::new(
                "systolic::topology::row",
                file,
                format!(
                    "expected {} values (a name and {}), found {}",
                    columns.len() + 1,
                    columns.join(", "),
                    row.len()
                ),
            )
            .line(lineno)
            .hint("each row needs every column of the header; a trailing comma is fine")
            .into());
        }
        let name = row[0].clone();
        let mut nums = [0u64; 7];
        for (i, col) in columns.iter().enumerate() {
            let cell = &row[i + 1];
            nums[i] = match cell.parse::<u64>() {
                Ok(v) if v > 0 => v,
                _ => {
                    return Err(InputError::new(
                        "systolic::topology::value",
                        file,
                        format!("layer `{name}`: expected a positive integer, found `{cell}`"),
                    )
                    .line(lineno)
                    .field(*col)
                    .hint("every size, channel count and stride is a whole number greater than 0")
                    .into())
                }
            };
        }
        let op = if gemm {
            Op::Gemm {
                m: nums[0],
                n: nums[1],
                k: nums[2],
            }
        } else {
            let [h, w, fh, fw, ch, nf, s] = nums;
            if fh > h || fw > w {
                return Err(InputError::new(
                    "systolic::topology::value",
                    file,
                    format!(
                        "layer `{name}`: the filter ({fh}x{fw}) is larger than the input ({h}x{w})"
                    ),
                )
                .line(lineno)
                .field("Filter Height")
                .hint("SCALE-Sim applies no padding: give the input size including any padding")
                .into());
            }
            let depthwise = name.contains("DP");
            Op::Conv2d {
                in_c: ch,
                in_h: h,
                in_w: w,
                // Saturating: an absurd count fails the lowering bounds.
                out_c: if depthwise { nf.saturating_mul(ch) } else { nf },
                kh: fh,
                kw: fw,
                stride: (s, s),
                pad: (0, 0),
                pad_end: (0, 0),
                dilation: (1, 1),
                groups: if depthwise { ch } else { 1 },
            }
        };
        let id = b.add(name, op, prev.as_slice());
        prev = Some(id);
        count += 1;
    }
    if count == 0 {
        return Err(InputError::new(
            "systolic::topology::empty",
            file,
            "the topology has a header but no layers",
        )
        .hint("add one row per layer below the header")
        .into());
    }
    Ok(b.build())
}

fn cells(line: &str) -> Vec<String> {
    let mut v: Vec<String> = line.split(',').map(|c| c.trim().to_string()).collect();
    while v.last().is_some_and(|c| c.is_empty()) {
        v.pop();
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::{lower, GemmOp, Lowered};

    #[test]
    fn conv_rows_with_trailing_commas() {
        let m = parse(
            "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nConv1, 227, 227, 11, 11, 3, 96, 4,\n",
            "t.csv",
            "t",
        )
        .unwrap();
        let l = m.layers().next().unwrap();
        // SCALE-Sim: E = ceil((227 - 11 + 4) / 4) = 55.
        assert_eq!(
            lower(&l.op, 1),
            Lowered::Gemm(GemmOp {
                m: 55 * 55,
                k: 363,
                n: 96,
                count: 1,
                a_unique: 3 * 227 * 227,
                b_weights: true,
            })
        );
    }

    #[test]
    fn gemm_header_is_recognized_and_mnk_order_kept() {
        let m = parse("Layer Name, M, N, K,\nfc, 4, 10, 20,\n", "g.csv", "g").unwrap();
        let l = m.layers().next().unwrap();
        assert_eq!(
            lower(&l.op, 1),
            Lowered::Gemm(GemmOp::new(4, 20, 10).of_weights())
        );
    }

    #[test]
    fn dp_layers_split_per_channel() {
        let m = parse(
            "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nConv_DP1, 114, 114, 3, 3, 32, 1, 1,\n",
            "t.csv",
            "t",
        )
        .unwrap();
        let l = m.layers().next().unwrap();
        assert_eq!(
            lower(&l.op, 1),
            Lowered::Gemm(GemmOp {
                m: 112 * 112,
                k: 9,
                n: 1,
                count: 32,
                a_unique: 114 * 114,
                b_weights: true,
            })
        );
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse(
            "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc1, 10, 10, 3, 3, 3, 8, 1,\nc2, 10, x, 3, 3, 3, 8, 1,\n",
            "bad.csv",
            "t",
        )
        .unwrap_err();
        let s = e.to_string();
        assert!(s.contains("bad.csv:3"), "{s}");
        assert!(s.contains("IFMAP Width"), "{s}");
        assert!(s.contains("`x`"), "{s}");
        let short = parse("Layer Name, M, N, K,\nfc, 4, 10,\n", "g.csv", "g")
            .unwrap_err()
            .to_string();
        assert!(
            short.contains("g.csv:2") && short.contains("expected 4 values"),
            "{short}"
        );
        let big = parse(
            "Layer name, a,b,c,d,e,f,g,\nc, 2, 2, 3, 3, 1, 1, 1,\n",
            "b.csv",
            "b",
        )
        .unwrap_err()
        .to_string();
        assert!(big.contains("larger than the input"), "{big}");
        assert!(parse("", "e.csv", "e")
            .unwrap_err()
            .to_string()
            .contains("empty"));
    }
}
