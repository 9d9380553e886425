//! Writing an IP folder safely: every target is checked before anything is
//! written (a folder, empty or holding only this design's IP), the files go
//! into a staging folder beside it, and the staging folder takes its place.

use super::file::{SourceFile, MARK};
use super::manifest::{Manifest, MANIFEST};
use crate::error::HdlError;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Names shown when refusing a folder (the rest are counted).
const SHOWN: usize = 5;

/// `dir` as an absolute path to the folder itself (a symlink to a folder is
/// followed); refuses anything that exists and is not a folder, and a new
/// name that reads as a Verilog file (`top.v`): the IP is several files.
fn resolve(dir: &Path) -> Result<PathBuf, HdlError> {
    let not_a_folder = || HdlError::NotAFolder {
        path: dir.to_path_buf(),
    };
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => std::fs::canonicalize(dir).map_err(HdlError::io("resolve", dir)),
        Ok(_) => Err(not_a_folder()),
        // A dangling symlink is not a folder systolic may create.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let file_like = dir
                .extension()
                .is_some_and(|x| ["v", "sv", "vh", "svh", "f"].contains(&&*x.to_string_lossy()));
            if file_like || std::fs::symlink_metadata(dir).is_ok() {
                return Err(not_a_folder());
            }
            std::path::absolute(dir).map_err(HdlError::io("resolve", dir))
        }
        Err(e) => Err(HdlError::io("read", dir)(e)),
    }
}

/// The design a file generated before manifests existed says it is from.
fn legacy_design(text: &str) -> Option<&str> {
    let (_, rest) = text.split_once("from design `")?;
    rest.split_once('`').map(|(name, _)| name)
}

/// The text of a file systolic generated: readable, UTF-8 and carrying the
/// mark. Anything else (unreadable, binary, not UTF-8, unmarked) is not ours.
fn generated_text(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .filter(|t| t.contains(MARK))
}

/// Refuses `dir` (already resolved) unless it is missing, empty, or holds
/// only an IP systolic wrote for `design`: the manifest, and files it lists
/// that are regular, UTF-8 and carry the mark (an IP from before manifests:
/// marked files naming this design).
fn check_owned(dir: &Path, design: &str) -> Result<(), HdlError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(HdlError::io("read", dir)(e)),
    };
    // (name as shown, name as text when it is UTF-8, a regular file)
    let mut present = Vec::new();
    for e in entries {
        let e = e.map_err(HdlError::io("read", dir))?;
        let is_file = e
            .file_type()
            .map_err(HdlError::io("read", e.path()))?
            .is_file();
        let raw = e.file_name();
        let shown = crate::text::one_line(&raw.to_string_lossy()).into_owned();
        present.push((shown, raw.into_string().ok(), is_file));
    }
    present.sort();
    if present.is_empty() {
        return Ok(());
    }
    let other = |other: &str| HdlError::OtherDesign {
        dir: dir.to_path_buf(),
        design: design.to_string(),
        other: crate::text::one_line(other).into_owned(),
    };
    let mut foreign = Vec::new();
    let manifest = Manifest::read(dir)?;
    if let Some(m) = &manifest {
        if m.design != design {
            return Err(other(&m.design));
        }
    }
    for (shown, name, is_file) in &present {
        let Some(name) = name.as_deref().filter(|_| *is_file) else {
            foreign.push(shown.clone());
            continue;
        };
        if manifest.is_some() && name == MANIFEST {
            continue;
        }
        let listed = manifest
            .as_ref()
            .is_none_or(|m| m.files.binary_search(&name.to_string()).is_ok());
        let Some(text) = generated_text(&dir.join(name)).filter(|_| listed) else {
            foreign.push(shown.clone());
            continue;
        };
        // An IP from before manifests says in each file whose it is.
        if manifest.is_none() {
            if let Some(d) = legacy_design(&text).filter(|d| *d != design) {
                return Err(other(d));
            }
        }
    }
    if foreign.is_empty() {
        return Ok(());
    }
    let more = foreign.len().saturating_sub(SHOWN);
    foreign.truncate(SHOWN);
    if more > 0 {
        foreign.push(format!("and {more} more"));
    }
    Err(HdlError::ForeignFiles {
        dir: dir.to_path_buf(),
        files: foreign,
    })
}

/// Checks that `dir` may receive `design`'s IP; returns it resolved.
pub(super) fn check_target(dir: &Path, design: &str) -> Result<PathBuf, HdlError> {
    let target = resolve(dir)?;
    check_owned(&target, design)?;
    Ok(target)
}

/// A fresh hidden name beside `name` in `parent`.
fn beside(parent: &Path, name: &str, what: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    parent.join(format!(
        ".{name}.systolic-{what}-{}-{n}",
        std::process::id()
    ))
}

fn write_synced(path: &Path, text: &str) -> Result<(), HdlError> {
    let mut f = std::fs::File::create(path).map_err(HdlError::io("create", path))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(HdlError::io("write", path))
}

