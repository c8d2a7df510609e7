//! Admission-control policies from the same `security:` configuration a
//! release uses, so a cluster admits only what the release signed and attested:
//!
//! - [`kyverno`]: a Kyverno `ClusterPolicy` with a `verifyImages` rule — the
//!   image signature (key or keyless attestor) and, when the configuration
//!   attaches them, the SBOM and SLSA provenance attestations;
//! - [`connaisseur`]: Connaisseur's `application.validators` and
//!   `application.policy` (Helm values) with a `cosign` validator.
//!
//! Field names follow the Kyverno `verifyImages` documentation
//! (`imageReferences`, `attestors[].entries[].keys.publicKeys` /
//! `.keyless.{subject,issuer}`, `attestations[].type`, `mutateDigest`,
//! `verifyDigest`, `required`) and Connaisseur's cosign validator
//! (`trustRoots[].key` / `.keyless.{issuer,subject,issuerRegex,subjectRegex}`,
//! `policy[].with.{trustRoot,verifyInTransparencyLog}`).

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::config::{KeyRef, SecurityDescriptor, SigningConfig};
use crate::context::Env;

/// Why a policy cannot be rendered.
#[derive(Debug, thiserror::Error)]
pub enum AdmissionError {
    /// The configuration does not say who signs.
    #[error("the configuration has no `signing:` block: an admission policy needs to know which key or identity signs the images")]
    NoSigning,
    /// Key-based signing without a public key.
    #[error("key-based signing: set signing.publicKey (or signing.verify.publicKey) so the policy can name the key")]
    NoPublicKey,
    /// Keyless signing without an identity.
    #[error("keyless signing: set signing.verify.identity (or identityRegexp) and oidcIssuer (or oidcIssuerRegexp) so the policy can name the signer")]
    NoIdentity,
    /// The public key could not be read.
    #[error("reading the public key {what}: {detail}")]
    Key {
        /// File or variable.
        what: String,
        /// Cause.
        detail: String,
    },
    /// No image patterns.
    #[error("give at least one --image pattern (e.g. 'ghcr.io/acme/*')")]
    NoImages,
}

/// The signer an admission controller must trust, as it names it: a public key
/// or a keyless identity (rendering only; verification is [`crate::signing::image::ImagePolicy`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustedSigner {
    /// A public key (PEM).
    Key {
        /// The PEM text.
        pem: String,
        /// Whether signatures are in a transparency log.
        tlog: bool,
    },
    /// A keyless identity.
    Keyless {
        /// Exact identity.
        subject: Option<String>,
        /// Identity regular expression.
        subject_regexp: Option<String>,
        /// Exact OIDC issuer.
        issuer: Option<String>,
        /// Issuer regular expression.
        issuer_regexp: Option<String>,
        /// Rekor URL, when not the public instance.
        rekor_url: Option<String>,
    },
}

impl TrustedSigner {
    /// The signer `config` describes; relative key paths are resolved against `base`.
    pub fn from_config(
        config: &SecurityDescriptor,
        base: &Path,
        env: &dyn Env,
    ) -> Result<TrustedSigner, AdmissionError> {
        let signing = config.signing.as_ref().ok_or(AdmissionError::NoSigning)?;
        if signing.is_keyless() {
            let v = signing.verify.clone().unwrap_or_default();
            if (v.identity.is_none() && v.identity_regexp.is_none())
                || (v.oidc_issuer.is_none() && v.oidc_issuer_regexp.is_none())
            {
                return Err(AdmissionError::NoIdentity);
            }
            return Ok(TrustedSigner::Keyless {
                subject: v.identity,
                subject_regexp: v.identity_regexp,
                issuer: v.oidc_issuer,
                issuer_regexp: v.oidc_issuer_regexp,
                rekor_url: signing.rekor_url.clone(),
            });
        }
        let key = public_key_ref(signing).ok_or(AdmissionError::NoPublicKey)?;
        let pem = match key {
            KeyRef::Path(p) => {
                let path: PathBuf = if p.is_absolute() { p } else { base.join(p) };
                std::fs::read_to_string(&path).map_err(|e| AdmissionError::Key {
                    what: path.display().to_string(),
                    detail: e.to_string(),
                })?
            }
            KeyRef::Env(name) => env.var(&name).ok_or_else(|| AdmissionError::Key {
                what: format!("env://{name}"),
                detail: "not set".into(),
            })?,
        };
        crate::signing::keys::PublicKey::from_pem(pem.as_bytes()).map_err(|e| {
            AdmissionError::Key {
                what: "(PEM)".into(),
                detail: e.to_string(),
            }
        })?;
        Ok(TrustedSigner::Key {
            pem: pem.trim().to_string(),
            tlog: signing.tlog_upload(),
        })
    }
}

