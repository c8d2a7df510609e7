//! SBOM documents for a synthetic inventory (the packages of the fixture image
//! `fixtures/images/debian-app` plus one package of each other kind the
//! formats treat specially): golden output for every format, determinism,
//! cross-references inside each document, and validation against the official
//! schemas when `SC_SCHEMA_DIR` points at them (`scripts/validate-sbom-schemas.sh`
//! installs them and sets it; without it that test prints SKIPPED).
//!
//! `SC_SBOM_OUT_DIR=DIR` makes `write_documents` write the five documents
//! there, for the validation script.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use sc::config::SbomFormat;
use sc::sbom::cpe::Cpe;
use sc::sbom::format::{self, build_sbom, native, render, FormatError, RenderOptions};
use sc::sbom::model::{
    Distro, ImageInfo, Inventory, Location, Package, PackageType, Relationship, SourcePackage,
};
use sc::sbom::purl::Purl;
use serde_json::Value;

const ALL: [SbomFormat; 5] = [
    SbomFormat::CycloneDxJson,
    SbomFormat::CycloneDxXml,
    SbomFormat::SpdxJson,
    SbomFormat::SpdxTagValue,
    SbomFormat::ScJson,
];

fn sha(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

fn at(path: &str, layer: usize) -> Location {
    Location {
        path: path.into(),
        layer_index: layer,
        layer_digest: Some(sha(char::from(b'a' + layer as u8))),
    }
}

#[allow(clippy::too_many_arguments)]
fn package(
    ty: PackageType,
    name: &str,
    version: &str,
    found_by: &str,
    loc: Location,
    licenses: &[&str],
) -> Package {
    let mut p = Package::new(ty, name, version, found_by, loc);
    p.licenses = licenses.iter().map(|s| s.to_string()).collect();
    p
}

fn deb(name: &str, version: &str, source: &str, licenses: &[&str]) -> Package {
    let mut p = package(
        PackageType::Deb,
        name,
        version,
        "dpkg",
        at("var/lib/dpkg/status", 0),
        licenses,
    );
    p.arch = Some("amd64".into());
    p.source = Some(SourcePackage {
        name: source.into(),
        version: None,
    });
    p
}

/// The synthetic inventory every test uses.
fn inventory() -> Inventory {
    let py = "usr/local/lib/python3.11/dist-packages";
    let mut libc = deb("libc6", "2.36-9+deb12u4", "glibc", &["LGPL-2.1+"]);
    libc.metadata.insert(
        "maintainer".into(),
        "GNU Libc Maintainers <debian-glibc@lists.debian.org>".into(),
    );
    let mut gcc = deb(
        "libgcc-s1",
        "12.2.0-14",
        "gcc-12",
        &["GPL-3.0-or-later WITH GCC-exception-3.1"],
    );
    gcc.source.as_mut().unwrap().version = Some("12.2.0-14+b1".into());
    let mut java = package(
        PackageType::Java,
        "commons-text",
        "1.10.0",
        "java",
        at("opt/app/lib/commons-text-1.10.0.jar", 2),
        &["Apache-2.0"],
    );
    java.namespace = Some("org.apache.commons".into());
    let packages = vec![
        libc,
        gcc,
        deb("libssl3", "3.0.11-1~deb12u2", "openssl", &["Apache-2.0"]),
        deb("openssl", "3.0.11-1~deb12u2", "openssl", &["Apache-2.0"]),
        deb("zlib1g", "1:1.2.13.dfsg-1", "zlib", &["Zlib"]),
        package(
            PackageType::Python,
            "PyYAML",
            "5.3",
            "python",
            at(&format!("{py}/PyYAML-5.3.dist-info/METADATA"), 1),
            &["MIT"],
        ),
        package(
            PackageType::Python,
            "requests",
            "2.19.1",
            "python",
            at(&format!("{py}/requests-2.19.1.dist-info/METADATA"), 1),
            &["Apache 2.0"],
        ),
        package(
            PackageType::Python,
            "urllib3",
            "1.24.1",
            "python",
            at(&format!("{py}/urllib3-1.24.1.dist-info/METADATA"), 1),
            &["MIT"],
        ),
        package(
            PackageType::Npm,
            "@types/node",
            "20.1.0",
            "javascript",
            at("srv/app/node_modules/@types/node/package.json", 1),
            &["MIT"],
        ),
        package(
            PackageType::Npm,
            "lodash",
            "4.17.15",
            "javascript",
            at("srv/app/node_modules/lodash/package.json", 1),
            &["MIT"],
        ),
        package(
            PackageType::Go,
            "github.com/spf13/cobra",
            "v1.8.0",
            "go",
            at("usr/local/bin/app", 2),
            &[],
        ),
        package(
            PackageType::Go,
            "stdlib",
            "1.22.1",
            "go",
            at("usr/local/bin/app", 2),
            &["BSD-3-Clause"],
        ),
        java,
        package(
            PackageType::Rust,
            "serde",
            "1.0.200",
            "rust",
            at("usr/local/bin/tool", 2),
            &["MIT OR Apache-2.0"],
        ),
    ];
    let rel = |from, to| Relationship { from, to };
    Inventory {
        image: ImageInfo {
            source: "oci:fixtures/images/debian-app:v1".into(),
            reference: None,
            digest: sha('1'),
            manifest_digest: sha('2'),
            image_id: sha('3'),
            platform: "linux/amd64".into(),
            layers: vec![sha('a'), sha('b'), sha('c')],
        },
        distro: Some(Distro {
            id: "debian".into(),
            version_id: "12".into(),
            version_codename: Some("bookworm".into()),
            pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
            id_like: Vec::new(),
        }),
        packages,
        relationships: vec![rel(0, 1), rel(2, 0), rel(3, 0), rel(3, 2), rel(6, 7)],
        warnings: vec!["srv/app/broken/package.json: not JSON".into()],
    }
}

/// A smaller inventory for the golden documents: a Debian package built from
/// another source package and the one it depends on, a PyPI package with a
/// free-text license, a scoped npm package, a Go module, a Maven artifact.
fn small_inventory() -> Inventory {
    let mut inv = inventory();
    let keep = [2, 3, 6, 8, 10, 12];
    inv.packages = keep.iter().map(|&i| inv.packages[i].clone()).collect();
    inv.relationships = vec![Relationship { from: 1, to: 0 }];
    inv.warnings.clear();
    inv
}

/// Unusual input: no distro, no image digest or source, names and versions
/// with characters every format must escape, licenses that are not SPDX.
fn edge_inventory() -> Inventory {
    let mut odd = package(
        PackageType::Python,
        "we_ird <name> & \"quotes\"",
        "1.0 beta+\u{1}\u{7f}é",
        "python",
        at("opt/odd dir/METADATA\nx", 0),
        &["BSD", "MIT/Apache-2.0", "(MIT", "Apache-2.0 OR MIT"],
    );
    odd.metadata
        .insert("summary".into(), "line one\nline </text> two\r\u{0}".into());
    let mut bare = package(
        PackageType::Deb,
        "bare",
        "",
        "dpkg",
        Location {
            path: "var/lib/dpkg/status".into(),
            layer_index: 0,
            layer_digest: None,
        },
        &[],
    );
    bare.source = Some(SourcePackage {
        name: "bare-src".into(),
        version: Some("2".into()),
    });
    Inventory {
        packages: vec![bare, odd],
        ..Default::default()
    }
}

fn opts() -> RenderOptions {
    RenderOptions {
        generated_at: time::macros::datetime!(2024-01-01 00:00:00 UTC),
        tool_version: "0.1.0".into(),
    }
}

fn doc(format: SbomFormat) -> String {
    String::from_utf8(render(&inventory(), format, &opts()).unwrap()).unwrap()
}

fn json(format: SbomFormat) -> Value {
    serde_json::from_str(&doc(format)).unwrap()
}

fn file_name(format: SbomFormat) -> &'static str {
    match format {
        SbomFormat::CycloneDxJson => "synthetic.cdx.json",
        SbomFormat::CycloneDxXml => "synthetic.cdx.xml",
        SbomFormat::SpdxJson => "synthetic.spdx.json",
        SbomFormat::SpdxTagValue => "synthetic.spdx",
        SbomFormat::ScJson => "synthetic.sc.json",
    }
}

