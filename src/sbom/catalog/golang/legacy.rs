//! Go 1.13–1.17 build info ("pointer format") in a forward-only stream.
//!
//! Before Go 1.18 the 32-byte header holds two *addresses*: of the string
//! headers (address, length) of `runtime.buildVersion` and `runtime.modinfo`.
//! The linker puts those string headers in the data segment after the build
//! info header, but the string bytes in read-only data, *before* it. A
//! streaming reader has passed the strings by the time it learns where they
//! are, so [`Legacy`] collects, while the file streams by, the few places
//! that can hold them, and resolves the addresses once the header and the
//! string headers have been read:
//!
//! - every `go1.` in the file with the 48 bytes that follow (≤ 64 places;
//!   real binaries have a handful), for the version;
//! - every module information text, recognized by the 16-byte sentinel that
//!   starts it, up to the sentinel that ends it (≤ 2 places, ≤ 1 MiB each);
//! - the address map (ELF program headers, PE sections, Mach-O segments)
//!   from the file's first 8 KiB, to turn addresses into file offsets.
//!
//! A string that turns out to lie ahead of the stream is captured when the
//! stream gets there. Anything that does not resolve exactly (an address
//! outside the map, a string header or string the stream has passed without
//! keeping it) leaves the binary unread, with a reason.

use memchr::memmem;

use super::exe::ExeFormat;

/// Bytes kept from the start of the file to read the address map.
pub(crate) const MAP_HEAD_LEN: usize = 8192;
/// Module information starts with this sentinel (cmd/go's `infoStart`).
pub(crate) const INFO_START: &[u8; 16] =
    b"\x30\x77\xaf\x0c\x92\x74\x08\x02\x41\xe1\xc1\x07\xe6\xd6\x18\xe6";
/// And ends with this one (`infoEnd`).
pub(crate) const INFO_END: &[u8; 16] =
    b"\xf9\x32\x43\x31\x86\x18\x20\x72\x00\x82\x42\x10\x41\x16\xd8\xf2";
const VERSION_PATTERN: &[u8] = b"go1.";
const VERSION_KEEP: usize = 48;
const MAX_VERSION_PLACES: usize = 64;
const MAX_MODINFO_PLACES: usize = 2;
const MAX_MODINFO: usize = super::probe::MAX_MODINFO_LEN as usize;
/// How far past the header the string headers may be (Go puts them in the
/// data segment, a few hundred KiB further).
const MAX_HEADER_DISTANCE: u64 = 64 << 20;

/// Loaded ranges: (virtual address, file offset, size in file).
#[derive(Debug, Default, Clone)]
pub(crate) struct AddressMap(Vec<(u64, u64, u64)>);

impl AddressMap {
    /// File offset of virtual address `addr`, if mapped.
    pub(crate) fn offset(&self, addr: u64) -> Option<u64> {
        self.0
            .iter()
            .find(|&&(va, _, size)| addr >= va && addr - va < size)
            .map(|&(va, off, _)| off + (addr - va))
    }

    /// Read the map from the file's first bytes.
    pub(crate) fn parse(format: ExeFormat, head: &[u8]) -> Self {
        let r = Reader { b: head, be: false };
        let ranges = match format {
            ExeFormat::Elf => elf_map(head),
            ExeFormat::Pe => pe_map(r),
            ExeFormat::MachO => macho_map(head),
            ExeFormat::MachOFat => None,
        };
        AddressMap(ranges.unwrap_or_default())
    }
}

#[derive(Clone, Copy)]
struct Reader<'a> {
    b: &'a [u8],
    be: bool,
}

impl Reader<'_> {
    fn u16(&self, off: usize) -> Option<u64> {
        let s = self.b.get(off..off.checked_add(2)?)?;
        let a = [s[0], s[1]];
        Some(u64::from(if self.be {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        }))
    }
    fn u32(&self, off: usize) -> Option<u64> {
        let s = self.b.get(off..off.checked_add(4)?)?;
        let a = [s[0], s[1], s[2], s[3]];
        Some(u64::from(if self.be {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }))
    }
    fn u64(&self, off: usize) -> Option<u64> {
        let s = self.b.get(off..off.checked_add(8)?)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Some(if self.be {
            u64::from_be_bytes(a)
        } else {
            u64::from_le_bytes(a)
        })
    }
    fn word(&self, off: usize, is64: bool) -> Option<u64> {
        if is64 {
            self.u64(off)
        } else {
            self.u32(off)
        }
    }
}