fn public_key_ref(signing: &SigningConfig) -> Option<KeyRef> {
    signing
        .verify
        .as_ref()
        .and_then(|v| v.public_key.as_deref())
        .filter(|s| !s.trim().is_empty())
        .map(KeyRef::parse)
        .or_else(|| signing.public_key_ref())
}

/// in-toto predicate types of the attestations the configuration attaches
/// (as [`crate::attest`] writes them). An SBOM format that cannot be attested
/// (not JSON) adds nothing.
pub fn required_attestations(config: &SecurityDescriptor) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(sbom) = config.sbom.as_ref().filter(|_| config.sbom_enabled()) {
        if sbom.attach_enabled() {
            if let Ok(t) = crate::attest::sbom_predicate_type(sbom.format()) {
                out.push(t.uri().to_string());
            }
        }
    }
    if let Some(p) = config
        .provenance
        .as_ref()
        .filter(|_| config.provenance_enabled())
    {
        if p.attach_enabled() {
            out.push(
                crate::attest::PredicateType::SlsaProvenanceV1
                    .uri()
                    .to_string(),
            );
        }
    }
    out
}

fn kyverno_attestor(signer: &TrustedSigner) -> Value {
    match signer {
        TrustedSigner::Key { pem, tlog } => {
            let mut keys = json!({ "publicKeys": pem });
            if !tlog {
                keys["rekor"] = json!({ "ignoreTlog": true });
                keys["ctlog"] = json!({ "ignoreSCT": true });
            }
            json!({ "count": 1, "entries": [{ "keys": keys }] })
        }
        TrustedSigner::Keyless {
            subject,
            subject_regexp,
            issuer,
            issuer_regexp,
            rekor_url,
        } => {
            let mut k = serde_json::Map::new();
            if let Some(s) = subject {
                k.insert("subject".into(), json!(s));
            }
            if let Some(s) = subject_regexp {
                k.insert("subjectRegExp".into(), json!(s));
            }
            if let Some(s) = issuer {
                k.insert("issuer".into(), json!(s));
            }
            if let Some(s) = issuer_regexp {
                k.insert("issuerRegExp".into(), json!(s));
            }
            if let Some(u) = rekor_url {
                k.insert("rekor".into(), json!({ "url": u }));
            }
            json!({ "count": 1, "entries": [{ "keyless": Value::Object(k) }] })
        }
    }
}

/// A Kyverno `ClusterPolicy` (`kyverno.io/v1`) named `name` requiring, for
/// images matching `images`, a signature by `signer` and the attestations
/// `attestations` (predicate types) signed by the same signer. Images are
/// pinned to digests (`mutateDigest`, `verifyDigest`).
pub fn kyverno(
    name: &str,
    images: &[String],
    signer: &TrustedSigner,
    attestations: &[String],
) -> Result<Value, AdmissionError> {
    if images.is_empty() {
        return Err(AdmissionError::NoImages);
    }
    let attestor = kyverno_attestor(signer);
    let mut rule = json!({
        "imageReferences": images,
        "type": "Cosign",
        "mutateDigest": true,
        "verifyDigest": true,
        "required": true,
        "attestors": [attestor.clone()],
    });
    if !attestations.is_empty() {
        rule["attestations"] = attestations
            .iter()
            .map(|t| json!({ "type": t, "attestors": [attestor.clone()] }))
            .collect();
    }
    Ok(json!({
        "apiVersion": "kyverno.io/v1",
        "kind": "ClusterPolicy",
        "metadata": {
            "name": name,
            "annotations": {
                "policies.kyverno.io/title": "Verify images released by sc",
                "policies.kyverno.io/category": "Software Supply Chain Security",
                "policies.kyverno.io/subject": "Pod",
            }
        },
        "spec": {
            "validationFailureAction": "Enforce",
            "webhookTimeoutSeconds": 30,
            "background": false,
            "rules": [{
                "name": "verify-signature-and-attestations",
                "match": { "any": [{ "resources": { "kinds": ["Pod"] } }] },
                "verifyImages": [rule],
            }]
        }
    }))
}

