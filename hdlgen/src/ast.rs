//! A typed Verilog-2001 AST: just what the generated RTL and testbench use.
//! Text comes only from `print.rs`; builders here keep module code short.

// `add`, `not`, ... build AST nodes by value; operator traits would hide that.
#![allow(clippy::should_implement_trait)]

/// An expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// A name (signal, parameter, genvar).
    Id(String),
    /// An unsized decimal literal.
    Int(i64),
    /// A sized literal printed as `width'dvalue` (or `'b` for one bit).
    Sized(u32, u64),
    /// A string literal (system task arguments).
    Str(String),
    /// A unary operation.
    Unary(UnOp, Box<Expr>),
    /// A binary operation, always printed in parentheses.
    Binary(Box<Expr>, BinOp, Box<Expr>),
    /// `c ? a : b`.
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `x[i]`.
    Index(Box<Expr>, Box<Expr>),
    /// `x[msb:lsb]`.
    Slice(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `x[base +: width]`.
    Part(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `{a, b, ...}`.
    Concat(Vec<Expr>),
    /// `{n{x}}`.
    Repeat(Box<Expr>, Box<Expr>),
    /// A system function call such as `$signed(x)` or `$clog2(n)`.
    Call(String, Vec<Expr>),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    /// `!`
    Not,
    /// `~`
    BitNot,
    /// `-`
    Neg,
    /// `|` (reduction or)
    RedOr,
    /// `&` (reduction and)
    RedAnd,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (integer division, for elaboration-time indices)
    Div,
    /// `%`
    Mod,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=` (comparison)
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `&&`
    And,
    /// `||`
    Or,
    /// `&`
    BitAnd,
    /// `|`
    BitOr,
    /// `^`
    BitXor,
    /// `<<`
    Shl,
    /// `>>>`
    Ashr,
    /// `>>` (logical)
    Shr,
}

impl BinOp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::Shl => "<<",
            BinOp::Ashr => ">>>",
            BinOp::Shr => ">>",
        }
    }
}

/// A name as an expression.
pub fn id(name: impl Into<String>) -> Expr {
    Expr::Id(name.into())
}

/// An unsized integer literal.
pub fn int(v: i64) -> Expr {
    Expr::Int(v)
}

/// A sized literal.
pub fn sized(width: u32, v: u64) -> Expr {
    Expr::Sized(width, v)
}

/// A string literal.
pub fn string(s: impl Into<String>) -> Expr {
    Expr::Str(s.into())
}

/// A system function call.
pub fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Call(name.to_string(), args)
}

/// `{a, b, ...}`.
pub fn concat(parts: Vec<Expr>) -> Expr {
    Expr::Concat(parts)
}

/// `{n{x}}`.
pub fn repeat(n: Expr, x: Expr) -> Expr {
    Expr::Repeat(Box::new(n), Box::new(x))
}

macro_rules! binops {
    ($($name:ident => $op:ident),* $(,)?) => {
        $(
            #[doc = concat!("`self ", stringify!($op), " rhs`.")]
            pub fn $name(self, rhs: impl Into<Expr>) -> Expr {
                Expr::Binary(Box::new(self), BinOp::$op, Box::new(rhs.into()))
            }
        )*
    };
}

impl Expr {
    binops!(
        add => Add, sub => Sub, mul => Mul, div => Div, rem => Mod, eq => Eq, ne => Ne, lt => Lt, le => Le,
        gt => Gt, ge => Ge, and => And, or => Or, bitand => BitAnd, bitor => BitOr, bitxor => BitXor,
        shl => Shl, ashr => Ashr, shr => Shr,
    );

    /// `!self`.
    pub fn not(self) -> Expr {
        Expr::Unary(UnOp::Not, Box::new(self))
    }

    /// `~self`.
    pub fn bitnot(self) -> Expr {
        Expr::Unary(UnOp::BitNot, Box::new(self))
    }

    /// `-self`.
    pub fn neg(self) -> Expr {
        Expr::Unary(UnOp::Neg, Box::new(self))
    }

    /// `|self`.
    pub fn any(self) -> Expr {
        Expr::Unary(UnOp::RedOr, Box::new(self))
    }

    /// `&self`.
    pub fn all(self) -> Expr {
        Expr::Unary(UnOp::RedAnd, Box::new(self))
    }

    /// `self[i]`.
    pub fn idx(self, i: impl Into<Expr>) -> Expr {
        Expr::Index(Box::new(self), Box::new(i.into()))
    }

    /// `self[msb:lsb]`.
    pub fn slice(self, msb: impl Into<Expr>, lsb: impl Into<Expr>) -> Expr {
        Expr::Slice(Box::new(self), Box::new(msb.into()), Box::new(lsb.into()))
    }

    /// `self[base +: width]`.
    pub fn part(self, base: impl Into<Expr>, width: impl Into<Expr>) -> Expr {
        Expr::Part(
            Box::new(self),
            Box::new(base.into()),
            Box::new(width.into()),
        )
    }

    /// `self ? a : b`.
    pub fn tern(self, a: impl Into<Expr>, b: impl Into<Expr>) -> Expr {
        Expr::Ternary(Box::new(self), Box::new(a.into()), Box::new(b.into()))
    }

    /// `$signed(self)`.
    pub fn signed(self) -> Expr {
        call("$signed", vec![self])
    }
}

impl From<&str> for Expr {
    fn from(s: &str) -> Expr {
        id(s)
    }
}

impl From<String> for Expr {
    fn from(s: String) -> Expr {
        id(s)
    }
}

impl From<i64> for Expr {
    fn from(v: i64) -> Expr {
        int(v)
    }
}

/// A bit range `[msb:lsb]` of a declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    /// Most significant index.
    pub msb: Expr,
    /// Least significant index.
    pub lsb: Expr,
}

/// `[width-1:0]`.
pub fn bits(width: impl Into<Expr>) -> Option<Range> {
    Some(Range {
        msb: width.into().sub(1),
        lsb: int(0),
    })
}

/// Port direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// `input`
    Input,
    /// `output`
    Output,
}

/// Net kind of a port or declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Net {
    /// `wire`
    Wire,
    /// `reg`
    Reg,
    /// `integer` (testbench only)
    Integer,
    /// `genvar`
    Genvar,
}

/// A module port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    /// Direction.
    pub dir: Dir,
    /// `wire` or `reg`.
    pub net: Net,
    /// Signedness.
    pub signed: bool,
    /// Bit range, `None` for one bit.
    pub range: Option<Range>,
    /// Name.
    pub name: String,
    /// One-line description printed after the port.
    pub doc: String,
}

/// An input wire.
pub fn input(name: &str, range: Option<Range>, doc: &str) -> Port {
    Port {
        dir: Dir::Input,
        net: Net::Wire,
        signed: false,
        range,
        name: name.to_string(),
        doc: doc.to_string(),
    }
}

/// An output (`reg` when `reg` is true).
pub fn output(name: &str, reg: bool, range: Option<Range>, doc: &str) -> Port {
    Port {
        dir: Dir::Output,
        net: if reg { Net::Reg } else { Net::Wire },
        signed: false,
        range,
        name: name.to_string(),
        doc: doc.to_string(),
    }
}

/// A module parameter with its default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Name.
    pub name: String,
    /// Default value.
    pub value: Expr,
    /// One-line description.
    pub doc: String,
}

/// A procedural statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stmt {
    /// `begin ... end`.
    Block(Vec<Stmt>),
    /// `if (c) a else b`.
    If(Expr, Box<Stmt>, Option<Box<Stmt>>),
    /// `lhs <= rhs;`
    Nb(Expr, Expr),
    /// `lhs = rhs;`
    Set(Expr, Expr),
    /// `for (i = a; cond; i = step) body` (testbench and static unrolled loops).
    For(String, Expr, Expr, Expr, Box<Stmt>),
    /// `while (c) body` (testbench only).
    While(Expr, Box<Stmt>),
    /// A system task call, e.g. `$display(...)` (testbench only).
    Task(String, Vec<Expr>),
    /// `@(posedge clk);` (testbench only).
    WaitPosedge(String),
    /// `@(negedge clk);` (testbench only).
    WaitNegedge(String),
    /// `#n stmt` (testbench only).
    Delay(u64, Box<Stmt>),
}

/// `lhs <= rhs;`
pub fn nb(lhs: impl Into<Expr>, rhs: impl Into<Expr>) -> Stmt {
    Stmt::Nb(lhs.into(), rhs.into())
}

/// `lhs = rhs;`
pub fn set(lhs: impl Into<Expr>, rhs: impl Into<Expr>) -> Stmt {
    Stmt::Set(lhs.into(), rhs.into())
}

/// `if (c) then`.
pub fn if_(c: Expr, then: Vec<Stmt>) -> Stmt {
    Stmt::If(c, Box::new(Stmt::Block(then)), None)
}

/// `if (c) then else otherwise`.
pub fn if_else(c: Expr, then: Vec<Stmt>, otherwise: Vec<Stmt>) -> Stmt {
    Stmt::If(
        c,
        Box::new(Stmt::Block(then)),
        Some(Box::new(Stmt::Block(otherwise))),
    )
}

/// A system task statement.
pub fn task(name: &str, args: Vec<Expr>) -> Stmt {
    Stmt::Task(name.to_string(), args)
}

/// A module-level item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A comment line.
    Comment(String),
    /// `(* text *)`: an attribute of the item that follows.
    Attribute(String),
    /// `localparam NAME = value;`
    Localparam(String, Expr),
    /// A declaration: `wire`/`reg`/`integer`, optional range and memory depth
    /// (`reg [W-1:0] mem [0:D-1]`), optional continuous value (`wire x = e;`).
    Decl {
        /// Net kind.
        net: Net,
        /// Signedness.
        signed: bool,
        /// Bit range.
        range: Option<Range>,
        /// Name.
        name: String,
        /// Memory depth: `[0:depth-1]`.
        depth: Option<Expr>,
        /// Value of a wire declared with an assignment.
        value: Option<Expr>,
    },
    /// `assign lhs = rhs;`
    Assign(Expr, Expr),
    /// `always @(posedge clk) body`.
    AlwaysFf(String, Stmt),
    /// `always @* body`.
    AlwaysComb(Stmt),
    /// `initial body` (testbench only).
    Initial(Stmt),
    /// `always body` (testbench clock only).
    Always(Stmt),
    /// A module instance with parameter overrides and named port connections.
    Instance {
        /// Module name.
        module: String,
        /// Instance name.
        name: String,
        /// Parameter overrides.
        params: Vec<(String, Expr)>,
        /// Port connections.
        ports: Vec<(String, Expr)>,
    },
    /// `for (genvar = from; genvar < to; genvar = genvar + 1) begin : label ... end`.
    GenFor {
        /// Genvar name.
        var: String,
        /// First value.
        from: Expr,
        /// Bound (exclusive).
        to: Expr,
        /// Block label.
        label: String,
        /// Body.
        body: Vec<Item>,
    },
    /// `if (cond) begin : label ... end else begin ... end` at module level.
    GenIf {
        /// Condition on parameters.
        cond: Expr,
        /// Block label.
        label: String,
        /// Items when true.
        then: Vec<Item>,
        /// Items when false.
        otherwise: Vec<Item>,
    },
}

