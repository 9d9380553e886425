//! Writing results: to standard output, or atomically to a file (a temporary
//! file beside it, then a rename), so a reader never sees half a file.

use std::io::Write;
use std::path::Path;

/// Writes `text` to `path` atomically, or prints it when `path` is `None`.
pub fn emit(text: &str, path: Option<&Path>) -> miette::Result<()> {
    let Some(path) = path else {
        let mut out = std::io::stdout().lock();
        // A closed pipe (e.g. `| head`) is not an error worth reporting.
        let _ = out.write_all(text.as_bytes());
        return Ok(());
    };
    sim::error::write_file_atomic(path, text.as_bytes()).map_err(|e| {
        miette::miette!(
            code = "systolic::io",
            help = "check that the directory is writable",
            "cannot write {}: {e}",
            path.display()
        )
    })
}
