//! Python package versions (PyPI), per PEP 440 as implemented by
//! `packaging.version.Version` (packaging 26).
//!
//! Rule source: PEP 440 "Version Identification and Dependency
//! Specification" (sections "Normalization" and "Summary of permitted
//! suffixes and relative ordering") and the reference implementation,
//! `packaging.version` (its `VERSION_PATTERN`, `_parse_letter_version`,
//! `_parse_local_version` and `_cmpkey`).
//!
//! Accepted syntax (ASCII case-insensitive), after stripping surrounding
//! whitespace:
//!
//! ```text
//! [v] [N!] N(.N)* [{a|b|rc}N] [.postN] [.devN] [+local]
//! ```
//!
//! with the alternate spellings PEP 440 normalizes: `alpha`→`a`,
//! `beta`→`b`, `c`/`pre`/`preview`→`rc`, `rev`/`r`→`post`; optional `.`, `-`
//! or `_` separators before and after the pre/post/dev labels; an omitted
//! number meaning 0 (`1.0a` = `1.0a0`); the implicit post-release `1.0-1` =
//! `1.0.post1`; local segments separated by `.`, `-` or `_`.  Anything else
//! is an error.  Like packaging ≥ 26, each piece is matched greedily without
//! backtracking (the pattern uses possessive quantifiers).
//!
//! Ordering: epoch; then the release with trailing zeros removed (`1.0 ==
//! 1`); then a dev-only release (`1.0.dev1`) before any pre-release, pre-
//! releases `a < b < rc` by number, then the final release; then no
//! post-release before post-releases by number; then a dev release before the
//! same version without one; finally no local version before any local
//! version, local versions compared segment by segment with strings
//! (lowercased) before numbers and a longer version winning a tie.
//!
//! Numbers may have any number of digits (packaging itself refuses numbers
//! over 4300 digits through Python's integer-string limit; here they simply
//! compare exactly).

use std::cmp::Ordering;
use std::fmt;

use crate::util::{canonical_digits, cmp_digits, span};
use crate::{Ecosystem, Reason, VersionError};

/// The pre-release kind, in PEP 440 order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PreKind {
    /// `a` (alpha).
    Alpha,
    /// `b` (beta).
    Beta,
    /// `rc` (release candidate; also spelled `c`, `pre`, `preview`).
    Rc,
}

impl PreKind {
    fn as_str(self) -> &'static str {
        match self {
            PreKind::Alpha => "a",
            PreKind::Beta => "b",
            PreKind::Rc => "rc",
        }
    }
}

/// One segment of a local version label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalPart {
    /// An alphanumeric segment, lowercased.
    Str(String),
    /// An all-digit segment, in canonical form (no leading zeros).
    Num(String),
}

/// A parsed PEP 440 version.  Numbers are kept as canonical digit strings.
#[derive(Debug, Clone)]
pub struct Version {
    epoch: String,
    release: Vec<String>,
    pre: Option<(PreKind, String)>,
    post: Option<String>,
    dev: Option<String>,
    local: Option<Vec<LocalPart>>,
}

impl Version {
    /// The epoch (`"0"` when absent).
    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    /// The release numbers, as written (not trimmed).
    pub fn release(&self) -> &[String] {
        &self.release
    }

    /// The pre-release, if any.
    pub fn pre(&self) -> Option<(PreKind, &str)> {
        self.pre.as_ref().map(|(k, n)| (*k, n.as_str()))
    }

    /// The post-release number, if any.
    pub fn post(&self) -> Option<&str> {
        self.post.as_deref()
    }

    /// The dev-release number, if any.
    pub fn dev(&self) -> Option<&str> {
        self.dev.as_deref()
    }

    /// The local version segments, if any.
    pub fn local(&self) -> Option<&[LocalPart]> {
        self.local.as_deref()
    }

    /// Whether this is a pre-release (has a pre or dev segment).
    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some() || self.dev.is_some()
    }

    fn trimmed_release(&self) -> &[String] {
        let n = self
            .release
            .iter()
            .rposition(|x| x != "0")
            .map_or(0, |i| i + 1);
        &self.release[..n]
    }

    /// `(pre_rank, pre_n)` as in packaging's `_cmpkey`.
    fn pre_key(&self) -> (i8, &str) {
        match (&self.pre, &self.post, &self.dev) {
            (None, None, Some(_)) => (-1, "0"),
            (None, _, _) => (3, "0"),
            (Some((k, n)), _, _) => (*k as i8, n.as_str()),
        }
    }
}

