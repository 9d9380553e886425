//! Folders of the user's own for what co-simulation builds and runs: the
//! testbench cache (`$SYSTOLIC_HDL_CACHE`, else `$XDG_CACHE_HOME/systolic/hdl`,
//! else `~/.cache/systolic/hdl`; created with mode 700, refused when another
//! user owns it or others can write it), private temporary work folders,
//! and cached builds that are run only while a SHA-256 of what they were
//! built from, and of the binary, still matches.

use crate::error::HdlError;
use crate::ip::SourceFile;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read as _;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

/// The environment variable that names the cache folder.
pub const CACHE_ENV: &str = "SYSTOLIC_HDL_CACHE";

/// The record a finished build leaves in its folder.
const RECORD: &str = "build.json";

/// The testbench cache: `$SYSTOLIC_HDL_CACHE`, else
/// `$XDG_CACHE_HOME/systolic/hdl` (an absolute `XDG_CACHE_HOME` only), else
/// `$HOME/.cache/systolic/hdl`; created with mode 700 when missing, and
/// refused (with a hint) unless the current user owns it and no one else
/// can write it.
pub fn cache_dir() -> Result<PathBuf, HdlError> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let dir = if let Some(d) = var(CACHE_ENV) {
        d
    } else if let Some(x) = var("XDG_CACHE_HOME").filter(|p| p.is_absolute()) {
        x.join("systolic").join("hdl")
    } else if let Some(home) = var("HOME") {
        home.join(".cache").join("systolic").join("hdl")
    } else {
        return Err(HdlError::Cache {
            what: "the testbench cache",
            path: PathBuf::from("~/.cache/systolic/hdl"),
            problem: "has no place: none of SYSTOLIC_HDL_CACHE, XDG_CACHE_HOME and HOME is set"
                .into(),
            help: format!("set {CACHE_ENV} to a folder of your own"),
        });
    };
    private_folder(&dir, "the testbench cache")
}

/// `dir`, created with its missing parents (mode 700) when it does not
/// exist, as an absolute path without symbolic links; refused unless it is
/// a folder the current user owns and no other user can write. `what`
/// names it in errors.
pub fn private_folder(dir: &Path, what: &'static str) -> Result<PathBuf, HdlError> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(HdlError::io("create", dir))?;
    let dir = std::fs::canonicalize(dir).map_err(HdlError::io("resolve", dir))?;
    check_private(&dir, what)?;
    Ok(dir)
}

/// Refuses `dir` unless it is a folder the current user owns that neither
/// its group nor others can write.
fn check_private(dir: &Path, what: &'static str) -> Result<(), HdlError> {
    let meta = std::fs::metadata(dir).map_err(HdlError::io("read", dir))?;
    let refuse = |problem: String, help: String| {
        Err(HdlError::Cache {
            what,
            path: dir.to_path_buf(),
            problem,
            help,
        })
    };
    if !meta.is_dir() {
        return refuse(
            "is not a folder".into(),
            format!("point {CACHE_ENV} at a folder of your own"),
        );
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return refuse(
            format!("is owned by user {}, not by you (user {me})", meta.uid()),
            format!(
                "systolic runs only testbenches built in a folder of your own: point {CACHE_ENV} at one (a new one is created with mode 700)"
            ),
        );
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return refuse(
            format!("is writable by other users (mode {mode:o})"),
            format!(
                "whoever can write there can replace a testbench systolic runs: make it yours alone with `chmod 700 {}`, or point {CACHE_ENV} at another folder",
                dir.display()
            ),
        );
    }
    Ok(())
}

/// 64 bits no other process can predict (std's randomly keyed hasher, fed
/// the time, the process and a counter).
fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(NEXT.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    h.write_u128(now);
    h.finish()
}

