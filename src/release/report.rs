//! Release reports: a human summary, JSON (the [`ReleaseResult`]), Markdown
//! (for `$GITHUB_STEP_SUMMARY`), and a self-contained HTML page (inline CSS
//! and SVG, no scripts, no external resources) with a severity chart,
//! findings and packages per image.

use super::{ImageRelease, ImageStatus, ReleaseResult};
use crate::policy::Purl;
use crate::scan::{Vulnerability, VulnerabilitySummary};
use crate::severity::Severity;

/// Severity counts over all scan results of an image.
pub fn severity_counts(r: &ImageRelease) -> VulnerabilitySummary {
    let mut s = VulnerabilitySummary::default();
    for sr in &r.result.scan_results {
        for v in &sr.vulnerabilities {
            s.add(v.severity);
        }
    }
    s
}

/// A package listed in an image's SBOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRow {
    /// Ecosystem (purl type).
    pub ty: String,
    /// Name (with namespace, when there is one).
    pub name: String,
    /// Version.
    pub version: String,
}

/// The packages of an image's SBOM (JSON formats; read back from its package URLs).
pub fn packages(r: &ImageRelease) -> Vec<PackageRow> {
    let Some(sbom) = &r.result.sbom else {
        return Vec::new();
    };
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&sbom.content) else {
        return Vec::new();
    };
    crate::sbom::purls_in_sbom(&doc)
        .iter()
        .filter_map(|p| Purl::parse(p))
        .map(|p| PackageRow {
            name: match &p.namespace {
                Some(ns) if p.ty != "deb" && p.ty != "rpm" && p.ty != "apk" => {
                    format!("{ns}/{}", p.name)
                }
                _ => p.name.clone(),
            },
            ty: p.ty,
            version: p.version.unwrap_or_default(),
        })
        .collect()
}

fn findings(r: &ImageRelease) -> Vec<&Vulnerability> {
    let mut v: Vec<&Vulnerability> = r
        .result
        .scan_results
        .iter()
        .flat_map(|s| s.vulnerabilities.iter())
        .collect();
    v.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.id.cmp(&b.id))
            .then_with(|| a.package.cmp(&b.package))
    });
    v
}

fn steps(r: &ImageRelease) -> String {
    let res = &r.result;
    let mut parts = Vec::new();
    if res.scanned {
        let s = severity_counts(r);
        parts.push(format!(
            "scanned ({} critical, {} high, {} total)",
            s.critical, s.high, s.total
        ));
    }
    parts.push(if res.signed { "signed" } else { "not signed" }.to_string());
    if let Some(sbom) = &res.sbom {
        parts.push(format!("SBOM ({} packages)", sbom.metadata.package_count));
    }
    if res.provenance_generated {
        parts.push("provenance".into());
    }
    parts.join(", ")
}

/// The human summary: one block per image, then the totals.
pub fn human(result: &ReleaseResult) -> String {
    let mut out = format!(
        "Release {} {} ({}): {} image(s)\n",
        result.stack,
        result.environment,
        result.version,
        result.security_results.len()
    );
    let width = result
        .security_results
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(0);
    for r in &result.security_results {
        out.push_str(&format!(
            "  {:<8} {:<width$}  {}\n",
            r.status.as_str().to_ascii_uppercase(),
            r.name,
            r.result.image
        ));
        out.push_str(&format!(
            "  {:<8} {:<width$}  {} [{} ms]\n",
            "",
            "",
            steps(r),
            r.result.duration_ms
        ));
        if let Some(e) = &r.error {
            out.push_str(&format!("  {:<8} {:<width$}  stopped: {e}\n", "", ""));
        }
        for e in &r.result.errors {
            out.push_str(&format!("  {:<8} {:<width$}  error: {e}\n", "", ""));
        }
        for w in &r.result.warnings {
            out.push_str(&format!("  {:<8} {:<width$}  warning: {w}\n", "", ""));
        }
    }
    out.push_str(&format!(
        "{} passed, {} degraded, {} blocked, {} failed in {:.1}s: {}\n",
        result.count(ImageStatus::Passed),
        result.count(ImageStatus::Degraded),
        result.count(ImageStatus::Blocked),
        result.count(ImageStatus::Failed),
        result.duration_ms as f64 / 1000.0,
        if result.success {
            "release succeeded"
        } else {
            "release FAILED"
        }
    ));
    out
}

