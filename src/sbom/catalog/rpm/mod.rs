//! RPM package databases, all read natively:
//! - `rpmdb.sqlite` (rpm ≥ 4.16 default: Fedora 33+, RHEL/Rocky/Alma 9+), with
//!   its `-wal` write-ahead log when one is left ([`sqlite`]);
//! - `Packages`, a Berkeley DB hash (RHEL/CentOS ≤ 8, Amazon Linux 2, older
//!   SUSE) ([`bdb`]);
//! - `Packages.db`, rpm's NDB store (SUSE) ([`ndb`]);
//!
//! under `var/lib/rpm/` or `usr/lib/sysimage/rpm/`. Each database holds one
//! header blob per installed package ([`header`]).
//!
//! Emits one [`PackageType::Rpm`] package per header, `gpg-pubkey`
//! pseudo-packages excepted: name, version `[epoch:]version-release`, arch,
//! source package from `SOURCERPM` (`bash-5.1.8-6.el9.src.rpm` → `bash`,
//! version `5.1.8-6.el9` kept only when it differs from the binary's
//! version-release), license as recorded, dependencies (`REQUIRENAME`
//! resolved to the installed packages that provide each capability or file;
//! `rpmlib(...)` and unresolvable capabilities dropped), metadata (`vendor`,
//! `size`, `modularityLabel`, `sourceRpm`, `url`), and its files in
//! [`CatalogOutput::owned_files`].

pub mod bdb;
pub mod header;
pub mod ndb;
pub mod sqlite;

use std::collections::HashMap;

use super::dpkg::{merge_same_packages, with_symlinked_dirs};
use super::{Capture, CapturedFile, CatalogContext, CatalogOutput, Cataloger, EntryInfo, FileSet};
use crate::sbom::model::{Package, PackageType, SourcePackage};
use header::{parse_header, split_source_rpm, RpmInfo};

const DIRS: [&str; 2] = ["var/lib/rpm/", "usr/lib/sysimage/rpm/"];
const MAX_DB: u64 = 256 << 20;

/// Database kinds, by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sqlite,
    Bdb,
    Ndb,
}

const FILES: [(&str, Kind); 3] = [
    ("rpmdb.sqlite", Kind::Sqlite),
    ("Packages", Kind::Bdb),
    ("Packages.db", Kind::Ndb),
];

/// The rpm cataloger.
pub struct RpmCataloger;

impl Cataloger for RpmCataloger {
    fn name(&self) -> &'static str {
        "rpm"
    }

    fn wants(&self, entry: &EntryInfo<'_>) -> Option<Capture> {
        let name = DIRS.iter().find_map(|d| entry.path.strip_prefix(d))?;
        let known = matches!(
            name,
            "rpmdb.sqlite" | "rpmdb.sqlite-wal" | "Packages" | "Packages.db"
        );
        known.then_some(Capture::Keep { max: MAX_DB })
    }

    fn catalog(&self, files: &FileSet, _ctx: &CatalogContext) -> CatalogOutput {
        let mut out = CatalogOutput::default();
        let mut packages = Vec::new();
        let mut owned = Vec::new();
        for dir in DIRS {
            for (file, kind) in FILES {
                let path = format!("{dir}{file}");
                for db in files.get_all(&path) {
                    let wal = files.get(&format!("{path}-wal"));
                    let infos = read_database(db, kind, wal, &mut out.warnings);
                    let resolver = Resolver::new(&infos);
                    for info in &infos {
                        packages.push(to_package(info, &resolver, db, self.name()));
                        owned.extend(info.files.iter().cloned());
                    }
                }
            }
        }
        out.packages = merge_same_packages(packages);
        out.owned_files = with_symlinked_dirs(files, owned);
        out
    }
}

