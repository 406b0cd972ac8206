//! What `arr` shows besides its result and its errors: whether progress,
//! retry and hint lines reach stderr (`--quiet`), whether output is styled
//! (`--color`, `NO_COLOR`), and whether stderr is a terminal (spinners and
//! retry lines only make sense there).
//!
//! Process-wide, like the terminal itself: `main` sets it once from the
//! flags, and the modules that print ask [`current`] rather than threading
//! a value through every command.

use indicatif::ProgressBar;
use std::ffi::OsStr;
use std::io::IsTerminal as _;
use std::sync::{Mutex, OnceLock};

/// `--color`: whether `arr` styles what it prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorMode {
    // Plain comments, not doc comments: clap would list documented values
    // at length under every subcommand's --help.
    // Style a terminal's output unless NO_COLOR is set (and not empty).
    #[default]
    Auto,
    // Always style, even into a pipe or file.
    Always,
    // Never style.
    Never,
}

/// Whether output to a stream is styled: `auto` styles a terminal unless
/// `NO_COLOR` holds a value (<https://no-color.org>: an empty one does not count).
pub fn color_enabled(mode: ColorMode, is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    match mode {
        ColorMode::Always => true,
        ColorMode::Never => false,
        ColorMode::Auto => is_terminal && no_color.is_none_or(OsStr::is_empty),
    }
}

/// How `arr` talks to the terminal in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terminal {
    quiet: bool,
    stderr_is_terminal: bool,
    stderr_color: bool,
    color: ColorMode,
    no_color: bool,
}

impl Terminal {
    /// Settings for `--quiet` and `--color`, with the real stderr and environment.
    pub fn detect(quiet: bool, color: ColorMode) -> Self {
        let no_color = std::env::var_os("NO_COLOR");
        let stderr_is_terminal = std::io::stderr().is_terminal();
        Self {
            quiet,
            stderr_is_terminal,
            stderr_color: color_enabled(color, stderr_is_terminal, no_color.as_deref()),
            color,
            no_color: no_color.is_some_and(|v| !v.is_empty()),
        }
    }

    /// `--quiet`: no progress, retry or hint lines (errors are still printed).
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// Whether stderr is a terminal (then waits show a spinner and retries a line).
    pub fn stderr_is_terminal(&self) -> bool {
        self.stderr_is_terminal
    }

    /// Whether spinners and progress bars are drawn on stderr.
    pub fn progress_bars(&self) -> bool {
        self.stderr_is_terminal && !self.quiet
    }

    /// Whether logs and progress on stderr are styled.
    pub fn stderr_color(&self) -> bool {
        self.stderr_color
    }

    /// The same choice for clap's help and errors (clap detects the
    /// terminal itself; `NO_COLOR` is applied here so that both agree).
    pub fn clap_color(&self) -> clap::ColorChoice {
        clap_color(self.color, self.no_color)
    }
}

/// clap's color setting for `mode`, with `NO_COLOR` holding a value or not.
pub fn clap_color(mode: ColorMode, no_color: bool) -> clap::ColorChoice {
    match mode {
        ColorMode::Always => clap::ColorChoice::Always,
        ColorMode::Never => clap::ColorChoice::Never,
        ColorMode::Auto if no_color => clap::ColorChoice::Never,
        ColorMode::Auto => clap::ColorChoice::Auto,
    }
}

static TERMINAL: OnceLock<Terminal> = OnceLock::new();

/// Sets this run's settings; the first call wins.
pub fn init(terminal: Terminal) {
    let _ = TERMINAL.set(terminal);
}

/// This run's settings (before [`init`]: not quiet, `--color auto`).
pub fn current() -> Terminal {
    *TERMINAL.get_or_init(|| Terminal::detect(false, ColorMode::Auto))
}

/// The spinner drawn on stderr now, if any: lines printed meanwhile go
/// above it instead of through it.
static SPINNER: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Makes `spinner` the one drawn on stderr (`None` when it is gone).
pub fn set_spinner(spinner: Option<ProgressBar>) {
    *SPINNER.lock().unwrap_or_else(|e| e.into_inner()) = spinner;
}

/// Prints one line on stderr, above the spinner when one is drawn.
pub fn eprint_line(line: &str) {
    let spinner = SPINNER.lock().unwrap_or_else(|e| e.into_inner()).clone();
    match spinner {
        Some(spinner) => spinner.suspend(|| eprintln!("{line}")),
        None => eprintln!("{line}"),
    }
}

/// Prints a progress or hint line on stderr, unless `--quiet`.
pub fn status(line: std::fmt::Arguments<'_>) {
    if !current().quiet() {
        eprint_line(&line.to_string());
    }
}

/// `eprintln!` for progress and hint lines: silenced by `--quiet`.
#[macro_export]
macro_rules! status_line {
    ($($arg:tt)*) => {
        $crate::terminal::status(format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_with_a_value_turns_auto_off_only() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        assert!(color_enabled(ColorMode::Auto, true, None));
        assert!(color_enabled(ColorMode::Auto, true, empty));
        assert!(!color_enabled(ColorMode::Auto, true, set));
        assert!(!color_enabled(ColorMode::Auto, false, None));
        assert!(color_enabled(ColorMode::Always, false, set));
        assert!(!color_enabled(ColorMode::Never, true, None));
        assert_eq!(clap_color(ColorMode::Auto, true), clap::ColorChoice::Never);
        assert_eq!(clap_color(ColorMode::Auto, false), clap::ColorChoice::Auto);
    }
}
