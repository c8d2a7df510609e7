//! The on-disk database: one file, `vulndb.scdb`, written once and replaced
//! atomically, never modified in place.
//!
//! ```text
//! [header 96 B][block 0][block 1]…[block n-1][metadata JSON][index][id table]
//! ```
//!
//! Records (minified OSV JSON) are packed, in (package, id) order, into
//! blocks of about 16 KiB that are compressed one by one with zstd (with its
//! content checksum), so a lookup inflates only the block(s) holding that
//! package's records. The metadata and the index (keys → records → blocks)
//! are covered by a CRC-32 in the header: opening reads and checks them and
//! is done — no record is touched. The id table (ids, `modified`, flags) has
//! its own CRC and is read on first use.
//! The byte layout is documented in `vuln-db/README.md`.
//!
//! A writer streams blocks into a temporary file in the same directory and
//! writes the header last, then renames the file over `vulndb.scdb`: a reader
//! sees the old database or the new one, and a writer killed half way leaves
//! a temporary file without a valid header, which the next open or write
//! removes.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::error::DbError;
use super::names;
use super::osv::OsvRecord;

/// File name of the database inside its directory.
pub const DB_FILE_NAME: &str = "vulndb.scdb";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

const MAGIC: &[u8; 8] = b"SCVULNDB";
const HEADER_LEN: usize = 96;
const INDEX_HEADER_LEN: usize = 32;
const KEY_ENTRY: usize = 16;
const REF_ENTRY: usize = 4;
const RECORD_ENTRY: usize = 12;
const ID_ENTRY: usize = 16;
const BLOCK_ENTRY: usize = 16;
/// Records are packed into blocks of about this many uncompressed bytes.
const BLOCK_TARGET: usize = 16 * 1024;
/// Refuse to inflate a block claiming more than this (a damaged index).
const MAX_BLOCK_RAW: usize = 256 << 20;
/// Refuse an index + metadata region larger than this.
const MAX_INDEX_LEN: u64 = 2 << 30;
const FLAG_WITHDRAWN: u16 = 1;

/// Database metadata, stored as JSON inside the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbMeta {
    /// Format version of the file ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// When the file was built (RFC 3339).
    pub built_at: String,
    /// Version of sc that built it.
    pub built_by: String,
    /// Records stored (withdrawn ones included).
    pub records: usize,
    /// Withdrawn records stored (kept so that a withdrawal replaces the old record).
    pub withdrawn: usize,
    /// Distinct (ecosystem, package) keys.
    pub packages: usize,
    /// Per normalized ecosystem (`PyPI`, `Debian:12`).
    pub ecosystems: BTreeMap<String, EcosystemStats>,
    /// Records per source database, from the id prefix (`GHSA`, `PYSEC`, `DSA`, …).
    pub sources: BTreeMap<String, usize>,
    /// Incremental-sync state per mirror URL, then per mirror ecosystem.
    #[serde(default)]
    pub mirrors: BTreeMap<String, BTreeMap<String, SyncCursor>>,
    /// The most recent imports and syncs, oldest first (at most 50).
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
}

/// Counts for one ecosystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EcosystemStats {
    /// Records affecting a package of this ecosystem.
    pub records: usize,
    /// Distinct packages.
    pub packages: usize,
    /// Newest `modified` among those records (RFC 3339).
    pub last_modified: Option<String>,
}

/// Where incremental sync of one mirror ecosystem stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncCursor {
    /// Newest `modified` timestamp seen from this mirror ecosystem (RFC 3339).
    pub last_modified: String,
    /// When the last successful sync finished (RFC 3339).
    pub synced_at: String,
}

/// One import or sync, as remembered in the metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When (RFC 3339).
    pub at: String,
    /// `import`, `sync` or `seed`.
    pub action: String,
    /// The file, directory or mirror URL.
    pub origin: String,
    /// Records new to the database.
    pub added: usize,
    /// Records replaced by a newer version.
    pub updated: usize,
}

/// A record ready to be stored: its JSON plus what the index needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StagedRecord {
    pub id: String,
    /// `modified` in nanoseconds since the Unix epoch.
    pub modified_ns: i64,
    pub withdrawn: bool,
    /// Index keys (see [`names::index_key`]), sorted, unique.
    pub keys: Vec<String>,
    /// Minified JSON.
    pub json: Vec<u8>,
}

impl StagedRecord {
    pub fn from_record(r: &OsvRecord) -> StagedRecord {
        let mut keys: BTreeSet<String> = r
            .affected
            .iter()
            .map(|a| names::index_key(&a.package.ecosystem, &a.package.name))
            .collect();
        if keys.is_empty() {
            // A record about no package (an NVD-style CVE record) can only
            // lend its severity to findings of its aliases: index it by id.
            keys.insert(id_key(&r.id));
        }
        StagedRecord {
            id: r.id.clone(),
            modified_ns: r.modified_at().map(unix_ns).unwrap_or(0),
            withdrawn: r.is_withdrawn(),
            keys: keys.into_iter().collect(),
            json: r.to_minified_json(),
        }
    }
}

