//! The vulnerability database end to end: the bundled seed against the
//! fixture images' packages, OSV range semantics on real-format records,
//! alias merging, hostile input (malformed records, corrupt database files,
//! truncated zips, bad bundle checksums), incremental sync from a `file://`
//! mirror, and atomic updates under a killed writer.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sc::severity::Severity;
use sc::vulndb::update::checksum_path;
use sc::vulndb::{
    build_from_dir, export, import, open_seed, sync, Database, DbError, FetchError, Fetcher,
    FileFetcher, MatchResult, PackageQuery,
};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// An OSV record with one affected package and the given ranges/versions JSON.
fn record(
    id: &str,
    modified: &str,
    aliases: &[&str],
    eco: &str,
    name: &str,
    affected_rest: &str,
) -> String {
    let aliases = serde_json::to_string(aliases).unwrap();
    format!(
        r#"{{"id":"{id}","modified":"{modified}","aliases":{aliases},"summary":"{id} summary",
            "affected":[{{"package":{{"ecosystem":"{eco}","name":"{name}"}}{affected_rest}}}]}}"#
    )
}

fn ranges(kind: &str, events: &str) -> String {
    format!(r#","ranges":[{{"type":"{kind}","events":{events}}}]"#)
}

/// A database in a temp dir built from `(file name, json)` records.
fn db_of(records: &[(&str, String)]) -> (tempfile::TempDir, Database) {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    for (name, json) in records {
        std::fs::write(src.join(name), json).unwrap();
    }
    let dbdir = tmp.path().join("db");
    let report = import(&dbdir, &src).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let db = Database::open(&dbdir).unwrap();
    (tmp, db)
}

fn ids(r: &MatchResult) -> Vec<&str> {
    r.findings.iter().map(|f| f.id.as_str()).collect()
}

fn m(db: &Database, eco: &str, name: &str, version: &str) -> MatchResult {
    db.match_package(&PackageQuery::new(eco, name, version))
        .unwrap()
}

// ---------------------------------------------------------------- the seed

#[test]
fn seed_db_is_up_to_date_with_its_records() {
    let tmp = tempfile::tempdir().unwrap();
    let built = build_from_dir(
        &repo("vuln-db/seed/records"),
        tmp.path(),
        "vuln-db/seed/records",
    )
    .unwrap();
    let fresh = std::fs::read(tmp.path().join("vulndb.scdb")).unwrap();
    let checked_in_path = repo("vuln-db/seed/vulndb.scdb");
    if std::env::var_os("SC_UPDATE_SEED").is_some() {
        std::fs::write(&checked_in_path, &fresh).unwrap();
        eprintln!("wrote {}", checked_in_path.display());
        return;
    }
    let checked_in = std::fs::read(&checked_in_path).unwrap();
    if fresh == checked_in {
        return;
    }
    // Different bytes can only be excused by another zstd build: the content must agree.
    let old = Database::open_file(&checked_in_path)
        .expect("vuln-db/seed/vulndb.scdb is unreadable: run `SC_UPDATE_SEED=1 cargo test -p sc --test vulndb seed_db`");
    let strip = |d: &Database| {
        let mut meta = d.meta().clone();
        meta.built_by.clear();
        meta
    };
    assert_eq!(
        strip(&old),
        strip(&built),
        "vuln-db/seed/vulndb.scdb is stale: run `SC_UPDATE_SEED=1 cargo test -p sc --test vulndb seed_db`"
    );
    for id in [
        "GHSA-8q59-q68h-6hv4",
        "DEBIAN-CVE-2024-0727",
        "GO-2022-1144",
    ] {
        assert_eq!(old.get(id).unwrap(), built.get(id).unwrap(), "{id} differs");
    }
    eprintln!("seed content matches; bytes differ (different zstd build?)");
}

#[test]
fn seed_finds_the_debian_fixture_packages_by_source() {
    let db = open_seed().unwrap();
    // libssl3 3.0.11-1~deb12u2, Source: openssl
    let q =
        PackageQuery::new("Debian:12", "libssl3", "3.0.11-1~deb12u2").with_source("openssl", None);
    let r = db.match_package(&q).unwrap();
    let found = ids(&r);
    for cve in [
        "CVE-2024-0727",
        "CVE-2023-5678",
        "CVE-2023-6237",
        "CVE-2024-6119",
    ] {
        assert!(found.contains(&cve), "{cve} missing from {found:?}");
    }
    assert!(
        !found.contains(&"CVE-2023-5363"),
        "fixed in 3.0.11-1~deb12u1, before the installed version"
    );
    let f = r.findings.iter().find(|f| f.id == "CVE-2024-0727").unwrap();
    assert_eq!(f.fixed_in(), Some("3.0.13-1~deb12u1"));
    assert_eq!(f.package.name, "openssl");
    assert_eq!(f.aliases, ["DEBIAN-CVE-2024-0727"]);
    // Debian records carry no severity: the NVD record of the CVE supplies it.
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.cvss.as_ref().unwrap().score, 5.5);
    let v = f.to_vulnerability("libssl3", "3.0.11-1~deb12u2");
    assert_eq!(
        (v.package.as_str(), v.id.as_str()),
        ("libssl3", "CVE-2024-0727")
    );
    assert_eq!(v.fixed_in.as_deref(), Some("3.0.13-1~deb12u1"));

    // glibc: fixed exactly at the installed version is not affected.
    let q = PackageQuery::new("Debian:12", "libc6", "2.36-9+deb12u4").with_source("glibc", None);
    let r = db.match_package(&q).unwrap();
    assert_eq!(ids(&r), ["CVE-2024-2961"]);
    assert_eq!(r.findings[0].fixed_in(), Some("2.36-9+deb12u6"));

    // zlib: unfixed in bookworm, critical through the NVD record.
    let q = PackageQuery::new("Debian:12", "zlib1g", "1:1.2.13.dfsg-1").with_source("zlib", None);
    let r = db.match_package(&q).unwrap();
    assert_eq!(ids(&r), ["CVE-2023-45853"]);
    assert_eq!(r.findings[0].severity, Severity::Critical);
    assert!(r.findings[0].fixed_versions.is_empty());

    // gcc-12 via purl (source in the `upstream` qualifier)
    let q = PackageQuery::from_purl(
        "pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64&distro=debian-12&upstream=gcc-12",
    )
    .unwrap();
    assert_eq!(ids(&db.match_package(&q).unwrap()), ["CVE-2022-27943"]);

    // Another release does not match Debian:12 records.
    let q = PackageQuery::new("Debian:11", "libssl1.1", "1.1.1n-0+deb11u5")
        .with_source("openssl", None);
    assert!(db.match_package(&q).unwrap().findings.is_empty());
}

