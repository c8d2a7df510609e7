//! Argument types only: the `sc` command tree as clap definitions, with the help
//! text users read. Behaviour lives in the library; `cli::run` dispatches.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{SbomFormat, SbomScope};

/// sc — secure container images end to end: scan, SBOM, sign, attest, verify, release.
///
/// Works natively (no cosign, syft, grype or trivy needed) and offline where the
/// operation allows it. IMAGE is a registry reference (`ghcr.io/org/app:1.0`,
/// `localhost:5000/app@sha256:...`), an OCI layout (`oci:DIR[:tag]`) or a
/// docker-archive tarball (`docker-archive:FILE[:ref]`).
#[derive(Debug, Parser)]
#[command(name = "sc", version, max_term_width = 100)]
pub struct Cli {
    /// More log output (-v info, -vv debug, -vvv trace). Also: RUST_LOG.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign, verify, scan and inspect container images.
    #[command(subcommand)]
    Image(ImageCommand),
    /// Generate, attach, verify and scan SBOMs.
    #[command(subcommand)]
    Sbom(SbomCommand),
    /// Attach and verify SLSA v1.0 build provenance.
    #[command(subcommand)]
    Provenance(ProvenanceCommand),
    /// Run the whole security workflow for a stack's images.
    #[command(subcommand)]
    Release(ReleaseCommand),
    /// Manage the local vulnerability database used for offline scanning.
    #[command(subcommand)]
    Db(DbCommand),
    /// Write a cosign-compatible key pair (cosign.key, cosign.pub).
    GenerateKeyPair(GenerateKeyPairArgs),
    /// Verify a Sigstore bundle for a file or digest, offline against a trusted root.
    VerifyBundle(super::bundle::VerifyBundleArgs),
    /// Sign a file (or an in-toto statement) keylessly into a Sigstore bundle v0.3.
    SignBundle(super::bundle::SignBundleArgs),
    /// Print the JSON Schema of the configuration (stack files and the `security:` block).
    Schema(SchemaArgs),
    /// Render admission-control policies that require sc's signatures and attestations.
    #[command(subcommand)]
    Policy(PolicyCommand),
}

/// `sc policy ...`
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Kyverno ClusterPolicy (verifyImages): the signature by the configured key or
    /// keyless identity, plus the SBOM/provenance attestations the configuration attaches.
    Kyverno(PolicyArgs),
    /// Connaisseur Helm values: a cosign validator trusting the configured key or
    /// keyless identity for the given images; every other image is denied.
    Connaisseur(PolicyArgs),
}

