//! Vulnerability scan results (the seeds' "Scanning API" types): what a scan of
//! one image found, with a per-severity summary.
//!
//! [`Vulnerability`] and [`ScanResult`] are the seeds' contract. [`Finding`] is
//! a `Vulnerability` plus the context that policy and reports need (package
//! type and purl, aliases, where in the image the package was recorded, fix
//! state); it serializes as one flat object, so a list of findings reads as a
//! list of seeds' vulnerabilities with extra fields. [`report`] renders a
//! [`report::ScanReport`] (findings after policy, suppressions, verdict) as a
//! table, JSON, SARIF, CycloneDX VEX or Markdown.
//!
//! Findings come from [`matching`], which matches an image's inventory against
//! the local database ([`crate::vulndb`]).

use serde::{Deserialize, Serialize};

use crate::severity::Severity;

pub mod cache;
pub mod matching;
pub mod report;

/// CVSS scoring of a vulnerability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Cvss {
    /// CVSS version (`3.1`, `4.0`).
    pub version: String,
    /// Base score, 0.0–10.0.
    pub score: f64,
    /// Vector string.
    pub vector: String,
}

/// One finding: a vulnerability in one installed package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Vulnerability {
    /// Advisory ID (`CVE-2023-1234`, `GHSA-...`).
    pub id: String,
    /// Severity.
    pub severity: Severity,
    /// Package name.
    pub package: String,
    /// Installed version.
    pub version: String,
    /// First fixed version, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_in: Option<String>,
    /// Short description.
    #[serde(default)]
    pub description: String,
    /// Reference URLs.
    #[serde(default)]
    pub urls: Vec<String>,
    /// CVSS scores, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss: Option<Cvss>,
}

impl Default for Vulnerability {
    /// An empty finding of unknown severity, for `..Default::default()` in literals.
    fn default() -> Self {
        Vulnerability {
            id: String::new(),
            severity: Severity::Unknown,
            package: String::new(),
            version: String::new(),
            fixed_in: None,
            description: String::new(),
            urls: vec![],
            cvss: None,
        }
    }
}

/// Whether a fix exists for a finding, as the advisory source says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixState {
    /// A fixed version exists (`fixedIn`).
    Fixed,
    /// No fix has been released yet.
    NotFixed,
    /// The distribution decided not to fix it (Debian `<no-dsa>`/`<ignored>`, ...).
    WontFix,
    /// The source does not say.
    #[default]
    Unknown,
}

impl FixState {
    /// Lower-case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            FixState::Fixed => "fixed",
            FixState::NotFixed => "not-fixed",
            FixState::WontFix => "wont-fix",
            FixState::Unknown => "unknown",
        }
    }
}

/// A finding with its context: the seeds' [`Vulnerability`] (flattened into
/// the same JSON object) plus what reports, ignore rules and VEX matching need.
/// Every added field is optional, so a plain seeds' vulnerability reads as a
/// `Finding` and a `Finding` reads as a seeds' vulnerability.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The seeds' fields: id, severity, package, version, fixedIn, ...
    #[serde(flatten)]
    pub vulnerability: Vulnerability,
    /// One-line title (the advisory's summary). Reports fall back to the
    /// first line of the description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// Package ecosystem as a purl type: `deb`, `apk`, `rpm`, `pypi`, `npm`,
    /// `golang`, `maven`, `cargo`, `gem`, `nuget`, `composer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_type: Option<String>,
    /// Package URL of the installed package (`pkg:deb/debian/openssl@3.0.11-1~deb12u1?distro=debian-12`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Other IDs of the same vulnerability (`GHSA-...` for a `CVE-...`, and back).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Path inside the image, without the leading `/`, of the file that
    /// recorded the package (`var/lib/dpkg/status`, `.../METADATA`, `.../package.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Digest of the layer that added that file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Whether a fix exists.
    #[serde(default, skip_serializing_if = "is_unknown")]
    pub fix_state: FixState,
    /// Where the advisory came from (`debian`, `ghsa`, `osv`, `nvd`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_source: Option<String>,
}

fn is_unknown(s: &FixState) -> bool {
    *s == FixState::Unknown
}

impl From<Vulnerability> for Finding {
    fn from(vulnerability: Vulnerability) -> Self {
        let fix_state = if vulnerability.fixed_in.is_some() {
            FixState::Fixed
        } else {
            FixState::Unknown
        };
        Finding {
            vulnerability,
            fix_state,
            ..Default::default()
        }
    }
}

impl Finding {
    /// The advisory ID.
    pub fn id(&self) -> &str {
        &self.vulnerability.id
    }

    /// The severity.
    pub fn severity(&self) -> Severity {
        self.vulnerability.severity
    }

    /// The first fixed version, when one exists (empty strings count as none).
    pub fn fixed_in(&self) -> Option<&str> {
        self.vulnerability
            .fixed_in
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// The title, or the description's first line when there is none.
    pub fn display_title(&self) -> &str {
        let t = self.title.trim();
        if !t.is_empty() {
            return t;
        }
        self.vulnerability
            .description
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("")
    }

    /// Whether `id` names this finding: its ID or one of its aliases (case-insensitive).
    pub fn is_known_as(&self, id: &str) -> bool {
        let id = id.trim();
        self.vulnerability.id.eq_ignore_ascii_case(id)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(id))
    }