/// Connaisseur Helm values (`application.validators` and `application.policy`):
/// a `cosign` validator named `name` trusting `signer`, applied to `images`
/// (Connaisseur glob patterns), everything else denied.
pub fn connaisseur(
    name: &str,
    images: &[String],
    signer: &TrustedSigner,
) -> Result<Value, AdmissionError> {
    if images.is_empty() {
        return Err(AdmissionError::NoImages);
    }
    let (trust_root, tlog, host) = match signer {
        TrustedSigner::Key { pem, tlog } => (
            json!({ "name": "default", "key": format!("{pem}\n") }),
            *tlog,
            None,
        ),
        TrustedSigner::Keyless {
            subject,
            subject_regexp,
            issuer,
            issuer_regexp,
            rekor_url,
        } => {
            let mut k = serde_json::Map::new();
            if let Some(s) = issuer {
                k.insert("issuer".into(), json!(s));
            }
            if let Some(s) = issuer_regexp {
                k.insert("issuerRegex".into(), json!(s));
            }
            if let Some(s) = subject {
                k.insert("subject".into(), json!(s));
            }
            if let Some(s) = subject_regexp {
                k.insert("subjectRegex".into(), json!(s));
            }
            (
                json!({ "name": "default", "keyless": Value::Object(k) }),
                true,
                rekor_url.as_ref().map(|u| json!({ "rekor": u })),
            )
        }
    };
    let mut validator = json!({
        "name": name,
        "type": "cosign",
        "trustRoots": [trust_root],
    });
    if let Some(h) = host {
        validator["host"] = h;
    }
    let policy: Vec<Value> = std::iter::once(json!({ "pattern": "*:*", "validator": "deny" }))
        .chain(images.iter().map(|p| {
            json!({
                "pattern": p,
                "validator": name,
                "with": { "trustRoot": "default", "verifyInTransparencyLog": tlog },
            })
        }))
        .collect();
    Ok(json!({
        "application": {
            "validators": [
                { "name": "allow", "type": "static", "approve": true },
                { "name": "deny", "type": "static", "approve": false },
                validator,
            ],
            "policy": policy,
        }
    }))
}

