//! Debian/Ubuntu dpkg database.
//!
//! Reads:
//! - `var/lib/dpkg/status`: RFC 822-style stanzas, one per package; only
//!   packages whose files are on disk are reported (the state word of
//!   `Status:` is not `not-installed` nor `config-files`);
//! - `var/lib/dpkg/status.d/*` (distroless): one control stanza per file, no
//!   `Status:` needed; `*.md5sums` there are skipped;
//! - `var/lib/dpkg/info/<pkg>[:<arch>].list`: the files each package owns,
//!   reported in [`CatalogOutput::owned_files`] and as a second location;
//! - `usr/share/doc/<pkg>/copyright`: license short names from machine-readable
//!   `License:` fields and `/usr/share/common-licenses/<name>` references.
//!
//! Emits one [`PackageType::Deb`] package per installed stanza: name, version
//! (epoch kept: `1:1.2.13.dfsg-1`), arch, source package (`Source: glibc` or
//! `Source: bash (5.2.15-2)` with its own version), licenses, dependencies
//! (names of `Depends` and `Pre-Depends`; every alternative; version
//! constraints and `:any` qualifiers dropped; virtual names replaced by the
//! installed packages that provide them), and `maintainer`, `installedSize`,
//! `homepage` metadata. Its first location is the database file (its layer is
//! the package's layer).

use std::collections::{BTreeSet, HashMap};

use super::{Capture, CapturedFile, CatalogContext, CatalogOutput, Cataloger, EntryInfo, FileSet};
use crate::sbom::model::{Location, Package, PackageType, SourcePackage};

const STATUS: &str = "var/lib/dpkg/status";
const STATUS_D: &str = "var/lib/dpkg/status.d/";
const INFO: &str = "var/lib/dpkg/info/";
const DOC: &str = "usr/share/doc/";

const MAX_STATUS: u64 = 64 << 20;
const MAX_STATUS_D: u64 = 4 << 20;
const MAX_LIST: u64 = 32 << 20;
const MAX_COPYRIGHT: u64 = 256 << 10;

/// The dpkg cataloger.
pub struct DpkgCataloger;

impl Cataloger for DpkgCataloger {
    fn name(&self) -> &'static str {
        "dpkg"
    }

    fn wants(&self, entry: &EntryInfo<'_>) -> Option<Capture> {
        let path = entry.path;
        let max = if path == STATUS {
            MAX_STATUS
        } else if let Some(name) = path.strip_prefix(STATUS_D) {
            if !is_status_d_name(name) {
                return None;
            }
            MAX_STATUS_D
        } else if let Some(name) = path.strip_prefix(INFO) {
            if name.contains('/') || !name.ends_with(".list") {
                return None;
            }
            MAX_LIST
        } else if let Some(rest) = path.strip_prefix(DOC) {
            match rest.split_once('/') {
                Some((pkg, "copyright")) if !pkg.is_empty() => MAX_COPYRIGHT,
                _ => return None,
            }
        } else {
            return None;
        };
        Some(Capture::Keep { max })
    }

    fn catalog(&self, files: &FileSet, _ctx: &CatalogContext) -> CatalogOutput {
        catalog_files(files, self.name())
    }
}

/// A `status.d` entry that holds a control stanza (not `foo.md5sums`, not in a subdirectory).
fn is_status_d_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('/') && !name.ends_with(".md5sums") && !name.starts_with('.')
}