/// Index key of a package-less record: an empty ecosystem, then the id.
pub(crate) fn id_key(id: &str) -> String {
    format!("\0{id}")
}

pub(crate) fn unix_ns(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos()).unwrap_or(i64::MAX)
}

pub(crate) fn from_unix_ns(ns: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ns)).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

pub(crate) use crate::timefmt::rfc3339;

/// What a writer carries over from the previous database and the operation.
#[derive(Debug, Clone, Default)]
pub(crate) struct MetaCarry {
    pub mirrors: BTreeMap<String, BTreeMap<String, SyncCursor>>,
    pub history: Vec<HistoryEntry>,
}

/// How to build a database file.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Recorded as the build time (default: now). The seed database uses the
    /// newest `modified` of its records so that rebuilding it is reproducible.
    pub built_at: OffsetDateTime,
    /// zstd level for the record blocks.
    pub level: i32,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            built_at: OffsetDateTime::now_utc(),
            level: 9,
        }
    }
}

fn source_of(id: &str) -> String {
    id.split('-').next().unwrap_or(id).to_string()
}

fn put_u32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn put_u64(v: &mut Vec<u8>, x: u64) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn to_u32(n: usize, what: &str) -> Result<u32, DbError> {
    u32::try_from(n).map_err(|_| DbError::corrupt(PathBuf::new(), format!("too many {what}")))
}

