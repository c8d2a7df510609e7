//! `sc sbom attach|verify`, `sc provenance attach|verify`, `sc image
//! verify-attestation`: argument handling and output. The work is done by
//! [`crate::attest`] and [`crate::provenance`].

use std::collections::BTreeMap;
use std::path::Path;

use super::args::{ImageAccessArgs, SigningArgs, VerifyArgs};
use super::{registry_client, CliError};
use crate::attest::{self, PredicateType, Signer, VerificationPolicy, VerifyOptions};
use crate::config::SbomFormat;
use crate::context::ExecutionContext;
use crate::error::ErrorKind;
use crate::provenance::{self, ProvenanceOptions};
use crate::reference::ImageReference;
use crate::signing::bundle::{IdentityPolicy, Matcher};
use crate::signing::keyless::{IdentityToken, SigningServices};
use crate::signing::keys::{KeyError, Password, PublicKey, SigningKey};
use crate::signing::trust::{SigningConfig, SigstoreInstance, TrustedRoot};
use crate::source::SourceSpec;

/// Environment variable cosign reads the key password from.
const PASSWORD_ENV: &str = "COSIGN_PASSWORD";
/// Audience of the identity tokens Fulcio accepts.
const SIGSTORE_AUDIENCE: &str = "sigstore";

fn usage(msg: impl std::fmt::Display) -> CliError {
    CliError::new(ErrorKind::InvalidConfig, anyhow::anyhow!("{msg}"))
}

fn registry_image(image: &str) -> Result<ImageReference, CliError> {
    match image.parse::<SourceSpec>()? {
        SourceSpec::Registry(r) => Ok(r),
        _ => Err(usage(format!(
            "attestations are stored next to the image in its registry; '{image}' is a local layout or archive: push it first"
        ))),
    }
}

/// The password of an encrypted key: `COSIGN_PASSWORD` (may be empty), else asked
/// on the terminal. Never logged.
fn key_password() -> Result<Password, KeyError> {
    if let Some(v) = std::env::var_os(PASSWORD_ENV) {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt;
            return Ok(Password::new(v.into_vec()));
        }
        #[cfg(not(unix))]
        return Ok(Password::new(v.to_string_lossy().into_owned()));
    }
    rpassword::prompt_password("Enter password for private key: ")
        .map(Password::new)
        .map_err(|e| {
            KeyError::Password(format!(
                "no password: {PASSWORD_ENV} is not set and no terminal to ask on ({e})"
            ))
        })
}

fn key_error(e: KeyError) -> CliError {
    let kind = match &e {
        KeyError::Io { .. } => ErrorKind::MissingKey,
        _ => ErrorKind::InvalidConfig,
    };
    CliError::new(kind, e)
}

/// The signer the signing flags describe: the key, or a keyless signer with the
/// identity token from --identity-token, SIGSTORE_ID_TOKEN or the CI.
async fn signer(signing: &SigningArgs) -> Result<Signer, CliError> {
    if let Some(path) = &signing.key {
        if signing.tlog_upload {
            return Err(CliError::new(
                ErrorKind::NotImplemented,
                anyhow::anyhow!("recording a key-based attestation in a transparency log (Rekor) is not available yet; nothing was attested. Attest without a log entry with --tlog-upload=false"),
            ));
        }
        return SigningKey::from_file(path, key_password)
            .map(Signer::Key)
            .map_err(key_error);
    }
    if !signing.tlog_upload {
        return Err(usage(
            "keyless attestations are always recorded in the transparency log; --tlog-upload=false applies to --key only",
        ));
    }
    let ctx = ExecutionContext::detect();
    let token = ctx
        .oidc_token(signing.identity_token.as_deref(), SIGSTORE_AUDIENCE)
        .await
        .map_err(|e| CliError::new(e.kind(), e))?
        .ok_or_else(|| {
            CliError::new(
                ErrorKind::MissingOidc,
                anyhow::anyhow!(
                    "keyless signing needs an OIDC identity token: --identity-token, SIGSTORE_ID_TOKEN{}; or sign with --key",
                    ctx.oidc_setup_hint().map(|h| format!(", or {h}")).unwrap_or_default()
                ),
            )
        })?;
    let token = IdentityToken::from_jwt(token.secret())
        .map_err(|e| CliError::new(ErrorKind::InvalidConfig, e))?;
    let services = match (
        &signing.fulcio_url,
        &signing.rekor_url,
        &signing.signing_config,
    ) {
        (Some(f), Some(r), None) => SigningServices::new(f, r),
        (None, None, Some(path)) => {
            SigningServices::from_config(&SigningConfig::from_file(path).map_err(usage)?)
                .map_err(usage)?
        }
        (None, None, None) => SigningServices::from_config(
            &SigningConfig::embedded(SigstoreInstance::PublicGood).map_err(usage)?,
        )
        .map_err(usage)?,
        _ => {
            return Err(usage(
                "give either --signing-config or both --fulcio-url and --rekor-url",
            ))
        }
    };
    let root = match &signing.trusted_root {
        Some(p) => TrustedRoot::from_file(p),
        None => TrustedRoot::embedded(SigstoreInstance::PublicGood),
    }
    .map_err(usage)?;
    Signer::keyless(services, &root, token).map_err(|e| CliError::new(e.kind(), e))
}

