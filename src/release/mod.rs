//! Releases: the security workflow over every image of a stack environment
//! (`sc release create`), producing the seeds' `ReleaseResult`.
//!
//! [`create`] loads `.sc/stacks/<stack>/client.yaml` with its `uses:` parents,
//! takes the environment's images — registry references (pinned to their
//! digest) or local sources (`oci:DIR`, `docker-archive:FILE`) that are first
//! pushed to the environment's `registry` under the release version — and
//! runs the [`Executor`] for every image, in parallel with at most `jobs` at
//! a time. Each image gets its effective configuration (the image's
//! `security:` over the stack's over its parents'), with the `--sign`,
//! `--sbom` and `--scan` overrides on top.
//!
//! Renderers of the result (human summary, JSON, Markdown, HTML) are in [`report`].

pub mod push;
pub mod report;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use crate::config::{
    load_stack, ConfigError, ImageEntry, SbomConfig, ScanConfig, SecurityDescriptor, SigningConfig,
};
use crate::error::ErrorKind;
use crate::executor::{Executor, NativeOperations, NativeOptions, Operations, SecurityResult};
use crate::reference::ImageReference;
use crate::source::SourceSpec;

/// The `--sign`, `--sbom`, `--scan` overrides: `Some(false)` switches a step
/// off, `Some(true)` on (a missing section is added with its defaults).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Signing.
    pub sign: Option<bool>,
    /// SBOM generation (and provenance, which travels with it in the seeds).
    pub sbom: Option<bool>,
    /// Scanning.
    pub scan: Option<bool>,
}

impl Overrides {
    /// `config` with the overrides applied.
    pub fn apply(&self, mut config: SecurityDescriptor) -> SecurityDescriptor {
        if let Some(on) = self.sign {
            config
                .signing
                .get_or_insert_with(SigningConfig::default)
                .enabled = Some(on);
        }
        if let Some(on) = self.sbom {
            config.sbom.get_or_insert_with(SbomConfig::default).enabled = Some(on);
            if !on {
                if let Some(p) = config.provenance.as_mut() {
                    p.enabled = Some(false);
                }
            }
        }
        if let Some(on) = self.scan {
            config.scan.get_or_insert_with(ScanConfig::default).enabled = Some(on);
        }
        if self.any() {
            config.enabled = Some(true);
        }
        config
    }

    fn any(&self) -> bool {
        self.sign == Some(true) || self.sbom == Some(true) || self.scan == Some(true)
    }
}

/// What to release, and how (the seeds' `CreateOptions`).
#[derive(Debug, Clone)]
pub struct ReleaseOptions {
    /// Directory holding `.sc/`.
    pub project_dir: PathBuf,
    /// Stack name.
    pub stack: String,
    /// Environment name.
    pub environment: String,
    /// Release version: the tag local images are pushed under.
    pub version: String,
    /// Step overrides.
    pub overrides: Overrides,
    /// Images processed at once (at least 1).
    pub jobs: usize,
    /// Registry, cache, database and key access for the operations.
    pub native: NativeOptions,
}

/// Why a release could not start (per-image failures are in the result instead).
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// The stack configuration is missing or invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The environment does not exist or has no images.
    #[error("stack '{stack}' has no images in environment '{environment}' (known environments: {known})")]
    NoImages {
        /// Stack.
        stack: String,
        /// Environment.
        environment: String,
        /// Environments the stack defines.
        known: String,
    },
    /// The release version cannot be used as a tag.
    #[error("--version '{0}' is not a valid image tag")]
    Version(String),
}

impl ReleaseError {
    /// Exit-code class.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidConfig
    }
}

/// How one image fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImageStatus {
    /// Every enabled step succeeded.
    Passed,
    /// The run completed, but fail-open steps failed (see `errors`).
    Degraded,
    /// The scan failed the policy: the image was stopped and not signed.
    Blocked,
    /// The image could not be processed (invalid configuration, unreachable
    /// image, a required step failed).
    Failed,
}

impl ImageStatus {
    /// The status as written in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageStatus::Passed => "passed",
            ImageStatus::Degraded => "degraded",
            ImageStatus::Blocked => "blocked",
            ImageStatus::Failed => "failed",
        }
    }
}

