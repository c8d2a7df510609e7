//! OpenVEX documents (v0.2.0; v0.0.x string forms accepted): statements that
//! a vulnerability does or does not affect a product, used to suppress
//! findings the supplier has analysed.
//!
//! A statement applies to a finding when its `vulnerability.name` or one of
//! its `aliases` is the finding's ID or one of its aliases, and one of its
//! `products`
//!
//! * names the scanned image — an `@id` or `identifiers.purl` of the form
//!   `pkg:oci/NAME@sha256:...`, `REPO@sha256:...` or `sha256:...`, or a
//!   `hashes` entry, equal to the image digest (tags are not enough: they
//!   move) — and either lists no `subcomponents` or lists one whose purl
//!   matches the finding's package purl (a purl without a version names
//!   every version); or
//! * is itself a package purl matching the finding's package.
//!
//! When several statements apply, the newest (statement `timestamp`, else the
//! document's) wins, later ones in the input on ties. Statuses `not_affected`
//! and `fixed` suppress; `affected` and `under_investigation` keep the finding.
//! Statements without products match nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::purl::Purl;
use super::Suppression;
use crate::digest::{Algorithm, Digest};
use crate::scan::Finding;

/// The status of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VexStatus {
    /// The product is not affected (suppresses).
    NotAffected,
    /// The product is affected.
    Affected,
    /// The product contains a fix (suppresses).
    Fixed,
    /// Not known yet.
    UnderInvestigation,
}

impl VexStatus {
    /// The OpenVEX spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            VexStatus::NotAffected => "not_affected",
            VexStatus::Affected => "affected",
            VexStatus::Fixed => "fixed",
            VexStatus::UnderInvestigation => "under_investigation",
        }
    }

    /// Whether a finding with this status is taken out of the results.
    pub fn suppresses(self) -> bool {
        matches!(self, VexStatus::NotAffected | VexStatus::Fixed)
    }
}

/// Why a product is `not_affected` (OpenVEX's five justifications).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VexJustification {
    /// The vulnerable component is not included.
    ComponentNotPresent,
    /// The component is included, but not the vulnerable code.
    VulnerableCodeNotPresent,
    /// The vulnerable code cannot be executed.
    VulnerableCodeNotInExecutePath,
    /// The vulnerable code cannot be controlled by an attacker.
    VulnerableCodeCannotBeControlledByAdversary,
    /// Built-in protections prevent exploitation.
    InlineMitigationsAlreadyExist,
}

impl VexJustification {
    /// The OpenVEX spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            VexJustification::ComponentNotPresent => "component_not_present",
            VexJustification::VulnerableCodeNotPresent => "vulnerable_code_not_present",
            VexJustification::VulnerableCodeNotInExecutePath => {
                "vulnerable_code_not_in_execute_path"
            }
            VexJustification::VulnerableCodeCannotBeControlledByAdversary => {
                "vulnerable_code_cannot_be_controlled_by_adversary"
            }
            VexJustification::InlineMitigationsAlreadyExist => "inline_mitigations_already_exist",
        }
    }

    /// The closest CycloneDX `analysis.justification`.
    pub fn cyclonedx(self) -> &'static str {
        match self {
            VexJustification::ComponentNotPresent | VexJustification::VulnerableCodeNotPresent => {
                "code_not_present"
            }
            VexJustification::VulnerableCodeNotInExecutePath => "code_not_reachable",
            VexJustification::VulnerableCodeCannotBeControlledByAdversary => "requires_environment",
            VexJustification::InlineMitigationsAlreadyExist => "protected_by_mitigating_control",
        }
    }
}

/// A parsed OpenVEX document.
#[derive(Debug, Clone, PartialEq)]
pub struct VexDocument {
    /// The file as given (for messages and suppression records).
    pub source: String,
    /// The document's `@id`.
    pub id: Option<String>,
    /// Its statements, in document order.
    pub statements: Vec<VexStatement>,
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct VexStatement {
    /// Index in the document's `statements`.
    pub index: usize,
    /// `vulnerability.name`.
    pub vulnerability: String,
    /// `vulnerability.aliases`.
    pub aliases: Vec<String>,
    /// The products it is about.
    pub products: Vec<VexProduct>,
    /// Its status.
    pub status: VexStatus,
    /// Justification (for `not_affected`).
    pub justification: Option<VexJustification>,
    /// Impact statement (for `not_affected`).
    pub impact_statement: Option<String>,
    /// The statement's timestamp, else the document's.
    pub timestamp: Option<OffsetDateTime>,
}

/// A product of a statement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VexProduct {
    /// `@id` and `identifiers.purl`.
    pub ids: Vec<String>,
    /// `hashes`: algorithm (`sha-256`) to hex.
    pub hashes: BTreeMap<String, String>,
    /// `subcomponents`, each as its `@id` and `identifiers.purl`.
    pub subcomponents: Vec<Vec<String>>,
}