/// A new folder `<parent>/<prefix><random>`, mode 700, that did not exist
/// before (never one someone else made).
fn new_folder(parent: &Path, prefix: &str, what: &'static str) -> Result<PathBuf, HdlError> {
    let mut last = None;
    for _ in 0..16 {
        let path = parent.join(format!("{prefix}{:016x}", random()));
        match std::fs::DirBuilder::new().mode(0o700).create(&path) {
            Ok(()) => {
                check_private(&path, what)?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(HdlError::io("create", path)(e)),
        }
    }
    Err(HdlError::io("create", parent)(last.expect("tried")))
}

/// A new private folder (mode 700, made by this call, with a name no one
/// can guess) in the system's temporary folder: `systolic-<what>-<random>`.
pub fn private_temp_dir(what: &str) -> Result<PathBuf, HdlError> {
    let tmp = std::env::temp_dir();
    let tmp = std::path::absolute(&tmp).map_err(HdlError::io("resolve", &tmp))?;
    new_folder(&tmp, &format!("systolic-{what}-"), "the work folder")
}

/// The SHA-256 (hex) of everything a build depends on: `parts` (tool
/// versions, flags, ...) and each file's name and bytes, every piece
/// length-prefixed so that no two different inputs run together alike.
pub fn build_key<'a>(
    parts: &[&str],
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> String {
    let mut h = Sha256::new();
    let mut piece = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    piece(b"systolic testbench build, key format 1");
    for p in parts {
        piece(p.as_bytes());
    }
    for (name, bytes) in files {
        piece(name.as_bytes());
        piece(bytes);
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a file's bytes.
fn file_sha256(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(hex(&h.finalize()));
        }
        h.update(&buf[..n]);
    }
}

/// What a finished build records beside what it built.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    /// The key of what it was built from.
    key: String,
    /// SHA-256 of the binary, as built.
    binary_sha256: String,
}

/// One build in the cache: `dir/src/` holds the sources, `dir/<binary>`
/// what the tool built, `dir/build.json` the record.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// The cache folder.
    pub root: &'a Path,
    /// The entry's folder name in it.
    pub name: String,
    /// Tool versions, flags and anything else besides the sources the build depends on.
    pub parts: Vec<String>,
    /// The sources, as written into `src/`.
    pub files: &'a [SourceFile],
    /// The built file the testbench runs, relative to the entry's folder.
    pub binary: &'a str,
}

