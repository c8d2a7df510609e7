//! Go module versions, ordered as `golang.org/x/mod/semver.Compare` orders
//! them.
//!
//! Rule source: the Go modules reference ("Versions", "Pseudo-versions",
//! "Compatibility with non-module repositories") and
//! `golang.org/x/mod/semver` (`parse`, `Compare`, `comparePrerelease`).
//!
//! * A version is `vMAJOR[.MINOR[.PATCH[-PRERELEASE][+BUILD]]]`; numbers
//!   have no leading zeros; the shorthands `v1` and `v1.2` mean `v1.0.0` and
//!   `v1.2.0` (and admit no pre-release or build).  Pre-release identifiers
//!   are non-empty `[0-9A-Za-z-]`, numeric ones without leading zeros.
//! * OSV writes Go versions *without* the leading `v` (`1.20.5`,
//!   `0.0.0-20220525230936-793ad666bf5e`); a missing `v` is supplied here.
//! * Build metadata, including `+incompatible`, is ignored for ordering.
//! * Pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`,
//!   `v1.2.4-0.20191109021931-daa7c04131f5`,
//!   `v1.2.3-pre.0.20191109021931-daa7c04131f5`) are ordinary pre-release
//!   versions and order correctly by their pre-release identifiers: after
//!   the release they are based on and before the next one.
//!
//! Numbers of any length compare exactly (by length, then digits), as in
//! `x/mod/semver`.  `semver.Compare` orders every invalid version below every
//! valid one; here invalid versions are an error instead.

use std::cmp::Ordering;
use std::fmt;

use crate::util::cmp_digits;
use crate::{Ecosystem, Reason, VersionError};

/// A parsed Go module version.
#[derive(Debug, Clone)]
pub struct Version {
    major: String,
    minor: String,
    patch: String,
    /// Pre-release identifiers (without the leading `-`).
    pre: Vec<String>,
    build: Option<String>,
}

impl Version {
    /// The major version digits.
    pub fn major(&self) -> &str {
        &self.major
    }

    /// The minor version digits (`"0"` for a `v1` shorthand).
    pub fn minor(&self) -> &str {
        &self.minor
    }

    /// The patch version digits.
    pub fn patch(&self) -> &str {
        &self.patch
    }

    /// The pre-release identifiers.
    pub fn prerelease(&self) -> &[String] {
        &self.pre
    }

    /// The build metadata (e.g. `incompatible`), if any.
    pub fn build(&self) -> Option<&str> {
        self.build.as_deref()
    }

    /// Whether the version carries `+incompatible`.
    pub fn is_incompatible(&self) -> bool {
        self.build.as_deref() == Some("incompatible")
    }

    /// Whether the version is a pseudo-version (a pre-release whose last
    /// two identifier parts are a 14-digit UTC timestamp and a 12-character
    /// commit hash).
    pub fn is_pseudo(&self) -> bool {
        let Some(last) = self.pre.last() else {
            return false;
        };
        // The timestamp and hash are the final "-"-separated pieces of the
        // final identifier (`yyyymmddhhmmss-abcdefabcdef`).
        let mut parts = last.rsplitn(2, '-');
        let hash = parts.next().unwrap_or("");
        let stamp = parts.next().unwrap_or("");
        let stamp = stamp.rsplit('-').next().unwrap_or("");
        hash.len() == 12
            && hash
                .bytes()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
            && stamp.len() == 14
            && stamp.bytes().all(|c| c.is_ascii_digit())
    }
}

/// The canonical `vMAJOR.MINOR.PATCH[-PRE]` form (`semver.Canonical`).
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre.join("."))?;
        }
        Ok(())
    }
}

fn is_num(s: &str) -> bool {
    s.bytes().all(|c| c.is_ascii_digit())
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
        let num = |a: &String, b: &String| cmp_digits(a.as_bytes(), b.as_bytes());
        num(&self.major, &other.major)
            .then_with(|| num(&self.minor, &other.minor))
            .then_with(|| num(&self.patch, &other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (x, y) in self.pre.iter().zip(&other.pre) {
                        if x == y {
                            continue;
                        }
                        return match (is_num(x), is_num(y)) {
                            (true, false) => Ordering::Less,
                            (false, true) => Ordering::Greater,
                            (true, true) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
                            (false, false) => x.cmp(y),
                        };
                    }
                    self.pre.len().cmp(&other.pre.len())
                }
            })
    }
}

/// Parses a Go module version, with or without the leading `v`.
pub fn parse(s: &str) -> Result<Version, VersionError> {
    parse_inner(s).map_err(|r| VersionError::new(Ecosystem::Go, s, r))
}

/// Orders two Go module versions.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(parse(a)?.cmp(&parse(b)?))
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-'
}

/// `x/mod/semver`'s `parseInt`: digits, no leading zero unless just "0".
fn parse_int(s: &str) -> Option<(&str, &str)> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || (s.as_bytes()[0] == b'0' && n != 1) {
        return None;
    }
    Some((&s[..n], &s[n..]))
}

