//! Image signing and verification (the seeds' "Signing API" types).
//!
//! - [`bundle`]: Sigstore bundles (v0.1-v0.3) and their offline verification
//!   against a trusted root (`sc verify-bundle`).
//! - [`keyless`]: keyless signing (OIDC token, Fulcio, Rekor) into a bundle v0.3,
//!   each bundle verified against the trusted root before it is returned.
//! - [`trust`]: `trusted_root.json` and `signing_config.json`.
//!
//! Status: bundle verification is built; cosign-compatible image signing and
//! verification are in progress (`sc image sign|verify` exit 4).

pub mod bundle;
pub mod keyless;
pub mod trust;

use serde::{Deserialize, Serialize};

/// Result of signing an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignResult {
    /// Signed image digest.
    pub digest: String,
    /// Signature (base64).
    pub signature: String,
    /// Sigstore bundle (JSON), when produced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<String>,
    /// Transparency log entry URL, when uploaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rekor_entry: Option<String>,
    /// When it was signed (RFC 3339).
    pub signed_at: String,
}

/// Result of verifying an image's signatures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyResult {
    /// True when at least one signature verified under the policy.
    pub valid: bool,
    /// Identity and issuer of the verified certificate, or the key's fingerprint.
    #[serde(default)]
    pub signer: String,
    /// Transparency log entry that was verified, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rekor_entry: Option<String>,
    /// Why verification failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
