//! The terminal table: one aligned table, grouped by severity (critical
//! first), then the totals, the suppressed findings with their reasons, the
//! policy verdict and warnings.

use super::{fixed_display, printable, short_digest, truncate, ScanReport};
use crate::policy::Verdict;
use crate::severity::Severity;

const TITLE_WIDTH: usize = 60;
const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";

fn severity_style(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "\x1b[1;31m",
        Severity::High => "\x1b[31m",
        Severity::Medium => "\x1b[33m",
        Severity::Low => "\x1b[36m",
        Severity::Negligible | Severity::Unknown => "\x1b[2m",
    }
}

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, style: &str, text: &str) -> String {
        if self.color {
            format!("{style}{text}{RESET}")
        } else {
            text.to_string()
        }
    }
}

/// Render the report as a table for a terminal; `color` adds ANSI colors
/// (severity headings, header row, verdict).
pub fn table(report: &ScanReport, color: bool) -> String {
    let p = Painter { color };
    let mut out = String::new();

    out.push_str(&p.paint(BOLD, &printable(&report.image)));
    if !report.image_digest.is_empty() {
        out.push_str(&format!(
            " ({})",
            printable(&short_digest(&report.image_digest))
        ));
    }
    out.push('\n');
    let mut about = format!("{} {}", report.scanner, report.version);
    if let Some(db) = &report.database {
        about.push_str(&format!(", database {}", db.version));
        if let Some(built) = db.built_at.as_ref().filter(|b| **b != db.version) {
            about.push_str(&format!(" (built {built})"));
        }
    }
    out.push_str(&printable(&about));
    out.push_str("\n\n");

    if report.findings.is_empty() {
        out.push_str("No vulnerabilities found.\n");
    } else {
        let with_type = report.findings.iter().any(|f| f.package_type.is_some());
        let mut header = vec!["ID", "PACKAGE", "INSTALLED", "FIXED IN"];
        if with_type {
            header.push("TYPE");
        }
        header.push("TITLE");
        let rows: Vec<(Severity, Vec<String>)> = report
            .findings
            .iter()
            .map(|f| {
                let mut row = vec![
                    printable(f.id()),
                    printable(&f.vulnerability.package),
                    printable(&f.vulnerability.version),
                    printable(&fixed_display(f)),
                ];
                if with_type {
                    row.push(printable(f.package_type.as_deref().unwrap_or("-")));
                }
                row.push(truncate(&printable(f.display_title()), TITLE_WIDTH));
                (f.severity(), row)
            })
            .collect();
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for (_, row) in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| -> String {
            let last = cells.len() - 1;
            let mut s = String::new();
            for (i, cell) in cells.iter().enumerate() {
                if i == last {
                    s.push_str(cell);
                } else {
                    s.push_str(cell);
                    s.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
                }
            }
            s.trim_end().to_string()
        };
        let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
        out.push_str(&p.paint(BOLD, &line(&header)));
        out.push('\n');
        for (sev, findings) in report.by_severity() {
            let heading = format!("{} ({})", sev.as_str().to_ascii_uppercase(), findings.len());
            out.push_str(&p.paint(severity_style(sev), &heading));
            out.push('\n');
            for (_, row) in rows.iter().filter(|(s, _)| *s == sev) {
                out.push_str(&line(row));
                out.push('\n');
            }
        }
    }

    out.push('\n');
    let s = &report.summary;
    let mut counts: Vec<String> = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ]
    .iter()
    .map(|sev| {
        let text = format!("{} {}", sev.as_str(), s.count(*sev));
        if s.count(*sev) > 0 {
            p.paint(severity_style(*sev), &text)
        } else {
            text
        }
    })
    .collect();
    for sev in [Severity::Negligible, Severity::Unknown] {
        if s.count(sev) > 0 {
            counts.push(format!("{} {}", sev.as_str(), s.count(sev)));
        }
    }
    out.push_str(&format!("Total: {} ({})", s.total, counts.join(", ")));
    if !report.suppressed.is_empty() {
        out.push_str(&format!(", {} suppressed", report.suppressed.len()));
    }
    out.push('\n');

    if !report.suppressed.is_empty() {
        out.push_str(&format!("\nSuppressed ({}):\n", report.suppressed.len()));
        let id_w = report
            .suppressed
            .iter()
            .map(|x| x.finding.id().chars().count())
            .max()
            .unwrap_or(0);
        let pkg_w = report
            .suppressed
            .iter()
            .map(|x| x.finding.vulnerability.package.chars().count())
            .max()
            .unwrap_or(0);
        for x in &report.suppressed {
            let id = &printable(x.finding.id());
            let pkg = &printable(&x.finding.vulnerability.package);
            out.push_str(&format!(
                "  {id}{}  {pkg}{}  {}\n",
                " ".repeat(id_w - id.chars().count()),
                " ".repeat(pkg_w - pkg.chars().count()),
                printable(&x.suppression.describe())
            ));
        }
    }

    let (label, style) = match report.policy.verdict {
        Verdict::Pass => ("PASS", "\x1b[1;32m"),
        Verdict::Warn => ("WARN", "\x1b[1;33m"),
        Verdict::Fail => ("FAIL", "\x1b[1;31m"),
    };
    out.push_str(&format!(
        "\nPolicy: {}: {}\n",
        p.paint(style, label),
        report.policy.describe()
    ));
    for w in &report.warnings {
        out.push_str(&format!(
            "{} {}\n",
            p.paint("\x1b[33m", "warning:"),
            printable(w)
        ));
    }
    out
}
