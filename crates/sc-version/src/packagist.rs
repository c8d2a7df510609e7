//! Packagist (Composer) package versions.
//!
//! Rule source: composer/semver 3.4 — `VersionParser::normalize`,
//! `normalizeBranch` and `expandStability` — which Composer applies before
//! comparing, and PHP's `version_compare` (`ext/standard/versioning.c`:
//! `php_canonicalize_version`, `compare_special_version_forms`,
//! `php_version_compare`), which `Composer\Semver\Comparator` uses on the
//! normalized strings; documented in Composer's "Versions and constraints"
//! article.
//!
//! Normalization:
//!
//! * trim; drop an alias (`1.0.x-dev as 1.0.0` → `1.0.x-dev`), a stability
//!   flag (`@beta`) and build metadata (`+build`);
//! * `master`, `trunk`, `default` and anything starting with `dev-`
//!   (case-insensitively) are branches: `dev-NAME`;
//! * a classic version `[v]N[.N[.N[.N]]]` (first number at most 5 digits)
//!   becomes four numbers (`1.2` → `1.2.0.0`, leading zeros kept), a
//!   date-like version (`20230115`, `2023.01.15.1430`) keeps its numbers with
//!   every separator turned into `.`;
//! * a stability suffix, with optional `.`/`-`/`_` before it and a number
//!   after, is spelled out: `a`/`alpha` → `-alpha`, `b`/`beta` → `-beta`,
//!   `rc` → `-RC`, `p`/`pl`/`patch` → `-patch`; `stable` is dropped; a
//!   trailing `dev` adds `-dev` (`1.0.0-beta2-dev`);
//! * `N.x-dev`-style numeric branches become `N.9999999.9999999.9999999-dev`;
//! * anything else is invalid.
//!
//! Ordering is PHP's `version_compare` on the normalized strings: split into
//! segments at `.`, `-`, `_`, `+` and at digit/non-digit transitions;
//! numbers compare numerically; words by the first of `dev < alpha = a <
//! beta = b < RC = rc < (number) < pl = p` that they *start with* (so `patch`
//! ranks as `p`), unknown words lowest; a missing segment counts as a number
//! for this purpose.  So `-dev < -alpha < -beta < -RC < stable < -patch`.
//!
//! Branches (`dev-NAME`) are not versions: Composer never orders them with
//! `version_compare`, which is not even reflexive on some branch names.
//! Here they sort before all versions (where `version_compare` would put
//! them) and among themselves by name.
//!
//! composer/semver 3.3 (still shipped by some distributions) differs only in
//! accepting one trailing `[.:-]NNN` group fewer in date-like versions;
//! [`normalize_composer_3_3`] reproduces it.

use std::cmp::Ordering;
use std::fmt;

use crate::{Ecosystem, Reason, VersionError};

/// A Packagist version: the Composer-normalized string.
#[derive(Debug, Clone)]
pub struct Version {
    normalized: String,
}

impl Version {
    /// The Composer-normalized version (`VersionParser::normalize`).
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// Whether this is a branch (`dev-…`) rather than a version.
    pub fn is_branch(&self) -> bool {
        self.normalized.starts_with("dev-")
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalized)
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
        match (self.is_branch(), other.is_branch()) {
            (false, false) => version_compare(&self.normalized, &other.normalized),
            // Composer never orders branches by version_compare (its
            // constraints simply do not match them); PHP's function is not
            // even reflexive on arbitrary branch names (`dev-` vs `dev-`).
            // Branches sort before every version, as version_compare would
            // put them, and among themselves by name.
            (true, true) => self.normalized.cmp(&other.normalized),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
        }
    }
}

/// Parses (normalizes) a Composer version.
pub fn parse(s: &str) -> Result<Version, VersionError> {
    parse_inner(s).map_err(|r| VersionError::new(Ecosystem::Packagist, s, r))
}

/// Orders two Composer versions.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(parse(a)?.cmp(&parse(b)?))
}

