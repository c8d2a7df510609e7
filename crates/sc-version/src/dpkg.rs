//! Debian and Ubuntu package versions: `[epoch:]upstream[-revision]`.
//!
//! Rule source: dpkg itself — `lib/dpkg/parsehelp.c` (`parseversion`) for
//! the syntax and `lib/dpkg/version.c` (`verrevcmp`, `dpkg_version_compare`)
//! for the order — as documented in deb-version(7) and Debian Policy §5.6.12.
//!
//! * The epoch is a decimal number before the first `:` (default 0) and is
//!   compared numerically first.
//! * The revision is everything after the *last* `-` (default empty); the
//!   upstream version is what lies between.
//! * Upstream and revision are compared with `verrevcmp`: alternately a run of
//!   non-digits, compared character by character where `~` sorts before
//!   everything (even the end of the string), then the end of the string,
//!   then ASCII letters, then all other characters (by byte value); then a
//!   run of digits, compared numerically (any length).
//!
//! Like `dpkg --compare-versions`, parsing fails only on dpkg's hard errors
//! (empty string, embedded blanks, bad epoch, empty upstream or revision) and
//! accepts what dpkg merely warns about (a first character that is not a
//! digit, characters outside `[A-Za-z0-9.+~:-]`), ordering those the way dpkg
//! does.  Unlike `dpkg --compare-versions`, the empty string is rejected
//! rather than treated as "no version".

use std::cmp::Ordering;
use std::fmt;

use crate::{Ecosystem, Reason, VersionError};

/// A parsed dpkg version.
#[derive(Debug, Clone)]
pub struct Version {
    epoch: u32,
    upstream: String,
    revision: String,
}

impl Version {
    /// The epoch (0 when absent).
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The upstream version.
    pub fn upstream(&self) -> &str {
        &self.upstream
    }

    /// The Debian revision (empty when absent).
    pub fn revision(&self) -> &str {
        &self.revision
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.epoch != 0 {
            write!(f, "{}:", self.epoch)?;
        }
        f.write_str(&self.upstream)?;
        if !self.revision.is_empty() {
            write!(f, "-{}", self.revision)?;
        }
        Ok(())
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(self.upstream.as_bytes(), other.upstream.as_bytes()))
            .then_with(|| verrevcmp(self.revision.as_bytes(), other.revision.as_bytes()))
    }
}

/// Parses a dpkg version string.
pub fn parse(s: &str) -> Result<Version, VersionError> {
    parse_inner(s).map_err(|r| VersionError::new(Ecosystem::Debian, s, r))
}

/// Orders two dpkg version strings.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(parse(a)?.cmp(&parse(b)?))
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// C `isspace` in the C locale.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

pub(crate) fn parse_inner(s: &str) -> Result<Version, Reason> {
    // dpkg sees a C string: anything after a NUL does not exist.
    let s = match s.find('\0') {
        Some(i) => &s[..i],
        None => s,
    };
    let b = s.as_bytes();
    let start = b.iter().position(|&c| !is_blank(c)).unwrap_or(b.len());
    if start == b.len() {
        return Err("version string is empty".into());
    }
    let mut end = start;
    while end < b.len() && !is_blank(b[end]) {
        end += 1;
    }
    if b[end..].iter().any(|&c| !is_blank(c)) {
        return Err("version string has embedded spaces".into());
    }
    let mut body = &s[start..end];
    let mut epoch = 0u32;
    if let Some(colon) = body.find(':') {
        epoch = parse_epoch(&body[..colon])?;
        body = &body[colon + 1..];
        if body.is_empty() {
            return Err("nothing after colon in version number".into());
        }
    }
    let (upstream, revision) = match body.rfind('-') {
        Some(h) => {
            let rev = &body[h + 1..];
            if rev.is_empty() {
                return Err("revision number is empty".into());
            }
            (&body[..h], rev)
        }
        None => (body, ""),
    };
    if upstream.is_empty() {
        return Err("upstream version is empty".into());
    }
    Ok(Version {
        epoch,
        upstream: upstream.to_owned(),
        revision: revision.to_owned(),
    })
}

