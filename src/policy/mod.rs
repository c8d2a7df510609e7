//! Policy over scan results (the seeds' `PolicyEnforcer`): a scan fails when any
//! finding is at or above `failOn`, and warns at or above `warnOn`.
//!
//! Ignore files, `--ignore-unfixed` and VEX suppression come with the scanner.

use crate::scan::{ScanResult, VulnerabilitySummary};
use crate::severity::Severity;

/// Outcome of applying thresholds to scan results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyOutcome {
    /// Findings at or above `failOn` (0 when no threshold).
    pub failing: usize,
    /// Findings at or above `warnOn` (0 when no threshold).
    pub warning: usize,
    /// The thresholds applied.
    pub fail_on: Option<Severity>,
    /// The warning threshold applied.
    pub warn_on: Option<Severity>,
}

/// A policy failure: findings at or above the fail threshold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{count} vulnerabilit{} at or above {threshold} (failOn: {threshold})", if *.count == 1 { "y" } else { "ies" })]
pub struct PolicyViolation {
    /// How many findings break the policy.
    pub count: usize,
    /// The threshold.
    pub threshold: Severity,
}

/// Apply `fail_on`/`warn_on` to all results together.
pub fn evaluate(
    results: &[ScanResult],
    fail_on: Option<Severity>,
    warn_on: Option<Severity>,
) -> PolicyOutcome {
    let total = results
        .iter()
        .fold(VulnerabilitySummary::default(), |mut acc, r| {
            let s = &r.summary;
            acc.critical += s.critical;
            acc.high += s.high;
            acc.medium += s.medium;
            acc.low += s.low;
            acc.negligible += s.negligible;
            acc.unknown += s.unknown;
            acc.total += s.total;
            acc
        });
    PolicyOutcome {
        failing: fail_on.map(|t| total.at_or_above(t)).unwrap_or(0),
        warning: warn_on.map(|t| total.at_or_above(t)).unwrap_or(0),
        fail_on,
        warn_on,
    }
}

impl PolicyOutcome {
    /// `Err` when findings break the fail threshold.
    pub fn enforce(&self) -> Result<(), PolicyViolation> {
        match self.fail_on {
            Some(threshold) if self.failing > 0 => Err(PolicyViolation {
                count: self.failing,
                threshold,
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Vulnerability;

    fn result(sevs: &[Severity]) -> ScanResult {
        let vulns: Vec<Vulnerability> = sevs
            .iter()
            .map(|s| Vulnerability {
                id: "CVE-1".into(),
                severity: *s,
                package: "p".into(),
                version: "1".into(),
                fixed_in: None,
                description: String::new(),
                urls: vec![],
                cvss: None,
            })
            .collect();
        ScanResult {
            scanner: "sc".into(),
            version: "0".into(),
            image_digest: String::new(),
            summary: VulnerabilitySummary::of(&vulns),
            vulnerabilities: vulns,
            scanned_at: String::new(),
            duration_ms: 0,
        }
    }

    #[test]
    fn fail_and_warn_thresholds() {
        let r = [
            result(&[Severity::High, Severity::Medium]),
            result(&[Severity::Critical]),
        ];
        let o = evaluate(&r, Some(Severity::Critical), Some(Severity::Medium));
        assert_eq!((o.failing, o.warning), (1, 3));
        assert_eq!(
            o.enforce().unwrap_err().to_string(),
            "1 vulnerability at or above critical (failOn: critical)"
        );
        assert!(evaluate(&r[..1], Some(Severity::Critical), None)
            .enforce()
            .is_ok());
        assert!(evaluate(&r, None, None).enforce().is_ok());
    }
}
