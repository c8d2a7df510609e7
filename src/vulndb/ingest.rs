//! Reading OSV records from where they come from: a directory of `.json`
//! files, one `.json` file, a zip of `.json` files (osv.dev's per-ecosystem
//! `all.zip`), or a mirror with the osv.dev bucket layout:
//!
//! ```text
//! <base>/ecosystems.txt              one ecosystem name per line
//! <base>/<Ecosystem>/all.zip         every record of the ecosystem
//! <base>/<Ecosystem>/modified_id.csv `<RFC 3339 modified>,<id>` lines, newest first
//! <base>/<Ecosystem>/<id>.json       one record
//! ```
//!
//! Mirrors are read through a [`Fetcher`]: [`FileFetcher`] for `file://`
//! URLs, [`HttpFetcher`] for `https://` (and `http://`). A malformed record
//! never stops ingestion: it becomes an [`IngestError`] naming the file (and
//! zip entry) and, when it can be read, the record id; every other record is
//! still ingested. A truncated zip yields the entries before the damage.
//!
//! Merging what was read into the database is [`update`](super::update)'s job.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::error::DbError;
use super::osv::{parse_timestamp, OsvRecord};
use super::store::StagedRecord;

/// Largest single JSON document or zip entry accepted (a record is a few KiB).
const MAX_DOCUMENT: u64 = 64 << 20;

/// A record (or document) that could not be ingested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestError {
    /// File path, `zip!entry`, or URL.
    pub origin: String,
    /// The record's id, when it could be read.
    pub record_id: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for IngestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.record_id {
            Some(id) => write!(f, "{}: record {id}: {}", self.origin, self.message),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

/// Records read from one source.
#[derive(Debug, Default)]
pub(crate) struct Ingested {
    pub records: Vec<StagedRecord>,
    pub errors: Vec<IngestError>,
}

impl Ingested {
    fn error(&mut self, origin: &str, record_id: Option<String>, message: impl Into<String>) {
        self.errors.push(IngestError {
            origin: origin.to_string(),
            record_id,
            message: message.into(),
        });
    }

    /// Parses one JSON document: a record, an array of records, or an OSV
    /// API response `{"vulns": [...]}`.
    pub fn add_document(&mut self, origin: &str, bytes: &[u8]) {
        // The common case, one record per document, in one pass.
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'{') {
            if let Ok(r) = OsvRecord::from_json(bytes) {
                self.records.push(StagedRecord::from_record(&r));
                return;
            }
        }
        let value: serde_json::Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(e) => {
                self.error(origin, None, format!("not valid JSON: {e}"));
                return;
            }
        };
        let items: Vec<serde_json::Value> = match value {
            serde_json::Value::Array(a) => a,
            serde_json::Value::Object(mut o)
                if !o.contains_key("id") && o.contains_key("vulns") =>
            {
                match o.remove("vulns") {
                    Some(serde_json::Value::Array(a)) => a,
                    _ => {
                        self.error(origin, None, "`vulns` is not an array");
                        return;
                    }
                }
            }
            other => vec![other],
        };
        for (i, item) in items.into_iter().enumerate() {
            let id = item.get("id").and_then(|v| v.as_str()).map(str::to_string);
            let origin_i = if id.is_none() && i > 0 {
                format!("{origin}[{i}]")
            } else {
                origin.to_string()
            };
            let bytes = serde_json::to_vec(&item).expect("a Value serializes");
            match OsvRecord::from_json(&bytes) {
                Ok(r) => self.records.push(StagedRecord::from_record(&r)),
                Err(e) => self.error(&origin_i, id, format!("invalid OSV record: {e}")),
            }
        }
    }
}

/// What an import path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A directory of `.json` records (searched recursively).
    Directory,
    /// One `.json` document.
    Json,
    /// A zip of `.json` records.
    Zip,
    /// A database file exported with `sc db export`.
    Bundle,
}