/// Normal form, exactly as `str(packaging.version.Version(s))`.
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.epoch != "0" {
            write!(f, "{}!", self.epoch)?;
        }
        f.write_str(&self.release.join("."))?;
        if let Some((k, n)) = &self.pre {
            write!(f, "{}{}", k.as_str(), n)?;
        }
        if let Some(n) = &self.post {
            write!(f, ".post{n}")?;
        }
        if let Some(n) = &self.dev {
            write!(f, ".dev{n}")?;
        }
        if let Some(parts) = &self.local {
            f.write_str("+")?;
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    f.write_str(".")?;
                }
                match p {
                    LocalPart::Str(s) | LocalPart::Num(s) => f.write_str(s)?,
                }
            }
        }
        Ok(())
    }
}

fn cmp_num(a: &str, b: &str) -> Ordering {
    cmp_digits(a.as_bytes(), b.as_bytes())
}

fn cmp_local_part(a: &LocalPart, b: &LocalPart) -> Ordering {
    match (a, b) {
        (LocalPart::Num(x), LocalPart::Num(y)) => cmp_num(x, y),
        (LocalPart::Str(x), LocalPart::Str(y)) => x.cmp(y),
        (LocalPart::Str(_), LocalPart::Num(_)) => Ordering::Less,
        (LocalPart::Num(_), LocalPart::Str(_)) => Ordering::Greater,
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
        let lex = |a: &[String], b: &[String]| {
            for (x, y) in a.iter().zip(b) {
                match cmp_num(x, y) {
                    Ordering::Equal => {}
                    o => return o,
                }
            }
            a.len().cmp(&b.len())
        };
        let (pr1, pn1) = self.pre_key();
        let (pr2, pn2) = other.pre_key();
        cmp_num(&self.epoch, &other.epoch)
            .then_with(|| lex(self.trimmed_release(), other.trimmed_release()))
            .then_with(|| pr1.cmp(&pr2))
            .then_with(|| cmp_num(pn1, pn2))
            .then_with(|| match (&self.post, &other.post) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(a), Some(b)) => cmp_num(a, b),
            })
            .then_with(|| match (&self.dev, &other.dev) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => cmp_num(a, b),
            })
            .then_with(|| match (&self.local, &other.local) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(a), Some(b)) => {
                    for (x, y) in a.iter().zip(b) {
                        match cmp_local_part(x, y) {
                            Ordering::Equal => {}
                            o => return o,
                        }
                    }
                    a.len().cmp(&b.len())
                }
            })
    }
}

/// Parses a PEP 440 version.
pub fn parse(s: &str) -> Result<Version, VersionError> {
    parse_inner(s).map_err(|r| VersionError::new(Ecosystem::PyPI, s, r))
}

/// Orders two PEP 440 version strings.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(parse(a)?.cmp(&parse(b)?))
}

/// The PEP 440 normal form of `s`.
pub fn normalize(s: &str) -> Result<String, VersionError> {
    parse(s).map(|v| v.to_string())
}

/// Python's `str.isspace()`, which the `\s` of a `str` regex follows.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn is_sep(c: Option<&u8>) -> bool {
    matches!(c, Some(b'.' | b'_' | b'-'))
}

/// The first of `words` that `b` starts with, ASCII case-insensitively.
fn match_word<T: Copy>(b: &[u8], words: &[(&str, T)]) -> Option<(usize, T)> {
    words.iter().find_map(|(w, v)| {
        let w = w.as_bytes();
        (b.len() >= w.len() && b[..w.len()].eq_ignore_ascii_case(w)).then_some((w.len(), *v))
    })
}

const PRE_WORDS: &[(&str, PreKind)] = &[
    ("alpha", PreKind::Alpha),
    ("a", PreKind::Alpha),
    ("beta", PreKind::Beta),
    ("b", PreKind::Beta),
    ("preview", PreKind::Rc),
    ("pre", PreKind::Rc),
    ("c", PreKind::Rc),
    ("rc", PreKind::Rc),
];

const POST_WORDS: &[(&str, ())] = &[("post", ()), ("rev", ()), ("r", ())];