pub(crate) fn parse_inner(s: &str) -> Result<Version, Reason> {
    let invalid = |why: &str| format!("not a valid Go module version: {why}");
    let body = s.strip_prefix('v').unwrap_or(s);
    let (major, rest) = parse_int(body).ok_or_else(|| invalid("bad major version"))?;
    let short = |minor: &str, patch: &str| Version {
        major: major.to_owned(),
        minor: minor.to_owned(),
        patch: patch.to_owned(),
        pre: Vec::new(),
        build: None,
    };
    if rest.is_empty() {
        return Ok(short("0", "0"));
    }
    let rest = rest
        .strip_prefix('.')
        .ok_or_else(|| invalid("expected '.' after major version"))?;
    let (minor, rest) = parse_int(rest).ok_or_else(|| invalid("bad minor version"))?;
    if rest.is_empty() {
        return Ok(short(minor, "0"));
    }
    let rest = rest
        .strip_prefix('.')
        .ok_or_else(|| invalid("expected '.' after minor version"))?;
    let (patch, mut rest) = parse_int(rest).ok_or_else(|| invalid("bad patch version"))?;
    let mut pre = Vec::new();
    if let Some(p) = rest.strip_prefix('-') {
        let end = p.find('+').unwrap_or(p.len());
        for id in p[..end].split('.') {
            if id.is_empty() || !id.bytes().all(is_ident_char) {
                return Err(invalid("bad pre-release identifier"));
            }
            if id.len() > 1 && id.starts_with('0') && is_num(id) {
                return Err(invalid("numeric pre-release identifier with leading zero"));
            }
            pre.push(id.to_owned());
        }
        rest = &p[end..];
    }
    let mut build = None;
    if let Some(b) = rest.strip_prefix('+') {
        if b.split('.')
            .any(|id| id.is_empty() || !id.bytes().all(is_ident_char))
        {
            return Err(invalid("bad build metadata"));
        }
        build = Some(b.to_owned());
        rest = "";
    }
    if !rest.is_empty() {
        return Err(invalid("unexpected trailing characters"));
    }
    Ok(Version {
        major: major.to_owned(),
        minor: minor.to_owned(),
        patch: patch.to_owned(),
        pre,
        build,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn ordering_vectors() {
        let cases: &[(&str, &str, Ordering)] = &[
            ("v1.2.3", "1.2.3", Equal),
            ("v1", "v1.0.0", Equal),
            ("v1.2", "v1.2.0", Equal),
            ("0", "0.0.0", Equal),
            ("v1.2.3", "v1.2.4", Less),
            ("v1.10.0", "v1.9.0", Greater),
            ("v2.0.0+incompatible", "v2.0.0", Equal),
            ("v2.0.0+incompatible", "v1.99.0", Greater),
            ("v1.0.0-alpha", "v1.0.0-alpha.1", Less),
            ("v1.0.0-alpha.1", "v1.0.0-alpha.beta", Less),
            ("v1.0.0-beta.2", "v1.0.0-beta.11", Less),
            ("v1.0.0-rc.1", "v1.0.0", Less),
            ("v1.0.0-rc.1+build", "v1.0.0-rc.1", Equal),
            ("v1.0.0-a-b", "v1.0.0-a", Greater),
            ("v1.0.0-A", "v1.0.0-a", Less),
            (
                "v1.0.0-99999999999999999999999",
                "v1.0.0-99999999999999999999998",
                Greater,
            ),
            (
                "v99999999999999999999999.0.0",
                "v99999999999999999999998.0.0",
                Greater,
            ),
            // Pseudo-versions sort between their base and the next release.
            ("v0.0.0-20191109021931-daa7c04131f5", "v0.0.1", Less),
            (
                "v0.0.0-20191109021931-daa7c04131f5",
                "v0.0.0-20200101000000-000000000000",
                Less,
            ),
            ("v1.2.3", "v1.2.4-0.20191109021931-daa7c04131f5", Less),
            ("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4", Less),
            ("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-pre", Less),
            (
                "v1.2.3-pre",
                "v1.2.3-pre.0.20191109021931-daa7c04131f5",
                Less,
            ),
            (
                "v1.2.3-pre.0.20191109021931-daa7c04131f5",
                "v1.2.3-pre.1",
                Less,
            ),
            (
                "0.0.0-20220525230936-793ad666bf5e",
                "0.0.0-20220526004731-065cf7ba2467",
                Less,
            ),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b).unwrap(), *want, "{a} vs {b}");
            assert_eq!(compare(b, a).unwrap(), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn parts() {
        let v = parse("v2.3.4-pre.1+incompatible").unwrap();
        assert_eq!((v.major(), v.minor(), v.patch()), ("2", "3", "4"));
        assert_eq!(v.prerelease(), ["pre", "1"]);
        assert!(v.is_incompatible());
        assert_eq!(v.to_string(), "v2.3.4-pre.1");
        assert!(parse("v0.0.0-20191109021931-daa7c04131f5")
            .unwrap()
            .is_pseudo());
        assert!(parse("v1.2.4-0.20191109021931-daa7c04131f5")
            .unwrap()
            .is_pseudo());
        assert!(parse("v1.2.3-pre.0.20191109021931-daa7c04131f5")
            .unwrap()
            .is_pseudo());
        assert!(!parse("v1.2.3-pre").unwrap().is_pseudo());
        assert_eq!(parse("1").unwrap().to_string(), "v1.0.0");
    }

    #[test]
    fn invalid() {
        for bad in [
            "",
            "v",
            "vv1.0.0",
            "v01.0.0",
            "v1.01.0",
            "v1.0.01",
            "v1.0.0-01",
            "v1.0.0-",
            "v1.0.0-a..b",
            "v1.0.0+",
            "v1.0.0+a+b",
            "v1.0.0+a..b",
            "v1.0.0.0",
            "v1-pre",
            "v1.2-pre",
            "v1.2+incompatible",
            "v1.0.0-ä",
            "V1.0.0",
            " v1.0.0",
            "v1.0.0 ",
            "go1.21.0",
            "v1..0",
            "v1.0.",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(parse("v1.0.0-0").is_ok());
        assert!(parse("v1.0.0+01").is_ok());
    }
}
