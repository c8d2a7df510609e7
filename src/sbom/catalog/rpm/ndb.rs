//! rpm's NDB package store, `Packages.db` (rpm 4.16+ `_db_backend ndb`;
//! SUSE since SLE 15 SP3 / openSUSE, under `usr/lib/sysimage/rpm`).
//!
//! Layout (little-endian): a 32-byte header (`RpmP`, version 0, generation,
//! number of slot pages, next package index); then slot pages of 4096 bytes
//! holding 16-byte slots (`Slot`, package index — 0 for a free slot — block
//! offset and block count, in 16-byte blocks), the first two slot positions
//! taken by the header. Each package's blob sits at its block offset: a
//! 16-byte blob header (`BlbS`, package index, generation, blob length), the
//! header blob, padding, and a 12-byte tail (Adler-32 of everything before
//! the tail, blob length, `BlbE`) ending the slot's last block.
//!
//! A bad slot or blob is reported and skipped; the other packages are read.

use std::fmt;

const PAGE: usize = 4096;
const SLOT: usize = 16;
const BLOCK: u64 = 16;
const HEADER_MAGIC: &[u8; 4] = b"RpmP";
const SLOT_MAGIC: &[u8; 4] = b"Slot";
const BLOB_MAGIC: &[u8; 4] = b"BlbS";
const TAIL_MAGIC: &[u8; 4] = b"BlbE";

/// A problem in an NDB file, with the byte offset where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NdbError {
    /// Byte offset in the file.
    pub offset: u64,
    /// What is wrong.
    pub what: String,
}

impl fmt::Display for NdbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ndb offset {}: {}", self.offset, self.what)
    }
}

impl std::error::Error for NdbError {}

/// The package blobs of an NDB file.
#[derive(Debug, Default)]
pub struct NdbBlobs {
    /// `(package index, header blob)`, by package index.
    pub blobs: Vec<(u32, Vec<u8>)>,
    /// Damaged slots and blobs, skipped.
    pub errors: Vec<NdbError>,
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Adler-32 (RFC 1950).
fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 bytes is the most that cannot overflow u32 before the modulo.
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += x as u32;
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    b << 16 | a
}

/// Read every package blob of an NDB `Packages.db`. Fails only when the file
/// is not one (bad magic or version).
pub fn read_packages(data: &[u8]) -> Result<NdbBlobs, NdbError> {
    let mut blobs = Vec::new();
    let errors = for_each_blob(data, &mut |idx, blob| blobs.push((idx, blob.to_vec())))?;
    blobs.sort_by_key(|b| b.0);
    Ok(NdbBlobs { blobs, errors })
}

/// Like [`read_packages`], handing each blob (a slice of `data`) to `visit`
/// in slot order; returns the damage met on the way.
pub fn for_each_blob(
    data: &[u8],
    visit: &mut dyn FnMut(u32, &[u8]),
) -> Result<Vec<NdbError>, NdbError> {
    let fail = |offset, what: String| NdbError { offset, what };
    if data.len() < 32 {
        return Err(fail(
            0,
            format!("file of {} bytes has no header", data.len()),
        ));
    }
    if &data[..4] != HEADER_MAGIC {
        return Err(fail(
            0,
            "not an rpm NDB package database (bad magic)".into(),
        ));
    }
    let version = le32(data, 4);
    if version != 0 {
        return Err(fail(4, format!("unsupported version {version}")));
    }
    let slot_pages = le32(data, 12) as usize;
    let mut errors = Vec::new();
    let slots_end = slot_pages.saturating_mul(PAGE);
    let readable_end = if slots_end > data.len() {
        errors.push(fail(
            12,
            format!(
                "{slot_pages} slot pages do not fit a file of {} bytes",
                data.len()
            ),
        ));
        data.len() - data.len() % SLOT
    } else {
        slots_end
    };

    // The header takes the first two slot positions.
    let mut at = 2 * SLOT;
    while at + SLOT <= readable_end {
        let slot = &data[at..at + SLOT];
        let slot_at = at as u64;
        at += SLOT;
        if &slot[..4] != SLOT_MAGIC {
            errors.push(fail(slot_at, "bad slot magic".into()));
            continue;
        }
        let pkgidx = le32(slot, 4);
        if pkgidx == 0 {
            continue;
        }
        let blk_off = le32(slot, 8) as u64;
        let blk_cnt = le32(slot, 12) as u64;
        match read_blob(
            data,
            pkgidx,
            blk_off * BLOCK,
            blk_cnt * BLOCK,
            slots_end as u64,
        ) {
            Ok(blob) => visit(pkgidx, blob),
            Err((offset, what)) => errors.push(fail(
                offset,
                format!("package {pkgidx} (slot at {slot_at}): {what}"),
            )),
        }
    }
    Ok(errors)
}

