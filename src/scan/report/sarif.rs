//! SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`).
//!
//! One rule per vulnerability ID (`shortDescription`, `fullDescription`,
//! `help`, `helpUri`, and `properties.security-severity`, the CVSS-like score
//! GitHub buckets into critical/high/medium/low), one result per reported
//! finding. GitHub needs a location with a relative file path and a start
//! line for every result: the path is the file in the image that recorded the
//! package (`var/lib/dpkg/status`, a `METADATA` or `package.json`), else the
//! image's repository path, at line 1. `partialFingerprints` hash the
//! repository, file, package and ID (not the tag or installed version), so an
//! alert survives rebuilds until the package is fixed. Suppressed findings are
//! left out, as Trivy does; the run's properties count them.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::{primary_url, severity_score, truncate, ScanReport};
use crate::scan::Finding;
use crate::severity::Severity;

// The SARIF objects sc writes, field for field (SARIF 2.1.0 §3).

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    results: Vec<SarifResult<'a>>,
    column_kind: &'static str,
    properties: RunProperties<'a>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'a str,
    version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    short_description: Text,
    full_description: Text,
    default_configuration: Configuration,
    help_uri: String,
    help: Help,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct RuleProperties {
    precision: &'static str,
    #[serde(rename = "security-severity")]
    security_severity: String,
    tags: [&'static str; 2],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    package: &'a str,
    installed_version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    package_type: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties<'a> {
    image: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_digest: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    database_version: Option<&'a str>,
    policy_verdict: &'static str,
    suppressed: usize,
}

/// The schema URI GitHub and the SARIF validators expect (the OASIS final 2.1.0 schema).
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// GitHub truncates longer descriptions.
const DESCRIPTION_MAX: usize = 1000;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Negligible | Severity::Unknown => "note",
    }
}

/// Percent-encode a path for a relative URI reference (keeps `/` and unreserved characters).
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.trim_start_matches('/').bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/+@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn location_path(report: &ScanReport, f: &Finding) -> String {
    if let Some(loc) = f
        .location
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.trim_matches('/').is_empty())
    {
        return uri_path(loc);
    }
    match report.reference() {
        Some(r) => uri_path(&r.repository),
        None => uri_path(&report.image.replace(':', "/")),
    }
}

fn repository(report: &ScanReport) -> String {
    match report.reference() {
        Some(r) => format!("{}/{}", r.registry, r.repository),
        None => report.image.clone(),
    }
}

fn fingerprint(report: &ScanReport, path: &str, f: &Finding) -> String {
    let mut h = Sha256::new();
    for part in [
        repository(report).as_str(),
        path,
        &f.vulnerability.package,
        f.id(),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    hex::encode(&h.finalize()[..16])
}

fn help_markdown(f: &Finding, score: f64, url: &str) -> String {
    let mut md = format!(
        "**{}** ({}, score {score:.1})\n\n",
        f.id(),
        f.severity().as_str()
    );
    if !f.display_title().is_empty() {
        md.push_str(&format!("{}\n\n", f.display_title()));
    }
    let desc = f.vulnerability.description.trim();
    if !desc.is_empty() && desc != f.display_title() {
        md.push_str(&format!("{}\n\n", truncate(desc, DESCRIPTION_MAX)));
    }
    if !f.aliases.is_empty() {
        md.push_str(&format!("Aliases: {}\n\n", f.aliases.join(", ")));
    }
    md.push_str(&format!("[{}]({url})", f.id()));
    md
}

fn help_text(f: &Finding, score: f64, url: &str) -> String {
    let mut t = format!("{} ({}, score {score:.1})", f.id(), f.severity().as_str());
    if !f.display_title().is_empty() {
        t.push_str(&format!(": {}", f.display_title()));
    }
    if !f.aliases.is_empty() {
        t.push_str(&format!("\nAliases: {}", f.aliases.join(", ")));
    }
    t.push_str(&format!("\n{url}"));
    t
}

fn rule(f: &Finding, score: f64) -> Rule<'_> {
    let url = primary_url(f);
    let title = match f.display_title() {
        "" => format!("{} in {}", f.id(), f.vulnerability.package),
        t => t.to_string(),
    };
    let full = match f.vulnerability.description.trim() {
        "" => title.clone(),
        d => d.to_string(),
    };
    Rule {
        id: f.id(),
        short_description: Text {
            text: truncate(&title, DESCRIPTION_MAX),
        },
        full_description: Text {
            text: truncate(&full, DESCRIPTION_MAX),
        },
        default_configuration: Configuration {
            level: level(f.severity()),
        },
        help: Help {
            text: help_text(f, score, &url),
            markdown: help_markdown(f, score, &url),
        },
        help_uri: url,
        properties: RuleProperties {
            precision: "very-high",
            security_severity: format!("{score:.1}"),
            tags: ["security", "vulnerability"],
        },
    }
}

