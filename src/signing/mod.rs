//! Image signing and verification (the seeds' "Signing API"), cosign-compatible,
//! with no cosign binary.
//!
//! - [`keys`]: cosign key pairs (`cosign.key` / `cosign.pub`), generated and read.
//! - [`cosign`]: cosign's formats: the simple-signing payload and the `.sig` image.
//! - [`keybased`]: sign and verify registry images with a key (`--key`), reading
//!   and writing what cosign reads and writes.
//! - [`bundle`]: Sigstore bundles (v0.1-v0.3) and their offline verification
//!   against a trusted root (`sc verify-bundle`).
//! - [`keyless`]: keyless signing (OIDC token, Fulcio, Rekor) into a bundle v0.3,
//!   each bundle verified against the trusted root before it is returned.
//! - [`trust`]: `trusted_root.json` and `signing_config.json`.
//!
//! Status: key-based image signing works without a transparency log
//! (`--tlog-upload=false`); Sigstore bundles verify offline and sign keylessly.
//! Keyless *image* signing (`sc image sign` without `--key`) is not connected yet (exit 4).

pub mod bundle;
pub mod keyless;
pub mod trust;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub mod cosign;
pub mod cosign_bundle;
pub mod image;
pub mod keybased;
pub mod keys;

/// Options for signing an image (the seeds' `SignOptions`; the key itself is an
/// argument of the signer, not an option).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOptions {
    /// Annotations written into the signed payload (`optional`), as `cosign sign -a`.
    pub annotations: BTreeMap<String, String>,
    /// Record the signature in a Rekor transparency log. True by default, as in
    /// cosign; key-based signing without a log needs it set to false explicitly.
    pub tlog_upload: bool,
    /// Rekor URL, when uploading.
    pub rekor_url: Option<String>,
}

impl Default for SignOptions {
    fn default() -> Self {
        SignOptions {
            annotations: BTreeMap::new(),
            tlog_upload: true,
            rekor_url: None,
        }
    }
}

/// Options for verifying an image's signatures (the seeds' `VerifyOptions`, key-based part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Annotations every accepted signature's payload must carry (`cosign verify -a`).
    pub annotations: BTreeMap<String, String>,
    /// Require the payload's `docker-reference` to name the image's repository. On by
    /// default; cosign itself does not check it, so turn it off to accept signatures
    /// copied with an image to another repository.
    pub require_docker_reference: bool,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            annotations: BTreeMap::new(),
            require_docker_reference: true,
        }
    }
}

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
