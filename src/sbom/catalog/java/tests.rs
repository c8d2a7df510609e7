use std::io::Write;

use zip::write::SimpleFileOptions;
use zip::ZipWriter;

use super::super::python::fixtures;
use super::*;

fn location(path: &str) -> Location {
    Location {
        path: path.into(),
        layer_index: 0,
        layer_digest: None,
    }
}

/// A zip made of `(name, content)` entries, deflated or stored.
fn zip_of(entries: &[(&str, &[u8])], stored: bool) -> Vec<u8> {
    let mut w = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let method = if stored {
        CompressionMethod::Stored
    } else {
        CompressionMethod::Deflated
    };
    for (name, content) in entries {
        w.start_file(
            *name,
            SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        w.write_all(content).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn purls(out: &CatalogOutput) -> Vec<String> {
    out.packages.iter().map(fixtures::purl).collect()
}

#[test]
fn wants_java_archives() {
    for (path, yes) in [
        ("opt/app/commons-text-1.10.0.jar", true),
        ("srv/x.WAR", true),
        ("srv/x.ear", true),
        ("var/jenkins/plugins/git.hpi", true),
        ("var/jenkins/plugins/git.jpi", true),
        ("opt/x.nar", true),
        ("opt/x.jar.sha1", false),
        ("opt/.jar", false),
        ("opt/jar", false),
        ("opt/x.zip", false),
    ] {
        assert_eq!(is_java_archive(path), yes, "{path}");
    }
    assert!(matches!(
        JavaArchiveCataloger.wants(&EntryInfo {
            path: "a/b.jar",
            size: 1,
            mode: 0o644
        }),
        Some(Capture::Immediate { max: MAX_ARCHIVE })
    ));
}

#[test]
fn fixture_tree_matches_syft() {
    let out = fixtures::scan(&JavaArchiveCataloger, "java");
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    let mut syft = fixtures::syft("java", "image");
    assert_eq!(syft, fixtures::syft("java", "directory"));
    // syft reports the ear, which has no version anywhere, as `UNKNOWN`.
    assert!(syft.remove(&(
        "pkg:maven/bundle/bundle".to_string(),
        "srv/bundle.ear".to_string()
    )));
    assert_eq!(fixtures::ours(&out), syft);
}

#[test]
fn nested_archives_virtual_paths_and_licenses() {
    let out = fixtures::scan(&JavaArchiveCataloger, "java");
    let find = |vpath: &str| {
        out.packages
            .iter()
            .find(|p| p.metadata["virtual_path"] == vpath)
            .unwrap_or_else(|| panic!("{vpath}"))
    };
    // Three levels: ear → war → jar; the location is the file in the image.
    let deep = find("srv/bundle.ear:webapp.war:WEB-INF/lib/commons-demo-1.4.2.jar");
    assert_eq!(
        fixtures::purl(deep),
        "pkg:maven/org.example/commons-demo@1.4.2"
    );
    assert_eq!(deep.locations[0].path, "srv/bundle.ear");
    // Licenses from the pom.xml beside pom.properties.
    assert_eq!(deep.licenses, vec!["Apache-2.0"]);
    // A shaded dependency: its own package, virtual path archive:group:artifact.
    let shaded = find("opt/app/uber-app-1.0.0.jar:com.example.shaded:tiny-json");
    assert_eq!(
        fixtures::purl(shaded),
        "pkg:maven/com.example.shaded/tiny-json@0.9.1"
    );
    // OSGi: Bundle-License without its attributes (syft keeps them), group from
    // Bundle-SymbolicName, name from the eclipse-style file name.
    let osgi = find("opt/app/org.example.osgi.thing_3.2.1.v20230101.jar");
    assert_eq!(
        fixtures::purl(osgi),
        "pkg:maven/org.example.osgi.thing/thing@3.2.1.v20230101"
    );
    assert_eq!(osgi.licenses, vec!["Apache-2.0"]);
    // Stored nested jars of a Spring Boot jar, read in place.
    let boot = find(
        "srv/boot-app-0.0.1-SNAPSHOT.jar:BOOT-INF/lib/org.example.osgi.thing_3.2.1.v20230101.jar",
    );
    assert_eq!(boot.name, "thing");
    let nopom = find("opt/app/nopom-lib-0.5.jar");
    assert_eq!(fixtures::purl(nopom), "pkg:maven/nopom-lib/nopom-lib@0.5");
}

#[test]
fn manifest_only_jars_as_syft_names_them() {
    // Each case checked against syft 1.18.1 with jars the jar tool built.
    let cases: &[(&str, &str, &str)] = &[
        ("2048-game-1.0.jar", "Implementation-Title: game\nImplementation-Version: 3\n", "pkg:maven/game/game@3"),
        ("My_Lib.v2-1.0.RELEASE.jar", "", "pkg:maven/v2/v2@1.0.RELEASE"),
        (
            "bsn-only.jar",
            "Bundle-SymbolicName: com.acme.bsn.core\nBundle-Version: 1.0.0\nBundle-Name: Acme Core\n",
            "pkg:maven/com.acme.bsn.core/bsn-only@1.0.0",
        ),
        ("ext-1.0.jar", "Extension-Name: org.ext.name\n", "pkg:maven/org.ext.name/ext@1.0"),
        ("foo-bar_1.0.jar", "", "pkg:maven/foo-bar/foo-bar@1.0"),
        ("foo.bar-1.0.jar", "", "pkg:maven/bar/bar@1.0"),
        ("guava-r09.jar", "", "pkg:maven/guava/guava@r09"),
        ("jakarta.servlet-api-5.0.0.jar", "Implementation-Title: x\n", "pkg:maven/servlet-api/servlet-api@5.0.0"),
        ("log4j-1.2-api-2.17.1.jar", "", "pkg:maven/log4j/log4j@1.2-api-2.17.1"),
        (
            "mainclass-1.0.jar",
            "Main-Class: com.example.app.Main\nAutomatic-Module-Name: org.example.mod\n",
            "pkg:maven/com.example.app.Main/mainclass@1.0",
        ),
        (
            "mvnbundle-2.0.jar",
            "Created-By: Apache Maven Bundle Plugin\nBundle-SymbolicName: com.acme.mvnbundle.impl\nBundle-Version: 2.0.0\n",
            "pkg:maven/com.acme.mvnbundle.impl/impl@2.0",
        ),
        ("name-attr.jar", "Name: named-thing\nImplementation-Version: 5\n", "pkg:maven/name-attr/name-attr@5"),
        ("net.sf.tool_2.3.jar", "", "pkg:maven/tool/tool@2.3"),
        (
            "plainname.jar",
            "Implementation-Title: My Title\nImplementation-Version: 9.9\nImplementation-Vendor: org.acme\n",
            "pkg:maven/org.acme/plainname@9.9",
        ),
        (
            "spec-only.jar",
            "Specification-Title: specy\nSpecification-Version: 4.1\nSpecification-Vendor: com.vendor\n",
            "pkg:maven/com.vendor/spec-only@4.1",
        ),
        ("vendorid-1.0.jar", "Implementation-Vendor-Id: io.vendorid\n", "pkg:maven/io.vendorid/vendorid@1.0"),
        ("x-RC1.jar", "", "pkg:maven/x/x@RC1"),
        ("y-build5.jar", "", "pkg:maven/y/y@build5"),
    ];
    for (file, attrs, purl) in cases {
        let manifest = format!(
            "Manifest-Version: 1.0\r\n{}Created-By: 17.0.15 (Debian)\r\n\r\n",
            attrs.replace('\n', "\r\n")
        );
        // A Created-By given in the case wins (the jar tool keeps it).
        let manifest = if attrs.contains("Created-By") {
            manifest.replace("Created-By: 17.0.15 (Debian)\r\n", "")
        } else {
            manifest
        };
        let jar = zip_of(
            &[
                ("META-INF/MANIFEST.MF", manifest.as_bytes()),
                ("x.txt", b"x\n"),
            ],
            false,
        );
        let out = catalog_archive(&jar, location(&format!("out/{file}")));
        assert!(out.warnings.is_empty(), "{file}: {:?}", out.warnings);
        assert_eq!(purls(&out), vec![purl.to_string()], "{file}");
    }
}

#[test]
fn pom_properties_corrects_the_manifest_package() {
    // The manifest names the package, a pom.properties with that artifactId
    // (not matching the file name) gives its coordinates.
    let jar = zip_of(
        &[
            (
                "META-INF/MANIFEST.MF",
                b"Manifest-Version: 1.0\nImplementation-Title: core\nImplementation-Version: 0.1\n",
            ),
            (
                "META-INF/maven/org.acme/acme-core/pom.properties",
                b"groupId=org.acme\nartifactId=acme-core\nversion=2.5.0\n",
            ),
            (
                "META-INF/maven/com.other/dep/pom.properties",
                b"groupId=com.other\nartifactId=dep\nversion=1.1\n",
            ),
        ],
        false,
    );
    let out = catalog_archive(&jar, location("lib/acme-core.jar"));
    assert_eq!(
        purls(&out),
        vec![
            "pkg:maven/org.acme/acme-core@2.5.0",
            "pkg:maven/com.other/dep@1.1"
        ]
    );
    // No file-name match: the archive's package comes from the manifest and file
    // name, every pom.properties is a package of its own.
    let out = catalog_archive(&jar, location("lib/renamed-9.jar"));
    assert_eq!(
        purls(&out),
        vec![
            "pkg:maven/renamed/renamed@9",
            "pkg:maven/com.other/dep@1.1",
            "pkg:maven/org.acme/acme-core@2.5.0"
        ]
    );
}

#[test]
fn broken_entries_are_warnings_naming_the_archive() {
    let jar = zip_of(
        &[
            (
                "META-INF/MANIFEST.MF",
                b"Manifest-Version: 1.0\nthis is not a header\n",
            ),
            (
                "META-INF/maven/g/a/pom.properties",
                b"groupId=g\nversion=1\n",
            ),
            ("WEB-INF/lib/inner-1.0.jar", b"not a zip"),
        ],
        false,
    );
    let out = catalog_archive(&jar, location("srv/app-1.0.war"));
    assert_eq!(purls(&out), vec!["pkg:maven/app/app@1.0"]);
    assert_eq!(
        out.warnings,
        vec![
            "java-archive: srv/app-1.0.war: META-INF/MANIFEST.MF: line 2: expected `Name: value`, found `this is not a header`",
            "java-archive: srv/app-1.0.war: META-INF/maven/g/a/pom.properties: no artifactId",
            "java-archive: srv/app-1.0.war:WEB-INF/lib/inner-1.0.jar: not a readable zip archive: invalid Zip archive: Could not find EOCD",
        ]
    );
    let out = catalog_archive(b"PK\x03\x04 truncated", location("x.jar"));
    assert!(out.packages.is_empty());
    assert_eq!(out.warnings.len(), 1);
    assert!(out.warnings[0].starts_with("java-archive: x.jar: not a readable zip archive"));
}

/// A chain of archives, each holding the next: `level0.jar` holds `lib/level1.jar`...
fn chain(levels: usize) -> Vec<u8> {
    let mut inner: Option<Vec<u8>> = None;
    for level in (0..levels).rev() {
        let props = format!("groupId=org.chain\nartifactId=level{level}\nversion=1.{level}\n");
        let pom_path = format!("META-INF/maven/org.chain/level{level}/pom.properties");
        let next_name = format!("lib/level{}-1.{}.jar", level + 1, level + 1);
        let mut entries: Vec<(&str, &[u8])> = vec![(pom_path.as_str(), props.as_bytes())];
        if let Some(b) = &inner {
            entries.push((next_name.as_str(), b));
        }
        inner = Some(zip_of(&entries, level % 2 == 0));
    }
    inner.unwrap()
}

#[test]
fn nesting_is_followed_to_the_depth_limit() {
    let out = catalog_archive(&chain(MAX_DEPTH + 3), location("opt/level0-1.0.jar"));
    assert_eq!(out.packages.len(), MAX_DEPTH + 1);
    assert_eq!(
        out.packages.last().unwrap().metadata["virtual_path"],
        "opt/level0-1.0.jar:lib/level1-1.1.jar:lib/level2-1.2.jar:lib/level3-1.3.jar:lib/level4-1.4.jar"
    );
    assert_eq!(
        out.warnings,
        vec![format!(
            "java-archive: opt/level0-1.0.jar:lib/level1-1.1.jar:lib/level2-1.2.jar:lib/level3-1.3.jar:lib/level4-1.4.jar:lib/level5-1.5.jar: archive nested more than {MAX_DEPTH} levels deep; skipped"
        )]
    );
}

/// A deflated entry of `len` zero bytes, written in chunks (small in memory, tiny compressed).
fn zeros_entry(w: &mut ZipWriter<std::io::Cursor<Vec<u8>>>, name: &str, len: u64) {
    w.start_file(
        name,
        SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .large_file(len >= u32::MAX as u64),
    )
    .unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        w.write_all(&chunk[..n]).unwrap();
        left -= n as u64;
    }
}

#[test]
fn decompression_bombs_are_refused_by_size_not_by_declared_size() {
    let mut w = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zeros_entry(&mut w, "META-INF/MANIFEST.MF", MAX_META + 1);
    zeros_entry(&mut w, "WEB-INF/lib/bomb-1.0.jar", MAX_NESTED + 1);
    w.start_file(
        "META-INF/maven/g/bombs/pom.properties",
        SimpleFileOptions::default(),
    )
    .unwrap();
    w.write_all(b"groupId=g\nartifactId=bombs\nversion=1\n")
        .unwrap();
    let mut bomb = w.finish().unwrap().into_inner();
    assert!(bomb.len() < 200 * 1024, "{}", bomb.len());
    let out = catalog_archive(&bomb, location("srv/bombs.war"));
    assert_eq!(purls(&out), vec!["pkg:maven/g/bombs@1"]);
    assert_eq!(
        out.warnings,
        vec![
            format!("java-archive: srv/bombs.war: META-INF/MANIFEST.MF: more than {MAX_META} bytes uncompressed; skipped"),
            format!("java-archive: srv/bombs.war:WEB-INF/lib/bomb-1.0.jar: more than {MAX_NESTED} bytes uncompressed; skipped"),
        ]
    );

    // Headers that lie: declare every size small. The reader stops at the limit anyway.
    let declared_small = |buf: &mut Vec<u8>| {
        let mut i = 0;
        while i + 4 <= buf.len() {
            match &buf[i..i + 4] {
                b"PK\x03\x04" if i + 26 <= buf.len() => {
                    buf[i + 22..i + 26].copy_from_slice(&10u32.to_le_bytes())
                }
                b"PK\x01\x02" if i + 28 <= buf.len() => {
                    buf[i + 24..i + 28].copy_from_slice(&10u32.to_le_bytes())
                }
                _ => {}
            }
            i += 1;
        }
    };
    declared_small(&mut bomb);
    let out = catalog_archive(&bomb, location("srv/liar.war"));
    eprintln!("LIAR {:?}", out.warnings);
    assert!(out.warnings.len() >= 2, "{:?}", out.warnings);
    assert!(out
        .warnings
        .iter()
        .all(|w| w.starts_with("java-archive: srv/liar.war")));
}

#[test]
fn the_budget_bounds_the_work_on_one_archive() {
    let jar = chain(3);
    let mut entries: Vec<(String, &[u8])> = Vec::new();
    for i in 0..50 {
        entries.push((format!("lib/copy{i}-1.0.jar"), jar.as_slice()));
    }
    let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    let outer = zip_of(&refs, true);
    let mut scan = Scan {
        location: location("opt/many.jar"),
        budget: 10 * jar.len() as u64,
        budget_warned: false,
        out: CatalogOutput::default(),
    };
    scan.archive(&outer, "opt/many.jar", 0);
    assert!(scan.out.packages.len() < 50 * 3);
    assert_eq!(scan.out.warnings.len(), 1, "{:?}", scan.out.warnings);
    assert!(scan.out.warnings[0].ends_with(&format!(
        "the archive's budget of {BUDGET} decompressed bytes is spent; skipped"
    )));
}

#[test]
fn garbage_and_truncated_archives_never_panic() {
    let real = std::fs::read(fixtures::dir("java").join("srv/bundle.ear")).unwrap();
    for cut in 0..real.len() {
        let _ = catalog_archive(&real[..cut], location("t.ear"));
    }
    let mut seed = 0x9e3779b97f4a7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..3000 {
        let mut b = real.clone();
        for _ in 0..(next() % 4 + 1) {
            let i = (next() as usize) % b.len();
            b[i] = (next() >> 24) as u8;
        }
        let _ = catalog_archive(&b, location("m.ear"));
    }
    let noise: Vec<u8> = (0..4096).map(|_| next() as u8).collect();
    let _ = catalog_archive(&noise, location("n.jar"));
}
