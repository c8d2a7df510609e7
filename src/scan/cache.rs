//! Result cache (the seeds' `cache.go`): what reading an image's layers
//! produced, so a re-run on the same image skips it.
//!
//! - scan results: matches of an image against a database, keyed by the
//!   image's manifest digest, the scope, and the database's identity (build
//!   time and record count);
//! - SBOMs: the rendered document, keyed by the manifest digest, the scope, the
//!   format and the `sc` version (a new cataloger is a new key).
//!
//! Writes are atomic (temp file + rename); an unreadable or corrupt entry (bad
//! JSON, another format version, an SBOM whose bytes do not match the recorded
//! SHA-256) is ignored, removed and recomputed.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::scan::Finding;

/// What is cached for one (image, scope, database).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CachedMatches {
    /// Format version of the entry.
    pub version: u32,
    /// Findings before policy.
    pub findings: Vec<Finding>,
    /// Matcher warnings.
    pub warnings: Vec<String>,
}

const VERSION: u32 = 1;

/// A cached SBOM document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CachedSbom {
    /// Format version of the entry.
    pub version: u32,
    /// SBOM format (`cyclonedx-json`, ...).
    pub format: String,
    /// Packages listed.
    pub package_count: usize,
    /// `sha256:<hex>` of `content`, checked on every read.
    pub sha256: String,
    /// The document (every SBOM format sc writes is text).
    pub content: String,
    /// When it was generated (RFC 3339).
    pub generated_at: String,
}

impl CachedSbom {
    /// An entry for `content`, with its checksum.
    pub fn new(format: &str, package_count: usize, content: String, generated_at: String) -> Self {
        CachedSbom {
            version: VERSION,
            format: format.to_string(),
            package_count,
            sha256: format!("sha256:{}", hex::encode(Sha256::digest(content.as_bytes()))),
            content,
            generated_at,
        }
    }

    fn is_intact(&self) -> bool {
        self.version == VERSION
            && self.sha256
                == format!(
                    "sha256:{}",
                    hex::encode(Sha256::digest(self.content.as_bytes()))
                )
    }
}

/// A directory of cached scan results.
#[derive(Debug, Clone)]
pub struct ScanCache {
    dir: PathBuf,
}

impl ScanCache {
    /// A cache in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The default location: `$XDG_CACHE_HOME/sc/scan-results` or `~/.cache/sc/scan-results`.
    pub fn default_location() -> Option<Self> {
        let db = crate::vulndb::location::cache_dir()?;
        Some(Self::new(db.parent()?.join("scan-results")))
    }

    /// The key of an (image manifest, scope, database) triple.
    pub fn key(manifest_digest: &str, scope: &str, db_built_at: &str, db_records: usize) -> String {
        let h = Sha256::digest(format!(
            "v{VERSION}|{manifest_digest}|{scope}|{db_built_at}|{db_records}"
        ));
        hex::encode(h)
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key of an SBOM of an (image manifest, scope, format), for this `sc` version.
    pub fn sbom_key(manifest_digest: &str, scope: &str, format: &str) -> String {
        let h = Sha256::digest(format!(
            "v{VERSION}|sbom|{}|{manifest_digest}|{scope}|{format}",
            crate::TOOL_VERSION
        ));
        hex::encode(h)
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    fn sbom_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("sbom-{key}.json"))
    }

    /// Read an entry; a missing one is `None`, a corrupt one (per `intact`) is removed.
    fn read<T: serde::de::DeserializeOwned>(
        &self,
        path: &Path,
        intact: impl Fn(&T) -> bool,
    ) -> Option<T> {
        let bytes = std::fs::read(path).ok()?;
        match serde_json::from_slice::<T>(&bytes) {
            Ok(c) if intact(&c) => Some(c),
            _ => {
                tracing::warn!("cache entry {} is corrupt; recomputing", path.display());
                let _ = std::fs::remove_file(path);
                None
            }
        }
    }

    /// Write an entry atomically; failures only log (a cache must never fail a run).
    fn write<T: Serialize>(&self, path: &Path, entry: &T) {
        if let Err(e) = write_atomic(&self.dir, path, entry) {
            tracing::debug!("cache entry {} not written: {e}", path.display());
        }
    }

    /// The cached entry, if present and readable; a corrupt entry is removed.
    pub fn get(&self, key: &str) -> Option<CachedMatches> {
        self.read(&self.path(key), |c: &CachedMatches| c.version == VERSION)
    }

    /// Store an entry atomically; failures only log (a cache must never fail a scan).
    pub fn put(&self, key: &str, findings: &[Finding], warnings: &[String]) {
        let entry = CachedMatches {
            version: VERSION,
            findings: findings.to_vec(),
            warnings: warnings.to_vec(),
        };
        self.write(&self.path(key), &entry);
    }

    /// The cached SBOM, if present and intact (checksum verified); a corrupt one is removed.
    pub fn get_sbom(&self, key: &str) -> Option<CachedSbom> {
        self.read(&self.sbom_path(key), CachedSbom::is_intact)
    }

    /// Store an SBOM atomically; failures only log.
    pub fn put_sbom(&self, key: &str, entry: &CachedSbom) {
        self.write(&self.sbom_path(key), entry);
    }
}

/// A unique temporary name per process and write, so concurrent writers of
/// the same entry never share a temp file.
fn temp_suffix() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    format!(
        "{}.{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

fn write_atomic<T: Serialize>(dir: &Path, path: &Path, entry: &T) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("entry"),
        temp_suffix()
    ));
    std::fs::write(
        &tmp,
        serde_json::to_vec(entry).map_err(std::io::Error::other)?,
    )?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ScanCache::new(dir.path().join("c"));
        let key = ScanCache::key("sha256:aa", "squashed", "2024-01-01T00:00:00Z", 48);
        assert_ne!(
            key,
            ScanCache::key("sha256:aa", "squashed", "2024-01-02T00:00:00Z", 48),
            "a new database is a new key"
        );
        assert!(cache.get(&key).is_none());
        let f = Finding::from(crate::scan::Vulnerability {
            id: "CVE-1".into(),
            ..Default::default()
        });
        cache.put(&key, std::slice::from_ref(&f), &["w".into()]);
        let got = cache.get(&key).unwrap();
        assert_eq!(got.findings, vec![f]);
        std::fs::write(dir.path().join("c").join(format!("{key}.json")), b"{broken").unwrap();
        assert!(cache.get(&key).is_none());
        assert!(
            !dir.path().join("c").join(format!("{key}.json")).exists(),
            "corrupt entry removed"
        );
    }

    #[test]
    fn sbom_entries_round_trip_and_checksum_catches_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ScanCache::new(dir.path());
        let key = ScanCache::sbom_key("sha256:aa", "squashed", "cyclonedx-json");
        assert_ne!(
            key,
            ScanCache::sbom_key("sha256:aa", "squashed", "spdx-json"),
            "the format is part of the key"
        );
        assert_ne!(key, ScanCache::key("sha256:aa", "squashed", "x", 1));
        let entry = CachedSbom::new("cyclonedx-json", 2, "{\"a\":1}".into(), "t".into());
        cache.put_sbom(&key, &entry);
        assert_eq!(cache.get_sbom(&key), Some(entry.clone()));
        // Valid JSON whose content no longer matches its checksum is corrupt.
        let mut tampered = entry;
        tampered.content.push(' ');
        let path = dir.path().join(format!("sbom-{key}.json"));
        std::fs::write(&path, serde_json::to_vec(&tampered).unwrap()).unwrap();
        assert!(cache.get_sbom(&key).is_none());
        assert!(!path.exists(), "corrupt entry removed");
    }
}
