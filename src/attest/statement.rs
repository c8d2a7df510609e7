//! in-toto Statement v1 (<https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md>)
//! and the predicate types `sc` attaches (the names `cosign attest --type` takes).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::reference::ImageReference;

/// `_type` of an in-toto Statement v1 (what `sc` writes).
pub const STATEMENT_TYPE_V1: &str = "https://in-toto.io/Statement/v1";
/// `_type` of the earlier Statement v0.1 (what older cosign writes; read, not written).
pub const STATEMENT_TYPE_V01: &str = "https://in-toto.io/Statement/v0.1";
/// DSSE `payloadType` of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// CycloneDX SBOM predicate (cosign `--type cyclonedx`).
pub const CYCLONEDX_PREDICATE: &str = "https://cyclonedx.org/bom";
/// SPDX SBOM predicate (cosign `--type spdx` / `spdxjson`).
pub const SPDX_PREDICATE: &str = "https://spdx.dev/Document";
/// SLSA provenance v1.0 predicate.
pub const SLSA_PROVENANCE_V1_PREDICATE: &str = "https://slsa.dev/provenance/v1";
/// SLSA provenance v0.2 predicate (read and matched; `sc` generates v1).
pub const SLSA_PROVENANCE_V02_PREDICATE: &str = "https://slsa.dev/provenance/v0.2";

/// Why bytes are not an in-toto statement `sc` accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid in-toto statement: {0}")]
pub struct StatementError(pub String);

/// An in-toto ResourceDescriptor: statement subjects, SLSA `resolvedDependencies`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ResourceDescriptor {
    /// Name (for an image subject: its repository, as cosign writes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// URI of the resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Digests by algorithm (`sha256` → hex, `gitCommit` → object id).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub digest: BTreeMap<String, String>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, serde_json::Value>>,
}

/// An in-toto statement: what is attested (`subject`), and the claim
/// (`predicateType`, `predicate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    /// [`STATEMENT_TYPE_V1`] (or v0.1 when read).
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// The artifacts the claim is about.
    pub subject: Vec<ResourceDescriptor>,
    /// URI of the predicate's type.
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The claim.
    #[serde(default)]
    pub predicate: serde_json::Value,
}

impl Statement {
    /// A v1 statement about `image` (which must be pinned to a digest): one subject
    /// named by the image's repository, as `cosign attest` names it.
    pub fn for_image(
        image: &ImageReference,
        predicate_type: &PredicateType,
        predicate: serde_json::Value,
    ) -> Result<Self, StatementError> {
        let digest = image.digest.as_ref().ok_or_else(|| {
            StatementError(format!("{image}: a statement needs the image's digest"))
        })?;
        let mut digests = BTreeMap::new();
        digests.insert(
            digest.algorithm().as_str().to_string(),
            digest.hex().to_string(),
        );
        Ok(Statement {
            statement_type: STATEMENT_TYPE_V1.to_string(),
            subject: vec![ResourceDescriptor {
                name: Some(crate::signing::cosign::docker_reference(image)),
                digest: digests,
                ..ResourceDescriptor::default()
            }],
            predicate_type: predicate_type.uri().to_string(),
            predicate,
        })
    }

    /// The statement as JSON bytes (the DSSE payload).
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a statement serializes")
    }

    /// Parse and check a statement: a known `_type`, at least one subject, every
    /// subject with a digest, a predicate type.
    pub fn parse(bytes: &[u8]) -> Result<Self, StatementError> {
        let s: Statement =
            serde_json::from_slice(bytes).map_err(|e| StatementError(e.to_string()))?;
        if s.statement_type != STATEMENT_TYPE_V1 && s.statement_type != STATEMENT_TYPE_V01 {
            return Err(StatementError(format!(
                "unknown _type {:?} (expected {STATEMENT_TYPE_V1})",
                s.statement_type
            )));
        }
        if s.subject.is_empty() {
            return Err(StatementError("no subject".into()));
        }
        if s.subject.iter().any(|d| d.digest.is_empty()) {
            return Err(StatementError("a subject has no digest".into()));
        }
        if s.predicate_type.is_empty() {
            return Err(StatementError("no predicateType".into()));
        }
        Ok(s)
    }

    /// Whether one of the subjects carries `digest`.
    pub fn names_digest(&self, digest: &Digest) -> bool {
        self.subject.iter().any(|s| {
            s.digest
                .get(digest.algorithm().as_str())
                .is_some_and(|h| h.eq_ignore_ascii_case(digest.hex()))
        })
    }

    /// The subjects' digests as `alg:hex`, for error messages.
    pub fn subject_digests(&self) -> Vec<String> {
        self.subject
            .iter()
            .flat_map(|s| s.digest.iter().map(|(a, h)| format!("{a}:{h}")))
            .collect()
    }
}