/// `VersionParser::normalize`.
pub fn normalize(s: &str) -> Result<String, VersionError> {
    parse(s).map(|v| v.normalized)
}

/// `VersionParser::normalize` as composer/semver **3.3** does it (the
/// version Debian 12 ships as php-composer-semver), which accepts one
/// trailing `[.:-]NNN` group fewer in date-like versions (`2023.01.01.01.01.01.001.001`
/// is valid in 3.4 only).  Everything else is identical; [`normalize`] follows 3.4.
pub fn normalize_composer_3_3(s: &str) -> Result<String, VersionError> {
    normalize_inner(s, 1).map_err(|r| VersionError::new(Ecosystem::Packagist, s, r))
}

pub(crate) fn parse_inner(s: &str) -> Result<Version, Reason> {
    normalize_inner(s, 2).map(|normalized| Version { normalized })
}

/// PHP's `trim()` character set.
fn is_php_trim(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\0' | '\u{b}')
}

/// PCRE's `\s` (C locale tables, no UTF mode).
fn is_pcre_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// PCRE's `$` without `D`: the end, or just before a final newline.
fn at_end(b: &[u8], p: usize) -> bool {
    p == b.len() || (p + 1 == b.len() && b[p] == b'\n')
}

fn starts_with_ci(b: &[u8], word: &[u8]) -> bool {
    b.len() >= word.len() && b[..word.len()].eq_ignore_ascii_case(word)
}

fn normalize_inner(input: &str, date_tails: usize) -> Result<String, Reason> {
    let mut version: String = input.trim_matches(is_php_trim).to_owned();

    // Strip off aliasing: ^([^,\s]++) ++as ++([^,\s]++)$
    {
        let b = version.as_bytes();
        let word = |p: usize| {
            b[p..]
                .iter()
                .take_while(|&&c| c != b',' && !is_pcre_space(c))
                .count()
        };
        let n1 = word(0);
        if n1 > 0 {
            let mut p = n1;
            let sp1 = b[p..].iter().take_while(|&&c| c == b' ').count();
            p += sp1;
            if sp1 > 0 && b[p..].starts_with(b"as") {
                p += 2;
                let sp2 = b[p..].iter().take_while(|&&c| c == b' ').count();
                p += sp2;
                let n2 = word(p);
                if sp2 > 0 && n2 > 0 && at_end(b, p + n2) {
                    version = version[..n1].to_owned();
                }
            }
        }
    }

    // Strip off a stability flag: @(stable|RC|beta|alpha|dev)$, leftmost.
    {
        let b = version.as_bytes();
        let mut cut = None;
        for (p, _) in b.iter().enumerate().filter(|(_, &c)| c == b'@') {
            let rest = &b[p + 1..];
            let hit = ["stable", "rc", "beta", "alpha", "dev"]
                .iter()
                .find_map(|w| {
                    (starts_with_ci(rest, w.as_bytes()) && at_end(b, p + 1 + w.len()))
                        .then_some(1 + w.len())
                });
            if let Some(len) = hit {
                cut = Some(len);
                break;
            }
        }
        if let Some(len) = cut {
            let keep = version.len().saturating_sub(len);
            version = String::from_utf8_lossy(&version.as_bytes()[..keep]).into_owned();
        }
    }

    if ["master", "trunk", "default"].contains(&version.as_str()) {
        version = format!("dev-{version}");
    }

    // Branch-like requirement: keep the full name.
    if starts_with_ci(version.as_bytes(), b"dev-") {
        return Ok(format!("dev-{}", &version[4..]));
    }

    // Strip off build metadata: ^([^,\s+]++)\+[^\s]++$
    {
        let b = version.as_bytes();
        let n1 = b
            .iter()
            .take_while(|&&c| c != b',' && c != b'+' && !is_pcre_space(c))
            .count();
        if n1 > 0 && b.get(n1) == Some(&b'+') {
            let n2 = b[n1 + 1..]
                .iter()
                .take_while(|&&c| !is_pcre_space(c))
                .count();
            if n2 > 0 && at_end(b, n1 + 1 + n2) {
                version = version[..n1].to_owned();
            }
        }
    }

    if let Some(v) = classical(version.as_bytes()) {
        return Ok(v);
    }
    if let Some(v) = datetime(version.as_bytes(), date_tails) {
        return Ok(v);
    }

    // Numeric dev branches: (.*?)[.-]?dev$
    if let Some(name) = dev_branch_name(version.as_bytes()) {
        if let Some(n) = normalize_numeric_branch(name) {
            return Ok(n);
        }
    }

    Err("Invalid version string".into())
}