#[test]
fn seed_merges_ghsa_pysec_and_cve_into_one_finding() {
    let db = open_seed().unwrap();
    let r = m(&db, "PyPI", "PyYAML", "5.3");
    assert_eq!(ids(&r), ["CVE-2020-14343", "CVE-2020-1747"]);
    let f = &r.findings[0];
    assert_eq!(f.aliases, ["GHSA-8q59-q68h-6hv4", "PYSEC-2021-142"]);
    assert_eq!(f.records, ["GHSA-8q59-q68h-6hv4", "PYSEC-2021-142"]);
    assert_eq!(
        (f.severity, f.cvss.as_ref().unwrap().score),
        (Severity::Critical, 9.8)
    );
    assert_eq!(f.summary, "Improper Input Validation in PyYAML");
    assert_eq!(f.fixed_versions, ["5.4"]);

    // requests 2.19.1: PYSEC records with GIT + ECOSYSTEM ranges; the GIT range
    // is skipped, the ECOSYSTEM one matches, and the GHSA twin is merged.
    let r = m(&db, "PyPI", "requests", "2.19.1");
    assert_eq!(
        ids(&r),
        ["CVE-2018-18074", "CVE-2023-32681", "CVE-2024-35195"]
    );
    let f = &r.findings[0];
    assert_eq!(f.records, ["GHSA-x84v-xcm2-53pg", "PYSEC-2018-28"]);
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.fixed_in(), Some("2.20.0"));
    assert!(
        r.warnings.is_empty(),
        "GIT ranges are skipped silently: {:?}",
        r.warnings
    );
    assert_eq!(m(&db, "PyPI", "requests", "2.32.0").findings.len(), 0);
}

#[test]
fn seed_matches_the_realistic_image_packages() {
    let db = open_seed().unwrap();
    let r = m(&db, "npm", "handlebars", "4.5.2");
    assert_eq!(ids(&r), ["CVE-2021-23369", "CVE-2021-23383"]);
    assert!(r.findings.iter().all(|f| f.severity == Severity::Critical));
    let r = m(&db, "npm", "minimist", "1.2.0");
    assert_eq!(ids(&r), ["CVE-2021-44906", "CVE-2020-7598"]);
    assert_eq!(r.findings[0].fixed_in(), Some("1.2.6"));
    let r = m(&db, "npm", "lodash", "4.17.15");
    assert_eq!(
        ids(&r),
        ["CVE-2020-8203", "CVE-2021-23337", "CVE-2020-28500"]
    );
    let r = m(&db, "npm", "express", "4.16.0");
    assert_eq!(ids(&r), ["CVE-2024-29041", "CVE-2024-43796"]);
    let r = m(&db, "npm", "node-fetch", "2.6.0");
    assert_eq!(ids(&r), ["CVE-2022-0235", "CVE-2020-15168"]);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    // node-fetch 3.x is only covered by the entry introduced at "1.0"
    assert_eq!(
        ids(&m(&db, "npm", "node-fetch", "3.0.0")),
        ["CVE-2022-0235"]
    );
    let low = &r.findings[1];
    assert_eq!(
        (low.severity, low.cvss.is_none()),
        (Severity::Low, true),
        "GHSA rating without a vector"
    );
    let r = m(&db, "PyPI", "Django", "2.2.0");
    assert_eq!(ids(&r), ["CVE-2020-7471", "CVE-2022-28346"]);
    assert_eq!(r.findings[0].fixed_versions, ["2.2.10", "3.0.3"]);
    assert_eq!(r.findings[1].fixed_in(), Some("2.2.28"));
    let r = m(&db, "PyPI", "jinja2", "2.10");
    assert_eq!(
        ids(&r),
        ["CVE-2019-10906", "CVE-2020-28493", "CVE-2024-22195"]
    );
    let r = m(&db, "PyPI", "sqlparse", "0.2.4");
    assert_eq!(
        ids(&r),
        ["CVE-2023-30608"],
        "0.4.0–0.4.1 advisory must not match 0.2.4"
    );
    let r = m(&db, "Go", "stdlib", "go1.19.3");
    assert_eq!(ids(&r), ["CVE-2022-41717", "CVE-2023-39325"]);
    assert_eq!(r.findings[0].fixed_in(), Some("1.19.4"));
    // withdrawn advisory never matches
    assert!(m(&db, "Maven", "io.netty:netty-handler", "4.1.50.Final")
        .findings
        .is_empty());
    assert!(db
        .get("GHSA-57m8-f3v5-hm5m")
        .unwrap()
        .unwrap()
        .is_withdrawn());
}

// ---------------------------------------------------------------- OSV semantics

