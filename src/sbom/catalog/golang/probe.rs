//! A streaming scanner for a Go binary's build information.
//!
//! The Go linker (since Go 1.13) writes a 32-byte header at the start of the
//! `.go.buildinfo` section (ELF, Mach-O `__go_buildinfo`) or of the first
//! writable data section (PE): the 14-byte magic `\xff Go buildinf:`, the
//! pointer size (4 or 8), a flags byte, then two pointer-sized fields. The
//! section is 16-byte aligned in memory and every format keeps file offsets
//! congruent to addresses modulo 16, so the header sits at a 16-byte aligned
//! file offset: the scanner only looks at aligned 16-byte blocks.
//!
//! - Go ≥ 1.18 sets flag bit 2 ("inline strings"): after the header come two
//!   strings, each prefixed by its length as an unsigned varint: the Go
//!   version (`go1.19.3`) and the module information, framed by 16-byte
//!   sentinels. The probe captures exactly those bytes and stops.
//! - Go 1.13–1.17 write pointers to the two string headers instead; the
//!   strings themselves live in read-only data, earlier in the file than the
//!   header. [`super::legacy`] collects what is needed to follow them in the
//!   same single pass.
//!
//! A file that does not start like an executable (ELF, PE, Mach-O) is given
//! up after its first bytes. Memory is bounded: the first 8 KiB, one 16-byte
//! block, one candidate's strings (version ≤ 1 KiB, module information
//! ≤ 1 MiB) and the Go 1.13–1.17 collector's places (≤ 64 × 48 bytes and
//! 2 × 1 MiB).

use serde::{Deserialize, Serialize};

use super::contents::ContentsVersion;
use super::exe::{goarch, ExeFormat, ExeHead, Sniff};
use super::legacy::{Legacy, Outcome, MAP_HEAD_LEN};
use super::modinfo::strip_sentinels;
use crate::sbom::catalog::{Probe, ProbeState};

/// The build info magic.
pub(crate) const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
/// Longest Go version string accepted (`go1.22.1 X:boringcrypto` and the like are far shorter).
const MAX_VERSION_LEN: u64 = 1024;
/// Longest module information captured (a binary with 10,000 dependencies has about 1 MiB).
pub(crate) const MAX_MODINFO_LEN: u64 = 1 << 20;
/// Build infos kept per file (universal Mach-O binaries hold one per
/// architecture); the scan stops once they hold [`MAX_MODINFO_LEN`] bytes.
const MAX_INFOS: usize = 8;
/// Tag in front of the probe's output, telling it from a raw binary.
pub(crate) const ENVELOPE_TAG: &[u8] = b"sc-go-buildinfo/1\n";

/// One build info blob as found in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RawBuildInfo {
    /// File offset of the header.
    pub offset: u64,
    /// Go version (`go1.19.3`); empty for the pointer format.
    pub go_version: String,
    /// Module information, sentinels removed (empty when the binary has none).
    pub modinfo: String,
    /// Header of the Go < 1.18 pointer format: strings not read.
    #[serde(default)]
    pub pointer_format: bool,
    /// Problem met while reading this blob (truncated file, oversized module information).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// What the probe hands to the cataloger.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Captured {
    /// Executable format (`elf`, `pe`, `macho`, `macho-universal`).
    pub format: String,
    /// `GOARCH` name of the machine in the executable's header, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goarch: Option<String>,
    /// Build info blobs, in file order.
    pub infos: Vec<RawBuildInfo>,
    /// syft's version-from-contents guess, when the main module needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contents_version: Option<String>,
}

impl Captured {
    /// Serialize, with the envelope tag.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = ENVELOPE_TAG.to_vec();
        // Serializing plain strings and numbers cannot fail.
        out.extend_from_slice(&serde_json::to_vec(self).unwrap_or_default());
        out
    }

    /// Decode bytes made by [`Captured::to_bytes`].
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes.strip_prefix(ENVELOPE_TAG)?).ok()
    }
}

