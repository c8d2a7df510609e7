//! Scan reports: [`ScanReport`] (what was scanned, with which database, the
//! findings left after policy, what was suppressed and why, the verdict) and
//! its renderers, each a pure function from a report to text:
//!
//! | function | format | for |
//! |---|---|---|
//! | [`table`] | aligned table grouped by severity, ANSI colors when asked | terminals |
//! | [`json`] | the seeds' `ScanResult` (camelCase) plus image, policy, suppressions | machines, the result cache |
//! | [`sarif`] | SARIF 2.1.0 as GitHub code scanning accepts it | `upload-sarif` |
//! | [`cyclonedx_vex`] | CycloneDX 1.6 `vulnerabilities[]` with `analysis` for suppressed ones | VEX consumers |
//! | [`markdown`] | heading, counts, top findings, verdict | `$GITHUB_STEP_SUMMARY` |
//!
//! Renderers never read the environment or the clock: the caller decides on
//! colors ([`color_enabled`] helps) and fills in timestamps. Output is
//! deterministic for a given report, so it is snapshot-tested.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::context::Env;
use crate::digest::Digest;
use crate::policy::purl::{encode, encode_qualifier};
use crate::policy::{PolicyDecision, PolicyOutcome, SuppressedFinding};
use crate::reference::ImageReference;
use crate::scan::{Finding, ScanResult, VulnerabilitySummary};
use crate::severity::Severity;

mod cyclonedx;
mod markdown;
mod sarif;
mod table;

pub use cyclonedx::cyclonedx_vex;
pub use markdown::markdown;
pub use sarif::sarif;
pub use table::table;

/// The vulnerability database a scan used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseInfo {
    /// What identifies the database contents (e.g. its build time or a version string).
    pub version: String,
    /// When the database was built (RFC 3339), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub built_at: Option<String>,
}

/// A finished scan, after policy: what every renderer takes.
///
/// Its JSON form (see [`json`]) is a superset of the seeds' `ScanResult`:
/// `scanner`, `version`, `imageDigest`, `vulnerabilities`, `summary`,
/// `scannedAt`, `durationMs` keep their names and meaning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanReport {
    /// Scanner name (`sc`).
    pub scanner: String,
    /// Scanner version.
    pub version: String,
    /// What was scanned, as named (`ghcr.io/acme/shop-api:1.4.2`, an SBOM path, ...).
    pub image: String,
    /// Digest of the scanned image (`sha256:...`); empty when unknown.
    pub image_digest: String,
    /// The database used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<DatabaseInfo>,
    /// When the scan ran (RFC 3339); empty when not recorded.
    pub scanned_at: String,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// Counts of the reported findings by severity.
    pub summary: VulnerabilitySummary,
    /// Thresholds and verdict.
    pub policy: PolicyOutcome,
    /// Findings after policy, most severe first.
    #[serde(rename = "vulnerabilities")]
    pub findings: Vec<Finding>,
    /// Findings policy took out, with the reason.
    #[serde(default)]
    pub suppressed: Vec<SuppressedFinding>,
    /// Things a person should know (expired ignore entries, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl ScanReport {
    /// A report of `decision` for `image` by this build of `sc`. Timestamps,
    /// duration and database are left empty for the caller to fill in.
    pub fn new(
        image: impl Into<String>,
        image_digest: Option<&Digest>,
        decision: PolicyDecision,
    ) -> Self {
        ScanReport {
            scanner: crate::TOOL_NAME.to_string(),
            version: crate::TOOL_VERSION.to_string(),
            image: image.into(),
            image_digest: image_digest.map(ToString::to_string).unwrap_or_default(),
            database: None,
            scanned_at: String::new(),
            duration_ms: 0,
            summary: decision.summary,
            policy: decision.outcome,
            findings: decision.findings,
            suppressed: decision.suppressed,
            warnings: decision.warnings,
        }
    }

    /// The seeds' `ScanResult` of the reported findings.
    pub fn to_scan_result(&self) -> ScanResult {
        ScanResult {
            scanner: self.scanner.clone(),
            version: self.version.clone(),
            image_digest: self.image_digest.clone(),
            vulnerabilities: self
                .findings
                .iter()
                .map(|f| f.vulnerability.clone())
                .collect(),
            summary: self.summary,
            scanned_at: self.scanned_at.clone(),
            duration_ms: self.duration_ms,
        }
    }

    /// The image digest, when known and valid.
    pub fn digest(&self) -> Option<Digest> {
        self.image_digest.parse().ok()
    }

    /// The image as a reference, when [`image`](Self::image) is one.
    pub fn reference(&self) -> Option<ImageReference> {
        ImageReference::parse(&self.image).ok()
    }

    /// The image's package URL, `pkg:oci/NAME@sha256%3A...?repository_url=REGISTRY/REPO&tag=TAG`
    /// (purl-spec `oci` type); `None` without a digest.
    pub fn image_purl(&self) -> Option<String> {
        let digest = self.digest()?;
        let (name, mut qualifiers) = match self.reference() {
            Some(r) => {
                let name = r
                    .repository
                    .rsplit('/')
                    .next()
                    .unwrap_or(&r.repository)
                    .to_string();
                let mut q = vec![("repository_url", format!("{}/{}", r.registry, r.repository))];
                if let Some(tag) = &r.tag {
                    q.push(("tag", tag.clone()));
                }
                (name, q)
            }
            None => {
                let base = self.image.rsplit(['/', ':']).next().unwrap_or("image");
                (base.to_ascii_lowercase(), vec![])
            }
        };
        qualifiers.sort();
        let mut purl = format!(
            "pkg:oci/{}@{}",
            encode(&name),
            encode(&digest.to_string()).replace(':', "%3A")
        );
        for (i, (k, v)) in qualifiers.iter().enumerate() {
            purl.push(if i == 0 { '?' } else { '&' });
            purl.push_str(&format!("{k}={}", encode_qualifier(v)));
        }
        Some(purl)
    }

    /// Reported findings grouped by severity, most severe first, empty groups left out.
    pub fn by_severity(&self) -> Vec<(Severity, Vec<&Finding>)> {
        Severity::ALL
            .iter()
            .map(|s| {
                (
                    *s,
                    self.findings
                        .iter()
                        .filter(|f| f.severity() == *s)
                        .collect::<Vec<_>>(),
                )
            })
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }
}

