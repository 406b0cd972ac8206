//! `cargo xtask`: maintainer tasks. See `cargo xtask --help`.

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use xtask::codegen;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Maintainer tasks for the remote-rendering workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert spec/swagger/*.json to OpenAPI 3.0.3 and regenerate the raw client.
    Codegen {
        /// Regenerate in memory and fail with a diff if any committed output is stale.
        #[arg(long)]
        check: bool,
        /// Print every rewrite the Swagger 2.0 -> OpenAPI 3.0 conversion applied.
        #[arg(long)]
        explain: bool,
        /// Print what changed between two versions' surfaces (operations,
        /// parameters, types, fields, enum values), one line per change, and
        /// write nothing. OLD and NEW name spec files: `arr-2021-01-01`.
        #[arg(long, num_args = 2, value_names = ["OLD", "NEW"], conflicts_with_all = ["check", "explain"])]
        diff: Option<Vec<String>>,
    },
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace root")
        .to_path_buf()
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    let root = workspace_root();
    match cli.command {
        Command::Codegen {
            diff: Some(names), ..
        } => {
            for line in codegen::surface_changes(&root, &names[0], &names[1])? {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Codegen { check, explain, .. } => {
            let plan = codegen::plan(&root)?;
            if explain {
                print!("{}", codegen::explain(&plan));
            }
            if check {
                let stale = codegen::check(&root, &plan)?;
                if stale.is_empty() {
                    eprintln!("codegen: {} outputs are current", plan.outputs.len());
                    return Ok(ExitCode::SUCCESS);
                }
                for file in &stale {
                    print!("{}", file.diff);
                }
                eprintln!(
                    "codegen: {} committed output(s) are stale; run `cargo xtask codegen`:",
                    stale.len()
                );
                for file in &stale {
                    eprintln!("  {}", file.path.display());
                }
                return Ok(ExitCode::FAILURE);
            }
            if !explain {
                let written = codegen::write(&root, &plan)?;
                for path in &written {
                    eprintln!("wrote {}", path.display());
                }
                eprintln!(
                    "codegen: {} outputs, {} changed",
                    plan.outputs.len(),
                    written.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