/// Captures of the stability modifier
/// `[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?$`
/// (case-insensitive) matched against the whole of `b`.
struct Modifier<'a> {
    stability: Option<&'a [u8]>,
    number: &'a [u8],
    dev: bool,
}

fn modifier(b: &[u8]) -> Option<Modifier<'_>> {
    let mut p = 0;
    if matches!(b.first(), Some(b'.' | b'_' | b'-')) {
        p += 1;
    }
    let mut stability = None;
    let mut number: &[u8] = b"";
    const WORDS: [&str; 9] = [
        "stable", "beta", "b", "rc", "alpha", "a", "patch", "pl", "p",
    ];
    if let Some(w) = WORDS.iter().find(|w| starts_with_ci(&b[p..], w.as_bytes())) {
        stability = Some(&b[p..p + w.len()]);
        p += w.len();
        let start = p;
        loop {
            let sep = usize::from(matches!(b.get(p), Some(b'.' | b'-')));
            let d = b[(p + sep).min(b.len())..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            if d == 0 {
                break;
            }
            p += sep + d;
        }
        number = &b[start..p];
    }
    let mut dev = false;
    let sep = usize::from(matches!(b.get(p), Some(b'.' | b'-')));
    if starts_with_ci(&b[p + sep..], b"dev") {
        p += sep + 3;
        dev = true;
    }
    at_end(b, p).then_some(Modifier {
        stability,
        number,
        dev,
    })
}

fn expand_stability(s: &[u8]) -> String {
    let lower = String::from_utf8_lossy(s).to_ascii_lowercase();
    match lower.as_str() {
        "a" => "alpha".into(),
        "b" => "beta".into(),
        "p" | "pl" => "patch".into(),
        "rc" => "RC".into(),
        _ => lower,
    }
}

fn apply_modifier(mut version: String, m: &Modifier<'_>) -> String {
    if let Some(st) = m.stability {
        if st == b"stable" {
            return version;
        }
        version.push('-');
        version.push_str(&expand_stability(st));
        let num = String::from_utf8_lossy(m.number);
        version.push_str(num.trim_start_matches(['.', '-']));
    }
    if m.dev {
        version.push_str("-dev");
    }
    version
}

