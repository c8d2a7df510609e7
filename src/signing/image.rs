//! Signing and verifying registry images, key-based and keyless, in the forms
//! cosign writes and reads. One mechanism for both kinds of signer:
//!
//! - [`ImageSigner`] is built from options (a key, optionally with a Rekor log;
//!   or an OIDC token with Fulcio/Rekor services and the deployment's trusted
//!   root) and [`sign`] uses it;
//! - [`ImagePolicy`] is built from options (a key, or identity and issuer
//!   matchers, plus a trusted root) and [`verify`] checks an image against it.
//!   [`ImagePolicy::verify_bundle`] applies the same policy to any Sigstore
//!   bundle (DSSE attestations, for instance).
//!
//! What [`sign`] writes (the image is always pinned to the digest of the
//! manifest bytes the registry serves; a tag is never signed):
//!
//! - the `.sig` image (`<repo>:sha256-<hex>.sig`): one layer per signature whose
//!   blob is cosign's simple-signing payload, with the annotations
//!   `dev.cosignproject.cosign/signature` and, with a transparency log entry,
//!   `dev.sigstore.cosign/bundle` (cosign's legacy Rekor bundle); keyless also
//!   `dev.sigstore.cosign/certificate` (leaf PEM) and `dev.sigstore.cosign/chain`
//!   (the rest of Fulcio's chain, PEM). Signatures already there are kept.
//! - keyless, the cosign v3 form too: a Sigstore bundle v0.3 whose DSSE envelope
//!   holds an in-toto statement (predicate type `https://sigstore.dev/cosign/sign/v1`,
//!   subject: the image digest), stored as an OCI 1.1 referrer of the image
//!   (artifactType `application/vnd.dev.sigstore.bundle.v0.3+json`, empty config,
//!   one layer, the annotations cosign sets), listed in the referrers tag schema
//!   index for registries without the referrers API. Both forms are signed with
//!   one Fulcio certificate.
//!
//! What [`verify`] accepts: at least one signature, from the `.sig` image or
//! (when that yields none) from the image's referrers (cosign signature
//! manifests and Sigstore bundles), that passes every check of the policy:
//! the signature over the payload; for keyless (and for a key when a trusted
//! root is given) the transparency log entry (SET, inclusion proof when present)
//! and, keyless, the certificate chain to a Fulcio root valid at the signing
//! time, the SCT and the identity and issuer; then the signed claims: the
//! payload names exactly this digest (and, for simple-signing payloads, this
//! repository and the required annotations). Every other signature is reported
//! with its own reason ([`Rejection`]).

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;

use super::bundle::{
    ArtifactInput, Bundle, BundleError, BundleVerifier, IdentityPolicy, Matcher, VerifiedBundle,
};
use super::cosign::{
    self, SimpleSigning, BUNDLE_ANNOTATION, CERTIFICATE_ANNOTATION, CHAIN_ANNOTATION,
    SIGNATURE_ANNOTATION, SIGNATURE_ARTIFACT_TYPE, SIMPLESIGNING_MEDIA_TYPE,
};
use super::cosign_bundle::{layer_bundle, LayerMaterial, RekorBundle};
use super::keyless::{self, IdentityToken, KeylessSigner, SignInput, SigningServices};
use super::keys::{KeyError, Password, PublicKey, SigningKey};
use super::trust::TrustedRoot;
use super::{SignOptions, SignResult, VerifyOptions, VerifyResult};
use crate::digest::{Digest, VerifyError as DigestVerifyError};
use crate::error::ErrorKind;
use crate::reference::ImageReference;
use crate::registry::{cosign_tag, RegistryClient, RegistryError};
use crate::source::model::{Descriptor, ImageManifest, MEDIA_TYPE_OCI_MANIFEST};

/// Largest signature payload read (cosign payloads are a few hundred bytes).
pub const MAX_PAYLOAD_SIZE: u64 = 1024 * 1024;
/// Largest Sigstore bundle read from a referrer.
pub const MAX_BUNDLE_SIZE: u64 = 4 * 1024 * 1024;
/// `artifactType` (and layer media type) of a Sigstore bundle v0.3 referrer.
pub const BUNDLE_ARTIFACT_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// Predicate type of cosign v3's image signature statement.
pub const SIGN_PREDICATE_TYPE: &str = "https://sigstore.dev/cosign/sign/v1";
/// Media type (and content `{}`) of the OCI empty descriptor.
pub const EMPTY_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
/// Referrer annotation: what the bundle holds (`message-signature`, `dsse-envelope`).
pub const BUNDLE_CONTENT_ANNOTATION: &str = "dev.sigstore.bundle.content";
/// Referrer annotation: the predicate type of a DSSE bundle's statement.
pub const BUNDLE_PREDICATE_ANNOTATION: &str = "dev.sigstore.bundle.predicateType";
/// OCI annotation: creation time (RFC 3339).
pub const CREATED_ANNOTATION: &str = "org.opencontainers.image.created";

const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

// ---------------------------------------------------------------- signers

/// A Rekor v1 log that key-based signatures are entered in.
#[derive(Debug)]
pub struct RekorLog {
    url: String,
    http: reqwest::Client,
    verifier: Option<BundleVerifier>,
}

