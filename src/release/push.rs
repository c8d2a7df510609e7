//! Pushing a local image (an OCI layout or a docker-archive) to the release's
//! registry, so that it can be signed and attested there: blobs first, then the
//! manifest under the release tag. Re-pushing the same image is a no-op for
//! blobs the registry already has, and yields the same digest.

use std::io::Read;

use crate::reference::ImageReference;
use crate::registry::{RegistryClient, RegistryError};
use crate::source::model::{MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_TYPE_OCI_MANIFEST};
use crate::source::{Descriptor, ImageSource, Platform, SourceError, SourceSpec};

/// Why an image could not be pushed.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The local image could not be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The registry refused or failed.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// A blob could not be read.
    #[error("reading {what}: {source}")]
    Read {
        /// The blob.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
}

async fn read_blob(src: &dyn ImageSource, desc: &Descriptor) -> Result<Vec<u8>, PushError> {
    let reader = src.open_blob(desc).await?;
    let what = format!("blob {} of {}", desc.digest, src.describe());
    tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        let mut reader = reader;
        reader.read_to_end(&mut out).map(|_| out)
    })
    .await
    .map_err(|e| PushError::Read {
        what: what.clone(),
        source: std::io::Error::other(e),
    })?
    .map_err(|source| PushError::Read { what, source })
}

/// Push the image `spec` names (`platform` selected from an index) to `target`
/// (a reference with a tag) and return `target` pinned to the pushed manifest digest.
///
/// An OCI layout's manifest is pushed byte for byte, so the digest is the
/// layout's; a docker-archive holds no manifest, so one is written (Docker
/// schema 2) with the blobs' actual digests and sizes.
pub async fn push_local_image(
    client: &RegistryClient,
    spec: &SourceSpec,
    platform: &Platform,
    target: &ImageReference,
) -> Result<ImageReference, PushError> {
    let src = crate::source::open(spec, &crate::source::OpenOptions { registry: None })?;
    let image = src.resolve(platform).await?;
    let mut layers = Vec::with_capacity(image.manifest.layers.len());
    for layer in &image.manifest.layers {
        let bytes = read_blob(src.as_ref(), layer).await?;
        let size = bytes.len() as u64;
        let digest = client.push_blob(target, bytes).await?;
        let mut d = layer.clone();
        d.digest = digest;
        d.size = size;
        layers.push(d);
    }
    let config_digest = client.push_blob(target, image.config_bytes.clone()).await?;
    let (body, media_type) = match spec {
        SourceSpec::OciLayout { dir, .. } => {
            let media_type = image
                .manifest
                .media_type
                .clone()
                .unwrap_or_else(|| MEDIA_TYPE_OCI_MANIFEST.to_string());
            let d = &image.manifest_digest;
            let path = dir.join("blobs").join(d.algorithm().as_str()).join(d.hex());
            let raw = std::fs::read(&path).map_err(|source| PushError::Read {
                what: path.display().to_string(),
                source,
            })?;
            let actual = d.compute_like(&raw);
            if &actual != d {
                return Err(PushError::Read {
                    what: path.display().to_string(),
                    source: std::io::Error::other(format!("digest is {actual}, expected {d}")),
                });
            }
            (raw, media_type)
        }
        _ => {
            let mut manifest = image.manifest.clone();
            manifest.media_type = Some(MEDIA_TYPE_DOCKER_MANIFEST.to_string());
            manifest.config.digest = config_digest;
            manifest.config.size = image.config_bytes.len() as u64;
            manifest.layers = layers;
            let body = serde_json::to_vec(&manifest).map_err(|e| PushError::Read {
                what: "manifest".into(),
                source: std::io::Error::other(e),
            })?;
            (body, MEDIA_TYPE_DOCKER_MANIFEST.to_string())
        }
    };
    let digest = client.push_manifest(target, body, &media_type).await?;
    Ok(target.with_digest(digest))
}
