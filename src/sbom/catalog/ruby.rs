//! Ruby gems: installed gem specifications (`**/specifications/**/*.gemspec`,
//! default gems included) and bundler's `Gemfile.lock` (`gems.locked`).
//!
//! Installed specifications are Ruby source that rubygems writes with
//! `Gem::Specification#to_ruby`: one assignment or call per line
//! (`s.name = "rake".freeze`, `s.version = "13.0.6"`,
//! `s.licenses = ["MIT".freeze]`, `s.add_runtime_dependency(%q<x>.freeze, [">= 0"])`).
//! The parser reads those statements with their string literals (`"..."`,
//! `'...'`, `%q<...>` and its other delimiters); it runs no Ruby, so a
//! hand-written gemspec computing its version (`s.version = Foo::VERSION`) is
//! an error naming the line. Runtime dependencies become `depends_on`
//! (development ones do not); a platform gem's platform goes to
//! `metadata["platform"]`.
//!
//! `Gemfile.lock`: the `specs:` of the `GEM`, `GIT`, `PATH` and
//! `PLUGIN SOURCE` sections, `name (version)` at four spaces and their
//! dependencies at six. Bundler writes a platform gem as
//! `name (version-platform)`: the version is what precedes the first `-`
//! (a gem version has none), the rest is the platform. syft 1.18 keeps
//! `1.2.3-x86_64-linux` as the version, which is no RubyGems version; its
//! gemspec reader says `1.2.3` for the same gem, as we do for both.
//! Lockfiles inside an installed gem's directory (`gems/<name>-<version>/`)
//! are the gem's own development lockfiles and are not read.

use std::collections::HashMap;

use super::{Capture, CapturedFile, CatalogContext, CatalogOutput, Cataloger, EntryInfo, FileSet};
use crate::sbom::model::{Package, PackageType};

/// Largest gemspec kept (`s.files` lists can be long).
const MAX_GEMSPEC: u64 = 4 * 1024 * 1024;
/// Largest Gemfile.lock kept.
const MAX_LOCKFILE: u64 = 16 * 1024 * 1024;

/// The gemspec cataloger.
pub struct GemspecCataloger;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GemFile {
    Spec,
    Lock,
}

fn classify(path: &str) -> Option<GemFile> {
    let parts: Vec<&str> = path.split('/').collect();
    let file = *parts.last()?;
    if file.ends_with(".gemspec") && parts[..parts.len() - 1].contains(&"specifications") {
        return Some(GemFile::Spec);
    }
    if file == "Gemfile.lock" || file == "gems.locked" {
        let in_installed_gem = parts.windows(2).any(|w| {
            w[0] == "gems"
                && w[1]
                    .rsplit_once('-')
                    .is_some_and(|(_, v)| v.starts_with(|c: char| c.is_ascii_digit()))
        });
        return (!in_installed_gem).then_some(GemFile::Lock);
    }
    None
}

impl Cataloger for GemspecCataloger {
    fn name(&self) -> &'static str {
        "gemspec"
    }

    fn wants(&self, entry: &EntryInfo<'_>) -> Option<Capture> {
        match classify(entry.path)? {
            GemFile::Spec => Some(Capture::Keep { max: MAX_GEMSPEC }),
            GemFile::Lock => Some(Capture::Keep { max: MAX_LOCKFILE }),
        }
    }

    fn catalog(&self, files: &FileSet, _ctx: &CatalogContext) -> CatalogOutput {
        let mut out = CatalogOutput::default();
        for f in files.iter() {
            match classify(&f.path) {
                Some(GemFile::Spec) => match parse_gemspec(&f.text()) {
                    Ok(spec) => out.packages.push(spec.into_package(self.name(), f)),
                    Err(e) => out.warnings.push(format!("gemspec: {}: {e}", f.path)),
                },
                Some(GemFile::Lock) => match parse_gemfile_lock(&f.text()) {
                    Ok(entries) => out
                        .packages
                        .extend(entries.into_iter().map(|e| e.into_package(self.name(), f))),
                    Err(e) => out.warnings.push(format!("gemspec: {}: {e}", f.path)),
                },
                None => {}
            }
        }
        out
    }
}

/// Why a gemspec or lockfile could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GemError {
    /// A required attribute is not set.
    #[error("no {0}")]
    Missing(&'static str),
    /// A line that does not have the expected shape.
    #[error("line {line}: {what}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// What was expected.
        what: String,
    },
}