/// `wire [range] name;`
pub fn wire(name: &str, range: Option<Range>) -> Item {
    decl(Net::Wire, false, name, range, None, None)
}

/// `wire [range] name = value;`
pub fn wire_eq(name: &str, range: Option<Range>, value: Expr) -> Item {
    decl(Net::Wire, false, name, range, None, Some(value))
}

/// `reg [range] name;`
pub fn reg(name: &str, range: Option<Range>) -> Item {
    decl(Net::Reg, false, name, range, None, None)
}

/// `reg [range] name [0:depth-1];`
pub fn mem(name: &str, range: Option<Range>, depth: Expr) -> Item {
    decl(Net::Reg, false, name, range, Some(depth), None)
}

/// A declaration of any kind.
pub fn decl(
    net: Net,
    signed: bool,
    name: &str,
    range: Option<Range>,
    depth: Option<Expr>,
    value: Option<Expr>,
) -> Item {
    Item::Decl {
        net,
        signed,
        range,
        name: name.to_string(),
        depth,
        value,
    }
}

/// `assign lhs = rhs;`
pub fn assign(lhs: impl Into<Expr>, rhs: impl Into<Expr>) -> Item {
    Item::Assign(lhs.into(), rhs.into())
}

/// `always @(posedge clk) begin ... end`.
pub fn always_ff(body: Vec<Stmt>) -> Item {
    Item::AlwaysFf("clk".to_string(), Stmt::Block(body))
}

