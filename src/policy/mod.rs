//! Policy over scan results (the seeds' `PolicyEnforcer`): which findings are
//! suppressed and why, and whether what is left passes.
//!
//! * Thresholds: a scan fails when any finding is at or above `failOn`, and
//!   warns at or above `warnOn` ([`evaluate`], [`PolicyOutcome`]).
//! * Suppression, in this order, each recorded with its reason
//!   ([`SuppressedFinding`]): OpenVEX statements `not_affected`/`fixed` for the
//!   image or the package ([`vex`]), ignore-file entries with a reason and an
//!   optional expiry date ([`ignore`]), and `--ignore-unfixed` (no fixed version).
//! * Exit codes: [`ExitPolicy`] maps an outcome or an error to the process exit
//!   code (0 ok, 1 policy failure or `--exit-code N`, 3 the scan could not run).
//!
//! Everything here is pure: files are parsed from text ([`IgnoreFile::parse`],
//! [`VexDocument::parse`]; the `load_*` helpers only add the read), and
//! "today" is a parameter, so expiry is testable.
//!
//! ```
//! use sc::policy::{IgnoreFile, PolicyEnforcer};
//! use sc::scan::{Finding, Vulnerability};
//! use sc::Severity;
//!
//! let ignores = IgnoreFile::parse(".sc-ignore.yaml", "vulnerabilities:\n  - id: CVE-2023-5678\n    reason: DH parameters are never read from peers\n    expires: 2030-01-01\n").unwrap();
//! let mut policy = PolicyEnforcer::new(Some(Severity::High), None);
//! policy.add_ignore_file(ignores);
//! let finding = Finding::from(Vulnerability {
//!     id: "CVE-2023-5678".into(),
//!     severity: Severity::High,
//!     package: "openssl".into(),
//!     version: "3.0.11-1~deb12u1".into(),
//!     ..Default::default()
//! });
//! let decision = policy.apply(None, vec![finding], time::macros::date!(2026 - 05 - 01));
//! assert!(decision.findings.is_empty());
//! assert_eq!(decision.suppressed.len(), 1);
//! assert!(policy.enforce(&decision).is_ok());
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::config::ScanConfig;
use crate::digest::Digest;
use crate::error::ErrorKind;
use crate::scan::{Finding, ScanResult, VulnerabilitySummary};
use crate::severity::Severity;

mod exit;
pub mod ignore;
pub(crate) mod purl;
pub mod vex;

pub use exit::{ExitCodeError, ExitPolicy};
pub use ignore::{IgnoreFile, IgnoreFileError, IgnoreRule};
pub use purl::Purl;
pub use vex::{VexDocument, VexError, VexJustification, VexStatus};

/// Pass, warn or fail: the verdict of a [`PolicyOutcome`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing at or above `failOn` or `warnOn`.
    Pass,
    /// Findings at or above `warnOn`, none at or above `failOn`.
    Warn,
    /// Findings at or above `failOn`.
    Fail,
}

impl Verdict {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
        }
    }
}

/// Outcome of applying thresholds to scan results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyOutcome {
    /// Findings at or above `failOn` (0 when no threshold).
    pub failing: usize,
    /// Findings at or above `warnOn` (0 when no threshold).
    pub warning: usize,
    /// The thresholds applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_on: Option<Severity>,
    /// The warning threshold applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_on: Option<Severity>,
    /// Pass, warn or fail.
    pub verdict: Verdict,
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
    PolicyOutcome::of_summary(&total, fail_on, warn_on)
}

impl PolicyOutcome {
    /// Apply `fail_on`/`warn_on` to a summary.
    pub fn of_summary(
        summary: &VulnerabilitySummary,
        fail_on: Option<Severity>,
        warn_on: Option<Severity>,
    ) -> Self {
        let failing = fail_on.map(|t| summary.at_or_above(t)).unwrap_or(0);
        let warning = warn_on.map(|t| summary.at_or_above(t)).unwrap_or(0);
        let verdict = if failing > 0 {
            Verdict::Fail
        } else if warning > 0 {
            Verdict::Warn
        } else {
            Verdict::Pass
        };
        PolicyOutcome {
            failing,
            warning,
            fail_on,
            warn_on,
            verdict,
        }
    }

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

