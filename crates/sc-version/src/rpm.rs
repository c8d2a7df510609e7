//! RPM package versions (`[epoch:]version[-release]`), used by Red Hat,
//! Rocky Linux, AlmaLinux, SUSE, openSUSE, Photon OS, Mageia, openEuler,
//! Azure Linux and other RPM-based distributions.
//!
//! Rule source: rpm's `rpmio/rpmvercmp.c` (`rpmvercmp`, rpm ≥ 4.15 with the
//! `^` operator), `lib/rpmver.c` / `parseEVR` for splitting an EVR string,
//! and the Python bindings' `rpm.labelCompare` for comparing EVR triples;
//! documented in rpm's `docs/manual/dependencies.md` ("Versioning").
//!
//! * EVR splitting (`parseEVR`): the epoch is a run of leading digits
//!   terminated by `:` (an empty epoch, `:1.0`, is `0`; digits not followed by
//!   `:` are not an epoch); the release is everything after the *last* `-`.
//! * Comparison (`labelCompare`): the epoch (absent = `0`), then the version,
//!   then the release are compared with `rpmvercmp`; an absent release sorts
//!   before any present one (`1.0 < 1.0-0`).
//! * `rpmvercmp` splits both strings into maximal runs of ASCII digits or
//!   ASCII letters, skipping every other character as a separator; digit runs
//!   compare numerically (any length), letter runs by byte; a digit run is
//!   newer than a letter run; `~` sorts before anything, even the end of the
//!   string (`1.0~rc1 < 1.0`); `^` sorts after the end of the string but
//!   before anything else (`1.0 < 1.0^git1 < 1.0.1`); if all runs are equal,
//!   the string with runs left over is newer, and differing separators alone
//!   make no difference (`1.0 == 1_0`).
//!
//! Note that `rpmvercmp` is not transitive for some contrived mixes of
//! separators and `~`/`^`; this module reproduces rpm exactly rather than
//! repairing that.  The only rejected input is the empty string.

use std::cmp::Ordering;
use std::fmt;

use crate::{Ecosystem, Reason, VersionError};

/// A parsed RPM EVR.
#[derive(Debug, Clone)]
pub struct Version {
    epoch: Option<String>,
    version: String,
    release: Option<String>,
}

impl Version {
    /// The epoch digits, if the string had an epoch (`""` epochs read as
    /// `"0"`).
    pub fn epoch(&self) -> Option<&str> {
        self.epoch.as_deref()
    }

    /// The version part.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The release part, if any.
    pub fn release(&self) -> Option<&str> {
        self.release.as_deref()
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(e) = &self.epoch {
            write!(f, "{e}:")?;
        }
        f.write_str(&self.version)?;
        if let Some(r) = &self.release {
            write!(f, "-{r}")?;
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
        let e1 = self.epoch.as_deref().unwrap_or("0");
        let e2 = other.epoch.as_deref().unwrap_or("0");
        rpmvercmp(e1, e2)
            .then_with(|| rpmvercmp(&self.version, &other.version))
            .then_with(|| match (&self.release, &other.release) {
                (None, None) => Ordering::Equal,
                (Some(_), None) => Ordering::Greater,
                (None, Some(_)) => Ordering::Less,
                (Some(a), Some(b)) => rpmvercmp(a, b),
            })
    }
}

/// Parses an RPM `[epoch:]version[-release]` string.
pub fn parse(s: &str) -> Result<Version, VersionError> {
    parse_inner(s).map_err(|r| VersionError::new(Ecosystem::Rpm, s, r))
}

/// Orders two RPM EVR strings.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(parse(a)?.cmp(&parse(b)?))
}

pub(crate) fn parse_inner(s: &str) -> Result<Version, Reason> {
    // rpm works on C strings.
    let s = match s.find('\0') {
        Some(i) => &s[..i],
        None => s,
    };
    if s.is_empty() {
        return Err("version string is empty".into());
    }
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let (epoch, rest) = if s.as_bytes().get(digits) == Some(&b':') {
        let e = &s[..digits];
        (
            Some(if e.is_empty() {
                "0".to_owned()
            } else {
                e.to_owned()
            }),
            &s[digits + 1..],
        )
    } else {
        (None, s)
    };
    // parseEVR looks for the last '-' after the epoch terminator.
    let (version, release) = match rest.rfind('-') {
        Some(h) => (&rest[..h], Some(rest[h + 1..].to_owned())),
        None => (rest, None),
    };
    Ok(Version {
        epoch,
        version: version.to_owned(),
        release,
    })
}