impl RekorLog {
    /// The log at `url`. With `trusted_root`, each new entry is verified (SET,
    /// log key) before the signature is pushed.
    pub fn new(
        url: impl Into<String>,
        trusted_root: Option<&TrustedRoot>,
    ) -> Result<Self, SignError> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .user_agent(concat!("sc/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SignError::Config(format!("HTTP client: {e}")))?;
        let verifier = trusted_root
            .map(BundleVerifier::new)
            .transpose()
            .map_err(|e| SignError::Config(format!("trusted root: {e}")))?;
        Ok(RekorLog {
            url: url.into(),
            http,
            verifier,
        })
    }
}

/// Who signs: a key (optionally logged in Rekor), or keylessly an OIDC
/// identity through Fulcio and Rekor. Build it with [`ImageSigner::key`],
/// [`ImageSigner::key_file`] or [`ImageSigner::keyless`].
#[derive(Debug)]
pub enum ImageSigner {
    /// A cosign key pair's private key.
    Key {
        /// The key.
        key: SigningKey,
        /// Where signatures are logged; `None` for air-gapped signing.
        rekor: Option<RekorLog>,
    },
    /// Keyless: an ephemeral key certified by Fulcio for the token's identity.
    Keyless {
        /// The signer (services, trusted root for the self-check).
        signer: KeylessSigner,
        /// The identity token (never logged).
        token: IdentityToken,
    },
}

impl ImageSigner {
    /// Sign with `key`; entered in `rekor` when given.
    pub fn key(key: SigningKey, rekor: Option<RekorLog>) -> Self {
        ImageSigner::Key { key, rekor }
    }

    /// Sign with a cosign key file (the password is asked for through
    /// `password` only when the key is encrypted).
    pub fn key_file(
        path: &Path,
        password: impl FnOnce() -> Result<Password, KeyError>,
        rekor: Option<RekorLog>,
    ) -> Result<Self, KeyError> {
        Ok(Self::key(SigningKey::from_file(path, password)?, rekor))
    }

    /// Sign keylessly for `token` with `services`; every signature must verify
    /// against `trusted_root` before it is pushed.
    pub fn keyless(
        token: IdentityToken,
        services: SigningServices,
        trusted_root: &TrustedRoot,
    ) -> Result<Self, SignError> {
        Ok(ImageSigner::Keyless {
            signer: KeylessSigner::new(services, trusted_root)?,
            token,
        })
    }

    /// Who signs, for messages: the key's fingerprint, or the token's identity
    /// and issuer (never the token itself).
    pub fn describe(&self) -> String {
        match self {
            ImageSigner::Key { key, .. } => format!("key {}", key.public_key().fingerprint()),
            ImageSigner::Keyless { token, .. } => {
                format!("{} (issuer {})", token.identity(), token.issuer())
            }
        }
    }
}

/// Why signing failed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// Transparency-log upload was asked for without a log to upload to.
    #[error("uploading the signature to a transparency log (Rekor) needs a log: give --rekor-url or a --signing-config naming one; nothing was signed. Sign without a log entry with --tlog-upload=false (air-gapped signing; verifiers must then not require a log entry)")]
    TlogUnavailable,
    /// The signer's configuration cannot work.
    #[error("signing configuration: {0}")]
    Config(String),
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
    /// Keyless signing (token, Fulcio, Rekor, self-check) failed.
    #[error(transparent)]
    Keyless(#[from] keyless::SignError),
    /// The log entry for a key-based signature does not verify against the trusted root.
    #[error("the transparency log entry does not verify against the trusted root: {0}")]
    LogEntry(#[source] BundleError),
    /// The registry failed.
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

impl SignError {
    /// Exit-code class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            SignError::TlogUnavailable | SignError::Config(_) | SignError::Reference(_) => {
                ErrorKind::InvalidConfig
            }
            SignError::Keyless(keyless::SignError::Token(_)) => ErrorKind::MissingOidc,
            SignError::Keyless(keyless::SignError::Config(_)) => ErrorKind::InvalidConfig,
            SignError::Keyless(_)
            | SignError::LogEntry(_)
            | SignError::ExistingSignatures { .. } => ErrorKind::SigningFailed,
            SignError::Registry(RegistryError::Setup(_)) => ErrorKind::InvalidConfig,
            SignError::Registry(_) => ErrorKind::Io,
        }
    }
}

/// What [`sign`] did.
#[derive(Debug, Clone)]
pub struct SignOutcome {
    /// The seeds' result: digest, base64 signature, bundle (keyless), Rekor entry, time.
    pub result: SignResult,
    /// The image, pinned to the signed digest.
    pub image: ImageReference,
    /// Where the signature image lives (`<repo>:sha256-<hex>.sig`).
    pub signature_tag: ImageReference,
    /// The signed payload bytes.
    pub payload: Vec<u8>,
    /// The `dev.sigstore.cosign/bundle` annotation written, if any.
    pub rekor_bundle: Option<RekorBundle>,
    /// The bundle referrer's manifest digest (keyless).
    pub referrer: Option<Digest>,
    /// True when the same key had already signed the same payload: nothing was pushed.
    pub already_signed: bool,
    /// Registry operations this took (round trips, retries included).
    pub registry_operations: u64,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

use crate::timefmt::now_rfc3339;

fn pem_chain(ders: &[Vec<u8>]) -> String {
    ders.iter()
        .map(|d| keyless::pem_lf("CERTIFICATE", d))
        .collect()
}

/// The in-toto statement cosign v3 signs for an image.
pub fn sign_statement(image: &ImageReference) -> Vec<u8> {
    let digest = image.digest.as_ref().map(|d| d.hex()).unwrap_or_default();
    serde_json::to_vec(&serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": cosign::docker_reference(image), "digest": {"sha256": digest}}],
        "predicateType": SIGN_PREDICATE_TYPE,
        "predicate": {},
    }))
    .expect("statement serializes")
}

/// A signature ready to push: the `.sig` layer's content and, keyless, the
/// bundle for the referrer.
struct NewSignature {
    signature: String,
    rekor: Option<RekorBundle>,
    certificate: Option<String>,
    chain: Option<String>,
    referrer_bundle: Option<String>,
    rekor_entry: Option<String>,
}

fn entry_url(rekor_url: &str, log_index: i64) -> String {
    format!(
        "{}/api/v1/log/entries?logIndex={log_index}",
        rekor_url.trim_end_matches('/')
    )
}

