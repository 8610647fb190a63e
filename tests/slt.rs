//! The project's own sqllogictest files (`tests/slt/*.slt`) run on walnut.
//!
//! Each file runs on a fresh in-memory database. The same files run on
//! SQLite in `tests/sqllogictest_runner.rs`, which proves every expected
//! answer here is SQLite's own.

#[path = "../examples/support/walnut_engine.rs"]
mod walnut_engine;

use std::path::{Path, PathBuf};
use walnut::sqllogictest::run_file;
use walnut_engine::WalnutEngine;

#[test]
fn project_slt_files_pass_on_walnut() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("slt");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/slt exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "slt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .slt files in {}", dir.display());
    let mut failures = String::new();
    let mut passed = 0;
    for file in &files {
        let mut engine = WalnutEngine::new().expect("open walnut");
        let report = run_file(&mut engine, file, &[]).expect("read .slt file");
        passed += report.passed;
        for f in &report.failures {
            failures.push_str(&f.to_string());
        }
        if report.failed > 0 {
            failures.push_str(&format!("{report}\n"));
        }
    }
    assert!(failures.is_empty(), "on walnut:\n{failures}");
    assert!(passed > 500, "only {passed} records ran");
}