/// Every package header of one database, parsed; damage becomes warnings.
fn read_database(
    db: &CapturedFile,
    kind: Kind,
    wal: Option<&CapturedFile>,
    warnings: &mut Vec<String>,
) -> Vec<RpmInfo> {
    let path = &db.path;
    let mut infos = Vec::new();
    let mut header_errors = Vec::new();
    // Each header is parsed as soon as it is read: no copy of the database's blobs is kept.
    let mut take = |what: &dyn Fn() -> String, blob: &[u8]| match parse_header(blob) {
        Ok(info) if info.name == "gpg-pubkey" => {}
        Ok(info) => infos.push(info),
        Err(e) => header_errors.push(format!("{path}: {}: {e}", what())),
    };
    let damage: Result<Vec<String>, String> = match kind {
        Kind::Sqlite => sqlite::for_each_blob(
            &db.content,
            wal.map(|w| w.content.as_slice()),
            "Packages",
            &mut |rowid, blob| take(&|| format!("row {rowid}"), blob),
        )
        .map(|r| r.errors.iter().map(ToString::to_string).collect())
        .map_err(|e| e.to_string()),
        Kind::Bdb => bdb::for_each_entry(&db.content, &mut |key, blob| {
            // Key 0 holds rpm's next-instance counter, not a header.
            if key.iter().any(|&b| b != 0) {
                take(&|| format!("key {}", hex::encode(key)), blob);
            }
        })
        .map(|errors| errors.iter().map(ToString::to_string).collect())
        .map_err(|e| e.to_string()),
        Kind::Ndb => ndb::for_each_blob(&db.content, &mut |idx, blob| {
            take(&|| format!("package {idx}"), blob)
        })
        .map(|errors| errors.iter().map(ToString::to_string).collect())
        .map_err(|e| e.to_string()),
    };
    match damage {
        Ok(damage) => warnings.extend(damage.into_iter().map(|e| format!("{path}: {e}"))),
        Err(e) => warnings.push(format!("{path}: {e}")),
    }
    warnings.extend(header_errors);
    infos
}

fn to_package(
    info: &RpmInfo,
    resolver: &Resolver<'_>,
    db: &CapturedFile,
    found_by: &str,
) -> Package {
    let mut pkg = Package::new(
        PackageType::Rpm,
        info.name.clone(),
        info.evr(),
        found_by,
        db.location(),
    );
    pkg.arch = info.arch.clone();
    let vr = format!("{}-{}", info.version, info.release);
    pkg.source = info
        .source_rpm
        .as_deref()
        .and_then(split_source_rpm)
        .map(|(name, version)| SourcePackage {
            name: name.to_string(),
            version: (version != vr).then(|| version.to_string()),
        });
    pkg.licenses.extend(info.license.clone());
    pkg.depends_on = resolver.resolve(&info.name, &info.requires);
    let size = info.size.map(|s| s.to_string());
    for (key, value) in [
        ("vendor", &info.vendor),
        ("size", &size),
        ("modularityLabel", &info.modularity_label),
        ("sourceRpm", &info.source_rpm),
        ("url", &info.url),
    ] {
        if let Some(v) = value {
            pkg.metadata.insert(key.to_string(), v.clone());
        }
    }
    pkg
}