fn matcher(
    exact: &Option<String>,
    regexp: &Option<String>,
    what: &str,
) -> Result<Matcher, CliError> {
    match (exact, regexp) {
        (Some(s), None) => Ok(Matcher::Exact(s.clone())),
        (None, Some(r)) => Matcher::regex(r)
            .map_err(|e| usage(format!("--{what}-regexp is not a valid regular expression: {e}"))),
        (Some(_), Some(_)) => Err(usage(format!("--{what} and --{what}-regexp are alternatives: give one"))),
        (None, None) => Err(usage(format!(
            "keyless verification needs --{what} or --{what}-regexp (or --key for key-signed attestations)"
        ))),
    }
}

/// The verification policy the flags describe.
fn policy(verify: &VerifyArgs) -> Result<VerificationPolicy, CliError> {
    let identity_flags = verify.certificate_identity.is_some()
        || verify.certificate_identity_regexp.is_some()
        || verify.certificate_oidc_issuer.is_some()
        || verify.certificate_oidc_issuer_regexp.is_some();
    if let Some(path) = &verify.key {
        if identity_flags {
            return Err(usage("--key and --certificate-identity/--certificate-oidc-issuer are alternatives: give one"));
        }
        return PublicKey::from_file(path)
            .map(VerificationPolicy::Key)
            .map_err(key_error);
    }
    let identity = IdentityPolicy {
        identity: matcher(
            &verify.certificate_identity,
            &verify.certificate_identity_regexp,
            "certificate-identity",
        )?,
        issuer: matcher(
            &verify.certificate_oidc_issuer,
            &verify.certificate_oidc_issuer_regexp,
            "certificate-oidc-issuer",
        )?,
    };
    let root = match &verify.trusted_root {
        Some(p) => TrustedRoot::from_file(p),
        None => TrustedRoot::embedded(SigstoreInstance::PublicGood),
    }
    .map_err(usage)?;
    VerificationPolicy::keyless(&root, identity).map_err(usage)
}

fn sbom_format(sbom_type: &str) -> Result<SbomFormat, CliError> {
    match sbom_type {
        "cyclonedx" | "cyclonedx-json" => Ok(SbomFormat::CycloneDxJson),
        "spdxjson" | "spdx" | "spdx-json" => Ok(SbomFormat::SpdxJson),
        other => Err(usage(format!(
            "unknown SBOM type {other:?}: use cyclonedx or spdxjson"
        ))),
    }
}

fn parse_type(t: &str) -> Result<PredicateType, CliError> {
    t.parse().map_err(usage)
}

fn report_attached(outcome: &attest::AttachOutcome, what: &str) {
    if outcome.already_attached {
        eprintln!(
            "{} already has this {what} attestation signed by {}: nothing pushed",
            outcome.image, outcome.signer
        );
        return;
    }
    eprintln!(
        "Attached {what} attestation ({}) to {}, signed by {}",
        outcome.predicate_type, outcome.image, outcome.signer
    );
    eprintln!("  stored in {}", outcome.attestation_tag);
    if let Some(r) = &outcome.referrer {
        eprintln!("  and as the Sigstore bundle referrer {r}");
    }
}

/// `sc sbom attach`.
pub async fn sbom_attach(
    image: &str,
    sbom: Option<&Path>,
    sbom_type: &str,
    signing: &SigningArgs,
    access: &ImageAccessArgs,
    quiet: bool,
) -> Result<(), CliError> {
    let reference = registry_image(image)?;
    let format = sbom_format(sbom_type)?;
    let document = match sbom {
        Some(path) => std::fs::read(path).map_err(|e| {
            CliError::new(
                ErrorKind::Io,
                anyhow::anyhow!("reading {}: {e}", path.display()),
            )
        })?,
        None => {
            let inventory =
                super::catalog(image, access, crate::config::SbomScope::Squashed, quiet).await?;
            crate::sbom::format::render(
                &inventory,
                format,
                &crate::sbom::format::RenderOptions::now(),
            )
            .map_err(|e| CliError::new(ErrorKind::SbomGeneration, e))?
        }
    };
    let (predicate_type, predicate) = attest::sbom_predicate(&document, format).map_err(usage)?;
    drop(document);
    let signer = signer(signing).await?;
    let client = registry_client(access)?;
    let outcome = attest::attach(&client, &reference, &predicate_type, predicate, &signer)
        .await
        .map_err(|e| CliError::new(e.kind(), anyhow::anyhow!("attesting {reference}: {e}")))?;
    report_attached(&outcome, "SBOM");
    Ok(())
}

