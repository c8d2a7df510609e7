//! Executable formats, recognized from a file's first bytes: ELF, PE
//! (Windows), Mach-O and universal ("fat") Mach-O. Shared by the binary
//! catalogers (Go build info, cargo-auditable), which give up on a file as
//! soon as its first bytes say it is not an executable.
//!
//! Only the headers' fixed fields are read (magic, class, byte order,
//! machine); nothing here follows offsets into the rest of the file.

/// How many leading bytes [`ExeHead`] keeps: enough for the ELF and Mach-O
/// headers' fixed fields and, usually, the PE header (`e_lfanew` is 0x80 for
/// Go's and Rust's linkers).
pub(crate) const HEAD_LEN: usize = 512;

/// An executable container format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExeFormat {
    /// ELF (Linux and most Unixes).
    Elf,
    /// PE/COFF (Windows).
    Pe,
    /// Mach-O (macOS).
    MachO,
    /// Universal Mach-O: several Mach-O images, one per architecture.
    MachOFat,
}

impl ExeFormat {
    /// Lower-case name, for messages and metadata.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ExeFormat::Elf => "elf",
            ExeFormat::Pe => "pe",
            ExeFormat::MachO => "macho",
            ExeFormat::MachOFat => "macho-universal",
        }
    }
}

/// What the first bytes of a file say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniff {
    /// Too few bytes yet to decide.
    NeedMore,
    /// Not an executable format we read.
    NotExecutable,
    /// An executable of this format.
    Exe(ExeFormat),
}

/// Recognize an executable from its first bytes (at least 8 are needed to
/// decide; fewer give [`Sniff::NeedMore`] unless they already rule it out).
pub(crate) fn sniff(head: &[u8]) -> Sniff {
    const MAGICS: &[(&[u8], Option<ExeFormat>)] = &[
        (b"\x7fELF", Some(ExeFormat::Elf)),
        (b"MZ", Some(ExeFormat::Pe)),
        (b"\xfe\xed\xfa\xce", Some(ExeFormat::MachO)),
        (b"\xfe\xed\xfa\xcf", Some(ExeFormat::MachO)),
        (b"\xce\xfa\xed\xfe", Some(ExeFormat::MachO)),
        (b"\xcf\xfa\xed\xfe", Some(ExeFormat::MachO)),
        // Universal binaries share 0xcafebabe with Java class files: told
        // apart below by the architecture count.
        (b"\xca\xfe\xba\xbe", None),
        (b"\xca\xfe\xba\xbf", None),
    ];
    let mut undecided = false;
    for (magic, format) in MAGICS {
        let n = head.len().min(magic.len());
        if head[..n] != magic[..n] {
            continue;
        }
        if head.len() < magic.len() {
            undecided = true;
            continue;
        }
        match format {
            Some(f) => return Sniff::Exe(*f),
            None => {
                if head.len() < 8 {
                    return Sniff::NeedMore;
                }
                // A class file has its minor and major version here (major
                // >= 45); a universal binary its architecture count.
                let nfat = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
                return if (1..=20).contains(&nfat) {
                    Sniff::Exe(ExeFormat::MachOFat)
                } else {
                    Sniff::NotExecutable
                };
            }
        }
    }
    if undecided {
        Sniff::NeedMore
    } else {
        Sniff::NotExecutable
    }
}

