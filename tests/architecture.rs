//! The house's shape, checked: crates depend on each other one way only
//! (sim <- dse <- report, sim <- hdlgen; the CLI on all), and inside each
//! crate the top-level modules import each other without a circle (a module
//! imports only from its own floor or below).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file of `src` belongs to (`lib` for lib.rs).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Top-level modules of a crate and the ones each imports (`crate::m` paths;
/// test modules excluded).
fn module_graph(krate: &str) -> BTreeMap<String, BTreeSet<String>> {
    let src = root().join(krate).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let from = module_of(&src, f);
        if from == "lib" || from == "main" || f.ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        // Code before a `#[cfg(test)]` module only, comments left out.
        let code: String = text
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let targets: Vec<String> = if name.is_empty() && rest.starts_with('{') {
                let inner = &rest[1..rest.find('}').unwrap_or(rest.len())];
                inner
                    .split(',')
                    .map(|s| s.trim().split("::").next().unwrap_or("").to_string())
                    .collect()
            } else {
                vec![name]
            };
            for t in targets {
                if t != from && modules.contains(&t) {
                    graph.entry(from.clone()).or_default().insert(t);
                }
            }
        }
        graph.entry(from).or_default();
    }
    graph
}

/// A cycle in `graph`, if there is one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(n) {
            Some(2) => return None,
            Some(1) => {
                let at = path.iter().position(|p| p == n).unwrap();
                let mut c = path[at..].to_vec();
                c.push(n.to_string());
                return Some(c);
            }
            _ => {}
        }
        state.insert(n.to_string(), 1);
        path.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, g, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if let Some(c) = visit(n, graph, &mut state, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

#[test]
fn no_crate_has_an_import_circle_between_its_modules() {
    for krate in ["sim", "dse", "report", "hdlgen"] {
        let g = module_graph(krate);
        assert!(g.len() > 3, "{krate}: {g:?}");
        if let Some(c) = cycle(&g) {
            panic!(
                "{krate}: modules import each other in a circle: {}",
                c.join(" -> ")
            );
        }
    }
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    g.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    g.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(cycle(&g).unwrap(), ["a", "b", "c", "a"]);
    g.insert("c".to_string(), BTreeSet::new());
    assert!(cycle(&g).is_none());
}

/// The workspace crates a crate's Cargo.toml depends on.
fn deps(krate: &str) -> BTreeSet<String> {
    let toml = std::fs::read_to_string(root().join(krate).join("Cargo.toml")).unwrap();
    let deps = toml.split("[dependencies]").nth(1).unwrap();
    let deps = deps.split("\n[").next().unwrap();
    ["sim", "dse", "report", "hdlgen"]
        .into_iter()
        .filter(|c| deps.lines().any(|l| l.starts_with(&format!("{c} ="))))
        .map(str::to_string)
        .collect()
}

#[test]
fn crates_depend_one_way_along_the_pipeline() {
    let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(deps("sim"), set(&[]), "sim depends on no other crate");
    assert_eq!(deps("dse"), set(&["sim"]));
    assert_eq!(deps("report"), set(&["dse", "sim"]));
    assert_eq!(deps("hdlgen"), set(&["sim"]));
    assert_eq!(deps("."), set(&["dse", "hdlgen", "report", "sim"]));
    // The report draws; it never simulates.
    let mut files = Vec::new();
    sources(&root().join("report/src"), &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for call in [
            "simulate(",
            "run_gemm(",
            "FastEngine",
            "PeEngine",
            ".variant(",
        ] {
            assert!(!text.contains(call), "{}: calls `{call}`", f.display());
        }
    }
}

#[test]
fn subcommands_do_not_import_each_other() {
    let mut files = Vec::new();
    sources(&root().join("src"), &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let me = f.file_stem().unwrap().to_string_lossy().into_owned();
        if me == "main" {
            continue;
        }
        for (i, _) in text.match_indices("cmd_") {
            let before = &text[..i];
            if before.ends_with("crate::") || before.ends_with("use crate::{") {
                panic!("{}: imports another subcommand", f.display());
            }
        }
    }
}
