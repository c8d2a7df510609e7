//! The command-line interface: parse arguments ([`args`]), call the library,
//! render results, and map failures to exit codes (see
//! [`crate::error::ErrorKind::exit_code`]). No security logic lives here.

pub mod args;
pub mod attest;
pub mod bundle;
pub mod progress;
mod release;
mod scan;
pub mod sign;

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use crate::error::ErrorKind;
use crate::registry::{RegistryAuth, RegistryClient, RegistryOptions};
use crate::source::{self, Platform, SourceError, SourceSpec};
use args::{Cli, Command, ImageAccessArgs, ImageCommand, ProvenanceCommand, SbomCommand};

/// A failure as the CLI reports it: a kind (for the exit code) and a message chain.
#[derive(Debug)]
pub struct CliError {
    /// Taxonomy, deciding the exit code.
    pub kind: ErrorKind,
    /// What went wrong, with context.
    pub error: anyhow::Error,
    /// Exit code chosen by the user for this outcome (`--exit-code N`), instead
    /// of the kind's.
    pub exit_code: Option<u8>,
}

impl CliError {
    pub(crate) fn new(kind: ErrorKind, error: impl Into<anyhow::Error>) -> Self {
        Self {
            kind,
            error: error.into(),
            exit_code: None,
        }
    }

    /// The process exit code for this error.
    pub fn code(&self) -> u8 {
        self.exit_code.unwrap_or_else(|| self.kind.exit_code())
    }
}

impl From<SourceError> for CliError {
    fn from(e: SourceError) -> Self {
        let kind = match &e {
            SourceError::Spec { .. } | SourceError::Reference(_) => ErrorKind::InvalidConfig,
            SourceError::Registry(crate::registry::RegistryError::Setup(_)) => {
                ErrorKind::InvalidConfig
            }
            _ => ErrorKind::Io,
        };
        CliError::new(kind, e)
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .try_init();
}

/// Build the registry client the access flags describe.
pub fn registry_client(access: &ImageAccessArgs) -> Result<Arc<RegistryClient>, CliError> {
    let mut options = RegistryOptions {
        insecure_registries: access.insecure_registries.clone(),
        ca_files: access.registry_ca_files.clone(),
        ..RegistryOptions::default()
    };
    if access.registry_password_stdin {
        let mut secret = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut secret)
            .map_err(|e| {
                CliError::new(
                    ErrorKind::InvalidConfig,
                    anyhow::anyhow!("reading the registry password from stdin: {e}"),
                )
            })?;
        let secret = secret.trim_end_matches(['\r', '\n']).to_string();
        options.credentials = Some(match &access.registry_username {
            Some(u) => RegistryAuth::basic(u.clone(), secret),
            None => RegistryAuth::bearer(secret),
        });
    } else if let Some(user) = &access.registry_username {
        match std::env::var("SC_REGISTRY_PASSWORD") {
            Ok(password) if !password.is_empty() => options.credentials = Some(RegistryAuth::basic(user.clone(), password)),
            _ => {
                return Err(CliError::new(
                    ErrorKind::InvalidConfig,
                    anyhow::anyhow!("--registry-username needs a password: --registry-password-stdin, or SC_REGISTRY_PASSWORD in the environment"),
                ))
            }
        }
    }
    RegistryClient::new(options)
        .map(Arc::new)
        .map_err(|e| CliError::new(ErrorKind::InvalidConfig, e))
}

pub(crate) fn parse_platform(access: &ImageAccessArgs) -> Result<Platform, CliError> {
    access
        .platform
        .parse()
        .map_err(|e| CliError::new(ErrorKind::InvalidConfig, e))
}

async fn image_digest(
    image: &str,
    full_ref: bool,
    platform_manifest: bool,
    access: &ImageAccessArgs,
) -> Result<(), CliError> {
    let spec: SourceSpec = image.parse()?;
    let platform = parse_platform(access)?;
    let client = match &spec {
        SourceSpec::Registry(_) => Some(registry_client(access)?),
        _ => None,
    };
    // Without --platform-manifest, a registry tag only needs one HEAD request.
    if let (SourceSpec::Registry(r), Some(c), false) = (&spec, &client, platform_manifest) {
        let digest = c
            .resolve_digest(r)
            .await
            .map_err(|e| CliError::new(ErrorKind::Io, e))?;
        println!(
            "{}",
            if full_ref {
                r.with_digest(digest).to_string()
            } else {
                digest.to_string()
            }
        );
        return Ok(());
    }
    let src = source::open(&spec, &source::OpenOptions { registry: client })?;
    let resolved = src.resolve(&platform).await?;
    let digest = if platform_manifest {
        &resolved.manifest_digest
    } else {
        &resolved.top_digest
    };
    match (&resolved.reference, full_ref) {
        (Some(r), true) => println!("{}", r.with_digest(digest.clone())),
        _ => println!("{digest}"),
    }
    Ok(())
}