pub(crate) fn parse_inner(s: &str) -> Result<Version, Reason> {
    let invalid = || format!("not a valid PEP 440 version: {}", describe(s));

    // packaging's fast path: digits and dots only.
    if s.bytes().all(|c| c == b'.' || c.is_ascii_digit()) {
        let parts: Vec<&str> = s.split('.').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(invalid());
        }
        return Ok(Version {
            epoch: "0".into(),
            release: parts.iter().map(|p| canonical_digits(p)).collect(),
            pre: None,
            post: None,
            dev: None,
            local: None,
        });
    }

    let t = s.trim_matches(is_py_space);
    let b = t.as_bytes();
    let digits = |p: usize| span(&b[p.min(b.len())..], |c| c.is_ascii_digit());
    let text = |from: usize, len: usize| canonical_digits(&t[from..from + len]);
    let mut pos = 0usize;

    if matches!(b.first(), Some(b'v' | b'V')) {
        pos += 1;
    }

    // Epoch: N!
    let mut epoch = "0".to_owned();
    let d = digits(pos);
    if d > 0 && b.get(pos + d) == Some(&b'!') {
        epoch = text(pos, d);
        pos += d + 1;
    }

    // Release: N(.N)*
    let d = digits(pos);
    if d == 0 {
        return Err(invalid());
    }
    let mut release = vec![text(pos, d)];
    pos += d;
    while b.get(pos) == Some(&b'.') && digits(pos + 1) > 0 {
        let d = digits(pos + 1);
        release.push(text(pos + 1, d));
        pos += 1 + d;
    }

    // Pre-release: [sep](a|b|rc|...)[sep][N]
    let mut pre = None;
    {
        let mut p = pos;
        if is_sep(b.get(p)) {
            p += 1;
        }
        if let Some((len, kind)) = match_word(&b[p..], PRE_WORDS) {
            p += len;
            if is_sep(b.get(p)) {
                p += 1;
            }
            let d = digits(p);
            pre = Some((kind, if d > 0 { text(p, d) } else { "0".into() }));
            pos = p + d;
        }
    }

    // Post-release: -N | [sep](post|rev|r)[sep][N]
    let mut post = None;
    if b.get(pos) == Some(&b'-') && digits(pos + 1) > 0 {
        let d = digits(pos + 1);
        post = Some(text(pos + 1, d));
        pos += 1 + d;
    } else {
        let mut p = pos;
        if is_sep(b.get(p)) {
            p += 1;
        }
        if let Some((len, ())) = match_word(&b[p..], POST_WORDS) {
            p += len;
            if is_sep(b.get(p)) {
                p += 1;
            }
            let d = digits(p);
            post = Some(if d > 0 { text(p, d) } else { "0".into() });
            pos = p + d;
        }
    }

    // Dev release: [sep]dev[sep][N]
    let mut dev = None;
    {
        let mut p = pos;
        if is_sep(b.get(p)) {
            p += 1;
        }
        if let Some((len, ())) = match_word(&b[p..], &[("dev", ())]) {
            p += len;
            if is_sep(b.get(p)) {
                p += 1;
            }
            let d = digits(p);
            dev = Some(if d > 0 { text(p, d) } else { "0".into() });
            pos = p + d;
        }
    }

    // Local version: +alnum([._-]alnum)*
    let mut local = None;
    if b.get(pos) == Some(&b'+') {
        let alnum = |p: usize| span(&b[p.min(b.len())..], |c| c.is_ascii_alphanumeric());
        let first = alnum(pos + 1);
        if first > 0 {
            let mut parts = Vec::new();
            let mut p = pos + 1;
            let mut len = first;
            loop {
                let seg = &t[p..p + len];
                parts.push(if seg.bytes().all(|c| c.is_ascii_digit()) {
                    LocalPart::Num(canonical_digits(seg))
                } else {
                    LocalPart::Str(seg.to_ascii_lowercase())
                });
                p += len;
                if is_sep(b.get(p)) && alnum(p + 1) > 0 {
                    len = alnum(p + 1);
                    p += 1;
                } else {
                    break;
                }
            }
            local = Some(parts);
            pos = p;
        }
    }

    if pos != b.len() {
        return Err(invalid());
    }
    Ok(Version {
        epoch,
        release,
        pre,
        post,
        dev,
        local,
    })
}

