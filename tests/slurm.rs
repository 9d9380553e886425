//! `scripts/slurm/sweep-array.sbatch` on a real one-node Slurm cluster
//! (`scripts/slurm/local-cluster.sh`): a 4-task job array over
//! `designs/sweeps/slurm-ci.toml` merges into the files of the unsharded
//! sweep byte for byte, and a task killed part way through its shard,
//! resubmitted alone with `sbatch --array=i`, resumes it to the same bytes.
//! Needs root and Debian's slurm-wlm and munge (scripts/setup.sh); without
//! them, or when the cluster does not come up, it fails with the reason and
//! the logs' last lines, never skips.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use support::{root, run, s, text};

const SPEC: &str = "designs/sweeps/slurm-ci.toml";
/// The synthesis sweep of the same array size (`stage = "synth"`).
const SYNTH_SPEC: &str = "designs/sweeps/synth-ci.toml";
const TASKS: usize = 4;
/// The longest a job array may take from submission to its last task's end
/// (the synthesis array takes about 30 s on 2 cores).
const JOB_TIMEOUT: Duration = Duration::from_secs(300);

/// A job script and the spec the test submits it over.
#[derive(Clone, Copy)]
struct Job {
    script: &'static str,
    spec: &'static str,
}

impl Job {
    const SWEEP: Job = Job {
        script: "scripts/slurm/sweep-array.sbatch",
        spec: SPEC,
    };
    const SYNTH: Job = Job {
        script: "scripts/slurm/synth-array.sbatch",
        spec: SYNTH_SPEC,
    };
}

/// A running cluster; dropping it stops it (`local-cluster.sh stop`), also
/// when the test panics, and removes its directory unless the test failed.
struct Cluster {
    dir: PathBuf,
}

impl Cluster {
    /// Starts the cluster in `dir` (a short path: munged's socket lives there).
    fn start(dir: PathBuf) -> Cluster {
        let _ = std::fs::remove_dir_all(&dir);
        let out = Command::new("bash")
            .arg(root().join("scripts/slurm/local-cluster.sh"))
            .args(["start", s(&dir)])
            .output()
            .expect("bash runs scripts/slurm/local-cluster.sh");
        let cluster = Cluster { dir };
        assert!(
            out.status.success(),
            "the one-node Slurm cluster did not start ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        println!("{}", String::from_utf8_lossy(&out.stdout).trim());
        cluster
    }

    /// A Slurm client command that talks to this cluster, run in the repository root.
    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("SLURM_CONF", self.dir.join("slurm.conf"))
            .current_dir(root());
        c
    }

