//! A streaming scanner for the dependency list cargo-auditable embeds.
//!
//! `cargo auditable build` links a section (`.dep-v0` in ELF and PE,
//! `__DATA,__dep_v0` in Mach-O) holding the crate graph as JSON
//! (`{"packages":[...],"format":1}`) compressed with zlib (RFC 1950). Which
//! bytes belong to that section is only known from the section header table,
//! which in ELF sits at the *end* of the file, after the section itself (and
//! the section is non-allocated, so the linker puts it near the end too):
//! a forward-only reader cannot look it up first. Buffering whole binaries
//! until the table arrives would cost their size in memory.
//!
//! So the probe recognizes the section by its content: at every byte pair
//! that is a zlib header (`0x78` then `0x01`, `0x5e`, `0x9c` or `0xda`, the
//! four without a preset dictionary) it starts an incremental inflater and
//! keeps it only while its output is a prefix of `{"packages":` (or
//! `{"format":`). Random data fails within a few bytes (bad block type, bad
//! Huffman table, a first byte other than `{`), so a candidate costs a few
//! microseconds and at most 16 are alive at once. A candidate whose output
//! starts right is inflated to its end (≤ 8 MiB of JSON) and kept if it parses
//! as a dependency list; the probe then stops (universal Mach-O files: keeps
//! going, up to 8 lists).
//!
//! Trade-off: a zlib stream elsewhere in the file that inflates to a
//! dependency list would be taken for the section. Only a binary embedding
//! another binary's audit data does that, and such data describes crates it
//! contains too. The probe does not check the section table afterwards.
//!
//! Memory: the first 512 bytes, ≤ 16 inflaters of ~45 KiB each, the JSON
//! being inflated (≤ 8 MiB) and the lists found.

use flate2::{Decompress, FlushDecompress, Status};
use serde::{Deserialize, Serialize};

use crate::sbom::catalog::golang::exe::{ExeFormat, ExeHead, Sniff};
use crate::sbom::catalog::{Probe, ProbeState};

/// Largest dependency list inflated (cargo-auditable's own reader defaults to 8 MiB).
pub(crate) const MAX_JSON: usize = 8 << 20;
/// Candidates inflated at once; more zlib-looking byte pairs in the window are skipped.
const MAX_LIVE: usize = 16;
/// Lists kept per file (universal binaries hold one per architecture); all
/// of them together hold at most [`MAX_JSON`] bytes.
const MAX_LISTS: usize = 8;
/// Problems recorded per file (a hostile file could hold many broken streams).
const MAX_PROBLEMS: usize = 8;
/// How a dependency list starts (auditable-serde writes `packages` first).
const PREFIXES: [&[u8]; 2] = [b"{\"packages\":", b"{\"format\":"];
const PREFIX_MAX: usize = 12;
/// Tag in front of the probe's output, telling it from a raw binary.
pub(crate) const ENVELOPE_TAG: &[u8] = b"sc-cargo-auditable/1\n";

/// One embedded dependency list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FoundList {
    /// File offset of its zlib stream.
    pub offset: u64,
    /// The JSON.
    pub json: String,
}

/// What the probe hands to the cataloger.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Captured {
    /// Executable format.
    pub format: String,
    /// Dependency lists, in file order.
    pub lists: Vec<FoundList>,
    /// Problems met (a list too large, a corrupt stream, the file ending inside one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl Captured {
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = ENVELOPE_TAG.to_vec();
        out.extend_from_slice(&serde_json::to_vec(self).unwrap_or_default());
        out
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes.strip_prefix(ENVELOPE_TAG)?).ok()
    }
}

/// Just enough of the JSON to tell a dependency list from other zlib data.
#[derive(Deserialize)]
struct Shape {
    #[allow(dead_code)]
    packages: Vec<serde::de::IgnoredAny>,
}

/// A zlib stream whose output has so far matched a list's start.
struct Probing {
    offset: u64,
    z: Decompress,
    out: [u8; PREFIX_MAX],
    out_len: usize,
}

/// A zlib stream whose output starts like a list: inflated to its end.
struct Inflating {
    offset: u64,
    z: Decompress,
    out: Vec<u8>,
}

enum Fed {
    /// Wants more input.
    Alive,
    /// Not a list (or broken).
    Dead,
    /// Output starts like a list; `usize` bytes of the input were consumed.
    Confirmed(usize),
}

