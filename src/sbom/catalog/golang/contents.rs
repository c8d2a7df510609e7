//! syft's "version from contents" guess for a `(devel)` main module, over a
//! stream.
//!
//! syft 1.18 (setting `from-contents`, on by default) looks for the first
//! match of `(\x00|\x{FFFD})(.L)?(?P<version>v?(\d+\.\d+\.\d+[-\w]*[+\w]*))\x00`
//! in the whole binary read as a Go string (invalid UTF-8 bytes decode to
//! U+FFFD) and takes `version` as the main module's version when no
//! `-ldflags` version is recorded. It finds the `-X …version=2.8.2+ds1`
//! strings of Debian-built Go programs, for instance.
//!
//! Every match is a maximal run of `[0-9A-Za-z_.+-]` bytes (a "word")
//! followed by a NUL byte and preceded by a NUL or U+FFFD rune, either
//! directly (the word is the version) or through `.L` (the word is `L` +
//! version after a rune of any kind, or one character + `L` + version). So
//! the matcher looks at each `.` between two digits, takes the word around
//! it, and checks the word, its terminator and the few bytes before it:
//! words are checked in file order, so the first hit is the leftmost match.
//! A rune boundary before a word is known from at most 4 bytes (UTF-8 lead
//! bytes always start a rune), so 8 bytes of context suffice.
//!
//! Bounds: words longer than 256 bytes are not considered (a version never
//! is that long); memory is one word and its context carried between chunks.

/// Longest word considered.
const CAP: usize = 256;
/// Context kept before a word.
const CTX: usize = 8;

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'+' | b'-')
}

