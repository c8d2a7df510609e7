//! rpm header blobs, as the package databases store them.
//!
//! A stored header (no lead, no header magic) is big-endian:
//! `il: u32, dl: u32`, then `il` index entries of 16 bytes
//! (`tag, type, offset, count`), then `dl` bytes of data; each entry's
//! `offset` is relative to the start of the data. Types: 1 CHAR, 2 INT8,
//! 3 INT16, 4 INT32, 5 INT64, 6 STRING (NUL-terminated), 7 BIN,
//! 8 STRING_ARRAY and 9 I18NSTRING (`count` consecutive NUL-terminated
//! strings).

use std::fmt;

/// `NAME`.
pub const TAG_NAME: u32 = 1000;
/// `VERSION`.
pub const TAG_VERSION: u32 = 1001;
/// `RELEASE`.
pub const TAG_RELEASE: u32 = 1002;
/// `EPOCH` (INT32).
pub const TAG_EPOCH: u32 = 1003;
/// `SIZE` (INT32, installed bytes).
pub const TAG_SIZE: u32 = 1009;
/// `VENDOR`.
pub const TAG_VENDOR: u32 = 1011;
/// `LICENSE`.
pub const TAG_LICENSE: u32 = 1014;
/// `URL`.
pub const TAG_URL: u32 = 1020;
/// `ARCH`.
pub const TAG_ARCH: u32 = 1022;
/// `OLDFILENAMES` (headers from before compressed file names).
pub const TAG_OLDFILENAMES: u32 = 1027;
/// `SOURCERPM` (`name-version-release.src.rpm`).
pub const TAG_SOURCERPM: u32 = 1044;
/// `PROVIDENAME`.
pub const TAG_PROVIDENAME: u32 = 1047;
/// `REQUIRENAME`.
pub const TAG_REQUIRENAME: u32 = 1049;
/// `DIRINDEXES` (INT32 per file).
pub const TAG_DIRINDEXES: u32 = 1116;
/// `BASENAMES`.
pub const TAG_BASENAMES: u32 = 1117;
/// `DIRNAMES`.
pub const TAG_DIRNAMES: u32 = 1118;
/// `LONGSIZE` (INT64, for packages over 4 GiB).
pub const TAG_LONGSIZE: u32 = 5009;
/// `MODULARITYLABEL`.
pub const TAG_MODULARITYLABEL: u32 = 5096;

const TYPE_CHAR: u32 = 1;
const TYPE_INT8: u32 = 2;
const TYPE_INT16: u32 = 3;
const TYPE_INT32: u32 = 4;
const TYPE_INT64: u32 = 5;
const TYPE_STRING: u32 = 6;
const TYPE_BIN: u32 = 7;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// rpm's own limits (`headerImport`): at most 0xffff entries, 256 MiB of data.
const MAX_INDEX: u32 = 0xffff;
const MAX_DATA: u32 = 0x0fff_ffff;

/// Why a header blob could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError {
    /// Shorter than its own lengths say.
    Truncated {
        /// Bytes the header needs.
        need: u64,
        /// Bytes there are.
        have: usize,
    },
    /// Index or data length past rpm's limits.
    TooLarge {
        /// Index entries.
        il: u32,
        /// Data bytes.
        dl: u32,
    },
    /// An index entry that does not fit its data.
    BadEntry {
        /// Entry number.
        index: usize,
        /// Its tag.
        tag: u32,
        /// What is wrong.
        what: &'static str,
    },
    /// A tag every package has is missing.
    Missing(&'static str),
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::Truncated { need, have } => {
                write!(f, "header truncated: needs {need} bytes, has {have}")
            }
            HeaderError::TooLarge { il, dl } => write!(
                f,
                "header claims {il} index entries and {dl} data bytes, past rpm's limits"
            ),
            HeaderError::BadEntry { index, tag, what } => {
                write!(f, "header index entry {index} (tag {tag}): {what}")
            }
            HeaderError::Missing(tag) => write!(f, "header has no {tag} tag"),
        }
    }
}

