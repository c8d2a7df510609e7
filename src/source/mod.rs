//! Image sources: where an image's manifest, config and layers come from.
//!
//! One trait, [`ImageSource`], three implementations:
//! - a registry (`REF` or `registry:REF`), through [`crate::registry`];
//! - an OCI image layout directory (`oci:DIR[:tag]`, also `oci-dir:`);
//! - a docker-archive tarball as written by `docker save` / skopeo (`docker-archive:FILE[:ref]`).
//!
//! [`ImageSource::resolve`] turns the source into one platform's image
//! ([`ResolvedImage`]): manifest and config read and digest-checked, index
//! resolved to `--platform` (default `linux/amd64`). [`ImageSource::open_blob`]
//! returns a blob as a stream that fails at end of stream unless it matches its
//! descriptor's digest and size; [`open_layer`] adds decompression and the
//! `diff_id` check. Nothing is written to disk.

mod docker_archive;
pub mod model;
mod oci_layout;
mod registry;

use std::fmt;
use std::io::Read;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;

pub use docker_archive::DockerArchiveSource;
pub use model::{Descriptor, ImageConfig, ImageIndex, ImageManifest, ManifestKind, Platform};
pub use oci_layout::OciLayoutSource;
pub use registry::RegistrySource;

use crate::digest::Digest;
use crate::layers::{self, Compression, LayerLimits};
use crate::reference::{ImageReference, ReferenceError};
use crate::registry::{RegistryClient, RegistryError};

/// Errors reading an image from a source.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The source string is not understood.
    #[error("invalid image source '{input}': {reason}")]
    Spec {
        /// The input.
        input: String,
        /// Why.
        reason: String,
    },
    /// A registry reference could not be parsed.
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    /// Registry access failed.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// A file of a layout or archive could not be read.
    #[error("{}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A manifest, index or config is malformed.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// Which document.
        what: String,
        /// Why.
        reason: String,
    },
    /// Content did not match its digest.
    #[error(transparent)]
    Verify(#[from] crate::digest::VerifyError),
    /// The tag or reference is not in the layout/archive.
    #[error("{source_name}: no image named '{wanted}' (available: {available})")]
    NotFound {
        /// The source.
        source_name: String,
        /// What was asked for.
        wanted: String,
        /// What is there.
        available: String,
    },
    /// An index has no manifest for the requested platform.
    #[error("{source_name}: no image for platform {platform} (available: {available})")]
    NoPlatform {
        /// The source.
        source_name: String,
        /// Requested platform (`os/arch[/variant]`).
        platform: String,
        /// Platforms in the index.
        available: String,
    },
    /// A content type `sc` does not handle.
    #[error("unsupported {what}: {detail}")]
    Unsupported {
        /// What.
        what: String,
        /// Detail.
        detail: String,
    },
}

impl SourceError {
    pub(crate) fn malformed(what: impl Into<String>, reason: impl fmt::Display) -> Self {
        SourceError::Malformed {
            what: what.into(),
            reason: reason.to_string(),
        }
    }
}

/// Where to read an image from, as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A registry reference.
    Registry(ImageReference),
    /// An OCI image layout directory and optional tag (`org.opencontainers.image.ref.name`).
    OciLayout {
        /// Layout directory (holds `oci-layout`, `index.json`, `blobs/`).
        dir: PathBuf,
        /// Tag to select, if any.
        tag: Option<String>,
    },
    /// A docker-archive tarball and an optional `RepoTags` entry to select.
    DockerArchive {
        /// The tar file.
        path: PathBuf,
        /// Reference to select, if any.
        reference: Option<String>,
    },
}

impl SourceSpec {
    /// Short scheme name for messages: `registry`, `oci`, `docker-archive`.
    pub fn scheme(&self) -> &'static str {
        match self {
            SourceSpec::Registry(_) => "registry",
            SourceSpec::OciLayout { .. } => "oci",
            SourceSpec::DockerArchive { .. } => "docker-archive",
        }
    }
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceSpec::Registry(r) => write!(f, "{r}"),
            SourceSpec::OciLayout { dir, tag } => {
                write!(f, "oci:{}", dir.display())?;
                if let Some(t) = tag {
                    write!(f, ":{t}")?;
                }
                Ok(())
            }
            SourceSpec::DockerArchive { path, reference } => {
                write!(f, "docker-archive:{}", path.display())?;
                if let Some(r) = reference {
                    write!(f, ":{r}")?;
                }
                Ok(())
            }
        }
    }
}

