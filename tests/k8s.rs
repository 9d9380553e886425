//! The Kubernetes manifests under `scripts/k8s/`, checked with no cluster:
//! an indexed Job whose pod `i` runs `systolic sweep --shard
//! $(JOB_COMPLETION_INDEX)/N` into a shared claim, the claim, and a Job that
//! merges the shards.
//!
//! kubectl reads each file and decodes it into its compiled-in API types
//! (`kubectl set env --local`): a wrong type or a malformed quantity is
//! refused, and a field the types lack (a misspelling) is dropped, which the
//! test finds by comparing with the file as written. kubectl's `--validate`
//! needs a server's OpenAPI document, so the test itself checks what the API
//! server and the kubelet would for what the manifests rely on: `Indexed`,
//! `restartPolicy: Never`, `--shard $(JOB_COMPLETION_INDEX)/N` with N the
//! Job's `completions`, every `$(VAR)` defined, the spec in the repository,
//! the merge listing every shard on the same claim. Then it runs each pod's
//! command and the merge's with the real binary (the claim a scratch
//! directory, the image's /systolic the repository): a pod stopped part way
//! leaves an incomplete shard that the merge refuses, its replacement
//! resumes it, and the merge is the unsharded sweep byte for byte. Broken
//! copies of the manifests must be refused. Needs kubectl 1.28 or later
//! (scripts/setup.sh); without it the test fails, never skips.

mod support;

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::{root, s, text};

const DIR: &str = "scripts/k8s";
/// The variable the Job controller gives each container of an indexed Job's pods.
const INDEX: &str = "JOB_COMPLETION_INDEX";
/// The first kubectl whose batch/v1 Job has `backoffLimitPerIndex` and `maxFailedIndexes`.
const MIN_MINOR: u32 = 28;
const INSTALL: &str = "tests/k8s.rs checks scripts/k8s/*.yaml with kubectl 1.28 or later \
    (offline, no cluster). Install the `kubectl` package from Kubernetes' or Google Cloud's apt \
    repository (scripts/setup.sh runs `apt-get install kubectl`, which a fresh Debian 12 cannot: \
    its own `kubernetes-client` is kubectl 1.20, which lacks backoffLimitPerIndex), or put a \
    kubectl binary on the PATH";

/// kubectl from the PATH, 1.28 or later; fails with the install hint otherwise.
fn kubectl() -> PathBuf {
    let path = support::on_path("kubectl")
        .unwrap_or_else(|| panic!("kubectl is not on the PATH: {INSTALL}"));
    let out = kubectl_run(&path, "version --client -o json", &[]);
    let version: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "`kubectl version` printed no version ({e}): {}",
            support::stderr(&out)
        )
    });
    let client = &version["clientVersion"];
    let minor = client["minor"].as_str().unwrap_or("").trim_end_matches('+');
    let minor: u32 = minor.parse().unwrap_or(0);
    let name = client["gitVersion"].as_str().unwrap_or("?");
    assert!(
        client["major"] == "1" && minor >= MIN_MINOR,
        "kubectl {name} is older than 1.{MIN_MINOR}: {INSTALL}"
    );
    println!("kubectl {name}");
    path
}

/// Runs `kubectl WORDS MORE` with no cluster configuration, so that it never
/// reaches a real cluster (Google's kubectl dispatcher asks the configured
/// server for its version, finds none and runs its own).
fn kubectl_run(kubectl: &Path, words: &str, more: &[&str]) -> Output {
    Command::new(kubectl)
        .args(words.split_whitespace())
        .args(more)
        .env("KUBECONFIG", "/dev/null")
        .output()
        .unwrap_or_else(|e| panic!("kubectl does not run ({e}): {INSTALL}"))
}

/// The objects of a manifest file as kubectl reads them: YAML to JSON, every
/// field as written (a JSON merge patch of `{}` changes nothing).
fn objects(kubectl: &Path, file: &Path) -> Result<Vec<Value>, String> {
    let o = kubectl_run(
        kubectl,
        "patch --local --type=merge -p {} -o json -f",
        &[s(file)],
    );
    if !o.status.success() {
        return Err(format!(
            "kubectl cannot read it: {}",
            support::stderr(&o).trim()
        ));
    }
    serde_json::Deserializer::from_slice(&o.stdout)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .map_err(|e| format!("kubectl printed no JSON objects: {e}"))
}

