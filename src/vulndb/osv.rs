//! The OSV record model (schema 1.6+), one type per object of the format.
//!
//! Field names and shapes mirror <https://ossf.github.io/osv-schema/> one to
//! one, so a record round-trips through serde without surprises. Parsing is
//! strict where the format is: `id` and `modified` are required, `modified`,
//! `published` and `withdrawn` must be RFC 3339 timestamps, every range event
//! holds exactly one of `introduced`/`fixed`/`last_affected`/`limit`, and a
//! range has at least one `introduced` event. Fields this model does not know
//! (a future schema addition) are ignored rather than rejected: the database
//! keeps what it can evaluate.
//!
//! What a record *means* for a package version lives in
//! [`matcher`](super::matcher); severities in [`severity`](super::severity).

use std::fmt;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// One OSV vulnerability record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsvRecord {
    /// Schema version the record claims (`1.6.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    /// Identifier, `<DB>-<ENTRYID>` (`GHSA-8q59-q68h-6hv4`, `DSA-5764-1`, `CVE-2024-0727`).
    pub id: String,
    /// When the record was last changed (RFC 3339).
    pub modified: String,
    /// When the record was first published (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// When the record was withdrawn (RFC 3339); withdrawn records never match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// IDs of the same vulnerability in other databases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// IDs of upstream vulnerabilities this (downstream) record refers to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<String>,
    /// IDs of closely related but different vulnerabilities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// One-line summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Details (CommonMark).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Record-level severities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
    /// Affected packages and versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<Affected>,
    /// Links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// Credits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credits: Vec<Credit>,
    /// Database-defined extras (GHSA puts its `severity` rating here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<serde_json::Value>,
}

/// A `severity[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityScore {
    /// Scoring method.
    #[serde(rename = "type")]
    pub kind: SeverityType,
    /// The score: a CVSS vector, or an Ubuntu priority.
    pub score: String,
}

/// `severity[].type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SeverityType {
    /// CVSS v2 vector.
    CvssV2,
    /// CVSS v3.x vector.
    CvssV3,
    /// CVSS v4.0 vector.
    CvssV4,
    /// Ubuntu priority (`negligible` … `critical`).
    Ubuntu,
    /// A type this model does not know, kept verbatim.
    Other(String),
}

impl SeverityType {
    /// The spelling used in OSV.
    pub fn as_str(&self) -> &str {
        match self {
            SeverityType::CvssV2 => "CVSS_V2",
            SeverityType::CvssV3 => "CVSS_V3",
            SeverityType::CvssV4 => "CVSS_V4",
            SeverityType::Ubuntu => "Ubuntu",
            SeverityType::Other(s) => s,
        }
    }
}

impl From<&str> for SeverityType {
    fn from(s: &str) -> Self {
        match s {
            "CVSS_V2" => SeverityType::CvssV2,
            "CVSS_V3" => SeverityType::CvssV3,
            "CVSS_V4" => SeverityType::CvssV4,
            "Ubuntu" => SeverityType::Ubuntu,
            other => SeverityType::Other(other.to_string()),
        }
    }
}

impl Serialize for SeverityType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SeverityType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(SeverityType::from(s.as_str()))
    }
}

/// An `affected[]` entry: one package and its affected versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// The package.
    pub package: Package,
    /// Package-level severities (override the record's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
    /// Affected ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Explicitly enumerated affected versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// Ecosystem-defined extras.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem_specific: Option<serde_json::Value>,
    /// Database-defined extras.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<serde_json::Value>,
}

/// `affected[].package`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Ecosystem, possibly with a release suffix (`PyPI`, `Debian:12`, `Alpine:v3.19`).
    pub ecosystem: String,
    /// Name within the ecosystem (for distributions: the source package).
    pub name: String,
    /// Package URL without version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

/// `affected[].ranges[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Range {
    /// How to interpret the event versions.
    #[serde(rename = "type")]
    pub kind: RangeType,
    /// Repository URL (GIT ranges).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// The timeline of events.
    pub events: Vec<Event>,
    /// Database-defined extras.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<serde_json::Value>,
}

/// `ranges[].type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RangeType {
    /// SemVer 2.0 versions.
    Semver,
    /// The ecosystem's own versions.
    Ecosystem,
    /// Git commit hashes (not evaluated: needs the repository).
    Git,
    /// A type this model does not know, kept verbatim (never evaluated).
    Other(String),
}