impl Probing {
    fn new(offset: u64) -> Self {
        Self {
            offset,
            z: Decompress::new(true),
            out: [0; PREFIX_MAX],
            out_len: 0,
        }
    }

    fn feed(&mut self, input: &[u8]) -> Fed {
        let start_in = self.z.total_in();
        loop {
            let used = (self.z.total_in() - start_in) as usize;
            let before_out = self.z.total_out();
            let before_in = self.z.total_in();
            let status = match self.z.decompress(
                &input[used..],
                &mut self.out[self.out_len..],
                FlushDecompress::None,
            ) {
                Ok(s) => s,
                Err(_) => return Fed::Dead,
            };
            self.out_len += (self.z.total_out() - before_out) as usize;
            let got = &self.out[..self.out_len];
            if !PREFIXES
                .iter()
                .any(|p| p.starts_with(got) || got.starts_with(p))
            {
                return Fed::Dead;
            }
            if PREFIXES.iter().any(|p| got.starts_with(p)) {
                return Fed::Confirmed((self.z.total_in() - start_in) as usize);
            }
            let used = (self.z.total_in() - start_in) as usize;
            if status == Status::StreamEnd {
                return Fed::Dead;
            }
            if used >= input.len() {
                return Fed::Alive;
            }
            if self.z.total_in() == before_in && self.z.total_out() == before_out {
                return Fed::Dead;
            }
        }
    }
}

enum Inflated {
    More,
    End,
    Failed(String),
}

impl Inflating {
    /// Inflate `input`; also returns how many of its bytes the stream took.
    fn feed(&mut self, input: &[u8]) -> (Inflated, usize) {
        let start_in = self.z.total_in();
        let used = |z: &Decompress| (z.total_in() - start_in) as usize;
        loop {
            if self.out.len() >= MAX_JSON {
                let msg = format!("cargo-auditable dependency list larger than {MAX_JSON} bytes");
                return (Inflated::Failed(msg), used(&self.z));
            }
            if self.out.capacity() == self.out.len() {
                let grow = self.out.len().clamp(4096, 1 << 20);
                self.out.reserve_exact(grow.min(MAX_JSON - self.out.len()));
            }
            let before = (self.z.total_in(), self.z.total_out());
            let n = used(&self.z);
            let status =
                match self
                    .z
                    .decompress_vec(&input[n..], &mut self.out, FlushDecompress::None)
                {
                    Ok(s) => s,
                    Err(e) => {
                        let msg = format!("corrupt cargo-auditable dependency list: {e}");
                        return (Inflated::Failed(msg), used(&self.z));
                    }
                };
            if status == Status::StreamEnd {
                if self.out.len() > MAX_JSON {
                    let msg =
                        format!("cargo-auditable dependency list larger than {MAX_JSON} bytes");
                    return (Inflated::Failed(msg), used(&self.z));
                }
                return (Inflated::End, used(&self.z));
            }
            let room = self.out.len() < self.out.capacity();
            if used(&self.z) >= input.len() && room {
                return (Inflated::More, input.len());
            }
            if (self.z.total_in(), self.z.total_out()) == before && room {
                let msg = "corrupt cargo-auditable dependency list".to_string();
                return (Inflated::Failed(msg), used(&self.z));
            }
        }
    }
}

/// Scans a file's bytes for cargo-auditable data; see the module docs.
pub(crate) struct AuditProbe {
    head: ExeHead,
    /// Absolute offset of the next chunk's first byte.
    pos: u64,
    /// Last byte of the previous chunk.
    prev: Option<u8>,
    /// No candidate starts before this offset (the end of the last stream inflated).
    scan_from: u64,
    probing: Vec<Probing>,
    inflating: Option<Inflating>,
    lists: Vec<FoundList>,
    problems: Vec<String>,
    done: bool,
}

impl Default for AuditProbe {
    fn default() -> Self {
        Self::new()
    }
}

fn is_flg(b: u8) -> bool {
    matches!(b, 0x01 | 0x5e | 0x9c | 0xda)
}

impl AuditProbe {
    pub(crate) fn new() -> Self {
        Self {
            head: ExeHead::default(),
            pos: 0,
            prev: None,
            scan_from: 0,
            probing: Vec::new(),
            inflating: None,
            lists: Vec::new(),
            problems: Vec::new(),
            done: false,
        }
    }

    /// Scan a whole in-memory file.
    pub(crate) fn scan(bytes: &[u8]) -> Option<Captured> {
        let mut p = Self::new();
        p.feed_chunk(bytes);
        p.into_captured()
    }

