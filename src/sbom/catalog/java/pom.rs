//! What Maven leaves in an archive: `META-INF/maven/<groupId>/<artifactId>/pom.properties`
//! (Java properties: the coordinates) and the `pom.xml` beside it (read for
//! its `<licenses>` only: coordinates in a pom.xml may be inherited from a
//! parent or be `${...}` expressions, which pom.properties has resolved).

/// Maven coordinates from a pom.properties.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PomProperties {
    /// `groupId`.
    pub group_id: String,
    /// `artifactId`.
    pub artifact_id: String,
    /// `version`.
    pub version: String,
}

/// Why a pom.properties could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PomError {
    /// A coordinate is missing or empty.
    #[error("no {0}")]
    Missing(&'static str),
}

/// The key/value pairs of a Java properties file: `key=value`, `key: value` or
/// `key value`; `#`/`!` comments; a trailing `\` continues the line; the
/// escapes `\t \n \r \f \uXXXX` and `\<char>`.
pub fn parse_properties(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut logical = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let mut line = line.trim_start();
        if logical.is_empty() && (line.starts_with('#') || line.starts_with('!') || line.is_empty())
        {
            continue;
        }
        loop {
            let trailing = line.len() - line.trim_end_matches('\\').len();
            if trailing % 2 == 1 {
                logical.push_str(&line[..line.len() - 1]);
                match lines.next() {
                    Some(next) => line = next.trim_start(),
                    None => break,
                }
            } else {
                logical.push_str(line);
                break;
            }
        }
        let entry = std::mem::take(&mut logical);
        let mut key = String::new();
        let mut chars = entry.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(e) = chars.next() {
                        key.push(unescape(e, &mut chars));
                    }
                }
                '=' | ':' | ' ' | '\t' | '\u{c}' => {
                    // Separator: whitespace around it, and one `=`/`:` after whitespace.
                    while matches!(chars.peek(), Some(' ' | '\t' | '\u{c}')) {
                        chars.next();
                    }
                    if c.is_whitespace() && matches!(chars.peek(), Some('=' | ':')) {
                        chars.next();
                        while matches!(chars.peek(), Some(' ' | '\t' | '\u{c}')) {
                            chars.next();
                        }
                    }
                    break;
                }
                c => key.push(c),
            }
        }
        let mut value = String::new();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(e) = chars.next() {
                    value.push(unescape(e, &mut chars));
                }
            } else {
                value.push(c);
            }
        }
        out.push((key, value.trim_end().to_string()));
    }
    out
}

fn unescape(e: char, rest: &mut std::iter::Peekable<std::str::Chars<'_>>) -> char {
    match e {
        't' => '\t',
        'n' => '\n',
        'r' => '\r',
        'f' => '\u{c}',
        'u' => {
            let hex: String = (0..4).filter_map(|_| rest.next()).collect();
            u32::from_str_radix(&hex, 16)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{fffd}')
        }
        c => c,
    }
}

/// Parse a pom.properties: groupId, artifactId and version are required.
pub fn parse_pom_properties(bytes: &[u8]) -> Result<PomProperties, PomError> {
    let text = String::from_utf8_lossy(bytes);
    let mut p = PomProperties::default();
    for (k, v) in parse_properties(&text) {
        let v = v.trim().to_string();
        match k.as_str() {
            "groupId" => p.group_id = v,
            "artifactId" => p.artifact_id = v,
            "version" => p.version = v,
            _ => {}
        }
    }
    if p.group_id.is_empty() {
        return Err(PomError::Missing("groupId"));
    }
    if p.artifact_id.is_empty() {
        return Err(PomError::Missing("artifactId"));
    }
    if p.version.is_empty() {
        return Err(PomError::Missing("version"));
    }
    Ok(p)
}