/// `obj` decoded into kubectl's API type and encoded again. `kubectl set env
/// --local` decodes an object with a pod template into its Go type (a wrong
/// type or a malformed quantity is refused, an unknown field dropped). A
/// PersistentVolumeClaim has no pod template: its metadata and spec go
/// through the same types (ObjectMeta, PersistentVolumeClaimSpec) as the
/// claim template of a Pod's ephemeral volume.
fn typed(kubectl: &Path, obj: &Value, scratch: &Path) -> Result<Value, String> {
    let claim = match (obj["apiVersion"].as_str(), obj["kind"].as_str()) {
        (_, Some("Job")) => false,
        (Some("v1"), Some("PersistentVolumeClaim")) => {
            let top = ["apiVersion", "kind", "metadata", "spec"];
            let mut keys = obj.as_object().into_iter().flat_map(|o| o.keys());
            if let Some(key) = keys.find(|k| !top.contains(&k.as_str())) {
                return Err(format!("a PersistentVolumeClaim has no field `{key}`"));
            }
            true
        }
        (api, kind) => {
            return Err(format!(
                "{kind:?} of {api:?}: this test checks batch/v1 Jobs and v1 \
                 PersistentVolumeClaims; teach `typed` another kind"
            ))
        }
    };
    let input = if claim {
        let template = json!({"metadata": obj["metadata"], "spec": obj["spec"]});
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "claim-check"},
               "spec": {"containers": [{"name": "c", "image": "c"}],
                        "volumes": [{"name": "claim",
                                     "ephemeral": {"volumeClaimTemplate": template}}]}})
    } else {
        obj.clone()
    };
    let file = scratch.join("typed-input.json");
    std::fs::write(&file, input.to_string()).unwrap();
    let o = kubectl_run(
        kubectl,
        "set env --local -o json -f",
        &[s(&file), "K8S_TEST=1"],
    );
    if !o.status.success() {
        return Err(format!(
            "kubectl refuses it: {}",
            support::stderr(&o).trim()
        ));
    }
    let out: Value = serde_json::from_slice(&o.stdout).map_err(|e| format!("kubectl: {e}"))?;
    if !claim {
        return Ok(out);
    }
    let template = &out["spec"]["volumes"][0]["ephemeral"]["volumeClaimTemplate"];
    Ok(json!({"apiVersion": obj["apiVersion"], "kind": obj["kind"],
              "metadata": template["metadata"], "spec": template["spec"]}))
}

/// The field paths of `written` that `typed` lacks.
fn lost(written: &Value, typed: &Value, at: &str, out: &mut Vec<String>) {
    let mut visit = |path: String, w: &Value, t: Option<&Value>| match t {
        Some(t) => lost(w, t, &path, out),
        None => out.push(path),
    };
    match (written, typed) {
        (Value::Object(w), Value::Object(t)) => {
            for (key, v) in w {
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                visit(path, v, t.get(key));
            }
        }
        (Value::Array(w), Value::Array(t)) => {
            for (i, v) in w.iter().enumerate() {
                visit(format!("{at}[{i}]"), v, t.get(i));
            }
        }
        _ => {}
    }
}

/// kubectl's reading of manifest `file`, each object checked against
/// kubectl's API types.
fn read(kubectl: &Path, file: &Path, scratch: &Path) -> Result<Vec<Value>, String> {
    if file.extension().is_none_or(|e| e != "yaml") {
        return Err("every file here is a manifest, `*.yaml`".into());
    }
    let objs = objects(kubectl, file)?;
    for obj in &objs {
        let mut missing = Vec::new();
        lost(obj, &typed(kubectl, obj, scratch)?, "", &mut missing);
        if let Some(path) = missing.first() {
            return Err(format!(
                "kubectl's {} {} has no field `{path}` (misspelled, or newer than this \
                 kubectl; kubectl also drops a zero value such as `false`: leave it out)",
                obj["apiVersion"].as_str().unwrap_or("?"),
                obj["kind"].as_str().unwrap_or("?")
            ));
        }
    }
    Ok(objs)
}

