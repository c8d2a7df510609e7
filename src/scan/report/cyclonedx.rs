//! CycloneDX 1.6 VEX: a BOM whose `metadata.component` is the scanned image
//! and whose `vulnerabilities[]` list every finding, reported or suppressed,
//! with `id`, `source`, `ratings`, `affects[].ref` (the package purl) and, for
//! suppressed ones, an `analysis`:
//!
//! | suppression | `analysis.state` | detail |
//! |---|---|---|
//! | OpenVEX `not_affected` | `not_affected`, `justification` mapped to CycloneDX's | impact statement |
//! | OpenVEX `fixed` | `resolved` | |
//! | ignore-file entry | `in_triage` (a team decision, not a claim of non-exploitability) | reason, expiry |
//! | `--ignore-unfixed` | `exploitable`, `response: [can_not_fix]` | no fix available |
//!
//! The serial number is derived from the report's content, so the same
//! report renders to the same bytes.

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::{advisory_source, advisory_url, ScanReport};
use crate::digest::Algorithm;
use crate::policy::purl::{encode, Purl};
use crate::policy::{date_opt, Suppression, VexStatus};
use crate::scan::Finding;
use crate::severity::Severity;

// The CycloneDX 1.6 objects sc writes, field for field.

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    #[serde(rename = "$schema")]
    schema: &'static str,
    bom_format: &'static str,
    spec_version: &'static str,
    serial_number: String,
    version: u32,
    metadata: Metadata,
    vulnerabilities: Vec<Vulnerability>,
}

#[derive(Serialize)]
struct Metadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<String>,
    tools: Tools,
    component: Component,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<ToolComponent>,
}

#[derive(Serialize)]
struct ToolComponent {
    #[serde(rename = "type")]
    ty: &'static str,
    name: String,
    version: String,
}

#[derive(Serialize)]
struct Component {
    #[serde(rename = "type")]
    ty: &'static str,
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
}

#[derive(Serialize)]
struct Hash {
    alg: &'static str,
    content: String,
}

#[derive(Serialize)]
struct Vulnerability {
    id: String,
    source: Source,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    references: Vec<Reference>,
    ratings: Vec<Rating>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recommendation: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    advisories: Vec<Advisory>,
    affects: Vec<Affect>,
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Option<Analysis>,
}

#[derive(Serialize)]
struct Source {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

#[derive(Serialize)]
struct Reference {
    id: String,
    source: Source,
}

#[derive(Serialize)]
struct Rating {
    source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    severity: &'static str,
    method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    vector: Option<String>,
}

#[derive(Serialize)]
struct Advisory {
    url: String,
}

#[derive(Serialize)]
struct Affect {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    versions: Vec<AffectedVersion>,
}

#[derive(Serialize)]
struct AffectedVersion {
    version: String,
    status: &'static str,
}

#[derive(Serialize)]
struct Analysis {
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    response: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

fn rating_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Negligible => "info",
        Severity::Unknown => "unknown",
    }
}

fn cvss_method(version: &str) -> &'static str {
    match version.trim().trim_start_matches(['v', 'V']) {
        "3.1" => "CVSSv31",
        "3" | "3.0" => "CVSSv3",
        "4" | "4.0" => "CVSSv4",
        "2" | "2.0" => "CVSSv2",
        _ => "other",
    }
}

/// The package's purl, or one built from type, name and version, or a `pkg:generic` one.
fn package_ref(f: &Finding) -> String {
    if let Some(p) = f.purl.as_deref().and_then(Purl::parse) {
        return p.to_string();
    }
    let v = &f.vulnerability;
    let ty = f.package_type.as_deref().unwrap_or("generic");
    let mut s = format!("pkg:{}/{}", encode(ty), encode(&v.package));
    if !v.version.is_empty() {
        s.push_str(&format!("@{}", encode(&v.version)));
    }
    s
}

fn source(id: &str) -> Source {
    Source {
        name: advisory_source(id).to_string(),
        url: Some(advisory_url(id)),
    }
}

