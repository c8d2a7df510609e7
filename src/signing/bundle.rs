//! Sigstore bundles (`*.sigstore.json`, protobuf-specs JSON mapping, v0.1, v0.2
//! and v0.3) and their fully offline verification against a trusted root.
//!
//! [`BundleVerifier::verify`] accepts a bundle only when every check holds:
//!
//! - keyless: the signing certificate chains to a Fulcio CA of the trusted root
//!   that was valid at signing time, has the code-signing usage, carries a valid
//!   SCT from a trusted CT log, and its identity (SAN) and OIDC issuer (Fulcio
//!   extensions `1.3.6.1.4.1.57264.1.8`, legacy `.1.1`) satisfy the
//!   [`IdentityPolicy`];
//! - key-based (a bundle with a public-key hint): the signature verifies with the
//!   caller's key, and a certificate bundle is never accepted in its place;
//! - transparency log: the entry comes from a trusted Rekor log valid at that
//!   time; its inclusion proof is checked against a checkpoint signed by that
//!   log; a signed entry timestamp (SET), when present, verifies; the integrated
//!   time is not in the future and falls within the certificate's validity; the
//!   entry body (hashedrekord, dsse, intoto) describes this signature, key and
//!   artifact;
//! - RFC 3161 timestamps, when present, verify against a trusted timestamp
//!   authority valid at that time, and every verified time is within the
//!   certificate's validity;
//! - the message signature verifies over the artifact (given as bytes or as a
//!   `sha256:` digest), or the DSSE envelope's signature verifies over its PAE and
//!   its in-toto statement names the artifact as a subject.
//!
//! The cryptographic checks are delegated to the official Sigstore Rust verifier
//! (`sigstore-verify`, which passes every offline case of the sigstore-conformance
//! suite); this module owns the types callers see, the identity policy (exact or
//! regular-expression matching, as cosign does), and one error per failure. Any
//! check that cannot be completed is a failure: nothing is skipped.

use std::fmt;
use std::path::{Path, PathBuf};

use thiserror::Error;
use time::OffsetDateTime;

use super::trust::TrustedRoot;
use sigstore_verify::types::bundle::VerificationMaterialContent;
use sigstore_verify::types::SignatureContent;

