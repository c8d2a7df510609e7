//! SLSA v1.0 build provenance (<https://slsa.dev/spec/v1.0/provenance>): generated
//! from the [`ExecutionContext`] (CI provider, git facts, run facts), attached as an
//! in-toto attestation by [`crate::attest`], and evaluated against the SLSA build
//! levels ([`evaluate`]).
//!
//! The predicate:
//! - `buildDefinition.buildType`: [`BUILD_TYPE`];
//! - `externalParameters`: `source` (`repository`, `ref`), `workflow` (`name`,
//!   `ref`), `dockerfile`, `buildArgs` (values of arguments whose name looks like
//!   a secret are replaced by `<redacted>`);
//! - `internalParameters`: the CI provider, runner environment, triggering event,
//!   run id and attempt, and the generating tool;
//! - `resolvedDependencies`: the source commit (`git+<repo>@<ref>`, digest
//!   `gitCommit`) and each base image by digest;
//! - `runDetails.builder.id`: the CI context's builder id (see
//!   [`crate::context::CiProvider::builder_id`]); `metadata.invocationId`,
//!   `startedOn`, `finishedOn`.
//!
//! Status: built: [`generate`], [`evaluate`], and `sc provenance attach|verify`
//! (through [`crate::attest`]). Base images are recorded when the caller names
//! them (`--base-image`) or the image manifest declares one with the OCI
//! `org.opencontainers.image.base.name`/`.base.digest` annotations
//! ([`base_image_from_manifest`]); layers are not matched against registries.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::attest::statement::{ResourceDescriptor, SLSA_PROVENANCE_V1_PREDICATE};
use crate::attest::VerifiedAttestation;
use crate::context::ExecutionContext;
use crate::reference::ImageReference;

/// `buildType` of the provenance `sc` generates: a container image built by a CI
/// workflow from a git source and a Dockerfile.
pub const BUILD_TYPE: &str = "https://sc.dev/container-build/v1";
/// SLSA specification version of the generated provenance.
pub const SLSA_VERSION: &str = "1.0";

/// Generation metadata of a provenance document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ProvenanceMetadata {
    /// SLSA version (`1.0`).
    pub slsa_version: String,
    /// Builder ID.
    pub builder_id: String,
    /// Build type URI.
    pub build_type: String,
}

/// A generated provenance attestation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    /// Format (`slsa-v1.0`).
    pub format: String,
    /// Raw provenance JSON: the SLSA v1.0 predicate ([`SlsaProvenance`]).
    #[serde(skip)]
    pub content: Vec<u8>,
    /// Digest of the image it describes.
    pub image_digest: String,
    /// When it was generated (RFC 3339).
    pub generated_at: String,
    /// Metadata.
    pub metadata: ProvenanceMetadata,
}

impl Provenance {
    /// The predicate as JSON, for [`crate::attest::attach`].
    pub fn predicate(&self) -> serde_json::Value {
        serde_json::from_slice(&self.content).expect("generated provenance is JSON")
    }
}

/// The SLSA v1.0 provenance predicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlsaProvenance {
    /// What was built and from what.
    pub build_definition: BuildDefinition,
    /// Who built it, when.
    pub run_details: RunDetails,
}

/// `buildDefinition`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildDefinition {
    /// URI of the build template.
    pub build_type: String,
    /// Parameters under the control of the build's caller.
    pub external_parameters: serde_json::Value,
    /// Parameters set by the build platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_parameters: Option<serde_json::Value>,
    /// Inputs fetched during the build (source, base images).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolved_dependencies: Vec<ResourceDescriptor>,
}

/// `runDetails`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunDetails {
    /// The build platform.
    pub builder: Builder,
    /// This run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BuildMetadata>,
}

/// `runDetails.builder`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Builder {
    /// URI of the build platform (the trust anchor of the provenance).
    pub id: String,
    /// Versions of builder components.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub version: BTreeMap<String, String>,
}

/// `runDetails.metadata`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildMetadata {
    /// Identifies this invocation of the builder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invocation_id: Option<String>,
    /// When the build started (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_on: Option<String>,
    /// When it finished (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_on: Option<String>,
}