#[test]
fn range_edge_cases() {
    let t = "2024-01-01T00:00:00Z";
    let (_tmp, db) = db_of(&[
        (
            "last.json",
            record(
                "GHSA-last",
                t,
                &[],
                "npm",
                "last",
                &ranges(
                    "SEMVER",
                    r#"[{"introduced":"1.0.0"},{"last_affected":"1.4.2"}]"#,
                ),
            ),
        ),
        (
            "multi.json",
            record(
                "GHSA-multi",
                t,
                &[],
                "PyPI",
                "multi",
                &ranges(
                    "ECOSYSTEM",
                    r#"[{"introduced":"3.0"},{"fixed":"3.0.5"},{"introduced":"0"},{"fixed":"2.2.1"},{"introduced":"2.5"}]"#,
                ),
            ),
        ),
        (
            "limit.json",
            record(
                "GHSA-limit",
                t,
                &[],
                "npm",
                "limit",
                &ranges(
                    "SEMVER",
                    r#"[{"introduced":"0"},{"limit":"2.0.0"},{"limit":"3.5.0"}]"#,
                ),
            ),
        ),
        (
            "list.json",
            record(
                "GHSA-list",
                t,
                &[],
                "PyPI",
                "listed",
                r#","versions":["1.0","1.2.post1"]"#,
            ),
        ),
        (
            "git.json",
            record(
                "OSV-git",
                t,
                &[],
                "PyPI",
                "gitonly",
                r#","ranges":[{"type":"GIT","repo":"https://example.org/r.git","events":[{"introduced":"0"},{"fixed":"abcdef0123456789abcdef0123456789abcdef01"}]}]"#,
            ),
        ),
        (
            "gitlist.json",
            record(
                "OSV-gitlist",
                t,
                &[],
                "PyPI",
                "gitlist",
                r#","ranges":[{"type":"GIT","repo":"https://example.org/r.git","events":[{"introduced":"0"}]}],"versions":["0.9"]"#,
            ),
        ),
    ]);
    let aff = |eco, name, v| !m(&db, eco, name, v).findings.is_empty();
    assert!(
        aff("npm", "last", "1.4.2") && !aff("npm", "last", "1.4.3") && !aff("npm", "last", "0.9.0")
    );
    // unsorted events, several introduced, an open-ended last interval
    assert!(
        aff("PyPI", "multi", "2.2.0")
            && !aff("PyPI", "multi", "2.2.1")
            && !aff("PyPI", "multi", "2.4")
    );
    assert!(
        aff("PyPI", "multi", "2.9")
            && aff("PyPI", "multi", "3.0.4")
            && !aff("PyPI", "multi", "3.0.5")
    );
    assert!(
        !aff("PyPI", "multi", "99"),
        "3.0.5 closes the last interval"
    );
    let r = m(&db, "PyPI", "multi", "3.0.1");
    assert_eq!(r.findings[0].matched[0].introduced.as_deref(), Some("3.0"));
    assert_eq!(r.findings[0].fixed_versions, ["3.0.5"]);
    // limits: affected below any limit
    assert!(
        aff("npm", "limit", "1.9.0")
            && aff("npm", "limit", "3.4.9")
            && !aff("npm", "limit", "3.5.0")
    );
    // explicit versions list, compared with the ecosystem's equality
    assert!(
        aff("PyPI", "listed", "1.0.0")
            && aff("PyPI", "listed", "1.2.post1")
            && !aff("PyPI", "listed", "1.1")
    );
    let r = m(&db, "PyPI", "listed", "1.0");
    assert_eq!(r.findings[0].matched[0].range_type, "versions");
    // GIT-only: never matched, no warning; with a versions list: the list still counts
    let r = m(&db, "PyPI", "gitonly", "1.0");
    assert!(r.findings.is_empty() && r.warnings.is_empty());
    assert!(aff("PyPI", "gitlist", "0.9") && !aff("PyPI", "gitlist", "1.0"));
}

#[test]
fn invalid_versions_warn_and_keep_other_ranges() {
    let t = "2024-01-01T00:00:00Z";
    let rest = r#","ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"not a version!"}]},
                           {"type":"ECOSYSTEM","events":[{"introduced":"2.0.0"},{"fixed":"2.5.0"}]}]"#;
    let (_tmp, db) = db_of(&[("bad.json", record("GHSA-bad", t, &[], "npm", "pkg", rest))]);
    let r = m(&db, "npm", "pkg", "2.1.0");
    assert_eq!(ids(&r), ["GHSA-bad"]);
    assert_eq!(r.warnings.len(), 1);
    assert!(
        r.warnings[0].to_string().contains("GHSA-bad"),
        "{}",
        r.warnings[0]
    );
    // an invalid installed version: warnings, no finding, no panic
    let r = m(&db, "npm", "pkg", "¯\\_(ツ)_/¯");
    assert!(r.findings.is_empty());
    assert!(!r.warnings.is_empty());
    // an ecosystem with no ordering: the range is skipped with a warning
    let (_tmp2, db2) = db_of(&[(
        "x.json",
        record(
            "X-1",
            t,
            &[],
            "Hex",
            "plug",
            &ranges("ECOSYSTEM", r#"[{"introduced":"0"},{"fixed":"1.0"}]"#),
        ),
    )]);
    let r = m(&db2, "Hex", "plug", "0.5");
    assert!(r.findings.is_empty() && r.warnings[0].message.contains("no version ordering"));
}

