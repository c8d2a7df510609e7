//! NuGet package versions, ordered as `NuGet.Versioning` orders them
//! (`NuGetVersion.Parse`, `VersionComparer.Default`).
//!
//! Rule source: Microsoft Learn "NuGet package versioning" (sections
//! "Version basics", "Pre-release versions", "Semantic Versioning 2.0.0",
//! "Normalized version numbers") and the `NuGet.Versioning` library
//! (`NuGetVersionFactory.TryParse`, `ParseSections`, `IsValidPart`,
//! `VersionComparer.Compare`, `CompareRelease`).
//!
//! * `MAJOR[.MINOR[.PATCH[.REVISION]]][-LABEL(.LABEL)*][+METADATA]`, after
//!   trimming surrounding whitespace.  Numbers are 32-bit non-negative
//!   integers, leading zeros allowed and ignored (`1.01 == 1.1`); missing
//!   parts are 0, so `1 == 1.0 == 1.0.0 == 1.0.0.0`.  (`System.Version`
//!   also tolerates whitespace around each number, and so does this module.)
//! * Labels are non-empty `[0-9A-Za-z-]`; all-digit labels have no leading
//!   zero.  Metadata is dot-separated non-empty `[0-9A-Za-z-]` parts and is
//!   ignored when ordering.
//! * A pre-release (any label) is older than the release.  Labels compare
//!   one by one: labels that parse as a 32-bit integer (`Int32.TryParse`,
//!   so `-1` is numeric too) numerically and before other labels; other
//!   labels case-insensitively (ordinal); more labels win a tie.
//!   `1.0.0-Beta == 1.0.0-beta`.

use std::cmp::Ordering;
use std::fmt;

use crate::{Ecosystem, Reason, VersionError};

/// A parsed NuGet version.
#[derive(Debug, Clone)]
pub struct Version {
    parts: [u32; 4],
    labels: Vec<String>,
    metadata: Option<String>,
}

impl Version {
    /// Major, minor, patch and revision.
    pub fn parts(&self) -> [u32; 4] {
        self.parts
    }

    /// The pre-release labels.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The build metadata, if any.
    pub fn metadata(&self) -> Option<&str> {
        self.metadata.as_deref()
    }

    /// Whether the version has pre-release labels.
    pub fn is_prerelease(&self) -> bool {
        !self.labels.is_empty()
    }
}

/// NuGet's normalized form: three parts (four if the revision is non-zero),
/// labels, no metadata.
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.parts;
        write!(f, "{a}.{b}.{c}")?;
        if d != 0 {
            write!(f, ".{d}")?;
        }
        if !self.labels.is_empty() {
            write!(f, "-{}", self.labels.join("."))?;
        }
        Ok(())
    }
}

/// `Int32.TryParse` with the default (integer) number style, on a label.
fn label_number(s: &str) -> Option<i64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let d = crate::util::strip_zeros(digits.as_bytes());
    if d.len() > 10 {
        return None;
    }
    let mut v: i64 = 0;
    for &c in d {
        v = v * 10 + i64::from(c - b'0');
    }
    let v = if neg { -v } else { v };
    (i64::from(i32::MIN)..=i64::from(i32::MAX))
        .contains(&v)
        .then_some(v)
}

fn compare_label(a: &str, b: &str) -> Ordering {
    match (label_number(a), label_number(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => {
            let up = |s: &str| {
                s.bytes()
                    .map(|c| c.to_ascii_uppercase())
                    .collect::<Vec<u8>>()
            };
            up(a).cmp(&up(b))
        }
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
        self.parts.cmp(&other.parts).then_with(|| {
            match (self.labels.is_empty(), other.labels.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.labels.iter().zip(&other.labels) {
                        match compare_label(a, b) {
                            Ordering::Equal => {}
                            o => return o,
                        }
                    }
                    self.labels.len().cmp(&other.labels.len())
                }
            }
        })
    }
}

/// Parses a NuGet version.
pub fn parse(s: &str) -> Result<Version, VersionError> {
    parse_inner(s).map_err(|r| VersionError::new(Ecosystem::NuGet, s, r))
}

/// Orders two NuGet versions.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(parse(a)?.cmp(&parse(b)?))
}

/// .NET `char.IsWhiteSpace`.
fn is_dotnet_space(c: char) -> bool {
    c.is_whitespace()
}

