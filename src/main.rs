//! The `walnut` shell. Everything it does lives in the `walnut-repl`
//! crate; this is only the program's entry point.
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let status = walnut_repl::main_with_args(&args);
    ExitCode::from(u8::try_from(status).unwrap_or(1))
}