fn catalog_files(files: &FileSet, found_by: &str) -> CatalogOutput {
    let mut out = CatalogOutput::default();
    let databases: Vec<&CapturedFile> = files
        .get_all(STATUS)
        .chain(
            files
                .under(STATUS_D)
                .filter(|f| is_status_d_name(&f.path[STATUS_D.len()..])),
        )
        .collect();

    let mut found: Vec<(DpkgEntry, &CapturedFile)> = Vec::new();
    for db in databases {
        let parsed = parse_status(&db.content);
        for e in parsed.errors {
            out.warnings.push(format!("{}: {e}", db.path));
        }
        found.extend(
            parsed
                .entries
                .into_iter()
                .filter(|e| e.is_installed())
                .map(|e| (e, db)),
        );
    }
    if found.is_empty() {
        return out;
    }

    // Installed names and what provides each virtual name, for the dependencies.
    let installed: BTreeSet<&str> = found.iter().map(|(e, _)| e.package.as_str()).collect();
    let mut providers: HashMap<&str, Vec<&str>> = HashMap::new();
    for (e, _) in &found {
        for p in &e.provides {
            providers.entry(p.as_str()).or_default().push(&e.package);
        }
    }
    let resolve = |groups: &[Vec<String>]| -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for alt in groups.iter().flatten() {
            let resolved: Vec<&str> = if installed.contains(alt.as_str()) {
                vec![alt.as_str()]
            } else {
                providers
                    .get(alt.as_str())
                    .cloned()
                    .unwrap_or_else(|| vec![alt.as_str()])
            };
            for r in resolved {
                if !names.iter().any(|n| n == r) {
                    names.push(r.to_string());
                }
            }
        }
        names
    };

    let mut licenses_by_name: HashMap<String, Vec<String>> = HashMap::new();
    let mut packages = Vec::with_capacity(found.len());
    for (e, db) in &found {
        let mut pkg = Package::new(
            PackageType::Deb,
            e.package.clone(),
            e.version.clone(),
            found_by,
            db.location(),
        );
        pkg.arch = e.architecture.clone();
        pkg.source = e.source.clone();
        pkg.depends_on = resolve(&e.depends);
        for (key, value) in [
            ("maintainer", &e.maintainer),
            ("installedSize", &e.installed_size),
            ("homepage", &e.homepage),
        ] {
            if let Some(v) = value {
                pkg.metadata.insert(key.to_string(), v.clone());
            }
        }

        // Files: info/<name>:<arch>.list (Multi-Arch: same), else info/<name>.list.
        let list = e
            .architecture
            .as_deref()
            .and_then(|arch| files.get(&format!("{INFO}{}:{arch}.list", e.package)))
            .or_else(|| files.get(&format!("{INFO}{}.list", e.package)));
        if let Some(list) = list {
            out.owned_files.extend(parse_list(&list.content));
            push_location(&mut pkg.locations, list.location());
        }

        pkg.licenses = licenses_by_name
            .entry(e.package.clone())
            .or_insert_with(|| {
                find_copyright(files, &e.package)
                    .map(|f| parse_copyright_licenses(&f.text()))
                    .unwrap_or_default()
            })
            .clone();
        packages.push(pkg);
    }
    out.packages = merge_same_packages(packages);
    out.owned_files = with_symlinked_dirs(files, out.owned_files);
    out
}

/// Owned paths, sorted and deduplicated, plus the path each one has through a
/// symlinked top-level directory: on a merged-/usr system dpkg lists
/// `/lib/x86_64-linux-gnu/libc.so.6` while the layers hold
/// `usr/lib/x86_64-linux-gnu/libc.so.6` (`lib` -> `usr/lib`). Shared by the OS
/// catalogers.
pub(super) fn with_symlinked_dirs(files: &FileSet, mut owned: Vec<String>) -> Vec<String> {
    let mut aliases: HashMap<String, Option<String>> = HashMap::new();
    let mut extra = Vec::new();
    for path in &owned {
        let Some((top, rest)) = path.split_once('/') else {
            continue;
        };
        let alias = aliases.entry(top.to_string()).or_insert_with(|| {
            files.symlink(top).map(|target| {
                let t = target.trim_start_matches('/').trim_end_matches('/');
                t.strip_prefix("./").unwrap_or(t).to_string()
            })
        });
        if let Some(alias) = alias
            .as_deref()
            .filter(|a| !a.is_empty() && !a.contains(".."))
        {
            extra.push(format!("{alias}/{rest}"));
        }
    }
    owned.extend(extra);
    owned.sort_unstable();
    owned.dedup();
    owned
}

/// `usr/share/doc/<pkg>/copyright`, also when the package's doc directory is
/// a symlink to another package's (`libgcc-s1` -> `gcc-12-base`).
fn find_copyright<'a>(files: &'a FileSet, package: &str) -> Option<&'a CapturedFile> {
    let dir = format!("{DOC}{package}");
    files.get(&format!("{dir}/copyright")).or_else(|| {
        let target = super::release::resolve_symlink(files, &dir)?;
        files.get(&format!("{target}/copyright"))
    })
}