impl Entry<'_> {
    fn key_of<'f>(&self, files: impl IntoIterator<Item = (&'f str, &'f [u8])>) -> String {
        let parts: Vec<&str> = self.parts.iter().map(String::as_str).collect();
        build_key(&parts, files)
    }

    /// The key of the sources to build.
    pub fn key(&self) -> String {
        self.key_of(
            self.files
                .iter()
                .map(|f| (f.name.as_str(), f.text.as_bytes())),
        )
    }

    /// The entry's folder.
    pub fn dir(&self) -> PathBuf {
        self.root.join(&self.name)
    }

    /// The entry's folder when its build may be run: its record names this
    /// key, the sources present in it hash to the key again, and its binary
    /// hashes as recorded. Anything else (no record, a stamp from an older
    /// systolic, edited sources, a replaced binary) is not run.
    pub fn reusable(&self) -> Option<PathBuf> {
        let dir = self.dir();
        let text = std::fs::read_to_string(dir.join(RECORD)).ok()?;
        let record: Record = serde_json::from_str(&text).ok()?;
        let key = self.key();
        if record.key != key {
            return None;
        }
        let present: Vec<(&str, Vec<u8>)> = self
            .files
            .iter()
            .map(|f| {
                Some((
                    f.name.as_str(),
                    std::fs::read(dir.join("src").join(&f.name)).ok()?,
                ))
            })
            .collect::<Option<_>>()?;
        if self.key_of(present.iter().map(|(n, b)| (*n, b.as_slice()))) != key {
            return None;
        }
        let binary = file_sha256(&dir.join(self.binary)).ok()?;
        (binary == record.binary_sha256).then_some(dir)
    }

    /// A new private folder beside the entry to build in, with the sources
    /// written into its `src/`.
    pub fn stage(&self) -> Result<PathBuf, HdlError> {
        let staging = new_folder(
            self.root,
            &format!(".{}.build-", self.name),
            "the testbench cache",
        )?;
        let src = staging.join("src");
        std::fs::create_dir(&src).map_err(HdlError::io("create", &src))?;
        for f in self.files {
            let p = src.join(&f.name);
            std::fs::write(&p, &f.text).map_err(HdlError::io("write", &p))?;
        }
        Ok(staging)
    }

    /// Records the build in `staging` and moves it into the entry's place
    /// (an earlier entry there is moved aside and deleted); returns the
    /// entry's folder. When another run installed the same build meanwhile,
    /// that one is kept.
    pub fn install(&self, staging: &Path) -> Result<PathBuf, HdlError> {
        let binary = staging.join(self.binary);
        let record = Record {
            key: self.key(),
            binary_sha256: file_sha256(&binary).map_err(HdlError::io("read", &binary))?,
        };
        let path = staging.join(RECORD);
        let text = serde_json::to_string_pretty(&record).expect("a record serializes") + "\n";
        std::fs::write(&path, text).map_err(HdlError::io("write", &path))?;
        let dir = self.dir();
        if std::fs::symlink_metadata(&dir).is_ok() {
            let old = self
                .root
                .join(format!(".{}.old-{:016x}", self.name, random()));
            std::fs::rename(&dir, &old).map_err(HdlError::io("move aside", &dir))?;
            let _ = std::fs::remove_dir_all(&old);
        }
        if let Err(e) = std::fs::rename(staging, &dir) {
            if let Some(theirs) = self.reusable() {
                let _ = std::fs::remove_dir_all(staging);
                return Ok(theirs);
            }
            return Err(HdlError::io("move into place", &dir)(e));
        }
        Ok(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("systolic-cache-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn private_folders_are_created_owner_only_and_others_refused() {
        let root = scratch("private");
        let dir = private_folder(&root.join("a/b"), "the testbench cache").unwrap();
        assert!(dir.is_absolute());
        assert_eq!((mode(&dir), mode(&root.join("a"))), (0o700, 0o700));
        for m in [0o777, 0o770, 0o722, 0o1777] {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(m)).unwrap();
            let e = private_folder(&dir, "the testbench cache").unwrap_err();
            assert!(
                e.to_string().contains("is writable by other users"),
                "{m:o}: {e}"
            );
        }
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        private_folder(&dir, "the testbench cache").unwrap();
        let file = root.join("f");
        std::fs::write(&file, "").unwrap();
        assert!(private_folder(&file, "the testbench cache").is_err());
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn temporary_work_folders_are_new_private_and_unpredictable() {
        let a = private_temp_dir("test").unwrap();
        let b = private_temp_dir("test").unwrap();
        assert_ne!(a, b);
        for d in [&a, &b] {
            assert_eq!(mode(d), 0o700);
            let name = d.file_name().unwrap().to_string_lossy().into_owned();
            let suffix = name.strip_prefix("systolic-test-").unwrap();
            assert_eq!(suffix.len(), 16, "{name}");
            assert!(!name.contains(&std::process::id().to_string()), "{name}");
            std::fs::remove_dir(d).unwrap();
        }
    }

    #[test]
    fn a_build_is_reused_only_while_its_sources_and_binary_match() {
        let root = private_folder(&scratch("entries"), "the testbench cache").unwrap();
        let files = [SourceFile {
            name: "a.v".into(),
            text: "module a; endmodule\n".into(),
        }];
        let entry = Entry {
            root: &root,
            name: "e".into(),
            parts: vec!["tool 1.0".into(), "-O2".into()],
            files: &files,
            binary: "bin",
        };
        assert!(entry.reusable().is_none());
        let staging = entry.stage().unwrap();
        assert_eq!(mode(&staging), 0o700);
        std::fs::write(staging.join("bin"), "built").unwrap();
        let dir = entry.install(&staging).unwrap();
        assert_eq!(entry.reusable(), Some(dir.clone()));
        // Another tool version or flag is another key.
        let other = Entry {
            parts: vec!["tool 1.1".into(), "-O2".into()],
            ..entry.clone()
        };
        assert!(other.reusable().is_none());
        // A replaced binary, edited sources, a lost record: not reused.
        std::fs::write(dir.join("bin"), "planted").unwrap();
        assert!(entry.reusable().is_none());
        std::fs::write(dir.join("bin"), "built").unwrap();
        assert!(entry.reusable().is_some());
        std::fs::write(dir.join("src/a.v"), "module b; endmodule\n").unwrap();
        assert!(entry.reusable().is_none());
        std::fs::write(dir.join("src/a.v"), &files[0].text).unwrap();
        assert!(entry.reusable().is_some());
        std::fs::remove_file(dir.join(RECORD)).unwrap();
        std::fs::write(dir.join("built"), "1.0\n").unwrap();
        assert!(entry.reusable().is_none());
        // Installing again replaces the entry whole.
        let staging = entry.stage().unwrap();
        std::fs::write(staging.join("bin"), "built").unwrap();
        entry.install(&staging).unwrap();
        assert!(entry.reusable().is_some() && !dir.join("built").exists());
        let left: Vec<_> = std::fs::read_dir(&root).unwrap().collect();
        assert_eq!(left.len(), 1, "nothing staged or old is left");
        let _ = std::fs::remove_dir_all(root);
    }
}
