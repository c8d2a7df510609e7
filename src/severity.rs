//! Vulnerability severity: the one `Severity` type used by findings, policy
//! thresholds (`failOn`, `warnOn`) and reports.
//!
//! Ordered from least to most severe, so `Severity::Critical > Severity::High`.
//! Parsing is case-insensitive and accepts the aliases scanners use
//! (`moderate` for medium, `important` for high, `negligible`/`none` map to
//! [`Severity::Negligible`]).

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Severity of a vulnerability, from least to most severe.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// No score or rating is known.
    Unknown,
    /// Rated as negligible or of no practical impact.
    Negligible,
    /// CVSS 0.1–3.9.
    Low,
    /// CVSS 4.0–6.9.
    Medium,
    /// CVSS 7.0–8.9.
    High,
    /// CVSS 9.0–10.0.
    Critical,
}

/// The names accepted in configuration and on the command line, most severe first.
pub const VALID_SEVERITIES: &[&str] =
    &["critical", "high", "medium", "low", "negligible", "unknown"];

impl Severity {
    /// All severities, most severe first (the order reports use).
    pub const ALL: [Severity; 6] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Negligible,
        Severity::Unknown,
    ];

    /// Lower-case name, as written in configuration and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "unknown",
            Severity::Negligible => "negligible",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Qualitative rating of a CVSS v3/v4 base score (FIRST's table).
    pub fn from_cvss_score(score: f64) -> Severity {
        if !(0.0..=10.0).contains(&score) || score.is_nan() {
            Severity::Unknown
        } else if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else {
            Severity::Negligible
        }
    }

    /// `-1`, `0` or `1` as `self` is less, equally or more severe than `other` (the seeds' `Compare`).
    pub fn compare(self, other: Severity) -> i32 {
        match self.cmp(&other) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        }
    }

    /// True when `self` is strictly more severe than `other` (the seeds' `IsHigherThan`).
    pub fn is_higher_than(self, other: Severity) -> bool {
        self > other
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a severity name that is not one of [`VALID_SEVERITIES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity '{0}' (valid: critical, high, medium, low, negligible, unknown)")]
pub struct ParseSeverityError(pub String);

impl FromStr for Severity {
    type Err = ParseSeverityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "critical" => Ok(Severity::Critical),
            "high" | "important" => Ok(Severity::High),
            "medium" | "moderate" => Ok(Severity::Medium),
            "low" => Ok(Severity::Low),
            "negligible" | "none" | "minimal" => Ok(Severity::Negligible),
            "unknown" => Ok(Severity::Unknown),
            _ => Err(ParseSeverityError(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordering_follows_severity() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::High.is_higher_than(Severity::Medium));
        assert!(!Severity::Low.is_higher_than(Severity::Low));
        assert_eq!(Severity::Unknown.compare(Severity::Low), -1);
        assert_eq!(Severity::Medium.compare(Severity::Medium), 0);
    }

    #[test]
    fn parses_names_and_aliases() {
        assert_eq!("CRITICAL".parse::<Severity>().unwrap(), Severity::Critical);
        assert_eq!("Moderate".parse::<Severity>().unwrap(), Severity::Medium);
        assert_eq!("important".parse::<Severity>().unwrap(), Severity::High);
        let err = "crit".parse::<Severity>().unwrap_err();
        assert!(err.to_string().contains("unknown severity 'crit'"));
    }

    #[test]
    fn cvss_buckets() {
        assert_eq!(Severity::from_cvss_score(9.8), Severity::Critical);
        assert_eq!(Severity::from_cvss_score(7.0), Severity::High);
        assert_eq!(Severity::from_cvss_score(6.9), Severity::Medium);
        assert_eq!(Severity::from_cvss_score(0.1), Severity::Low);
        assert_eq!(Severity::from_cvss_score(0.0), Severity::Negligible);
        assert_eq!(Severity::from_cvss_score(11.0), Severity::Unknown);
    }

    #[test]
    fn serde_is_lowercase() {
        assert_eq!(serde_json::to_string(&Severity::High).unwrap(), "\"high\"");
        let s: Severity = serde_json::from_str("\"low\"").unwrap();
        assert_eq!(s, Severity::Low);
    }
}