async fn key_signature(
    key: &SigningKey,
    rekor: Option<&RekorLog>,
    payload: &[u8],
) -> Result<NewSignature, SignError> {
    use sha2::Digest as _;
    let sig = key.sign(payload);
    let signature = b64(&sig);
    let Some(log) = rekor else {
        return Ok(NewSignature {
            signature,
            rekor: None,
            certificate: None,
            chain: None,
            referrer_bundle: None,
            rekor_entry: None,
        });
    };
    let public = key.public_key();
    let body = serde_json::json!({
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": hex::encode(sha2::Sha256::digest(payload))}},
            "signature": {
                "content": signature,
                "publicKey": {"content": b64(public.to_pem().as_bytes())},
            },
        },
    });
    let entry = keyless::rekor_v1_upload(
        &log.http,
        &log.url,
        &body,
        sigstore_sign::types::KindVersion::HashedRekordV001,
    )
    .await?;
    let entry = serde_json::to_value(&entry)
        .map_err(|e| SignError::Config(format!("serializing the log entry: {e}")))?;
    let rekor_bundle = RekorBundle::from_tlog_entry(&entry)
        .map_err(|e| keyless::SignError::Rekor(format!("unusable log entry: {e}")))?;
    if let Some(verifier) = &log.verifier {
        let fingerprint = public.fingerprint();
        let bundle = layer_bundle(
            payload,
            &signature,
            LayerMaterial::PublicKey(&fingerprint),
            &rekor_bundle,
        )
        .map_err(SignError::LogEntry)?;
        let policy = super::bundle::VerificationPolicy::Key(bundle_key(&public)?);
        verifier
            .verify(&ArtifactInput::Bytes(payload.to_vec()), &bundle, &policy)
            .map_err(SignError::LogEntry)?;
    }
    Ok(NewSignature {
        signature,
        rekor_entry: Some(entry_url(&log.url, rekor_bundle.payload.log_index)),
        rekor: Some(rekor_bundle),
        certificate: None,
        chain: None,
        referrer_bundle: None,
    })
}

fn bundle_key(key: &PublicKey) -> Result<super::bundle::PublicKey, SignError> {
    super::bundle::PublicKey::from_pem(&key.to_pem())
        .map_err(|e| SignError::Config(format!("public key: {e}")))
}

async fn keyless_signature(
    signer: &KeylessSigner,
    token: &IdentityToken,
    pinned: &ImageReference,
    payload: &[u8],
) -> Result<NewSignature, SignError> {
    let signed = signer
        .sign_all(
            token,
            &[
                SignInput::Artifact(ArtifactInput::Bytes(payload.to_vec())),
                SignInput::InTotoStatement(sign_statement(pinned)),
            ],
        )
        .await?;
    let [message, statement] = <[_; 2]>::try_from(signed)
        .map_err(|_| keyless::SignError::Other("expected two bundles".into()))?;
    let v: serde_json::Value = serde_json::from_str(&message.json)
        .map_err(|e| keyless::SignError::Other(format!("re-reading the bundle: {e}")))?;
    let signature = v["messageSignature"]["signature"]
        .as_str()
        .ok_or_else(|| keyless::SignError::Other("the bundle has no signature".into()))?
        .to_string();
    let rekor = RekorBundle::from_bundle_json(&message.json)
        .map_err(|e| keyless::SignError::Rekor(format!("the log entry has no SET: {e}")))?;
    let (leaf, rest) = message
        .chain
        .split_first()
        .ok_or_else(|| keyless::SignError::Fulcio("no certificate returned".into()))?;
    Ok(NewSignature {
        signature,
        rekor_entry: Some(entry_url(
            &signer.services().rekor_url,
            rekor.payload.log_index,
        )),
        rekor: Some(rekor),
        certificate: Some(keyless::pem_lf("CERTIFICATE", leaf)),
        chain: Some(pem_chain(rest)),
        referrer_bundle: Some(statement.json),
    })
}

fn signature_layer(payload: &[u8], s: &NewSignature) -> Descriptor {
    let rekor = s.rekor.as_ref().map(RekorBundle::to_json);
    let mut layer = cosign::signature_layer(payload, &s.signature, rekor.as_deref());
    let annotations = layer.annotations.get_or_insert_with(BTreeMap::new);
    if let Some(c) = &s.certificate {
        annotations.insert(CERTIFICATE_ANNOTATION.to_string(), c.clone());
    }
    if let Some(c) = &s.chain {
        annotations.insert(CHAIN_ANNOTATION.to_string(), c.clone());
    }
    layer
}

/// The referrer manifest for a bundle (cosign's BUNDLE_SPEC layout).
fn bundle_referrer_manifest(
    subject: Descriptor,
    bundle: &[u8],
    annotations: &BTreeMap<String, String>,
) -> Vec<u8> {
    let digest = Digest::sha256_of(bundle);
    let title = format!("{}.sigstore.json", digest.tag_form());
    serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": MEDIA_TYPE_OCI_MANIFEST,
        "artifactType": BUNDLE_ARTIFACT_TYPE,
        "config": {
            "mediaType": EMPTY_MEDIA_TYPE,
            "digest": Digest::sha256_of(b"{}").to_string(),
            "size": 2,
        },
        "layers": [{
            "mediaType": BUNDLE_ARTIFACT_TYPE,
            "digest": digest.to_string(),
            "size": bundle.len(),
            "annotations": {"org.opencontainers.image.title": title},
        }],
        "subject": {
            "mediaType": subject.media_type,
            "digest": subject.digest.to_string(),
            "size": subject.size,
        },
        "annotations": annotations,
    }))
    .expect("manifest serializes")
}

