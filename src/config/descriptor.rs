//! The `security:` block: [`SecurityDescriptor`] and its sections, with the
//! accessors the executor uses to read effective values.
//!
//! Every field is optional so that stacks can inherit from parents field by
//! field; the accessors apply the documented defaults. A section that is
//! present is enabled unless it says `enabled: false`, and the block-level
//! `enabled: false` switches everything off.
//!
//! Field names are camelCase in YAML and JSON, as in the original design.
//! Unknown fields are rejected. Passwords are never read from configuration:
//! `signing.passwordEnv` names the environment variable that holds one.

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::{
    parse_duration, severity_opt, KeyRef, ProvenanceFormat, SbomFormat, SbomScope, ScanTool,
};
use crate::severity::Severity;

/// Environment variable read for the private key's password when `passwordEnv` is not set.
pub const DEFAULT_PASSWORD_ENV: &str = "COSIGN_PASSWORD";

/// Security operations for container images: scanning, signing, SBOM and
/// provenance attestations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecurityDescriptor {
    /// Master switch. `false` turns off every security operation below, whatever
    /// the sections say. Default: `true` when the `security` block is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Image signing (Sigstore: keyless with Fulcio and Rekor, or a key pair).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing: Option<SigningConfig>,
    /// Software bill of materials generation and attestation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sbom: Option<SbomConfig>,
    /// SLSA build provenance generation and attestation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<ProvenanceConfig>,
    /// Vulnerability scanning and the policy that fails or warns on findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<ScanConfig>,
}

impl SecurityDescriptor {
    /// The master switch: `enabled`, default `true`.
    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(true)
    }

    /// Whether the image is signed.
    pub fn signing_enabled(&self) -> bool {
        self.is_enabled() && self.signing.as_ref().is_some_and(SigningConfig::is_enabled)
    }

    /// Whether an SBOM is generated.
    pub fn sbom_enabled(&self) -> bool {
        self.is_enabled() && self.sbom.as_ref().is_some_and(SbomConfig::is_enabled)
    }

    /// Whether provenance is generated.
    pub fn provenance_enabled(&self) -> bool {
        self.is_enabled()
            && self
                .provenance
                .as_ref()
                .is_some_and(ProvenanceConfig::is_enabled)
    }

    /// Whether the image is scanned.
    pub fn scan_enabled(&self) -> bool {
        self.is_enabled() && self.scan.as_ref().is_some_and(ScanConfig::is_enabled)
    }

    /// Whether any operation runs at all.
    pub fn any_enabled(&self) -> bool {
        self.signing_enabled()
            || self.sbom_enabled()
            || self.provenance_enabled()
            || self.scan_enabled()
    }
}

/// Image signing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SigningConfig {
    /// Sign the image. Default: `true` when the `signing` block is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Keyless signing: a short-lived Fulcio certificate bound to the CI's OIDC
    /// identity, logged in Rekor. When `false`, `privateKey` is required. Default: `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyless: Option<bool>,
    /// Private key for key-based signing: a PEM file path, or `env://NAME` for an
    /// environment variable holding the PEM. Never the key itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    /// Public key matching `privateKey` (path or `env://NAME`), used to verify
    /// key-based signatures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// Name of the environment variable holding the private key's password.
    /// Passwords are never written in configuration. Default: `COSIGN_PASSWORD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
    /// Fulcio certificate authority URL for keyless signing.
    /// Default: `https://fulcio.sigstore.dev`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulcio_url: Option<String>,
    /// Rekor transparency log URL. Default: `https://rekor.sigstore.dev`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rekor_url: Option<String>,
    /// Path to a Sigstore trusted root (`trusted_root.json`) for private or
    /// offline Sigstore deployments. Default: the public-good instance's root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted_root: Option<String>,
    /// Upload signatures to the Rekor transparency log. Must stay `true` for
    /// keyless signing. Default: `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tlog_upload: Option<bool>,
    /// Fail the release when signing fails (fail-closed). Default: `false`:
    /// the error is reported and the release continues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Verification of the signature after signing, and the identity it must carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<VerifyConfig>,
}

