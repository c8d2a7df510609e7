//! Python distributions installed in the image: `*.dist-info/METADATA` (wheels,
//! pip), `*.egg-info/PKG-INFO` (setuptools, Debian's python3 packages) with its
//! `requires.txt`, and single-file `*.egg-info` (distutils).
//!
//! All three are the core metadata format: RFC 822 style headers (`Name`,
//! `Version`, `License`, `License-Expression` (PEP 639), `Classifier`,
//! `Requires-Dist`, `Author`, `Home-page`) and then the description as the
//! body. Only the headers are read.
//!
//! Names: like syft, the package name is the PEP 503 normalized form of
//! `Name` (`PyYAML` → `pyyaml`, `typing_extensions` → `typing-extensions`), so
//! that the same distribution gets the same identity and purl however its
//! metadata spells it; the name as written is kept in `metadata["name"]` when
//! it differs. Versions are kept as written. Dependencies (`Requires-Dist`,
//! or the unconditional part of `requires.txt`) are normalized the same way,
//! and requirements gated on an extra (`; extra == "socks"`) are left out.
//!
//! Licenses: `License-Expression` when present, else `License` (unless empty
//! or `UNKNOWN`), else the `License ::` classifiers (mapped to SPDX ids where
//! the classifier names one license unambiguously). syft 1.18 stops after
//! `License` and reports no license for classifier-only packages, and keeps
//! `UNKNOWN`.
//!
//! Not read: `RECORD`, `top_level.txt`, `direct_url.json`, requirements files,
//! `poetry.lock`/`Pipfile.lock` (declared, not installed, dependencies).

use super::{Capture, CapturedFile, CatalogContext, CatalogOutput, Cataloger, EntryInfo, FileSet};
use crate::sbom::model::{Package, PackageType};

/// Largest metadata file kept (descriptions can be long; the headers are small).
const MAX_METADATA: u64 = 8 * 1024 * 1024;

/// The python cataloger.
pub struct PythonCataloger;

/// What kind of metadata file a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MetadataFile {
    /// `x.dist-info/METADATA`
    DistInfo,
    /// `x.egg-info/PKG-INFO`
    EggInfoDir,
    /// `x.egg-info` as a file
    EggInfoFile,
    /// `x.egg-info/requires.txt`
    Requires,
}

fn classify(path: &str) -> Option<MetadataFile> {
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    if file == "METADATA" && dir.ends_with(".dist-info") {
        Some(MetadataFile::DistInfo)
    } else if file == "PKG-INFO" && dir.ends_with(".egg-info") {
        Some(MetadataFile::EggInfoDir)
    } else if file == "requires.txt" && dir.ends_with(".egg-info") {
        Some(MetadataFile::Requires)
    } else if file.ends_with(".egg-info") && file.len() > ".egg-info".len() {
        Some(MetadataFile::EggInfoFile)
    } else {
        None
    }
}

impl Cataloger for PythonCataloger {
    fn name(&self) -> &'static str {
        "python"
    }

    fn wants(&self, entry: &EntryInfo<'_>) -> Option<Capture> {
        classify(entry.path).map(|_| Capture::Keep { max: MAX_METADATA })
    }

    fn catalog(&self, files: &FileSet, _ctx: &CatalogContext) -> CatalogOutput {
        let mut out = CatalogOutput::default();
        for file in files.iter() {
            let kind = classify(&file.path);
            if !matches!(
                kind,
                Some(MetadataFile::DistInfo | MetadataFile::EggInfoDir | MetadataFile::EggInfoFile)
            ) {
                continue;
            }
            let mut meta = match parse_metadata(&file.content) {
                Ok(m) => m,
                Err(e) => {
                    out.warnings.push(format!("python: {}: {e}", file.path));
                    continue;
                }
            };
            if kind == Some(MetadataFile::EggInfoDir) {
                let requires = format!("{}/requires.txt", parent_dir(&file.path));
                if let Some(req) = same_layer_or_visible(files, &requires, file) {
                    meta.requires.extend(parse_requires_txt(&req.text()));
                }
            }
            out.packages.push(self.package(meta, file));
        }
        out
    }
}

