//! `sc sbom attach|verify`, `sc provenance attach|verify`, `sc image
//! verify-attestation`: argument handling and output. The work is done by
//! [`crate::attest`] and [`crate::provenance`].

use std::collections::BTreeMap;
use std::path::Path;

use super::args::{ImageAccessArgs, SigningArgs, VerifyArgs};
use super::{registry_client, CliError};
use crate::attest::{self, PredicateType, VerifyOptions};
use crate::config::SbomFormat;
use crate::context::ExecutionContext;
use crate::error::ErrorKind;
use crate::provenance::{self, ProvenanceOptions};
use crate::reference::ImageReference;
use crate::signing::image::{ImagePolicy, ImageSigner};
use crate::source::SourceSpec;

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

/// The signer the signing flags describe (the one every signing command uses).
/// Key-based attestations are not recorded in a transparency log yet, so a key
/// needs `--tlog-upload=false`; that is checked before a password is asked for.
async fn signer(signing: &SigningArgs) -> Result<ImageSigner, CliError> {
    if signing.key.is_some() && signing.tlog_upload {
        return Err(CliError::new(
            ErrorKind::NotImplemented,
            attest::AttachError::TlogUnsupported,
        ));
    }
    if signing.key.is_none() && !signing.tlog_upload {
        return Err(usage(
            "keyless attestations are always recorded in the transparency log; --tlog-upload=false applies to --key only",
        ));
    }
    super::sign::signer_from_args(signing).await
}

/// The verification policy the flags describe (the one every verifying command uses).
fn policy(verify: &VerifyArgs) -> Result<ImagePolicy, CliError> {
    super::sign::policy_from_args(verify, crate::signing::VerifyOptions::default())
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
