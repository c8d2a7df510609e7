//! PLACEHOLDER: distribution detection (os-release) is being written on a branch.

use super::FileSet;
use crate::sbom::model::Distro;

/// Paths the walker keeps for distribution detection.
pub fn wants(path: &str) -> bool {
    matches!(path, "etc/os-release" | "usr/lib/os-release")
}

/// Detect the distribution from the kept release files.
pub fn detect(_files: &FileSet) -> Option<Distro> {
    None
}