fn valid_part(s: &str, allow_leading_zeros: bool) -> bool {
    if s.is_empty() {
        return false;
    }
    if !allow_leading_zeros
        && s.len() > 1
        && s.starts_with('0')
        && s.bytes().all(|c| c.is_ascii_digit())
    {
        return false;
    }
    s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

/// `int.TryParse(component, NumberStyles.Integer)` for a `System.Version`
/// component: optional surrounding whitespace, digits, non-negative.
fn version_component(s: &str) -> Option<u32> {
    let t = s.trim_matches(|c: char| matches!(c, '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' '));
    let (neg, digits) = if let Some(d) = t.strip_prefix('+') {
        (false, d)
    } else if let Some(d) = t.strip_prefix('-') {
        (true, d)
    } else {
        (false, t)
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let d = crate::util::strip_zeros(digits.as_bytes());
    if d.len() > 10 {
        return None;
    }
    let v = d.iter().fold(0u64, |v, &c| v * 10 + u64::from(c - b'0'));
    if v > i32::MAX as u64 || (neg && v != 0) {
        return None;
    }
    u32::try_from(v).ok()
}

pub(crate) fn parse_inner(s: &str) -> Result<Version, Reason> {
    let invalid = |why: &str| format!("not a valid NuGet version: {why}");
    let t = s.trim_matches(is_dotnet_space);
    // ParseSections: version up to the first '-' or '+', labels up to the
    // next '+', metadata after it.  A separator in the last position stays
    // part of the preceding section (and so makes it invalid).
    let b = t.as_bytes();
    let mut version_end = None;
    let mut dash = None;
    let mut plus = None;
    let mut labels_str = None;
    let mut metadata = None;
    for i in 0..b.len() {
        let end = i + 1 == b.len();
        if dash.is_none() {
            if end || b[i] == b'-' || b[i] == b'+' {
                version_end = Some(i + usize::from(end));
                dash = Some(i);
                if b[i] == b'+' {
                    plus = Some(i);
                }
            }
        } else if plus.is_none() {
            if end || b[i] == b'+' {
                let start = dash.unwrap_or(0) + 1;
                labels_str = Some(&t[start..i + usize::from(end)]);
                plus = Some(i);
            }
        } else if end {
            let start = plus.unwrap_or(0) + 1;
            metadata = Some(&t[start..]);
        }
    }
    let version_str = match version_end {
        Some(e) if e > 0 => &t[..e],
        _ => return Err(invalid("missing version number")),
    };
    let mut version_str = version_str.to_owned();
    if !version_str.contains('.') {
        version_str.push_str(".0");
    }
    let comps: Vec<&str> = version_str.split('.').collect();
    if !(2..=4).contains(&comps.len()) {
        return Err(invalid("expected 1 to 4 numeric parts"));
    }
    let mut parts = [0u32; 4];
    for (slot, c) in parts.iter_mut().zip(&comps) {
        *slot = version_component(c).ok_or_else(|| invalid("bad numeric part"))?;
    }
    let labels: Vec<String> = match labels_str {
        Some(l) => {
            let v: Vec<&str> = l.split('.').collect();
            if !v.iter().all(|p| valid_part(p, false)) {
                return Err(invalid("bad pre-release label"));
            }
            v.into_iter().map(str::to_owned).collect()
        }
        None => Vec::new(),
    };
    if let Some(m) = metadata {
        if !m.split('.').all(|p| valid_part(p, true)) {
            return Err(invalid("bad build metadata"));
        }
    }
    Ok(Version {
        parts,
        labels,
        metadata: metadata.map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn ordering_vectors() {
        let cases: &[(&str, &str, Ordering)] = &[
            ("1", "1.0.0.0", Equal),
            ("1.0", "1.0.0", Equal),
            ("1.01.1", "1.1.1", Equal),
            ("1.0.0+meta", "1.0.0", Equal),
            ("1.0.0-beta+a", "1.0.0-beta+b", Equal),
            ("1.0.0-Beta", "1.0.0-beta", Equal),
            ("1.0.0-RC.1", "1.0.0-rc.1", Equal),
            (" 1.0.0 ", "1.0.0", Equal),
            ("1.0.0.1", "1.0.0", Greater),
            ("1.0.0.1", "1.0.1", Less),
            ("1.0.0-alpha", "1.0.0", Less),
            ("1.0.0-alpha", "1.0.0-alpha.1", Less),
            ("1.0.0-alpha.1", "1.0.0-alpha.beta", Less),
            ("1.0.0-beta.2", "1.0.0-beta.11", Less),
            ("1.0.0-beta2", "1.0.0-beta11", Greater),
            ("1.0.0-rc.1", "1.0.0", Less),
            ("1.0.0-1", "1.0.0-a", Less),
            ("1.0.0--1", "1.0.0-0", Less),
            ("1.0.0-99999999999", "1.0.0-a", Less),
            ("1.0.0-99999999999", "1.0.0-2147483647", Greater),
            ("1.0.0-a-b", "1.0.0-A-B", Equal),
            ("2147483647.0.0", "2147483646.0.0", Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b).unwrap(), *want, "{a} vs {b}");
            assert_eq!(compare(b, a).unwrap(), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn normalized() {
        let cases: &[(&str, &str)] = &[
            ("1", "1.0.0"),
            ("1.0", "1.0.0"),
            ("1.0.0.0", "1.0.0"),
            ("1.0.0.4", "1.0.0.4"),
            ("01.002.0003", "1.2.3"),
            ("1.0.0-Beta.1+git.abc", "1.0.0-Beta.1"),
        ];
        for (input, want) in cases {
            assert_eq!(parse(input).unwrap().to_string(), *want, "{input}");
        }
        let v = parse("1.2.3.4-rc.1+sha.5").unwrap();
        assert_eq!(v.parts(), [1, 2, 3, 4]);
        assert_eq!(v.labels(), ["rc", "1"]);
        assert_eq!(v.metadata(), Some("sha.5"));
        assert!(v.is_prerelease());
    }

    #[test]
    fn invalid() {
        for bad in [
            "",
            "a",
            "-1",
            "1.0.0-",
            "1.0.0+",
            "1.0.0-beta+",
            "1.0.0-beta.",
            "1.0.0-.beta",
            "1.0.0-beta..1",
            "1.0.0-01",
            "1.0.0-beta.01",
            "1.0.0-_",
            "1.0.0+a+b",
            "1.0.0+a..b",
            "1.2.3.4.5",
            "1..2",
            "1.2.",
            "2147483648.0.0",
            "99999999999.0",
            "1.0.0-beta+meta+",
            "v1.0.0",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
        for good in [
            "1.0.0-0", "1.0.0-0a", "1.0.0+01", "1.0.0-a-", "1.0.0--", "1. 2",
        ] {
            assert!(parse(good).is_ok(), "{good:?} should be accepted");
        }
    }
}
