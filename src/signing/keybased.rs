//! Key-based signing and verification of registry images, cosign-compatible.
//!
//! [`sign`] resolves the image to its digest (from the manifest bytes the registry
//! serves, never trusting a header or a tag), signs cosign's simple-signing payload
//! with ECDSA-P256-SHA256 and pushes the signature image to `<repo>:sha256-<hex>.sig`
//! the way cosign does: appended to the signatures already there, and not again when
//! the same key already signed the same payload. Nothing but the registry is
//! contacted (no transparency log: `tlog_upload` must be false for now).
//!
//! [`verify`] fetches the image manifest (its digest computed from the bytes), the
//! `.sig` manifest and every payload blob (each digest-checked), and accepts the image
//! when at least one signature verifies with the key and its payload names exactly
//! this digest and repository. When the `.sig` tag yields nothing acceptable, OCI 1.1
//! referrers of type `application/vnd.dev.cosign.artifact.sig.v1+json` are tried too.
//! Every other outcome is an error saying why, per signature ([`Rejection`]).
//!
//! Round trips (plain registry, one existing signature): sign = 1 manifest GET, 1
//! `.sig` GET, then per pushed blob a HEAD (+ upload when absent), 1 manifest PUT;
//! verify = 1 manifest GET, 1 `.sig` GET, 1 blob GET per signature.

use std::collections::BTreeMap;

use base64::Engine as _;

use super::cosign::{
    self, SimpleSigning, SIGNATURE_ANNOTATION, SIGNATURE_ARTIFACT_TYPE, SIMPLESIGNING_MEDIA_TYPE,
};
use super::keys::{PublicKey, SigningKey};
use super::{SignOptions, SignResult, VerifyOptions, VerifyResult};
use crate::digest::{Digest, VerifyError as DigestVerifyError};
use crate::error::ErrorKind;
use crate::reference::ImageReference;
use crate::registry::{cosign_tag, RegistryClient, RegistryError};
use crate::source::model::{Descriptor, ImageManifest, MEDIA_TYPE_OCI_MANIFEST};

/// Largest signature payload read (cosign payloads are a few hundred bytes).
pub const MAX_PAYLOAD_SIZE: u64 = 1024 * 1024;

/// Why signing failed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// Transparency-log upload was asked for; key-based signing has no Rekor client yet.
    #[error("uploading the signature to a transparency log (Rekor) is not available for key-based signing yet; nothing was signed. Sign without a log entry with --tlog-upload=false (air-gapped signing; verifiers must then not require a log entry)")]
    TlogUnavailable,
    /// The image reference cannot be signed (not pinnable, ...).
    #[error("{0}")]
    Reference(String),
    /// The existing `.sig` manifest is not one we can append to.
    #[error(
        "{tag}: the existing signature manifest cannot be extended ({detail}); nothing was pushed"
    )]
    ExistingSignatures {
        /// The signature tag.
        tag: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The registry failed.
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

impl SignError {
    /// Exit-code class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            SignError::TlogUnavailable => ErrorKind::NotImplemented,
            SignError::Reference(_) => ErrorKind::InvalidConfig,
            SignError::ExistingSignatures { .. } => ErrorKind::SigningFailed,
            SignError::Registry(RegistryError::Setup(_)) => ErrorKind::InvalidConfig,
            SignError::Registry(_) => ErrorKind::Io,
        }
    }
}

/// What [`sign`] did.
#[derive(Debug, Clone)]
pub struct SignOutcome {
    /// The seeds' result: digest, base64 signature, no bundle, no Rekor entry, time.
    pub result: SignResult,
    /// The image, pinned to the signed digest.
    pub image: ImageReference,
    /// Where the signature image lives (`<repo>:sha256-<hex>.sig`).
    pub signature_tag: ImageReference,
    /// The signed payload bytes.
    pub payload: Vec<u8>,
    /// True when the same key had already signed the same payload: nothing was pushed.
    pub already_signed: bool,
    /// Registry operations this took (round trips, retries included).
    pub registry_operations: u64,
}

