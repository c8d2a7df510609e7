//! Exit codes of a scan: 0 when the policy passes (warnings included), 1 (or
//! `--exit-code N`, as in Trivy) when findings break `failOn`, and the error
//! kind's code ([`ErrorKind::exit_code`]: 3 for a scan that could not run, 2
//! for invalid configuration) otherwise. With `required: false` a scan that
//! could not run exits 0: the caller reports it as a warning.

use crate::config::ScanConfig;
use crate::error::ErrorKind;

use super::PolicyOutcome;

/// Maps policy outcomes and scan errors to exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitPolicy {
    /// Exit code when findings break `failOn` (default 1; 0 reports without failing).
    pub failure_code: u8,
    /// Whether a scan that could not run fails (exit 3). Default `true`.
    pub required: bool,
}

/// An `--exit-code` that would be mistaken for another outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("--exit-code {0} is reserved (2: invalid usage, 3: the scan could not run, 4: not implemented); use 0, 1 or 5-255")]
pub struct ExitCodeError(pub u8);

impl Default for ExitPolicy {
    fn default() -> Self {
        ExitPolicy {
            failure_code: Self::POLICY_FAILURE,
            required: true,
        }
    }
}

impl ExitPolicy {
    /// The policy passed (or only warned).
    pub const SUCCESS: u8 = 0;
    /// Default code for findings at or above `failOn`.
    pub const POLICY_FAILURE: u8 = 1;

    /// `required` from a `scan:` block (default `true`).
    pub fn from_config(cfg: &ScanConfig) -> Self {
        ExitPolicy {
            required: cfg.is_required(),
            ..Default::default()
        }
    }

    /// Use `code` for policy failures (`--exit-code N`). Codes 2–4 are
    /// refused: they mean invalid usage, operational error, not implemented.
    pub fn with_failure_code(self, code: u8) -> Result<Self, ExitCodeError> {
        if (2..=4).contains(&code) {
            return Err(ExitCodeError(code));
        }
        Ok(ExitPolicy {
            failure_code: code,
            ..self
        })
    }

    /// Exit code for a scan that ran and was evaluated.
    pub fn code_for(&self, outcome: &PolicyOutcome) -> u8 {
        match outcome.enforce() {
            Ok(()) => Self::SUCCESS,
            Err(_) => self.failure_code,
        }
    }

    /// Exit code for a scan that failed with an error of `kind`: operational
    /// errors (code 3) become 0 when the scan is not required; everything else
    /// keeps its code.
    pub fn code_for_error(&self, kind: ErrorKind) -> u8 {
        let code = kind.exit_code();
        if code == ErrorKind::ScanFailed.exit_code() && !self.required {
            Self::SUCCESS
        } else {
            code
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::VulnerabilitySummary;
    use crate::Severity;

    fn outcome(high: usize, fail_on: Option<Severity>) -> PolicyOutcome {
        let s = VulnerabilitySummary {
            high,
            total: high,
            ..Default::default()
        };
        PolicyOutcome::of_summary(&s, fail_on, Some(Severity::Low))
    }

    #[test]
    fn codes() {
        let p = ExitPolicy::default();
        assert_eq!(p.code_for(&outcome(0, Some(Severity::High))), 0);
        assert_eq!(p.code_for(&outcome(2, Some(Severity::High))), 1);
        assert_eq!(p.code_for(&outcome(2, Some(Severity::Critical))), 0);
        assert_eq!(p.code_for(&outcome(2, None)), 0);

        let custom = p.with_failure_code(7).unwrap();
        assert_eq!(custom.code_for(&outcome(2, Some(Severity::High))), 7);
        let report_only = p.with_failure_code(0).unwrap();
        assert_eq!(report_only.code_for(&outcome(2, Some(Severity::High))), 0);
        assert_eq!(
            p.with_failure_code(3).unwrap_err().to_string(),
            "--exit-code 3 is reserved (2: invalid usage, 3: the scan could not run, 4: not implemented); use 0, 1 or 5-255"
        );

        assert_eq!(p.code_for_error(ErrorKind::ScanFailed), 3);
        assert_eq!(p.code_for_error(ErrorKind::Io), 3);
        assert_eq!(p.code_for_error(ErrorKind::InvalidConfig), 2);
        let optional = ExitPolicy {
            required: false,
            ..p
        };
        assert_eq!(optional.code_for_error(ErrorKind::ScanFailed), 0);
        assert_eq!(optional.code_for_error(ErrorKind::InvalidConfig), 2);
    }
}
