//! Alpine (and Wolfi/Chainguard) apk database: `lib/apk/db/installed`
//! (`usr/lib/apk/db/installed` on merged-/usr systems).
//!
//! The database is a list of records separated by blank lines; each line is
//! `K:value` with a one-letter key. Read: `P` name, `V` version, `A` arch,
//! `o` origin (the source package), `L` license, `T` description, `m`
//! maintainer, `U` url, `t` build time, `c` commit, `S` size, `I` installed
//! size, `D` dependencies, `p` provides, `F` directory and `R` file (each `R`
//! names a file of the last `F` directory).
//!
//! Emits one [`PackageType::Apk`] package per record: name, version, arch,
//! source (`origin`), license expression as recorded, dependencies (package
//! names: `so:`, `cmd:`, `pc:` and file dependencies are resolved to the
//! installed package that provides them and dropped when none does;
//! conflicts `!x` dropped; version constraints dropped), metadata, and its
//! files in [`CatalogOutput::owned_files`].

use std::collections::HashMap;

use super::dpkg::{merge_same_packages, with_symlinked_dirs};
use super::{Capture, CapturedFile, CatalogContext, CatalogOutput, Cataloger, EntryInfo, FileSet};
use crate::sbom::model::{Package, PackageType, SourcePackage};

const INSTALLED: [&str; 2] = ["lib/apk/db/installed", "usr/lib/apk/db/installed"];
const MAX_INSTALLED: u64 = 64 << 20;

/// The apk cataloger.
pub struct ApkCataloger;

impl Cataloger for ApkCataloger {
    fn name(&self) -> &'static str {
        "apk"
    }

    fn wants(&self, entry: &EntryInfo<'_>) -> Option<Capture> {
        INSTALLED
            .contains(&entry.path)
            .then_some(Capture::Keep { max: MAX_INSTALLED })
    }

    fn catalog(&self, files: &FileSet, _ctx: &CatalogContext) -> CatalogOutput {
        let mut out = CatalogOutput::default();
        let mut packages = Vec::new();
        let mut owned = Vec::new();
        let dbs: Vec<&CapturedFile> = INSTALLED.iter().flat_map(|p| files.get_all(p)).collect();
        for db in dbs {
            let parsed = parse_installed(&db.content);
            for e in &parsed.errors {
                out.warnings.push(format!("{}: {e}", db.path));
            }
            let resolver = Resolver::new(&parsed.records);
            for r in &parsed.records {
                let mut pkg = Package::new(
                    PackageType::Apk,
                    r.name.clone(),
                    r.version.clone(),
                    self.name(),
                    db.location(),
                );
                pkg.arch = r.arch.clone();
                pkg.source = r.origin.as_ref().map(|o| SourcePackage {
                    name: o.clone(),
                    version: None,
                });
                if let Some(l) = &r.license {
                    pkg.licenses.push(l.clone());
                }
                pkg.depends_on = resolver.resolve(&r.name, &r.depends);
                for (key, value) in [
                    ("description", &r.description),
                    ("maintainer", &r.maintainer),
                    ("url", &r.url),
                    ("buildTime", &r.build_time),
                    ("commit", &r.commit),
                    ("size", &r.size),
                    ("installedSize", &r.installed_size),
                ] {
                    if let Some(v) = value {
                        pkg.metadata.insert(key.to_string(), v.clone());
                    }
                }
                owned.extend(r.files.iter().cloned());
                packages.push(pkg);
            }
        }
        out.packages = merge_same_packages(packages);
        out.owned_files = with_symlinked_dirs(files, owned);
        out
    }
}