/// Sign `image` (a tag is resolved to its digest; the digest is signed) and
/// store the signature as cosign does. See the module documentation.
pub async fn sign(
    client: &RegistryClient,
    image: &ImageReference,
    signer: &ImageSigner,
    options: &SignOptions,
) -> Result<SignOutcome, SignError> {
    let start = client.operation_count();
    let (pinned, subject) = client.pin(image).await?;
    let payload = SimpleSigning::new(&pinned, &options.annotations).to_bytes();
    let tag = cosign_tag(&pinned, cosign::SIGNATURE_TAG_SUFFIX)?;
    // Read, append and push back the `.sig` manifest without a concurrent writer.
    let _update = client.lock_tag(&tag).await;

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

    // Already signed by this key with this payload (and, when logging, with a
    // log entry)? ECDSA signatures are randomized (cosign's are), so compare
    // payloads by digest and check the stored signature.
    if let ImageSigner::Key { key, rekor } = signer {
        let payload_digest = Digest::sha256_of(&payload);
        let public = key.public_key();
        let existing = layers.iter().find_map(|l| {
            if l.media_type != SIMPLESIGNING_MEDIA_TYPE || l.digest != payload_digest {
                return None;
            }
            if rekor.is_some() && l.annotation(BUNDLE_ANNOTATION).is_none() {
                return None;
            }
            let sig_b64 = l.annotation(SIGNATURE_ANNOTATION)?;
            let sig = base64::engine::general_purpose::STANDARD
                .decode(sig_b64)
                .ok()?;
            public.verify(&payload, &sig).ok()?;
            let rekor_bundle = l
                .annotation(BUNDLE_ANNOTATION)
                .and_then(|b| RekorBundle::parse(b).ok());
            // With a trusted root, an existing log entry counts only if it verifies.
            if let (
                Some(RekorLog {
                    verifier: Some(v), ..
                }),
                Some(b),
            ) = (rekor, &rekor_bundle)
            {
                let hint = public.fingerprint();
                let policy = super::bundle::VerificationPolicy::Key(bundle_key(&public).ok()?);
                let bundle =
                    layer_bundle(&payload, sig_b64, LayerMaterial::PublicKey(&hint), b).ok()?;
                v.verify(&ArtifactInput::Bytes(payload.clone()), &bundle, &policy)
                    .ok()?;
            }
            Some((sig_b64.to_string(), rekor_bundle))
        });
        if let Some((signature, rekor_bundle)) = existing {
            tracing::info!(
                "{pinned} is already signed by this key with this payload; nothing pushed"
            );
            return Ok(SignOutcome {
                result: SignResult {
                    digest: pinned
                        .digest
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    signature,
                    bundle: None,
                    rekor_entry: match (rekor, &rekor_bundle) {
                        (Some(log), Some(b)) => Some(entry_url(&log.url, b.payload.log_index)),
                        _ => None,
                    },
                    signed_at: now_rfc3339(),
                },
                image: pinned,
                signature_tag: tag,
                payload,
                rekor_bundle,
                referrer: None,
                already_signed: true,
                registry_operations: client.operation_count() - start,
            });
        }
    }

    let new = match signer {
        ImageSigner::Key { key, rekor } => key_signature(key, rekor.as_ref(), &payload).await?,
        ImageSigner::Keyless { signer, token } => {
            keyless_signature(signer, token, &pinned, &payload).await?
        }
    };

    layers.push(signature_layer(&payload, &new));
    let m = cosign::signature_manifest(&layers);
    client.push_blob(&pinned, payload.clone()).await?;
    client.push_blob(&pinned, m.config).await?;
    client
        .push_manifest(&tag, m.manifest, MEDIA_TYPE_OCI_MANIFEST)
        .await?;

    let mut referrer = None;
    if let Some(bundle) = &new.referrer_bundle {
        let mut annotations = BTreeMap::new();
        annotations.insert(
            BUNDLE_CONTENT_ANNOTATION.to_string(),
            "dsse-envelope".to_string(),
        );
        annotations.insert(
            BUNDLE_PREDICATE_ANNOTATION.to_string(),
            SIGN_PREDICATE_TYPE.to_string(),
        );
        annotations.insert(CREATED_ANNOTATION.to_string(), now_rfc3339());
        let manifest = bundle_referrer_manifest(subject, bundle.as_bytes(), &annotations);
        client.push_blob(&pinned, b"{}".to_vec()).await?;
        client
            .push_blob(&pinned, bundle.as_bytes().to_vec())
            .await?;
        referrer = Some(
            client
                .push_referrer(&pinned, manifest, BUNDLE_ARTIFACT_TYPE, Some(annotations))
                .await?,
        );
    }

    Ok(SignOutcome {
        result: SignResult {
            digest: pinned
                .digest
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            signature: new.signature.clone(),
            bundle: new.referrer_bundle.clone(),
            rekor_entry: new.rekor_entry.clone(),
            signed_at: now_rfc3339(),
        },
        image: pinned,
        signature_tag: tag,
        payload,
        rekor_bundle: new.rekor,
        referrer,
        already_signed: false,
        registry_operations: client.operation_count() - start,
    })
}

// ---------------------------------------------------------------- policies

/// Who must have signed.
#[derive(Debug, Clone)]
pub enum SignerPolicy {
    /// A signature made with this key.
    Key(PublicKey),
    /// A Fulcio certificate whose identity and OIDC issuer satisfy the policy.
    Identity(IdentityPolicy),
}

/// What an image's (or any artifact's) signatures must satisfy: the signer,
/// the trust material, and the claims. Build it once, use it for many checks.
#[derive(Debug)]
pub struct ImagePolicy {
    signer: SignerPolicy,
    verifier: Option<BundleVerifier>,
    /// Claims every accepted simple-signing payload must make.
    pub options: VerifyOptions,
}

/// Why a policy cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// Keyless verification without a trusted root.
    #[error("keyless verification needs a trusted root (trusted_root.json)")]
    TrustedRootRequired,
    /// The trusted root is unusable.
    #[error("unusable trusted root: {0}")]
    TrustedRoot(#[source] BundleError),
    /// The key cannot be used for bundle verification.
    #[error("invalid public key: {0}")]
    Key(String),
}

impl ImagePolicy {
    /// Signatures made with `key`. With `trusted_root`, each signature must also
    /// carry a transparency log entry that verifies against it (SET, log key).
    pub fn key(
        key: PublicKey,
        trusted_root: Option<&TrustedRoot>,
        options: VerifyOptions,
    ) -> Result<Self, PolicyError> {
        super::bundle::PublicKey::from_pem(&key.to_pem())
            .map_err(|e| PolicyError::Key(e.to_string()))?;
        Ok(ImagePolicy {
            signer: SignerPolicy::Key(key),
            verifier: trusted_root
                .map(BundleVerifier::new)
                .transpose()
                .map_err(PolicyError::TrustedRoot)?,
            options,
        })
    }

