//! Releases: the security workflow over every image of a stack environment
//! (`sc release create`), producing the seeds' `ReleaseResult`.
//!
//! Status: the result type exists; the parallel release runner is not built yet.

use serde::Serialize;

use crate::executor::SecurityResult;

/// Result of a release (the seeds' `ReleaseResult`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseResult {
    /// Images, pinned by digest.
    pub images: Vec<String>,
    /// Per-image results.
    pub security_results: Vec<SecurityResult>,
    /// True when no image was blocked.
    pub success: bool,
    /// Duration in milliseconds.
    pub duration_ms: u64,
    /// Errors that stopped images.
    pub errors: Vec<String>,
}