impl SigningConfig {
    /// `enabled`, default `true`.
    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(true)
    }

    /// `keyless`, default `false`.
    pub fn is_keyless(&self) -> bool {
        self.keyless.unwrap_or(false)
    }

    /// `required`, default `false`.
    pub fn is_required(&self) -> bool {
        self.required.unwrap_or(false)
    }

    /// `tlogUpload`, default `true`.
    pub fn tlog_upload(&self) -> bool {
        self.tlog_upload.unwrap_or(true)
    }

    /// `passwordEnv`, default [`DEFAULT_PASSWORD_ENV`].
    pub fn password_env(&self) -> &str {
        self.password_env.as_deref().unwrap_or(DEFAULT_PASSWORD_ENV)
    }

    /// `privateKey` as a file or environment reference.
    pub fn private_key_ref(&self) -> Option<KeyRef> {
        non_empty(&self.private_key).map(KeyRef::parse)
    }

    /// `publicKey` as a file or environment reference.
    pub fn public_key_ref(&self) -> Option<KeyRef> {
        non_empty(&self.public_key).map(KeyRef::parse)
    }

    /// Whether signatures are verified after signing.
    pub fn verify_enabled(&self) -> bool {
        self.verify.as_ref().is_some_and(VerifyConfig::is_enabled)
    }
}

/// Signature verification policy: which identity (keyless) or key must have signed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyConfig {
    /// Verify signatures. Default: `true` when the `verify` block is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Exact OIDC issuer of the signing certificate
    /// (e.g. `https://token.actions.githubusercontent.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidc_issuer: Option<String>,
    /// Regular expression the OIDC issuer must match; instead of `oidcIssuer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidc_issuer_regexp: Option<String>,
    /// Exact certificate identity (SAN: e-mail or URI, e.g. a workflow URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Regular expression the certificate identity must match; instead of `identity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_regexp: Option<String>,
    /// Public key (path or `env://NAME`) for key-based verification.
    /// Default: `signing.publicKey`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
}

impl VerifyConfig {
    /// `enabled`, default `true`.
    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(true)
    }
}

/// SBOM generation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SbomConfig {
    /// Generate an SBOM. Default: `true` when the `sbom` block is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Document format: `cyclonedx-json`, `cyclonedx-xml`, `spdx-json`,
    /// `spdx-tag-value` or `sc-json` (`syft-json` is accepted as an alias of
    /// `sc-json`). Default: `cyclonedx-json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<SbomFormat>,
    /// Filesystem view catalogued: `squashed` or `all-layers`. Default: `squashed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<SbomScope>,
    /// Writing the SBOM to a local file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<OutputConfig>,
    /// Attaching the SBOM to the image in the registry as an attestation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<AttachConfig>,
    /// Fail the release when SBOM generation fails (fail-closed). Default: `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
}

impl SbomConfig {
    /// `enabled`, default `true`.
    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(true)
    }

    /// `format`, default `cyclonedx-json`.
    pub fn format(&self) -> SbomFormat {
        self.format.unwrap_or(SbomFormat::CycloneDxJson)
    }

    /// `scope`, default `squashed`.
    pub fn scope(&self) -> SbomScope {
        self.scope.unwrap_or(SbomScope::Squashed)
    }

    /// `required`, default `false`.
    pub fn is_required(&self) -> bool {
        self.required.unwrap_or(false)
    }

    /// Whether the SBOM is attached as an attestation.
    pub fn attach_enabled(&self) -> bool {
        self.attach.as_ref().is_some_and(AttachConfig::is_enabled)
    }

    /// Whether the SBOM is written locally.
    pub fn output_enabled(&self) -> bool {
        self.output.as_ref().is_some_and(OutputConfig::is_enabled)
    }
}

/// Local copy of a generated document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutputConfig {
    /// Write the document to a local file. Default: `true` when the `output` block is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<bool>,
    /// File path (relative to the project directory). Default: chosen by the
    /// command, named after the image and format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl OutputConfig {
    /// `local`, default `true`.
    pub fn is_enabled(&self) -> bool {
        self.local.unwrap_or(true)
    }
}

/// Attaching a document to the image as an in-toto attestation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttachConfig {
    /// Push the attestation to the registry. Default: `true` when the `attach` block is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Sign the attestation (DSSE) with the `signing` settings; requires a
    /// `signing` block. Default: `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign: Option<bool>,
}

impl AttachConfig {
    /// `enabled`, default `true`.
    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(true)
    }

    /// `sign`, default `true`.
    pub fn sign(&self) -> bool {
        self.sign.unwrap_or(true)
    }
}

