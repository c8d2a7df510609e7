//! The security executor (the seeds' `Executor`): runs the enabled operations
//! for one image in the seeds' order and with their failure semantics:
//!
//! 1. validate the configuration (invalid → error, nothing runs);
//! 2. **scan, fail-fast**: a policy failure (findings at/above `failOn`) stops
//!    here — the image is not signed; a scan that cannot run stops here too
//!    unless `scan.required: false`;
//! 3. **sign**; a failure is recorded and the run continues (**fail-open**),
//!    unless `signing.required: true`;
//! 4. **SBOM and provenance, concurrently**, fail-open the same way.
//!
//! The operations themselves are behind [`Operations`], so the orchestration is
//! independent of how each step is done. [`NativeOperations`] is sc's in-process
//! implementation: the scanner and SBOM engine share one catalog of the image,
//! results are cached by digest ([`ScanCache`]), key-based signing is
//! idempotent (an image already signed with the same key and payload is not
//! signed again), and registry faults are retried with backoff by the
//! registry client's [`crate::registry::RetryPolicy`].
//!
//! Signing (key-based or keyless, with or without Rekor) and the SBOM and
//! provenance attestations use one signer built from the `signing:` block
//! ([`crate::signing::image::ImageSigner`]); attestations are attached when
//! the `attach:` blocks ask for it ([`crate::attest`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;
use serde::Serialize;

use crate::config::{
    KeyRef, ProvenanceConfig, SbomConfig, SbomFormat, SbomScope, ScanConfig, SecurityDescriptor,
    SigningConfig,
};
use crate::context::{Env, ExecutionContext};
use crate::error::{ErrorKind, NotImplemented, SecurityError};
use crate::policy::PolicyEnforcer;
use crate::provenance::Provenance;
use crate::reference::ImageReference;
use crate::registry::RegistryClient;
use crate::sbom::model::Inventory;
use crate::sbom::{Sbom, SbomMetadata};
use crate::scan::cache::{CachedSbom, ScanCache};
use crate::scan::report::ScanReport;
use crate::scan::ScanResult;
use crate::signing::image::{ImageSigner, RekorLog};
use crate::signing::keyless::{IdentityToken, SigningServices};
use crate::signing::keys::{KeyError, Password, SigningKey};
use crate::signing::trust::{SigningConfig as SigningConfigFile, SigstoreInstance, TrustedRoot};
use crate::signing::{SignOptions, SignResult};
use crate::source::RegistrySource;
use crate::source::{ImageSource, Platform, ResolvedImage};
use crate::vulndb::Database;

/// Boxed cause of an operation failure.
pub type OperationError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The four operations the executor orchestrates.
#[async_trait]
pub trait Operations: Send + Sync {
    /// Get ready for images configured by `config` (load shared resources in the
    /// background); called as a release starts. Nothing by default.
    async fn prepare(&self, _config: &SecurityDescriptor) {}
    /// Scan the image.
    async fn scan(
        &self,
        image: &ImageReference,
        config: &ScanConfig,
    ) -> Result<Vec<ScanResult>, OperationError>;
    /// Sign the image.
    async fn sign(
        &self,
        image: &ImageReference,
        config: &SigningConfig,
    ) -> Result<SignResult, OperationError>;
    /// Generate (and attach, when configured) the SBOM; attestations are signed
    /// as the `signing` block says.
    async fn sbom(
        &self,
        image: &ImageReference,
        config: &SbomConfig,
        signing: Option<&SigningConfig>,
    ) -> Result<Sbom, OperationError>;
    /// Generate (and attach, when configured) provenance; attestations are
    /// signed as the `signing` block says.
    async fn provenance(
        &self,
        image: &ImageReference,
        config: &ProvenanceConfig,
        signing: Option<&SigningConfig>,
    ) -> Result<Provenance, OperationError>;
}

/// Operations shared between executors (one per image of a release).
#[async_trait]
impl<O: Operations + ?Sized> Operations for Arc<O> {
    async fn prepare(&self, config: &SecurityDescriptor) {
        (**self).prepare(config).await
    }
    async fn scan(
        &self,
        image: &ImageReference,
        config: &ScanConfig,
    ) -> Result<Vec<ScanResult>, OperationError> {
        (**self).scan(image, config).await
    }
    async fn sign(
        &self,
        image: &ImageReference,
        config: &SigningConfig,
    ) -> Result<SignResult, OperationError> {
        (**self).sign(image, config).await
    }
    async fn sbom(
        &self,
        image: &ImageReference,
        config: &SbomConfig,
        signing: Option<&SigningConfig>,
    ) -> Result<Sbom, OperationError> {
        (**self).sbom(image, config, signing).await
    }
    async fn provenance(
        &self,
        image: &ImageReference,
        config: &ProvenanceConfig,
        signing: Option<&SigningConfig>,
    ) -> Result<Provenance, OperationError> {
        (**self).provenance(image, config, signing).await
    }
}

/// Where [`NativeOperations`] read images, databases and keys, and keep results.
#[derive(Clone)]
pub struct NativeOptions {
    /// Registry client (its [`crate::registry::RetryPolicy`] retries transient faults with backoff).
    pub registry: Arc<RegistryClient>,
    /// Platform selected from multi-platform images.
    pub platform: Platform,
    /// Result cache for scan matches and SBOMs; `None` is `--no-cache`.
    pub cache: Option<ScanCache>,
    /// Vulnerability database directory overriding `scan.dbPath` (else `SC_DB_DIR`,
    /// the user cache, the bundled seed — see [`crate::vulndb::locate`]).
    pub db_dir: Option<PathBuf>,
    /// Directory relative paths in the configuration (keys, ignore files, VEX,
    /// SBOM output) are resolved against: the project directory.
    pub base_dir: PathBuf,
    /// Environment the key passwords (`signing.passwordEnv`) and `env://` keys are read from.
    pub env: Arc<dyn Env + Send + Sync>,
    /// CI, git and OIDC facts for provenance and keyless signing.
    pub context: ExecutionContext,
}