/// Maps dependency names (`so:libc.musl-x86_64.so.1`, `cmd:sh`, `/bin/sh`,
/// `busybox`) to the installed packages that satisfy them.
struct Resolver<'a> {
    providers: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> Resolver<'a> {
    fn new(records: &'a [ApkRecord]) -> Self {
        let mut providers: HashMap<&str, Vec<&str>> = HashMap::new();
        for r in records {
            providers.entry(r.name.as_str()).or_default().push(&r.name);
        }
        for r in records {
            for p in &r.provides {
                let v = providers.entry(p.as_str()).or_default();
                if !v.contains(&r.name.as_str()) {
                    v.push(&r.name);
                }
            }
            // A file is a provider of its path (`/bin/sh` dependencies).
            for f in &r.files {
                providers.entry(f.as_str()).or_default().push(&r.name);
            }
        }
        Self { providers }
    }

    /// Names of the packages satisfying `depends`, the package itself (`own_name`) left out.
    fn resolve(&self, own_name: &str, depends: &[String]) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for dep in depends {
            let key = dep.trim_start_matches('/');
            let resolved: Vec<&str> = match self.providers.get(key) {
                // The package itself first when it is installed under this name.
                Some(p) if p.contains(&key) => vec![key],
                Some(p) => p.clone(),
                // Not installed: keep plain package names, drop capabilities and paths.
                None if !is_capability(dep) => vec![dep.as_str()],
                None => vec![],
            };
            for name in resolved {
                if name != own_name && !names.iter().any(|n| n == name) {
                    names.push(name.to_string());
                }
            }
        }
        names
    }
}

/// `so:`, `cmd:`, `pc:` (and other `prefix:`) capabilities and file paths, as opposed to package names.
fn is_capability(dep: &str) -> bool {
    dep.starts_with('/') || dep.contains(':')
}

/// A problem in an apk database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {what}")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub what: String,
}

/// One record of the installed database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApkRecord {
    /// Line of the record's first field.
    pub line: usize,
    /// `P`.
    pub name: String,
    /// `V`.
    pub version: String,
    /// `A`.
    pub arch: Option<String>,
    /// `o`.
    pub origin: Option<String>,
    /// `L`.
    pub license: Option<String>,
    /// `T`.
    pub description: Option<String>,
    /// `m`.
    pub maintainer: Option<String>,
    /// `U`.
    pub url: Option<String>,
    /// `t` (Unix seconds).
    pub build_time: Option<String>,
    /// `c`.
    pub commit: Option<String>,
    /// `S`.
    pub size: Option<String>,
    /// `I`.
    pub installed_size: Option<String>,
    /// `D`, names only (`!conflicts` dropped, `>=1.2` and `@tag` stripped).
    pub depends: Vec<String>,
    /// `p`, names only.
    pub provides: Vec<String>,
    /// Files (`F` directory + `R` name), no leading `/`.
    pub files: Vec<String>,
}

/// What [`parse_installed`] found.
#[derive(Debug, Clone, Default)]
pub struct InstalledParse {
    /// Records with a name and a version.
    pub records: Vec<ApkRecord>,
    /// Malformed lines and records, skipped.
    pub errors: Vec<ParseError>,
}

