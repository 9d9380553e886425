//! Dataflows and the one mapping from a dataflow to the roles of the GEMM's
//! dimensions and operands on the array. The simulator's fold plans and the
//! Verilog generator's buffer layouts both read it from [`Dataflow::roles`].

use std::fmt;

/// How operands map onto the array (SCALE-Sim's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dataflow {
    /// Weight stationary: B tiles held in the PEs, A rows stream, C accumulates outside.
    Ws,
    /// Output stationary: C tiles accumulate in the PEs, A and B stream.
    Os,
    /// Input stationary: A tiles held in the PEs, B columns stream.
    Is,
}

impl Dataflow {
    /// All dataflows, in the order reports show them.
    pub const ALL: [Dataflow; 3] = [Dataflow::Ws, Dataflow::Os, Dataflow::Is];

    /// Parses `ws`, `os`, `is` (any case).
    pub fn parse(s: &str) -> Option<Dataflow> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ws" => Some(Dataflow::Ws),
            "os" => Some(Dataflow::Os),
            "is" => Some(Dataflow::Is),
            _ => None,
        }
    }

    /// The short name (`ws`, `os`, `is`).
    pub fn name(self) -> &'static str {
        match self {
            Dataflow::Ws => "ws",
            Dataflow::Os => "os",
            Dataflow::Is => "is",
        }
    }

    /// The long name (`weight-stationary`, ...).
    pub fn long_name(self) -> &'static str {
        match self {
            Dataflow::Ws => "weight-stationary",
            Dataflow::Os => "output-stationary",
            Dataflow::Is => "input-stationary",
        }
    }

    /// The roles of the GEMM's dimensions and operands under this dataflow.
    pub fn roles(self) -> Roles {
        use Dim::{K, M, N};
        use Edge::{Cols, Rows};
        let line = |lane, edge| Layout { lane, edge };
        match self {
            // Sr = K, Sc = N, T = M; B held in the PEs.
            Dataflow::Ws => Roles {
                rows: K,
                cols: N,
                time: M,
                stationary: Operand::B,
                lines: [line(K, Rows), line(N, Cols), line(N, Cols)],
            },
            // Sr = M, Sc = N, T = K; C accumulates in the PEs.
            Dataflow::Os => Roles {
                rows: M,
                cols: N,
                time: K,
                stationary: Operand::C,
                lines: [line(M, Rows), line(N, Cols), line(N, Cols)],
            },
            // Sr = K, Sc = M, T = N; A held in the PEs (the ws array on the
            // transposed problem, Cᵀ = Bᵀ Aᵀ).
            Dataflow::Is => Roles {
                rows: K,
                cols: M,
                time: N,
                stationary: Operand::A,
                lines: [line(M, Cols), line(K, Rows), line(M, Cols)],
            },
        }
    }
}