fn elf_map(head: &[u8]) -> Option<Vec<(u64, u64, u64)>> {
    let is64 = *head.get(4)? == 2;
    let r = Reader {
        b: head,
        be: *head.get(5)? == 2,
    };
    let (phoff, phentsize, phnum) = if is64 {
        (r.u64(32)?, r.u16(54)?, r.u16(56)?)
    } else {
        (r.u32(28)?, r.u16(42)?, r.u16(44)?)
    };
    let mut out = Vec::new();
    for i in 0..phnum {
        let at = usize::try_from(phoff.checked_add(i * phentsize)?).ok()?;
        if r.u32(at)? != 1 {
            continue; // not PT_LOAD
        }
        let (off, va, filesz) = if is64 {
            (r.u64(at + 8)?, r.u64(at + 16)?, r.u64(at + 32)?)
        } else {
            (r.u32(at + 4)?, r.u32(at + 8)?, r.u32(at + 16)?)
        };
        out.push((va, off, filesz));
    }
    Some(out)
}

fn pe_map(r: Reader<'_>) -> Option<Vec<(u64, u64, u64)>> {
    let pe = usize::try_from(r.u32(0x3c)?).ok()?;
    if r.b.get(pe..pe + 4)? != b"PE\0\0" {
        return None;
    }
    let nsections = r.u16(pe + 6)?;
    let opt_size = usize::try_from(r.u16(pe + 20)?).ok()?;
    let opt = pe + 24;
    let image_base = match r.u16(opt)? {
        0x10b => r.u32(opt + 28)?,
        0x20b => r.u64(opt + 24)?,
        _ => return None,
    };
    let mut out = Vec::new();
    for i in 0..usize::try_from(nsections).ok()? {
        let s = opt + opt_size + i * 40;
        let (vsize, va, raw_size, raw_off) = (
            r.u32(s + 8)?,
            r.u32(s + 12)?,
            r.u32(s + 16)?,
            r.u32(s + 20)?,
        );
        out.push((image_base + va, raw_off, vsize.min(raw_size)));
    }
    Some(out)
}

fn macho_map(head: &[u8]) -> Option<Vec<(u64, u64, u64)>> {
    let be = head.starts_with(b"\xfe\xed\xfa");
    let is64 = matches!(head.get(..4)?, b"\xfe\xed\xfa\xcf" | b"\xcf\xfa\xed\xfe");
    let r = Reader { b: head, be };
    let ncmds = r.u32(16)?;
    let mut at = if is64 { 32 } else { 28 };
    let mut out = Vec::new();
    for _ in 0..ncmds.min(1024) {
        let (cmd, size) = (r.u32(at)?, usize::try_from(r.u32(at + 4)?).ok()?);
        if size < 8 {
            return None;
        }
        let name = head.get(at + 8..at + 24)?;
        if !name.starts_with(b"__PAGEZERO") {
            match cmd {
                0x19 => out.push((r.u64(at + 24)?, r.u64(at + 40)?, r.u64(at + 48)?)),
                0x1 => out.push((r.u32(at + 24)?, r.u32(at + 32)?, r.u32(at + 36)?)),
                _ => {}
            }
        }
        at = at.checked_add(size)?;
    }
    Some(out)
}

/// Finds every occurrence of a pattern in a stream fed in chunks.
struct Searcher {
    finder: &'static memmem::Finder<'static>,
    /// The last `len - 1` bytes of the stream so far.
    tail: Vec<u8>,
}

/// Shared finders: probes are made for every file, so making one is free.
fn finder(pattern: &'static [u8]) -> &'static memmem::Finder<'static> {
    use std::sync::OnceLock;
    static VERSION: OnceLock<memmem::Finder<'static>> = OnceLock::new();
    static START: OnceLock<memmem::Finder<'static>> = OnceLock::new();
    let cell = if pattern == VERSION_PATTERN {
        &VERSION
    } else {
        &START
    };
    cell.get_or_init(|| memmem::Finder::new(pattern))
}

