//! The Markdown summary, for `$GITHUB_STEP_SUMMARY` and pull-request
//! comments: a heading naming the image, the verdict, a table of counts, the
//! top findings, the suppressed ones (folded) and warnings.

use super::{fixed_display, primary_url, short_digest, truncate, ScanReport};
use crate::policy::Verdict;
use crate::severity::Severity;

/// How many findings the summary lists.
const TOP: usize = 10;
const TITLE_WIDTH: usize = 80;

/// Escape text for a Markdown table cell (no HTML, no pipes, no line breaks,
/// no emphasis or links from advisory text).
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' | '\n' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Render the report as GitHub-flavored Markdown.
pub fn markdown(report: &ScanReport) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "## Vulnerability scan: `{}`\n\n",
        report.image.replace('`', "'")
    ));

    let (mark, word) = match report.policy.verdict {
        Verdict::Pass => ("✅", "passed"),
        Verdict::Warn => ("⚠️", "passed with warnings"),
        Verdict::Fail => ("❌", "failed"),
    };
    out.push_str(&format!(
        "{mark} **Policy {word}**: {}\n\n",
        cell(&report.policy.describe())
    ));

    let s = &report.summary;
    out.push_str(
        "| Critical | High | Medium | Low | Negligible | Unknown | Total | Suppressed |\n",
    );
    out.push_str("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    out.push_str(&format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} |\n\n",
        s.critical,
        s.high,
        s.medium,
        s.low,
        s.negligible,
        s.unknown,
        s.total,
        report.suppressed.len()
    ));

    if report.findings.is_empty() {
        out.push_str("No vulnerabilities found.\n\n");
    } else {
        let shown = report.findings.len().min(TOP);
        out.push_str(if shown == report.findings.len() {
            "### Findings\n\n"
        } else {
            "### Top findings\n\n"
        });
        out.push_str("| Severity | ID | Package | Installed | Fixed in | Title |\n");
        out.push_str("| --- | --- | --- | --- | --- | --- |\n");
        for f in report.findings.iter().take(TOP) {
            out.push_str(&format!(
                "| {} | [{}]({}) | {} | {} | {} | {} |\n",
                severity_label(f.severity()),
                cell(f.id()),
                primary_url(f).replace(' ', "%20").replace(')', "%29"),
                cell(&f.vulnerability.package),
                cell(&f.vulnerability.version),
                cell(&fixed_display(f)),
                cell(&truncate(f.display_title(), TITLE_WIDTH)),
            ));
        }
        if shown < report.findings.len() {
            out.push_str(&format!(
                "\n_{} more not shown; the full list is in the JSON or SARIF report._\n",
                report.findings.len() - shown
            ));
        }
        out.push('\n');
    }

    if !report.suppressed.is_empty() {
        out.push_str(&format!(
            "<details><summary>Suppressed ({})</summary>\n\n",
            report.suppressed.len()
        ));
        out.push_str("| ID | Package | Installed | Why |\n| --- | --- | --- | --- |\n");
        for x in &report.suppressed {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                cell(x.finding.id()),
                cell(&x.finding.vulnerability.package),
                cell(&x.finding.vulnerability.version),
                cell(&x.suppression.describe()),
            ));
        }
        out.push_str("\n</details>\n\n");
    }

    if !report.warnings.is_empty() {
        out.push_str("> [!WARNING]\n");
        for w in &report.warnings {
            out.push_str(&format!("> - {}\n", cell(w)));
        }
        out.push('\n');
    }

    let mut facts = Vec::new();
    if !report.image_digest.is_empty() {
        facts.push(format!("digest `{}`", short_digest(&report.image_digest)));
    }
    facts.push(format!("{} {}", report.scanner, report.version));
    if let Some(db) = &report.database {
        facts.push(format!("database {}", cell(&db.version)));
    }
    if !report.scanned_at.is_empty() {
        facts.push(format!("scanned {}", cell(&report.scanned_at)));
    }
    out.push_str(&format!("<sub>{}</sub>\n", facts.join(" · ")));
    out
}

fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "🟥 critical",
        Severity::High => "🟧 high",
        Severity::Medium => "🟨 medium",
        Severity::Low => "🟦 low",
        Severity::Negligible => "⬜ negligible",
        Severity::Unknown => "⬜ unknown",
    }
}