impl std::fmt::Debug for NativeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeOptions")
            .field("platform", &self.platform)
            .field("cache", &self.cache)
            .field("db_dir", &self.db_dir)
            .field("base_dir", &self.base_dir)
            .finish_non_exhaustive()
    }
}

impl NativeOptions {
    /// Options with `registry`, the default platform and cache, the process
    /// environment, and the current directory as base.
    pub fn new(registry: Arc<RegistryClient>) -> Self {
        NativeOptions {
            registry,
            platform: Platform::default(),
            cache: ScanCache::default_location(),
            db_dir: None,
            base_dir: PathBuf::from("."),
            env: Arc::new(crate::context::ProcessEnv),
            context: ExecutionContext::default(),
        }
    }
}

type Shared<T> = Arc<tokio::sync::OnceCell<Arc<T>>>;

/// sc's in-process operations: the scanner and SBOM engine over one catalog of
/// the image (the layers are read once per image, even when both run), and
/// one signer from the `signing:` block (key-based or keyless) for the image
/// signature and the SBOM and provenance attestations ([`crate::attest`]).
pub struct NativeOperations {
    options: NativeOptions,
    resolved: Mutex<HashMap<String, Shared<ResolvedImage>>>,
    inventories: Mutex<HashMap<String, Shared<Inventory>>>,
    databases: Mutex<HashMap<Option<PathBuf>, Shared<Database>>>,
    keys: Mutex<HashMap<String, Shared<SigningKey>>>,
}

impl std::fmt::Debug for NativeOperations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeOperations")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// One value per key, computed once even when asked for concurrently.
async fn once<K, T, E, F, Fut>(
    map: &Mutex<HashMap<K, Shared<T>>>,
    key: K,
    init: F,
) -> Result<Arc<T>, E>
where
    K: std::hash::Hash + Eq,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let cell = map
        .lock()
        .expect("operations cache lock")
        .entry(key)
        .or_default()
        .clone();
    cell.get_or_try_init(|| async { init().await.map(Arc::new) })
        .await
        .cloned()
}

use crate::timefmt::now_rfc3339;

impl NativeOperations {
    /// Operations with `options`.
    pub fn new(options: NativeOptions) -> Self {
        NativeOperations {
            options,
            resolved: Mutex::default(),
            inventories: Mutex::default(),
            databases: Mutex::default(),
            keys: Mutex::default(),
        }
    }

    /// The options.
    pub fn options(&self) -> &NativeOptions {
        &self.options
    }

