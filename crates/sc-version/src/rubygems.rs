//! RubyGems versions, ordered as `Gem::Version#<=>` orders them.
//!
//! Rule source: RubyGems' `lib/rubygems/version.rb` (`ANCHORED_VERSION_PATTERN`,
//! `#initialize`, `#prerelease?`, `#canonical_segments`, `#<=>`) and the
//! RubyGems guides ("Patterns: Semantic Versioning", "prerelease gems").
//!
//! * A valid version is, after optional surrounding whitespace
//!   (`[ \t\n\v\f\r]`): digits, then any number of `.` + alphanumerics, then
//!   optionally `-` + `[0-9A-Za-z-]+` groups separated by `.`.  An empty (or
//!   all-whitespace) string means `0`.
//! * Each `-` stands for `.pre.` (`1.0-rc1` is `1.0.pre.rc1`).
//! * Segments are the maximal runs of digits (numbers) or ASCII letters
//!   (strings, case-sensitive).  A version is a pre-release when it contains a
//!   letter.
//! * Canonical segments: the leading numeric segments and the rest (from the
//!   first string segment on) each lose their trailing zeros, so `1.0.0 ==
//!   1`, `1.0.a == 1.a` and `1.a.0 == 1.a`.
//! * Comparison walks canonical segments, padding the shorter with `0`;
//!   numbers compare numerically (any size), strings bytewise, and a string is
//!   always older than a number (`1.0.a < 1.0 < 1.0.0.1`).

use std::cmp::Ordering;
use std::fmt;

use crate::util::{canonical_digits, cmp_digits};
use crate::{Ecosystem, Reason, VersionError};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Num(String),
    Str(String),
}

/// A parsed RubyGems version.
#[derive(Debug, Clone)]
pub struct Version {
    /// The version string after stripping and `-` → `.pre.` rewriting.
    version: String,
    canonical: Vec<Seg>,
    prerelease: bool,
}

impl Version {
    /// Whether this is a pre-release (contains a letter).
    pub fn is_prerelease(&self) -> bool {
        self.prerelease
    }

    /// The version as RubyGems stores it (`Gem::Version#to_s`).
    pub fn as_str(&self) -> &str {
        &self.version
    }