impl Searcher {
    fn new(pattern: &'static [u8]) -> Self {
        debug_assert!(pattern == VERSION_PATTERN || pattern == INFO_START);
        Self {
            finder: finder(pattern),
            tail: Vec::new(),
        }
    }

    /// Offsets of the occurrences that end in `chunk` (at stream offset
    /// `pos`), each with the bytes of it that came before `chunk`.
    fn find(&mut self, pos: u64, chunk: &[u8], mut hit: impl FnMut(u64, &[u8])) {
        let n = self.finder.needle().len();
        if !self.tail.is_empty() {
            // Patterns are at most 16 bytes: tail and chunk start fit in 32.
            let mut joint = [0u8; 32];
            let t = self.tail.len();
            let c = chunk.len().min(n - 1);
            joint[..t].copy_from_slice(&self.tail);
            joint[t..t + c].copy_from_slice(&chunk[..c]);
            let tail_start = pos - t as u64;
            for h in self.finder.find_iter(&joint[..t + c]) {
                if h < self.tail.len() {
                    hit(tail_start + h as u64, &self.tail[h..]);
                }
            }
        }
        for h in self.finder.find_iter(chunk) {
            hit(pos + h as u64, &[]);
        }
        // Keep the last n - 1 bytes of the stream.
        let keep = n - 1;
        if chunk.len() >= keep {
            self.tail.clear();
            self.tail.extend_from_slice(&chunk[chunk.len() - keep..]);
        } else {
            self.tail.extend_from_slice(chunk);
            let excess = self.tail.len().saturating_sub(keep);
            self.tail.drain(..excess);
        }
    }
}

/// Bytes of the stream from `start`, up to `max` or through `until`.
#[derive(Debug)]
struct Grab {
    start: u64,
    max: usize,
    until: Option<&'static [u8]>,
    buf: Vec<u8>,
    complete: bool,
}

impl Grab {
    fn new(start: u64, max: usize, until: Option<&'static [u8]>, prefix: &[u8]) -> Self {
        let mut g = Grab {
            start,
            max,
            until,
            buf: Vec::new(),
            complete: max == 0,
        };
        g.push(prefix);
        g
    }

    /// Feed the chunk at stream offset `pos`.
    fn feed(&mut self, pos: u64, chunk: &[u8]) {
        let next = self.start + self.buf.len() as u64;
        if self.complete || next < pos || next >= pos + chunk.len() as u64 {
            return;
        }
        self.push(&chunk[(next - pos) as usize..]);
    }

    fn push(&mut self, bytes: &[u8]) {
        if self.complete {
            return;
        }
        let old = self.buf.len();
        let take = (self.max - old).min(bytes.len());
        self.buf.extend_from_slice(&bytes[..take]);
        if let Some(end) = self.until {
            let from = old.saturating_sub(end.len() - 1);
            if let Some(i) = memmem::find(&self.buf[from..], end) {
                self.buf.truncate(from + i + end.len());
                self.complete = true;
                return;
            }
        }
        if self.buf.len() >= self.max {
            self.complete = true;
        }
    }
}

/// What was read, or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Version and raw module information (sentinels included).
    Read { version: String, modinfo: Vec<u8> },
    /// The header was seen but the strings could not be read.
    Unreadable(String),
}

/// A string being resolved: header, then data.
#[derive(Debug)]
enum Str {
    /// Waiting for the string header at this file offset.
    Header(Grab),
    /// Waiting for (or holding) the string's bytes.
    Data {
        offset: u64,
        len: usize,
        grab: Option<Grab>,
    },
    Failed(String),
}

/// The collector; see the module docs.
pub(crate) struct Legacy {
    versions: Searcher,
    sentinels: Searcher,
    version_places: Vec<Grab>,
    modinfo_places: Vec<Grab>,
    /// Set once a pointer-format header was read.
    resolving: Option<Resolving>,
}

struct Resolving {
    header_offset: u64,
    ptr_size: usize,
    big_endian: bool,
    map: AddressMap,
    version: Str,
    modinfo: Str,
}

impl Default for Legacy {
    fn default() -> Self {
        Self::new()
    }
}