    fn path(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.options.base_dir.join(p)
        }
    }

    fn source(&self, image: &ImageReference) -> RegistrySource {
        RegistrySource::new(self.options.registry.clone(), image.clone())
    }

    /// The image resolved for `platform` (manifest and config), read once per
    /// reference: the steps work on digests, whose content cannot change.
    async fn resolve(&self, image: &ImageReference) -> Result<Arc<ResolvedImage>, OperationError> {
        once(&self.resolved, image.to_string(), || async {
            Ok::<_, OperationError>(self.source(image).resolve(&self.options.platform).await?)
        })
        .await
    }

    /// The image's package inventory, cataloged once per (manifest, scope).
    async fn inventory(
        &self,
        image: &ImageReference,
        resolved: &ResolvedImage,
        scope: SbomScope,
    ) -> Result<Arc<Inventory>, OperationError> {
        let key = format!("{}|{}", resolved.manifest_digest, scope.as_str());
        once(&self.inventories, key, || async {
            let src = self.source(image);
            let opts = crate::sbom::GenerateOptions {
                platform: self.options.platform.clone(),
                scope,
                ..Default::default()
            };
            let inv = crate::sbom::catalog_resolved(&src, resolved, &opts).await?;
            for w in &inv.warnings {
                tracing::warn!("{image}: {w}");
            }
            Ok::<_, OperationError>(inv)
        })
        .await
    }

    async fn database(&self, config: &ScanConfig) -> Result<Arc<Database>, OperationError> {
        let dir = self
            .options
            .db_dir
            .clone()
            .or_else(|| config.db_path.as_deref().map(|p| self.path(p)));
        let db = once(&self.databases, dir.clone(), || async move {
            tokio::task::spawn_blocking(move || crate::vulndb::open_located(dir.as_deref()))
                .await
                .map_err(|e| OperationError::from(e.to_string()))?
                .map(|(db, _)| db)
                .map_err(OperationError::from)
        })
        .await?;
        if let Some(max) = config.max_db_age() {
            let age = db.status().age_seconds;
            if age > max.as_secs() {
                return Err(format!(
                    "the vulnerability database is {age}s old, older than maxDbAge ({}s): update it with `sc db sync` or `sc db import`",
                    max.as_secs()
                )
                .into());
            }
        }
        Ok(db)
    }

    fn enforcer(&self, config: &ScanConfig) -> Result<PolicyEnforcer, OperationError> {
        let mut e = PolicyEnforcer::from_config(config);
        if let Some(f) = &config.ignore_file {
            e.load_ignore_file(&self.path(f))?;
        }
        for v in &config.vex {
            e.load_vex(&self.path(v))?;
        }
        Ok(e)
    }

    async fn signing_key(&self, config: &SigningConfig) -> Result<Arc<SigningKey>, OperationError> {
        let Some(key_ref) = config.private_key_ref() else {
            return Err(Box::new(MissingKeyError));
        };
        let password_env = config.password_env().to_string();
        let cache_key = format!("{key_ref:?}|{password_env}");
        let env = self.options.env.clone();
        let path = match &key_ref {
            KeyRef::Path(p) => Some(self.path(&p.to_string_lossy())),
            KeyRef::Env(_) => None,
        };
        once(&self.keys, cache_key, || async move {
            tokio::task::spawn_blocking(move || {
                let password = || match env.var(&password_env) {
                    Some(p) => Ok(Password::new(p.into_bytes())),
                    None => Err(KeyError::Password(format!(
                        "the signing key is encrypted and {password_env} (signing.passwordEnv) is not set; set it (it may be empty)"
                    ))),
                };
                match (&key_ref, path) {
                    (_, Some(p)) => SigningKey::from_file(&p, password),
                    (KeyRef::Env(name), None) => match env.var(name) {
                        Some(pem) => SigningKey::from_pem(pem.as_bytes(), password),
                        None => Err(KeyError::Password(format!(
                            "signing.privateKey names env://{name}, which is not set"
                        ))),
                    },
                    (KeyRef::Path(_), None) => unreachable!("paths are resolved above"),
                }
            })
            .await
            .map_err(|e| OperationError::from(e.to_string()))?
            .map_err(OperationError::from)
        })
        .await
    }

    /// The trusted root a `signing:` block names (relative to the project), if any.
    fn trusted_root(&self, config: &SigningConfig) -> Result<Option<TrustedRoot>, OperationError> {
        match config.trusted_root.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => Ok(Some(TrustedRoot::from_file(&self.path(p))?)),
            None => Ok(None),
        }
    }

    /// The signer a `signing:` block describes, for image signatures and
    /// attestations alike: its key (decrypted once per run) with its Rekor log
    /// unless `tlogUpload: false`, or keyless with the CI's OIDC token, the
    /// configured (else public-good) Fulcio and Rekor, and the trusted root the
    /// certificates and log entries are checked against.
    async fn image_signer(&self, config: &SigningConfig) -> Result<ImageSigner, OperationError> {
        let root = self.trusted_root(config)?;
        if !config.is_keyless() {
            let key = self.signing_key(config).await?;
            let rekor = if config.tlog_upload() {
                let url = match &config.rekor_url {
                    Some(u) => u.clone(),
                    None => public_good_services()?.rekor_url,
                };
                Some(RekorLog::new(url, root.as_ref())?)
            } else {
                None
            };
            return Ok(ImageSigner::key((*key).clone(), rekor));
        }
        let ctx = &self.options.context;
        let token = ctx
            .oidc_token(None, crate::context::SIGSTORE_AUDIENCE)
            .await?
            .ok_or_else(|| -> OperationError {
                format!(
                    "keyless signing needs an OIDC identity token: {}",
                    ctx.oidc_setup_hint()
                        .unwrap_or("set SIGSTORE_ID_TOKEN, or use key-based signing")
                )
                .into()
            })?;
        let token = IdentityToken::from_jwt(token.secret())?;
        let services = match (&config.fulcio_url, &config.rekor_url) {
            (None, None) => public_good_services()?,
            (f, r) => {
                let public = public_good_services()?;
                SigningServices::new(
                    f.clone().unwrap_or(public.fulcio_url),
                    r.clone().unwrap_or(public.rekor_url),
                )
            }
        };
        let root = match root {
            Some(r) => r,
            None => TrustedRoot::embedded(SigstoreInstance::PublicGood)?,
        };
        Ok(ImageSigner::keyless(token, services, &root)?)
    }

    /// The signer for an attestation, or `None` when the `attach` block does not
    /// ask for one.
    async fn attestation_signer(
        &self,
        attach: Option<&crate::config::AttachConfig>,
        signing: Option<&SigningConfig>,
    ) -> Result<Option<ImageSigner>, OperationError> {
        let Some(attach) = attach.filter(|a| a.is_enabled()) else {
            return Ok(None);
        };
        if !attach.sign() {
            return Err(Box::new(UnsignedAttestation));
        }
        let signing = signing.ok_or_else(|| Box::new(NoAttestationSigner) as OperationError)?;
        Ok(Some(self.image_signer(signing).await?))
    }

    /// Write the SBOM where `sbom.output.path` says: a file when the path has an
    /// extension, else a directory (default `.sc/artifacts/sbom`) where the file
    /// is named `<repository name>-<digest prefix>.<format>.<ext>`.
    fn write_sbom_output(
        &self,
        image: &ImageReference,
        config: &SbomConfig,
        sbom: &Sbom,
    ) -> Result<(), OperationError> {
        let configured = config.output.as_ref().and_then(|o| o.path.as_deref());
        let target = self.path(configured.unwrap_or(".sc/artifacts/sbom"));
        let file = if target.extension().is_some() {
            target
        } else {
            let name = image.repository.rsplit('/').next().unwrap_or("image");
            let hex = sbom
                .image_digest
                .split_once(':')
                .map(|(_, h)| &h[..h.len().min(12)])
                .unwrap_or("");
            let ext = match config.format() {
                SbomFormat::CycloneDxXml => "xml",
                SbomFormat::SpdxTagValue => "spdx",
                _ => "json",
            };
            target.join(format!("{name}-{hex}.{}.{ext}", config.format().as_str()))
        };
        let dir = file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            file.file_name().unwrap_or_default().to_string_lossy(),
            std::process::id()
        ));
        std::fs::write(&tmp, &sbom.content)?;
        std::fs::rename(&tmp, &file).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })?;
        tracing::info!("SBOM of {image} written to {}", file.display());
        Ok(())
    }
}