/// Removes the staging and set-aside folders of `name` in `parent` that a
/// `gen` killed half way left (their process no longer runs).
fn remove_stale(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let prefix = format!(".{name}.systolic-");
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let pid = file
            .strip_prefix(&prefix)
            .and_then(|rest| {
                rest.strip_prefix("new-")
                    .or_else(|| rest.strip_prefix("old-"))
            })
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, n)| n.parse::<u64>().ok().and(pid.parse::<u32>().ok()));
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if let Some(pid) = pid {
            if is_dir && pid != std::process::id() && !sim::output::running(pid) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Moves the complete `staging` folder to `target`, moving an earlier IP
/// there aside first and deleting it after.
fn replace(target: &Path, staging: &Path, parent: &Path, name: &str) -> Result<(), HdlError> {
    if std::fs::symlink_metadata(target).is_err() {
        return std::fs::rename(staging, target).map_err(HdlError::io("move into place", target));
    }
    let old = beside(parent, name, "old");
    std::fs::rename(target, &old).map_err(HdlError::io("move aside", target))?;
    if let Err(e) = std::fs::rename(staging, target) {
        let _ = std::fs::rename(&old, target);
        return Err(HdlError::io("move into place", target)(e));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// Writes `files` as the IP folder `dir` of `design` (see `Ip::write`).
pub(super) fn write_folder(
    dir: &Path,
    design: &str,
    files: &[SourceFile],
) -> Result<Vec<PathBuf>, HdlError> {
    let target = check_target(dir, design)?;
    let (Some(parent), Some(name)) = (target.parent(), target.file_name()) else {
        return Err(HdlError::NotAFolder {
            path: dir.to_path_buf(),
        });
    };
    let name = name.to_string_lossy().into_owned();
    std::fs::create_dir_all(parent).map_err(HdlError::io("create", parent))?;
    remove_stale(parent, &name);
    let staging = beside(parent, &name, "new");
    std::fs::create_dir(&staging).map_err(HdlError::io("create", &staging))?;
    let result = files
        .iter()
        .try_for_each(|f| write_synced(&staging.join(&f.name), &f.text))
        .and_then(|()| {
            sim::output::sync_dir(&staging);
            // Again, just before the move: nothing may have appeared meanwhile.
            check_owned(&target, design)?;
            replace(&target, &staging, parent, &name)
        });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result?;
    sim::output::sync_dir(parent);
    Ok(files.iter().map(|f| target.join(&f.name)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("systolic-ipwrite-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn file(name: &str, text: &str) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: text.into(),
        }
    }

    fn ip(design: &str, names: &[&str]) -> Vec<SourceFile> {
        let mut v: Vec<SourceFile> = names
            .iter()
            .map(|n| file(n, &format!("// {MARK} from design `{design}`.\n")))
            .collect();
        v.push(Manifest::new(design, "top", names.iter().map(|n| n.to_string())).file());
        v
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_replaces_its_own_and_refuses_anything_else() {
        let root = scratch("rules");
        let dir = root.join("ip");
        write_folder(&dir, "d", &ip("d", &["a.v", "b.v"])).unwrap();
        assert_eq!(listing(&dir), [MANIFEST, "a.v", "b.v"]);
        // Its own IP is replaced whole: a file it no longer writes goes.
        write_folder(&dir, "d", &ip("d", &["a.v"])).unwrap();
        assert_eq!(listing(&dir), [MANIFEST, "a.v"]);
        // Another design's IP, a foreign file, a file as the target: refused, untouched.
        let e = write_folder(&dir, "e", &ip("e", &["a.v"])).unwrap_err();
        assert!(matches!(e, HdlError::OtherDesign { .. }), "{e}");
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        let e = write_folder(&dir, "d", &ip("d", &["a.v"])).unwrap_err();
        assert!(
            matches!(e, HdlError::ForeignFiles { .. }) && e.to_string().contains("notes.txt"),
            "{e}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
            "mine"
        );
        let e = write_folder(&dir.join("a.v"), "d", &ip("d", &["a.v"])).unwrap_err();
        assert!(matches!(e, HdlError::NotAFolder { .. }), "{e}");
        // A new name that reads as a Verilog file is refused too.
        let e = write_folder(&root.join("top.v"), "d", &ip("d", &["a.v"])).unwrap_err();
        assert!(matches!(e, HdlError::NotAFolder { .. }), "{e}");
        // Folders a killed gen left (a process that no longer runs) go;
        // a running process's stay.
        std::fs::remove_file(dir.join("notes.txt")).unwrap();
        let dead = root.join(".ip.systolic-new-999999999-0");
        let aside = root.join(".ip.systolic-old-999999999-3");
        let live = root.join(format!(".ip.systolic-new-{}-77", std::process::id()));
        for d in [&dead, &aside, &live] {
            std::fs::create_dir_all(d).unwrap();
        }
        write_folder(&dir, "d", &ip("d", &["a.v"])).unwrap();
        assert!(!dead.exists() && !aside.exists() && live.exists());
        std::fs::remove_dir_all(&live).unwrap();
        // Nothing staged is left beside it.
        assert_eq!(listing(&root), ["ip"]);
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn ips_from_before_manifests_are_recognized_by_their_mark() {
        let root = scratch("legacy");
        let dir = root.join("ip");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("x.v"),
            format!("// {MARK} 0.1.0 from design `d`.\n"),
        )
        .unwrap();
        std::fs::write(dir.join("files.f"), format!("// {MARK}: RTL files of d\n")).unwrap();
        let e = write_folder(&dir, "e", &ip("e", &["a.v"])).unwrap_err();
        assert!(e.to_string().contains("design `d`"), "{e}");
        write_folder(&dir, "d", &ip("d", &["a.v"])).unwrap();
        assert_eq!(listing(&dir), [MANIFEST, "a.v"]);
        let _ = std::fs::remove_dir_all(root);
    }
}
