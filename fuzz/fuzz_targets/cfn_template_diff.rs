//! Fuzz the template diff: the input is `before`, a NUL byte, then `after` (without a NUL
//! the input is split in half), and the predicted change set is analysed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planguard::plan::Source;

fuzz_target!(|data: &[u8]| {
    let (before, after) = match data.iter().position(|&b| b == 0) {
        Some(p) => (&data[..p], &data[p + 1..]),
        None => data.split_at(data.len() / 2),
    };
    let (Ok(before), Ok(after)) = (
        Source::from_bytes("before.yaml", before.to_vec()),
        Source::from_bytes("after.yaml", after.to_vec()),
    ) else {
        return;
    };
    let _ = planguard::analyze_template_diff(&before, &after);
});
