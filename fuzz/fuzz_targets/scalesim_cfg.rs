//! SCALE-Sim `.cfg`: `sim::design::scalesim_cfg::parse`; a diagnostic for
//! what fails, and for the design it validates, every check of
//! `systolic_fuzz::check_design`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sim::design::scalesim_cfg;

fuzz_target!(|data: &[u8]| {
    let Some(text) = systolic_fuzz::text(data) else {
        return;
    };
    match scalesim_cfg::parse(text, "fuzz.cfg") {
        Ok(design) => systolic_fuzz::check_design(&design, systolic_fuzz::hash(data)),
        Err(e) => {
            systolic_fuzz::render(&e);
        }
    }
});