fn schema(args: &args::SchemaArgs) -> Result<(), CliError> {
    let value = if args.security_only {
        crate::config::security_json_schema()
    } else {
        crate::config::json_schema()
    };
    let text =
        serde_json::to_string_pretty(&value).map_err(|e| CliError::new(ErrorKind::Io, e))? + "\n";
    write_output(args.output.as_deref(), text.as_bytes())
}

/// Write to a file (atomically: temp file + rename) or to standard output.
pub fn write_output(path: Option<&std::path::Path>, bytes: &[u8]) -> Result<(), CliError> {
    match path {
        None => std::io::stdout()
            .lock()
            .write_all(bytes)
            .map_err(|e| CliError::new(ErrorKind::Io, e)),
        Some(p) => {
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let tmp = dir.join(format!(
                ".{}.tmp-{}",
                p.file_name().and_then(|n| n.to_str()).unwrap_or("out"),
                std::process::id()
            ));
            std::fs::write(&tmp, bytes)
                .and_then(|_| std::fs::rename(&tmp, p))
                .map_err(|e| {
                    let _ = std::fs::remove_file(&tmp);
                    CliError::new(
                        ErrorKind::Io,
                        anyhow::anyhow!("writing {}: {e}", p.display()),
                    )
                })
        }
    }
}

/// Open the image a command names, with the access flags.
pub(crate) fn open_image(
    image: &str,
    access: &ImageAccessArgs,
) -> Result<Box<dyn source::ImageSource>, CliError> {
    let spec: SourceSpec = image.parse()?;
    let registry = match &spec {
        SourceSpec::Registry(_) => Some(registry_client(access)?),
        _ => None,
    };
    Ok(source::open(&spec, &source::OpenOptions { registry })?)
}

impl From<crate::sbom::SbomError> for CliError {
    fn from(e: crate::sbom::SbomError) -> Self {
        match e {
            crate::sbom::SbomError::Source(s) => s.into(),
            other => CliError::new(ErrorKind::SbomGeneration, other),
        }
    }
}

/// Catalog an image, with a progress line on a terminal; warnings go to the log.
async fn catalog(
    image: &str,
    access: &ImageAccessArgs,
    scope: crate::config::SbomScope,
    quiet: bool,
) -> Result<crate::sbom::model::Inventory, CliError> {
    let src = open_image(image, access)?;
    catalog_source(src.as_ref(), None, access, scope, quiet).await
}

/// Catalog an opened image, reusing its resolved manifest when the caller has it.
pub(crate) async fn catalog_source(
    src: &dyn source::ImageSource,
    resolved: Option<&source::ResolvedImage>,
    access: &ImageAccessArgs,
    scope: crate::config::SbomScope,
    quiet: bool,
) -> Result<crate::sbom::model::Inventory, CliError> {
    let bar = progress::Bar::new("reading layers", !quiet);
    let opts = crate::sbom::GenerateOptions {
        platform: parse_platform(access)?,
        scope,
        progress: bar.as_ref().map(|b| b.callback()),
        ..Default::default()
    };
    let result = match resolved {
        Some(image) => crate::sbom::catalog_resolved(src, image, &opts).await,
        None => crate::sbom::catalog_image(src, &opts).await,
    };
    if let Some(b) = bar {
        b.finish();
    }
    let inventory = result?;
    for w in &inventory.warnings {
        tracing::warn!("{w}");
    }
    Ok(inventory)
}

async fn sbom_generate(
    image: &str,
    format: crate::config::SbomFormat,
    output: Option<&std::path::Path>,
    scope: crate::config::SbomScope,
    access: &ImageAccessArgs,
    quiet: bool,
) -> Result<(), CliError> {
    let inventory = catalog(image, access, scope, quiet).await?;
    let bytes = crate::sbom::format::render(
        &inventory,
        format,
        &crate::sbom::format::RenderOptions::now(),
    )
    .map_err(|e| CliError::new(ErrorKind::SbomGeneration, e))?;
    write_output(output, &bytes)?;
    if output.is_some() && !quiet {
        eprintln!("{} packages written ({format})", inventory.packages.len());
    }
    Ok(())
}