fn push_location(locations: &mut Vec<Location>, loc: Location) {
    if !locations.contains(&loc) {
        locations.push(loc);
    }
}

/// Merge packages with the same name, version and arch found in several
/// database copies (the all-layers scope sees one copy per layer that wrote
/// it): one package, the first copy's location first (the layer that
/// introduced it), the other copies' locations after it. Order kept.
/// Shared by the OS catalogers.
pub(super) fn merge_same_packages(packages: Vec<Package>) -> Vec<Package> {
    let mut index: HashMap<(String, String, Option<String>), usize> = HashMap::new();
    let mut out: Vec<Package> = Vec::with_capacity(packages.len());
    for pkg in packages {
        let key = (pkg.name.clone(), pkg.version.clone(), pkg.arch.clone());
        match index.get(&key) {
            Some(&i) => {
                let kept = &mut out[i];
                for loc in pkg.locations {
                    push_location(&mut kept.locations, loc);
                }
                for d in pkg.depends_on {
                    if !kept.depends_on.contains(&d) {
                        kept.depends_on.push(d);
                    }
                }
                for l in pkg.licenses {
                    if !kept.licenses.contains(&l) {
                        kept.licenses.push(l);
                    }
                }
            }
            None => {
                index.insert(key, out.len());
                out.push(pkg);
            }
        }
    }
    out
}

/// A parse problem at a line of a control file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {what}")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub what: String,
}

/// One stanza of a control file: fields in order, continuation lines joined with `\n`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stanza {
    /// Line of its first field.
    pub line: usize,
    /// `(name, value)` pairs.
    pub fields: Vec<(String, String)>,
}