/// A magic header being checked and its strings captured.
struct Candidate {
    /// File offset of the magic.
    offset: u64,
    /// Pointer size and flags bytes (after the magic).
    ptr_size: u8,
    flags: u8,
    /// Bytes after the 16-byte magic line.
    buf: Vec<u8>,
    /// Do not look again before `buf` holds this many bytes.
    need: usize,
    /// The Go version was read and is plausible: no longer a false match.
    version: Option<String>,
}

enum Step {
    /// Wait for `need` bytes.
    More,
    /// Not build info after all: rescan its bytes.
    Reject,
    /// Read.
    Found(RawBuildInfo),
}

/// Scans a file's bytes for Go build info; see the module docs.
pub(crate) struct BuildInfoProbe {
    head: ExeHead,
    /// Absolute offset of the next byte.
    pos: u64,
    /// The aligned block being assembled (scanning), `block_len` bytes of it.
    block: [u8; 16],
    block_len: usize,
    /// Bytes to pass over before the next aligned block (after a found blob).
    skip: u64,
    cand: Option<Candidate>,
    found: Vec<RawBuildInfo>,
    /// The file's first bytes, for the address map Go < 1.18 binaries need.
    map_head: Vec<u8>,
    /// Go < 1.18 support: strings collected while streaming.
    legacy: Legacy,
    /// A Go < 1.18 header was met in the chunk being processed.
    legacy_new: bool,
    /// Bytes fed so far.
    fed: u64,
    /// No more build info is looked for.
    scan_done: bool,
    /// The main module needs syft's version-from-contents guess: keep
    /// streaming through [`ContentsVersion`] after the build info.
    needs_contents: bool,
    contents: ContentsVersion,
    done: bool,
}

impl Default for BuildInfoProbe {
    fn default() -> Self {
        Self::new()
    }
}

