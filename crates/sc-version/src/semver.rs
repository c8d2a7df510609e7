//! npm package versions, ordered as node-semver orders them (`semver` 7,
//! `new SemVer(v, { loose: true })` and `SemVer#compare`).
//!
//! Rule source: Semantic Versioning 2.0.0 (semver.org, §9–§11 on pre-release
//! and build metadata precedence) and node-semver's `classes/semver.js`,
//! `internal/re.js` (the `LOOSE` pattern) and `internal/identifiers.js`
//! (`compareIdentifiers`).
//!
//! OSV's npm data, like the npm registry itself, contains versions written
//! with a `v` or `=` prefix, and loose mode is what npm uses to read them, so
//! this module always parses loosely:
//!
//! * surrounding whitespace is trimmed; any run of `v`, `=` and whitespace
//!   may precede the version (`=v1.2.3`, `v 1.2.3`);
//! * `MAJOR.MINOR.PATCH`, each a run of ASCII digits, leading zeros allowed,
//!   at most 2^53 − 1 (JavaScript's `Number.MAX_SAFE_INTEGER`);
//! * an optional pre-release, introduced by `-` *or directly attached*
//!   (`1.2.3beta`), dot-separated identifiers of `[0-9A-Za-z-]`; like the
//!   regular expression npm uses, the patch number gives back digits when
//!   that is the only way to match (`1.2.34.5` reads as `1.2.3-4.5`);
//! * optional `+build` metadata, ignored for ordering;
//! * at most 256 UTF-16 code units in total.
//!
//! Order: major, minor, patch numerically; a version with a pre-release is
//! older than the same version without; pre-releases compare identifier by
//! identifier — all-digit identifiers numerically (as JavaScript numbers, so
//! identifiers beyond 2^53 compare by their rounded value, as in npm) and
//! before alphanumeric ones, alphanumeric identifiers by ASCII order — and a
//! longer list wins a tie.

use std::cmp::Ordering;
use std::fmt;

use crate::util::{canonical_digits, span};
use crate::{Ecosystem, Reason, VersionError};

/// Node's `Number.MAX_SAFE_INTEGER`.
const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;
/// node-semver's `MAX_LENGTH`.
const MAX_LENGTH: usize = 256;

/// One pre-release identifier.
#[derive(Debug, Clone)]
struct Ident {
    text: String,
    /// `Some(value)` for all-digit identifiers: the value JavaScript's
    /// `+text` gives.
    num: Option<f64>,
}

/// A parsed npm version.
#[derive(Debug, Clone)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<Ident>,
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

    /// The pre-release identifiers (as node-semver formats them).
    pub fn prerelease(&self) -> Vec<String> {
        self.pre.iter().map(ident_display).collect()
    }

    /// The build metadata identifiers.
    pub fn build(&self) -> &[String] {
        &self.build
    }
}

fn ident_display(i: &Ident) -> String {
    match i.num {
        // node-semver turns all-digit identifiers below MAX_SAFE_INTEGER
        // into numbers, which then print without leading zeros.
        Some(v) if v < MAX_SAFE_INTEGER as f64 => canonical_digits(&i.text),
        _ => i.text.clone(),
    }
}

/// node-semver's `SemVer#format()`: `major.minor.patch[-pre]`, no build.
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            f.write_str("-")?;
            for (i, id) in self.pre.iter().enumerate() {
                if i > 0 {
                    f.write_str(".")?;
                }
                f.write_str(&ident_display(id))?;
            }
        }
        Ok(())
    }
}

fn compare_identifiers(a: &Ident, b: &Ident) -> Ordering {
    match (a.num, b.num) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.text.cmp(&b.text),
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
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(&other.pre) {
                        match compare_identifiers(a, b) {
                            Ordering::Equal => {}
                            o => return o,
                        }
                    }
                    self.pre.len().cmp(&other.pre.len())
                }
            })
    }
}

/// Parses an npm version (loosely, as npm does).
pub fn parse(s: &str) -> Result<Version, VersionError> {
    parse_inner(s).map_err(|r| VersionError::new(Ecosystem::Npm, s, r))
}

