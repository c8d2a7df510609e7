//! Registry images (`REF`, `registry:REF`): manifests and blobs over the
//! distribution API through [`RegistryClient`].

use std::io::Read;
use std::sync::Arc;

use async_trait::async_trait;

use super::model::{ManifestKind, MAX_CONFIG_SIZE};
use super::{
    check_layers_match_config, parse_config, select_platform, Descriptor, ImageSource, Platform,
    ResolvedImage, SourceError,
};
use crate::reference::ImageReference;
use crate::registry::RegistryClient;

/// An image in a registry.
#[derive(Debug, Clone)]
pub struct RegistrySource {
    client: Arc<RegistryClient>,
    reference: ImageReference,
}

impl RegistrySource {
    /// An image at `reference`, accessed through `client`.
    pub fn new(client: Arc<RegistryClient>, reference: ImageReference) -> Self {
        Self { client, reference }
    }

    /// The reference.
    pub fn reference(&self) -> &ImageReference {
        &self.reference
    }
}

#[async_trait]
impl ImageSource for RegistrySource {
    fn describe(&self) -> String {
        self.reference.full_string()
    }

    async fn resolve(&self, platform: &Platform) -> Result<ResolvedImage, SourceError> {
        let (bytes, top_digest, media_type) = self.client.fetch_manifest(&self.reference).await?;
        let name = self.describe();
        let mut manifest_ref = self.reference.with_digest(top_digest.clone());
        let mut kind = ManifestKind::parse(&bytes, Some(&media_type))
            .map_err(|e| SourceError::malformed(format!("manifest of {name}"), e))?;
        for _ in 0..4 {
            match kind {
                ManifestKind::Index(index) => {
                    let chosen = select_platform(&index, platform, &name)?;
                    manifest_ref = self.reference.with_digest(chosen.digest.clone());
                    let (bytes, _, media_type) = self.client.fetch_manifest(&manifest_ref).await?;
                    kind = ManifestKind::parse(&bytes, Some(&media_type)).map_err(|e| {
                        SourceError::malformed(format!("manifest {}", chosen.digest), e)
                    })?;
                }
                ManifestKind::Image(manifest) => {
                    let config_bytes = self
                        .client
                        .fetch_blob(&self.reference, &manifest.config, MAX_CONFIG_SIZE)
                        .await?;
                    let (config, platform) =
                        parse_config(&config_bytes, &manifest.config.digest.to_string())?;
                    check_layers_match_config(&manifest, &config, &name)?;
                    let manifest_digest = manifest_ref.digest.clone().expect("pinned above");
                    return Ok(ResolvedImage {
                        source: name,
                        reference: Some(manifest_ref),
                        top_digest,
                        manifest_digest,
                        manifest: *manifest,
                        config_bytes,
                        config,
                        platform,
                    });
                }
            }
        }
        Err(SourceError::malformed(
            name,
            "image indexes nested too deeply",
        ))
    }

    async fn open_blob(&self, desc: &Descriptor) -> Result<Box<dyn Read + Send>, SourceError> {
        Ok(self.client.blob_reader(&self.reference, desc).await?)
    }
}