    fn feed_chunk(&mut self, chunk: &[u8]) -> ProbeState {
        if self.done {
            return ProbeState::Done;
        }
        if chunk.is_empty() {
            return ProbeState::Continue;
        }
        if self.head.feed(chunk) == Sniff::NotExecutable {
            self.done = true;
            return ProbeState::Done;
        }
        self.process(chunk);
        self.pos += chunk.len() as u64;
        self.prev = chunk.last().copied();
        if self.done {
            ProbeState::Done
        } else {
            ProbeState::Continue
        }
    }

    fn process(&mut self, chunk: &[u8]) {
        // Index in `chunk` from which new candidates are looked for.
        let mut cursor = 0;
        // A stream under way takes the chunk first.
        if let Some(mut inf) = self.inflating.take() {
            let (r, used) = inf.feed(chunk);
            match self.after_inflate(inf, r, used) {
                Some(end) => {
                    cursor = end;
                    self.scan_from = self.pos + cursor as u64;
                }
                None => return,
            }
        }
        // Candidates from earlier chunks (only while nothing is inflated).
        let mut confirmed: Option<(Probing, usize)> = None;
        let mut i = 0;
        while i < self.probing.len() {
            match self.probing[i].feed(chunk) {
                Fed::Alive => i += 1,
                Fed::Dead => {
                    self.probing.swap_remove(i);
                }
                Fed::Confirmed(used) => {
                    let p = self.probing.swap_remove(i);
                    // Keep the earliest stream.
                    if confirmed.as_ref().is_none_or(|(c, _)| c.offset > p.offset) {
                        confirmed = Some((p, used));
                    }
                }
            }
        }
        if let Some((p, used)) = confirmed {
            match self.start_inflating(p, &chunk[used..]) {
                Some(end) => {
                    cursor = used + end;
                    self.scan_from = self.pos + cursor as u64;
                }
                None => return,
            }
        }
        // A zlib header across the chunk boundary.
        if cursor == 0
            && self.prev == Some(0x78)
            && self.pos > self.scan_from
            && is_flg(chunk[0])
            && self.probing.len() < MAX_LIVE
        {
            let mut p = Probing::new(self.pos - 1);
            if let Fed::Alive = p.feed(&[0x78]) {
                match p.feed(chunk) {
                    Fed::Alive => self.probing.push(p),
                    Fed::Dead => {}
                    Fed::Confirmed(used) => match self.start_inflating(p, &chunk[used..]) {
                        Some(end) => {
                            cursor = used + end;
                            self.scan_from = self.pos + cursor as u64;
                        }
                        None => return,
                    },
                }
            }
        }
        // Zlib headers inside the chunk.
        let mut from = cursor;
        while let Some(k) = memchr::memchr(0x78, &chunk[from..]) {
            let at = from + k;
            from = at + 1;
            if !chunk.get(at + 1).is_some_and(|&b| is_flg(b)) || self.probing.len() >= MAX_LIVE {
                continue;
            }
            let mut p = Probing::new(self.pos + at as u64);
            match p.feed(&chunk[at..]) {
                Fed::Alive => self.probing.push(p),
                Fed::Dead => {}
                Fed::Confirmed(used) => match self.start_inflating(p, &chunk[at + used..]) {
                    Some(end) => {
                        from = at + used + end;
                        self.scan_from = self.pos + from as u64;
                    }
                    None => return,
                },
            }
        }
    }

    /// Inflate a confirmed stream from `rest`. Returns where in `rest` it
    /// ended when it did and scanning goes on; `None` when it needs more
    /// input or the probe is done.
    fn start_inflating(&mut self, p: Probing, rest: &[u8]) -> Option<usize> {
        // Candidates inside this stream are not looked at.
        self.probing.clear();
        let mut out = Vec::with_capacity(4096);
        out.extend_from_slice(&p.out[..p.out_len]);
        let mut inf = Inflating {
            offset: p.offset,
            z: p.z,
            out,
        };
        let (r, used) = inf.feed(rest);
        self.after_inflate(inf, r, used)
    }