/// The one container of a Job's pods.
fn container(job: &Value) -> Result<&Value, String> {
    match job["spec"]["template"]["spec"]["containers"].as_array() {
        Some(c) if c.len() == 1 => Ok(&c[0]),
        _ => Err("a Job here has exactly one container".into()),
    }
}

/// A container's command line as Kubernetes runs it: `command`, then `args`.
fn argv(c: &Value) -> Result<Vec<String>, String> {
    let mut v = Vec::new();
    for key in ["command", "args"] {
        for a in c[key].as_array().into_iter().flatten() {
            v.push(a.as_str().ok_or(format!("{key} holds {a}"))?.to_string());
        }
    }
    Ok(v)
}

/// The value of option `name` in a command line.
fn opt<'a>(argv: &'a [String], name: &str) -> Option<&'a str> {
    argv.windows(2)
        .find(|w| w[0] == name)
        .map(|w| w[1].as_str())
}

/// The arguments after the subcommand that are not options (every option
/// of `sweep` and `merge` takes a value).
fn positional(argv: &[String]) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = argv.iter().skip(2);
    while let Some(a) = rest.next() {
        if a.starts_with("--") {
            rest.next();
        } else {
            out.push(a.as_str());
        }
    }
    out
}

/// A CPU quantity in millicores ("4", "500m").
fn millicores(q: &Value) -> Result<u64, String> {
    let t = q
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| q.to_string());
    match t.strip_suffix('m') {
        Some(m) => m.parse().ok(),
        None => t.parse::<u64>().ok().map(|c| c * 1000),
    }
    .ok_or(format!("the CPU quantity {t} is not one this test reads"))
}

/// The container's variables in pod `index`, as the kubelet sets them: the
/// Job's `JOB_COMPLETION_INDEX`, then each `env` entry (a value, or a CPU
/// request or limit through `resourceFieldRef`, rounded up to its divisor).
fn variables(c: &Value, index: usize) -> Result<BTreeMap<String, String>, String> {
    let mut vars = BTreeMap::from([(INDEX.to_string(), index.to_string())]);
    for e in c["env"].as_array().into_iter().flatten() {
        let name = e["name"].as_str().ok_or("an env entry has no name")?;
        let value = if let Some(v) = e["value"].as_str() {
            v.to_string()
        } else if let Some(r) = e["valueFrom"]["resourceFieldRef"].as_object() {
            let field = r["resource"].as_str().and_then(|r| r.split_once('.'));
            let Some((kind, "cpu")) = field else {
                return Err(format!(
                    "env {name}: only a CPU resourceFieldRef is read here"
                ));
            };
            let have = millicores(&c["resources"][kind]["cpu"])?;
            have.div_ceil(millicores(r.get("divisor").unwrap_or(&json!("1")))?)
                .to_string()
        } else {
            return Err(format!("env {name}: the test cannot evaluate its value"));
        };
        vars.insert(name.to_string(), value);
    }
    Ok(vars)
}

/// `arg` with each `$(NAME)` replaced as Kubernetes does in command and args
/// (`$$` is a `$`); an undefined NAME, which Kubernetes would pass on as
/// written, is an error.
fn expand(arg: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = arg;
    while let Some(at) = rest.find('$') {
        out += &rest[..at];
        rest = &rest[at..];
        if let Some(r) = rest.strip_prefix("$$") {
            out.push('$');
            rest = r;
        } else if let Some((name, r)) = rest.strip_prefix("$(").and_then(|r| r.split_once(')')) {
            let value = vars.get(name).ok_or(format!(
                "`{arg}` uses $({name}), which the container does not define \
                 (Kubernetes would pass it on as written)"
            ))?;
            out += value;
            rest = r;
        } else {
            out.push('$');
            rest = &rest[1..];
        }
    }
    Ok(out + rest)
}

