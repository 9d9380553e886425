//! Writing results: to standard output, or to a file with
//! [`sim::output::write_file_atomic`] (a regular file replaced atomically, a
//! pipe or device written through, links and directories refused); report
//! directories.

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

/// Writes `page` into the report directory `dir` ([`report::site::Page::write`])
/// and says on standard error how many files went where.
pub fn write_report(page: &report::site::Page, dir: &Path) -> miette::Result<()> {
    let files = page.write(dir)?;
    eprintln!(
        "wrote {} report files to {}; open {}",
        files.len(),
        dir.display(),
        dir.join("index.html").display()
    );
    Ok(())
}