/// Arguments of `sc policy kyverno|connaisseur`.
#[derive(Debug, Clone, Args)]
pub struct PolicyArgs {
    /// Configuration: a stack file or a file with a `security:` block (or the block itself).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Image pattern the policy applies to (repeatable), e.g. `ghcr.io/acme/*`
    /// (Kyverno) or `ghcr.io/acme/*:*` (Connaisseur).
    #[arg(long = "image", value_name = "PATTERN", required = true)]
    pub images: Vec<String>,
    /// Directory a relative public key path in the configuration is resolved against.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub project_dir: PathBuf,
    /// Name of the policy (Kyverno) or validator (Connaisseur).
    #[arg(long, default_value = "sc-verify-images")]
    pub name: String,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// How images are read: platform selection and registry access.
#[derive(Debug, Clone, Args, Default)]
pub struct ImageAccessArgs {
    /// Platform to select from a multi-platform image (os/arch[/variant]).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]", default_value = "linux/amd64")]
    pub platform: String,
    /// Registry host to reach over plain HTTP or with unverified TLS (repeatable).
    /// Loopback registries may use plain HTTP without this flag.
    #[arg(long = "insecure-registry", value_name = "HOST[:PORT]")]
    pub insecure_registries: Vec<String>,
    /// Extra CA certificate(s) (PEM) to trust for registry TLS (repeatable).
    #[arg(long = "registry-ca-file", value_name = "FILE")]
    pub registry_ca_files: Vec<PathBuf>,
    /// Registry user name, with --registry-password-stdin. Without flags, credentials
    /// come from SC_REGISTRY_USERNAME/SC_REGISTRY_PASSWORD (or SC_REGISTRY_TOKEN), then
    /// Docker's config.json and its credential helpers.
    #[arg(long, value_name = "USER")]
    pub registry_username: Option<String>,
    /// Read the registry password or token from standard input.
    #[arg(long)]
    pub registry_password_stdin: bool,
}

/// Options shared by keyless and key-based signing.
#[derive(Debug, Clone, Args, Default)]
pub struct SigningArgs {
    /// Private key file (cosign format) for key-based signing; keyless when absent.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// OIDC identity token (a JWT, or a file holding one) for keyless signing
    /// (default: SIGSTORE_ID_TOKEN, then the CI's token, e.g. GitHub Actions).
    #[arg(long, value_name = "JWT", hide_env_values = true)]
    pub identity_token: Option<String>,
    /// Fulcio URL, with --rekor-url (keyless; private Sigstore deployments).
    #[arg(long, value_name = "URL")]
    pub fulcio_url: Option<String>,
    /// Rekor (API v1) URL: with --fulcio-url for keyless signing, or the log
    /// key-based signatures are entered in (--tlog-upload).
    #[arg(long, value_name = "URL")]
    pub rekor_url: Option<String>,
    /// Sigstore signing_config.json naming the services to use.
    #[arg(long, value_name = "FILE")]
    pub signing_config: Option<PathBuf>,
    /// trusted_root.json of the Sigstore deployment: new signatures and log
    /// entries must verify against it before they are pushed (keyless default:
    /// the public-good snapshot compiled into sc).
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,
    /// Upload to the transparency log (set false for air-gapped key-based signing).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub tlog_upload: bool,
}

/// Options shared by signature and attestation verification.
#[derive(Debug, Clone, Args, Default)]
pub struct VerifyArgs {
    /// Public key (PEM) for key-based verification.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Exact certificate identity (SAN: email or URI) required for keyless verification.
    #[arg(long, value_name = "IDENTITY")]
    pub certificate_identity: Option<String>,
    /// Regular expression the certificate identity must match.
    #[arg(long, value_name = "REGEX")]
    pub certificate_identity_regexp: Option<String>,
    /// Exact OIDC issuer required in the certificate.
    #[arg(long, value_name = "URL")]
    pub certificate_oidc_issuer: Option<String>,
    /// Regular expression the OIDC issuer must match.
    #[arg(long, value_name = "REGEX")]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// trusted_root.json to verify against, offline (keyless default: the
    /// public-good snapshot compiled into sc; with --key: also require a Rekor
    /// entry whose SET verifies against it).
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,
    /// Do not contact any Sigstore service (verification never does; accepted
    /// for cosign compatibility).
    #[arg(long)]
    pub offline: bool,
}

/// `sc image ...`
#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Sign an image by digest (key-based with --key, keyless otherwise), cosign-compatible.
    Sign {
        /// Image to sign (a tag is resolved to its digest first; the digest is signed).
        image: String,
        #[command(flatten)]
        signing: SigningArgs,
        /// Annotation to add to the signature (KEY=VALUE, repeatable).
        #[arg(short = 'a', long = "annotation", value_name = "KEY=VALUE")]
        annotations: Vec<String>,
        /// Write the result (digest, signature, time) as JSON on standard output.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        access: ImageAccessArgs,
    },
    /// Verify an image's signatures (key or certificate identity), offline-capable.
    Verify {
        /// Image to verify.
        image: String,
        #[command(flatten)]
        verify: VerifyArgs,
        /// Annotation every accepted signature must carry (KEY=VALUE, repeatable).
        #[arg(short = 'a', long = "annotation", value_name = "KEY=VALUE")]
        annotations: Vec<String>,
        /// Write the verified payloads as a JSON array on standard output (as cosign does).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        access: ImageAccessArgs,
    },
    /// Scan an image for known vulnerabilities against the local database.
    Scan(ScanArgs),
    /// Run the security workflow (scan, sign, SBOM, provenance) for one image pinned by
    /// digest, as configured by a `security:` block: the one call a deploy tool makes
    /// after pushing. Exit 1 when the image is blocked by policy (do not deploy).
    Secure(SecureArgs),
    /// Verify an image's in-toto attestations (SBOM, provenance, any predicate) and
    /// print the verified statements.
    ///
    /// Reads attestations stored as cosign stores them (the `sha256-<hex>.att` image)
    /// and as Sigstore bundle referrers; each must be signed with --key or by the
    /// certificate identity given, and must name the image's digest as its subject.
    /// With --require-type, fails unless a verified attestation of each type exists
    /// (an admission policy).
    VerifyAttestation {
        /// Image whose attestations to verify.
        image: String,
        #[command(flatten)]
        verify: VerifyArgs,
        /// Only attestations of this type: cyclonedx, spdxjson, slsaprovenance
        /// (v1.0), slsaprovenance02, or a predicate type URI.
        #[arg(long = "type", value_name = "TYPE")]
        predicate_type: Option<String>,
        /// Require a verified attestation of this type (repeatable).
        #[arg(long = "require-type", value_name = "TYPE")]
        require_types: Vec<String>,
        /// Write the verified statements as a JSON array on standard output.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        access: ImageAccessArgs,
    },
    /// Print the digest an image reference resolves to ("pin by digest").
    Digest {
        /// Image whose digest to print.
        image: String,
        /// Print `REPOSITORY@DIGEST` (registry images) instead of the bare digest.
        #[arg(long)]
        full_ref: bool,
        /// Print the digest of the platform's image manifest rather than the index the reference names.
        #[arg(long)]
        platform_manifest: bool,
        #[command(flatten)]
        access: ImageAccessArgs,
    },
}