/// A temporary file that is removed on drop unless committed.
struct TempFile {
    path: PathBuf,
    committed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

const TEMP_PREFIX: &str = ".vulndb.scdb.";
const TEMP_SUFFIX: &str = ".tmp";

/// Removes temporary files left by writers that are gone (killed mid-write).
/// Best effort: errors are ignored, the directory may be read-only.
pub(crate) fn cleanup_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(rest) = name
            .strip_prefix(TEMP_PREFIX)
            .and_then(|r| r.strip_suffix(TEMP_SUFFIX))
        else {
            continue;
        };
        let pid: Option<u32> = rest.split('.').next().and_then(|p| p.parse().ok());
        let stale = match pid {
            Some(p) if p == me => false,
            Some(p) if Path::new("/proc/self").exists() => {
                !Path::new(&format!("/proc/{p}")).exists()
            }
            _ => e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > Duration::from_secs(24 * 3600)),
        };
        if stale {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Compressed blocks of one worker, with their raw sizes.
type CompressedBatch = Result<Vec<(Vec<u8>, usize)>, std::io::Error>;

/// Summary of a written database file.
#[derive(Debug, Clone)]
pub(crate) struct Written {
    pub bytes: u64,
}

/// Builds the database from `records` (unique ids, any order) and replaces
/// `dir/vulndb.scdb` atomically.
pub(crate) fn write_database(
    dir: &Path,
    mut records: Vec<StagedRecord>,
    carry: MetaCarry,
    opts: &BuildOptions,
) -> Result<Written, DbError> {
    fs::create_dir_all(dir).map_err(|e| DbError::io("creating", dir, e))?;
    cleanup_stale_temps(dir);
    records.sort_by(|a, b| a.id.cmp(&b.id));
    records.dedup_by(|a, b| a.id == b.id);

    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    let tmp = TempFile {
        path: dir.join(format!(
            "{TEMP_PREFIX}{}.{nanos}{TEMP_SUFFIX}",
            std::process::id()
        )),
        committed: false,
    };
    let mut file = File::create(&tmp.path).map_err(|e| DbError::io("creating", &tmp.path, e))?;
    let werr = |e| DbError::io("writing", &tmp.path, e);
    file.write_all(&[0u8; HEADER_LEN]).map_err(werr)?;

    // Keys → records.
    let mut keys: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        for k in &r.keys {
            keys.entry(k.as_str()).or_default().push(i as u32);
        }
    }

    // Pack records into blocks in (first key, id) order.
    let mut order: Vec<u32> = (0..records.len() as u32).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (&records[a as usize], &records[b as usize]);
        let ka = ra.keys.first().map(String::as_str).unwrap_or("");
        let kb = rb.keys.first().map(String::as_str).unwrap_or("");
        ka.cmp(kb).then_with(|| ra.id.cmp(&rb.id))
    });
    let mut placement = vec![(0u32, 0u32); records.len()];
    let mut blocks: Vec<Vec<u32>> = Vec::new();
    let mut cur: Vec<u32> = Vec::new();
    let mut cur_len = 0usize;
    for &i in &order {
        let len = records[i as usize].json.len();
        if !cur.is_empty() && cur_len + len > BLOCK_TARGET {
            blocks.push(std::mem::take(&mut cur));
            cur_len = 0;
        }
        placement[i as usize] = (blocks.len() as u32, cur_len as u32);
        cur.push(i);
        cur_len += len;
    }
    if !cur.is_empty() {
        blocks.push(cur);
    }

    // Compress blocks in parallel batches, streaming them to the file.
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    let mut block_table: Vec<(u64, u32, u32)> = Vec::with_capacity(blocks.len());
    let mut offset = 0u64;
    for batch in blocks.chunks(threads * 16) {
        let per = batch.len().div_ceil(threads);
        let compressed: Vec<CompressedBatch> = std::thread::scope(|s| {
            let handles: Vec<_> = batch
                .chunks(per.max(1))
                .map(|chunk| {
                    let records = &records;
                    s.spawn(move || {
                        let mut c = zstd::bulk::Compressor::new(opts.level)?;
                        c.set_parameter(zstd::zstd_safe::CParameter::ChecksumFlag(true))?;
                        let mut out = Vec::with_capacity(chunk.len());
                        let mut raw = Vec::with_capacity(BLOCK_TARGET * 2);
                        for members in chunk {
                            raw.clear();
                            for &i in members {
                                raw.extend_from_slice(&records[i as usize].json);
                            }
                            out.push((c.compress(&raw)?, raw.len()));
                        }
                        Ok(out)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("compression thread panicked"))
                .collect()
        });
        for part in compressed {
            for (data, raw_len) in part.map_err(werr)? {
                file.write_all(&data).map_err(werr)?;
                block_table.push((offset, data.len() as u32, raw_len as u32));
                offset += data.len() as u64;
            }
        }
    }
    let blocks_len = offset;

    // Metadata.
    let mut ecosystems: BTreeMap<String, EcosystemStats> = BTreeMap::new();
    let mut sources: BTreeMap<String, usize> = BTreeMap::new();
    let mut eco_newest: BTreeMap<String, i64> = BTreeMap::new();
    let mut withdrawn = 0;
    for r in &records {
        *sources.entry(source_of(&r.id)).or_default() += 1;
        if r.withdrawn {
            withdrawn += 1;
        }
        let ecos: BTreeSet<&str> = r
            .keys
            .iter()
            .map(|k| k.split('\0').next().unwrap_or(""))
            .filter(|e| !e.is_empty())
            .collect();
        for e in ecos {
            ecosystems.entry(e.to_string()).or_default().records += 1;
            let n = eco_newest.entry(e.to_string()).or_insert(i64::MIN);
            *n = (*n).max(r.modified_ns);
        }
    }
    let mut packages = 0;
    for k in keys.keys() {
        let e = k.split('\0').next().unwrap_or("");
        if !e.is_empty() {
            ecosystems.entry(e.to_string()).or_default().packages += 1;
            packages += 1;
        }
    }
    for (e, ns) in eco_newest {
        if let Some(s) = ecosystems.get_mut(&e) {
            s.last_modified = Some(rfc3339(from_unix_ns(ns)));
        }
    }
    let mut history = carry.history;
    if history.len() > 50 {
        history.drain(..history.len() - 50);
    }
    let meta = DbMeta {
        format_version: FORMAT_VERSION,
        built_at: rfc3339(opts.built_at),
        built_by: format!("{} {}", crate::TOOL_NAME, crate::TOOL_VERSION),
        records: records.len(),
        withdrawn,
        packages,
        ecosystems,
        sources,
        mirrors: carry.mirrors,
        history,
    };
    let meta_json = serde_json::to_vec(&meta).expect("metadata serializes");

    // Index: what lookups need, read when the database is opened.
    let mut strings: Vec<u8> = Vec::new();
    let ref_count: usize = keys.values().map(Vec::len).sum();
    let mut index = Vec::with_capacity(
        INDEX_HEADER_LEN
            + keys.len() * KEY_ENTRY
            + ref_count * REF_ENTRY
            + records.len() * RECORD_ENTRY
            + block_table.len() * BLOCK_ENTRY,
    );
    put_u32(&mut index, to_u32(keys.len(), "packages")?);
    put_u32(&mut index, to_u32(ref_count, "references")?);
    put_u32(&mut index, to_u32(records.len(), "records")?);
    put_u32(&mut index, to_u32(block_table.len(), "blocks")?);
    let strings_len_at = index.len();
    put_u32(&mut index, 0); // key-strings length, patched below
    index.resize(INDEX_HEADER_LEN, 0);
    let mut ref_start = 0u32;
    for (k, refs) in &keys {
        put_u32(&mut index, to_u32(strings.len(), "index bytes")?);
        put_u32(&mut index, k.len() as u32);
        put_u32(&mut index, ref_start);
        put_u32(&mut index, refs.len() as u32);
        strings.extend_from_slice(k.as_bytes());
        ref_start += refs.len() as u32;
    }
    for refs in keys.values() {
        for &r in refs {
            put_u32(&mut index, r);
        }
    }
    for (i, r) in records.iter().enumerate() {
        let (block, off) = placement[i];
        put_u32(&mut index, block);
        put_u32(&mut index, off);
        put_u32(&mut index, to_u32(r.json.len(), "record bytes")?);
    }
    for (off, comp, raw) in &block_table {
        put_u64(&mut index, *off);
        put_u32(&mut index, *comp);
        put_u32(&mut index, *raw);
    }
    let strings_len = to_u32(strings.len(), "index bytes")?;
    index[strings_len_at..strings_len_at + 4].copy_from_slice(&strings_len.to_le_bytes());
    index.extend_from_slice(&strings);

    // Id table: read on first use (get by id, error messages, rebuilds).
    let mut ids = Vec::with_capacity(records.len() * (ID_ENTRY + 16));
    let mut id_strings: Vec<u8> = Vec::new();
    for r in &records {
        put_u32(&mut ids, to_u32(id_strings.len(), "id bytes")?);
        let id_len = u16::try_from(r.id.len())
            .map_err(|_| DbError::corrupt(&tmp.path, format!("record id too long: {}", r.id)))?;
        ids.extend_from_slice(&id_len.to_le_bytes());
        let flags = if r.withdrawn { FLAG_WITHDRAWN } else { 0 };
        ids.extend_from_slice(&flags.to_le_bytes());
        ids.extend_from_slice(&r.modified_ns.to_le_bytes());
        id_strings.extend_from_slice(r.id.as_bytes());
    }
    ids.extend_from_slice(&id_strings);

    file.write_all(&meta_json).map_err(werr)?;
    file.write_all(&index).map_err(werr)?;
    file.write_all(&ids).map_err(werr)?;

    let meta_off = HEADER_LEN as u64 + blocks_len;
    let index_off = meta_off + meta_json.len() as u64;
    let ids_off = index_off + index.len() as u64;
    let file_len = ids_off + ids.len() as u64;
    let mut header = Vec::with_capacity(HEADER_LEN);
    header.extend_from_slice(MAGIC);
    put_u32(&mut header, FORMAT_VERSION);
    put_u32(&mut header, 0);
    put_u64(&mut header, file_len);
    put_u64(&mut header, HEADER_LEN as u64);
    put_u64(&mut header, blocks_len);
    put_u64(&mut header, meta_off);
    put_u64(&mut header, meta_json.len() as u64);
    put_u64(&mut header, index_off);
    put_u64(&mut header, index.len() as u64);
    put_u64(&mut header, ids_off);
    put_u64(&mut header, ids.len() as u64);
    let mut crc = crc32fast::Hasher::new();
    crc.update(&header);
    crc.update(&meta_json);
    crc.update(&index);
    put_u32(&mut header, crc.finalize());
    put_u32(&mut header, crc32fast::hash(&ids));
    debug_assert_eq!(header.len(), HEADER_LEN);
    use std::io::{Seek, SeekFrom};
    file.seek(SeekFrom::Start(0)).map_err(werr)?;
    file.write_all(&header).map_err(werr)?;
    file.sync_all().map_err(werr)?;
    drop(file);

    let dest = dir.join(DB_FILE_NAME);
    let mut tmp = tmp;
    fs::rename(&tmp.path, &dest).map_err(|e| DbError::io("replacing", &dest, e))?;
    tmp.committed = true;
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(Written { bytes: file_len })
}

/// Where the bytes of an open database come from.
enum Source {
    File(File),
    Memory(Cow<'static, [u8]>),
}

/// A read-only, open database.
///
/// Opening reads the header, the metadata and the lookup index; the id
/// table is read on first use, and records are inflated block by block on
/// lookup. A `Database` is `Send + Sync` and keeps
/// reading the file it opened even if a sync replaces it meanwhile.
pub struct Database {
    path: PathBuf,
    source: Source,
    file_len: u64,
    blocks_off: u64,
    blocks_len: u64,
    meta: DbMeta,
    index: Vec<u8>,
    key_count: usize,
    record_count: usize,
    block_count: usize,
    keys_at: usize,
    refs_at: usize,
    records_at: usize,
    blocks_at: usize,
    strings_at: usize,
    ref_count: usize,
    ids_off: u64,
    ids_len: u64,
    ids_crc: u32,
    /// The id table, read on first use.
    ids: std::sync::OnceLock<Result<Vec<u8>, String>>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("path", &self.path)
            .field("records", &self.record_count)
            .field("packages", &self.key_count)
            .finish()
    }
}

fn rd_u32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes(s.try_into().expect("4 bytes")))
}