/// Parse `lib/apk/db/installed`.
pub fn parse_installed(data: &[u8]) -> InstalledParse {
    let text = String::from_utf8_lossy(data);
    let mut out = InstalledParse::default();
    let mut rec = ApkRecord::default();
    let mut started = false;
    let mut dir = String::new();
    let finish =
        |rec: &mut ApkRecord, started: &mut bool, dir: &mut String, out: &mut InstalledParse| {
            if !*started {
                return;
            }
            let r = std::mem::take(rec);
            *started = false;
            dir.clear();
            match (r.name.is_empty(), r.version.is_empty()) {
                (false, false) => out.records.push(r),
                (true, _) => out.errors.push(ParseError {
                    line: r.line,
                    what: "record has no P: (package name)".into(),
                }),
                (false, true) => out.errors.push(ParseError {
                    line: r.line,
                    what: format!("package {} has no V: (version)", r.name),
                }),
            }
        };
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            finish(&mut rec, &mut started, &mut dir, &mut out);
            continue;
        }
        let bytes = line.as_bytes();
        if bytes.len() < 2 || bytes[1] != b':' || !bytes[0].is_ascii_alphabetic() {
            out.errors.push(ParseError {
                line: line_no,
                what: format!(
                    "expected `K:value`, found {:?}",
                    line.chars().take(60).collect::<String>()
                ),
            });
            continue;
        }
        if !started {
            started = true;
            rec.line = line_no;
        }
        let value = &line[2..];
        let some = || Some(value.to_string()).filter(|v| !v.is_empty());
        match bytes[0] {
            b'P' => rec.name = value.to_string(),
            b'V' => rec.version = value.to_string(),
            b'A' => rec.arch = some(),
            b'o' => rec.origin = some(),
            b'L' => rec.license = some(),
            b'T' => rec.description = some(),
            b'm' => rec.maintainer = some(),
            b'U' => rec.url = some(),
            b't' => rec.build_time = some(),
            b'c' => rec.commit = some(),
            b'S' => rec.size = some(),
            b'I' => rec.installed_size = some(),
            b'D' => rec
                .depends
                .extend(value.split_whitespace().filter_map(dependency_name)),
            b'p' => rec
                .provides
                .extend(value.split_whitespace().filter_map(dependency_name)),
            b'F' => dir = value.trim_matches('/').to_string(),
            b'R' => {
                let name = value.trim_matches('/');
                if !name.is_empty() {
                    rec.files.push(if dir.is_empty() {
                        name.to_string()
                    } else {
                        format!("{dir}/{name}")
                    });
                }
            }
            _ => {}
        }
    }
    finish(&mut rec, &mut started, &mut dir, &mut out);
    out
}

