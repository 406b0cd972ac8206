//! What goes to stdout: aligned tables for people, one JSON document for
//! scripts. Nothing here ever sees a secret: sessions and conversions carry
//! none.

use crate::cli::OutputFormat;
use crate::documents::{ConversionDocument, SessionDocument, to_value};
use crate::duration::format_duration;
use crate::escape::escape_controls;
use remote_rendering::{Conversion, ServiceErrorDetail, Session};
use serde_json::Value;
use std::io::Write as _;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Formats a timestamp as RFC 3339 to the second (UTC, as the service
/// reports it); nanoseconds only make tables wider.
pub fn format_time(time: &OffsetDateTime) -> String {
    let time = time.replace_nanosecond(0).unwrap_or(*time);
    time.format(&Rfc3339).unwrap_or_else(|_| time.to_string())
}

/// A session as JSON (camelCase keys, lease values in minutes): the
/// [`SessionDocument`] (`arr schema session`).
pub fn session_json(s: &Session) -> Value {
    to_value(&SessionDocument::from(s))
}

/// A conversion as JSON: the [`ConversionDocument`] (`arr schema conversion`).
pub fn conversion_json(c: &Conversion) -> Value {
    to_value(&ConversionDocument::from(c))
}

fn opt<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// Lease values are whole minutes; zero reads better as `0m` than `0s`.
fn lease(d: Option<std::time::Duration>) -> String {
    d.map(|d| match d.is_zero() {
        true => "0m".to_string(),
        false => format_duration(d),
    })
    .unwrap_or_default()
}

fn error_text(error: &Option<ServiceErrorDetail>) -> String {
    error
        .as_ref()
        .map(|e| format!("{}: {}", e.code, e.message))
        .unwrap_or_default()
}

/// One session as `FIELD  value` rows; empty fields are left out.
pub fn session_rows(s: &Session) -> Vec<(&'static str, String)> {
    vec![
        ("ID", s.id.to_string()),
        ("STATUS", s.status.to_string()),
        ("SIZE", s.size.to_string()),
        ("LEASE", lease(s.max_lease)),
        ("ELAPSED", lease(s.elapsed)),
        ("REMAINING", lease(s.remaining_lease())),
        ("HOSTNAME", opt(&s.hostname)),
        ("HANDSHAKE PORT", opt(&s.handshake_port)),
        ("INSPECTOR PORT", opt(&s.arr_inspector_port)),
        ("TERAFLOPS", opt(&s.teraflops)),
        ("CREATED", opt(&s.created_on.as_ref().map(format_time))),
        ("ERROR", error_text(&s.error)),
    ]
}

/// One conversion as `FIELD  value` rows.
pub fn conversion_rows(c: &Conversion) -> Vec<(&'static str, String)> {
    vec![
        ("ID", c.id.to_string()),
        ("STATUS", c.status.to_string()),
        ("INPUT CONTAINER", c.input_container.clone()),
        ("INPUT ASSET", c.input_asset.clone()),
        ("OUTPUT CONTAINER", c.output_container.clone()),
        ("OUTPUT ASSET", opt(&c.output_asset_uri)),
        ("CREATED", opt(&c.created_on.as_ref().map(format_time))),
        ("ERROR", error_text(&c.error)),
    ]
}

/// Renders `FIELD  value` rows with the values aligned.
pub fn render_rows(rows: &[(&str, String)]) -> String {
    let rows: Vec<_> = rows.iter().filter(|(_, v)| !v.is_empty()).collect();
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    rows.iter()
        .map(|(k, v)| format!("{k:<width$}  {}\n", escape_controls(v)))
        .collect()
}

/// Renders a table with a header row; columns are padded to their widest
/// cell and the last column is not padded, so lines carry no trailing spaces.
pub fn render_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|c| escape_controls(c).into_owned())
                .collect()
        })
        .collect();
    let rows = &rows;
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            if i == last {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<width$}  "));
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// The session list table.
pub fn sessions_table(sessions: &[Session]) -> String {
    if sessions.is_empty() {
        return "No sessions.\n".to_string();
    }
    let rows: Vec<Vec<String>> = sessions
        .iter()
        .map(|s| {
            vec![
                s.id.to_string(),
                s.status.to_string(),
                s.size.to_string(),
                lease(s.max_lease),
                lease(s.elapsed),
                opt(&s.created_on.as_ref().map(format_time)),
            ]
        })
        .collect();
    render_table(
        &["ID", "STATUS", "SIZE", "LEASE", "ELAPSED", "CREATED"],
        &rows,
    )
}