impl RangeType {
    /// The spelling used in OSV.
    pub fn as_str(&self) -> &str {
        match self {
            RangeType::Semver => "SEMVER",
            RangeType::Ecosystem => "ECOSYSTEM",
            RangeType::Git => "GIT",
            RangeType::Other(s) => s,
        }
    }
}

impl fmt::Display for RangeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RangeType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RangeType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match s.as_str() {
            "SEMVER" => RangeType::Semver,
            "ECOSYSTEM" => RangeType::Ecosystem,
            "GIT" => RangeType::Git,
            _ => RangeType::Other(s),
        })
    }
}

/// One `events[]` entry: exactly one of the four keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    /// The vulnerability starts at this version (`"0"`: before every version).
    Introduced(String),
    /// The vulnerability is fixed at this version.
    Fixed(String),
    /// The last version known to be affected.
    LastAffected(String),
    /// An upper limit on the range (`"*"`: infinity).
    Limit(String),
}

impl Event {
    /// The version string of the event, whatever its kind.
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }

    /// The key as written in OSV.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Introduced(_) => "introduced",
            Event::Fixed(_) => "fixed",
            Event::LastAffected(_) => "last_affected",
            Event::Limit(_) => "limit",
        }
    }
}

/// A `references[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// `ADVISORY`, `ARTICLE`, `DETECTION`, `DISCUSSION`, `REPORT`, `FIX`,
    /// `INTRODUCED`, `GIT`, `PACKAGE`, `EVIDENCE`, `WEB`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The link.
    pub url: String,
}

/// A `credits[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    /// Who.
    pub name: String,
    /// How to reach them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<String>,
    /// `FINDER`, `REPORTER`, `ANALYST`, …
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// Why a document is not a valid OSV record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", path.as_deref().map(|p| format!("at {p}: ")).unwrap_or_default())]
pub struct RecordError {
    /// JSON path of the offending value (`affected[0].ranges[1].events[2]`), when known.
    pub path: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl RecordError {
    fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        RecordError {
            path: Some(path.into()),
            message: message.into(),
        }
    }
}

impl OsvRecord {
    /// Parses and validates one record from JSON bytes.
    ///
    /// Errors name the JSON path of the offending value.
    pub fn from_json(bytes: &[u8]) -> Result<OsvRecord, RecordError> {
        let de = &mut serde_json::Deserializer::from_slice(bytes);
        let record: OsvRecord = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            RecordError {
                path: (path != "." && !path.is_empty()).then_some(path),
                message: e.into_inner().to_string(),
            }
        })?;
        record.validate()?;
        Ok(record)
    }

    /// Checks the rules serde cannot express.
    pub fn validate(&self) -> Result<(), RecordError> {
        if self.id.trim().is_empty() {
            return Err(RecordError::at("id", "must not be empty"));
        }
        if self.id.len() > 256 || self.id.chars().any(|c| c.is_control() || c == '/') {
            return Err(RecordError::at(
                "id",
                format!("{:?} is not a valid record id", truncate(&self.id, 80)),
            ));
        }
        parse_timestamp(&self.modified).map_err(|m| RecordError::at("modified", m))?;
        if let Some(p) = &self.published {
            parse_timestamp(p).map_err(|m| RecordError::at("published", m))?;
        }
        if let Some(w) = &self.withdrawn {
            parse_timestamp(w).map_err(|m| RecordError::at("withdrawn", m))?;
        }
        for (i, a) in self.affected.iter().enumerate() {
            if a.package.ecosystem.trim().is_empty() {
                return Err(RecordError::at(
                    format!("affected[{i}].package.ecosystem"),
                    "must not be empty",
                ));
            }
            if a.package.name.trim().is_empty() {
                return Err(RecordError::at(
                    format!("affected[{i}].package.name"),
                    "must not be empty",
                ));
            }
            for (j, r) in a.ranges.iter().enumerate() {
                if !r.events.iter().any(|e| matches!(e, Event::Introduced(_))) {
                    return Err(RecordError::at(
                        format!("affected[{i}].ranges[{j}].events"),
                        "a range needs at least one `introduced` event",
                    ));
                }
                if r.kind == RangeType::Git && r.repo.as_deref().unwrap_or("").is_empty() {
                    return Err(RecordError::at(
                        format!("affected[{i}].ranges[{j}].repo"),
                        "required for GIT ranges",
                    ));
                }
            }
        }
        Ok(())
    }

    /// `modified` as a timestamp (validated on parse, so this only fails for
    /// records built by hand).
    pub fn modified_at(&self) -> Option<OffsetDateTime> {
        parse_timestamp(&self.modified).ok()
    }

    /// True when the record carries a `withdrawn` timestamp.
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }

    /// The record's own id followed by its aliases.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }

    /// Minified JSON, the form the database stores.
    pub fn to_minified_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an OsvRecord always serializes")
    }

    /// The `database_specific.severity` string (GHSA: `LOW`, `MODERATE`, `HIGH`, `CRITICAL`).
    pub fn database_severity(&self) -> Option<&str> {
        self.database_specific
            .as_ref()
            .and_then(|d| d.get("severity"))
            .and_then(|s| s.as_str())
    }
}