/// Why a bundle could not be read, or did not verify. One variant per reason.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum BundleError {
    /// A file (bundle, artifact, key) could not be read.
    #[error("reading {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The bundle is not valid JSON or not a Sigstore bundle of a known version.
    #[error("malformed bundle: {0}")]
    Malformed(String),
    /// The bundle is structurally invalid (missing or contradictory fields).
    #[error("invalid bundle: {0}")]
    Invalid(String),
    /// The bundle uses content, key types or log entry kinds sc cannot verify.
    #[error("unsupported bundle: {0}")]
    Unsupported(String),
    /// The trusted root cannot be used for verification.
    #[error("unusable trusted root: {0}")]
    TrustedRoot(String),
    /// The public key given with `--key` could not be parsed.
    #[error("invalid public key: {0}")]
    InvalidKey(String),
    /// The bundle was signed with a key (it has no certificate), but no key was given.
    #[error(
        "the bundle is signed with a key (hint {hint:?}), not a certificate: verify it with --key"
    )]
    KeyRequired {
        /// The bundle's public-key hint.
        hint: String,
    },
    /// A key was given, but the bundle carries a signing certificate.
    #[error("a public key was given but the bundle carries a signing certificate: verify it with --certificate-identity and --certificate-oidc-issuer")]
    CertificateInsteadOfKey,
    /// The signing certificate could not be parsed.
    #[error("malformed signing certificate: {0}")]
    CertificateMalformed(String),
    /// The certificate does not chain to a trusted Fulcio CA, or lacks code signing usage.
    #[error("certificate chain does not verify against the trusted root: {0}")]
    CertificateChain(String),
    /// No Fulcio CA of the trusted root was valid at the signing time.
    #[error("no certificate authority of the trusted root was valid at {time}")]
    NoValidAuthority {
        /// The signing time.
        time: String,
    },
    /// The certificate was not valid at the (verified) signing time.
    #[error("signing certificate not valid at signing time: {0}")]
    CertificateNotValidAtSigningTime(String),
    /// The certificate's signed certificate timestamp (SCT) is missing or invalid.
    #[error("invalid signed certificate timestamp (SCT): {0}")]
    Sct(String),
    /// The certificate's identity does not satisfy the policy.
    #[error("certificate identity {actual:?} does not match {expected}")]
    IdentityMismatch {
        /// What the policy requires.
        expected: String,
        /// The certificate's SAN identity (empty when it has none).
        actual: String,
    },
    /// The certificate's OIDC issuer does not satisfy the policy.
    #[error("certificate OIDC issuer {actual:?} does not match {expected}")]
    IssuerMismatch {
        /// What the policy requires.
        expected: String,
        /// The certificate's issuer (empty when it has none).
        actual: String,
    },
    /// The log entry names a transparency log the trusted root does not trust.
    #[error("transparency log entry from an untrusted log: {0}")]
    UnknownLog(String),
    /// The inclusion proof is missing or does not prove the entry is in the log.
    #[error("invalid inclusion proof: {0}")]
    InclusionProof(String),
    /// The checkpoint is missing, malformed, or not signed by the trusted log.
    #[error("invalid checkpoint: {0}")]
    Checkpoint(String),
    /// The signed entry timestamp (inclusion promise) is invalid.
    #[error("invalid signed entry timestamp (SET): {0}")]
    SignedEntryTimestamp(String),
    /// The log entry does not describe this bundle's signature, key or artifact.
    #[error("transparency log entry does not match the bundle: {0}")]
    LogEntryMismatch(String),
    /// The integrated time is in the future or outside the certificate's validity.
    #[error("invalid integrated time: {0}")]
    IntegratedTime(String),
    /// The log entry body cannot be parsed.
    #[error("malformed transparency log entry: {0}")]
    MalformedLogEntry(String),
    /// An RFC 3161 timestamp does not verify against a trusted timestamp authority.
    #[error("invalid RFC 3161 timestamp: {0}")]
    Timestamp(String),
    /// An RFC 3161 timestamp is outside its authority's validity window.
    #[error("RFC 3161 timestamp {time} is outside the validity of the authority that signed it")]
    TimestampOutsideAuthorityValidity {
        /// The timestamp.
        time: String,
    },
    /// No verified signing time (log integrated time or RFC 3161 timestamp) exists.
    #[error("no verified signing time: {0}")]
    NoVerifiedTime(String),
    /// The signature does not verify over the artifact (or the DSSE payload).
    #[error("signature does not verify: {0}")]
    Signature(String),
    /// The bundle is not about this artifact (digest or in-toto subject differs).
    #[error("the bundle does not match the artifact: {0}")]
    ArtifactMismatch(String),
    /// The artifact was given in a form this bundle cannot be verified from.
    #[error("cannot verify this bundle from the artifact as given: {0}")]
    UnsupportedArtifact(String),
    /// A cryptographic primitive failed.
    #[error("cryptographic failure: {0}")]
    Crypto(String),
    /// The verifier reported success without one of the checks sc requires.
    #[error("verification incomplete: {0}")]
    Incomplete(&'static str),
    /// Any other reason the verifier gave.
    #[error("verification failed: {0}")]
    Other(String),
}

