//! The text of a Go binary's module information (`runtime/debug.BuildInfo`
//! as the linker stores it), parsed leniently: a malformed line is reported
//! and skipped instead of failing the whole binary.
//!
//! Format (one record per line, fields separated by tabs), as written by the
//! `go` command since Go 1.12 and extended with `build` lines in Go 1.18:
//!
//! ```text
//! path    <main package path>
//! mod     <main module path>  <version>  [<sum>]
//! dep     <module path>       <version>  [<sum>]
//! =>      <replacement path>  <version>  <sum>      (replaces the line before)
//! build   <key>=<value>                              (value Go-quoted when it has spaces)
//! ```
//!
//! In the binary the text is framed by two 16-byte sentinels; [`strip_sentinels`]
//! removes them with the same rule as Go's `debug/buildinfo`.

/// One module: path, version (`(devel)` for an unversioned main module), `h1:` sum.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Module {
    /// Module path (`golang.org/x/sys`).
    pub path: String,
    /// Version (`v0.5.0`, `(devel)`, empty for a directory replacement).
    pub version: String,
    /// Checksum (`h1:...`), when recorded.
    pub sum: String,
    /// The module that replaced this one (`replace` directive), if any.
    pub replace: Option<Box<Module>>,
}

/// Parsed module information.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModInfo {
    /// Import path of the main package (`path` line).
    pub path: String,
    /// The main module (`mod` line), if any.
    pub main: Option<Module>,
    /// Dependencies, in recorded order.
    pub deps: Vec<Module>,
    /// Build settings (`build` lines), in recorded order.
    pub settings: Vec<(String, String)>,
}

