//! The library's top-level error: [`SecurityError`] wraps a failure of one
//! operation (scan, sign, ...) on one image with its [`ErrorKind`], the seeds'
//! error taxonomy (`ErrInvalidConfig`, `ErrSigningFailed`, `ErrCriticalVulns`, ...).
//!
//! Each layer has its own precise error enum (`ReferenceError`, `RegistryError`,
//! `SourceError`, `ConfigError`, ...); they convert into a `SecurityError` with
//! the right kind at the executor boundary. The CLI maps kinds to exit codes
//! ([`ErrorKind::exit_code`]).

use crate::reference::ImageReference;

/// The seeds' error kinds. Tool-installation kinds (`ErrToolNotFound`, ...) do not
/// exist here: `sc` runs no external tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// `ErrInvalidConfig`: configuration or arguments are invalid.
    InvalidConfig,
    /// `ErrMissingKey`: key-based signing without a key.
    MissingKey,
    /// `ErrMissingOIDC`: keyless signing without an identity token.
    MissingOidc,
    /// `ErrSigningFailed`.
    SigningFailed,
    /// `ErrVerifyFailed`: a signature or attestation did not verify.
    VerifyFailed,
    /// `ErrSBOMGeneration`.
    SbomGeneration,
    /// `ErrProvenanceGen`.
    ProvenanceGeneration,
    /// `ErrScanFailed`: the scan itself could not run.
    ScanFailed,
    /// `ErrCriticalVulns`: findings at or above `failOn`.
    CriticalVulns,
    /// `ErrPolicyViolation`: any other policy rule broken.
    PolicyViolation,
    /// Registry, network or file access failed (retryable or not).
    Io,
    /// The capability is part of the command tree but not built yet.
    NotImplemented,
}

impl ErrorKind {
    /// Exit code of the `sc` binary for an error of this kind.
    ///
    /// | code | meaning |
    /// |---|---|
    /// | 0 | success |
    /// | 1 | policy failure: vulnerabilities at/above `failOn`, verification failed, policy violation |
    /// | 2 | invalid usage or configuration |
    /// | 3 | operational error: registry, network, file system, a step that could not run |
    /// | 4 | command not implemented yet |
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::CriticalVulns | ErrorKind::PolicyViolation | ErrorKind::VerifyFailed => 1,
            ErrorKind::InvalidConfig | ErrorKind::MissingKey | ErrorKind::MissingOidc => 2,
            ErrorKind::SigningFailed
            | ErrorKind::SbomGeneration
            | ErrorKind::ProvenanceGeneration
            | ErrorKind::ScanFailed
            | ErrorKind::Io => 3,
            ErrorKind::NotImplemented => 4,
        }
    }

    /// Short description, as the seeds' sentinel errors read.
    pub fn describe(self) -> &'static str {
        match self {
            ErrorKind::InvalidConfig => "invalid configuration",
            ErrorKind::MissingKey => "signing key not provided",
            ErrorKind::MissingOidc => "OIDC token not available",
            ErrorKind::SigningFailed => "image signing failed",
            ErrorKind::VerifyFailed => "signature verification failed",
            ErrorKind::SbomGeneration => "SBOM generation failed",
            ErrorKind::ProvenanceGeneration => "provenance generation failed",
            ErrorKind::ScanFailed => "vulnerability scan failed",
            ErrorKind::CriticalVulns => "critical vulnerabilities found",
            ErrorKind::PolicyViolation => "security policy violation",
            ErrorKind::Io => "registry or file access failed",
            ErrorKind::NotImplemented => "not implemented yet",
        }
    }
}

/// A failed operation on an image (the seeds' `SecurityError`): which operation,
/// which image, what kind of failure, and the underlying cause.
#[derive(Debug, thiserror::Error)]
#[error("{op} failed for {image}: {source}")]
pub struct SecurityError {
    /// Operation that failed (`scan`, `sign`, `sbom`, `provenance`, ...).
    pub op: String,
    /// Image it failed for.
    pub image: Box<ImageReference>,
    /// Taxonomy of the failure.
    pub kind: ErrorKind,
    /// The cause, with the detail a user needs to act.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync + 'static>,
}

impl SecurityError {
    /// A new error for `op` on `image`.
    pub fn new(
        op: impl Into<String>,
        image: ImageReference,
        kind: ErrorKind,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Self {
            op: op.into(),
            image: Box::new(image),
            kind,
            source: source.into(),
        }
    }
}

/// An error for a capability that exists in the command tree but is not built yet.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{what} is not implemented yet")]
pub struct NotImplemented {
    /// The command or capability.
    pub what: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_distinct_per_class() {
        assert_eq!(ErrorKind::CriticalVulns.exit_code(), 1);
        assert_eq!(ErrorKind::InvalidConfig.exit_code(), 2);
        assert_eq!(ErrorKind::Io.exit_code(), 3);
        assert_eq!(ErrorKind::NotImplemented.exit_code(), 4);
    }

    #[test]
    fn security_error_names_op_and_image() {
        let image: ImageReference = "localhost:5000/app@sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
            .parse()
            .unwrap();
        let e = SecurityError::new("sign", image, ErrorKind::SigningFailed, "no key");
        assert_eq!(
            e.to_string(),
            "sign failed for localhost:5000/app@sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824: no key"
        );
    }
}
