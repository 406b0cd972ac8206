//! The one table every figure goes into, rendered as Markdown.

use std::fmt::Write as _;

/// Whether a figure meets its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Within the target.
    Pass,
    /// Outside the target.
    Miss,
    /// A figure without a target (context for the others).
    Info,
    /// Not measured (the reason is in the measured column).
    Skipped,
}

impl Verdict {
    /// `Pass` when `ok`, `Miss` otherwise.
    pub fn check(ok: bool) -> Self {
        if ok { Self::Pass } else { Self::Miss }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Miss => "**miss**",
            Self::Info => "—",
            Self::Skipped => "skipped",
        }
    }
}

/// One line of the table.
#[derive(Clone, Debug)]
pub struct Row {
    /// The item number, e.g. `"1"`.
    pub item: String,
    /// What is measured.
    pub metric: String,
    /// The measured figure, formatted.
    pub measured: String,
    /// The target, or `—`.
    pub target: String,
    /// Pass, miss, info or skipped.
    pub verdict: Verdict,
}

impl Row {
    /// A figure with a target.
    pub fn checked(
        item: &str,
        metric: impl Into<String>,
        measured: impl Into<String>,
        target: impl Into<String>,
        ok: bool,
    ) -> Self {
        Self {
            item: item.to_string(),
            metric: metric.into(),
            measured: measured.into(),
            target: target.into(),
            verdict: Verdict::check(ok),
        }
    }

    /// A figure without a target.
    pub fn info(item: &str, metric: impl Into<String>, measured: impl Into<String>) -> Self {
        Self {
            item: item.to_string(),
            metric: metric.into(),
            measured: measured.into(),
            target: "—".to_string(),
            verdict: Verdict::Info,
        }
    }

    /// A scenario that could not run, and why.
    pub fn skipped(item: &str, metric: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            item: item.to_string(),
            metric: metric.into(),
            measured: reason.into(),
            target: "—".to_string(),
            verdict: Verdict::Skipped,
        }
    }
}

/// Every row of a run, plus a few lines about the run.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The rows, in item order.
    pub rows: Vec<Row>,
    /// Lines printed above the table (machine, command, duration).
    pub preamble: Vec<String>,
}

impl Report {
    /// Adds rows.
    pub fn extend(&mut self, rows: impl IntoIterator<Item = Row>) {
        self.rows.extend(rows);
    }

    /// How many rows missed their target.
    pub fn misses(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.verdict == Verdict::Miss)
            .count()
    }

    /// The Markdown: preamble lines, then the table.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        for line in &self.preamble {
            let _ = writeln!(out, "{line}  ");
        }
        if !self.preamble.is_empty() {
            out.push('\n');
        }
        out.push_str("| # | Metric | Measured | Target | Result |\n");
        out.push_str("|---|---|---|---|---|\n");
        for row in &self.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                cell(&row.item),
                cell(&row.metric),
                cell(&row.measured),
                cell(&row.target),
                row.verdict.label()
            );
        }
        out
    }
}

/// Keeps a cell on one table row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_has_one_line_per_row() {
        let mut report = Report::default();
        report.extend([
            Row::checked("1", "a/c", "1.01", "≤ 1.05", true),
            Row::checked("3", "STS requests", "2", "1", false),
            Row::info("2", "ops/s | c=1", "100"),
        ]);
        let md = report.to_markdown();
        assert_eq!(md.lines().count(), 5);
        assert!(md.contains("| 3 | STS requests | 2 | 1 | **miss** |"));
        assert!(md.contains("ops/s \\| c=1"));
        assert_eq!(report.misses(), 1);
    }
}