/// Key-based signing was configured without a key.
#[derive(Debug, thiserror::Error)]
#[error("signing is key-based (keyless: false) but no signing.privateKey is configured")]
pub struct MissingKeyError;

/// Signed attestations were configured without a `signing` block to sign them with.
#[derive(Debug, thiserror::Error)]
#[error("attaching a signed attestation needs a `signing` block (key or keyless) to sign it with; add one, or set attach.enabled: false")]
pub struct NoAttestationSigner;

/// Unsigned attestations were configured.
#[derive(Debug, thiserror::Error)]
#[error("attach.sign: false asks for an unsigned attestation, which verifiers (sc, cosign, policy controllers) refuse; sc attaches signed attestations only")]
pub struct UnsignedAttestation;

/// The public-good Sigstore services (from the signing config compiled into sc).
fn public_good_services() -> Result<SigningServices, OperationError> {
    Ok(SigningServices::from_config(&SigningConfigFile::embedded(
        SigstoreInstance::PublicGood,
    )?)?)
}

fn log_attached(outcome: &crate::attest::AttachOutcome, what: &str) {
    if outcome.already_attached {
        tracing::info!(
            "{}: the {what} attestation is already attached (signed by {}); nothing pushed",
            outcome.image,
            outcome.signer
        );
    } else {
        tracing::info!(
            "{}: {what} attestation attached in {}, signed by {}",
            outcome.image,
            outcome.attestation_tag,
            outcome.signer
        );
    }
}

/// SLSA v1.0 provenance for `image` ([`crate::provenance::generate`]) from the
/// execution context as the `provenance:` block shapes it: `builderId`
/// replaces the detected builder, `includeGit: false` leaves the source out,
/// and without `includeEnv` the CI run details (run, job, workflow, actor,
/// event, runner) are not recorded.
pub fn provenance_statement(
    image: &ImageReference,
    config: &ProvenanceConfig,
    context: &ExecutionContext,
) -> Result<Provenance, OperationError> {
    let mut ctx = context.clone();
    if let Some(id) = &config.builder_id {
        ctx.build.builder_id = id.clone();
    }
    if !config.include_git() {
        ctx.git = None;
    }
    if !config.include_env() {
        let b = &mut ctx.build;
        for field in [
            &mut b.run_id,
            &mut b.run_attempt,
            &mut b.job_id,
            &mut b.job,
            &mut b.run_url,
            &mut b.workflow,
            &mut b.workflow_ref,
            &mut b.actor,
            &mut b.event,
            &mut b.runner_environment,
        ] {
            *field = None;
        }
    }
    Ok(crate::provenance::generate(
        &ctx,
        image,
        &crate::provenance::ProvenanceOptions::default(),
    )?)
}

#[async_trait]
impl Operations for NativeOperations {
    /// Start what the steps of `config` will need and every image shares — the
    /// vulnerability database and the decrypted signing key — so that it is
    /// ready when the first image gets there (a release calls this as it
    /// starts). Failures are left for the steps themselves to report.
    async fn prepare(&self, config: &SecurityDescriptor) {
        let db = async {
            if let (true, Some(scan)) = (config.scan_enabled(), &config.scan) {
                let _ = self.database(scan).await;
            }
        };
        let key = async {
            if let (true, Some(signing)) = (config.signing_enabled(), &config.signing) {
                if !signing.is_keyless() {
                    let _ = self.signing_key(signing).await;
                }
            }
        };
        tokio::join!(db, key);
    }

    async fn scan(
        &self,
        image: &ImageReference,
        config: &ScanConfig,
    ) -> Result<Vec<ScanResult>, OperationError> {
        let started = Instant::now();
        let enforcer = self.enforcer(config)?;
        let db = self.database(config).await?;
        let resolved = self.resolve(image).await?;
        let scope = SbomScope::Squashed;
        let key = ScanCache::key(
            &resolved.manifest_digest.to_string(),
            scope.as_str(),
            &db.meta().built_at,
            db.record_count(),
        );
        let cached = self.options.cache.as_ref().and_then(|c| c.get(&key));
        let findings = match cached {
            Some(hit) => {
                tracing::info!("{image}: using cached scan results");
                hit.findings
            }
            None => {
                let inventory = self.inventory(image, &resolved, scope).await?;
                let (db2, inv) = (db.clone(), inventory.clone());
                let matches = tokio::task::spawn_blocking(move || {
                    crate::scan::matching::match_inventory(&db2, &inv)
                })
                .await
                .map_err(|e| OperationError::from(e.to_string()))??;
                if let Some(c) = &self.options.cache {
                    c.put(&key, &matches.findings, &matches.warnings);
                }
                matches.findings
            }
        };
        let digest = resolved.top_digest.clone();
        let decision = enforcer.apply(
            Some(&digest),
            findings,
            time::OffsetDateTime::now_utc().date(),
        );
        for w in &decision.warnings {
            tracing::warn!("{image}: {w}");
        }
        let mut report = ScanReport::new(image.to_string(), Some(&digest), decision);
        report.scanned_at = now_rfc3339();
        report.duration_ms = started.elapsed().as_millis() as u64;
        Ok(vec![report.to_scan_result()])
    }

    async fn sign(
        &self,
        image: &ImageReference,
        config: &SigningConfig,
    ) -> Result<SignResult, OperationError> {
        let signer = self.image_signer(config).await?;
        let outcome = crate::signing::image::sign(
            &self.options.registry,
            image,
            &signer,
            &SignOptions::default(),
        )
        .await?;
        if outcome.already_signed {
            tracing::info!(
                "{image}: already signed by {}; nothing pushed",
                signer.describe()
            );
        }
        Ok(outcome.result)
    }