    /// Handle a stream's state after a feed that took `used` bytes of the
    /// chunk's remainder; same return as [`Self::start_inflating`].
    fn after_inflate(&mut self, inf: Inflating, r: Inflated, used: usize) -> Option<usize> {
        match r {
            Inflated::More => {
                self.inflating = Some(inf);
                return None;
            }
            Inflated::Failed(problem) => {
                self.problem(format!("{problem} (zlib stream at offset {})", inf.offset));
            }
            Inflated::End => {
                if serde_json::from_slice::<Shape>(&inf.out).is_ok() {
                    let kept: usize = self.lists.iter().map(|l| l.json.len()).sum();
                    if kept + inf.out.len() > MAX_JSON {
                        self.problem(format!(
                            "cargo-auditable dependency lists larger than {MAX_JSON} bytes in all; the one at offset {} is left out",
                            inf.offset
                        ));
                        self.done = true;
                        return None;
                    }
                    self.lists.push(FoundList {
                        offset: inf.offset,
                        json: String::from_utf8_lossy(&inf.out).into_owned(),
                    });
                    let fat = self.head.format() == Some(ExeFormat::MachOFat);
                    if !fat || self.lists.len() >= MAX_LISTS {
                        self.done = true;
                        return None;
                    }
                }
                // Otherwise not a dependency list after all: scanning goes on
                // after it.
            }
        }
        Some(used)
    }

    fn problem(&mut self, p: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(p);
        }
    }

    fn into_captured(mut self) -> Option<Captured> {
        let format = self.head.format()?;
        if let Some(inf) = self.inflating.take() {
            self.problem(format!(
                "file ends inside the cargo-auditable dependency list (zlib stream at offset {})",
                inf.offset
            ));
        }
        if self.lists.is_empty() && self.problems.is_empty() {
            return None;
        }
        Some(Captured {
            format: format.name().to_string(),
            lists: self.lists,
            problems: self.problems,
        })
    }
}

impl Probe for AuditProbe {
    fn feed(&mut self, chunk: &[u8]) -> ProbeState {
        self.feed_chunk(chunk)
    }