/// What the caller knows beyond the execution context (the seeds' `ProvenanceOptions`).
#[derive(Debug, Clone, Default)]
pub struct ProvenanceOptions {
    /// Source repository URL (overrides the context's).
    pub source_repo: Option<String>,
    /// Source commit (overrides the context's).
    pub git_sha: Option<String>,
    /// Source ref (overrides the context's).
    pub git_ref: Option<String>,
    /// Workflow name (overrides the context's).
    pub workflow_name: Option<String>,
    /// Dockerfile path.
    pub dockerfile: Option<String>,
    /// Build arguments (secret-looking names have their value redacted).
    pub build_args: BTreeMap<String, String>,
    /// Base images, pinned to digests.
    pub base_images: Vec<ImageReference>,
    /// When the build started (default: the context's start time).
    pub started_on: Option<OffsetDateTime>,
    /// When it finished (default: now).
    pub finished_on: Option<OffsetDateTime>,
}

/// Why provenance could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("provenance: {0}")]
pub struct ProvenanceError(pub String);

/// Manifest annotation naming the base image (OCI image spec; BuildKit writes it).
pub const BASE_NAME_ANNOTATION: &str = "org.opencontainers.image.base.name";
/// Manifest annotation giving the base image's digest.
pub const BASE_DIGEST_ANNOTATION: &str = "org.opencontainers.image.base.digest";

/// The base image an image manifest declares through the OCI annotations
/// `org.opencontainers.image.base.name` and `.base.digest`, pinned to that digest;
/// `None` when either is missing or unusable.
pub fn base_image_from_manifest(manifest: &[u8]) -> Option<ImageReference> {
    let m: crate::source::model::ImageManifest = serde_json::from_slice(manifest).ok()?;
    let annotations = m.annotations?;
    let name = annotations.get(BASE_NAME_ANNOTATION)?;
    let digest: crate::digest::Digest = annotations.get(BASE_DIGEST_ANNOTATION)?.parse().ok()?;
    let reference: ImageReference = name.parse().ok()?;
    Some(reference.with_digest(digest))
}

use crate::timefmt::rfc3339;

fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    [
        "TOKEN",
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "KEY",
        "CREDENTIAL",
        "AUTH",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// Generate SLSA v1.0 provenance for `image` (pinned to the digest that was built)
/// from the execution context and `options`.
pub fn generate(
    ctx: &ExecutionContext,
    image: &ImageReference,
    options: &ProvenanceOptions,
) -> Result<Provenance, ProvenanceError> {
    let digest = image
        .digest
        .as_ref()
        .ok_or_else(|| ProvenanceError(format!("{image}: the image digest is required")))?;
    let git = ctx.git.clone().unwrap_or_default();
    let repo = options.source_repo.clone().or(git.repo_url);
    let commit = options.git_sha.clone().or(git.commit_sha);
    let git_ref = options.git_ref.clone().or(git.git_ref);
    let workflow = options
        .workflow_name
        .clone()
        .or_else(|| ctx.build.workflow.clone());

    let mut external = serde_json::Map::new();
    let mut source = serde_json::Map::new();
    if let Some(r) = &repo {
        source.insert("repository".into(), r.clone().into());
    }
    if let Some(r) = &git_ref {
        source.insert("ref".into(), r.clone().into());
    }
    if !source.is_empty() {
        external.insert("source".into(), source.into());
    }
    let mut wf = serde_json::Map::new();
    if let Some(w) = &workflow {
        wf.insert("name".into(), w.clone().into());
    }
    if let Some(w) = &ctx.build.workflow_ref {
        wf.insert("ref".into(), w.clone().into());
    }
    if !wf.is_empty() {
        external.insert("workflow".into(), wf.into());
    }
    if let Some(d) = &options.dockerfile {
        external.insert("dockerfile".into(), d.clone().into());
    }
    if !options.build_args.is_empty() {
        let args: serde_json::Map<String, serde_json::Value> = options
            .build_args
            .iter()
            .map(|(k, v)| {
                let v = if is_secret_name(k) { "<redacted>" } else { v };
                (k.clone(), v.into())
            })
            .collect();
        external.insert("buildArgs".into(), args.into());
    }

    let mut internal = serde_json::Map::new();
    internal.insert("ci".into(), ctx.ci.name().into());
    for (k, v) in [
        ("runnerEnvironment", &ctx.build.runner_environment),
        ("event", &ctx.build.event),
        ("runId", &ctx.build.run_id),
        ("runAttempt", &ctx.build.run_attempt),
        ("job", &ctx.build.job),
    ] {
        if let Some(v) = v {
            internal.insert(k.into(), v.clone().into());
        }
    }
    internal.insert(
        "generator".into(),
        format!("{}/{}", crate::TOOL_NAME, env!("CARGO_PKG_VERSION")).into(),
    );

    let mut deps = Vec::new();
    if let Some(sha) = &commit {
        let mut d = BTreeMap::new();
        d.insert("gitCommit".to_string(), sha.clone());
        deps.push(ResourceDescriptor {
            uri: repo.as_ref().map(|r| match &git_ref {
                Some(gr) => format!("git+{r}@{gr}"),
                None => format!("git+{r}"),
            }),
            digest: d,
            ..ResourceDescriptor::default()
        });
    }
    for base in &options.base_images {
        let Some(bd) = &base.digest else {
            return Err(ProvenanceError(format!(
                "base image {base} must be pinned to a digest"
            )));
        };
        let mut d = BTreeMap::new();
        d.insert(bd.algorithm().as_str().to_string(), bd.hex().to_string());
        deps.push(ResourceDescriptor {
            uri: Some(format!(
                "pkg:docker/{}@{}",
                crate::signing::cosign::docker_reference(base),
                bd
            )),
            name: Some(base.to_string()),
            digest: d,
            ..ResourceDescriptor::default()
        });
    }

    let finished = options.finished_on.unwrap_or_else(OffsetDateTime::now_utc);
    let started = options.started_on.unwrap_or(ctx.build.started_at);
    let predicate = SlsaProvenance {
        build_definition: BuildDefinition {
            build_type: BUILD_TYPE.to_string(),
            external_parameters: external.into(),
            internal_parameters: Some(internal.into()),
            resolved_dependencies: deps,
        },
        run_details: RunDetails {
            builder: Builder {
                id: ctx.builder_id().to_string(),
                version: [(
                    crate::TOOL_NAME.to_string(),
                    env!("CARGO_PKG_VERSION").to_string(),
                )]
                .into_iter()
                .collect(),
            },
            metadata: Some(BuildMetadata {
                invocation_id: ctx.build.invocation_id.clone(),
                started_on: Some(rfc3339(started)),
                finished_on: Some(rfc3339(finished)),
            }),
        },
    };
    let content = serde_json::to_vec(&predicate).map_err(|e| ProvenanceError(e.to_string()))?;
    Ok(Provenance {
        format: "slsa-v1.0".to_string(),
        content,
        image_digest: digest.to_string(),
        generated_at: rfc3339(finished),
        metadata: ProvenanceMetadata {
            slsa_version: SLSA_VERSION.to_string(),
            builder_id: ctx.builder_id().to_string(),
            build_type: BUILD_TYPE.to_string(),
        },
    })
}

// ---------------------------------------------------------------------------
// SLSA build levels

/// OIDC issuers of hosted build platforms whose identity tokens name the workflow
/// that ran, with the host their builder ids live on.
pub const HOSTED_PLATFORM_ISSUERS: &[(&str, &str, &str)] = &[
    (
        "GitHub Actions",
        "https://token.actions.githubusercontent.com",
        "github.com",
    ),
    ("GitLab CI (gitlab.com)", "https://gitlab.com", "gitlab.com"),
    ("Buildkite", "https://agent.buildkite.com", "buildkite.com"),
];

/// Builders trusted for SLSA Build L3 (the signing key is isolated from the build
/// steps in a reusable workflow the tenant cannot alter): certificate identities
/// matching these patterns, with the GitHub Actions issuer.
pub const L3_TRUSTED_BUILDERS: &[&str] = &[
    r"^https://github\.com/slsa-framework/slsa-github-generator/\.github/workflows/[A-Za-z0-9_.-]+\.yml@refs/tags/v[0-9]+\.[0-9]+\.[0-9]+$",
];

/// One SLSA requirement checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Requirement {
    /// The build level it belongs to (1-3).
    pub level: u8,
    /// What is required.
    pub requirement: String,
    /// Whether the provenance meets it.
    pub met: bool,
    /// Why (or why not).
    pub reason: String,
}

/// The SLSA build level a verified provenance attestation supports, with the
/// requirement-by-requirement explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LevelReport {
    /// The highest level whose requirements (and those of lower levels) are all met.
    pub level: u8,
    /// The builder id the provenance names.
    pub builder_id: String,
    /// Who signed it.
    pub signer: String,
    /// Every requirement checked.
    pub requirements: Vec<Requirement>,
}

