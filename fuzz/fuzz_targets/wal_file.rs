//! A damaged WAL beside a valid database: see `walnut::fuzzing::wal_file`
//! and `wal_file_mutated`.
//!
//! The first byte picks the mode: 0 to 63, the rest of the input is the
//! whole WAL; otherwise the rest is a list of mutations of a valid WAL
//! holding recent commits. Most inputs take the second mode: raw bytes
//! rarely get past the WAL's magic bytes and checksum chain.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((&mode, rest)) if mode < 64 => walnut::fuzzing::wal_file(rest),
        Some((_, rest)) => walnut::fuzzing::wal_file_mutated(rest),
        None => {}
    }
});
