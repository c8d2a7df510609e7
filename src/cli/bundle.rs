//! `sc verify-bundle`: verify a Sigstore bundle for a plain artifact (or its
//! `sha256:` digest), fully offline against a trusted root; `sc sign-bundle`:
//! sign one keylessly into a bundle.

use std::path::PathBuf;

use clap::Args;

use super::CliError;
use crate::error::ErrorKind;
use crate::signing::bundle::{
    ArtifactInput, Bundle, BundleError, BundleVerifier, IdentityPolicy, Matcher, PublicKey,
    VerificationPolicy, VerifiedBundle,
};
use crate::signing::keyless::{
    IdentityToken, KeylessSigner, SignError, SignInput, SignedBundle, SigningServices,
};
use crate::signing::trust::{SigningConfig, SigstoreInstance, TrustedRoot};

/// `sc verify-bundle` arguments.
#[derive(Debug, Clone, Args)]
pub struct VerifyBundleArgs {
    /// The Sigstore bundle (`*.sigstore.json`, v0.1 to v0.3).
    #[arg(long, value_name = "FILE")]
    pub bundle: PathBuf,
    /// Exact certificate identity (SAN: email or URI) required of a keyless bundle.
    #[arg(long, value_name = "IDENTITY", conflicts_with_all = ["certificate_identity_regexp", "key"])]
    pub certificate_identity: Option<String>,
    /// Regular expression (unanchored, as cosign) the certificate identity must match.
    #[arg(long, value_name = "REGEX", conflicts_with = "key")]
    pub certificate_identity_regexp: Option<String>,
    /// Exact OIDC issuer required in the certificate.
    #[arg(long, value_name = "URL", conflicts_with_all = ["certificate_oidc_issuer_regexp", "key"])]
    pub certificate_oidc_issuer: Option<String>,
    /// Regular expression (unanchored) the OIDC issuer must match.
    #[arg(long, value_name = "REGEX", conflicts_with = "key")]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// Public key (PEM) of a key-based bundle, instead of an identity policy.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// trusted_root.json to verify against. Default: the public-good instance's
    /// trusted root as compiled into sc (a snapshot; pass a current file in production).
    #[arg(long, value_name = "FILE", env = "SC_TRUSTED_ROOT")]
    pub trusted_root: Option<PathBuf>,
    /// Without --trusted-root: use the public-good staging instance's snapshot.
    #[arg(long, conflicts_with = "trusted_root")]
    pub staging: bool,
    /// Print the verification result as JSON on standard output.
    #[arg(long)]
    pub json: bool,
    /// The artifact file, or its digest as `sha256:HEX` (a digest is taken as a
    /// file path when a file of that name exists).
    #[arg(value_name = "ARTIFACT_OR_DIGEST")]
    pub artifact: String,
}

fn verify_failed(e: BundleError) -> CliError {
    let kind = match &e {
        BundleError::Read { .. } => ErrorKind::Io,
        BundleError::InvalidKey(_) | BundleError::TrustedRoot(_) => ErrorKind::InvalidConfig,
        _ => ErrorKind::VerifyFailed,
    };
    CliError::new(kind, anyhow::anyhow!("bundle verification failed: {e}"))
}

fn usage(msg: &str) -> CliError {
    CliError::new(ErrorKind::InvalidConfig, anyhow::anyhow!("{msg}"))
}

pub(crate) fn matcher(
    exact: &Option<String>,
    regexp: &Option<String>,
    what: &str,
) -> Result<Matcher, CliError> {
    match (exact, regexp) {
        (Some(s), None) => Ok(Matcher::Exact(s.clone())),
        (None, Some(r)) => Matcher::regex(r)
            .map_err(|e| usage(&format!("--{what}-regexp is not a valid regular expression: {e}"))),
        _ => Err(usage(&format!(
            "keyless verification needs --{what} or --{what}-regexp (or --key for a key-based bundle)"
        ))),
    }
}

/// The verification policy the flags describe.
pub fn policy(args: &VerifyBundleArgs) -> Result<VerificationPolicy, CliError> {
    if let Some(key) = &args.key {
        return PublicKey::from_file(key)
            .map(VerificationPolicy::Key)
            .map_err(|e| usage(&e.to_string()));
    }
    Ok(VerificationPolicy::Keyless(IdentityPolicy {
        identity: matcher(
            &args.certificate_identity,
            &args.certificate_identity_regexp,
            "certificate-identity",
        )?,
        issuer: matcher(
            &args.certificate_oidc_issuer,
            &args.certificate_oidc_issuer_regexp,
            "certificate-oidc-issuer",
        )?,
    }))
}

/// The trusted root the flags name.
pub fn trusted_root(args: &VerifyBundleArgs) -> Result<TrustedRoot, CliError> {
    let root = match (&args.trusted_root, args.staging) {
        (Some(path), _) => TrustedRoot::from_file(path),
        (None, true) => TrustedRoot::embedded(SigstoreInstance::Staging),
        (None, false) => TrustedRoot::embedded(SigstoreInstance::PublicGood),
    };
    root.map_err(|e| usage(&e.to_string()))
}

/// Verify as the flags say; the result on success.
pub fn verify(args: &VerifyBundleArgs) -> Result<VerifiedBundle, CliError> {
    let policy = policy(args)?;
    let root = trusted_root(args)?;
    let verifier = BundleVerifier::new(&root).map_err(verify_failed)?;
    // A bundle that cannot be parsed is a verification failure, not a usage error.
    let bundle = Bundle::from_file(&args.bundle).map_err(verify_failed)?;
    let artifact = ArtifactInput::from_arg(&args.artifact).map_err(verify_failed)?;
    verifier
        .verify(&artifact, &bundle, &policy)
        .map_err(verify_failed)
}

