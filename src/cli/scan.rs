//! `sc image scan`, `sc sbom scan` and `sc db ...`: glue from arguments to the
//! library (catalog → match → policy → report) and back to files and exit codes.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Instant;

use super::args::{DbCommand, ScanArgs, ScanFormat};
use super::{write_output, CliError};
use crate::context::ProcessEnv;
use crate::error::ErrorKind;
use crate::policy::{ExitPolicy, PolicyEnforcer};
use crate::sbom::purls_in_sbom;
use crate::scan::cache::ScanCache;
use crate::scan::matching::match_inventory;
use crate::scan::report::{self, DatabaseInfo, ScanReport};
use crate::severity::Severity;
use crate::vulndb::{self, Database, DbLocation};

fn severity(flag: &str, value: &Option<String>) -> Result<Option<Severity>, CliError> {
    value
        .as_deref()
        .map(|v| {
            v.parse::<Severity>().map_err(|e| {
                CliError::new(ErrorKind::InvalidConfig, anyhow::anyhow!("{flag}: {e}"))
            })
        })
        .transpose()
}

fn db_error(e: vulndb::DbError) -> CliError {
    CliError::new(ErrorKind::ScanFailed, e)
}

/// Open the database for reading (`--db`, `SC_DB_DIR`, the cache, else the bundled seed).
fn open_db(flag: Option<&Path>) -> Result<(Database, DbLocation), CliError> {
    let (db, location) = vulndb::open_located(flag).map_err(db_error)?;
    if matches!(location, DbLocation::Seed) {
        tracing::info!(
            "using the bundled seed vulnerability database (sc db sync/import for a full one)"
        );
    }
    Ok((db, location))
}

/// A report in the chosen format; tables are colored only on a terminal (`to_stdout`).
fn render(report: &ScanReport, format: ScanFormat, to_stdout: bool) -> String {
    match format {
        ScanFormat::Table => {
            let color =
                to_stdout && report::color_enabled(&ProcessEnv, std::io::stdout().is_terminal());
            report::table(report, color)
        }
        ScanFormat::Json => report::json(report),
        ScanFormat::Sarif => report::sarif(report),
        ScanFormat::CyclonedxVex => report::cyclonedx_vex(report),
        ScanFormat::Markdown => report::markdown(report),
    }
}

/// Policy, report and output shared by `image scan` and `sbom scan`.
struct Outcome {
    exit: u8,
}

#[allow(clippy::too_many_arguments)]
fn report_and_exit(
    image: &str,
    image_digest: &str,
    findings: Vec<crate::scan::Finding>,
    db: &Database,
    enforcer: &PolicyEnforcer,
    format: ScanFormat,
    output: Option<&Path>,
    started: Instant,
    quiet: bool,
    exit: ExitPolicy,
) -> Result<Outcome, CliError> {
    let digest = image_digest.parse().ok();
    let decision = enforcer.apply(
        digest.as_ref(),
        findings,
        time::OffsetDateTime::now_utc().date(),
    );
    let mut report = ScanReport::new(image, digest.as_ref(), decision);
    let meta = db.meta();
    report.database = Some(DatabaseInfo {
        version: meta.built_at.clone(),
        built_at: Some(meta.built_at.clone()),
    });
    report.scanned_at = crate::timefmt::now_rfc3339();
    report.duration_ms = started.elapsed().as_millis() as u64;
    let text = render(&report, format, output.is_none());
    write_output(output, text.as_bytes())?;
    if let Ok(Some(path)) = report::append_step_summary(&ProcessEnv, &report::markdown(&report)) {
        tracing::info!("summary appended to {}", path.display());
    }
    if output.is_some() && !quiet {
        eprintln!(
            "{} ({} findings)",
            report.policy.describe(),
            report.findings.len()
        );
    }
    Ok(Outcome {
        exit: exit.code_for(&report.policy),
    })
}

fn enforcer(
    fail_on: &Option<String>,
    warn_on: &Option<String>,
    ignore_unfixed: bool,
    ignore_file: Option<&Path>,
    vex: &[std::path::PathBuf],
) -> Result<PolicyEnforcer, CliError> {
    let mut e = PolicyEnforcer::new(
        severity("--fail-on", fail_on)?,
        severity("--warn-on", warn_on)?,
    );
    e.ignore_unfixed = ignore_unfixed;
    let policy_err = |err: crate::policy::PolicyError| {
        let kind = err.kind();
        CliError::new(kind, err)
    };
    if let Some(f) = ignore_file {
        e.load_ignore_file(f).map_err(policy_err)?;
    }
    for v in vex {
        e.load_vex(v).map_err(policy_err)?;
    }
    Ok(e)
}

