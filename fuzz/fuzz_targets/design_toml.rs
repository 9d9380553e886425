//! Design TOML: `Design::parse`; a diagnostic for what fails, and for what
//! validates, every check of `systolic_fuzz::check_design` (round trip, zoo
//! models and GEMMs on the fast engine, the pe engine on a tiny GEMM).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sim::Design;

fuzz_target!(|data: &[u8]| {
    let Some(text) = systolic_fuzz::text(data) else {
        return;
    };
    let dir = systolic_fuzz::scratch();
    match Design::parse(text, "fuzz.toml", Some(dir)) {
        Ok(design) => systolic_fuzz::check_design(&design, systolic_fuzz::hash(data)),
        Err(e) => {
            systolic_fuzz::render(&e);
        }
    }
});