impl Legacy {
    pub(crate) fn new() -> Self {
        Self {
            versions: Searcher::new(VERSION_PATTERN),
            sentinels: Searcher::new(INFO_START),
            version_places: Vec::new(),
            modinfo_places: Vec::new(),
            resolving: None,
        }
    }

    /// Feed the chunk at stream offset `pos`.
    pub(crate) fn feed(&mut self, pos: u64, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        let (versions, places) = (&mut self.versions, &mut self.version_places);
        versions.find(pos, chunk, |at, prefix| {
            if places.len() < MAX_VERSION_PLACES {
                places.push(Grab::new(at, VERSION_KEEP, None, prefix));
            }
        });
        let (sentinels, places) = (&mut self.sentinels, &mut self.modinfo_places);
        sentinels.find(pos, chunk, |at, prefix| {
            if places.len() < MAX_MODINFO_PLACES {
                places.push(Grab::new(at, MAX_MODINFO, Some(INFO_END), prefix));
            }
        });
        for g in self
            .version_places
            .iter_mut()
            .chain(&mut self.modinfo_places)
        {
            g.feed(pos, chunk);
        }
        if let Some(r) = self.resolving.as_mut() {
            for s in [&mut r.version, &mut r.modinfo] {
                match s {
                    Str::Header(g) => g.feed(pos, chunk),
                    Str::Data { grab: Some(g), .. } => g.feed(pos, chunk),
                    _ => {}
                }
            }
            self.advance(pos + chunk.len() as u64);
        }
    }

    /// A pointer-format header at `offset`: pointer size, flags and the 16
    /// bytes after the magic line. The chunk being processed must then be
    /// passed to [`Legacy::replay`]: the string headers may be in it.
    pub(crate) fn header(
        &mut self,
        offset: u64,
        ptr_size: u8,
        flags: u8,
        ptrs: &[u8],
        format: ExeFormat,
        head: &[u8],
    ) {
        if self.resolving.is_some() {
            return;
        }
        let ptr_size = usize::from(ptr_size);
        let big_endian = flags & 1 != 0;
        let r = Reader {
            b: ptrs,
            be: big_endian,
        };
        let map = AddressMap::parse(format, head);
        let string_header = |i: usize| -> Str {
            let Some(addr) = r.word(i * ptr_size, ptr_size == 8) else {
                return Str::Failed("build info header cut short".into());
            };
            match map.offset(addr) {
                None => Str::Failed(format!("address {addr:#x} is outside the file's segments")),
                Some(off) if off < offset || off - offset > MAX_HEADER_DISTANCE => {
                    Str::Failed(format!(
                        "string header at file offset {off} is not after the build info header"
                    ))
                }
                Some(off) => Str::Header(Grab::new(off, 2 * ptr_size, None, &[])),
            }
        };
        let version = string_header(0);
        let modinfo = string_header(1);
        self.resolving = Some(Resolving {
            header_offset: offset,
            ptr_size,
            big_endian,
            map,
            version,
            modinfo,
        });
    }

    /// Feed again bytes of the current chunk that a header just made
    /// interesting (the chunk at stream offset `pos`).
    pub(crate) fn replay(&mut self, pos: u64, chunk: &[u8]) {
        if let Some(r) = self.resolving.as_mut() {
            for s in [&mut r.version, &mut r.modinfo] {
                if let Str::Header(g) = s {
                    g.feed(pos, chunk);
                }
            }
            self.advance(pos + chunk.len() as u64);
        }
    }

