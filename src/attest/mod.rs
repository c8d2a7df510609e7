//! in-toto attestations about registry images: statements ([`statement`]) in DSSE
//! envelopes ([`dsse`]), signed with a cosign key or keylessly, stored as cosign
//! stores them and as Sigstore bundle referrers ([`oci`]), and verified from either.
//!
//! - [`attach`] pins the image to the digest of the manifest bytes the registry
//!   serves, builds a Statement v1 whose subject is that digest, signs it and stores it:
//!   - with a key ([`ImageSigner::Key`]): a DSSE envelope signed over its PAE with the
//!     ECDSA P-256 key, appended as a layer of the `sha256-<hex>.att` image;
//!   - keylessly ([`ImageSigner::Keyless`]): a Sigstore bundle v0.3 (Fulcio certificate,
//!     Rekor entry) pushed as an OCI 1.1 referrer of the image (the referrers
//!     tag-schema index is maintained when the registry has no referrers API), and
//!     the same envelope appended to the `.att` image with cosign's certificate,
//!     chain and Rekor-bundle annotations.
//!
//!   Existing attestations are kept. Attaching a statement identical to one already
//!   stored and signed by the same key or identity pushes nothing.
//! - [`verify`] reads every attestation of the image (the `.att` layers, the bundle
//!   referrers, cosign's in-toto referrers), verifies each against a
//!   [`ImagePolicy`] (a public key, or a trusted root plus a certificate
//!   identity; the same policy type image signatures are verified with), checks that its statement names the image's digest, and returns the
//!   verified statements, optionally filtered by predicate type, and requiring some
//!   types to be present. Every refused attestation is reported with its reason
//!   ([`Rejection`]).
//!
//! SBOM predicates are built by [`sbom_predicate`] ([`attach_sbom`] takes the SBOM
//! engine's result); SLSA provenance by [`crate::provenance::generate`]
//! ([`attach_provenance`]).
//!
//! Status: built. Key-based attestations are not recorded in a transparency log
//! (as key-based image signing, `--tlog-upload=false`); keyless ones always are.
//! Keyless `.att` layers whose log entry has no signed entry timestamp (Rekor v2)
//! are verified from their bundle referrer only.

pub mod dsse;
pub mod oci;
pub mod statement;

use std::fmt;

use crate::config::SbomFormat;
use crate::digest::{Digest, VerifyError as DigestVerifyError};
use crate::error::ErrorKind;
use crate::reference::ImageReference;
use crate::registry::{cosign_tag, RegistryClient, RegistryError};
use crate::signing::bundle::{
    ArtifactInput, Bundle, BundleError, IdentityPolicy, VerificationPolicy as BundlePolicy,
};
use crate::signing::image::{ImagePolicy, ImageSigner, SignerPolicy};
use crate::signing::keyless::{self, SignInput};
use crate::source::model::{Descriptor, ImageManifest, MEDIA_TYPE_OCI_MANIFEST};
use dsse::{DsseError, Envelope};
use oci::{
    ATTESTATION_TAG_SUFFIX, BUNDLE_PREDICATE_TYPE_ANNOTATION, BUNDLE_V03_MEDIA_TYPE,
    DSSE_LAYER_MEDIA_TYPE, INTOTO_ARTIFACT_TYPE, PREDICATE_TYPE_ANNOTATION,
};
pub use statement::{PredicateType, ResourceDescriptor, Statement, StatementError};

/// Largest attestation blob read (an envelope holding a tens-of-MB SBOM, base64'd).
pub const MAX_ATTESTATION_SIZE: u64 = 256 * 1024 * 1024;

/// Why attaching failed.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    /// The statement could not be built.
    #[error(transparent)]
    Statement(#[from] StatementError),
    /// Keyless signing failed.
    #[error("keyless signing: {0}")]
    Keyless(#[source] keyless::SignError),
    /// The existing `.att` image cannot be extended.
    #[error("{tag}: the existing attestation manifest cannot be extended ({detail}); nothing was pushed")]
    ExistingAttestations {
        /// The attestation tag.
        tag: String,
        /// What is wrong with it.
        detail: String,
    },
    /// A key-based attestation was to be recorded in a transparency log.
    #[error("recording a key-based attestation in a transparency log (Rekor) is not built yet; nothing was attested. Attest without a log entry (--tlog-upload=false)")]
    TlogUnsupported,
    /// The registry failed.
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

impl AttachError {
    /// Exit-code class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AttachError::Statement(_) => ErrorKind::InvalidConfig,
            AttachError::TlogUnsupported => ErrorKind::NotImplemented,
            AttachError::Keyless(
                keyless::SignError::Token(_)
                | keyless::SignError::Config(_)
                | keyless::SignError::Statement(_),
            ) => ErrorKind::InvalidConfig,
            AttachError::Keyless(_) | AttachError::ExistingAttestations { .. } => {
                ErrorKind::SigningFailed
            }
            AttachError::Registry(RegistryError::Setup(_)) => ErrorKind::InvalidConfig,
            AttachError::Registry(_) => ErrorKind::Io,
        }
    }
}

/// What [`attach`] did.
#[derive(Debug, Clone)]
pub struct AttachOutcome {
    /// The image, pinned to the attested digest.
    pub image: ImageReference,
    /// The statement that was signed (DSSE payload bytes).
    pub statement: Vec<u8>,
    /// Its predicate type.
    pub predicate_type: String,
    /// The `.att` tag the envelope was appended to.
    pub attestation_tag: ImageReference,
    /// Digest of the bundle referrer manifest (keyless only).
    pub referrer: Option<Digest>,
    /// The Sigstore bundle JSON (keyless only).
    pub bundle: Option<String>,
    /// Who signed (key fingerprint, or certificate identity and issuer).
    pub signer: String,
    /// True when an identical statement signed by the same signer was already
    /// stored: nothing was signed or pushed.
    pub already_attached: bool,
}

