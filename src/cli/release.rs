//! `sc release create`, `sc image secure` and `sc policy kyverno|connaisseur`:
//! arguments to [`crate::release`], [`crate::executor`] and [`crate::admission`],
//! results to reports and exit codes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::args::{
    ExecutionArgs, ImageAccessArgs, PolicyArgs, PolicyCommand, ReleaseCommand, SecureArgs,
};
use super::{parse_platform, registry_client, write_output, CliError};
use crate::context::{ExecutionContext, ProcessEnv};
use crate::error::ErrorKind;
use crate::executor::{Executor, NativeOptions};
use crate::release::{self, report, ImageRelease, ImageStatus, Overrides, ReleaseOptions};
use crate::scan::cache::ScanCache;
use crate::source::SourceSpec;

fn native_options(
    execution: &ExecutionArgs,
    access: &ImageAccessArgs,
    base_dir: PathBuf,
) -> Result<NativeOptions, CliError> {
    let mut native = NativeOptions::new(registry_client(access)?);
    native.platform = parse_platform(access)?;
    native.cache = match (&execution.no_cache, &execution.cache_dir) {
        (true, _) => None,
        (false, Some(dir)) => Some(ScanCache::new(dir)),
        (false, None) => ScanCache::default_location(),
    };
    native.db_dir = execution.db.clone();
    // CI facts from the environment, git facts from the project's repository.
    native.context = ExecutionContext::from_env(&ProcessEnv, &base_dir);
    native.base_dir = base_dir;
    native.env = Arc::new(ProcessEnv);
    Ok(native)
}

/// `sc release create`: exit 0 when every image passed (or only fail-open steps
/// failed), 1 when any image was blocked by policy, 2/3 when one failed.
pub async fn create(cmd: ReleaseCommand, quiet: bool) -> Result<(), CliError> {
    let ReleaseCommand::Create {
        stack,
        environment,
        version,
        sign,
        sbom,
        scan,
        project_dir,
        jobs,
        json,
        report_json,
        report_html,
        execution,
        access,
    } = cmd;
    let native = native_options(&execution, &access, project_dir.clone())?;
    let result = release::create(ReleaseOptions {
        project_dir,
        stack,
        environment,
        version,
        overrides: Overrides { sign, sbom, scan },
        jobs: usize::from(jobs),
        native,
    })
    .await
    .map_err(|e| CliError::new(e.kind(), e))?;

    if json {
        write_output(None, report::json(&result).as_bytes())?;
    } else if !quiet {
        write_output(None, report::human(&result).as_bytes())?;
    }
    if let Some(p) = &report_json {
        write_output(Some(p), report::json(&result).as_bytes())?;
    }
    if let Some(p) = &report_html {
        write_output(Some(p), report::html(&result).as_bytes())?;
    }
    match crate::scan::report::append_step_summary(&ProcessEnv, &report::markdown(&result)) {
        Ok(Some(path)) => tracing::info!("summary appended to {}", path.display()),
        Ok(None) => {}
        Err(e) => tracing::warn!("could not append to GITHUB_STEP_SUMMARY: {e}"),
    }
    match result.failure_kind() {
        None => Ok(()),
        Some(kind) => Err(CliError::new(
            kind,
            anyhow::anyhow!(
                "release failed: {} image(s) blocked by policy, {} failed",
                result.count(ImageStatus::Blocked),
                result.count(ImageStatus::Failed)
            ),
        )),
    }
}

fn read_config(path: &Path) -> Result<crate::config::SecurityDescriptor, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::new(
            ErrorKind::InvalidConfig,
            anyhow::anyhow!("{}: {e}", path.display()),
        )
    })?;
    crate::config::SecurityDescriptor::from_yaml_str(&text, &path.display().to_string())
        .map_err(|e| CliError::new(ErrorKind::InvalidConfig, e))
}

/// `sc image secure`: the security workflow for one image, for deploy tools.
pub async fn secure(args: &SecureArgs) -> Result<(), CliError> {
    let image = match args.image.parse::<SourceSpec>()? {
        SourceSpec::Registry(r) if r.digest.is_some() => r,
        _ => {
            return Err(CliError::new(
                ErrorKind::InvalidConfig,
                anyhow::anyhow!(
                    "'{}' is not a registry image pinned by digest: pass REGISTRY/REPO@sha256:... (`sc image digest --full-ref` prints it), so the deployed image is the one secured",
                    args.image
                ),
            ))
        }
    };
    let config = read_config(&args.config)?;
    let native = native_options(&args.execution, &args.access, args.project_dir.clone())?;
    let context = native.context.clone();
    let executor = Executor::new(config, context, native);
    let (status, result, error) = release::secure_image(&executor, &image).await;
    let name = image
        .repository
        .rsplit('/')
        .next()
        .unwrap_or(&image.repository)
        .to_string();
    let outcome = ImageRelease {
        name,
        source: args.image.clone(),
        status,
        error_kind: error.as_ref().map(|(k, _)| *k),
        error: error.as_ref().map(|(_, m)| m.clone()),
        result,
    };
    if args.json {
        let text = serde_json::to_string_pretty(&outcome)
            .map_err(|e| CliError::new(ErrorKind::Io, e))?
            + "\n";
        write_output(None, text.as_bytes())?;
    } else {
        println!("{}: {}", outcome.status.as_str(), outcome.result.summary());
        for e in &outcome.result.errors {
            eprintln!("error (continued): {e}");
        }
        for w in &outcome.result.warnings {
            eprintln!("warning: {w}");
        }
    }
    match error {
        None => Ok(()),
        Some((kind, message)) => Err(CliError::new(kind, anyhow::anyhow!("{message}"))),
    }
}

/// `sc policy kyverno|connaisseur`.
pub fn policy(cmd: &PolicyCommand) -> Result<(), CliError> {
    let (args, kyverno): (&PolicyArgs, bool) = match cmd {
        PolicyCommand::Kyverno(a) => (a, true),
        PolicyCommand::Connaisseur(a) => (a, false),
    };
    let config = read_config(&args.config)?;
    let invalid = |e: crate::admission::AdmissionError| CliError::new(ErrorKind::InvalidConfig, e);
    let signer =
        crate::admission::TrustedSigner::from_config(&config, &args.project_dir, &ProcessEnv)
            .map_err(invalid)?;
    let value = if kyverno {
        crate::admission::kyverno(
            &args.name,
            &args.images,
            &signer,
            &crate::admission::required_attestations(&config),
        )
    } else {
        crate::admission::connaisseur(&args.name, &args.images, &signer)
    }
    .map_err(invalid)?;
    write_output(
        args.output.as_deref(),
        crate::admission::to_yaml(&value).as_bytes(),
    )
}
