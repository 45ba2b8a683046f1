//! Differential fuzzing of the Terraform section reader: reading the top-level object key by
//! key (with `prior_state` parsed ahead, as for large plans) must give exactly what the
//! whole-document parse gives, plan or error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planguard::plan::{terraform, Source};

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = Source::from_bytes("fuzz.json", data.to_vec()) {
        match terraform::parse_both_ways(&src) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            // Documented: sections start one nesting level down, so they read one level
            // deeper than serde_json's limit allows the whole document.
            (Ok(_), Err(b)) if b.to_string().contains("recursion limit") => {}
            (a, b) => panic!("sections {:?} vs whole {:?}", a.is_ok(), b.map_err(|e| e.to_string())),
        }
    }
});