    /// Move resolution on; `fed` is the stream offset reached.
    fn advance(&mut self, fed: u64) {
        let Some(r) = self.resolving.as_mut() else {
            return;
        };
        for (s, places, max) in [
            (&mut r.version, &self.version_places, 64usize),
            (&mut r.modinfo, &self.modinfo_places, MAX_MODINFO),
        ] {
            if let Str::Header(g) = s {
                if !g.complete {
                    continue;
                }
                let hr = Reader {
                    b: &g.buf,
                    be: r.big_endian,
                };
                let is64 = r.ptr_size == 8;
                let (Some(addr), Some(len)) = (hr.word(0, is64), hr.word(r.ptr_size, is64)) else {
                    *s = Str::Failed("string header cut short".into());
                    continue;
                };
                let Some(offset) = r.map.offset(addr) else {
                    *s = Str::Failed(format!(
                        "string address {addr:#x} is outside the file's segments"
                    ));
                    continue;
                };
                let len = match usize::try_from(len) {
                    Ok(l) if l <= max => l,
                    _ => {
                        *s = Str::Failed(format!("string of {len} bytes is too long"));
                        continue;
                    }
                };
                let grab = (offset >= fed).then(|| Grab::new(offset, len, None, &[]));
                *s = Str::Data { offset, len, grab };
            }
            if let Str::Data {
                offset,
                len,
                grab: None,
            } = s
            {
                // Already passed: it must be one of the places kept.
                let kept = places
                    .iter()
                    .find(|g| g.start == *offset && g.buf.len() >= *len);
                if kept.is_none() {
                    *s = Str::Failed(format!(
                        "string at file offset {offset} was passed before the header pointed at it"
                    ));
                }
            }
        }
    }

    /// True once both strings are read or failed.
    pub(crate) fn settled(&self) -> bool {
        let Some(r) = &self.resolving else {
            return false;
        };
        [&r.version, &r.modinfo].iter().all(|s| match s {
            Str::Failed(_) => true,
            Str::Data { grab: None, .. } => true,
            Str::Data { grab: Some(g), .. } => g.complete,
            Str::Header(_) => false,
        })
    }

    /// Whether a header was seen.
    pub(crate) fn seen(&self) -> Option<u64> {
        self.resolving.as_ref().map(|r| r.header_offset)
    }