impl From<sigstore_verify::Error> for BundleError {
    fn from(e: sigstore_verify::Error) -> Self {
        use sigstore_verify::Error as E;
        use sigstore_verify::{
            CertificateError as C, TimestampError as T, TransparencyLogError as L,
        };
        match e {
            E::IdentityMismatch { expected, actual } => BundleError::IdentityMismatch {
                expected: expected.to_string(),
                actual: actual.map(|a| a.to_string()).unwrap_or_default(),
            },
            E::IssuerMismatch { expected, actual } => BundleError::IssuerMismatch {
                expected,
                actual: actual.unwrap_or_default(),
            },
            E::SignatureInvalid(d) => BundleError::Signature(d),
            E::ArtifactMismatch(d) => BundleError::ArtifactMismatch(d),
            E::UnsupportedArtifact(d) => BundleError::UnsupportedArtifact(d),
            E::Certificate(c) => match c {
                C::Malformed(d) => BundleError::CertificateMalformed(d),
                C::ChainInvalid(d) => BundleError::CertificateChain(d),
                C::NoValidAuthority { time } => BundleError::NoValidAuthority {
                    time: time.to_string(),
                },
                e @ (C::NotYetValid { .. } | C::Expired { .. }) => {
                    BundleError::CertificateNotValidAtSigningTime(e.to_string())
                }
                C::Sct(d) => BundleError::Sct(d),
                other => BundleError::Other(other.to_string()),
            },
            E::TransparencyLog(l) => match l {
                L::UnknownLog { log_id } => BundleError::UnknownLog(log_id),
                L::InclusionProof(d) => BundleError::InclusionProof(d),
                L::Checkpoint(d) => BundleError::Checkpoint(d),
                L::InclusionPromise(d) => BundleError::SignedEntryTimestamp(d),
                L::EntryMismatch(d) => BundleError::LogEntryMismatch(d),
                L::IntegratedTime(d) => BundleError::IntegratedTime(d),
                L::MalformedEntry(d) => BundleError::MalformedLogEntry(d),
                other => BundleError::Other(other.to_string()),
            },
            E::Timestamp(t) => match t {
                T::Invalid(d) => BundleError::Timestamp(d),
                T::OutsideAuthorityValidity { time } => {
                    BundleError::TimestampOutsideAuthorityValidity {
                        time: time.to_string(),
                    }
                }
                T::NoVerifiedTimestamp(d) => BundleError::NoVerifiedTime(d),
                other => BundleError::Other(other.to_string()),
            },
            E::InvalidBundle(d) => BundleError::Invalid(d),
            E::Bundle(e) => BundleError::Invalid(e.to_string()),
            E::Types(e) => BundleError::Invalid(e.to_string()),
            E::UnsupportedBundle(d) => BundleError::Unsupported(d),
            E::InvalidTrustRoot(d) => BundleError::TrustedRoot(d),
            E::TrustRoot(e) => BundleError::TrustedRoot(e.to_string()),
            E::TrustedCertificate(e) => BundleError::TrustedRoot(e.to_string()),
            E::Crypto(e) => BundleError::Crypto(e.to_string()),
            E::ArtifactRead(e) => BundleError::Read {
                path: PathBuf::from("<artifact>"),
                source: e,
            },
            other => BundleError::Other(other.to_string()),
        }
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, BundleError> {
    std::fs::read(path).map_err(|source| BundleError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Bundle format version, from its media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleVersion {
    /// `application/vnd.dev.sigstore.bundle+json;version=0.1`
    V0_1,
    /// `application/vnd.dev.sigstore.bundle+json;version=0.2`
    V0_2,
    /// `application/vnd.dev.sigstore.bundle.v0.3+json` (or `+json;version=0.3`)
    V0_3,
}

impl fmt::Display for BundleVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BundleVersion::V0_1 => "v0.1",
            BundleVersion::V0_2 => "v0.2",
            BundleVersion::V0_3 => "v0.3",
        })
    }
}

/// What a bundle signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleContent {
    /// A signature over the artifact itself (hashedrekord).
    MessageSignature,
    /// A DSSE envelope, normally an in-toto statement about the artifact.
    DsseEnvelope,
}

/// A parsed Sigstore bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    inner: sigstore_verify::types::Bundle,
}

