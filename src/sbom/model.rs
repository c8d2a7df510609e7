//! The package inventory of an image: what catalogers find and what SBOM
//! writers and the vulnerability matcher consume. One `Package` type for every
//! ecosystem; ecosystem-specific facts go in typed fields where the formats need
//! them (source package, arch, Maven group) and in `metadata` otherwise.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Kind of package, deciding the purl type and the vulnerability ecosystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PackageType {
    /// Debian/Ubuntu dpkg package.
    Deb,
    /// Alpine (and Wolfi/Chainguard) apk package.
    Apk,
    /// RPM package.
    Rpm,
    /// Python distribution (PyPI).
    Python,
    /// npm package.
    Npm,
    /// Go module (from binary build info), including the `stdlib` pseudo-module.
    Go,
    /// Java archive (Maven coordinates).
    Java,
    /// Rust crate (cargo-auditable binaries).
    Rust,
    /// Ruby gem.
    Gem,
    /// PHP Composer package.
    Composer,
    /// .NET NuGet package.
    Nuget,
}

impl PackageType {
    /// purl type (`deb`, `apk`, `rpm`, `pypi`, `npm`, `golang`, `maven`, `cargo`, `gem`, `composer`, `nuget`).
    pub fn purl_type(self) -> &'static str {
        match self {
            PackageType::Deb => "deb",
            PackageType::Apk => "apk",
            PackageType::Rpm => "rpm",
            PackageType::Python => "pypi",
            PackageType::Npm => "npm",
            PackageType::Go => "golang",
            PackageType::Java => "maven",
            PackageType::Rust => "cargo",
            PackageType::Gem => "gem",
            PackageType::Composer => "composer",
            PackageType::Nuget => "nuget",
        }
    }

    /// True for packages of the operating system's package manager.
    pub fn is_os(self) -> bool {
        matches!(self, PackageType::Deb | PackageType::Apk | PackageType::Rpm)
    }

    /// OSV ecosystem name for language packages (`PyPI`, `npm`, ...). OS packages
    /// need the distro release: see [`Distro::osv_ecosystem`].
    pub fn osv_ecosystem(self) -> Option<&'static str> {
        Some(match self {
            PackageType::Python => "PyPI",
            PackageType::Npm => "npm",
            PackageType::Go => "Go",
            PackageType::Java => "Maven",
            PackageType::Rust => "crates.io",
            PackageType::Gem => "RubyGems",
            PackageType::Composer => "Packagist",
            PackageType::Nuget => "NuGet",
            PackageType::Deb | PackageType::Apk | PackageType::Rpm => return None,
        })
    }
}

/// Where a package was found.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// Path inside the image, without a leading `/` (`var/lib/dpkg/status`).
    pub path: String,
    /// Index of the layer that holds the file (0 = base).
    pub layer_index: usize,
    /// Digest of that layer's blob, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_digest: Option<String>,
}

/// The source package an OS package was built from (dpkg `Source:`, apk `origin`, rpm SRPM).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourcePackage {
    /// Source package name.
    pub name: String,
    /// Source version, when it differs from the binary version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// One package found in the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Package {
    /// Name as the ecosystem spells it (npm scopes included: `@types/node`; Go module path; Maven artifactId).
    pub name: String,
    /// Version as recorded (dpkg versions keep their epoch: `1:1.2.13.dfsg-1`).
    pub version: String,
    /// Ecosystem.
    #[serde(rename = "type")]
    pub package_type: PackageType,
    /// Namespace where the ecosystem has one apart from the name (Maven groupId).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// CPU architecture (OS packages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Source package (OS packages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourcePackage>,
    /// Licenses: SPDX expressions where the source gives them, raw strings otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    /// Where it was found (one or more files).
    pub locations: Vec<Location>,
    /// Names of packages it depends on, as recorded (resolved into relationships later).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// Cataloger that found it (`dpkg`, `python`, ...).
    pub found_by: String,
    /// package URL, filled in by the SBOM builder.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub purl: String,
    /// CPEs (OS packages), filled in by the SBOM builder.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpes: Vec<String>,
    /// Other facts (maintainer, homepage, vcs revision, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

impl Package {
    /// A package with the required fields; the rest empty.
    pub fn new(
        package_type: PackageType,
        name: impl Into<String>,
        version: impl Into<String>,
        found_by: &str,
        location: Location,
    ) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            package_type,
            namespace: None,
            arch: None,
            source: None,
            licenses: Vec::new(),
            locations: vec![location],
            depends_on: Vec::new(),
            found_by: found_by.to_string(),
            purl: String::new(),
            cpes: Vec::new(),
            metadata: BTreeMap::new(),
        }
    }

    /// Identity used for de-duplication: type, namespace, name, version, arch
    /// (`libc6:amd64` and `libc6:i386` are two packages).
    pub fn identity(&self) -> (PackageType, Option<&str>, &str, &str, Option<&str>) {
        (
            self.package_type,
            self.namespace.as_deref(),
            self.name.as_str(),
            self.version.as_str(),
            self.arch.as_deref(),
        )
    }
}

