//! Changing the database: [`import`] (a directory, `.json`, zip or exported
//! bundle), [`sync`] (an osv.dev-layout mirror, incrementally), [`export`]
//! (one bundle file plus its `.sha256`), and reading its [`DbStatus`].
//!
//! Every change reads the current database, merges, and writes a complete
//! new file that replaces the old one atomically (see [`store`](super::store)):
//! a failed or interrupted import or sync leaves the previous database as it
//! was. Merging keeps, per record id, the version with the newest `modified`
//! (an equal `modified` with different content takes the incoming record).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::error::DbError;
use super::ingest::{self, Fetcher, IngestError, Ingested, SourceKind};
use super::store::{
    self, rfc3339, BuildOptions, Database, EcosystemStats, HistoryEntry, MetaCarry, StagedRecord,
    SyncCursor, DB_FILE_NAME,
};

/// What an import did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportReport {
    /// The path imported.
    pub origin: PathBuf,
    /// What it was.
    pub kind: SourceKind,
    /// Valid records read.
    pub read: usize,
    /// Records new to the database.
    pub added: usize,
    /// Records that replaced an older version.
    pub updated: usize,
    /// Records identical to what was stored.
    pub unchanged: usize,
    /// Records older than the stored version (kept the stored one).
    pub skipped_older: usize,
    /// Records or files that could not be read; everything else was imported.
    pub errors: Vec<IngestError>,
    /// Records in the database afterwards.
    pub total_records: usize,
    /// The database file.
    pub db_file: PathBuf,
    /// Its size in bytes.
    pub db_bytes: u64,
}

#[derive(Debug, Default, Clone, Copy)]
struct MergeStats {
    added: usize,
    updated: usize,
    unchanged: usize,
    skipped_older: usize,
}

impl MergeStats {
    fn changed(&self) -> bool {
        self.added + self.updated > 0
    }
}

fn merge_into(db: &mut BTreeMap<String, StagedRecord>, incoming: Vec<StagedRecord>) -> MergeStats {
    let mut s = MergeStats::default();
    for r in incoming {
        match db.get(&r.id) {
            None => {
                s.added += 1;
                db.insert(r.id.clone(), r);
            }
            Some(old) if r.modified_ns < old.modified_ns => s.skipped_older += 1,
            Some(old) if r.modified_ns == old.modified_ns && r.json == old.json => s.unchanged += 1,
            Some(_) => {
                s.updated += 1;
                db.insert(r.id.clone(), r);
            }
        }
    }
    s
}

/// The current database of `dir` as staged records plus carried metadata;
/// empty when there is none yet.
fn load(dir: &Path) -> Result<(BTreeMap<String, StagedRecord>, MetaCarry, bool), DbError> {
    if !dir.join(DB_FILE_NAME).is_file() {
        return Ok((BTreeMap::new(), MetaCarry::default(), false));
    }
    let db = Database::open(dir)?;
    let records = db
        .staged_records()?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    let carry = MetaCarry {
        mirrors: db.meta().mirrors.clone(),
        history: db.meta().history.clone(),
    };
    Ok((records, carry, true))
}

fn history(action: &str, origin: &str, s: &MergeStats) -> HistoryEntry {
    HistoryEntry {
        at: rfc3339(OffsetDateTime::now_utc()),
        action: action.into(),
        origin: origin.into(),
        added: s.added,
        updated: s.updated,
    }
}