    async fn sbom(
        &self,
        image: &ImageReference,
        config: &SbomConfig,
        signing: Option<&SigningConfig>,
    ) -> Result<Sbom, OperationError> {
        let resolved = self.resolve(image).await?;
        let format = config.format();
        let scope = config.scope();
        let key = ScanCache::sbom_key(
            &resolved.manifest_digest.to_string(),
            scope.as_str(),
            format.as_str(),
        );
        let entry = match self.options.cache.as_ref().and_then(|c| c.get_sbom(&key)) {
            Some(hit) => {
                tracing::info!("{image}: using the cached SBOM");
                hit
            }
            None => {
                let inventory = self.inventory(image, &resolved, scope).await?;
                let generated_at = time::OffsetDateTime::now_utc();
                let opts = crate::sbom::format::RenderOptions {
                    generated_at,
                    ..crate::sbom::format::RenderOptions::now()
                };
                let bytes = crate::sbom::format::render(&inventory, format, &opts)?;
                let content = String::from_utf8(bytes)?;
                let entry = CachedSbom::new(
                    format.as_str(),
                    inventory.packages.len(),
                    content,
                    now_rfc3339(),
                );
                if let Some(c) = &self.options.cache {
                    c.put_sbom(&key, &entry);
                }
                entry
            }
        };
        let sbom = Sbom {
            format: entry.format,
            digest: entry.sha256,
            content: entry.content.into_bytes(),
            image_digest: resolved.top_digest.to_string(),
            generated_at: entry.generated_at,
            metadata: SbomMetadata {
                tool_name: crate::TOOL_NAME.into(),
                tool_version: crate::TOOL_VERSION.into(),
                package_count: entry.package_count,
                format: format.as_str().into(),
            },
        };
        if config.output_enabled() {
            self.write_sbom_output(image, config, &sbom)?;
        }
        if let Some(signer) = self
            .attestation_signer(config.attach.as_ref(), signing)
            .await?
        {
            let outcome =
                crate::attest::attach_sbom(&self.options.registry, image, &sbom, &signer).await?;
            log_attached(&outcome, "SBOM");
        }
        Ok(sbom)
    }

    async fn provenance(
        &self,
        image: &ImageReference,
        config: &ProvenanceConfig,
        signing: Option<&SigningConfig>,
    ) -> Result<Provenance, OperationError> {
        let provenance = provenance_statement(image, config, &self.options.context)?;
        if let Some(signer) = self
            .attestation_signer(config.attach.as_ref(), signing)
            .await?
        {
            let outcome = crate::attest::attach_provenance(
                &self.options.registry,
                image,
                &provenance,
                &signer,
            )
            .await?;
            log_attached(&outcome, "SLSA provenance");
        }
        Ok(provenance)
    }
}

/// Everything the operations on one image produced (the seeds' `SecurityResult`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityResult {
    /// The image, pinned by digest.
    pub image: String,
    /// Signing succeeded.
    pub signed: bool,
    /// Signing result.
    pub sign_result: Option<SignResult>,
    /// SBOM generation succeeded.
    pub sbom_generated: bool,
    /// The SBOM.
    pub sbom: Option<Sbom>,
    /// Provenance generation succeeded.
    pub provenance_generated: bool,
    /// The provenance.
    pub provenance: Option<Provenance>,
    /// The scan ran.
    pub scanned: bool,
    /// Scan results.
    pub scan_results: Vec<ScanResult>,
    /// Duration in milliseconds.
    pub duration_ms: u64,
    /// Errors of fail-open steps (the run went on).
    #[serde(serialize_with = "errors_as_strings")]
    pub errors: Vec<SecurityError>,
    /// Warnings (e.g. findings at/above `warnOn`).
    pub warnings: Vec<String>,
}

fn errors_as_strings<S: serde::Serializer>(
    errors: &[SecurityError],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(errors.iter().map(|e| e.to_string()))
}

impl SecurityResult {
    fn new(image: &ImageReference) -> Self {
        Self::empty(&image.to_string())
    }