/// The claim mounted at a prefix of container path `path`, and that mount path.
fn claim_of<'a>(job: &'a Value, path: &str) -> Result<(&'a str, &'a str), String> {
    let pod = &job["spec"]["template"]["spec"];
    for m in container(job)?["volumeMounts"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let (Some(volume), Some(mount)) = (m["name"].as_str(), m["mountPath"].as_str()) else {
            continue;
        };
        if !path.starts_with(&format!("{}/", mount.trim_end_matches('/'))) {
            continue;
        }
        let volumes = pod["volumes"].as_array().into_iter().flatten();
        let claim = volumes
            .filter(|v| v["name"] == volume)
            .find_map(|v| v["persistentVolumeClaim"]["claimName"].as_str());
        return claim.map(|c| (c, mount)).ok_or(format!(
            "{path} is on volume {volume}, which is not a claim"
        ));
    }
    Err(format!(
        "{path} is on no mounted volume: the pod's files would be lost"
    ))
}

/// Where the sweep's pods write: the shard count, the `--out` pattern, and
/// the claim and its mount path.
struct Shards {
    n: usize,
    out: String,
    claim: String,
    mount: String,
}

/// The indexed sweep Job: one shard per index, retried per index, into `claim`.
fn check_sweep(job: &Value, claim: &str) -> Result<Shards, String> {
    let spec = &job["spec"];
    if spec["completionMode"] != "Indexed" {
        return Err(format!("completionMode is {}", spec["completionMode"]));
    }
    let n = spec["completions"]
        .as_u64()
        .filter(|n| *n > 0)
        .ok_or("no completions")?;
    if spec["parallelism"].as_u64().is_some_and(|p| p > n) {
        return Err(format!(
            "parallelism {} exceeds completions {n}",
            spec["parallelism"]
        ));
    }
    if !spec["backoffLimitPerIndex"].is_u64() {
        return Err("no backoffLimitPerIndex: a failed index is not retried alone".into());
    }
    if spec["template"]["spec"]["restartPolicy"] != "Never" {
        return Err("restartPolicy is not Never, which backoffLimitPerIndex requires".into());
    }
    let c = container(job)?;
    let args = argv(c)?;
    if args[..args.len().min(2)] != ["systolic", "sweep"] {
        return Err(format!("the command is {args:?}, not `systolic sweep ...`"));
    }
    let vars = variables(c, 0)?;
    for a in &args {
        expand(a, &vars)?;
    }
    let shard = opt(&args, "--shard").ok_or("no --shard")?;
    if shard != format!("$({INDEX})/{n}") {
        return Err(format!(
            "--shard is {shard}, not $({INDEX})/{n}: completions is {n}"
        ));
    }
    let [spec_file] = positional(&args)[..] else {
        return Err(format!("no single spec in {args:?}"));
    };
    if Path::new(spec_file).is_absolute() || !root().join(spec_file).is_file() {
        return Err(format!(
            "the spec {spec_file} is not a file of the repository"
        ));
    }
    let out = opt(&args, "--out").ok_or("no --out")?;
    if !out.contains(&format!("$({INDEX})")) {
        return Err(format!("--out {out} is the same file for every index"));
    }
    let (used, mount) = claim_of(job, out)?;
    if used != claim {
        return Err(format!(
            "the shards go to claim {used}, but the claim is {claim}"
        ));
    }
    let (out, claim, mount) = (out.to_string(), claim.to_string(), mount.to_string());
    Ok(Shards {
        n: n as usize,
        out,
        claim,
        mount,
    })
}

/// The merge Job: every shard the sweep writes, on the same claim.
fn check_merge(job: &Value, shards: &Shards) -> Result<(), String> {
    let args = argv(container(job)?)?;
    if args[..args.len().min(2)] != ["systolic", "merge"] {
        return Err(format!("the command is {args:?}, not `systolic merge ...`"));
    }
    let pattern = format!("$({INDEX})");
    let want: Vec<String> = (0..shards.n)
        .map(|i| shards.out.replace(&pattern, &i.to_string()))
        .collect();
    let inputs = positional(&args);
    if inputs != want {
        return Err(format!(
            "it merges {inputs:?}, but the sweep writes {want:?}"
        ));
    }
    for path in inputs.into_iter().chain(opt(&args, "--out")) {
        let (claim, mount) = claim_of(job, path)?;
        if (claim, mount) != (&shards.claim[..], &shards.mount[..]) {
            return Err(format!(
                "{path} is on claim {claim} at {mount}, the shards on {} at {}",
                shards.claim, shards.mount
            ));
        }
    }
    Ok(())
}

