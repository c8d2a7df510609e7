//! Severity of an OSV record: a CVSS base score computed from the vector, or
//! the database's qualitative rating.
//!
//! Order of preference, first usable wins:
//! 1. `CVSS_V3` vector → v3.x base score (the rating NVD, GHSA, Trivy and
//!    Grype display, so `failOn` thresholds agree with them),
//! 2. `CVSS_V4` vector → v4.0 base score (FIRST's v4.0 MacroVector algorithm),
//! 3. `CVSS_V2` vector → v2 base score, rated with v2's own table (no critical),
//! 4. `database_specific.severity` (GHSA: `LOW`, `MODERATE`, `HIGH`, `CRITICAL`),
//! 5. an `Ubuntu` priority (`negligible` … `critical`).
//!
//! Package-level `affected[].severity` replaces the record-level list for
//! that package, as the OSV schema says. Scores come from the `cvss` crate
//! (rustsec), which implements the FIRST specifications for v2, v3.0, v3.1
//! and v4.0. An unparsable vector is skipped, not fatal.

use serde::{Deserialize, Serialize};

use super::osv::{Affected, OsvRecord, SeverityScore, SeverityType};
use crate::severity::Severity;

/// A CVSS score computed from a vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvssScore {
    /// `2.0`, `3.0`, `3.1` or `4.0`.
    pub version: String,
    /// Base score, 0.0–10.0.
    pub score: f64,
    /// The vector, as written in the record.
    pub vector: String,
}

/// Where a [`Rating`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeveritySource {
    /// A CVSS v3.x vector.
    CvssV3,
    /// A CVSS v4.0 vector.
    CvssV4,
    /// A CVSS v2 vector.
    CvssV2,
    /// `database_specific.severity`.
    Database,
    /// An Ubuntu priority.
    Ubuntu,
    /// Nothing usable: severity unknown.
    None,
}

/// The severity of a record (for one package).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    /// The qualitative severity.
    pub severity: Severity,
    /// The CVSS score it was derived from, if any.
    pub cvss: Option<CvssScore>,
    /// Where it came from.
    pub source: SeveritySource,
}

impl Rating {
    /// Unknown severity.
    pub fn unknown() -> Rating {
        Rating {
            severity: Severity::Unknown,
            cvss: None,
            source: SeveritySource::None,
        }
    }
}

/// Computes the base score of a CVSS vector of the given OSV severity type.
pub fn cvss_score(kind: &SeverityType, vector: &str) -> Result<CvssScore, String> {
    let vector = vector.trim();
    let (version, score) = match kind {
        SeverityType::CvssV3 => {
            let version = if vector.starts_with("CVSS:3.1/") {
                "3.1"
            } else if vector.starts_with("CVSS:3.0/") {
                "3.0"
            } else {
                return Err(format!("{vector:?} is not a CVSS v3 vector"));
            };
            let v: cvss::v3::Vector = vector.parse().map_err(|e| format!("{vector:?}: {e}"))?;
            (version, v.score().value())
        }
        SeverityType::CvssV4 => {
            let v: cvss::v4::Vector = vector.parse().map_err(|e| format!("{vector:?}: {e}"))?;
            ("4.0", v.score().value())
        }
        SeverityType::CvssV2 => {
            let bare = vector.strip_prefix("CVSS:2.0/").unwrap_or(vector);
            let v: cvss::v2::Vector = bare.parse().map_err(|e| format!("{vector:?}: {e}"))?;
            ("2.0", v.score().value())
        }
        other => return Err(format!("{} is not a CVSS type", other.as_str())),
    };
    if !(0.0..=10.0).contains(&score) {
        return Err(format!("{vector:?} scores {score}, outside 0–10"));
    }
    Ok(CvssScore {
        version: version.to_string(),
        score,
        vector: vector.to_string(),
    })
}

/// CVSS v2's qualitative table: low < 4, medium < 7, high ≥ 7.
fn v2_severity(score: f64) -> Severity {
    if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score > 0.0 {
        Severity::Low
    } else {
        Severity::Negligible
    }
}