/// Maps required capabilities (`libc.so.6()(64bit)`, `/bin/sh`, `bash`) to
/// the installed packages of the same database that provide them.
struct Resolver<'a> {
    providers: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> Resolver<'a> {
    fn new(infos: &'a [RpmInfo]) -> Self {
        let mut providers: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut add = |cap: &'a str, name: &'a str| {
            let v = providers.entry(cap).or_default();
            if !v.contains(&name) {
                v.push(name);
            }
        };
        for i in infos {
            add(&i.name, &i.name);
        }
        for i in infos {
            for p in &i.provides {
                add(p, &i.name);
            }
            for f in &i.files {
                add(f, &i.name);
            }
        }
        Self { providers }
    }

    fn resolve(&self, own_name: &str, requires: &[String]) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for req in requires {
            if req.starts_with("rpmlib(") {
                continue;
            }
            let key = req.strip_prefix('/').unwrap_or(req);
            let resolved: Vec<&str> = match self.providers.get(key) {
                Some(p) if p.contains(&key) => vec![key],
                Some(p) => p.clone(),
                // Not installed: keep plain package names, drop capabilities and paths.
                None if !req.starts_with('/') && !req.contains('(') => vec![req.as_str()],
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

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use super::*;
    use crate::sbom::catalog::FileSet;

    fn read(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/fixtures/catalog/rpm/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn fileset(files: &[(&str, Vec<u8>)]) -> FileSet {
        FileSet::new(
            files
                .iter()
                .map(|(p, c)| CapturedFile {
                    path: p.to_string(),
                    layer_index: 1,
                    mode: 0o644,
                    content: c.clone(),
                })
                .collect(),
            HashMap::new(),
        )
    }

    /// `name|epoch:version-release|arch|sourcerpm|license|modularitylabel`, as
    /// `rpm -qa --qf` printed it when the fixtures were made.
    fn expected(with_pubkey: bool) -> Vec<String> {
        let text = String::from_utf8(read("expected.txt")).unwrap();
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .filter(|l| with_pubkey || !l.starts_with("gpg-pubkey|"))
            .map(str::to_string)
            .collect()
    }

    /// The same line for our package (rpm prints `0:` for a missing epoch, `(none)` for missing tags).
    fn as_rpm_prints(p: &Package) -> String {
        let evr = if p.version.contains(':') {
            p.version.clone()
        } else {
            format!("0:{}", p.version)
        };
        let m = |k: &str| p.metadata.get(k).cloned().unwrap_or("(none)".into());
        format!(
            "{}|{}|{}|{}|{}|{}",
            p.name,
            evr,
            p.arch.as_deref().unwrap_or("(none)"),
            m("sourceRpm"),
            p.licenses.join(" "),
            m("modularityLabel")
        )
    }

    fn check_against_rpm(path: &str, file: &str, with_pubkey: bool) -> CatalogOutput {
        let out = RpmCataloger.catalog(&fileset(&[(path, read(file))]), &CatalogContext::default());
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let mut got: Vec<String> = out.packages.iter().map(as_rpm_prints).collect();
        got.sort();
        // gpg-pubkey is a pseudo-package: rpm lists it, we skip it.
        let want: Vec<String> = expected(with_pubkey)
            .into_iter()
            .filter(|l| !l.starts_with("gpg-pubkey|"))
            .collect();
        assert_eq!(got, want);

        // Files: exactly what `rpm -qa --qf '[%{=NAME} %{FILENAMES}\n]'` listed.
        let listed = String::from_utf8(read("expected-files.txt")).unwrap();
        let mut want_files: Vec<String> = listed
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(_, f)| f.trim_start_matches('/').to_string())
            .collect();
        want_files.sort();
        want_files.dedup();
        assert_eq!(out.owned_files, want_files);
        for p in &out.packages {
            assert_eq!(p.locations[0].path, path);
            assert_eq!(p.locations[0].layer_index, 1);
        }
        out
    }

    fn by_name(out: &CatalogOutput) -> BTreeMap<&str, &Package> {
        out.packages.iter().map(|p| (p.name.as_str(), p)).collect()
    }

    #[test]
    fn sqlite_database_written_by_rpm() {
        let out = check_against_rpm("var/lib/rpm/rpmdb.sqlite", "rpmdb.sqlite", true);
        let p = by_name(&out);
        assert_eq!(p["sc-base"].version, "2:1.0-1.el9");
        assert_eq!(p["sc-libfoo"].version, "1.4.2-3.fc39");
        assert_eq!(
            p["sc-app-doc"].source,
            Some(SourcePackage {
                name: "sc-app".into(),
                version: None
            })
        );
        assert_eq!(p["sc-base"].source.as_ref().unwrap().name, "sc-base");
        assert_eq!(p["sc-base"].metadata["vendor"], "sc fixtures");
        assert_eq!(
            p["sc-libfoo"].metadata["url"],
            "https://example.invalid/libfoo"
        );
        // Requires: sc-libfoo >= 1.4, libfoo.so.1()(64bit) (provided by sc-libfoo),
        // sc-virtual (provided by sc-base), /etc/sc/base.conf (a file of sc-base).
        assert_eq!(p["sc-app"].depends_on, ["sc-base", "sc-libfoo"]);
        assert_eq!(p["sc-app-doc"].depends_on, ["sc-app"]);
        assert!(p["sc-libfoo"].depends_on.is_empty());
        assert!(!out.packages.iter().any(|p| p.name == "gpg-pubkey"));
    }

    #[test]
    fn berkeley_db_database() {
        // Made by Berkeley DB's db_load from rpm's header blobs; rpm's bdb_ro reads it the same.
        check_against_rpm("var/lib/rpm/Packages", "Packages", true);
    }

    #[test]
    fn ndb_database_written_by_rpm() {
        let out = check_against_rpm("usr/lib/sysimage/rpm/Packages.db", "Packages.db", false);
        assert_eq!(by_name(&out)["sc-app"].depends_on, ["sc-base", "sc-libfoo"]);
    }

    #[test]
    fn sqlite_write_ahead_log_is_applied() {
        // The log deletes sc-base and adds a second copy of sc-libfoo's header.
        let fs = fileset(&[
            ("var/lib/rpm/rpmdb.sqlite", read("rpmdb.sqlite")),
            ("var/lib/rpm/rpmdb.sqlite-wal", read("rpmdb.wal")),
        ]);
        let out = RpmCataloger.catalog(&fs, &CatalogContext::default());
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let names: Vec<&str> = out.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["sc-libfoo", "sc-app", "sc-app-doc"]);
        // Nothing provides sc-virtual and /etc/sc/base.conf any more: the plain
        // name is kept as recorded, the path is dropped.
        assert_eq!(
            by_name(&out)["sc-app"].depends_on,
            ["sc-libfoo", "sc-virtual"]
        );
    }

    #[test]
    fn same_packages_in_two_databases_merge() {
        let fs = fileset(&[
            ("usr/lib/sysimage/rpm/rpmdb.sqlite", read("rpmdb.sqlite")),
            ("var/lib/rpm/Packages", read("Packages")),
        ]);
        let out = RpmCataloger.catalog(&fs, &CatalogContext::default());
        assert_eq!(out.packages.len(), 4);
        let locs: Vec<&str> = out.packages[0]
            .locations
            .iter()
            .map(|l| l.path.as_str())
            .collect();
        assert_eq!(
            locs,
            ["var/lib/rpm/Packages", "usr/lib/sysimage/rpm/rpmdb.sqlite"]
        );
    }

    #[test]
    fn corrupt_databases_become_warnings() {
        let fs = fileset(&[
            ("var/lib/rpm/rpmdb.sqlite", b"garbage".to_vec()),
            ("var/lib/rpm/Packages", vec![0u8; 8192]),
            (
                "usr/lib/sysimage/rpm/Packages.db",
                b"RpmP\x01\0\0\0".repeat(8),
            ),
        ]);
        let out = RpmCataloger.catalog(&fs, &CatalogContext::default());
        assert!(out.packages.is_empty());
        assert_eq!(
            out.warnings,
            [
                "var/lib/rpm/rpmdb.sqlite: sqlite: not an SQLite 3 database (bad magic)",
                "var/lib/rpm/Packages: berkeley db: not a Berkeley DB hash database (magic 0x0)",
                "usr/lib/sysimage/rpm/Packages.db: ndb offset 4: unsupported version 1",
            ]
        );

        // One bad header among good ones: the others are still reported.
        let mut db = read("Packages.db");
        let second_slot = 48;
        let blk_off = u32::from_le_bytes(db[second_slot + 8..second_slot + 12].try_into().unwrap())
            as usize
            * 16;
        db[blk_off + 16..blk_off + 20].copy_from_slice(&[0xff; 4]); // il = huge
                                                                    // Keep the blob's checksum right so the damage reaches the header parser.
        let cnt = u32::from_le_bytes(db[second_slot + 12..second_slot + 16].try_into().unwrap())
            as usize
            * 16;
        let sum = {
            let area = &db[blk_off..blk_off + cnt - 12];
            let (mut a, mut b) = (1u32, 0u32);
            for &x in area {
                a = (a + x as u32) % 65521;
                b = (b + a) % 65521;
            }
            b << 16 | a
        };
        db[blk_off + cnt - 12..blk_off + cnt - 8].copy_from_slice(&sum.to_le_bytes());
        let out = RpmCataloger.catalog(
            &fileset(&[("var/lib/rpm/Packages.db", db)]),
            &CatalogContext::default(),
        );
        assert_eq!(out.packages.len(), 3);
        assert_eq!(out.warnings.len(), 1);
        assert!(
            out.warnings[0].starts_with("var/lib/rpm/Packages.db: package 2: header claims"),
            "{}",
            out.warnings[0]
        );
    }

    #[test]
    fn wants_paths() {
        let w = |p: &str| {
            RpmCataloger
                .wants(&EntryInfo {
                    path: p,
                    size: 1,
                    mode: 0o644,
                })
                .is_some()
        };
        for p in [
            "var/lib/rpm/rpmdb.sqlite",
            "var/lib/rpm/rpmdb.sqlite-wal",
            "var/lib/rpm/Packages",
            "var/lib/rpm/Packages.db",
            "usr/lib/sysimage/rpm/Packages.db",
            "usr/lib/sysimage/rpm/rpmdb.sqlite",
        ] {
            assert!(w(p), "{p}");
        }
        for p in [
            "var/lib/rpm/Index.db",
            "var/lib/rpm/rpmdb.sqlite-shm",
            "var/lib/rpm/Name",
            "opt/var/lib/rpm/Packages",
        ] {
            assert!(!w(p), "{p}");
        }
    }
}
