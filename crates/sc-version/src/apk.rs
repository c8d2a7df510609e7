//! Alpine (apk) package versions, also used by Wolfi, Chainguard, MinimOS,
//! Alpaquita and BellSoft Hardened Containers.
//!
//! Rule source: apk-tools `src/version.c` (apk-tools 3.x, the tokenizer
//! `token_first`/`token_next`, `token_cmp` and `apk_version_compare`), and
//! the format described in apk-tools' `apk-package(5)` /
//! `apk version --help`:
//! `digit{.digit}...{letter}{_suffix{digits}}...{~hash}{-r#}`.
//!
//! Tokens are read left to right; each kind may only follow certain kinds,
//! otherwise the version is *invalid* from that point on:
//!
//! * the first number, then `.number` components — numbers compare
//!   numerically, except that a `.`-component with a leading zero on either
//!   side compares as a string (`1.01 < 1.1`, `1.010 > 1.01`);
//! * one lowercase letter directly after a number (`1.2a`), by byte value;
//! * `_suffix[number]`, repeatable: pre-release suffixes `alpha < beta < pre
//!   < rc` sort *before* the bare version, post-release suffixes `cvs < svn <
//!   git < hg < p` after it;
//! * `~hash` (lowercase hex), compared as a string;
//! * `-rN`, the package revision, numerically.
//!
//! Two versions are compared token by token while the token kinds agree.  At
//! the first difference in kind, a pre-release suffix is older than anything;
//! otherwise the version whose token kind comes *earlier* in the list above is
//! newer (so `1.2.1 > 1.2a > 1.2_p1 > 1.2-r1 > 1.2 > 1.2_rc1`), and the end of
//! the string is newer than an invalid token.  Two versions that turn invalid
//! at the same token, after equal prefixes, are equal.
//!
//! That is exactly apk-tools' behaviour, including for invalid versions:
//! parsing never fails; [`Version::is_valid`] (apk's `apk_version_validate`,
//! which `apk version -t` applies before comparing) tells whether the whole
//! string was well formed.
//!
//! One deliberate difference: apk-tools accumulates numbers in a `uint64_t`
//! that silently wraps; this module compares numeric components of any length
//! exactly.  The two agree for every component below 2^64.
//!
//! apk-tools 2.x (Alpine ≤ 3.22) used an older tokenizer that also accepted a
//! number after a letter (`1.2a3`), treated leading zeros differently and had
//! no `~hash`; the orders agree on the versions Alpine actually publishes.

use std::cmp::Ordering;
use std::fmt;

use crate::util::cmp_digits;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    InitialDigit = 0,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    CommitHash,
    RevisionNo,
    End,
    Invalid,
}

// Suffix values in apk's order; NONE separates pre- from post-release.
const SUFFIX_ALPHA: u8 = 1;
const SUFFIX_BETA: u8 = 2;
const SUFFIX_PRE: u8 = 3;
const SUFFIX_RC: u8 = 4;
const SUFFIX_NONE: u8 = 5;
const SUFFIX_CVS: u8 = 6;
const SUFFIX_SVN: u8 = 7;
const SUFFIX_GIT: u8 = 8;
const SUFFIX_HG: u8 = 9;
const SUFFIX_P: u8 = 10;

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Kind,
    suffix: u8,
    start: usize,
    end: usize,
}

/// A tokenized apk version.  Never invalid to construct; see
/// [`Version::is_valid`].
#[derive(Debug, Clone)]
pub struct Version {
    text: String,
    tokens: Vec<Token>,
}

impl Version {
    /// Tokenizes `s` the way apk-tools does.  Never fails.
    pub fn new(s: &str) -> Version {
        Version {
            text: s.to_owned(),
            tokens: tokenize(s.as_bytes()),
        }
    }