/// An invalid VEX document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct VexError {
    /// The file as given.
    pub file: String,
    /// What is wrong, with the JSON path (`statements[2].status: ...`).
    pub message: String,
}

#[derive(Deserialize)]
struct RawDocument {
    #[serde(rename = "@context")]
    context: String,
    #[serde(rename = "@id", default)]
    id: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    statements: Vec<RawStatement>,
}

#[derive(Deserialize)]
struct RawStatement {
    vulnerability: RawVulnerability,
    #[serde(default)]
    products: Vec<RawComponent>,
    status: VexStatus,
    #[serde(default)]
    justification: Option<VexJustification>,
    #[serde(default)]
    impact_statement: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawVulnerability {
    Name(String),
    Object {
        #[serde(rename = "@id", default)]
        id: Option<String>,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        aliases: Vec<String>,
    },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawComponent {
    Id(String),
    Object {
        #[serde(rename = "@id", default)]
        id: Option<String>,
        #[serde(default)]
        identifiers: BTreeMap<String, String>,
        #[serde(default)]
        hashes: BTreeMap<String, String>,
        #[serde(default)]
        subcomponents: Vec<RawComponent>,
    },
}

impl RawComponent {
    fn ids(&self) -> Vec<String> {
        match self {
            RawComponent::Id(s) => vec![s.trim().to_string()],
            RawComponent::Object {
                id, identifiers, ..
            } => id
                .iter()
                .chain(identifiers.get("purl"))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        }
    }
}

fn timestamp(raw: Option<&str>) -> Result<Option<OffsetDateTime>, String> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => OffsetDateTime::parse(s, &Rfc3339)
            .map(Some)
            .map_err(|_| format!("invalid timestamp '{s}' (RFC 3339 expected)")),
    }
}

impl VexDocument {
    /// Parse an OpenVEX JSON document read from `source`.
    pub fn parse(source: &str, text: &str) -> Result<VexDocument, VexError> {
        let err = |message: String| VexError {
            file: source.to_string(),
            message,
        };
        let de = &mut serde_json::Deserializer::from_str(text);
        let raw: RawDocument = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            if path == "." {
                err(format!("not an OpenVEX document: {}", e.inner()))
            } else {
                err(format!("{path}: {}", e.inner()))
            }
        })?;
        if !raw.context.starts_with("https://openvex.dev/ns") {
            return Err(err(format!(
                "not an OpenVEX document (@context is '{}', expected https://openvex.dev/ns/v0.2.0)",
                raw.context
            )));
        }
        let doc_time =
            timestamp(raw.timestamp.as_deref()).map_err(|m| err(format!("timestamp: {m}")))?;
        let mut statements = Vec::with_capacity(raw.statements.len());
        for (index, st) in raw.statements.into_iter().enumerate() {
            let at = format!("statements[{index}]");
            let (name, aliases) = match st.vulnerability {
                RawVulnerability::Name(n) => (Some(n), vec![]),
                RawVulnerability::Object { id, name, aliases } => {
                    (name.or_else(|| id.filter(|i| !i.contains('/'))), aliases)
                }
            };
            let Some(vulnerability) = name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty())
            else {
                return Err(err(format!(
                    "{at}.vulnerability: missing name (the vulnerability ID, e.g. CVE-2023-5678)"
                )));
            };
            if st.status == VexStatus::NotAffected
                && st.justification.is_none()
                && st
                    .impact_statement
                    .as_deref()
                    .is_none_or(|s| s.trim().is_empty())
            {
                return Err(err(format!(
                    "{at} ({vulnerability}): status not_affected needs a justification or an impact_statement"
                )));
            }
            let ts = timestamp(st.timestamp.as_deref())
                .map_err(|m| err(format!("{at}.timestamp: {m}")))?
                .or(doc_time);
            let products = st
                .products
                .iter()
                .map(|p| match p {
                    RawComponent::Id(_) => VexProduct {
                        ids: p.ids(),
                        ..Default::default()
                    },
                    RawComponent::Object {
                        hashes,
                        subcomponents,
                        ..
                    } => VexProduct {
                        ids: p.ids(),
                        hashes: hashes
                            .iter()
                            .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_ascii_lowercase()))
                            .collect(),
                        subcomponents: subcomponents.iter().map(RawComponent::ids).collect(),
                    },
                })
                .collect();
            statements.push(VexStatement {
                index,
                vulnerability,
                aliases,
                products,
                status: st.status,
                justification: st.justification,
                impact_statement: st
                    .impact_statement
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
                timestamp: ts,
            });
        }
        Ok(VexDocument {
            source: source.to_string(),
            id: raw.id,
            statements,
        })
    }
}

