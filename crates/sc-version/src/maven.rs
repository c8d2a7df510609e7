//! Maven artifact versions, ordered exactly as Maven 3's
//! `org.apache.maven.artifact.versioning.ComparableVersion` orders them.
//!
//! Rule source: the POM reference's "Version Order Specification"
//! (maven.apache.org/pom.html) and `ComparableVersion` in maven-artifact
//! (identical in behaviour from Maven 3.8 through 3.9.x).
//!
//! Parsing (after lowercasing the whole string):
//!
//! * The string is split into *items* at `.` and `-` and at every transition
//!   between digits and non-digits.  A `.` or `-` with nothing before it
//!   contributes the number `0`.
//! * `-` starts a new *sub-list*, nested in the current one; so does a
//!   transition between digits and letters.  A qualifier that directly
//!   follows a `.` (as in `1.0.RC1`) also opens a sub-list, so that
//!   `1.0.X2 == 1.0-X2`.
//! * A digit run is a number (any size; leading zeros dropped).  A letter run
//!   is a qualifier: `a`, `b`, `m` *immediately followed by a digit* mean
//!   `alpha`, `beta`, `milestone`; `ga`, `final` and `release` mean the empty
//!   qualifier; `cr` means `rc`.
//! * Every list, innermost first, then drops its trailing "null" items (`0`,
//!   the empty qualifier, empty lists), scanning back past non-empty
//!   sub-lists: `1.0-1 == 1-1`, `1.0.0 == 1`, `1-ga == 1`.
//!
//! Ordering compares lists item by item, padding the shorter with "null":
//!
//! * qualifiers: `alpha < beta < milestone < rc < snapshot < "" < sp <` any
//!   other qualifier, others in lexical order;
//! * a number is newer than a qualifier or a sub-list; a sub-list is newer
//!   than a qualifier (`1-1 > 1-sp`, `1.1 > 1-1`);
//! * against padding, a number is newer unless it is `0`, a qualifier
//!   compares as against the empty qualifier (`1-rc < 1 < 1-sp`), and a
//!   sub-list compares item by item against padding.
//!
//! Faithful to Maven, numbers are typed by digit count after stripping
//! leading zeros (up to 9: int, up to 18: long, more: big integer) and a
//! number of a larger type is always newer — which matters only for runs of
//! ten or more zeros (`1.0000000000.5 > 1.5.5` in Maven).
//!
//! Every string is a valid Maven version.  Two deliberate differences from
//! the Java code, for inputs that do not occur in practice: only ASCII digits
//! count as digits (Java's `Character.isDigit` also accepts other Unicode
//! decimal digits), and strings that would nest more than 100 000 sub-lists
//! are rejected (Java needs no limit; here it bounds memory).  Maven 4
//! changed this algorithm (it adds "combination" items such as `rc1`); this
//! module follows Maven 3, which is what `mvn` and Maven Central tooling use.

use std::cmp::Ordering;
use std::fmt;

use crate::util::{cmp_digits, cmp_utf16};
use crate::{Ecosystem, Reason, VersionError};

const MAX_LISTS: usize = 100_000;

/// The numeric item type Maven would pick: `IntItem`, `LongItem` or
/// `BigIntegerItem`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum NumKind {
    Int,
    Long,
    Big,
}

#[derive(Debug, Clone)]
enum Item {
    /// A number: its Java type and canonical digits.
    Num(NumKind, String),
    /// A qualifier after aliasing.
    Str(String),
    /// A sub-list, by index into [`Version::lists`].
    List(usize),
}

/// A parsed Maven version: a tree of items stored as an arena of lists
/// (index 0 is the root), so that no operation recurses.
#[derive(Debug, Clone)]
pub struct Version {
    lists: Vec<Vec<Item>>,
}

/// Maven's qualifier order; an unknown qualifier sorts after all of them.
const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

fn comparable_qualifier(q: &str) -> String {
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => i.to_string(),
        None => format!("{}-{}", QUALIFIERS.len(), q),
    }
}

/// `comparableQualifier("")`, the release (no qualifier) rank.
const RELEASE_VERSION_INDEX: &str = "5";

fn string_item(value: &str, followed_by_digit: bool) -> Item {
    let mut v = value;
    if followed_by_digit && value.encode_utf16().count() == 1 {
        v = match value {
            "a" => "alpha",
            "b" => "beta",
            "m" => "milestone",
            other => other,
        };
    }
    let v = match v {
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        other => other,
    };
    Item::Str(v.to_owned())
}

