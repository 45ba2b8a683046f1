//! Fuzz the CloudFormation change set parser (JSON and YAML). The path is `-` so no
//! templates are looked for beside it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planguard::plan::{cloudformation, Source};

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = Source::from_bytes("-", data.to_vec()) {
        let _ = cloudformation::parse_change_sets(&[&src], &[]);
    }
});
