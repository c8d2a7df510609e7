//! crates.io versions: strict Semantic Versioning 2.0.0, as Cargo parses
//! them (the `semver` crate).
//!
//! Rule source: Semantic Versioning 2.0.0 (semver.org, §2, §9–§11) and the
//! Cargo book's "SemVer compatibility" / "Specifying dependencies" chapters;
//! crates.io rejects any version the `semver` crate does not accept.
//!
//! * `MAJOR.MINOR.PATCH`, each a decimal without leading zeros that fits in
//!   64 bits; no `v` prefix, no whitespace.
//! * Optional `-PRERELEASE`: dot-separated, non-empty `[0-9A-Za-z-]`
//!   identifiers; all-digit identifiers without leading zeros.
//! * Optional `+BUILD`: dot-separated, non-empty `[0-9A-Za-z-]` identifiers
//!   (leading zeros allowed).
//!
//! Precedence (§11): major, minor, patch numerically; a pre-release is older
//! than the release; pre-release identifiers compare numerically when both
//! are all-digit (any length), an all-digit identifier is older than an
//! alphanumeric one, alphanumeric ones compare in ASCII order, and more
//! identifiers win a tie.  Build metadata is ignored: `1.0.0+a == 1.0.0+b`
//! (the `semver` crate's own `Ord` breaks that tie by build metadata to be
//! consistent with `Eq`; precedence — what matters for vulnerability ranges
//! — does not).

use std::cmp::Ordering;
use std::fmt;

use crate::util::{all_digits, cmp_digits, parse_u64};
use crate::{Ecosystem, Reason, VersionError};

/// A parsed SemVer 2.0.0 version.
#[derive(Debug, Clone)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<String>,
    build: Vec<String>,
}

impl Version {
    /// The major version.
    pub fn major(&self) -> u64 {
        self.major
    }

    /// The minor version.
    pub fn minor(&self) -> u64 {
        self.minor
    }

    /// The patch version.
    pub fn patch(&self) -> u64 {
        self.patch
    }

    /// The pre-release identifiers.
    pub fn pre(&self) -> &[String] {
        &self.pre
    }

    /// The build metadata identifiers.
    pub fn build(&self) -> &[String] {
        &self.build
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre.join("."))?;
        }
        if !self.build.is_empty() {
            write!(f, "+{}", self.build.join("."))?;
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
    /// SemVer precedence (build metadata ignored).
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(&other.pre) {
                        let o = match (all_digits(a), all_digits(b)) {
                            (true, true) => cmp_digits(a.as_bytes(), b.as_bytes()),
                            (true, false) => Ordering::Less,
                            (false, true) => Ordering::Greater,
                            (false, false) => a.cmp(b),
                        };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    self.pre.len().cmp(&other.pre.len())
                }
            })
    }
}

/// Parses a crates.io (SemVer 2.0.0) version.
pub fn parse(s: &str) -> Result<Version, VersionError> {
    parse_inner(s).map_err(|r| VersionError::new(Ecosystem::CratesIo, s, r))
}

/// Orders two crates.io versions by SemVer precedence.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(parse(a)?.cmp(&parse(b)?))
}

fn number(s: &str, what: &str) -> Result<u64, Reason> {
    if s.is_empty() || !all_digits(s) {
        return Err(format!("{what} version number is not a non-empty decimal"));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(format!("{what} version number has a leading zero"));
    }
    parse_u64(s).ok_or_else(|| format!("{what} version number does not fit in 64 bits"))
}

fn identifiers(s: &str, what: &str, allow_leading_zero: bool) -> Result<Vec<String>, Reason> {
    s.split('.')
        .map(|id| {
            if id.is_empty() {
                return Err(format!("empty {what} identifier"));
            }
            if !id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') {
                return Err(format!(
                    "{what} identifier has a character outside [0-9A-Za-z-]"
                ));
            }
            if !allow_leading_zero && id.len() > 1 && id.starts_with('0') && all_digits(id) {
                return Err(format!("numeric {what} identifier has a leading zero"));
            }
            Ok(id.to_owned())
        })
        .collect()
}

pub(crate) fn parse_inner(s: &str) -> Result<Version, Reason> {
    let (rest, build) = match s.split_once('+') {
        Some((r, b)) => (r, identifiers(b, "build metadata", true)?),
        None => (s, Vec::new()),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, identifiers(p, "pre-release", false)?),
        None => (rest, Vec::new()),
    };
    let mut it = core.splitn(3, '.');
    let major = number(it.next().unwrap_or(""), "major")?;
    let minor = number(it.next().unwrap_or(""), "minor")?;
    let patch = number(it.next().unwrap_or(""), "patch")?;
    Ok(Version {
        major,
        minor,
        patch,
        pre,
        build,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn precedence() {
        let ordered = [
            "0.0.0-0",
            "0.0.0",
            "1.0.0-0.3.7",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.1.0",
            "2.0.0",
            "18446744073709551615.0.0",
        ];
        for (i, a) in ordered.iter().enumerate() {
            for (j, b) in ordered.iter().enumerate() {
                assert_eq!(compare(a, b).unwrap(), i.cmp(&j), "{a} vs {b}");
            }
        }
        let cases: &[(&str, &str, Ordering)] = &[
            ("1.0.0+a", "1.0.0+b", Equal),
            ("1.0.0-rc.1+a", "1.0.0-rc.1", Equal),
            ("1.0.0-A", "1.0.0-a", Less),
            ("1.0.0--", "1.0.0-0", Greater),
            (
                "1.0.0-99999999999999999999999",
                "1.0.0-99999999999999999999998",
                Greater,
            ),
            ("1.0.0-9", "1.0.0-10", Less),
            ("1.0.0-a.9", "1.0.0-a.10", Less),
            ("1.0.0-a9", "1.0.0-a10", Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b).unwrap(), *want, "{a} vs {b}");
            assert_eq!(compare(b, a).unwrap(), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn strictness() {
        for bad in [
            "",
            "1",
            "1.0",
            "1.0.0.0",
            "v1.0.0",
            "=1.0.0",
            " 1.0.0",
            "1.0.0 ",
            "01.0.0",
            "1.00.0",
            "1.0.00",
            "1.0.0-",
            "1.0.0+",
            "1.0.0-01",
            "1.0.0-a..b",
            "1.0.0-a.",
            "1.0.0+a..b",
            "1.0.0+a+b",
            "1.0.0-a_b",
            "1.0.0beta",
            "18446744073709551616.0.0",
            "1.0.0-ä",
            "-1.0.0",
            "1.-0.0",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
        for good in [
            "0.0.0",
            "1.0.0-0",
            "1.0.0-0a",
            "1.0.0+01",
            "1.0.0-x-y-z.--",
            "1.0.0-a+b-c.01",
        ] {
            assert!(parse(good).is_ok(), "{good:?} should be accepted");
        }
        let v = parse("1.2.3-rc.1+b.2").unwrap();
        assert_eq!((v.major(), v.minor(), v.patch()), (1, 2, 3));
        assert_eq!(v.pre(), ["rc", "1"]);
        assert_eq!(v.build(), ["b", "2"]);
        assert_eq!(v.to_string(), "1.2.3-rc.1+b.2");
    }
}
