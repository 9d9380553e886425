//! Writing results: to standard output, or to a file with
//! [`sim::output::write_file_atomic`] (a regular file replaced atomically, a
//! pipe or device written through, links and directories refused).

use std::path::Path;

/// Writes `text` to `path`, or to standard output when `path` is `None`.
/// Any failure, including a full disk behind standard output, is an error
/// (exit 1); only a closed pipe (`| head`) is not.
pub fn emit(text: &str, path: Option<&Path>) -> miette::Result<()> {
    match path {
        None => sim::output::stdout(text.as_bytes()).map_err(sim::error::io_error(
            "write",
            Path::new("<standard output>"),
        )),
        Some(path) => sim::output::write_file_atomic(path, text.as_bytes())
            .map_err(sim::error::io_error("write", path)),
    }
    .map_err(miette::Report::new)
}