/// The facts of a gem specification.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Gemspec {
    /// `name`.
    pub name: String,
    /// `version`.
    pub version: String,
    /// `licenses` / `license`.
    pub licenses: Vec<String>,
    /// Runtime dependency names.
    pub depends_on: Vec<String>,
    /// `authors`.
    pub authors: Vec<String>,
    /// `homepage`.
    pub homepage: Option<String>,
    /// `platform`, when not `ruby`.
    pub platform: Option<String>,
}

impl Gemspec {
    fn into_package(self, found_by: &str, f: &CapturedFile) -> Package {
        let mut p = Package::new(
            PackageType::Gem,
            self.name,
            self.version,
            found_by,
            f.location(),
        );
        p.licenses = self.licenses;
        p.depends_on = self.depends_on;
        if !self.authors.is_empty() {
            p.metadata.insert("authors".into(), self.authors.join(", "));
        }
        if let Some(h) = self.homepage {
            p.metadata.insert("homepage".into(), h);
        }
        if let Some(pl) = self.platform {
            p.metadata.insert("platform".into(), pl);
        }
        p
    }
}

/// The string literals of a Ruby expression, in order: `"..."` (with escapes),
/// `'...'`, and `%q`/`%Q`/`%` with `<>`, `{}`, `()`, `[]` or a repeated delimiter.
/// `None` when a literal is not closed on the line.
fn string_literals(expr: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '#' => break, // a comment
            '"' | '\'' => {
                let mut s = String::new();
                loop {
                    match chars.next()? {
                        '\\' => {
                            let e = chars.next()?;
                            match (c, e) {
                                ('"', 'n') => s.push('\n'),
                                ('"', 't') => s.push('\t'),
                                ('\'', e) if e != '\'' && e != '\\' => {
                                    s.push('\\');
                                    s.push(e);
                                }
                                (_, e) => s.push(e),
                            }
                        }
                        ch if ch == c => break,
                        ch => s.push(ch),
                    }
                }
                out.push(s);
            }
            '%' => {
                if matches!(chars.peek(), Some('q' | 'Q')) {
                    chars.next();
                }
                let open = match chars.peek() {
                    Some(&o) if !o.is_alphanumeric() && !o.is_whitespace() => o,
                    _ => continue, // the modulo operator
                };
                chars.next();
                let close = match open {
                    '<' => '>',
                    '{' => '}',
                    '(' => ')',
                    '[' => ']',
                    o => o,
                };
                let mut depth = 0usize;
                let mut s = String::new();
                loop {
                    let ch = chars.next()?;
                    if ch == close && depth == 0 {
                        break;
                    }
                    if open != close && ch == open {
                        depth += 1;
                    } else if open != close && ch == close {
                        depth -= 1;
                    }
                    s.push(ch);
                }
                out.push(s);
            }
            _ => {}
        }
    }
    Some(out)
}

/// `<var>.<attr>` at the start of a statement: (attr, the rest of the line).
fn statement(line: &str) -> Option<(&str, &str)> {
    let line = line.trim_start();
    let dot = line.find('.')?;
    let var = &line[..dot];
    if var.is_empty() || !var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    let rest = &line[dot + 1..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    Some((&rest[..end], &rest[end..]))
}

/// Parse an installed gem specification.
pub fn parse_gemspec(text: &str) -> Result<Gemspec, GemError> {
    let mut spec = Gemspec::default();
    let mut runtime: Vec<String> = Vec::new();
    let mut plain: Vec<String> = Vec::new();
    let mut development: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some((attr, rest)) = statement(line) else {
            continue;
        };
        let assigned = rest
            .trim_start()
            .strip_prefix('=')
            .filter(|r| !r.starts_with('='));
        let lits = || {
            string_literals(assigned.unwrap_or(rest)).ok_or_else(|| GemError::Syntax {
                line: i + 1,
                what: format!("unterminated string literal in `{}`", line.trim()),
            })
        };
        let first = |what: &str| -> Result<String, GemError> {
            lits()?.into_iter().next().ok_or_else(|| GemError::Syntax {
                line: i + 1,
                what: format!("{what} is not a string literal: `{}`", line.trim()),
            })
        };
        match (attr, assigned.is_some()) {
            ("name", true) => spec.name = first("the name")?,
            ("version", true) => spec.version = first("the version")?,
            ("licenses" | "license", true) => spec.licenses = lits()?,
            ("authors" | "author", true) => spec.authors = lits()?,
            ("homepage", true) => spec.homepage = lits()?.into_iter().next(),
            ("platform", true) => {
                spec.platform = lits()?.into_iter().next().filter(|p| p != "ruby")
            }
            ("add_runtime_dependency", false) => runtime.push(first("a dependency name")?),
            ("add_dependency", false) => plain.push(first("a dependency name")?),
            ("add_development_dependency", false) => development.push(first("a dependency name")?),
            _ => {}
        }
    }
    if spec.name.is_empty() {
        return Err(GemError::Missing("name"));
    }
    if spec.version.is_empty() {
        return Err(GemError::Missing("version"));
    }
    // rubygems writes every dependency twice: add_runtime_/add_development_dependency,
    // and add_dependency in the branch for old rubygems.
    runtime.extend(plain.into_iter().filter(|d| !development.contains(d)));
    runtime.sort();
    runtime.dedup();
    spec.depends_on = runtime;
    spec.licenses.retain(|l| !l.is_empty());
    Ok(spec)
}