/// The manifests of one directory, checked.
struct Manifests {
    sweep: Value,
    merge: Value,
    shards: usize,
}

/// Checks every manifest in `dir` (every file must be one): one claim, one
/// indexed sweep Job, one merge Job. The first problem found, naming its file.
fn check(kubectl: &Path, dir: &Path, scratch: &Path) -> Result<Manifests, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let (mut sweeps, mut merges, mut claims) = (Vec::new(), Vec::new(), Vec::new());
    for file in &files {
        let name = file.display().to_string();
        for obj in read(kubectl, file, scratch).map_err(|e| format!("{name}: {e}"))? {
            match obj["kind"].as_str() {
                Some("PersistentVolumeClaim") => claims.push((name.clone(), obj)),
                _ if obj["spec"]["completionMode"].is_string() => sweeps.push((name.clone(), obj)),
                _ => merges.push((name.clone(), obj)),
            }
        }
    }
    let one = |v: Vec<(String, Value)>, what: &str| match <[_; 1]>::try_from(v) {
        Ok([found]) => Ok(found),
        Err(v) => Err(format!("{}: {} {what}, not one", dir.display(), v.len())),
    };
    let (_, claim) = one(claims, "PersistentVolumeClaims")?;
    let claim_name = claim["metadata"]["name"].as_str().unwrap_or("");
    let (sweep_file, sweep) = one(sweeps, "indexed sweep Jobs")?;
    let shards = check_sweep(&sweep, claim_name).map_err(|e| format!("{sweep_file}: {e}"))?;
    let (merge_file, merge) = one(merges, "merge Jobs")?;
    check_merge(&merge, &shards).map_err(|e| format!("{merge_file}: {e}"))?;
    Ok(Manifests {
        sweep,
        merge,
        shards: shards.n,
    })
}

