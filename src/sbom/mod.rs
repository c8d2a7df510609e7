//! SBOMs: the in-process replacement for syft.
//!
//! - [`model`]: the package inventory (one `Package` type for every ecosystem);
//! - [`catalog`]: catalogers, one module per package database or artifact type;
//! - [`walker`] and [`generate`]: stream the layers once and assemble the inventory;
//! - [`purl`], [`cpe`], [`format`]: identifiers and CycloneDX/SPDX/sc-json output;
//! - the seeds' `SBOM` and `SBOMMetadata` result types (below).

pub mod catalog;
pub mod cpe;
pub mod format;
pub mod generate;
pub mod model;
pub mod purl;
pub mod walker;

pub use generate::{catalog_image, catalog_resolved, GenerateOptions, SbomError};

use serde::{Deserialize, Serialize};

/// Generation metadata of an SBOM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SbomMetadata {
    /// Tool that generated it (`sc`).
    pub tool_name: String,
    /// Tool version.
    pub tool_version: String,
    /// Number of packages listed.
    pub package_count: usize,
    /// Format (`cyclonedx-json`, ...).
    pub format: String,
}

/// A generated SBOM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sbom {
    /// Format used.
    pub format: String,
    /// The document.
    #[serde(skip)]
    pub content: Vec<u8>,
    /// SHA-256 of the document.
    pub digest: String,
    /// Digest of the image it describes.
    pub image_digest: String,
    /// When it was generated (RFC 3339).
    pub generated_at: String,
    /// Metadata.
    pub metadata: SbomMetadata,
}

/// Package URLs in a CycloneDX, SPDX or sc-json document.
pub fn purls_in_sbom(doc: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(p)) = map.get("purl") {
                    out.push(p.clone());
                }
                if map.get("referenceType").and_then(|t| t.as_str()) == Some("purl") {
                    if let Some(serde_json::Value::String(p)) = map.get("referenceLocator") {
                        out.push(p.clone());
                    }
                }
                for (k, child) in map {
                    // The image itself (CycloneDX metadata.component) is not a package.
                    if k != "metadata" {
                        walk(child, out);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    walk(doc, &mut out);
    out.retain(|p| !p.starts_with("pkg:oci/"));
    out.sort();
    out.dedup();
    out
}