/// The result as pretty JSON with a trailing newline.
pub fn json(result: &ReleaseResult) -> String {
    let mut s = serde_json::to_string_pretty(result)
        .expect("a release result has only string keys and finite numbers");
    s.push('\n');
    s
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// Markdown for `$GITHUB_STEP_SUMMARY`: a table of images, then what stopped any.
pub fn markdown(result: &ReleaseResult) -> String {
    let mut out = format!(
        "## Release `{}` / `{}` — {}\n\n{}\n\n| Image | Status | Critical | High | Medium | Low | Signed | SBOM | Provenance | Digest |\n|---|---|---:|---:|---:|---:|---|---|---|---|\n",
        md_escape(&result.stack),
        md_escape(&result.environment),
        md_escape(&result.version),
        if result.success {
            "**Release succeeded.**"
        } else {
            "**Release failed.**"
        }
    );
    for r in &result.security_results {
        let s = severity_counts(r);
        let digest = r
            .result
            .image
            .split_once('@')
            .map(|(_, d)| d.get(..19).unwrap_or(d).to_string())
            .unwrap_or_default();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | `{}` |\n",
            md_escape(&r.name),
            r.status.as_str(),
            s.critical,
            s.high,
            s.medium,
            s.low,
            yes(r.result.signed),
            yes(r.result.sbom_generated),
            yes(r.result.provenance_generated),
            digest
        ));
    }
    let problems: Vec<String> = result
        .security_results
        .iter()
        .flat_map(|r| {
            r.error
                .iter()
                .map(move |e| format!("- **{}**: {}", md_escape(&r.name), md_escape(e)))
                .chain(r.result.errors.iter().map(move |e| {
                    format!(
                        "- {} (continued): {}",
                        md_escape(&r.name),
                        md_escape(&e.to_string())
                    )
                }))
        })
        .collect();
    if !problems.is_empty() {
        out.push_str("\n### Problems\n\n");
        for p in problems {
            out.push_str(&p);
            out.push('\n');
        }
    }
    out
}

/// Escape text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn severity_color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#8b0000",
        Severity::High => "#d9480f",
        Severity::Medium => "#e8a317",
        Severity::Low => "#2b8a3e",
        Severity::Negligible => "#5c7cfa",
        Severity::Unknown => "#868e96",
    }
}