impl BuildInfoProbe {
    /// A probe at the start of a file.
    pub(crate) fn new() -> Self {
        Self {
            head: ExeHead::default(),
            pos: 0,
            block: [0; 16],
            block_len: 0,
            skip: 0,
            cand: None,
            found: Vec::new(),
            map_head: Vec::new(),
            legacy: Legacy::new(),
            legacy_new: false,
            fed: 0,
            scan_done: false,
            needs_contents: false,
            contents: ContentsVersion::default(),
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
        if self.head.feed(chunk) == Sniff::NotExecutable {
            self.done = true;
            return ProbeState::Done;
        }
        if self.map_head.len() < MAP_HEAD_LEN {
            let take = (MAP_HEAD_LEN - self.map_head.len()).min(chunk.len());
            self.map_head.extend_from_slice(&chunk[..take]);
        }
        let start = self.fed;
        self.fed += chunk.len() as u64;
        if self.contents.found().is_none() {
            self.contents.feed(chunk);
        }
        if !self.scan_done {
            self.legacy.feed(start, chunk);
            self.process(chunk);
            if std::mem::take(&mut self.legacy_new) {
                self.legacy.replay(start, chunk);
            }
            if self.found.is_empty() && self.legacy.settled() {
                if let Some(Outcome::Read { modinfo, .. }) = self.legacy.outcome() {
                    self.scan_done = true;
                    let text = String::from_utf8_lossy(strip_sentinels(&modinfo)).into_owned();
                    self.needs_contents = super::needs_contents_version(&text);
                }
            }
        }
        // Done once the build info is read and, when the main module's
        // version is to be guessed from the contents, a guess was found.
        if self.scan_done && (!self.needs_contents || self.contents.found().is_some()) {
            self.done = true;
        }
        if self.done {
            ProbeState::Done
        } else {
            ProbeState::Continue
        }
    }

    /// Consume `data`, which starts at absolute offset `self.pos`.
    fn process(&mut self, mut data: &[u8]) {
        while !data.is_empty() && !self.scan_done {
            if let Some(c) = self.cand.as_mut() {
                let take = c.need.saturating_sub(c.buf.len()).min(data.len());
                c.buf.extend_from_slice(&data[..take]);
                self.pos += take as u64;
                data = &data[take..];
                if c.buf.len() >= c.need {
                    self.step_candidate();
                }
                continue;
            }
            if self.skip > 0 {
                let take = usize::try_from(self.skip)
                    .unwrap_or(usize::MAX)
                    .min(data.len());
                self.skip -= take as u64;
                self.pos += take as u64;
                data = &data[take..];
                continue;
            }
            if self.block_len > 0 || data.len() < 16 {
                let take = (16 - self.block_len).min(data.len());
                self.block[self.block_len..self.block_len + take].copy_from_slice(&data[..take]);
                self.block_len += take;
                self.pos += take as u64;
                data = &data[take..];
                if self.block_len == 16 {
                    self.block_len = 0;
                    let block = self.block;
                    if is_header(&block) {
                        self.start_candidate(self.pos - 16, &block);
                    }
                }
                continue;
            }
            // Aligned, whole blocks: the fast path.
            let whole = data.len() / 16 * 16;
            // An aligned hit lies wholly inside `data[..whole]`.
            let hit = magic_finder()
                .find_iter(&data[..whole])
                .find(|&h| h % 16 == 0 && is_header(&data[h..h + 16]));
            match hit {
                Some(h) => {
                    let end = h + 16;
                    let mut block = [0u8; 16];
                    block.copy_from_slice(&data[h..end]);
                    self.pos += end as u64;
                    data = &data[end..];
                    self.start_candidate(self.pos - 16, &block);
                }
                None => {
                    self.pos += whole as u64;
                    data = &data[whole..];
                }
            }
        }
    }

    fn start_candidate(&mut self, offset: u64, block: &[u8; 16]) {
        self.cand = Some(Candidate {
            offset,
            ptr_size: block[14],
            flags: block[15],
            buf: Vec::new(),
            need: 16,
            version: None,
        });
    }

    fn step_candidate(&mut self) {
        let Some(c) = self.cand.as_mut() else {
            return;
        };
        match evaluate(c) {
            Step::More => {}
            Step::Found(info) => {
                self.cand = None;
                self.needs_contents |= super::needs_contents_version(&info.modinfo);
                self.found.push(info);
                let fat = self.head.format() == Some(ExeFormat::MachOFat);
                // All blobs together keep at most MAX_MODINFO_LEN bytes.
                let kept: usize = self.found.iter().map(|i| i.modinfo.len()).sum();
                if !fat || self.found.len() >= MAX_INFOS || kept as u64 >= MAX_MODINFO_LEN {
                    self.scan_done = true;
                } else {
                    self.skip = (16 - self.pos % 16) % 16;
                }
            }
            Step::Reject => {
                let Some(c) = self.cand.take() else {
                    return;
                };
                if c.flags & 2 == 0 && self.legacy.seen().is_none() {
                    if let Some(format) = self.head.format() {
                        let ptrs = &c.buf[..c.buf.len().min(16)];
                        self.legacy.header(
                            c.offset,
                            c.ptr_size,
                            c.flags,
                            ptrs,
                            format,
                            &self.map_head,
                        );
                        self.legacy_new = true;
                    }
                }
                // Rescan what the candidate swallowed, from the block after
                // its magic (aligned). Nesting is bounded: a rejected
                // candidate holds at most ~1 KiB and each level starts 16
                // bytes further in.
                let end = self.pos;
                self.pos = c.offset + 16;
                self.block_len = 0;
                self.process(&c.buf);
                if !self.scan_done {
                    debug_assert_eq!(self.pos, end);
                    self.pos = end;
                }
            }
        }
    }

    fn into_captured(self) -> Option<Captured> {
        let format = self.head.format()?;
        let mut infos = self.found;
        if let Some(c) = self.cand {
            if let Some(version) = c.version {
                infos.push(RawBuildInfo {
                    offset: c.offset,
                    go_version: version,
                    modinfo: String::new(),
                    pointer_format: false,
                    problem: Some("file ends inside the build information".into()),
                });
            }
        }
        if infos.is_empty() {
            let offset = self.legacy.seen()?;
            infos.push(match self.legacy.outcome()? {
                Outcome::Read { version, modinfo } => RawBuildInfo {
                    offset,
                    go_version: version,
                    modinfo: String::from_utf8_lossy(strip_sentinels(&modinfo)).into_owned(),
                    pointer_format: true,
                    problem: None,
                },
                Outcome::Unreadable(why) => RawBuildInfo {
                    offset,
                    go_version: String::new(),
                    modinfo: String::new(),
                    pointer_format: true,
                    problem: Some(why),
                },
            });
        }
        Some(Captured {
            format: format.name().to_string(),
            goarch: goarch(format, self.head.bytes()).map(str::to_string),
            infos,
            contents_version: self
                .needs_contents
                .then(|| self.contents.found().map(str::to_string))
                .flatten(),
        })
    }
}

impl Probe for BuildInfoProbe {
    fn feed(&mut self, chunk: &[u8]) -> ProbeState {
        self.feed_chunk(chunk)
    }