/// Tells what `path` is by its contents (not its extension).
pub fn detect(path: &Path) -> Result<SourceKind, DbError> {
    let meta = std::fs::metadata(path).map_err(|e| DbError::io("reading", path, e))?;
    if meta.is_dir() {
        return Ok(SourceKind::Directory);
    }
    let mut head = [0u8; 8];
    let mut f = std::fs::File::open(path).map_err(|e| DbError::io("opening", path, e))?;
    let n = f
        .read(&mut head)
        .map_err(|e| DbError::io("reading", path, e))?;
    Ok(if n >= 8 && &head == b"SCVULNDB" {
        SourceKind::Bundle
    } else if n >= 4 && (head[..4] == *b"PK\x03\x04" || head[..4] == *b"PK\x05\x06") {
        SourceKind::Zip
    } else {
        SourceKind::Json
    })
}

fn read_limited(path: &Path) -> Result<Vec<u8>, std::io::Error> {
    let f = std::fs::File::open(path)?;
    let mut buf = Vec::new();
    f.take(MAX_DOCUMENT + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > MAX_DOCUMENT {
        return Err(std::io::Error::other(format!(
            "larger than {} MiB",
            MAX_DOCUMENT >> 20
        )));
    }
    Ok(buf)
}

/// Reads one `.json` file.
pub(crate) fn read_json_file(path: &Path, out: &mut Ingested) {
    let origin = path.display().to_string();
    match read_limited(path) {
        Ok(bytes) => out.add_document(&origin, &bytes),
        Err(e) => out.error(&origin, None, format!("cannot read: {e}")),
    }
}

/// Reads every `.json` file under `dir`, recursively, in name order
/// (hidden files and directories are skipped).
pub(crate) fn read_dir(dir: &Path) -> Result<Ingested, DbError> {
    let mut out = Ingested::default();
    let mut files = Vec::new();
    collect_json(dir, &mut files, &mut out)?;
    files.sort();
    for f in files {
        read_json_file(&f, &mut out);
    }
    Ok(out)
}

fn collect_json(dir: &Path, files: &mut Vec<PathBuf>, out: &mut Ingested) -> Result<(), DbError> {
    let entries = std::fs::read_dir(dir).map_err(|e| DbError::io("reading", dir, e))?;
    for e in entries {
        let e = match e {
            Ok(e) => e,
            Err(err) => {
                out.error(
                    &dir.display().to_string(),
                    None,
                    format!("cannot list: {err}"),
                );
                continue;
            }
        };
        let name = e.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = e.path();
        let ty = match e.file_type() {
            Ok(t) => t,
            Err(_) => continue,
        };
        if ty.is_dir() {
            collect_json(&path, files, out)?;
        } else if path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("json"))
        {
            files.push(path);
        }
    }
    Ok(())
}

/// Reads the `.json` entries of a zip archive held in memory. A damaged
/// central directory (a truncated download) falls back to reading entries
/// front to back, keeping the complete ones and reporting the rest.
pub(crate) fn read_zip(origin: &str, bytes: &[u8], out: &mut Ingested) -> Result<(), DbError> {
    match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(mut archive) => {
            for i in 0..archive.len() {
                let mut entry = match archive.by_index(i) {
                    Ok(e) => e,
                    Err(e) => {
                        out.error(
                            &format!("{origin}!#{i}"),
                            None,
                            format!("unreadable zip entry: {e}"),
                        );
                        continue;
                    }
                };
                let name = entry.name().to_string();
                if entry.is_dir() || !name.to_ascii_lowercase().ends_with(".json") {
                    continue;
                }
                let entry_origin = format!("{origin}!{name}");
                read_entry(&entry_origin, &mut entry, out);
            }
            Ok(())
        }
        Err(central) => {
            let mut reader = Cursor::new(bytes);
            let mut complete = 0usize;
            loop {
                match zip::read::read_zipfile_from_stream(&mut reader) {
                    Ok(Some(mut entry)) => {
                        let name = entry.name().to_string();
                        if entry.is_dir() || !name.to_ascii_lowercase().ends_with(".json") {
                            continue;
                        }
                        let entry_origin = format!("{origin}!{name}");
                        if read_entry(&entry_origin, &mut entry, out) {
                            complete += 1;
                        } else {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        if complete == 0 {
                            return Err(DbError::Zip {
                                origin: origin.to_string(),
                                reason: format!(
                                    "{central}; reading entries in order also failed: {e}"
                                ),
                            });
                        }
                        break;
                    }
                }
            }
            if complete == 0 {
                return Err(DbError::Zip {
                    origin: origin.to_string(),
                    reason: central.to_string(),
                });
            }
            out.error(
                origin,
                None,
                format!(
                    "archive is truncated or damaged ({central}); imported the {complete} complete entries before the damage"
                ),
            );
            Ok(())
        }
    }
}