fn rd_u64(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 8)
        .map(|s| u64::from_le_bytes(s.try_into().expect("8 bytes")))
}

fn rd_u16(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes(s.try_into().expect("2 bytes")))
}

fn rd_i64(b: &[u8], at: usize) -> Option<i64> {
    b.get(at..at + 8)
        .map(|s| i64::from_le_bytes(s.try_into().expect("8 bytes")))
}

/// One entry of the record table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordEntry {
    pub block: u32,
    pub offset: u32,
    pub len: u32,
}

impl Database {
    /// Opens the database in `dir` (the file `dir/vulndb.scdb`).
    ///
    /// Also removes temporary files of writers that were killed.
    pub fn open(dir: impl AsRef<Path>) -> Result<Database, DbError> {
        let dir = dir.as_ref();
        let path = dir.join(DB_FILE_NAME);
        if !path.is_file() {
            return Err(DbError::NotFound {
                dir: dir.to_path_buf(),
            });
        }
        cleanup_stale_temps(dir);
        Database::open_file(&path)
    }

    /// Opens a database file (or an exported bundle, which is the same format).
    pub fn open_file(path: impl AsRef<Path>) -> Result<Database, DbError> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| DbError::io("opening", path, e))?;
        let len = file
            .metadata()
            .map_err(|e| DbError::io("reading", path, e))?
            .len();
        Database::load(path.to_path_buf(), Source::File(file), len)
    }

    /// Opens a database held in memory (the bundled seed); `label` names it in errors.
    pub fn from_bytes(
        bytes: impl Into<Cow<'static, [u8]>>,
        label: &str,
    ) -> Result<Database, DbError> {
        let bytes = bytes.into();
        let len = bytes.len() as u64;
        Database::load(PathBuf::from(label), Source::Memory(bytes), len)
    }

    fn read_at(&self, off: u64, len: usize) -> Result<Cow<'_, [u8]>, DbError> {
        read_source(&self.source, &self.path, off, len)
    }

    fn load(path: PathBuf, source: Source, actual_len: u64) -> Result<Database, DbError> {
        let corrupt = |r: String| DbError::corrupt(&path, r);
        if actual_len < HEADER_LEN as u64 {
            return Err(corrupt(format!(
                "file is {actual_len} bytes, shorter than the {HEADER_LEN}-byte header"
            )));
        }
        let header = read_source(&source, &path, 0, HEADER_LEN)?.into_owned();
        if &header[..8] != MAGIC {
            return Err(corrupt(
                "missing the SCVULNDB signature (not a database file, or a write that never finished)"
                    .into(),
            ));
        }
        let version = rd_u32(&header, 8).unwrap_or(0);
        if version != FORMAT_VERSION {
            return Err(DbError::UnsupportedFormat {
                path,
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let h = |at| rd_u64(&header, at).unwrap_or(0);
        let (file_len, blocks_off, blocks_len) = (h(16), h(24), h(32));
        let (meta_off, meta_len, index_off, index_len) = (h(40), h(48), h(56), h(64));
        let (ids_off, ids_len) = (h(72), h(80));
        let stored_crc = rd_u32(&header, 88).unwrap_or(0);
        let ids_crc = rd_u32(&header, 92).unwrap_or(0);
        if file_len != actual_len {
            return Err(corrupt(format!(
                "file is {actual_len} bytes but its header says {file_len} (truncated or appended to)"
            )));
        }
        let consistent = blocks_off == HEADER_LEN as u64
            && blocks_off.checked_add(blocks_len) == Some(meta_off)
            && meta_off.checked_add(meta_len) == Some(index_off)
            && index_off.checked_add(index_len) == Some(ids_off)
            && ids_off.checked_add(ids_len) == Some(file_len)
            && meta_len + index_len <= MAX_INDEX_LEN
            && ids_len <= MAX_INDEX_LEN;
        if !consistent {
            return Err(corrupt(
                "section offsets in the header are inconsistent".into(),
            ));
        }
        // Two reads straight into their final buffers (no copy of the index).
        let meta_bytes = read_source(&source, &path, meta_off, meta_len as usize)?;
        let index = read_source(&source, &path, index_off, index_len as usize)?.into_owned();
        let mut crc = crc32fast::Hasher::new();
        crc.update(&header[..88]);
        crc.update(&meta_bytes);
        crc.update(&index);
        if crc.finalize() != stored_crc {
            return Err(corrupt(
                "checksum of the metadata and index does not match".into(),
            ));
        }
        let meta: DbMeta = serde_json::from_slice(&meta_bytes)
            .map_err(|e| corrupt(format!("metadata is not valid: {e}")))?;
        drop(meta_bytes);
        let ih = |at| rd_u32(&index, at).map(|v| v as usize);
        let (
            Some(key_count),
            Some(ref_count),
            Some(record_count),
            Some(block_count),
            Some(strings_len),
        ) = (ih(0), ih(4), ih(8), ih(12), ih(16))
        else {
            return Err(corrupt("index is shorter than its header".into()));
        };
        let keys_at = INDEX_HEADER_LEN;
        let refs_at = keys_at + key_count * KEY_ENTRY;
        let records_at = refs_at + ref_count * REF_ENTRY;
        let blocks_at = records_at + record_count * RECORD_ENTRY;
        let strings_at = blocks_at + block_count * BLOCK_ENTRY;
        if strings_at + strings_len != index.len() {
            return Err(corrupt(format!(
                "index is {} bytes but its tables need {}",
                index.len(),
                strings_at + strings_len
            )));
        }
        if meta.records != record_count || meta.packages > key_count {
            return Err(corrupt("metadata counts disagree with the index".into()));
        }
        Ok(Database {
            path,
            source,
            file_len,
            blocks_off,
            blocks_len,
            meta,
            index,
            key_count,
            record_count,
            block_count,
            keys_at,
            refs_at,
            records_at,
            blocks_at,
            strings_at,
            ref_count,
            ids_off,
            ids_len,
            ids_crc,
            ids: std::sync::OnceLock::new(),
        })
    }

    /// The id table (read and checked on first use).
    fn ids(&self) -> Result<&[u8], DbError> {
        let r = self.ids.get_or_init(|| {
            let bytes = read_source(
                &self.source,
                &self.path,
                self.ids_off,
                self.ids_len as usize,
            )
            .map_err(|e| e.to_string())?
            .into_owned();
            if crc32fast::hash(&bytes) != self.ids_crc {
                return Err("checksum of the id table does not match".into());
            }
            if bytes.len() < self.record_count * ID_ENTRY {
                return Err("id table is shorter than the record count".into());
            }
            Ok(bytes)
        });
        match r {
            Ok(b) => Ok(b),
            Err(reason) => Err(self.corrupt(reason.clone())),
        }
    }

    /// The database file (or the label of an in-memory database).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The stored metadata.
    pub fn meta(&self) -> &DbMeta {
        &self.meta
    }

    /// Size of the database file in bytes.
    pub fn file_size(&self) -> u64 {
        self.file_len
    }

    /// Number of stored records (withdrawn ones included).
    pub fn record_count(&self) -> usize {
        self.record_count
    }

    fn corrupt(&self, reason: impl Into<String>) -> DbError {
        DbError::corrupt(&self.path, reason)
    }

    fn key_bytes(&self, off: u32, len: usize) -> Result<&[u8], DbError> {
        let start = self.strings_at + off as usize;
        self.index
            .get(start..start + len)
            .ok_or_else(|| self.corrupt("index string out of bounds"))
    }

    fn key_at(&self, i: usize) -> Result<(&[u8], usize, usize), DbError> {
        let at = self.keys_at + i * KEY_ENTRY;
        let f =
            |o| rd_u32(&self.index, at + o).ok_or_else(|| self.corrupt("key table out of bounds"));
        let (off, len, start, count) = (f(0)?, f(4)?, f(8)?, f(12)?);
        if start as usize + count as usize > self.ref_count {
            return Err(self.corrupt("key references out of bounds"));
        }
        Ok((
            self.key_bytes(off, len as usize)?,
            start as usize,
            count as usize,
        ))
    }

    /// Record numbers indexed under `key` (normalized, see [`names::index_key`]).
    pub(crate) fn refs_for_key(&self, key: &str) -> Result<Vec<u32>, DbError> {
        let (mut lo, mut hi) = (0usize, self.key_count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let (k, start, count) = self.key_at(mid)?;
            match k.cmp(key.as_bytes()) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    let mut out = Vec::with_capacity(count);
                    for j in start..start + count {
                        let r = rd_u32(&self.index, self.refs_at + j * REF_ENTRY)
                            .ok_or_else(|| self.corrupt("reference table out of bounds"))?;
                        if r as usize >= self.record_count {
                            return Err(self.corrupt("reference to a record that does not exist"));
                        }
                        out.push(r);
                    }
                    return Ok(out);
                }
            }
        }
        Ok(Vec::new())
    }

    /// Every key with the record numbers under it, in key order.
    pub(crate) fn all_keys(&self) -> Result<Vec<(String, Vec<u32>)>, DbError> {
        let mut out = Vec::with_capacity(self.key_count);
        for i in 0..self.key_count {
            let (k, start, count) = self.key_at(i)?;
            let mut refs = Vec::with_capacity(count);
            for j in start..start + count {
                refs.push(
                    rd_u32(&self.index, self.refs_at + j * REF_ENTRY)
                        .ok_or_else(|| self.corrupt("reference table out of bounds"))?,
                );
            }
            let k = std::str::from_utf8(k).map_err(|_| self.corrupt("index key is not UTF-8"))?;
            out.push((k.to_string(), refs));
        }
        Ok(out)
    }

    pub(crate) fn record_entry(&self, i: u32) -> Result<RecordEntry, DbError> {
        let at = self.records_at + i as usize * RECORD_ENTRY;
        let bad = || self.corrupt("record table out of bounds");
        Ok(RecordEntry {
            block: rd_u32(&self.index, at).ok_or_else(bad)?,
            offset: rd_u32(&self.index, at + 4).ok_or_else(bad)?,
            len: rd_u32(&self.index, at + 8).ok_or_else(bad)?,
        })
    }

    /// (withdrawn, modified in ns) of record number `i`, from the id table.
    pub(crate) fn record_flags(&self, i: u32) -> Result<(bool, i64), DbError> {
        let ids = self.ids()?;
        let at = i as usize * ID_ENTRY;
        let bad = || self.corrupt("id table out of bounds");
        let flags = rd_u16(ids, at + 6).ok_or_else(bad)?;
        let modified = rd_i64(ids, at + 8).ok_or_else(bad)?;
        Ok((flags & FLAG_WITHDRAWN != 0, modified))
    }

    /// The id of record number `i`.
    pub(crate) fn record_id(&self, i: u32) -> Result<&str, DbError> {
        let ids = self.ids()?;
        let at = i as usize * ID_ENTRY;
        let bad = || self.corrupt("id table out of bounds");
        let off = rd_u32(ids, at).ok_or_else(bad)? as usize;
        let len = rd_u16(ids, at + 4).ok_or_else(bad)? as usize;
        let start = self.record_count * ID_ENTRY + off;
        let bytes = ids.get(start..start + len).ok_or_else(bad)?;
        std::str::from_utf8(bytes).map_err(|_| self.corrupt("record id is not UTF-8"))
    }

    /// Record number of `id`, if stored.
    pub(crate) fn find_id(&self, id: &str) -> Result<Option<u32>, DbError> {
        let (mut lo, mut hi) = (0u32, self.record_count as u32);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.record_id(mid)?.cmp(id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(Some(mid)),
            }
        }
        Ok(None)
    }

    /// Inflates block `b`.
    pub(crate) fn block(&self, b: u32) -> Result<Vec<u8>, DbError> {
        if b as usize >= self.block_count {
            return Err(self.corrupt(format!("block {b} does not exist")));
        }
        let at = self.blocks_at + b as usize * BLOCK_ENTRY;
        let bad = || self.corrupt("block table out of bounds");
        let off = rd_u64(&self.index, at).ok_or_else(bad)?;
        let comp = rd_u32(&self.index, at + 8).ok_or_else(bad)? as u64;
        let raw = rd_u32(&self.index, at + 12).ok_or_else(bad)? as usize;
        if off
            .checked_add(comp)
            .is_none_or(|end| end > self.blocks_len)
            || raw > MAX_BLOCK_RAW
        {
            return Err(self.corrupt(format!("block {b} lies outside the file")));
        }
        let data = self.read_at(self.blocks_off + off, comp as usize)?;
        let out = zstd::bulk::decompress(&data, raw)
            .map_err(|e| self.corrupt(format!("block {b} does not decompress: {e}")))?;
        if out.len() != raw {
            return Err(self.corrupt(format!(
                "block {b} inflates to {} bytes, the index says {raw}",
                out.len()
            )));
        }
        Ok(out)
    }

    /// Raw JSON of the given records, reading each block once. Output order
    /// follows the storage order.
    pub(crate) fn raw_records(&self, mut ids: Vec<u32>) -> Result<Vec<(u32, Vec<u8>)>, DbError> {
        ids.sort_unstable();
        ids.dedup();
        let mut entries = Vec::with_capacity(ids.len());
        for i in ids {
            entries.push((i, self.record_entry(i)?));
        }
        entries.sort_by_key(|(_, e)| (e.block, e.offset));
        let mut out = Vec::with_capacity(entries.len());
        let mut cached: Option<(u32, Vec<u8>)> = None;
        for (i, e) in entries {
            if cached.as_ref().is_none_or(|(b, _)| *b != e.block) {
                let data = self
                    .block(e.block)
                    .map_err(|err| self.record_error(i, err))?;
                cached = Some((e.block, data));
            }
            let (_, data) = cached.as_ref().expect("just filled");
            let slice = data
                .get(e.offset as usize..e.offset as usize + e.len as usize)
                .ok_or_else(|| {
                    self.record_error(i, self.corrupt("record lies outside its block"))
                })?;
            out.push((i, slice.to_vec()));
        }
        Ok(out)
    }

    fn record_error(&self, i: u32, err: DbError) -> DbError {
        let id = self.record_id(i).unwrap_or("?").to_string();
        let reason = match err {
            DbError::Corrupt { reason, .. } => reason,
            other => other.to_string(),
        };
        DbError::CorruptRecord {
            path: self.path.clone(),
            id,
            reason,
        }
    }

    /// Parses a stored record.
    pub(crate) fn parse_record(&self, i: u32, json: &[u8]) -> Result<OsvRecord, DbError> {
        // Stored records were validated on import: plain serde is enough;
        // the detailed (slower) parse only runs to explain a failure.
        if let Ok(r) = serde_json::from_slice::<OsvRecord>(json) {
            return Ok(r);
        }
        OsvRecord::from_json(json).map_err(|e| DbError::CorruptRecord {
            path: self.path.clone(),
            id: self.record_id(i).unwrap_or("?").to_string(),
            reason: format!("stored JSON is not a valid OSV record: {e}"),
        })
    }

    /// The record with this id, if stored.
    pub fn get(&self, id: &str) -> Result<Option<OsvRecord>, DbError> {
        let Some(i) = self.find_id(id)? else {
            return Ok(None);
        };
        let raw = self.raw_records(vec![i])?;
        let (_, json) = raw.into_iter().next().expect("one record asked, one read");
        self.parse_record(i, &json).map(Some)
    }

    /// Records affecting the package `name` of `ecosystem` (OSV spelling,
    /// release suffix included for distributions: `Debian:12`). Names and
    /// ecosystems are normalized as [`names`] describes. Withdrawn records are
    /// included; [`OsvRecord::is_withdrawn`] tells them apart.
    pub fn lookup(
        &self,
        ecosystem: &str,
        name: &str,
    ) -> impl Iterator<Item = Result<OsvRecord, DbError>> + '_ {
        let key = names::index_key(ecosystem, name);
        let raw = self
            .refs_for_key(&key)
            .and_then(|refs| self.raw_records(refs));
        let items: Vec<Result<(u32, Vec<u8>), DbError>> = match raw {
            Ok(v) => v.into_iter().map(Ok).collect(),
            Err(e) => vec![Err(e)],
        };
        items
            .into_iter()
            .map(move |r| r.and_then(|(i, json)| self.parse_record(i, &json)))
    }

    /// Reads and parses every record: a full integrity check.
    pub fn verify(&self) -> Result<usize, DbError> {
        let mut n = 0;
        for b in 0..self.block_count as u32 {
            self.block(b)?;
        }
        for (i, json) in self.raw_records((0..self.record_count as u32).collect())? {
            self.parse_record(i, &json)?;
            n += 1;
        }
        Ok(n)
    }

    /// Every stored record, staged for rebuilding (keys and flags from the
    /// index, JSON as stored).
    pub(crate) fn staged_records(&self) -> Result<Vec<StagedRecord>, DbError> {
        let mut keys: Vec<Vec<String>> = vec![Vec::new(); self.record_count];
        for (k, refs) in self.all_keys()? {
            for r in refs {
                if let Some(v) = keys.get_mut(r as usize) {
                    v.push(k.clone());
                }
            }
        }
        let mut out = Vec::with_capacity(self.record_count);
        for (i, json) in self.raw_records((0..self.record_count as u32).collect())? {
            let (withdrawn, modified_ns) = self.record_flags(i)?;
            out.push(StagedRecord {
                id: self.record_id(i)?.to_string(),
                modified_ns,
                withdrawn,
                keys: std::mem::take(&mut keys[i as usize]),
                json,
            });
        }
        Ok(out)
    }

    /// Everything stored, as bytes (for export: a consistent snapshot even if
    /// a sync replaces the file meanwhile).
    pub(crate) fn file_bytes(&self) -> Result<Vec<u8>, DbError> {
        Ok(self.read_at(0, self.file_len as usize)?.into_owned())
    }
}