/// SLSA provenance generation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProvenanceConfig {
    /// Generate provenance. Default: `true` when the `provenance` block is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Predicate format; only `slsa-v1.0`. Default: `slsa-v1.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ProvenanceFormat>,
    /// `runDetails.builder.id`, a URI identifying the build platform.
    /// Default: derived from the detected CI system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builder_id: Option<String>,
    /// Record the git repository, commit and ref as build materials. Default: `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_git: Option<bool>,
    /// Record CI environment details (workflow, run id, runner) as internal
    /// parameters. Secrets are never recorded. Default: `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_env: Option<bool>,
    /// Attaching the provenance to the image in the registry as an attestation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<AttachConfig>,
    /// Fail the release when provenance generation fails (fail-closed). Default: `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
}

impl ProvenanceConfig {
    /// `enabled`, default `true`.
    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(true)
    }

    /// `format`, default `slsa-v1.0`.
    pub fn format(&self) -> ProvenanceFormat {
        self.format.unwrap_or(ProvenanceFormat::SlsaV1)
    }

    /// `includeGit`, default `true`.
    pub fn include_git(&self) -> bool {
        self.include_git.unwrap_or(true)
    }

    /// `includeEnv`, default `false`.
    pub fn include_env(&self) -> bool {
        self.include_env.unwrap_or(false)
    }

    /// `required`, default `false`.
    pub fn is_required(&self) -> bool {
        self.required.unwrap_or(false)
    }

    /// Whether the provenance is attached as an attestation.
    pub fn attach_enabled(&self) -> bool {
        self.attach.as_ref().is_some_and(AttachConfig::is_enabled)
    }
}

/// Vulnerability scanning.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScanConfig {
    /// Scan the image. Default: `true` when the `scan` block is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Scanner entries with their own thresholds. All tool names run sc's
    /// built-in scanner; their thresholds combine (the strictest wins).
    /// In inheritance, entries merge by `name`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ScanToolConfig>,
    /// Fail the release on a finding of this severity or higher, for all tools.
    #[serde(
        default,
        deserialize_with = "severity_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub fail_on: Option<Severity>,
    /// Warn on a finding of this severity or higher, for all tools.
    #[serde(
        default,
        deserialize_with = "severity_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub warn_on: Option<Severity>,
    /// Ignore vulnerabilities that have no fixed version yet. Default: `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_unfixed: Option<bool>,
    /// File listing vulnerability IDs to ignore, one per line, `#` comments allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_file: Option<String>,
    /// OpenVEX documents whose `not_affected` and `fixed` statements suppress findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vex: Vec<String>,
    /// Directory of the local vulnerability database. Default: the user cache directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_path: Option<String>,
    /// Refuse to scan with a database older than this: a number and a unit
    /// (`s`, `m`, `h`, `d`, `w`), e.g. `24h` or `7d`. Default: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_db_age: Option<String>,
    /// Fail the release when the scan cannot run (no database, unreadable
    /// image). Default: `true`: scanning is fail-closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
}

impl ScanConfig {
    /// `enabled`, default `true`.
    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(true)
    }

    /// `required`, default `true`.
    pub fn is_required(&self) -> bool {
        self.required.unwrap_or(true)
    }

    /// `ignoreUnfixed`, default `false`.
    pub fn ignore_unfixed(&self) -> bool {
        self.ignore_unfixed.unwrap_or(false)
    }

    /// The failure threshold: the least severe of the block's `failOn` and the
    /// `failOn` of every required tool, since failing on `high` is stricter
    /// than failing on `critical`. `None` when nothing fails the scan.
    pub fn effective_fail_on(&self) -> Option<Severity> {
        self.tools
            .iter()
            .filter(|t| t.is_required())
            .filter_map(|t| t.fail_on)
            .chain(self.fail_on)
            .min()
    }

    /// The warning threshold: the least severe of the block's `warnOn`, every
    /// tool's `warnOn`, and the `failOn` of tools with `required: false`
    /// (a non-blocking tool's failures are reported as warnings).
    pub fn effective_warn_on(&self) -> Option<Severity> {
        self.tools
            .iter()
            .flat_map(|t| {
                let demoted = if t.is_required() { None } else { t.fail_on };
                [t.warn_on, demoted]
            })
            .flatten()
            .chain(self.warn_on)
            .min()
    }

    /// `maxDbAge` as a duration; `None` when unset or invalid (validation reports the latter).
    pub fn max_db_age(&self) -> Option<Duration> {
        self.max_db_age
            .as_deref()
            .and_then(|s| parse_duration(s).ok())
    }
}