/// Reads one zip entry into `out`; false when the entry itself is damaged.
fn read_entry(origin: &str, entry: &mut impl Read, out: &mut Ingested) -> bool {
    let mut buf = Vec::new();
    match entry.take(MAX_DOCUMENT + 1).read_to_end(&mut buf) {
        Ok(_) if buf.len() as u64 > MAX_DOCUMENT => {
            out.error(
                origin,
                None,
                format!("entry larger than {} MiB", MAX_DOCUMENT >> 20),
            );
            true
        }
        Ok(_) => {
            out.add_document(origin, &buf);
            true
        }
        Err(e) => {
            out.error(origin, None, format!("cannot inflate zip entry: {e}"));
            false
        }
    }
}

/// Why a fetch failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{url}: {reason}")]
pub struct FetchError {
    /// The URL.
    pub url: String,
    /// What failed.
    pub reason: String,
    /// True when the resource does not exist (HTTP 404, missing file).
    pub not_found: bool,
}

/// Fetches mirror files. Implementations must be usable from a plain
/// (non-async) thread: [`update::sync`](super::update::sync) is blocking.
pub trait Fetcher {
    /// The bytes at `url`.
    fn get(&self, url: &str) -> Result<Vec<u8>, FetchError>;
}

/// Reads `file://` URLs from the local file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileFetcher;

impl Fetcher for FileFetcher {
    fn get(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let err = |reason: String, not_found| FetchError {
            url: url.to_string(),
            reason,
            not_found,
        };
        let parsed = url::Url::parse(url).map_err(|e| err(format!("not a URL: {e}"), false))?;
        if parsed.scheme() != "file" {
            return Err(err("FileFetcher only reads file:// URLs".into(), false));
        }
        let path = parsed
            .to_file_path()
            .map_err(|_| err("not a local file path".into(), false))?;
        std::fs::read(&path).map_err(|e| {
            let nf = e.kind() == std::io::ErrorKind::NotFound;
            err(e.to_string(), nf)
        })
    }
}

/// Fetches `https://` (and `http://`) URLs with reqwest, on a private
/// single-threaded tokio runtime. Usable from plain threads and from inside
/// async code alike (there, each request runs on a helper thread); a sync
/// also compresses for seconds, so async callers should still prefer
/// `tokio::task::spawn_blocking`.
pub struct HttpFetcher {
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for HttpFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HttpFetcher")
    }
}

impl HttpFetcher {
    /// A fetcher with a 10-minute timeout per request (all.zip files are large).
    pub fn new() -> Result<HttpFetcher, FetchError> {
        let err = |reason: String| FetchError {
            url: String::new(),
            reason,
            not_found: false,
        };
        let client = crate::tls::client_builder(&[])
            .map_err(err)?
            .user_agent(format!("{}/{}", crate::TOOL_NAME, crate::TOOL_VERSION))
            .connect_timeout(Duration::from_secs(30))
            .timeout(Duration::from_secs(600))
            .build()
            .map_err(|e| err(format!("cannot build HTTP client: {e}")))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| err(format!("cannot start the HTTP runtime: {e}")))?;
        Ok(HttpFetcher { client, runtime })
    }
}

impl HttpFetcher {
    async fn fetch(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let err = |reason: String, not_found| FetchError {
            url: url.to_string(),
            reason,
            not_found,
        };
        let resp = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| err(e.to_string(), false))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(err(format!("HTTP {status}"), status.as_u16() == 404));
        }
        resp.bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|e| err(e.to_string(), false))
    }
}

impl Fetcher for HttpFetcher {
    fn get(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        if tokio::runtime::Handle::try_current().is_ok() {
            // Called from async code (the CLI runs inside a runtime): a
            // runtime cannot block on another one on the same thread, so the
            // request runs on a short-lived plain thread.
            std::thread::scope(|s| {
                s.spawn(|| self.runtime.block_on(self.fetch(url)))
                    .join()
                    .unwrap_or_else(|_| {
                        Err(FetchError {
                            url: url.to_string(),
                            reason: "the HTTP thread panicked".into(),
                            not_found: false,
                        })
                    })
            })
        } else {
            self.runtime.block_on(self.fetch(url))
        }
    }
}