    /// Keyless signatures by a certificate whose identity and issuer match,
    /// chaining to a Fulcio CA of `trusted_root`, logged in one of its logs.
    pub fn identity(
        identity: Matcher,
        issuer: Matcher,
        trusted_root: &TrustedRoot,
        options: VerifyOptions,
    ) -> Result<Self, PolicyError> {
        Ok(ImagePolicy {
            signer: SignerPolicy::Identity(IdentityPolicy { identity, issuer }),
            verifier: Some(BundleVerifier::new(trusted_root).map_err(PolicyError::TrustedRoot)?),
            options,
        })
    }

    /// The signer requirement.
    pub fn signer(&self) -> &SignerPolicy {
        &self.signer
    }

    /// Whether signatures must carry a verified transparency log entry.
    pub fn requires_tlog(&self) -> bool {
        self.verifier.is_some()
    }

    /// The policy as the bundle verifier's.
    pub fn bundle_policy(&self) -> Result<super::bundle::VerificationPolicy, BundleError> {
        Ok(match &self.signer {
            SignerPolicy::Key(k) => super::bundle::VerificationPolicy::Key(
                super::bundle::PublicKey::from_pem(&k.to_pem())?,
            ),
            SignerPolicy::Identity(i) => super::bundle::VerificationPolicy::Keyless(i.clone()),
        })
    }

    /// Verify any Sigstore bundle (a DSSE attestation, a message signature) for
    /// `artifact` under this policy, offline. Needs a trusted root.
    pub fn verify_bundle(
        &self,
        artifact: &ArtifactInput,
        bundle: &Bundle,
    ) -> Result<VerifiedBundle, BundleError> {
        let verifier = self.verifier.as_ref().ok_or_else(|| {
            BundleError::TrustedRoot("no trusted root was given to verify the bundle with".into())
        })?;
        verifier.verify(artifact, bundle, &self.bundle_policy()?)
    }

    /// The required signer, for messages.
    pub fn describe(&self) -> String {
        match &self.signer {
            SignerPolicy::Key(k) => k.fingerprint(),
            SignerPolicy::Identity(i) => format!("identity {} issuer {}", i.identity, i.issuer),
        }
    }
}

// ---------------------------------------------------------------- verification

/// Why one signature was not accepted.
#[derive(Debug, thiserror::Error)]
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
    /// A keyless signature without a certificate annotation.
    #[error("layer {layer}: no signing certificate (dev.sigstore.cosign/certificate): not a keyless signature (verify it with --key)")]
    MissingCertificate {
        /// Payload layer digest.
        layer: Digest,
    },
    /// No transparency log entry where the policy requires one.
    #[error("layer {layer}: no transparency log entry (dev.sigstore.cosign/bundle), which the policy requires")]
    MissingLogEntry {
        /// Payload layer digest.
        layer: Digest,
    },
    /// The Sigstore verification of the signature failed (chain, SCT, SET,
    /// inclusion proof, identity, issuer, signature, ...).
    #[error("{what} {layer}: {error}")]
    Bundle {
        /// `layer` (a `.sig` layer) or `bundle` (a bundle referrer).
        what: &'static str,
        /// Payload layer or bundle blob digest.
        layer: Digest,
        /// The reason.
        #[source]
        error: BundleError,
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
        /// Why each signature was refused, in the order found.
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

/// Where a signature was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureSource {
    /// A layer of the `.sig` image (or of a cosign signature referrer).
    SignatureLayer,
    /// A Sigstore bundle stored as a referrer (cosign v3).
    BundleReferrer,
}

/// One accepted signature.
#[derive(Debug, Clone)]
pub struct VerifiedSignature {
    /// The signed claims, as cosign's `verify` prints them (for a bundle, the
    /// statement's subject in simple-signing form, type [`SIGN_PREDICATE_TYPE`]).
    pub payload: SimpleSigning,
    /// The bytes that were signed (payload, or in-toto statement).
    pub payload_bytes: Vec<u8>,
    /// The signature (base64, as stored).
    pub signature: String,
    /// Digest of the payload layer, or of the bundle blob.
    pub layer: Digest,
    /// The `dev.sigstore.cosign/bundle` annotation, or the bundle's JSON.
    pub bundle: Option<String>,
    /// Where it was found.
    pub source: SignatureSource,
    /// Who signed (key fingerprint, or certificate identity and issuer).
    pub signer: String,
    /// Transparency log index of the verified entry.
    pub log_index: Option<u64>,
}

/// A successful verification.
#[derive(Debug)]
pub struct Verification {
    /// The image, pinned to the verified digest.
    pub image: ImageReference,
    /// Signatures that verified (at least one).
    pub signatures: Vec<VerifiedSignature>,
    /// Signatures present but refused (another key's, another digest's, ...).
    pub rejected: Vec<Rejection>,
    /// The policy's signer: key fingerprint, or the identity requirement.
    pub key: String,
    /// Whether transparency log entries were verified.
    pub tlog_verified: bool,
    /// Registry operations this took.
    pub registry_operations: u64,
}

impl Verification {
    /// The seeds' `VerifyResult`.
    pub fn to_result(&self) -> VerifyResult {
        VerifyResult {
            valid: true,
            signer: self
                .signatures
                .first()
                .map(|s| s.signer.clone())
                .unwrap_or_else(|| self.key.clone()),
            rekor_entry: self
                .signatures
                .iter()
                .find_map(|s| s.log_index)
                .map(|i| format!("logIndex={i}")),
            error: None,
        }
    }
}