impl PythonCataloger {
    fn package(&self, meta: CoreMetadata, file: &CapturedFile) -> Package {
        let name = normalize_name(&meta.name);
        let mut p = Package::new(
            PackageType::Python,
            name.clone(),
            meta.version.clone(),
            self.name(),
            file.location(),
        );
        p.licenses = meta.licenses();
        let mut deps: Vec<String> = meta.requires.iter().map(|r| normalize_name(r)).collect();
        deps.sort();
        deps.dedup();
        deps.retain(|d| *d != name);
        p.depends_on = deps;
        if meta.name != name {
            p.metadata.insert("name".into(), meta.name.clone());
        }
        for (key, value) in [
            ("author", &meta.author),
            ("author_email", &meta.author_email),
            ("homepage", &meta.home_page),
            ("summary", &meta.summary),
        ] {
            if let Some(v) = value
                .as_deref()
                .filter(|v| !v.is_empty() && *v != "UNKNOWN")
            {
                p.metadata.insert(key.into(), v.to_string());
            }
        }
        p
    }
}

/// The requires.txt next to a PKG-INFO: the copy from the same layer when the
/// scope keeps several, else the visible one.
fn same_layer_or_visible<'a>(
    files: &'a FileSet,
    path: &str,
    beside: &CapturedFile,
) -> Option<&'a CapturedFile> {
    files
        .get_all(path)
        .find(|f| f.layer_index == beside.layer_index)
        .or_else(|| files.get(path))
}

fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// PEP 503 normalized project name: lowercase, runs of `-`, `_`, `.` become one `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.extend(c.to_lowercase());
            in_sep = false;
        }
    }
    out
}

/// Why a metadata file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    /// A required header is absent (or empty).
    #[error("no {0} header")]
    Missing(&'static str),
    /// The file is not text.
    #[error("line {line}: NUL byte: not a metadata file")]
    Binary {
        /// 1-based line number.
        line: usize,
    },
}

/// The headers of a core metadata file that the cataloger uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoreMetadata {
    /// `Name`, as written.
    pub name: String,
    /// `Version`.
    pub version: String,
    /// `License` (first line only: some packages paste the whole text).
    pub license: Option<String>,
    /// `License-Expression` (PEP 639).
    pub license_expression: Option<String>,
    /// `Classifier: License :: ...` values, without the `License ::` prefix.
    pub license_classifiers: Vec<String>,
    /// Names of unconditional requirements (`Requires-Dist` without an extra marker).
    pub requires: Vec<String>,
    /// `Author`.
    pub author: Option<String>,
    /// `Author-email`.
    pub author_email: Option<String>,
    /// `Home-page`.
    pub home_page: Option<String>,
    /// `Summary`.
    pub summary: Option<String>,
}

impl CoreMetadata {
    /// Licenses in order of preference: the PEP 639 expression, the `License`
    /// field, the license classifiers.
    pub fn licenses(&self) -> Vec<String> {
        if let Some(e) = &self.license_expression {
            return vec![e.clone()];
        }
        if let Some(l) = &self.license {
            return vec![l.clone()];
        }
        let mut out: Vec<String> = self
            .license_classifiers
            .iter()
            .map(|c| classifier_license(c))
            .collect();
        out.dedup();
        out
    }
}

/// An SPDX id for a `License ::` classifier that names one license, else its last part.
fn classifier_license(classifier: &str) -> String {
    let last = classifier.rsplit("::").next().unwrap_or(classifier).trim();
    let spdx = match last {
        "MIT License" => "MIT",
        "MIT No Attribution License (MIT-0)" => "MIT-0",
        "ISC License (ISCL)" => "ISC",
        "Apache Software License" => "Apache-2.0",
        "Mozilla Public License 2.0 (MPL 2.0)" => "MPL-2.0",
        "Python Software Foundation License" => "PSF-2.0",
        "GNU General Public License v2 (GPLv2)" => "GPL-2.0-only",
        "GNU General Public License v2 or later (GPLv2+)" => "GPL-2.0-or-later",
        "GNU General Public License v3 (GPLv3)" => "GPL-3.0-only",
        "GNU General Public License v3 or later (GPLv3+)" => "GPL-3.0-or-later",
        "GNU Lesser General Public License v3 (LGPLv3)" => "LGPL-3.0-only",
        "GNU Lesser General Public License v3 or later (LGPLv3+)" => "LGPL-3.0-or-later",
        "GNU Affero General Public License v3" => "AGPL-3.0-only",
        "The Unlicense (Unlicense)" => "Unlicense",
        "Zope Public License" => "ZPL-2.1",
        "Boost Software License 1.0 (BSL-1.0)" => "BSL-1.0",
        "Eclipse Public License 2.0 (EPL-2.0)" => "EPL-2.0",
        _ => last,
    };
    spdx.to_string()
}