    /// One line for people: `3 vulnerabilities at or above high (failOn: high)`,
    /// `no vulnerabilities at or above high (failOn: high)`, ...
    pub fn describe(&self) -> String {
        let plural = |n: usize| {
            if n == 1 {
                "vulnerability"
            } else {
                "vulnerabilities"
            }
        };
        match (self.verdict, self.fail_on, self.warn_on) {
            (Verdict::Fail, Some(t), _) => format!(
                "{} {} at or above {t} (failOn: {t})",
                self.failing,
                plural(self.failing)
            ),
            (Verdict::Warn, _, Some(w)) => format!(
                "{} {} at or above {w} (warnOn: {w})",
                self.warning,
                plural(self.warning)
            ),
            (_, Some(t), _) => format!("no vulnerabilities at or above {t} (failOn: {t})"),
            (_, None, Some(w)) => {
                format!("no vulnerabilities at or above {w} (warnOn: {w}; no failOn set)")
            }
            (_, None, None) => "no failOn threshold set".to_string(),
        }
    }
}

/// Why a finding was suppressed. Serialized with a `kind` tag:
/// `ignoreFile`, `vex` or `unfixed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Suppression {
    /// An entry of an ignore file.
    #[serde(rename_all = "camelCase")]
    IgnoreFile {
        /// The file, as given.
        file: String,
        /// Which entry: `vulnerabilities[2]` (YAML) or `line 7` (`.trivyignore`).
        entry: String,
        /// The entry's reason.
        reason: String,
        /// Until when the entry suppresses (exclusive).
        #[serde(default, skip_serializing_if = "Option::is_none", with = "date_opt")]
        expires: Option<Date>,
    },
    /// An OpenVEX statement `not_affected` or `fixed`.
    #[serde(rename_all = "camelCase")]
    Vex {
        /// The document, as given (path or `@id`).
        document: String,
        /// Index of the statement in the document.
        statement: usize,
        /// `not_affected` or `fixed`.
        status: VexStatus,
        /// The justification of a `not_affected` statement.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<VexJustification>,
        /// The impact statement, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        impact_statement: Option<String>,
    },
    /// No fixed version exists and `--ignore-unfixed` is on.
    Unfixed,
}

impl Suppression {
    /// One line for people, e.g. `VEX not_affected (vulnerable_code_not_in_execute_path): ... [app.openvex.json]`.
    pub fn describe(&self) -> String {
        match self {
            Suppression::IgnoreFile {
                file,
                entry,
                reason,
                expires,
            } => {
                let until = expires
                    .map(|d| format!(", until {}", date_opt::format(d)))
                    .unwrap_or_default();
                format!("ignored: {reason} [{file} {entry}{until}]")
            }
            Suppression::Vex {
                document,
                status,
                justification,
                impact_statement,
                ..
            } => {
                let mut s = format!("VEX {}", status.as_str());
                if let Some(j) = justification {
                    s.push_str(&format!(" ({})", j.as_str()));
                }
                if let Some(i) = impact_statement {
                    s.push_str(&format!(": {i}"));
                }
                s.push_str(&format!(" [{document}]"));
                s
            }
            Suppression::Unfixed => "no fixed version (--ignore-unfixed)".to_string(),
        }
    }
}

/// A finding that policy took out of the results, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SuppressedFinding {
    /// The finding, as the matcher reported it.
    #[serde(flatten)]
    pub finding: Finding,
    /// Why it is not reported.
    pub suppression: Suppression,
}

/// What [`PolicyEnforcer::apply`] decided.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDecision {
    /// Findings that remain, most severe first.
    pub findings: Vec<Finding>,
    /// Findings taken out, with the reason, in the same order.
    pub suppressed: Vec<SuppressedFinding>,
    /// Counts of the remaining findings.
    pub summary: VulnerabilitySummary,
    /// Thresholds applied to the remaining findings.
    pub outcome: PolicyOutcome,
    /// Things a person should know: expired ignore entries, ...
    pub warnings: Vec<String>,
}