/// `^v?(\d{1,5}+)(\.\d++)?(\.\d++)?(\.\d++)?MODIFIER$`
fn classical(b: &[u8]) -> Option<String> {
    let mut p = usize::from(matches!(b.first(), Some(b'v' | b'V')));
    let d = b[p..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count()
        .min(5);
    if d == 0 {
        return None;
    }
    let mut out = String::from_utf8_lossy(&b[p..p + d]).into_owned();
    p += d;
    for _ in 0..3 {
        let n = if b.get(p) == Some(&b'.') {
            b[p + 1..].iter().take_while(|c| c.is_ascii_digit()).count()
        } else {
            0
        };
        if n > 0 {
            out.push_str(&String::from_utf8_lossy(&b[p..p + 1 + n]));
            p += 1 + n;
        } else {
            out.push_str(".0");
        }
    }
    let m = modifier(&b[p..])?;
    Some(apply_modifier(out, &m))
}

/// Whether `g` is entirely `\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,TAILS}`.
fn datetime_body(g: &[u8], tails: usize) -> bool {
    let digit = |p: usize| g.get(p).is_some_and(u8::is_ascii_digit);
    if !(0..4).all(digit) {
        return false;
    }
    // NFA simulation over end positions.
    let step = |from: &[usize], lo: usize, hi: usize| -> Vec<usize> {
        let mut out = Vec::new();
        for &p in from {
            for q in [p, p + 1] {
                if q == p + 1 && !matches!(g.get(p), Some(b'.' | b':' | b'-')) {
                    continue;
                }
                for n in lo..=hi {
                    if (q..q + n).all(digit) && !out.contains(&(q + n)) {
                        out.push(q + n);
                    }
                }
            }
        }
        out
    };
    let mut cur = vec![4usize];
    let mut ends = Vec::new();
    for _ in 1..=6 {
        cur = step(&cur, 2, 2);
        ends.extend(cur.iter().copied());
    }
    let mut all = ends.clone();
    let mut tail = ends;
    for _ in 0..tails {
        tail = step(&tail, 1, 3);
        all.extend(tail.iter().copied());
    }
    all.contains(&g.len())
}

/// `^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,TAILS})MODIFIER$`
fn datetime(b: &[u8], tails: usize) -> Option<String> {
    let start = usize::from(matches!(b.first(), Some(b'v' | b'V')));
    // The body ends in a digit and the modifier cannot start with one, so
    // at most one split point works.
    for end in start + 1..=b.len() {
        if b.get(end).is_some_and(u8::is_ascii_digit) {
            continue;
        }
        if !b[end - 1].is_ascii_digit() || !datetime_body(&b[start..end], tails) {
            continue;
        }
        if let Some(m) = modifier(&b[end..]) {
            let body: String = b[start..end]
                .iter()
                .map(|&c| if c.is_ascii_digit() { c as char } else { '.' })
                .collect();
            return Some(apply_modifier(body, &m));
        }
    }
    None
}

/// The lazy capture of `(.*?)[.-]?dev$` (case-insensitive), if it matches.
fn dev_branch_name(b: &[u8]) -> Option<&[u8]> {
    let e = if b.last() == Some(&b'\n') {
        b.len().checked_sub(4)?
    } else {
        b.len().checked_sub(3)?
    };
    if !b[e..e + 3].eq_ignore_ascii_case(b"dev") {
        return None;
    }
    // `.` does not match a newline: the match starts after the last one.
    let start = b[..e]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |i| i + 1);
    let end = if e > start && matches!(b[e - 1], b'.' | b'-') {
        e - 1
    } else {
        e
    };
    Some(&b[start..end])
}

/// `normalizeBranch` for numeric branches (`1.x` → `1.9999999.9999999.9999999-dev`);
/// `None` where Composer would produce `dev-NAME`.
fn normalize_numeric_branch(name: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(name);
    let t = s.trim_matches(is_php_trim).as_bytes();
    let mut p = usize::from(matches!(t.first(), Some(b'v' | b'V')));
    let d = t[p..].iter().take_while(|c| c.is_ascii_digit()).count();
    if d == 0 {
        return None;
    }
    let mut out = String::from_utf8_lossy(&t[p..p + d]).into_owned();
    p += d;
    let mut groups = 0;
    while groups < 3 && t.get(p) == Some(&b'.') {
        let n = t[p + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n > 0 {
            out.push_str(&String::from_utf8_lossy(&t[p..p + 1 + n]));
            p += 1 + n;
        } else if matches!(t.get(p + 1), Some(b'x' | b'X' | b'*')) {
            out.push_str(".x");
            p += 2;
        } else {
            break;
        }
        groups += 1;
    }
    if !at_end(t, p) {
        return None;
    }
    for _ in groups..3 {
        out.push_str(".x");
    }
    Some(out.replace('x', "9999999") + "-dev")
}

// ---- PHP version_compare -------------------------------------------------

fn php_canonicalize(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len() * 2);
    let Some(&first) = v.first() else {
        return out;
    };
    let isdig = |c: u8| c.is_ascii_digit();
    let isndig = |c: u8| !c.is_ascii_digit() && c != b'.';
    let special = |c: u8| matches!(c, b'-' | b'_' | b'+');
    out.push(first);
    let mut lp = first;
    for &c in &v[1..] {
        let lq = *out.last().unwrap_or(&0);
        if special(c) {
            if lq != b'.' {
                out.push(b'.');
            }
        } else if (isndig(lp) && isdig(c)) || (isdig(lp) && isndig(c)) {
            if lq != b'.' {
                out.push(b'.');
            }
            out.push(c);
        } else if !c.is_ascii_alphanumeric() {
            if lq != b'.' {
                out.push(b'.');
            }
        } else {
            out.push(c);
        }
        lp = c;
    }
    out
}