/// Parse the headers of a `METADATA` / `PKG-INFO` file. Headers end at the first
/// empty line (or at the first line that is neither a header nor a continuation,
/// as Python's email parser does); the body is ignored.
pub fn parse_metadata(bytes: &[u8]) -> Result<CoreMetadata, MetadataError> {
    let text = String::from_utf8_lossy(bytes);
    let mut headers: Vec<(String, String)> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.contains('\0') {
            return Err(MetadataError::Binary { line: i + 1 });
        }
        if line.trim().is_empty() {
            if headers.is_empty() && i == 0 {
                continue;
            }
            break;
        }
        if line.starts_with([' ', '\t']) {
            match headers.last_mut() {
                Some((_, value)) => {
                    value.push('\n');
                    value.push_str(line.trim());
                }
                None => break,
            }
            continue;
        }
        match line.split_once(':') {
            Some((key, value)) if is_header_name(key) => {
                headers.push((key.to_ascii_lowercase(), value.trim().to_string()));
            }
            _ => break,
        }
    }

    let mut m = CoreMetadata::default();
    let first_line = |v: &str| v.lines().next().unwrap_or("").trim().to_string();
    let some = |v: String| Some(v).filter(|v| !v.is_empty());
    for (key, value) in headers {
        match key.as_str() {
            "name" if m.name.is_empty() => m.name = first_line(&value),
            "version" if m.version.is_empty() => m.version = first_line(&value),
            "license" if m.license.is_none() => {
                m.license = some(first_line(&value)).filter(|v| v != "UNKNOWN")
            }
            "license-expression" if m.license_expression.is_none() => {
                m.license_expression = some(first_line(&value))
            }
            "classifier" => {
                if let Some(rest) = value.strip_prefix("License ::") {
                    let rest = rest.trim();
                    // `License :: OSI Approved` alone says nothing.
                    if rest != "OSI Approved" && !rest.is_empty() {
                        m.license_classifiers.push(rest.to_string());
                    }
                }
            }
            "requires-dist" => {
                if let Some(name) = requirement_name(&value, false) {
                    m.requires.push(name);
                }
            }
            "author" if m.author.is_none() => m.author = some(first_line(&value)),
            "author-email" if m.author_email.is_none() => m.author_email = some(first_line(&value)),
            "home-page" if m.home_page.is_none() => m.home_page = some(first_line(&value)),
            "summary" if m.summary.is_none() => m.summary = some(first_line(&value)),
            _ => {}
        }
    }
    if m.name.is_empty() {
        return Err(MetadataError::Missing("Name"));
    }
    if m.version.is_empty() {
        return Err(MetadataError::Missing("Version"));
    }
    Ok(m)
}