/// `sc verify-bundle`.
pub fn run(args: &VerifyBundleArgs) -> Result<(), CliError> {
    let verified = verify(args)?;
    if args.json {
        let signed_at: Vec<String> = verified
            .signed_at
            .iter()
            .filter_map(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .collect();
        let value = serde_json::json!({
            "verified": true,
            "signer": verified.signer.to_string(),
            "bundleVersion": verified.version.to_string(),
            "logIndex": verified.log_index,
            "signedAt": signed_at,
        });
        println!("{value}");
    } else {
        eprintln!(
            "Verified OK: bundle {} signed by {}{}",
            verified.version,
            verified.signer,
            verified
                .log_index
                .map(|i| format!(", transparency log index {i}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// `sc sign-bundle` arguments.
#[derive(Debug, Clone, Args)]
pub struct SignBundleArgs {
    /// OIDC identity token (a JWT) to obtain the Fulcio certificate with.
    #[arg(
        long,
        value_name = "JWT",
        env = "SIGSTORE_ID_TOKEN",
        hide_env_values = true
    )]
    pub identity_token: Option<String>,
    /// Where to write the bundle (`*.sigstore.json`, v0.3).
    #[arg(long, value_name = "FILE")]
    pub bundle: PathBuf,
    /// signing_config.json naming the Fulcio, Rekor and timestamp services.
    /// Default: the public-good (or, with --staging, staging) snapshot compiled into sc.
    #[arg(long, value_name = "FILE")]
    pub signing_config: Option<PathBuf>,
    /// Fulcio URL (with --rekor-url, instead of a signing config).
    #[arg(
        long,
        value_name = "URL",
        requires = "rekor_url",
        conflicts_with = "signing_config"
    )]
    pub fulcio_url: Option<String>,
    /// Rekor (API v1) URL (with --fulcio-url, instead of a signing config).
    #[arg(
        long,
        value_name = "URL",
        requires = "fulcio_url",
        conflicts_with = "signing_config"
    )]
    pub rekor_url: Option<String>,
    /// trusted_root.json of the deployment: the new bundle must verify against it
    /// before it is written. Default: the instance's snapshot compiled into sc.
    #[arg(long, value_name = "FILE", env = "SC_TRUSTED_ROOT")]
    pub trusted_root: Option<PathBuf>,
    /// Use the public-good staging instance's snapshots.
    #[arg(long)]
    pub staging: bool,
    /// The input is an in-toto statement, signed as a DSSE envelope.
    #[arg(long)]
    pub in_toto: bool,
    /// The file to sign (or, without --in-toto, its digest as `sha256:HEX`).
    #[arg(value_name = "FILE")]
    pub input: String,
}

fn sign_failed(e: SignError) -> CliError {
    let kind = match &e {
        SignError::Token(_) | SignError::Config(_) | SignError::Statement(_) => {
            ErrorKind::InvalidConfig
        }
        _ => ErrorKind::SigningFailed,
    };
    CliError::new(kind, anyhow::anyhow!("signing failed: {e}"))
}

/// Sign as the flags say; the signed (and verified) bundle, not yet written.
pub async fn sign(args: &SignBundleArgs) -> Result<SignedBundle, CliError> {
    let jwt = args.identity_token.as_deref().ok_or_else(|| {
        CliError::new(
            ErrorKind::MissingOidc,
            anyhow::anyhow!("keyless signing needs an OIDC identity token: --identity-token or SIGSTORE_ID_TOKEN"),
        )
    })?;
    let token = IdentityToken::from_jwt(jwt).map_err(sign_failed)?;
    let instance = if args.staging {
        SigstoreInstance::Staging
    } else {
        SigstoreInstance::PublicGood
    };
    let services = match (&args.fulcio_url, &args.rekor_url, &args.signing_config) {
        (Some(f), Some(r), _) => SigningServices::new(f, r),
        (_, _, Some(path)) => SigningServices::from_config(
            &SigningConfig::from_file(path).map_err(|e| usage(&e.to_string()))?,
        )
        .map_err(sign_failed)?,
        _ => SigningServices::from_config(
            &SigningConfig::embedded(instance).map_err(|e| usage(&e.to_string()))?,
        )
        .map_err(sign_failed)?,
    };
    let root = match &args.trusted_root {
        Some(path) => TrustedRoot::from_file(path),
        None => TrustedRoot::embedded(instance),
    }
    .map_err(|e| usage(&e.to_string()))?;
    let input = if args.in_toto {
        let path = std::path::Path::new(&args.input);
        SignInput::InTotoStatement(std::fs::read(path).map_err(|e| {
            CliError::new(
                ErrorKind::Io,
                anyhow::anyhow!("reading {}: {e}", path.display()),
            )
        })?)
    } else {
        SignInput::Artifact(
            ArtifactInput::from_arg(&args.input)
                .map_err(|e| CliError::new(ErrorKind::Io, anyhow::anyhow!("{e}")))?,
        )
    };
    let signer = KeylessSigner::new(services, &root).map_err(sign_failed)?;
    signer.sign(&token, &input).await.map_err(sign_failed)
}

/// `sc sign-bundle`.
pub async fn sign_run(args: &SignBundleArgs) -> Result<(), CliError> {
    let signed = sign(args).await?;
    super::write_output(Some(&args.bundle), signed.json.as_bytes())?;
    eprintln!(
        "Wrote {} (bundle {}, signed by {}{})",
        args.bundle.display(),
        signed.verified.version,
        signed.verified.signer,
        signed
            .verified
            .log_index
            .map(|i| format!(", transparency log index {i}"))
            .unwrap_or_default()
    );
    Ok(())
}