/// Options shared by `release create` and `image secure`: results cache and database.
#[derive(Debug, Clone, Args, Default)]
pub struct ExecutionArgs {
    /// Do not read or write the result cache (scan results and SBOMs by image digest).
    #[arg(long)]
    pub no_cache: bool,
    /// Result cache directory (default: the user cache directory's sc/scan-results).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Vulnerability database directory (default: scan.dbPath, SC_DB_DIR, the user
    /// cache, else the bundled seed database).
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
}

/// `sc image secure` arguments.
#[derive(Debug, Clone, Args)]
pub struct SecureArgs {
    /// Image, pinned by digest (`REGISTRY/REPO@sha256:...`).
    pub image: String,
    /// Configuration: a file with a `security:` block (or the block itself).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Directory relative paths in the configuration (keys, ignore files, VEX,
    /// SBOM output) are resolved against.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub project_dir: PathBuf,
    /// Write the result (status and the seeds' SecurityResult) as JSON on standard output.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub execution: ExecutionArgs,
    #[command(flatten)]
    pub access: ImageAccessArgs,
}

/// Output formats of a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ScanFormat {
    /// Table grouped by severity.
    #[default]
    Table,
    /// JSON (ScanResult).
    Json,
    /// SARIF 2.1.0 for code-scanning dashboards.
    Sarif,
    /// CycloneDX VEX.
    CyclonedxVex,
    /// Markdown summary.
    Markdown,
}

/// `sc image scan` arguments.
#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Image to scan.
    pub image: String,
    /// Use only the local database; never touch the network for vulnerability data.
    #[arg(long)]
    pub offline: bool,
    /// Fail (exit 1) when a finding is at or above this severity.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// Warn when a finding is at or above this severity.
    #[arg(long, value_name = "SEVERITY")]
    pub warn_on: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Table)]
    pub format: ScanFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Vulnerability database directory (default: the bundled seed database or SC_DB_DIR).
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
    /// Do not report vulnerabilities that have no fixed version.
    #[arg(long)]
    pub ignore_unfixed: bool,
    /// Ignore file (IDs with reasons and expiry dates).
    #[arg(long, value_name = "FILE")]
    pub ignore_file: Option<PathBuf>,
    /// OpenVEX document(s) whose not_affected statements suppress findings (repeatable).
    #[arg(long, value_name = "FILE")]
    pub vex: Vec<PathBuf>,
    /// Which files count: the final filesystem (squashed) or every layer.
    #[arg(long, value_name = "SCOPE", default_value = "squashed")]
    pub scope: SbomScope,
    /// Do not read or write the result cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Exit code when the policy fails (default 1; 0 reports without failing; 2-4 are reserved).
    #[arg(long, value_name = "N")]
    pub exit_code: Option<u8>,
    #[command(flatten)]
    pub access: ImageAccessArgs,
}