impl std::error::Error for HeaderError {}

#[derive(Debug, Clone, Copy)]
struct Entry {
    tag: u32,
    kind: u32,
    offset: u32,
    count: u32,
}

/// A parsed header: index entries over the data store.
#[derive(Debug)]
pub struct Header<'a> {
    entries: Vec<Entry>,
    data: &'a [u8],
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl<'a> Header<'a> {
    /// Parse a stored header blob. Every entry is checked against the data
    /// store here, so reading values later cannot go out of bounds.
    pub fn parse(blob: &'a [u8]) -> Result<Self, HeaderError> {
        if blob.len() < 8 {
            return Err(HeaderError::Truncated {
                need: 8,
                have: blob.len(),
            });
        }
        let il = be32(blob, 0);
        let dl = be32(blob, 4);
        if il == 0 || il > MAX_INDEX || dl > MAX_DATA {
            return Err(HeaderError::TooLarge { il, dl });
        }
        let data_start = 8 + il as usize * 16;
        let need = data_start as u64 + dl as u64;
        if (blob.len() as u64) < need {
            return Err(HeaderError::Truncated {
                need,
                have: blob.len(),
            });
        }
        let data = &blob[data_start..data_start + dl as usize];
        let mut entries = Vec::with_capacity(il as usize);
        for index in 0..il as usize {
            let at = 8 + index * 16;
            let e = Entry {
                tag: be32(blob, at),
                kind: be32(blob, at + 4),
                offset: be32(blob, at + 8),
                count: be32(blob, at + 12),
            };
            let bad = |what| HeaderError::BadEntry {
                index,
                tag: e.tag,
                what,
            };
            if e.kind > TYPE_I18NSTRING {
                return Err(bad("unknown type"));
            }
            // Region tags (61-63) point at a trailer, sometimes at dl itself: not data we read.
            if (61..=63).contains(&e.tag) {
                entries.push(e);
                continue;
            }
            if e.offset > dl {
                return Err(bad("offset past the data"));
            }
            let width: u64 = match e.kind {
                TYPE_CHAR | TYPE_INT8 | TYPE_BIN => 1,
                TYPE_INT16 => 2,
                TYPE_INT32 => 4,
                TYPE_INT64 => 8,
                // Strings: at least one byte (the NUL) each; checked again when read.
                _ => 1,
            };
            if e.offset as u64 + width * e.count as u64 > dl as u64 {
                return Err(bad("values run past the data"));
            }
            entries.push(e);
        }
        Ok(Self { entries, data })
    }

    fn entry(&self, tag: u32) -> Option<&Entry> {
        self.entries.iter().find(|e| e.tag == tag)
    }

    /// `count` NUL-terminated strings from the entry's offset, or `None` when
    /// one runs past the data (a corrupt entry reads as absent).
    fn strings(&self, e: &Entry) -> Option<Vec<&'a str>> {
        let mut out = Vec::with_capacity(e.count.min(1 << 16) as usize);
        let mut at = e.offset as usize;
        for _ in 0..e.count {
            let rest = self.data.get(at..)?;
            let len = rest.iter().position(|&b| b == 0)?;
            out.push(std::str::from_utf8(&rest[..len]).unwrap_or(""));
            at += len + 1;
        }
        Some(out)
    }

    /// A string tag (STRING, or the first of a STRING_ARRAY/I18NSTRING).
    pub fn string(&self, tag: u32) -> Option<&'a str> {
        let e = self.entry(tag)?;
        match e.kind {
            TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING if e.count > 0 => {
                self.strings(&Entry { count: 1, ..*e })?.pop()
            }
            _ => None,
        }
    }

    /// A string array tag (a STRING reads as one element).
    pub fn string_array(&self, tag: u32) -> Vec<&'a str> {
        match self.entry(tag) {
            Some(e) if matches!(e.kind, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING) => {
                self.strings(e).unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }

    /// An integer array tag (INT8/16/32/64, widened).
    pub fn ints(&self, tag: u32) -> Vec<u64> {
        let Some(e) = self.entry(tag) else {
            return Vec::new();
        };
        let width = match e.kind {
            TYPE_CHAR | TYPE_INT8 => 1,
            TYPE_INT16 => 2,
            TYPE_INT32 => 4,
            TYPE_INT64 => 8,
            _ => return Vec::new(),
        };
        // Bounds were checked in parse().
        let start = e.offset as usize;
        let bytes = &self.data[start..start + width * e.count as usize];
        bytes
            .chunks_exact(width)
            .map(|c| c.iter().fold(0u64, |acc, &b| acc << 8 | b as u64))
            .collect()
    }

    /// The first value of an integer tag.
    pub fn int(&self, tag: u32) -> Option<u64> {
        self.ints(tag).first().copied()
    }
}

