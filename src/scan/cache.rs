//! Scan result cache: matches of an image against a database, keyed by the
//! image's manifest digest, the scope, and the database's identity (build time
//! and record count), so a rescan of the same image with the same database
//! skips reading layers. Writes are atomic (temp file + rename); an unreadable or
//! corrupt entry is ignored, removed and recomputed.

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

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The cached entry, if present and readable; a corrupt entry is removed.
    pub fn get(&self, key: &str) -> Option<CachedMatches> {
        let path = self.path(key);
        let bytes = std::fs::read(&path).ok()?;
        match serde_json::from_slice::<CachedMatches>(&bytes) {
            Ok(c) if c.version == VERSION => Some(c),
            _ => {
                tracing::warn!(
                    "scan cache entry {} is corrupt; recomputing",
                    path.display()
                );
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Store an entry atomically; failures only log (a cache must never fail a scan).
    pub fn put(&self, key: &str, findings: &[Finding], warnings: &[String]) {
        let entry = CachedMatches {
            version: VERSION,
            findings: findings.to_vec(),
            warnings: warnings.to_vec(),
        };
        if let Err(e) = write_atomic(&self.dir, &self.path(key), &entry) {
            tracing::debug!("scan cache not written: {e}");
        }
    }
}

fn write_atomic(dir: &Path, path: &Path, entry: &CachedMatches) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("entry"),
        std::process::id()
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
}