/// Imports OSV records from `path` into the database in `dir` (created if
/// missing): a directory of `.json` files (recursively), one `.json` file
/// (a record, an array of records, or an OSV API `{"vulns": […]}` response),
/// a zip of `.json` files, or a bundle from [`export`] (verified against its
/// `.sha256` file first).
///
/// Invalid records are listed in [`ImportReport::errors`]; the valid ones are
/// imported regardless. Errors are returned only when nothing could be read
/// or the database cannot be written.
pub fn import(dir: impl AsRef<Path>, path: impl AsRef<Path>) -> Result<ImportReport, DbError> {
    let (dir, path) = (dir.as_ref(), path.as_ref());
    let kind = ingest::detect(path)?;
    let mut ingested = Ingested::default();
    let mut bundle_mirrors = BTreeMap::new();
    match kind {
        SourceKind::Directory => ingested = ingest::read_dir(path)?,
        SourceKind::Json => ingest::read_json_file(path, &mut ingested),
        SourceKind::Zip => {
            let bytes = std::fs::read(path).map_err(|e| DbError::io("reading", path, e))?;
            ingest::read_zip(&path.display().to_string(), &bytes, &mut ingested)?;
        }
        SourceKind::Bundle => {
            verify_checksum(path)?;
            let bundle = Database::open_file(path)?;
            bundle.verify()?;
            ingested.records = bundle.staged_records()?;
            bundle_mirrors = bundle.meta().mirrors.clone();
        }
    }
    // Only broken records: they are reported below and nothing changes.
    if ingested.records.is_empty() && kind != SourceKind::Bundle && ingested.errors.is_empty() {
        return Err(DbError::NothingToImport {
            path: path.to_path_buf(),
        });
    }
    let read = ingested.records.len();
    let (mut records, mut carry, existed) = load(dir)?;
    let stats = merge_into(&mut records, ingested.records);
    for (mirror, ecos) in bundle_mirrors {
        let mine = carry.mirrors.entry(mirror).or_default();
        for (eco, cursor) in ecos {
            match mine.get(&eco) {
                Some(c) if c.last_modified >= cursor.last_modified => {}
                _ => {
                    mine.insert(eco, cursor);
                }
            }
        }
    }
    let total = records.len();
    let db_file = dir.join(DB_FILE_NAME);
    let mut db_bytes = std::fs::metadata(&db_file).map(|m| m.len()).unwrap_or(0);
    if stats.changed() || (!existed && (read > 0 || kind == SourceKind::Bundle)) {
        carry
            .history
            .push(history("import", &path.display().to_string(), &stats));
        let opts = BuildOptions::default();
        db_bytes = store::write_database(dir, records.into_values().collect(), carry, &opts)?.bytes;
    }
    Ok(ImportReport {
        origin: path.to_path_buf(),
        kind,
        read,
        added: stats.added,
        updated: stats.updated,
        unchanged: stats.unchanged,
        skipped_older: stats.skipped_older,
        errors: ingested.errors,
        total_records: total,
        db_file,
        db_bytes,
    })
}

fn sha256_file(path: &Path) -> Result<String, DbError> {
    let mut f = std::fs::File::open(path).map_err(|e| DbError::io("opening", path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| DbError::io("reading", path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// `<bundle>.sha256`.
pub fn checksum_path(bundle: &Path) -> PathBuf {
    let mut s = bundle.as_os_str().to_owned();
    s.push(".sha256");
    PathBuf::from(s)
}

fn verify_checksum(bundle: &Path) -> Result<(), DbError> {
    let checksum_file = checksum_path(bundle);
    let text = match std::fs::read_to_string(&checksum_file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(DbError::ChecksumMissing {
                bundle: bundle.to_path_buf(),
                checksum_file,
            })
        }
        Err(e) => return Err(DbError::io("reading", &checksum_file, e)),
    };
    let expected = text
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if expected.len() != 64 || !expected.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(DbError::ChecksumFormat {
            checksum_file,
            reason: "expected 64 hex digits, optionally followed by the file name".into(),
        });
    }
    let actual = sha256_file(bundle)?;
    if actual != expected {
        return Err(DbError::ChecksumMismatch {
            bundle: bundle.to_path_buf(),
            checksum_file,
            expected,
            actual,
        });
    }
    Ok(())
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportReport {
    /// The bundle.
    pub bundle: PathBuf,
    /// Its checksum file (`sha256sum` format).
    pub checksum_file: PathBuf,
    /// SHA-256 of the bundle, hex.
    pub sha256: String,
    /// Bundle size.
    pub bytes: u64,
    /// Records in it.
    pub records: usize,
}

/// Writes the database of `dir` to `out_file` (one file, the database format
/// itself) and `out_file.sha256` (`sha256sum -c` checks it). Both are written
/// to temporary names and renamed into place.
pub fn export(dir: impl AsRef<Path>, out_file: impl AsRef<Path>) -> Result<ExportReport, DbError> {
    let db = Database::open(dir)?;
    export_database(&db, out_file.as_ref())
}

/// [`export`] for an open database (the bundled seed, for instance).
pub fn export_database(db: &Database, out: &Path) -> Result<ExportReport, DbError> {
    let bytes = db.file_bytes()?;
    let sha = hex::encode(Sha256::digest(&bytes));
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bundle".into());
    let checksum_file = checksum_path(out);
    write_atomic(out, &bytes)?;
    write_atomic(&checksum_file, format!("{sha}  {name}\n").as_bytes())?;
    Ok(ExportReport {
        bundle: out.to_path_buf(),
        checksum_file,
        sha256: sha,
        bytes: bytes.len() as u64,
        records: db.record_count(),
    })
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), DbError> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| DbError::io("creating", dir, e))?;
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp_name);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        DbError::io("writing", path, e)
    })
}

