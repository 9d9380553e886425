//! Errors: one library error enum, and user-input diagnostics that name the
//! file, line and field at fault with a hint.

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};
use std::fmt;

/// A problem with something a user wrote (design, topology, config, table,
/// command-line value): where it is, what was expected, and a hint.
#[derive(Debug)]
pub struct InputError {
    /// Stable diagnostic code, e.g. `systolic::design::field`.
    pub code: &'static str,
    /// File (or `<command line>`) the problem is in.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// Field or column name, when known (e.g. `array.rows`).
    pub field: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    source: Option<NamedSource<String>>,
    span: Option<SourceSpan>,
}

impl InputError {
    /// A new error about `file`.
    pub fn new(code: &'static str, file: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            code,
            file: file.into(),
            line: None,
            field: None,
            message: message.into(),
            help: None,
            source: None,
            span: None,
        }
    }

    /// Names the field or column at fault.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Adds a hint.
    pub fn hint(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the 1-based line.
    pub fn line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// Drops the quoted source text (keeping the line): for files the user
    /// did not name directly, whose content an error must not echo.
    pub fn without_source(mut self) -> Self {
        self.source = None;
        self.span = None;
        self
    }

    /// Points at a byte range of `text` (the whole file); derives the line.
    pub fn span(mut self, text: &str, range: std::ops::Range<usize>) -> Self {
        let start = range.start.min(text.len());
        self.line = Some(text[..start].matches('\n').count() + 1);
        self.span = Some(SourceSpan::from(start..range.end.clamp(start, text.len())));
        self.source = Some(NamedSource::new(self.file.clone(), text.to_string()));
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

impl Diagnostic for InputError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        let label = self.field.clone().unwrap_or_else(|| "here".into());
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(label),
            span,
        ))))
    }
}

/// Why the pe engine refused a run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeError {
    /// Operand matrices do not have the stated shapes.
    #[error("operand {name} has {len} elements, expected {expected} ({shape})")]
    Shape {
        /// `A` or `B`.
        name: &'static str,
        /// Elements given.
        len: usize,
        /// Elements expected.
        expected: usize,
        /// The expected shape, e.g. `4 x 5`.
        shape: String,
    },
    /// An operand value does not fit the design's operand precision.
    #[error("{name}[{index}] = {value} does not fit {precision}")]
    Range {
        /// `A` or `B`.
        name: &'static str,
        /// Flat index.
        index: usize,
        /// The value.
        value: i64,
        /// The precision.
        precision: String,
    },
    /// The design does not compute in integers.
    #[error(
        "the pe engine computes integer designs only; {0} values are not simulated bit-exactly yet"
    )]
    NotInteger(String),
    /// The design's weights are N:M sparse, which the pe engine does not
    /// simulate yet (the fast engine costs them).
    #[error("the pe engine does not simulate {0} sparse weights on this design yet (integer ws designs only)")]
    Sparse(String),
    /// Weights that break the design's N:M pattern.
    #[error("B breaks the design's {pattern} pattern: column {column}, rows {first} to {last} (group {group}) hold {nonzero} nonzero weights, at most {keep} allowed (`systolic prune --pattern {pattern}` prunes weights to it)")]
    Pattern {
        /// `N:M`.
        pattern: String,
        /// The group (along K).
        group: usize,
        /// Its column of B.
        column: usize,
        /// Its first row of B.
        first: usize,
        /// Its last row of B.
        last: usize,
        /// Nonzeros in it.
        nonzero: usize,
        /// N.
        keep: u32,
    },
    /// Two actions hit the same register in one cycle (a contract violation).
    #[error("hazard at cycle {cycle}: {what}")]
    Hazard {
        /// Cycle.
        cycle: u64,
        /// What collided.
        what: String,
    },
}

/// Errors of the `sim` crate.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum SimError {
    /// Bad user input.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Input(#[from] Box<InputError>),
    /// A file could not be read or written.
    #[error("cannot {action} {path}: {source}")]
    #[diagnostic(
        code(systolic::io),
        help("check that the path names a file, that its directory exists, and that you may {action} it")
    )]
    Io {
        /// `read`, `write`, `create`, ...
        action: &'static str,
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The pe engine refused or caught a hazard.
    #[error(transparent)]
    #[diagnostic(
        code(systolic::pe),
        help("the pe engine simulates integer designs with operands in range")
    )]
    Pe(#[from] PeError),
    /// An unknown name (design, model, table): see [`crate::names`].
    #[error("unknown {what} `{name}`{}", crate::names::did_you_mean(suggestions))]
    #[diagnostic(code(systolic::unknown_name), help("{known}"))]
    Unknown {
        /// What kind of thing was asked for.
        what: &'static str,
        /// The name given.
        name: String,
        /// The closest known names, best first (may be empty).
        suggestions: Vec<String>,
        /// The names that exist, and what else may be given.
        known: String,
    },
    /// A step a caller runs beside the simulator (a sweep's synthesis or
    /// co-simulation) failed: its error, rendered.
    #[error("{what}: {message}")]
    #[diagnostic(code(systolic::stage), help("{hint}"))]
    Stage {
        /// Which step, of what.
        what: String,
        /// Its error and causes.
        message: String,
        /// What to do.
        hint: String,
    },
}

impl SimError {
    /// The error for an unknown `what` called `name` among the built-in
    /// names `known`, with the closest as suggestions ([`crate::names`]);
    /// `or` says what else could have been given (e.g. a path).
    pub fn unknown(what: &'static str, name: &str, known: &[&str], or: &str) -> SimError {
        SimError::Unknown {
            what,
            name: name.to_string(),
            suggestions: crate::names::suggestions(name, known.iter().copied()),
            known: format!(
                "built-in {what}s: {}{}",
                known.join(", "),
                if or.is_empty() {
                    String::new()
                } else {
                    format!("; {or}")
                }
            ),
        }
    }
}

impl From<InputError> for SimError {
    fn from(e: InputError) -> Self {
        SimError::Input(Box::new(e))
    }
}

/// Result with [`SimError`].
pub type Result<T, E = SimError> = std::result::Result<T, E>;

/// Maps an I/O failure to `action` (`read`, `write`, ...) `path` to a
/// [`SimError::Io`].
pub fn io_error<'a>(
    action: &'static str,
    path: &'a std::path::Path,
) -> impl Fn(std::io::Error) -> SimError + 'a {
    move |source| SimError::Io {
        action,
        path: path.display().to_string(),
        source,
    }
}

/// Reads a whole file, mapping failure to [`SimError::Io`].
pub fn read_file(path: &std::path::Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(io_error("read", path))
}

/// Checks an output path before any work is done ([`crate::output::check`]):
/// a directory, a symbolic link or another file that is not regular, a pipe
/// or a terminal is refused now, not after the work.
pub fn check_output_file(path: &std::path::Path) -> Result<()> {
    crate::output::check(path)
        .map(|_| ())
        .map_err(io_error("write", path))
}

/// Byte range of the value at a dotted TOML `path` (`array.rows`) in
/// `text`, or of element `index` of the array there; `None` when absent.
pub fn span_of(text: &str, path: &str, index: Option<usize>) -> Option<std::ops::Range<usize>> {
    let doc = toml_edit::ImDocument::parse(text).ok()?;
    let mut item: &toml_edit::Item = doc.as_item();
    for key in path.split('.') {
        item = item.get(key)?;
    }
    match index {
        Some(i) => item.as_array()?.get(i)?.span(),
        None => item.span(),
    }
}
