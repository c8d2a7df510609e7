//! SBOM documents from an [`Inventory`]: CycloneDX 1.6 (JSON, XML), SPDX 2.3
//! (JSON, tag-value) and sc's own JSON.
//!
//! [`render`] writes one document; [`build_sbom`] wraps it in the seeds'
//! [`Sbom`] (digest, package count, tool). Both are pure functions of the
//! inventory and the [`RenderOptions`]: the same input at the same
//! `generated_at` gives byte-identical output.
//!
//! # Identifiers
//! - purls and CPEs: [`fill_identifiers`] fills `Package::purl` and
//!   `Package::cpes` where the catalogers left them empty ([`crate::sbom::purl`],
//!   [`crate::sbom::cpe`]); every format shows the filled-in values.
//! - a package's id: the first 16 hex digits of SHA-256 over its type,
//!   namespace, name, version and locations. It is stable across runs and
//!   distinguishes two copies of one package found in different places. The
//!   CycloneDX `bom-ref` is `<purl>?package-id=<id>` (`&package-id=` when the
//!   purl has qualifiers), as syft writes it; the SPDX id is
//!   `SPDXRef-Package-<type>-<name>-<id>`.
//! - CycloneDX `serialNumber` and the SPDX `documentNamespace`: name-based UUIDs
//!   (version 5, SHA-1, RFC 9562) over the SHA-256 of the filled-in inventory
//!   and the generation timestamp. CycloneDX asks for a unique serial number per
//!   BOM: a new generation time gives a new one, while a re-run at the same
//!   time over the same inventory reproduces the document exactly.
//!
//! # Timestamps
//! Written as `YYYY-MM-DDThh:mm:ssZ` (UTC, whole seconds), the form SPDX
//! requires, and used for CycloneDX too.

pub mod cyclonedx;
pub mod license;
pub mod native;
pub mod spdx;

use sha1::Sha1;
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

pub use crate::config::SbomFormat;

use super::model::{Inventory, Package};
use super::{cpe, purl::Purl, Sbom, SbomMetadata};
use crate::reference::ImageReference;

/// Options every format uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// Generation time (written in UTC, whole seconds).
    pub generated_at: OffsetDateTime,
    /// Tool version written into the documents.
    pub tool_version: String,
}

impl RenderOptions {
    /// Options for a document generated at `generated_at`, tool version from Cargo.
    pub fn at(generated_at: OffsetDateTime) -> Self {
        RenderOptions {
            generated_at,
            tool_version: crate::TOOL_VERSION.to_string(),
        }
    }

    /// Options for a document generated now.
    pub fn now() -> Self {
        Self::at(OffsetDateTime::now_utc())
    }

    /// The generation time as written: `2024-01-01T00:00:00Z`.
    pub fn timestamp(&self) -> String {
        let t = self.generated_at.to_offset(time::UtcOffset::UTC);
        t.format(time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        ))
        .expect("a UTC date-time always formats")
    }
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self::now()
    }
}

/// Why a document could not be written.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// A relationship names a package index the inventory does not have.
    #[error(
        "inventory relationship {from} -> {to} names a package outside the inventory ({count} packages)"
    )]
    Relationship {
        /// Dependent package index.
        from: usize,
        /// Dependency index.
        to: usize,
        /// Number of packages.
        count: usize,
    },
    /// JSON serialization failed.
    #[error("writing the {format} document: {source}")]
    Json {
        /// The format being written.
        format: SbomFormat,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
}

/// Write `inventory` as a `format` document.
pub fn render(
    inventory: &Inventory,
    format: SbomFormat,
    opts: &RenderOptions,
) -> Result<Vec<u8>, FormatError> {
    let doc = Document::prepare(inventory, opts)?;
    match format {
        SbomFormat::CycloneDxJson => cyclonedx::to_json(&doc),
        SbomFormat::CycloneDxXml => Ok(cyclonedx::to_xml(&doc)),
        SbomFormat::SpdxJson => spdx::to_json(&doc),
        SbomFormat::SpdxTagValue => Ok(spdx::to_tag_value(&doc)),
        SbomFormat::ScJson => native::to_json(&doc),
    }
}