/// The text of each `<tag>...</tag>` directly inside `within` (no attributes,
/// as Maven writes them), CDATA and the five XML entities decoded.
fn elements<'a>(within: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = within;
    while let Some(i) = rest.find(&open) {
        let body = &rest[i + open.len()..];
        let Some(j) = body.find(&close) else { break };
        out.push(&body[..j]);
        rest = &body[j + close.len()..];
    }
    out
}

fn xml_text(s: &str) -> String {
    let s = s.trim();
    let s = s
        .strip_prefix("<![CDATA[")
        .and_then(|s| s.strip_suffix("]]>"))
        .unwrap_or(s);
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The licenses a pom.xml declares: each `<license>`'s `<name>`, else its `<url>`.
pub fn pom_xml_licenses(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    // Comments could hide or fake elements.
    let mut clean = String::with_capacity(text.len());
    let mut rest: &str = &text;
    while let Some(i) = rest.find("<!--") {
        clean.push_str(&rest[..i]);
        rest = rest[i..]
            .find("-->")
            .map(|j| &rest[i + j + 3..])
            .unwrap_or("");
    }
    clean.push_str(rest);
    let mut out = Vec::new();
    for block in elements(&clean, "licenses") {
        for license in elements(block, "license") {
            let pick = elements(license, "name")
                .first()
                .map(|n| xml_text(n))
                .filter(|n| !n.is_empty())
                .or_else(|| elements(license, "url").first().map(|u| xml_text(u)));
            if let Some(l) = pick.filter(|l| !l.is_empty()) {
                out.push(l);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pom_properties_as_maven_writes_it() {
        let p = parse_pom_properties(
            b"#Generated by Maven\n#Tue Jan 01 00:00:00 UTC 2023\nversion=1.10.0\ngroupId=org.apache.commons\nartifactId=commons-text\n",
        )
        .unwrap();
        assert_eq!(
            p,
            PomProperties {
                group_id: "org.apache.commons".into(),
                artifact_id: "commons-text".into(),
                version: "1.10.0".into()
            }
        );
        assert_eq!(
            parse_pom_properties(b"groupId=a\nversion=1\n"),
            Err(PomError::Missing("artifactId"))
        );
        assert_eq!(parse_pom_properties(b""), Err(PomError::Missing("groupId")));
    }

    #[test]
    fn properties_syntax() {
        let p = parse_properties(
            "a = 1\nb:2\nc 3\n  ! comment\nd=multi\\\n    line\ne=tab\\there\\u0041\nf\\=g=h\n\\\nlast\n",
        );
        let get = |k: &str| p.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.as_str());
        assert_eq!(get("a"), Some("1"));
        assert_eq!(get("b"), Some("2"));
        assert_eq!(get("c"), Some("3"));
        assert_eq!(get("d"), Some("multiline"));
        assert_eq!(get("e"), Some("tab\thereA"));
        assert_eq!(get("f=g"), Some("h"));
        for s in ["\\", "\\u", "\\u12", "a=\\", "=", " : ", "\\\\\\"] {
            let _ = parse_properties(s);
        }
    }

    #[test]
    fn pom_xml_licenses() {
        let xml = br#"<project>
  <!-- <licenses><license><name>Fake</name></license></licenses> -->
  <licenses>
    <license>
      <name>Apache License,
        Version 2.0</name>
      <url>https://www.apache.org/licenses/LICENSE-2.0.txt</url>
    </license>
    <license><url>https://example.invalid/l</url></license>
    <license><name><![CDATA[A & B]]></name></license>
    <license><name>M &amp; N</name></license>
  </licenses>
</project>"#;
        assert_eq!(
            super::pom_xml_licenses(xml),
            vec![
                "Apache License, Version 2.0",
                "https://example.invalid/l",
                "A & B",
                "M & N"
            ]
        );
        assert!(super::pom_xml_licenses(b"<project><licenses><license><name>x").is_empty());
        assert!(super::pom_xml_licenses(b"<!-- unclosed").is_empty());
    }
}