/// Verify `image`'s cosign signatures under `policy`. See the module documentation.
pub async fn verify(
    client: &RegistryClient,
    image: &ImageReference,
    policy: &ImagePolicy,
) -> Result<Verification, VerifyError> {
    let start = client.operation_count();
    let pinned = match client.pin(image).await {
        Ok((p, _)) => p,
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
    let mut found = Found::default();

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
        check_manifest(client, &pinned, &digest, &manifest, policy, &mut found).await?;
    }

    if found.accepted.is_empty() {
        // OCI 1.1 referrers: cosign signature manifests and Sigstore bundles.
        match client.referrers(&pinned, None).await {
            Ok(index) => {
                for d in index.manifests {
                    let kind = d.artifact_type.as_deref();
                    if kind != Some(SIGNATURE_ARTIFACT_TYPE) && kind != Some(BUNDLE_ARTIFACT_TYPE) {
                        continue;
                    }
                    let at = pinned.with_digest(d.digest.clone());
                    let (bytes, _, _) = match client.fetch_manifest(&at).await {
                        Ok(m) => m,
                        // A listed referrer that is gone or altered is no signature.
                        Err(RegistryError::NotFound { .. } | RegistryError::Verify(_)) => continue,
                        Err(e) => return Err(e.into()),
                    };
                    let Ok(manifest) = cosign::parse_signature_manifest(&bytes) else {
                        continue;
                    };
                    let is_bundle = manifest.artifact_type.as_deref() == Some(BUNDLE_ARTIFACT_TYPE)
                        || kind == Some(BUNDLE_ARTIFACT_TYPE);
                    if is_bundle {
                        check_bundle_referrer(
                            client, &pinned, &digest, &manifest, policy, &mut found,
                        )
                        .await?;
                    } else {
                        check_manifest(client, &pinned, &digest, &manifest, policy, &mut found)
                            .await?;
                    }
                }
            }
            // Listing referrers is a second chance, never a reason to accept: a
            // registry that cannot list them only leaves fewer signatures to check.
            Err(e) => tracing::debug!("referrers of {pinned}: {e}"),
        }
    }

    if !found.accepted.is_empty() {
        return Ok(Verification {
            image: pinned,
            signatures: found.accepted,
            rejected: found.rejected,
            key: policy.describe(),
            tlog_verified: policy.requires_tlog(),
            registry_operations: client.operation_count() - start,
        });
    }
    if !found.any {
        return Err(VerifyError::NoSignatures {
            image: pinned.to_string(),
            tag: tag.to_string(),
        });
    }
    Err(VerifyError::Rejected {
        image: pinned.to_string(),
        rejections: found.rejected,
    })
}

#[derive(Default)]
struct Found {
    any: bool,
    accepted: Vec<VerifiedSignature>,
    rejected: Vec<Rejection>,
}

impl Found {
    fn record(&mut self, image: &ImageReference, r: Result<VerifiedSignature, Rejection>) {
        self.any = true;
        match r {
            Ok(v) => self.accepted.push(v),
            Err(r) => {
                tracing::debug!("{image}: {r}");
                self.rejected.push(r)
            }
        }
    }
}

/// Check every signature layer of `manifest`.
async fn check_manifest(
    client: &RegistryClient,
    image: &ImageReference,
    digest: &Digest,
    manifest: &ImageManifest,
    policy: &ImagePolicy,
    found: &mut Found,
) -> Result<(), VerifyError> {
    for layer in &manifest.layers {
        if layer.media_type != SIMPLESIGNING_MEDIA_TYPE {
            continue;
        }
        let r = check_layer(client, image, digest, layer, policy).await?;
        found.record(image, r);
    }
    Ok(())
}

/// The DER certificates of a `.sig` layer: the leaf, then the chain without
/// self-signed roots (roots come from the trusted root, never from the registry).
fn layer_certificates(layer: &Descriptor) -> Result<Option<Vec<Vec<u8>>>, String> {
    let Some(leaf) = layer.annotation(CERTIFICATE_ANNOTATION) else {
        return Ok(None);
    };
    let mut out = pem_certificates(leaf).map_err(|e| format!("certificate annotation: {e}"))?;
    if out.is_empty() {
        return Err("the certificate annotation holds no certificate".into());
    }
    out.truncate(1);
    if let Some(chain) = layer.annotation(CHAIN_ANNOTATION) {
        for der in pem_certificates(chain).map_err(|e| format!("chain annotation: {e}"))? {
            if !is_self_signed(&der) {
                out.push(der);
            }
        }
    }
    Ok(Some(out))
}

/// The DER contents of every `CERTIFICATE` block of a PEM text.
fn pem_certificates(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut body: Option<String> = None;
    for line in text.lines().map(str::trim) {
        match (&mut body, line) {
            (None, "-----BEGIN CERTIFICATE-----") => body = Some(String::new()),
            (Some(b), "-----END CERTIFICATE-----") => {
                out.push(
                    base64::engine::general_purpose::STANDARD
                        .decode(b.as_bytes())
                        .map_err(|e| format!("PEM body is not base64: {e}"))?,
                );
                body = None;
            }
            (Some(b), l) => b.push_str(l),
            (None, _) => {}
        }
    }
    if body.is_some() {
        return Err("unterminated PEM block".into());
    }
    Ok(out)
}

fn is_self_signed(der: &[u8]) -> bool {
    use x509_cert::der::Decode;
    x509_cert::Certificate::from_der(der)
        .map(|c| c.tbs_certificate.subject == c.tbs_certificate.issuer)
        .unwrap_or(false)
}

