//! Registry access over the OCI distribution API, through `oci-client` (rustls,
//! no OpenSSL).
//!
//! [`RegistryClient`] adds what `sc` needs around `oci-client`:
//! - credentials per registry from flags, environment and Docker's config
//!   (see [`auth`]), anonymous when there are none;
//! - plain HTTP only for loopback registries and `--insecure-registry` hosts, and
//!   only when the registry does not speak TLS (probed once per host; a loopback
//!   host is asked over HTTP first, so a plain one costs no TLS handshake);
//!   extra CA certificates for private registries;
//! - retries with exponential backoff on connection errors, 5xx and 429
//!   (see [`retry`]), never on other 4xx;
//! - digest checks on every manifest and blob, size limits on what is read into memory;
//! - the OCI 1.1 referrers API with fallback to the referrers tag schema, and the
//!   cosign tag schema (`sha256-<hex>.sig|.att|.sbom`).

pub mod auth;
pub mod retry;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::TryStreamExt;
use oci_client::client::{Certificate, CertificateEncoding, ClientConfig, ClientProtocol};
use oci_client::errors::OciDistributionError;
use oci_client::secrets::RegistryAuth as OciAuth;
use oci_client::Reference;

pub use auth::RegistryAuth;
pub use retry::RetryPolicy;

use crate::context::{Env, ProcessEnv};
use crate::digest::{Digest, VerifyError, VerifyingReader};
use crate::reference::ImageReference;
use crate::source::model::{
    Descriptor, ImageIndex, MANIFEST_MEDIA_TYPES, MAX_MANIFEST_SIZE, MEDIA_TYPE_OCI_INDEX,
    MEDIA_TYPE_OCI_MANIFEST,
};

/// Errors talking to a registry. Messages name the registry and reference, never credentials.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Credentials were refused or are missing.
    #[error("{registry}: not authorized for {reference} (check credentials: SC_REGISTRY_USERNAME/SC_REGISTRY_PASSWORD, docker login)")]
    Unauthorized {
        /// Registry host.
        registry: String,
        /// What was accessed.
        reference: String,
    },
    /// The manifest, tag or blob does not exist.
    #[error("{reference}: not found in registry {registry}")]
    NotFound {
        /// Registry host.
        registry: String,
        /// What was asked for.
        reference: String,
    },
    /// The registry answered with an error status.
    #[error("{registry}: {operation} {reference} failed: {detail}")]
    Status {
        /// Registry host.
        registry: String,
        /// Operation.
        operation: &'static str,
        /// What was accessed.
        reference: String,
        /// Status and message.
        detail: String,
    },
    /// The registry could not be reached (after retries).
    #[error("{registry}: {operation} failed after {attempts} attempt(s): {detail}")]
    Transport {
        /// Registry host.
        registry: String,
        /// Operation.
        operation: &'static str,
        /// Attempts made.
        attempts: u32,
        /// Cause.
        detail: String,
    },
    /// The TLS handshake failed (unknown CA, wrong host name, expired certificate).
    #[error("{registry}: TLS failed: {detail} (for a private CA use --registry-ca-file; --insecure-registry skips verification)")]
    Tls {
        /// Registry host.
        registry: String,
        /// Cause.
        detail: String,
    },
    /// Content did not match its digest or size.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// A manifest or index is malformed or too large.
    #[error("{registry}: malformed {what}: {detail}")]
    Malformed {
        /// Registry host.
        registry: String,
        /// Which document.
        what: String,
        /// Why.
        detail: String,
    },
    /// Credentials could not be read.
    #[error(transparent)]
    Auth(#[from] auth::AuthError),
    /// Client set-up failed (bad CA file, ...).
    #[error("registry client: {0}")]
    Setup(String),
}

impl RegistryError {
    /// True for faults a retry may cure (connection, timeout, 5xx, 429).
    pub fn is_transient(&self) -> bool {
        matches!(self, RegistryError::Transport { .. })
    }
}