impl Bundle {
    /// Parse a bundle from its JSON text. A bundle without a known media type
    /// (v0.1, v0.2, v0.3) is rejected.
    pub fn from_json(json: &str) -> Result<Self, BundleError> {
        // The media type is mandatory in every published bundle version; the
        // upstream parser would take a missing one as v0.1.
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| BundleError::Malformed(e.to_string()))?;
        if value.get("mediaType").and_then(|m| m.as_str()).is_none() {
            return Err(BundleError::Malformed("no mediaType".into()));
        }
        sigstore_verify::types::Bundle::from_json(json)
            .map(|inner| Bundle { inner })
            .map_err(|e| BundleError::Malformed(e.to_string()))
    }

    /// Read and parse a bundle file.
    pub fn from_file(path: &Path) -> Result<Self, BundleError> {
        let bytes = read_file(path)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| BundleError::Malformed(format!("{} is not UTF-8", path.display())))?;
        Self::from_json(&text)
    }

    /// The bundle's JSON (protobuf-specs JSON mapping).
    pub fn to_json(&self) -> Result<String, BundleError> {
        self.inner
            .to_json()
            .map_err(|e| BundleError::Malformed(e.to_string()))
    }

    /// Format version.
    pub fn version(&self) -> BundleVersion {
        use sigstore_verify::types::MediaType;
        match self.inner.media_type() {
            MediaType::Bundle0_1 => BundleVersion::V0_1,
            MediaType::Bundle0_2 => BundleVersion::V0_2,
            _ => BundleVersion::V0_3,
        }
    }

    /// What the bundle signs.
    pub fn content(&self) -> BundleContent {
        match &self.inner.content {
            SignatureContent::DsseEnvelope(_) => BundleContent::DsseEnvelope,
            _ => BundleContent::MessageSignature,
        }
    }

    /// The public-key hint, when the bundle was signed with a key rather than a
    /// Fulcio certificate.
    pub fn public_key_hint(&self) -> Option<&str> {
        match &self.inner.verification_material.content {
            VerificationMaterialContent::PublicKey(k) => Some(k.hint.as_str()),
            _ => None,
        }
    }

    /// Number of transparency log entries it carries.
    pub fn tlog_entry_count(&self) -> usize {
        self.inner.verification_material.tlog_entries.len()
    }

    pub(crate) fn upstream(&self) -> &sigstore_verify::types::Bundle {
        &self.inner
    }

    /// The shape rules for the certificates a bundle carries, which the
    /// upstream verifier does not enforce: the leaf is not a CA, and a v0.1/v0.2
    /// chain holds no root CA (a self-signed CA certificate). The root must
    /// come from the trusted root, never from the bundle.
    fn check_certificate_shape(&self) -> Result<(), BundleError> {
        let certs: Vec<&[u8]> = match &self.inner.verification_material.content {
            VerificationMaterialContent::Certificate(c) => vec![c.raw_bytes.as_bytes()],
            VerificationMaterialContent::X509CertificateChain { certificates } => certificates
                .iter()
                .map(|c| c.raw_bytes.as_bytes())
                .collect(),
            _ => return Ok(()),
        };
        for (i, der) in certs.iter().enumerate() {
            let (is_ca, self_signed) = ca_and_self_signed(der).map_err(|e| {
                BundleError::CertificateMalformed(format!("certificate {i} of the bundle: {e}"))
            })?;
            if i == 0 && is_ca {
                return Err(BundleError::Invalid(
                    "the signing (leaf) certificate is a CA certificate".into(),
                ));
            }
            if i > 0 && is_ca && self_signed {
                return Err(BundleError::Invalid(
                    "the bundle's certificate chain contains a root CA, which is forbidden: roots come from the trusted root".into(),
                ));
            }
        }
        Ok(())
    }
}

/// Whether a DER certificate is a CA (basicConstraints cA) and self-issued.
fn ca_and_self_signed(der: &[u8]) -> Result<(bool, bool), String> {
    use x509_cert::der::Decode;
    let cert = x509_cert::Certificate::from_der(der).map_err(|e| e.to_string())?;
    let tbs = &cert.tbs_certificate;
    let mut is_ca = false;
    for ext in tbs.extensions.iter().flatten() {
        if ext.extn_id == x509_cert::der::oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS {
            let bc = x509_cert::ext::pkix::BasicConstraints::from_der(ext.extn_value.as_bytes())
                .map_err(|e| format!("basicConstraints: {e}"))?;
            is_ca = bc.ca;
        }
    }
    Ok((is_ca, tbs.subject == tbs.issuer))
}

/// The artifact a bundle is verified against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArtifactInput {
    /// The artifact's bytes.
    Bytes(Vec<u8>),
    /// Only the artifact's SHA-256 digest.
    Sha256([u8; 32]),
}

impl ArtifactInput {
    /// Read an artifact file.
    pub fn from_file(path: &Path) -> Result<Self, BundleError> {
        read_file(path).map(ArtifactInput::Bytes)
    }