/// One scanner entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScanToolConfig {
    /// Scanner name: `sc`, or `grype`/`trivy` (accepted for compatibility;
    /// all run sc's built-in scanner). Entries merge by this name in inheritance.
    pub name: ScanTool,
    /// Whether this entry's `failOn` blocks the release. With `false`, its
    /// failures are reported as warnings. Default: `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Fail on a finding of this severity or higher (`critical`, `high`,
    /// `medium`, `low`, `negligible`, `unknown`).
    #[serde(
        default,
        deserialize_with = "severity_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub fail_on: Option<Severity>,
    /// Warn on a finding of this severity or higher.
    #[serde(
        default,
        deserialize_with = "severity_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub warn_on: Option<Severity>,
}

impl ScanToolConfig {
    /// An entry with only a name.
    pub fn new(name: ScanTool) -> Self {
        ScanToolConfig {
            name,
            required: None,
            fail_on: None,
            warn_on: None,
        }
    }

    /// `required`, default `true`.
    pub fn is_required(&self) -> bool {
        self.required.unwrap_or(true)
    }
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(
        name: ScanTool,
        required: Option<bool>,
        fail: Option<Severity>,
        warn: Option<Severity>,
    ) -> ScanToolConfig {
        ScanToolConfig {
            name,
            required,
            fail_on: fail,
            warn_on: warn,
        }
    }

    #[test]
    fn effective_thresholds_take_the_strictest() {
        use Severity::*;
        let scan = ScanConfig {
            fail_on: Some(Critical),
            warn_on: Some(Medium),
            tools: vec![
                tool(ScanTool::Grype, None, Some(High), None),
                tool(ScanTool::Trivy, Some(false), Some(Low), None),
                tool(ScanTool::Sc, Some(true), None, Some(Negligible)),
            ],
            ..ScanConfig::default()
        };
        // trivy is non-blocking: its failOn low only warns.
        assert_eq!(scan.effective_fail_on(), Some(High));
        assert_eq!(scan.effective_warn_on(), Some(Negligible));
        assert_eq!(ScanConfig::default().effective_fail_on(), None);
        assert_eq!(ScanConfig::default().effective_warn_on(), None);
        let block_only = ScanConfig {
            fail_on: Some(Critical),
            ..ScanConfig::default()
        };
        assert_eq!(block_only.effective_fail_on(), Some(Critical));
    }

    #[test]
    fn defaults_of_present_sections() {
        let sd = SecurityDescriptor {
            signing: Some(SigningConfig::default()),
            sbom: Some(SbomConfig::default()),
            provenance: Some(ProvenanceConfig::default()),
            scan: Some(ScanConfig::default()),
            ..SecurityDescriptor::default()
        };
        assert!(
            sd.signing_enabled()
                && sd.sbom_enabled()
                && sd.provenance_enabled()
                && sd.scan_enabled()
        );
        let signing = sd.signing.as_ref().unwrap();
        assert!(!signing.is_keyless() && signing.tlog_upload() && !signing.is_required());
        assert_eq!(signing.password_env(), "COSIGN_PASSWORD");
        let sbom = sd.sbom.as_ref().unwrap();
        assert_eq!(
            (sbom.format(), sbom.scope()),
            (SbomFormat::CycloneDxJson, SbomScope::Squashed)
        );
        assert!(!sbom.attach_enabled() && !sbom.output_enabled());
        let prov = sd.provenance.as_ref().unwrap();
        assert!(prov.include_git() && !prov.include_env());
        assert!(sd.scan.as_ref().unwrap().is_required());
        assert!(!SecurityDescriptor::default().any_enabled());
        let off = SecurityDescriptor {
            enabled: Some(false),
            ..sd
        };
        assert!(!off.any_enabled());
    }

    #[test]
    fn key_refs() {
        let s = SigningConfig {
            private_key: Some("env://SIGNING_KEY".into()),
            public_key: Some("keys/cosign.pub".into()),
            ..SigningConfig::default()
        };
        assert_eq!(s.private_key_ref(), Some(KeyRef::Env("SIGNING_KEY".into())));
        assert_eq!(
            s.public_key_ref(),
            Some(KeyRef::Path("keys/cosign.pub".into()))
        );
        assert_eq!(SigningConfig::default().private_key_ref(), None);
    }
}
