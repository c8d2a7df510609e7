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
//! implementation; its steps report "not implemented yet" until the scanner,
//! SBOM engine, signer and provenance generator land.

use std::time::Instant;

use async_trait::async_trait;
use serde::Serialize;

use crate::config::{ProvenanceConfig, SbomConfig, ScanConfig, SecurityDescriptor, SigningConfig};
use crate::context::ExecutionContext;
use crate::error::{ErrorKind, NotImplemented, SecurityError};
use crate::provenance::Provenance;
use crate::reference::ImageReference;
use crate::sbom::Sbom;
use crate::scan::ScanResult;
use crate::signing::SignResult;

/// Boxed cause of an operation failure.
pub type OperationError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The four operations the executor orchestrates.
#[async_trait]
pub trait Operations: Send + Sync {
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
    /// Generate (and attach, when configured) the SBOM.
    async fn sbom(
        &self,
        image: &ImageReference,
        config: &SbomConfig,
    ) -> Result<Sbom, OperationError>;
    /// Generate (and attach, when configured) provenance.
    async fn provenance(
        &self,
        image: &ImageReference,
        config: &ProvenanceConfig,
    ) -> Result<Provenance, OperationError>;
}

/// sc's in-process operations. Steps not built yet fail with [`NotImplemented`].
#[derive(Debug, Default, Clone)]
pub struct NativeOperations;

#[async_trait]
impl Operations for NativeOperations {
    async fn scan(
        &self,
        _: &ImageReference,
        _: &ScanConfig,
    ) -> Result<Vec<ScanResult>, OperationError> {
        Err(Box::new(NotImplemented {
            what: "vulnerability scanning".into(),
        }))
    }
    async fn sign(
        &self,
        _: &ImageReference,
        _: &SigningConfig,
    ) -> Result<SignResult, OperationError> {
        Err(Box::new(NotImplemented {
            what: "image signing".into(),
        }))
    }
    async fn sbom(&self, _: &ImageReference, _: &SbomConfig) -> Result<Sbom, OperationError> {
        Err(Box::new(NotImplemented {
            what: "SBOM generation".into(),
        }))
    }
    async fn provenance(
        &self,
        _: &ImageReference,
        _: &ProvenanceConfig,
    ) -> Result<Provenance, OperationError> {
        Err(Box::new(NotImplemented {
            what: "provenance generation".into(),
        }))
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
    } else {
        default
    }
}

impl Executor<NativeOperations> {
    /// An executor with sc's native operations (the seeds' `NewExecutor`).
    pub fn new(config: SecurityDescriptor, context: ExecutionContext) -> Self {
        Executor::with_operations(config, context, NativeOperations)
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

        // 3. SBOM and provenance, concurrently.
        let sbom = async {
            match (cfg.sbom_enabled(), &cfg.sbom) {
                (true, Some(c)) => {
                    Some((self.ops.sbom(image, c).await, c.required.unwrap_or(false)))
                }
                _ => None,
            }
        };
        let provenance = async {
            match (cfg.provenance_enabled(), &cfg.provenance) {
                (true, Some(c)) => Some((
                    self.ops.provenance(image, c).await,
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
    async fn native_operations_say_not_implemented() {
        let ex = Executor::new(
            config("signing:\n  keyless: true\n"),
            ExecutionContext::default(),
        );
        let r = ex.execute(&image()).await.unwrap();
        assert_eq!(r.errors[0].kind, ErrorKind::NotImplemented);
    }
}