/// A predicate type: a well-known one by its cosign name, or any URI.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PredicateType {
    /// CycloneDX SBOM ([`CYCLONEDX_PREDICATE`]).
    CycloneDx,
    /// SPDX SBOM ([`SPDX_PREDICATE`]).
    Spdx,
    /// SLSA provenance v1.0 ([`SLSA_PROVENANCE_V1_PREDICATE`]).
    SlsaProvenanceV1,
    /// SLSA provenance v0.2 ([`SLSA_PROVENANCE_V02_PREDICATE`]).
    SlsaProvenanceV02,
    /// Any other predicate, by URI.
    Other(String),
}

impl PredicateType {
    /// The predicate type URI.
    pub fn uri(&self) -> &str {
        match self {
            PredicateType::CycloneDx => CYCLONEDX_PREDICATE,
            PredicateType::Spdx => SPDX_PREDICATE,
            PredicateType::SlsaProvenanceV1 => SLSA_PROVENANCE_V1_PREDICATE,
            PredicateType::SlsaProvenanceV02 => SLSA_PROVENANCE_V02_PREDICATE,
            PredicateType::Other(u) => u,
        }
    }

    /// The type a URI names.
    pub fn from_uri(uri: &str) -> Self {
        match uri {
            CYCLONEDX_PREDICATE => PredicateType::CycloneDx,
            SPDX_PREDICATE => PredicateType::Spdx,
            SLSA_PROVENANCE_V1_PREDICATE => PredicateType::SlsaProvenanceV1,
            SLSA_PROVENANCE_V02_PREDICATE => PredicateType::SlsaProvenanceV02,
            other => PredicateType::Other(other.to_string()),
        }
    }

    /// Whether this is an SLSA provenance predicate (any version).
    pub fn is_slsa_provenance(&self) -> bool {
        matches!(
            self,
            PredicateType::SlsaProvenanceV1 | PredicateType::SlsaProvenanceV02
        )
    }
}

impl fmt::Display for PredicateType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.uri())
    }
}

impl FromStr for PredicateType {
    type Err = StatementError;

    /// `cyclonedx`, `spdx`/`spdxjson`, `slsaprovenance`/`slsaprovenance1` (v1.0),
    /// `slsaprovenance02` (v0.2), or a URI (`scheme://...`). Unlike cosign, where
    /// `slsaprovenance` means v0.2, `sc` means the current version, v1.0.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "cyclonedx" => PredicateType::CycloneDx,
            "spdx" | "spdxjson" => PredicateType::Spdx,
            "slsaprovenance" | "slsaprovenance1" => PredicateType::SlsaProvenanceV1,
            "slsaprovenance02" => PredicateType::SlsaProvenanceV02,
            uri if uri.contains("://") => PredicateType::from_uri(uri),
            other => {
                return Err(StatementError(format!(
                    "unknown attestation type {other:?}: use cyclonedx, spdxjson, slsaprovenance, slsaprovenance02 or a predicate type URI"
                )))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_for_image_names_repository_and_digest() {
        let d = Digest::sha256_of(b"x");
        let img: ImageReference = format!("localhost:5000/sc/app@{d}").parse().unwrap();
        let s = Statement::for_image(&img, &PredicateType::CycloneDx, serde_json::json!({"a": 1}))
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&s.to_bytes()).unwrap();
        assert_eq!(v["_type"], STATEMENT_TYPE_V1);
        assert_eq!(v["subject"][0]["name"], "localhost:5000/sc/app");
        assert_eq!(v["subject"][0]["digest"]["sha256"], d.hex());
        assert_eq!(v["predicateType"], CYCLONEDX_PREDICATE);
        let back = Statement::parse(&s.to_bytes()).unwrap();
        assert_eq!(back, s);
        assert!(back.names_digest(&d));
        assert!(!back.names_digest(&Digest::sha256_of(b"y")));
        // Without a digest there is no statement.
        let tag: ImageReference = "localhost:5000/sc/app:v1".parse().unwrap();
        assert!(Statement::for_image(&tag, &PredicateType::Spdx, serde_json::Value::Null).is_err());
    }

    #[test]
    fn malformed_statements_are_refused() {
        for bad in [
            r#"{"_type":"x","subject":[{"digest":{"sha256":"ab"}}],"predicateType":"p"}"#,
            r#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"p"}"#,
            r#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a"}],"predicateType":"p"}"#,
            r#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"ab"}}],"predicateType":""}"#,
            "[]",
        ] {
            assert!(Statement::parse(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn predicate_type_names() {
        assert_eq!(
            "cyclonedx".parse::<PredicateType>().unwrap().uri(),
            CYCLONEDX_PREDICATE
        );
        assert_eq!(
            "spdxjson".parse::<PredicateType>().unwrap(),
            PredicateType::Spdx
        );
        assert_eq!(
            "slsaprovenance".parse::<PredicateType>().unwrap(),
            PredicateType::SlsaProvenanceV1
        );
        assert_eq!(
            "https://spdx.dev/Document"
                .parse::<PredicateType>()
                .unwrap(),
            PredicateType::Spdx
        );
        assert_eq!(
            "https://example.com/p/v1"
                .parse::<PredicateType>()
                .unwrap()
                .uri(),
            "https://example.com/p/v1"
        );
        assert!("nonsense".parse::<PredicateType>().is_err());
    }
}
