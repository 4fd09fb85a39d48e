//! The `conclave` binary: parse the command line and hand it to `cli::dispatch`.

use clap::Parser;
use conclave::cli::{args::Cli, dispatch};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("conclave: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