/// The header blob of package `pkgidx`, stored in `[start, start + len)`.
fn read_blob(
    data: &[u8],
    pkgidx: u32,
    start: u64,
    len: u64,
    slots_end: u64,
) -> Result<&[u8], (u64, String)> {
    if start < slots_end || len < 16 + 12 || start + len > data.len() as u64 {
        return Err((
            start,
            format!(
                "blob area of {len} bytes at {start} is outside the blob region of a {}-byte file",
                data.len()
            ),
        ));
    }
    let (s, l) = (start as usize, len as usize);
    let area = &data[s..s + l];
    if &area[..4] != BLOB_MAGIC {
        return Err((start, "bad blob magic".into()));
    }
    if le32(area, 4) != pkgidx {
        return Err((
            start + 4,
            format!("blob belongs to package {}", le32(area, 4)),
        ));
    }
    let blob_len = le32(area, 12) as usize;
    if blob_len > l - 16 - 12 {
        return Err((
            start + 12,
            format!("blob length {blob_len} exceeds its {l}-byte area"),
        ));
    }
    let tail = &area[l - 12..];
    if &tail[8..] != TAIL_MAGIC || le32(tail, 4) as usize != blob_len {
        return Err((start + len - 12, "bad blob tail".into()));
    }
    let sum = adler32(&area[..l - 12]);
    if sum != le32(tail, 0) {
        return Err((
            start + len - 12,
            format!(
                "checksum mismatch (stored {:#x}, computed {sum:#x})",
                le32(tail, 0)
            ),
        ));
    }
    Ok(&area[16..16 + blob_len])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/catalog/rpm/Packages.db"
        ))
        .unwrap()
    }

    #[test]
    fn adler32_known_value() {
        // RFC 1950's example value for "Wikipedia".
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(&vec![0xffu8; 100_000]), {
            let (mut a, mut b) = (1u64, 0u64);
            for _ in 0..100_000 {
                a = (a + 0xff) % 65521;
                b = (b + a) % 65521;
            }
            (b << 16 | a) as u32
        });
    }

    #[test]
    fn reads_rpm_written_ndb() {
        let got = read_packages(&fixture()).unwrap();
        assert!(got.errors.is_empty(), "{:?}", got.errors);
        let idx: Vec<u32> = got.blobs.iter().map(|b| b.0).collect();
        assert_eq!(idx, [1, 2, 3, 4]);
        for (_, blob) in &got.blobs {
            let il = u32::from_be_bytes(blob[0..4].try_into().unwrap()) as usize;
            let dl = u32::from_be_bytes(blob[4..8].try_into().unwrap()) as usize;
            assert_eq!(blob.len(), 8 + 16 * il + dl);
        }
    }

    #[test]
    fn a_corrupt_blob_loses_only_that_package() {
        let mut db = fixture();
        let good = read_packages(&db).unwrap();
        // Flip a byte inside the first slot's blob: its checksum fails.
        let blk_off = le32(&db, 32 + 8) as usize * 16;
        db[blk_off + 100] ^= 0x55;
        let got = read_packages(&db).unwrap();
        assert_eq!(got.blobs.len(), good.blobs.len() - 1);
        assert_eq!(got.errors.len(), 1);
        assert!(
            got.errors[0].what.contains("checksum mismatch"),
            "{}",
            got.errors[0]
        );
        // A slot with a bad magic.
        let mut db = fixture();
        db[48] = b'X';
        let got = read_packages(&db).unwrap();
        assert_eq!(got.errors[0].to_string(), "ndb offset 48: bad slot magic");
    }

    #[test]
    fn file_level_errors() {
        assert_eq!(
            read_packages(b"RpmP").unwrap_err().to_string(),
            "ndb offset 0: file of 4 bytes has no header"
        );
        assert!(read_packages(&[0u8; 64])
            .unwrap_err()
            .what
            .contains("bad magic"));
    }

    #[test]
    fn no_panic_on_garbage_or_truncated_input() {
        let db = fixture();
        for cut in (0..db.len()).step_by(101) {
            let _ = read_packages(&db[..cut]);
        }
        let mut x: u32 = 5;
        for _ in 0..500 {
            let mut copy = db.clone();
            for _ in 0..8 {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let i = x as usize % copy.len().min(8192);
                copy[i] = (x >> 8) as u8;
            }
            let _ = read_packages(&copy);
        }
    }
}