    /// Interpret a command-line argument the way the sigstore-conformance
    /// protocol (and cosign) do: `sha256:` followed by 64 hex digits names a
    /// digest, unless a file by that name exists; anything else is a file path.
    pub fn from_arg(arg: &str) -> Result<Self, BundleError> {
        if let Some(hex_digest) = arg.strip_prefix("sha256:") {
            if hex_digest.len() == 64 && !Path::new(arg).exists() {
                if let Ok(bytes) = hex::decode(hex_digest) {
                    let mut digest = [0u8; 32];
                    digest.copy_from_slice(&bytes);
                    return Ok(ArtifactInput::Sha256(digest));
                }
            }
        }
        Self::from_file(Path::new(arg))
    }

    /// The artifact's SHA-256 digest as `sha256:HEX`.
    pub fn sha256_digest(&self) -> String {
        use sha2::Digest;
        let digest: [u8; 32] = match self {
            ArtifactInput::Bytes(b) => sha2::Sha256::digest(b).into(),
            ArtifactInput::Sha256(d) => *d,
        };
        format!("sha256:{}", hex::encode(digest))
    }
}

/// How a certificate field is matched.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// The value equals this string.
    Exact(String),
    /// The regular expression matches the value (unanchored, as cosign's
    /// `--certificate-identity-regexp`; anchor it with `^...$` to match whole).
    Regex(regex::Regex),
    /// Any value. Only for checks where the caller reports the signer instead
    /// of authorizing it (a signer checking its own fresh bundle); the CLI never
    /// builds it.
    Any,
}

impl Matcher {
    /// A regular-expression matcher.
    pub fn regex(pattern: &str) -> Result<Self, regex::Error> {
        regex::Regex::new(pattern).map(Matcher::Regex)
    }

    /// Whether `value` satisfies the matcher.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Exact(s) => s == value,
            Matcher::Regex(r) => r.is_match(value),
            Matcher::Any => true,
        }
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Matcher::Exact(s) => write!(f, "{s:?}"),
            Matcher::Regex(r) => write!(f, "the regular expression {:?}", r.as_str()),
            Matcher::Any => f.write_str("any value"),
        }
    }
}

/// Who must have signed a keyless bundle: the certificate's identity (SAN:
/// email or URI) and OIDC issuer. Both are required, as in cosign.
#[derive(Debug, Clone)]
pub struct IdentityPolicy {
    /// Requirement on the SAN identity.
    pub identity: Matcher,
    /// Requirement on the OIDC issuer.
    pub issuer: Matcher,
}

impl IdentityPolicy {
    /// Exact identity and issuer.
    pub fn exact(identity: impl Into<String>, issuer: impl Into<String>) -> Self {
        IdentityPolicy {
            identity: Matcher::Exact(identity.into()),
            issuer: Matcher::Exact(issuer.into()),
        }
    }
}

/// A PEM public key (`-----BEGIN PUBLIC KEY-----`, SubjectPublicKeyInfo: ECDSA
/// P-256/P-384, Ed25519, RSA) for key-based bundles.
#[derive(Clone)]
pub struct PublicKey {
    der: sigstore_verify::types::DerPublicKey,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.fingerprint())
    }
}

impl PublicKey {
    /// Parse a PEM public key.
    pub fn from_pem(pem: &str) -> Result<Self, BundleError> {
        sigstore_verify::types::DerPublicKey::from_pem(pem)
            .map(|der| PublicKey { der })
            .map_err(|e| BundleError::InvalidKey(e.to_string()))
    }

    /// Read a PEM public key file.
    pub fn from_file(path: &Path) -> Result<Self, BundleError> {
        let bytes = read_file(path)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| BundleError::InvalidKey(format!("{} is not PEM text", path.display())))?;
        Self::from_pem(&text).map_err(|e| match e {
            BundleError::InvalidKey(d) => {
                BundleError::InvalidKey(format!("{}: {d}", path.display()))
            }
            e => e,
        })
    }

    /// `sha256:HEX` of the DER SubjectPublicKeyInfo.
    pub fn fingerprint(&self) -> String {
        use sha2::Digest;
        format!(
            "sha256:{}",
            hex::encode(sha2::Sha256::digest(self.der.as_bytes()))
        )
    }
}