/// Settings for a [`RegistryClient`].
#[derive(Clone)]
pub struct RegistryOptions {
    /// Hosts (`host[:port]`) where TLS verification is skipped and plain HTTP is allowed.
    pub insecure_registries: Vec<String>,
    /// PEM files with extra CA certificates to trust.
    pub ca_files: Vec<PathBuf>,
    /// Credentials used for every registry, ahead of environment and config files.
    pub credentials: Option<RegistryAuth>,
    /// Retry policy for transient faults.
    pub retry: RetryPolicy,
    /// Environment used to find credentials and config files.
    pub env: Arc<dyn Env + Send + Sync>,
    /// Extra directories searched for `docker-credential-*` helpers before `PATH`.
    pub credential_helper_dirs: Vec<PathBuf>,
    /// Per-request read timeout.
    pub timeout: Duration,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        Self {
            insecure_registries: Vec::new(),
            ca_files: Vec::new(),
            credentials: None,
            retry: RetryPolicy::default(),
            env: Arc::new(ProcessEnv),
            credential_helper_dirs: Vec::new(),
            timeout: Duration::from_secs(60),
        }
    }
}

impl std::fmt::Debug for RegistryOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryOptions")
            .field("insecure_registries", &self.insecure_registries)
            .field("ca_files", &self.ca_files)
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// Registry connection for one host: an `oci-client` with the right scheme, and credentials.
#[derive(Clone)]
struct HostClient {
    client: oci_client::Client,
    auth: OciAuth,
}