use crate::timefmt::now_rfc3339;

/// Attest `predicate` of `predicate_type` about `image` (a tag is resolved; the
/// digest is attested) and store it. See the module documentation.
pub async fn attach(
    client: &RegistryClient,
    image: &ImageReference,
    predicate_type: &PredicateType,
    predicate: serde_json::Value,
    signer: &ImageSigner,
) -> Result<AttachOutcome, AttachError> {
    let (pinned, subject) = client.pin(image).await?;
    let statement = Statement::for_image(&pinned, predicate_type, predicate)?;
    attach_statement(client, &pinned, &subject, &statement, signer).await
}

/// Attach a generated SBOM (the seeds' `SBOM`: CycloneDX JSON or SPDX JSON) as an
/// attestation about `image`.
pub async fn attach_sbom(
    client: &RegistryClient,
    image: &ImageReference,
    sbom: &crate::sbom::Sbom,
    signer: &ImageSigner,
) -> Result<AttachOutcome, AttachError> {
    let format: SbomFormat = sbom
        .format
        .parse()
        .map_err(|_| StatementError(format!("unknown SBOM format {:?}", sbom.format)))?;
    let (predicate_type, predicate) =
        sbom_predicate(&sbom.content, format).map_err(|e| StatementError(e.to_string()))?;
    attach(client, image, &predicate_type, predicate, signer).await
}

/// Attach generated provenance ([`crate::provenance::generate`]) about `image`.
/// The image must resolve to the digest the provenance describes.
pub async fn attach_provenance(
    client: &RegistryClient,
    image: &ImageReference,
    provenance: &crate::provenance::Provenance,
    signer: &ImageSigner,
) -> Result<AttachOutcome, AttachError> {
    let (pinned, subject) = client.pin(image).await?;
    if subject.digest.to_string() != provenance.image_digest {
        return Err(AttachError::Statement(StatementError(format!(
            "the provenance describes {}, but {image} is {}",
            provenance.image_digest, subject.digest
        ))));
    }
    let statement = Statement::for_image(
        &pinned,
        &PredicateType::SlsaProvenanceV1,
        provenance.predicate(),
    )?;
    attach_statement(client, &pinned, &subject, &statement, signer).await
}

/// Attach an already-built statement about the pinned `image` (whose manifest
/// descriptor is `subject`). The statement must name the image's digest.
pub async fn attach_statement(
    client: &RegistryClient,
    image: &ImageReference,
    subject: &Descriptor,
    statement: &Statement,
    signer: &ImageSigner,
) -> Result<AttachOutcome, AttachError> {
    if !statement.names_digest(&subject.digest) {
        return Err(AttachError::Statement(StatementError(format!(
            "the statement's subjects ({}) do not include the image digest {}",
            statement.subject_digests().join(", "),
            subject.digest
        ))));
    }
    let payload = statement.to_bytes();
    let predicate_type = statement.predicate_type.clone();
    let tag = cosign_tag(image, ATTESTATION_TAG_SUFFIX)?;
    // Read, append and push back the `.att` manifest without a concurrent writer
    // (the executor attaches an image's SBOM and provenance concurrently).
    let _update = client.lock_tag(&tag).await;
    let existing = existing_layers(client, image, &tag).await?;
    let mut outcome = AttachOutcome {
        image: image.clone(),
        statement: payload.clone(),
        predicate_type: predicate_type.clone(),
        attestation_tag: tag.clone(),
        referrer: None,
        bundle: None,
        signer: signer.describe(),
        already_attached: false,
    };
    match signer {
        ImageSigner::Key { rekor: Some(_), .. } => return Err(AttachError::TlogUnsupported),
        ImageSigner::Key { key, rekor: None } => {
            let public = key.public_key();
            for layer in same_type(&existing, &predicate_type) {
                let Ok(blob) = client.fetch_blob(image, layer, MAX_ATTESTATION_SIZE).await else {
                    continue;
                };
                if let Ok(env) = Envelope::parse(&blob) {
                    if env
                        .verify(&public)
                        .is_ok_and(|signed| same_statement(&signed, &payload))
                    {
                        outcome.already_attached = true;
                        return Ok(outcome);
                    }
                }
            }
            let envelope = Envelope::sign(statement::PAYLOAD_TYPE, &payload, key).to_bytes();
            let layer = oci::attestation_layer(&envelope, &predicate_type, None);
            append_layer(client, image, &tag, existing, layer, envelope).await?;
        }
        ImageSigner::Keyless {
            signer: keyless_signer,
            token,
        } => {
            let verifier = keyless_signer.verifier();
            let policy =
                BundlePolicy::Keyless(IdentityPolicy::exact(token.identity(), token.issuer()));
            for (_, bundle_json) in bundle_referrers(client, image, Some(&predicate_type)).await? {
                let Ok(bundle) = Bundle::from_json(&bundle_json) else {
                    continue;
                };
                let same = oci::bundle_parts(&bundle_json)
                    .ok()
                    .and_then(|(e, _)| e.payload_bytes().ok())
                    .is_some_and(|p| same_statement(&p, &payload));
                if same
                    && verifier
                        .verify(&artifact(&subject.digest)?, &bundle, &policy)
                        .is_ok()
                {
                    outcome.already_attached = true;
                    outcome.bundle = Some(bundle_json);
                    return Ok(outcome);
                }
            }
            let signed = keyless_signer
                .sign(token, &SignInput::InTotoStatement(payload.clone()))
                .await
                .map_err(AttachError::Keyless)?;
            outcome.signer = signed.verified.signer.to_string();
            // The referrer: the bundle as a blob, an artifact manifest naming the image.
            let bundle_bytes = signed.json.clone().into_bytes();
            let bundle_desc = Descriptor::new(
                BUNDLE_V03_MEDIA_TYPE,
                Digest::sha256_of(&bundle_bytes),
                bundle_bytes.len() as u64,
            );
            client.push_blob(image, bundle_bytes).await?;
            client
                .push_blob(image, oci::OCI_EMPTY_BLOB.to_vec())
                .await?;
            let manifest = oci::bundle_referrer_manifest(
                &bundle_desc,
                subject,
                &predicate_type,
                &now_rfc3339(),
            );
            // The index entry carries the manifest's artifact type and annotations,
            // as the referrers API would list them.
            let annotations = serde_json::from_slice::<ImageManifest>(&manifest)
                .ok()
                .and_then(|m| m.annotations);
            let manifest_digest = client
                .push_referrer(image, manifest, BUNDLE_V03_MEDIA_TYPE, annotations)
                .await?;
            // cosign's tag-schema form of the same attestation.
            let (envelope, material) = oci::bundle_parts(&signed.json).map_err(|detail| {
                AttachError::Keyless(keyless::SignError::Other(format!(
                    "the signed bundle cannot be split into cosign's layout: {detail}"
                )))
            })?;
            let envelope = envelope.to_bytes();
            let layer = oci::attestation_layer(&envelope, &predicate_type, material.as_ref());
            append_layer(client, image, &tag, existing, layer, envelope).await?;
            outcome.referrer = Some(manifest_digest);
            outcome.bundle = Some(signed.json);
        }
    }
    Ok(outcome)
}

