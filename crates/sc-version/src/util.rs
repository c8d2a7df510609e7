//! Small helpers shared by the ecosystem modules.

use std::cmp::Ordering;

/// `s` without its leading ASCII `'0'`s (may become empty).
pub(crate) fn strip_zeros(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&c| c == b'0').count();
    &s[n..]
}

/// Numeric comparison of two ASCII digit strings of any length.
pub(crate) fn cmp_digits(a: &[u8], b: &[u8]) -> Ordering {
    let a = strip_zeros(a);
    let b = strip_zeros(b);
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// A digit string in canonical form: no leading zeros, `"0"` for zero.
pub(crate) fn canonical_digits(s: &str) -> String {
    let t = strip_zeros(s.as_bytes());
    if t.is_empty() {
        "0".to_owned()
    } else {
        // Only ASCII zeros were removed, so this is still valid UTF-8.
        String::from_utf8_lossy(t).into_owned()
    }
}

/// Parses an ASCII digit string as a `u64`; `None` if empty, not all digits,
/// or too large.
pub(crate) fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut v: u64 = 0;
    for c in s.bytes() {
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(v)
}

pub(crate) fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

/// Number of leading bytes of `s` satisfying `f`.
pub(crate) fn span(s: &[u8], f: impl Fn(u8) -> bool) -> usize {
    s.iter().take_while(|&&c| f(c)).count()
}

/// Compares two strings by UTF-16 code units, as Java's `String.compareTo`
/// and JavaScript's `<` do.
pub(crate) fn cmp_utf16(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits() {
        assert_eq!(cmp_digits(b"010", b"10"), Ordering::Equal);
        assert_eq!(cmp_digits(b"9", b"10"), Ordering::Less);
        assert_eq!(cmp_digits(b"", b"0"), Ordering::Equal);
        assert_eq!(
            cmp_digits(b"99999999999999999999999", b"99999999999999999999998"),
            Ordering::Greater
        );
        assert_eq!(canonical_digits("000"), "0");
        assert_eq!(canonical_digits("0012"), "12");
        assert_eq!(parse_u64("18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64("18446744073709551616"), None);
        assert_eq!(parse_u64(""), None);
        assert_eq!(parse_u64("1a"), None);
        assert_eq!(cmp_utf16("\u{ffff}", "\u{10000}"), Ordering::Greater);
    }
}
