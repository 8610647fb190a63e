//! A damaged main database file: see `walnut::fuzzing::database_file` and
//! `database_file_mutated`.
//!
//! The first byte picks the mode: 0 to 63, the rest of the input is the
//! whole file; otherwise the whole input is a flags byte (bit 0: recompute
//! the pages' checksums after mutating) followed by mutations of a valid
//! database. Most inputs take the second mode: raw bytes rarely get past
//! the magic bytes and the checksums.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((&mode, rest)) if mode < 64 => walnut::fuzzing::database_file(rest),
        Some(_) => walnut::fuzzing::database_file_mutated(data),
        None => {}
    }
});