/// The epoch as C `strtol` reads it, with dpkg's checks on the result.
fn parse_epoch(e: &str) -> Result<u32, Reason> {
    let b = e.as_bytes();
    let mut i = 0;
    while i < b.len() && is_c_space(b[i]) {
        i += 1;
    }
    let negative = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = &b[i..];
    let n = digits.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 {
        return Err("epoch in version is empty".into());
    }
    if n != digits.len() {
        return Err("epoch in version is not number".into());
    }
    let digits = crate::util::strip_zeros(digits);
    let too_big = digits.len() > 10
        || std::str::from_utf8(digits)
            .ok()
            .and_then(|d| {
                if d.is_empty() {
                    Some(0)
                } else {
                    d.parse::<u64>().ok()
                }
            })
            .is_none_or(|v| v > i32::MAX as u64);
    if negative && !digits.is_empty() {
        // strtol clamps to LONG_MIN on overflow; either way it is negative.
        return Err("epoch in version is negative".into());
    }
    if too_big {
        return Err("epoch in version is too big".into());
    }
    let v = std::str::from_utf8(digits)
        .ok()
        .and_then(|d| {
            if d.is_empty() {
                Some(0)
            } else {
                d.parse::<u32>().ok()
            }
        })
        .unwrap_or(0);
    Ok(v)
}

/// dpkg's character weight for the non-digit part of a version: `~` lowest,
/// then the end of the string (and digits, which never reach this), then
/// letters, then everything else.  Bytes are C `char`s, signed on the
/// platforms dpkg ships for, hence the `i8` cast.
fn order(c: u8) -> i32 {
    if c.is_ascii_digit() {
        0
    } else if c.is_ascii_alphabetic() {
        i32::from(c)
    } else if c == b'~' {
        -1
    } else if c != 0 {
        i32::from(c as i8) + 256
    } else {
        0
    }
}

