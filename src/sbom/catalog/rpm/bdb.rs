//! Berkeley DB hash databases, read natively: rpm's `var/lib/rpm/Packages`
//! before rpm 4.16 (RHEL/CentOS 7 and 8, Amazon Linux 2, SLES 12/15 up to
//! SP2, ...).
//!
//! Facts used (Berkeley DB's `db_page.h`): the file is a sequence of pages
//! in the byte order of the machine that wrote it (the metadata magic
//! `0x061561` tells which). Page 0 is the hash metadata page (page size at
//! 20, encryption algorithm at 24, page type 8 at 25, flags at 26 — bit 0:
//! page checksums — last page number at 32). Every page starts with a
//! 26-byte header (next page at 16, entry count at 20, high free offset at
//! 22, type at 25), followed by 6 bytes of checksum on checksummed
//! databases; then hash pages (type 13, or 2 before 4.6) hold an array of
//! 2-byte item offsets, items alternating key and data. An item is
//! `H_KEYDATA` (1: the bytes follow, up to the previous item) or
//! `H_OFFPAGE` (3: 3 bytes padding, first overflow page, total length);
//! overflow pages (type 7) hold `hf_offset` bytes after the header and
//! chain through the next-page field.
//!
//! Every page is visited in file order rather than by walking bucket
//! chains: a damaged page loses only its own items.

use std::collections::HashSet;
use std::fmt;

const HASH_MAGIC: u32 = 0x0006_1561;
const BTREE_MAGIC: u32 = 0x0005_3162;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;
const H_KEYDATA: u8 = 1;
const H_DUPLICATE: u8 = 2;
const H_OFFPAGE: u8 = 3;
const H_OFFDUP: u8 = 4;
const SIZEOF_PAGE: usize = 26;

/// A problem in a Berkeley DB file, with the page where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BdbError {
    /// Page number, when the problem is on a page.
    pub page: Option<u32>,
    /// What is wrong.
    pub what: String,
}

impl fmt::Display for BdbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.page {
            Some(p) => write!(f, "berkeley db page {p}: {}", self.what),
            None => write!(f, "berkeley db: {}", self.what),
        }
    }
}

impl std::error::Error for BdbError {}

fn err(page: Option<u32>, what: impl Into<String>) -> BdbError {
    BdbError {
        page,
        what: what.into(),
    }
}

/// The key/data pairs of a hash database.
#[derive(Debug, Default)]
pub struct HashEntries {
    /// `(key, data)` in page order.
    pub entries: Vec<(Vec<u8>, Vec<u8>)>,
    /// Damage found on the way.
    pub errors: Vec<BdbError>,
}

struct Db<'a> {
    data: &'a [u8],
    big_endian: bool,
    page_size: usize,
    overhead: usize,
    pages: u32,
}