/// Write `inventory` as a `format` document and describe it (the seeds' `SBOM`).
pub fn build_sbom(
    inventory: &Inventory,
    format: SbomFormat,
    opts: &RenderOptions,
) -> Result<Sbom, FormatError> {
    let content = render(inventory, format, opts)?;
    let digest = format!("sha256:{}", hex::encode(Sha256::digest(&content)));
    let image_digest = if inventory.image.digest.is_empty() {
        inventory.image.manifest_digest.clone()
    } else {
        inventory.image.digest.clone()
    };
    Ok(Sbom {
        format: format.as_str().to_string(),
        content,
        digest,
        image_digest,
        generated_at: opts.timestamp(),
        metadata: SbomMetadata {
            tool_name: crate::TOOL_NAME.to_string(),
            tool_version: opts.tool_version.clone(),
            package_count: inventory.packages.len(),
            format: format.as_str().to_string(),
        },
    })
}

/// Fill `purl` and `cpes` of every package where they are empty.
pub fn fill_identifiers(inventory: &mut Inventory) {
    let distro = inventory.distro.clone();
    for p in &mut inventory.packages {
        if p.purl.is_empty() {
            p.purl = Purl::for_package(p, distro.as_ref()).to_string();
        }
        if p.cpes.is_empty() {
            p.cpes = cpe::for_package(p)
                .iter()
                .map(ToString::to_string)
                .collect();
        }
    }
}

/// The image as the documents describe it.
#[derive(Debug, Clone)]
pub(crate) struct ImageMeta {
    /// Name shown (the source as given).
    pub name: String,
    /// Digest the source names (or the manifest digest).
    pub digest: String,
    /// `pkg:oci/...` purl.
    pub purl: Option<String>,
}

/// Everything the writers share, computed once.
pub(crate) struct Document<'a> {
    pub inventory: Inventory,
    pub opts: &'a RenderOptions,
    /// Per package: stable id (16 hex digits), unique within the document.
    pub ids: Vec<String>,
    /// Dependency edges (from, to), validated, sorted, unique.
    pub edges: Vec<(usize, usize)>,
    pub image: ImageMeta,
    /// SHA-256 (hex) of the filled-in inventory as sc-json serializes it.
    pub inventory_sha256: String,
}

impl<'a> Document<'a> {
    fn prepare(inventory: &Inventory, opts: &'a RenderOptions) -> Result<Self, FormatError> {
        let mut inventory = inventory.clone();
        fill_identifiers(&mut inventory);
        let count = inventory.packages.len();
        let mut edges = Vec::with_capacity(inventory.relationships.len());
        for r in &inventory.relationships {
            if r.from >= count || r.to >= count {
                return Err(FormatError::Relationship {
                    from: r.from,
                    to: r.to,
                    count,
                });
            }
            edges.push((r.from, r.to));
        }
        edges.sort_unstable();
        edges.dedup();
        let mut ids = Vec::with_capacity(count);
        let mut seen = std::collections::HashSet::new();
        for p in &inventory.packages {
            let base = package_id(p);
            let mut id = base.clone();
            let mut n = 2;
            while !seen.insert(id.clone()) {
                id = format!("{base}-{n}");
                n += 1;
            }
            ids.push(id);
        }
        let canonical = serde_json::to_vec(&inventory).map_err(|source| FormatError::Json {
            format: SbomFormat::ScJson,
            source,
        })?;
        let inventory_sha256 = hex::encode(Sha256::digest(&canonical));
        let image = image_meta(&inventory);
        Ok(Document {
            inventory,
            opts,
            ids,
            edges,
            image,
            inventory_sha256,
        })
    }