/// The exit policy for `--exit-code N` (checked before any work is done).
fn exit_policy(exit_code: Option<u8>) -> Result<ExitPolicy, CliError> {
    match exit_code {
        None => Ok(ExitPolicy::default()),
        Some(code) => ExitPolicy::default()
            .with_failure_code(code)
            .map_err(|e| CliError::new(ErrorKind::InvalidConfig, e)),
    }
}

/// `sc image scan`: exit 0 when the policy passes, 1 (or `--exit-code N`) when it fails.
pub async fn image_scan(args: &ScanArgs, quiet: bool) -> Result<u8, CliError> {
    let started = Instant::now();
    let exit = exit_policy(args.exit_code)?;
    // The scan never fetches vulnerability data: --offline is the only mode there is.
    let _ = args.offline;
    let enforcer = enforcer(
        &args.fail_on,
        &args.warn_on,
        args.ignore_unfixed,
        args.ignore_file.as_deref(),
        &args.vex,
    )?;
    let (db, _) = open_db(args.db.as_deref())?;
    // Results are cached by (manifest digest, scope, database): resolving the
    // manifest is cheap, reading the layers is not.
    let cache = if args.no_cache {
        None
    } else {
        ScanCache::default_location()
    };
    // The image is opened and resolved once, for the cache key and for cataloging.
    let src = super::open_image(&args.image, &args.access)?;
    let resolved = src.resolve(&super::parse_platform(&args.access)?).await?;
    let key = match &cache {
        Some(_) => {
            let key = ScanCache::key(
                &resolved.manifest_digest.to_string(),
                args.scope.as_str(),
                &db.meta().built_at,
                db.record_count(),
            );
            Some((key, resolved.top_digest.to_string()))
        }
        None => None,
    };
    if let (Some(cache), Some((key, digest))) = (&cache, &key) {
        if let Some(hit) = cache.get(key) {
            tracing::info!("using cached scan results (--no-cache to rescan)");
            let out = report_and_exit(
                &args.image,
                digest,
                hit.findings,
                &db,
                &enforcer,
                args.format,
                args.output.as_deref(),
                started,
                quiet,
                exit,
            )?;
            return Ok(out.exit);
        }
    }
    let inventory = super::catalog_source(
        src.as_ref(),
        Some(&resolved),
        &args.access,
        args.scope,
        quiet,
    )
    .await?;
    let matches = match_inventory(&db, &inventory).map_err(db_error)?;
    for w in &matches.warnings {
        tracing::debug!("{w}");
    }
    if let (Some(cache), Some((key, _))) = (&cache, &key) {
        cache.put(key, &matches.findings, &matches.warnings);
    }
    let out = report_and_exit(
        &args.image,
        &inventory.image.digest,
        matches.findings,
        &db,
        &enforcer,
        args.format,
        args.output.as_deref(),
        started,
        quiet,
        exit,
    )?;
    Ok(out.exit)
}

/// `sc sbom scan FILE`: rescan an existing SBOM (CycloneDX JSON, SPDX JSON, sc-json) without the image.
pub fn sbom_scan(
    path: &Path,
    fail_on: &Option<String>,
    format: ScanFormat,
    db_flag: Option<&Path>,
    exit_code: Option<u8>,
    quiet: bool,
) -> Result<u8, CliError> {
    let started = Instant::now();
    let exit = exit_policy(exit_code)?;
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::new(ErrorKind::Io, anyhow::anyhow!("{}: {e}", path.display())))?;
    let doc: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        CliError::new(
            ErrorKind::InvalidConfig,
            anyhow::anyhow!(
                "{}: not a JSON SBOM (CycloneDX JSON, SPDX JSON or sc-json): {e}",
                path.display()
            ),
        )
    })?;
    let purls = purls_in_sbom(&doc);
    if purls.is_empty() {
        return Err(CliError::new(
            ErrorKind::InvalidConfig,
            anyhow::anyhow!(
                "{}: no package URLs (purl) in this SBOM; nothing to match",
                path.display()
            ),
        ));
    }
    let (db, _) = open_db(db_flag)?;
    let mut matched = Vec::new();
    for purl in &purls {
        let Some(q) = vulndb::PackageQuery::from_purl(purl) else {
            continue;
        };
        let result = db.match_package(&q).map_err(db_error)?;
        let package_type = purl
            .strip_prefix("pkg:")
            .and_then(|r| r.split('/').next())
            .map(str::to_string);
        for f in result.findings {
            let mut finding = crate::scan::Finding::from(f.to_vulnerability(&q.name, &q.version));
            finding.title = f.summary.clone();
            finding.aliases = f.aliases.clone();
            finding.purl = Some(purl.clone());
            finding.package_type = package_type.clone();
            finding.fix_state = if f.fixed_versions.is_empty() {
                crate::scan::FixState::NotFixed
            } else {
                crate::scan::FixState::Fixed
            };
            finding.data_source = Some(f.records.join(", "));
            matched.push(finding);
        }
    }
    let enforcer = enforcer(fail_on, &None, false, None, &[])?;
    let decision = enforcer.apply(None, matched, time::OffsetDateTime::now_utc().date());
    let mut report = ScanReport::new(path.display().to_string(), None, decision);
    report.database = Some(DatabaseInfo {
        version: db.meta().built_at.clone(),
        built_at: Some(db.meta().built_at.clone()),
    });
    report.duration_ms = started.elapsed().as_millis() as u64;
    let text = render(&report, format, true);
    write_output(None, text.as_bytes())?;
    if !quiet {
        tracing::info!("{} package URLs matched", purls.len());
    }
    Ok(exit.code_for(&report.policy))
}