/// `sc sbom ...`
#[derive(Debug, Subcommand)]
pub enum SbomCommand {
    /// Generate an SBOM for an image (in-process; no syft).
    Generate {
        /// Image to catalog.
        image: String,
        /// Output format: cyclonedx-json, cyclonedx-xml, spdx-json, spdx-tag-value, sc-json.
        #[arg(long, value_name = "FORMAT", default_value = "cyclonedx-json")]
        format: SbomFormat,
        /// Write to FILE instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Which files count: squashed (the final filesystem) or all-layers (every layer).
        #[arg(long, value_name = "SCOPE", default_value = "squashed")]
        scope: SbomScope,
        #[command(flatten)]
        access: ImageAccessArgs,
    },
    /// Attach an SBOM to an image as a signed in-toto attestation.
    ///
    /// The predicate type follows the SBOM type as in cosign: cyclonedx →
    /// https://cyclonedx.org/bom, spdxjson → https://spdx.dev/Document. Key-based
    /// attestations need --tlog-upload=false (no transparency log for keys yet).
    Attach {
        /// Image to attest (a tag is resolved; the digest is attested).
        image: String,
        /// SBOM file (JSON of --type). Without it, one is generated from the image.
        #[arg(long, value_name = "FILE")]
        sbom: Option<PathBuf>,
        /// SBOM type: cyclonedx or spdxjson.
        #[arg(long = "type", value_name = "TYPE", default_value = "cyclonedx")]
        sbom_type: String,
        #[command(flatten)]
        signing: SigningArgs,
        #[command(flatten)]
        access: ImageAccessArgs,
    },
    /// Verify an image's SBOM attestation and write the verified SBOM.
    ///
    /// Checks the signature (key or certificate identity), that the attestation's
    /// subject is the image digest, and its type; writes the SBOM of the most
    /// recently attached verified attestation.
    Verify {
        /// Image whose SBOM to verify.
        image: String,
        #[command(flatten)]
        verify: VerifyArgs,
        /// SBOM type: cyclonedx or spdxjson.
        #[arg(long = "type", value_name = "TYPE", default_value = "cyclonedx")]
        sbom_type: String,
        /// Where to write the verified SBOM.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        access: ImageAccessArgs,
    },
    /// Scan an existing CycloneDX or SPDX SBOM for vulnerabilities, without the image.
    Scan {
        /// SBOM file.
        sbom: PathBuf,
        /// Fail (exit 1) at or above this severity.
        #[arg(long, value_name = "SEVERITY")]
        fail_on: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ScanFormat::Table)]
        format: ScanFormat,
        /// Vulnerability database directory.
        #[arg(long, value_name = "DIR")]
        db: Option<PathBuf>,
        /// Exit code when the policy fails (default 1; 0 reports without failing; 2-4 are reserved).
        #[arg(long, value_name = "N")]
        exit_code: Option<u8>,
    },
}

/// `sc provenance ...`
#[derive(Debug, Subcommand)]
pub enum ProvenanceCommand {
    /// Generate SLSA v1.0 provenance for an image and attach it as a signed attestation.
    Attach {
        /// Image the provenance is about.
        image: String,
        /// Source repository URL (default: from the CI environment or .git).
        #[arg(long, value_name = "URL")]
        source_repo: Option<String>,
        /// Source commit (default: from the CI environment or .git).
        #[arg(long, value_name = "SHA")]
        git_sha: Option<String>,
        /// CI workflow name (default: from the CI environment).
        #[arg(long, value_name = "NAME")]
        workflow_name: Option<String>,
        /// Dockerfile the image was built from (recorded in externalParameters).
        #[arg(long, value_name = "PATH")]
        dockerfile: Option<String>,
        /// Build argument (KEY=VALUE, repeatable); values of secret-looking names
        /// (TOKEN, PASSWORD, SECRET, KEY, ...) are recorded as `<redacted>`.
        #[arg(long = "build-arg", value_name = "KEY=VALUE")]
        build_args: Vec<String>,
        /// Base image (repeatable), recorded by digest in resolvedDependencies (a
        /// tag is resolved in the registry). A base image the image manifest
        /// declares (org.opencontainers.image.base.name/.digest) is recorded too.
        #[arg(long = "base-image", value_name = "IMAGE")]
        base_images: Vec<String>,
        #[command(flatten)]
        signing: SigningArgs,
        #[command(flatten)]
        access: ImageAccessArgs,
    },
    /// Verify an image's provenance and report which SLSA build level it meets.
    ///
    /// Levels: L1 a verified SLSA provenance about this digest naming its builder;
    /// L2 signed keylessly by a hosted CI platform's identity (GitHub Actions,
    /// GitLab.com, Buildkite) with a builder on that platform, not self-hosted; L3
    /// signed by a trusted isolated builder (slsa-github-generator). Each
    /// requirement is reported as met or not, with the reason.
    Verify {
        /// Image whose provenance to verify.
        image: String,
        /// Minimum SLSA build level required (0-3).
        #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=3))]
        min_slsa_level: u8,
        #[command(flatten)]
        verify: VerifyArgs,
        /// Print the level report as JSON on standard output.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        access: ImageAccessArgs,
    },
}

