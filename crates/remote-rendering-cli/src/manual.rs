//! `arr completions SHELL` and `arr man`: shell completion scripts and man
//! pages generated from the clap definition, so they cannot drift from the
//! command line.

use crate::cli::Cli;
use crate::error::{CliError, CliResult};
use crate::output::Printer;
use clap::CommandFactory as _;
use std::path::{Path, PathBuf};

/// Prints the completion script for `shell` on stdout.
pub fn completions(printer: &Printer, shell: clap_complete::Shell) {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "arr", &mut script);
    printer.print_raw(&script);
}

/// Prints the man page of `arr` (roff) on stdout, or with `out` writes one
/// page per command into that folder (`arr.1`, `arr-session.1`,
/// `arr-session-start.1`...) and lists them.
pub fn man(printer: &Printer, out: Option<&Path>) -> CliResult {
    let Some(folder) = out else {
        let mut page = Vec::new();
        clap_mangen::Man::new(Cli::command())
            .render(&mut page)
            .map_err(|e| CliError::service(format!("cannot render the man page: {e}")))?;
        printer.print_raw(&page);
        return Ok(());
    };
    std::fs::create_dir_all(folder)
        .map_err(|e| CliError::usage(format!("cannot create {}: {e}", folder.display())))?;
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let mut written = Vec::new();
    write_pages(command, folder, &mut written)
        .map_err(|e| CliError::service(format!("cannot write to {}: {e}", folder.display())))?;
    let paths: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    printer.print(
        || paths.iter().map(|p| format!("{p}\n")).collect(),
        || serde_json::json!({ "pages": paths }),
    );
    Ok(())
}

/// Writes the page of `command` and of each visible subcommand, depth first.
fn write_pages(
    command: clap::Command,
    folder: &Path,
    written: &mut Vec<PathBuf>,
) -> std::io::Result<()> {
    written.push(clap_mangen::Man::new(command.clone()).generate_to(folder)?);
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub.clone(), folder, written)?;
    }
    Ok(())
}