/// Resolve `image` to the digest of the manifest bytes the registry serves for it.
async fn pin(
    client: &RegistryClient,
    image: &ImageReference,
) -> Result<ImageReference, RegistryError> {
    let (_, digest, _) = client.fetch_manifest(image).await?;
    Ok(image.with_digest(digest))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Sign `image` (a tag is resolved to its digest; the digest is signed) with `key`
/// and store the signature as cosign does. See the module documentation.
pub async fn sign(
    client: &RegistryClient,
    image: &ImageReference,
    key: &SigningKey,
    options: &SignOptions,
) -> Result<SignOutcome, SignError> {
    if options.tlog_upload {
        return Err(SignError::TlogUnavailable);
    }
    let start = client.operation_count();
    let pinned = pin(client, image).await?;
    let payload = SimpleSigning::new(&pinned, &options.annotations).to_bytes();
    let signature = b64(&key.sign(&payload));
    let tag = cosign_tag(&pinned, cosign::SIGNATURE_TAG_SUFFIX)?;

    let mut layers = match client
        .cosign_manifest(&pinned, cosign::SIGNATURE_TAG_SUFFIX)
        .await?
    {
        None => Vec::new(),
        Some((bytes, _)) => {
            cosign::parse_signature_manifest(&bytes)
                .map_err(|detail| SignError::ExistingSignatures {
                    tag: tag.to_string(),
                    detail,
                })?
                .layers
        }
    };

    // Already signed by this key with this payload? ECDSA signatures are randomized
    // (cosign's are), so compare payloads by digest and check the stored signature.
    let payload_digest = Digest::sha256_of(&payload);
    let public = key.public_key();
    let existing = layers.iter().find_map(|l| {
        if l.media_type != SIMPLESIGNING_MEDIA_TYPE || l.digest != payload_digest {
            return None;
        }
        let sig_b64 = l.annotation(SIGNATURE_ANNOTATION)?;
        let sig = base64::engine::general_purpose::STANDARD
            .decode(sig_b64)
            .ok()?;
        public.verify(&payload, &sig).ok()?;
        Some(sig_b64.to_string())
    });
    let already_signed = existing.is_some();
    let signature = match existing {
        Some(sig) => {
            tracing::info!(
                "{pinned} is already signed by this key with this payload; nothing pushed"
            );
            sig
        }
        None => {
            layers.push(cosign::signature_layer(&payload, &signature, None));
            let m = cosign::signature_manifest(&layers);
            client.push_blob(&pinned, payload.clone()).await?;
            client.push_blob(&pinned, m.config).await?;
            client
                .push_manifest(&tag, m.manifest, MEDIA_TYPE_OCI_MANIFEST)
                .await?;
            signature
        }
    };
    Ok(SignOutcome {
        result: SignResult {
            digest: pinned
                .digest
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            signature,
            bundle: None,
            rekor_entry: None,
            signed_at: now_rfc3339(),
        },
        image: pinned,
        signature_tag: tag,
        payload,
        already_signed,
        registry_operations: client.operation_count() - start,
    })
}

/// Why one signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The layer has no `dev.cosignproject.cosign/signature` annotation.
    #[error("layer {layer}: no signature annotation")]
    MissingSignature {
        /// Payload layer digest.
        layer: Digest,
    },
    /// The signature annotation is not base64.
    #[error("layer {layer}: signature annotation is not base64 ({detail})")]
    SignatureEncoding {
        /// Payload layer digest.
        layer: Digest,
        /// Decoder error.
        detail: String,
    },
    /// The payload blob the registry served does not match the layer's digest or size.
    #[error("layer {layer}: payload tampered: {detail}")]
    PayloadTampered {
        /// Payload layer digest.
        layer: Digest,
        /// The mismatch.
        detail: String,
    },
    /// The signature does not verify with the key over the payload.
    #[error("layer {layer}: signature does not verify with the key (wrong key, or the signature or payload was altered)")]
    SignatureInvalid {
        /// Payload layer digest.
        layer: Digest,
    },
    /// The payload verifies but is not a cosign image-signature payload.
    #[error("layer {layer}: {detail}")]
    PayloadMalformed {
        /// Payload layer digest.
        layer: Digest,
        /// Why.
        detail: String,
    },
    /// The payload signs another image digest.
    #[error(
        "layer {layer}: signature is for another image: it signs {signed}, the image is {image}"
    )]
    DigestMismatch {
        /// Payload layer digest.
        layer: Digest,
        /// Digest named in the payload.
        signed: String,
        /// The image's digest.
        image: Digest,
    },
    /// The payload names another repository.
    #[error("layer {layer}: signature is for another repository: it names {claimed}, the image is {expected}")]
    ReferenceMismatch {
        /// Payload layer digest.
        layer: Digest,
        /// `docker-reference` in the payload.
        claimed: String,
        /// The image's repository.
        expected: String,
    },
    /// A required annotation is missing or different.
    #[error("layer {layer}: annotation {key}={expected} required, payload has {}", found.as_deref().unwrap_or("none"))]
    AnnotationMismatch {
        /// Payload layer digest.
        layer: Digest,
        /// Annotation key.
        key: String,
        /// Required value.
        expected: String,
        /// Value in the payload.
        found: Option<String>,
    },
}