/// `sc release ...`
#[derive(Debug, Subcommand)]
pub enum ReleaseCommand {
    /// Scan, sign, attest and report every image of a stack environment.
    Create {
        /// Stack name (.sc/stacks/STACK/client.yaml).
        #[arg(short, long)]
        stack: String,
        /// Environment (production, staging, ...).
        #[arg(short, long)]
        environment: String,
        /// Release version.
        #[arg(long)]
        version: String,
        /// Override: enable or disable signing.
        #[arg(long, value_name = "BOOL", action = clap::ArgAction::Set)]
        sign: Option<bool>,
        /// Override: enable or disable SBOM generation and attestation.
        #[arg(long, value_name = "BOOL", action = clap::ArgAction::Set)]
        sbom: Option<bool>,
        /// Override: enable or disable scanning.
        #[arg(long, value_name = "BOOL", action = clap::ArgAction::Set)]
        scan: Option<bool>,
        /// Project directory holding `.sc/`.
        #[arg(long, value_name = "DIR", default_value = ".")]
        project_dir: PathBuf,
        /// Images processed at once.
        #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
        jobs: u16,
        /// Write the ReleaseResult as JSON on standard output instead of the summary.
        #[arg(long)]
        json: bool,
        /// Also write the ReleaseResult as JSON to FILE.
        #[arg(long, value_name = "FILE")]
        report_json: Option<PathBuf>,
        /// Also write a self-contained HTML report (severity charts, findings,
        /// packages) to FILE. The Markdown summary is appended to
        /// $GITHUB_STEP_SUMMARY when that is set.
        #[arg(long, value_name = "FILE")]
        report_html: Option<PathBuf>,
        #[command(flatten)]
        execution: ExecutionArgs,
        #[command(flatten)]
        access: ImageAccessArgs,
    },
}

/// `sc db ...`
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Update the local database from an OSV mirror (https:// or file://), incrementally.
    Sync {
        /// Mirror base URL with the osv.dev bucket layout.
        #[arg(long, value_name = "URL")]
        mirror: String,
        /// Database directory.
        #[arg(long, value_name = "DIR")]
        db: Option<PathBuf>,
    },
    /// Show the database's age, record counts and sources.
    Status {
        /// Database directory.
        #[arg(long, value_name = "DIR")]
        db: Option<PathBuf>,
        /// Print the status as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Import OSV records from a zip, a directory of .json files, or an exported bundle
    /// (its .sha256 checksum is verified).
    Import {
        /// File or directory to import.
        path: PathBuf,
        /// Database directory.
        #[arg(long, value_name = "DIR")]
        db: Option<PathBuf>,
    },
    /// Write the database to one bundle file (plus FILE.sha256) for an air-gapped runner.
    Export {
        /// Bundle file to write.
        output: PathBuf,
        /// Database directory (default: the one scans use).
        #[arg(long, value_name = "DIR")]
        db: Option<PathBuf>,
    },
}

/// `sc generate-key-pair` arguments. The password comes from COSIGN_PASSWORD (which
/// may be empty) or, when it is unset, from a prompt on the terminal (asked twice).
#[derive(Debug, Args)]
pub struct GenerateKeyPairArgs {
    /// Prefix of the written files (PREFIX.key, PREFIX.pub).
    #[arg(long, value_name = "PREFIX", default_value = "cosign")]
    pub output_key_prefix: String,
    /// Overwrite existing key files.
    #[arg(long)]
    pub force: bool,
}

/// `sc schema` arguments.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Only the `security:` block instead of the whole stack file.
    #[arg(long)]
    pub security_only: bool,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}