fn parse_item(is_digit: bool, buf: &str) -> Item {
    if is_digit {
        // stripLeadingZeroes: keeps an all-zero string as it is.
        let stripped = match buf.find(|c| c != '0') {
            Some(i) => &buf[i..],
            None => buf,
        };
        let kind = match stripped.len() {
            0..=9 => NumKind::Int,
            10..=18 => NumKind::Long,
            _ => NumKind::Big,
        };
        Item::Num(kind, crate::util::canonical_digits(stripped))
    } else {
        string_item(buf, false)
    }
}

impl Version {
    fn is_null(&self, item: &Item) -> bool {
        match item {
            Item::Num(_, v) => v == "0",
            Item::Str(s) => s.is_empty(),
            Item::List(i) => self.lists[*i].is_empty(),
        }
    }

    fn normalize(&mut self, idx: usize) {
        let mut i = self.lists[idx].len();
        while i > 0 {
            i -= 1;
            let item = &self.lists[idx][i];
            if self.is_null(item) {
                self.lists[idx].remove(i);
            } else if !matches!(item, Item::List(_)) {
                break;
            }
        }
    }

    /// Maven's canonical form (`ComparableVersion#getCanonical`).
    pub fn canonical(&self) -> String {
        // Iterative rendering: (list, next item, rendered so far).
        let mut stack: Vec<(usize, usize, String)> = vec![(0, 0, String::new())];
        loop {
            let top = stack.len() - 1;
            let (list, k) = (stack[top].0, stack[top].1);
            if k >= self.lists[list].len() {
                let (_, _, done) = stack.pop().unwrap_or_default();
                match stack.last_mut() {
                    None => return done,
                    Some((_, _, parent)) => {
                        if !parent.is_empty() {
                            parent.push('-');
                        }
                        parent.push_str(&done);
                        continue;
                    }
                }
            }
            stack[top].1 += 1;
            match &self.lists[list][k] {
                Item::List(child) => stack.push((*child, 0, String::new())),
                Item::Num(_, s) | Item::Str(s) => {
                    let buf = &mut stack[top].2;
                    if !buf.is_empty() {
                        buf.push('.');
                    }
                    buf.push_str(s);
                }
            }
        }
    }
}

/// Canonical form, as Maven prints it.
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

/// Parses a Maven version (never fails for realistic input).
pub fn parse(s: &str) -> Result<Version, VersionError> {
    parse_inner(s).map_err(|r| VersionError::new(Ecosystem::Maven, s, r))
}

/// Orders two Maven versions.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(parse(a)?.cmp(&parse(b)?))
}

pub(crate) fn parse_inner(s: &str) -> Result<Version, Reason> {
    let lower = s.to_lowercase();
    let chars: Vec<(usize, char)> = lower.char_indices().collect();
    let byte_at = |i: usize| chars.get(i).map_or(lower.len(), |&(b, _)| b);
    let sub = |from: usize, to: usize| &lower[byte_at(from)..byte_at(to)];

    let mut v = Version {
        lists: vec![Vec::new()],
    };
    let mut cur = 0usize;
    let mut stack = vec![0usize];
    let mut is_digit = false;
    let mut start = 0usize;

    let new_list =
        |v: &mut Version, cur: &mut usize, stack: &mut Vec<usize>| -> Result<(), Reason> {
            if v.lists.len() >= MAX_LISTS {
                return Err(format!("more than {MAX_LISTS} nested sub-lists"));
            }
            let idx = v.lists.len();
            v.lists.push(Vec::new());
            v.lists[*cur].push(Item::List(idx));
            *cur = idx;
            stack.push(idx);
            Ok(())
        };

    for (i, &(_, c)) in chars.iter().enumerate() {
        if c == '.' || c == '-' {
            let item = if i == start {
                Item::Num(NumKind::Int, "0".into())
            } else {
                parse_item(is_digit, sub(start, i))
            };
            v.lists[cur].push(item);
            start = i + 1;
            if c == '-' {
                new_list(&mut v, &mut cur, &mut stack)?;
            }
        } else if c.is_ascii_digit() {
            if !is_digit && i > start {
                // 1.0.0.X1 < 1.0.0-X2: treat .X as -X for any qualifier X.
                if !v.lists[cur].is_empty() {
                    new_list(&mut v, &mut cur, &mut stack)?;
                }
                let item = string_item(sub(start, i), true);
                v.lists[cur].push(item);
                start = i;
                new_list(&mut v, &mut cur, &mut stack)?;
            }
            is_digit = true;
        } else {
            if is_digit && i > start {
                let item = parse_item(true, sub(start, i));
                v.lists[cur].push(item);
                start = i;
                new_list(&mut v, &mut cur, &mut stack)?;
            }
            is_digit = false;
        }
    }
    if chars.len() > start {
        if !is_digit && !v.lists[cur].is_empty() {
            new_list(&mut v, &mut cur, &mut stack)?;
        }
        let item = parse_item(is_digit, sub(start, chars.len()));
        v.lists[cur].push(item);
    }
    while let Some(idx) = stack.pop() {
        v.normalize(idx);
    }
    Ok(v)
}