/// `localparam name = value;`
pub fn localparam(name: &str, value: impl Into<Expr>) -> Item {
    Item::Localparam(name.to_string(), value.into())
}

/// A module instance.
pub fn instance(
    module: &str,
    name: &str,
    params: Vec<(&str, Expr)>,
    ports: Vec<(&str, Expr)>,
) -> Item {
    Item::Instance {
        module: module.to_string(),
        name: name.to_string(),
        params: params
            .into_iter()
            .map(|(n, e)| (n.to_string(), e))
            .collect(),
        ports: ports.into_iter().map(|(n, e)| (n.to_string(), e)).collect(),
    }
}

/// A generate loop `for (var = from; var < to; var = var + 1) begin : label`.
pub fn gen_for(var: &str, from: Expr, to: Expr, label: &str, body: Vec<Item>) -> Item {
    Item::GenFor {
        var: var.to_string(),
        from,
        to,
        label: label.to_string(),
        body,
    }
}

/// A whole module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Name.
    pub name: String,
    /// Comment lines printed above the module.
    pub doc: Vec<String>,
    /// Parameters.
    pub params: Vec<Param>,
    /// Ports.
    pub ports: Vec<Port>,
    /// Body.
    pub items: Vec<Item>,
}

impl Module {
    /// A module with a name and header comment and nothing else yet.
    pub fn new(name: &str, doc: &[&str]) -> Module {
        Module {
            name: name.to_string(),
            doc: doc.iter().map(|s| s.to_string()).collect(),
            params: Vec::new(),
            ports: Vec::new(),
            items: Vec::new(),
        }
    }

    /// Adds a parameter.
    pub fn param(&mut self, name: &str, value: impl Into<Expr>, doc: &str) -> &mut Self {
        self.params.push(Param {
            name: name.to_string(),
            value: value.into(),
            doc: doc.to_string(),
        });
        self
    }

    /// Adds a port.
    pub fn port(&mut self, p: Port) -> &mut Self {
        self.ports.push(p);
        self
    }

    /// Adds items.
    pub fn push(&mut self, items: impl IntoIterator<Item = Item>) -> &mut Self {
        self.items.extend(items);
        self
    }
}
