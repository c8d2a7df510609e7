//! Key-based signing and verification of registry images, cosign-compatible: the
//! key-based entry points of [`super::image`], which does the work for key-based
//! and keyless signatures alike.
//!
//! [`sign`] resolves the image to its digest (from the manifest bytes the registry
//! serves, never trusting a header or a tag), signs cosign's simple-signing payload
//! with ECDSA-P256-SHA256 and pushes the signature image to `<repo>:sha256-<hex>.sig`
//! the way cosign does: appended to the signatures already there, and not again when
//! the same key already signed the same payload. With `tlog_upload` the signature is
//! entered in the Rekor log `rekor_url` (a hashedrekord entry with the public key)
//! and the entry is stored in the `dev.sigstore.cosign/bundle` annotation.
//!
//! [`verify`] fetches the image manifest (its digest computed from the bytes), the
//! `.sig` manifest and every payload blob (each digest-checked), and accepts the image
//! when at least one signature verifies with the key and its payload names exactly
//! this digest and repository. When the `.sig` tag yields nothing acceptable, OCI 1.1
//! referrers are tried too. Every other outcome is an error saying why, per
//! signature ([`Rejection`]). To also require a valid transparency log entry, build
//! an [`ImagePolicy::key`] with a trusted root and call [`super::image::verify`].
//!
//! Round trips (plain registry, one existing signature): sign = 1 manifest GET, 1
//! `.sig` GET, then per pushed blob a HEAD (+ upload when absent), 1 manifest PUT;
//! verify = 1 manifest GET, 1 `.sig` GET, 1 blob GET per signature.

use super::image::{ImagePolicy, ImageSigner, RekorLog};
pub use super::image::{
    Rejection, SignError, SignOutcome, Verification, VerifiedSignature, VerifyError,
    MAX_PAYLOAD_SIZE,
};
use super::keys::{PublicKey, SigningKey};
use super::{SignOptions, VerifyOptions};
use crate::reference::ImageReference;
use crate::registry::RegistryClient;

/// Sign `image` (a tag is resolved to its digest; the digest is signed) with `key`
/// and store the signature as cosign does. See the module documentation.
pub async fn sign(
    client: &RegistryClient,
    image: &ImageReference,
    key: &SigningKey,
    options: &SignOptions,
) -> Result<SignOutcome, SignError> {
    let rekor = match (options.tlog_upload, &options.rekor_url) {
        (false, _) => None,
        (true, Some(url)) => Some(RekorLog::new(url, None)?),
        (true, None) => return Err(SignError::TlogUnavailable),
    };
    let signer = ImageSigner::key(key.clone(), rekor);
    super::image::sign(client, image, &signer, options).await
}

/// Verify `image`'s cosign signatures with `key`. See the module documentation.
pub async fn verify(
    client: &RegistryClient,
    image: &ImageReference,
    key: &PublicKey,
    options: &VerifyOptions,
) -> Result<Verification, VerifyError> {
    let policy = ImagePolicy::key(key.clone(), None, options.clone())
        .map_err(|e| VerifyError::Registry(crate::registry::RegistryError::Setup(e.to_string())))?;
    super::image::verify(client, image, &policy).await
}