impl FromStr for SourceSpec {
    type Err = SourceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let spec_err = |reason: &str| SourceError::Spec {
            input: s.to_string(),
            reason: reason.to_string(),
        };
        if let Some(rest) = s
            .strip_prefix("oci:")
            .or_else(|| s.strip_prefix("oci-dir:"))
        {
            if rest.is_empty() {
                return Err(spec_err("missing layout directory after 'oci:'"));
            }
            // oci:DIR[:ref], as skopeo reads it: the directory ends at the first ':'
            // and the rest is the reference name (which may itself hold ':' and '/',
            // as `org.opencontainers.image.ref.name` values like `app:v1` do).
            let (dir, tag) = match rest.split_once(':') {
                Some((d, t)) if !d.is_empty() => {
                    if t.is_empty() {
                        return Err(spec_err("empty tag after ':'"));
                    }
                    (d, Some(t.to_string()))
                }
                _ => (rest, None),
            };
            return Ok(SourceSpec::OciLayout {
                dir: PathBuf::from(dir),
                tag,
            });
        }
        if let Some(rest) = s.strip_prefix("docker-archive:") {
            if rest.is_empty() {
                return Err(spec_err("missing file after 'docker-archive:'"));
            }
            // docker-archive:FILE[:ref] — the reference part may itself contain ':'
            // (name:tag), so split at the first ':' that follows an existing-looking
            // file name ending (.tar, .tar.gz, ...), else take the whole as the path.
            let (path, reference) = split_archive_spec(rest);
            return Ok(SourceSpec::DockerArchive {
                path: PathBuf::from(path),
                reference: reference.map(str::to_string),
            });
        }
        let reference = s
            .strip_prefix("registry:")
            .or_else(|| s.strip_prefix("docker://"))
            .unwrap_or(s);
        if let Some((scheme, _)) = reference.split_once(':') {
            if [
                "dir",
                "docker-daemon",
                "containers-storage",
                "oci-archive",
                "podman",
                "file",
            ]
            .contains(&scheme)
            {
                return Err(spec_err(&format!(
                    "source type '{scheme}:' is not supported (use a registry reference, oci:DIR[:tag] or docker-archive:FILE)"
                )));
            }
        }
        Ok(SourceSpec::Registry(reference.parse()?))
    }
}

fn split_archive_spec(rest: &str) -> (&str, Option<&str>) {
    for ext in [".tar", ".tar.gz", ".tgz", ".tar.zst"] {
        if let Some(pos) = rest.find(&format!("{ext}:")) {
            let end = pos + ext.len();
            return (&rest[..end], Some(&rest[end + 1..]));
        }
    }
    (rest, None)
}

/// One platform's image, resolved and verified.
#[derive(Debug, Clone)]
pub struct ResolvedImage {
    /// Human description of the source (`oci:fixtures/x:tag`, a registry reference).
    pub source: String,
    /// Registry reference pinned to the manifest digest, for registry sources.
    pub reference: Option<ImageReference>,
    /// Digest of the top-level manifest or index the source names (what `sc image digest` prints).
    pub top_digest: Digest,
    /// Digest of the platform's image manifest. For a docker-archive, which holds
    /// no manifest, this is the digest of the config (the Docker image ID).
    pub manifest_digest: Digest,
    /// The image manifest. For a docker-archive it is synthesized from `manifest.json`.
    pub manifest: ImageManifest,
    /// Raw config bytes (digest-checked).
    pub config_bytes: Vec<u8>,
    /// Parsed config.
    pub config: ImageConfig,
    /// Platform of the image (from its config).
    pub platform: Platform,
}