/// How to sync.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Only these mirror ecosystems (default: every one in `ecosystems.txt`).
    pub ecosystems: Option<Vec<String>>,
    /// Above this many changed records, fetch `all.zip` instead of one file each.
    pub full_threshold: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            ecosystems: None,
            full_threshold: 5_000,
        }
    }
}

/// How one ecosystem was synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyncMode {
    /// `all.zip` was fetched (first sync, or too many changes).
    Full,
    /// Only records modified since the last sync were fetched.
    Incremental,
    /// Nothing changed since the last sync.
    UpToDate,
}

/// The sync of one mirror ecosystem.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EcosystemSync {
    /// Mirror ecosystem (directory name).
    pub ecosystem: String,
    /// How it was synced.
    pub mode: SyncMode,
    /// Files fetched for it.
    pub fetched: usize,
    /// Records new to the database.
    pub added: usize,
    /// Records replacing an older version.
    pub updated: usize,
    /// Records identical to the stored ones.
    pub unchanged: usize,
    /// Records that could not be read (everything else was imported).
    pub errors: Vec<IngestError>,
}

/// What a sync did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncReport {
    /// The mirror base URL.
    pub mirror: String,
    /// Per ecosystem.
    pub ecosystems: Vec<EcosystemSync>,
    /// Records in the database afterwards.
    pub total_records: usize,
    /// The database file.
    pub db_file: PathBuf,
    /// Its size in bytes.
    pub db_bytes: u64,
}

impl SyncReport {
    /// Files fetched in all.
    pub fn fetched(&self) -> usize {
        self.ecosystems.iter().map(|e| e.fetched).sum()
    }
}

fn fetch(fetcher: &dyn Fetcher, url: &str) -> Result<Vec<u8>, DbError> {
    fetcher.get(url).map_err(|e| DbError::Fetch {
        url: url.to_string(),
        reason: e.reason,
    })
}

/// [`sync_with`] with default options: every ecosystem of the mirror.
pub fn sync(
    dir: impl AsRef<Path>,
    mirror: &str,
    fetcher: &dyn Fetcher,
) -> Result<SyncReport, DbError> {
    sync_with(dir, mirror, fetcher, &SyncOptions::default())
}