fn read_source<'a>(
    source: &'a Source,
    path: &Path,
    off: u64,
    len: usize,
) -> Result<Cow<'a, [u8]>, DbError> {
    match source {
        Source::Memory(b) => {
            let start = usize::try_from(off).unwrap_or(usize::MAX);
            b.get(start..start.saturating_add(len))
                .map(Cow::Borrowed)
                .ok_or_else(|| DbError::corrupt(path, "read past the end of the data"))
        }
        Source::File(f) => {
            let mut buf = vec![0u8; len];
            read_exact_at(f, &mut buf, off).map_err(|e| DbError::io("reading", path, e))?;
            Ok(Cow::Owned(buf))
        }
    }
}

#[cfg(unix)]
fn read_exact_at(f: &File, buf: &mut [u8], off: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    f.read_exact_at(buf, off)
}

#[cfg(windows)]
fn read_exact_at(f: &File, mut buf: &mut [u8], mut off: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match f.seek_read(buf, off)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                off += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str, eco: &str, name: &str, modified: &str) -> OsvRecord {
        OsvRecord::from_json(
            format!(
                r#"{{"id":"{id}","modified":"{modified}","aliases":["CVE-2000-{id}"],
                "affected":[{{"package":{{"ecosystem":"{eco}","name":"{name}"}},
                "ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"2.0"}}]}}]}}]}}"#
            )
            .as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn write_then_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut staged = Vec::new();
        for i in 0..500 {
            let r = rec(
                &format!("GHSA-{i:04}"),
                if i % 2 == 0 { "PyPI" } else { "npm" },
                &format!("Pkg_{}", i % 37),
                "2024-01-02T03:04:05Z",
            );
            staged.push(StagedRecord::from_record(&r));
        }
        let w = write_database(
            dir.path(),
            staged,
            MetaCarry::default(),
            &BuildOptions::default(),
        )
        .unwrap();
        assert_eq!(
            w.bytes,
            fs::metadata(dir.path().join(DB_FILE_NAME)).unwrap().len()
        );
        let db = Database::open(dir.path()).unwrap();
        assert_eq!(db.record_count(), 500);
        assert_eq!(db.meta().ecosystems["PyPI"].records, 250);
        assert_eq!(
            db.meta().ecosystems["PyPI"].last_modified.as_deref(),
            Some("2024-01-02T03:04:05Z")
        );
        assert_eq!(db.meta().sources["GHSA"], 500);
        // PEP 503: pkg-3 finds Pkg_3
        let found: Vec<_> = db.lookup("PyPI", "pkg-4").map(|r| r.unwrap().id).collect();
        assert!(!found.is_empty());
        assert!(found.iter().all(|id| {
            let n: usize = id[5..].parse().unwrap();
            n % 37 == 4 && n % 2 == 0
        }));
        assert_eq!(db.get("GHSA-0042").unwrap().unwrap().id, "GHSA-0042");
        assert!(db.get("GHSA-9999").unwrap().is_none());
        assert_eq!(db.verify().unwrap(), 500);
        assert_eq!(db.staged_records().unwrap().len(), 500);
        // no temp files left behind
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec![DB_FILE_NAME.to_string()]);
    }

    #[test]
    fn empty_database_opens() {
        let dir = tempfile::tempdir().unwrap();
        write_database(
            dir.path(),
            vec![],
            MetaCarry::default(),
            &BuildOptions::default(),
        )
        .unwrap();
        let db = Database::open(dir.path()).unwrap();
        assert_eq!(db.record_count(), 0);
        assert_eq!(db.lookup("PyPI", "x").count(), 0);
    }
}