/// One image of a release: its name in the stack, where it came from, and its
/// [`SecurityResult`] (flattened into the same JSON object).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageRelease {
    /// Name of the image in the stack.
    pub name: String,
    /// The image as configured (`oci:...`, a registry reference).
    pub source: String,
    /// Outcome.
    pub status: ImageStatus,
    /// Kind of the error that stopped the image, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<ErrorKind>,
    /// The error that stopped the image, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the executor did.
    #[serde(flatten)]
    pub result: SecurityResult,
}

/// Result of a release (the seeds' `ReleaseResult`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseResult {
    /// Stack.
    pub stack: String,
    /// Environment.
    pub environment: String,
    /// Release version.
    pub version: String,
    /// Images, pinned by digest (as configured when they could not be resolved).
    pub images: Vec<String>,
    /// Per-image results, in the order of the stack file.
    pub security_results: Vec<ImageRelease>,
    /// True when every image passed or degraded (none blocked or failed).
    pub success: bool,
    /// Duration in milliseconds.
    pub duration_ms: u64,
    /// Errors that stopped images.
    pub errors: Vec<String>,
}

impl ReleaseResult {
    /// Images with `status`.
    pub fn count(&self, status: ImageStatus) -> usize {
        self.security_results
            .iter()
            .filter(|r| r.status == status)
            .count()
    }

    /// The exit-code class of the release: `None` on success; policy
    /// (`CriticalVulns`, exit 1) when any image was blocked; otherwise the
    /// kind of the first failure (configuration 2, operational 3).
    pub fn failure_kind(&self) -> Option<ErrorKind> {
        if self.count(ImageStatus::Blocked) > 0 {
            return Some(ErrorKind::CriticalVulns);
        }
        self.security_results
            .iter()
            .find(|r| r.status == ImageStatus::Failed)
            .map(|r| r.error_kind.unwrap_or(ErrorKind::Io))
    }
}

fn tag_of(version: &str) -> Result<String, ReleaseError> {
    let valid = !version.is_empty()
        && version.len() <= 128
        && version
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if valid {
        Ok(version.to_string())
    } else {
        Err(ReleaseError::Version(version.to_string()))
    }
}

/// Where the image of `entry` is, by digest: registry images are resolved,
/// local sources pushed to `registry/<name>:<version>` first.
async fn prepare(
    entry: &ImageEntry,
    registry: Option<&str>,
    version: &str,
    native: &NativeOptions,
    project_dir: &std::path::Path,
) -> Result<ImageReference, (ErrorKind, String)> {
    let spec: SourceSpec = entry
        .image
        .parse()
        .map_err(|e| (ErrorKind::InvalidConfig, format!("{e}")))?;
    let spec = match spec {
        SourceSpec::OciLayout { dir, tag } if dir.is_relative() => SourceSpec::OciLayout {
            dir: project_dir.join(dir),
            tag,
        },
        SourceSpec::DockerArchive { path, reference } if path.is_relative() => {
            SourceSpec::DockerArchive {
                path: project_dir.join(path),
                reference,
            }
        }
        other => other,
    };
    match spec {
        SourceSpec::Registry(r) if r.digest.is_some() => Ok(r),
        SourceSpec::Registry(r) => {
            let digest = native
                .registry
                .resolve_digest(&r)
                .await
                .map_err(|e| (ErrorKind::Io, format!("resolving {r}: {e}")))?;
            Ok(r.with_digest(digest))
        }
        local => {
            let Some(registry) = registry else {
                return Err((
                    ErrorKind::InvalidConfig,
                    format!(
                        "image '{}' is a local {} source: the environment needs a `registry:` to push it to",
                        entry.name,
                        local.scheme()
                    ),
                ));
            };
            let target: ImageReference = format!(
                "{}/{}:{version}",
                registry.trim_end_matches('/'),
                entry.name
            )
            .parse()
            .map_err(|e| (ErrorKind::InvalidConfig, format!("{e}")))?;
            push::push_local_image(&native.registry, &local, &native.platform, &target)
                .await
                .map_err(|e| {
                    (
                        ErrorKind::Io,
                        format!("pushing {} to {target}: {e}", entry.image),
                    )
                })
        }
    }
}