/// Writes the documents for the validation script when `SC_SBOM_OUT_DIR` is set.
#[test]
fn write_documents() {
    let Some(dir) = std::env::var_os("SC_SBOM_OUT_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in ALL {
        std::fs::write(dir.join(file_name(f)), doc(f)).unwrap();
        let edge = render(&edge_inventory(), f, &opts()).unwrap();
        std::fs::write(dir.join(file_name(f).replace("synthetic", "edge")), edge).unwrap();
        let golden = render(&small_inventory(), f, &opts()).unwrap();
        std::fs::write(
            dir.join(file_name(f).replace("synthetic", "golden")),
            golden,
        )
        .unwrap();
    }
}

#[test]
fn output_is_deterministic() {
    for f in ALL {
        assert_eq!(doc(f), doc(f), "{f}");
    }
    // another generation time: another serial number and namespace
    let later = RenderOptions {
        generated_at: time::macros::datetime!(2024-01-01 00:00:01 UTC),
        ..opts()
    };
    let other = |f| String::from_utf8(render(&inventory(), f, &later).unwrap()).unwrap();
    let a = json(SbomFormat::CycloneDxJson);
    let b: Value = serde_json::from_str(&other(SbomFormat::CycloneDxJson)).unwrap();
    assert_ne!(a["serialNumber"], b["serialNumber"]);
    let a = json(SbomFormat::SpdxJson);
    let b: Value = serde_json::from_str(&other(SbomFormat::SpdxJson)).unwrap();
    assert_ne!(a["documentNamespace"], b["documentNamespace"]);
    // another inventory: another serial number at the same time
    let mut inv = inventory();
    inv.packages.pop();
    let c: Value =
        serde_json::from_slice(&render(&inv, SbomFormat::CycloneDxJson, &opts()).unwrap()).unwrap();
    assert_ne!(
        json(SbomFormat::CycloneDxJson)["serialNumber"],
        c["serialNumber"]
    );
}

#[test]
fn sbom_describes_the_document() {
    for f in ALL {
        let s = build_sbom(&inventory(), f, &opts()).unwrap();
        assert_eq!(s.format, f.as_str());
        assert_eq!(s.metadata.format, f.as_str());
        assert_eq!(s.content, doc(f).into_bytes());
        assert_eq!(
            s.digest,
            sc::digest::Digest::sha256_of(&s.content).to_string()
        );
        assert_eq!(s.image_digest, sha('1'));
        assert_eq!(s.generated_at, "2024-01-01T00:00:00Z");
        assert_eq!(s.metadata.tool_name, "sc");
        assert_eq!(s.metadata.tool_version, "0.1.0");
        assert_eq!(s.metadata.package_count, 14);
    }
}

#[test]
fn bad_relationship_is_an_error() {
    let mut inv = inventory();
    inv.relationships.push(Relationship { from: 1, to: 99 });
    for f in ALL {
        let err = render(&inv, f, &opts()).unwrap_err();
        assert!(
            matches!(err, FormatError::Relationship { to: 99, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("1 -> 99"));
    }
}

#[test]
fn identifiers_are_filled_in() {
    let mut inv = inventory();
    format::fill_identifiers(&mut inv);
    let purls: Vec<&str> = inv.packages.iter().map(|p| p.purl.as_str()).collect();
    assert_eq!(
        purls,
        [
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc",
            "pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64&distro=debian-12&upstream=gcc-12%4012.2.0-14%2Bb1",
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
            "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
            "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib",
            "pkg:pypi/pyyaml@5.3",
            "pkg:pypi/requests@2.19.1",
            "pkg:pypi/urllib3@1.24.1",
            "pkg:npm/%40types/node@20.1.0",
            "pkg:npm/lodash@4.17.15",
            "pkg:golang/github.com/spf13/cobra@v1.8.0",
            "pkg:golang/stdlib@1.22.1",
            "pkg:maven/org.apache.commons/commons-text@1.10.0",
            "pkg:cargo/serde@1.0.200",
        ]
    );
    for p in &inv.packages {
        let parsed: Purl = p.purl.parse().unwrap();
        assert_eq!(parsed.to_string(), p.purl);
        assert_eq!(p.cpes.is_empty(), !p.package_type.is_os(), "{}", p.name);
        for c in &p.cpes {
            assert_eq!(c.parse::<Cpe>().unwrap().to_string(), *c);
        }
    }
    assert_eq!(
        inv.packages[2].cpes,
        [
            r"cpe:2.3:a:libssl3:libssl3:3.0.11-1\~deb12u2:*:*:*:*:*:*:*",
            r"cpe:2.3:a:openssl:openssl:3.0.11-1\~deb12u2:*:*:*:*:*:*:*",
        ]
    );
    // what catalogers already set is kept
    let mut inv = inventory();
    inv.packages[0].purl = "pkg:deb/debian/libc6@custom".into();
    inv.packages[0].cpes = vec!["cpe:2.3:a:gnu:glibc:2.36:*:*:*:*:*:*:*".into()];
    format::fill_identifiers(&mut inv);
    assert_eq!(inv.packages[0].purl, "pkg:deb/debian/libc6@custom");
    assert_eq!(inv.packages[0].cpes.len(), 1);
}

#[test]
fn cyclonedx_json_cross_references() {
    let v = json(SbomFormat::CycloneDxJson);
    let comps = v["components"].as_array().unwrap();
    assert_eq!(comps.len(), 15); // 14 packages + the operating system
    let refs: HashSet<&str> = comps
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .chain([v["metadata"]["component"]["bom-ref"].as_str().unwrap()])
        .collect();
    assert_eq!(refs.len(), 16, "bom-refs are unique");
    let deps = v["dependencies"].as_array().unwrap();
    let mut edges = 0;
    for d in deps {
        assert!(refs.contains(d["ref"].as_str().unwrap()));
        for on in d["dependsOn"].as_array().unwrap() {
            assert!(refs.contains(on.as_str().unwrap()));
            edges += 1;
        }
    }
    assert_eq!(edges, 5);
    let os = comps.last().unwrap();
    assert_eq!(os["type"], "operating-system");
    assert_eq!(os["name"], "debian");
    assert_eq!(os["version"], "12");
}

#[test]
fn spdx_json_cross_references() {
    let v = json(SbomFormat::SpdxJson);
    let re = regex::Regex::new(r"^SPDXRef-[A-Za-z0-9.\-]+$").unwrap();
    let ids: HashSet<&str> = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["SPDXID"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 16, "SPDX ids are unique");
    for id in &ids {
        assert!(re.is_match(id), "{id}");
    }
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for r in v["relationships"].as_array().unwrap() {
        let a = r["spdxElementId"].as_str().unwrap();
        let b = r["relatedSpdxElement"].as_str().unwrap();
        assert!(a == "SPDXRef-DOCUMENT" || ids.contains(a), "{a}");
        assert!(ids.contains(b), "{b}");
        *kinds
            .entry(r["relationshipType"].as_str().unwrap())
            .or_default() += 1;
    }
    assert_eq!(
        kinds,
        BTreeMap::from([("CONTAINS", 15), ("DEPENDS_ON", 5), ("DESCRIBES", 1)])
    );
    // every LicenseRef used is declared
    let declared: HashSet<&str> = v["hasExtractedLicensingInfos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["licenseId"].as_str().unwrap())
        .collect();
    for p in v["packages"].as_array().unwrap() {
        let decl = p["licenseDeclared"].as_str().unwrap();
        for token in decl.split([' ', '(', ')']) {
            if token.starts_with("LicenseRef-") {
                assert!(declared.contains(token), "{token}");
            }
        }
    }
}

#[test]
fn sc_json_reads_back() {
    let bytes = render(&inventory(), SbomFormat::ScJson, &opts()).unwrap();
    let doc = native::parse(&bytes).unwrap();
    let mut want = inventory();
    format::fill_identifiers(&mut want);
    assert_eq!(doc.inventory, want);
    assert_eq!(doc.schema_version, native::SCHEMA_VERSION);
    assert_eq!(doc.descriptor.timestamp, "2024-01-01T00:00:00Z");
    let mut v: Value = serde_json::from_slice(&bytes).unwrap();
    v["schemaVersion"] = "99".into();
    assert!(native::parse(v.to_string().as_bytes()).is_err());
}

// ---------------------------------------------------------------------------
// Validation against the official schemas (SC_SCHEMA_DIR).

fn schema_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("SC_SCHEMA_DIR")?;
    Some(PathBuf::from(dir))
}

fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap()
}

/// A validator for `main`, with every `*.schema.json` of `dir` registered
/// under its `$id` and under `http://cyclonedx.org/schema/<file name>` (how the
/// CycloneDX schema's relative `$ref`s resolve).
fn validator(dir: &Path, main: &str) -> jsonschema::Validator {
    let mut resources: Vec<(String, Value)> = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.ends_with(".schema.json") || name == main {
            continue;
        }
        let schema = read_json(&path);
        if let Some(id) = schema["$id"].as_str() {
            resources.push((id.to_string(), schema.clone()));
        }
        resources.push((format!("http://cyclonedx.org/schema/{name}"), schema));
    }
    let registry = jsonschema::Registry::new()
        .extend(resources)
        .and_then(|r| r.prepare())
        .unwrap_or_else(|e| panic!("schemas in {}: {e}", dir.display()));
    jsonschema::options()
        .should_validate_formats(true)
        .with_registry(&registry)
        .build(&read_json(&dir.join(main)))
        .unwrap_or_else(|e| panic!("{main}: {e}"))
}