/// `sc db ...`
pub async fn db(cmd: DbCommand) -> Result<(), CliError> {
    let write_dir = |flag: Option<&Path>| {
        vulndb::write_dir(flag).ok_or_else(|| CliError::new(ErrorKind::InvalidConfig, anyhow::anyhow!("no database directory: pass --db DIR or set SC_DB_DIR (no cache directory could be determined)")))
    };
    let blocking = |f: Box<dyn FnOnce() -> Result<String, CliError> + Send>| async move {
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| CliError::new(ErrorKind::Io, anyhow::anyhow!("{e}")))?
    };
    let text = match cmd {
        DbCommand::Status { db, json } => {
            let (database, location) = open_db(db.as_deref())?;
            let status = database.status();
            if json {
                serde_json::to_string_pretty(&status).unwrap_or_default() + "\n"
            } else {
                let mut s = format!(
                    "database: {}{}\nbuilt: {} ({} ago)\nrecords: {} ({} withdrawn), packages: {}\n",
                    status.path.display(),
                    if matches!(location, DbLocation::Seed) { " (bundled seed)" } else { "" },
                    status.built_at,
                    humantime(status.age_seconds),
                    status.records,
                    status.withdrawn,
                    status.packages
                );
                for (source, n) in &status.sources {
                    s.push_str(&format!("  source {source}: {n}\n"));
                }
                s
            }
        }
        DbCommand::Import { path, db } => {
            let dir = write_dir(db.as_deref())?;
            blocking(Box::new(move || {
                let r = vulndb::import(&dir, &path).map_err(db_error)?;
                Ok(format!(
                    "imported {}: {} read, {} added, {} updated, {} unchanged -> {}\n",
                    path.display(),
                    r.read,
                    r.added,
                    r.updated,
                    r.unchanged,
                    dir.display()
                ))
            }))
            .await?
        }
        DbCommand::Sync { mirror, db } => {
            let dir = write_dir(db.as_deref())?;
            blocking(Box::new(move || {
                let r = if mirror.starts_with("file://") {
                    vulndb::sync(&dir, &mirror, &vulndb::FileFetcher)
                } else {
                    let fetcher =
                        vulndb::HttpFetcher::new().map_err(|e| CliError::new(ErrorKind::Io, e))?;
                    vulndb::sync(&dir, &mirror, &fetcher)
                }
                .map_err(db_error)?;
                Ok(format!(
                    "synced {} records from {} ({} fetched) -> {}\n",
                    r.total_records,
                    r.mirror,
                    r.fetched(),
                    r.db_file.display()
                ))
            }))
            .await?
        }
        DbCommand::Export { output, db } => {
            let dir = db.or_else(|| vulndb::locate(None).dir().map(Path::to_path_buf));
            blocking(Box::new(move || {
                let r = match dir {
                    Some(d) => vulndb::export(&d, &output),
                    None => {
                        vulndb::export_database(&vulndb::open_seed().map_err(db_error)?, &output)
                    }
                }
                .map_err(db_error)?;
                Ok(format!(
                    "exported {} records to {} (sha256 {}, in {})\n",
                    r.records,
                    r.bundle.display(),
                    r.sha256,
                    r.checksum_file.display()
                ))
            }))
            .await?
        }
    };
    write_output(None, text.as_bytes())
}

fn humantime(secs: u64) -> String {
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}