/// Run the security workflow for one image whose reference is known.
pub async fn secure_image<O: Operations>(
    executor: &Executor<O>,
    image: &ImageReference,
) -> (ImageStatus, SecurityResult, Option<(ErrorKind, String)>) {
    match executor.execute(image).await {
        Ok(r) => {
            let status = if r.errors.is_empty() {
                ImageStatus::Passed
            } else {
                ImageStatus::Degraded
            };
            (status, r, None)
        }
        Err(f) => {
            let status = match f.error.kind {
                ErrorKind::CriticalVulns | ErrorKind::PolicyViolation => ImageStatus::Blocked,
                _ => ImageStatus::Failed,
            };
            (status, *f.result, Some((f.error.kind, f.error.to_string())))
        }
    }
}

/// Release every image of the environment (the seeds' `ExecuteRelease`) with
/// sc's native operations.
pub async fn create(options: ReleaseOptions) -> Result<ReleaseResult, ReleaseError> {
    let native = NativeOptions {
        base_dir: options.project_dir.clone(),
        ..options.native.clone()
    };
    let ops = Arc::new(NativeOperations::new(native));
    create_with(options, ops).await
}

/// [`create`] with the given operations (shared by every image's executor).
pub async fn create_with<O: Operations + 'static>(
    options: ReleaseOptions,
    ops: Arc<O>,
) -> Result<ReleaseResult, ReleaseError> {
    let started = Instant::now();
    let version = tag_of(&options.version)?;
    let stack = load_stack(&options.project_dir, &options.stack)?;
    let entries = stack.images(&options.environment).to_vec();
    if entries.is_empty() {
        return Err(ReleaseError::NoImages {
            stack: options.stack.clone(),
            environment: options.environment.clone(),
            known: stack
                .environments
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let registry = stack
        .environments
        .get(&options.environment)
        .and_then(|e| e.registry.clone());
    let context = options.native.context.clone();
    let native = NativeOptions {
        base_dir: options.project_dir.clone(),
        ..options.native.clone()
    };
    let permits = Arc::new(tokio::sync::Semaphore::new(options.jobs.max(1)));
    let mut tasks = Vec::with_capacity(entries.len());
    for entry in entries {
        let config = options
            .overrides
            .apply(stack.security_for(&options.environment, &entry.name));
        // The database and key are loaded once, in the background, while the
        // first images are pushed and cataloged.
        let warm = (ops.clone(), config.clone());
        tokio::spawn(async move { warm.0.prepare(&warm.1).await });
        let (ops, permits, native, context) = (
            ops.clone(),
            permits.clone(),
            native.clone(),
            context.clone(),
        );
        let (registry, version, project_dir) = (
            registry.clone(),
            version.clone(),
            options.project_dir.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await.expect("semaphore open");
            let image_started = Instant::now();
            let prepared =
                prepare(&entry, registry.as_deref(), &version, &native, &project_dir).await;
            let (image, (status, mut result, error)) = match prepared {
                Ok(image) => {
                    let executor = Executor::with_operations(config, context, ops);
                    let outcome = secure_image(&executor, &image).await;
                    (image.to_string(), outcome)
                }
                Err(e) => {
                    let mut r = SecurityResult::empty(&entry.image);
                    r.duration_ms = image_started.elapsed().as_millis() as u64;
                    (entry.image.clone(), (ImageStatus::Failed, r, Some(e)))
                }
            };
            result.duration_ms = image_started.elapsed().as_millis() as u64;
            (
                image,
                ImageRelease {
                    name: entry.name.clone(),
                    source: entry.image.clone(),
                    status,
                    error_kind: error.as_ref().map(|(k, _)| *k),
                    error: error.map(|(_, m)| m),
                    result,
                },
            )
        }));
    }
    let mut images = Vec::with_capacity(tasks.len());
    let mut results = Vec::with_capacity(tasks.len());
    for t in tasks {
        let (image, r) = t.await.expect("release task panicked");
        images.push(image);
        results.push(r);
    }
    let errors: Vec<String> = results
        .iter()
        .filter_map(|r| r.error.as_ref().map(|e| format!("{}: {e}", r.name)))
        .collect();
    let success = results
        .iter()
        .all(|r| matches!(r.status, ImageStatus::Passed | ImageStatus::Degraded));
    Ok(ReleaseResult {
        stack: options.stack,
        environment: options.environment,
        version,
        images,
        security_results: results,
        success,
        duration_ms: started.elapsed().as_millis() as u64,
        errors,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use async_trait::async_trait;

    use super::*;
    use crate::config::ProvenanceConfig;
    use crate::executor::OperationError;
    use crate::provenance::Provenance;
    use crate::sbom::Sbom;
    use crate::scan::{ScanResult, Vulnerability, VulnerabilitySummary};
    use crate::severity::Severity;
    use crate::signing::SignResult;

    /// Operations that take a while and count how many images are in flight;
    /// images whose repository ends in `-vuln` have a critical finding.
    #[derive(Default)]
    struct Counting {
        in_flight: AtomicUsize,
        max_in_flight: AtomicUsize,
        prepared: AtomicUsize,
        signed: std::sync::Mutex<Vec<String>>,
    }

    #[async_trait]
    impl Operations for Counting {
        async fn prepare(&self, _: &SecurityDescriptor) {
            self.prepared.fetch_add(1, Ordering::SeqCst);
        }
        async fn scan(
            &self,
            image: &ImageReference,
            _: &ScanConfig,
        ) -> Result<Vec<ScanResult>, OperationError> {
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.max_in_flight.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(40)).await;
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            let vulns: Vec<Vulnerability> = if image.repository.ends_with("-vuln") {
                vec![Vulnerability {
                    id: "CVE-2021-44906".into(),
                    severity: Severity::Critical,
                    package: "minimist".into(),
                    version: "1.2.0".into(),
                    ..Default::default()
                }]
            } else {
                vec![]
            };
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
            self.signed.lock().unwrap().push(image.repository.clone());
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
            _: &ImageReference,
            _: &SbomConfig,
            _: Option<&SigningConfig>,
        ) -> Result<Sbom, OperationError> {
            Err("no SBOM here".into())
        }
        async fn provenance(
            &self,
            _: &ImageReference,
            _: &ProvenanceConfig,
            _: Option<&SigningConfig>,
        ) -> Result<Provenance, OperationError> {
            Err("no provenance here".into())
        }
    }

    const DIGEST: &str = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    fn project(images: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".sc/parent-stacks")).unwrap();
        std::fs::create_dir_all(dir.path().join(".sc/stacks/shop")).unwrap();
        std::fs::write(
            dir.path().join(".sc/parent-stacks/org.yaml"),
            "security:\n  signing:\n    privateKey: k.pem\n    tlogUpload: false\n  scan:\n    failOn: critical\n",
        )
        .unwrap();
        let mut yaml = String::from("uses: org\nenvironments:\n  prod:\n    images:\n");
        for name in images {
            yaml.push_str(&format!(
                "      - name: {name}\n        image: localhost:5000/{name}@{DIGEST}\n"
            ));
        }
        std::fs::write(dir.path().join(".sc/stacks/shop/client.yaml"), yaml).unwrap();
        dir
    }

    fn options(dir: &std::path::Path, jobs: usize) -> ReleaseOptions {
        let registry = Arc::new(crate::registry::RegistryClient::new(Default::default()).unwrap());
        ReleaseOptions {
            project_dir: dir.to_path_buf(),
            stack: "shop".into(),
            environment: "prod".into(),
            version: "1.0.0".into(),
            overrides: Overrides::default(),
            jobs,
            native: NativeOptions::new(registry),
        }
    }

    #[tokio::test]
    async fn images_run_in_parallel_bounded_by_jobs_in_stack_order() {
        let names = ["a", "b", "c-vuln", "d", "e", "f"];
        let dir = project(&names);
        let ops = Arc::new(Counting::default());
        let r = create_with(options(dir.path(), 2), ops.clone())
            .await
            .unwrap();
        assert_eq!(ops.max_in_flight.load(Ordering::SeqCst), 2, "--jobs 2");
        assert_eq!(ops.prepared.load(Ordering::SeqCst), names.len());
        let order: Vec<&str> = r.security_results.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(order, names, "results in the order of the stack file");
        let blocked = &r.security_results[2];
        assert_eq!(blocked.status, ImageStatus::Blocked);
        assert!(!blocked.result.signed);
        assert!(!ops.signed.lock().unwrap().contains(&"c-vuln".to_string()));
        assert_eq!(ops.signed.lock().unwrap().len(), 5);
        // SBOM and provenance are not configured: nothing failed open.
        assert_eq!(r.count(ImageStatus::Passed), 5);
        assert_eq!(r.failure_kind(), Some(ErrorKind::CriticalVulns));
        assert!(!r.success && r.errors.len() == 1 && r.errors[0].starts_with("c-vuln: "));

        let ops = Arc::new(Counting::default());
        create_with(options(dir.path(), 8), ops.clone())
            .await
            .unwrap();
        assert_eq!(
            ops.max_in_flight.load(Ordering::SeqCst),
            names.len(),
            "every image at once when jobs allow"
        );
    }

    #[tokio::test]
    async fn fail_open_steps_degrade_and_unknown_environments_fail() {
        let dir = project(&["a"]);
        let mut opts = options(dir.path(), 1);
        opts.overrides.sbom = Some(true);
        let r = create_with(opts, Arc::new(Counting::default()))
            .await
            .unwrap();
        let a = &r.security_results[0];
        assert_eq!(a.status, ImageStatus::Degraded);
        assert!(a.result.signed && !a.result.sbom_generated);
        assert!(r.success, "fail-open errors do not fail the release");
        assert_eq!(r.failure_kind(), None);

        let mut opts = options(dir.path(), 1);
        opts.environment = "staging".into();
        let e = create_with(opts, Arc::new(Counting::default()))
            .await
            .unwrap_err();
        assert!(matches!(e, ReleaseError::NoImages { .. }), "{e}");
    }

    fn config(yaml: &str) -> SecurityDescriptor {
        SecurityDescriptor::from_yaml_str(yaml, "t.yaml").unwrap()
    }

    #[test]
    fn overrides_switch_steps() {
        let base = config("signing:\n  privateKey: k\nsbom: {}\nprovenance: {}\nscan: {}\n");
        let off = Overrides {
            sign: Some(false),
            sbom: Some(false),
            scan: Some(false),
        }
        .apply(base.clone());
        assert!(!off.signing_enabled() && !off.sbom_enabled() && !off.scan_enabled());
        assert!(
            !off.provenance_enabled(),
            "--sbom=false also skips provenance"
        );
        let on = Overrides {
            scan: Some(true),
            ..Default::default()
        }
        .apply(config("enabled: false\n"));
        assert!(on.scan_enabled() && !on.signing_enabled());
        assert_eq!(Overrides::default().apply(base.clone()), base);
    }

    #[test]
    fn versions_must_be_tags() {
        assert!(tag_of("1.2.3").is_ok());
        assert!(tag_of("v1.0-rc.1").is_ok());
        assert!(tag_of("").is_err());
        assert!(tag_of("1.0/x").is_err());
        assert!(tag_of(".hidden").is_err());
    }

    #[test]
    fn failure_kind_prefers_policy() {
        let img = |status, kind| ImageRelease {
            name: "a".into(),
            source: "s".into(),
            status,
            error_kind: kind,
            error: None,
            result: SecurityResult::empty("s"),
        };
        let mut r = ReleaseResult {
            stack: "s".into(),
            environment: "e".into(),
            version: "1".into(),
            images: vec![],
            security_results: vec![
                img(ImageStatus::Failed, Some(ErrorKind::Io)),
                img(ImageStatus::Passed, None),
            ],
            success: false,
            duration_ms: 0,
            errors: vec![],
        };
        assert_eq!(r.failure_kind(), Some(ErrorKind::Io));
        r.security_results
            .push(img(ImageStatus::Blocked, Some(ErrorKind::CriticalVulns)));
        assert_eq!(r.failure_kind(), Some(ErrorKind::CriticalVulns));
        r.security_results.clear();
        assert_eq!(r.failure_kind(), None);
    }
}