fn host_of(uri: &str) -> Option<&str> {
    let rest = uri.split_once("://")?.1;
    Some(rest.split(['/', ':', '@']).next().unwrap_or(rest))
}

/// Evaluate one verified SLSA provenance attestation against the build levels.
///
/// - **L1** (provenance exists): an SLSA provenance statement (v1.0 or v0.2),
///   verified, about this image digest, naming a builder (`runDetails.builder.id`,
///   v0.2 `builder.id`) and a build type.
/// - **L2** (hosted build platform, signed provenance): signed keylessly by a
///   certificate whose OIDC issuer is a hosted CI platform's
///   ([`HOSTED_PLATFORM_ISSUERS`]); the builder id is on that platform's host; the
///   run did not declare a self-hosted runner (`internalParameters.runnerEnvironment`).
///   A key signature cannot show which platform holds the key, so it stops at L1.
/// - **L3** (hardened builder): the signing identity is a builder whose signing
///   step is isolated from the tenant's build steps ([`L3_TRUSTED_BUILDERS`]).
///   `sc` running inside the tenant's own workflow shares the job with the build
///   steps, so provenance it signs there reaches L2 at most.
pub fn evaluate(attestation: &VerifiedAttestation) -> LevelReport {
    let st = &attestation.statement;
    let p = &st.predicate;
    let slsa = st.predicate_type == SLSA_PROVENANCE_V1_PREDICATE
        || st.predicate_type == crate::attest::statement::SLSA_PROVENANCE_V02_PREDICATE;
    let builder_id = p
        .pointer("/runDetails/builder/id")
        .or_else(|| p.pointer("/builder/id"))
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    let build_type = p
        .pointer("/buildDefinition/buildType")
        .or_else(|| p.pointer("/buildType"))
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let mut reqs = Vec::new();
    let l1_ok = slsa && !builder_id.is_empty() && !build_type.is_empty();
    reqs.push(Requirement {
        level: 1,
        requirement: "provenance exists: a verified SLSA provenance statement about this image, naming its builder and build type".into(),
        met: l1_ok,
        reason: if !slsa {
            format!("predicate type {} is not SLSA provenance", st.predicate_type)
        } else if builder_id.is_empty() {
            "the provenance names no builder id".into()
        } else if build_type.is_empty() {
            "the provenance names no build type".into()
        } else {
            format!(
                "verified statement about {} (builder {builder_id}, build type {build_type})",
                st.subject_digests().join(", ")
            )
        },
    });

    let hosted = attestation
        .certificate
        .as_ref()
        .and_then(|(_, issuer)| HOSTED_PLATFORM_ISSUERS.iter().find(|(_, i, _)| i == issuer));
    let runner = p
        .pointer("/buildDefinition/internalParameters/runnerEnvironment")
        .and_then(|v| v.as_str());
    let (l2_ok, l2_reason) = match (&attestation.certificate, hosted) {
        (None, _) => (
            false,
            format!("signed by {}: a key signature does not show that a hosted build platform produced the provenance; sign keylessly from the CI's OIDC identity", attestation.signer),
        ),
        (Some((_, issuer)), None) => (
            false,
            format!("the signing certificate's OIDC issuer {issuer} is not a known hosted build platform ({})", HOSTED_PLATFORM_ISSUERS.iter().map(|(n, i, _)| format!("{n}: {i}")).collect::<Vec<_>>().join(", ")),
        ),
        (Some(_), Some((name, _, host))) => {
            if host_of(&builder_id) != Some(host) {
                (false, format!("builder id {builder_id:?} is not on {name}'s host {host}, which issued the signing identity"))
            } else if runner == Some("self-hosted") {
                (false, "the build ran on a self-hosted runner, not on the hosted platform".into())
            } else {
                (true, format!("signed by the {name} workload identity {} and built there ({builder_id})", attestation.certificate.as_ref().map(|c| c.0.as_str()).unwrap_or_default()))
            }
        }
    };
    reqs.push(Requirement {
        level: 2,
        requirement: "hosted build platform: provenance signed by the build platform's identity (keyless, OIDC issuer of a hosted CI)".into(),
        met: l2_ok,
        reason: l2_reason,
    });

    let l3_builder = attestation
        .certificate
        .as_ref()
        .and_then(|(identity, issuer)| {
            (issuer == "https://token.actions.githubusercontent.com").then_some(())?;
            L3_TRUSTED_BUILDERS
                .iter()
                .find(|p| regex::Regex::new(p).is_ok_and(|r| r.is_match(identity)))
                .map(|_| identity.clone())
        });
    reqs.push(Requirement {
        level: 3,
        requirement: "hardened builder: the signing identity is a trusted builder that isolates provenance signing from the build steps".into(),
        met: l3_builder.is_some(),
        reason: match (&l3_builder, &attestation.certificate) {
            (Some(id), _) => format!("signed by the isolated trusted builder {id}"),
            (None, Some((id, _))) => format!("signing identity {id} is the tenant's own workflow, not a trusted isolated builder (e.g. slsa-github-generator's reusable workflows at a release tag): its build steps could reach the signing credentials"),
            (None, None) => "no certificate identity: a key-signed provenance cannot show an isolated builder".into(),
        },
    });

    let mut level = 0;
    for l in 1..=3u8 {
        if reqs.iter().filter(|r| r.level == l).all(|r| r.met) {
            level = l;
        } else {
            break;
        }
    }
    LevelReport {
        level,
        builder_id,
        signer: attestation.signer.clone(),
        requirements: reqs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attest::statement::{PredicateType, Statement};
    use crate::attest::Storage;
    use crate::digest::Digest;
    use std::collections::HashMap;

    fn github_ctx() -> ExecutionContext {
        let env: HashMap<String, String> = [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_REPOSITORY", "org/app"),
            ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
            ("GITHUB_REF", "refs/heads/main"),
            ("GITHUB_WORKFLOW", "release"),
            (
                "GITHUB_WORKFLOW_REF",
                "org/app/.github/workflows/release.yml@refs/heads/main",
            ),
            ("GITHUB_RUN_ID", "42"),
            ("GITHUB_RUN_ATTEMPT", "1"),
            ("RUNNER_ENVIRONMENT", "github-hosted"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let dir = tempfile::tempdir().unwrap();
        ExecutionContext::from_env(&env, dir.path())
    }

    fn image() -> ImageReference {
        format!("ghcr.io/org/app@{}", Digest::sha256_of(b"image"))
            .parse()
            .unwrap()
    }

    #[test]
    fn github_provenance_fields() {
        let base: ImageReference =
            format!("docker.io/library/debian@{}", Digest::sha256_of(b"base"))
                .parse()
                .unwrap();
        let opts = ProvenanceOptions {
            dockerfile: Some("Dockerfile".into()),
            build_args: [
                ("VERSION".to_string(), "1.2".to_string()),
                ("NPM_TOKEN".to_string(), "s3cret".to_string()),
            ]
            .into_iter()
            .collect(),
            base_images: vec![base],
            ..Default::default()
        };
        let p = generate(&github_ctx(), &image(), &opts).unwrap();
        assert_eq!(p.format, "slsa-v1.0");
        assert_eq!(p.metadata.slsa_version, "1.0");
        assert_eq!(
            p.metadata.builder_id,
            "https://github.com/org/app/.github/workflows/release.yml@refs/heads/main"
        );
        let v = p.predicate();
        let ext = &v["buildDefinition"]["externalParameters"];
        assert_eq!(ext["source"]["repository"], "https://github.com/org/app");
        assert_eq!(ext["source"]["ref"], "refs/heads/main");
        assert_eq!(ext["workflow"]["name"], "release");
        assert_eq!(ext["dockerfile"], "Dockerfile");
        assert_eq!(ext["buildArgs"]["VERSION"], "1.2");
        assert_eq!(ext["buildArgs"]["NPM_TOKEN"], "<redacted>");
        assert!(!String::from_utf8_lossy(&p.content).contains("s3cret"));
        let deps = v["buildDefinition"]["resolvedDependencies"]
            .as_array()
            .unwrap();
        assert_eq!(
            deps[0]["uri"],
            "git+https://github.com/org/app@refs/heads/main"
        );
        assert_eq!(
            deps[0]["digest"]["gitCommit"],
            "0123456789abcdef0123456789abcdef01234567"
        );
        assert_eq!(
            deps[1]["digest"]["sha256"],
            Digest::sha256_of(b"base").hex()
        );
        assert_eq!(
            v["buildDefinition"]["internalParameters"]["ci"],
            "github-actions"
        );
        assert_eq!(
            v["runDetails"]["metadata"]["invocationId"],
            "https://github.com/org/app/actions/runs/42/attempts/1"
        );
        assert!(v["runDetails"]["metadata"]["startedOn"].is_string());
        assert!(v["runDetails"]["metadata"]["finishedOn"].is_string());
        // Unpinned base images and images are refused.
        let tag: ImageReference = "ghcr.io/org/app:1".parse().unwrap();
        assert!(generate(&github_ctx(), &tag, &ProvenanceOptions::default()).is_err());
        let bad = ProvenanceOptions {
            base_images: vec![tag],
            ..Default::default()
        };
        assert!(generate(&github_ctx(), &image(), &bad).is_err());
    }

    fn verified(predicate: serde_json::Value, cert: Option<(&str, &str)>) -> VerifiedAttestation {
        let st =
            Statement::for_image(&image(), &PredicateType::SlsaProvenanceV1, predicate).unwrap();
        VerifiedAttestation {
            statement_bytes: st.to_bytes(),
            statement: st,
            signer: "someone".into(),
            certificate: cert.map(|(a, b)| (a.to_string(), b.to_string())),
            storage: Storage::BundleReferrer,
            blob: Digest::sha256_of(b"blob"),
        }
    }

    #[test]
    fn base_image_from_oci_annotations() {
        let d = Digest::sha256_of(b"base");
        let m = serde_json::json!({
            "schemaVersion": 2,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": Digest::sha256_of(b"c").to_string(), "size": 1},
            "layers": [],
            "annotations": {BASE_NAME_ANNOTATION: "docker.io/library/debian:12", BASE_DIGEST_ANNOTATION: d.to_string()},
        });
        let base = base_image_from_manifest(&serde_json::to_vec(&m).unwrap()).unwrap();
        assert_eq!(base.digest, Some(d));
        assert_eq!(base.repository, "library/debian");
        let mut partial = m.clone();
        partial["annotations"]
            .as_object_mut()
            .unwrap()
            .remove(BASE_DIGEST_ANNOTATION);
        assert!(base_image_from_manifest(&serde_json::to_vec(&partial).unwrap()).is_none());
        assert!(base_image_from_manifest(b"not json").is_none());
    }

    #[test]
    fn slsa_levels() {
        let p = generate(&github_ctx(), &image(), &ProvenanceOptions::default())
            .unwrap()
            .predicate();
        let gh = "https://token.actions.githubusercontent.com";
        let wf = "https://github.com/org/app/.github/workflows/release.yml@refs/heads/main";
        // Key-signed: L1 only.
        let r = evaluate(&verified(p.clone(), None));
        assert_eq!(r.level, 1);
        assert!(!r.requirements[1].met);
        assert!(r.requirements[1].reason.contains("key signature"));
        // GitHub identity: L2, not L3.
        let r = evaluate(&verified(p.clone(), Some((wf, gh))));
        assert_eq!(r.level, 2, "{r:#?}");
        assert!(r.requirements[2].reason.contains("tenant's own workflow"));
        // Unknown issuer: L1.
        let r = evaluate(&verified(
            p.clone(),
            Some(("ci@example.com", "https://oidc.mock.example")),
        ));
        assert_eq!(r.level, 1);
        assert!(r.requirements[1].reason.contains("not a known hosted"));
        // The SLSA GitHub generator: L3.
        let gen = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.1.0";
        let r = evaluate(&verified(p.clone(), Some((gen, gh))));
        assert_eq!(r.level, 3, "{r:#?}");
        // Self-hosted runner: L1.
        let mut sh = p.clone();
        sh["buildDefinition"]["internalParameters"]["runnerEnvironment"] = "self-hosted".into();
        assert_eq!(evaluate(&verified(sh, Some((wf, gh)))).level, 1);
        // Builder on another host than the issuer's platform: L1.
        let mut other = p.clone();
        other["runDetails"]["builder"]["id"] = "https://sc.dev/local".into();
        let r = evaluate(&verified(other, Some((wf, gh))));
        assert_eq!(r.level, 1);
        assert!(r.requirements[1].reason.contains("not on GitHub Actions"));
        // No builder: L0.
        assert_eq!(
            evaluate(&verified(serde_json::json!({}), Some((wf, gh)))).level,
            0
        );
    }
}