    /// The canonical segments, rendered as `Gem::Version#canonical_segments`
    /// would join them with `.`.
    pub fn canonical(&self) -> String {
        self.canonical
            .iter()
            .map(|s| match s {
                Seg::Num(n) | Seg::Str(n) => n.as_str(),
            })
            .collect::<Vec<_>>()
            .join(".")
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.version)
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
        let zero = Seg::Num("0".into());
        let n = self.canonical.len().max(other.canonical.len());
        for i in 0..n {
            let l = self.canonical.get(i).unwrap_or(&zero);
            let r = other.canonical.get(i).unwrap_or(&zero);
            let o = match (l, r) {
                (Seg::Num(a), Seg::Num(b)) => cmp_digits(a.as_bytes(), b.as_bytes()),
                (Seg::Str(a), Seg::Str(b)) => a.as_bytes().cmp(b.as_bytes()),
                (Seg::Str(_), Seg::Num(_)) => Ordering::Less,
                (Seg::Num(_), Seg::Str(_)) => Ordering::Greater,
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

/// Parses a RubyGems version.
pub fn parse(s: &str) -> Result<Version, VersionError> {
    parse_inner(s).map_err(|r| VersionError::new(Ecosystem::RubyGems, s, r))
}

/// Orders two RubyGems versions.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(parse(a)?.cmp(&parse(b)?))
}

/// Ruby's regexp `\s`.
fn is_ruby_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

/// `ANCHORED_VERSION_PATTERN` on the already-trimmed body.
fn well_formed(b: &[u8]) -> bool {
    let alnum = |c: u8| c.is_ascii_alphanumeric();
    let pre = |c: u8| c.is_ascii_alphanumeric() || c == b'-';
    let mut p = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if p == 0 {
        return false;
    }
    while b.get(p) == Some(&b'.') {
        let n = b[p + 1..].iter().take_while(|&&c| alnum(c)).count();
        if n == 0 {
            return false;
        }
        p += 1 + n;
    }
    if b.get(p) == Some(&b'-') {
        let n = b[p + 1..].iter().take_while(|&&c| pre(c)).count();
        if n == 0 {
            return false;
        }
        p += 1 + n;
        while b.get(p) == Some(&b'.') {
            let n = b[p + 1..].iter().take_while(|&&c| pre(c)).count();
            if n == 0 {
                return false;
            }
            p += 1 + n;
        }
    }
    p == b.len()
}

pub(crate) fn parse_inner(s: &str) -> Result<Version, Reason> {
    let body = s.trim_matches(is_ruby_space);
    if !body.is_empty() && !well_formed(body.as_bytes()) {
        return Err("Malformed version number string".into());
    }
    let version = if body.is_empty() {
        "0".to_owned()
    } else {
        body.replace('-', ".pre.")
    };
    let b = version.as_bytes();
    let mut segs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            let n = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            segs.push(Seg::Num(canonical_digits(&version[i..i + n])));
            i += n;
        } else if c.is_ascii_alphabetic() {
            let n = b[i..]
                .iter()
                .take_while(|c| c.is_ascii_alphabetic())
                .count();
            segs.push(Seg::Str(version[i..i + n].to_owned()));
            i += n;
        } else {
            i += 1;
        }
    }
    let prerelease = b.iter().any(u8::is_ascii_alphabetic);
    let split = segs
        .iter()
        .position(|s| matches!(s, Seg::Str(_)))
        .unwrap_or(segs.len());
    let strings = segs.split_off(split);
    let mut canonical = Vec::new();
    for mut group in [segs, strings] {
        while group.last().is_some_and(|s| *s == Seg::Num("0".into())) {
            group.pop();
        }
        canonical.extend(group);
    }
    Ok(Version {
        version,
        canonical,
        prerelease,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn ordering_vectors() {
        let cases: &[(&str, &str, Ordering)] = &[
            ("1.0", "1.0", Equal),
            ("1.0", "1", Equal),
            ("1.0.0", "1", Equal),
            ("1.01", "1.1", Equal),
            ("", "0", Equal),
            ("  ", "0.0", Equal),
            (" 1.0 ", "1.0", Equal),
            ("1.0.a", "1.a", Equal),
            ("1.a.0", "1.a", Equal),
            ("1.0.a.0.1", "1.a.0.1", Equal),
            ("1.0-rc1", "1.0.pre.rc1", Equal),
            ("1.0.a", "1.0", Less),
            ("1.0.a", "1.0.b", Less),
            ("1.0.B", "1.0.a", Less),
            ("1.0.rc1", "1.0.rc2", Less),
            ("1.0.rc10", "1.0.rc2", Greater),
            ("1.0.alpha", "1.0.beta", Less),
            ("1.0.beta", "1.0.pre", Less),
            ("1.0.pre", "1.0.rc", Less),
            ("1.0.rc", "1.0", Less),
            ("1.0", "1.0.0.1", Less),
            ("1.0.a", "0.9", Greater),
            ("1.0.0.a", "1.0", Less),
            ("1.2.3a", "1.2.3", Less),
            ("1.2.3a", "1.2.3.a", Equal),
            ("1.2.3-1", "1.2.3", Less),
            ("1.2.3-1", "1.2.3.pre", Greater),
            ("1.2.3.b", "1.2.3-1", Less),
            ("5.2.4.3", "5.2.4.10", Less),
            ("1.0.0.pre1", "1.0.0.pre", Greater),
            ("1.a1", "1.a.1", Equal),
            ("1.1.a", "1.a", Greater),
            ("9999999999999999999999", "9999999999999999999998", Greater),
            ("2", "1.99999", Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b).unwrap(), *want, "{a} vs {b}");
            assert_eq!(compare(b, a).unwrap(), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn parts() {
        let v = parse("1.0.0-rc1").unwrap();
        assert!(v.is_prerelease());
        assert_eq!(v.as_str(), "1.0.0.pre.rc1");
        assert_eq!(v.canonical(), "1.pre.rc.1");
        assert!(!parse("1.0").unwrap().is_prerelease());
        assert_eq!(parse("").unwrap().as_str(), "0");
        assert_eq!(parse("1.a.0.0").unwrap().canonical(), "1.a");
    }

    #[test]
    fn invalid() {
        for bad in [
            "a", "1a", "1..0", "1.", ".1", "1-", "1.0-", "1.0-a..b", "1.0 1", "1.0_1", "1.0+1",
            "v1.0", "1.0.ä", "1.0\0", "１.0", "-1",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
        for good in ["1--", "1-a-b", "1.0-a.b-c", "0", "1.a1b2", "1.0.A"] {
            assert!(parse(good).is_ok(), "{good:?} should be accepted");
        }
    }
}