impl VexStatement {
    /// Whether the statement's vulnerability is the finding's (by ID or alias, either side).
    pub fn names(&self, finding: &Finding) -> bool {
        std::iter::once(&self.vulnerability)
            .chain(&self.aliases)
            .any(|id| finding.is_known_as(id))
    }

    /// Whether the statement is about `finding` in the image with `image_digest`.
    pub fn applies_to(&self, image_digest: Option<&Digest>, finding: &Finding) -> bool {
        self.names(finding)
            && self
                .products
                .iter()
                .any(|p| p.applies_to(image_digest, finding))
    }
}

impl VexProduct {
    /// Whether the product is the image with `digest`.
    pub fn identifies_image(&self, digest: &Digest) -> bool {
        let by_id = self
            .ids
            .iter()
            .any(|id| id_digest(id).as_ref() == Some(digest));
        let hash_key = match digest.algorithm() {
            Algorithm::Sha256 => "sha-256",
            Algorithm::Sha512 => "sha-512",
        };
        by_id || self.hashes.get(hash_key).is_some_and(|h| h == digest.hex())
    }

    fn applies_to(&self, image_digest: Option<&Digest>, finding: &Finding) -> bool {
        let package = finding.purl.as_deref().and_then(Purl::parse);
        let names_package = |ids: &[String]| {
            package.as_ref().is_some_and(|pkg| {
                ids.iter()
                    .filter_map(|id| Purl::parse(id))
                    .any(|pattern| pattern.ty != "oci" && pattern.matches(pkg))
            })
        };
        if image_digest.is_some_and(|d| self.identifies_image(d)) {
            return self.subcomponents.is_empty()
                || self.subcomponents.iter().any(|ids| names_package(ids));
        }
        names_package(&self.ids)
    }
}

/// The digest an identifier names: `pkg:oci/...@sha256:...`, `repo@sha256:...` or `sha256:...`.
fn id_digest(id: &str) -> Option<Digest> {
    if let Some(purl) = Purl::parse(id) {
        return purl.oci_digest();
    }
    let tail = id.rsplit_once('@').map_or(id, |(_, d)| d);
    tail.parse().ok()
}