    fn finish(self: Box<Self>) -> Option<Vec<u8>> {
        self.into_captured().map(|c| c.to_bytes())
    }
}

fn magic_finder() -> &'static memchr::memmem::Finder<'static> {
    static FINDER: std::sync::OnceLock<memchr::memmem::Finder<'static>> =
        std::sync::OnceLock::new();
    FINDER.get_or_init(|| memchr::memmem::Finder::new(MAGIC))
}

fn is_header(block: &[u8]) -> bool {
    block[0] == 0xff && block[..14] == MAGIC[..] && matches!(block[14], 4 | 8)
}

/// An unsigned varint (Go's `encoding/binary.Uvarint`).
enum Varint {
    Incomplete,
    Overflow,
    Value(u64, usize),
}

fn uvarint(b: &[u8]) -> Varint {
    let mut x: u64 = 0;
    for (i, &byte) in b.iter().enumerate() {
        if i == 10 || (i == 9 && byte > 1) {
            return Varint::Overflow;
        }
        x |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            return Varint::Value(x, i + 1);
        }
    }
    Varint::Incomplete
}

pub(crate) fn plausible_version(v: &[u8]) -> bool {
    (v.starts_with(b"go") || v.starts_with(b"devel")) && v.iter().all(|b| (0x20..0x7f).contains(b))
}

