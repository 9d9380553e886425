//! Reusing a synthesis: the key of everything a report depends on (the
//! RTL's bytes, the Yosys script, target, device, options, tool versions
//! and the flow's own code), kept in the report as `cache_key`.

use super::report::SynthReport;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The source of the synthesis flow: a change to how it runs Yosys and
/// nextpnr or counts what they found changes every key, so a report made
/// by another version of the flow is never reused.
const FLOW: [&str; 8] = [
    include_str!("mod.rs"),
    include_str!("flow.rs"),
    include_str!("job.rs"),
    include_str!("yosys.rs"),
    include_str!("pnr.rs"),
    include_str!("target.rs"),
    include_str!("report.rs"),
    include_str!("cache.rs"),
];

/// SHA-256 (hex) of the flow's source, `parts` and each `(name, bytes)`
/// file, every piece length-prefixed so that no two different inputs run
/// together alike.
pub(crate) fn key<'a>(
    parts: &[&str],
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> String {
    let mut h = Sha256::new();
    let mut piece = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    piece(b"systolic synth, key format 1");
    for f in FLOW {
        piece(f.as_bytes());
    }
    for p in parts {
        piece(p.as_bytes());
    }
    for (name, bytes) in files {
        piece(name.as_bytes());
        piece(bytes);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The report at `path` when it was made with `key`; `None` when there is
/// none, it does not load, or it was made from other inputs.
pub(crate) fn reusable(path: &Path, key: &str) -> Option<SynthReport> {
    let report = SynthReport::load(path).ok()?;
    (report.cache_key.as_deref() == Some(key)).then_some(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_and_byte_changes_the_key_and_pieces_do_not_run_together() {
        let k = |parts: &[&str], files: &[(&str, &[u8])]| key(parts, files.iter().copied());
        let base = k(&["ice40", "up5k"], &[("a.v", b"module a;")]);
        assert_eq!(base.len(), 64);
        assert_eq!(base, k(&["ice40", "up5k"], &[("a.v", b"module a;")]));
        for other in [
            k(&["ice40", "hx8k"], &[("a.v", b"module a;")]),
            k(&["ice40", "up5k"], &[("a.v", b"module b;")]),
            k(&["ice40", "up5k"], &[("b.v", b"module a;")]),
            k(&["ice40up5k"], &[("a.v", b"module a;")]),
            k(&["ice40", "up5k", ""], &[("a.v", b"module a;")]),
            k(&["ice40", "up5k"], &[("a.v", b"module a;"), ("", b"")]),
        ] {
            assert_ne!(base, other);
        }
    }
}