fn assert_valid(v: &jsonschema::Validator, what: &str, doc: &Value) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is invalid:\n{}",
        errors.join("\n")
    );
}

#[test]
fn documents_validate_against_official_json_schemas() {
    let Some(dir) = schema_dir() else {
        eprintln!(
            "SKIPPED: SC_SCHEMA_DIR is not set; scripts/validate-sbom-schemas.sh installs the \
             official CycloneDX 1.6 and SPDX 2.3 schemas and runs this test with it"
        );
        return;
    };
    let cdx = validator(&dir, "bom-1.6.SNAPSHOT.schema.json");
    assert_valid(&cdx, "CycloneDX JSON", &json(SbomFormat::CycloneDxJson));
    let spdx = validator(&dir, "spdx-2.3.schema.json");
    assert_valid(&spdx, "SPDX JSON", &json(SbomFormat::SpdxJson));
    let edge = |f| -> Value {
        serde_json::from_slice(&render(&edge_inventory(), f, &opts()).unwrap()).unwrap()
    };
    assert_valid(
        &cdx,
        "CycloneDX JSON (edge cases)",
        &edge(SbomFormat::CycloneDxJson),
    );
    assert_valid(&spdx, "SPDX JSON (edge cases)", &edge(SbomFormat::SpdxJson));
    // the schemas do reject what they should
    let mut bad = json(SbomFormat::CycloneDxJson);
    bad["components"][0]["type"] = "nonsense".into();
    assert!(!cdx.is_valid(&bad));
    let mut bad = json(SbomFormat::CycloneDxJson);
    bad["metadata"]["timestamp"] = "yesterday".into();
    assert!(!cdx.is_valid(&bad), "formats are checked");
    let mut bad = json(SbomFormat::SpdxJson);
    bad["packages"][0]["filesAnalyzed"] = "no".into();
    assert!(!spdx.is_valid(&bad));
}

// ---------------------------------------------------------------------------
// Golden documents for `small_inventory()` at 2024-01-01T00:00:00Z. On a
// change, the test writes the new output next to the test binary and names
// the file; review the difference, then paste it here.