impl Db<'_> {
    fn u16(&self, b: &[u8]) -> usize {
        let a = [b[0], b[1]];
        (if self.big_endian {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        }) as usize
    }

    fn u32(&self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        if self.big_endian {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    }

    fn page(&self, n: u32) -> Option<&[u8]> {
        if n >= self.pages {
            return None;
        }
        let start = n as usize * self.page_size;
        self.data.get(start..start + self.page_size)
    }

    /// Bytes of an overflow item starting at page `first`.
    fn overflow(&self, first: u32, total: usize) -> Result<Vec<u8>, String> {
        if total > self.pages as usize * self.page_size {
            return Err(format!(
                "overflow item of {total} bytes is larger than the file"
            ));
        }
        let mut out = Vec::with_capacity(total);
        let mut next = first;
        let mut seen = HashSet::new();
        while out.len() < total {
            if next == 0 || !seen.insert(next) {
                return Err(format!(
                    "overflow chain from page {first} ends after {} of {total} bytes",
                    out.len()
                ));
            }
            let page = self
                .page(next)
                .ok_or_else(|| format!("overflow page {next} is past the end of the file"))?;
            if page[25] != P_OVERFLOW {
                return Err(format!(
                    "page {next} in the overflow chain from page {first} has type {}",
                    page[25]
                ));
            }
            let len = self.u16(&page[22..24]);
            let chunk = page
                .get(self.overhead..self.overhead + len)
                .ok_or_else(|| format!("overflow page {next} claims {len} bytes"))?;
            let take = chunk.len().min(total - out.len());
            out.extend_from_slice(&chunk[..take]);
            next = self.u32(&page[16..20]);
        }
        Ok(out)
    }

    /// One item of a hash page: its bytes (off-page items followed).
    fn item(&self, page: &[u8], start: usize, end: usize) -> Result<Vec<u8>, String> {
        let item = &page[start..end];
        match item[0] {
            H_KEYDATA => Ok(item[1..].to_vec()),
            H_OFFPAGE => {
                if item.len() < 12 {
                    return Err(format!("off-page item of {} bytes, needs 12", item.len()));
                }
                let pgno = self.u32(&item[4..8]);
                let tlen = self.u32(&item[8..12]) as usize;
                self.overflow(pgno, tlen)
            }
            H_DUPLICATE | H_OFFDUP => Err("duplicate items (not used by rpm) are not read".into()),
            t => Err(format!("unknown item type {t}")),
        }
    }

    /// The key/data pairs of hash page `n`.
    fn hash_page(
        &self,
        n: u32,
        page: &[u8],
        errors: &mut Vec<BdbError>,
        visit: &mut dyn FnMut(&[u8], &[u8]),
    ) {
        let entries = self.u16(&page[20..22]);
        let index_end = self.overhead + 2 * entries;
        if index_end > self.page_size {
            errors.push(err(
                Some(n),
                format!("{entries} entries do not fit the page"),
            ));
            return;
        }
        let offsets: Vec<usize> = (0..entries)
            .map(|i| self.u16(&page[self.overhead + 2 * i..]))
            .collect();
        let bounds = |i: usize| -> Result<(usize, usize), String> {
            let start = offsets[i];
            // Items are laid out from the end of the page backwards.
            let end = if i == 0 {
                self.page_size
            } else {
                offsets[i - 1]
            };
            if start < index_end || start >= end || end > self.page_size {
                return Err(format!("item {i} at offset {start} is outside the page"));
            }
            Ok((start, end))
        };
        for pair in 0..entries / 2 {
            let (k, d) = (2 * pair, 2 * pair + 1);
            let read = |i| bounds(i).and_then(|(s, e)| self.item(page, s, e));
            match (read(k), read(d)) {
                (Ok(key), Ok(data)) => visit(&key, &data),
                (Err(e), _) | (_, Err(e)) => errors.push(err(Some(n), format!("pair {pair}: {e}"))),
            }
        }
    }
}

/// Read every key/data pair of a Berkeley DB hash database. Fails only when
/// the file is not one (bad magic, not a hash, encrypted, bad page size).
pub fn read_hash(data: &[u8]) -> Result<HashEntries, BdbError> {
    let mut entries = Vec::new();
    let errors = for_each_entry(data, &mut |k, v| entries.push((k.to_vec(), v.to_vec())))?;
    Ok(HashEntries { entries, errors })
}