/// One gem of a `Gemfile.lock`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LockedGem {
    /// Name.
    pub name: String,
    /// Version (without the platform).
    pub version: String,
    /// Platforms locked for this version (`x86_64-linux`), empty for pure-Ruby gems.
    pub platforms: Vec<String>,
    /// Section it comes from (`GEM`, `GIT`, `PATH`, `PLUGIN SOURCE`).
    pub source: String,
    /// Names of its dependencies.
    pub depends_on: Vec<String>,
}

impl LockedGem {
    fn into_package(self, found_by: &str, f: &CapturedFile) -> Package {
        let mut p = Package::new(
            PackageType::Gem,
            self.name,
            self.version,
            found_by,
            f.location(),
        );
        p.depends_on = self.depends_on;
        if !self.platforms.is_empty() {
            p.metadata
                .insert("platform".into(), self.platforms.join(","));
        }
        if self.source != "GEM" {
            p.metadata.insert("source".into(), self.source);
        }
        p
    }
}

/// `name (version[-platform])` with an optional trailing `!`.
fn name_version(body: &str) -> Option<(&str, &str)> {
    let (name, rest) = body.split_once(" (")?;
    let v = rest.trim_end_matches('!').strip_suffix(')')?;
    (!name.is_empty() && !v.is_empty()).then_some((name, v))
}