/// The name in a dependency or provides token: `so:libc.musl-x86_64.so.1=1`
/// → `so:libc.musl-x86_64.so.1`, `musl>=1.2` → `musl`, `foo@edge` → `foo`;
/// `None` for conflicts (`!foo`).
fn dependency_name(token: &str) -> Option<String> {
    if token.starts_with('!') {
        return None;
    }
    let end = token.find(['<', '>', '=', '~', '@']).unwrap_or(token.len());
    let name = &token[..end];
    (!name.is_empty()).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use super::*;

    fn fixture() -> Vec<u8> {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/catalog/apk/lib/apk/db/installed"),
        )
        .unwrap()
    }

    fn fileset(path: &str, content: Vec<u8>, layer_index: usize) -> FileSet {
        FileSet::new(
            vec![CapturedFile {
                path: path.into(),
                layer_index,
                mode: 0o644,
                content,
            }],
            HashMap::new(),
        )
    }

    #[test]
    fn real_alpine_installed() {
        let out = ApkCataloger.catalog(
            &fileset("lib/apk/db/installed", fixture(), 0),
            &CatalogContext::default(),
        );
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let got: Vec<(&str, &str, &str)> = out
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.version.as_str(),
                    p.source.as_ref().map_or("", |s| s.name.as_str()),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("musl", "1.2.4_git20230717-r4", "musl"),
                ("busybox", "1.36.1-r15", "busybox"),
                ("busybox-binsh", "1.36.1-r15", "busybox"),
                ("alpine-baselayout-data", "3.4.3-r2", "alpine-baselayout"),
                ("ca-certificates-bundle", "20230506-r0", "ca-certificates"),
                ("libcrypto3", "3.1.4-r2", "openssl"),
                ("libssl3", "3.1.4-r2", "openssl"),
                ("zlib", "1.3.1-r0", "zlib"),
                ("apk-tools", "2.14.0-r5", "apk-tools"),
            ]
        );
        let p = |n: &str| out.packages.iter().find(|p| p.name == n).unwrap();
        let ca = p("ca-certificates-bundle");
        assert_eq!(ca.licenses, ["MPL-2.0 AND MIT"]);
        assert_eq!(ca.arch.as_deref(), Some("x86_64"));
        assert_eq!(ca.locations[0].path, "lib/apk/db/installed");
        assert_eq!(
            p("musl").metadata["maintainer"],
            "Timo Teräs <timo.teras@iki.fi>"
        );
        assert_eq!(
            p("musl").metadata["commit"],
            "ca7f2ab5e88794e4e654b40776f8a92256f50639"
        );
        assert_eq!(p("musl").metadata["buildTime"], "1704990838");
        assert_eq!(p("zlib").metadata["url"], "https://zlib.net/");
        // so: capabilities resolve to the package providing them; unresolvable
        // capabilities, conflicts and paths nobody provides are dropped.
        assert_eq!(p("libssl3").depends_on, ["musl", "libcrypto3"]);
        assert_eq!(p("busybox-binsh").depends_on, ["busybox"]);
        assert_eq!(
            p("apk-tools").depends_on,
            [
                "musl",
                "ca-certificates-bundle",
                "libcrypto3",
                "libssl3",
                "zlib",
                "busybox-binsh"
            ]
        );
        assert!(p("alpine-baselayout-data").depends_on.is_empty());

        for f in [
            "lib/ld-musl-x86_64.so.1",
            "bin/busybox",
            "bin/sh",
            "etc/network/if-up.d/dad",
            "usr/share/udhcpc/default.script",
            "etc/ssl/certs/ca-certificates.crt",
            "sbin/apk",
        ] {
            assert!(out.owned_files.binary_search(&f.to_string()).is_ok(), "{f}");
        }
        // Directories alone are not files.
        assert!(out
            .owned_files
            .binary_search(&"var/lib/apk".to_string())
            .is_err());
    }

    #[test]
    fn merged_usr_path_and_errors_are_warnings() {
        let text = b"P:a\nV:1\nR:top-level-file\nbad line\n\nV:2\n\nP:b\n\nP:c\nV:3\nD:a>=1 b@edge !d so:libnothing.so.1 /bin/nothing missing~1.2 so:libc3.so\np:so:libc3.so=3\n";
        let out = ApkCataloger.catalog(
            &fileset("usr/lib/apk/db/installed", text.to_vec(), 1),
            &CatalogContext::default(),
        );
        assert_eq!(
            out.warnings,
            [
                "usr/lib/apk/db/installed: line 4: expected `K:value`, found \"bad line\"",
                "usr/lib/apk/db/installed: line 6: record has no P: (package name)",
                "usr/lib/apk/db/installed: line 8: package b has no V: (version)",
            ]
        );
        let names: Vec<&str> = out.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "c"]);
        assert_eq!(out.packages[1].depends_on, ["a", "b", "missing"]);
        assert_eq!(out.owned_files, ["top-level-file"]);
        assert_eq!(out.packages[0].locations[0].layer_index, 1);
    }

    #[test]
    fn dependency_tokens() {
        assert_eq!(
            dependency_name("so:libc.musl-x86_64.so.1=1").unwrap(),
            "so:libc.musl-x86_64.so.1"
        );
        assert_eq!(dependency_name("musl>=1.2.3_git20230424").unwrap(), "musl");
        assert_eq!(dependency_name("foo<2").unwrap(), "foo");
        assert_eq!(dependency_name("foo~2").unwrap(), "foo");
        assert_eq!(dependency_name("foo@testing").unwrap(), "foo");
        assert_eq!(dependency_name("!foo"), None);
        assert_eq!(dependency_name("=1"), None);
    }

    #[test]
    fn wants_paths() {
        let w = |p: &str| {
            ApkCataloger
                .wants(&EntryInfo {
                    path: p,
                    size: 1,
                    mode: 0o644,
                })
                .is_some()
        };
        assert!(w("lib/apk/db/installed"));
        assert!(w("usr/lib/apk/db/installed"));
        assert!(!w("lib/apk/db/installed.new"));
        assert!(!w("lib/apk/db/scripts.tar"));
    }

    #[test]
    fn no_panic_on_garbage_or_truncated_input() {
        let real = fixture();
        for cut in 0..real.len() {
            let _ = parse_installed(&real[..cut]);
        }
        let mut x: u32 = 99;
        let alphabet = b"PVDpFRo:\n\xc3 !=<>@/";
        for _ in 0..300 {
            let garbage: Vec<u8> = (0..400)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    alphabet[x as usize % alphabet.len()]
                })
                .collect();
            let parsed = parse_installed(&garbage);
            let _ = Resolver::new(&parsed.records).resolve("x", &["so:x".into(), "/".into()]);
        }
    }
}