fn describe(s: &str) -> String {
    if s.is_empty() {
        "empty string".into()
    } else {
        "expected [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn n(s: &str) -> String {
        normalize(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn normalization() {
        let cases: &[(&str, &str)] = &[
            ("1.0", "1.0"),
            ("v1.0", "1.0"),
            ("V1.0", "1.0"),
            ("01.002.0", "1.2.0"),
            ("0!1.0", "1.0"),
            ("1!1.0", "1!1.0"),
            ("007!1", "7!1"),
            ("1.0a1", "1.0a1"),
            ("1.0A1", "1.0a1"),
            ("1.0alpha1", "1.0a1"),
            ("1.0-alpha-1", "1.0a1"),
            ("1.0.ALPHA.1", "1.0a1"),
            ("1.0_a_1", "1.0a1"),
            ("1.0a", "1.0a0"),
            ("1.0a.", "1.0a0"),
            ("1.0b2", "1.0b2"),
            ("1.0beta2", "1.0b2"),
            ("1.0c1", "1.0rc1"),
            ("1.0C1", "1.0rc1"),
            ("1.0pre1", "1.0rc1"),
            ("1.0preview1", "1.0rc1"),
            ("1.0RC1", "1.0rc1"),
            ("1.0-1", "1.0.post1"),
            ("1.0-01", "1.0.post1"),
            ("1.0.post1", "1.0.post1"),
            ("1.0post1", "1.0.post1"),
            ("1.0-post-1", "1.0.post1"),
            ("1.0.post", "1.0.post0"),
            ("1.0.rev1", "1.0.post1"),
            ("1.0r1", "1.0.post1"),
            ("1.0r", "1.0.post0"),
            ("1.0-r-1", "1.0.post1"),
            ("1.0.dev", "1.0.dev0"),
            ("1.0-dev", "1.0.dev0"),
            ("1.0dev1", "1.0.dev1"),
            ("1.0.DEV_7", "1.0.dev7"),
            ("1.0a1.post2.dev3", "1.0a1.post2.dev3"),
            ("1.0a1-2", "1.0a1.post2"),
            ("1.0+ABC.1-2_3", "1.0+abc.1.2.3"),
            ("1.0+abc.007", "1.0+abc.7"),
            ("1.0+0", "1.0+0"),
            ("  1.0\n", "1.0"),
            ("\u{3000}1.0\u{1c}", "1.0"),
            ("1!2.3.4rc5.post6.dev7+loc.8", "1!2.3.4rc5.post6.dev7+loc.8"),
        ];
        for (input, want) in cases {
            assert_eq!(n(input), *want, "{input:?}");
        }
    }

    #[test]
    fn invalid() {
        for bad in [
            "",
            " ",
            ".",
            ".1",
            "1.",
            "1..0",
            "1.0.",
            "a1.0",
            "vv1.0",
            "v",
            "1.0-foo",
            "1.0+",
            "1.0+.a",
            "1.0+a..b",
            "1.0+a+b",
            "1.0+a_",
            "1.0 a",
            "1.0a1a2",
            "1.0.post1.post2",
            "1.0.dev1.post1",
            "1.0dev1a1",
            "1!",
            "1!1!1",
            "!1",
            "1.0--1",
            "1.0-",
            "1.0_",
            "1.0+ä",
            "1.0ä",
            "1.0+l\u{130}",
            "1.0.0-foo.bar",
            "1.0-1-1",
            "１.0",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn ordering() {
        // PEP 440's own example ordering, plus local versions.
        let ordered = [
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
            "1!0.1",
        ];
        for (i, a) in ordered.iter().enumerate() {
            for (j, b) in ordered.iter().enumerate() {
                assert_eq!(compare(a, b).unwrap(), i.cmp(&j), "{a} vs {b}");
            }
        }
        let cases: &[(&str, &str, Ordering)] = &[
            ("1.0", "1.0.0", Equal),
            ("1", "1.0.0.0", Equal),
            ("1.0", "v1.0", Equal),
            ("1.0c1", "1.0rc1", Equal),
            ("1.0-1", "1.0.post1", Equal),
            ("1.0a", "1.0a0", Equal),
            ("1.0+a", "1.0+A", Equal),
            ("1.0+0", "1.0+00", Equal),
            ("1.0+a.b", "1.0+a", Greater),
            ("1.0+1", "1.0+a", Greater),
            ("1.0+a-1", "1.0+a.1", Equal),
            ("1.0.dev1", "1.0a1.dev1", Less),
            ("1.0a1.dev1", "1.0a1", Less),
            ("1.0a1", "1.0a1.post1.dev0", Less),
            ("1.0a1.post1.dev0", "1.0a1.post1", Less),
            ("1.0.post1.dev1", "1.0", Greater),
            ("1.0.post1.dev1", "1.0.post1", Less),
            ("1.0.post0", "1.0", Greater),
            ("1.0+local", "1.0.post0.dev0", Less),
            ("1.0.dev0", "0.9.post9", Greater),
            ("2.0", "1!0.0", Less),
            ("1.10", "1.9", Greater),
            (
                "1.0.99999999999999999999999",
                "1.0.99999999999999999999998",
                Greater,
            ),
            ("1.0rc1", "1.0b99", Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b).unwrap(), *want, "{a} vs {b}");
            assert_eq!(compare(b, a).unwrap(), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn accessors() {
        let v = parse("2!1.0.0rc3.post4.dev5+Ubuntu.1").unwrap();
        assert_eq!(v.epoch(), "2");
        assert_eq!(v.release(), ["1", "0", "0"]);
        assert_eq!(v.pre(), Some((PreKind::Rc, "3")));
        assert_eq!(v.post(), Some("4"));
        assert_eq!(v.dev(), Some("5"));
        assert_eq!(
            v.local(),
            Some(&[LocalPart::Str("ubuntu".into()), LocalPart::Num("1".into())][..])
        );
        assert!(v.is_prerelease());
        assert!(!parse("1.0.post1").unwrap().is_prerelease());
    }
}