/// Parses an RFC 3339 timestamp; the error is a message for the user.
pub fn parse_timestamp(s: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(s.trim(), &Rfc3339)
        .map_err(|e| format!("{:?} is not an RFC 3339 timestamp ({e})", truncate(s, 64)))
}

pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GHSA: &str = r#"{
      "schema_version": "1.2.0",
      "id": "GHSA-8q59-q68h-6hv4",
      "modified": "2021-09-28T19:04:49Z",
      "published": "2021-03-25T21:26:26Z",
      "aliases": ["CVE-2020-14343"],
      "summary": "Improper Input Validation in PyYAML",
      "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
      "affected": [{
        "package": {"ecosystem": "PyPI", "name": "PyYAML"},
        "ecosystem_specific": {"affected_functions": ["yaml.constructor.FullConstructor"]},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "5.4"}]}]
      }],
      "references": [{"type": "ADVISORY", "url": "https://nvd.nist.gov/vuln/detail/CVE-2020-14343"}],
      "database_specific": {"cwe_ids": ["CWE-20"], "severity": "CRITICAL", "github_reviewed": true}
    }"#;

    #[test]
    fn parses_a_ghsa_record() {
        let r = OsvRecord::from_json(GHSA.as_bytes()).unwrap();
        assert_eq!(r.id, "GHSA-8q59-q68h-6hv4");
        assert_eq!(r.severity[0].kind, SeverityType::CvssV3);
        assert_eq!(r.database_severity(), Some("CRITICAL"));
        let range = &r.affected[0].ranges[0];
        assert_eq!(range.kind, RangeType::Ecosystem);
        assert_eq!(
            range.events,
            vec![Event::Introduced("0".into()), Event::Fixed("5.4".into())]
        );
        // round trip through the stored form
        let again = OsvRecord::from_json(&r.to_minified_json()).unwrap();
        assert_eq!(again, r);
    }

    #[test]
    fn event_with_two_keys_is_rejected_with_its_path() {
        let bad = GHSA.replace(
            r#"{"introduced": "0"}, {"fixed": "5.4"}"#,
            r#"{"introduced": "0", "fixed": "5.4"}"#,
        );
        let e = OsvRecord::from_json(bad.as_bytes()).unwrap_err();
        assert_eq!(
            e.path.as_deref(),
            Some("affected[0].ranges[0].events[0]"),
            "{e}"
        );
    }

    #[test]
    fn range_without_introduced_is_rejected() {
        let bad = GHSA.replace(r#"{"introduced": "0"}, "#, "");
        let e = OsvRecord::from_json(bad.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("introduced"), "{e}");
        assert_eq!(e.path.as_deref(), Some("affected[0].ranges[0].events"));
    }

    #[test]
    fn bad_timestamp_and_missing_id() {
        let bad = GHSA.replace("2021-09-28T19:04:49Z", "yesterday");
        let e = OsvRecord::from_json(bad.as_bytes()).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("modified"));
        let e = OsvRecord::from_json(br#"{"modified": "2021-09-28T19:04:49Z"}"#).unwrap_err();
        assert!(e.message.contains("missing field `id`"), "{e}");
    }

    #[test]
    fn unknown_types_are_kept() {
        let r = OsvRecord::from_json(
            br#"{"id":"X-1","modified":"2024-01-01T00:00:00Z","severity":[{"type":"CVSS_V9","score":"?"}],
                "affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"FANCY","events":[{"introduced":"0"}]}]}]}"#,
        )
        .unwrap();
        assert_eq!(r.severity[0].kind, SeverityType::Other("CVSS_V9".into()));
        assert_eq!(
            r.affected[0].ranges[0].kind,
            RangeType::Other("FANCY".into())
        );
    }
}