    /// Name-based UUID for this document, distinct per `purpose` (`cyclonedx`, `spdx`).
    pub fn uuid(&self, purpose: &str) -> String {
        let name = format!(
            "{purpose}|{}|{}",
            self.inventory_sha256,
            self.opts.timestamp()
        );
        uuid_v5(&sc_namespace(), name.as_bytes())
    }

    /// Packages with their ids.
    pub fn packages(&self) -> impl Iterator<Item = (&Package, &str)> {
        self.inventory
            .packages
            .iter()
            .zip(self.ids.iter().map(String::as_str))
    }
}

/// Stable package id: 16 hex digits of SHA-256 over identity and locations.
fn package_id(p: &Package) -> String {
    let mut h = Sha256::new();
    for part in [
        p.package_type.purl_type(),
        p.namespace.as_deref().unwrap_or(""),
        &p.name,
        &p.version,
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    for l in &p.locations {
        h.update(l.path.as_bytes());
        h.update([0]);
        h.update(l.layer_index.to_le_bytes());
    }
    hex::encode(&h.finalize()[..8])
}

fn image_meta(inv: &Inventory) -> ImageMeta {
    let info = &inv.image;
    let digest = if info.digest.is_empty() {
        info.manifest_digest.clone()
    } else {
        info.digest.clone()
    };
    let name = if info.source.is_empty() {
        info.reference.clone().unwrap_or_else(|| "image".into())
    } else {
        info.source.clone()
    };
    ImageMeta {
        purl: image_purl(info, &digest).map(|p| p.to_string()),
        name,
        digest,
    }
}

/// `pkg:oci/<name>@<digest>?arch=..&repository_url=..&tag=..`.
fn image_purl(info: &super::model::ImageInfo, digest: &str) -> Option<Purl> {
    let source = info
        .source
        .strip_prefix("registry:")
        .unwrap_or(&info.source);
    let is_local = ["oci:", "oci-dir:", "docker-archive:"]
        .iter()
        .any(|p| source.starts_with(p));
    let source_ref = (!is_local)
        .then(|| ImageReference::parse(source).ok())
        .flatten();
    let pinned = info
        .reference
        .as_deref()
        .and_then(|r| ImageReference::parse(r).ok());
    let (named, source_tag) = match (pinned, source_ref) {
        (Some(r), s) => (Some(r), s.and_then(|s| s.tag)),
        (None, Some(s)) => {
            let tag = s.tag.clone();
            (Some(s), tag)
        }
        (None, None) => (None, None),
    };
    let (name, repository_url, tag) = match named {
        Some(r) => {
            let tag = source_tag;
            let name = r
                .repository
                .rsplit('/')
                .next()
                .unwrap_or(&r.repository)
                .to_string();
            (name, Some(r.repository_path()), tag)
        }
        None => {
            let (path, tag) = local_source(source);
            let base = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            let mut base = base.to_string();
            for ext in [".tar.gz", ".tar.zst", ".tgz", ".tar"] {
                if let Some(b) = base.strip_suffix(ext) {
                    base = b.to_string();
                    break;
                }
            }
            (base.to_lowercase(), None, tag)
        }
    };
    if name.is_empty() {
        return None;
    }
    let mut purl = Purl::new("oci", &name).ok()?.with_version(digest);
    if let Some(arch) = info.platform.split('/').nth(1) {
        purl = purl.with_qualifier("arch", arch).ok()?;
    }
    if let Some(url) = repository_url {
        purl = purl.with_qualifier("repository_url", &url).ok()?;
    }
    if let Some(tag) = tag {
        purl = purl.with_qualifier("tag", &tag).ok()?;
    }
    Some(purl)
}

/// Path and tag of a local source (`oci:DIR[:tag]`, `docker-archive:FILE[:ref]`).
fn local_source(source: &str) -> (String, Option<String>) {
    if let Some(rest) = source
        .strip_prefix("oci:")
        .or_else(|| source.strip_prefix("oci-dir:"))
    {
        return match rest.rsplit_once(':') {
            Some((path, tag)) if !tag.is_empty() && !tag.contains('/') => {
                (path.to_string(), Some(tag.to_string()))
            }
            _ => (rest.to_string(), None),
        };
    }
    if let Some(rest) = source.strip_prefix("docker-archive:") {
        for ext in [".tar", ".tar.gz", ".tgz", ".tar.zst"] {
            if let Some(pos) = rest.find(&format!("{ext}:")) {
                let end = pos + ext.len();
                let tag = ImageReference::parse(&rest[end + 1..])
                    .ok()
                    .and_then(|r| r.tag);
                return (rest[..end].to_string(), tag);
            }
        }
        return (rest.to_string(), None);
    }
    (source.to_string(), None)
}

/// The namespace UUID of sc's name-based UUIDs: v5 of the URL `https://sc.dev/sbom`.
fn sc_namespace() -> [u8; 16] {
    const NAMESPACE_URL: [u8; 16] = [
        0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30,
        0xc8,
    ];
    uuid_v5_bytes(&NAMESPACE_URL, b"https://sc.dev/sbom")
}

fn uuid_v5_bytes(namespace: &[u8; 16], name: &[u8]) -> [u8; 16] {
    let mut h = Sha1::new();
    h.update(namespace);
    h.update(name);
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    b
}

/// RFC 9562 version-5 UUID, lowercase hyphenated.
pub(crate) fn uuid_v5(namespace: &[u8; 16], name: &[u8]) -> String {
    let b = uuid_v5_bytes(namespace, name);
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sbom::model::ImageInfo;

    #[test]
    fn uuid_v5_matches_rfc_vectors() {
        // uuid5(NAMESPACE_DNS, "python.org"), as Python's uuid module computes it
        const NAMESPACE_DNS: [u8; 16] = [
            0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4,
            0x30, 0xc8,
        ];
        assert_eq!(
            uuid_v5(&NAMESPACE_DNS, b"python.org"),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d"
        );
    }

    #[test]
    fn timestamps_are_utc_whole_seconds() {
        let t = time::macros::datetime!(2024-03-01 12:34:56.789 +02:00);
        assert_eq!(RenderOptions::at(t).timestamp(), "2024-03-01T10:34:56Z");
    }

    #[test]
    fn image_purls() {
        let mut info = ImageInfo {
            source: "nginx:1.27".into(),
            reference: Some("docker.io/library/nginx@sha256:aaaa".into()),
            digest: "sha256:abc".into(),
            platform: "linux/arm64/v8".into(),
            ..Default::default()
        };
        // the pinned reference does not parse (short digest): the source names the repository
        assert_eq!(
            image_purl(&info, "sha256:abc").unwrap().to_string(),
            "pkg:oci/nginx@sha256:abc?arch=arm64&repository_url=docker.io%2Flibrary%2Fnginx&tag=1.27"
        );
        let d = format!("sha256:{}", "a".repeat(64));
        info.reference = Some(format!("docker.io/library/nginx@{d}"));
        assert_eq!(
            image_purl(&info, &d).unwrap().to_string(),
            format!(
                "pkg:oci/nginx@{d}?arch=arm64&repository_url=docker.io%2Flibrary%2Fnginx&tag=1.27"
            )
        );
        let local = ImageInfo {
            source: "oci:fixtures/images/debian-app:v1".into(),
            platform: "linux/amd64".into(),
            ..Default::default()
        };
        assert_eq!(
            image_purl(&local, "sha256:abc").unwrap().to_string(),
            "pkg:oci/debian-app@sha256:abc?arch=amd64&tag=v1"
        );
        let archive = ImageInfo {
            source: "docker-archive:/tmp/App.tar:app:2".into(),
            ..Default::default()
        };
        assert_eq!(
            image_purl(&archive, "").unwrap().to_string(),
            "pkg:oci/app?tag=2"
        );
    }
}