/// The facts the cataloger needs from one installed package's header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RpmInfo {
    /// `NAME`.
    pub name: String,
    /// `VERSION`.
    pub version: String,
    /// `RELEASE`.
    pub release: String,
    /// `EPOCH`, when the header has one.
    pub epoch: Option<u64>,
    /// `ARCH`.
    pub arch: Option<String>,
    /// `SOURCERPM`.
    pub source_rpm: Option<String>,
    /// `LICENSE`.
    pub license: Option<String>,
    /// `VENDOR`.
    pub vendor: Option<String>,
    /// `URL`.
    pub url: Option<String>,
    /// `LONGSIZE` or `SIZE`.
    pub size: Option<u64>,
    /// `MODULARITYLABEL`.
    pub modularity_label: Option<String>,
    /// `REQUIRENAME`.
    pub requires: Vec<String>,
    /// `PROVIDENAME`.
    pub provides: Vec<String>,
    /// File paths (`DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]`, or `OLDFILENAMES`), no leading `/`.
    pub files: Vec<String>,
}

impl RpmInfo {
    /// `[epoch:]version-release`, as syft and rpm's `%{EVR}` spell it.
    pub fn evr(&self) -> String {
        match self.epoch {
            Some(e) => format!("{e}:{}-{}", self.version, self.release),
            None => format!("{}-{}", self.version, self.release),
        }
    }
}

/// Read an installed package's facts from a stored header blob.
pub fn parse_header(blob: &[u8]) -> Result<RpmInfo, HeaderError> {
    let h = Header::parse(blob)?;
    let s = |tag| {
        h.string(tag)
            .filter(|v| !v.is_empty() && *v != "(none)")
            .map(str::to_string)
    };
    let name = s(TAG_NAME).ok_or(HeaderError::Missing("NAME"))?;
    let version = s(TAG_VERSION).ok_or(HeaderError::Missing("VERSION"))?;
    let release = s(TAG_RELEASE).ok_or(HeaderError::Missing("RELEASE"))?;

    let mut files = Vec::new();
    let basenames = h.string_array(TAG_BASENAMES);
    if !basenames.is_empty() {
        let dirnames = h.string_array(TAG_DIRNAMES);
        let dirindexes = h.ints(TAG_DIRINDEXES);
        for (i, base) in basenames.iter().enumerate() {
            let dir = dirindexes
                .get(i)
                .and_then(|&d| dirnames.get(d as usize))
                .copied()
                .unwrap_or("");
            let path = format!("{dir}{base}");
            files.push(path.trim_start_matches('/').to_string());
        }
    } else {
        files.extend(
            h.string_array(TAG_OLDFILENAMES)
                .iter()
                .map(|p| p.trim_start_matches('/').to_string()),
        );
    }
    files.retain(|f| !f.is_empty());

    let strings = |tag| -> Vec<String> {
        h.string_array(tag)
            .into_iter()
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect()
    };
    Ok(RpmInfo {
        name,
        version,
        release,
        epoch: h.int(TAG_EPOCH),
        arch: s(TAG_ARCH),
        source_rpm: s(TAG_SOURCERPM),
        license: s(TAG_LICENSE),
        vendor: s(TAG_VENDOR),
        url: s(TAG_URL),
        size: h.int(TAG_LONGSIZE).or_else(|| h.int(TAG_SIZE)),
        modularity_label: s(TAG_MODULARITYLABEL),
        requires: strings(TAG_REQUIRENAME),
        provides: strings(TAG_PROVIDENAME),
        files,
    })
}