/// Orders two npm version strings.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(parse(a)?.cmp(&parse(b)?))
}

/// Whitespace as JavaScript's `String.prototype.trim` and regex `\s` see it.
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-'
}

/// Matches `IDENT(\.IDENT)*` at the start of `b`, each IDENT a maximal run of
/// `[0-9A-Za-z-]`; returns the matched length.
fn ident_list(b: &[u8]) -> Option<usize> {
    let mut p = span(b, is_ident_char);
    if p == 0 {
        return None;
    }
    while b.get(p) == Some(&b'.') {
        let n = span(&b[p + 1..], is_ident_char);
        if n == 0 {
            break;
        }
        p += 1 + n;
    }
    Some(p)
}

/// Matches `(?:\+BUILD)?$` against the whole of `b`; returns the build
/// identifiers on success.
fn build_tail(b: &[u8]) -> Option<Option<&[u8]>> {
    if b.is_empty() {
        return Some(None);
    }
    if b[0] != b'+' {
        return None;
    }
    let n = ident_list(&b[1..])?;
    (1 + n == b.len()).then_some(Some(&b[1..]))
}

/// The pre-release and build captures of a version's tail.
type Tail<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);

/// Matches `(?:-?(PRE))?(?:\+BUILD)?$` against the whole of `b`, trying the
/// alternatives in the order a backtracking regex engine would.
fn pre_build_tail(b: &[u8]) -> Option<Tail<'_>> {
    let attempts: &[usize] = if b.first() == Some(&b'-') {
        &[1, 0]
    } else {
        &[0]
    };
    for &skip in attempts {
        let rest = &b[skip..];
        if let Some(n) = ident_list(rest) {
            if let Some(build) = build_tail(&rest[n..]) {
                return Some((Some(&rest[..n]), build));
            }
        }
    }
    build_tail(b).map(|build| (None, build))
}

fn number(digits: &[u8], what: &str) -> Result<u64, Reason> {
    let d = crate::util::strip_zeros(digits);
    let v = if d.len() > 16 {
        None
    } else {
        std::str::from_utf8(d)
            .ok()
            .map(|s| {
                if s.is_empty() {
                    Some(0)
                } else {
                    s.parse::<u64>().ok()
                }
            })
            .unwrap_or(None)
    };
    match v {
        Some(v) if v <= MAX_SAFE_INTEGER => Ok(v),
        _ => Err(format!("Invalid {what} version (above 2^53-1)")),
    }
}