/// Picks the fetcher for a mirror URL: `file://` → [`FileFetcher`], else HTTP.
pub fn fetcher_for(mirror: &str) -> Result<Box<dyn Fetcher>, FetchError> {
    if mirror.starts_with("file://") {
        Ok(Box::new(FileFetcher))
    } else {
        Ok(Box::new(HttpFetcher::new()?))
    }
}

/// `<base>/<segment>/<file>` with the segment percent-encoded (`Rocky Linux` → `Rocky%20Linux`).
pub(crate) fn mirror_url(base: &str, ecosystem: Option<&str>, file: &str) -> String {
    let mut u = base.trim_end_matches('/').to_string();
    for seg in ecosystem.into_iter().chain(std::iter::once(file)) {
        u.push('/');
        for b in seg.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
                u.push(b as char);
            } else {
                u.push_str(&format!("%{b:02X}"));
            }
        }
    }
    u
}

/// Ecosystem names from `ecosystems.txt` (blank lines and `#` comments skipped).
pub(crate) fn parse_ecosystems(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// `(modified, id)` pairs from `modified_id.csv`.
pub(crate) fn parse_modified_csv(
    url: &str,
    bytes: &[u8],
) -> Result<Vec<(OffsetDateTime, String)>, DbError> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = |why: String| DbError::Mirror {
            url: url.to_string(),
            reason: format!("line {}: {why}", n + 1),
        };
        let (ts, id) = line.split_once(',').ok_or_else(|| {
            bad(format!(
                "expected `<modified>,<id>`, got {:?}",
                super::osv::truncate(line, 80)
            ))
        })?;
        let ts = parse_timestamp(ts).map_err(bad)?;
        let id = id.trim();
        // ids may be written as `<Ecosystem>/<id>` in the bucket-wide file
        let id = id.rsplit('/').next().unwrap_or(id);
        if id.is_empty() || id.contains("..") {
            return Err(bad(format!("bad record id {id:?}")));
        }
        out.push((ts, id.to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_of_every_shape() {
        let rec = r#"{"id":"A-1","modified":"2024-01-01T00:00:00Z"}"#;
        let mut out = Ingested::default();
        out.add_document("a.json", rec.as_bytes());
        out.add_document("b.json", format!("[{rec}, {{\"id\": \"B-2\"}}]").as_bytes());
        out.add_document("c.json", format!("{{\"vulns\": [{rec}]}}").as_bytes());
        out.add_document("d.json", b"{not json");
        assert_eq!(out.records.len(), 3);
        assert_eq!(out.errors.len(), 2);
        assert_eq!(out.errors[0].record_id.as_deref(), Some("B-2"));
        assert!(
            out.errors[0]
                .to_string()
                .starts_with("b.json: record B-2: invalid OSV record"),
            "{}",
            out.errors[0]
        );
        assert!(out.errors[1]
            .to_string()
            .starts_with("d.json: not valid JSON"));
    }

    #[test]
    fn mirror_urls_and_csv() {
        assert_eq!(
            mirror_url("file:///m/", Some("Rocky Linux"), "all.zip"),
            "file:///m/Rocky%20Linux/all.zip"
        );
        assert_eq!(
            mirror_url("https://x", Some("Debian:12"), "DSA-1-1.json"),
            "https://x/Debian:12/DSA-1-1.json"
        );
        let rows = parse_modified_csv(
            "u",
            b"2024-02-01T00:00:00Z,GHSA-1\n2024-01-01T00:00:00.5Z,PyPI/PYSEC-2\n",
        )
        .unwrap();
        assert_eq!(rows[1].1, "PYSEC-2");
        let e = parse_modified_csv("u", b"2024-02-01T00:00:00Z,GHSA-1\ngarbage\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        assert_eq!(
            parse_ecosystems(b"PyPI\n\n# c\nDebian:12\n"),
            ["PyPI", "Debian:12"]
        );
    }
}
