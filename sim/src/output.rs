//! Output files, written so that nothing a user has is harmed: a regular
//! file is replaced atomically (a temporary beside it, created new under an
//! unpredictable name, synced, renamed over it, the directory synced); a
//! FIFO or a character device (`/dev/stdout`, `/dev/null`, a pipe) is
//! written through, never replaced; a symbolic link, a directory or any
//! other kind of file is refused. Temporaries that a killed process left
//! behind for the same file are removed on the next write.

use std::fs::{File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// What an output path names today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Nothing yet, or a regular file: replaced atomically.
    File,
    /// A FIFO or a character device: written through.
    Stream,
}

/// Checks `path` before any work is done: `Ok` for a path that does not
/// exist yet, a regular file, a FIFO or a character device; an error
/// naming what it is otherwise (a directory, a symbolic link, a socket...).
pub fn check(path: &Path) -> io::Result<Target> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Target::File),
        Err(e) => return Err(e),
    };
    let ft = meta.file_type();
    if ft.is_file() {
        return Ok(Target::File);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() || ft.is_char_device() {
            return Ok(Target::Stream);
        }
    }
    let what = if ft.is_dir() {
        "a directory; give a file name"
    } else if ft.is_symlink() {
        "a symbolic link; give the path of the file itself (systolic does not replace links)"
    } else {
        "not a regular file, a pipe or a terminal; give a file name"
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is {what}"),
    ))
}

/// Writes `bytes` to `path` (see the module comment). A reader never sees
/// half a file; a failed write leaves a regular file as it was.
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if check(path)? == Target::Stream {
        let mut f = OpenOptions::new().write(true).open(path)?;
        f.write_all(bytes)?;
        return f.flush();
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?
        .to_string_lossy()
        .into_owned();
    std::fs::create_dir_all(dir)?;
    remove_stale(dir, &name);
    let (tmp, mut f) = create_temporary(dir, &name)?;
    let result = f
        .write_all(bytes)
        .and_then(|()| f.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map(|()| sync_dir(dir))
}

/// The prefix of `name`'s temporaries.
fn prefix(name: &str) -> String {
    format!(".{name}.")
}

/// A random 64-bit number from the standard library's per-process hashing
/// keys (seeded from the operating system), mixed with time and a counter.
fn random() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(NEXT.fetch_add(1, Ordering::Relaxed));
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    h.finish()
}

/// Creates a new temporary beside `name` in `dir` (never opening one that
/// exists): `.NAME.PID-RANDOM.tmp`.
fn create_temporary(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    let mut last = None;
    for _ in 0..16 {
        let tmp = dir.join(format!(
            "{}{}-{:016x}.tmp",
            prefix(name),
            std::process::id(),
            random()
        ));
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o644);
        }
        match opts.open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no temporary name was free")))
}

/// Removes temporaries of `name` in `dir` left by processes that no longer
/// run (a write killed half way). Only files named as [`create_temporary`]
/// names them, whose process is gone, are removed.
fn remove_stale(dir: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = prefix(name);
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = file
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .and_then(|rest| rest.split_once('-'))
            .filter(|(_, r)| r.len() == 16 && r.chars().all(|c| c.is_ascii_hexdigit()))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let is_file = e.file_type().is_ok_and(|t| t.is_file());
        if is_file && pid != std::process::id() && !running(pid) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Whether process `pid` runs (Linux: it has a `/proc` entry; elsewhere
/// assumed running, so nothing is removed).
fn running(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

/// Checks that files can be created in `dir` (creating it if missing): a
/// temporary is created new there and removed. Run before the work, so a
/// read-only or missing folder is found before anything is written.
pub fn check_dir_writable(dir: &Path) -> io::Result<()> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    std::fs::create_dir_all(dir)?;
    let (tmp, f) = create_temporary(dir, "systolic-probe")?;
    drop(f);
    std::fs::remove_file(tmp)
}

/// Whether `a` and `b` name the same file: the same path once made absolute
/// and `.`/`..` resolved, or (when both exist) the same file on disk.
pub fn same_file(a: &Path, b: &Path) -> bool {
    fn lexical(p: &Path) -> PathBuf {
        let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let mut out = PathBuf::new();
        for c in abs.components() {
            match c {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir => {
                    out.pop();
                }
                other => out.push(other),
            }
        }
        out
    }
    if lexical(a) == lexical(b) {
        return true;
    }
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Syncs a directory so renames and new files in it survive a crash (best
/// effort: not every platform or file system allows it).
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Writes `bytes` to standard output. A closed pipe (`| head`) is not an
/// error; any other failure (`> /dev/full`) is.
pub fn stdout(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("systolic-output-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn files_are_replaced_whole_and_no_temporary_is_left() {
        let dir = scratch("replace");
        let p = dir.join("r.csv");
        write_file_atomic(&p, b"one").unwrap();
        write_file_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, ["r.csv"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn links_and_directories_are_refused_and_devices_written_through() {
        let dir = scratch("kinds");
        let real = dir.join("real.txt");
        std::fs::write(&real, "mine").unwrap();
        let link = dir.join("link.txt");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let e = write_file_atomic(&link, b"x").unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "mine");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        let e = write_file_atomic(&dir, b"x").unwrap_err();
        assert!(e.to_string().contains("directory"), "{e}");
        // /dev/null is written through and stays a device.
        write_file_atomic(Path::new("/dev/null"), b"x").unwrap();
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
        // /dev/full reports the failure instead of being replaced.
        if Path::new("/dev/full").exists() {
            let e = write_file_atomic(Path::new("/dev/full"), b"x").unwrap_err();
            assert_eq!(e.raw_os_error(), Some(28), "{e}");
            assert!(std::fs::metadata("/dev/full")
                .unwrap()
                .file_type()
                .is_char_device());
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn same_file_sees_through_dots_and_links() {
        let dir = scratch("same");
        let a = dir.join("a.csv");
        assert!(same_file(&a, &dir.join("x/../a.csv")));
        assert!(same_file(&a, &dir.join("./a.csv")));
        assert!(!same_file(&a, &dir.join("b.csv")));
        #[cfg(unix)]
        {
            std::fs::write(&a, "").unwrap();
            std::os::unix::fs::symlink(&a, dir.join("l.csv")).unwrap();
            assert!(same_file(&a, &dir.join("l.csv")));
        }
        check_dir_writable(&dir.join("new/sub")).unwrap();
        assert!(dir.join("new/sub").is_dir());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn stale_temporaries_of_dead_processes_are_removed() {
        let dir = scratch("stale");
        // A pid far above Linux's maximum (4,194,304) never runs.
        let stale = dir.join(".r.csv.999999999-0123456789abcdef.tmp");
        let other = dir.join(".r.csv.notes.tmp");
        let live = dir.join(format!(
            ".r.csv.{}-0123456789abcdef.tmp",
            std::process::id()
        ));
        for p in [&stale, &other, &live] {
            std::fs::write(p, "x").unwrap();
        }
        write_file_atomic(&dir.join("r.csv"), b"new").unwrap();
        if cfg!(target_os = "linux") {
            assert!(!stale.exists(), "a dead process's temporary is removed");
        }
        assert!(other.exists() && live.exists(), "others are kept");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
