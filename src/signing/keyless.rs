//! Keyless signing into a Sigstore bundle v0.3: an OIDC identity token buys a
//! short-lived Fulcio certificate for an ephemeral P-256 key, the artifact (or
//! an in-toto statement, as a DSSE envelope) is signed with it, the signature is
//! entered in Rekor (v1, or v2 with an RFC 3161 timestamp), and the result is
//! written as a bundle.
//!
//! The building blocks are `sigstore-sign`'s crates (Fulcio client, ephemeral
//! keys, Rekor v2 and TSA clients, the bundle builder); this module runs the
//! flow and adds what a signer owes its users:
//! - the services come from a `signing_config.json` (or explicit URLs, for
//!   private deployments);
//! - Rekor v1 entries are submitted with the certificate as a standard
//!   LF-terminated PEM (the upstream client writes CRLF, which a log that stores
//!   the proposed entry verbatim, like a fresh private or mock Rekor, keeps, and
//!   which other verifiers then find inconsistent with the bundle);
//! - every bundle is verified against the deployment's trusted root before it is
//!   returned, so a misbehaving Fulcio or Rekor (a certificate from another CA,
//!   a missing SCT, an entry that does not match, a bad SET or inclusion proof)
//!   fails signing instead of producing a bundle nobody can verify;
//! - zero values such as `logIndex: "0"` (a fresh private log) are written
//!   explicitly.

use std::fmt;

use thiserror::Error;

use super::bundle::{
    ArtifactInput, Bundle, BundleError, BundleVerifier, IdentityPolicy, Matcher,
    VerificationPolicy, VerifiedBundle,
};
use super::trust::{SigningConfig, TrustedRoot};

/// Why keyless signing failed. One variant per step.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SignError {
    /// The identity token is not a JWT with the claims Fulcio needs, or expired.
    #[error("identity token: {0}")]
    Token(String),
    /// The services cannot produce a verifiable bundle (missing Fulcio, Rekor v2 without a TSA, ...).
    #[error("signing configuration: {0}")]
    Config(String),
    /// The in-toto statement is not valid.
    #[error("invalid in-toto statement: {0}")]
    Statement(String),
    /// Fulcio refused or failed to issue a certificate.
    #[error("Fulcio: {0}")]
    Fulcio(String),
    /// Rekor refused or failed to log the signature.
    #[error("Rekor: {0}")]
    Rekor(String),
    /// The timestamp authority failed.
    #[error("timestamp authority: {0}")]
    Timestamp(String),
    /// The bundle the services produced does not verify against the trusted root.
    #[error("the signed bundle does not verify against the trusted root: {0}")]
    SelfCheck(#[source] BundleError),
    /// Anything else the signer reported.
    #[error("signing failed: {0}")]
    Other(String),
}

impl From<sigstore_sign::Error> for SignError {
    fn from(e: sigstore_sign::Error) -> Self {
        use sigstore_sign::Error as E;
        match e {
            E::Config(c) => SignError::Config(c.to_string()),
            E::InvalidStatement(s) => SignError::Statement(s.to_string()),
            E::Rekor(r) => SignError::Rekor(r.to_string()),
            E::Fulcio(f) => SignError::Fulcio(f.to_string()),
            E::Tsa(t) => SignError::Timestamp(t.to_string()),
            E::Oidc(o) => SignError::Token(o.to_string()),
            other => SignError::Other(other.to_string()),
        }
    }
}

/// An OIDC identity token (a JWT). Its claims are read, not verified: Fulcio
/// verifies the token. `Debug` never shows the token.
#[derive(Clone)]
pub struct IdentityToken {
    inner: sigstore_sign::oidc::IdentityToken,
}

impl fmt::Debug for IdentityToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "IdentityToken {{ identity: {:?}, issuer: {:?} }}",
            self.identity(),
            self.issuer()
        )
    }
}

impl IdentityToken {
    /// Parse a JWT; rejects a malformed or expired one.
    pub fn from_jwt(jwt: &str) -> Result<Self, SignError> {
        let inner = sigstore_sign::oidc::IdentityToken::from_jwt(jwt.trim())
            .map_err(|e| SignError::Token(e.to_string()))?;
        if inner.is_expired() {
            return Err(SignError::Token(format!(
                "expired at {}",
                inner.expiration()
            )));
        }
        Ok(IdentityToken { inner })
    }

    /// The identity the token claims (email, else subject).
    pub fn identity(&self) -> &str {
        self.inner.identity()
    }