/// Updates the database in `dir` from a mirror with the osv.dev bucket
/// layout (see [`ingest`](super::ingest)). The first sync of an ecosystem
/// fetches its `all.zip`; later syncs read `modified_id.csv` and fetch only
/// the records modified after the newest `modified` seen last time.
///
/// All-or-nothing: any fetch failure returns an error and leaves the
/// database (and its sync state) as it was. Malformed records are reported
/// per ecosystem and skipped.
pub fn sync_with(
    dir: impl AsRef<Path>,
    mirror: &str,
    fetcher: &dyn Fetcher,
    opts: &SyncOptions,
) -> Result<SyncReport, DbError> {
    let dir = dir.as_ref();
    let base = mirror.trim_end_matches('/').to_string();
    if base.is_empty() {
        return Err(DbError::Mirror {
            url: mirror.into(),
            reason: "empty mirror URL".into(),
        });
    }
    let ecosystems = match &opts.ecosystems {
        Some(list) => list.clone(),
        None => {
            let url = ingest::mirror_url(&base, None, "ecosystems.txt");
            let list = ingest::parse_ecosystems(&fetch(fetcher, &url)?);
            if list.is_empty() {
                return Err(DbError::Mirror {
                    url,
                    reason: "ecosystems.txt lists no ecosystem".into(),
                });
            }
            list
        }
    };
    let (mut records, mut carry, _) = load(dir)?;
    let cursors = carry.mirrors.get(&base).cloned().unwrap_or_default();
    let mut new_cursors: BTreeMap<String, SyncCursor> = cursors.clone();
    let mut reports = Vec::new();
    let mut total = MergeStats::default();
    let now = rfc3339(OffsetDateTime::now_utc());
    for eco in &ecosystems {
        let mut ingested = Ingested::default();
        let mut fetched = 0;
        let mut newest: Option<OffsetDateTime> = None;
        let cursor = cursors
            .get(eco)
            .and_then(|c| super::osv::parse_timestamp(&c.last_modified).ok());
        let mut mode = SyncMode::Full;
        if let Some(cursor) = cursor {
            let url = ingest::mirror_url(&base, Some(eco), "modified_id.csv");
            let rows = ingest::parse_modified_csv(&url, &fetch(fetcher, &url)?)?;
            fetched += 1;
            let changed: Vec<&(OffsetDateTime, String)> =
                rows.iter().filter(|(t, _)| *t > cursor).collect();
            if changed.is_empty() {
                mode = SyncMode::UpToDate;
            } else if changed.len() <= opts.full_threshold {
                mode = SyncMode::Incremental;
                for (t, id) in changed {
                    let url = ingest::mirror_url(&base, Some(eco), &format!("{id}.json"));
                    match fetcher.get(&url) {
                        Ok(bytes) => ingested.add_document(&url, &bytes),
                        Err(e) if e.not_found => ingested.errors.push(IngestError {
                            origin: url.clone(),
                            record_id: Some(id.clone()),
                            message: "listed in modified_id.csv but missing from the mirror".into(),
                        }),
                        Err(e) => {
                            return Err(DbError::Fetch {
                                url,
                                reason: e.reason,
                            })
                        }
                    }
                    fetched += 1;
                    newest = newest.max(Some(*t));
                }
            }
        }
        if mode == SyncMode::Full {
            let url = ingest::mirror_url(&base, Some(eco), "all.zip");
            let bytes = fetch(fetcher, &url)?;
            fetched += 1;
            ingest::read_zip(&url, &bytes, &mut ingested)?;
            newest = ingested
                .records
                .iter()
                .map(|r| store::from_unix_ns(r.modified_ns))
                .max();
        }
        let stats = merge_into(&mut records, ingested.records);
        total.added += stats.added;
        total.updated += stats.updated;
        if let Some(n) = newest {
            let keep_old = cursor.is_some_and(|c| c >= n);
            if !keep_old {
                new_cursors.insert(
                    eco.clone(),
                    SyncCursor {
                        last_modified: rfc3339(n),
                        synced_at: now.clone(),
                    },
                );
            }
        }
        if let Some(c) = new_cursors.get_mut(eco) {
            c.synced_at = now.clone();
        }
        reports.push(EcosystemSync {
            ecosystem: eco.clone(),
            mode,
            fetched,
            added: stats.added,
            updated: stats.updated,
            unchanged: stats.unchanged,
            errors: ingested.errors,
        });
    }
    let total_records = records.len();
    carry.mirrors.insert(base.clone(), new_cursors);
    carry.history.push(history("sync", &base, &total));
    let opts = BuildOptions::default();
    let written = store::write_database(dir, records.into_values().collect(), carry, &opts)?;
    Ok(SyncReport {
        mirror: base,
        ecosystems: reports,
        total_records,
        db_file: dir.join(DB_FILE_NAME),
        db_bytes: written.bytes,
    })
}