/// rpm's `rpmvercmp`: compares two version (or release) strings.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let cut = |s: &str| -> usize { s.find('\0').unwrap_or(s.len()) };
    let a = &a.as_bytes()[..cut(a)];
    let b = &b.as_bytes()[..cut(b)];
    let sep = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    let (mut i, mut j) = (0usize, 0usize);
    while i < a.len() || j < b.len() {
        while i < a.len() && sep(a[i]) {
            i += 1;
        }
        while j < b.len() && sep(b[j]) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());

        // Tilde sorts before everything else.
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }

        // Caret is like tilde, except that the end of the string sorts
        // before it.
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }

        if !(i < a.len() && j < b.len()) {
            break;
        }

        let (s1, s2) = (i, j);
        let isnum = a[i].is_ascii_digit();
        if isnum {
            while i < a.len() && a[i].is_ascii_digit() {
                i += 1;
            }
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
        } else {
            while i < a.len() && a[i].is_ascii_alphabetic() {
                i += 1;
            }
            while j < b.len() && b[j].is_ascii_alphabetic() {
                j += 1;
            }
        }

        // Segments of different kinds: numeric is newer.
        if j == s2 {
            return if isnum {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }

        let (mut one, mut two) = (&a[s1..i], &b[s2..j]);
        if isnum {
            one = crate::util::strip_zeros(one);
            two = crate::util::strip_zeros(two);
            match one.len().cmp(&two.len()) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        match one.cmp(two) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn rpmvercmp_vectors() {
        let cases: &[(&str, &str, Ordering)] = &[
            ("1.0", "1.0", Equal),
            ("1.0", "2.0", Less),
            ("2.0.1", "2.0.1", Equal),
            ("2.0", "2.0.1", Less),
            ("2.0.1a", "2.0.1", Greater),
            ("5.5p1", "5.5p2", Less),
            ("5.5p10", "5.5p1", Greater),
            ("10xyz", "10.1xyz", Less),
            ("xyz10", "xyz10.1", Less),
            ("xyz.4", "8", Less),
            ("1b.fc17", "1b.fc17", Equal),
            ("1b.fc17", "1.fc17", Less),
            ("1g.fc17", "1.fc17", Greater),
            ("1.1.α", "1.1.α", Equal),
            ("1.1.α", "1.1", Equal),
            ("20101121", "20101122", Less),
            ("1.0", "1_0", Equal),
            ("1.0", "1..0", Equal),
            ("2_0", "2_0", Equal),
            ("2.0", "2_0", Equal),
            ("a+", "a_", Equal),
            ("+a", "_a", Equal),
            ("+_", "_+", Equal),
            ("_", "+", Equal),
            ("+", "_", Equal),
            ("1.0~rc1", "1.0", Less),
            ("1.0~rc1", "1.0~rc2", Less),
            ("1.0~rc1~git123", "1.0~rc1", Less),
            ("1.0~rc1", "1.0arc1", Less),
            ("1.0^", "1.0", Greater),
            ("1.0^git1", "1.0", Greater),
            ("1.0^git1", "1.0^git2", Less),
            ("1.0^git1", "1.01", Less),
            ("1.0^20160101", "1.0.1", Less),
            ("1.0^20160101^git1", "1.0^20160101", Greater),
            ("1.0^20160102", "1.0^20160101^git1", Greater),
            ("1.0~rc1^git1", "1.0~rc1", Greater),
            ("1.0^git1~pre", "1.0^git1", Less),
            ("1.0^git1", "1.0~rc1", Greater),
            ("0001", "1", Equal),
            ("1.002", "1.2", Equal),
            (
                "99999999999999999999999",
                "99999999999999999999998",
                Greater,
            ),
            ("a", "1", Less),
            ("1a", "1b", Less),
            ("FC", "fc", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(rpmvercmp(a, b), *want, "{a} vs {b}");
            assert_eq!(rpmvercmp(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn evr() {
        let v = parse("2:1.2.3-4.el9").unwrap();
        assert_eq!(v.epoch(), Some("2"));
        assert_eq!(v.version(), "1.2.3");
        assert_eq!(v.release(), Some("4.el9"));
        let v = parse("1.2.3").unwrap();
        assert_eq!((v.epoch(), v.release()), (None, None));
        let v = parse(":1.0-").unwrap();
        assert_eq!(
            (v.epoch(), v.version(), v.release()),
            (Some("0"), "1.0", Some(""))
        );
        let v = parse("a:1.0-1-2").unwrap();
        assert_eq!(
            (v.epoch(), v.version(), v.release()),
            (None, "a:1.0-1", Some("2"))
        );
        assert!(parse("").is_err());

        let cases: &[(&str, &str, Ordering)] = &[
            ("0:1.0-1", "1.0-1", Equal),
            ("1:1.0-1", "1.0-1", Greater),
            ("1:1.0-1", "2:0.1-1", Less),
            ("10:1", "9:2", Greater),
            ("1.0-1.el9", "1.0-1.el9_2", Less),
            ("1.0-1.el9_2", "1.0-2.el9", Less),
            ("1.0-1", "1.0.1-0", Less),
            // An absent release sorts before any release.
            ("1.0", "1.0-0", Less),
            ("1.0", "1.0-~", Less),
            ("1.0-", "1.0", Greater),
            ("1.0-", "1.0-0", Less),
            ("2.28-225.el9", "2.28-225.el9_4.1", Less),
            ("3.0.7-27.el9", "1:3.0.7-25.el9", Less),
            ("1.0~rc1-1", "1.0-1", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b).unwrap(), *want, "{a} vs {b}");
            assert_eq!(compare(b, a).unwrap(), want.reverse(), "{b} vs {a}");
        }
    }
}