impl ResolvedImage {
    /// Layers with their diff IDs, base first.
    pub fn layers(&self) -> Vec<LayerInfo> {
        self.manifest
            .layers
            .iter()
            .enumerate()
            .map(|(i, d)| LayerInfo {
                index: i,
                descriptor: d.clone(),
                diff_id: self.config.rootfs.diff_ids.get(i).cloned(),
            })
            .collect()
    }

    /// The image ID: digest of the config blob.
    pub fn image_id(&self) -> &Digest {
        &self.manifest.config.digest
    }
}

/// A layer of a resolved image.
#[derive(Debug, Clone)]
pub struct LayerInfo {
    /// Position, 0 = base.
    pub index: usize,
    /// The blob descriptor.
    pub descriptor: Descriptor,
    /// Digest of the uncompressed tar, from the config.
    pub diff_id: Option<Digest>,
}

/// A place images are read from.
#[async_trait]
pub trait ImageSource: Send + Sync {
    /// Human description (`oci:DIR:tag`, `docker-archive:FILE`, a reference).
    fn describe(&self) -> String;

    /// Read the manifest (resolving an index to `platform`) and config, verifying digests.
    async fn resolve(&self, platform: &Platform) -> Result<ResolvedImage, SourceError>;

    /// Open a blob for reading. The returned reader fails with `InvalidData` at end
    /// of stream when the content does not match `desc` (digest, size). For registry
    /// sources the reader blocks on the network: use it from a blocking thread
    /// (`tokio::task::spawn_blocking`), not from async code.
    async fn open_blob(&self, desc: &Descriptor) -> Result<Box<dyn Read + Send>, SourceError>;

    /// Whether `open_blob` verifies the descriptor digest of layers. A docker-archive
    /// stores layers by diff ID, so it relies on the `diff_id` check instead.
    fn verifies_layer_blobs(&self) -> bool {
        true
    }
}

/// Open one layer as its uncompressed tar stream: blob digest verified, then
/// decompressed, bounded by `limits`, and checked against the config's `diff_id`
/// when `check_diff_id` is set or the source cannot verify the blob itself.
pub async fn open_layer(
    source: &dyn ImageSource,
    layer: &LayerInfo,
    limits: LayerLimits,
    check_diff_id: bool,
) -> Result<Box<dyn Read + Send>, SourceError> {
    let blob = source.open_blob(&layer.descriptor).await?;
    let diff_id = if check_diff_id || !source.verifies_layer_blobs() {
        layer.diff_id.clone()
    } else {
        None
    };
    let what = layer.descriptor.digest.to_string();
    layers::decompress(
        blob,
        Compression::from_media_type(&layer.descriptor.media_type),
        diff_id,
        limits,
        &what,
    )
    .map_err(|e| SourceError::Io {
        path: PathBuf::from(what),
        source: e,
    })
}

/// Options for opening sources.
#[derive(Clone, Default)]
pub struct OpenOptions {
    /// Registry client used for registry sources (created with defaults when absent).
    pub registry: Option<Arc<RegistryClient>>,
}

/// Open the source a spec names.
pub fn open(spec: &SourceSpec, options: &OpenOptions) -> Result<Box<dyn ImageSource>, SourceError> {
    Ok(match spec {
        SourceSpec::Registry(r) => {
            let client = match &options.registry {
                Some(c) => c.clone(),
                None => Arc::new(RegistryClient::new(Default::default())?),
            };
            Box::new(RegistrySource::new(client, r.clone()))
        }
        SourceSpec::OciLayout { dir, tag } => Box::new(OciLayoutSource::open(dir, tag.as_deref())?),
        SourceSpec::DockerArchive { path, reference } => {
            Box::new(DockerArchiveSource::open(path, reference.as_deref())?)
        }
    })
}