/// `v?\d+\.\d+\.\d+[-\w]*[+\w]*`, whole.
pub(crate) fn is_version(r: &[u8]) -> bool {
    let mut i = usize::from(r.first() == Some(&b'v'));
    for part in 0..3 {
        let start = i;
        while i < r.len() && r[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
        if part < 2 {
            if r.get(i) != Some(&b'.') {
                return false;
            }
            i += 1;
        }
    }
    let w = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut plus = false;
    for &b in &r[i..] {
        match b {
            b'+' => plus = true,
            b'-' if !plus => {}
            _ if w(b) => {}
            _ => return false,
        }
    }
    true
}

/// The rune that ends exactly at the end of `ctx`: `Some(Some(c))` for a
/// valid character, `Some(None)` for an invalid byte (decoded as U+FFFD),
/// `None` when `ctx` is empty. Also its width.
fn last_rune(ctx: &[u8]) -> Option<(Option<char>, usize)> {
    let last = *ctx.last()?;
    if last < 0x80 {
        return Some((Some(last as char), 1));
    }
    for n in 2..=4.min(ctx.len()) {
        if let Ok(s) = std::str::from_utf8(&ctx[ctx.len() - n..]) {
            if let Some(c) = s.chars().next() {
                if c.len_utf8() == n {
                    return Some((Some(c), n));
                }
            }
        }
    }
    Some((None, 1))
}

fn is_prefix_rune(r: Option<(Option<char>, usize)>) -> bool {
    matches!(r, Some((None, _)) | Some((Some('\0' | '\u{FFFD}'), _)))
}

/// The version a word yields, given the bytes before it (≤ [`CTX`]). The
/// three ways a word can match exclude one another.
fn check_word(ctx: &[u8], word: &[u8]) -> Option<String> {
    let version = |r: &[u8]| is_version(r).then(|| String::from_utf8_lossy(r).into_owned());
    if is_prefix_rune(last_rune(ctx)) {
        // The word itself, after a NUL or U+FFFD.
        if let Some(v) = version(word) {
            return Some(v);
        }
        // One character of the word, `L`, the version.
        if word.len() > 2 && word[1] == b'L' {
            if let Some(v) = version(&word[2..]) {
                return Some(v);
            }
        }
    }
    // `L` + version, after a rune other than a newline that follows a NUL or U+FFFD.
    if word.first() == Some(&b'L') {
        let (x, width) = last_rune(ctx)?;
        if x != Some('\n') && is_prefix_rune(last_rune(&ctx[..ctx.len() - width])) {
            return version(&word[1..]);
        }
    }
    None
}

/// The streaming matcher.
#[derive(Debug, Default)]
pub(crate) struct ContentsVersion {
    /// Tail of the stream carried into the next chunk: context bytes, then
    /// an unfinished word.
    carry: Vec<u8>,
    /// How many of `carry`'s first bytes are context only.
    carry_ctx: usize,
    /// `carry` starts inside a word longer than [`CAP`].
    carry_truncated: bool,
    found: Option<String>,
}

impl ContentsVersion {
    /// The first match, once found.
    pub(crate) fn found(&self) -> Option<&str> {
        self.found.as_deref()
    }

    /// Feed the next chunk of the file.
    pub(crate) fn feed(&mut self, chunk: &[u8]) {
        if self.found.is_some() || chunk.is_empty() {
            return;
        }
        if self.carry.is_empty() {
            self.scan(chunk, 0, false);
        } else {
            let mut buf = std::mem::take(&mut self.carry);
            buf.extend_from_slice(chunk);
            let (skip, truncated) = (self.carry_ctx, self.carry_truncated);
            self.scan(&buf, skip, truncated);
        }
    }

    /// Look at `buf` from index `from`; `truncated`: `buf` starts inside an
    /// over-long word.
    fn scan(&mut self, buf: &[u8], from: usize, truncated: bool) {
        let mut from = from;
        while let Some(k) = memchr::memchr(b'.', &buf[from..]) {
            let d = from + k;
            from = d + 1;
            if d == 0 || d + 1 >= buf.len() {
                continue; // the word is finished in the carry pass
            }
            if !(buf[d - 1].is_ascii_digit() && buf[d + 1].is_ascii_digit()) {
                continue;
            }
            let mut a = d;
            while a > 0 && is_word_byte(buf[a - 1]) && d - a <= CAP {
                a -= 1;
            }
            let mut z = d + 1;
            while z < buf.len() && is_word_byte(buf[z]) && z - a <= CAP {
                z += 1;
            }
            if z - a > CAP || (a > 0 && is_word_byte(buf[a - 1])) || (a == 0 && truncated) {
                // Longer than any version: skip the rest of the word.
                while z < buf.len() && is_word_byte(buf[z]) {
                    z += 1;
                }
                if z == buf.len() {
                    break; // carried, marked truncated
                }
                from = z;
                continue;
            }
            if z == buf.len() {
                break; // unfinished: carried
            }
            from = z;
            if buf[z] != 0 {
                continue;
            }
            if let Some(v) = check_word(&buf[a.saturating_sub(CTX)..a], &buf[a..z]) {
                self.found = Some(v);
                return;
            }
        }
        // Carry the trailing word (if any) and the context before it.
        let mut t = buf.len();
        while t > 0 && is_word_byte(buf[t - 1]) && buf.len() - t <= CAP {
            t -= 1;
        }
        let run_truncated = t > 0 && is_word_byte(buf[t - 1]) || (t == 0 && truncated);
        let c = t.saturating_sub(CTX);
        self.carry = buf[c..].to_vec();
        self.carry_ctx = t - c;
        self.carry_truncated = run_truncated;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The regex's semantics, by brute force: decode runes as Go does and
    /// try every start in order.
    fn reference(data: &[u8]) -> Option<String> {
        // Rune boundaries and values (None = invalid byte).
        let mut runes: Vec<(usize, usize, Option<char>)> = Vec::new();
        let mut i = 0;
        while i < data.len() {
            let mut got = None;
            for n in 1..=4 {
                if i + n > data.len() {
                    break;
                }
                if let Ok(s) = std::str::from_utf8(&data[i..i + n]) {
                    got = Some((n, s.chars().next()));
                    break;
                }
            }
            match got {
                Some((n, c)) => {
                    runes.push((i, n, c));
                    i += n;
                }
                None => {
                    runes.push((i, 1, None));
                    i += 1;
                }
            }
        }
        let prefix = |c: Option<char>| matches!(c, None | Some('\0' | '\u{FFFD}'));
        let tail = |from: usize| -> Option<String> {
            let end = from + data[from..].iter().position(|&b| b == 0)?;
            let r = &data[from..end];
            (r.iter().all(|&b| is_word_byte(b)) && is_version(r))
                .then(|| String::from_utf8_lossy(r).into_owned())
        };
        for (k, &(pos, w, c)) in runes.iter().enumerate() {
            if !prefix(c) {
                continue;
            }
            // (.L) first: greedy.
            if let Some(&(p2, w2, c2)) = runes.get(k + 1) {
                if c2 != Some('\n') && data.get(p2 + w2) == Some(&b'L') {
                    if let Some(v) = tail(p2 + w2 + 1) {
                        return Some(v);
                    }
                }
            }
            if let Some(v) = tail(pos + w) {
                return Some(v);
            }
        }
        None
    }

    fn streamed(data: &[u8], chunk: usize) -> Option<String> {
        let mut m = ContentsVersion::default();
        for c in data.chunks(chunk) {
            m.feed(c);
            if m.found().is_some() {
                break;
            }
        }
        m.found().map(str::to_string)
    }

    #[test]
    fn versions() {
        for ok in [
            "1.2.3",
            "v1.2.3",
            "v2.8.2+ds1",
            "1.2.3-rc1",
            "1.2.3-rc_1+x",
            "10.20.30abc",
        ] {
            assert!(is_version(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "1.2",
            "v",
            "1.2.3.4",
            "1.2.3-rc.1",
            "1.2.3+a-b",
            "vv1.2.3",
            "x1.2.3",
            "1..2.3",
        ] {
            assert!(!is_version(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn matches_like_the_regex() {
        let cases: &[(&[u8], Option<&str>)] = &[
            (b"abc\x001.2.3\x00", Some("1.2.3")),
            (b"\x00v2.8.2+ds1\x00zz", Some("v2.8.2+ds1")),
            (b"x1.2.3\x00", None),
            (b"\x001.2.3 ", None),
            (b"\xa0L1.2.3\x00", None), // 0xa0 is the prefix, but then "L1.2.3" needs `.L`
            (b"\x00\xa0L1.2.3\x00", Some("1.2.3")),
            (b"\xff\xa0L1.2.3\x00", Some("1.2.3")),
            (b"\x00aL4.5.6\x00", Some("4.5.6")),
            (b"\x00\nL4.5.6\x00", None),
            (b"\xc3\xa91.2.3\x00", None), // é is a valid rune, not a prefix
            (b"\xef\xbf\xbd1.2.3\x00", Some("1.2.3")),
            (b"\xe2\x82\xac1.2.3\x00", None),
            (b"\x82\xac1.2.3\x00", Some("1.2.3")),
            (b"\x001.2.3\x00\x004.5.6\x00", Some("1.2.3")),
            (b"\x001.2\x00\x004.5.6\x00", Some("4.5.6")),
            (b"\x00go1.19.3\x00", None),
            (b"\x00\x00\x00", None),
            (b"", None),
        ];
        for (data, want) in cases {
            assert_eq!(reference(data).as_deref(), *want, "reference {data:?}");
            for n in [1, 2, 3, 5, 64] {
                assert_eq!(streamed(data, n).as_deref(), *want, "{data:?} in {n}");
            }
        }
    }

    #[test]
    fn random_inputs_agree_with_the_reference() {
        let alphabet: &[u8] =
            b"\x00\x00\x00.....0123456789vL+-_ax\n\xa0\xc3\xa9\xef\xbf\xbd\xe2\x82";
        let mut x: u64 = 1;
        for round in 0..3000 {
            let len = 1 + (round % 40);
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    x = x
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    alphabet[(x >> 33) as usize % alphabet.len()]
                })
                .collect();
            let want = reference(&data);
            for n in [1, 3, 7, 100] {
                assert_eq!(streamed(&data, n), want, "{data:?} in {n}");
            }
        }
    }

    #[test]
    fn long_words_are_bounded() {
        let mut data = b"\x00".to_vec();
        data.extend(std::iter::repeat_n(b'a', 10_000));
        data.extend_from_slice(b"1.2.3\x00\x009.9.9\x00");
        assert_eq!(streamed(&data, 1000).as_deref(), Some("9.9.9"));
        assert_eq!(streamed(&data, 1).as_deref(), Some("9.9.9"));
    }
}

/// The matcher against Go's own `regexp` running syft's pattern, on random
/// inputs (skipped when `go` is not installed; CI installs golang-go).
#[cfg(test)]
mod against_go {
    use super::*;

    const PROGRAM: &str = r#"package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
)

var semverPattern = regexp.MustCompile(`(\x00|\x{FFFD})(.L)?(?P<version>v?(\d+\.\d+\.\d+[-\w]*[+\w]*))\x00`)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		data, err := hex.DecodeString(in.Text())
		if err != nil {
			panic(err)
		}
		m := semverPattern.FindStringSubmatch(string(data))
		if m == nil {
			fmt.Println("-")
		} else {
			fmt.Println("=" + m[semverPattern.SubexpIndex("version")])
		}
	}
}
"#;

    #[test]
    fn agrees_with_go_regexp() {
        use std::io::Write;
        use std::process::{Command, Stdio};
        if Command::new("go").arg("version").output().is_err() {
            eprintln!("go not installed: differential check skipped");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.go"), PROGRAM).unwrap();
        // Inputs made of pieces that come near a match, and noise.
        let pieces: &[&[u8]] = &[
            b"\x00",
            b"\x00",
            b"\x00",
            b"\x00",
            b"\x00",
            b"\xa0",
            b"\xa0",
            b"\xef\xbf\xbd",
            b"1.2.3",
            b"v2.0.1",
            b"3.4.5-x",
            b"\xc3\xa9",
            b"\xe2\x82",
            b"\n",
            b"a",
            b"L",
            b"xL",
            b"\x00L",
            b"1.2.3",
            b"v1.2.3",
            b"10.0.1-rc1",
            b"2.8.2+ds1",
            b"1.2",
            b"1.2.3.4",
            b"1.2.3-a+b-c",
            b"v",
            b".",
            b"-",
            b"+",
            b"_",
            b"9",
            b" ",
            b"\xf0\x9f\x98\x80",
        ];
        let mut x: u64 = 9;
        let mut pick = |n: usize| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) as usize % n
        };
        let inputs: Vec<Vec<u8>> = (0..6000)
            .map(|_| {
                let mut v = Vec::new();
                for _ in 0..2 + pick(6) {
                    v.extend_from_slice(pieces[pick(pieces.len())]);
                }
                v
            })
            .collect();
        let mut child = Command::new("go")
            .args(["run", "main.go"])
            .current_dir(dir.path())
            .env("GO111MODULE", "off")
            .env("GOCACHE", dir.path().join("cache"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        {
            let mut stdin = child.stdin.take().unwrap();
            for i in &inputs {
                writeln!(stdin, "{}", hex::encode(i)).unwrap();
            }
        }
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let answers: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        assert_eq!(answers.len(), inputs.len());
        let mut matched = 0;
        for (input, go) in inputs.iter().zip(&answers) {
            let want = go.strip_prefix('=').map(str::to_string);
            matched += usize::from(want.is_some());
            for n in [1, 5, 1000] {
                let mut m = ContentsVersion::default();
                for c in input.chunks(n) {
                    m.feed(c);
                }
                assert_eq!(m.found().map(str::to_string), want, "{input:?} in {n}");
            }
        }
        assert!(matched > 150, "only {matched} inputs matched: a weak test");
    }
}