/// Parse a `Gemfile.lock`.
pub fn parse_gemfile_lock(text: &str) -> Result<Vec<LockedGem>, GemError> {
    let mut out: Vec<LockedGem> = Vec::new();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut section = String::new();
    let mut in_specs = false;
    let mut current: Option<usize> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = line.trim();
        let gem_section = matches!(section.as_str(), "GEM" | "GIT" | "PATH" | "PLUGIN SOURCE");
        match indent {
            0 => {
                section = body.to_string();
                in_specs = false;
                current = None;
            }
            2 => {
                in_specs = gem_section && body == "specs:";
                current = None;
            }
            4 if in_specs => {
                let Some((name, v)) = name_version(body) else {
                    return Err(GemError::Syntax {
                        line: i + 1,
                        what: format!("expected `name (version)`, found `{body}`"),
                    });
                };
                let (version, platform) = match v.split_once('-') {
                    Some((v, p)) => (v, Some(p)),
                    None => (v, None),
                };
                let key = (name.to_string(), version.to_string());
                let idx = *seen.entry(key).or_insert_with(|| {
                    out.push(LockedGem {
                        name: name.to_string(),
                        version: version.to_string(),
                        source: section.clone(),
                        ..Default::default()
                    });
                    out.len() - 1
                });
                if let Some(p) = platform {
                    out[idx].platforms.push(p.to_string());
                }
                current = Some(idx);
            }
            6 if in_specs => {
                if let Some(idx) = current {
                    let dep = body.split(' ').next().unwrap_or(body);
                    if !out[idx].depends_on.iter().any(|d| d == dep) {
                        out[idx].depends_on.push(dep.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    for g in &mut out {
        g.depends_on.sort();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::python::fixtures;
    use super::*;

    fn fixture(rel: &str) -> String {
        std::fs::read_to_string(fixtures::dir("ruby").join(rel)).unwrap()
    }

    #[test]
    fn wants_specifications_and_lockfiles() {
        let w = |p: &str| classify(p);
        assert_eq!(
            w("usr/local/bundle/specifications/rake-13.0.6.gemspec"),
            Some(GemFile::Spec)
        );
        assert_eq!(
            w("usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec"),
            Some(GemFile::Spec)
        );
        assert_eq!(w("srv/app/Gemfile.lock"), Some(GemFile::Lock));
        assert_eq!(w("srv/app/gems.locked"), Some(GemFile::Lock));
        assert_eq!(w("usr/local/bundle/gems/rack-2.2.4/rack.gemspec"), None);
        assert_eq!(w("usr/local/bundle/gems/rack-2.2.4/Gemfile.lock"), None);
        assert_eq!(w("srv/app/Gemfile"), None);
    }

    #[test]
    fn installed_gemspec_written_by_rubygems() {
        let s = parse_gemspec(&fixture(
            "usr/local/bundle/specifications/webthing-0.9.0.beta.gemspec",
        ))
        .unwrap();
        assert_eq!(s.name, "webthing");
        assert_eq!(s.version, "0.9.0.beta");
        assert_eq!(s.licenses, vec!["Apache-2.0", "BSD-2-Clause"]);
        assert_eq!(s.depends_on, vec!["rake", "tinylog"]);
        assert_eq!(s.authors, vec!["Fixture Author"]);
        assert_eq!(
            s.homepage.as_deref(),
            Some("https://example.invalid/webthing")
        );
        // Development dependencies are not runtime ones, even in the add_dependency branch.
        let t = parse_gemspec(&fixture(
            "usr/local/bundle/specifications/tinylog-1.4.2.gemspec",
        ))
        .unwrap();
        assert!(t.depends_on.is_empty());
        let n = parse_gemspec(&fixture(
            "usr/local/bundle/specifications/nativeish-1.2.3-x86_64-linux.gemspec",
        ))
        .unwrap();
        assert_eq!(
            (n.version.as_str(), n.platform.as_deref()),
            ("1.2.3", Some("x86_64-linux"))
        );
        let imap = parse_gemspec(&fixture(
            "usr/lib/ruby/gems/3.1.0/specifications/net-imap-0.2.3.gemspec",
        ))
        .unwrap();
        assert_eq!(imap.depends_on, vec!["digest", "net-protocol", "strscan"]);
        assert_eq!(imap.licenses, vec!["Ruby", "BSD-2-Clause"]);
    }

    #[test]
    fn ruby_literals() {
        let l = |s: &str| string_literals(s).unwrap();
        assert_eq!(l(r#" = ["MIT".freeze, 'Ruby']"#), vec!["MIT", "Ruby"]);
        assert_eq!(
            l(r#"(%q<net-protocol>.freeze, [">= 0"])"#),
            vec!["net-protocol", ">= 0"]
        );
        assert_eq!(l(r#" = Gem::Version.new("1.2.3")"#), vec!["1.2.3"]);
        assert_eq!(l(r#" = %q{a{b}c} + %Q(x) + %[y]"#), vec!["a{b}c", "x", "y"]);
        assert_eq!(l(r#" = "a\"b\\c" # "comment""#), vec!["a\"b\\c"]);
        assert_eq!(l(r#" = 'it\'s' "#), vec!["it's"]);
        assert_eq!(l(" = 10 % 3"), Vec::<String>::new());
        assert_eq!(string_literals(r#" = "open"#), None);
        assert_eq!(string_literals(" = %q<open"), None);
    }

    #[test]
    fn hand_written_gemspec_forms() {
        let s = parse_gemspec(
            "Gem::Specification.new do |spec|\n  spec.name    = 'x'\n  spec.version = Gem::Version.new('2.0')\n  spec.license = 'MIT'\n  spec.add_dependency 'a', '>= 1'\n  spec.add_development_dependency 'rspec'\nend\n",
        )
        .unwrap();
        assert_eq!((s.name.as_str(), s.version.as_str()), ("x", "2.0"));
        assert_eq!(s.licenses, vec!["MIT"]);
        assert_eq!(s.depends_on, vec!["a"]);
        assert_eq!(
            parse_gemspec(
                "Gem::Specification.new do |s|\n  s.name = \"x\"\n  s.version = X::VERSION\nend\n"
            ),
            Err(GemError::Syntax {
                line: 3,
                what: "the version is not a string literal: `s.version = X::VERSION`".into()
            })
        );
        assert_eq!(parse_gemspec(""), Err(GemError::Missing("name")));
        assert_eq!(
            parse_gemspec("s.name = 'x'\n"),
            Err(GemError::Missing("version"))
        );
        // `==` is a comparison, not an assignment.
        assert_eq!(
            parse_gemspec("s.name = 'x'\ns.version == '1'\n"),
            Err(GemError::Missing("version"))
        );
    }

    #[test]
    fn gemfile_lock_written_by_bundler() {
        let gems = parse_gemfile_lock(&fixture("srv/rbapp/Gemfile.lock")).unwrap();
        let brief: Vec<String> = gems
            .iter()
            .map(|g| {
                format!(
                    "{} {} {} {:?} {:?}",
                    g.source, g.name, g.version, g.platforms, g.depends_on
                )
            })
            .collect();
        assert_eq!(
            brief,
            vec![
                "PATH mylib 0.1.0 [] [\"tinylog\"]",
                "GEM nativeish 1.2.3 [\"x86_64-linux\"] []",
                "GEM rake 13.0.6 [] []",
                "GEM tinylog 1.4.2 [] []",
                "GEM webthing 0.9.0.beta [] [\"rake\", \"tinylog\"]",
            ]
        );
        // Two platforms of one version are one gem.
        let lock = "GEM\n  remote: https://rubygems.org/\n  specs:\n    nokogiri (1.15.4-aarch64-linux)\n      racc (~> 1.4)\n    nokogiri (1.15.4-x86_64-linux)\n      racc (~> 1.4)\n    racc (1.7.1)\n\nDEPENDENCIES\n  nokogiri\n";
        let gems = parse_gemfile_lock(lock).unwrap();
        assert_eq!(gems.len(), 2);
        assert_eq!(gems[0].platforms, vec!["aarch64-linux", "x86_64-linux"]);
        assert_eq!(gems[0].depends_on, vec!["racc"]);
        assert_eq!(
            parse_gemfile_lock("GEM\n  specs:\n    broken\n"),
            Err(GemError::Syntax {
                line: 3,
                what: "expected `name (version)`, found `broken`".into()
            })
        );
    }

    #[test]
    fn fixture_tree_matches_syft() {
        let out = fixtures::scan(&GemspecCataloger, "ruby");
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let mut syft = fixtures::syft("ruby", "image");
        syft.extend(fixtures::syft("ruby", "directory"));
        // syft keeps bundler's platform suffix in the version; we move it to metadata.
        assert!(syft.remove(&(
            "pkg:gem/nativeish@1.2.3-x86_64-linux".to_string(),
            "srv/rbapp/Gemfile.lock".to_string()
        )));
        syft.insert((
            "pkg:gem/nativeish@1.2.3".to_string(),
            "srv/rbapp/Gemfile.lock".to_string(),
        ));
        assert_eq!(fixtures::ours(&out), syft);
        let json = out.packages.iter().find(|p| p.name == "json").unwrap();
        assert_eq!(json.licenses, vec!["Ruby"]);
        let native = out
            .packages
            .iter()
            .find(|p| p.name == "nativeish" && p.locations[0].path.ends_with(".lock"))
            .unwrap();
        assert_eq!(native.metadata["platform"], "x86_64-linux");
    }

    #[test]
    fn errors_become_warnings_and_garbage_never_panics() {
        let file = |path: &str, content: &str| CapturedFile {
            path: path.into(),
            layer_index: 0,
            mode: 0o644,
            content: content.as_bytes().to_vec(),
        };
        let out = GemspecCataloger.catalog(
            &FileSet::new(
                vec![
                    file("specifications/a.gemspec", "s.name = \"a\n"),
                    file("app/Gemfile.lock", "GEM\n  specs:\n    x 1.0\n"),
                ],
                Default::default(),
            ),
            &CatalogContext::default(),
        );
        assert_eq!(
            out.warnings,
            vec![
                "gemspec: specifications/a.gemspec: line 1: unterminated string literal in `s.name = \"a`",
                "gemspec: app/Gemfile.lock: line 3: expected `name (version)`, found `x 1.0`",
            ]
        );
        let inputs = [
            fixture("usr/local/bundle/specifications/webthing-0.9.0.beta.gemspec"),
            fixture("srv/rbapp/Gemfile.lock"),
        ];
        let mut seed = 0x853c49e6748fea9bu64;
        for real in &inputs {
            let bytes = real.as_bytes();
            for cut in 0..bytes.len() {
                let t = String::from_utf8_lossy(&bytes[..cut]);
                let _ = parse_gemspec(&t);
                let _ = parse_gemfile_lock(&t);
            }
            for _ in 0..500 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let mut b = bytes.to_vec();
                let i = (seed as usize) % b.len();
                b[i] = (seed >> 40) as u8;
                let t = String::from_utf8_lossy(&b);
                let _ = parse_gemspec(&t);
                let _ = parse_gemfile_lock(&t);
            }
        }
        for s in [
            "%", "%q", "%q<", "'", "\"\\", "%<<>", ".", "a.", "a.b", "a.b =", "a.b = %",
        ] {
            let _ = string_literals(s);
            let _ = parse_gemspec(s);
        }
    }
}
