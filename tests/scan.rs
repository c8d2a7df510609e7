//! The main job end to end: `sc image scan IMAGE --offline` on the committed
//! fixture with the bundled seed database, its policy exit codes and formats,
//! `sc sbom generate` → `sc sbom scan`, and the database commands.

mod support;

use support::{repo_path, sc, stderr, stdout};

fn fixture() -> String {
    format!(
        "oci:{}:v1",
        repo_path("fixtures/images/debian-app").display()
    )
}

#[test]
fn offline_scan_of_the_fixture_finds_known_advisories() {
    let out = sc(&["image", "scan", &fixture(), "--offline"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = stdout(&out);
    // OS package matched through its source package and Debian 12's ecosystem,
    // language packages through PyPI and npm, with fix versions.
    for needle in [
        "CVE-2024-6119",
        "libssl3",
        "3.0.14-1~deb12u2",
        "CVE-2020-14343",
        "pyyaml",
        "CVE-2021-44906",
        "minimist",
        "1.2.6",
        "CVE-2021-23337",
    ] {
        assert!(table.contains(needle), "missing {needle} in:\n{table}");
    }
    assert!(table.contains("CRITICAL"), "{table}");
}

#[test]
fn fail_on_sets_the_exit_code() {
    let out = sc(
        &[
            "image",
            "scan",
            &fixture(),
            "--offline",
            "--fail-on",
            "critical",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = sc(
        &[
            "image",
            "scan",
            &fixture(),
            "--offline",
            "--fail-on",
            "crit",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown severity 'crit'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn exit_code_flag_chooses_the_policy_failure_code() {
    let scan = |extra: &[&str]| {
        let fixture = fixture();
        let mut args = vec![
            "image",
            "scan",
            fixture.as_str(),
            "--offline",
            "--fail-on",
            "critical",
        ];
        args.extend_from_slice(extra);
        sc(&args, &[])
    };
    // As Trivy's --exit-code: the code used when the policy fails.
    let out = scan(&["--exit-code", "17"]);
    assert_eq!(out.status.code(), Some(17), "{}", stderr(&out));
    assert!(stderr(&out).contains("policy failed"), "{}", stderr(&out));
    // 0 reports without failing; the report is still printed.
    let out = scan(&["--exit-code", "0"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("CRITICAL"));
    // Codes that mean something else are refused before scanning.
    let out = scan(&["--exit-code", "3"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("reserved"), "{}", stderr(&out));
    // A passing policy exits 0 whatever the failure code.
    let fixture = fixture();
    let out = sc(
        &["image", "scan", &fixture, "--offline", "--exit-code", "17"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn json_and_sarif_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("scan.json");
    let out = sc(
        &[
            "image",
            "scan",
            &fixture(),
            "--offline",
            "--format",
            "json",
            "--output",
            json.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert!(v["summary"]["critical"].as_u64().unwrap() >= 3, "{v}");
    let out = sc(
        &[
            "image",
            "scan",
            &fixture(),
            "--offline",
            "--format",
            "sarif",
        ],
        &[],
    );
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn ignore_unfixed_and_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let out = sc(
        &[
            "image",
            "scan",
            &fixture(),
            "--offline",
            "--ignore-unfixed",
            "--format",
            "json",
        ],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // CVE-2023-45853 (zlib) has no fixed version in Debian 12: suppressed, and said so.
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let ids: Vec<&str> = v["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(
        !ids.contains(&"CVE-2023-45853") && ids.contains(&"CVE-2021-44906"),
        "{ids:?}"
    );
    assert!(
        v["suppressed"].to_string().contains("CVE-2023-45853"),
        "{}",
        v["suppressed"]
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("CVE-2021-44906"), "{md}");
}

#[test]
fn sbom_generate_then_sbom_scan_agree_with_image_scan() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["cyclonedx-json", "spdx-json"] {
        let sbom = dir.path().join(format!("sbom.{format}.json"));
        let out = sc(
            &[
                "sbom",
                "generate",
                &fixture(),
                "--format",
                format,
                "--output",
                sbom.to_str().unwrap(),
            ],
            &[],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let out = sc(
            &["sbom", "scan", sbom.to_str().unwrap(), "--format", "json"],
            &[],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let ids: Vec<&str> = v["vulnerabilities"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["id"].as_str())
            .collect();
        for id in ["CVE-2024-6119", "CVE-2020-14343", "CVE-2021-44906"] {
            assert!(ids.contains(&id), "{format}: {id} missing from {ids:?}");
        }
    }
}

#[test]
fn docker_archive_scans_like_the_oci_layout() {
    let archive = format!(
        "docker-archive:{}",
        repo_path("fixtures/images/debian-app.docker.tar").display()
    );
    let a = sc(
        &["image", "scan", &archive, "--offline", "--format", "json"],
        &[],
    );
    let b = sc(
        &["image", "scan", &fixture(), "--offline", "--format", "json"],
        &[],
    );
    let ids = |o: &std::process::Output| {
        let v: serde_json::Value = serde_json::from_str(&stdout(o)).unwrap();
        let mut ids: Vec<String> = v["vulnerabilities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{}/{}", f["id"], f["package"]))
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&a), ids(&b));
}

#[test]
fn database_export_import_status() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("db.bundle");
    let out = sc(
        &["db", "export", bundle.to_str().unwrap()],
        &[("XDG_CACHE_HOME", dir.path().join("empty").to_str().unwrap())],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.path().join("db.bundle.sha256").exists());
    let db = dir.path().join("db");
    let out = sc(
        &[
            "db",
            "import",
            bundle.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = sc(
        &["db", "status", "--db", db.to_str().unwrap(), "--json"],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(v["records"].as_u64().unwrap() >= 40, "{v}");
    // A tampered bundle is refused on import.
    let mut bytes = std::fs::read(&bundle).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0xff;
    std::fs::write(&bundle, &bytes).unwrap();
    let out = sc(
        &[
            "db",
            "import",
            bundle.to_str().unwrap(),
            "--db",
            dir.path().join("db2").to_str().unwrap(),
        ],
        &[],
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).to_lowercase().contains("checksum") || stderr(&out).contains("sha256"),
        "{}",
        stderr(&out)
    );
    // Scanning with the imported database.
    let out = sc(
        &[
            "image",
            "scan",
            &fixture(),
            "--offline",
            "--db",
            db.to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        out.status.success() && stdout(&out).contains("CVE-2021-44906"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn results_are_cached_by_digest_and_database() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("XDG_CACHE_HOME", dir.path().to_str().unwrap())];
    let ids = |o: &std::process::Output| {
        let v: serde_json::Value = serde_json::from_str(&stdout(o)).unwrap();
        let mut ids: Vec<String> = v["vulnerabilities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{}/{}", f["id"], f["package"]))
            .collect();
        ids.sort();
        ids
    };
    let first = sc(
        &["image", "scan", &fixture(), "--offline", "--format", "json"],
        &env,
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let cache_dir = dir.path().join("sc/scan-results");
    let entries: Vec<_> = std::fs::read_dir(&cache_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1, "one cache entry: {entries:?}");
    let second = sc(
        &[
            "image",
            "scan",
            &fixture(),
            "--offline",
            "--format",
            "json",
            "-v",
        ],
        &env,
    );
    assert!(
        stderr(&second).contains("using cached scan results"),
        "{}",
        stderr(&second)
    );
    assert_eq!(ids(&first), ids(&second));
    // A corrupt entry is detected, recomputed, and the results are the same.
    std::fs::write(&entries[0], b"{not json").unwrap();
    let third = sc(
        &["image", "scan", &fixture(), "--offline", "--format", "json"],
        &env,
    );
    assert!(stderr(&third).contains("corrupt"), "{}", stderr(&third));
    assert_eq!(ids(&first), ids(&third));
    // --no-cache neither reads nor writes.
    let fourth = sc(
        &[
            "image",
            "scan",
            &fixture(),
            "--offline",
            "--format",
            "json",
            "--no-cache",
            "-v",
        ],
        &env,
    );
    assert!(
        !stderr(&fourth).contains("using cached"),
        "{}",
        stderr(&fourth)
    );
}