/// Why verification failed. Every variant but `Registry` is a verification failure
/// (exit 1); `Registry` is an operational one (exit 3).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The registry served content for the image that does not match its digest.
    #[error("{image}: the registry served a manifest that does not match the digest: {detail}")]
    ManifestMismatch {
        /// The image.
        image: String,
        /// The mismatch.
        detail: String,
    },
    /// No signature exists for the image's digest.
    #[error("{image}: no signatures found (no {tag} manifest, no signature referrers)")]
    NoSignatures {
        /// The image, pinned.
        image: String,
        /// The signature tag looked at.
        tag: String,
    },
    /// Signatures exist, none is acceptable.
    #[error("{image}: no valid signature: {}", render_rejections(.rejections))]
    Rejected {
        /// The image, pinned.
        image: String,
        /// Why each signature was refused, in manifest order.
        rejections: Vec<Rejection>,
    },
    /// The registry failed.
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

fn render_rejections(r: &[Rejection]) -> String {
    match r {
        [one] => one.to_string(),
        many => format!(
            "{} signatures checked: {}",
            many.len(),
            many.iter()
                .enumerate()
                .map(|(i, x)| format!("{}) {x}", i + 1))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

impl VerifyError {
    /// Exit-code class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            VerifyError::Registry(RegistryError::Setup(_)) => ErrorKind::InvalidConfig,
            VerifyError::Registry(_) => ErrorKind::Io,
            _ => ErrorKind::VerifyFailed,
        }
    }
}

/// One accepted signature.
#[derive(Debug, Clone)]
pub struct VerifiedSignature {
    /// The parsed payload.
    pub payload: SimpleSigning,
    /// The payload bytes that were verified.
    pub payload_bytes: Vec<u8>,
    /// The signature (base64, as stored).
    pub signature: String,
    /// Digest of the payload layer.
    pub layer: Digest,
    /// The Rekor bundle annotation, if the signature carries one (not checked yet).
    pub bundle: Option<String>,
}

/// A successful verification.
#[derive(Debug, Clone)]
pub struct Verification {
    /// The image, pinned to the verified digest.
    pub image: ImageReference,
    /// Signatures that verified (at least one).
    pub signatures: Vec<VerifiedSignature>,
    /// Signatures present but refused (another key's, another digest's, ...).
    pub rejected: Vec<Rejection>,
    /// Fingerprint of the key (`sha256:` of its SubjectPublicKeyInfo).
    pub key: String,
    /// Registry operations this took.
    pub registry_operations: u64,
}

impl Verification {
    /// The seeds' `VerifyResult`.
    pub fn to_result(&self) -> VerifyResult {
        VerifyResult {
            valid: true,
            signer: self.key.clone(),
            rekor_entry: None,
            error: None,
        }
    }
}

/// Verify `image`'s cosign signatures with `key`. See the module documentation.
pub async fn verify(
    client: &RegistryClient,
    image: &ImageReference,
    key: &PublicKey,
    options: &VerifyOptions,
) -> Result<Verification, VerifyError> {
    let start = client.operation_count();
    let pinned = match pin(client, image).await {
        Ok(p) => p,
        Err(RegistryError::Verify(e @ DigestVerifyError::Mismatch { .. })) => {
            return Err(VerifyError::ManifestMismatch {
                image: image.to_string(),
                detail: e.to_string(),
            })
        }
        Err(e) => return Err(e.into()),
    };
    let digest = pinned.digest.clone().expect("pinned");
    let tag = cosign_tag(&pinned, cosign::SIGNATURE_TAG_SUFFIX)?;
    let mut found_any = false;
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();

    if let Some((bytes, _)) = client
        .cosign_manifest(&pinned, cosign::SIGNATURE_TAG_SUFFIX)
        .await?
    {
        let manifest = cosign::parse_signature_manifest(&bytes).map_err(|detail| {
            VerifyError::Registry(RegistryError::Malformed {
                registry: pinned.registry.clone(),
                what: format!("signature manifest {tag}"),
                detail,
            })
        })?;
        found_any |= check_manifest(
            client,
            &pinned,
            &digest,
            &manifest,
            key,
            options,
            &mut accepted,
            &mut rejected,
        )
        .await?;
    }

    if accepted.is_empty() {
        // cosign's OCI 1.1 mode: signature manifests as referrers of the image.
        match client
            .referrers(&pinned, Some(SIGNATURE_ARTIFACT_TYPE))
            .await
        {
            Ok(index) => {
                for d in index.manifests {
                    let at = pinned.with_digest(d.digest.clone());
                    let (bytes, _, _) = client.fetch_manifest(&at).await?;
                    let Ok(manifest) = cosign::parse_signature_manifest(&bytes) else {
                        continue;
                    };
                    found_any |= check_manifest(
                        client,
                        &pinned,
                        &digest,
                        &manifest,
                        key,
                        options,
                        &mut accepted,
                        &mut rejected,
                    )
                    .await?;
                }
            }
            // Listing referrers is a second chance, never a reason to accept: a
            // registry that cannot list them only leaves fewer signatures to check.
            Err(e) => tracing::debug!("referrers of {pinned}: {e}"),
        }
    }

    if !accepted.is_empty() {
        return Ok(Verification {
            image: pinned,
            signatures: accepted,
            rejected,
            key: key.fingerprint(),
            registry_operations: client.operation_count() - start,
        });
    }
    if !found_any {
        return Err(VerifyError::NoSignatures {
            image: pinned.to_string(),
            tag: tag.to_string(),
        });
    }
    Err(VerifyError::Rejected {
        image: pinned.to_string(),
        rejections: rejected,
    })
}

/// Check every signature layer of `manifest`; returns whether it had any.
#[allow(clippy::too_many_arguments)]
async fn check_manifest(
    client: &RegistryClient,
    image: &ImageReference,
    digest: &Digest,
    manifest: &ImageManifest,
    key: &PublicKey,
    options: &VerifyOptions,
    accepted: &mut Vec<VerifiedSignature>,
    rejected: &mut Vec<Rejection>,
) -> Result<bool, VerifyError> {
    let mut any = false;
    for layer in &manifest.layers {
        if layer.media_type != SIMPLESIGNING_MEDIA_TYPE {
            continue;
        }
        any = true;
        match check_layer(client, image, digest, layer, key, options).await? {
            Ok(v) => accepted.push(v),
            Err(r) => {
                tracing::debug!("{image}: {r}");
                rejected.push(r)
            }
        }
    }
    Ok(any)
}

async fn check_layer(
    client: &RegistryClient,
    image: &ImageReference,
    digest: &Digest,
    layer: &Descriptor,
    key: &PublicKey,
    options: &VerifyOptions,
) -> Result<Result<VerifiedSignature, Rejection>, VerifyError> {
    let id = layer.digest.clone();
    let Some(sig_b64) = layer.annotation(SIGNATURE_ANNOTATION) else {
        return Ok(Err(Rejection::MissingSignature { layer: id }));
    };
    let sig = match base64::engine::general_purpose::STANDARD.decode(sig_b64.trim()) {
        Ok(s) => s,
        Err(e) => {
            return Ok(Err(Rejection::SignatureEncoding {
                layer: id,
                detail: e.to_string(),
            }))
        }
    };
    let payload = match client.fetch_blob(image, layer, MAX_PAYLOAD_SIZE).await {
        Ok(p) => p,
        Err(RegistryError::Verify(e)) => {
            return Ok(Err(Rejection::PayloadTampered {
                layer: id,
                detail: e.to_string(),
            }))
        }
        Err(RegistryError::Malformed { detail, .. }) => {
            return Ok(Err(Rejection::PayloadMalformed { layer: id, detail }))
        }
        Err(e) => return Err(e.into()),
    };
    if key.verify(&payload, &sig).is_err() {
        return Ok(Err(Rejection::SignatureInvalid { layer: id }));
    }
    let parsed = match SimpleSigning::parse(&payload) {
        Ok(p) => p,
        Err(e) => {
            return Ok(Err(Rejection::PayloadMalformed {
                layer: id,
                detail: e.to_string(),
            }))
        }
    };
    if parsed.critical.image.docker_manifest_digest != digest.to_string() {
        return Ok(Err(Rejection::DigestMismatch {
            layer: id,
            signed: parsed.critical.image.docker_manifest_digest.clone(),
            image: digest.clone(),
        }));
    }
    if options.require_docker_reference && !parsed.names_repository(image) {
        return Ok(Err(Rejection::ReferenceMismatch {
            layer: id,
            claimed: parsed.critical.identity.docker_reference.clone(),
            expected: cosign::docker_reference(image),
        }));
    }
    if let Some(r) = check_annotations(&id, &parsed, &options.annotations) {
        return Ok(Err(r));
    }
    Ok(Ok(VerifiedSignature {
        payload: parsed,
        payload_bytes: payload,
        signature: sig_b64.to_string(),
        bundle: layer
            .annotation(cosign::BUNDLE_ANNOTATION)
            .map(str::to_string),
        layer: id,
    }))
}

fn check_annotations(
    layer: &Digest,
    payload: &SimpleSigning,
    required: &BTreeMap<String, String>,
) -> Option<Rejection> {
    for (k, v) in required {
        let found = payload
            .optional
            .as_ref()
            .and_then(|o| o.get(k))
            .map(|x| match x {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            });
        if found.as_deref() != Some(v.as_str()) {
            return Some(Rejection::AnnotationMismatch {
                layer: layer.clone(),
                key: k.clone(),
                expected: v.clone(),
                found,
            });
        }
    }
    None
}