/// dpkg's `verrevcmp`, over byte strings (a missing byte reads as NUL).
pub fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let at = |s: &[u8], k: usize| s.get(k).copied().unwrap_or(0);
    let (mut i, mut j) = (0usize, 0usize);
    while at(a, i) != 0 || at(b, j) != 0 {
        let mut first_diff: i32 = 0;
        while (at(a, i) != 0 && !at(a, i).is_ascii_digit())
            || (at(b, j) != 0 && !at(b, j).is_ascii_digit())
        {
            let ac = order(at(a, i));
            let bc = order(at(b, j));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while at(a, i) == b'0' {
            i += 1;
        }
        while at(b, j) == b'0' {
            j += 1;
        }
        while at(a, i).is_ascii_digit() && at(b, j).is_ascii_digit() {
            if first_diff == 0 {
                first_diff = i32::from(at(a, i)) - i32::from(at(b, j));
            }
            i += 1;
            j += 1;
        }
        if at(a, i).is_ascii_digit() {
            return Ordering::Greater;
        }
        if at(b, j).is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != 0 {
            return first_diff.cmp(&0);
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn c(a: &str, b: &str) -> Ordering {
        compare(a, b).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn ordering_vectors() {
        let cases: &[(&str, &str, Ordering)] = &[
            ("1.0", "1.0", Equal),
            ("1.0", "1.00", Equal),
            ("1.0", "1.0-0", Equal),
            ("0:1.0", "1.0", Equal),
            ("00:1.0", "1.0", Equal),
            ("1.0", "1.1", Less),
            ("1.2", "1.10", Less),
            ("1.0", "1:0.1", Less),
            ("2:1.0", "1:9.9", Greater),
            // ~ sorts before everything, even the end of the string.
            ("1.0~rc1", "1.0", Less),
            ("1.0~~", "1.0~", Less),
            ("1.0~~a", "1.0~~", Greater),
            ("1.0~", "1.0", Less),
            ("1.0~rc1", "1.0~rc2", Less),
            ("1.0~beta", "1.0~rc", Less),
            // Letters sort before non-letters.
            ("1.0a", "1.0+", Less),
            ("1.0a", "1.0.", Less),
            ("1.0+", "1.0.", Less),
            ("1.0Z", "1.0a", Less),
            ("1.0", "1.0a", Less),
            ("1.0", "1.0+dfsg", Less),
            ("1.0+dfsg-1", "1.0-1", Greater),
            ("1.0.1", "1.0a", Greater),
            ("1.0-1", "1.0-1ubuntu1", Less),
            ("1.0-1ubuntu1", "1.0-2", Less),
            ("1.0-1build1", "1.0-1ubuntu1", Less),
            ("1.0-1~bpo1", "1.0-1", Less),
            ("1.0-1+deb12u1", "1.0-1", Greater),
            ("1.0-1+deb11u1", "1.0-1+deb12u1", Less),
            ("2.30-1", "2.4-1", Greater),
            ("7.6p2-4", "7.6-0", Greater),
            ("1.0.3-3", "1.0-1", Greater),
            ("1.3", "1.2.2-2", Greater),
            ("1.3", "1.2.2", Greater),
            // The revision is after the *last* hyphen.
            ("1.0-2-1", "1.0-10-1", Less),
            ("a-1", "b-1", Less),
            // Colons after the epoch belong to the upstream version.
            ("1:2:3", "1:2:4", Less),
            ("0:09", "9", Equal),
            // Very long numbers compare exactly.
            (
                "1.123456789012345678901234567890",
                "1.123456789012345678901234567891",
                Less,
            ),
            ("1.0000000000000000000000000000001", "1.1", Equal),
            // Non-ASCII bytes weigh like other non-letters, by (signed) value.
            ("1.0é", "1.0a", Greater),
            ("1.0é", "1.0+", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(c(a, b), *want, "{a} vs {b}");
            assert_eq!(c(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn parts() {
        let v = parse("3:1.2-3-4").unwrap();
        assert_eq!(v.epoch(), 3);
        assert_eq!(v.upstream(), "1.2-3");
        assert_eq!(v.revision(), "4");
        assert_eq!(v.to_string(), "3:1.2-3-4");
        let v = parse("  1.0  ").unwrap();
        assert_eq!(v.upstream(), "1.0");
        assert_eq!(v.revision(), "");
        assert_eq!(v.epoch(), 0);
        assert_eq!(parse("+5:1").unwrap().epoch(), 5);
        assert_eq!(parse("-0:1").unwrap().epoch(), 0);
        assert_eq!(parse("2147483647:1").unwrap().epoch(), i32::MAX as u32);
    }

    #[test]
    fn errors() {
        for bad in [
            "",
            "   ",
            "1.0 2",
            ":1.0",
            "a:1.0",
            "1a:1.0",
            "-1:1.0",
            "2147483648:1.0",
            "99999999999999999999:1",
            "1:",
            "1.0-",
            "-1",
            "1:-1",
            // The first colon starts the epoch, even inside the revision.
            "1.0-1:2",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
        // dpkg only warns about these, and still compares them.
        for warned in ["a1.0", "1.0_1", "1:1.0-1:2", "1.0-a_b", "~1"] {
            assert!(parse(warned).is_ok(), "{warned:?} should be accepted");
        }
        assert_eq!(c("~1", "1"), Less);
    }

    #[test]
    fn verrevcmp_direct() {
        assert_eq!(verrevcmp(b"", b""), Equal);
        assert_eq!(verrevcmp(b"", b"~"), Greater);
        assert_eq!(verrevcmp(b"", b"0"), Equal);
        assert_eq!(verrevcmp(b"", b"a"), Less);
        assert_eq!(verrevcmp(b"1", b""), Greater);
    }
}