fn is_header_name(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The project name of a PEP 508 requirement (`urllib3[socks] (<1.24,>=1.21.1); extra == "x"`).
/// `None` for an empty line, a comment, or (unless `keep_extras`) a requirement
/// gated on an extra.
fn requirement_name(req: &str, keep_extras: bool) -> Option<String> {
    let req = req.trim();
    let (spec, marker) = req.split_once(';').unwrap_or((req, ""));
    if !keep_extras && marker_mentions_extra(marker) {
        return None;
    }
    let name: String = spec
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let name = name.trim_end_matches(['-', '_', '.']);
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some(name.to_string())
}

fn marker_mentions_extra(marker: &str) -> bool {
    let mut rest = marker;
    while let Some(i) = rest.find("extra") {
        let before = rest[..i].chars().next_back();
        let after = rest[i + 5..].trim_start();
        let word_start = before.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
        if word_start && (after.starts_with("==") || after.starts_with("!=")) {
            return true;
        }
        rest = &rest[i + 5..];
    }
    false
}

/// Requirement names of an egg-info `requires.txt`: the lines before the first
/// section, and those of sections that are only an environment marker
/// (`[:python_version < "3.8"]`); `[extra]` sections are optional and left out.
pub fn parse_requires_txt(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_base = true;
    for line in text.lines() {
        let line = line.trim();
        if let Some(section) = line.strip_prefix('[') {
            in_base = section.starts_with(':');
            continue;
        }
        if in_base && !line.starts_with('#') {
            if let Some(name) = requirement_name(line, true) {
                out.push(name);
            }
        }
    }
    out
}

#[cfg(test)]
pub(super) mod fixtures {
    //! Test support shared by the language catalogers' tests: run a cataloger
    //! over a fixture tree as the walker would (one layer, every file offered to
    //! `wants`), and read what syft reported for the same tree.

    use std::collections::{BTreeSet, HashMap};
    use std::path::{Path, PathBuf};

    use super::super::{
        Capture, CapturedFile, CatalogContext, CatalogOutput, Cataloger, EntryInfo, FileSet,
    };
    use crate::sbom::model::{Package, PackageType};

    /// `fixtures/catalog/<eco>`.
    pub fn dir(eco: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/catalog")
            .join(eco)
    }

    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }

    /// Run `c` over the fixture tree of `eco` (syft's `*.tsv` files excluded).
    pub fn scan(c: &dyn Cataloger, eco: &str) -> CatalogOutput {
        let root = dir(eco);
        let mut files = Vec::new();
        walk(&root, &root, &mut files);
        let ctx = CatalogContext::default();
        let mut kept = Vec::new();
        let mut out = CatalogOutput::default();
        for (path, content) in files {
            if path.ends_with(".tsv") {
                continue;
            }
            let info = EntryInfo {
                path: &path,
                size: content.len() as u64,
                mode: 0o644,
            };
            let file = |content| CapturedFile {
                path: path.clone(),
                layer_index: 0,
                mode: 0o644,
                content,
            };
            match c.wants(&info) {
                Some(Capture::Keep { max }) if content.len() as u64 <= max => {
                    kept.push(file(content))
                }
                Some(Capture::Immediate { max }) if content.len() as u64 <= max => {
                    out.extend(c.catalog_file(&file(content), &ctx))
                }
                _ => {}
            }
        }
        out.extend(c.catalog(&FileSet::new(kept, HashMap::new()), &ctx));
        out
    }

    /// Package identities as purl-like strings without qualifiers
    /// (`pkg:npm/%40scope/name@1.0.0`, `pkg:maven/group/artifact@1.0`).
    pub fn purl(p: &Package) -> String {
        let name = if p.package_type == PackageType::Npm {
            p.name.replacen('@', "%40", 1)
        } else {
            p.name.clone()
        };
        let ns = p
            .namespace
            .as_deref()
            .map(|n| format!("{n}/"))
            .unwrap_or_default();
        if p.version.is_empty() {
            format!("pkg:{}/{ns}{name}", p.package_type.purl_type())
        } else {
            format!(
                "pkg:{}/{ns}{name}@{}",
                p.package_type.purl_type(),
                p.version
            )
        }
    }

    /// (purl, path) pairs of our packages: one per location.
    pub fn ours(out: &CatalogOutput) -> BTreeSet<(String, String)> {
        out.packages
            .iter()
            .flat_map(|p| p.locations.iter().map(move |l| (purl(p), l.path.clone())))
            .collect()
    }

    /// (purl, path) pairs syft 1.18.1 reported for the tree, with the catalogers
    /// syft runs on `mode` (`image` or `directory`): `syft-<mode>.tsv`, written by
    /// `scripts/make-lang-fixtures.sh syft`.
    pub fn syft(eco: &str, mode: &str) -> BTreeSet<(String, String)> {
        let text = std::fs::read_to_string(dir(eco).join(format!("syft-{mode}.tsv"))).unwrap();
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| {
                let cols: Vec<&str> = l.split('\t').collect();
                (cols[2].to_string(), cols[4].to_string())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeSet, HashMap};

    fn by_name(packages: &[Package]) -> HashMap<&str, Vec<&Package>> {
        let mut m: HashMap<&str, Vec<&Package>> = HashMap::new();
        for p in packages {
            m.entry(p.name.as_str()).or_default().push(p);
        }
        m
    }

    const REQUESTS: &str = "fixtures/catalog/python/usr/local/lib/python3.11/site-packages/requests-2.19.1.dist-info/METADATA";

    fn read(rel: &str) -> Vec<u8> {
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
    }

    #[test]
    fn wants_metadata_files_only() {
        let w = |p: &str| {
            PythonCataloger
                .wants(&EntryInfo {
                    path: p,
                    size: 10,
                    mode: 0o644,
                })
                .is_some()
        };
        assert!(w(
            "usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO"
        ));
        assert!(w("usr/lib/python3/dist-packages/rpm-4.18.0.egg-info"));
        assert!(w("x/cryptography.egg-info/requires.txt"));
        assert!(w(
            "opt/venv/lib/python3.11/site-packages/attrs-25.3.0.dist-info/METADATA"
        ));
        assert!(!w(
            "opt/venv/lib/python3.11/site-packages/attrs-25.3.0.dist-info/RECORD"
        ));
        assert!(!w(
            "opt/venv/lib/python3.11/site-packages/attrs/__init__.py"
        ));
        assert!(!w("METADATA"));
        assert!(!w(".egg-info"));
    }

    #[test]
    fn parses_a_wheel_metadata_file_written_by_pip() {
        let m = parse_metadata(&read(REQUESTS)).unwrap();
        assert_eq!(m.name, "requests");
        assert_eq!(m.version, "2.19.1");
        assert_eq!(m.license.as_deref(), Some("Apache 2.0"));
        assert_eq!(m.licenses(), vec!["Apache 2.0"]);
        // pyOpenSSL and cryptography are only for the `security` extra.
        assert_eq!(m.requires, vec!["chardet", "idna", "urllib3", "certifi"]);
        assert_eq!(m.author.as_deref(), Some("Kenneth Reitz"));
        assert_eq!(m.home_page.as_deref(), Some("http://python-requests.org"));
    }

    #[test]
    fn license_expression_wins_then_license_then_classifiers() {
        let m = parse_metadata(
            b"Metadata-Version: 2.4\nName: x\nVersion: 1\nLicense: BSD\nLicense-Expression: MIT OR Apache-2.0\n",
        )
        .unwrap();
        assert_eq!(m.licenses(), vec!["MIT OR Apache-2.0"]);
        let m = parse_metadata(
            b"Name: x\nVersion: 1\nLicense: UNKNOWN\nClassifier: License :: OSI Approved\nClassifier: License :: OSI Approved :: BSD License\nClassifier: License :: OSI Approved :: MIT License\nClassifier: Programming Language :: Python\n",
        )
        .unwrap();
        assert_eq!(m.licenses(), vec!["BSD License", "MIT"]);
        // A License field holding the whole license text: the first line only.
        let m = parse_metadata(
            b"Name: x\nVersion: 1\nLicense: MIT License\n        \n        Copyright (c) 2020 Someone\n\nbody: not a header\n",
        )
        .unwrap();
        assert_eq!(m.licenses(), vec!["MIT License"]);
    }

    #[test]
    fn headers_end_at_the_body() {
        let m = parse_metadata(
            b"Name: x\r\nVersion: 1.0\r\nRequires-Dist: a>=1\r\n\r\nRequires-Dist: not-a-header\r\n",
        )
        .unwrap();
        assert_eq!(m.requires, vec!["a"]);
        // A metadata 2.1 body with no blank line before it (old setuptools bug):
        // the first non-header line ends the headers.
        let m =
            parse_metadata(b"Name: x\nVersion: 1.0\nThis is the description.\nName: y\n").unwrap();
        assert_eq!(m.name, "x");
    }

    #[test]
    fn requirement_names() {
        let r = |s| requirement_name(s, false);
        assert_eq!(r("chardet (<3.1.0,>=3.0.2)").as_deref(), Some("chardet"));
        assert_eq!(
            r("urllib3[socks]>=1.21; python_version>='3'").as_deref(),
            Some("urllib3")
        );
        assert_eq!(r("zope.interface"), Some("zope.interface".into()));
        assert_eq!(r("ruff >= 0.6.2 ; extra == \"all\""), None);
        assert_eq!(
            r("brotli>=1.0.9; (platform_python_implementation == 'CPython') and extra == 'brotli'"),
            None
        );
        assert_eq!(r("foo; sys_platform == 'win32'").as_deref(), Some("foo"));
        assert_eq!(
            r("notextra; python_extra_thing == '1'").as_deref(),
            Some("notextra")
        );
        assert_eq!(r(""), None);
        assert_eq!(r("; extra == 'x'"), None);
        assert_eq!(r("-e git+https://x"), None);
    }

    #[test]
    fn requires_txt_base_and_marker_sections() {
        let text = "six>=1.10\nPyYAML\n\n[:python_version < \"3.8\"]\nimportlib-metadata\n\n[test]\npytest\n";
        assert_eq!(
            parse_requires_txt(text),
            vec!["six", "PyYAML", "importlib-metadata"]
        );
    }

    #[test]
    fn pep503_names() {
        assert_eq!(normalize_name("PyYAML"), "pyyaml");
        assert_eq!(normalize_name("typing_extensions"), "typing-extensions");
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
        assert_eq!(normalize_name("A__b-.-C"), "a-b-c");
    }

    #[test]
    fn errors_name_what_is_wrong() {
        assert_eq!(parse_metadata(b""), Err(MetadataError::Missing("Name")));
        assert_eq!(
            parse_metadata(b"Name: x\n"),
            Err(MetadataError::Missing("Version"))
        );
        assert_eq!(
            parse_metadata(b"Metadata-Version: 2.1\nName: x\0\n"),
            Err(MetadataError::Binary { line: 2 })
        );
        let out = PythonCataloger.catalog(
            &FileSet::new(
                vec![CapturedFile {
                    path: "a/b.dist-info/METADATA".into(),
                    layer_index: 0,
                    mode: 0o644,
                    content: b"Name: b\n".to_vec(),
                }],
                Default::default(),
            ),
            &CatalogContext::default(),
        );
        assert!(out.packages.is_empty());
        assert_eq!(
            out.warnings,
            vec!["python: a/b.dist-info/METADATA: no Version header"]
        );
    }

    #[test]
    fn garbage_and_truncated_input_never_panics() {
        let real = read(REQUESTS);
        for cut in 0..real.len().min(2000) {
            let _ = parse_metadata(&real[..cut]);
        }
        let mut seed = 0x9e3779b97f4a7c15u64;
        for _ in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut bytes = real[..600].to_vec();
            let i = (seed as usize) % bytes.len();
            bytes[i] = (seed >> 32) as u8;
            let _ = parse_metadata(&bytes);
            let _ = parse_requires_txt(&String::from_utf8_lossy(&bytes));
        }
        let _ = parse_metadata(&[0xff, 0xfe, b':', b'\n', b' ', b'\n']);
        let _ = parse_metadata(b"   \n\t\n: :\n");
    }

    #[test]
    fn fixture_tree_matches_syft() {
        let out = fixtures::scan(&PythonCataloger, "python");
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let syft = fixtures::syft("python", "image");
        assert_eq!(fixtures::ours(&out), syft);
        assert_eq!(syft.len(), 14);

        let by = by_name(&out.packages);
        let pyyaml = by["pyyaml"][0];
        assert_eq!(pyyaml.metadata["name"], "PyYAML");
        assert_eq!(pyyaml.licenses, vec!["MIT"]);
        assert_eq!(by["attrs"][0].licenses, vec!["MIT"], "License-Expression");
        // Classifier fallback: syft reports no license for these.
        assert_eq!(
            by["packaging"][0].licenses,
            vec!["Apache-2.0", "BSD License"]
        );
        assert_eq!(by["typing-extensions"][0].licenses, vec!["PSF-2.0"]);
        assert_eq!(by["idna"].len(), 2);
        let requests = by["requests"][0];
        assert_eq!(
            requests.depends_on,
            vec!["certifi", "chardet", "idna", "urllib3"]
        );
        // egg-info directory: PKG-INFO plus requires.txt (setuptools wrote both).
        let egg = by["demo-egg"][0];
        assert_eq!(egg.version, "0.3.1");
        assert_eq!(egg.licenses, vec!["BSD-3-Clause"]);
        assert_eq!(egg.depends_on, vec!["pyyaml", "six"]);
        assert_eq!(egg.metadata["homepage"], "https://example.invalid/demo-egg");
        // Single-file egg-info written by distutils (Debian's python3-rpm).
        let rpm = by["rpm"][0];
        assert_eq!(
            rpm.locations[0].path,
            "usr/lib/python3/dist-packages/rpm-4.18.0.egg-info"
        );
        let names: BTreeSet<&str> = out.packages.iter().map(|p| p.name.as_str()).collect();
        assert!(names.contains("charset-normalizer"));
    }
}