async fn check_layer(
    client: &RegistryClient,
    image: &ImageReference,
    digest: &Digest,
    layer: &Descriptor,
    policy: &ImagePolicy,
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
    // Material the policy needs, before fetching anything.
    let rekor = match layer.annotation(BUNDLE_ANNOTATION) {
        Some(a) => match RekorBundle::parse(a) {
            Ok(r) => Some(r),
            Err(e) => {
                return Ok(Err(Rejection::Bundle {
                    what: "layer",
                    layer: id,
                    error: BundleError::Malformed(e),
                }))
            }
        },
        None => None,
    };
    let certificates = match &policy.signer {
        SignerPolicy::Identity(_) => match layer_certificates(layer) {
            Ok(Some(c)) => Some(c),
            Ok(None) => return Ok(Err(Rejection::MissingCertificate { layer: id })),
            Err(e) => {
                return Ok(Err(Rejection::Bundle {
                    what: "layer",
                    layer: id,
                    error: BundleError::CertificateMalformed(e),
                }))
            }
        },
        SignerPolicy::Key(_) => None,
    };
    if policy.requires_tlog() && rekor.is_none() {
        return Ok(Err(Rejection::MissingLogEntry { layer: id }));
    }

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

    let (signer, log_index) = match (&policy.signer, &policy.verifier) {
        (SignerPolicy::Key(key), None) => {
            if key.verify(&payload, &sig).is_err() {
                return Ok(Err(Rejection::SignatureInvalid { layer: id }));
            }
            (key.fingerprint(), None)
        }
        (signer_policy, Some(verifier)) => {
            let rekor = rekor.as_ref().expect("checked above");
            let (material_hint, material) = match signer_policy {
                SignerPolicy::Key(key) => {
                    // The signature itself first: a wrong key is its own error.
                    if key.verify(&payload, &sig).is_err() {
                        return Ok(Err(Rejection::SignatureInvalid { layer: id }));
                    }
                    (key.fingerprint(), None)
                }
                SignerPolicy::Identity(_) => (String::new(), certificates.as_deref()),
            };
            let material = match material {
                Some(certs) => LayerMaterial::Certificates(certs),
                None => LayerMaterial::PublicKey(&material_hint),
            };
            let checked = layer_bundle(&payload, sig_b64, material, rekor).and_then(|bundle| {
                verifier.verify(
                    &ArtifactInput::Bytes(payload.clone()),
                    &bundle,
                    &policy.bundle_policy()?,
                )
            });
            match checked {
                Ok(v) => (v.signer.to_string(), v.log_index),
                Err(error) => {
                    return Ok(Err(Rejection::Bundle {
                        what: "layer",
                        layer: id,
                        error,
                    }))
                }
            }
        }
        (SignerPolicy::Identity(_), None) => unreachable!("identity policies have a verifier"),
    };

    let parsed = match SimpleSigning::parse(&payload) {
        Ok(p) => p,
        Err(e) => {
            return Ok(Err(Rejection::PayloadMalformed {
                layer: id,
                detail: e.to_string(),
            }))
        }
    };
    if let Some(r) = check_claims(&id, &parsed, image, digest, &policy.options, true) {
        return Ok(Err(r));
    }
    Ok(Ok(VerifiedSignature {
        payload: parsed,
        payload_bytes: payload,
        signature: sig_b64.to_string(),
        bundle: layer.annotation(BUNDLE_ANNOTATION).map(str::to_string),
        layer: id,
        source: SignatureSource::SignatureLayer,
        signer,
        log_index,
    }))
}