/// What a bundle must satisfy besides the cryptography.
#[derive(Debug, Clone)]
pub enum VerificationPolicy {
    /// A Fulcio certificate whose identity and issuer satisfy the policy.
    Keyless(IdentityPolicy),
    /// A signature made with this key.
    Key(PublicKey),
}

/// Who signed a verified bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    /// A Fulcio certificate's identity and OIDC issuer.
    Certificate {
        /// SAN identity (email or URI).
        identity: String,
        /// OIDC issuer.
        issuer: String,
    },
    /// A key, by fingerprint (`sha256:` of its DER SubjectPublicKeyInfo).
    Key {
        /// Key fingerprint.
        fingerprint: String,
    },
}

impl fmt::Display for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Signer::Certificate { identity, issuer } => write!(f, "{identity} (issuer {issuer})"),
            Signer::Key { fingerprint } => write!(f, "key {fingerprint}"),
        }
    }
}

/// A successfully verified bundle.
#[derive(Debug, Clone)]
pub struct VerifiedBundle {
    /// Who signed.
    pub signer: Signer,
    /// Bundle format version.
    pub version: BundleVersion,
    /// What was signed.
    pub content: BundleContent,
    /// Transparency log index of the (first) entry.
    pub log_index: Option<u64>,
    /// Verified signing times (log integrated time, RFC 3161 timestamps).
    pub signed_at: Vec<OffsetDateTime>,
}

/// Verifies bundles against one trusted root; build it once and reuse it.
pub struct BundleVerifier {
    inner: sigstore_verify::Verifier,
    ct_logs: usize,
}

impl fmt::Debug for BundleVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BundleVerifier").finish_non_exhaustive()
    }
}

impl BundleVerifier {
    /// Prepare the trusted root's keys and certificates; rejects trust material
    /// that is malformed, duplicated or has an invalid validity window.
    pub fn new(root: &TrustedRoot) -> Result<Self, BundleError> {
        Ok(BundleVerifier {
            inner: sigstore_verify::Verifier::new(root.upstream())?,
            ct_logs: root.ct_log_count(),
        })
    }

    /// Verify `bundle` for `artifact` under `policy`, entirely offline.
    pub fn verify(
        &self,
        artifact: &ArtifactInput,
        bundle: &Bundle,
        policy: &VerificationPolicy,
    ) -> Result<VerifiedBundle, BundleError> {
        bundle.check_certificate_shape()?;
        let upstream_bundle = bundle.upstream();
        let digest;
        let input: sigstore_verify::types::Artifact<'_> = match artifact {
            ArtifactInput::Bytes(b) => sigstore_verify::types::Artifact::Blob(b),
            ArtifactInput::Sha256(d) => {
                digest = sigstore_verify::types::Sha256Hash::new(*d);
                (&digest).into()
            }
        };
        let signer = match policy {
            VerificationPolicy::Key(key) => {
                if bundle.public_key_hint().is_none() {
                    return Err(BundleError::CertificateInsteadOfKey);
                }
                let p = sigstore_verify::PublicKeyVerificationPolicy::new(key.der.clone());
                let result = self.inner.verify(input, upstream_bundle, &p)?;
                if !result.tlog_verified() {
                    return Err(BundleError::Incomplete(
                        "transparency log inclusion was not verified",
                    ));
                }
                return Ok(VerifiedBundle {
                    signer: Signer::Key {
                        fingerprint: key.fingerprint(),
                    },
                    version: bundle.version(),
                    content: bundle.content(),
                    log_index: first_log_index(bundle),
                    signed_at: times(result.verified_timestamps()),
                });
            }
            VerificationPolicy::Keyless(identity) => {
                if let Some(hint) = bundle.public_key_hint() {
                    return Err(BundleError::KeyRequired {
                        hint: hint.to_string(),
                    });
                }
                // Exact and regex matching are both ours, so the library checks
                // the cryptography and we check the claims it verified.
                let p = sigstore_verify::VerificationPolicy::any_identity();
                let result = self.inner.verify(input, upstream_bundle, &p)?;
                if !result.certificate_verified() {
                    return Err(BundleError::Incomplete(
                        "the certificate chain was not verified",
                    ));
                }
                if self.ct_logs > 0 && !result.sct_verified() {
                    return Err(BundleError::Incomplete("the SCT was not verified"));
                }
                if !result.tlog_verified() {
                    return Err(BundleError::Incomplete(
                        "transparency log inclusion was not verified",
                    ));
                }
                let actual_identity = result
                    .identity()
                    .map(|i| i.as_str().to_string())
                    .unwrap_or_default();
                let actual_issuer = result.issuer().unwrap_or_default().to_string();
                if actual_identity.is_empty() || !identity.identity.matches(&actual_identity) {
                    return Err(BundleError::IdentityMismatch {
                        expected: identity.identity.to_string(),
                        actual: actual_identity,
                    });
                }
                if actual_issuer.is_empty() || !identity.issuer.matches(&actual_issuer) {
                    return Err(BundleError::IssuerMismatch {
                        expected: identity.issuer.to_string(),
                        actual: actual_issuer,
                    });
                }
                VerifiedBundle {
                    signer: Signer::Certificate {
                        identity: actual_identity,
                        issuer: actual_issuer,
                    },
                    version: bundle.version(),
                    content: bundle.content(),
                    log_index: first_log_index(bundle),
                    signed_at: times(result.verified_timestamps()),
                }
            }
        };
        Ok(signer)
    }
}

