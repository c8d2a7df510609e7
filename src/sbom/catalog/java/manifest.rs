//! `META-INF/MANIFEST.MF` (JAR File Specification): `Name: value` headers in
//! sections separated by blank lines, lines of at most 72 bytes with longer
//! values continued on lines that begin with one space.

/// A parsed manifest: the main section and the named (per-entry) sections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// Main section attributes, in file order.
    pub main: Vec<(String, String)>,
    /// Per-entry sections, in file order.
    pub sections: Vec<Vec<(String, String)>>,
}

impl Manifest {
    /// A main attribute (names are case-insensitive); `None` when absent or empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.main
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Every value of `key`, main section first.
    pub fn all(&self, key: &str) -> impl Iterator<Item = &str> + '_ {
        let key = key.to_string();
        std::iter::once(&self.main)
            .chain(self.sections.iter())
            .flat_map(|s| s.iter())
            .filter(move |(k, _)| k.eq_ignore_ascii_case(&key))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a manifest could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// A line that is neither a header nor a continuation.
    #[error("line {line}: {what}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        what: String,
    },
}

/// Parse a manifest. CRLF, LF and CR line ends are accepted, so are headers
/// without the space after the colon; a line that is no header is an error.
pub fn parse_manifest(bytes: &[u8]) -> Result<Manifest, ManifestError> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut m = Manifest::default();
    let mut current: Vec<(String, String)> = Vec::new();
    let mut in_main = true;
    let flush = |current: &mut Vec<(String, String)>, m: &mut Manifest, in_main: &mut bool| {
        if *in_main {
            m.main.append(current);
            *in_main = false;
        } else if !current.is_empty() {
            m.sections.push(std::mem::take(current));
        }
    };
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut last_blank = false;
    let mut seen_any = false;
    for (i, line) in text.split('\n').enumerate() {
        let lineno = i + 1;
        if line.is_empty() {
            last_blank = seen_any;
            continue;
        }
        if let Some(cont) = line.strip_prefix(' ') {
            match current.last_mut() {
                Some((_, v)) if !last_blank => v.push_str(cont),
                _ => {
                    return Err(ManifestError::Syntax {
                        line: lineno,
                        what: "continuation line with no header before it".into(),
                    })
                }
            }
            continue;
        }
        if last_blank {
            flush(&mut current, &mut m, &mut in_main);
            last_blank = false;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(ManifestError::Syntax {
                line: lineno,
                what: format!("expected `Name: value`, found `{}`", truncate(line)),
            });
        };
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(ManifestError::Syntax {
                line: lineno,
                what: format!("invalid header name `{}`", truncate(key)),
            });
        }
        current.push((
            key.to_string(),
            value.strip_prefix(' ').unwrap_or(value).to_string(),
        ));
        seen_any = true;
    }
    flush(&mut current, &mut m, &mut in_main);
    for (_, v) in m.main.iter_mut().chain(m.sections.iter_mut().flatten()) {
        let t = v.trim();
        if t.len() != v.len() {
            *v = t.to_string();
        }
    }
    Ok(m)
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_lines_and_sections() {
        let m = parse_manifest(
            b"Manifest-Version: 1.0\r\nBundle-License: Apache-2.0;link=\"https://www.apache.org/licenses/LICENSE\r\n -2.0.txt\"\r\nCreated-By: 17\r\n\r\nName: org/x/\r\nImplementation-Title: org.x\r\n\r\n",
        )
        .unwrap();
        assert_eq!(
            m.get("bundle-license"),
            Some("Apache-2.0;link=\"https://www.apache.org/licenses/LICENSE-2.0.txt\"")
        );
        assert_eq!(m.get("Created-By"), Some("17"));
        assert_eq!(m.sections.len(), 1);
        assert_eq!(m.get("Implementation-Title"), None);
        assert_eq!(
            m.all("Implementation-Title").collect::<Vec<_>>(),
            vec!["org.x"]
        );
    }

    #[test]
    fn line_ends_and_leniency() {
        for text in [
            "A: 1\nB:2\n\nName: x\nC: 3\n",
            "A: 1\rB:2\r\rName: x\rC: 3\r",
            "A: 1\r\nB:2\r\n\r\nName: x\r\nC: 3",
        ] {
            let m = parse_manifest(text.as_bytes()).unwrap();
            assert_eq!(m.get("A"), Some("1"), "{text:?}");
            assert_eq!(m.get("B"), Some("2"), "{text:?}");
            assert_eq!(
                m.sections,
                vec![vec![("Name".into(), "x".into()), ("C".into(), "3".into())]]
            );
        }
        assert_eq!(parse_manifest(b"").unwrap(), Manifest::default());
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            parse_manifest(b"A: 1\nnot a header\n"),
            Err(ManifestError::Syntax {
                line: 2,
                what: "expected `Name: value`, found `not a header`".into()
            })
        );
        assert_eq!(
            parse_manifest(b" continued\n"),
            Err(ManifestError::Syntax {
                line: 1,
                what: "continuation line with no header before it".into()
            })
        );
        assert!(parse_manifest(b"Bad Key: 1\n").is_err());
    }
}