#[test]
fn golden_documents() {
    let mut failures = Vec::new();
    for (format, want) in [
        (SbomFormat::CycloneDxJson, GOLDEN_CYCLONEDX_JSON),
        (SbomFormat::CycloneDxXml, GOLDEN_CYCLONEDX_XML),
        (SbomFormat::SpdxJson, GOLDEN_SPDX_JSON),
        (SbomFormat::SpdxTagValue, GOLDEN_SPDX_TAG_VALUE),
        (SbomFormat::ScJson, GOLDEN_SC_JSON),
    ] {
        let got = String::from_utf8(render(&small_inventory(), format, &opts()).unwrap()).unwrap();
        if got != want {
            let path = std::env::temp_dir().join(format!(
                "sc-{}",
                file_name(format).replace("synthetic", "golden")
            ));
            std::fs::write(&path, &got).unwrap();
            failures.push(format!(
                "{format}: output differs from the golden document; new output in {}",
                path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const GOLDEN_CYCLONEDX_JSON: &str = r#"{
  "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
  "bomFormat": "CycloneDX",
  "specVersion": "1.6",
  "serialNumber": "urn:uuid:23269464-3a35-5e9f-b8a6-2ae841fa415e",
  "version": 1,
  "metadata": {
    "timestamp": "2024-01-01T00:00:00Z",
    "tools": {
      "components": [
        {
          "type": "application",
          "name": "sc",
          "version": "0.1.0"
        }
      ]
    },
    "component": {
      "bom-ref": "pkg:oci/debian-app@sha256:1111111111111111111111111111111111111111111111111111111111111111?arch=amd64&tag=v1",
      "type": "container",
      "name": "oci:fixtures/images/debian-app:v1",
      "version": "sha256:1111111111111111111111111111111111111111111111111111111111111111",
      "purl": "pkg:oci/debian-app@sha256:1111111111111111111111111111111111111111111111111111111111111111?arch=amd64&tag=v1"
    }
  },
  "components": [
    {
      "bom-ref": "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl&package-id=3fd90797a5b6aa15",
      "type": "library",
      "name": "libssl3",
      "version": "3.0.11-1~deb12u2",
      "licenses": [
        {
          "license": {
            "id": "Apache-2.0"
          }
        }
      ],
      "cpe": "cpe:2.3:a:libssl3:libssl3:3.0.11-1\\~deb12u2:*:*:*:*:*:*:*",
      "purl": "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
      "properties": [
        {
          "name": "sc:package:type",
          "value": "deb"
        },
        {
          "name": "sc:package:foundBy",
          "value": "dpkg"
        },
        {
          "name": "sc:package:arch",
          "value": "amd64"
        },
        {
          "name": "sc:package:sourceName",
          "value": "openssl"
        },
        {
          "name": "sc:cpe23",
          "value": "cpe:2.3:a:openssl:openssl:3.0.11-1\\~deb12u2:*:*:*:*:*:*:*"
        },
        {
          "name": "sc:location:0:path",
          "value": "/var/lib/dpkg/status"
        },
        {
          "name": "sc:location:0:layerIndex",
          "value": "0"
        },
        {
          "name": "sc:location:0:layerID",
          "value": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        }
      ]
    },
    {
      "bom-ref": "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&package-id=6b02dde9f85d11e3",
      "type": "library",
      "name": "openssl",
      "version": "3.0.11-1~deb12u2",
      "licenses": [
        {
          "license": {
            "id": "Apache-2.0"
          }
        }
      ],
      "cpe": "cpe:2.3:a:openssl:openssl:3.0.11-1\\~deb12u2:*:*:*:*:*:*:*",
      "purl": "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
      "properties": [
        {
          "name": "sc:package:type",
          "value": "deb"
        },
        {
          "name": "sc:package:foundBy",
          "value": "dpkg"
        },
        {
          "name": "sc:package:arch",
          "value": "amd64"
        },
        {
          "name": "sc:package:sourceName",
          "value": "openssl"
        },
        {
          "name": "sc:location:0:path",
          "value": "/var/lib/dpkg/status"
        },
        {
          "name": "sc:location:0:layerIndex",
          "value": "0"
        },
        {
          "name": "sc:location:0:layerID",
          "value": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        }
      ]
    },
    {
      "bom-ref": "pkg:pypi/requests@2.19.1?package-id=7aeead160b064f94",
      "type": "library",
      "name": "requests",
      "version": "2.19.1",
      "licenses": [
        {
          "license": {
            "name": "Apache 2.0"
          }
        }
      ],
      "purl": "pkg:pypi/requests@2.19.1",
      "properties": [
        {
          "name": "sc:package:type",
          "value": "python"
        },
        {
          "name": "sc:package:foundBy",
          "value": "python"
        },
        {
          "name": "sc:location:0:path",
          "value": "/usr/local/lib/python3.11/dist-packages/requests-2.19.1.dist-info/METADATA"
        },
        {
          "name": "sc:location:0:layerIndex",
          "value": "1"
        },
        {
          "name": "sc:location:0:layerID",
          "value": "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
        }
      ]
    },
    {
      "bom-ref": "pkg:npm/%40types/node@20.1.0?package-id=5ce10f3c2f625372",
      "type": "library",
      "name": "@types/node",
      "version": "20.1.0",
      "licenses": [
        {
          "license": {
            "id": "MIT"
          }
        }
      ],
      "purl": "pkg:npm/%40types/node@20.1.0",
      "properties": [
        {
          "name": "sc:package:type",
          "value": "npm"
        },
        {
          "name": "sc:package:foundBy",
          "value": "javascript"
        },
        {
          "name": "sc:location:0:path",
          "value": "/srv/app/node_modules/@types/node/package.json"
        },
        {
          "name": "sc:location:0:layerIndex",
          "value": "1"
        },
        {
          "name": "sc:location:0:layerID",
          "value": "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
        }
      ]
    },
    {
      "bom-ref": "pkg:golang/github.com/spf13/cobra@v1.8.0?package-id=cb0d664075824224",
      "type": "library",
      "name": "github.com/spf13/cobra",
      "version": "v1.8.0",
      "purl": "pkg:golang/github.com/spf13/cobra@v1.8.0",
      "properties": [
        {
          "name": "sc:package:type",
          "value": "go"
        },
        {
          "name": "sc:package:foundBy",
          "value": "go"
        },
        {
          "name": "sc:location:0:path",
          "value": "/usr/local/bin/app"
        },
        {
          "name": "sc:location:0:layerIndex",
          "value": "2"
        },
        {
          "name": "sc:location:0:layerID",
          "value": "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
        }
      ]
    },
    {
      "bom-ref": "pkg:maven/org.apache.commons/commons-text@1.10.0?package-id=19d43a98db83673a",
      "type": "library",
      "group": "org.apache.commons",
      "name": "commons-text",
      "version": "1.10.0",
      "licenses": [
        {
          "license": {
            "id": "Apache-2.0"
          }
        }
      ],
      "purl": "pkg:maven/org.apache.commons/commons-text@1.10.0",
      "properties": [
        {
          "name": "sc:package:type",
          "value": "java"
        },
        {
          "name": "sc:package:foundBy",
          "value": "java"
        },
        {
          "name": "sc:location:0:path",
          "value": "/opt/app/lib/commons-text-1.10.0.jar"
        },
        {
          "name": "sc:location:0:layerIndex",
          "value": "2"
        },
        {
          "name": "sc:location:0:layerID",
          "value": "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
        }
      ]
    },
    {
      "bom-ref": "os:debian@12",
      "type": "operating-system",
      "name": "debian",
      "version": "12",
      "description": "Debian GNU/Linux 12 (bookworm)",
      "properties": [
        {
          "name": "sc:distro:id",
          "value": "debian"
        },
        {
          "name": "sc:distro:versionID",
          "value": "12"
        },
        {
          "name": "sc:distro:versionCodename",
          "value": "bookworm"
        }
      ]
    }
  ],
  "dependencies": [
    {
      "ref": "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&package-id=6b02dde9f85d11e3",
      "dependsOn": [
        "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl&package-id=3fd90797a5b6aa15"
      ]
    }
  ]
}
"#;

const GOLDEN_CYCLONEDX_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" serialNumber="urn:uuid:23269464-3a35-5e9f-b8a6-2ae841fa415e" version="1">
  <metadata>
    <timestamp>2024-01-01T00:00:00Z</timestamp>
    <tools>
      <components>
        <component type="application">
          <name>sc</name>
          <version>0.1.0</version>
        </component>
      </components>
    </tools>
    <component type="container" bom-ref="pkg:oci/debian-app@sha256:1111111111111111111111111111111111111111111111111111111111111111?arch=amd64&amp;tag=v1">
      <name>oci:fixtures/images/debian-app:v1</name>
      <version>sha256:1111111111111111111111111111111111111111111111111111111111111111</version>
      <purl>pkg:oci/debian-app@sha256:1111111111111111111111111111111111111111111111111111111111111111?arch=amd64&amp;tag=v1</purl>
    </component>
  </metadata>
  <components>
    <component type="library" bom-ref="pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&amp;distro=debian-12&amp;upstream=openssl&amp;package-id=3fd90797a5b6aa15">
      <name>libssl3</name>
      <version>3.0.11-1~deb12u2</version>
      <licenses>
        <license>
          <id>Apache-2.0</id>
        </license>
      </licenses>
      <cpe>cpe:2.3:a:libssl3:libssl3:3.0.11-1\~deb12u2:*:*:*:*:*:*:*</cpe>
      <purl>pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&amp;distro=debian-12&amp;upstream=openssl</purl>
      <properties>
        <property name="sc:package:type">deb</property>
        <property name="sc:package:foundBy">dpkg</property>
        <property name="sc:package:arch">amd64</property>
        <property name="sc:package:sourceName">openssl</property>
        <property name="sc:cpe23">cpe:2.3:a:openssl:openssl:3.0.11-1\~deb12u2:*:*:*:*:*:*:*</property>
        <property name="sc:location:0:path">/var/lib/dpkg/status</property>
        <property name="sc:location:0:layerIndex">0</property>
        <property name="sc:location:0:layerID">sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</property>
      </properties>
    </component>
    <component type="library" bom-ref="pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&amp;distro=debian-12&amp;package-id=6b02dde9f85d11e3">
      <name>openssl</name>
      <version>3.0.11-1~deb12u2</version>
      <licenses>
        <license>
          <id>Apache-2.0</id>
        </license>
      </licenses>
      <cpe>cpe:2.3:a:openssl:openssl:3.0.11-1\~deb12u2:*:*:*:*:*:*:*</cpe>
      <purl>pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&amp;distro=debian-12</purl>
      <properties>
        <property name="sc:package:type">deb</property>
        <property name="sc:package:foundBy">dpkg</property>
        <property name="sc:package:arch">amd64</property>
        <property name="sc:package:sourceName">openssl</property>
        <property name="sc:location:0:path">/var/lib/dpkg/status</property>
        <property name="sc:location:0:layerIndex">0</property>
        <property name="sc:location:0:layerID">sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</property>
      </properties>
    </component>
    <component type="library" bom-ref="pkg:pypi/requests@2.19.1?package-id=7aeead160b064f94">
      <name>requests</name>
      <version>2.19.1</version>
      <licenses>
        <license>
          <name>Apache 2.0</name>
        </license>
      </licenses>
      <purl>pkg:pypi/requests@2.19.1</purl>
      <properties>
        <property name="sc:package:type">python</property>
        <property name="sc:package:foundBy">python</property>
        <property name="sc:location:0:path">/usr/local/lib/python3.11/dist-packages/requests-2.19.1.dist-info/METADATA</property>
        <property name="sc:location:0:layerIndex">1</property>
        <property name="sc:location:0:layerID">sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb</property>
      </properties>
    </component>
    <component type="library" bom-ref="pkg:npm/%40types/node@20.1.0?package-id=5ce10f3c2f625372">
      <name>@types/node</name>
      <version>20.1.0</version>
      <licenses>
        <license>
          <id>MIT</id>
        </license>
      </licenses>
      <purl>pkg:npm/%40types/node@20.1.0</purl>
      <properties>
        <property name="sc:package:type">npm</property>
        <property name="sc:package:foundBy">javascript</property>
        <property name="sc:location:0:path">/srv/app/node_modules/@types/node/package.json</property>
        <property name="sc:location:0:layerIndex">1</property>
        <property name="sc:location:0:layerID">sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb</property>
      </properties>
    </component>
    <component type="library" bom-ref="pkg:golang/github.com/spf13/cobra@v1.8.0?package-id=cb0d664075824224">
      <name>github.com/spf13/cobra</name>
      <version>v1.8.0</version>
      <purl>pkg:golang/github.com/spf13/cobra@v1.8.0</purl>
      <properties>
        <property name="sc:package:type">go</property>
        <property name="sc:package:foundBy">go</property>
        <property name="sc:location:0:path">/usr/local/bin/app</property>
        <property name="sc:location:0:layerIndex">2</property>
        <property name="sc:location:0:layerID">sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc</property>
      </properties>
    </component>
    <component type="library" bom-ref="pkg:maven/org.apache.commons/commons-text@1.10.0?package-id=19d43a98db83673a">
      <group>org.apache.commons</group>
      <name>commons-text</name>
      <version>1.10.0</version>
      <licenses>
        <license>
          <id>Apache-2.0</id>
        </license>
      </licenses>
      <purl>pkg:maven/org.apache.commons/commons-text@1.10.0</purl>
      <properties>
        <property name="sc:package:type">java</property>
        <property name="sc:package:foundBy">java</property>
        <property name="sc:location:0:path">/opt/app/lib/commons-text-1.10.0.jar</property>
        <property name="sc:location:0:layerIndex">2</property>
        <property name="sc:location:0:layerID">sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc</property>
      </properties>
    </component>
    <component type="operating-system" bom-ref="os:debian@12">
      <name>debian</name>
      <version>12</version>
      <description>Debian GNU/Linux 12 (bookworm)</description>
      <properties>
        <property name="sc:distro:id">debian</property>
        <property name="sc:distro:versionID">12</property>
        <property name="sc:distro:versionCodename">bookworm</property>
      </properties>
    </component>
  </components>
  <dependencies>
    <dependency ref="pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&amp;distro=debian-12&amp;package-id=6b02dde9f85d11e3">
      <dependency ref="pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&amp;distro=debian-12&amp;upstream=openssl&amp;package-id=3fd90797a5b6aa15"/>
    </dependency>
  </dependencies>
</bom>
"#;

const GOLDEN_SPDX_JSON: &str = r#"{
  "spdxVersion": "SPDX-2.3",
  "dataLicense": "CC0-1.0",
  "SPDXID": "SPDXRef-DOCUMENT",
  "name": "oci:fixtures/images/debian-app:v1",
  "documentNamespace": "https://sc.dev/spdxdocs/oci-fixtures-images-debian-app-v1-53233e86-614b-5bf1-9a8c-39a2be9430c5",
  "creationInfo": {
    "licenseListVersion": "3.29",
    "creators": [
      "Tool: sc-0.1.0"
    ],
    "created": "2024-01-01T00:00:00Z"
  },
  "packages": [
    {
      "name": "oci:fixtures/images/debian-app:v1",
      "SPDXID": "SPDXRef-DocumentRoot-Image-oci-fixtures-images-debian-app-v1",
      "versionInfo": "sha256:1111111111111111111111111111111111111111111111111111111111111111",
      "supplier": "NOASSERTION",
      "downloadLocation": "NOASSERTION",
      "filesAnalyzed": false,
      "checksums": [
        {
          "algorithm": "SHA256",
          "checksumValue": "1111111111111111111111111111111111111111111111111111111111111111"
        }
      ],
      "licenseConcluded": "NOASSERTION",
      "licenseDeclared": "NOASSERTION",
      "copyrightText": "NOASSERTION",
      "externalRefs": [
        {
          "referenceCategory": "PACKAGE-MANAGER",
          "referenceType": "purl",
          "referenceLocator": "pkg:oci/debian-app@sha256:1111111111111111111111111111111111111111111111111111111111111111?arch=amd64&tag=v1"
        }
      ],
      "primaryPackagePurpose": "CONTAINER"
    },
    {
      "name": "debian",
      "SPDXID": "SPDXRef-OperatingSystem-debian-12",
      "versionInfo": "12",
      "supplier": "NOASSERTION",
      "downloadLocation": "NOASSERTION",
      "filesAnalyzed": false,
      "sourceInfo": "found by sc from the image's os-release",
      "licenseConcluded": "NOASSERTION",
      "licenseDeclared": "NOASSERTION",
      "copyrightText": "NOASSERTION",
      "description": "Debian GNU/Linux 12 (bookworm)",
      "primaryPackagePurpose": "OPERATING_SYSTEM"
    },
    {
      "name": "libssl3",
      "SPDXID": "SPDXRef-Package-deb-libssl3-3fd90797a5b6aa15",
      "versionInfo": "3.0.11-1~deb12u2",
      "supplier": "NOASSERTION",
      "downloadLocation": "NOASSERTION",
      "filesAnalyzed": false,
      "sourceInfo": "found by sc's dpkg cataloger in: /var/lib/dpkg/status",
      "licenseConcluded": "NOASSERTION",
      "licenseDeclared": "Apache-2.0",
      "copyrightText": "NOASSERTION",
      "externalRefs": [
        {
          "referenceCategory": "SECURITY",
          "referenceType": "cpe23Type",
          "referenceLocator": "cpe:2.3:a:libssl3:libssl3:3.0.11-1\\~deb12u2:*:*:*:*:*:*:*"
        },
        {
          "referenceCategory": "SECURITY",
          "referenceType": "cpe23Type",
          "referenceLocator": "cpe:2.3:a:openssl:openssl:3.0.11-1\\~deb12u2:*:*:*:*:*:*:*"
        },
        {
          "referenceCategory": "PACKAGE-MANAGER",
          "referenceType": "purl",
          "referenceLocator": "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"
        }
      ],
      "primaryPackagePurpose": "LIBRARY"
    },
    {
      "name": "openssl",
      "SPDXID": "SPDXRef-Package-deb-openssl-6b02dde9f85d11e3",
      "versionInfo": "3.0.11-1~deb12u2",
      "supplier": "NOASSERTION",
      "downloadLocation": "NOASSERTION",
      "filesAnalyzed": false,
      "sourceInfo": "found by sc's dpkg cataloger in: /var/lib/dpkg/status",
      "licenseConcluded": "NOASSERTION",
      "licenseDeclared": "Apache-2.0",
      "copyrightText": "NOASSERTION",
      "externalRefs": [
        {
          "referenceCategory": "SECURITY",
          "referenceType": "cpe23Type",
          "referenceLocator": "cpe:2.3:a:openssl:openssl:3.0.11-1\\~deb12u2:*:*:*:*:*:*:*"
        },
        {
          "referenceCategory": "PACKAGE-MANAGER",
          "referenceType": "purl",
          "referenceLocator": "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"
        }
      ],
      "primaryPackagePurpose": "LIBRARY"
    },
    {
      "name": "requests",
      "SPDXID": "SPDXRef-Package-python-requests-7aeead160b064f94",
      "versionInfo": "2.19.1",
      "supplier": "NOASSERTION",
      "downloadLocation": "NOASSERTION",
      "filesAnalyzed": false,
      "sourceInfo": "found by sc's python cataloger in: /usr/local/lib/python3.11/dist-packages/requests-2.19.1.dist-info/METADATA",
      "licenseConcluded": "NOASSERTION",
      "licenseDeclared": "LicenseRef-Apache-2.0",
      "copyrightText": "NOASSERTION",
      "externalRefs": [
        {
          "referenceCategory": "PACKAGE-MANAGER",
          "referenceType": "purl",
          "referenceLocator": "pkg:pypi/requests@2.19.1"
        }
      ],
      "primaryPackagePurpose": "LIBRARY"
    },
    {
      "name": "@types/node",
      "SPDXID": "SPDXRef-Package-npm--types-node-5ce10f3c2f625372",
      "versionInfo": "20.1.0",
      "supplier": "NOASSERTION",
      "downloadLocation": "NOASSERTION",
      "filesAnalyzed": false,
      "sourceInfo": "found by sc's javascript cataloger in: /srv/app/node_modules/@types/node/package.json",
      "licenseConcluded": "NOASSERTION",
      "licenseDeclared": "MIT",
      "copyrightText": "NOASSERTION",
      "externalRefs": [
        {
          "referenceCategory": "PACKAGE-MANAGER",
          "referenceType": "purl",
          "referenceLocator": "pkg:npm/%40types/node@20.1.0"
        }
      ],
      "primaryPackagePurpose": "LIBRARY"
    },
    {
      "name": "github.com/spf13/cobra",
      "SPDXID": "SPDXRef-Package-go-github.com-spf13-cobra-cb0d664075824224",
      "versionInfo": "v1.8.0",
      "supplier": "NOASSERTION",
      "downloadLocation": "NOASSERTION",
      "filesAnalyzed": false,
      "sourceInfo": "found by sc's go cataloger in: /usr/local/bin/app",
      "licenseConcluded": "NOASSERTION",
      "licenseDeclared": "NOASSERTION",
      "copyrightText": "NOASSERTION",
      "externalRefs": [
        {
          "referenceCategory": "PACKAGE-MANAGER",
          "referenceType": "purl",
          "referenceLocator": "pkg:golang/github.com/spf13/cobra@v1.8.0"
        }
      ],
      "primaryPackagePurpose": "LIBRARY"
    },
    {
      "name": "commons-text",
      "SPDXID": "SPDXRef-Package-java-commons-text-19d43a98db83673a",
      "versionInfo": "1.10.0",
      "supplier": "NOASSERTION",
      "downloadLocation": "NOASSERTION",
      "filesAnalyzed": false,
      "sourceInfo": "found by sc's java cataloger in: /opt/app/lib/commons-text-1.10.0.jar",
      "licenseConcluded": "NOASSERTION",
      "licenseDeclared": "Apache-2.0",
      "copyrightText": "NOASSERTION",
      "externalRefs": [
        {
          "referenceCategory": "PACKAGE-MANAGER",
          "referenceType": "purl",
          "referenceLocator": "pkg:maven/org.apache.commons/commons-text@1.10.0"
        }
      ],
      "primaryPackagePurpose": "LIBRARY"
    }
  ],
  "hasExtractedLicensingInfos": [
    {
      "licenseId": "LicenseRef-Apache-2.0",
      "extractedText": "Apache 2.0",
      "name": "Apache 2.0"
    }
  ],
  "relationships": [
    {
      "spdxElementId": "SPDXRef-DOCUMENT",
      "relationshipType": "DESCRIBES",
      "relatedSpdxElement": "SPDXRef-DocumentRoot-Image-oci-fixtures-images-debian-app-v1"
    },
    {
      "spdxElementId": "SPDXRef-DocumentRoot-Image-oci-fixtures-images-debian-app-v1",
      "relationshipType": "CONTAINS",
      "relatedSpdxElement": "SPDXRef-OperatingSystem-debian-12"
    },
    {
      "spdxElementId": "SPDXRef-DocumentRoot-Image-oci-fixtures-images-debian-app-v1",
      "relationshipType": "CONTAINS",
      "relatedSpdxElement": "SPDXRef-Package-deb-libssl3-3fd90797a5b6aa15"
    },
    {
      "spdxElementId": "SPDXRef-DocumentRoot-Image-oci-fixtures-images-debian-app-v1",
      "relationshipType": "CONTAINS",
      "relatedSpdxElement": "SPDXRef-Package-deb-openssl-6b02dde9f85d11e3"
    },
    {
      "spdxElementId": "SPDXRef-DocumentRoot-Image-oci-fixtures-images-debian-app-v1",
      "relationshipType": "CONTAINS",
      "relatedSpdxElement": "SPDXRef-Package-python-requests-7aeead160b064f94"
    },
    {
      "spdxElementId": "SPDXRef-DocumentRoot-Image-oci-fixtures-images-debian-app-v1",
      "relationshipType": "CONTAINS",
      "relatedSpdxElement": "SPDXRef-Package-npm--types-node-5ce10f3c2f625372"
    },
    {
      "spdxElementId": "SPDXRef-DocumentRoot-Image-oci-fixtures-images-debian-app-v1",
      "relationshipType": "CONTAINS",
      "relatedSpdxElement": "SPDXRef-Package-go-github.com-spf13-cobra-cb0d664075824224"
    },
    {
      "spdxElementId": "SPDXRef-DocumentRoot-Image-oci-fixtures-images-debian-app-v1",
      "relationshipType": "CONTAINS",
      "relatedSpdxElement": "SPDXRef-Package-java-commons-text-19d43a98db83673a"
    },
    {
      "spdxElementId": "SPDXRef-Package-deb-openssl-6b02dde9f85d11e3",
      "relationshipType": "DEPENDS_ON",
      "relatedSpdxElement": "SPDXRef-Package-deb-libssl3-3fd90797a5b6aa15"
    }
  ]
}
"#;

const GOLDEN_SPDX_TAG_VALUE: &str = r#"SPDXVersion: SPDX-2.3
DataLicense: CC0-1.0
SPDXID: SPDXRef-DOCUMENT
DocumentName: oci:fixtures/images/debian-app:v1
DocumentNamespace: https://sc.dev/spdxdocs/oci-fixtures-images-debian-app-v1-53233e86-614b-5bf1-9a8c-39a2be9430c5
LicenseListVersion: 3.29
Creator: Tool: sc-0.1.0
Created: 2024-01-01T00:00:00Z

##### Package: oci:fixtures/images/debian-app:v1

PackageName: oci:fixtures/images/debian-app:v1
SPDXID: SPDXRef-DocumentRoot-Image-oci-fixtures-images-debian-app-v1
PackageVersion: sha256:1111111111111111111111111111111111111111111111111111111111111111
PackageSupplier: NOASSERTION
PackageDownloadLocation: NOASSERTION
FilesAnalyzed: false
PackageChecksum: SHA256: 1111111111111111111111111111111111111111111111111111111111111111
PackageLicenseConcluded: NOASSERTION
PackageLicenseDeclared: NOASSERTION
PackageCopyrightText: NOASSERTION
ExternalRef: PACKAGE-MANAGER purl pkg:oci/debian-app@sha256:1111111111111111111111111111111111111111111111111111111111111111?arch=amd64&tag=v1
PrimaryPackagePurpose: CONTAINER

##### Package: debian

PackageName: debian
SPDXID: SPDXRef-OperatingSystem-debian-12
PackageVersion: 12
PackageSupplier: NOASSERTION
PackageDownloadLocation: NOASSERTION
FilesAnalyzed: false
PackageSourceInfo: <text>found by sc from the image's os-release</text>
PackageLicenseConcluded: NOASSERTION
PackageLicenseDeclared: NOASSERTION
PackageCopyrightText: NOASSERTION
PackageDescription: <text>Debian GNU/Linux 12 (bookworm)</text>
PrimaryPackagePurpose: OPERATING-SYSTEM

##### Package: libssl3

PackageName: libssl3
SPDXID: SPDXRef-Package-deb-libssl3-3fd90797a5b6aa15
PackageVersion: 3.0.11-1~deb12u2
PackageSupplier: NOASSERTION
PackageDownloadLocation: NOASSERTION
FilesAnalyzed: false
PackageSourceInfo: <text>found by sc's dpkg cataloger in: /var/lib/dpkg/status</text>
PackageLicenseConcluded: NOASSERTION
PackageLicenseDeclared: Apache-2.0
PackageCopyrightText: NOASSERTION
ExternalRef: SECURITY cpe23Type cpe:2.3:a:libssl3:libssl3:3.0.11-1\~deb12u2:*:*:*:*:*:*:*
ExternalRef: SECURITY cpe23Type cpe:2.3:a:openssl:openssl:3.0.11-1\~deb12u2:*:*:*:*:*:*:*
ExternalRef: PACKAGE-MANAGER purl pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl
PrimaryPackagePurpose: LIBRARY

##### Package: openssl

PackageName: openssl
SPDXID: SPDXRef-Package-deb-openssl-6b02dde9f85d11e3
PackageVersion: 3.0.11-1~deb12u2
PackageSupplier: NOASSERTION
PackageDownloadLocation: NOASSERTION
FilesAnalyzed: false
PackageSourceInfo: <text>found by sc's dpkg cataloger in: /var/lib/dpkg/status</text>
PackageLicenseConcluded: NOASSERTION
PackageLicenseDeclared: Apache-2.0
PackageCopyrightText: NOASSERTION
ExternalRef: SECURITY cpe23Type cpe:2.3:a:openssl:openssl:3.0.11-1\~deb12u2:*:*:*:*:*:*:*
ExternalRef: PACKAGE-MANAGER purl pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12
PrimaryPackagePurpose: LIBRARY

##### Package: requests

PackageName: requests
SPDXID: SPDXRef-Package-python-requests-7aeead160b064f94
PackageVersion: 2.19.1
PackageSupplier: NOASSERTION
PackageDownloadLocation: NOASSERTION
FilesAnalyzed: false
PackageSourceInfo: <text>found by sc's python cataloger in: /usr/local/lib/python3.11/dist-packages/requests-2.19.1.dist-info/METADATA</text>
PackageLicenseConcluded: NOASSERTION
PackageLicenseDeclared: LicenseRef-Apache-2.0
PackageCopyrightText: NOASSERTION
ExternalRef: PACKAGE-MANAGER purl pkg:pypi/requests@2.19.1
PrimaryPackagePurpose: LIBRARY

##### Package: @types/node

PackageName: @types/node
SPDXID: SPDXRef-Package-npm--types-node-5ce10f3c2f625372
PackageVersion: 20.1.0
PackageSupplier: NOASSERTION
PackageDownloadLocation: NOASSERTION
FilesAnalyzed: false
PackageSourceInfo: <text>found by sc's javascript cataloger in: /srv/app/node_modules/@types/node/package.json</text>
PackageLicenseConcluded: NOASSERTION
PackageLicenseDeclared: MIT
PackageCopyrightText: NOASSERTION
ExternalRef: PACKAGE-MANAGER purl pkg:npm/%40types/node@20.1.0
PrimaryPackagePurpose: LIBRARY

##### Package: github.com/spf13/cobra

PackageName: github.com/spf13/cobra
SPDXID: SPDXRef-Package-go-github.com-spf13-cobra-cb0d664075824224
PackageVersion: v1.8.0
PackageSupplier: NOASSERTION
PackageDownloadLocation: NOASSERTION
FilesAnalyzed: false
PackageSourceInfo: <text>found by sc's go cataloger in: /usr/local/bin/app</text>
PackageLicenseConcluded: NOASSERTION
PackageLicenseDeclared: NOASSERTION
PackageCopyrightText: NOASSERTION
ExternalRef: PACKAGE-MANAGER purl pkg:golang/github.com/spf13/cobra@v1.8.0
PrimaryPackagePurpose: LIBRARY

##### Package: commons-text

PackageName: commons-text
SPDXID: SPDXRef-Package-java-commons-text-19d43a98db83673a
PackageVersion: 1.10.0
PackageSupplier: NOASSERTION
PackageDownloadLocation: NOASSERTION
FilesAnalyzed: false
PackageSourceInfo: <text>found by sc's java cataloger in: /opt/app/lib/commons-text-1.10.0.jar</text>
PackageLicenseConcluded: NOASSERTION
PackageLicenseDeclared: Apache-2.0
PackageCopyrightText: NOASSERTION
ExternalRef: PACKAGE-MANAGER purl pkg:maven/org.apache.commons/commons-text@1.10.0
PrimaryPackagePurpose: LIBRARY

##### Relationships

Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-DocumentRoot-Image-oci-fixtures-images-debian-app-v1
Relationship: SPDXRef-DocumentRoot-Image-oci-fixtures-images-debian-app-v1 CONTAINS SPDXRef-OperatingSystem-debian-12
Relationship: SPDXRef-DocumentRoot-Image-oci-fixtures-images-debian-app-v1 CONTAINS SPDXRef-Package-deb-libssl3-3fd90797a5b6aa15
Relationship: SPDXRef-DocumentRoot-Image-oci-fixtures-images-debian-app-v1 CONTAINS SPDXRef-Package-deb-openssl-6b02dde9f85d11e3
Relationship: SPDXRef-DocumentRoot-Image-oci-fixtures-images-debian-app-v1 CONTAINS SPDXRef-Package-python-requests-7aeead160b064f94
Relationship: SPDXRef-DocumentRoot-Image-oci-fixtures-images-debian-app-v1 CONTAINS SPDXRef-Package-npm--types-node-5ce10f3c2f625372
Relationship: SPDXRef-DocumentRoot-Image-oci-fixtures-images-debian-app-v1 CONTAINS SPDXRef-Package-go-github.com-spf13-cobra-cb0d664075824224
Relationship: SPDXRef-DocumentRoot-Image-oci-fixtures-images-debian-app-v1 CONTAINS SPDXRef-Package-java-commons-text-19d43a98db83673a
Relationship: SPDXRef-Package-deb-openssl-6b02dde9f85d11e3 DEPENDS_ON SPDXRef-Package-deb-libssl3-3fd90797a5b6aa15

##### Other licenses

LicenseID: LicenseRef-Apache-2.0
ExtractedText: <text>Apache 2.0</text>
LicenseName: Apache 2.0
"#;

const GOLDEN_SC_JSON: &str = r#"{
  "schema": "sc-json",
  "schemaVersion": "1",
  "descriptor": {
    "name": "sc",
    "version": "0.1.0",
    "timestamp": "2024-01-01T00:00:00Z"
  },
  "image": {
    "source": "oci:fixtures/images/debian-app:v1",
    "digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111",
    "manifestDigest": "sha256:2222222222222222222222222222222222222222222222222222222222222222",
    "imageId": "sha256:3333333333333333333333333333333333333333333333333333333333333333",
    "platform": "linux/amd64",
    "layers": [
      "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
      "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
    ]
  },
  "distro": {
    "id": "debian",
    "versionId": "12",
    "versionCodename": "bookworm",
    "prettyName": "Debian GNU/Linux 12 (bookworm)"
  },
  "packages": [
    {
      "name": "libssl3",
      "version": "3.0.11-1~deb12u2",
      "type": "deb",
      "arch": "amd64",
      "source": {
        "name": "openssl"
      },
      "licenses": [
        "Apache-2.0"
      ],
      "locations": [
        {
          "path": "var/lib/dpkg/status",
          "layerIndex": 0,
          "layerDigest": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        }
      ],
      "foundBy": "dpkg",
      "purl": "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
      "cpes": [
        "cpe:2.3:a:libssl3:libssl3:3.0.11-1\\~deb12u2:*:*:*:*:*:*:*",
        "cpe:2.3:a:openssl:openssl:3.0.11-1\\~deb12u2:*:*:*:*:*:*:*"
      ]
    },
    {
      "name": "openssl",
      "version": "3.0.11-1~deb12u2",
      "type": "deb",
      "arch": "amd64",
      "source": {
        "name": "openssl"
      },
      "licenses": [
        "Apache-2.0"
      ],
      "locations": [
        {
          "path": "var/lib/dpkg/status",
          "layerIndex": 0,
          "layerDigest": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        }
      ],
      "foundBy": "dpkg",
      "purl": "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
      "cpes": [
        "cpe:2.3:a:openssl:openssl:3.0.11-1\\~deb12u2:*:*:*:*:*:*:*"
      ]
    },
    {
      "name": "requests",
      "version": "2.19.1",
      "type": "python",
      "licenses": [
        "Apache 2.0"
      ],
      "locations": [
        {
          "path": "usr/local/lib/python3.11/dist-packages/requests-2.19.1.dist-info/METADATA",
          "layerIndex": 1,
          "layerDigest": "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
        }
      ],
      "foundBy": "python",
      "purl": "pkg:pypi/requests@2.19.1"
    },
    {
      "name": "@types/node",
      "version": "20.1.0",
      "type": "npm",
      "licenses": [
        "MIT"
      ],
      "locations": [
        {
          "path": "srv/app/node_modules/@types/node/package.json",
          "layerIndex": 1,
          "layerDigest": "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
        }
      ],
      "foundBy": "javascript",
      "purl": "pkg:npm/%40types/node@20.1.0"
    },
    {
      "name": "github.com/spf13/cobra",
      "version": "v1.8.0",
      "type": "go",
      "locations": [
        {
          "path": "usr/local/bin/app",
          "layerIndex": 2,
          "layerDigest": "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
        }
      ],
      "foundBy": "go",
      "purl": "pkg:golang/github.com/spf13/cobra@v1.8.0"
    },
    {
      "name": "commons-text",
      "version": "1.10.0",
      "type": "java",
      "namespace": "org.apache.commons",
      "licenses": [
        "Apache-2.0"
      ],
      "locations": [
        {
          "path": "opt/app/lib/commons-text-1.10.0.jar",
          "layerIndex": 2,
          "layerDigest": "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
        }
      ],
      "foundBy": "java",
      "purl": "pkg:maven/org.apache.commons/commons-text@1.10.0"
    }
  ],
  "relationships": [
    {
      "from": 1,
      "to": 0
    }
  ]
}
"#;
