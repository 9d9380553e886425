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
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        miette::miette!(
            code = "systolic::io",
            help = "check that the directory is writable",
            "cannot write {}: {e}",
            path.display()
        )
    })
}