/// The conversion list table.
pub fn conversions_table(conversions: &[Conversion]) -> String {
    if conversions.is_empty() {
        return "No conversions.\n".to_string();
    }
    let rows: Vec<Vec<String>> = conversions
        .iter()
        .map(|c| {
            vec![
                c.id.to_string(),
                c.status.to_string(),
                c.input_asset.clone(),
                opt(&c.created_on.as_ref().map(format_time)),
            ]
        })
        .collect();
    render_table(&["ID", "STATUS", "ASSET", "CREATED"], &rows)
}

/// Writes the result of a command to stdout in the chosen format. Clones
/// share what went wrong, so `main` can see a failed write after the command.
#[derive(Clone)]
pub struct Printer {
    format: OutputFormat,
    /// The first failed write to stdout, reported when the command ends.
    write_error: std::sync::Arc<std::sync::Mutex<Option<std::io::ErrorKind>>>,
    /// Whether a JSON document went to stdout (then a failure prints no second one).
    printed_json: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Printer {
    /// A printer for `format`.
    pub fn new(format: OutputFormat) -> Self {
        Self {
            format,
            write_error: Default::default(),
            printed_json: Default::default(),
        }
    }

    /// Why stdout could not be written, if it could not (a closed pipe, as
    /// in `arr session list | head`, is not a failure).
    pub fn write_error(&self) -> Option<std::io::ErrorKind> {
        *self.write_error.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, result: std::io::Result<()>) {
        if let Err(error) = result
            && error.kind() != std::io::ErrorKind::BrokenPipe
        {
            let mut first = self.write_error.lock().unwrap_or_else(|e| e.into_inner());
            first.get_or_insert(error.kind());
        }
    }

    /// Whether stdout carries JSON (then human notes go to stderr).
    pub fn is_json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// Prints `table` or `json`, whichever the user asked for.
    pub fn print(&self, table: impl FnOnce() -> String, json: impl FnOnce() -> Value) {
        let text = match self.format {
            OutputFormat::Table => table(),
            OutputFormat::Json => {
                self.printed_json
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                let mut text = serde_json::to_string_pretty(&json()).unwrap_or_default();
                text.push('\n');
                text
            }
        };
        self.print_raw(text.as_bytes());
    }

    /// Writes `bytes` to stdout as they are (a completion script, a man page).
    pub fn print_raw(&self, bytes: &[u8]) {
        let mut stdout = std::io::stdout().lock();
        let written = stdout.write_all(bytes).and_then(|()| stdout.flush());
        self.record(written);
    }

    /// With `--output json`, prints `error` as the one document on stdout
    /// ([`crate::error_document`]), unless the command printed its own.
    pub fn print_error(&self, error: &crate::error::CliError) {
        if self.is_json() && !self.printed_json.load(std::sync::atomic::Ordering::Relaxed) {
            self.print(String::new, || {
                to_value(&crate::error_document::FailedCommandDocument::from(error))
            });
        }
    }

    /// A line for people: on stdout in table mode, on stderr in JSON mode so
    /// stdout stays one JSON document.
    pub fn note(&self, line: impl AsRef<str>) {
        match self.format {
            OutputFormat::Table => {
                let mut stdout = std::io::stdout().lock();
                let line = escape_controls(line.as_ref());
                let written = writeln!(stdout, "{line}").and_then(|()| stdout.flush());
                self.record(written);
            }
            OutputFormat::Json => crate::status_line!("{}", escape_controls(line.as_ref())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_have_no_trailing_spaces() {
        let table = render_table(
            &["ID", "STATUS"],
            &[
                vec!["a-long-id".into(), "Ready".into()],
                vec!["b".into(), "".into()],
            ],
        );
        assert_eq!(table, "ID         STATUS\na-long-id  Ready\nb\n");
    }

    #[test]
    fn rows_skip_empty_values() {
        let text = render_rows(&[
            ("ID", "x".into()),
            ("ERROR", String::new()),
            ("HOSTNAME", "h".into()),
        ]);
        assert_eq!(text, "ID        x\nHOSTNAME  h\n");
    }
}