/// The severity chart of one image: a horizontal bar per severity, as inline SVG.
pub fn severity_chart(counts: &VulnerabilitySummary, id: &str) -> String {
    let max = Severity::ALL
        .iter()
        .map(|s| counts.count(*s))
        .max()
        .unwrap_or(0)
        .max(1);
    let (row, label_w, bar_w) = (22, 90, 300);
    let order = Severity::ALL;
    let height = row * order.len() + 8;
    let mut svg = format!(
        "<svg class=\"chart\" id=\"chart-{id}\" role=\"img\" width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\" aria-label=\"Findings by severity\">",
        label_w + bar_w + 50,
        label_w + bar_w + 50
    );
    for (i, s) in order.iter().enumerate() {
        let n = counts.count(*s);
        let y = 4 + i * row;
        let w = n * bar_w / max;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{}\" class=\"label\">{}</text><rect class=\"bar bar-{}\" x=\"{label_w}\" y=\"{y}\" width=\"{w}\" height=\"{}\" fill=\"{}\"><title>{}: {n}</title></rect><text x=\"{}\" y=\"{}\" class=\"count\" data-severity=\"{}\">{n}</text>",
            y + 14,
            s.as_str(),
            s.as_str(),
            row - 6,
            severity_color(*s),
            s.as_str(),
            label_w + w + 6,
            y + 14,
            s.as_str()
        ));
    }
    svg.push_str("</svg>");
    svg
}

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em;color:#212529;background:#fff}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #dee2e6;padding-bottom:.3em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em}th,td{border:1px solid #dee2e6;padding:.25em .6em;text-align:left}
th{background:#f1f3f5}.status{display:inline-block;padding:.1em .6em;border-radius:.8em;color:#fff;font-size:.85em;font-weight:600}
.status-passed{background:#2b8a3e}.status-degraded{background:#e8a317}.status-blocked{background:#c92a2a}.status-failed{background:#495057}
.sev-critical{color:#8b0000;font-weight:700}.sev-high{color:#d9480f;font-weight:600}.mono{font-family:ui-monospace,monospace;font-size:.9em}
.chart text{font-size:12px;fill:#212529}details{margin:.5em 0}.problem{color:#c92a2a}.warning{color:#a86a00}";

fn status_badge(status: ImageStatus) -> String {
    format!(
        "<span class=\"status status-{0}\">{0}</span>",
        status.as_str()
    )
}

fn image_section(r: &ImageRelease, index: usize) -> String {
    let counts = severity_counts(r);
    let id = format!("image-{index}");
    let mut out = format!(
        "<section class=\"image\" id=\"{id}\" data-name=\"{}\" data-status=\"{}\">\n<h2>{} {}</h2>\n<p class=\"mono\">{}</p>\n<p>Source: <span class=\"mono\">{}</span> &middot; {} &middot; {} ms</p>\n",
        html_escape(&r.name),
        r.status.as_str(),
        html_escape(&r.name),
        status_badge(r.status),
        html_escape(&r.result.image),
        html_escape(&r.source),
        html_escape(&steps(r)),
        r.result.duration_ms
    );
    if let Some(e) = &r.error {
        out.push_str(&format!(
            "<p class=\"problem\">Stopped: {}</p>\n",
            html_escape(e)
        ));
    }
    for e in &r.result.errors {
        out.push_str(&format!(
            "<p class=\"problem\">Error (continued): {}</p>\n",
            html_escape(&e.to_string())
        ));
    }
    for w in &r.result.warnings {
        out.push_str(&format!(
            "<p class=\"warning\">Warning: {}</p>\n",
            html_escape(w)
        ));
    }
    if r.result.scanned {
        out.push_str(&severity_chart(&counts, &id));
        out.push('\n');
        let f = findings(r);
        out.push_str(&format!(
            "<h3>Findings ({})</h3>\n<table class=\"findings\"><thead><tr><th>ID</th><th>Severity</th><th>Package</th><th>Installed</th><th>Fixed in</th></tr></thead><tbody>\n",
            f.len()
        ));
        for v in f {
            out.push_str(&format!(
                "<tr><td class=\"mono\">{}</td><td class=\"sev-{}\">{}</td><td>{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td></tr>\n",
                html_escape(&v.id),
                v.severity.as_str(),
                v.severity.as_str(),
                html_escape(&v.package),
                html_escape(&v.version),
                html_escape(v.fixed_in.as_deref().unwrap_or("-"))
            ));
        }
        out.push_str("</tbody></table>\n");
    }
    let pkgs = packages(r);
    if !pkgs.is_empty() {
        out.push_str(&format!(
            "<details open><summary>Packages ({})</summary>\n<table class=\"packages\"><thead><tr><th>Type</th><th>Name</th><th>Version</th></tr></thead><tbody>\n",
            pkgs.len()
        ));
        for p in pkgs {
            out.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td class=\"mono\">{}</td></tr>\n",
                html_escape(&p.ty),
                html_escape(&p.name),
                html_escape(&p.version)
            ));
        }
        out.push_str("</tbody></table></details>\n");
    }
    out.push_str("</section>\n");
    out
}

/// A self-contained HTML page: inline CSS, inline SVG charts, no scripts and
/// no external resources, so it opens offline.
pub fn html(result: &ReleaseResult) -> String {
    let title = format!(
        "Release {} / {} {}",
        result.stack, result.environment, result.version
    );
    let mut body = String::new();
    body.push_str(&format!(
        "<h1>{}</h1>\n<p id=\"verdict\" data-success=\"{}\">{}: {} passed, {} degraded, {} blocked, {} failed, in {:.1}s.</p>\n",
        html_escape(&title),
        result.success,
        if result.success { "Release succeeded" } else { "Release failed" },
        result.count(ImageStatus::Passed),
        result.count(ImageStatus::Degraded),
        result.count(ImageStatus::Blocked),
        result.count(ImageStatus::Failed),
        result.duration_ms as f64 / 1000.0
    ));
    body.push_str("<table class=\"overview\"><thead><tr><th>Image</th><th>Status</th><th>Critical</th><th>High</th><th>Medium</th><th>Low</th><th>Signed</th><th>SBOM</th><th>Provenance</th></tr></thead><tbody>\n");
    for (i, r) in result.security_results.iter().enumerate() {
        let s = severity_counts(r);
        body.push_str(&format!(
            "<tr><td><a href=\"#image-{i}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            html_escape(&r.name),
            status_badge(r.status),
            s.critical,
            s.high,
            s.medium,
            s.low,
            yes(r.result.signed),
            yes(r.result.sbom_generated),
            yes(r.result.provenance_generated)
        ));
    }
    body.push_str("</tbody></table>\n");
    for (i, r) in result.security_results.iter().enumerate() {
        body.push_str(&image_section(r, i));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}<footer><p>Generated by {} {}.</p></footer>\n</body>\n</html>\n",
        html_escape(&title),
        crate::TOOL_NAME,
        crate::TOOL_VERSION
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::SecurityResult;
    use crate::scan::ScanResult;

    fn release() -> ReleaseResult {
        let mut blocked = SecurityResult::empty("localhost:5000/a@sha256:00");
        blocked.scanned = true;
        let vulns = vec![
            Vulnerability {
                id: "CVE-1".into(),
                severity: Severity::Critical,
                package: "<script>zlib".into(),
                version: "1".into(),
                ..Default::default()
            },
            Vulnerability {
                id: "CVE-2".into(),
                severity: Severity::Low,
                package: "b".into(),
                version: "2".into(),
                fixed_in: Some("3".into()),
                ..Default::default()
            },
        ];
        blocked.scan_results = vec![ScanResult {
            scanner: "sc".into(),
            version: "0".into(),
            image_digest: "sha256:00".into(),
            summary: VulnerabilitySummary::of(&vulns),
            vulnerabilities: vulns,
            scanned_at: String::new(),
            duration_ms: 0,
        }];
        ReleaseResult {
            stack: "shop".into(),
            environment: "prod".into(),
            version: "1.0".into(),
            images: vec![],
            security_results: vec![ImageRelease {
                name: "api|x".into(),
                source: "oci:x".into(),
                status: ImageStatus::Blocked,
                error_kind: Some(crate::error::ErrorKind::CriticalVulns),
                error: Some("1 vulnerability at or above critical".into()),
                result: blocked,
            }],
            success: false,
            duration_ms: 1500,
            errors: vec![],
        }
    }

    #[test]
    fn html_is_escaped_and_self_contained() {
        let h = html(&release());
        assert!(h.contains("&lt;script&gt;zlib") && !h.contains("<script"));
        assert!(!h.contains("http://") && !h.contains("https://"));
        assert!(h.contains("<svg class=\"chart\""));
        assert!(h.contains("data-severity=\"critical\">1</text>"));
        assert!(h.contains("status-blocked"));
    }

    #[test]
    fn markdown_and_human_name_the_status() {
        let r = release();
        let md = markdown(&r);
        assert!(
            md.contains("| api\\|x | blocked | 1 | 0 | 0 | 1 | no | no | no |"),
            "{md}"
        );
        assert!(md.contains("### Problems"));
        let h = human(&r);
        assert!(h.contains("BLOCKED") && h.contains("release FAILED"), "{h}");
        let j: serde_json::Value = serde_json::from_str(&json(&r)).unwrap();
        assert_eq!(j["securityResults"][0]["status"], "blocked");
        assert_eq!(j["securityResults"][0]["errorKind"], "critical-vulns");
        assert_eq!(j["securityResults"][0]["scanned"], true);
    }
}