fn evaluate(c: &mut Candidate) -> Step {
    if c.buf.len() < 16 {
        c.need = 16;
        return Step::More;
    }
    if c.flags & 2 == 0 {
        // Go < 1.18: pointers, not strings (see the module docs).
        let _ = c.ptr_size;
        return Step::Reject;
    }
    let found = |c: &Candidate, modinfo: &[u8], problem: Option<String>| {
        Step::Found(RawBuildInfo {
            offset: c.offset,
            go_version: c.version.clone().unwrap_or_default(),
            modinfo: String::from_utf8_lossy(strip_sentinels(modinfo)).into_owned(),
            pointer_format: false,
            problem,
        })
    };
    // The version string.
    let (vlen, n) = match uvarint(&c.buf[16..]) {
        Varint::Incomplete => {
            c.need = c.buf.len() + 1;
            return Step::More;
        }
        Varint::Overflow => return Step::Reject,
        Varint::Value(v, n) => (v, n),
    };
    if vlen == 0 || vlen > MAX_VERSION_LEN {
        return Step::Reject;
    }
    let vstart = 16 + n;
    let vend = vstart + vlen as usize;
    if c.version.is_none() {
        if c.buf.len() < vend {
            c.need = vend;
            return Step::More;
        }
        let v = &c.buf[vstart..vend];
        if !plausible_version(v) {
            return Step::Reject;
        }
        c.version = Some(String::from_utf8_lossy(v).into_owned());
    }
    // The module information.
    let (mlen, m) = match uvarint(&c.buf[vend..]) {
        Varint::Incomplete => {
            c.need = c.buf.len() + 1;
            return Step::More;
        }
        Varint::Overflow => {
            return found(c, &[], Some("invalid module information length".into()));
        }
        Varint::Value(v, m) => (v, m),
    };
    if mlen > MAX_MODINFO_LEN {
        return found(
            c,
            &[],
            Some(format!(
                "module information of {mlen} bytes exceeds the {MAX_MODINFO_LEN}-byte limit"
            )),
        );
    }
    let mstart = vend + m;
    let mend = mstart + mlen as usize;
    if c.buf.len() < mend {
        c.need = mend;
        return Step::More;
    }
    let modinfo = c.buf[mstart..mend].to_vec();
    found(c, &modinfo, None)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A little-endian 64-bit ELF-looking file with build info at `at`
    /// (16-byte aligned) carrying these strings.
    pub(crate) fn synthetic_binary(
        at: usize,
        version: &str,
        modinfo: &[u8],
        size: usize,
    ) -> Vec<u8> {
        let mut f = vec![0u8; at];
        f[..4].copy_from_slice(b"\x7fELF");
        f[4] = 2;
        f[5] = 1;
        f[18] = 62;
        f.extend_from_slice(MAGIC);
        f.push(8);
        f.push(2);
        f.extend_from_slice(&[0u8; 16]);
        put_uvarint(&mut f, version.len() as u64);
        f.extend_from_slice(version.as_bytes());
        put_uvarint(&mut f, modinfo.len() as u64);
        f.extend_from_slice(modinfo);
        if f.len() < size {
            f.resize(size, 0x5a);
        }
        f
    }

    pub(crate) fn put_uvarint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    pub(crate) fn framed(text: &str) -> Vec<u8> {
        let mut m = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6".to_vec();
        m.extend_from_slice(text.as_bytes());
        m.extend_from_slice(b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2");
        m
    }

    pub(crate) fn feed_in_chunks(bytes: &[u8], sizes: &[usize]) -> Option<Captured> {
        let mut p = Box::new(BuildInfoProbe::new());
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
        let out = p.finish()?;
        Captured::from_bytes(&out)
    }

    #[test]
    fn finds_inline_build_info_with_any_chunking() {
        let text = "path\tx/cmd\nmod\tx\t(devel)\t\n";
        let bin = synthetic_binary(4096, "go1.21.5", &framed(text), 20_000);
        let whole = BuildInfoProbe::scan(&bin).unwrap();
        assert_eq!(whole.format, "elf");
        assert_eq!(whole.goarch.as_deref(), Some("amd64"));
        assert_eq!(whole.infos.len(), 1);
        assert_eq!(whole.infos[0].offset, 4096);
        assert_eq!(whole.infos[0].go_version, "go1.21.5");
        assert_eq!(whole.infos[0].modinfo, text);
        for sizes in [&[1usize][..], &[7], &[16], &[65536], &[3, 17, 1, 250, 33]] {
            assert_eq!(
                feed_in_chunks(&bin, sizes).as_ref(),
                Some(&whole),
                "{sizes:?}"
            );
        }
    }

    #[test]
    fn stops_after_the_build_info() {
        let bin = synthetic_binary(64, "go1.20", &framed("mod\tm\tv1.0.0\t\n"), 200);
        let mut p = BuildInfoProbe::new();
        let state = p.feed_chunk(&bin);
        assert_eq!(state, ProbeState::Done);
    }

    #[test]
    fn reads_on_past_the_build_info_for_a_contents_version() {
        // A (devel) main module without -ldflags: the first NUL-delimited
        // version string of the file is wanted, here after the build info.
        let mut bin = synthetic_binary(64, "go1.20", &framed("mod\tm\t(devel)\t\n"), 4096);
        bin.extend_from_slice(b"\x003.2.1\x00 later \x009.9.9\x00");
        bin.resize(9000, 0);
        let got = BuildInfoProbe::scan(&bin).unwrap();
        assert_eq!(got.contents_version.as_deref(), Some("3.2.1"));
        for sizes in [&[1usize][..], &[7], &[4096]] {
            assert_eq!(
                feed_in_chunks(&bin, sizes).as_ref(),
                Some(&got),
                "{sizes:?}"
            );
        }
        // Not wanted when the version is known: the probe stops at the build info.
        let mut bin = synthetic_binary(64, "go1.20", &framed("mod\tm\tv1.0.0\t\n"), 4096);
        bin.extend_from_slice(b"\x003.2.1\x00");
        let mut p = BuildInfoProbe::new();
        assert_eq!(p.feed_chunk(&bin[..200]), ProbeState::Done);
        assert_eq!(p.into_captured().unwrap().contents_version, None);
    }

    #[test]
    fn gives_up_on_non_executables() {
        let mut p = BuildInfoProbe::new();
        assert_eq!(p.feed_chunk(b"#!/bin/sh\necho hi\n"), ProbeState::Done);
        assert!(Box::new(p).finish().is_none());
        // Magic in a text file is not looked at.
        let mut text = b"hello world.....".to_vec();
        text.extend_from_slice(&synthetic_binary(64, "go1.20", b"", 128)[64..]);
        assert!(BuildInfoProbe::scan(&text).is_none());
    }

    #[test]
    fn misaligned_and_implausible_magics_are_skipped() {
        // A magic off the 16-byte grid (as in a binary that embeds the
        // string), then one with a junk version, then the real one.
        let real = synthetic_binary(256, "go1.22.0", &framed("mod\tm\tv1\t\n"), 1024);
        let mut bin = real.clone();
        bin[40..54].copy_from_slice(MAGIC);
        bin[54] = 8;
        bin[55] = 2;
        bin[96..110].copy_from_slice(MAGIC);
        bin[110] = 8;
        bin[111] = 2;
        bin[128] = 3;
        bin[129..132].copy_from_slice(b"\x01\x02\x03");
        let got = BuildInfoProbe::scan(&bin).unwrap();
        assert_eq!(got.infos.len(), 1);
        assert_eq!(got.infos[0].offset, 256);
        for sizes in [&[1usize][..], &[5], &[40, 1]] {
            assert_eq!(feed_in_chunks(&bin, sizes), Some(got.clone()), "{sizes:?}");
        }
    }

    #[test]
    fn a_false_magic_overlapping_the_real_one_is_rescanned() {
        // The false candidate's would-be version string covers the real header.
        let mut bin = vec![0u8; 64];
        bin[..4].copy_from_slice(b"\x7fELF");
        bin[32..46].copy_from_slice(MAGIC);
        bin[46] = 8;
        bin[47] = 2;
        bin.push(0x40); // 64-byte "version" length: swallows the real header
        bin.extend_from_slice(&[0u8; 15]);
        let at = bin.len();
        assert_eq!(at % 16, 0);
        let real = synthetic_binary(at, "go1.19.3", &framed("mod\tm\tv1\t\n"), 0);
        bin.extend_from_slice(&real[at..]);
        bin.resize(bin.len() + 100, 0);
        let got = BuildInfoProbe::scan(&bin).unwrap();
        assert_eq!(got.infos[0].offset as usize, at);
        assert_eq!(got.infos[0].go_version, "go1.19.3");
        assert_eq!(feed_in_chunks(&bin, &[1]), Some(got.clone()));
        assert_eq!(feed_in_chunks(&bin, &[7]), Some(got));
    }

    #[test]
    fn unresolvable_pointer_format_is_reported_with_a_reason() {
        let mut bin = vec![0u8; 4096];
        bin[..4].copy_from_slice(b"\x7fELF");
        bin[2048..2062].copy_from_slice(MAGIC);
        bin[2062] = 8;
        bin[2063] = 0;
        bin[2064..2072].copy_from_slice(&0x4a_0000u64.to_le_bytes());
        let got = BuildInfoProbe::scan(&bin).unwrap();
        assert_eq!(got.infos.len(), 1);
        assert!(got.infos[0].pointer_format);
        assert_eq!(got.infos[0].offset, 2048);
        assert!(got.infos[0].go_version.is_empty());
        // No program headers: no address is mapped.
        assert!(got.infos[0].problem.as_deref().unwrap().contains("outside"));
    }

    #[test]
    fn hostile_lengths_and_truncation() {
        // Huge varint for the module information.
        let mut bin = synthetic_binary(32, "go1.20", b"", 0);
        bin.truncate(bin.len() - 1);
        bin.extend_from_slice(&[0xff; 9]);
        bin.push(0x01);
        let got = BuildInfoProbe::scan(&bin).unwrap();
        assert!(got.infos[0].problem.as_deref().unwrap().contains("exceeds"));
        // Overlong varint.
        let mut bin = synthetic_binary(32, "go1.20", b"", 0);
        bin.truncate(bin.len() - 1);
        bin.extend_from_slice(&[0x80; 12]);
        let got = BuildInfoProbe::scan(&bin).unwrap();
        assert!(got.infos[0].problem.is_some());
        // Huge version length: not build info at all.
        let mut bin = synthetic_binary(32, "go1.20", b"", 200);
        bin[64..74].copy_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        assert!(BuildInfoProbe::scan(&bin).is_none());
        // File ends in the middle of the module information.
        let bin = synthetic_binary(32, "go1.20", &framed("mod\tm\tv1\t\n"), 0);
        let got = BuildInfoProbe::scan(&bin[..bin.len() - 5]).unwrap();
        assert_eq!(got.infos[0].go_version, "go1.20");
        assert!(got.infos[0].problem.as_deref().unwrap().contains("ends"));
        // File ends inside the header.
        assert!(BuildInfoProbe::scan(&bin[..40]).is_none());
    }

    #[test]
    fn universal_binaries_yield_one_blob_per_image() {
        let mut bin = vec![0u8; 64];
        bin[..8].copy_from_slice(b"\xca\xfe\xba\xbe\0\0\0\x02");
        for (at, v) in [(1024usize, "go1.21.0"), (8192, "go1.21.0")] {
            let one = synthetic_binary(at, v, &framed("mod\tm\tv1\t\n"), 0);
            bin.resize(at, 0);
            bin.extend_from_slice(&one[at..]);
        }
        bin.resize(bin.len() + 33, 0);
        let got = BuildInfoProbe::scan(&bin).unwrap();
        assert_eq!(got.format, "macho-universal");
        assert_eq!(
            got.infos.iter().map(|i| i.offset).collect::<Vec<_>>(),
            vec![1024, 8192]
        );
        assert_eq!(feed_in_chunks(&bin, &[3]), Some(got));
    }

    #[test]
    fn envelope_round_trips_and_rejects_junk() {
        let c = Captured {
            format: "elf".into(),
            goarch: None,
            infos: vec![],
            contents_version: Some("v1.0.0".into()),
        };
        assert_eq!(Captured::from_bytes(&c.to_bytes()), Some(c));
        assert_eq!(Captured::from_bytes(b"sc-go-buildinfo/1\n{"), None);
        assert_eq!(Captured::from_bytes(b"\x7fELF"), None);
    }
}