/// The suppression the documents give `finding`, if the newest applicable
/// statement says `not_affected` or `fixed`.
pub(crate) fn suppression(
    docs: &[VexDocument],
    image_digest: Option<&Digest>,
    finding: &Finding,
) -> Option<Suppression> {
    let mut best: Option<(&VexDocument, &VexStatement)> = None;
    for doc in docs {
        for st in &doc.statements {
            if !st.applies_to(image_digest, finding) {
                continue;
            }
            let newer = match best {
                None => true,
                Some((_, b)) => match (st.timestamp, b.timestamp) {
                    (Some(a), Some(b)) => a >= b,
                    (None, Some(_)) => false,
                    _ => true,
                },
            };
            if newer {
                best = Some((doc, st));
            }
        }
    }
    let (doc, st) = best?;
    st.status.suppresses().then(|| Suppression::Vex {
        document: doc.source.clone(),
        statement: st.index,
        status: st.status,
        justification: st.justification,
        impact_statement: st.impact_statement.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Vulnerability;
    use crate::Severity;

    const DIGEST: &str = "sha256:3f1c2b9a0d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";

    fn finding(id: &str, purl: &str) -> Finding {
        Finding {
            vulnerability: Vulnerability {
                id: id.into(),
                severity: Severity::High,
                package: Purl::parse(purl).unwrap().name,
                version: "1".into(),
                ..Default::default()
            },
            purl: Some(purl.into()),
            ..Default::default()
        }
    }

    fn doc(statements: &str) -> Result<VexDocument, VexError> {
        VexDocument::parse(
            "shop-api.openvex.json",
            &format!(
                r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1",
                    "author": "Acme Security", "timestamp": "2026-04-01T10:00:00Z", "version": 1,
                    "statements": [{statements}]}}"#
            ),
        )
    }

    #[test]
    fn product_by_digest_forms_and_hashes() {
        let d: Digest = DIGEST.parse().unwrap();
        let other: Digest =
            "sha256:0000000000000000000000000000000000000000000000000000000000000000"
                .parse()
                .unwrap();
        for id in [
            format!(
                "pkg:oci/shop-api@{}?repository_url=ghcr.io/acme/shop-api",
                DIGEST.replace(':', "%3A")
            ),
            format!("ghcr.io/acme/shop-api@{DIGEST}"),
            DIGEST.to_string(),
        ] {
            let p = VexProduct {
                ids: vec![id.clone()],
                ..Default::default()
            };
            assert!(p.identifies_image(&d), "{id}");
            assert!(!p.identifies_image(&other), "{id}");
        }
        let by_tag = VexProduct {
            ids: vec![
                "pkg:oci/shop-api?tag=1.4.2".into(),
                "ghcr.io/acme/shop-api:1.4.2".into(),
            ],
            ..Default::default()
        };
        assert!(!by_tag.identifies_image(&d));
        let by_hash = VexProduct {
            hashes: [("sha-256".to_string(), d.hex().to_string())].into(),
            ..Default::default()
        };
        assert!(by_hash.identifies_image(&d));
    }

    #[test]
    fn newest_statement_wins() {
        let d = doc(&format!(
            r#"{{"vulnerability": {{"name": "CVE-2023-5678"}}, "products": [{{"@id": "{DIGEST}"}}],
                 "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path",
                 "timestamp": "2026-04-02T00:00:00Z"}},
               {{"vulnerability": {{"name": "CVE-2023-5678"}}, "products": [{{"@id": "{DIGEST}"}}],
                 "status": "affected", "action_statement": "upgrade", "timestamp": "2026-03-01T00:00:00Z"}}"#
        ))
        .unwrap();
        let digest: Digest = DIGEST.parse().unwrap();
        let f = finding("CVE-2023-5678", "pkg:deb/debian/openssl@3.0.11-1~deb12u1");
        let s = suppression(std::slice::from_ref(&d), Some(&digest), &f).unwrap();
        assert!(matches!(s, Suppression::Vex { statement: 0, .. }));

        // A later `affected` statement takes the suppression back.
        let d2 = doc(&format!(
            r#"{{"vulnerability": {{"name": "CVE-2023-5678"}}, "products": [{{"@id": "{DIGEST}"}}],
                 "status": "affected", "timestamp": "2026-04-03T00:00:00Z"}}"#
        ))
        .unwrap();
        assert!(suppression(&[d, d2], Some(&digest), &f).is_none());
    }

    #[test]
    fn pointed_errors() {
        let e =
            doc(r#"{"vulnerability": {"name": "CVE-1"}, "products": [], "status": "not_afected"}"#)
                .unwrap_err();
        assert!(
            e.to_string().starts_with("shop-api.openvex.json: statements[0].status: unknown variant `not_afected`, expected one of `not_affected`"),
            "{e}"
        );
        let e = doc(r#"{"vulnerability": {"name": "CVE-2023-5678"}, "products": [], "status": "not_affected"}"#)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "shop-api.openvex.json: statements[0] (CVE-2023-5678): status not_affected needs a justification or an impact_statement"
        );
        let e = VexDocument::parse("x.json", r#"{"bomFormat": "CycloneDX"}"#).unwrap_err();
        assert!(
            e.to_string().starts_with("x.json: not an OpenVEX document"),
            "{e}"
        );
        let e = VexDocument::parse(
            "x.json",
            r#"{"@context": "https://cyclonedx.org", "statements": []}"#,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("not an OpenVEX document (@context is"),
            "{e}"
        );
    }

    #[test]
    fn v0_0_x_string_forms() {
        let d = VexDocument::parse(
            "old.json",
            r#"{"@context": "https://openvex.dev/ns", "statements": [
                {"vulnerability": "CVE-2021-23337", "products": ["pkg:npm/lodash@4.17.20"],
                 "status": "fixed"}]}"#,
        )
        .unwrap();
        let f = finding("CVE-2021-23337", "pkg:npm/lodash@4.17.20");
        let s = suppression(&[d], None, &f).unwrap();
        assert_eq!(s.describe(), "VEX fixed [old.json]");
    }
}