/// The database's age, counts and sources, for `sc db status`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DbStatus {
    /// The database file (or `<bundled seed>`).
    pub path: PathBuf,
    /// File format version.
    pub format_version: u32,
    /// When it was built (RFC 3339).
    pub built_at: String,
    /// The sc that built it.
    pub built_by: String,
    /// Seconds since it was built.
    pub age_seconds: u64,
    /// Records stored (withdrawn ones included).
    pub records: usize,
    /// Withdrawn records stored.
    pub withdrawn: usize,
    /// Distinct (ecosystem, package) keys.
    pub packages: usize,
    /// File size in bytes.
    pub file_size: u64,
    /// Per ecosystem.
    pub ecosystems: BTreeMap<String, EcosystemStats>,
    /// Records per source database (id prefix).
    pub sources: BTreeMap<String, usize>,
    /// Sync state per mirror and ecosystem.
    pub mirrors: BTreeMap<String, BTreeMap<String, SyncCursor>>,
    /// Recent imports and syncs.
    pub history: Vec<HistoryEntry>,
}

impl DbStatus {
    /// Time since the database was built.
    pub fn age(&self) -> Duration {
        Duration::from_secs(self.age_seconds)
    }

    /// True when the database is older than `max_age`.
    pub fn is_stale(&self, max_age: Duration) -> bool {
        self.age() > max_age
    }
}

impl Database {
    /// Age, counts and sources.
    pub fn status(&self) -> DbStatus {
        let m = self.meta();
        let age = super::osv::parse_timestamp(&m.built_at)
            .map(|t| (OffsetDateTime::now_utc() - t).whole_seconds().max(0) as u64)
            .unwrap_or(u64::MAX);
        DbStatus {
            path: self.path().to_path_buf(),
            format_version: m.format_version,
            built_at: m.built_at.clone(),
            built_by: m.built_by.clone(),
            age_seconds: age,
            records: m.records,
            withdrawn: m.withdrawn,
            packages: m.packages,
            file_size: self.file_size(),
            ecosystems: m.ecosystems.clone(),
            sources: m.sources.clone(),
            mirrors: m.mirrors.clone(),
            history: m.history.clone(),
        }
    }
}

/// Builds a database from a directory of records alone (no merge with an
/// existing one), reproducibly: the build time is the newest `modified`
/// among the records, and any invalid record is an error. This is how
/// `vuln-db/seed/vulndb.scdb` is made from `vuln-db/seed/records/`.
pub fn build_from_dir(
    records_dir: &Path,
    out_dir: &Path,
    origin_label: &str,
) -> Result<Database, DbError> {
    let ingested = ingest::read_dir(records_dir)?;
    if let Some(e) = ingested.errors.first() {
        return Err(DbError::Mirror {
            url: records_dir.display().to_string(),
            reason: format!("invalid seed record: {e}"),
        });
    }
    let newest = ingested
        .records
        .iter()
        .map(|r| r.modified_ns)
        .max()
        .unwrap_or(0);
    let built_at = store::from_unix_ns(newest);
    let stats = MergeStats {
        added: ingested.records.len(),
        ..MergeStats::default()
    };
    let carry = MetaCarry {
        mirrors: BTreeMap::new(),
        history: vec![HistoryEntry {
            at: rfc3339(built_at),
            action: "seed".into(),
            origin: origin_label.into(),
            added: stats.added,
            updated: 0,
        }],
    };
    let opts = BuildOptions {
        built_at,
        level: 19,
    };
    store::write_database(out_dir, ingested.records, carry, &opts)?;
    Database::open(out_dir)
}