#[test]
fn huge_ranges_are_handled() {
    let mut events = vec![r#"{"introduced":"0"}"#.to_string()];
    for i in 1..5000 {
        events.push(format!(r#"{{"fixed":"{i}.0.0"}}"#));
        events.push(format!(r#"{{"introduced":"{i}.0.1"}}"#));
    }
    let rest = ranges("SEMVER", &format!("[{}]", events.join(",")));
    let (_tmp, db) = db_of(&[(
        "huge.json",
        record(
            "GHSA-huge",
            "2024-01-01T00:00:00Z",
            &[],
            "npm",
            "huge",
            &rest,
        ),
    )]);
    let start = Instant::now();
    assert!(m(&db, "npm", "huge", "2500.0.0").findings.is_empty());
    assert!(!m(&db, "npm", "huge", "2500.0.2").findings.is_empty());
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn aliases_merge_across_databases_and_upstream() {
    let t = "2024-01-01T00:00:00Z";
    let evs = ranges("ECOSYSTEM", r#"[{"introduced":"0"},{"fixed":"2.0"}]"#);
    let (_tmp, db) = db_of(&[
        (
            "a.json",
            record(
                "GHSA-aaaa-bbbb-cccc",
                t,
                &["CVE-2024-1111"],
                "PyPI",
                "pkg",
                &evs,
            ),
        ),
        (
            "b.json",
            record(
                "PYSEC-2024-1",
                t,
                &["CVE-2024-1111", "GHSA-aaaa-bbbb-cccc"],
                "PyPI",
                "pkg",
                &evs,
            ),
        ),
        // transitively linked only through GHSA-aaaa
        (
            "c.json",
            record(
                "OSV-2024-9",
                t,
                &["GHSA-aaaa-bbbb-cccc"],
                "PyPI",
                "pkg",
                &evs,
            ),
        ),
        // a different issue
        (
            "d.json",
            record(
                "GHSA-zzzz-yyyy-xxxx",
                t,
                &["CVE-2024-2222"],
                "PyPI",
                "pkg",
                &evs,
            ),
        ),
        // related is not an alias
        (
            "e.json",
            record("GHSA-rrrr-rrrr-rrrr", t, &[], "PyPI", "pkg", &evs)
                .replace(r#""aliases":[]"#, r#""related":["CVE-2024-1111"]"#),
        ),
    ]);
    let r = m(&db, "PyPI", "pkg", "1.0");
    assert_eq!(
        ids(&r),
        ["CVE-2024-1111", "CVE-2024-2222", "GHSA-rrrr-rrrr-rrrr"]
    );
    assert_eq!(
        r.findings[0].aliases,
        ["GHSA-aaaa-bbbb-cccc", "OSV-2024-9", "PYSEC-2024-1"]
    );
    assert_eq!(r.findings[0].records.len(), 3);
}

#[test]
fn distro_releases_and_source_packages() {
    let t = "2024-01-01T00:00:00Z";
    let evs = |fixed: &str| {
        ranges(
            "ECOSYSTEM",
            &format!(r#"[{{"introduced":"0"}},{{"fixed":"{fixed}"}}]"#),
        )
    };
    let (_tmp, db) = db_of(&[
        (
            "alpine.json",
            record(
                "ALPINE-CVE-2024-0727",
                t,
                &["CVE-2024-0727"],
                "Alpine:v3.19",
                "openssl",
                &evs("3.1.4-r5"),
            ),
        ),
        (
            "alpine18.json",
            record(
                "ALPINE-CVE-2024-0728",
                t,
                &[],
                "Alpine:v3.18",
                "openssl",
                &evs("3.1.4-r5"),
            ),
        ),
        (
            "ubuntu.json",
            record(
                "UBUNTU-CVE-2024-0727",
                t,
                &["CVE-2024-0727"],
                "Ubuntu:22.04:LTS",
                "openssl",
                &evs("3.0.2-0ubuntu1.14"),
            ),
        ),
        (
            "debian.json",
            record(
                "DEBIAN-CVE-2024-0727",
                t,
                &[],
                "Debian:12",
                "openssl",
                &evs("3.0.13-1~deb12u1"),
            ),
        ),
    ]);
    // apk origin = openssl for binary libcrypto3; the release normalized from os-release
    let q =
        PackageQuery::new("Alpine:3.19.1", "libcrypto3", "3.1.4-r3").with_source("openssl", None);
    assert_eq!(ids(&db.match_package(&q).unwrap()), ["CVE-2024-0727"]);
    let q =
        PackageQuery::new("Alpine:v3.19", "libcrypto3", "3.1.4-r5").with_source("openssl", None);
    assert!(db.match_package(&q).unwrap().findings.is_empty());
    // Ubuntu 22.04 is LTS: the query finds `Ubuntu:22.04:LTS` records
    let q = PackageQuery::new("Ubuntu:22.04", "libssl3", "3.0.2-0ubuntu1.10")
        .with_source("openssl", None);
    assert_eq!(ids(&db.match_package(&q).unwrap()), ["CVE-2024-0727"]);
    // the binary name alone does not find source-package records
    assert!(m(&db, "Debian:12", "libssl3", "3.0.11-1~deb12u2")
        .findings
        .is_empty());
    // source version differs from the binary version (binNMU)
    let q = PackageQuery::new("Debian:12", "libssl3", "3.0.13-1~deb12u1+b1")
        .with_source("openssl", Some("3.0.11-1~deb12u2"));
    assert_eq!(
        ids(&db.match_package(&q).unwrap()),
        ["DEBIAN-CVE-2024-0727"]
    );
}

// ---------------------------------------------------------------- hostile input

#[test]
fn malformed_records_are_reported_and_the_rest_imported() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir_all(src.join("nested")).unwrap();
    let good = record(
        "GHSA-good",
        "2024-01-01T00:00:00Z",
        &[],
        "npm",
        "ok",
        &ranges("SEMVER", r#"[{"introduced":"0"}]"#),
    );
    std::fs::write(src.join("good.json"), &good).unwrap();
    std::fs::write(
        src.join("nested/good2.json"),
        good.replace("GHSA-good", "GHSA-good2"),
    )
    .unwrap();
    std::fs::write(src.join("truncated.json"), &good[..good.len() / 2]).unwrap();
    std::fs::write(
        src.join("two-keys.json"),
        good.replace("GHSA-good", "GHSA-bad-event")
            .replace(r#"{"introduced":"0"}"#, r#"{"introduced":"0","fixed":"1"}"#),
    )
    .unwrap();
    std::fs::write(
        src.join("bad-date.json"),
        good.replace("GHSA-good", "GHSA-bad-date")
            .replace("2024-01-01T00:00:00Z", "last tuesday"),
    )
    .unwrap();
    std::fs::write(src.join("README.txt"), "not a record").unwrap();
    let dbdir = tmp.path().join("db");
    let report = import(&dbdir, &src).unwrap();
    assert_eq!((report.read, report.added, report.total_records), (2, 2, 2));
    let msgs: Vec<String> = report.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(msgs.len(), 3, "{msgs:#?}");
    assert!(
        msgs.iter()
            .any(|m| m.contains("truncated.json") && m.contains("not valid JSON")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("two-keys.json: record GHSA-bad-event")
                && m.contains("affected[0].ranges[0].events[0]")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("bad-date.json: record GHSA-bad-date") && m.contains("modified")),
        "{msgs:#?}"
    );
    // a single broken file: reported, database unchanged, no error
    let report = import(&dbdir, src.join("truncated.json")).unwrap();
    assert_eq!(
        (report.added, report.errors.len(), report.total_records),
        (0, 1, 2)
    );
    // nothing importable at all
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert!(matches!(
        import(&dbdir, &empty),
        Err(DbError::NothingToImport { .. })
    ));
}

fn seed_copy(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let file = dir.join("vulndb.scdb");
    std::fs::copy(repo("vuln-db/seed/vulndb.scdb"), &file).unwrap();
    file
}

#[test]
fn corrupt_database_files_give_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let good = std::fs::read(repo("vuln-db/seed/vulndb.scdb")).unwrap();
    let case = |name: &str, bytes: &[u8]| -> String {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("vulndb.scdb"), bytes).unwrap();
        Database::open(&dir).map(|_| ()).unwrap_err().to_string()
    };
    assert!(case("empty", b"").contains("shorter than the 96-byte header"));
    assert!(case("garbage", &[7u8; 4096]).contains("missing the SCVULNDB signature"));
    assert!(case("truncated", &good[..good.len() - 100]).contains("truncated"));
    let u64_at = |at: usize| u64::from_le_bytes(good[at..at + 8].try_into().unwrap()) as usize;
    let (index_off, ids_off) = (u64_at(56), u64_at(72));
    let mut flipped = good.clone();
    flipped[index_off + 40] ^= 0xff; // inside the index
    let e = case("index", &flipped);
    assert!(
        e.contains("checksum of the metadata and index does not match") && e.contains("delete it"),
        "{e}"
    );
    // the id table is checked when first needed
    let mut flipped = good.clone();
    flipped[ids_off + 3] ^= 0xff;
    let dir = tmp.path().join("ids");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("vulndb.scdb"), &flipped).unwrap();
    let db = Database::open(&dir).unwrap();
    let e = db.get("GHSA-8q59-q68h-6hv4").unwrap_err().to_string();
    assert!(e.contains("checksum of the id table does not match"), "{e}");
    let mut version = good.clone();
    version[8] = 99;
    assert!(case("version", &version).contains("database format 99"));
    assert!(matches!(
        Database::open(tmp.path().join("nowhere")),
        Err(DbError::NotFound { .. })
    ));

    // A damaged record block: the database opens (the index is fine), and the
    // lookup that needs the block fails naming the record.
    let mut block = good.clone();
    for b in &mut block[200..260] {
        *b ^= 0x5a;
    }
    let dir = tmp.path().join("block");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("vulndb.scdb"), &block).unwrap();
    let db = Database::open(&dir).unwrap();
    let err = db.verify().unwrap_err().to_string();
    assert!(
        err.contains("is damaged") || err.contains("does not decompress"),
        "{err}"
    );
    let mut failures = 0;
    for (eco, name) in [
        ("PyPI", "pyyaml"),
        ("PyPI", "requests"),
        ("npm", "lodash"),
        ("Debian:12", "openssl"),
        ("npm", "express"),
    ] {
        if let Err(e) = db.match_package(&PackageQuery::new(eco, name, "0.0.1")) {
            assert!(
                matches!(e, DbError::CorruptRecord { .. } | DbError::Corrupt { .. }),
                "{e}"
            );
            failures += 1;
        }
    }
    assert!(failures > 0);
    // importing into a corrupt database refuses rather than overwriting it
    let src = tmp.path().join("one.json");
    std::fs::write(
        &src,
        record("X-1", "2024-01-01T00:00:00Z", &[], "npm", "x", ""),
    )
    .unwrap();
    assert!(import(&dir, &src).is_err());
}

fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(body.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn zip_import_and_truncated_zip() {
    let tmp = tempfile::tempdir().unwrap();
    let evs = ranges("SEMVER", r#"[{"introduced":"0"},{"fixed":"1.0.0"}]"#);
    let recs: Vec<(String, String)> = (0..40)
        .map(|i| {
            (
                format!("GHSA-{i:04}.json"),
                record(
                    &format!("GHSA-{i:04}"),
                    "2024-01-01T00:00:00Z",
                    &[],
                    "npm",
                    &format!("p{i}"),
                    &evs,
                ),
            )
        })
        .collect();
    let entries: Vec<(&str, &str)> = recs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let bytes = zip_of(&entries);
    let full = tmp.path().join("all.zip");
    std::fs::write(&full, &bytes).unwrap();
    let report = import(tmp.path().join("db1"), &full).unwrap();
    assert_eq!((report.added, report.errors.len()), (40, 0));

    let cut = tmp.path().join("cut.zip");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let report = import(tmp.path().join("db2"), &cut).unwrap();
    assert!(report.added > 10 && report.added < 40, "{}", report.added);
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.message.contains("truncated or damaged")),
        "{:?}",
        report.errors
    );

    let stub = tmp.path().join("stub.zip");
    std::fs::write(&stub, &bytes[..20]).unwrap();
    let err = import(tmp.path().join("db3"), &stub).unwrap_err();
    assert!(matches!(err, DbError::Zip { .. }), "{err}");
    assert!(err.to_string().contains("stub.zip"));
}

#[test]
fn bundles_round_trip_and_bad_checksums_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    seed_copy(&src);
    let bundle = tmp.path().join("out/vulndb-bundle.scdb");
    let report = export(&src, &bundle).unwrap();
    let sum = std::fs::read_to_string(checksum_path(&bundle)).unwrap();
    assert_eq!(sum, format!("{}  vulndb-bundle.scdb\n", report.sha256));
    // sha256sum agrees, where it exists
    if let Ok(out) = Command::new("sha256sum")
        .arg("-c")
        .arg(checksum_path(&bundle))
        .current_dir(tmp.path().join("out"))
        .output()
    {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let dst = tmp.path().join("airgapped");
    let r = import(&dst, &bundle).unwrap();
    assert_eq!(r.added, report.records);
    let db = Database::open(&dst).unwrap();
    assert_eq!(db.record_count(), report.records);

    // tampered bundle
    let mut bytes = std::fs::read(&bundle).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&bundle, &bytes).unwrap();
    let err = import(tmp.path().join("x"), &bundle).unwrap_err();
    assert!(matches!(err, DbError::ChecksumMismatch { .. }), "{err}");
    assert!(
        err.to_string().contains("refusing to import") && err.to_string().contains(&report.sha256)
    );
    // missing checksum
    std::fs::remove_file(checksum_path(&bundle)).unwrap();
    let err = import(tmp.path().join("x"), &bundle).unwrap_err();
    assert!(matches!(err, DbError::ChecksumMissing { .. }), "{err}");
    assert!(!tmp.path().join("x/vulndb.scdb").exists());
}

// ---------------------------------------------------------------- sync

/// Counts fetched URLs.
struct Counting<'a> {
    inner: &'a dyn Fetcher,
    log: RefCell<Vec<String>>,
}

impl Fetcher for Counting<'_> {
    fn get(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        self.log.borrow_mut().push(url.to_string());
        self.inner.get(url)
    }
}

fn write_mirror(base: &Path, eco: &str, records: &[(String, String, String)]) {
    // records: (id, modified, json)
    let dir = base.join(eco);
    std::fs::create_dir_all(&dir).unwrap();
    let entries: Vec<(String, &str)> = records
        .iter()
        .map(|(id, _, j)| (format!("{id}.json"), j.as_str()))
        .collect();
    let refs: Vec<(&str, &str)> = entries.iter().map(|(a, b)| (a.as_str(), *b)).collect();
    std::fs::write(dir.join("all.zip"), zip_of(&refs)).unwrap();
    let mut rows: Vec<&(String, String, String)> = records.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1));
    let csv: String = rows
        .iter()
        .map(|(id, t, _)| format!("{t},{id}\n"))
        .collect();
    std::fs::write(dir.join("modified_id.csv"), csv).unwrap();
    for (id, _, j) in records {
        std::fs::write(dir.join(format!("{id}.json")), j).unwrap();
    }
}

#[test]
fn incremental_sync_from_a_file_mirror() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("mirror");
    let evs = |fixed: &str| {
        ranges(
            "ECOSYSTEM",
            &format!(r#"[{{"introduced":"0"}},{{"fixed":"{fixed}"}}]"#),
        )
    };
    let mk = |id: &str, t: &str, eco: &str, name: &str, fixed: &str| {
        (
            id.to_string(),
            t.to_string(),
            record(id, t, &[], eco, name, &evs(fixed)),
        )
    };
    let mut pypi: Vec<_> = (0..30)
        .map(|i| {
            mk(
                &format!("PYSEC-{i}"),
                "2024-01-01T00:00:00Z",
                "PyPI",
                &format!("p{i}"),
                "1.0",
            )
        })
        .collect();
    let debian = vec![mk(
        "DEBIAN-CVE-1",
        "2024-01-02T00:00:00Z",
        "Debian:12",
        "openssl",
        "3.0.13-1~deb12u1",
    )];
    write_mirror(&base, "PyPI", &pypi);
    write_mirror(&base, "Debian", &debian);
    std::fs::write(base.join("ecosystems.txt"), "PyPI\nDebian\n").unwrap();
    let url = url::Url::from_directory_path(&base).unwrap().to_string();
    let dbdir = tmp.path().join("db");

    // Round 1: everything, through all.zip.
    let f = Counting {
        inner: &FileFetcher,
        log: RefCell::new(vec![]),
    };
    let r1 = sync(&dbdir, &url, &f).unwrap();
    assert_eq!(r1.total_records, 31);
    assert!(
        f.log
            .borrow()
            .iter()
            .all(|u| u.ends_with("ecosystems.txt") || u.ends_with("all.zip")),
        "{:?}",
        f.log.borrow()
    );
    assert_eq!(f.log.borrow().len(), 3);
    assert!(!m(&Database::open(&dbdir).unwrap(), "PyPI", "p3", "0.9")
        .findings
        .is_empty());

    // Round 2: two records modified, one added; all.zip is not fetched again.
    pypi[3] = mk("PYSEC-3", "2024-02-01T00:00:00Z", "PyPI", "p3", "0.5");
    pypi[4] = mk("PYSEC-4", "2024-02-01T00:00:01Z", "PyPI", "p4", "0.5");
    pypi.push(mk(
        "PYSEC-NEW",
        "2024-02-02T00:00:00Z",
        "PyPI",
        "fresh",
        "2.0",
    ));
    write_mirror(&base, "PyPI", &pypi);
    let f = Counting {
        inner: &FileFetcher,
        log: RefCell::new(vec![]),
    };
    let r2 = sync(&dbdir, &url, &f).unwrap();
    let log = f.log.borrow().clone();
    let jsons: Vec<&String> = log.iter().filter(|u| u.ends_with(".json")).collect();
    assert_eq!(jsons.len(), 3, "{log:?}");
    assert!(!log.iter().any(|u| u.ends_with("all.zip")), "{log:?}");
    let py = r2
        .ecosystems
        .iter()
        .find(|e| e.ecosystem == "PyPI")
        .unwrap();
    assert_eq!((py.added, py.updated), (1, 2));
    let deb = r2
        .ecosystems
        .iter()
        .find(|e| e.ecosystem == "Debian")
        .unwrap();
    assert_eq!(deb.mode, sc::vulndb::update::SyncMode::UpToDate);
    let db = Database::open(&dbdir).unwrap();
    assert_eq!(db.record_count(), 32);
    assert!(
        m(&db, "PyPI", "p3", "0.9").findings.is_empty(),
        "PYSEC-3 now fixed in 0.5"
    );
    assert!(!m(&db, "PyPI", "fresh", "1.0").findings.is_empty());
    assert_eq!(
        db.status().mirrors[r2.mirror.as_str()]["PyPI"].last_modified,
        "2024-02-02T00:00:00Z"
    );

    // Round 3: nothing new → only the csv files are read.
    let f = Counting {
        inner: &FileFetcher,
        log: RefCell::new(vec![]),
    };
    sync(&dbdir, &url, &f).unwrap();
    assert_eq!(f.log.borrow().len(), 3, "{:?}", f.log.borrow());

    // A mirror that fails half way leaves the database as it was.
    std::fs::remove_file(base.join("PyPI/PYSEC-NEW.json")).unwrap();
    std::fs::write(base.join("Debian/modified_id.csv"), "not,a,csv\n").unwrap();
    let before = std::fs::read(dbdir.join("vulndb.scdb")).unwrap();
    assert!(sync(&dbdir, &url, &FileFetcher).is_err());
    assert_eq!(std::fs::read(dbdir.join("vulndb.scdb")).unwrap(), before);
}

// ---------------------------------------------------------------- atomic updates

const CHILD_ENV: &str = "SC_VULNDB_TEST_CHILD_IMPORT";

/// Does its work only as a child of `killed_writer_leaves_previous_database_usable`
/// (when the parent sets the env var): imports a large file into a database so
/// the parent can kill it mid-write. Run on its own, it returns at once.
#[test]
fn child_import_for_kill_test() {
    let Some(spec) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let spec = spec.into_string().unwrap();
    let (dir, src) = spec.split_once('|').unwrap();
    import(dir, src).unwrap();
}

#[test]
fn killed_writer_leaves_previous_database_usable() {
    let tmp = tempfile::tempdir().unwrap();
    let dbdir = tmp.path().join("db");
    seed_copy(&dbdir);
    let before = std::fs::read(dbdir.join("vulndb.scdb")).unwrap();

    // A big import: 40,000 records in one JSON array.
    let src = tmp.path().join("big.json");
    let evs = ranges("SEMVER", r#"[{"introduced":"0"},{"fixed":"1.0.0"}]"#);
    let mut body = String::from("[");
    for i in 0..40_000 {
        if i > 0 {
            body.push(',');
        }
        body.push_str(
            &record(
                &format!("GHSA-kill-{i}"),
                "2024-01-01T00:00:00Z",
                &["CVE-2024-1"],
                "npm",
                &format!("pkg-{}", i % 5000),
                &evs,
            )
            .replace(
                " summary\"",
                &format!(
                    " summary {i}\",\"details\":\"{}\"",
                    "lorem ipsum dolor sit amet ".repeat(8)
                ),
            ),
        );
    }
    body.push(']');
    std::fs::write(&src, body).unwrap();

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_import_for_kill_test",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, format!("{}|{}", dbdir.display(), src.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it as soon as its temporary file exists (the write phase).
    let deadline = Instant::now() + Duration::from_secs(120);
    let temp = loop {
        let t = std::fs::read_dir(&dbdir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .find(|p| p.file_name().unwrap().to_string_lossy().ends_with(".tmp"));
        if let Some(t) = t {
            break t;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("child finished ({status}) before it could be killed mid-write");
        }
        assert!(Instant::now() < deadline, "child never started writing");
        std::thread::sleep(Duration::from_millis(2));
    };
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        temp.exists(),
        "the killed writer's temporary file is left behind"
    );

    // The previous database is intact and usable; opening it removes the debris.
    assert_eq!(std::fs::read(dbdir.join("vulndb.scdb")).unwrap(), before);
    let db = Database::open(&dbdir).unwrap();
    assert!(!m(&db, "PyPI", "pyyaml", "5.3").findings.is_empty());
    assert!(!temp.exists(), "stale temporary file removed on open");

    // And the same import, uninterrupted, succeeds.
    let r = import(&dbdir, &src).unwrap();
    assert_eq!(r.added, 40_000);
}

/// A fetcher that panics after `n` requests: a sync dying half way in-process.
struct PanicsAfter(std::cell::Cell<usize>);

impl Fetcher for PanicsAfter {
    fn get(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let left = self.0.get();
        if left == 0 {
            panic!("simulated crash while fetching {url}");
        }
        self.0.set(left - 1);
        FileFetcher.get(url)
    }
}

#[test]
fn sync_dying_midway_leaves_previous_database() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("mirror");
    let evs = ranges("ECOSYSTEM", r#"[{"introduced":"0"},{"fixed":"1.0"}]"#);
    let recs: Vec<(String, String, String)> = (0..5)
        .map(|i| {
            (
                format!("PYSEC-{i}"),
                "2024-01-01T00:00:00Z".to_string(),
                record(
                    &format!("PYSEC-{i}"),
                    "2024-01-01T00:00:00Z",
                    &[],
                    "PyPI",
                    "p",
                    &evs,
                ),
            )
        })
        .collect();
    write_mirror(&base, "PyPI", &recs);
    write_mirror(&base, "npm", &recs[..1]);
    std::fs::write(base.join("ecosystems.txt"), "PyPI\nnpm\n").unwrap();
    let url = url::Url::from_directory_path(&base).unwrap().to_string();
    let dbdir = tmp.path().join("db");
    seed_copy(&dbdir);
    let before = std::fs::read(dbdir.join("vulndb.scdb")).unwrap();
    let f = PanicsAfter(std::cell::Cell::new(2)); // ecosystems.txt, PyPI/all.zip, then dies
    let crashed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sync(&dbdir, &url, &f)));
    assert!(crashed.is_err());
    assert_eq!(std::fs::read(dbdir.join("vulndb.scdb")).unwrap(), before);
    assert_eq!(
        Database::open(&dbdir).unwrap().record_count(),
        open_seed().unwrap().record_count()
    );
}

