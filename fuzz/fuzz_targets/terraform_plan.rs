//! Fuzz the Terraform plan JSON parser: any bytes must give a plan or an input error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planguard::plan::{terraform, Source};

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = Source::from_bytes("fuzz.json", data.to_vec()) {
        let _ = terraform::parse(&src);
    }
});
