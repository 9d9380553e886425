//! How the CLI shows the long steps `hdlgen` reports (testbench builds,
//! simulator runs, synthesis stages) on standard error: a spinner with the
//! elapsed time on a terminal; otherwise plain lines, and one a minute while
//! a step runs, so a log shows it is alive.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

/// How often plain-line mode says a step is still running.
const HEARTBEAT: Duration = Duration::from_secs(60);

enum Shown {
    Spinner(ProgressBar),
    Lines(Sender<()>, JoinHandle<()>),
}

/// Progress on standard error.
pub struct Stderr {
    spinner: bool,
    shown: Mutex<Vec<Shown>>,
}

impl Stderr {
    /// A spinner when standard error is a terminal, plain lines otherwise.
    pub fn new() -> Stderr {
        Stderr {
            spinner: std::io::stderr().is_terminal(),
            shown: Mutex::new(Vec::new()),
        }
    }
}

impl hdlgen::Progress for Stderr {
    fn begin(&self, what: &str) {
        let shown = if self.spinner {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
                bar.set_style(style);
            }
            bar.set_message(what.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            Shown::Spinner(bar)
        } else {
            eprintln!("{what} ...");
            let (tx, rx) = mpsc::channel::<()>();
            let what = what.to_string();
            let beat = std::thread::spawn(move || {
                let mut waited = Duration::ZERO;
                while let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(HEARTBEAT) {
                    waited += HEARTBEAT;
                    eprintln!("  ... still {what} ({} s)", waited.as_secs());
                }
            });
            Shown::Lines(tx, beat)
        };
        if let Ok(mut v) = self.shown.lock() {
            v.push(shown);
        }
    }

    fn end(&self, what: &str, seconds: f64, ok: bool) {
        let shown = self.shown.lock().ok().and_then(|mut v| v.pop());
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
}