/// Choose the manifest for `platform` from an index.
pub fn select_platform<'a>(
    index: &'a ImageIndex,
    platform: &Platform,
    source_name: &str,
) -> Result<&'a Descriptor, SourceError> {
    let candidates: Vec<&Descriptor> = index
        .manifests
        .iter()
        .filter(|d| {
            // Skip attestation manifests (buildkit marks them with platform unknown/unknown).
            d.annotation("vnd.docker.reference.type") != Some("attestation-manifest")
        })
        .collect();
    if let Some(found) = candidates
        .iter()
        .find(|d| {
            d.platform
                .as_ref()
                .is_some_and(|p| platform.matches(p) && p.variant == platform.variant)
        })
        .or_else(|| {
            candidates
                .iter()
                .find(|d| d.platform.as_ref().is_some_and(|p| platform.matches(p)))
        })
    {
        return Ok(found);
    }
    let available: Vec<String> = candidates
        .iter()
        .map(|d| {
            d.platform
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_else(|| "unspecified".into())
        })
        .collect();
    Err(SourceError::NoPlatform {
        source_name: source_name.to_string(),
        platform: platform.to_string(),
        available: if available.is_empty() {
            "none".into()
        } else {
            available.join(", ")
        },
    })
}

/// Parse a config blob and derive its platform.
pub(crate) fn parse_config(
    bytes: &[u8],
    what: &str,
) -> Result<(ImageConfig, Platform), SourceError> {
    let config: ImageConfig = serde_json::from_slice(bytes)
        .map_err(|e| SourceError::malformed(format!("image config {what}"), e))?;
    let platform = Platform {
        architecture: config.architecture.clone(),
        os: config.os.clone(),
        variant: config.variant.clone(),
        os_version: None,
    };
    Ok((config, platform))
}

/// Check that the image's layers and config agree (one diff ID per layer).
pub(crate) fn check_layers_match_config(
    manifest: &ImageManifest,
    config: &ImageConfig,
    what: &str,
) -> Result<(), SourceError> {
    if !config.rootfs.diff_ids.is_empty() && config.rootfs.diff_ids.len() != manifest.layers.len() {
        return Err(SourceError::malformed(
            what.to_string(),
            format!(
                "manifest lists {} layers but config lists {} diff_ids",
                manifest.layers.len(),
                config.rootfs.diff_ids.len()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_source_specs() {
        assert_eq!(
            "oci:fixtures/img:v1".parse::<SourceSpec>().unwrap(),
            SourceSpec::OciLayout {
                dir: "fixtures/img".into(),
                tag: Some("v1".into())
            }
        );
        assert_eq!(
            "oci:fixtures/img".parse::<SourceSpec>().unwrap(),
            SourceSpec::OciLayout {
                dir: "fixtures/img".into(),
                tag: None
            }
        );
        assert_eq!(
            "oci:layout:sc-test:bookworm".parse::<SourceSpec>().unwrap(),
            SourceSpec::OciLayout {
                dir: "layout".into(),
                tag: Some("sc-test:bookworm".into())
            }
        );
        assert_eq!(
            "oci-dir:/tmp/x".parse::<SourceSpec>().unwrap(),
            SourceSpec::OciLayout {
                dir: "/tmp/x".into(),
                tag: None
            }
        );
        assert_eq!(
            "docker-archive:img.tar".parse::<SourceSpec>().unwrap(),
            SourceSpec::DockerArchive {
                path: "img.tar".into(),
                reference: None
            }
        );
        assert_eq!(
            "docker-archive:a/img.tar:app:1"
                .parse::<SourceSpec>()
                .unwrap(),
            SourceSpec::DockerArchive {
                path: "a/img.tar".into(),
                reference: Some("app:1".into())
            }
        );
        match "localhost:5000/app:1".parse::<SourceSpec>().unwrap() {
            SourceSpec::Registry(r) => assert_eq!(r.registry, "localhost:5000"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            "registry:nginx".parse::<SourceSpec>().unwrap(),
            SourceSpec::Registry(_)
        ));
        assert!("oci:".parse::<SourceSpec>().is_err());
        let e = "docker-daemon:nginx".parse::<SourceSpec>().unwrap_err();
        assert!(e.to_string().contains("not supported"), "{e}");
    }

    #[test]
    fn spec_display_round_trips() {
        for s in [
            "oci:fixtures/img:v1",
            "docker-archive:a.tar:app:1",
            "oci:dir",
        ] {
            assert_eq!(s.parse::<SourceSpec>().unwrap().to_string(), s);
        }
    }
}