    fn finish(self: Box<Self>) -> Option<Vec<u8>> {
        self.into_captured().map(|c| c.to_bytes())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flate2::write::ZlibEncoder;
    use flate2::Compression;
    use std::io::Write;

    pub(crate) fn zlib(data: &[u8], level: u32) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::new(level));
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// An ELF-looking file: noise (with zlib-looking byte pairs), then the
    /// compressed list, then more noise.
    pub(crate) fn synthetic(json: &[u8], noise: usize) -> (Vec<u8>, u64) {
        let mut f = b"\x7fELF\x02\x01\x01\0".to_vec();
        let mut x: u64 = 99;
        let mut noise_bytes = |n: usize, f: &mut Vec<u8>| {
            for _ in 0..n {
                x = x
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1442695040888963407);
                f.push((x >> 56) as u8);
                // Plenty of false zlib headers.
                if x % 97 == 0 {
                    f.extend_from_slice(&[0x78, 0x9c]);
                }
            }
        };
        noise_bytes(noise, &mut f);
        // Valid zlib streams that are not lists.
        f.extend_from_slice(&zlib(b"{\"other\":1}", 6));
        f.extend_from_slice(&zlib(&[b'a'; 3000], 9));
        let at = f.len() as u64;
        f.extend_from_slice(&zlib(json, 9));
        noise_bytes(noise, &mut f);
        (f, at)
    }

    pub(crate) fn feed_in_chunks(bytes: &[u8], sizes: &[usize]) -> Option<Captured> {
        let mut p = Box::new(AuditProbe::new());
        let mut off = 0;
        let mut i = 0;
        while off < bytes.len() {
            let n = sizes[i % sizes.len()].max(1).min(bytes.len() - off);
            i += 1;
            if p.feed(&bytes[off..off + n]) == ProbeState::Done {
                break;
            }
            off += n;
        }
        Captured::from_bytes(&p.finish()?)
    }

    const JSON: &str = r#"{"packages":[{"name":"app","version":"1.0.0","source":"local","dependencies":[1],"root":true},{"name":"serde","version":"1.0.200","source":"crates.io"}],"format":1}"#;

    #[test]
    fn finds_the_list_among_noise_and_false_headers_in_any_chunks() {
        let (bin, at) = synthetic(JSON.as_bytes(), 50_000);
        let whole = AuditProbe::scan(&bin).unwrap();
        assert_eq!(whole.format, "elf");
        assert_eq!(
            whole.lists,
            vec![FoundList {
                offset: at,
                json: JSON.into()
            }]
        );
        assert!(whole.problems.is_empty());
        for sizes in [&[1usize][..], &[7], &[2], &[65536], &[5, 1, 300, 4096, 13]] {
            assert_eq!(
                feed_in_chunks(&bin, sizes).as_ref(),
                Some(&whole),
                "{sizes:?}"
            );
        }
    }

    #[test]
    fn every_compression_level_is_recognized() {
        for level in 0..=9 {
            let (bin, at) = synthetic(JSON.as_bytes(), 100);
            let mut bin = bin;
            // Replace the level-9 stream with this level's.
            let z9 = zlib(JSON.as_bytes(), 9);
            let z = zlib(JSON.as_bytes(), level);
            let at = at as usize;
            bin.splice(at..at + z9.len(), z);
            let got = AuditProbe::scan(&bin).unwrap_or_else(|| panic!("level {level}"));
            assert_eq!(got.lists[0].json, JSON, "level {level}");
            assert_eq!(feed_in_chunks(&bin, &[3]), Some(got));
        }
    }

    #[test]
    fn gives_up_on_non_executables_and_ignores_binaries_without_a_list() {
        let mut p = AuditProbe::new();
        assert_eq!(p.feed_chunk(b"PK\x03\x04 a zip file"), ProbeState::Done);
        assert!(Box::new(p).finish().is_none());
        let (mut bin, _) = synthetic(b"{\"nothing\":[]}", 10_000);
        bin[..4].copy_from_slice(b"\x7fELF");
        assert!(AuditProbe::scan(&bin).is_none());
        assert!(feed_in_chunks(&bin, &[1]).is_none());
    }

    #[test]
    fn truncated_corrupt_and_oversized_lists_are_problems() {
        let (bin, at) = synthetic(JSON.as_bytes(), 1000);
        let at = at as usize;
        // The file ends inside the stream (once it has shown its start).
        let z = zlib(JSON.as_bytes(), 9).len();
        let got = AuditProbe::scan(&bin[..at + z - 10]).unwrap();
        assert!(got.lists.is_empty());
        assert!(got.problems[0].starts_with("file ends inside"), "{got:?}");
        // A corrupted byte in the middle of the stream.
        let mut bad = bin.clone();
        bad[at + 40] ^= 0xff;
        let got = AuditProbe::scan(&bad);
        if let Some(got) = got {
            assert!(got.lists.is_empty() || got.lists[0].json != JSON);
        }
        // A bomb: a list-looking stream that inflates past the limit.
        let mut big = b"{\"packages\":[".to_vec();
        big.resize(MAX_JSON + 100, b' ');
        let mut f = b"\x7fELF\x02\x01\x01\0".to_vec();
        f.extend_from_slice(&zlib(&big, 9));
        assert!(f.len() < 100_000, "{}", f.len());
        let got = AuditProbe::scan(&f).unwrap();
        assert!(got.problems[0].contains("larger than"), "{got:?}");
        assert_eq!(feed_in_chunks(&f, &[4096]), Some(got));
    }

    #[test]
    fn problems_are_capped() {
        let mut f = b"\x7fELF\x02\x01\x01\0".to_vec();
        let mut body = b"{\"packages\":[".to_vec();
        body.resize(3000, b' ');
        for _ in 0..20 {
            let mut z = zlib(&body, 0);
            let n = z.len();
            z[n - 1] ^= 0xff; // bad checksum
            f.extend_from_slice(&z);
            f.extend_from_slice(&[0u8; 10]);
        }
        let got = AuditProbe::scan(&f).unwrap();
        assert!(got.lists.is_empty());
        assert_eq!(got.problems.len(), MAX_PROBLEMS, "{:?}", got.problems);
        assert_eq!(feed_in_chunks(&f, &[100]), Some(got));
    }

    #[test]
    fn universal_binaries_yield_every_list() {
        let mut f = b"\xca\xfe\xba\xbe\0\0\0\x02".to_vec();
        f.resize(4096, 0);
        f.extend_from_slice(&zlib(JSON.as_bytes(), 9));
        f.resize(8192, 0);
        f.extend_from_slice(&zlib(JSON.as_bytes(), 6));
        let got = AuditProbe::scan(&f).unwrap();
        assert_eq!(got.format, "macho-universal");
        assert_eq!(
            got.lists.iter().map(|l| l.offset).collect::<Vec<_>>(),
            vec![4096, 8192]
        );
        assert_eq!(feed_in_chunks(&f, &[1]), Some(got));
    }
}