/// One step of the comparison: a non-null item ("receiver", as in Java's
/// `receiver.compareTo(other)`) against another item or padding.
enum Step<'a> {
    Done(Ordering),
    Descend(Frame<'a>),
}

struct Frame<'a> {
    x: &'a Version,
    xl: usize,
    /// The other list, or `None` when comparing `xl` against padding.
    y: Option<(&'a Version, usize)>,
    k: usize,
    /// Whether results from this frame must be reversed (Java's
    /// `-1 * r.compareTo(l)`).
    neg: bool,
}

fn step<'a>(
    xv: &'a Version,
    x: &'a Item,
    other: Option<(&'a Version, &'a Item)>,
    neg: bool,
) -> Step<'a> {
    use Ordering::*;
    let res = match (x, other) {
        (Item::List(i), None) => {
            return Step::Descend(Frame {
                x: xv,
                xl: *i,
                y: None,
                k: 0,
                neg,
            })
        }
        (Item::List(i), Some((yv, Item::List(j)))) => {
            return Step::Descend(Frame {
                x: xv,
                xl: *i,
                y: Some((yv, *j)),
                k: 0,
                neg,
            })
        }
        (Item::List(_), Some((_, Item::Num(..)))) => Less,
        (Item::List(_), Some((_, Item::Str(_)))) => Greater,
        (Item::Num(_, v), None) => {
            if v == "0" {
                Equal
            } else {
                Greater
            }
        }
        (Item::Num(k1, a), Some((_, Item::Num(k2, b)))) => k1
            .cmp(k2)
            .then_with(|| cmp_digits(a.as_bytes(), b.as_bytes())),
        (Item::Num(..), Some(_)) => Greater,
        (Item::Str(s), None) => cmp_utf16(&comparable_qualifier(s), RELEASE_VERSION_INDEX),
        (Item::Str(a), Some((_, Item::Str(b)))) => {
            cmp_utf16(&comparable_qualifier(a), &comparable_qualifier(b))
        }
        (Item::Str(_), Some(_)) => Less,
    };
    Step::Done(if neg { res.reverse() } else { res })
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
        let mut stack = vec![Frame {
            x: self,
            xl: 0,
            y: Some((other, 0)),
            k: 0,
            neg: false,
        }];
        while let Some(top) = stack.last_mut() {
            let k = top.k;
            top.k += 1;
            let (x, neg) = (top.x, top.neg);
            let l = x.lists[top.xl].get(k);
            let s = match top.y {
                None => match l {
                    None => {
                        stack.pop();
                        continue;
                    }
                    Some(item) => step(x, item, None, neg),
                },
                Some((y, yl)) => {
                    let r = y.lists[yl].get(k);
                    match (l, r) {
                        (None, None) => {
                            stack.pop();
                            continue;
                        }
                        // Java: -1 * r.compareTo(null)
                        (None, Some(ri)) => step(y, ri, None, !neg),
                        (Some(li), r) => step(x, li, r.map(|ri| (y, ri)), neg),
                    }
                }
            };
            match s {
                Step::Done(Ordering::Equal) => {}
                Step::Done(o) => return o,
                Step::Descend(f) => stack.push(f),
            }
        }
        Ordering::Equal
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn canon(s: &str) -> String {
        parse(s).unwrap().canonical()
    }

    #[test]
    fn canonical_forms() {
        let cases: &[(&str, &str)] = &[
            ("1", "1"),
            ("1.0", "1"),
            ("1.0.0", "1"),
            ("1.0-alpha", "1-alpha"),
            ("1.0.RC1", "1-rc-1"),
            ("1.0-rc1", "1-rc-1"),
            ("1.0-cr1", "1-rc-1"),
            ("1-a1", "1-alpha-1"),
            ("1-b2", "1-beta-2"),
            ("1-m3", "1-milestone-3"),
            ("1-a", "1-a"),
            ("1-ga", "1"),
            ("1-final", "1"),
            ("1-release", "1"),
            ("1.0-SNAPSHOT", "1-snapshot"),
            ("1.0-1", "1-1"),
            ("1.0.0-0.0.0", "1"),
            ("1-1.foo-bar1baz-.1", "1-1.foo-bar-1-baz-0.1"),
            ("1.0.0.0010", "1.0.0.10"),
            ("1.0000000000", "1"),
            ("", ""),
            ("-", ""),
            ("a", "a"),
            ("1a", "1-a"),
            ("a1", "alpha-1"),
            ("1.2.3-4.5.6", "1.2.3-4.5.6"),
        ];
        for (input, want) in cases {
            assert_eq!(canon(input), *want, "{input:?}");
        }
    }

    #[test]
    fn ordering_chain() {
        // Examples from the POM reference's version order specification.
        let ordered = [
            "1-alpha",
            "1-alpha-1",
            "1-beta",
            "1-milestone",
            "1-rc",
            "1-snapshot",
            "1",
            "1-sp",
            "1-abc",
            "1-xyz",
            "1-1",
            "1.1",
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
            ("1", "1.0.0", Equal),
            ("1-ga", "1", Equal),
            ("1-GA", "1-FINAL", Equal),
            ("1.0-RELEASE", "1", Equal),
            ("1-cr1", "1-rc1", Equal),
            ("1-a1", "1-alpha-1", Equal),
            ("1-alpha1", "1-alpha-1", Equal),
            ("1.0.RC1", "1.0-RC1", Equal),
            ("1.0.0.X1", "1.0.0-X1", Equal),
            ("1.0.RC2", "1.0-RC3", Less),
            ("1.0-RC3", "1.0.1", Less),
            ("1-a", "1", Greater), // "a" not followed by a digit is unknown
            ("1-a1", "1", Less),
            ("1.0-SNAPSHOT", "1.0", Less),
            ("1.0-SNAPSHOT", "1.0-rc1", Greater),
            ("1.0.1-SNAPSHOT", "1.0", Greater),
            ("1-sp", "1-sp1", Less),
            ("1-sp1", "1.0.1", Less),
            ("1-1", "1-sp", Greater),
            ("1.1", "1-1", Greater),
            ("1-1", "1.0.0-1", Equal),
            ("1.0.0-1", "1.0.1-1", Less),
            ("2.0", "2.0.0.0.1", Less),
            ("2.0.a", "2.0", Greater),
            ("2.0-a", "2.0", Greater),
            ("1.0-alpha-1", "1.0-alpha-1.0", Equal),
            ("1.0-alpha-1", "1.0-alpha-2", Less),
            ("1.0-alpha-2", "1.0-alpha-10", Less),
            ("1.0-beta", "1.0-alpha-10", Greater),
            ("1.0-abc", "1.0-abd", Less),
            ("1.0-zzz", "1.0-sp", Greater),
            ("1.0-snapshot", "1.0-SNAPSHOT", Equal),
            ("1.2.3.4.5.6.7.8.9.10", "1.2.3.4.5.6.7.8.9.9", Greater),
            ("1.99999999999999999999", "1.99999999999999999998", Greater),
            ("1.1234567890", "1.999999999", Greater),
            ("1.123456789", "1.1234567890", Less),
            // Maven's typing quirk: ten zeros make a "long" 0.
            ("1.0000000000.5", "1.5.5", Greater),
            ("1.0000000000", "1", Equal),
            ("1-1-1", "1-1", Greater),
            ("1-1-alpha", "1-1", Less),
            ("1.0-", "1.0", Equal),
            ("1..1", "1.0.1", Equal),
            ("", "0", Equal),
            ("", "1", Less),
            ("a", "b", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b).unwrap(), *want, "{a} vs {b}");
            assert_eq!(compare(b, a).unwrap(), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn deep_nesting_is_iterative() {
        let deep = "1-".repeat(30_000);
        let a = parse(&deep).unwrap();
        let b = parse(&format!("{deep}2")).unwrap();
        assert_eq!(a.cmp(&b), Less);
        assert_eq!(a.canonical().len(), 30_000 * 2 - 1);
        assert!(parse(&"1-".repeat(MAX_LISTS + 1)).is_err());
    }
}
