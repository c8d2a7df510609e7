//! Image signing and verification (the seeds' "Signing API"), cosign-compatible,
//! with no cosign binary.
//!
//! - [`keys`]: cosign key pairs (`cosign.key` / `cosign.pub`), generated and read.
//! - [`cosign`]: cosign's formats: the simple-signing payload and the `.sig` image.
//! - [`cosign_bundle`]: cosign's Rekor bundle annotation, and a `.sig` layer as
//!   the Sigstore bundle it amounts to.
//! - [`image`]: sign and verify registry images, key-based and keyless, in both
//!   forms cosign writes (the `.sig` image; the bundle v0.3 referrer). The reusable
//!   entry points: [`image::ImageSigner`] (a signer built from a key file and
//!   password, or from an OIDC token, Fulcio/Rekor services and a trusted root)
//!   and [`image::ImagePolicy`] (a key, or identity and issuer matchers, with a
//!   trusted root), whose [`image::ImagePolicy::verify_bundle`] verifies any
//!   Sigstore bundle (DSSE attestations included) under the same policy.
//! - [`keybased`]: the key-based entry points of [`image`] (`--key`).
//! - [`bundle`]: Sigstore bundles (v0.1-v0.3) and their offline verification
//!   against a trusted root (`sc verify-bundle`).
//! - [`keyless`]: keyless signing (OIDC token, Fulcio, Rekor) into bundles v0.3,
//!   each bundle verified against the trusted root before it is returned.
//! - [`trust`]: `trusted_root.json` and `signing_config.json`.
//!
//! Status: key-based image signing, with or without a Rekor entry, and keyless
//! image signing (`sc image sign`) work, as does offline verification of both
//! (`sc image verify --key` / `--certificate-identity`); Sigstore bundles verify
//! offline and sign keylessly (`sc verify-bundle`, `sc sign-bundle`). Not built:
//! RFC 3161 timestamps for image signatures, Rekor v2 entries for key-based
//! signatures, and the cosign v3 bundle referrer for key-based signatures (key
//! signatures are written in the `.sig` form only).

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