/// Whether an attestation already stored says what `new` says, so that
/// attaching `new` would only duplicate it: the same bytes, or, for SLSA
/// provenance, the same statement except for the build's start and finish
/// times (a re-run of a release regenerates them for an unchanged build).
fn same_statement(stored: &[u8], new: &[u8]) -> bool {
    if stored == new {
        return true;
    }
    let normalize = |bytes: &[u8]| -> Option<serde_json::Value> {
        let mut v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        if v.get("predicateType")?.as_str()? != statement::SLSA_PROVENANCE_V1_PREDICATE {
            return None;
        }
        if let Some(meta) = v
            .pointer_mut("/predicate/runDetails/metadata")
            .and_then(|m| m.as_object_mut())
        {
            meta.remove("startedOn");
            meta.remove("finishedOn");
        }
        Some(v)
    };
    match (normalize(stored), normalize(new)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn artifact(digest: &Digest) -> Result<ArtifactInput, StatementError> {
    let bytes = hex::decode(digest.hex())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| {
            StatementError(format!("{digest}: only sha256 image digests are supported"))
        })?;
    Ok(ArtifactInput::Sha256(bytes))
}

/// The layers of the existing `.att` image (empty when there is none).
async fn existing_layers(
    client: &RegistryClient,
    image: &ImageReference,
    tag: &ImageReference,
) -> Result<Vec<Descriptor>, AttachError> {
    match client
        .cosign_manifest(image, ATTESTATION_TAG_SUFFIX)
        .await?
    {
        None => Ok(Vec::new()),
        Some((bytes, _)) => crate::signing::cosign::parse_signature_manifest(&bytes)
            .map(|m| m.layers)
            .map_err(|detail| AttachError::ExistingAttestations {
                tag: tag.to_string(),
                detail,
            }),
    }
}

fn same_type<'a>(
    layers: &'a [Descriptor],
    predicate_type: &'a str,
) -> impl Iterator<Item = &'a Descriptor> + 'a {
    layers.iter().filter(move |l| {
        l.media_type == DSSE_LAYER_MEDIA_TYPE
            && l.annotation(PREDICATE_TYPE_ANNOTATION) == Some(predicate_type)
    })
}

async fn append_layer(
    client: &RegistryClient,
    image: &ImageReference,
    tag: &ImageReference,
    mut layers: Vec<Descriptor>,
    layer: Descriptor,
    blob: Vec<u8>,
) -> Result<(), AttachError> {
    layers.push(layer);
    let m = crate::signing::cosign::signature_manifest(&layers);
    client.push_blob(image, blob).await?;
    client.push_blob(image, m.config).await?;
    client
        .push_manifest(tag, m.manifest, MEDIA_TYPE_OCI_MANIFEST)
        .await?;
    Ok(())
}