fn verify_failed(e: attest::VerifyError) -> CliError {
    CliError::new(e.kind(), e)
}

/// `sc sbom verify`.
pub async fn sbom_verify(
    image: &str,
    verify: &VerifyArgs,
    sbom_type: &str,
    output: Option<&Path>,
    access: &ImageAccessArgs,
) -> Result<(), CliError> {
    let reference = registry_image(image)?;
    let predicate_type = attest::sbom_predicate_type(sbom_format(sbom_type)?).map_err(usage)?;
    let policy = policy(verify)?;
    let client = registry_client(access)?;
    let options = VerifyOptions {
        predicate_type: Some(predicate_type),
        require: Vec::new(),
    };
    let verified = attest::verify(&client, &reference, &policy, &options)
        .await
        .map_err(verify_failed)?;
    let latest = verified.attestations.last().expect("at least one");
    let bytes = serde_json::to_vec_pretty(&latest.statement.predicate)
        .map_err(|e| CliError::new(ErrorKind::Io, e))?;
    super::write_output(output, &bytes)?;
    eprintln!(
        "Verified OK: SBOM attestation ({}) for {} signed by {} ({})",
        latest.statement.predicate_type, verified.image, latest.signer, latest.storage
    );
    Ok(())
}

fn parse_pairs(items: &[String]) -> Result<BTreeMap<String, String>, CliError> {
    items
        .iter()
        .map(|i| match i.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(usage(format!(
                "invalid build argument '{i}': expected KEY=VALUE"
            ))),
        })
        .collect()
}

/// Arguments of `sc provenance attach`.
#[derive(Debug)]
pub struct ProvenanceAttach<'a> {
    /// The image.
    pub image: &'a str,
    /// `--source-repo`.
    pub source_repo: Option<String>,
    /// `--git-sha`.
    pub git_sha: Option<String>,
    /// `--workflow-name`.
    pub workflow_name: Option<String>,
    /// `--dockerfile`.
    pub dockerfile: Option<String>,
    /// `--build-arg`.
    pub build_args: &'a [String],
    /// `--base-image`.
    pub base_images: &'a [String],
}

/// `sc provenance attach`.
pub async fn provenance_attach(
    args: ProvenanceAttach<'_>,
    signing: &SigningArgs,
    access: &ImageAccessArgs,
) -> Result<(), CliError> {
    let reference = registry_image(args.image)?;
    let build_args = parse_pairs(args.build_args)?;
    let signer = signer(signing).await?;
    let client = registry_client(access)?;
    let io = |e: crate::registry::RegistryError| CliError::new(ErrorKind::Io, e);
    let (manifest, digest, _) = client.fetch_manifest(&reference).await.map_err(io)?;
    let pinned = reference.with_digest(digest);
    let mut base_images = Vec::new();
    for b in args.base_images {
        let r = registry_image(b)?;
        let d = client.resolve_digest(&r).await.map_err(io)?;
        base_images.push(r.with_digest(d));
    }
    // The base image the manifest declares (BuildKit's OCI annotations), when known.
    if let Some(declared) = provenance::base_image_from_manifest(&manifest) {
        if !base_images.iter().any(|b| b.digest == declared.digest) {
            base_images.push(declared);
        }
    }
    let options = ProvenanceOptions {
        source_repo: args.source_repo,
        git_sha: args.git_sha,
        workflow_name: args.workflow_name,
        dockerfile: args.dockerfile,
        build_args,
        base_images,
        ..ProvenanceOptions::default()
    };
    let ctx = ExecutionContext::detect();
    let prov = provenance::generate(&ctx, &pinned, &options)
        .map_err(|e| CliError::new(ErrorKind::ProvenanceGeneration, e))?;
    let outcome = attest::attach(
        &client,
        &pinned,
        &PredicateType::SlsaProvenanceV1,
        prov.predicate(),
        &signer,
    )
    .await
    .map_err(|e| CliError::new(e.kind(), anyhow::anyhow!("attesting {pinned}: {e}")))?;
    report_attached(&outcome, "SLSA provenance");
    eprintln!("  builder {}", prov.metadata.builder_id);
    Ok(())
}