fn special_form_order(form: &[u8]) -> i32 {
    const FORMS: [(&[u8], i32); 10] = [
        (b"dev", 0),
        (b"alpha", 1),
        (b"a", 1),
        (b"beta", 2),
        (b"b", 2),
        (b"RC", 3),
        (b"rc", 3),
        (b"#", 4),
        (b"pl", 5),
        (b"p", 5),
    ];
    FORMS
        .iter()
        .find(|(name, _)| form.starts_with(name))
        .map_or(-1, |&(_, o)| o)
}

fn compare_special(a: &[u8], b: &[u8]) -> i32 {
    (special_form_order(a) - special_form_order(b)).signum()
}

/// C `strtol` on a string starting with a digit (saturating).
fn strtol(s: &[u8]) -> i64 {
    let mut v: i64 = 0;
    for &c in s.iter().take_while(|c| c.is_ascii_digit()) {
        v = v.saturating_mul(10).saturating_add(i64::from(c - b'0'));
    }
    v
}

fn php_version_compare(o1: &[u8], o2: &[u8]) -> i32 {
    if o1.is_empty() || o2.is_empty() {
        return match (o1.is_empty(), o2.is_empty()) {
            (true, true) => 0,
            (false, _) => 1,
            _ => -1,
        };
    }
    let v1 = if o1[0] == b'#' {
        o1.to_vec()
    } else {
        php_canonicalize(o1)
    };
    let v2 = if o2[0] == b'#' {
        o2.to_vec()
    } else {
        php_canonicalize(o2)
    };
    let at = |v: &[u8], p: usize| v.get(p).copied().unwrap_or(0);
    let (mut p1, mut p2) = (0usize, 0usize);
    let (mut n1, mut n2): (Option<usize>, Option<usize>) = (Some(0), Some(0));
    let mut compare = 0;
    while at(&v1, p1) != 0 && at(&v2, p2) != 0 && n1.is_some() && n2.is_some() {
        n1 = v1[p1..].iter().position(|&c| c == b'.').map(|i| p1 + i);
        n2 = v2[p2..].iter().position(|&c| c == b'.').map(|i| p2 + i);
        let s1 = &v1[p1..n1.unwrap_or(v1.len())];
        let s2 = &v2[p2..n2.unwrap_or(v2.len())];
        let d1 = at(s1, 0).is_ascii_digit();
        let d2 = at(s2, 0).is_ascii_digit();
        compare = if d1 && d2 {
            (strtol(s1) - strtol(s2)).signum() as i32
        } else if !d1 && !d2 {
            compare_special(s1, s2)
        } else if d1 {
            compare_special(b"#N#", s2)
        } else {
            compare_special(s1, b"#N#")
        };
        if compare != 0 {
            break;
        }
        if let Some(n) = n1 {
            p1 = n + 1;
        }
        if let Some(n) = n2 {
            p2 = n + 1;
        }
    }
    if compare == 0 {
        if n1.is_some() {
            compare = if at(&v1, p1).is_ascii_digit() {
                1
            } else {
                php_version_compare(&v1[p1.min(v1.len())..], b"#N#")
            };
        } else if n2.is_some() {
            compare = if at(&v2, p2).is_ascii_digit() {
                -1
            } else {
                php_version_compare(b"#N#", &v2[p2.min(v2.len())..])
            };
        }
    }
    compare
}