/// The bundle referrers of the pinned `image` whose predicate-type annotation is
/// `predicate_type` (all when `None`): their manifest digest and bundle JSON.
async fn bundle_referrers(
    client: &RegistryClient,
    image: &ImageReference,
    predicate_type: Option<&str>,
) -> Result<Vec<(Digest, String)>, RegistryError> {
    let mut out = Vec::new();
    let index = match client.referrers(image, Some(BUNDLE_V03_MEDIA_TYPE)).await {
        Ok(i) => i,
        Err(e) => {
            tracing::debug!("referrers of {image}: {e}");
            return Ok(out);
        }
    };
    for d in index.manifests {
        if let (Some(want), Some(have)) = (
            predicate_type,
            d.annotation(BUNDLE_PREDICATE_TYPE_ANNOTATION),
        ) {
            if want != have {
                continue;
            }
        }
        let (bytes, _, _) = client
            .fetch_manifest(&image.with_digest(d.digest.clone()))
            .await?;
        let Ok(m) = crate::signing::cosign::parse_signature_manifest(&bytes) else {
            continue;
        };
        for layer in &m.layers {
            if layer.media_type != BUNDLE_V03_MEDIA_TYPE {
                continue;
            }
            let Ok(blob) = client.fetch_blob(image, layer, MAX_ATTESTATION_SIZE).await else {
                continue;
            };
            if let Ok(text) = String::from_utf8(blob) {
                out.push((d.digest.clone(), text));
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Verification

/// Which attestations [`verify`] returns.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Only attestations of this predicate type (others are neither returned nor
    /// an error; when none of this type verifies, verification fails).
    pub predicate_type: Option<PredicateType>,
    /// Types of which at least one verified attestation must exist (admission policy).
    pub require: Vec<PredicateType>,
}

/// Where an attestation was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Storage {
    /// A layer of cosign's `sha256-<hex>.att` image.
    CosignTag,
    /// A Sigstore bundle v0.3 referrer.
    BundleReferrer,
    /// A DSSE layer of an in-toto referrer (cosign's OCI 1.1 experimental mode).
    IntotoReferrer,
}

impl fmt::Display for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Storage::CosignTag => ".att tag",
            Storage::BundleReferrer => "bundle referrer",
            Storage::IntotoReferrer => "in-toto referrer",
        })
    }
}

/// Why one attestation was refused. One variant per reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The blob the registry served does not match its descriptor.
    #[error("{storage} {blob}: content tampered: {detail}")]
    Tampered {
        /// Where it was stored.
        storage: Storage,
        /// The blob digest.
        blob: Digest,
        /// The mismatch.
        detail: String,
    },
    /// Not a DSSE envelope, a bundle, or an in-toto statement.
    #[error("{storage} {blob}: malformed: {detail}")]
    Malformed {
        /// Where it was stored.
        storage: Storage,
        /// The blob digest.
        blob: Digest,
        /// What is wrong.
        detail: String,
    },
    /// The envelope carries no signature.
    #[error("{storage} {blob}: the attestation is not signed")]
    Unsigned {
        /// Where it was stored.
        storage: Storage,
        /// The blob digest.
        blob: Digest,
    },
    /// No signature verifies with the key.
    #[error("{storage} {blob}: signature does not verify with the key (wrong key, or the envelope was altered)")]
    SignatureInvalid {
        /// Where it was stored.
        storage: Storage,
        /// The blob digest.
        blob: Digest,
    },
    /// Keyless verification was asked for; the attestation was signed with a key.
    #[error("{storage} {blob}: signed with a key, not a certificate (verify it with --key)")]
    NoCertificate {
        /// Where it was stored.
        storage: Storage,
        /// The blob digest.
        blob: Digest,
    },
    /// Key verification was asked for; the attestation was signed keylessly.
    #[error("{storage} {blob}: signed keylessly with a certificate, not with a key (verify it with --certificate-identity and --certificate-oidc-issuer)")]
    CertificateNotKey {
        /// Where it was stored.
        storage: Storage,
        /// The blob digest.
        blob: Digest,
    },
    /// The certificate's identity or issuer is not the required one.
    #[error("{storage} {blob}: signed by another identity: {detail}")]
    IdentityMismatch {
        /// Where it was stored.
        storage: Storage,
        /// The blob digest.
        blob: Digest,
        /// The bundle verifier's explanation.
        detail: String,
    },
    /// The bundle does not verify (chain, log, signature, ...).
    #[error("{storage} {blob}: bundle verification failed: {detail}")]
    Bundle {
        /// Where it was stored.
        storage: Storage,
        /// The blob digest.
        blob: Digest,
        /// The bundle verifier's explanation.
        detail: String,
    },
    /// The envelope's payload type is not in-toto.
    #[error(
        "{storage} {blob}: payload type {found:?} is not {}",
        statement::PAYLOAD_TYPE
    )]
    PayloadType {
        /// Where it was stored.
        storage: Storage,
        /// The blob digest.
        blob: Digest,
        /// The payload type found.
        found: String,
    },
    /// The statement is about other artifacts.
    #[error("{storage} {blob}: attestation is for another image: its subjects are {}, the image is {image}", subjects.join(", "))]
    SubjectMismatch {
        /// Where it was stored.
        storage: Storage,
        /// The blob digest.
        blob: Digest,
        /// The statement's subject digests.
        subjects: Vec<String>,
        /// The image digest.
        image: Digest,
    },
    /// The storage annotation names another predicate type than the signed statement.
    #[error("{storage} {blob}: annotated as {annotated} but the signed statement is {signed}")]
    PredicateTypeMismatch {
        /// Where it was stored.
        storage: Storage,
        /// The blob digest.
        blob: Digest,
        /// Predicate type in the annotation.
        annotated: String,
        /// Predicate type in the statement.
        signed: String,
    },
}