fn vulnerability(f: &Finding, suppression: Option<&Suppression>) -> Vulnerability {
    let v = &f.vulnerability;
    let rating_source = match &f.data_source {
        Some(ds) => Source {
            name: ds.clone(),
            url: None,
        },
        None => source(f.id()),
    };
    let rating = match (&v.cvss, f.cvss_score()) {
        (Some(c), Some(score)) => Rating {
            source: rating_source,
            score: Some(score),
            severity: rating_severity(f.severity()),
            method: cvss_method(&c.version),
            vector: Some(c.vector.clone()).filter(|v| !v.is_empty()),
        },
        _ => Rating {
            source: rating_source,
            score: None,
            severity: rating_severity(f.severity()),
            method: "other",
            vector: None,
        },
    };
    let description = match v.description.trim() {
        "" => f.display_title(),
        d => d,
    };
    let unaffected = matches!(suppression, Some(Suppression::Vex { .. }));
    Vulnerability {
        id: f.id().to_string(),
        source: source(f.id()),
        references: f
            .aliases
            .iter()
            .map(|a| Reference {
                id: a.clone(),
                source: source(a),
            })
            .collect(),
        ratings: vec![rating],
        description: Some(description.to_string()).filter(|d| !d.is_empty()),
        recommendation: f
            .fixed_in()
            .map(|fix| format!("Upgrade {} to {fix} or later.", v.package)),
        advisories: v.urls.iter().map(|u| Advisory { url: u.clone() }).collect(),
        affects: vec![Affect {
            reference: package_ref(f),
            versions: (!v.version.is_empty())
                .then(|| AffectedVersion {
                    version: v.version.clone(),
                    status: if unaffected { "unaffected" } else { "affected" },
                })
                .into_iter()
                .collect(),
        }],
        analysis: suppression.map(analysis),
    }
}

fn analysis(s: &Suppression) -> Analysis {
    match s {
        Suppression::Vex {
            document,
            statement,
            status,
            justification,
            impact_statement,
        } => {
            let mut detail = format!(
                "OpenVEX {} ({document} statements[{statement}])",
                status.as_str()
            );
            if let Some(j) = justification {
                detail.push_str(&format!(", justification {}", j.as_str()));
            }
            if let Some(i) = impact_statement {
                detail.push_str(&format!(": {i}"));
            }
            Analysis {
                state: match status {
                    VexStatus::Fixed => "resolved",
                    _ => "not_affected",
                },
                justification: justification.map(|j| j.cyclonedx()),
                response: vec![],
                detail: Some(detail),
            }
        }
        Suppression::IgnoreFile {
            file,
            entry,
            reason,
            expires,
        } => {
            let until = expires
                .map(|d| format!(" until {}", date_opt::format(d)))
                .unwrap_or_default();
            Analysis {
                state: "in_triage",
                justification: None,
                response: vec![],
                detail: Some(format!("Ignored{until} by {file} {entry}: {reason}")),
            }
        }
        Suppression::Unfixed => Analysis {
            state: "exploitable",
            justification: None,
            response: vec!["can_not_fix"],
            detail: Some("No fixed version is available; hidden by --ignore-unfixed.".into()),
        },
    }
}

/// A UUID (version 8, content-derived) for `serialNumber`.
fn serial(report: &ScanReport, vulns: &[Vulnerability]) -> String {
    let mut h = Sha256::new();
    h.update(report.image.as_bytes());
    h.update([0]);
    h.update(report.image_digest.as_bytes());
    h.update([0]);
    h.update(report.scanned_at.as_bytes());
    h.update([0]);
    h.update(serde_json::to_vec(vulns).unwrap_or_default());
    let mut b: [u8; 16] = h.finalize()[..16].try_into().expect("16 bytes");
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}

fn image_component(report: &ScanReport) -> Component {
    let purl = report.image_purl();
    let (name, version) = match report.reference() {
        Some(r) => (format!("{}/{}", r.registry, r.repository), r.tag.clone()),
        None => (report.image.clone(), None),
    };
    let hashes = report
        .digest()
        .map(|d| Hash {
            alg: match d.algorithm() {
                Algorithm::Sha256 => "SHA-256",
                Algorithm::Sha512 => "SHA-512",
            },
            content: d.hex().to_string(),
        })
        .into_iter()
        .collect();
    Component {
        ty: "container",
        bom_ref: purl.clone().unwrap_or_else(|| report.image.clone()),
        name,
        version,
        hashes,
        purl,
    }
}

/// Render the report as a CycloneDX 1.6 JSON VEX document.
pub fn cyclonedx_vex(report: &ScanReport) -> String {
    let mut vulnerabilities: Vec<Vulnerability> = report
        .findings
        .iter()
        .map(|f| vulnerability(f, None))
        .collect();
    vulnerabilities.extend(
        report
            .suppressed
            .iter()
            .map(|s| vulnerability(&s.finding, Some(&s.suppression))),
    );
    let bom = Bom {
        schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: serial(report, &vulnerabilities),
        version: 1,
        metadata: Metadata {
            timestamp: Some(report.scanned_at.clone()).filter(|t| !t.is_empty()),
            tools: Tools {
                components: vec![ToolComponent {
                    ty: "application",
                    name: report.scanner.clone(),
                    version: report.version.clone(),
                }],
            },
            component: image_component(report),
        },
        vulnerabilities,
    };
    let mut s = serde_json::to_string_pretty(&bom).expect("CycloneDX objects serialize");
    s.push('\n');
    s
}