    /// The token's issuer (`iss`).
    pub fn issuer(&self) -> &str {
        self.inner.issuer()
    }
}

/// Where a keyless signer submits: Fulcio, Rekor (API v1 or v2), optionally a
/// timestamp authority (required with Rekor v2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningServices {
    /// Fulcio base URL.
    pub fulcio_url: String,
    /// Rekor base URL.
    pub rekor_url: String,
    /// Rekor API major version (1 or 2).
    pub rekor_api_version: u32,
    /// RFC 3161 timestamp authority URL.
    pub tsa_url: Option<String>,
}

impl SigningServices {
    /// Explicit Fulcio and Rekor v1 URLs, no timestamp authority.
    pub fn new(fulcio_url: impl Into<String>, rekor_url: impl Into<String>) -> Self {
        SigningServices {
            fulcio_url: fulcio_url.into(),
            rekor_url: rekor_url.into(),
            rekor_api_version: 1,
            tsa_url: None,
        }
    }

    /// The services a signing config names (currently valid ones; the highest
    /// Rekor API version; a TSA when it names one).
    pub fn from_config(config: &SigningConfig) -> Result<Self, SignError> {
        let fulcio = config
            .fulcio()
            .ok_or_else(|| SignError::Config("the signing config names no valid Fulcio".into()))?;
        let rekor = config
            .rekor(None)
            .ok_or_else(|| SignError::Config("the signing config names no valid Rekor".into()))?;
        let services = SigningServices {
            fulcio_url: fulcio.url,
            rekor_url: rekor.url,
            rekor_api_version: rekor.api_version,
            tsa_url: config.tsa().map(|t| t.url),
        };
        services.check()?;
        Ok(services)
    }

    fn check(&self) -> Result<(), SignError> {
        match (self.rekor_api_version, &self.tsa_url) {
            (1, _) | (2, Some(_)) => Ok(()),
            (2, None) => Err(SignError::Config(
                "Rekor v2 needs an RFC 3161 timestamp authority (a TSA URL in the signing config)"
                    .into(),
            )),
            (v, _) => Err(SignError::Config(format!(
                "Rekor API version {v} is not supported"
            ))),
        }
    }
}

/// What to sign.
#[derive(Debug, Clone)]
pub enum SignInput {
    /// An artifact: a message signature over its SHA-256 (hashedrekord).
    Artifact(ArtifactInput),
    /// An in-toto statement (JSON), signed as a DSSE envelope.
    InTotoStatement(Vec<u8>),
}

/// A bundle freshly signed and verified.
#[derive(Debug, Clone)]
pub struct SignedBundle {
    /// The bundle.
    pub bundle: Bundle,
    /// Its JSON (protobuf-specs JSON mapping), ready to write.
    pub json: String,
    /// What verification established (signer from the certificate, log index, times).
    pub verified: VerifiedBundle,
    /// The certificate chain Fulcio returned (DER, signing certificate first).
    pub chain: Vec<Vec<u8>>,
}

/// Signs artifacts keylessly with one deployment's services and checks each
/// bundle against that deployment's trusted root.
#[derive(Debug)]
pub struct KeylessSigner {
    services: SigningServices,
    http: reqwest::Client,
    verifier: BundleVerifier,
}