/// The report as pretty JSON (two-space indent, trailing newline): the
/// serialized [`ScanReport`].
pub fn json(report: &ScanReport) -> String {
    let mut s = serde_json::to_string_pretty(report)
        .expect("a report has only string keys and finite numbers");
    s.push('\n');
    s
}

/// Whether to color terminal output: never when `NO_COLOR` is set to anything
/// non-empty or `TERM=dumb`; always when `CLICOLOR_FORCE`/`FORCE_COLOR` is set
/// (and not `0`); otherwise when the output is a terminal.
pub fn color_enabled(env: &dyn Env, is_terminal: bool) -> bool {
    let set = |k: &str| env.var(k).is_some_and(|v| !v.is_empty());
    if set("NO_COLOR") || env.var("TERM").as_deref() == Some("dumb") {
        return false;
    }
    let forced = |k: &str| env.var(k).is_some_and(|v| !v.is_empty() && v != "0");
    forced("CLICOLOR_FORCE") || forced("FORCE_COLOR") || is_terminal
}

/// Append `markdown` to the file named by `GITHUB_STEP_SUMMARY` in `env`, when
/// set; returns the file written. The summary is separated from what is
/// already there by a blank line.
pub fn append_step_summary(env: &dyn Env, markdown: &str) -> std::io::Result<Option<PathBuf>> {
    let Some(path) = env
        .var("GITHUB_STEP_SUMMARY")
        .filter(|p| !p.trim().is_empty())
    else {
        return Ok(None);
    };
    let path = PathBuf::from(path);
    let mut file = OpenOptions::new().create(true).append(true).open(&path)?;
    let mut text = String::with_capacity(markdown.len() + 2);
    if file.metadata()?.len() > 0 {
        text.push('\n');
    }
    text.push_str(markdown);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    file.write_all(text.as_bytes())?;
    Ok(Some(path))
}

/// The advisory page of a vulnerability ID: NVD for CVEs, GitHub for GHSAs,
/// Debian's tracker for DSA/DLA, OSV for the rest.
pub(crate) fn advisory_url(id: &str) -> String {
    let upper = id.to_ascii_uppercase();
    if upper.starts_with("CVE-") {
        format!("https://nvd.nist.gov/vuln/detail/{upper}")
    } else if upper.starts_with("GHSA-") {
        format!(
            "https://github.com/advisories/{}",
            id.to_ascii_lowercase().replacen("ghsa", "GHSA", 1)
        )
    } else if upper.starts_with("DSA-") || upper.starts_with("DLA-") {
        format!("https://security-tracker.debian.org/tracker/{upper}")
    } else {
        format!("https://osv.dev/vulnerability/{id}")
    }
}