    /// The result, if a header was seen.
    pub(crate) fn outcome(&self) -> Option<Outcome> {
        let r = self.resolving.as_ref()?;
        let get = |s: &Str, places: &[Grab]| -> Result<Vec<u8>, String> {
            match s {
                Str::Failed(why) => Err(why.clone()),
                Str::Header(_) => Err("file ends before the string header".into()),
                Str::Data {
                    offset,
                    len,
                    grab: Some(g),
                } => {
                    if g.complete && g.buf.len() == *len {
                        Ok(g.buf.clone())
                    } else {
                        Err(format!("file ends inside the string at offset {offset}"))
                    }
                }
                Str::Data {
                    offset,
                    len,
                    grab: None,
                } => places
                    .iter()
                    .find(|g| g.start == *offset && g.buf.len() >= *len)
                    .map(|g| g.buf[..*len].to_vec())
                    .ok_or_else(|| format!("string at file offset {offset} was not kept")),
            }
        };
        let version = get(&r.version, &self.version_places);
        let modinfo = get(&r.modinfo, &self.modinfo_places);
        Some(match (version, modinfo) {
            (Ok(v), Ok(m)) if super::probe::plausible_version(&v) => Outcome::Read {
                version: String::from_utf8_lossy(&v).into_owned(),
                modinfo: m,
            },
            (Ok(v), _) if !super::probe::plausible_version(&v) => {
                Outcome::Unreadable("the version string is not a Go version".into())
            }
            (Err(e), _) | (_, Err(e)) => Outcome::Unreadable(e),
            _ => Outcome::Unreadable("unreadable".into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searcher_finds_hits_across_any_boundary() {
        let data = b"xxgo1.17.2yyyygo1.xgo1.";
        let expect: Vec<u64> = vec![2, 14, 19];
        for n in 1..=data.len() {
            let mut s = Searcher::new(b"go1.");
            let mut hits = Vec::new();
            for (i, c) in data.chunks(n).enumerate() {
                s.find((i * n) as u64, c, |at, prefix| {
                    assert_eq!(&data[at as usize..at as usize + prefix.len()], prefix);
                    hits.push(at);
                });
            }
            assert_eq!(hits, expect, "chunks of {n}");
        }
    }

    #[test]
    fn grab_stops_at_terminator_across_chunks() {
        let data = b"AAAAstart-middle-ENDtrailing";
        for n in 1..=data.len() {
            let mut g = Grab::new(4, 100, Some(b"END"), &[]);
            for (i, c) in data.chunks(n).enumerate() {
                g.feed((i * n) as u64, c);
            }
            assert!(g.complete);
            assert_eq!(g.buf, b"start-middle-END", "chunks of {n}");
        }
        let mut g = Grab::new(0, 3, None, b"ab");
        g.feed(2, b"cdef");
        assert_eq!((g.buf.as_slice(), g.complete), (&b"abc"[..], true));
    }

    #[test]
    fn address_maps_of_each_format() {
        // ELF64 LE with two program headers at 64: a PT_LOAD and a PT_NOTE.
        let mut elf = vec![0u8; 200];
        elf[..6].copy_from_slice(b"\x7fELF\x02\x01");
        elf[32..40].copy_from_slice(&64u64.to_le_bytes());
        elf[54..56].copy_from_slice(&56u16.to_le_bytes());
        elf[56..58].copy_from_slice(&2u16.to_le_bytes());
        elf[64..68].copy_from_slice(&1u32.to_le_bytes());
        elf[72..80].copy_from_slice(&0x1000u64.to_le_bytes());
        elf[80..88].copy_from_slice(&0x40_1000u64.to_le_bytes());
        elf[96..104].copy_from_slice(&0x500u64.to_le_bytes());
        elf[120..124].copy_from_slice(&4u32.to_le_bytes());
        let m = AddressMap::parse(ExeFormat::Elf, &elf);
        assert_eq!(m.offset(0x40_1010), Some(0x1010));
        assert_eq!(m.offset(0x40_1500), None);
        assert_eq!(m.offset(0), None);
        // Truncated or absurd headers give an empty map, not a panic.
        assert_eq!(AddressMap::parse(ExeFormat::Elf, &elf[..70]).0.len(), 0);
        elf[56..58].copy_from_slice(&u16::MAX.to_le_bytes());
        let _ = AddressMap::parse(ExeFormat::Elf, &elf);

        // PE32+ with one section.
        let mut pe = vec![0u8; 512];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c] = 0x80;
        pe[0x80..0x84].copy_from_slice(b"PE\0\0");
        pe[0x86..0x88].copy_from_slice(&1u16.to_le_bytes());
        pe[0x94..0x96].copy_from_slice(&0xf0u16.to_le_bytes());
        let opt = 0x98;
        pe[opt..opt + 2].copy_from_slice(&0x20bu16.to_le_bytes());
        pe[opt + 24..opt + 32].copy_from_slice(&0x1_4000_0000u64.to_le_bytes());
        let s = opt + 0xf0;
        pe[s + 8..s + 12].copy_from_slice(&0x200u32.to_le_bytes());
        pe[s + 12..s + 16].copy_from_slice(&0x3000u32.to_le_bytes());
        pe[s + 16..s + 20].copy_from_slice(&0x400u32.to_le_bytes());
        pe[s + 20..s + 24].copy_from_slice(&0x800u32.to_le_bytes());
        let m = AddressMap::parse(ExeFormat::Pe, &pe);
        assert_eq!(m.offset(0x1_4000_3010), Some(0x810));
        assert_eq!(m.offset(0x1_4000_3200), None);

        // Mach-O 64 with __PAGEZERO and one segment.
        let mut mo = vec![0u8; 32 + 72 * 2];
        mo[..4].copy_from_slice(b"\xcf\xfa\xed\xfe");
        mo[16..20].copy_from_slice(&2u32.to_le_bytes());
        for (i, (name, va, off, size)) in [
            (&b"__PAGEZERO"[..], 0u64, 0u64, 0u64),
            (b"__DATA", 0x1_0000_4000, 0x4000, 0x1000),
        ]
        .into_iter()
        .enumerate()
        {
            let at = 32 + i * 72;
            mo[at..at + 4].copy_from_slice(&0x19u32.to_le_bytes());
            mo[at + 4..at + 8].copy_from_slice(&72u32.to_le_bytes());
            mo[at + 8..at + 8 + name.len()].copy_from_slice(name);
            mo[at + 24..at + 32].copy_from_slice(&va.to_le_bytes());
            mo[at + 40..at + 48].copy_from_slice(&off.to_le_bytes());
            mo[at + 48..at + 56].copy_from_slice(&size.to_le_bytes());
        }
        let m = AddressMap::parse(ExeFormat::MachO, &mo);
        assert_eq!(m.offset(0x1_0000_4008), Some(0x4008));
        assert_eq!(m.0.len(), 1);
    }
}