/// A registry client shared by all operations of a run (cheap to clone behind an `Arc`).
pub struct RegistryClient {
    options: RegistryOptions,
    /// Extra CA certificates (PEM), from `ca_files`.
    extra_ca: Vec<Vec<u8>>,
    hosts: Mutex<HashMap<String, HostClient>>,
    /// Held while a host's client is set up, so concurrent first requests to a
    /// host (a parallel release) probe it and build its client once.
    host_setup: tokio::sync::Mutex<()>,
    requests: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for RegistryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryClient")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

fn is_loopback_host(registry: &str) -> bool {
    let host = if let Some(rest) = registry.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        registry
            .rsplit_once(':')
            .map(|(h, _)| h)
            .unwrap_or(registry)
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

impl RegistryClient {
    /// A client with `options`.
    pub fn new(options: RegistryOptions) -> Result<Self, RegistryError> {
        let mut extra_ca = Vec::new();
        for path in &options.ca_files {
            extra_ca.extend(crate::tls::read_pem_file(path).map_err(RegistryError::Setup)?);
        }
        Ok(Self {
            options,
            extra_ca,
            hosts: Mutex::new(HashMap::new()),
            host_setup: tokio::sync::Mutex::new(()),
            requests: Default::default(),
        })
    }

    /// Options in use.
    pub fn options(&self) -> &RegistryOptions {
        &self.options
    }

    /// Number of registry operations started so far (for round-trip accounting in benchmarks).
    pub fn operation_count(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn is_insecure(&self, registry: &str) -> bool {
        self.options
            .insecure_registries
            .iter()
            .any(|h| auth::same_registry(h, registry))
    }

    fn oci_config(&self, protocol: ClientProtocol, insecure: bool) -> ClientConfig {
        ClientConfig {
            protocol,
            accept_invalid_certificates: insecure,
            // Explicit roots: the system store or the bundled Mozilla roots, plus extra CAs.
            tls_certs_only: crate::tls::default_root_ders()
                .iter()
                .map(|der| Certificate {
                    encoding: CertificateEncoding::Der,
                    data: der.clone(),
                })
                .chain(self.extra_ca.iter().map(|pem| Certificate {
                    encoding: CertificateEncoding::Pem,
                    data: pem.clone(),
                }))
                .collect(),
            read_timeout: Some(self.options.timeout),
            connect_timeout: Some(Duration::from_secs(15)),
            user_agent: concat!("sc/", env!("CARGO_PKG_VERSION")),
            platform_resolver: None,
            ..ClientConfig::default()
        }
    }

    /// Decide HTTPS or HTTP for a loopback or insecure registry: HTTPS unless the
    /// HTTPS handshake fails and the same host answers the registry API over HTTP.
    async fn probe_plain_http(
        &self,
        registry: &str,
        insecure: bool,
    ) -> Result<bool, RegistryError> {
        let client = crate::tls::client_builder(&self.extra_ca)
            .map_err(RegistryError::Setup)?
            .timeout(Duration::from_secs(15))
            .danger_accept_invalid_certs(insecure)
            .build()
            .map_err(|e| RegistryError::Setup(e.to_string()))?;
        let speaks_registry = |resp: &reqwest::Response| {
            let s = resp.status().as_u16();
            resp.headers()
                .contains_key("docker-distribution-api-version")
                || s == 200
                || s == 401
        };
        // A loopback registry is asked over plain HTTP first: a TLS one does not
        // answer that as a registry (Go's TLS server answers 400), so it is still
        // reached over HTTPS, and a plain one is found without a TLS handshake
        // (whose first random bytes cost tens of milliseconds of entropy
        // gathering in a short-lived process).
        if !insecure && is_loopback_host(registry) {
            if let Ok(resp) = client.get(format!("http://{registry}/v2/")).send().await {
                if speaks_registry(&resp) {
                    tracing::debug!("{registry}: using plain HTTP (loopback registry without TLS)");
                    return Ok(true);
                }
            }
        }
        let https_err = match client.get(format!("https://{registry}/v2/")).send().await {
            Ok(_) => return Ok(false),
            Err(e) => e,
        };
        if let Ok(resp) = client.get(format!("http://{registry}/v2/")).send().await {
            if speaks_registry(&resp) {
                tracing::debug!(
                    "{registry}: using plain HTTP (loopback or insecure registry without TLS)"
                );
                return Ok(true);
            }
        }
        // Report the HTTPS problem: it is the one the user has to fix.
        let detail = error_chain(&https_err);
        let lower = detail.to_ascii_lowercase();
        if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
            return Err(RegistryError::Tls {
                registry: registry.to_string(),
                detail,
            });
        }
        Err(RegistryError::Transport {
            registry: registry.to_string(),
            operation: "connect",
            attempts: 1,
            detail,
        })
    }

    async fn host(&self, registry: &str) -> Result<HostClient, RegistryError> {
        if let Some(h) = self.hosts.lock().expect("hosts lock").get(registry) {
            return Ok(h.clone());
        }
        let _setup = self.host_setup.lock().await;
        if let Some(h) = self.hosts.lock().expect("hosts lock").get(registry) {
            return Ok(h.clone());
        }
        let insecure = self.is_insecure(registry);
        let plain = if insecure || is_loopback_host(registry) {
            self.options
                .retry
                .run(
                    &format!("connect to {registry}"),
                    RegistryError::is_transient,
                    || self.probe_plain_http(registry, insecure),
                )
                .await
                .map_err(|(e, attempts)| match e {
                    RegistryError::Transport {
                        registry,
                        operation,
                        detail,
                        ..
                    } => RegistryError::Transport {
                        registry,
                        operation,
                        attempts,
                        detail,
                    },
                    other => other,
                })?
        } else {
            false
        };
        let api_host = oci_registry_host(registry);
        let protocol = if plain {
            ClientProtocol::HttpsExcept(vec![api_host.to_string()])
        } else {
            ClientProtocol::Https
        };
        let client = oci_client::Client::try_from(self.oci_config(protocol, insecure))
            .map_err(|e| RegistryError::Setup(e.to_string()))?;
        let creds = match &self.options.credentials {
            Some(c) => Some(c.clone()),
            None => auth::resolve(
                self.options.env.as_ref(),
                registry,
                &self.options.credential_helper_dirs,
            )?,
        };
        let auth = match creds {
            Some(c) if !c.token.is_empty() => OciAuth::Bearer(c.token),
            Some(c) if !c.username.is_empty() => OciAuth::Basic(c.username, c.password),
            _ => OciAuth::Anonymous,
        };
        let host = HostClient { client, auth };
        self.hosts
            .lock()
            .expect("hosts lock")
            .insert(registry.to_string(), host.clone());
        Ok(host)
    }

    async fn with_retry<T, F, Fut>(
        &self,
        r: &ImageReference,
        operation: &'static str,
        op: F,
    ) -> Result<T, RegistryError>
    where
        F: Fn(HostClient) -> Fut,
        Fut: std::future::Future<Output = Result<T, OciDistributionError>>,
    {
        let host = self.host(&r.registry).await?;
        let what = format!("{operation} {r}");
        self.options
            .retry
            .run(&what, is_retryable, || {
                self.requests
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                op(host.clone())
            })
            .await
            .map_err(|(e, attempts)| map_error(e, r, operation, attempts))
    }

    /// Pin `image` to the digest of the manifest bytes the registry serves for
    /// it (a tag is resolved; a digest is checked): the pinned reference and the
    /// manifest's descriptor, the subject of signatures and attestations.
    pub async fn pin(
        &self,
        image: &ImageReference,
    ) -> Result<(ImageReference, Descriptor), RegistryError> {
        let (bytes, digest, media_type) = self.fetch_manifest(image).await?;
        let media_type = if media_type.is_empty() {
            MEDIA_TYPE_OCI_MANIFEST.to_string()
        } else {
            media_type
        };
        Ok((
            image.with_digest(digest.clone()),
            Descriptor::new(media_type, digest, bytes.len() as u64),
        ))
    }

    /// Fetch a manifest or index by tag or digest. Returns the raw bytes, their
    /// digest (checked against the reference's digest when it has one) and media type.
    pub async fn fetch_manifest(
        &self,
        r: &ImageReference,
    ) -> Result<(Vec<u8>, Digest, String), RegistryError> {
        let reference = to_oci(r);
        let (bytes, _) = self
            .with_retry(r, "fetch manifest", |h| {
                let reference = reference.clone();
                async move {
                    h.client
                        .pull_manifest_raw(&reference, &h.auth, MANIFEST_MEDIA_TYPES)
                        .await
                }
            })
            .await?;
        if bytes.len() as u64 > MAX_MANIFEST_SIZE {
            return Err(RegistryError::Malformed {
                registry: r.registry.clone(),
                what: format!("manifest {r}"),
                detail: format!(
                    "{} bytes exceeds the {MAX_MANIFEST_SIZE}-byte limit",
                    bytes.len()
                ),
            });
        }
        let digest = match &r.digest {
            Some(expected) => {
                let actual = expected.compute_like(&bytes);
                if &actual != expected {
                    return Err(VerifyError::Mismatch {
                        what: format!("manifest {r}"),
                        expected: expected.clone(),
                        actual,
                    }
                    .into());
                }
                actual
            }
            None => Digest::sha256_of(&bytes),
        };
        let media_type = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| {
                v.get("mediaType")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_default();
        Ok((bytes.to_vec(), digest, media_type))
    }

    /// The digest a tag currently points to (HEAD request; the seeds' "pin by digest").
    pub async fn resolve_digest(&self, r: &ImageReference) -> Result<Digest, RegistryError> {
        if let Some(d) = &r.digest {
            // Still confirm the manifest exists and matches.
            let (_, digest, _) = self.fetch_manifest(r).await?;
            debug_assert_eq!(&digest, d);
            return Ok(digest);
        }
        let reference = to_oci(r);
        let digest = self
            .with_retry(r, "resolve digest", |h| {
                let reference = reference.clone();
                async move { h.client.fetch_manifest_digest(&reference, &h.auth).await }
            })
            .await?;
        digest.parse().map_err(|e| RegistryError::Malformed {
            registry: r.registry.clone(),
            what: "Docker-Content-Digest header".into(),
            detail: format!("{e}"),
        })
    }

    async fn open_blob_stream(
        &self,
        r: &ImageReference,
        desc: &Descriptor,
    ) -> Result<oci_client::client::SizedStream, RegistryError> {
        let reference = to_oci(r);
        let oci_desc = to_oci_descriptor(desc);
        self.with_retry(r, "fetch blob", |h| {
            let reference = reference.clone();
            let oci_desc = oci_desc.clone();
            async move {
                h.client
                    .store_auth_if_needed(reference.resolve_registry(), &h.auth)
                    .await;
                h.client.pull_blob_stream(&reference, &oci_desc).await
            }
        })
        .await
    }

    /// Stream a blob as a synchronous reader that verifies digest and size at end of
    /// stream. Must be called inside a Tokio runtime; the reader must be consumed on a
    /// blocking thread (`spawn_blocking`), since it blocks on the network.
    pub async fn blob_reader(
        &self,
        r: &ImageReference,
        desc: &Descriptor,
    ) -> Result<Box<dyn Read + Send>, RegistryError> {
        let stream = self.open_blob_stream(r, desc).await?;
        let async_reader =
            tokio_util::io::StreamReader::new(stream.stream.map_err(std::io::Error::other));
        let sync_reader = tokio_util::io::SyncIoBridge::new(async_reader);
        Ok(Box::new(VerifyingReader::new(
            std::io::BufReader::with_capacity(256 * 1024, sync_reader),
            desc.digest.clone(),
            Some(desc.size),
            format!("blob {} from {}", desc.digest, r.repository_path()),
        )))
    }

    /// Fetch a small blob (config, signature payload) into memory, verified; refuses blobs over `max` bytes.
    pub async fn fetch_blob(
        &self,
        r: &ImageReference,
        desc: &Descriptor,
        max: u64,
    ) -> Result<Vec<u8>, RegistryError> {
        if desc.size > max {
            return Err(RegistryError::Malformed {
                registry: r.registry.clone(),
                what: format!("blob {}", desc.digest),
                detail: format!("{} bytes exceeds the {max}-byte limit", desc.size),
            });
        }
        let mut stream = self.open_blob_stream(r, desc).await?;
        let mut out = Vec::with_capacity(desc.size as usize);
        while let Some(chunk) = stream.stream.try_next().await.map_err(|e| {
            // oci-client checks the digest itself as the stream ends: a mismatch is
            // content that is not what it claims to be, not a network fault.
            let digest_error = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<oci_client::errors::DigestError>());
            match digest_error
                .and_then(|d| digest_mismatch(d, format!("blob from {}", r.repository_path())))
            {
                Some(mismatch) => mismatch,
                None => RegistryError::Transport {
                    registry: r.registry.clone(),
                    operation: "fetch blob",
                    attempts: 1,
                    detail: e.to_string(),
                },
            }
        })? {
            out.extend_from_slice(&chunk);
            if out.len() as u64 > desc.size {
                break;
            }
        }
        if out.len() as u64 != desc.size {
            return Err(VerifyError::Size {
                what: format!("blob {} from {}", desc.digest, r.repository_path()),
                expected: desc.size,
                actual: out.len() as u64,
            }
            .into());
        }
        let actual = desc.digest.compute_like(&out);
        if actual != desc.digest {
            return Err(VerifyError::Mismatch {
                what: format!("blob from {}", r.repository_path()),
                expected: desc.digest.clone(),
                actual,
            }
            .into());
        }
        Ok(out)
    }

    /// Upload a blob (no-op when the registry already has it). Returns its descriptor digest.
    pub async fn push_blob(
        &self,
        r: &ImageReference,
        data: Vec<u8>,
    ) -> Result<Digest, RegistryError> {
        let digest = Digest::sha256_of(&data);
        let reference = to_oci(r);
        let data = bytes::Bytes::from(data);
        let ds = digest.to_string();
        let exists = self
            .with_retry(r, "check blob", |h| {
                let reference = reference.clone();
                let ds = ds.clone();
                async move {
                    // Register the credentials only: oci-client fetches the push token
                    // on the first push request and caches it until it expires (an
                    // explicit `auth()` here re-ran the token exchange on every call).
                    h.client
                        .store_auth_if_needed(reference.resolve_registry(), &h.auth)
                        .await;
                    h.client.blob_exists(&reference, &ds).await
                }
            })
            .await?;
        if !exists {
            self.with_retry(r, "push blob", |h| {
                let reference = reference.clone();
                let data = data.clone();
                let ds = ds.clone();
                async move { h.client.push_blob(&reference, data, &ds).await }
            })
            .await?;
        }
        Ok(digest)
    }

    /// Upload a manifest under `r` (its tag, or its digest). Returns the manifest digest.
    pub async fn push_manifest(
        &self,
        r: &ImageReference,
        body: Vec<u8>,
        media_type: &str,
    ) -> Result<Digest, RegistryError> {
        let digest = Digest::sha256_of(&body);
        let reference = to_oci(r);
        let body = bytes::Bytes::from(body);
        let content_type = reqwest::header::HeaderValue::from_str(media_type)
            .map_err(|e| RegistryError::Setup(e.to_string()))?;
        self.with_retry(r, "push manifest", |h| {
            let reference = reference.clone();
            let body = body.clone();
            let content_type = content_type.clone();
            async move {
                // The push token comes from oci-client's cache (see `push_blob`).
                h.client
                    .store_auth_if_needed(reference.resolve_registry(), &h.auth)
                    .await;
                h.client
                    .push_manifest_raw(&reference, body, content_type)
                    .await
            }
        })
        .await?;
        Ok(digest)
    }

    /// Referrers of `subject` (which must carry a digest): the OCI 1.1 referrers API,
    /// falling back to the referrers tag schema (`sha256-<hex>` index) when the registry
    /// has no referrers API. Filtered by `artifact_type` when given.
    pub async fn referrers(
        &self,
        subject: &ImageReference,
        artifact_type: Option<&str>,
    ) -> Result<ImageIndex, RegistryError> {
        if subject.digest.is_none() {
            return Err(RegistryError::Setup(format!(
                "referrers of {subject}: a digest is required"
            )));
        }
        let reference = to_oci(subject);
        let at = artifact_type.map(str::to_string);
        let index = self
            .with_retry(subject, "list referrers", |h| {
                let reference = reference.clone();
                let at = at.clone();
                async move {
                    h.client
                        .store_auth_if_needed(reference.resolve_registry(), &h.auth)
                        .await;
                    h.client.pull_referrers(&reference, at.as_deref()).await
                }
            })
            .await?;
        let json = serde_json::to_vec(&index).map_err(|e| RegistryError::Setup(e.to_string()))?;
        serde_json::from_slice(&json).map_err(|e| RegistryError::Malformed {
            registry: subject.registry.clone(),
            what: format!("referrers index of {subject}"),
            detail: e.to_string(),
        })
    }

    /// Push `manifest` (an OCI image manifest whose `subject` is `subject`) as a
    /// referrer of `subject`, and list it in the referrers tag schema index
    /// (`<repo>:sha256-<hex>`) so that registries without the OCI 1.1 referrers
    /// API (distribution 2.x) serve it too. The index entry carries the
    /// manifest's `artifactType` and annotations. A manifest already listed is
    /// not listed twice; nothing is pushed to the index then. Returns the
    /// manifest's digest.
    ///
    /// The index is maintained on every registry (a registry with the referrers
    /// API ignores the tag); its read-modify-write is serialized within the
    /// process ([`RegistryClient::lock_tag`]), not across processes, as in every
    /// client that uses the tag schema.
    pub async fn push_referrer(
        &self,
        subject: &ImageReference,
        manifest: Vec<u8>,
        artifact_type: &str,
        annotations: Option<BTreeMap<String, String>>,
    ) -> Result<Digest, RegistryError> {
        let subject_digest = subject.digest.clone().ok_or_else(|| {
            RegistryError::Setup(format!("referrer of {subject}: a digest is required"))
        })?;
        let digest = Digest::sha256_of(&manifest);
        let size = manifest.len() as u64;
        self.push_manifest(
            &subject.with_digest(digest.clone()),
            manifest,
            MEDIA_TYPE_OCI_MANIFEST,
        )
        .await?;
        let index_ref = subject
            .with_tag(&subject_digest.tag_form())
            .map_err(|e| RegistryError::Setup(e.to_string()))?;
        let _update = self.lock_tag(&index_ref).await;
        let mut index = match self.fetch_manifest(&index_ref).await {
            Ok((bytes, _, _)) => serde_json::from_slice::<ImageIndex>(&bytes).map_err(|e| {
                RegistryError::Malformed {
                    registry: subject.registry.clone(),
                    what: format!("referrers index {index_ref}"),
                    detail: e.to_string(),
                }
            })?,
            Err(RegistryError::NotFound { .. }) => ImageIndex {
                schema_version: 2,
                media_type: Some(MEDIA_TYPE_OCI_INDEX.to_string()),
                manifests: Vec::new(),
                annotations: None,
            },
            Err(e) => return Err(e),
        };
        if index.manifests.iter().any(|d| d.digest == digest) {
            return Ok(digest);
        }
        let mut entry = Descriptor::new(MEDIA_TYPE_OCI_MANIFEST, digest.clone(), size);
        entry.artifact_type = Some(artifact_type.to_string());
        entry.annotations = annotations;
        index.manifests.push(entry);
        index.media_type = Some(MEDIA_TYPE_OCI_INDEX.to_string());
        let body = serde_json::to_vec(&index).map_err(|e| RegistryError::Setup(e.to_string()))?;
        self.push_manifest(&index_ref, body, MEDIA_TYPE_OCI_INDEX)
            .await?;
        Ok(digest)
    }

    /// Hold this while reading, changing and pushing back the manifest a tag
    /// names (cosign's `.sig` and `.att` images, the referrers tag-schema
    /// index). Registries offer no compare-and-swap on tags, so two concurrent
    /// appends (an image's SBOM and provenance attestations, say) would
    /// otherwise lose one; this serializes them within the process. Writers in
    /// other processes are not covered, as with every tag-schema client.
    pub async fn lock_tag(&self, tag: &ImageReference) -> tokio::sync::OwnedMutexGuard<()> {
        type Locks = Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>;
        static LOCKS: std::sync::OnceLock<Locks> = std::sync::OnceLock::new();
        let lock = LOCKS
            .get_or_init(Default::default)
            .lock()
            .expect("tag locks")
            .entry(tag.to_string())
            .or_default()
            .clone();
        lock.lock_owned().await
    }

    /// Fetch the manifest cosign stores at `<repo>:sha256-<hex>.<suffix>` for `subject`
    /// (`sig`, `att`, `sbom`). `None` when the tag does not exist.
    pub async fn cosign_manifest(
        &self,
        subject: &ImageReference,
        suffix: &str,
    ) -> Result<Option<(Vec<u8>, Digest)>, RegistryError> {
        let tag_ref = cosign_tag(subject, suffix)?;
        match self.fetch_manifest(&tag_ref).await {
            Ok((bytes, digest, _)) => Ok(Some((bytes, digest))),
            Err(RegistryError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The reference of cosign's tag for `subject`: `<repo>:sha256-<hex>.<suffix>`.
pub fn cosign_tag(subject: &ImageReference, suffix: &str) -> Result<ImageReference, RegistryError> {
    let digest = subject.digest.as_ref().ok_or_else(|| {
        RegistryError::Setup(format!(
            "{subject}: a digest is required for the cosign tag schema"
        ))
    })?;
    subject
        .with_tag(&format!("{}.{suffix}", digest.tag_form()))
        .map_err(|e| RegistryError::Setup(e.to_string()))
}

fn oci_registry_host(registry: &str) -> &str {
    if registry == "docker.io" {
        "index.docker.io"
    } else {
        registry
    }
}

fn to_oci(r: &ImageReference) -> Reference {
    match (&r.tag, &r.digest) {
        (_, Some(d)) => {
            Reference::with_digest(r.registry.clone(), r.repository.clone(), d.to_string())
        }
        (Some(t), None) => Reference::with_tag(r.registry.clone(), r.repository.clone(), t.clone()),
        (None, None) => {
            Reference::with_tag(r.registry.clone(), r.repository.clone(), "latest".into())
        }
    }
}

fn to_oci_descriptor(d: &Descriptor) -> oci_client::manifest::OciDescriptor {
    oci_client::manifest::OciDescriptor {
        media_type: d.media_type.clone(),
        digest: d.digest.to_string(),
        size: d.size as i64,
        urls: None,
        annotations: None,
        ..Default::default()
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        let msg = inner.to_string();
        if !s.contains(&msg) {
            s.push_str(": ");
            s.push_str(&msg);
        }
        cur = inner.source();
    }
    s
}

/// oci-client's digest verification failure as our [`VerifyError::Mismatch`].
fn digest_mismatch(e: &oci_client::errors::DigestError, what: String) -> Option<RegistryError> {
    match e {
        oci_client::errors::DigestError::VerificationError { expected, actual } => {
            Some(RegistryError::Verify(VerifyError::Mismatch {
                what,
                expected: expected.parse().ok()?,
                actual: actual.parse().ok()?,
            }))
        }
        _ => None,
    }
}

fn is_retryable(e: &OciDistributionError) -> bool {
    match e {
        OciDistributionError::RequestError(re) => {
            !re.is_builder()
                && !re.is_redirect()
                && re
                    .status()
                    .is_none_or(|s| s.is_server_error() || s.as_u16() == 429)
        }
        OciDistributionError::IoError(_) => true,
        OciDistributionError::ServerError { code, .. } => *code >= 500 || *code == 429,
        OciDistributionError::RegistryError { envelope, .. } => envelope
            .errors
            .iter()
            .any(|x| matches!(x.code, oci_client::errors::OciErrorCode::Toomanyrequests)),
        _ => false,
    }
}

fn map_error(
    e: OciDistributionError,
    r: &ImageReference,
    operation: &'static str,
    attempts: u32,
) -> RegistryError {
    let registry = r.registry.clone();
    let reference = r.to_string();
    let not_found_code = |env: &oci_client::errors::OciEnvelope| {
        env.errors.iter().any(|x| {
            use oci_client::errors::OciErrorCode::*;
            matches!(
                x.code,
                ManifestUnknown | BlobUnknown | NameUnknown | NotFound
            )
        })
    };
    match e {
        OciDistributionError::UnauthorizedError { .. }
        | OciDistributionError::AuthenticationFailure(_) => RegistryError::Unauthorized {
            registry,
            reference,
        },
        OciDistributionError::ImageManifestNotFoundError(_) => RegistryError::NotFound {
            registry,
            reference,
        },
        OciDistributionError::RegistryError { ref envelope, .. } if not_found_code(envelope) => {
            RegistryError::NotFound {
                registry,
                reference,
            }
        }
        OciDistributionError::RegistryError { ref envelope, .. }
            if envelope.errors.iter().any(|x| {
                matches!(
                    x.code,
                    oci_client::errors::OciErrorCode::Unauthorized
                        | oci_client::errors::OciErrorCode::Denied
                )
            }) =>
        {
            RegistryError::Unauthorized {
                registry,
                reference,
            }
        }
        OciDistributionError::ServerError { code: 404, .. } => RegistryError::NotFound {
            registry,
            reference,
        },
        OciDistributionError::ServerError {
            code: 401 | 403, ..
        } => RegistryError::Unauthorized {
            registry,
            reference,
        },
        OciDistributionError::DigestError(d) => {
            digest_mismatch(&d, format!("content of {reference}")).unwrap_or_else(|| {
                RegistryError::Malformed {
                    registry,
                    what: format!("content of {reference}"),
                    detail: d.to_string(),
                }
            })
        }
        ref err if is_retryable(err) => RegistryError::Transport {
            registry,
            operation,
            attempts,
            detail: error_chain(err),
        },
        OciDistributionError::RequestError(ref re) => RegistryError::Transport {
            registry,
            operation,
            attempts,
            detail: error_chain(re),
        },
        other => RegistryError::Status {
            registry,
            operation,
            reference,
            detail: error_chain(&other),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_detection() {
        for h in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:5000",
            "127.1.2.3",
            "[::1]:5000",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "ghcr.io",
            "10.0.0.1:5000",
            "[2001:db8::1]:5000",
            "localhost.example.com",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn cosign_tags() {
        let r: ImageReference = "localhost:5000/app@sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824".parse().unwrap();
        let t = cosign_tag(&r, "sig").unwrap();
        assert_eq!(
            t.tag.as_deref(),
            Some("sha256-2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824.sig")
        );
        assert!(t.digest.is_none());
        let untagged: ImageReference = "localhost:5000/app:1".parse().unwrap();
        assert!(cosign_tag(&untagged, "sig").is_err());
    }

    #[test]
    fn retry_classification() {
        assert!(is_retryable(&OciDistributionError::ServerError {
            code: 503,
            url: String::new(),
            message: String::new()
        }));
        assert!(is_retryable(&OciDistributionError::ServerError {
            code: 429,
            url: String::new(),
            message: String::new()
        }));
        assert!(!is_retryable(&OciDistributionError::ServerError {
            code: 404,
            url: String::new(),
            message: String::new()
        }));
        assert!(!is_retryable(&OciDistributionError::UnauthorizedError {
            url: String::new()
        }));
    }
}
