//! How the CLI shows the long steps `hdlgen` reports (testbench builds,
//! simulator runs, synthesis stages) on standard error: a spinner with the
//! elapsed time on a terminal; otherwise plain lines, and one a minute while
//! a step runs, so a log shows it is alive. A step begun inside another is
//! one of its stages: the spinner names it (and the tool's own words for
//! what it is doing), and a line with its seconds is printed when it ends.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often plain-line mode says a step is still running.
const HEARTBEAT: Duration = Duration::from_secs(60);

/// The longest detail shown, in characters.
const DETAIL_CHARS: usize = 72;

enum Shown {
    Spinner(ProgressBar),
    Lines(Sender<()>, JoinHandle<()>),
}

/// The steps under way, outermost first, and the latest detail.
#[derive(Default)]
struct Now {
    steps: Vec<String>,
    detail: String,
}

impl Now {
    /// `stage › detail` inside a stage (stage names say their tool: `nextpnr
    /// route`), else `step › detail`.
    fn message(&self) -> String {
        let shown = if self.steps.len() > 1 {
            &self.steps[1..]
        } else {
            &self.steps[..]
        };
        let mut m = shown.join(" › ");
        if !self.detail.is_empty() {
            m.push_str(" › ");
            m.push_str(&self.detail);
        }
        m
    }
}

/// Progress on standard error.
pub struct Stderr {
    spinner: bool,
    now: Arc<Mutex<Now>>,
    shown: Mutex<Option<Shown>>,
}

impl Stderr {
    /// A spinner when standard error is a terminal, plain lines otherwise.
    pub fn new() -> Stderr {
        Stderr {
            spinner: std::io::stderr().is_terminal(),
            now: Arc::default(),
            shown: Mutex::new(None),
        }
    }

    /// Prints `line` above the spinner, or as it is.
    fn print(&self, line: &str) {
        match self.shown.lock().ok().as_deref() {
            Some(Some(Shown::Spinner(bar))) => bar.println(line),
            _ => eprintln!("{line}"),
        }
    }

    fn refresh(&self) {
        if let (Ok(shown), Ok(now)) = (self.shown.lock(), self.now.lock()) {
            if let Some(Shown::Spinner(bar)) = shown.as_ref() {
                bar.set_message(now.message());
            }
        }
    }
}

impl hdlgen::Progress for Stderr {
    fn begin(&self, what: &str) {
        let depth = self.now.lock().map_or(0, |mut now| {
            now.steps.push(what.to_string());
            now.detail.clear();
            now.steps.len() - 1
        });
        if depth > 0 {
            self.refresh();
            return;
        }
        let shown = if self.spinner {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {wide_msg} ({elapsed})") {
                bar.set_style(style);
            }
            bar.set_message(what.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            Shown::Spinner(bar)
        } else {
            eprintln!("{what} ...");
            let (tx, rx) = mpsc::channel::<()>();
            let now = Arc::clone(&self.now);
            let what = what.to_string();
            let beat = std::thread::spawn(move || {
                let mut waited = Duration::ZERO;
                while let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(HEARTBEAT) {
                    waited += HEARTBEAT;
                    let doing = now.lock().map_or(String::new(), |n| {
                        let mut parts: Vec<&str> =
                            n.steps.iter().skip(1).map(String::as_str).collect();
                        if !n.detail.is_empty() {
                            parts.push(&n.detail);
                        }
                        parts.join(" › ")
                    });
                    let doing = if doing.is_empty() {
                        String::new()
                    } else {
                        format!(": {doing}")
                    };
                    eprintln!("  ... still {what} ({} s){doing}", waited.as_secs());
                }
            });
            Shown::Lines(tx, beat)
        };
        if let Ok(mut s) = self.shown.lock() {
            *s = Some(shown);
        }
    }

    fn end(&self, what: &str, seconds: f64, ok: bool) {
        let depth = self.now.lock().map_or(0, |mut now| {
            now.steps.pop();
            now.detail.clear();
            now.steps.len()
        });
        if depth > 0 {
            let how = if ok { "" } else { "failed after " };
            self.print(&format!(
                "{}{what}: {how}{seconds:.1} s",
                "  ".repeat(depth)
            ));
            self.refresh();
            return;
        }
        let shown = self.shown.lock().ok().and_then(|mut s| s.take());
        match shown {
            Some(Shown::Spinner(bar)) => bar.finish_and_clear(),
            Some(Shown::Lines(tx, beat)) => {
                drop(tx);
                let _ = beat.join();
            }
            None => {}
        }
        let how = if ok { "done" } else { "failed" };
        eprintln!("{what}: {how} in {seconds:.1} s");
    }

    fn detail(&self, text: &str) {
        if let Ok(mut now) = self.now.lock() {
            now.detail = match text.char_indices().nth(DETAIL_CHARS) {
                Some((cut, _)) => format!("{}…", &text[..cut]),
                None => text.to_string(),
            };
        }
        if self.spinner {
            self.refresh();
        }
    }
}
