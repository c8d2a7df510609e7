//! docker-archive tarballs (`docker-archive:FILE[:ref]`), as written by
//! `docker save`, `skopeo copy ... docker-archive:` and `podman save`.
//!
//! The tar is indexed once (entry headers only; data is skipped with seeks) and
//! entries are then read in place: nothing is extracted. The archive holds no
//! registry manifest, so one is synthesized from `manifest.json`; the image is
//! identified by its config digest (the Docker image ID). Layers stored under
//! content-addressed names (`blobs/sha256/<hex>`, Docker 25+) are verified
//! against that digest; legacy names are verified through their `diff_id`.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;

use super::model::{MAX_CONFIG_SIZE, MEDIA_TYPE_DOCKER_CONFIG, MEDIA_TYPE_DOCKER_MANIFEST};
use super::{
    check_layers_match_config, parse_config, Descriptor, ImageManifest, ImageSource, Platform,
    ResolvedImage, SourceError,
};
use crate::digest::{Digest, VerifyingReader};
use crate::layers::Compression;

/// Where an entry's data lies in the archive.
#[derive(Debug, Clone, Copy)]
struct Entry {
    offset: u64,
    size: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ArchiveManifestEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

/// A docker-archive tarball.
#[derive(Debug, Clone)]
pub struct DockerArchiveSource {
    path: PathBuf,
    reference: Option<String>,
    entries: Arc<HashMap<String, Entry>>,
    /// Blob digest (as used in the synthesized manifest) → entry name, and whether the name proves the digest.
    blobs: Arc<std::sync::Mutex<HashMap<Digest, (String, bool)>>>,
}

fn normalize_name(name: &str) -> String {
    name.trim_start_matches("./").to_string()
}

/// Digest encoded in a content-addressed entry name (`blobs/sha256/<hex>` or `<hex>.json`/`<hex>.tar`).
fn digest_from_name(name: &str) -> Option<(Digest, bool)> {
    if let Some(rest) = name.strip_prefix("blobs/") {
        let (alg, hex) = rest.split_once('/')?;
        return Some((format!("{alg}:{hex}").parse().ok()?, true));
    }
    let stem = name
        .strip_suffix(".json")
        .or_else(|| name.strip_suffix(".tar"))?;
    Some((format!("sha256:{stem}").parse().ok()?, false))
}

impl DockerArchiveSource {
    /// Index the archive at `path`; `reference` selects an image by one of its `RepoTags`.
    pub fn open(path: &Path, reference: Option<&str>) -> Result<Self, SourceError> {
        let io_err = |e: std::io::Error| SourceError::Io {
            path: path.to_path_buf(),
            source: e,
        };
        let mut file = File::open(path).map_err(io_err)?;
        let mut head = [0u8; 4];
        let n = file.read(&mut head).map_err(io_err)?;
        if let c @ (Compression::Gzip | Compression::Zstd) = Compression::sniff(&head[..n]) {
            return Err(SourceError::Unsupported {
                what: "compressed docker-archive".into(),
                detail: format!(
                    "{} is {c:?}-compressed; sc reads archives in place and needs the plain tar (decompress it first, e.g. `gunzip -k` or `zstd -d`)",
                    path.display()
                ),
            });
        }
        file.seek(SeekFrom::Start(0)).map_err(io_err)?;
        let mut archive = tar::Archive::new(BufReader::new(file));
        let mut entries = HashMap::new();
        for entry in archive.entries_with_seek().map_err(io_err)? {
            let entry = entry.map_err(|e| {
                SourceError::malformed(format!("docker-archive {}", path.display()), e)
            })?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let name = normalize_name(&String::from_utf8_lossy(&entry.path_bytes()));
            entries.insert(
                name,
                Entry {
                    offset: entry.raw_file_position(),
                    size: entry.size(),
                },
            );
        }
        if !entries.contains_key("manifest.json") {
            return Err(SourceError::malformed(
                format!("docker-archive {}", path.display()),
                "no manifest.json (is this a docker-archive written by docker save or skopeo?)",
            ));
        }
        Ok(Self {
            path: path.to_path_buf(),
            reference: reference.map(str::to_string),
            entries: Arc::new(entries),
            blobs: Arc::default(),
        })
    }

    fn open_entry(&self, name: &str) -> Result<(std::io::Take<BufReader<File>>, u64), SourceError> {
        let entry = *self.entries.get(name).ok_or_else(|| {
            SourceError::malformed(
                format!("docker-archive {}", self.path.display()),
                format!("manifest.json names '{name}', which is not in the archive"),
            )
        })?;
        let io_err = |e: std::io::Error| SourceError::Io {
            path: self.path.clone(),
            source: e,
        };
        let mut file = File::open(&self.path).map_err(io_err)?;
        file.seek(SeekFrom::Start(entry.offset)).map_err(io_err)?;
        Ok((
            BufReader::with_capacity(256 * 1024, file).take(entry.size),
            entry.size,
        ))
    }

    fn read_entry(&self, name: &str, max: u64) -> Result<Vec<u8>, SourceError> {
        let (mut r, size) = self.open_entry(name)?;
        if size > max {
            return Err(SourceError::malformed(
                name,
                format!("{size} bytes exceeds the {max}-byte limit"),
            ));
        }
        let mut out = Vec::with_capacity(size as usize);
        r.read_to_end(&mut out).map_err(|e| SourceError::Io {
            path: self.path.clone(),
            source: e,
        })?;
        if out.len() as u64 != size {
            return Err(SourceError::malformed(name, "archive is truncated"));
        }
        Ok(out)
    }