impl ModInfo {
    /// The value of build setting `key`, if recorded.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Remove the sentinels framing the module information in a binary: 16 bytes
/// at each end, recognized (as Go does) by the newline that ends the text
/// just before the trailing sentinel. Text without that framing yields "".
pub fn strip_sentinels(raw: &[u8]) -> &[u8] {
    if raw.len() >= 33 && raw[raw.len() - 17] == b'\n' {
        &raw[16..raw.len() - 16]
    } else {
        &[]
    }
}

/// Parse module information text. Returns what could be read and one message
/// per malformed line (`line N: ...`).
pub fn parse(text: &str) -> (ModInfo, Vec<String>) {
    let mut info = ModInfo::default();
    let mut problems = Vec::new();
    // Where a `=>` line attaches: the main module or a dependency index.
    enum Last {
        None,
        Main,
        Dep(usize),
    }
    let mut last = Last::None;
    // As in Go, a final line without its newline is not part of the text.
    let mut lines: Vec<&str> = text.split('\n').collect();
    lines.pop();
    for (i, line) in lines.into_iter().enumerate() {
        let n = i + 1;
        if let Some(rest) = line.strip_prefix("path\t") {
            info.path = rest.to_string();
        } else if let Some(rest) = line.strip_prefix("mod\t") {
            match module_line(rest) {
                Some(m) => {
                    info.main = Some(m);
                    last = Last::Main;
                }
                None => {
                    problems.push(format!("line {n}: malformed mod line"));
                    last = Last::None;
                }
            }
        } else if let Some(rest) = line.strip_prefix("dep\t") {
            match module_line(rest) {
                Some(m) => {
                    info.deps.push(m);
                    last = Last::Dep(info.deps.len() - 1);
                }
                None => {
                    problems.push(format!("line {n}: malformed dep line"));
                    last = Last::None;
                }
            }
        } else if let Some(rest) = line.strip_prefix("=>\t") {
            let elem: Vec<&str> = rest.split('\t').collect();
            if elem.len() != 3 {
                problems.push(format!(
                    "line {n}: replacement with {} columns, expected 3",
                    elem.len()
                ));
                last = Last::None;
                continue;
            }
            let rep = Box::new(Module {
                path: elem[0].to_string(),
                version: elem[1].to_string(),
                sum: elem[2].to_string(),
                replace: None,
            });
            match last {
                Last::Main => {
                    if let Some(m) = info.main.as_mut() {
                        m.replace = Some(rep);
                    }
                }
                Last::Dep(i) => info.deps[i].replace = Some(rep),
                Last::None => problems.push(format!("line {n}: replacement of no module")),
            }
            last = Last::None;
        } else if let Some(kv) = line.strip_prefix("build\t") {
            match build_line(kv) {
                Some(kv) => info.settings.push(kv),
                None => problems.push(format!("line {n}: malformed build line")),
            }
        }
        // Other lines (none written today) are ignored, as Go does.
    }
    (info, problems)
}

fn module_line(rest: &str) -> Option<Module> {
    let elem: Vec<&str> = rest.split('\t').collect();
    if elem.len() != 2 && elem.len() != 3 {
        return None;
    }
    Some(Module {
        path: elem[0].to_string(),
        version: elem[1].to_string(),
        sum: elem.get(2).map(|s| s.to_string()).unwrap_or_default(),
        replace: None,
    })
}

/// `key=value`, where key and value may each be a Go quoted string.
fn build_line(kv: &str) -> Option<(String, String)> {
    let (key, raw_value) = match kv.as_bytes().first()? {
        b'=' => return None,
        b'"' | b'`' => {
            let (key, len) = unquote_prefix(kv)?;
            let rest = kv[len..].strip_prefix('=')?;
            (key, rest)
        }
        _ => {
            let (k, v) = kv.split_once('=')?;
            (k.to_string(), v)
        }
    };
    let value = match raw_value.as_bytes().first() {
        Some(b'"' | b'`') => {
            let (v, len) = unquote_prefix(raw_value)?;
            if len != raw_value.len() {
                return None;
            }
            v
        }
        _ => raw_value.to_string(),
    };
    Some((key, value))
}

/// Decode the Go string literal (`"..."` with escapes, or `` `...` `` raw) at
/// the start of `s`: the value and the literal's length in bytes.
pub fn unquote_prefix(s: &str) -> Option<(String, usize)> {
    let bytes = s.as_bytes();
    match bytes.first()? {
        b'`' => {
            let end = s[1..].find('`')? + 1;
            // Go drops carriage returns from raw strings.
            Some((s[1..end].replace('\r', ""), end + 1))
        }
        b'"' => {
            let mut out: Vec<u8> = Vec::new();
            let mut i = 1;
            loop {
                let c = *bytes.get(i)?;
                match c {
                    b'"' => break,
                    b'\n' => return None,
                    b'\\' => {
                        let e = *bytes.get(i + 1)?;
                        i += 2;
                        match e {
                            b'a' => out.push(7),
                            b'b' => out.push(8),
                            b'f' => out.push(12),
                            b'n' => out.push(b'\n'),
                            b'r' => out.push(b'\r'),
                            b't' => out.push(b'\t'),
                            b'v' => out.push(11),
                            b'\\' => out.push(b'\\'),
                            b'"' => out.push(b'"'),
                            b'x' => {
                                let h = s.get(i..i + 2)?;
                                out.push(u8::from_str_radix(h, 16).ok()?);
                                i += 2;
                            }
                            b'0'..=b'7' => {
                                let o = s.get(i - 1..i + 2)?;
                                let v = u16::from_str_radix(o, 8).ok()?;
                                out.push(u8::try_from(v).ok()?);
                                i += 2;
                            }
                            b'u' | b'U' => {
                                let n = if e == b'u' { 4 } else { 8 };
                                let h = s.get(i..i + n)?;
                                let cp = u32::from_str_radix(h, 16).ok()?;
                                let ch = char::from_u32(cp)?;
                                let mut buf = [0u8; 4];
                                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                                i += n;
                            }
                            _ => return None,
                        }
                    }
                    _ => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            Some((String::from_utf8_lossy(&out).into_owned(), i + 1))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_modules_replacements_and_settings() {
        let text = "path\texample.com/app/cmd/app\n\
                    mod\texample.com/app\t(devel)\t\n\
                    dep\tgolang.org/x/sys\tv0.1.0\th1:abc=\n\
                    dep\texample.com/lib\tv1.2.3\n\
                    =>\t../lib\t\t\n\
                    dep\tgithub.com/x/y\tv2.0.0+incompatible\th1:def=\n\
                    build\t-compiler=gc\n\
                    build\t-ldflags=\"-s -w -X main.version=1.2.3\"\n\
                    build\tCGO_ENABLED=0\n\
                    build\tvcs.modified=true\n";
        let (info, problems) = parse(text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(info.path, "example.com/app/cmd/app");
        let main = info.main.as_ref().unwrap();
        assert_eq!(
            (main.path.as_str(), main.version.as_str(), main.sum.as_str()),
            ("example.com/app", "(devel)", "")
        );
        assert_eq!(info.deps.len(), 3);
        assert_eq!(info.deps[0].sum, "h1:abc=");
        let rep = info.deps[1].replace.as_ref().unwrap();
        assert_eq!((rep.path.as_str(), rep.version.as_str()), ("../lib", ""));
        assert!(info.deps[2].replace.is_none());
        assert_eq!(
            info.setting("-ldflags"),
            Some("-s -w -X main.version=1.2.3")
        );
        assert_eq!(info.setting("CGO_ENABLED"), Some("0"));
        assert_eq!(info.setting("GOOS"), None);
    }

    #[test]
    fn malformed_lines_are_reported_and_skipped() {
        let text = "mod\tonly-one-column\n\
                    dep\ta\tv1\n\
                    =>\tb\tv2\n\
                    =>\tc\tv3\th1:x\n\
                    build\t=v\n\
                    build\tnovalue\n\
                    build\t\"unterminated=1\n\
                    dep\tz\tv9\th1:z";
        let (info, problems) = parse(text);
        assert_eq!(info.main, None);
        assert_eq!(info.deps.len(), 1, "{info:?}");
        assert!(info.deps[0].replace.is_none());
        assert_eq!(problems.len(), 6, "{problems:?}");
        assert!(problems[0].starts_with("line 1:"));
    }

    #[test]
    fn go_string_literals() {
        assert_eq!(
            unquote_prefix(r#""a b\t\"c\"\x41\101\u00e9" rest"#),
            Some(("a b\t\"c\"AAé".to_string(), 26))
        );
        assert_eq!(unquote_prefix("`raw \\n`=x"), Some(("raw \\n".into(), 8)));
        assert_eq!(unquote_prefix(r#""\q""#), None);
        assert_eq!(unquote_prefix(r#""\400""#), None);
        assert_eq!(unquote_prefix(r#""abc"#), None);
        assert_eq!(unquote_prefix(r#""\x4"#), None);
        assert_eq!(unquote_prefix(r#""\ud800""#), None);
        assert_eq!(
            build_line(r#""we ird"="v a""#),
            Some(("we ird".into(), "v a".into()))
        );
        assert_eq!(build_line(r#""k"x"#), None);
        assert_eq!(build_line(r#"k="v"x"#), None);
    }

    #[test]
    fn sentinels_are_stripped_like_go() {
        let mut raw = vec![0xAAu8; 16];
        raw.extend_from_slice(b"path\tx\nmod\tx\t(devel)\t\n");
        raw.extend_from_slice(&[0xBBu8; 16]);
        assert_eq!(
            strip_sentinels(&raw),
            b"path\tx\nmod\tx\t(devel)\t\n".as_slice()
        );
        assert_eq!(strip_sentinels(b"short"), b"".as_slice());
        assert_eq!(strip_sentinels(&[b'x'; 40]), b"".as_slice());
    }
}