    /// Runs a Slurm client command that must succeed; its standard output.
    fn ok(&self, program: &str, args: &[&str]) -> String {
        let out = self
            .command(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program} does not run ({e}): run scripts/setup.sh"));
        assert!(
            out.status.success(),
            "{program} {args:?} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            self.log_tails()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Submits tasks `array` of the sweep-array script over `SPEC`, shards in
    /// `out`, running `systolic`; the job id.
    fn submit(&self, array: &str, out: &Path, systolic: &Path, logs: &Path) -> String {
        self.submit_job(Job::SWEEP, array, out, systolic, logs)
    }

    /// Submits tasks `array` of `job`'s script over its spec, shards in
    /// `out`, running `systolic`; the job id.
    fn submit_job(
        &self,
        job: Job,
        array: &str,
        out: &Path,
        systolic: &Path,
        logs: &Path,
    ) -> String {
        let mut c = self.command("sbatch");
        c.env("SPEC", job.spec)
            .env("OUT", out)
            .env("N", TASKS.to_string())
            .env("SYSTOLIC", systolic)
            .args([
                "--parsable",
                &format!("--array={array}"),
                "--cpus-per-task=1",
                "--mem=256M",
                &format!("--output={}/slurm-%A_%a.out", s(logs)),
                job.script,
            ]);
        let o = c.output().expect("sbatch runs: run scripts/setup.sh");
        let stdout = succeeded(&o, "sbatch", self);
        let job = stdout.trim().split(';').next().unwrap_or("").to_string();
        assert!(
            !job.is_empty() && job.bytes().all(|b| b.is_ascii_digit()),
            "sbatch --parsable printed no job id: {stdout:?}"
        );
        println!(
            "submitted job array {job} (--array={array}, OUT={})",
            s(out)
        );
        job
    }

    /// Waits until no task of `job` is pending or running (squeue shows
    /// none); each task's `(ArrayTaskId, JobState, ExitCode)` as scontrol
    /// keeps it (the cluster's MinJobAge keeps finished jobs 10 minutes).
    fn wait(&self, job: &str) -> Vec<(usize, String, String)> {
        self.wait_for(job, &["ArrayTaskId=", "JobState=", "ExitCode="])
            .into_iter()
            .map(|mut f| {
                let code = f.pop().unwrap_or_default();
                let state = f.pop().unwrap_or_default();
                (f[0].parse().expect("a task index"), state, code)
            })
            .collect()
    }

    /// [`Cluster::wait`], giving the values of `keys` in each task's
    /// `scontrol -o show job` line, sorted by task.
    fn wait_for(&self, job: &str, keys: &[&str]) -> Vec<Vec<String>> {
        let start = Instant::now();
        let mut last = String::new();
        loop {
            let queue = self.ok("squeue", &["-h", "-j", job, "-o", "%i %T %M %R"]);
            if queue != last {
                for line in queue.lines() {
                    println!("squeue: {line}");
                }
                last = queue.clone();
            }
            if queue.trim().is_empty() {
                break;
            }
            assert!(
                start.elapsed() < JOB_TIMEOUT,
                "job {job} still queued after {JOB_TIMEOUT:?}:\n{queue}\n{}",
                self.log_tails()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
        println!("job {job} done in {:.1} s", start.elapsed().as_secs_f64());
        let shown = self.ok("scontrol", &["-o", "show", "job", job]);
        let mut tasks: Vec<Vec<String>> = shown
            .lines()
            .map(|line| {
                keys.iter()
                    .map(|key| {
                        line.split_whitespace()
                            .find_map(|f| f.strip_prefix(key))
                            .unwrap_or_else(|| panic!("no {key} in scontrol's line {line}"))
                            .to_string()
                    })
                    .collect()
            })
            .collect();
        tasks.sort_by_key(|t| t[0].parse::<usize>().unwrap_or(usize::MAX));
        for t in &tasks {
            let shown: Vec<String> = keys.iter().zip(t).map(|(k, v)| format!("{k}{v}")).collect();
            println!("scontrol: job {job}: {}", shown.join(" "));
        }
        tasks
    }

    /// The last lines of the daemons' logs and the job completion log.
    fn log_tails(&self) -> String {
        let mut all = String::new();
        for name in ["slurmctld.log", "slurmd.log", "munged.log", "jobcomp.log"] {
            let path = self.dir.join(name);
            let log = std::fs::read_to_string(&path).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            all += &format!("--- last lines of {}\n", path.display());
            for line in &lines[lines.len().saturating_sub(15)..] {
                all += line;
                all.push('\n');
            }
        }
        all
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let stopped = Command::new("bash")
            .arg(root().join("scripts/slurm/local-cluster.sh"))
            .args(["stop", s(&self.dir)])
            .status();
        if std::thread::panicking() {
            eprintln!("the cluster's logs are kept in {}", self.dir.display());
        } else if matches!(stopped, Ok(st) if st.success()) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn succeeded(o: &Output, what: &str, cluster: &Cluster) -> String {
    assert!(
        o.status.success(),
        "{what} failed ({}):\n{}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr),
        cluster.log_tails()
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The shard files of a job array's output directory, in shard order.
fn shards(out: &Path) -> Vec<PathBuf> {
    (0..TASKS)
        .map(|i| out.join(format!("shard-{i}.csv")))
        .collect()
}

fn merge(shards: &[PathBuf], out: &Path) -> Output {
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(|p| s(p)));
    args.extend(["--out", s(out)]);
    run(&args)
}

/// The four files of one sweep (results, JSON lines, sidecar, front) are
/// the same bytes in both directories (same file names, so the sidecars'
/// `jsonl` entries agree too).
fn assert_same_results(made: &Path, whole: &Path) {
    for ext in ["csv", "jsonl", "sweep.json", "pareto.csv"] {
        let a = made.join(format!("results.{ext}"));
        let b = whole.join(format!("results.{ext}"));
        assert!(
            text(&a) == text(&b),
            "{} differs from the unsharded run's {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn a_job_array_merges_to_the_unsharded_sweep_and_a_killed_task_resubmitted_resumes() {
    let started = Instant::now();
    let scratch = support::scratch("slurm", "array");
    let systolic = PathBuf::from(env!("CARGO_BIN_EXE_systolic"));
    let logs = scratch.join("logs");
    std::fs::create_dir_all(&logs).unwrap();

    let whole = scratch.join("whole");
    std::fs::create_dir_all(&whole).unwrap();
    support::succeeded(
        &run(&["sweep", SPEC, "--out", s(&whole.join("results.csv"))]),
        "the unsharded sweep",
    );

    let cluster =
        Cluster::start(std::env::temp_dir().join(format!("systolic-slurm-{}", std::process::id())));
    println!("{}", cluster.ok("sinfo", &[]).trim_end());

    // Every task of a 4-task array runs its shard; the merge is the unsharded run.
    let out = scratch.join("array");
    let job = cluster.submit("0-3", &out, &systolic, &logs);
    let tasks = cluster.wait(&job);
    assert_eq!(tasks.len(), TASKS, "{tasks:?}");
    for (task, state, code) in &tasks {
        let log = logs.join(format!("slurm-{job}_{task}.out"));
        assert!(
            state == "COMPLETED" && code == "0:0",
            "task {task}: {state} {code}; {}:\n{}",
            log.display(),
            text(&log)
        );
        assert!(
            text(&log).contains(&format!("(shard {task}/{TASKS} of 18)")),
            "{}",
            text(&log)
        );
    }
    let merged = scratch.join("merged");
    std::fs::create_dir_all(&merged).unwrap();
    support::succeeded(&merge(&shards(&out), &merged.join("results.csv")), "merge");
    assert_same_results(&merged, &whole);

    // Task 2 of a second array evaluates one point of its shard and is then
    // killed (SIGKILL, as an out-of-memory kill or a lost node would): its
    // shard is incomplete and the merge refuses it. Resubmitted alone with
    // the real binary, the same command resumes the shard.
    let killed = scratch.join("systolic-killed-task-2.sh");
    std::fs::write(
        &killed,
        format!(
            "#!/bin/sh\n\
             # Task 2 evaluates one point of its shard and is then killed.\n\
             if [ \"$SLURM_ARRAY_TASK_ID\" = 2 ]; then\n  \
               '{0}' \"$@\" --stop-after 1\n  \
               kill -KILL $$\n\
             fi\n\
             exec '{0}' \"$@\"\n",
            s(&systolic)
        ),
    )
    .unwrap();
    std::fs::set_permissions(&killed, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = scratch.join("array-killed");
    let job = cluster.submit("0-3", &out, &killed, &logs);
    let tasks = cluster.wait(&job);
    assert_eq!(tasks.len(), TASKS, "{tasks:?}");
    for (task, state, code) in &tasks {
        if *task == 2 {
            assert!(state == "FAILED" && code == "0:9", "task 2: {state} {code}");
        } else {
            assert!(state == "COMPLETED", "task {task}: {state} {code}");
        }
    }
    let sidecar = text(&out.join("shard-2.sweep.json"));
    assert!(sidecar.contains("\"complete\": false"), "{sidecar}");
    let refused = merge(&shards(&out), &scratch.join("refused.csv"));
    let err = support::user_error(&refused, "merging an incomplete shard");
    assert!(err.contains("shard 2/4 is incomplete"), "{err}");

    let again = cluster.submit("2", &out, &systolic, &logs);
    let tasks = cluster.wait(&again);
    assert_eq!(
        tasks,
        vec![(2, "COMPLETED".to_string(), "0:0".to_string())],
        "{}",
        text(&logs.join(format!("slurm-{again}_2.out")))
    );
    let log = text(&logs.join(format!("slurm-{again}_2.out")));
    assert!(log.contains("1 already done, 3 evaluated"), "{log}");
    let merged = scratch.join("merged-killed");
    std::fs::create_dir_all(&merged).unwrap();
    support::succeeded(
        &merge(&shards(&out), &merged.join("results.csv")),
        "merge after the resubmission",
    );
    assert_same_results(&merged, &whole);

    // A synthesis sweep with its own script and time limit: each task
    // synthesizes and places its shard's designs; the merge is the
    // unsharded synthesis sweep, byte for byte.
    let whole = scratch.join("synth-whole");
    std::fs::create_dir_all(&whole).unwrap();
    support::succeeded(
        &run(&["sweep", SYNTH_SPEC, "--out", s(&whole.join("results.csv"))]),
        "the unsharded synthesis sweep",
    );
    let out = scratch.join("synth-array");
    let job = cluster.submit_job(Job::SYNTH, "0-3", &out, &systolic, &logs);
    let tasks = cluster.wait_for(
        &job,
        &["ArrayTaskId=", "JobState=", "ExitCode=", "TimeLimit="],
    );
    assert_eq!(tasks.len(), TASKS, "{tasks:?}");
    for (i, t) in tasks.iter().enumerate() {
        let log = logs.join(format!("slurm-{job}_{i}.out"));
        assert!(
            t[1] == "COMPLETED" && t[2] == "0:0",
            "synthesis task {i}: {t:?}; {}:\n{}",
            log.display(),
            text(&log)
        );
        // The script's own limit, not the sweep script's hour.
        assert_eq!(t[3], "06:00:00", "task {i}'s time limit");
        assert!(
            text(&log).contains(&format!("(shard {i}/{TASKS} of 4)")),
            "{}",
            text(&log)
        );
    }
    let merged = scratch.join("synth-merged");
    std::fs::create_dir_all(&merged).unwrap();
    support::succeeded(
        &merge(&shards(&out), &merged.join("results.csv")),
        "merging the synthesis shards",
    );
    assert_same_results(&merged, &whole);
    let results = text(&merged.join("results.csv"));
    let header: Vec<&str> = results.lines().next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for line in results.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let fmax: f64 = cells[at("fmax_mhz")].parse().expect("every design placed");
        let luts: u64 = cells[at("luts")].parse().expect("LUTs counted");
        assert!(fmax > 1.0 && luts > 100, "{line}");
        println!(
            "synthesized: {}x{} on the {} {}: {luts} LUTs, {} DSPs, {} block RAMs, Fmax {fmax:.2} MHz",
            cells[at("rows")],
            cells[at("cols")],
            cells[at("synth_target")],
            cells[at("synth_device")],
            cells[at("dsps")],
            cells[at("block_rams")]
        );
    }
    drop(cluster);
    println!(
        "the Slurm test took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