/// `sc provenance verify`.
pub async fn provenance_verify(
    image: &str,
    min_level: u8,
    verify: &VerifyArgs,
    json: bool,
    access: &ImageAccessArgs,
) -> Result<(), CliError> {
    let reference = registry_image(image)?;
    let policy = policy(verify)?;
    let client = registry_client(access)?;
    let mut reports = Vec::new();
    let mut image_pinned = reference.clone();
    // The v1.0 failure explains best (that is what sc generates); v0.2 is also read.
    let mut first_error = None;
    for t in [
        PredicateType::SlsaProvenanceV1,
        PredicateType::SlsaProvenanceV02,
    ] {
        let options = VerifyOptions {
            predicate_type: Some(t),
            require: Vec::new(),
        };
        match attest::verify(&client, &reference, &policy, &options).await {
            Ok(v) => {
                image_pinned = v.image.clone();
                reports.extend(v.attestations.iter().map(provenance::evaluate));
            }
            Err(e @ attest::VerifyError::Registry(_)) => return Err(verify_failed(e)),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let Some(best) = reports.iter().max_by_key(|r| r.level).cloned() else {
        if min_level == 0 {
            // Level 0 requires nothing: report why there is no level, and pass.
            let why = first_error
                .map(|e| e.to_string())
                .unwrap_or_else(|| "no verified SLSA provenance".into());
            if json {
                let v = serde_json::json!({
                    "image": reference.to_string(), "minSlsaLevel": 0, "level": 0,
                    "passed": true, "reason": why,
                });
                println!("{v}");
            } else {
                println!("SLSA build level 0 for {reference}: {why}");
            }
            return Ok(());
        }
        return Err(match first_error {
            Some(e) => verify_failed(e),
            None => CliError::new(
                ErrorKind::VerifyFailed,
                anyhow::anyhow!("{reference}: no verified SLSA provenance"),
            ),
        });
    };
    if json {
        let v = serde_json::json!({
            "image": image_pinned.to_string(),
            "minSlsaLevel": min_level,
            "level": best.level,
            "passed": best.level >= min_level,
            "report": best,
        });
        println!("{v}");
    } else {
        println!(
            "SLSA build level {} for {} (builder {}, signed by {})",
            best.level, image_pinned, best.builder_id, best.signer
        );
        for r in &best.requirements {
            println!(
                "  [{}] L{} {}\n        {}",
                if r.met { "met" } else { "not met" },
                r.level,
                r.requirement,
                r.reason
            );
        }
    }
    if best.level < min_level {
        return Err(CliError::new(
            ErrorKind::VerifyFailed,
            anyhow::anyhow!(
                "{image_pinned}: SLSA build level {} is below the required {min_level}: {}",
                best.level,
                best.requirements
                    .iter()
                    .filter(|r| !r.met && r.level <= min_level)
                    .map(|r| format!("L{}: {}", r.level, r.reason))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ));
    }
    Ok(())
}

/// `sc image verify-attestation`.
pub async fn verify_attestation(
    image: &str,
    verify: &VerifyArgs,
    predicate_type: Option<&str>,
    require_types: &[String],
    json: bool,
    access: &ImageAccessArgs,
) -> Result<(), CliError> {
    let reference = registry_image(image)?;
    let options = VerifyOptions {
        predicate_type: predicate_type.map(parse_type).transpose()?,
        require: require_types
            .iter()
            .map(|t| parse_type(t))
            .collect::<Result<_, _>>()?,
    };
    let policy = policy(verify)?;
    let client = registry_client(access)?;
    let verified = attest::verify(&client, &reference, &policy, &options)
        .await
        .map_err(verify_failed)?;
    eprintln!("\nVerification for {} --", verified.image);
    eprintln!("The following checks were performed on each of these attestations:");
    eprintln!(
        "  - The signature was verified (key, or certificate chain, identity and transparency log)"
    );
    eprintln!("  - The in-toto statement names the image digest as its subject");
    if json {
        let out: Vec<serde_json::Value> = verified
            .attestations
            .iter()
            .map(|a| {
                serde_json::json!({
                    "predicateType": a.statement.predicate_type,
                    "signer": a.signer,
                    "storage": a.storage,
                    "statement": a.statement,
                })
            })
            .collect();
        let text = serde_json::to_string(&out).map_err(|e| CliError::new(ErrorKind::Io, e))?;
        println!("{text}");
    } else {
        for a in &verified.attestations {
            println!(
                "Verified OK: {} attestation signed by {} ({})",
                a.statement.predicate_type, a.signer, a.storage
            );
        }
    }
    for r in &verified.rejected {
        tracing::warn!("refused: {r}");
    }
    Ok(())
}