impl fmt::Display for Dataflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A dimension of the GEMM `C[M x N] = A[M x K] x B[K x N]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dim {
    /// Rows of A and C.
    M,
    /// The reduction dimension.
    K,
    /// Columns of B and C.
    N,
}

impl Dim {
    /// This dimension's size in a GEMM of `(m, k, n)`.
    pub fn of(self, (m, k, n): (u64, u64, u64)) -> u64 {
        match self {
            Dim::M => m,
            Dim::K => k,
            Dim::N => n,
        }
    }
}

/// An operand of the GEMM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operand {
    /// A (`M x K`): input activations, in the ifmap buffer.
    A,
    /// B (`K x N`): weights, in the filter buffer.
    B,
    /// C (`M x N`): outputs, in the ofmap buffer.
    C,
}

impl Operand {
    /// A, B, C.
    pub const ALL: [Operand; 3] = [Operand::A, Operand::B, Operand::C];

    /// The operand's two dimensions, (row, column) of its matrix.
    pub fn dims(self) -> (Dim, Dim) {
        match self {
            Operand::A => (Dim::M, Dim::K),
            Operand::B => (Dim::K, Dim::N),
            Operand::C => (Dim::M, Dim::N),
        }
    }
}

/// An edge of the array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Edge {
    /// The array's rows: a line with one lane per PE row.
    Rows,
    /// The array's columns: a line with one lane per PE column.
    Cols,
}

impl Edge {
    /// Lanes of a line along this edge of a `rows x cols` array.
    pub fn lanes(self, rows: u32, cols: u32) -> u32 {
        match self {
            Edge::Rows => rows,
            Edge::Cols => cols,
        }
    }
}

/// How one operand sits in its buffer: each line holds `lane`-dimension
/// elements, one per PE along `edge`; consecutive lines walk the operand's
/// other dimension, tile after tile of `lane`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Layout {
    /// The dimension spread over a line's lanes.
    pub lane: Dim,
    /// The array edge a line feeds (or, for C, drains from).
    pub edge: Edge,
}

/// The roles of a GEMM's dimensions and operands on the array under one
/// dataflow (SCALE-Sim's `Sr`, `Sc`, `T`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Roles {
    /// The dimension spread over the array's rows (`Sr`).
    pub rows: Dim,
    /// The dimension spread over the array's columns (`Sc`).
    pub cols: Dim,
    /// The dimension streamed in time (`T`).
    pub time: Dim,
    /// The operand that stays in the PEs during a fold.
    pub stationary: Operand,
    /// Buffer layouts of A, B and C, in [`Operand::ALL`] order.
    pub lines: [Layout; 3],
}

impl Roles {
    /// The layout of `op`'s buffer lines.
    pub fn layout(&self, op: Operand) -> Layout {
        self.lines[op as usize]
    }

    /// Lanes of a line of `op`'s buffer on a `rows x cols` array.
    pub fn lanes(&self, op: Operand, rows: u32, cols: u32) -> u32 {
        self.layout(op).edge.lanes(rows, cols)
    }

    /// Buffer lines `op` occupies for a GEMM of `(m, k, n)` on a `rows x
    /// cols` array: one line per element of its line dimension, per tile of
    /// its lane dimension.
    pub fn lines_needed(&self, op: Operand, gemm: (u64, u64, u64), rows: u32, cols: u32) -> u64 {
        let l = self.layout(op);
        let (a, b) = op.dims();
        let along = if l.lane == a { b } else { a };
        l.lane
            .of(gemm)
            .div_ceil(u64::from(l.edge.lanes(rows, cols)))
            .saturating_mul(along.of(gemm))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_match_scalesim_mapping() {
        let g = (5, 7, 11);
        let sizes = |d: Dataflow| {
            let r = d.roles();
            (r.rows.of(g), r.cols.of(g), r.time.of(g))
        };
        // SCALE-Sim: os Sr=M Sc=N T=K; ws Sr=K Sc=N T=M; is Sr=K Sc=M T=N.
        assert_eq!(sizes(Dataflow::Os), (5, 11, 7));
        assert_eq!(sizes(Dataflow::Ws), (7, 11, 5));
        assert_eq!(sizes(Dataflow::Is), (7, 5, 11));
    }

    #[test]
    fn every_layout_spreads_one_of_its_operands_dimensions() {
        for df in Dataflow::ALL {
            let r = df.roles();
            for op in Operand::ALL {
                let (a, b) = op.dims();
                let l = r.layout(op);
                assert!(l.lane == a || l.lane == b, "{df} {op:?}");
            }
            assert_eq!(
                r.layout(Operand::C).edge,
                Edge::Cols,
                "C drains from the columns"
            );
        }
    }

    #[test]
    fn lines_needed_counts_tiles_times_lines() {
        // ws on 2x3: A lines = ceil(K/2) * M, B = ceil(N/3) * K, C = ceil(N/3) * M.
        let r = Dataflow::Ws.roles();
        let g = (4, 5, 7);
        assert_eq!(r.lines_needed(Operand::A, g, 2, 3), 3 * 4);
        assert_eq!(r.lines_needed(Operand::B, g, 2, 3), 3 * 5);
        assert_eq!(r.lines_needed(Operand::C, g, 2, 3), 3 * 4);
        let r = Dataflow::Is.roles();
        assert_eq!(r.lines_needed(Operand::A, g, 2, 3), 2 * 5);
        assert_eq!(r.lines_needed(Operand::B, g, 2, 3), 3 * 7);
        assert_eq!(r.lines_needed(Operand::C, g, 2, 3), 2 * 7);
        let r = Dataflow::Os.roles();
        assert_eq!(r.lines_needed(Operand::A, g, 2, 3), 2 * 5);
        assert_eq!(r.lines_needed(Operand::B, g, 2, 3), 3 * 5);
        assert_eq!(r.lines_needed(Operand::C, g, 2, 3), 3 * 4);
    }
}