/// Why verification failed. Every variant but `Registry` is a verification failure
/// (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The registry served a manifest that does not match the image digest.
    #[error("{image}: the registry served a manifest that does not match the digest: {detail}")]
    ManifestMismatch {
        /// The image.
        image: String,
        /// The mismatch.
        detail: String,
    },
    /// The image has no attestation at all.
    #[error("{image}: no attestations found (no {tag} manifest, no attestation referrers)")]
    NoAttestations {
        /// The image, pinned.
        image: String,
        /// The `.att` tag looked at.
        tag: String,
    },
    /// Attestations exist; none is acceptable.
    #[error("{image}: no valid attestation{}: {}", wanted.as_ref().map(|w| format!(" of type {w}")).unwrap_or_default(), render_rejections(.rejections))]
    Rejected {
        /// The image, pinned.
        image: String,
        /// The requested predicate type, if any.
        wanted: Option<String>,
        /// Why each candidate was refused.
        rejections: Vec<Rejection>,
    },
    /// Attestations verify, but none of the requested type exists.
    #[error("{image}: no attestation of type {wanted}; the image has {}", if found.is_empty() { "none of any other type".to_string() } else { found.join(", ") })]
    WrongType {
        /// The image, pinned.
        image: String,
        /// The requested predicate type.
        wanted: String,
        /// Predicate types present (verified or annotated).
        found: Vec<String>,
    },
    /// Required attestation types are missing (admission policy).
    #[error("{image}: policy requires verified attestations of type {}; missing: {}", required.join(", "), missing.join(", "))]
    MissingTypes {
        /// The image, pinned.
        image: String,
        /// Every required type.
        required: Vec<String>,
        /// Those without a verified attestation.
        missing: Vec<String>,
        /// Why candidates were refused, for the explanation.
        rejections: Vec<Rejection>,
    },
    /// The registry failed.
    #[error(transparent)]
    Registry(#[from] RegistryError),
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

fn render_rejections(r: &[Rejection]) -> String {
    match r {
        [] => "nothing to check".into(),
        [one] => one.to_string(),
        many => format!(
            "{} attestations checked: {}",
            many.len(),
            many.iter()
                .enumerate()
                .map(|(i, x)| format!("{}) {x}", i + 1))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

/// One accepted attestation.
#[derive(Debug, Clone)]
pub struct VerifiedAttestation {
    /// The verified statement.
    pub statement: Statement,
    /// Its bytes, as signed.
    pub statement_bytes: Vec<u8>,
    /// Who signed it.
    pub signer: String,
    /// The certificate identity and issuer, when signed keylessly.
    pub certificate: Option<(String, String)>,
    /// Where it was read from.
    pub storage: Storage,
    /// Digest of the blob it was read from (envelope or bundle).
    pub blob: Digest,
}

/// A successful verification.
#[derive(Debug, Clone)]
pub struct Verification {
    /// The image, pinned to the verified digest.
    pub image: ImageReference,
    /// Accepted attestations (of the requested type, when one was given).
    pub attestations: Vec<VerifiedAttestation>,
    /// Attestations present but refused.
    pub rejected: Vec<Rejection>,
}

/// One stored attestation, before verification.
struct Candidate {
    storage: Storage,
    layer: Descriptor,
    annotated_type: Option<String>,
    is_bundle: bool,
}

/// Verify `image`'s attestations under `policy`. See the module documentation.
pub async fn verify(
    client: &RegistryClient,
    image: &ImageReference,
    policy: &ImagePolicy,
    options: &VerifyOptions,
) -> Result<Verification, VerifyError> {
    let (pinned, subject) = match client.pin(image).await {
        Ok(p) => p,
        Err(RegistryError::Verify(e @ DigestVerifyError::Mismatch { .. })) => {
            return Err(VerifyError::ManifestMismatch {
                image: image.to_string(),
                detail: e.to_string(),
            })
        }
        Err(e) => return Err(e.into()),
    };
    let digest = subject.digest.clone();
    let tag = cosign_tag(&pinned, ATTESTATION_TAG_SUFFIX)?;
    let candidates = candidates(client, &pinned).await?;
    if candidates.is_empty() {
        return Err(VerifyError::NoAttestations {
            image: pinned.to_string(),
            tag: tag.to_string(),
        });
    }
    let wanted = options.predicate_type.as_ref().map(|p| p.uri().to_string());
    // Types neither wanted nor required are skipped before their (possibly large)
    // blob is read.
    let mut other_types = Vec::new();
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    let required: Vec<&str> = options.require.iter().map(PredicateType::uri).collect();
    // cosign v3's image signatures are in-toto statements in bundle referrers
    // too; they are signatures, not attestations, unless asked for by type.
    let signature_type = crate::signing::image::SIGN_PREDICATE_TYPE;
    let is_signature = |t: &str| t == signature_type && wanted.as_deref() != Some(signature_type);
    for c in candidates {
        if c.annotated_type.as_deref().is_some_and(is_signature) {
            continue;
        }
        if let (Some(w), Some(a)) = (&wanted, &c.annotated_type) {
            if w != a && !required.contains(&a.as_str()) {
                other_types.push(a.clone());
                continue;
            }
        }
        match check(client, &pinned, &digest, &c, policy).await? {
            // A keyless attestation is stored twice (referrer and `.att`): report it once.
            Ok(v) if is_signature(&v.statement.predicate_type) => {}
            Ok(v) => {
                if !accepted
                    .iter()
                    .any(|a: &VerifiedAttestation| a.statement_bytes == v.statement_bytes)
                {
                    accepted.push(v)
                }
            }
            Err(r) => {
                tracing::debug!("{pinned}: {r}");
                rejected.push(r)
            }
        }
    }
    let mut found_types: Vec<String> = accepted
        .iter()
        .map(|a| a.statement.predicate_type.clone())
        .chain(other_types)
        .collect();
    found_types.sort();
    found_types.dedup();
    let all_verified: Vec<String> = accepted
        .iter()
        .map(|a| a.statement.predicate_type.clone())
        .collect();
    if let Some(w) = &wanted {
        accepted.retain(|a| &a.statement.predicate_type == w);
    }
    if accepted.is_empty() {
        // Refusals explain more than "none of that type": they come first.
        if let Some(w) = &wanted {
            if rejected.is_empty() {
                return Err(VerifyError::WrongType {
                    image: pinned.to_string(),
                    wanted: w.clone(),
                    found: found_types,
                });
            }
        }
        return Err(VerifyError::Rejected {
            image: pinned.to_string(),
            wanted,
            rejections: rejected,
        });
    }
    let missing: Vec<String> = options
        .require
        .iter()
        .map(|t| t.uri().to_string())
        .filter(|t| !all_verified.contains(t))
        .collect();
    if !missing.is_empty() {
        return Err(VerifyError::MissingTypes {
            image: pinned.to_string(),
            required: options
                .require
                .iter()
                .map(|t| t.uri().to_string())
                .collect(),
            missing,
            rejections: rejected,
        });
    }
    Ok(Verification {
        image: pinned,
        attestations: accepted,
        rejected,
    })
}

/// Every stored attestation of the pinned image: `.att` layers, bundle referrers,
/// in-toto referrers.
async fn candidates(
    client: &RegistryClient,
    image: &ImageReference,
) -> Result<Vec<Candidate>, VerifyError> {
    let mut out = Vec::new();
    if let Some((bytes, _)) = client
        .cosign_manifest(image, ATTESTATION_TAG_SUFFIX)
        .await?
    {
        let m = crate::signing::cosign::parse_signature_manifest(&bytes).map_err(|detail| {
            RegistryError::Malformed {
                registry: image.registry.clone(),
                what: "attestation manifest".into(),
                detail,
            }
        })?;
        out.extend(
            m.layers
                .into_iter()
                .filter(|l| l.media_type == DSSE_LAYER_MEDIA_TYPE)
                .map(|l| Candidate {
                    storage: Storage::CosignTag,
                    annotated_type: l.annotation(PREDICATE_TYPE_ANNOTATION).map(str::to_string),
                    layer: l,
                    is_bundle: false,
                }),
        );
    }
    let index = match client.referrers(image, None).await {
        Ok(i) => i,
        // Listing referrers only adds candidates; a registry that cannot list them
        // leaves the `.att` image as the only source.
        Err(e) => {
            tracing::debug!("referrers of {image}: {e}");
            return Ok(out);
        }
    };
    for d in index.manifests {
        let storage = match d.artifact_type.as_deref() {
            Some(BUNDLE_V03_MEDIA_TYPE) => Storage::BundleReferrer,
            Some(INTOTO_ARTIFACT_TYPE) => Storage::IntotoReferrer,
            _ => continue,
        };
        let (bytes, _, _) = client
            .fetch_manifest(&image.with_digest(d.digest.clone()))
            .await?;
        let Ok(m): Result<ImageManifest, _> =
            crate::signing::cosign::parse_signature_manifest(&bytes)
        else {
            continue;
        };
        if m.subject.as_ref().map(|s| &s.digest) != image.digest.as_ref() {
            continue;
        }
        let manifest_type = m
            .annotations
            .as_ref()
            .and_then(|a| a.get(BUNDLE_PREDICATE_TYPE_ANNOTATION))
            .cloned();
        for l in m.layers {
            let (keep, is_bundle) = match storage {
                Storage::BundleReferrer => (l.media_type == BUNDLE_V03_MEDIA_TYPE, true),
                _ => (l.media_type == DSSE_LAYER_MEDIA_TYPE, false),
            };
            if keep {
                out.push(Candidate {
                    storage,
                    annotated_type: l
                        .annotation(PREDICATE_TYPE_ANNOTATION)
                        .map(str::to_string)
                        .or_else(|| manifest_type.clone()),
                    layer: l,
                    is_bundle,
                });
            }
        }
    }
    Ok(out)
}

/// Verify one candidate; `Ok(Err(_))` is a refusal, `Err(_)` an operational failure.
async fn check(
    client: &RegistryClient,
    image: &ImageReference,
    digest: &Digest,
    c: &Candidate,
    policy: &ImagePolicy,
) -> Result<Result<VerifiedAttestation, Rejection>, VerifyError> {
    let storage = c.storage;
    let blob_digest = c.layer.digest.clone();
    let malformed = |detail: String| Rejection::Malformed {
        storage,
        blob: blob_digest.clone(),
        detail,
    };
    let blob = match client
        .fetch_blob(image, &c.layer, MAX_ATTESTATION_SIZE)
        .await
    {
        Ok(b) => b,
        Err(RegistryError::Verify(e)) => {
            return Ok(Err(Rejection::Tampered {
                storage,
                blob: blob_digest,
                detail: e.to_string(),
            }))
        }
        Err(RegistryError::Malformed { detail, .. }) => return Ok(Err(malformed(detail))),
        Err(e) => return Err(e.into()),
    };
    // The signature check yields the verified payload, the signer and the certificate.
    let verified = if c.is_bundle {
        let text = match String::from_utf8(blob) {
            Ok(t) => t,
            Err(_) => return Ok(Err(malformed("the bundle is not UTF-8".into()))),
        };
        verify_bundle(&text, digest, policy, storage, &blob_digest)
    } else {
        let envelope = match Envelope::parse(&blob) {
            Ok(e) => e,
            Err(e) => return Ok(Err(malformed(e.to_string()))),
        };
        if envelope.payload_type != statement::PAYLOAD_TYPE {
            return Ok(Err(Rejection::PayloadType {
                storage,
                blob: blob_digest,
                found: envelope.payload_type,
            }));
        }
        match policy.signer() {
            SignerPolicy::Key(_) if policy.requires_tlog() => Err(Rejection::Bundle {
                storage,
                blob: blob_digest.clone(),
                detail: "a transparency log entry is required (--key with --trusted-root), and key-signed attestations carry none".into(),
            }),
            SignerPolicy::Key(key) => {
                let keyless_layer = c
                    .layer
                    .annotation(crate::signing::cosign::CERTIFICATE_ANNOTATION)
                    .is_some();
                match envelope.verify(key) {
                    Ok(payload) => Ok((payload, format!("key {}", key.fingerprint()), None)),
                    Err(_) if keyless_layer => Err(Rejection::CertificateNotKey {
                        storage,
                        blob: blob_digest.clone(),
                    }),
                    Err(DsseError::Unsigned) => Err(Rejection::Unsigned {
                        storage,
                        blob: blob_digest.clone(),
                    }),
                    Err(DsseError::BadSignature) => Err(Rejection::SignatureInvalid {
                        storage,
                        blob: blob_digest.clone(),
                    }),
                    Err(DsseError::Malformed(d)) => Err(malformed(d)),
                }
            }
            SignerPolicy::Identity(_) => {
                if !envelope.is_signed() {
                    Err(Rejection::Unsigned {
                        storage,
                        blob: blob_digest.clone(),
                    })
                } else {
                    match (
                        c.layer.annotation(crate::signing::cosign::CERTIFICATE_ANNOTATION),
                        c.layer.annotation(crate::signing::cosign::BUNDLE_ANNOTATION),
                    ) {
                        (None, _) => Err(Rejection::NoCertificate {
                            storage,
                            blob: blob_digest.clone(),
                        }),
                        (Some(_), None) => Err(Rejection::Bundle {
                            storage,
                            blob: blob_digest.clone(),
                            detail: "the layer has a certificate but no transparency log entry (dev.sigstore.cosign/bundle)".into(),
                        }),
                        (Some(cert), Some(rekor)) => match oci::bundle_from_annotations(
                            &envelope,
                            cert,
                            c.layer.annotation(crate::signing::cosign::CHAIN_ANNOTATION),
                            rekor,
                            c.layer.annotation(oci::RFC3161_ANNOTATION),
                        ) {
                            Ok(json) => verify_bundle(&json, digest, policy, storage, &blob_digest),
                            Err(d) => Err(malformed(d)),
                        },
                    }
                }
            }
        }
    };
    let (payload, signer, certificate) = match verified {
        Ok(v) => v,
        Err(r) => return Ok(Err(r)),
    };
    let statement = match Statement::parse(&payload) {
        Ok(s) => s,
        Err(e) => return Ok(Err(malformed(e.to_string()))),
    };
    if !statement.names_digest(digest) {
        return Ok(Err(Rejection::SubjectMismatch {
            storage,
            blob: blob_digest,
            subjects: statement.subject_digests(),
            image: digest.clone(),
        }));
    }
    if let Some(a) = &c.annotated_type {
        if a != &statement.predicate_type {
            return Ok(Err(Rejection::PredicateTypeMismatch {
                storage,
                blob: blob_digest,
                annotated: a.clone(),
                signed: statement.predicate_type.clone(),
            }));
        }
    }
    Ok(Ok(VerifiedAttestation {
        statement,
        statement_bytes: payload,
        signer,
        certificate,
        storage,
        blob: blob_digest,
    }))
}

type Checked = Result<(Vec<u8>, String, Option<(String, String)>), Rejection>;

/// Verify a bundle's DSSE envelope under `policy`; its payload and signer.
fn verify_bundle(
    json: &str,
    digest: &Digest,
    policy: &ImagePolicy,
    storage: Storage,
    blob: &Digest,
) -> Checked {
    let malformed = |detail: String| Rejection::Malformed {
        storage,
        blob: blob.clone(),
        detail,
    };
    if let SignerPolicy::Key(_) = policy.signer() {
        return Err(Rejection::CertificateNotKey {
            storage,
            blob: blob.clone(),
        });
    }
    let bundle = Bundle::from_json(json).map_err(|e| malformed(e.to_string()))?;
    let (envelope, _) = oci::bundle_parts(json).map_err(malformed)?;
    if envelope.payload_type != statement::PAYLOAD_TYPE {
        return Err(Rejection::PayloadType {
            storage,
            blob: blob.clone(),
            found: envelope.payload_type,
        });
    }
    if !envelope.is_signed() {
        return Err(Rejection::Unsigned {
            storage,
            blob: blob.clone(),
        });
    }
    let payload = envelope
        .payload_bytes()
        .map_err(|e| malformed(e.to_string()))?;
    // The bundle verifier checks that the statement names the artifact; report a
    // statement about another digest as such rather than as a bundle failure.
    if let Ok(s) = Statement::parse(&payload) {
        if !s.names_digest(digest) {
            return Err(Rejection::SubjectMismatch {
                storage,
                blob: blob.clone(),
                subjects: s.subject_digests(),
                image: digest.clone(),
            });
        }
    }
    let artifact = artifact(digest).map_err(|e| malformed(e.to_string()))?;
    match policy.verify_bundle(&artifact, &bundle) {
        Ok(v) => {
            let cert = match &v.signer {
                crate::signing::bundle::Signer::Certificate { identity, issuer } => {
                    Some((identity.clone(), issuer.clone()))
                }
                _ => None,
            };
            Ok((payload, v.signer.to_string(), cert))
        }
        Err(e @ (BundleError::IdentityMismatch { .. } | BundleError::IssuerMismatch { .. })) => {
            Err(Rejection::IdentityMismatch {
                storage,
                blob: blob.clone(),
                detail: e.to_string(),
            })
        }
        Err(BundleError::KeyRequired { .. }) => Err(Rejection::NoCertificate {
            storage,
            blob: blob.clone(),
        }),
        Err(e) => Err(Rejection::Bundle {
            storage,
            blob: blob.clone(),
            detail: e.to_string(),
        }),
    }
}

// ---------------------------------------------------------------------------
// SBOM predicates

/// Why a document is not an SBOM predicate of the requested format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PredicateError(pub String);

/// The predicate type of an SBOM format: CycloneDX JSON → [`PredicateType::CycloneDx`],
/// SPDX JSON → [`PredicateType::Spdx`]. Other formats cannot be attested (the
/// predicate must be JSON).
pub fn sbom_predicate_type(format: SbomFormat) -> Result<PredicateType, PredicateError> {
    match format {
        SbomFormat::CycloneDxJson => Ok(PredicateType::CycloneDx),
        SbomFormat::SpdxJson => Ok(PredicateType::Spdx),
        other => Err(PredicateError(format!(
            "{} cannot be attested: attestation predicates are JSON (use cyclonedx-json or spdx-json)",
            other.as_str()
        ))),
    }
}

/// Build the predicate of an SBOM attestation from the document's bytes: the
/// document itself, checked to be JSON of the stated format (CycloneDX:
/// `bomFormat: CycloneDX`; SPDX: `spdxVersion: SPDX-...`). Returns the predicate
/// type and the predicate.
pub fn sbom_predicate(
    document: &[u8],
    format: SbomFormat,
) -> Result<(PredicateType, serde_json::Value), PredicateError> {
    let predicate_type = sbom_predicate_type(format)?;
    let value: serde_json::Value = serde_json::from_slice(document)
        .map_err(|e| PredicateError(format!("the SBOM is not JSON: {e}")))?;
    let ok = match predicate_type {
        PredicateType::CycloneDx => {
            value.get("bomFormat").and_then(|v| v.as_str()) == Some("CycloneDX")
        }
        _ => value
            .get("spdxVersion")
            .and_then(|v| v.as_str())
            .is_some_and(|v| v.starts_with("SPDX-")),
    };
    if !ok {
        return Err(PredicateError(format!(
            "the SBOM is not a {} JSON document",
            match predicate_type {
                PredicateType::CycloneDx => "CycloneDX (no \"bomFormat\": \"CycloneDX\")",
                _ => "SPDX (no \"spdxVersion\": \"SPDX-...\")",
            }
        )));
    }
    Ok((predicate_type, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provenance_differing_only_in_build_times_is_the_same_statement() {
        let prov = |started: &str, builder: &str| {
            serde_json::to_vec(&serde_json::json!({
                "_type": "https://in-toto.io/Statement/v1",
                "subject": [{"name": "r/app", "digest": {"sha256": "ab"}}],
                "predicateType": statement::SLSA_PROVENANCE_V1_PREDICATE,
                "predicate": {"buildDefinition": {"buildType": "t"}, "runDetails": {
                    "builder": {"id": builder},
                    "metadata": {"startedOn": started, "finishedOn": started}}},
            }))
            .unwrap()
        };
        let a = prov("2026-01-01T00:00:00Z", "https://ci.example/b");
        assert!(same_statement(&a, &a));
        assert!(same_statement(
            &a,
            &prov("2026-02-02T00:00:00Z", "https://ci.example/b")
        ));
        assert!(!same_statement(
            &a,
            &prov("2026-01-01T00:00:00Z", "https://ci.example/other")
        ));
        // Other predicates compare byte for byte.
        let sbom = |serial: &str| {
            serde_json::to_vec(&serde_json::json!({
                "predicateType": statement::CYCLONEDX_PREDICATE,
                "predicate": {"serialNumber": serial}}))
            .unwrap()
        };
        assert!(!same_statement(&sbom("urn:a"), &sbom("urn:b")));
    }

    #[test]
    fn sbom_predicates_check_the_format() {
        let cdx = br#"{"bomFormat":"CycloneDX","specVersion":"1.6"}"#;
        let spdx = br#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT"}"#;
        let (t, v) = sbom_predicate(cdx, SbomFormat::CycloneDxJson).unwrap();
        assert_eq!(t, PredicateType::CycloneDx);
        assert_eq!(v["specVersion"], "1.6");
        assert_eq!(
            sbom_predicate(spdx, SbomFormat::SpdxJson).unwrap().0.uri(),
            statement::SPDX_PREDICATE
        );
        assert!(sbom_predicate(spdx, SbomFormat::CycloneDxJson).is_err());
        assert!(sbom_predicate(cdx, SbomFormat::SpdxJson).is_err());
        assert!(sbom_predicate(b"<bom/>", SbomFormat::CycloneDxJson).is_err());
        assert!(sbom_predicate(cdx, SbomFormat::CycloneDxXml).is_err());
    }
}
