//! SQL text on a small database: see `walnut::fuzzing::sql_text`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    walnut::fuzzing::sql_text(data);
});