/// The Linux distribution of the image (from os-release and friends).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Distro {
    /// `ID` (`debian`, `ubuntu`, `alpine`, `rhel`, ...).
    pub id: String,
    /// `VERSION_ID` (`12`, `22.04`, `3.19.1`).
    #[serde(default)]
    pub version_id: String,
    /// `VERSION_CODENAME` (`bookworm`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_codename: Option<String>,
    /// `PRETTY_NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
    /// `ID_LIKE` entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_like: Vec<String>,
}

impl Distro {
    /// OSV ecosystem for this distro's OS packages: `Debian:12`, `Ubuntu:22.04:LTS`
    /// (LTS releases), `Alpine:v3.19`, ... `None` when OSV has no such ecosystem.
    pub fn osv_ecosystem(&self) -> Option<String> {
        let major_minor = |v: &str| v.split('.').take(2).collect::<Vec<_>>().join(".");
        match self.id.as_str() {
            "debian" => Some(format!(
                "Debian:{}",
                self.version_id.split('.').next().unwrap_or("")
            )),
            "ubuntu" => {
                let v = major_minor(&self.version_id);
                let lts = self
                    .pretty_name
                    .as_deref()
                    .is_some_and(|p| p.contains("LTS"));
                Some(if lts {
                    format!("Ubuntu:{v}:LTS")
                } else {
                    format!("Ubuntu:{v}")
                })
            }
            "alpine" => Some(format!("Alpine:v{}", major_minor(&self.version_id))),
            "rocky" => Some(format!(
                "Rocky Linux:{}",
                self.version_id.split('.').next().unwrap_or("")
            )),
            "almalinux" => Some(format!(
                "AlmaLinux:{}",
                self.version_id.split('.').next().unwrap_or("")
            )),
            "wolfi" => Some("Wolfi".into()),
            "chainguard" => Some("Chainguard".into()),
            _ => None,
        }
    }
}

/// A dependency edge between two packages of the inventory (indexes into `packages`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Relationship {
    /// The dependent package.
    pub from: usize,
    /// The package it depends on.
    pub to: usize,
}

/// What was read from the image.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageInfo {
    /// Source as given (`oci:DIR:tag`, a reference).
    pub source: String,
    /// Registry reference pinned by digest, when read from a registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Digest of what the source names (index or manifest).
    pub digest: String,
    /// Digest of the platform's image manifest.
    pub manifest_digest: String,
    /// Config digest (image ID).
    pub image_id: String,
    /// `os/arch[/variant]`.
    pub platform: String,
    /// Layer blob digests, base first.
    pub layers: Vec<String>,
}

/// The result of cataloging an image.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inventory {
    /// The image.
    pub image: ImageInfo,
    /// Its distribution, if recognized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distro: Option<Distro>,
    /// Packages, sorted by type, name, version.
    pub packages: Vec<Package>,
    /// Dependency edges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relationships: Vec<Relationship>,
    /// Problems that did not stop cataloging (a corrupt database file, a path outside the root, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osv_ecosystems_for_distros() {
        let d = |id: &str, v: &str, pretty: &str| Distro {
            id: id.into(),
            version_id: v.into(),
            pretty_name: Some(pretty.into()),
            ..Default::default()
        };
        assert_eq!(
            d("debian", "12", "Debian GNU/Linux 12 (bookworm)")
                .osv_ecosystem()
                .unwrap(),
            "Debian:12"
        );
        assert_eq!(
            d("ubuntu", "22.04", "Ubuntu 22.04.4 LTS")
                .osv_ecosystem()
                .unwrap(),
            "Ubuntu:22.04:LTS"
        );
        assert_eq!(
            d("ubuntu", "23.10", "Ubuntu 23.10")
                .osv_ecosystem()
                .unwrap(),
            "Ubuntu:23.10"
        );
        assert_eq!(
            d("alpine", "3.19.1", "Alpine Linux v3.19")
                .osv_ecosystem()
                .unwrap(),
            "Alpine:v3.19"
        );
        assert_eq!(d("fedora", "40", "Fedora").osv_ecosystem(), None);
        assert_eq!(PackageType::Python.osv_ecosystem(), Some("PyPI"));
        assert_eq!(PackageType::Deb.osv_ecosystem(), None);
    }
}