/// PHP's `version_compare($a, $b)` (without an operator).
pub fn version_compare(a: &str, b: &str) -> Ordering {
    // PHP passes C strings to the comparison.
    let cut = |s: &str| -> Vec<u8> { s.bytes().take_while(|&c| c != 0).collect() };
    php_version_compare(&cut(a), &cut(b)).cmp(&0)
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
            ("1.0.0", "1.0.0.0"),
            ("1.2.3.4", "1.2.3.4"),
            ("1", "1.0.0.0"),
            ("v1.0.0", "1.0.0.0"),
            ("V2.1", "2.1.0.0"),
            ("01.02.03", "01.02.03.0"),
            ("1.0.0-dev", "1.0.0.0-dev"),
            ("1.0.0.dev", "1.0.0.0-dev"),
            ("1.0.0-alpha", "1.0.0.0-alpha"),
            ("1.0.0-a1", "1.0.0.0-alpha1"),
            ("1.0.0alpha.2", "1.0.0.0-alpha2"),
            ("1.0.0-beta.1.2", "1.0.0.0-beta1.2"),
            ("1.0.0-b2", "1.0.0.0-beta2"),
            ("1.0.0-RC1", "1.0.0.0-RC1"),
            ("1.0.0-rc1", "1.0.0.0-RC1"),
            ("1.0.0.rc.1", "1.0.0.0-RC1"),
            ("1.0.0-p1", "1.0.0.0-patch1"),
            ("1.0.0-pl2", "1.0.0.0-patch2"),
            ("1.0.0-patch3", "1.0.0.0-patch3"),
            ("1.0.0-stable", "1.0.0.0"),
            ("1.0.0-stable-dev", "1.0.0.0"),
            ("1.0.0-STABLE", "1.0.0.0-stable"),
            ("1.0.0-beta2-dev", "1.0.0.0-beta2-dev"),
            ("1.0.0-beta-dev", "1.0.0.0-beta-dev"),
            ("1.0.0+build.5", "1.0.0.0"),
            ("1.0.0-beta+exp", "1.0.0.0-beta"),
            ("1.0.0@dev", "1.0.0.0"),
            ("1.0.0-beta@beta", "1.0.0.0-beta"),
            ("1.0.0 as 2.0.0", "1.0.0.0"),
            ("  1.0.0  ", "1.0.0.0"),
            ("20100102", "20100102"),
            ("20100102-203040", "20100102.203040"),
            ("2010.01.02", "2010.01.02.0"),
            ("2010-01-02", "2010.01.02"),
            ("2010-01-02.5", "2010.01.02.5"),
            ("20100102203040-10", "20100102203040.10"),
            ("20100102-203040-p1", "20100102.203040-patch1"),
            ("123456.0", "123456.0"),
            ("2023.01.01.01.01.01.001.001", "2023.01.01.01.01.01.001.001"),
            ("60669193203.5", "60669193203.5"),
            ("master", "dev-master"),
            ("trunk", "dev-trunk"),
            ("dev-master", "dev-master"),
            ("DEV-Feature/Foo", "dev-Feature/Foo"),
            ("dev-foo bar", "dev-foo bar"),
            ("1.x-dev", "1.9999999.9999999.9999999-dev"),
            ("1.2.x-dev", "1.2.9999999.9999999-dev"),
            ("1.2.*-dev", "1.2.9999999.9999999-dev"),
            ("v1.X.dev", "1.9999999.9999999.9999999-dev"),
            ("2.0-dev", "2.0.0.0-dev"),
            ("1.0.0-", "1.0.0.0"),
            ("123456", "123456"),
        ];
        for (input, want) in cases {
            assert_eq!(n(input), *want, "{input:?}");
        }
    }

    #[test]
    fn composer_3_3_dialect() {
        assert!(normalize_composer_3_3("2023.01.01.01.01.01.001.001").is_err());
        assert!(normalize_composer_3_3("60669193203.5").is_err());
        assert_eq!(normalize_composer_3_3("123456.0").unwrap(), "123456.0");
        assert_eq!(
            normalize_composer_3_3("1.0-beta2").unwrap(),
            "1.0.0.0-beta2"
        );
    }

    #[test]
    fn invalid() {
        for bad in [
            "",
            "foo",
            "dev",
            "1.0.0.0.0",
            "1.0.0-foo",
            "1.0.0-beta.a",
            "1.0.0 beta",
            "feature-dev",
            "1.x",
            "1.0,2.0",
            "Master",
        ] {
            assert!(normalize(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn php_version_compare_vectors() {
        let cases: &[(&str, &str, Ordering)] = &[
            ("1.0.0", "1.0.0", Equal),
            ("1.0", "1.0.0", Less),
            ("1.0.0-dev", "1.0.0-alpha", Less),
            ("1.0.0-alpha", "1.0.0-a", Equal),
            ("1.0.0-alpha", "1.0.0-beta", Less),
            ("1.0.0-beta", "1.0.0-RC", Less),
            ("1.0.0-RC", "1.0.0-rc", Equal),
            ("1.0.0-RC", "1.0.0", Less),
            ("1.0.0", "1.0.0-pl", Less),
            ("1.0.0-patch", "1.0.0-pl", Equal),
            ("1.0.0-foo", "1.0.0-dev", Less),
            ("1.0.0RC1", "1.0.0-RC1", Equal),
            ("1.0.0-beta10", "1.0.0-beta9", Greater),
            ("1.10", "1.9", Greater),
            ("01.1", "1.1", Equal),
            ("1.99999999999999999999", "1.99999999999999999998", Equal),
            ("", "", Equal),
            ("", "1", Less),
            ("#1", "1", Equal),
        ];
        for (a, b, want) in cases {
            assert_eq!(version_compare(a, b), *want, "{a} vs {b}");
            assert_eq!(version_compare(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn ordering() {
        let ordered = [
            "1.0.0-dev",
            "1.0.0-alpha1",
            "1.0.0-alpha2",
            "1.0.0-beta1",
            "1.0.0-beta2-dev",
            "1.0.0-beta2",
            "1.0.0-RC1",
            "1.0.0",
            "1.0.0-p1",
            "1.0.0.1",
            "1.0.1",
            "1.1.0",
            "1.1.x-dev",
        ];
        for (i, a) in ordered.iter().enumerate() {
            for (j, b) in ordered.iter().enumerate() {
                assert_eq!(compare(a, b).unwrap(), i.cmp(&j), "{a} vs {b}");
            }
        }
        let cases: &[(&str, &str, Ordering)] = &[
            ("v1.0.0", "1.0", Equal),
            ("1.0.0", "1.0.0.0", Equal),
            ("1.0.0-stable", "1.0.0", Equal),
            ("1.0.0+build1", "1.0.0+build2", Equal),
            ("1.0.0-a1", "1.0.0-alpha1", Equal),
            ("1.0.0-pl1", "1.0.0-patch1", Equal),
            ("dev-master", "0.0.1", Less),
            ("dev-a", "dev-b", Less),
            ("dev-", "dev-", Equal),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b).unwrap(), *want, "{a} vs {b}");
            assert_eq!(compare(b, a).unwrap(), want.reverse(), "{b} vs {a}");
        }
        assert!(parse("dev-main").unwrap().is_branch());
        assert!(!parse("1.0").unwrap().is_branch());
    }
}