pub(crate) fn parse_inner(s: &str) -> Result<Version, Reason> {
    if s.encode_utf16().count() > MAX_LENGTH {
        return Err(format!("version is longer than {MAX_LENGTH} characters"));
    }
    let t = s.trim_matches(is_js_space);
    // Prefix: [v=\s]*
    let t = t.trim_start_matches(|c: char| c == 'v' || c == '=' || is_js_space(c));
    let b = t.as_bytes();
    let invalid = || "not a valid semver version".to_string();

    let d1 = span(b, |c| c.is_ascii_digit());
    if d1 == 0 || b.get(d1) != Some(&b'.') {
        return Err(invalid());
    }
    let p2 = d1 + 1;
    let d2 = span(&b[p2..], |c| c.is_ascii_digit());
    if d2 == 0 || b.get(p2 + d2) != Some(&b'.') {
        return Err(invalid());
    }
    let p3 = p2 + d2 + 1;
    let d3 = span(&b[p3..], |c| c.is_ascii_digit());
    // The patch number is greedy but gives back digits if needed.
    let mut found = None;
    for len in (1..=d3).rev() {
        if let Some(tail) = pre_build_tail(&b[p3 + len..]) {
            found = Some((len, tail));
            break;
        }
    }
    let Some((plen, (pre, build))) = found else {
        return Err(invalid());
    };
    let major = number(&b[..d1], "major")?;
    let minor = number(&b[p2..p2 + d2], "minor")?;
    let patch = number(&b[p3..p3 + plen], "patch")?;
    let to_str = |x: &[u8]| String::from_utf8_lossy(x).into_owned();
    let pre = pre
        .map(|p| {
            p.split(|&c| c == b'.')
                .map(|id| {
                    let text = to_str(id);
                    let num = if id.iter().all(u8::is_ascii_digit) {
                        // JavaScript's unary plus: correctly rounded.
                        text.parse::<f64>().ok()
                    } else {
                        None
                    };
                    Ident { text, num }
                })
                .collect()
        })
        .unwrap_or_default();
    let build = build
        .map(|x| x.split(|&c| c == b'.').map(to_str).collect())
        .unwrap_or_default();
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
    fn spec_ordering() {
        // semver.org §11's example chain.
        let ordered = [
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
        ];
        for (i, a) in ordered.iter().enumerate() {
            for (j, b) in ordered.iter().enumerate() {
                assert_eq!(compare(a, b).unwrap(), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn ordering_vectors() {
        let cases: &[(&str, &str, Ordering)] = &[
            ("1.2.3", "v1.2.3", Equal),
            ("1.2.3", "=1.2.3", Equal),
            ("1.2.3", "v=1.2.3", Equal),
            ("1.2.3", " =v 1.2.3 ", Equal),
            ("1.2.3", "01.02.03", Equal),
            ("1.2.3+build.1", "1.2.3+build.2", Equal),
            ("1.2.3-beta+b", "1.2.3-beta", Equal),
            ("1.2.3beta", "1.2.3-beta", Equal),
            ("1.2.3-01", "1.2.3-1", Equal),
            ("1.2.3-1", "1.2.3-2", Less),
            ("1.2.3-2", "1.2.3-10", Less),
            ("1.2.3-10", "1.2.3-a", Less),
            ("1.2.3-a", "1.2.3-B", Greater),
            ("1.2.3-a-1", "1.2.3-a-2", Less),
            ("1.2.3-a.1", "1.2.3-a.1.0", Less),
            ("1.2.3--", "1.2.3-0", Greater),
            ("1.2.3-0", "1.2.3", Less),
            ("1.2.34.5", "1.2.3-4.5", Equal),
            ("1.2.3-", "1.2.3--", Equal),
            // Identifiers beyond 2^53 compare as JavaScript numbers.
            ("1.2.3-9007199254740993", "1.2.3-9007199254740992", Equal),
            (
                "1.2.3-99999999999999999999",
                "1.2.3-100000000000000000000",
                Equal,
            ),
            (
                "1.2.3-99999999999999999999",
                "1.2.3-200000000000000000000",
                Less,
            ),
            ("9007199254740991.0.0", "9007199254740990.0.0", Greater),
            ("0.0.0-alpha", "0.0.0-0", Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b).unwrap(), *want, "{a} vs {b}");
            assert_eq!(compare(b, a).unwrap(), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn formatting() {
        let cases: &[(&str, &str)] = &[
            ("v1.2.3", "1.2.3"),
            ("01.02.03-01.a+b", "1.2.3-1.a"),
            ("1.2.34.5", "1.2.3-4.5"),
            ("1.2.3-", "1.2.3--"),
            ("1.2.3-.a", "1.2.3--.a"),
            ("1.2.3-9007199254740991", "1.2.3-9007199254740991"),
            ("1.2.3-09007199254740992", "1.2.3-09007199254740992"),
        ];
        for (input, want) in cases {
            assert_eq!(parse(input).unwrap().to_string(), *want, "{input}");
        }
        let v = parse("1.2.3-a.7+b.c").unwrap();
        assert_eq!((v.major(), v.minor(), v.patch()), (1, 2, 3));
        assert_eq!(v.prerelease(), ["a", "7"]);
        assert_eq!(v.build(), ["b", "c"]);
    }

    #[test]
    fn invalid() {
        let long = format!("1.2.3-{}", "a".repeat(260));
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "1.2.3+",
            "1.2.3-a..b",
            "1.2.3-a+",
            "1.2.3+a..b",
            "1.2.3_a",
            "a.b.c",
            "1.2.3 4",
            "9007199254740992.0.0",
            "1.9007199254740992.0",
            "99999999999999999999.0.0",
            "１.2.3",
            "1.2.3-ä",
            "1 .2.3",
            long.as_str(),
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