    fn describe_inner(&self) -> String {
        match &self.reference {
            Some(r) => format!("docker-archive:{}:{r}", self.path.display()),
            None => format!("docker-archive:{}", self.path.display()),
        }
    }

    fn resolve_blocking(&self) -> Result<ResolvedImage, SourceError> {
        let name = self.describe_inner();
        let manifest_bytes = self.read_entry("manifest.json", MAX_CONFIG_SIZE)?;
        let images: Vec<ArchiveManifestEntry> = serde_json::from_slice(&manifest_bytes)
            .map_err(|e| SourceError::malformed(format!("{name} manifest.json"), e))?;
        let chosen = match &self.reference {
            Some(wanted) => {
                let wanted_norm = wanted.parse::<crate::reference::ImageReference>().ok();
                images.iter().find(|img| {
                    img.repo_tags.iter().flatten().any(|t| {
                        t == wanted
                            || (wanted_norm.is_some()
                                && t.parse::<crate::reference::ImageReference>().ok()
                                    == wanted_norm)
                    })
                })
            }
            None if images.len() == 1 => images.first(),
            None => None,
        };
        let chosen = chosen.ok_or_else(|| SourceError::NotFound {
            source_name: format!("docker-archive:{}", self.path.display()),
            wanted: self.reference.clone().unwrap_or_else(|| {
                "(no reference given and the archive holds several images)".into()
            }),
            available: images
                .iter()
                .flat_map(|i| i.repo_tags.iter().flatten().cloned())
                .collect::<Vec<_>>()
                .join(", "),
        })?;

        let config_name = normalize_name(&chosen.config);
        let config_bytes = self.read_entry(&config_name, MAX_CONFIG_SIZE)?;
        let config_digest = Digest::sha256_of(&config_bytes);
        if let Some((named, _)) = digest_from_name(&config_name) {
            if named.algorithm() == config_digest.algorithm() && named != config_digest {
                return Err(crate::digest::VerifyError::Mismatch {
                    what: format!("config {config_name} in {name}"),
                    expected: named,
                    actual: config_digest,
                }
                .into());
            }
        }
        let (config, platform) = parse_config(&config_bytes, &config_name)?;

        let mut layers = Vec::with_capacity(chosen.layers.len());
        let mut blobs = HashMap::new();
        for (i, layer_name) in chosen.layers.iter().enumerate() {
            let layer_name = normalize_name(layer_name);
            let (mut r, size) = self.open_entry(&layer_name)?;
            let mut head = [0u8; 4];
            let n = r.read(&mut head).map_err(|e| SourceError::Io {
                path: self.path.clone(),
                source: e,
            })?;
            let media_type = match Compression::sniff(&head[..n]) {
                Compression::Gzip => "application/vnd.docker.image.rootfs.diff.tar.gzip",
                Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
                Compression::None => "application/vnd.docker.image.rootfs.diff.tar",
            };
            let (digest, proven) = match digest_from_name(&layer_name) {
                Some((d, true)) => (d, true),
                _ => match config.rootfs.diff_ids.get(i) {
                    Some(d) => (d.clone(), false),
                    None => {
                        return Err(SourceError::malformed(
                            &name,
                            format!("layer {layer_name} has no diff_id in the config"),
                        ))
                    }
                },
            };
            blobs.insert(digest.clone(), (layer_name.clone(), proven));
            layers.push(Descriptor::new(media_type, digest, size));
        }
        blobs.insert(config_digest.clone(), (config_name, true));
        *self.blobs.lock().expect("blob map lock") = blobs;

        let manifest = ImageManifest {
            schema_version: 2,
            media_type: Some(MEDIA_TYPE_DOCKER_MANIFEST.into()),
            config: Descriptor::new(
                MEDIA_TYPE_DOCKER_CONFIG,
                config_digest.clone(),
                config_bytes.len() as u64,
            ),
            layers,
            subject: None,
            artifact_type: None,
            annotations: None,
        };
        check_layers_match_config(&manifest, &config, &name)?;
        Ok(ResolvedImage {
            source: name,
            reference: None,
            top_digest: config_digest.clone(),
            manifest_digest: config_digest,
            manifest,
            config_bytes,
            config,
            platform,
        })
    }
}

#[async_trait]
impl ImageSource for DockerArchiveSource {
    fn describe(&self) -> String {
        self.describe_inner()
    }

    async fn resolve(&self, _platform: &Platform) -> Result<ResolvedImage, SourceError> {
        // An archive holds one image; like a single-platform manifest, it is taken as is.
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.resolve_blocking())
            .await
            .map_err(|e| SourceError::malformed("task", e))?
    }

    async fn open_blob(&self, desc: &Descriptor) -> Result<Box<dyn Read + Send>, SourceError> {
        let found = self
            .blobs
            .lock()
            .expect("blob map lock")
            .get(&desc.digest)
            .cloned();
        let (name, proven) = found.ok_or_else(|| SourceError::NotFound {
            source_name: self.describe_inner(),
            wanted: desc.digest.to_string(),
            available: "the blobs of the resolved image (call resolve first)".into(),
        })?;
        let (reader, size) = self.open_entry(&name)?;
        if proven {
            Ok(Box::new(VerifyingReader::new(
                reader,
                desc.digest.clone(),
                Some(size),
                format!("{name} in {}", self.path.display()),
            )))
        } else {
            Ok(Box::new(reader))
        }
    }

    fn verifies_layer_blobs(&self) -> bool {
        false
    }
}
