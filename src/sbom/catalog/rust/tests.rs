use std::path::PathBuf;

use super::probe::tests::{feed_in_chunks, synthetic, zlib};
use super::*;
use crate::sbom::catalog::golang::GoBinaryCataloger;
use crate::sbom::catalog::ProbeState;

fn fixture(dir: &str, name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/catalog")
        .join(dir)
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn captured_file(path: &str, content: Vec<u8>) -> CapturedFile {
    CapturedFile {
        path: path.into(),
        layer_index: 2,
        mode: 0o755,
        content,
    }
}

/// Stream `bytes` through the cataloger's probe in `chunk`-byte pieces and
/// catalog what it kept.
fn catalog_streamed(path: &str, bytes: &[u8], chunk: usize) -> CatalogOutput {
    let entry = EntryInfo {
        path,
        size: bytes.len() as u64,
        mode: 0o755,
    };
    let Some(Capture::Probe(mut probe)) = CargoAuditableCataloger.wants(&entry) else {
        panic!("a binary must be probed");
    };
    for c in bytes.chunks(chunk) {
        if probe.feed(c) == ProbeState::Done {
            break;
        }
    }
    match probe.finish() {
        Some(kept) => CargoAuditableCataloger
            .catalog_file(&captured_file(path, kept), &CatalogContext::default()),
        None => CatalogOutput::default(),
    }
}

#[test]
fn wants_files_of_some_size() {
    let e = |size| EntryInfo {
        path: "usr/bin/x",
        size,
        mode: 0o644,
    };
    assert!(CargoAuditableCataloger.wants(&e(10)).is_none());
    assert!(matches!(
        CargoAuditableCataloger.wants(&e(300_000)),
        Some(Capture::Probe(_))
    ));
}

#[test]
fn real_auditable_binary() {
    let out = catalog_streamed(
        "usr/local/bin/auditable-hello",
        &fixture("rust", "auditable-hello"),
        65536,
    );
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    let ids: Vec<(&str, &str, &str)> = out
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str()))
        .collect();
    // The same identities syft 1.18.1 reports (the build-only crate left out).
    assert_eq!(
        ids,
        vec![
            (
                "auditable-hello",
                "0.2.1",
                "pkg:cargo/auditable-hello@0.2.1"
            ),
            ("helper", "0.1.0", "pkg:cargo/helper@0.1.0"),
            ("itoa", "0.4.8", "pkg:cargo/itoa@0.4.8"),
            ("itoa", "1.0.11", "pkg:cargo/itoa@1.0.11"),
        ]
    );
    let root = &out.packages[0];
    assert_eq!(root.metadata["root"], "true");
    assert_eq!(root.metadata["source"], "local");
    assert_eq!(root.found_by, "cargo-auditable");
    assert_eq!(root.locations[0].path, "usr/local/bin/auditable-hello");
    assert_eq!(root.locations[0].layer_index, 2);
    assert_eq!(root.depends_on, vec!["helper", "itoa@0.4.8", "itoa@1.0.11"]);
    assert_eq!(out.packages[2].metadata["source"], "crates.io");
    assert!(!out.packages[2].metadata.contains_key("root"));
}

#[test]
fn real_binary_chunk_boundaries_do_not_change_the_result() {
    let bin = fixture("rust", "auditable-hello");
    let whole = probe::AuditProbe::scan(&bin).unwrap();
    assert_eq!(whole.lists.len(), 1);
    // readelf: .dep-v0 at file offset 0x45f62.
    assert_eq!(whole.lists[0].offset, 0x45f62);
    let mut x: u32 = 777;
    let random: Vec<usize> = (0..500)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            1 + (x >> 16) as usize % 20000
        })
        .collect();
    for sizes in [&[1usize][..], &[7], &[65536], &random] {
        assert_eq!(
            feed_in_chunks(&bin, sizes).as_ref(),
            Some(&whole),
            "{:?}",
            &sizes[..1]
        );
    }
    let a = catalog_streamed("b", &bin, 7);
    let b =
        CargoAuditableCataloger.catalog_file(&captured_file("b", bin), &CatalogContext::default());
    assert_eq!(a.packages, b.packages);
}

#[test]
fn binaries_without_a_list_yield_nothing() {
    // The same program built without cargo-auditable, and the Go fixtures.
    for (dir, name) in [("rust", "plain-hello"), ("go", "hello-vcs")] {
        let out = catalog_streamed(name, &fixture(dir, name), 65536);
        assert!(
            out.packages.is_empty() && out.warnings.is_empty(),
            "{name}: {out:?}"
        );
    }
    // And the Go cataloger finds nothing in the Rust binary.
    let bin = fixture("rust", "auditable-hello");
    let out = GoBinaryCataloger.catalog_file(&captured_file("r", bin), &CatalogContext::default());
    assert!(out.packages.is_empty() && out.warnings.is_empty());
}