/// Rates a list of OSV severities plus the database's own rating.
/// `warnings` receives one line per entry that could not be used.
pub fn rate(
    scores: &[SeverityScore],
    database: Option<&str>,
    warnings: &mut Vec<String>,
) -> Rating {
    for want in [
        SeverityType::CvssV3,
        SeverityType::CvssV4,
        SeverityType::CvssV2,
    ] {
        for s in scores.iter().filter(|s| s.kind == want) {
            match cvss_score(&s.kind, &s.score) {
                Ok(c) => {
                    let (severity, source) = match want {
                        SeverityType::CvssV3 => {
                            (Severity::from_cvss_score(c.score), SeveritySource::CvssV3)
                        }
                        SeverityType::CvssV4 => {
                            (Severity::from_cvss_score(c.score), SeveritySource::CvssV4)
                        }
                        _ => (v2_severity(c.score), SeveritySource::CvssV2),
                    };
                    return Rating {
                        severity,
                        cvss: Some(c),
                        source,
                    };
                }
                Err(e) => warnings.push(format!("unusable {} score: {e}", s.kind.as_str())),
            }
        }
    }
    if let Some(d) = database {
        match d.parse::<Severity>() {
            Ok(severity) => {
                return Rating {
                    severity,
                    cvss: None,
                    source: SeveritySource::Database,
                }
            }
            Err(e) => warnings.push(format!("unusable database_specific.severity: {e}")),
        }
    }
    for s in scores.iter().filter(|s| s.kind == SeverityType::Ubuntu) {
        match s.score.parse::<Severity>() {
            Ok(severity) => {
                return Rating {
                    severity,
                    cvss: None,
                    source: SeveritySource::Ubuntu,
                }
            }
            Err(_) if s.score.eq_ignore_ascii_case("untriaged") => {}
            Err(e) => warnings.push(format!("unusable Ubuntu priority: {e}")),
        }
    }
    Rating::unknown()
}

/// Rates `record` for one of its affected packages (whose own `severity`
/// list, when present, replaces the record's).
pub fn rate_record(
    record: &OsvRecord,
    affected: Option<&Affected>,
    warnings: &mut Vec<String>,
) -> Rating {
    let scores = match affected {
        Some(a) if !a.severity.is_empty() => &a.severity,
        _ => &record.severity,
    };
    let database = affected
        .and_then(|a| a.database_specific.as_ref())
        .and_then(|d| d.get("severity"))
        .and_then(|s| s.as_str())
        .or_else(|| record.database_severity());
    rate(scores, database, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(kind: SeverityType, score: &str) -> SeverityScore {
        SeverityScore {
            kind,
            score: score.into(),
        }
    }

    #[test]
    fn v3_base_scores() {
        let c = cvss_score(
            &SeverityType::CvssV3,
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        )
        .unwrap();
        assert_eq!((c.version.as_str(), c.score), ("3.1", 9.8));
        let c = cvss_score(
            &SeverityType::CvssV3,
            "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N",
        )
        .unwrap();
        assert_eq!(c.score, 6.1);
        let c = cvss_score(
            &SeverityType::CvssV3,
            "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
        )
        .unwrap();
        assert_eq!((c.version.as_str(), c.score), ("3.0", 6.1));
    }

    #[test]
    fn v4_and_v2_base_scores() {
        // FIRST's calculator: 9.3 and 6.9 for these vectors.
        let c = cvss_score(
            &SeverityType::CvssV4,
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        )
        .unwrap();
        assert_eq!((c.version.as_str(), c.score), ("4.0", 9.3));
        let c = cvss_score(
            &SeverityType::CvssV4,
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N",
        )
        .unwrap();
        assert_eq!(c.score, 6.9);
        let c = cvss_score(&SeverityType::CvssV2, "AV:N/AC:L/Au:N/C:P/I:P/A:P").unwrap();
        assert_eq!((c.version.as_str(), c.score), ("2.0", 7.5));
    }

    #[test]
    fn preference_order_and_fallbacks() {
        let mut w = Vec::new();
        let r = rate(
            &[
                s(
                    SeverityType::CvssV4,
                    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N",
                ),
                s(
                    SeverityType::CvssV3,
                    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                ),
            ],
            Some("MODERATE"),
            &mut w,
        );
        assert_eq!(
            (r.severity, r.source),
            (Severity::Critical, SeveritySource::CvssV3)
        );
        // broken v3 falls through to v4
        let r = rate(
            &[
                s(SeverityType::CvssV3, "CVSS:3.1/AV:X"),
                s(
                    SeverityType::CvssV4,
                    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N",
                ),
            ],
            None,
            &mut w,
        );
        assert_eq!(
            (r.severity, r.source),
            (Severity::Medium, SeveritySource::CvssV4)
        );
        assert_eq!(w.len(), 1, "{w:?}");
        let r = rate(&[], Some("MODERATE"), &mut w);
        assert_eq!(
            (r.severity, r.source),
            (Severity::Medium, SeveritySource::Database)
        );
        let r = rate(&[s(SeverityType::Ubuntu, "negligible")], None, &mut w);
        assert_eq!(
            (r.severity, r.source),
            (Severity::Negligible, SeveritySource::Ubuntu)
        );
        let r = rate(
            &[s(SeverityType::CvssV2, "AV:N/AC:L/Au:N/C:C/I:C/A:C")],
            None,
            &mut w,
        );
        assert_eq!(r.severity, Severity::High, "CVSS v2 has no critical");
        assert_eq!(rate(&[], None, &mut w).severity, Severity::Unknown);
    }
}