    /// A result for `image` where nothing ran (yet).
    pub fn empty(image: &str) -> Self {
        Self {
            image: image.to_string(),
            signed: false,
            sign_result: None,
            sbom_generated: false,
            sbom: None,
            provenance_generated: false,
            provenance: None,
            scanned: false,
            scan_results: Vec::new(),
            duration_ms: 0,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// True when any scan found a critical vulnerability (the seeds' `HasCriticalIssues`).
    pub fn has_critical_issues(&self) -> bool {
        self.scan_results.iter().any(|r| r.summary.critical > 0)
    }

    /// One-line human summary (the seeds' `Summary`).
    pub fn summary(&self) -> String {
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        let vulns: usize = self.scan_results.iter().map(|r| r.summary.total).sum();
        format!(
            "{}: scanned={} ({vulns} findings) signed={} sbom={} provenance={} errors={} warnings={}",
            self.image,
            yes_no(self.scanned),
            yes_no(self.signed),
            yes_no(self.sbom_generated),
            yes_no(self.provenance_generated),
            self.errors.len(),
            self.warnings.len()
        )
    }
}

/// A run that stopped: the error that stopped it and what had been done until then.
#[derive(Debug)]
pub struct ExecutionFailure {
    /// Results so far (e.g. the scan that failed the policy).
    pub result: Box<SecurityResult>,
    /// Why the run stopped.
    pub error: SecurityError,
}

impl std::fmt::Display for ExecutionFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for ExecutionFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Orchestrates the operations for images (the seeds' `Executor`).
pub struct Executor<O: Operations = NativeOperations> {
    config: SecurityDescriptor,
    context: ExecutionContext,
    ops: O,
}

fn kind_of(e: &OperationError, default: ErrorKind) -> ErrorKind {
    if e.is::<NotImplemented>() {
        ErrorKind::NotImplemented
    } else if e.is::<MissingKeyError>() {
        ErrorKind::MissingKey
    } else if let Some(s) = e.downcast_ref::<crate::signing::image::SignError>() {
        match s.kind() {
            ErrorKind::Io => ErrorKind::Io,
            _ => default,
        }
    } else if let Some(a) = e.downcast_ref::<crate::attest::AttachError>() {
        match a.kind() {
            ErrorKind::Io => ErrorKind::Io,
            ErrorKind::NotImplemented => ErrorKind::NotImplemented,
            _ => default,
        }
    } else if e.is::<crate::registry::RegistryError>() || e.is::<crate::source::SourceError>() {
        ErrorKind::Io
    } else {
        default
    }
}

impl Executor<NativeOperations> {
    /// An executor with sc's native operations (the seeds' `NewExecutor`).
    pub fn new(
        config: SecurityDescriptor,
        context: ExecutionContext,
        options: NativeOptions,
    ) -> Self {
        let options = NativeOptions {
            context: context.clone(),
            ..options
        };
        Executor::with_operations(config, context, NativeOperations::new(options))
    }
}

impl<O: Operations> Executor<O> {
    /// An executor with the given operations. The configuration is validated when
    /// [`Executor::execute`] runs (or by [`Executor::validate_config`]).
    pub fn with_operations(config: SecurityDescriptor, context: ExecutionContext, ops: O) -> Self {
        Self {
            config,
            context,
            ops,
        }
    }

    /// The execution context (CI, git, OIDC).
    pub fn context(&self) -> &ExecutionContext {
        &self.context
    }

    /// Validate the configuration (the seeds' `ValidateConfig`).
    pub fn validate_config(&self, image: &ImageReference) -> Result<(), SecurityError> {
        self.config
            .validate()
            .map_err(|e| SecurityError::new("validate", image.clone(), ErrorKind::InvalidConfig, e))
    }

    /// Run every enabled operation on `image`, in order, with fail-fast scanning and
    /// fail-open signing/SBOM/provenance (fail-closed where `required: true`).
    pub async fn execute(
        &self,
        image: &ImageReference,
    ) -> Result<SecurityResult, ExecutionFailure> {
        let started = Instant::now();
        let mut result = SecurityResult::new(image);
        let fail = |result: SecurityResult, error: SecurityError| ExecutionFailure {
            result: Box::new(result),
            error,
        };
        if let Err(e) = self.validate_config(image) {
            return Err(fail(result, e));
        }
        let cfg = &self.config;
        if !cfg.is_enabled() {
            return Ok(result);
        }

        // 1. Scan: fail-fast.
        if let (true, Some(scan)) = (cfg.scan_enabled(), &cfg.scan) {
            match self.ops.scan(image, scan).await {
                Ok(results) => {
                    result.scanned = true;
                    result.scan_results = results;
                    let outcome = crate::policy::evaluate(
                        &result.scan_results,
                        scan.effective_fail_on(),
                        scan.effective_warn_on(),
                    );
                    if outcome.warning > 0 {
                        if let Some(w) = outcome.warn_on {
                            result.warnings.push(format!(
                                "{} vulnerabilities at or above {w} (warnOn)",
                                outcome.warning
                            ));
                        }
                    }
                    if let Err(v) = outcome.enforce() {
                        let e =
                            SecurityError::new("scan", image.clone(), ErrorKind::CriticalVulns, v);
                        return Err(fail(result, e));
                    }
                }
                Err(e) => {
                    let kind = kind_of(&e, ErrorKind::ScanFailed);
                    let err = SecurityError::new("scan", image.clone(), kind, e);
                    if scan.is_required() {
                        return Err(fail(result, err));
                    }
                    result.errors.push(err);
                }
            }
        }

        // 2. Sign: fail-open unless required.
        if let (true, Some(signing)) = (cfg.signing_enabled(), &cfg.signing) {
            match self.ops.sign(image, signing).await {
                Ok(r) => {
                    result.signed = true;
                    result.sign_result = Some(r);
                }
                Err(e) => {
                    let kind = kind_of(&e, ErrorKind::SigningFailed);
                    let err = SecurityError::new("sign", image.clone(), kind, e);
                    if signing.is_required() {
                        return Err(fail(result, err));
                    }
                    result.errors.push(err);
                }
            }
        }

        // 3. SBOM and provenance, concurrently. Their attestations are signed with
        //    the `signing` block's signer even when image signing is switched off.
        let signing_cfg = cfg.signing.as_ref();
        let sbom = async {
            match (cfg.sbom_enabled(), &cfg.sbom) {
                (true, Some(c)) => Some((
                    self.ops.sbom(image, c, signing_cfg).await,
                    c.required.unwrap_or(false),
                )),
                _ => None,
            }
        };
        let provenance = async {
            match (cfg.provenance_enabled(), &cfg.provenance) {
                (true, Some(c)) => Some((
                    self.ops.provenance(image, c, signing_cfg).await,
                    c.required.unwrap_or(false),
                )),
                _ => None,
            }
        };
        let (sbom, provenance) = tokio::join!(sbom, provenance);
        let mut stop = None;
        if let Some((outcome, required)) = sbom {
            match outcome {
                Ok(s) => {
                    result.sbom_generated = true;
                    result.sbom = Some(s);
                }
                Err(e) => {
                    let err = SecurityError::new(
                        "sbom",
                        image.clone(),
                        kind_of(&e, ErrorKind::SbomGeneration),
                        e,
                    );
                    if required {
                        stop = Some(err);
                    } else {
                        result.errors.push(err);
                    }
                }
            }
        }
        if let Some((outcome, required)) = provenance {
            match outcome {
                Ok(p) => {
                    result.provenance_generated = true;
                    result.provenance = Some(p);
                }
                Err(e) => {
                    let err = SecurityError::new(
                        "provenance",
                        image.clone(),
                        kind_of(&e, ErrorKind::ProvenanceGeneration),
                        e,
                    );
                    match (&stop, required) {
                        (None, true) => stop = Some(err),
                        _ => result.errors.push(err),
                    }
                }
            }
        }
        result.duration_ms = started.elapsed().as_millis() as u64;
        match stop {
            Some(err) => Err(fail(result, err)),
            None => Ok(result),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::scan::{Vulnerability, VulnerabilitySummary};
    use crate::severity::Severity;

    /// Test operations with scripted outcomes; SBOM and provenance meet at a
    /// barrier, so a sequential executor would time out.
    struct Scripted {
        findings: Vec<Severity>,
        scan_ok: bool,
        sign_ok: bool,
        sbom_ok: bool,
        barrier: Arc<tokio::sync::Barrier>,
        signs: AtomicUsize,
    }

    impl Scripted {
        fn new(findings: &[Severity]) -> Self {
            Self {
                findings: findings.to_vec(),
                scan_ok: true,
                sign_ok: true,
                sbom_ok: true,
                barrier: Arc::new(tokio::sync::Barrier::new(2)),
                signs: AtomicUsize::new(0),
            }
        }
    }

    #[async_trait]
    impl Operations for Scripted {
        async fn scan(
            &self,
            image: &ImageReference,
            _: &ScanConfig,
        ) -> Result<Vec<ScanResult>, OperationError> {
            if !self.scan_ok {
                return Err("database missing".into());
            }
            let vulns: Vec<Vulnerability> = self
                .findings
                .iter()
                .map(|s| Vulnerability {
                    id: "CVE-2024-0001".into(),
                    severity: *s,
                    package: "openssl".into(),
                    version: "3.0.0".into(),
                    fixed_in: None,
                    description: String::new(),
                    urls: vec![],
                    cvss: None,
                })
                .collect();
            Ok(vec![ScanResult {
                scanner: "test".into(),
                version: "0".into(),
                image_digest: image.to_string(),
                summary: VulnerabilitySummary::of(&vulns),
                vulnerabilities: vulns,
                scanned_at: String::new(),
                duration_ms: 0,
            }])
        }
        async fn sign(
            &self,
            image: &ImageReference,
            _: &SigningConfig,
        ) -> Result<SignResult, OperationError> {
            self.signs.fetch_add(1, Ordering::SeqCst);
            if !self.sign_ok {
                return Err("fulcio unreachable".into());
            }
            Ok(SignResult {
                digest: image.to_string(),
                signature: "sig".into(),
                bundle: None,
                rekor_entry: None,
                signed_at: String::new(),
            })
        }
        async fn sbom(
            &self,
            image: &ImageReference,
            _: &SbomConfig,
            _: Option<&SigningConfig>,
        ) -> Result<Sbom, OperationError> {
            tokio::time::timeout(Duration::from_secs(5), self.barrier.wait())
                .await
                .map_err(|_| "sbom and provenance did not run concurrently")?;
            if !self.sbom_ok {
                return Err("catalog failed".into());
            }
            Ok(Sbom {
                format: "cyclonedx-json".into(),
                content: vec![],
                digest: String::new(),
                image_digest: image.to_string(),
                generated_at: String::new(),
                metadata: Default::default(),
            })
        }
        async fn provenance(
            &self,
            image: &ImageReference,
            _: &ProvenanceConfig,
            _: Option<&SigningConfig>,
        ) -> Result<Provenance, OperationError> {
            tokio::time::timeout(Duration::from_secs(5), self.barrier.wait())
                .await
                .map_err(|_| "sbom and provenance did not run concurrently")?;
            Ok(Provenance {
                format: "slsa-v1.0".into(),
                content: vec![],
                image_digest: image.to_string(),
                generated_at: String::new(),
                metadata: Default::default(),
            })
        }
    }

    fn config(yaml: &str) -> SecurityDescriptor {
        SecurityDescriptor::from_yaml_str(yaml, "test.yaml").unwrap()
    }

    const ALL: &str = "signing:\n  keyless: true\nsbom:\n  format: cyclonedx-json\nprovenance: {}\nscan:\n  failOn: critical\n  warnOn: high\n";

    fn image() -> ImageReference {
        "localhost:5000/app@sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
            .parse()
            .unwrap()
    }

    #[tokio::test]
    async fn all_steps_run_and_warnings_are_kept() {
        let ex = Executor::with_operations(
            config(ALL),
            ExecutionContext::default(),
            Scripted::new(&[Severity::High]),
        );
        let r = ex.execute(&image()).await.unwrap();
        assert!(
            r.scanned && r.signed && r.sbom_generated && r.provenance_generated,
            "{}",
            r.summary()
        );
        assert_eq!(
            r.warnings,
            vec!["1 vulnerabilities at or above high (warnOn)".to_string()]
        );
        assert!(r.errors.is_empty());
    }

    #[tokio::test]
    async fn policy_failure_stops_before_signing() {
        let ops = Scripted::new(&[Severity::Critical]);
        let ex = Executor::with_operations(config(ALL), ExecutionContext::default(), ops);
        let f = ex.execute(&image()).await.unwrap_err();
        assert_eq!(f.error.kind, ErrorKind::CriticalVulns);
        assert!(f.result.scanned && !f.result.signed);
        assert!(f.result.has_critical_issues());
        assert_eq!(
            ex.ops.signs.load(Ordering::SeqCst),
            0,
            "a blocked image is never signed"
        );
    }

    #[tokio::test]
    async fn fail_open_records_errors_and_continues() {
        let mut ops = Scripted::new(&[]);
        ops.sign_ok = false;
        ops.sbom_ok = false;
        let ex = Executor::with_operations(config(ALL), ExecutionContext::default(), ops);
        let r = ex.execute(&image()).await.unwrap();
        assert!(!r.signed && !r.sbom_generated && r.provenance_generated);
        let ops: Vec<&str> = r.errors.iter().map(|e| e.op.as_str()).collect();
        assert_eq!(ops, vec!["sign", "sbom"]);
        assert_eq!(r.errors[0].kind, ErrorKind::SigningFailed);
    }

    #[tokio::test]
    async fn required_steps_fail_closed() {
        let mut ops = Scripted::new(&[]);
        ops.sign_ok = false;
        let cfg = config("signing:\n  keyless: true\n  required: true\nsbom: {}\n");
        let ex = Executor::with_operations(cfg, ExecutionContext::default(), ops);
        let f = ex.execute(&image()).await.unwrap_err();
        assert_eq!(f.error.op, "sign");
        assert!(
            !f.result.sbom_generated,
            "nothing after a required step that failed"
        );

        // A scan that cannot run stops the run by default (scan.required defaults to true)...
        let mut ops = Scripted::new(&[]);
        ops.scan_ok = false;
        let ex = Executor::with_operations(
            config("scan: {}\nsigning:\n  keyless: true\n"),
            ExecutionContext::default(),
            ops,
        );
        assert_eq!(
            ex.execute(&image()).await.unwrap_err().error.kind,
            ErrorKind::ScanFailed
        );
        // ...and is recorded when it is not required.
        let mut ops = Scripted::new(&[]);
        ops.scan_ok = false;
        let ex = Executor::with_operations(
            config("scan:\n  required: false\nsigning:\n  keyless: true\n"),
            ExecutionContext::default(),
            ops,
        );
        let r = ex.execute(&image()).await.unwrap();
        assert!(r.signed && !r.scanned && r.errors.len() == 1);
    }

    #[tokio::test]
    async fn master_switch_and_invalid_config() {
        let ex = Executor::with_operations(
            config("enabled: false\nsigning:\n  keyless: true\n"),
            ExecutionContext::default(),
            Scripted::new(&[]),
        );
        let r = ex.execute(&image()).await.unwrap();
        assert!(!r.signed && !r.scanned);

        let bad = config("signing:\n  keyless: false\n");
        let ex = Executor::with_operations(bad, ExecutionContext::default(), Scripted::new(&[]));
        let f = ex.execute(&image()).await.unwrap_err();
        assert_eq!(f.error.kind, ErrorKind::InvalidConfig);
        assert!(f.error.to_string().contains("privateKey"), "{}", f.error);
    }

    #[tokio::test]
    async fn native_keyless_signing_without_a_token_fails_open_with_the_reason() {
        let registry = Arc::new(RegistryClient::new(Default::default()).unwrap());
        let ex = Executor::new(
            config("signing:\n  keyless: true\n"),
            ExecutionContext::default(),
            NativeOptions::new(registry),
        );
        let r = ex.execute(&image()).await.unwrap();
        assert_eq!(r.errors[0].kind, ErrorKind::SigningFailed);
        assert!(
            r.errors[0]
                .to_string()
                .contains("keyless signing needs an OIDC identity token"),
            "{}",
            r.errors[0]
        );
    }

    #[test]
    fn provenance_follows_the_provenance_block() {
        let cfg = ProvenanceConfig {
            builder_id: Some("https://ci.example/builder".into()),
            ..Default::default()
        };
        let mut ctx = ExecutionContext::default();
        ctx.build.run_id = Some("42".into());
        ctx.git = Some(crate::context::GitMetadata {
            repo_url: Some("https://git.example/shop".into()),
            commit_sha: Some("0123456789abcdef0123456789abcdef01234567".into()),
            ..Default::default()
        });
        let p = provenance_statement(&image(), &cfg, &ctx).unwrap();
        assert_eq!(
            p.image_digest,
            "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(p.metadata.builder_id, "https://ci.example/builder");
        let v: serde_json::Value = serde_json::from_slice(&p.content).unwrap();
        assert_eq!(
            v["runDetails"]["builder"]["id"],
            "https://ci.example/builder"
        );
        let deps = v["buildDefinition"]["resolvedDependencies"].to_string();
        assert!(
            deps.contains("0123456789abcdef"),
            "includeGit defaults to true: {deps}"
        );
        assert!(
            !v.to_string().contains("\"runId\""),
            "run details only with includeEnv"
        );

        let no_git = ProvenanceConfig {
            include_git: Some(false),
            include_env: Some(true),
            ..Default::default()
        };
        let v: serde_json::Value = serde_json::from_slice(
            &provenance_statement(&image(), &no_git, &ctx)
                .unwrap()
                .content,
        )
        .unwrap();
        assert!(!v.to_string().contains("0123456789abcdef"));
        assert!(v.to_string().contains("\"runId\""));
    }
}
