//! Vulnerability scan results (the seeds' "Scanning API" types): what a scan of
//! one image found, with a per-severity summary.
//!
//! Status: the result types exist; the in-process matcher against the local
//! database ([`crate::vulndb`]) is not built yet, so nothing produces them yet.

use serde::{Deserialize, Serialize};

use crate::severity::Severity;

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