/// A policy verdict as a result: a failing policy is an error of kind `CriticalVulns` (exit 1).
fn policy_exit(code: u8) -> Result<(), CliError> {
    match code {
        0 => Ok(()),
        _ => Err(CliError {
            exit_code: Some(code),
            ..CliError::new(
                ErrorKind::CriticalVulns,
                anyhow::anyhow!(
                    "policy failed: vulnerabilities at or above the --fail-on threshold"
                ),
            )
        }),
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let quiet = cli.quiet;
    match cli.command {
        Command::Image(cmd) => match cmd {
            ImageCommand::Digest {
                image,
                full_ref,
                platform_manifest,
                access,
            } => image_digest(&image, full_ref, platform_manifest, &access).await,
            ImageCommand::Sign {
                image,
                signing,
                annotations,
                json,
                access,
            } => sign::image_sign(&image, &signing, &annotations, json, &access).await,
            ImageCommand::Verify {
                image,
                verify,
                annotations,
                json,
                access,
            } => sign::image_verify(&image, &verify, &annotations, json, &access).await,
            ImageCommand::VerifyAttestation {
                image,
                verify,
                predicate_type,
                require_types,
                json,
                access,
            } => {
                attest::verify_attestation(
                    &image,
                    &verify,
                    predicate_type.as_deref(),
                    &require_types,
                    json,
                    &access,
                )
                .await
            }
            ImageCommand::Scan(args) => scan::image_scan(&args, quiet).await.and_then(policy_exit),
            ImageCommand::Secure(args) => release::secure(&args).await,
        },
        Command::Sbom(cmd) => match cmd {
            SbomCommand::Generate {
                image,
                format,
                output,
                scope,
                access,
            } => sbom_generate(&image, format, output.as_deref(), scope, &access, quiet).await,
            SbomCommand::Attach {
                image,
                sbom,
                sbom_type,
                signing,
                access,
            } => {
                attest::sbom_attach(
                    &image,
                    sbom.as_deref(),
                    &sbom_type,
                    &signing,
                    &access,
                    quiet,
                )
                .await
            }
            SbomCommand::Verify {
                image,
                verify,
                sbom_type,
                output,
                access,
            } => attest::sbom_verify(&image, &verify, &sbom_type, output.as_deref(), &access).await,
            SbomCommand::Scan {
                sbom,
                fail_on,
                format,
                db,
                exit_code,
            } => scan::sbom_scan(&sbom, &fail_on, format, db.as_deref(), exit_code, quiet)
                .and_then(policy_exit),
        },
        Command::Provenance(cmd) => match cmd {
            ProvenanceCommand::Attach {
                image,
                source_repo,
                git_sha,
                workflow_name,
                dockerfile,
                build_args,
                base_images,
                signing,
                access,
            } => {
                let args = attest::ProvenanceAttach {
                    image: &image,
                    source_repo,
                    git_sha,
                    workflow_name,
                    dockerfile,
                    build_args: &build_args,
                    base_images: &base_images,
                };
                attest::provenance_attach(args, &signing, &access).await
            }
            ProvenanceCommand::Verify {
                image,
                min_slsa_level,
                verify,
                json,
                access,
            } => attest::provenance_verify(&image, min_slsa_level, &verify, json, &access).await,
        },
        Command::Release(cmd) => release::create(cmd, quiet).await,
        Command::Policy(cmd) => release::policy(&cmd),
        Command::Db(cmd) => scan::db(cmd).await,
        Command::GenerateKeyPair(args) => sign::generate_key_pair(&args),
        Command::VerifyBundle(args) => bundle::run(&args),
        Command::SignBundle(args) => bundle::sign_run(&args).await,
        Command::Schema(args) => schema(&args),
    }
}

/// Parse `std::env::args`, run, and return the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(ErrorKind::Io.exit_code());
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {:#}", e.error);
            ExitCode::from(e.code())
        }
    }
}

/// The CLI reference (`docs/cli.md`): every command's long help, generated from the
/// clap definitions so it cannot drift (a test compares it with the committed file).
pub fn reference_markdown() -> String {
    use clap::CommandFactory;
    fn walk(cmd: &mut clap::Command, path: &str, out: &mut String) {
        let name = if path.is_empty() {
            cmd.get_name().to_string()
        } else {
            format!("{path} {}", cmd.get_name())
        };
        let mut c = cmd.clone().term_width(100).max_term_width(100);
        let help = c.render_long_help().to_string();
        let level = if name.matches(' ').count() == 0 {
            "#"
        } else {
            "##"
        };
        out.push_str(&format!(
            "\n{level} `{name}`\n\n```text\n{}\n```\n",
            help.trim_end()
        ));
        for sub in cmd.get_subcommands_mut() {
            if sub.get_name() != "help" {
                walk(sub, &name, out);
            }
        }
    }
    let mut out = String::from(
        "<!-- Generated from the clap definitions in src/cli/args.rs by `SC_UPDATE_DOCS=1 cargo test --test cli`. Do not edit by hand. -->\n\n# CLI reference\n\nExit codes: 0 success; 1 policy failure (vulnerabilities at or above the threshold, verification failed); 2 invalid usage or configuration; 3 operational error (registry, network, files); 4 command not implemented yet.\n",
    );
    let mut cmd = args::Cli::command();
    cmd.build();
    walk(&mut cmd, "", &mut out);
    out
}
