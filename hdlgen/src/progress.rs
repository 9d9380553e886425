//! Progress of long steps (tool builds, simulator runs, synthesis stages):
//! the library says what it is doing and how long it took; the caller
//! decides how to show it (a spinner, plain lines, or nothing). Steps nest:
//! a step that begins before the current one ends is a stage of it (the
//! place stage of a nextpnr run).

use std::time::Instant;

/// Receives the beginning and end of each long step.
pub trait Progress: Sync {
    /// A step begins; `what` is a phrase such as
    /// `building the Verilator testbench of edge-8x8`.
    fn begin(&self, what: &str) {
        let _ = what;
    }

    /// The step `what` ended after `seconds`; `ok` is false when it failed.
    fn end(&self, what: &str, seconds: f64, ok: bool) {
        let _ = (what, seconds, ok);
    }

    /// What the current step is doing now, in a tool's own words (a Yosys
    /// pass, a nextpnr message); may come many times a second.
    fn detail(&self, text: &str) {
        let _ = text;
    }
}

/// Shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {}

/// Runs `f` as the step `what`, telling `progress` when it begins and ends.
pub fn step<T, E>(
    progress: &dyn Progress,
    what: &str,
    f: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    progress.begin(what);
    let t0 = Instant::now();
    let out = f();
    progress.end(what, t0.elapsed().as_secs_f64(), out.is_ok());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Log(Mutex<Vec<String>>);

    impl Progress for Log {
        fn begin(&self, what: &str) {
            self.0.lock().unwrap().push(format!("begin {what}"));
        }
        fn end(&self, what: &str, _: f64, ok: bool) {
            self.0.lock().unwrap().push(format!("end {what} {ok}"));
        }
    }

    #[test]
    fn a_step_is_reported_once_at_each_end_with_its_outcome() {
        let log = Log::default();
        let r: Result<u8, ()> = step(&log, "a", || Ok(1));
        assert_eq!(r, Ok(1));
        let r: Result<u8, &str> = step(&log, "b", || Err("no"));
        assert_eq!(r, Err("no"));
        assert_eq!(
            *log.0.lock().unwrap(),
            ["begin a", "end a true", "begin b", "end b false"]
        );
    }
}