impl KeylessSigner {
    /// A signer for these services, whose bundles must verify against `root`.
    pub fn new(services: SigningServices, root: &TrustedRoot) -> Result<Self, SignError> {
        services.check()?;
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .user_agent(concat!("sc/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SignError::Config(format!("HTTP client: {e}")))?;
        let verifier = BundleVerifier::new(root).map_err(SignError::SelfCheck)?;
        Ok(KeylessSigner {
            services,
            http,
            verifier,
        })
    }

    /// The services it submits to.
    pub fn services(&self) -> &SigningServices {
        &self.services
    }

    /// The verifier for the trusted root its bundles are checked against (to
    /// recognise signatures already made by the same identity).
    pub fn verifier(&self) -> &BundleVerifier {
        &self.verifier
    }

    /// Sign `input` for the identity in `token`.
    pub async fn sign(
        &self,
        token: &IdentityToken,
        input: &SignInput,
    ) -> Result<SignedBundle, SignError> {
        let mut all = self.sign_all(token, std::slice::from_ref(input)).await?;
        Ok(all.remove(0))
    }

    /// Sign every input with one Fulcio certificate (one ephemeral key, one
    /// certificate request), each into its own bundle with its own log entry;
    /// each bundle is verified before any is returned.
    pub async fn sign_all(
        &self,
        token: &IdentityToken,
        inputs: &[SignInput],
    ) -> Result<Vec<SignedBundle>, SignError> {
        // Reject a bad statement before Fulcio issues anything.
        let mut artifacts = Vec::with_capacity(inputs.len());
        for input in inputs {
            artifacts.push(match input {
                SignInput::InTotoStatement(st) => {
                    serde_json::from_slice::<sigstore_sign::types::Statement>(st)
                        .map_err(|e| SignError::Statement(e.to_string()))?;
                    first_subject(st)?
                }
                SignInput::Artifact(a) => a.clone(),
            });
        }
        let key = sigstore_sign::crypto::KeyPair::generate_ecdsa_p256()
            .map_err(|e| SignError::Other(format!("generating the ephemeral key: {e}")))?;
        let fulcio = sigstore_sign::fulcio::FulcioClient::builder(&self.services.fulcio_url)
            .with_http_client(self.http.clone())
            .build()
            .map_err(|e| SignError::Fulcio(e.to_string()))?;
        let issued = fulcio
            .create_signing_certificate(&token.inner, &key)
            .await
            .map_err(|e| SignError::Fulcio(e.to_string()))?;
        let cert = issued.leaf_certificate().clone();
        let chain: Vec<Vec<u8>> = issued
            .certificate_chain()
            .iter()
            .map(|c| c.as_bytes().to_vec())
            .collect();
        // Which identity Fulcio binds depends on the identity provider, so the
        // check is cryptographic (chain, SCT, log) and the signer is reported.
        let any = VerificationPolicy::Keyless(IdentityPolicy {
            identity: Matcher::Any,
            issuer: Matcher::Any,
        });
        let mut out = Vec::with_capacity(inputs.len());
        for (input, artifact) in inputs.iter().zip(&artifacts) {
            let bundle = self.sign_one(&key, &cert, input).await?;
            let json = bundle
                .to_json_pretty()
                .map_err(|e| SignError::Other(format!("serializing the bundle: {e}")))?;
            let bundle = Bundle::from_json(&json).map_err(SignError::SelfCheck)?;
            let verified = self
                .verifier
                .verify(artifact, &bundle, &any)
                .map_err(SignError::SelfCheck)?;
            out.push(SignedBundle {
                bundle,
                json: json + "\n",
                verified,
                chain: chain.clone(),
            });
        }
        Ok(out)
    }
}

impl KeylessSigner {
    /// Signature, log entry (and timestamp) for one input with the certified key.
    async fn sign_one(
        &self,
        key: &sigstore_sign::crypto::KeyPair,
        cert: &sigstore_sign::types::DerCertificate,
        input: &SignInput,
    ) -> Result<sigstore_verify::types::Bundle, SignError> {
        use sigstore_sign::bundle::BundleV03;
        use sigstore_sign::types::{DsseEnvelope, DsseSignature, KeyId, KindVersion, PayloadBytes};

        let sign_err = |e: sigstore_sign::crypto::Error| SignError::Other(format!("signing: {e}"));

        let (mut bundle, signature) = match input {
            SignInput::Artifact(a) => {
                let hash = sigstore_sign::types::Sha256Hash::new(sha256_of(a));
                let signature = key.sign_digest(&hash).map_err(sign_err)?;
                let entry = if self.services.rekor_api_version == 2 {
                    self.rekor_v2(sigstore_sign::rekor::HashedRekordV2::new_with_certificate(
                        &hash,
                        &signature,
                        cert,
                        sigstore_sign::rekor::RekorV2KeyDetails::PkixEcdsaP256Sha256,
                    ))
                    .await?
                } else {
                    let body = serde_json::json!({
                        "apiVersion": "0.0.1",
                        "kind": "hashedrekord",
                        "spec": {
                            "data": {"hash": {"algorithm": "sha256", "value": hash.to_hex()}},
                            "signature": {
                                "content": signature.to_base64(),
                                "publicKey": {"content": b64(pem_lf("CERTIFICATE", cert.as_bytes()))},
                            },
                        },
                    });
                    self.rekor_v1(&body, KindVersion::HashedRekordV001).await?
                };
                let bundle = BundleV03::with_certificate_and_signature(
                    cert.clone(),
                    signature.clone(),
                    hash,
                )
                .with_tlog_entry(entry);
                (bundle, signature)
            }
            SignInput::InTotoStatement(statement) => {
                let payload_type = "application/vnd.in-toto+json";
                let pae = sigstore_sign::types::pae(payload_type, statement);
                let signature = key.sign(&pae).map_err(sign_err)?;
                let envelope = DsseEnvelope::new(
                    payload_type,
                    PayloadBytes::from_bytes(statement),
                    DsseSignature::new(signature.clone(), KeyId::default()),
                );
                let entry = if self.services.rekor_api_version == 2 {
                    let pae_hash = sigstore_sign::types::Sha256Hash::new(sha2_256(&pae));
                    self.rekor_v2(sigstore_sign::rekor::HashedRekordV2::new_with_certificate(
                        &pae_hash,
                        &signature,
                        cert,
                        sigstore_sign::rekor::RekorV2KeyDetails::PkixEcdsaP256Sha256,
                    ))
                    .await?
                } else {
                    // dsse v0.0.1, as sigstore-python and cosign write it: Rekor
                    // turns the proposed content into hashes of the envelope.
                    let envelope_json = serde_json::to_string(&envelope)
                        .map_err(|e| SignError::Other(format!("DSSE envelope: {e}")))?;
                    let body = serde_json::json!({
                        "apiVersion": "0.0.1",
                        "kind": "dsse",
                        "spec": {"proposedContent": {
                            "envelope": envelope_json,
                            "verifiers": [b64(pem_lf("CERTIFICATE", cert.as_bytes()))],
                        }},
                    });
                    self.rekor_v1(&body, KindVersion::DsseV001).await?
                };
                let bundle = BundleV03::with_certificate_and_dsse(cert.clone(), envelope)
                    .with_tlog_entry(entry);
                (bundle, signature)
            }
        };
        if let Some(tsa_url) = &self.services.tsa_url {
            let tsa = sigstore_sign::tsa::TimestampClient::builder(tsa_url)
                .with_http_client(self.http.clone())
                .build()
                .map_err(|e| SignError::Timestamp(e.to_string()))?;
            let token = tsa
                .timestamp_signature(&signature)
                .await
                .map_err(|e| SignError::Timestamp(e.to_string()))?;
            bundle = bundle.with_rfc3161_timestamp(token);
        }
        Ok(bundle.into_bundle())
    }

    async fn rekor_v1(
        &self,
        body: &serde_json::Value,
        kind: sigstore_sign::types::KindVersion,
    ) -> Result<sigstore_sign::types::TransparencyLogEntry, SignError> {
        rekor_v1_upload(&self.http, &self.services.rekor_url, body, kind).await
    }

    /// Submit to a Rekor v2 log (the client checks the entry it gets back).
    async fn rekor_v2(
        &self,
        request: sigstore_sign::rekor::HashedRekordV2,
    ) -> Result<sigstore_sign::types::TransparencyLogEntry, SignError> {
        sigstore_sign::rekor::RekorV2Client::builder(&self.services.rekor_url)
            .with_http_client(self.http.clone())
            .build()
            .map_err(|e| SignError::Rekor(e.to_string()))?
            .create_entry(request)
            .await
            .map_err(|e| SignError::Rekor(e.to_string()))
    }
}

/// Submit a proposed entry (`hashedrekord`, `dsse`, ... JSON) to the Rekor v1 log
/// at `rekor_url`; the entry as a bundle's transparency log entry (with its SET
/// and, when the log returns one, inclusion proof).
pub(crate) async fn rekor_v1_upload(
    http: &reqwest::Client,
    rekor_url: &str,
    body: &serde_json::Value,
    kind: sigstore_sign::types::KindVersion,
) -> Result<sigstore_sign::types::TransparencyLogEntry, SignError> {
    let url = format!("{}/api/v1/log/entries", rekor_url.trim_end_matches('/'));
    let response = http
        .post(&url)
        .json(body)
        .send()
        .await
        .map_err(|e| SignError::Rekor(format!("POST {url}: {e}")))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| SignError::Rekor(format!("reading the response of {url}: {e}")))?;
    if !status.is_success() {
        return Err(SignError::Rekor(format!(
            "{url} answered {status}: {}",
            text.chars().take(300).collect::<String>()
        )));
    }
    let entries: std::collections::BTreeMap<String, sigstore_sign::rekor::LogEntry> =
        serde_json::from_str(&text)
            .map_err(|e| SignError::Rekor(format!("unexpected log entry response: {e}")))?;
    let (_, entry) = entries
        .into_iter()
        .next()
        .ok_or_else(|| SignError::Rekor("empty log entry response".into()))?;
    entry
        .to_bundle_entry(kind)
        .map_err(|e| SignError::Rekor(format!("unusable log entry: {e}")))
}

fn sha2_256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

fn sha256_of(a: &ArtifactInput) -> [u8; 32] {
    match a {
        ArtifactInput::Bytes(b) => sha2_256(b),
        ArtifactInput::Sha256(d) => *d,
    }
}

pub(crate) fn b64(data: impl AsRef<[u8]>) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// PEM with LF line endings and 64-character lines, as every Sigstore client writes it.
pub(crate) fn pem_lf(label: &str, der: &[u8]) -> String {
    let body = b64(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The first subject digest of an in-toto statement, to verify its bundle with.
fn first_subject(statement: &[u8]) -> Result<ArtifactInput, SignError> {
    let v: serde_json::Value =
        serde_json::from_slice(statement).map_err(|e| SignError::Statement(e.to_string()))?;
    let hex_digest = v["subject"][0]["digest"]["sha256"]
        .as_str()
        .ok_or_else(|| SignError::Statement("no subject with a sha256 digest".into()))?;
    let bytes = hex::decode(hex_digest)
        .ok()
        .filter(|b| b.len() == 32)
        .ok_or_else(|| SignError::Statement(format!("bad sha256 digest {hex_digest:?}")))?;
    let mut d = [0u8; 32];
    d.copy_from_slice(&bytes);
    Ok(ArtifactInput::Sha256(d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn jwt(claims: serde_json::Value) -> String {
        let b = |v: &serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        format!(
            "{}.{}.sig",
            b(&serde_json::json!({"alg": "none"})),
            b(&claims)
        )
    }

    #[test]
    fn tokens() {
        let exp = time::OffsetDateTime::now_utc().unix_timestamp() + 600;
        let t = IdentityToken::from_jwt(&jwt(serde_json::json!({
            "iss": "https://issuer.example", "sub": "s", "email": "a@example.com", "exp": exp
        })))
        .unwrap();
        assert_eq!(t.identity(), "a@example.com");
        assert_eq!(t.issuer(), "https://issuer.example");
        assert!(!format!("{t:?}").contains(".sig"));
        let expired = jwt(serde_json::json!({"iss": "i", "sub": "s", "exp": 1000}));
        assert!(matches!(
            IdentityToken::from_jwt(&expired),
            Err(SignError::Token(_))
        ));
        assert!(matches!(
            IdentityToken::from_jwt("not-a-jwt"),
            Err(SignError::Token(_))
        ));
    }

    #[test]
    fn services_from_config() {
        let config = SigningConfig::from_json(
            r#"{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json",
                "caUrls":[{"url":"http://127.0.0.1:1","majorApiVersion":1,"validFor":{"start":"2000-01-01T00:00:00Z"}}],
                "rekorTlogUrls":[{"url":"http://127.0.0.1:2","majorApiVersion":1,"validFor":{"start":"2000-01-01T00:00:00Z"}}],
                "oidcUrls":[],"tsaUrls":[],
                "rekorTlogConfig":{"selector":"ANY"},"tsaConfig":{"selector":"ANY"}}"#,
        )
        .unwrap();
        let s = SigningServices::from_config(&config).unwrap();
        assert_eq!(
            s,
            SigningServices::new("http://127.0.0.1:1", "http://127.0.0.1:2")
        );
        // Rekor v2 needs a timestamp authority.
        let v2 = SigningServices {
            rekor_api_version: 2,
            ..s
        };
        assert!(matches!(v2.check(), Err(SignError::Config(_))));
    }

    #[test]
    fn pem_is_lf_with_64_column_lines() {
        let pem = pem_lf("CERTIFICATE", &[0u8; 100]);
        assert!(!pem.contains('\r'));
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines.last().unwrap(), &"-----END CERTIFICATE-----");
        assert!(pem.ends_with("-----\n"));
    }

    #[test]
    fn statement_subject() {
        let st =
            serde_json::json!({"subject": [{"name": "a", "digest": {"sha256": "aa".repeat(32)}}]});
        assert_eq!(
            first_subject(st.to_string().as_bytes()).unwrap(),
            ArtifactInput::Sha256([0xaa; 32])
        );
        assert!(first_subject(b"{}").is_err());
    }
}
