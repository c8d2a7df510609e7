//! sc-json: the inventory itself (purls and CPEs filled in), with a schema
//! version and a descriptor naming the tool and the generation time.
//!
//! ```json
//! {
//!   "schema": "sc-json",
//!   "schemaVersion": "1",
//!   "descriptor": {"name": "sc", "version": "0.1.0", "timestamp": "2024-01-01T00:00:00Z"},
//!   "image": {...}, "distro": {...}, "packages": [...], "relationships": [...], "warnings": [...]
//! }
//! ```
//!
//! The fields after `descriptor` are [`Inventory`]'s serde form, so
//! [`parse`] reads a document back into an inventory. `schemaVersion` changes
//! when a field changes meaning or is removed; added optional fields keep it.

use serde::{Deserialize, Serialize};

use super::{Document, FormatError, SbomFormat};
use crate::sbom::model::Inventory;

/// Value of the `schema` field.
pub const SCHEMA: &str = "sc-json";
/// Current `schemaVersion`.
pub const SCHEMA_VERSION: &str = "1";

/// Tool and time of generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Descriptor {
    /// `sc`.
    pub name: String,
    /// Tool version.
    pub version: String,
    /// Generation time (RFC 3339, UTC).
    pub timestamp: String,
}

/// An sc-json document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NativeDocument {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema_version: String,
    /// Tool and time.
    pub descriptor: Descriptor,
    /// The inventory.
    #[serde(flatten)]
    pub inventory: Inventory,
}

/// Why an sc-json document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum NativeError {
    /// Not JSON, or not the expected shape.
    #[error("not an sc-json document: {0}")]
    Json(#[from] serde_json::Error),
    /// A `schema` or `schemaVersion` this version of sc does not read.
    #[error("unsupported sc-json schema '{schema}' version '{version}' (supported: {SCHEMA} {SCHEMA_VERSION})")]
    Version {
        /// `schema` found.
        schema: String,
        /// `schemaVersion` found.
        version: String,
    },
}

pub(crate) fn to_json(doc: &Document<'_>) -> Result<Vec<u8>, FormatError> {
    let native = NativeDocument {
        schema: SCHEMA.to_string(),
        schema_version: SCHEMA_VERSION.to_string(),
        descriptor: Descriptor {
            name: crate::TOOL_NAME.to_string(),
            version: doc.opts.tool_version.clone(),
            timestamp: doc.opts.timestamp(),
        },
        inventory: doc.inventory.clone(),
    };
    let mut out = serde_json::to_vec_pretty(&native).map_err(|source| FormatError::Json {
        format: SbomFormat::ScJson,
        source,
    })?;
    out.push(b'\n');
    Ok(out)
}

/// Read an sc-json document.
pub fn parse(bytes: &[u8]) -> Result<NativeDocument, NativeError> {
    let doc: NativeDocument = serde_json::from_slice(bytes)?;
    if doc.schema != SCHEMA || doc.schema_version != SCHEMA_VERSION {
        return Err(NativeError::Version {
            schema: doc.schema,
            version: doc.schema_version,
        });
    }
    Ok(doc)
}