#[test]
fn malformed_lists_are_warned_about_by_file() {
    let ctx = CatalogContext::default();
    // Shaped like a list, but a package lacks its version.
    let (bin, at) = synthetic(br#"{"packages":[{"name":"x"}]}"#, 2000);
    let out = CargoAuditableCataloger.catalog_file(&captured_file("opt/bin/x", bin), &ctx);
    assert!(out.packages.is_empty());
    assert_eq!(out.warnings.len(), 1);
    assert!(
        out.warnings[0].starts_with(&format!(
            "opt/bin/x: cargo-auditable dependency list at offset {at}: missing field `version`"
        )),
        "{:?}",
        out.warnings
    );
    // Dependency indexes out of range, a build-only crate, odd sources.
    let json = r#"{"packages":[
        {"name":"app","version":"1.0.0","source":"local","dependencies":[1,2,99,18446744073709551615],"root":true},
        {"name":"cc","version":"1.0.0","source":"crates.io","kind":"build"},
        {"name":"dep","version":"2.0.0+meta","source":{"git":"x"},"kind":"runtime"}
    ]}"#;
    let (bin, _) = synthetic(json.as_bytes(), 2000);
    let out = catalog_streamed("app", &bin, 3);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    let names: Vec<&str> = out.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["app", "dep"]);
    assert_eq!(out.packages[0].depends_on, vec!["dep"]);
    assert_eq!(out.packages[1].purl, "pkg:cargo/dep@2.0.0%2Bmeta");
    assert_eq!(out.packages[1].metadata["source"], r#"{"git":"x"}"#);
    // A list that inflates past the limit: a warning, no packages.
    let mut big = b"{\"packages\":[".to_vec();
    big.resize(probe::MAX_JSON + 10, b' ');
    let mut f = b"\x7fELF\x02\x01\x01\0".to_vec();
    f.extend_from_slice(&zlib(&big, 9));
    let out = catalog_streamed("bomb", &f, 65536);
    assert!(out.packages.is_empty());
    assert!(out.warnings[0].starts_with("bomb: cargo-auditable dependency list larger than"));
    // A corrupt envelope.
    let out = CargoAuditableCataloger.catalog_file(
        &captured_file("bad", b"sc-cargo-auditable/1\n[".to_vec()),
        &ctx,
    );
    assert_eq!(
        out.warnings,
        vec!["bad: cargo-auditable capture is unreadable"]
    );
}

#[test]
fn truncations_and_noise_never_panic() {
    let bin = fixture("rust", "auditable-hello");
    let at = 0x45f62usize;
    for cut in (at - 4..at + 168).step_by(3) {
        let out = catalog_streamed("cut", &bin[..cut], 4096);
        assert!(out.packages.is_empty());
    }
    let mut noise = b"\x7fELF".to_vec();
    let mut x: u64 = 3;
    noise.extend((0..300_000).map(|_| {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        if x % 1000 == 0 {
            0x78
        } else {
            (x >> 56) as u8
        }
    }));
    let out = catalog_streamed("noise", &noise, 1000);
    assert!(out.packages.is_empty());
}

#[test]
fn mutated_lists_never_panic() {
    // An ELF header, padding, and the real binary's compressed list.
    let bin = fixture("rust", "auditable-hello");
    let at = 0x45f62usize;
    let mut base = bin[..64].to_vec();
    base.resize(2000, 0);
    let start = base.len();
    base.extend_from_slice(&bin[at..at + 0xa8]);
    base.resize(base.len() + 500, 0);
    assert!(probe::AuditProbe::scan(&base).is_some());
    let mut x: u64 = 5;
    let mut rng = |below: usize| {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((x >> 33) as usize) % below
    };
    for _ in 0..400 {
        let mut input = base.clone();
        for _ in 0..1 + rng(4) {
            let j = start + rng(0xa8);
            input[j] = rng(256) as u8;
        }
        let chunk = 1 + rng(3000);
        let out = catalog_streamed("m", &input, chunk);
        for w in &out.warnings {
            assert!(w.starts_with("m: "), "{w}");
        }
    }
}

/// Both binary probes behind the real layer walker: 64 KiB chunks, files
/// with and without an execute bit, next to files they must give up on.
#[test]
fn layer_walker_streams_binaries_through_both_probes() {
    let mut tar = tar::Builder::new(Vec::new());
    let mut add = |path: &str, mode: u32, content: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(content.len() as u64);
        h.set_mode(mode);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        tar.append_data(&mut h, path, content).unwrap();
    };
    add("usr/local/bin/hello", 0o755, &fixture("go", "hello-vcs"));
    add(
        "usr/bin/auditable-hello",
        0o644,
        &fixture("rust", "auditable-hello"),
    );
    add("opt/plain-hello", 0o755, &fixture("rust", "plain-hello"));
    add("etc/notes.txt", 0o644, &[b'x'; 100_000]);
    let tar = tar.into_inner().unwrap();
    let catalogers = crate::sbom::catalog::all();
    let scan =
        crate::sbom::walker::scan_layer(3, Box::new(std::io::Cursor::new(tar)), &catalogers, None)
            .unwrap();
    assert!(scan.warnings.is_empty(), "{:?}", scan.warnings);
    let mut found: Vec<(String, String, String)> = Vec::new();
    for (_, path, out) in &scan.immediate {
        assert!(out.warnings.is_empty(), "{path}: {:?}", out.warnings);
        for p in &out.packages {
            assert_eq!(p.locations[0].layer_index, 3);
            found.push((path.clone(), p.found_by.clone(), p.name.clone()));
        }
    }
    let names = |path: &str, by: &str| -> Vec<String> {
        found
            .iter()
            .filter(|f| f.0 == path && f.1 == by)
            .map(|f| f.2.clone())
            .collect()
    };
    assert_eq!(
        names("usr/local/bin/hello", "go-binary"),
        vec![
            "example.com/hello",
            "./color",
            "example.com/greetfork",
            "stdlib"
        ]
    );
    assert_eq!(
        names("usr/bin/auditable-hello", "cargo-auditable"),
        vec!["auditable-hello", "helper", "itoa", "itoa"]
    );
    assert!(found
        .iter()
        .all(|f| f.0 != "opt/plain-hello" && f.0 != "etc/notes.txt"));
}