/// Like [`read_hash`], handing each pair to `visit` in page order instead of
/// keeping them all; returns the damage met on the way.
pub fn for_each_entry(
    data: &[u8],
    visit: &mut dyn FnMut(&[u8], &[u8]),
) -> Result<Vec<BdbError>, BdbError> {
    if data.len() < 512 {
        return Err(err(
            None,
            format!(
                "file of {} bytes is shorter than a metadata page",
                data.len()
            ),
        ));
    }
    let magic_le = u32::from_le_bytes([data[12], data[13], data[14], data[15]]);
    let magic_be = u32::from_be_bytes([data[12], data[13], data[14], data[15]]);
    let big_endian = match (magic_le, magic_be) {
        (HASH_MAGIC, _) => false,
        (_, HASH_MAGIC) => true,
        (BTREE_MAGIC, _) | (_, BTREE_MAGIC) => {
            return Err(err(None, "a btree database, not a hash database"))
        }
        _ => {
            return Err(err(
                None,
                format!("not a Berkeley DB hash database (magic {magic_le:#x})"),
            ))
        }
    };
    let mut db = Db {
        data,
        big_endian,
        page_size: 0,
        overhead: SIZEOF_PAGE,
        pages: 0,
    };
    let page_size = db.u32(&data[20..24]) as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(err(None, format!("invalid page size {page_size}")));
    }
    if data[24] != 0 {
        return Err(err(None, "encrypted database"));
    }
    if data[25] != P_HASHMETA {
        return Err(err(
            Some(0),
            format!("metadata page has type {}, expected {P_HASHMETA}", data[25]),
        ));
    }
    if data[26] & 1 != 0 {
        // Page checksums take 6 bytes after the header (2 of alignment, 4 of sum).
        db.overhead = SIZEOF_PAGE + 6;
    }
    let last_pgno = db.u32(&data[32..36]);
    let in_file = (data.len() / page_size) as u64;
    db.page_size = page_size;
    db.pages = (last_pgno as u64 + 1).min(in_file) as u32;

    let mut errors = Vec::new();
    if (last_pgno as u64) >= in_file {
        errors.push(err(
            None,
            format!(
                "truncated: metadata says {} pages, the file holds {in_file}",
                last_pgno as u64 + 1
            ),
        ));
    }
    for n in 1..db.pages {
        let Some(page) = db.page(n) else { break };
        if matches!(page[25], P_HASH | P_HASH_UNSORTED) {
            db.hash_page(n, page, &mut errors, visit);
        }
    }
    Ok(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/catalog/rpm/Packages"
        ))
        .unwrap()
    }

    #[test]
    fn reads_db_load_hash_database() {
        let got = read_hash(&fixture()).unwrap();
        assert!(got.errors.is_empty(), "{:?}", got.errors);
        let mut keys: Vec<u32> = got
            .entries
            .iter()
            .map(|(k, _)| u32::from_le_bytes(k[..4].try_into().unwrap()))
            .collect();
        keys.sort();
        assert_eq!(keys, [1, 2, 3, 4, 5]);
        for (_, blob) in &got.entries {
            let il = u32::from_be_bytes(blob[0..4].try_into().unwrap()) as usize;
            let dl = u32::from_be_bytes(blob[4..8].try_into().unwrap()) as usize;
            assert_eq!(blob.len(), 8 + 16 * il + dl);
        }
        // The largest header spans twelve overflow pages.
        assert!(got.entries.iter().any(|e| e.1.len() > 40_000));
    }

    #[test]
    fn reads_checksummed_pages() {
        // db_load with db_pagesize=512 and chksum=1: 6 bytes of checksum after each page header.
        let db = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/catalog/rpm/Packages-chksum"
        ))
        .unwrap();
        assert_eq!(db[26] & 1, 1);
        let got = read_hash(&db).unwrap();
        assert!(got.errors.is_empty(), "{:?}", got.errors);
        let names: Vec<String> = got
            .entries
            .iter()
            .map(|(_, v)| {
                crate::sbom::catalog::rpm::header::parse_header(v)
                    .unwrap()
                    .name
            })
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(sorted, ["sc-app", "sc-app-doc", "sc-base"]);
    }

    /// A hash database with one page of inline items, built from the layout facts.
    fn tiny(big_endian: bool, items: &[(u8, &[u8])]) -> Vec<u8> {
        let ps = 512usize;
        let w16 = |v: u16| {
            if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let w32 = |v: u32| {
            if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let mut meta = vec![0u8; ps];
        meta[12..16].copy_from_slice(&w32(HASH_MAGIC));
        meta[16..20].copy_from_slice(&w32(9));
        meta[20..24].copy_from_slice(&w32(ps as u32));
        meta[25] = P_HASHMETA;
        meta[32..36].copy_from_slice(&w32(1));
        let mut page = vec![0u8; ps];
        page[8..12].copy_from_slice(&w32(1));
        page[20..22].copy_from_slice(&w16(items.len() as u16));
        page[25] = P_HASH;
        let mut end = ps;
        for (i, (kind, bytes)) in items.iter().enumerate() {
            let start = end - 1 - bytes.len();
            page[start] = *kind;
            page[start + 1..end].copy_from_slice(bytes);
            page[SIZEOF_PAGE + 2 * i..SIZEOF_PAGE + 2 * i + 2].copy_from_slice(&w16(start as u16));
            end = start;
        }
        page[22..24].copy_from_slice(&w16(end as u16));
        meta.extend(page);
        meta
    }

    #[test]
    fn inline_items_either_byte_order() {
        for be in [false, true] {
            let db = tiny(
                be,
                &[
                    (H_KEYDATA, b"k1"),
                    (H_KEYDATA, b"value one"),
                    (H_KEYDATA, b"k2"),
                    (H_KEYDATA, b"v2"),
                ],
            );
            let got = read_hash(&db).unwrap();
            assert!(got.errors.is_empty());
            assert_eq!(
                got.entries,
                [
                    (b"k1".to_vec(), b"value one".to_vec()),
                    (b"k2".to_vec(), b"v2".to_vec())
                ]
            );
        }
    }

    #[test]
    fn damaged_items_are_reported_and_skipped() {
        // The second pair's data is an off-page item pointing past the file.
        let mut off = vec![0u8; 3];
        off.extend_from_slice(&99u32.to_le_bytes());
        off.extend_from_slice(&10u32.to_le_bytes());
        let db = tiny(
            false,
            &[
                (H_KEYDATA, b"a"),
                (H_KEYDATA, b"1"),
                (H_KEYDATA, b"b"),
                (H_OFFPAGE, &off[..11]),
            ],
        );
        let got = read_hash(&db).unwrap();
        assert_eq!(got.entries, [(b"a".to_vec(), b"1".to_vec())]);
        assert_eq!(
            got.errors[0].to_string(),
            "berkeley db page 1: pair 1: overflow page 99 is past the end of the file"
        );
        let db = tiny(false, &[(H_KEYDATA, b"a"), (H_DUPLICATE, b"xx")]);
        assert_eq!(
            read_hash(&db).unwrap().errors[0].to_string(),
            "berkeley db page 1: pair 0: duplicate items (not used by rpm) are not read"
        );
    }

    #[test]
    fn file_level_errors() {
        assert_eq!(
            read_hash(&[0u8; 100]).unwrap_err().to_string(),
            "berkeley db: file of 100 bytes is shorter than a metadata page"
        );
        assert_eq!(
            read_hash(&[0u8; 4096]).unwrap_err().to_string(),
            "berkeley db: not a Berkeley DB hash database (magic 0x0)"
        );
        let mut db = fixture();
        db[12..16].copy_from_slice(&BTREE_MAGIC.to_le_bytes());
        assert!(read_hash(&db).unwrap_err().what.contains("btree"));
        let mut db = fixture();
        db.truncate(db.len() - 4096);
        let got = read_hash(&db).unwrap();
        assert!(got.errors[0].what.starts_with("truncated"));
        // The header whose last overflow page is gone is lost; the others are read.
        assert_eq!(got.entries.len(), 4);
    }

    #[test]
    fn no_panic_on_garbage_or_truncated_input() {
        let db = fixture();
        for cut in (0..db.len()).step_by(331) {
            let _ = read_hash(&db[..cut]);
        }
        let mut x: u32 = 3;
        for _ in 0..500 {
            let mut copy = db.clone();
            for _ in 0..12 {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let i = x as usize % copy.len();
                copy[i] = (x >> 8) as u8;
            }
            let _ = read_hash(&copy);
        }
    }
}