fn first_log_index(bundle: &Bundle) -> Option<u64> {
    bundle
        .upstream()
        .verification_material
        .tlog_entries
        .first()
        .map(|e| e.log_index.get())
}

fn times(ts: &[jiff::Timestamp]) -> Vec<OffsetDateTime> {
    ts.iter()
        .filter_map(|t| OffsetDateTime::from_unix_timestamp_nanos(t.as_nanosecond()).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_argument_follows_the_protocol() {
        let hex64 = "a".repeat(64);
        assert_eq!(
            ArtifactInput::from_arg(&format!("sha256:{hex64}")).unwrap(),
            ArtifactInput::Sha256([0xaa; 32])
        );
        // Wrong length or not hex: a path (which does not exist here).
        for arg in [
            format!("sha256:{}", "a".repeat(63)),
            format!("sha256:{}", "g".repeat(64)),
        ] {
            assert!(matches!(
                ArtifactInput::from_arg(&arg),
                Err(BundleError::Read { .. })
            ));
        }
        // A file named like a digest is a file.
        let dir = tempfile::tempdir().unwrap();
        let name = format!("sha256:{hex64}");
        std::fs::write(dir.path().join(&name), b"hi").unwrap();
        let cwd = std::env::current_dir().unwrap();
        let p = dir.path().join(&name);
        assert_eq!(
            ArtifactInput::from_arg(p.to_str().unwrap()).unwrap(),
            ArtifactInput::Bytes(b"hi".to_vec())
        );
        assert_eq!(std::env::current_dir().unwrap(), cwd);
        assert_eq!(
            ArtifactInput::Bytes(b"hi".to_vec()).sha256_digest(),
            "sha256:8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"
        );
    }

    #[test]
    fn matchers() {
        let m = Matcher::regex("^https://github.com/org/.*$").unwrap();
        assert!(m.matches("https://github.com/org/repo/.github/workflows/x.yml@refs/heads/main"));
        assert!(!m.matches("https://github.com/other/repo"));
        // Unanchored like cosign.
        assert!(Matcher::regex("org")
            .unwrap()
            .matches("https://github.com/org/x"));
        assert!(Matcher::Exact("a@b.c".into()).matches("a@b.c"));
        assert!(!Matcher::Exact("a@b.c".into()).matches("a@b.cd"));
    }

    #[test]
    fn bundles_without_a_known_media_type_are_malformed() {
        for json in [
            "not json",
            "{}",
            r#"{"mediaType":"application/vnd.dev.sigstore.bundle+json;version=9.9"}"#,
        ] {
            assert!(
                matches!(Bundle::from_json(json), Err(BundleError::Malformed(_))),
                "{json}"
            );
        }
    }
}
