//! Image signing and verification (the seeds' "Signing API" types).
//!
//! - [`keys`]: cosign key pairs (`cosign.key` / `cosign.pub`), generated and read.
//!
//! Status: the result types and key pairs exist; cosign-compatible key-based and
//! keyless signing and verification are not built yet (`sc image sign|verify` exit 4).

use serde::{Deserialize, Serialize};

pub mod keys;

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