    /// Whether apk-tools considers the whole string a valid version
    /// (`apk_version_validate`).
    pub fn is_valid(&self) -> bool {
        self.tokens.last().is_some_and(|t| t.kind == Kind::End)
    }

    /// The input string.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn value(&self, t: &Token) -> &[u8] {
        &self.text.as_bytes()[t.start..t.end]
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Parses an apk version (never fails; see the module documentation).
pub fn parse(s: &str) -> Version {
    Version::new(s)
}

/// Orders two apk version strings exactly as `apk_version_compare` does.
pub fn compare(a: &str, b: &str) -> Ordering {
    Version::new(a).cmp(&Version::new(b))
}

/// Whether `s` is a valid apk version.
pub fn is_valid(s: &str) -> bool {
    Version::new(s).is_valid()
}

fn suffix_value(s: &[u8]) -> Option<u8> {
    Some(match s {
        b"alpha" => SUFFIX_ALPHA,
        b"beta" => SUFFIX_BETA,
        b"pre" => SUFFIX_PRE,
        b"rc" => SUFFIX_RC,
        b"cvs" => SUFFIX_CVS,
        b"svn" => SUFFIX_SVN,
        b"git" => SUFFIX_GIT,
        b"hg" => SUFFIX_HG,
        b"p" => SUFFIX_P,
        _ => return None,
    })
}

fn tokenize(b: &[u8]) -> Vec<Token> {
    let mut out = Vec::new();
    // apk reads the string as a C blob that also stops at NUL when pulling
    // numbers; a NUL anywhere else is simply an invalid character.
    let digits_at = |p: usize| p + b[p..].iter().take_while(|c| c.is_ascii_digit()).count();

    // token_first
    let end = digits_at(0);
    let mut cur = Token {
        kind: if end == 0 {
            Kind::Invalid
        } else {
            Kind::InitialDigit
        },
        suffix: 0,
        start: 0,
        end,
    };
    let mut pos = end;
    loop {
        out.push(cur);
        if cur.kind >= Kind::End {
            return out;
        }
        // token_next
        let prev = cur.kind;
        let invalid = Token {
            kind: Kind::Invalid,
            suffix: 0,
            start: pos,
            end: pos,
        };
        if pos >= b.len() {
            cur = Token {
                kind: Kind::End,
                suffix: 0,
                start: pos,
                end: pos,
            };
            continue;
        }
        cur = match b[pos] {
            b'a'..=b'z' => {
                if prev > Kind::Digit {
                    invalid
                } else {
                    pos += 1;
                    Token {
                        kind: Kind::Letter,
                        suffix: 0,
                        start: pos - 1,
                        end: pos,
                    }
                }
            }
            c @ (b'.' | b'0'..=b'9') => {
                if c == b'.' && prev > Kind::Digit {
                    invalid
                } else {
                    if c == b'.' {
                        pos += 1;
                    }
                    let kind = match prev {
                        Kind::InitialDigit | Kind::Digit => Some(Kind::Digit),
                        Kind::Suffix => Some(Kind::SuffixNo),
                        _ => None,
                    };
                    match kind {
                        None => invalid,
                        Some(kind) => {
                            let start = pos;
                            pos = digits_at(pos);
                            if pos == start {
                                invalid
                            } else {
                                Token {
                                    kind,
                                    suffix: 0,
                                    start,
                                    end: pos,
                                }
                            }
                        }
                    }
                }
            }
            b'_' => {
                if prev > Kind::SuffixNo {
                    invalid
                } else {
                    pos += 1;
                    let start = pos;
                    pos += b[pos..]
                        .iter()
                        .take_while(|c| c.is_ascii_lowercase())
                        .count();
                    match suffix_value(&b[start..pos]) {
                        Some(sv) => Token {
                            kind: Kind::Suffix,
                            suffix: sv,
                            start,
                            end: pos,
                        },
                        None => invalid,
                    }
                }
            }
            b'~' => {
                if prev >= Kind::CommitHash {
                    invalid
                } else {
                    pos += 1;
                    let start = pos;
                    pos += b[pos..]
                        .iter()
                        .take_while(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
                        .count();
                    if pos == start {
                        invalid
                    } else {
                        Token {
                            kind: Kind::CommitHash,
                            suffix: 0,
                            start,
                            end: pos,
                        }
                    }
                }
            }
            b'-' => {
                if prev >= Kind::RevisionNo || b.get(pos + 1) != Some(&b'r') {
                    invalid
                } else {
                    pos += 2;
                    let start = pos;
                    pos = digits_at(pos);
                    if pos == start {
                        invalid
                    } else {
                        Token {
                            kind: Kind::RevisionNo,
                            suffix: 0,
                            start,
                            end: pos,
                        }
                    }
                }
            }
            _ => invalid,
        };
    }
}

fn token_cmp(va: &Version, ta: &Token, vb: &Version, tb: &Token) -> Ordering {
    let (a, b) = (va.value(ta), vb.value(tb));
    match ta.kind {
        Kind::Digit if a.first() == Some(&b'0') || b.first() == Some(&b'0') => a.cmp(b),
        Kind::Digit | Kind::InitialDigit | Kind::SuffixNo | Kind::RevisionNo => cmp_digits(a, b),
        Kind::Letter => a.first().cmp(&b.first()),
        Kind::Suffix => ta.suffix.cmp(&tb.suffix),
        _ => a.cmp(b),
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
        let mut i = 0;
        loop {
            // Both token lists end with End or Invalid, and we only advance
            // past tokens of equal kind below End, so both indexes exist.
            let (ta, tb) = (&self.tokens[i], &other.tokens[i]);
            if ta.kind != tb.kind || ta.kind >= Kind::End {
                if ta.kind == tb.kind {
                    return Ordering::Equal;
                }
                if ta.kind == Kind::Suffix && ta.suffix < SUFFIX_NONE {
                    return Ordering::Less;
                }
                if tb.kind == Kind::Suffix && tb.suffix < SUFFIX_NONE {
                    return Ordering::Greater;
                }
                return if ta.kind > tb.kind {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
            }
            let r = token_cmp(self, ta, other, tb);
            if r != Ordering::Equal {
                return r;
            }
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn ordering_vectors() {
        let cases: &[(&str, &str, Ordering)] = &[
            ("1.0", "1.0", Equal),
            ("1.0", "1.0-r0", Less),
            ("1.0-r0", "1.0-r1", Less),
            ("1.0-r9", "1.0-r10", Less),
            ("1.2", "1.10", Less),
            ("1.2.3", "1.2", Greater),
            ("1.2.3", "1.2.3.0", Less),
            ("2", "1.99", Greater),
            // Pre-release suffixes sort before the bare version.
            ("1.0_alpha", "1.0_beta", Less),
            ("1.0_beta", "1.0_pre", Less),
            ("1.0_pre", "1.0_rc", Less),
            ("1.0_rc", "1.0", Less),
            ("1.0_rc1", "1.0_rc2", Less),
            ("1.0_rc2", "1.0_rc10", Less),
            ("1.0_rc", "1.0_rc1", Less),
            ("1.0_rc1-r5", "1.0-r0", Less),
            ("1.0_alpha", "1.0-r0", Less),
            // Post-release suffixes after it.
            ("1.0", "1.0_cvs", Less),
            ("1.0_cvs", "1.0_svn", Less),
            ("1.0_svn", "1.0_git", Less),
            ("1.0_git", "1.0_hg", Less),
            ("1.0_hg", "1.0_p", Less),
            ("1.0_p1", "1.0_p2", Less),
            ("1.0_p1", "1.0.1", Less),
            ("1.0_git20240101", "1.0_p0", Less),
            // Letters.
            ("1.0a", "1.0b", Less),
            ("1.0", "1.0a", Less),
            ("1.0z", "1.0.1", Less),
            ("1.0a", "1.0_p1", Greater),
            ("1.0a", "1.0a_p1", Less),
            // Revision vs suffixes: a post suffix beats a bare revision.
            ("1.0-r5", "1.0_p1", Less),
            ("1.0_p1-r0", "1.0_p1", Greater),
            // Multiple suffixes.
            ("1.0_alpha1_p2", "1.0_alpha1", Greater),
            ("1.0_alpha1_p2", "1.0_alpha2", Less),
            ("1.0_rc1_pre2", "1.0_rc1", Less),
            // Leading zeros compare as strings after a dot.
            ("1.01", "1.1", Less),
            ("1.010", "1.01", Greater),
            ("1.001", "1.01", Less),
            ("1.0", "1.00", Less),
            ("1.09", "1.1", Less),
            // ... but not in the first component or in numbers after suffixes.
            ("01.1", "1.1", Equal),
            ("1.0_rc01", "1.0_rc1", Equal),
            ("1.0-r01", "1.0-r1", Equal),
            // Commit hashes.
            ("1.0~abc", "1.0~abd", Less),
            // A hash token is newer than the end of the string or a revision.
            ("1.0~abc", "1.0", Greater),
            ("1.0~abc-r1", "1.0-r1", Greater),
            ("1.0~abc", "1.0_p1", Less),
            ("1.0_git1~beef", "1.0_git1~beef-r1", Less),
            // Big numbers compare exactly.
            ("1.99999999999999999999", "1.99999999999999999998", Greater),
            (
                "1.0-r99999999999999999999",
                "1.0-r100000000000000000000",
                Less,
            ),
        ];
        for (a, b, want) in cases {
            assert!(is_valid(a), "{a} should be valid");
            assert!(is_valid(b), "{b} should be valid");
            assert_eq!(compare(a, b), *want, "{a} vs {b}");
            assert_eq!(compare(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn validity() {
        for bad in [
            "",
            "a",
            "1.",
            "1..2",
            ".1",
            "1a2",
            "1a.2",
            "1ab",
            "1.0_",
            "1.0_foo",
            "1.0_RC1",
            "1.0_rc1.2",
            "1.0-r",
            "1.0-1",
            "1.0-r1-r2",
            "1.0-r1_p1",
            "1.0~",
            "1.0~xyz",
            "1.0~abc~def",
            "1.0 ",
            "1.0A",
            "v1.0",
            "1.0-r1a",
        ] {
            assert!(!is_valid(bad), "{bad:?} should be invalid");
        }
        for good in [
            "0",
            "1",
            "1.2.3",
            "1.2.3a",
            "1.2.3_rc1",
            "1.2.3_rc",
            "1.2.3_alpha1_p2",
            "1.2.3_p1-r2",
            "1.2.3~abc123",
            "1.2.3_git20200101~abcdef-r0",
            "20240101",
            "1.0_rc1~ff",
        ] {
            assert!(is_valid(good), "{good:?} should be valid");
        }
    }

    #[test]
    fn invalid_versions_order_like_apk() {
        // The end of a valid version is newer than an invalid token.
        assert_eq!(compare("1.0", "1.0_foo"), Greater);
        assert_eq!(compare("1.0", "1.0.x"), Greater);
        // ... and than an invalid token where the other has a valid one.
        assert_eq!(compare("1.0_foo", "1.0_rc1"), Greater);
        assert_eq!(compare("1.0_foo", "1.0-r1"), Less);
        // Equal prefixes that turn invalid at the same point are equal,
        // whatever follows.
        assert_eq!(compare("1.0_foo", "1.0_bar"), Equal);
        assert_eq!(compare("", "abc"), Equal);
        assert_eq!(compare("", "0"), Less);
        // Differences before the invalid point still count.
        assert_eq!(compare("1.1_foo", "1.0_bar"), Greater);
    }
}