#[test]
fn status_reports_age_counts_and_sources() {
    let db = open_seed().unwrap();
    let s = db.status();
    assert_eq!(s.format_version, sc::vulndb::store::FORMAT_VERSION);
    assert_eq!(s.records, db.record_count());
    assert_eq!(s.withdrawn, 1);
    assert!(
        s.sources["GHSA"] >= 20 && s.sources["DEBIAN"] >= 10,
        "{:?}",
        s.sources
    );
    assert!(s.ecosystems.contains_key("Debian:12") && s.ecosystems.contains_key("PyPI"));
    assert!(s.ecosystems["PyPI"].last_modified.is_some());
    assert!(
        s.is_stale(Duration::from_secs(60)),
        "the seed is older than a minute"
    );
    assert!(!s.is_stale(Duration::from_secs(u64::MAX / 2)));
    assert_eq!(s.history[0].action, "seed");
}

/// A minimal HTTP/1.1 file server on 127.0.0.1 for the mirror test; stops on
/// drop (and by itself after a minute).
struct FileServer {
    url: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl FileServer {
    fn start(root: PathBuf) -> FileServer {
        use std::io::{BufRead, BufReader};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (stop2, requests2) = (stop.clone(), requests.clone());
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !stop2.load(Ordering::Relaxed) && Instant::now() < deadline {
                let (mut sock, _) = match listener.accept() {
                    Ok(s) => s,
                    Err(_) => {
                        std::thread::sleep(Duration::from_millis(5));
                        continue;
                    }
                };
                sock.set_nonblocking(false).unwrap();
                let mut reader = BufReader::new(sock.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap() == 0 || h == "\r\n" {
                        break;
                    }
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                requests2.lock().unwrap().push(path.clone());
                let decoded = path.replace("%20", " ");
                let file = root.join(decoded.trim_start_matches('/'));
                let (status, body) = match std::fs::read(&file) {
                    Ok(b) => ("200 OK", b),
                    Err(_) => ("404 Not Found", b"not found".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes());
                let _ = sock.write_all(&body);
            }
        });
        FileServer {
            url,
            stop,
            requests,
        }
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

#[test]
fn sync_over_http_with_the_http_fetcher() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("mirror");
    let evs = ranges("ECOSYSTEM", r#"[{"introduced":"0"},{"fixed":"9.9"}]"#);
    let t = "2024-03-01T00:00:00Z".to_string();
    let recs = vec![(
        "RLSA-2024-1".to_string(),
        t.clone(),
        record(
            "RLSA-2024-1",
            &t,
            &["CVE-2024-9"],
            "Rocky Linux:9",
            "openssl",
            &evs,
        ),
    )];
    write_mirror(&base, "Rocky Linux", &recs);
    std::fs::write(base.join("ecosystems.txt"), "Rocky Linux\n").unwrap();
    let server = FileServer::start(base.clone());
    let fetcher = sc::vulndb::HttpFetcher::new().unwrap();
    let dbdir = tmp.path().join("db");
    let r = sync(&dbdir, &format!("{}/", server.url), &fetcher).unwrap();
    assert_eq!(r.total_records, 1);
    assert!(server
        .requests
        .lock()
        .unwrap()
        .contains(&"/Rocky%20Linux/all.zip".to_string()));
    let db = Database::open(&dbdir).unwrap();
    assert_eq!(
        ids(&m(&db, "Rocky Linux:9", "openssl", "3.0.7-1.el9")),
        ["CVE-2024-9"]
    );
    // 404 is reported with the URL
    let e = fetcher
        .get(&format!("{}/nope.json", server.url))
        .unwrap_err();
    assert!(e.not_found && e.to_string().contains("404"), "{e}");
    let err = sync(
        tmp.path().join("db2"),
        &format!("{}/missing", server.url),
        &fetcher,
    )
    .unwrap_err();
    assert!(err.to_string().contains("/missing/ecosystems.txt"), "{err}");
}

#[test]
fn advisory_records_listing_several_cves_fold_into_the_per_cve_findings() {
    let t = "2024-01-01T00:00:00Z";
    let evs = ranges(
        "ECOSYSTEM",
        r#"[{"introduced":"0"},{"fixed":"3.0.14-1~deb12u2"}]"#,
    );
    let dsa = |id: &str, ups: &[&str]| {
        record(id, t, &[], "Debian:12", "openssl", &evs).replace(
            r#""aliases":[]"#,
            &format!(r#""upstream":{}"#, serde_json::to_string(ups).unwrap()),
        )
    };
    let (_tmp, db) = db_of(&[
        (
            "dsa.json",
            dsa("DSA-5764-1", &["CVE-2024-5535", "CVE-2024-6119"]),
        ),
        ("a.json", dsa("DEBIAN-CVE-2024-5535", &["CVE-2024-5535"])),
        ("b.json", dsa("DEBIAN-CVE-2024-6119", &["CVE-2024-6119"])),
        (
            "c.json",
            dsa("DSA-9999-1", &["CVE-2024-6119", "CVE-2099-1"]),
        ),
    ]);
    let r = m(&db, "Debian:12", "openssl", "3.0.11-1~deb12u2");
    // DSA-9999-1 names a CVE nobody else covers: it stays a finding of its own.
    assert_eq!(ids(&r), ["CVE-2024-5535", "CVE-2024-6119", "DSA-9999-1"]);
    assert_eq!(
        r.findings[0].aliases,
        ["DEBIAN-CVE-2024-5535", "DSA-5764-1"]
    );
    assert_eq!(
        r.findings[1].aliases,
        ["DEBIAN-CVE-2024-6119", "DSA-5764-1"]
    );
}

#[test]
fn http_fetcher_works_from_inside_a_tokio_runtime() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("ecosystems.txt"), "PyPI\n").unwrap();
    let server = FileServer::start(tmp.path().to_path_buf());
    let fetcher = sc::vulndb::HttpFetcher::new().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = format!("{}/ecosystems.txt", server.url);
    let body = rt.block_on(async { fetcher.get(&url) }).unwrap();
    assert_eq!(body, b"PyPI\n");
}