fn message(f: &Finding) -> String {
    let v = &f.vulnerability;
    let mut m = format!(
        "{} {} is affected by {} ({}",
        v.package,
        v.version,
        f.id(),
        f.severity().as_str()
    );
    if let Some(score) = f.cvss_score() {
        m.push_str(&format!(", CVSS {score:.1}"));
    }
    m.push(')');
    if !f.display_title().is_empty() {
        m.push_str(&format!(": {}", f.display_title()));
    }
    m.push('.');
    match f.fixed_in() {
        Some(fix) => m.push_str(&format!(" Fixed in {fix}.")),
        None => m.push_str(" No fixed version is available."),
    }
    m
}

/// Render the report as a SARIF 2.1.0 log with one run.
pub fn sarif(report: &ScanReport) -> String {
    // Rules in order of first appearance, with the highest score of their findings.
    let mut rule_ids: Vec<&str> = Vec::new();
    let mut rule_best: Vec<&Finding> = Vec::new();
    for f in &report.findings {
        match rule_ids.iter().position(|id| *id == f.id()) {
            Some(i) => {
                if severity_score(f) > severity_score(rule_best[i]) {
                    rule_best[i] = f;
                }
            }
            None => {
                rule_ids.push(f.id());
                rule_best.push(f);
            }
        }
    }
    let rules: Vec<Rule> = rule_best
        .iter()
        .map(|f| rule(f, severity_score(f)))
        .collect();

    let results: Vec<SarifResult> = report
        .findings
        .iter()
        .map(|f| {
            let path = location_path(report, f);
            let fingerprint = fingerprint(report, &path, f);
            SarifResult {
                rule_id: f.id(),
                rule_index: rule_ids.iter().position(|id| *id == f.id()).unwrap_or(0),
                level: level(f.severity()),
                message: Text { text: message(f) },
                locations: vec![Location {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation { uri: path },
                        region: Region { start_line: 1 },
                    },
                    message: Text {
                        text: format!(
                            "{}: {} {}",
                            report.image, f.vulnerability.package, f.vulnerability.version
                        ),
                    },
                }],
                partial_fingerprints: [("packageVulnerability/v1", fingerprint)].into(),
                properties: ResultProperties {
                    package: &f.vulnerability.package,
                    installed_version: &f.vulnerability.version,
                    fixed_version: f.fixed_in(),
                    purl: f.purl.as_deref(),
                    package_type: f.package_type.as_deref(),
                },
            }
        })
        .collect();

    let information_uri = [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|u| !u.is_empty());
    let log = Log {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: &report.scanner,
                    version: &report.version,
                    information_uri,
                    rules,
                },
            },
            results,
            column_kind: "utf16CodeUnits",
            properties: RunProperties {
                image: &report.image,
                image_digest: Some(report.image_digest.as_str()).filter(|d| !d.is_empty()),
                database_version: report.database.as_ref().map(|d| d.version.as_str()),
                policy_verdict: report.policy.verdict.as_str(),
                suppressed: report.suppressed.len(),
            },
        }],
    };
    let mut s = serde_json::to_string_pretty(&log).expect("SARIF objects serialize");
    s.push('\n');
    s
}