/// Split `name-version-release.src.rpm` into the source name and `version-release`.
pub fn split_source_rpm(srpm: &str) -> Option<(&str, &str)> {
    let base = srpm
        .strip_suffix(".src.rpm")
        .or_else(|| srpm.strip_suffix(".nosrc.rpm"))
        .unwrap_or(srpm);
    let (rest, release) = base.rsplit_once('-')?;
    let (name, _version) = rest.rsplit_once('-')?;
    if name.is_empty() || release.is_empty() {
        return None;
    }
    Some((name, &base[name.len() + 1..]))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A header blob built from `(tag, type, count, data)` entries.
    pub(crate) fn build(entries: &[(u32, u32, u32, Vec<u8>)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, kind, count, bytes) in entries {
            // Align integers as rpm does.
            let align = match *kind {
                TYPE_INT16 => 2,
                TYPE_INT32 => 4,
                TYPE_INT64 => 8,
                _ => 1,
            };
            while data.len() % align != 0 {
                data.push(0);
            }
            for v in [*tag, *kind, data.len() as u32, *count] {
                index.extend_from_slice(&v.to_be_bytes());
            }
            data.extend_from_slice(bytes);
        }
        let mut blob = Vec::new();
        blob.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
        blob.extend(index);
        blob.extend(data);
        blob
    }

    pub(crate) fn s(v: &str) -> (u32, Vec<u8>) {
        let mut b = v.as_bytes().to_vec();
        b.push(0);
        (TYPE_STRING, b)
    }

    pub(crate) fn minimal(name: &str, version: &str, release: &str) -> Vec<u8> {
        let e = |tag, (kind, bytes): (u32, Vec<u8>)| (tag, kind, 1, bytes);
        build(&[
            e(TAG_NAME, s(name)),
            e(TAG_VERSION, s(version)),
            e(TAG_RELEASE, s(release)),
        ])
    }

    #[test]
    fn reads_tags_and_files() {
        let sa = |v: &[&str]| {
            let mut b = Vec::new();
            for x in v {
                b.extend_from_slice(x.as_bytes());
                b.push(0);
            }
            (TAG_BASENAMES, TYPE_STRING_ARRAY, v.len() as u32, b)
        };
        let mut dirs = sa(&["/usr/bin/", "/etc/"]);
        dirs.0 = TAG_DIRNAMES;
        let mut req = sa(&["libc.so.6()(64bit)", "rpmlib(CompressedFileNames)", "bash"]);
        req.0 = TAG_REQUIRENAME;
        let idx: Vec<u8> = [0u32, 1, 0].iter().flat_map(|v| v.to_be_bytes()).collect();
        let blob = build(&[
            (TAG_NAME, TYPE_STRING, 1, s("bash").1),
            (TAG_VERSION, TYPE_STRING, 1, s("5.1.8").1),
            (TAG_RELEASE, TYPE_STRING, 1, s("6.el9").1),
            (TAG_EPOCH, TYPE_INT32, 1, 1u32.to_be_bytes().to_vec()),
            (TAG_LICENSE, TYPE_STRING, 1, s("GPLv3+").1),
            (TAG_ARCH, TYPE_STRING, 1, s("x86_64").1),
            (TAG_SIZE, TYPE_INT32, 1, 7_738_000u32.to_be_bytes().to_vec()),
            (
                TAG_SOURCERPM,
                TYPE_STRING,
                1,
                s("bash-5.1.8-6.el9.src.rpm").1,
            ),
            (
                TAG_VENDOR,
                TYPE_STRING,
                1,
                s("Rocky Enterprise Software Foundation").1,
            ),
            sa(&["bash", "bashrc", "sh"]),
            dirs,
            (TAG_DIRINDEXES, TYPE_INT32, 3, idx),
            req,
            (TAG_MODULARITYLABEL, TYPE_I18NSTRING, 1, s("bash:5:1:x").1),
        ]);
        let info = parse_header(&blob).unwrap();
        assert_eq!(info.name, "bash");
        assert_eq!(info.evr(), "1:5.1.8-6.el9");
        assert_eq!(info.arch.as_deref(), Some("x86_64"));
        assert_eq!(info.size, Some(7_738_000));
        assert_eq!(info.files, ["usr/bin/bash", "etc/bashrc", "usr/bin/sh"]);
        assert_eq!(info.requires.len(), 3);
        assert_eq!(info.modularity_label.as_deref(), Some("bash:5:1:x"));
        assert_eq!(
            info.vendor.as_deref(),
            Some("Rocky Enterprise Software Foundation")
        );
    }

    #[test]
    fn errors_are_precise() {
        assert_eq!(
            parse_header(&[0, 0, 0]).unwrap_err().to_string(),
            "header truncated: needs 8 bytes, has 3"
        );
        let mut blob = minimal("a", "1", "2");
        blob.truncate(blob.len() - 1);
        assert!(matches!(
            parse_header(&blob),
            Err(HeaderError::Truncated { .. })
        ));
        assert_eq!(
            parse_header(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])
                .unwrap_err()
                .to_string(),
            "header claims 4294967295 index entries and 0 data bytes, past rpm's limits"
        );
        let mut blob = minimal("a", "1", "2");
        // First entry's offset far past the data.
        blob[8 + 8..8 + 12].copy_from_slice(&1000u32.to_be_bytes());
        assert_eq!(
            parse_header(&blob).unwrap_err().to_string(),
            "header index entry 0 (tag 1000): offset past the data"
        );
        let no_name = build(&[(TAG_VERSION, TYPE_STRING, 1, s("1").1)]);
        assert_eq!(
            parse_header(&no_name).unwrap_err(),
            HeaderError::Missing("NAME")
        );
        // A string without its NUL reads as absent, not out of bounds.
        let unterminated = build(&[
            (TAG_VERSION, TYPE_STRING, 1, s("1").1),
            (TAG_RELEASE, TYPE_STRING, 1, s("1").1),
            (TAG_NAME, TYPE_STRING, 1, b"abc".to_vec()),
        ]);
        assert_eq!(
            parse_header(&unterminated).unwrap_err(),
            HeaderError::Missing("NAME")
        );
    }

    #[test]
    fn source_rpm_names() {
        assert_eq!(
            split_source_rpm("bash-5.1.8-6.el9.src.rpm"),
            Some(("bash", "5.1.8-6.el9"))
        );
        assert_eq!(
            split_source_rpm("python-pip-21.3.1-1.fc36.src.rpm"),
            Some(("python-pip", "21.3.1-1.fc36"))
        );
        assert_eq!(split_source_rpm("foo-1-2.nosrc.rpm"), Some(("foo", "1-2")));
        assert_eq!(split_source_rpm("nodashes.src.rpm"), None);
        assert_eq!(split_source_rpm("-1-2.src.rpm"), None);
    }

    #[test]
    fn no_panic_on_garbage() {
        let real = minimal("name", "1.0", "1");
        for cut in 0..real.len() {
            let _ = parse_header(&real[..cut]);
        }
        let mut x: u32 = 7;
        for _ in 0..2000 {
            let mut blob = real.clone();
            for _ in 0..4 {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let i = x as usize % blob.len();
                blob[i] = (x >> 8) as u8;
            }
            if let Ok(h) = Header::parse(&blob) {
                for tag in [TAG_NAME, TAG_VERSION, TAG_BASENAMES, TAG_EPOCH] {
                    let _ = h.string(tag);
                    let _ = h.string_array(tag);
                    let _ = h.ints(tag);
                }
            }
            let _ = parse_header(&blob);
        }
    }
}