/// Errors reading policy inputs (ignore files, VEX documents).
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// An ignore file is invalid.
    #[error(transparent)]
    Ignore(#[from] IgnoreFileError),
    /// A VEX document is invalid.
    #[error(transparent)]
    Vex(#[from] VexError),
}

impl PolicyError {
    /// Taxonomy: unreadable files are I/O errors (exit 3), invalid content is
    /// invalid configuration (exit 2).
    pub fn kind(&self) -> ErrorKind {
        match self {
            PolicyError::Read { .. } => ErrorKind::Io,
            PolicyError::Ignore(_) | PolicyError::Vex(_) => ErrorKind::InvalidConfig,
        }
    }
}

/// The seeds' `PolicyEnforcer`: thresholds plus suppression sources.
#[derive(Debug, Clone, Default)]
pub struct PolicyEnforcer {
    /// Fail on findings at or above this severity.
    pub fail_on: Option<Severity>,
    /// Warn on findings at or above this severity.
    pub warn_on: Option<Severity>,
    /// Suppress findings that have no fixed version.
    pub ignore_unfixed: bool,
    /// Ignore files, in the order given.
    pub ignore_files: Vec<IgnoreFile>,
    /// OpenVEX documents, in the order given (later statements win ties).
    pub vex: Vec<VexDocument>,
}

impl PolicyEnforcer {
    /// Thresholds only; no suppression.
    pub fn new(fail_on: Option<Severity>, warn_on: Option<Severity>) -> Self {
        PolicyEnforcer {
            fail_on,
            warn_on,
            ..Default::default()
        }
    }

    /// Thresholds and `ignoreUnfixed` from a `scan:` block: the effective
    /// `failOn`/`warnOn` (tools with `required: false` only warn). The block's
    /// `ignoreFile` and `vex` paths are left to the caller, who knows what
    /// they are relative to ([`load_ignore_file`](Self::load_ignore_file),
    /// [`load_vex`](Self::load_vex)).
    pub fn from_config(cfg: &ScanConfig) -> Self {
        PolicyEnforcer {
            fail_on: cfg.effective_fail_on(),
            warn_on: cfg.effective_warn_on(),
            ignore_unfixed: cfg.ignore_unfixed(),
            ..Default::default()
        }
    }

    /// Add a parsed ignore file.
    pub fn add_ignore_file(&mut self, file: IgnoreFile) {
        self.ignore_files.push(file);
    }

    /// Add a parsed OpenVEX document.
    pub fn add_vex(&mut self, doc: VexDocument) {
        self.vex.push(doc);
    }

    /// Read and parse an ignore file (YAML or `.trivyignore`, see [`IgnoreFile::parse`]).
    pub fn load_ignore_file(&mut self, path: &Path) -> Result<(), PolicyError> {
        let text = read(path)?;
        self.add_ignore_file(IgnoreFile::parse(&path.display().to_string(), &text)?);
        Ok(())
    }

    /// Read and parse an OpenVEX document.
    pub fn load_vex(&mut self, path: &Path) -> Result<(), PolicyError> {
        let text = read(path)?;
        self.add_vex(VexDocument::parse(&path.display().to_string(), &text)?);
        Ok(())
    }

    /// Split `findings` into reported and suppressed, and apply the thresholds
    /// to what is reported. `image_digest` is the scanned image's digest, for
    /// VEX products naming the image; `today` decides which ignore entries
    /// have expired (an entry with `expires: D` suppresses until the day before D).
    pub fn apply(
        &self,
        image_digest: Option<&Digest>,
        findings: Vec<Finding>,
        today: Date,
    ) -> PolicyDecision {
        let mut warnings = Vec::new();
        for file in &self.ignore_files {
            for rule in &file.rules {
                if let Some(expired) = rule.expires.filter(|_| rule.is_expired(today)) {
                    warnings.push(format!(
                        "{}: {} ({}) expired on {}: it no longer suppresses findings",
                        file.source,
                        rule.entry,
                        rule.describe_target(),
                        date_opt::format(expired),
                    ));
                }
            }
        }

        let mut kept = Vec::new();
        let mut suppressed = Vec::new();
        for finding in findings {
            match self.suppression_for(image_digest, &finding, today) {
                Some(suppression) => suppressed.push(SuppressedFinding {
                    finding,
                    suppression,
                }),
                None => kept.push(finding),
            }
        }
        kept.sort_by(Finding::report_order);
        suppressed.sort_by(|a, b| Finding::report_order(&a.finding, &b.finding));
        let summary = VulnerabilitySummary::of_findings(&kept);
        let outcome = PolicyOutcome::of_summary(&summary, self.fail_on, self.warn_on);
        PolicyDecision {
            findings: kept,
            suppressed,
            summary,
            outcome,
            warnings,
        }
    }

    /// The seeds' `Enforce`: `Err` when the decision's findings break `failOn`.
    pub fn enforce(&self, decision: &PolicyDecision) -> Result<(), PolicyViolation> {
        decision.outcome.enforce()
    }

    fn suppression_for(
        &self,
        image_digest: Option<&Digest>,
        finding: &Finding,
        today: Date,
    ) -> Option<Suppression> {
        if let Some(s) = vex::suppression(&self.vex, image_digest, finding) {
            return Some(s);
        }
        for file in &self.ignore_files {
            if let Some(rule) = file.matching(finding, today) {
                return Some(Suppression::IgnoreFile {
                    file: file.source.clone(),
                    entry: rule.entry.clone(),
                    reason: rule.reason.clone(),
                    expires: rule.expires,
                });
            }
        }
        if self.ignore_unfixed && finding.fixed_in().is_none() {
            return Some(Suppression::Unfixed);
        }
        None
    }
}

fn read(path: &Path) -> Result<String, PolicyError> {
    std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// `YYYY-MM-DD` dates for serde and messages.
pub(crate) mod date_opt {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::format_description::FormatItem;
    use time::macros::format_description;
    use time::Date;

    const FORMAT: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]");

    /// `2026-12-31`.
    pub fn format(d: Date) -> String {
        d.format(FORMAT).unwrap_or_else(|_| d.to_string())
    }

    /// Parse `2026-12-31` exactly.
    pub fn parse(s: &str) -> Option<Date> {
        Date::parse(s.trim(), FORMAT).ok()
    }

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&format(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => parse(&s).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format!("invalid date '{s}' (use YYYY-MM-DD)"))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Vulnerability;
    use time::macros::date;

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
        assert_eq!(o.verdict, Verdict::Fail);
        assert_eq!(
            o.enforce().unwrap_err().to_string(),
            "1 vulnerability at or above critical (failOn: critical)"
        );
        assert!(evaluate(&r[..1], Some(Severity::Critical), None)
            .enforce()
            .is_ok());
        assert!(evaluate(&r, None, None).enforce().is_ok());
    }

    #[test]
    fn verdicts_and_descriptions() {
        let r = [result(&[Severity::High, Severity::Medium])];
        let warn = evaluate(&r, Some(Severity::Critical), Some(Severity::Medium));
        assert_eq!(warn.verdict, Verdict::Warn);
        assert_eq!(
            warn.describe(),
            "2 vulnerabilities at or above medium (warnOn: medium)"
        );
        let pass = evaluate(&r, Some(Severity::Critical), None);
        assert_eq!(pass.verdict, Verdict::Pass);
        assert_eq!(
            pass.describe(),
            "no vulnerabilities at or above critical (failOn: critical)"
        );
        assert_eq!(
            evaluate(&r, None, None).describe(),
            "no failOn threshold set"
        );
        let fail = evaluate(&r, Some(Severity::High), None);
        assert_eq!(
            fail.describe(),
            "1 vulnerability at or above high (failOn: high)"
        );
        assert_eq!(
            serde_json::to_value(&fail).unwrap(),
            serde_json::json!({"failing": 1, "warning": 0, "failOn": "high", "verdict": "fail"})
        );
    }

    fn finding(id: &str, sev: Severity, fixed: Option<&str>) -> Finding {
        Finding::from(Vulnerability {
            id: id.into(),
            severity: sev,
            package: "openssl".into(),
            version: "3.0.11-1~deb12u1".into(),
            fixed_in: fixed.map(Into::into),
            ..Default::default()
        })
    }

    #[test]
    fn ignore_unfixed_is_recorded_and_thresholds_see_only_what_is_left() {
        let mut p = PolicyEnforcer::new(Some(Severity::High), Some(Severity::Medium));
        p.ignore_unfixed = true;
        let d = p.apply(
            None,
            vec![
                finding("CVE-2023-45853", Severity::Critical, None),
                finding("CVE-2023-5363", Severity::High, Some("3.0.11-1~deb12u2")),
                finding("CVE-2024-0001", Severity::Medium, Some("  ")),
            ],
            date!(2026 - 05 - 01),
        );
        assert_eq!(d.findings.len(), 1);
        assert_eq!(d.findings[0].id(), "CVE-2023-5363");
        let why: Vec<_> = d
            .suppressed
            .iter()
            .map(|s| (s.finding.id(), s.suppression.describe()))
            .collect();
        assert_eq!(
            why,
            [
                (
                    "CVE-2023-45853",
                    "no fixed version (--ignore-unfixed)".to_string()
                ),
                (
                    "CVE-2024-0001",
                    "no fixed version (--ignore-unfixed)".to_string()
                ),
            ]
        );
        assert_eq!((d.outcome.failing, d.outcome.warning), (1, 1));
        assert_eq!(
            p.enforce(&d).unwrap_err().to_string(),
            "1 vulnerability at or above high (failOn: high)"
        );
    }

    #[test]
    fn from_config_uses_effective_thresholds() {
        let sd = crate::config::SecurityDescriptor::from_yaml_str(
            "scan:\n  ignoreUnfixed: true\n  tools:\n    - {name: sc, failOn: high}\n    - {name: trivy, required: false, failOn: medium}\n",
            "c",
        )
        .unwrap();
        let p = PolicyEnforcer::from_config(sd.scan.as_ref().unwrap());
        assert_eq!(p.fail_on, Some(Severity::High));
        assert_eq!(p.warn_on, Some(Severity::Medium));
        assert!(p.ignore_unfixed);
    }
}
