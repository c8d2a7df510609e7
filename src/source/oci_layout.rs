//! OCI image layout directories (`oci:DIR[:tag]`): `oci-layout`, `index.json`
//! and content-addressed `blobs/<alg>/<hex>`, as written by skopeo, umoci,
//! buildah and `docker save` (v25+).
//!
//! Tags are the `org.opencontainers.image.ref.name` annotations of `index.json`
//! entries. Every blob is verified against its digest and size as it is read.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use async_trait::async_trait;

use super::model::{ManifestKind, MAX_CONFIG_SIZE, MAX_MANIFEST_SIZE};
use super::{
    check_layers_match_config, parse_config, select_platform, Descriptor, ImageIndex, ImageSource,
    Platform, ResolvedImage, SourceError,
};
use crate::digest::{Digest, VerifyingReader};

const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// An OCI image layout on disk.
#[derive(Debug, Clone)]
pub struct OciLayoutSource {
    dir: PathBuf,
    tag: Option<String>,
}

impl OciLayoutSource {
    /// Open the layout at `dir`, selecting `tag` (or the only image when `None`).
    pub fn open(dir: &Path, tag: Option<&str>) -> Result<Self, SourceError> {
        let marker = dir.join("oci-layout");
        let text = std::fs::read_to_string(&marker).map_err(|e| SourceError::Io {
            path: marker.clone(),
            source: if e.kind() == std::io::ErrorKind::NotFound {
                std::io::Error::new(e.kind(), "not an OCI image layout (no oci-layout file)")
            } else {
                e
            },
        })?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| SourceError::malformed(marker.display().to_string(), e))?;
        match v.get("imageLayoutVersion").and_then(|v| v.as_str()) {
            Some(ver) if ver.starts_with("1.") => {}
            other => {
                return Err(SourceError::Unsupported {
                    what: "OCI layout version".into(),
                    detail: format!("{}: {:?}", marker.display(), other),
                })
            }
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            tag: tag.map(str::to_string),
        })
    }

    fn blob_path(&self, digest: &Digest) -> PathBuf {
        // Digest is validated (algorithm name + lowercase hex), so this cannot escape `blobs/`.
        self.dir
            .join("blobs")
            .join(digest.algorithm().as_str())
            .join(digest.hex())
    }

    fn read_small_blob(
        &self,
        desc: &Descriptor,
        max: u64,
        what: &str,
    ) -> Result<Vec<u8>, SourceError> {
        if desc.size > max {
            return Err(SourceError::malformed(
                what,
                format!(
                    "{} is {} bytes, larger than the {max}-byte limit",
                    desc.digest, desc.size
                ),
            ));
        }
        let path = self.blob_path(&desc.digest);
        let file = File::open(&path).map_err(|e| SourceError::Io {
            path: path.clone(),
            source: e,
        })?;
        let mut out = Vec::with_capacity(desc.size as usize);
        VerifyingReader::new(
            file,
            desc.digest.clone(),
            Some(desc.size),
            format!("{what} {}", desc.digest),
        )
        .read_to_end(&mut out)
        .map_err(|e| SourceError::Io { path, source: e })?;
        Ok(out)
    }

    fn read_index(&self) -> Result<ImageIndex, SourceError> {
        let path = self.dir.join("index.json");
        let meta = std::fs::metadata(&path).map_err(|e| SourceError::Io {
            path: path.clone(),
            source: e,
        })?;
        if meta.len() > MAX_MANIFEST_SIZE {
            return Err(SourceError::malformed(
                path.display().to_string(),
                "index.json is too large",
            ));
        }
        let bytes = std::fs::read(&path).map_err(|e| SourceError::Io {
            path: path.clone(),
            source: e,
        })?;
        serde_json::from_slice(&bytes)
            .map_err(|e| SourceError::malformed(path.display().to_string(), e))
    }

    fn describe_tag(&self) -> String {
        match &self.tag {
            Some(t) => format!("oci:{}:{t}", self.dir.display()),
            None => format!("oci:{}", self.dir.display()),
        }
    }
}

#[async_trait]
impl ImageSource for OciLayoutSource {
    fn describe(&self) -> String {
        self.describe_tag()
    }

    async fn resolve(&self, platform: &Platform) -> Result<ResolvedImage, SourceError> {
        let this = self.clone();
        let platform = platform.clone();
        tokio::task::spawn_blocking(move || this.resolve_blocking(&platform))
            .await
            .map_err(|e| SourceError::malformed("task", e))?
    }

    async fn open_blob(&self, desc: &Descriptor) -> Result<Box<dyn Read + Send>, SourceError> {
        let path = self.blob_path(&desc.digest);
        let file = File::open(&path).map_err(|e| SourceError::Io { path, source: e })?;
        Ok(Box::new(VerifyingReader::new(
            std::io::BufReader::with_capacity(256 * 1024, file),
            desc.digest.clone(),
            Some(desc.size),
            format!("blob {}", desc.digest),
        )))
    }
}

impl OciLayoutSource {
    fn resolve_blocking(&self, platform: &Platform) -> Result<ResolvedImage, SourceError> {
        let name = self.describe_tag();
        let index = self.read_index()?;
        let top = match &self.tag {
            Some(tag) => index
                .manifests
                .iter()
                .find(|d| d.annotation(REF_NAME) == Some(tag.as_str())),
            None if index.manifests.len() == 1 => index.manifests.first(),
            None => None,
        };
        let top = top.ok_or_else(|| {
            let names: Vec<String> = index
                .manifests
                .iter()
                .map(|d| {
                    d.annotation(REF_NAME)
                        .map(str::to_string)
                        .unwrap_or_else(|| d.digest.to_string())
                })
                .collect();
            SourceError::NotFound {
                source_name: format!("oci:{}", self.dir.display()),
                wanted: self
                    .tag
                    .clone()
                    .unwrap_or_else(|| "(no tag given and the layout holds several images)".into()),
                available: if names.is_empty() {
                    "none".into()
                } else {
                    names.join(", ")
                },
            }
        })?;
        let top_digest = top.digest.clone();
        let mut desc = top.clone();
        // Follow nested indexes (at most a few levels) down to one image manifest.
        for _ in 0..4 {
            let bytes = self.read_small_blob(&desc, MAX_MANIFEST_SIZE, "manifest")?;
            match ManifestKind::parse(&bytes, Some(&desc.media_type))
                .map_err(|e| SourceError::malformed(format!("manifest {}", desc.digest), e))?
            {
                ManifestKind::Index(idx) => {
                    desc = select_platform(&idx, platform, &name)?.clone();
                }
                ManifestKind::Image(manifest) => {
                    let config_bytes =
                        self.read_small_blob(&manifest.config, MAX_CONFIG_SIZE, "config")?;
                    let (config, platform) =
                        parse_config(&config_bytes, &manifest.config.digest.to_string())?;
                    check_layers_match_config(&manifest, &config, &name)?;
                    return Ok(ResolvedImage {
                        source: name,
                        reference: None,
                        top_digest,
                        manifest_digest: desc.digest.clone(),
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
}