/// The claims checks every signature form shares: the signed digest is the
/// image's, the repository is the image's (when the payload names one and the
/// options require it), the required annotations are there.
fn check_claims(
    layer: &Digest,
    payload: &SimpleSigning,
    image: &ImageReference,
    digest: &Digest,
    options: &VerifyOptions,
    check_reference: bool,
) -> Option<Rejection> {
    if payload.critical.image.docker_manifest_digest != digest.to_string() {
        return Some(Rejection::DigestMismatch {
            layer: layer.clone(),
            signed: payload.critical.image.docker_manifest_digest.clone(),
            image: digest.clone(),
        });
    }
    if check_reference && options.require_docker_reference && !payload.names_repository(image) {
        return Some(Rejection::ReferenceMismatch {
            layer: layer.clone(),
            claimed: payload.critical.identity.docker_reference.clone(),
            expected: cosign::docker_reference(image),
        });
    }
    for (k, v) in &options.annotations {
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

/// The statement of a DSSE bundle, when it is cosign's image signature statement:
/// (statement bytes, signature, claims in simple-signing form).
fn bundle_claims(json: &str) -> Result<Option<(Vec<u8>, String, SimpleSigning)>, String> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let Some(envelope) = v.get("dsseEnvelope") else {
        return Ok(None);
    };
    if envelope["payloadType"].as_str() != Some(IN_TOTO_PAYLOAD_TYPE) {
        return Ok(None);
    }
    let statement = base64::engine::general_purpose::STANDARD
        .decode(envelope["payload"].as_str().unwrap_or_default())
        .map_err(|e| format!("DSSE payload is not base64: {e}"))?;
    let st: serde_json::Value =
        serde_json::from_slice(&statement).map_err(|e| format!("statement is not JSON: {e}"))?;
    if st["predicateType"].as_str() != Some(SIGN_PREDICATE_TYPE) {
        return Ok(None);
    }
    let subject = &st["subject"][0];
    let hex_digest = subject["digest"]["sha256"]
        .as_str()
        .ok_or("the statement's subject has no sha256 digest")?;
    let signature = envelope["signatures"][0]["sig"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let claims = SimpleSigning {
        critical: cosign::Critical {
            identity: cosign::Identity {
                docker_reference: subject["name"].as_str().unwrap_or_default().to_string(),
            },
            image: cosign::SignedImage {
                docker_manifest_digest: format!("sha256:{hex_digest}"),
            },
            kind: SIGN_PREDICATE_TYPE.to_string(),
        },
        optional: Some(BTreeMap::new()),
    };
    Ok(Some((statement, signature, claims)))
}

async fn check_bundle_referrer(
    client: &RegistryClient,
    image: &ImageReference,
    digest: &Digest,
    manifest: &ImageManifest,
    policy: &ImagePolicy,
    found: &mut Found,
) -> Result<(), VerifyError> {
    let Some(layer) = manifest
        .layers
        .iter()
        .find(|l| l.media_type == BUNDLE_ARTIFACT_TYPE)
    else {
        return Ok(());
    };
    let id = layer.digest.clone();
    let reject = |error: BundleError| Rejection::Bundle {
        what: "bundle",
        layer: id.clone(),
        error,
    };
    let bytes = match client.fetch_blob(image, layer, MAX_BUNDLE_SIZE).await {
        Ok(b) => b,
        Err(RegistryError::Verify(e)) => {
            found.record(
                image,
                Err(Rejection::PayloadTampered {
                    layer: id,
                    detail: e.to_string(),
                }),
            );
            return Ok(());
        }
        Err(RegistryError::Malformed { detail, .. }) => {
            found.record(image, Err(reject(BundleError::Malformed(detail))));
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let Ok(json) = String::from_utf8(bytes) else {
        found.record(
            image,
            Err(reject(BundleError::Malformed("not UTF-8".into()))),
        );
        return Ok(());
    };
    let (statement, signature, claims) = match bundle_claims(&json) {
        Ok(Some(c)) => c,
        // Another kind of bundle (an attestation): not an image signature.
        Ok(None) => return Ok(()),
        Err(e) => {
            found.record(image, Err(reject(BundleError::Malformed(e))));
            return Ok(());
        }
    };
    let result = (|| {
        let bundle = Bundle::from_json(&json).map_err(reject)?;
        if let Some(r) = check_claims(&id, &claims, image, digest, &policy.options, false) {
            // Check the cryptography first: a forged bundle is a bad bundle,
            // whatever it claims.
            policy
                .verify_bundle(
                    &ArtifactInput::Sha256(sha256_bytes(
                        &claims.critical.image.docker_manifest_digest,
                    )),
                    &bundle,
                )
                .map_err(reject)?;
            return Err(r);
        }
        let v = policy
            .verify_bundle(
                &ArtifactInput::Sha256(sha256_bytes(&digest.to_string())),
                &bundle,
            )
            .map_err(reject)?;
        Ok(VerifiedSignature {
            payload: claims.clone(),
            payload_bytes: statement.clone(),
            signature: signature.clone(),
            layer: id.clone(),
            bundle: Some(json.clone()),
            source: SignatureSource::BundleReferrer,
            signer: v.signer.to_string(),
            log_index: v.log_index,
        })
    })();
    found.record(image, result);
    Ok(())
}

/// The 32 bytes of a `sha256:HEX` digest (zeros when it is not one: such a
/// digest then matches nothing).
fn sha256_bytes(digest: &str) -> [u8; 32] {
    let mut d = [0u8; 32];
    if let Some(h) = digest
        .strip_prefix("sha256:")
        .and_then(|h| hex::decode(h).ok())
        .filter(|b| b.len() == 32)
    {
        d.copy_from_slice(&h);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    #[test]
    fn statement_and_referrer_layout() {
        let img: ImageReference = format!("localhost:5000/sc/app@{D}").parse().unwrap();
        let st = sign_statement(&img);
        let v: serde_json::Value = serde_json::from_slice(&st).unwrap();
        assert_eq!(v["predicateType"], SIGN_PREDICATE_TYPE);
        assert_eq!(v["subject"][0]["digest"]["sha256"], &D[7..]);
        assert_eq!(v["subject"][0]["name"], "localhost:5000/sc/app");

        let subject = Descriptor::new(MEDIA_TYPE_OCI_MANIFEST, D.parse().unwrap(), 10);
        let mut ann = BTreeMap::new();
        ann.insert(
            BUNDLE_CONTENT_ANNOTATION.to_string(),
            "dsse-envelope".into(),
        );
        let m = bundle_referrer_manifest(subject, b"{\"bundle\":1}", &ann);
        let m: serde_json::Value = serde_json::from_slice(&m).unwrap();
        assert_eq!(m["artifactType"], BUNDLE_ARTIFACT_TYPE);
        assert_eq!(m["config"]["mediaType"], EMPTY_MEDIA_TYPE);
        assert_eq!(
            m["config"]["digest"],
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert_eq!(m["layers"][0]["mediaType"], BUNDLE_ARTIFACT_TYPE);
        assert!(
            m["layers"][0]["annotations"]["org.opencontainers.image.title"]
                .as_str()
                .unwrap()
                .ends_with(".sigstore.json")
        );
        assert_eq!(m["subject"]["digest"], D);
        assert_eq!(m["annotations"][BUNDLE_CONTENT_ANNOTATION], "dsse-envelope");
    }

    #[test]
    fn pem_certificate_blocks() {
        let pem = format!(
            "{}{}",
            keyless::pem_lf("CERTIFICATE", &[1u8; 70]),
            keyless::pem_lf("CERTIFICATE", &[2u8; 3])
        );
        assert_eq!(
            pem_certificates(&pem).unwrap(),
            vec![vec![1u8; 70], vec![2u8; 3]]
        );
        assert!(pem_certificates("-----BEGIN CERTIFICATE-----\nAAAA\n").is_err());
        assert!(
            pem_certificates("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n")
                .is_err()
        );
        assert!(pem_certificates("no pem").unwrap().is_empty());
    }

    #[test]
    fn bundle_claims_read_cosign_statements_only() {
        let img: ImageReference = format!("r.example/a@{D}").parse().unwrap();
        let envelope = |st: &[u8]| {
            serde_json::json!({"dsseEnvelope": {
                "payloadType": IN_TOTO_PAYLOAD_TYPE, "payload": b64(st),
                "signatures": [{"sig": "c2ln"}]}})
            .to_string()
        };
        let (_, sig, claims) = bundle_claims(&envelope(&sign_statement(&img)))
            .unwrap()
            .unwrap();
        assert_eq!(sig, "c2ln");
        assert_eq!(claims.critical.image.docker_manifest_digest, D);
        let other =
            serde_json::json!({"predicateType": "https://slsa.dev/provenance/v1", "subject": []});
        assert!(bundle_claims(&envelope(other.to_string().as_bytes()))
            .unwrap()
            .is_none());
        assert!(bundle_claims(r#"{"messageSignature":{}}"#)
            .unwrap()
            .is_none());
    }
}
