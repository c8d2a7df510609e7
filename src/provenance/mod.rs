//! SLSA v1.0 build provenance (the seeds' "Provenance API" types).
//!
//! Status: the result types exist; the generator (subject, buildDefinition,
//! runDetails from [`crate::context::ExecutionContext`]) and `sc provenance
//! attach|verify` are not built yet.

use serde::{Deserialize, Serialize};

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
    /// Raw provenance JSON.
    #[serde(skip)]
    pub content: Vec<u8>,
    /// Digest of the image it describes.
    pub image_digest: String,
    /// When it was generated (RFC 3339).
    pub generated_at: String,
    /// Metadata.
    pub metadata: ProvenanceMetadata,
}