/// A value as a YAML document.
pub fn to_yaml(value: &Value) -> String {
    serde_yaml_ng::to_string(value).expect("JSON values serialize to YAML")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEvtc/qpHtx7iUUj+rRHR99a8mnGni\nqiGkmUb9YpWWTS4YwlvwdmMDiGzcsHiDOYz6f88u2hCRF5GUCvyiZAKrsA==\n-----END PUBLIC KEY-----";

    fn key_signer() -> TrustedSigner {
        TrustedSigner::Key {
            pem: PEM.into(),
            tlog: false,
        }
    }

    fn parse_back(v: &Value) -> serde_yaml_ng::Value {
        serde_yaml_ng::from_str(&to_yaml(v)).unwrap()
    }

    #[test]
    fn kyverno_policy_with_key_and_attestations() {
        let v = kyverno(
            "sc-release",
            &["registry.example/shop/*".into()],
            &key_signer(),
            &[
                "https://cyclonedx.org/bom".to_string(),
                "https://slsa.dev/provenance/v1".to_string(),
            ],
        )
        .unwrap();
        let y = parse_back(&v);
        assert_eq!(y["apiVersion"].as_str(), Some("kyverno.io/v1"));
        assert_eq!(y["kind"].as_str(), Some("ClusterPolicy"));
        let rule = &y["spec"]["rules"][0];
        assert_eq!(
            rule["match"]["any"][0]["resources"]["kinds"][0].as_str(),
            Some("Pod")
        );
        let vi = &rule["verifyImages"][0];
        assert_eq!(
            vi["imageReferences"][0].as_str(),
            Some("registry.example/shop/*")
        );
        assert_eq!(vi["required"].as_bool(), Some(true));
        let keys = &vi["attestors"][0]["entries"][0]["keys"];
        assert_eq!(keys["publicKeys"].as_str(), Some(PEM));
        assert_eq!(keys["rekor"]["ignoreTlog"].as_bool(), Some(true));
        assert_eq!(
            vi["attestations"][1]["type"].as_str(),
            Some("https://slsa.dev/provenance/v1")
        );
        assert!(vi["attestations"][0]["attestors"][0]["entries"][0]["keys"].is_mapping());
    }

    #[test]
    fn kyverno_and_connaisseur_keyless() {
        let signer = TrustedSigner::Keyless {
            subject: None,
            subject_regexp: Some("^https://github.com/acme/".into()),
            issuer: Some("https://token.actions.githubusercontent.com".into()),
            issuer_regexp: None,
            rekor_url: None,
        };
        let y = parse_back(&kyverno("p", &["ghcr.io/acme/*".into()], &signer, &[]).unwrap());
        let keyless =
            &y["spec"]["rules"][0]["verifyImages"][0]["attestors"][0]["entries"][0]["keyless"];
        assert_eq!(
            keyless["subjectRegExp"].as_str(),
            Some("^https://github.com/acme/")
        );
        assert_eq!(
            keyless["issuer"].as_str(),
            Some("https://token.actions.githubusercontent.com")
        );
        let c = parse_back(&connaisseur("sc", &["ghcr.io/acme/*:*".into()], &signer).unwrap());
        let v = &c["application"]["validators"][2];
        assert_eq!(v["type"].as_str(), Some("cosign"));
        assert_eq!(
            v["trustRoots"][0]["keyless"]["subjectRegex"].as_str(),
            Some("^https://github.com/acme/")
        );
        assert_eq!(
            c["application"]["policy"][1]["with"]["trustRoot"].as_str(),
            Some("default")
        );
    }

    #[test]
    fn connaisseur_with_key_denies_everything_else() {
        let c = parse_back(&connaisseur("sc", &["reg/app:*".into()], &key_signer()).unwrap());
        let p = &c["application"]["policy"];
        assert_eq!(p[0]["pattern"].as_str(), Some("*:*"));
        assert_eq!(p[0]["validator"].as_str(), Some("deny"));
        assert_eq!(p[1]["validator"].as_str(), Some("sc"));
        assert_eq!(
            p[1]["with"]["verifyInTransparencyLog"].as_bool(),
            Some(false)
        );
        assert_eq!(
            c["application"]["validators"][2]["trustRoots"][0]["key"]
                .as_str()
                .map(str::trim),
            Some(PEM)
        );
        assert!(matches!(
            connaisseur("sc", &[], &key_signer()),
            Err(AdmissionError::NoImages)
        ));
    }

    #[test]
    fn signer_and_attestations_from_config() {
        let cfg = SecurityDescriptor::from_yaml_str(
            "signing:\n  keyless: true\n  verify:\n    identity: me@example.com\n    oidcIssuer: https://issuer.example\nsbom:\n  format: spdx-json\n  attach: {}\nprovenance:\n  attach: {}\n",
            "t",
        )
        .unwrap();
        let env = std::collections::HashMap::<String, String>::new();
        let s = TrustedSigner::from_config(&cfg, Path::new("."), &env).unwrap();
        assert!(
            matches!(s, TrustedSigner::Keyless { subject: Some(ref x), .. } if x == "me@example.com")
        );
        assert_eq!(
            required_attestations(&cfg),
            vec![
                "https://spdx.dev/Document",
                "https://slsa.dev/provenance/v1"
            ]
        );
        let no_key = SecurityDescriptor::from_yaml_str("signing:\n  privateKey: k\n", "t").unwrap();
        assert!(matches!(
            TrustedSigner::from_config(&no_key, Path::new("."), &env),
            Err(AdmissionError::NoPublicKey)
        ));
    }
}