impl Stanza {
    /// A field's value, matching the name without regard to case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Split control-file text into stanzas (blank lines separate them; lines
/// starting with a space or tab continue the previous field). Malformed lines
/// are reported and skipped; everything else is kept.
pub fn parse_stanzas(text: &str) -> (Vec<Stanza>, Vec<ParseError>) {
    let mut stanzas = Vec::new();
    let mut errors = Vec::new();
    let mut current = Stanza::default();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            if !current.fields.is_empty() {
                stanzas.push(std::mem::take(&mut current));
            }
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            match current.fields.last_mut() {
                Some((_, value)) => {
                    value.push('\n');
                    value.push_str(line.trim());
                }
                None => errors.push(ParseError {
                    line: line_no,
                    what: "continuation line without a field before it".into(),
                }),
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        match line.split_once(':') {
            Some((name, value)) if !name.is_empty() && !name.contains(char::is_whitespace) => {
                if current.fields.is_empty() {
                    current.line = line_no;
                }
                current
                    .fields
                    .push((name.to_string(), value.trim().to_string()));
            }
            _ => errors.push(ParseError {
                line: line_no,
                what: format!("expected `Field: value`, found {:?}", truncate(line, 60)),
            }),
        }
    }
    if !current.fields.is_empty() {
        stanzas.push(current);
    }
    (stanzas, errors)
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The facts of one dpkg database stanza.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpkgEntry {
    /// Line of the stanza in its file.
    pub line: usize,
    /// `Package`.
    pub package: String,
    /// `Version`, epoch kept.
    pub version: String,
    /// `Architecture`.
    pub architecture: Option<String>,
    /// `Source`, with its version when given in parentheses.
    pub source: Option<SourcePackage>,
    /// `Status` (`install ok installed`), when present.
    pub status: Option<String>,
    /// `Maintainer`.
    pub maintainer: Option<String>,
    /// `Installed-Size` (KiB).
    pub installed_size: Option<String>,
    /// `Homepage`.
    pub homepage: Option<String>,
    /// `Pre-Depends` then `Depends`: groups of alternatives, names only.
    pub depends: Vec<Vec<String>>,
    /// `Provides`, names only.
    pub provides: Vec<String>,
}

impl DpkgEntry {
    /// Whether the package's files are on disk: the state (third word of
    /// `Status:`) is anything but `not-installed` and `config-files` (so
    /// `installed`, `unpacked`, `half-configured`, `triggers-pending`, ...).
    /// Entries without `Status:` (distroless `status.d`) are installed.
    pub fn is_installed(&self) -> bool {
        match &self.status {
            None => true,
            Some(s) => !matches!(
                s.split_whitespace().nth(2),
                Some("not-installed" | "config-files") | None
            ),
        }
    }
}

/// What [`parse_status`] found.
#[derive(Debug, Clone, Default)]
pub struct StatusParse {
    /// Every stanza with a package name and version, installed or not.
    pub entries: Vec<DpkgEntry>,
    /// Malformed lines and stanzas, skipped.
    pub errors: Vec<ParseError>,
}

/// Parse a dpkg `status` file or a `status.d` entry.
pub fn parse_status(data: &[u8]) -> StatusParse {
    let text = String::from_utf8_lossy(data);
    let (stanzas, mut errors) = parse_stanzas(&text);
    let mut entries = Vec::with_capacity(stanzas.len());
    for s in stanzas {
        let Some(package) = s.get("Package").filter(|p| !p.is_empty()) else {
            errors.push(ParseError {
                line: s.line,
                what: "stanza has no Package field".into(),
            });
            continue;
        };
        let status = s.get("Status").map(str::to_string);
        let version = s.get("Version").filter(|v| !v.is_empty());
        let Some(version) = version else {
            // Packages known to dpkg but not installed may lack a version.
            let not_installed = status
                .as_deref()
                .and_then(|st| st.split_whitespace().nth(2))
                .is_some_and(|st| st == "not-installed" || st == "config-files");
            if !not_installed {
                errors.push(ParseError {
                    line: s.line,
                    what: format!("package {package} has no Version field"),
                });
            }
            continue;
        };
        let mut depends = Vec::new();
        for field in ["Pre-Depends", "Depends"] {
            if let Some(v) = s.get(field) {
                depends.extend(parse_relations(v));
            }
        }
        let opt = |name: &str| s.get(name).filter(|v| !v.is_empty()).map(str::to_string);
        entries.push(DpkgEntry {
            line: s.line,
            package: package.to_string(),
            version: version.to_string(),
            architecture: opt("Architecture"),
            source: s.get("Source").and_then(parse_source),
            status,
            maintainer: opt("Maintainer"),
            installed_size: opt("Installed-Size"),
            homepage: opt("Homepage"),
            depends,
            provides: s
                .get("Provides")
                .map(|v| parse_relations(v).into_iter().flatten().collect())
                .unwrap_or_default(),
        });
    }
    StatusParse { entries, errors }
}

/// `Source: glibc` or `Source: bash (5.2.15-2)`.
fn parse_source(value: &str) -> Option<SourcePackage> {
    let (name, version) = match value.split_once('(') {
        Some((name, rest)) => (
            name.trim(),
            Some(rest.split(')').next().unwrap_or("").trim()).filter(|v| !v.is_empty()),
        ),
        None => (value.trim(), None),
    };
    (!name.is_empty()).then(|| SourcePackage {
        name: name.to_string(),
        version: version.map(str::to_string),
    })
}

/// A relationship field (`a (>= 1) | b:any, c [amd64] <!nocheck>`) as groups of
/// alternative package names: version constraints, architecture restrictions,
/// build profiles and `:arch` qualifiers dropped.
pub fn parse_relations(value: &str) -> Vec<Vec<String>> {
    value
        .split(',')
        .map(|group| {
            group
                .split('|')
                .filter_map(|alt| {
                    let name = alt
                        .trim()
                        .split(|c: char| c.is_whitespace() || matches!(c, '(' | '[' | '<'))
                        .next()
                        .unwrap_or("");
                    let name = name.split(':').next().unwrap_or("");
                    (!name.is_empty()).then(|| name.to_string())
                })
                .collect::<Vec<_>>()
        })
        .filter(|g| !g.is_empty())
        .collect()
}

/// Paths of a `.list` file, without the leading `/` (the `/.` root entry dropped).
pub fn parse_list(data: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(data)
        .lines()
        .map(|l| l.trim_end_matches('\r').trim_start_matches('/'))
        .filter(|l| !l.is_empty() && *l != ".")
        .map(str::to_string)
        .collect()
}

/// License short names in a `copyright` file: the names in each `License:`
/// field of the machine-readable format (`GPL-3+ with Bison exception` gives
/// `GPL-3+`; `Artistic or GPL-1+` gives both), and the names in
/// `/usr/share/common-licenses/<name>` references. Sorted, without duplicates.
pub fn parse_copyright_licenses(text: &str) -> Vec<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let Some((field, value)) = line.split_once(':') else {
            continue;
        };
        if !field.eq_ignore_ascii_case("license") {
            continue;
        }
        for part in split_license_expression(value) {
            if let Some(name) = clean_license_name(part) {
                found.insert(name);
            }
        }
    }
    const COMMON: &str = "/usr/share/common-licenses/";
    let mut rest = text;
    while let Some(i) = rest.find(COMMON) {
        rest = &rest[i + COMMON.len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+')))
            .unwrap_or(rest.len());
        if let Some(name) = clean_license_name(&rest[..end]) {
            found.insert(name);
        }
    }
    found.into_iter().collect()
}

/// `A or B and (C with X exception)` → `A`, `B`, `C with X exception`.
fn split_license_expression(value: &str) -> Vec<&str> {
    let mut parts = vec![value];
    for sep in [" or ", " and ", " | ", ", ", " OR ", " AND "] {
        parts = parts.into_iter().flat_map(|p| p.split(sep)).collect();
    }
    parts
}

/// A single short name, or `None` for prose.
fn clean_license_name(part: &str) -> Option<String> {
    let part = part.trim().trim_matches(|c| c == '(' || c == ')');
    let part = part
        .split(" with ")
        .next()
        .unwrap_or("")
        .split(" WITH ")
        .next()
        .unwrap_or("")
        .trim()
        .trim_end_matches('.');
    let ok = !part.is_empty()
        && part.len() <= 64
        && part
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | '/' | '~'));
    ok.then(|| part.to_string())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use super::*;

    /// Every file under `dir` as kept files of one layer.
    fn load_tree(dir: &Path, layer_index: usize) -> Vec<CapturedFile> {
        fn walk(base: &Path, dir: &Path, layer: usize, out: &mut Vec<CapturedFile>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap())
                .collect();
            entries.sort_by_key(|e| e.path());
            for e in entries {
                let p = e.path();
                if p.is_dir() {
                    walk(base, &p, layer, out);
                } else {
                    out.push(CapturedFile {
                        path: p.strip_prefix(base).unwrap().to_string_lossy().into_owned(),
                        layer_index: layer,
                        mode: 0o644,
                        content: std::fs::read(&p).unwrap(),
                    });
                }
            }
        }
        let mut out = Vec::new();
        walk(dir, dir, layer_index, &mut out);
        out
    }

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/catalog/dpkg")
            .join(name)
    }

    /// Only what the cataloger would keep.
    fn kept(files: Vec<CapturedFile>) -> FileSet {
        let files = files
            .into_iter()
            .filter(|f| {
                DpkgCataloger
                    .wants(&EntryInfo {
                        path: &f.path,
                        size: f.content.len() as u64,
                        mode: f.mode,
                    })
                    .is_some()
            })
            .collect();
        FileSet::new(files, HashMap::new())
    }

    fn find<'a>(pkgs: &'a [Package], name: &str, arch: &str) -> &'a Package {
        pkgs.iter()
            .find(|p| p.name == name && p.arch.as_deref() == Some(arch))
            .unwrap_or_else(|| panic!("{name}:{arch} not found"))
    }

    #[test]
    fn real_debian_status() {
        let fs = kept(load_tree(&fixture("rootfs"), 2));
        let out = DpkgCataloger.catalog(&fs, &CatalogContext::default());
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let names: Vec<String> = out
            .packages
            .iter()
            .map(|p| format!("{}:{}", p.name, p.arch.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            names,
            [
                "base-files:amd64",
                "bash:amd64",
                "debconf:all",
                "gcc-12-base:amd64",
                "libc6:amd64",
                "libc6:i386",
                "libgcc-s1:amd64",
                "libssl3:amd64",
                "mawk:amd64",
                "tzdata:all",
                "zlib1g:amd64",
                // `deinstall ok installed`: still on disk; `config-files` libfoo-old is not
                "libmarked1:amd64",
            ]
        );

        // Source with its own version; epoch kept in the binary version.
        let bash = find(&out.packages, "bash", "amd64");
        assert_eq!(bash.version, "5.2.15-2+b8");
        assert_eq!(
            bash.source,
            Some(SourcePackage {
                name: "bash".into(),
                version: Some("5.2.15-2".into())
            })
        );
        assert_eq!(
            bash.depends_on,
            ["libc6", "libtinfo6", "base-files", "debianutils"]
        );
        assert_eq!(
            bash.licenses,
            [
                "BSD-4-clause-UC",
                "GFDL-1.3",
                "GFDL-NIV-1.3",
                "GPL-2",
                "GPL-2+",
                "GPL-3",
                "GPL-3+",
                "Latex2e",
                "MIT-like",
                "permissive"
            ]
        );
        let zlib = find(&out.packages, "zlib1g", "amd64");
        assert_eq!(zlib.version, "1:1.2.13.dfsg-1");
        assert_eq!(
            zlib.source,
            Some(SourcePackage {
                name: "zlib".into(),
                version: None
            })
        );
        assert_eq!(zlib.licenses, ["Zlib"]);
        assert_eq!(zlib.metadata["installedSize"], "168");
        assert_eq!(
            zlib.metadata["maintainer"],
            "Mark Brown <broonie@debian.org>"
        );

        // Multi-Arch: same: the list is libc6:amd64.list; the i386 instance has none.
        let libc = find(&out.packages, "libc6", "amd64");
        assert_eq!(libc.source.as_ref().unwrap().name, "glibc");
        assert_eq!(libc.licenses, ["GPL-2", "LGPL-2.1"]);
        assert_eq!(
            libc.locations,
            [
                Location {
                    path: "var/lib/dpkg/status".into(),
                    layer_index: 2,
                    layer_digest: None
                },
                Location {
                    path: "var/lib/dpkg/info/libc6:amd64.list".into(),
                    layer_index: 2,
                    layer_digest: None
                }
            ]
        );
        assert_eq!(find(&out.packages, "libc6", "i386").locations.len(), 1);
        assert_eq!(
            find(&out.packages, "libssl3", "amd64").licenses,
            ["Apache-2.0", "Artistic", "GPL-1", "GPL-1+"]
        );
        assert_eq!(
            find(&out.packages, "tzdata", "all").licenses,
            ["public-domain"]
        );
        // Alternatives: debconf (>= 0.5) | debconf-2.0 (virtual, provided by debconf).
        assert_eq!(find(&out.packages, "tzdata", "all").depends_on, ["debconf"]);
        // Pre-Depends: awk is virtual, provided by mawk.
        assert_eq!(
            find(&out.packages, "base-files", "amd64").depends_on,
            ["mawk"]
        );
        let marked = find(&out.packages, "libmarked1", "amd64");
        assert_eq!(marked.version, "1:2.0-3+b1");
        assert_eq!(
            marked.source.as_ref().unwrap().version.as_deref(),
            Some("1:2.0-3")
        );
        assert_eq!(
            marked.depends_on,
            ["libc6", "libfoo-missing", "zlib1g", "mawk"]
        );

        // Owned files, from every .list, without the leading slash.
        let owned =
            |out: &CatalogOutput, f: &str| out.owned_files.binary_search(&f.to_string()).is_ok();
        for f in [
            "lib/x86_64-linux-gnu/libc.so.6",
            "bin/bash",
            "lib/x86_64-linux-gnu/libz.so.1",
            "usr/share/doc/libssl3/copyright",
        ] {
            assert!(owned(&out, f), "{f}");
        }
        assert!(!owned(&out, "usr/lib/x86_64-linux-gnu/libc.so.6"));
        assert!(!out
            .owned_files
            .iter()
            .any(|f| f.starts_with('/') || f == "."));

        // Merged /usr: lib -> usr/lib, bin -> /usr/bin; the paths through the links are owned too.
        // And a doc directory that is a symlink to another package's.
        let links: HashMap<String, String> = [
            ("lib", "usr/lib"),
            ("bin", "/usr/bin/"),
            ("usr/share/doc/libgcc-s1", "gcc-12-base"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let mut files: Vec<CapturedFile> = fs.iter().cloned().collect();
        files.push(CapturedFile {
            path: "usr/share/doc/gcc-12-base/copyright".into(),
            layer_index: 0,
            mode: 0o644,
            content: b"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: GPL-3+ with GCC-exception-3.1\n".to_vec(),
        });
        let fs = FileSet::new(files, links);
        let out = DpkgCataloger.catalog(&fs, &CatalogContext::default());
        assert_eq!(
            find(&out.packages, "libgcc-s1", "amd64").licenses,
            ["GPL-3+"]
        );
        assert_eq!(
            find(&out.packages, "gcc-12-base", "amd64").licenses,
            ["GPL-3+"]
        );
        for f in [
            "lib/x86_64-linux-gnu/libc.so.6",
            "usr/lib/x86_64-linux-gnu/libc.so.6",
            "bin/bash",
            "usr/bin/bash",
        ] {
            assert!(owned(&out, f), "{f}");
        }
    }

    #[test]
    fn distroless_status_d() {
        let fs = kept(load_tree(&fixture("distroless"), 0));
        assert!(fs.get("var/lib/dpkg/status.d/libc6.md5sums").is_none());
        let out = DpkgCataloger.catalog(&fs, &CatalogContext::default());
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let got: Vec<(&str, &str, &str)> = out
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.version.as_str(),
                    p.locations[0].path.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "base-files",
                    "12.4+deb12u11",
                    "var/lib/dpkg/status.d/base-files"
                ),
                ("libc6", "2.36-9+deb12u14", "var/lib/dpkg/status.d/libc6"),
                (
                    "libssl3",
                    "3.0.19-1~deb12u2",
                    "var/lib/dpkg/status.d/libssl3"
                ),
                ("tzdata", "2025b-0+deb12u2", "var/lib/dpkg/status.d/tzdata"),
            ]
        );
        let ssl = &out.packages[2];
        assert_eq!(ssl.source.as_ref().unwrap().name, "openssl");
        assert_eq!(ssl.licenses, ["Apache-2.0", "Artistic", "GPL-1", "GPL-1+"]);
        assert_eq!(ssl.depends_on, ["libc6"]);
        assert!(out.owned_files.is_empty());
    }

    #[test]
    fn all_layers_scope_merges_copies_and_keeps_removed_packages() {
        let v1 = "Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n\n\
                  Package: gone\nStatus: install ok installed\nVersion: 3\nArchitecture: amd64\n";
        let v2 = "Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n\n\
                  Package: b\nStatus: install ok installed\nVersion: 2\nArchitecture: all\n";
        let file = |layer, c: &str| CapturedFile {
            path: STATUS.into(),
            layer_index: layer,
            mode: 0o644,
            content: c.as_bytes().to_vec(),
        };
        let fs = FileSet::new(vec![file(0, v1), file(3, v2)], HashMap::new());
        let out = DpkgCataloger.catalog(&fs, &CatalogContext::default());
        let got: Vec<(&str, Vec<usize>)> = out
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.locations.iter().map(|l| l.layer_index).collect(),
                )
            })
            .collect();
        assert_eq!(got, [("a", vec![0, 3]), ("gone", vec![0]), ("b", vec![3])]);
    }

    #[test]
    fn stanza_syntax() {
        let text = "Package: x\nDescription: short\n long line one\n .\n line two\r\n\n\n\
                    # comment\nPackage: y\nVersion: 2\nbroken line\n continuation after error\n";
        let (stanzas, errors) = parse_stanzas(text);
        assert_eq!(stanzas.len(), 2);
        assert_eq!(
            stanzas[0].get("description").unwrap(),
            "short\nlong line one\n.\nline two"
        );
        assert_eq!(stanzas[1].line, 9);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 11);
        let (_, errors) = parse_stanzas(" leading continuation\n");
        assert_eq!(
            errors[0].to_string(),
            "line 1: continuation line without a field before it"
        );

        let parsed = parse_status(b"Package: x\nStatus: install ok installed\n\nVersion: 1\n\nPackage: z\nStatus: purge ok not-installed\n");
        assert_eq!(
            parsed
                .errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>(),
            [
                "line 1: package x has no Version field",
                "line 4: stanza has no Package field"
            ]
        );
        assert!(parsed.entries.is_empty());
    }

    #[test]
    fn status_states() {
        let entry = |status: Option<&str>| DpkgEntry {
            line: 1,
            package: "p".into(),
            version: "1".into(),
            architecture: None,
            source: None,
            status: status.map(str::to_string),
            maintainer: None,
            installed_size: None,
            homepage: None,
            depends: vec![],
            provides: vec![],
        };
        for (s, installed) in [
            ("install ok installed", true),
            ("hold ok installed", true),
            ("deinstall ok installed", true),
            ("install ok unpacked", true),
            ("install ok half-configured", true),
            ("install ok triggers-pending", true),
            ("deinstall ok config-files", false),
            ("purge ok not-installed", false),
            ("install ok", false),
        ] {
            assert_eq!(entry(Some(s)).is_installed(), installed, "{s}");
        }
        assert!(entry(None).is_installed());
    }

    #[test]
    fn relations_and_sources() {
        assert_eq!(
            parse_relations("libc6 (>= 2.34), libssl3 (>= 3.0.0) | libssl1.1, python3:any, perl:native (>= 5) [amd64] <!nocheck>,, "),
            vec![
                vec!["libc6".to_string()],
                vec!["libssl3".to_string(), "libssl1.1".to_string()],
                vec!["python3".to_string()],
                vec!["perl".to_string()],
            ]
        );
        assert_eq!(
            parse_relations("a(>=1)|b"),
            vec![vec!["a".to_string(), "b".to_string()]]
        );
        assert_eq!(
            parse_source("gcc-12 (12.2.0-14)"),
            Some(SourcePackage {
                name: "gcc-12".into(),
                version: Some("12.2.0-14".into())
            })
        );
        assert_eq!(parse_source("x ()").unwrap().version, None);
        assert_eq!(parse_source(" "), None);
    }

    #[test]
    fn copyright_licenses() {
        let text = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
                    \n\
                    Files: *\n\
                    License: GPL-2+ or Artistic\n\
                    \n\
                    Files: x\n\
                    License: (MIT and BSD-3-clause), LGPL-2.1+ with OpenSSL exception\n\
                    License:   MIT/X11 or GAP~FSF\n\
                    \n\
                    License: GPL-2+\n On Debian systems, the full text can be found in\n /usr/share/common-licenses/GPL-2.\n\
                    License: this is prose not a name\n\
                    License:\n";
        assert_eq!(
            parse_copyright_licenses(text),
            [
                "Artistic",
                "BSD-3-clause",
                "GAP~FSF",
                "GPL-2",
                "GPL-2+",
                "LGPL-2.1+",
                "MIT",
                "MIT/X11"
            ]
        );
        assert!(parse_copyright_licenses("").is_empty());
    }

    #[test]
    fn wants_paths() {
        let w = |p: &str| {
            DpkgCataloger
                .wants(&EntryInfo {
                    path: p,
                    size: 1,
                    mode: 0o644,
                })
                .is_some()
        };
        assert!(w("var/lib/dpkg/status"));
        assert!(w("var/lib/dpkg/status.d/libc6"));
        assert!(!w("var/lib/dpkg/status.d/libc6.md5sums"));
        assert!(!w("var/lib/dpkg/status-old"));
        assert!(w("var/lib/dpkg/info/libc6:amd64.list"));
        assert!(!w("var/lib/dpkg/info/libc6:amd64.md5sums"));
        assert!(w("usr/share/doc/libc6/copyright"));
        assert!(!w("usr/share/doc/libc6/changelog.Debian.gz"));
        assert!(!w("usr/share/doc/a/b/copyright"));
        assert!(!w("usr/share/doc//copyright"));
    }

    #[test]
    fn no_panic_on_garbage_or_truncated_input() {
        let real = std::fs::read(fixture("rootfs/var/lib/dpkg/status")).unwrap();
        for cut in (0..real.len()).step_by(97) {
            let _ = parse_status(&real[..cut]);
        }
        let mut x: u32 = 12345;
        for _ in 0..200 {
            let garbage: Vec<u8> = (0..512)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    {
                        let alphabet = b"Package: \n:(|,)\xff\t ";
                        alphabet[x as usize % alphabet.len()]
                    }
                })
                .collect();
            let _ = parse_status(&garbage);
            let t = String::from_utf8_lossy(&garbage);
            let _ = parse_copyright_licenses(&t);
            let _ = parse_relations(&t);
            let _ = parse_list(&garbage);
        }
    }
}