/// Go's name (`GOARCH`) of the architecture in an executable's header, when
/// the header is within `head` and the machine is one Go knows.
pub(crate) fn goarch(format: ExeFormat, head: &[u8]) -> Option<&'static str> {
    let u16_at = |off: usize, be: bool| -> Option<u16> {
        let b = head.get(off..off + 2)?;
        Some(if be {
            u16::from_be_bytes([b[0], b[1]])
        } else {
            u16::from_le_bytes([b[0], b[1]])
        })
    };
    let u32_at = |off: usize, be: bool| -> Option<u32> {
        let b = head.get(off..off + 4)?;
        let b = [b[0], b[1], b[2], b[3]];
        Some(if be {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    match format {
        ExeFormat::Elf => {
            let class64 = *head.get(4)? == 2;
            let be = *head.get(5)? == 2;
            Some(match u16_at(18, be)? {
                3 => "386",
                62 => "amd64",
                40 => "arm",
                183 => "arm64",
                8 => match (class64, be) {
                    (true, true) => "mips64",
                    (true, false) => "mips64le",
                    (false, true) => "mips",
                    (false, false) => "mipsle",
                },
                21 if be => "ppc64",
                21 => "ppc64le",
                22 => "s390x",
                243 => "riscv64",
                258 => "loong64",
                _ => return None,
            })
        }
        ExeFormat::Pe => {
            let pe_off = u32_at(0x3c, false)? as usize;
            if head.get(pe_off..pe_off.checked_add(4)?)? != b"PE\0\0" {
                return None;
            }
            Some(match u16_at(pe_off + 4, false)? {
                0x14c => "386",
                0x8664 => "amd64",
                0x1c0 | 0x1c4 => "arm",
                0xaa64 => "arm64",
                _ => return None,
            })
        }
        ExeFormat::MachO => {
            // The magic's byte order tells the header's.
            let be = head.starts_with(b"\xfe\xed\xfa");
            Some(match u32_at(4, be)? {
                7 => "386",
                0x0100_0007 => "amd64",
                12 => "arm",
                0x0100_000c => "arm64",
                _ => return None,
            })
        }
        ExeFormat::MachOFat => None,
    }
}

/// Keeps a file's first [`HEAD_LEN`] bytes and recognizes its format, for
/// probes fed in chunks of any size.
#[derive(Debug, Default)]
pub(crate) struct ExeHead {
    head: Vec<u8>,
    decided: Option<Sniff>,
}

impl ExeHead {
    /// Take the next chunk's leading bytes (the caller feeds every chunk in
    /// order). Returns the format once known, `NeedMore` before.
    pub(crate) fn feed(&mut self, chunk: &[u8]) -> Sniff {
        if self.head.len() < HEAD_LEN {
            let take = (HEAD_LEN - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        if let Some(s) = self.decided {
            return s;
        }
        let s = sniff(&self.head);
        if s != Sniff::NeedMore {
            self.decided = Some(s);
        }
        s
    }

    /// The format, if recognized.
    pub(crate) fn format(&self) -> Option<ExeFormat> {
        match self.decided {
            Some(Sniff::Exe(f)) => Some(f),
            _ => None,
        }
    }

    /// The bytes kept.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_formats_and_rejects_others() {
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01\0"), Sniff::Exe(ExeFormat::Elf));
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0"), Sniff::Exe(ExeFormat::Pe));
        assert_eq!(
            sniff(b"\xcf\xfa\xed\xfe\x07\0\0\x01"),
            Sniff::Exe(ExeFormat::MachO)
        );
        assert_eq!(
            sniff(b"\xca\xfe\xba\xbe\0\0\0\x02"),
            Sniff::Exe(ExeFormat::MachOFat)
        );
        // A Java class file (major version 52).
        assert_eq!(sniff(b"\xca\xfe\xba\xbe\0\0\0\x34"), Sniff::NotExecutable);
        assert_eq!(sniff(b"#!/bin/sh\n"), Sniff::NotExecutable);
        assert_eq!(sniff(b"\x7fE"), Sniff::NeedMore);
        assert_eq!(sniff(b"M"), Sniff::NeedMore);
        assert_eq!(sniff(b""), Sniff::NeedMore);
        assert_eq!(sniff(b"\xca\xfe\xba\xbe\0"), Sniff::NeedMore);
    }

    #[test]
    fn head_is_fed_in_any_chunks() {
        let mut h = ExeHead::default();
        assert_eq!(h.feed(b"\x7f"), Sniff::NeedMore);
        assert_eq!(h.feed(b"EL"), Sniff::NeedMore);
        assert_eq!(h.feed(b"F\x02"), Sniff::Exe(ExeFormat::Elf));
        assert_eq!(h.format(), Some(ExeFormat::Elf));
        assert_eq!(h.bytes(), b"\x7fELF\x02");
    }

    #[test]
    fn goarch_from_headers() {
        let mut elf = vec![0u8; 64];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[4] = 2;
        elf[5] = 1;
        elf[18] = 62;
        assert_eq!(goarch(ExeFormat::Elf, &elf), Some("amd64"));
        elf[18] = 183;
        assert_eq!(goarch(ExeFormat::Elf, &elf), Some("arm64"));
        assert_eq!(goarch(ExeFormat::Elf, &elf[..10]), None);

        let mut pe = vec![0u8; 0x100];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c] = 0x80;
        pe[0x80..0x84].copy_from_slice(b"PE\0\0");
        pe[0x84..0x86].copy_from_slice(&0x8664u16.to_le_bytes());
        assert_eq!(goarch(ExeFormat::Pe, &pe), Some("amd64"));
        pe[0x3c] = 0xff; // header beyond what was kept
        assert_eq!(goarch(ExeFormat::Pe, &pe), None);

        let macho = b"\xcf\xfa\xed\xfe\x0c\0\0\x01";
        assert_eq!(goarch(ExeFormat::MachO, macho), Some("arm64"));
    }
}