/// Runs a Job's container command as its pod `index` would, `systolic` the
/// binary under test, the claim's mount `claim`, in `cwd`.
fn run_pod(job: &Value, index: usize, claim: &Path, cwd: &Path, extra: &[&str]) -> Output {
    let c = container(job).unwrap();
    let vars = variables(c, index).unwrap();
    let mut args: Vec<String> = argv(c)
        .unwrap()
        .iter()
        .map(|a| expand(a, &vars).unwrap())
        .collect();
    for a in args.iter_mut() {
        if let Ok((_, mount)) = claim_of(job, a) {
            *a = s(&claim.join(a[mount.len()..].trim_start_matches('/'))).to_string();
        }
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    let job_name = job["metadata"]["name"].as_str().unwrap_or("?");
    println!("{job_name} pod {index}: systolic {}", args[1..].join(" "));
    support::command_in(cwd)
        .args(&args[1..])
        .output()
        .expect("the binary runs")
}

/// Both outputs of a command, for assertions on its summary line.
fn said(o: &Output) -> String {
    support::stdout(o) + &support::stderr(o)
}

#[test]
fn the_manifests_pass_kubectl_offline_and_their_pods_merge_to_the_unsharded_sweep() {
    let kubectl = kubectl();
    let scratch = support::scratch("k8s", "committed");
    let m = check(&kubectl, &root().join(DIR), &scratch).unwrap_or_else(|e| panic!("{e}"));
    let (n, claim) = (m.shards, scratch.join("claim"));

    // Pod `cut` stops after one point (as if killed); the merge refuses its shard.
    let cut = n / 2;
    for i in 0..n {
        let extra: &[&str] = if i == cut {
            &["--stop-after", "1"]
        } else {
            &[]
        };
        let o = run_pod(&m.sweep, i, &claim, &root(), extra);
        let said = said(&o);
        assert!(o.status.success(), "pod {i} failed ({}):\n{said}", o.status);
        assert!(said.contains(&format!("(shard {i}/{n} of ")), "{said}");
    }
    let o = run_pod(&m.merge, 0, &claim, &scratch, &[]);
    let refused = support::user_error(&o, "merging an incomplete shard");
    assert!(
        refused.contains(&format!("shard {cut}/{n} is incomplete")),
        "{refused}"
    );

    // Its replacement pod runs the same command and resumes the shard.
    let o = run_pod(&m.sweep, cut, &claim, &root(), &[]);
    assert!(
        o.status.success() && said(&o).contains("1 already done"),
        "{}",
        said(&o)
    );
    let o = run_pod(&m.merge, 0, &claim, &scratch, &[]);
    support::succeeded(&o, "the merge Job's command");

    // The merged files are the unsharded run's (same file name, another directory).
    let merge_args = argv(container(&m.merge).unwrap()).unwrap();
    let out = opt(&merge_args, "--out").unwrap();
    let (_, mount) = claim_of(&m.merge, out).unwrap();
    let merged = claim.join(out[mount.len()..].trim_start_matches('/'));
    let whole = scratch.join("whole").join(merged.file_name().unwrap());
    let sweep_args = argv(container(&m.sweep).unwrap()).unwrap();
    support::ok(&["sweep", positional(&sweep_args)[0], "--out", s(&whole)]);
    for ext in ["csv", "jsonl", "sweep.json", "pareto.csv"] {
        let (a, b) = (merged.with_extension(ext), whole.with_extension(ext));
        assert!(
            text(&a) == text(&b),
            "{} differs from the unsharded {}",
            a.display(),
            b.display()
        );
    }

    // Running the Job again: a complete shard ends at once.
    let o = run_pod(&m.sweep, 0, &claim, &root(), &[]);
    assert!(
        o.status.success() && said(&o).contains(" 0 evaluated"),
        "{}",
        said(&o)
    );
}

const JOB: &str = "sweep-indexed-job.yaml";
const MERGE: &str = "sweep-merge-job.yaml";
const PVC: &str = "sweep-results-pvc.yaml";

/// Edits of the committed manifests that must be refused: (file, text,
/// replacement, what the refusal says).
#[rustfmt::skip]
const BROKEN: &[(&str, &str, &str, &str)] = &[
    (JOB, "completionMode:", "completionMod:", "no field `spec.completionMod`"),
    (JOB, "  mountPath:", "  mountPth:", "volumeMounts[0].mountPth"),
    (JOB, "completions: 4", "completions: four", "of type int32"),
    (JOB, "completions: 4", "completions: [4", "error converting YAML to JSON"),
    (JOB, "memory: 1Gi", "memory: 1GB", "quantities must match"),
    (JOB, "INDEX)/4", "INDEX)/8", "completions is 4"),
    (JOB, "- $(THREADS)", "- $(THREAD)", "uses $(THREAD)"),
    (JOB, "sweeps/default.toml", "sweeps/nope.toml", "nope.toml is not a file"),
    (JOB, "restartPolicy: Never", "restartPolicy: OnFailure", "restartPolicy"),
    (JOB, "claimName: systolic-sweep-results", "claimName: results", "claim results"),
    (MERGE, "  - /results/default/shard-3.csv\n", "", "but the sweep writes"),
    (PVC, "accessModes:", "accessMode:", "no field `spec.accessMode`"),
    (PVC, "storage: 1Gi", "storage: 1GB", "quantities must match"),
];

#[test]
fn broken_copies_of_the_manifests_are_refused() {
    let kubectl = kubectl();
    let committed = root().join(DIR);
    for (case, (file, from, to, says)) in BROKEN.iter().enumerate() {
        let scratch = support::scratch("k8s", &format!("broken-{case}"));
        let dir = scratch.join("manifests");
        std::fs::create_dir(&dir).unwrap();
        for e in std::fs::read_dir(&committed).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
        }
        let original = text(&committed.join(file));
        assert!(
            original.contains(from),
            "{DIR}/{file} no longer holds {from:?}: update BROKEN"
        );
        std::fs::write(dir.join(file), original.replacen(from, to, 1)).unwrap();
        match check(&kubectl, &dir, &scratch) {
            Ok(_) => panic!("{file} with {from:?} -> {to:?} passed the checks"),
            Err(e) => {
                println!("{from:?} -> {to:?}: {e}");
                assert!(
                    e.contains(says) && e.contains(file),
                    "{from:?} -> {to:?}: {e}"
                );
            }
        }
    }
}