    /// The CVSS base score, when known.
    pub fn cvss_score(&self) -> Option<f64> {
        self.vulnerability
            .cvss
            .as_ref()
            .map(|c| c.score)
            .filter(|s| (0.0..=10.0).contains(s))
    }

    /// Report order: most severe first, then higher CVSS score, then ID, package and version.
    pub fn report_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
        b.severity()
            .cmp(&a.severity())
            .then_with(|| {
                b.cvss_score()
                    .unwrap_or(-1.0)
                    .total_cmp(&a.cvss_score().unwrap_or(-1.0))
            })
            .then_with(|| a.id().cmp(b.id()))
            .then_with(|| a.vulnerability.package.cmp(&b.vulnerability.package))
            .then_with(|| a.vulnerability.version.cmp(&b.vulnerability.version))
    }
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VulnerabilitySummary {
    /// Critical findings.
    pub critical: usize,
    /// High findings.
    pub high: usize,
    /// Medium findings.
    pub medium: usize,
    /// Low findings.
    pub low: usize,
    /// Negligible findings.
    pub negligible: usize,
    /// Findings of unknown severity.
    pub unknown: usize,
    /// All findings.
    pub total: usize,
}

impl VulnerabilitySummary {
    /// Count `vulns` by severity.
    pub fn of(vulns: &[Vulnerability]) -> Self {
        let mut s = Self::default();
        for v in vulns {
            match v.severity {
                Severity::Critical => s.critical += 1,
                Severity::High => s.high += 1,
                Severity::Medium => s.medium += 1,
                Severity::Low => s.low += 1,
                Severity::Negligible => s.negligible += 1,
                Severity::Unknown => s.unknown += 1,
            }
            s.total += 1;
        }
        s
    }

    /// Count findings by severity.
    pub fn of_findings(findings: &[Finding]) -> Self {
        let mut s = Self::default();
        for f in findings {
            s.add(f.severity());
        }
        s
    }

    /// Count one more finding of `severity`.
    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Critical => self.critical += 1,
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
            Severity::Negligible => self.negligible += 1,
            Severity::Unknown => self.unknown += 1,
        }
        self.total += 1;
    }

    /// The count for one severity.
    pub fn count(&self, severity: Severity) -> usize {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Negligible => self.negligible,
            Severity::Unknown => self.unknown,
        }
    }

    /// Findings at or above `threshold`.
    pub fn at_or_above(&self, threshold: Severity) -> usize {
        Severity::ALL
            .iter()
            .filter(|s| **s >= threshold)
            .map(|s| match s {
                Severity::Critical => self.critical,
                Severity::High => self.high,
                Severity::Medium => self.medium,
                Severity::Low => self.low,
                Severity::Negligible => self.negligible,
                Severity::Unknown => self.unknown,
            })
            .sum()
    }
}

/// Result of scanning one image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanResult {
    /// Scanner name (`sc`).
    pub scanner: String,
    /// Scanner version.
    pub version: String,
    /// Digest of the scanned image.
    pub image_digest: String,
    /// Findings.
    pub vulnerabilities: Vec<Vulnerability>,
    /// Counts by severity.
    pub summary: VulnerabilitySummary,
    /// When the scan ran (RFC 3339).
    pub scanned_at: String,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(sev: Severity) -> Vulnerability {
        Vulnerability {
            id: "CVE-0".into(),
            severity: sev,
            package: "p".into(),
            version: "1".into(),
            fixed_in: None,
            description: String::new(),
            urls: vec![],
            cvss: None,
        }
    }

    #[test]
    fn finding_is_a_flat_superset_of_the_seeds_vulnerability() {
        let f = Finding {
            vulnerability: Vulnerability {
                id: "CVE-2023-32681".into(),
                severity: Severity::Medium,
                package: "requests".into(),
                version: "2.25.1".into(),
                fixed_in: Some("2.31.0".into()),
                ..Default::default()
            },
            package_type: Some("pypi".into()),
            aliases: vec!["GHSA-j8r2-6x86-q33q".into()],
            fix_state: FixState::Fixed,
            ..Default::default()
        };
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["fixedIn"], "2.31.0");
        assert_eq!(json["packageType"], "pypi");
        assert_eq!(json["fixState"], "fixed");
        let seeds: Vulnerability = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(seeds, f.vulnerability);
        let back: Finding = serde_json::from_value(json).unwrap();
        assert_eq!(back, f);
        assert!(f.is_known_as("ghsa-j8r2-6x86-q33q"));
        assert!(!f.is_known_as("CVE-2024-35195"));

        let plain: Finding = Finding::from(v(Severity::Low));
        assert_eq!(plain.fix_state, FixState::Unknown);
        assert_eq!(plain.display_title(), "");
    }

    #[test]
    fn summary_counts_and_thresholds() {
        let s = VulnerabilitySummary::of(&[
            v(Severity::Critical),
            v(Severity::High),
            v(Severity::High),
            v(Severity::Low),
        ]);
        assert_eq!((s.critical, s.high, s.low, s.total), (1, 2, 1, 4));
        assert_eq!(s.at_or_above(Severity::High), 3);
        assert_eq!(s.at_or_above(Severity::Critical), 1);
        assert_eq!(s.at_or_above(Severity::Unknown), 4);
    }
}