/// Name of the advisory source of an ID (for CycloneDX `source.name`).
pub(crate) fn advisory_source(id: &str) -> &'static str {
    let upper = id.to_ascii_uppercase();
    if upper.starts_with("CVE-") {
        "NVD"
    } else if upper.starts_with("GHSA-") {
        "GitHub Advisory Database"
    } else if upper.starts_with("DSA-") || upper.starts_with("DLA-") {
        "Debian Security Tracker"
    } else {
        "OSV"
    }
}

/// The page to link for a finding: a reference URL naming its ID, else [`advisory_url`].
pub(crate) fn primary_url(f: &Finding) -> String {
    let id = f.id().to_ascii_lowercase();
    f.vulnerability
        .urls
        .iter()
        .find(|u| u.to_ascii_lowercase().contains(&id))
        .cloned()
        .unwrap_or_else(|| advisory_url(f.id()))
}

/// A representative CVSS-like score of a finding, consistent with its severity:
/// its CVSS score when that falls in the severity's band, else the band's
/// middle (what GitHub's `security-severity` needs).
pub(crate) fn severity_score(f: &Finding) -> f64 {
    let sev = f.severity();
    match f.cvss_score() {
        Some(s) if Severity::from_cvss_score(s) == sev && sev != Severity::Unknown => s,
        _ => match sev {
            Severity::Critical => 9.5,
            Severity::High => 8.0,
            Severity::Medium => 5.5,
            Severity::Low => 2.0,
            Severity::Negligible | Severity::Unknown => 0.0,
        },
    }
}

/// The fixed version for display: the version, `won't fix`, or `-`.
pub(crate) fn fixed_display(f: &Finding) -> String {
    match (f.fixed_in(), f.fix_state) {
        (Some(v), _) => v.to_string(),
        (None, crate::scan::FixState::WontFix) => "won't fix".to_string(),
        (None, _) => "-".to_string(),
    }
}

/// `text` safe to print on a terminal: tabs and line breaks become spaces,
/// other control characters (ANSI escapes from advisory text) become `�`.
pub(crate) fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// `text` cut to `max` characters, ending in `…` when cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s = s.trim_end().to_string();
    s.push('…');
    s
}

/// `sha256:3f1c2b9a0d4e` (the algorithm and 12 hex digits).
pub(crate) fn short_digest(d: &str) -> String {
    match d.split_once(':') {
        Some((alg, hex)) => format!("{alg}:{}", hex.chars().take(12).collect::<String>()),
        None => d.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn color_decision() {
        assert!(color_enabled(&env(&[]), true));
        assert!(!color_enabled(&env(&[]), false));
        assert!(!color_enabled(&env(&[("NO_COLOR", "1")]), true));
        assert!(color_enabled(&env(&[("NO_COLOR", "")]), true));
        assert!(!color_enabled(&env(&[("TERM", "dumb")]), true));
        assert!(color_enabled(&env(&[("CLICOLOR_FORCE", "1")]), false));
        assert!(!color_enabled(&env(&[("FORCE_COLOR", "0")]), false));
        assert!(!color_enabled(
            &env(&[("NO_COLOR", "1"), ("FORCE_COLOR", "1")]),
            true
        ));
    }

    #[test]
    fn step_summary_appends_only_when_set() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.md");
        assert_eq!(append_step_summary(&env(&[]), "# x\n").unwrap(), None);
        let e = env(&[("GITHUB_STEP_SUMMARY", path.to_str().unwrap())]);
        assert_eq!(
            append_step_summary(&e, "## one").unwrap(),
            Some(path.clone())
        );
        append_step_summary(&e, "## two\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "## one\n\n## two\n"
        );
    }

    #[test]
    fn advisory_urls() {
        assert_eq!(
            advisory_url("CVE-2023-5678"),
            "https://nvd.nist.gov/vuln/detail/CVE-2023-5678"
        );
        assert_eq!(
            advisory_url("GHSA-J8R2-6X86-Q33Q"),
            "https://github.com/advisories/GHSA-j8r2-6x86-q33q"
        );
        assert_eq!(
            advisory_url("PYSEC-2021-142"),
            "https://osv.dev/vulnerability/PYSEC-2021-142"
        );
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(
            short_digest("sha256:3f1c2b9a0d4e5f60718293"),
            "sha256:3f1c2b9a0d4e"
        );
        // Reports are deserializable: a hostile digest string must not panic.
        assert_eq!(short_digest("sha256:ééééééééééééé"), "sha256:éééééééééééé");
    }
}
