use std::path::PathBuf;

use super::probe::tests::{feed_in_chunks, framed, synthetic_binary};
use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/catalog/go")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn captured_file(path: &str, content: Vec<u8>) -> CapturedFile {
    CapturedFile {
        path: path.into(),
        layer_index: 0,
        mode: 0o755,
        content,
    }
}

/// Stream `bytes` through the cataloger's own probe in chunks, as the walker
/// does, and catalog what it kept.
fn catalog_streamed(path: &str, bytes: &[u8], chunk: usize) -> CatalogOutput {
    stream_through(&GoBinaryCataloger, path, bytes, chunk)
}

fn stream_through(c: &dyn Cataloger, path: &str, bytes: &[u8], chunk: usize) -> CatalogOutput {
    let entry = EntryInfo {
        path,
        size: bytes.len() as u64,
        mode: 0o755,
    };
    let Some(Capture::Probe(mut probe)) = c.wants(&entry) else {
        panic!("a binary must be probed");
    };
    for piece in bytes.chunks(chunk) {
        if probe.feed(piece) == ProbeState::Done {
            break;
        }
    }
    match probe.finish() {
        Some(kept) => {
            assert!(kept.len() < 64 * 1024, "kept {} bytes", kept.len());
            c.catalog_file(&captured_file(path, kept), &CatalogContext::default())
        }
        None => CatalogOutput::default(),
    }
}

fn find<'a>(out: &'a CatalogOutput, name: &str) -> &'a Package {
    out.packages
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no {name} in {:#?}", out.packages))
}

use crate::sbom::catalog::ProbeState;

#[test]
fn wants_files_of_some_size_whatever_their_mode() {
    let e = |size, mode| EntryInfo {
        path: "usr/bin/x",
        size,
        mode,
    };
    assert!(GoBinaryCataloger.wants(&e(100, 0o755)).is_none());
    assert!(matches!(
        GoBinaryCataloger.wants(&e(5_000_000, 0o755)),
        Some(Capture::Probe(_))
    ));
    assert!(matches!(
        GoBinaryCataloger.wants(&e(5_000_000, 0o644)),
        Some(Capture::Probe(_))
    ));
}

#[test]
fn real_binary_with_ldflags_version_and_directory_replacement() {
    let out = catalog_streamed("usr/local/bin/hello", &fixture("hello-ldflags"), 65536);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    let names: Vec<(&str, &str)> = out
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("example.com/hello", "v1.4.2"),
            ("./color", "(devel)"),
            ("example.com/greet", "v1.2.3"),
            ("stdlib", "go1.19.8"),
        ]
    );
    let main = find(&out, "example.com/hello");
    assert_eq!(main.purl, "pkg:golang/example.com/hello@v1.4.2");
    assert_eq!(main.metadata["versionSource"], "ldflags");
    assert_eq!(main.metadata["goCompiledVersion"], "go1.19.8");
    assert_eq!(main.metadata["architecture"], "amd64");
    assert_eq!(main.metadata["mainPackage"], "example.com/hello/cmd/hello");
    assert_eq!(
        main.metadata["goBuildSettings:-ldflags"],
        "-s -w -X main.version=1.4.2"
    );
    assert_eq!(main.metadata["goBuildSettings:GOOS"], "linux");
    assert_eq!(
        main.depends_on,
        vec!["./color", "example.com/greet", "stdlib"]
    );
    assert_eq!(main.found_by, "go-binary");
    assert_eq!(main.locations[0].path, "usr/local/bin/hello");

    let color = find(&out, "./color");
    assert_eq!(color.metadata["replaces"], "example.com/color@v0.3.0");
    assert_eq!(color.metadata["mainModule"], "example.com/hello");
    let greet = find(&out, "example.com/greet");
    assert_eq!(
        greet.metadata["h1Digest"],
        "h1:CQQv0UR0pd7e2cZf5jt1636hGzdLNjo869YiZL8TZNE="
    );
    assert_eq!(greet.purl, "pkg:golang/example.com/greet@v1.2.3");
    assert!(!greet.metadata.contains_key("goBuildSettings:GOOS"));

    let std = find(&out, "stdlib");
    assert_eq!(std.purl, "pkg:golang/stdlib@1.19.8");
    assert_eq!(std.cpes, vec!["cpe:2.3:a:golang:go:1.19.8:-:*:*:*:*:*:*"]);
    assert_eq!(std.licenses, vec!["BSD-3-Clause"]);
}

#[test]
fn real_binary_with_vcs_info_and_module_replacement() {
    let out = catalog_streamed("app/hello", &fixture("hello-vcs"), 4096);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    let main = find(&out, "example.com/hello");
    // syft 1.18.1 reports the same pseudo-version for this binary.
    assert_eq!(main.version, "v0.0.0-20240304050607-feeae178424f");
    assert_eq!(main.metadata["versionSource"], "vcs");
    assert_eq!(
        main.metadata["goBuildSettings:vcs.revision"],
        "feeae178424fc3d62105134ac36f318421b15251"
    );
    let fork = find(&out, "example.com/greetfork");
    assert_eq!(fork.version, "v1.2.4");
    assert_eq!(fork.metadata["replaces"], "example.com/greet@v1.2.3");
    assert_eq!(
        fork.metadata["h1Digest"],
        "h1:H5lTzZTPGQfXVqAzcDXyxRkRpXeqTjAWMf7jn697SEc="
    );
    assert!(out.packages.iter().all(|p| p.name != "example.com/greet"));
}

#[test]
fn real_binary_with_the_version_only_in_its_contents() {
    // -trimpath drops -ldflags from the build info; the -X string is in the
    // binary, NUL-terminated after an invalid UTF-8 byte. syft 1.18.1 reports
    // v2.0.1 too.
    let bin = fixture("hello-trimpath");
    let out = catalog_streamed("bin/hello", &bin, 65536);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    let main = find(&out, "example.com/hello");
    assert_eq!(main.version, "v2.0.1");
    assert_eq!(main.metadata["versionSource"], "contents");
    assert!(!main.metadata.contains_key("goBuildSettings:-ldflags"));
    // The probe records the guess with the strings it keeps.
    let whole = probe::BuildInfoProbe::scan(&bin).unwrap();
    assert_eq!(whole.contents_version.as_deref(), Some("2.0.1"));
}

#[test]
fn chunk_boundaries_do_not_change_the_result() {
    for name in ["hello-ldflags", "hello-vcs", "hello-trimpath"] {
        let bin = fixture(name);
        let whole = probe::BuildInfoProbe::scan(&bin).expect(name);
        assert_eq!(whole.infos.len(), 1);
        // Pseudo-random chunk sizes from a fixed LCG.
        let mut x: u32 = 12345;
        let random: Vec<usize> = (0..1000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                1 + (x >> 16) as usize % 9000
            })
            .collect();
        for sizes in [&[1usize][..], &[7], &[65536], &random] {
            assert_eq!(
                feed_in_chunks(&bin, sizes).as_ref(),
                Some(&whole),
                "{name} {:?}",
                &sizes[..1]
            );
        }
        // And the cataloger's output matches too.
        let a = catalog_streamed("b", &bin, 7);
        let b =
            GoBinaryCataloger.catalog_file(&captured_file("b", bin), &CatalogContext::default());
        assert_eq!(a.packages, b.packages);
    }
}

#[test]
fn esbuild_from_npm_when_available() {
    // CI installs @esbuild/linux-x64@0.15.18 (a real Go 1.19.3 binary) and
    // points SC_ESBUILD_BINARY at it; without it the test has nothing to read.
    let Ok(path) = std::env::var("SC_ESBUILD_BINARY") else {
        eprintln!("SC_ESBUILD_BINARY not set: esbuild check skipped");
        return;
    };
    let bin = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let out = catalog_streamed("usr/local/bin/esbuild", &bin, 65536);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    let ids: Vec<(&str, &str, &str)> = out
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str()))
        .collect();
    // Exactly what syft 1.18.1 reports for this file.
    assert_eq!(
        ids,
        vec![
            (
                "github.com/evanw/esbuild",
                "v0.0.0-20221205171834-6c80ec378543",
                "pkg:golang/github.com/evanw/esbuild@v0.0.0-20221205171834-6c80ec378543"
            ),
            (
                "golang.org/x/sys",
                "v0.0.0-20220715151400-c0bba94af5f8",
                "pkg:golang/golang.org/x/sys@v0.0.0-20220715151400-c0bba94af5f8"
            ),
            ("stdlib", "go1.19.3", "pkg:golang/stdlib@1.19.3"),
        ]
    );
    assert_eq!(
        out.packages[0].metadata["mainPackage"],
        "github.com/evanw/esbuild/cmd/esbuild"
    );
}

#[test]
fn non_go_inputs_yield_nothing_and_never_panic() {
    let ctx = CatalogContext::default();
    // Not executables.
    for content in [&b""[..], b"hello", b"\x7fEL", &[0u8; 4096]] {
        let out = GoBinaryCataloger.catalog_file(&captured_file("x", content.to_vec()), &ctx);
        assert!(out.packages.is_empty() && out.warnings.is_empty());
    }
    // An ELF header followed by noise.
    let mut noise = b"\x7fELF\x02\x01\x01\0".to_vec();
    let mut x: u64 = 7;
    noise.extend((0..200_000).map(|_| {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (x >> 56) as u8
    }));
    let out = catalog_streamed("noise", &noise, 333);
    assert!(out.packages.is_empty());
    // Every truncation of a real binary around its build info.
    let bin = fixture("hello-vcs");
    let at = probe::BuildInfoProbe::scan(&bin).unwrap().infos[0].offset as usize;
    for cut in (at.saturating_sub(8)..at + 1200).step_by(13) {
        let out = catalog_streamed("cut", &bin[..cut], 500);
        for p in &out.packages {
            assert!(!p.name.is_empty());
        }
    }
    // A corrupt envelope.
    let out = GoBinaryCataloger.catalog_file(
        &captured_file("bad", b"sc-go-buildinfo/1\n{not json".to_vec()),
        &ctx,
    );
    assert_eq!(
        out.warnings,
        vec!["bad: Go build info capture is unreadable"]
    );
}

#[test]
fn truncated_and_malformed_build_info_is_warned_about_by_file() {
    let text = "path\tx/cmd\nmod\tx\tv1.0.0\t\ndep\tbroken\ndep\ty\tv2.0.0\th1:y=\n";
    let bin = synthetic_binary(4096, "go1.21.5", &framed(text), 8192);
    let out = catalog_streamed("opt/x", &bin, 100);
    assert_eq!(
        out.warnings,
        vec!["opt/x: Go module information line 3: malformed dep line"]
    );
    let names: Vec<&str> = out.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["x", "y", "stdlib"]);

    let cut = &bin[..4096 + 32 + 12];
    let out = catalog_streamed("opt/x", cut, 100);
    assert_eq!(
        out.warnings,
        vec!["opt/x: Go build info: file ends inside the build information"]
    );
    // The Go version alone still gives stdlib.
    let names: Vec<&str> = out.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["stdlib"]);
}

#[test]
fn pointer_format_binaries_are_warned_about() {
    let mut bin = vec![0u8; 8192];
    bin[..4].copy_from_slice(b"\x7fELF");
    bin[4096..4110].copy_from_slice(probe::MAGIC);
    bin[4110] = 8;
    let out = catalog_streamed("usr/bin/old", &bin, 1000);
    assert!(out.packages.is_empty());
    assert_eq!(out.warnings.len(), 1);
    assert!(out.warnings[0].starts_with("usr/bin/old: Go binary built before Go 1.18"));
}

#[test]
fn main_module_fallbacks_follow_syft() {
    // `go build file.go`: the main module is the only (devel) dependency.
    let (mut mi, _) = modinfo::parse(
        "path\tcommand-line-arguments\ndep\texample.com/app\t(devel)\t\ndep\tz\tv1.0.0\t\n",
    );
    let main = main_module(&mut mi).unwrap();
    assert_eq!(
        (main.path.as_str(), main.version.as_str()),
        ("example.com/app", "(devel)")
    );
    assert_eq!(mi.deps.len(), 1);
    // No candidates: the path itself.
    let (mut mi, _) =
        modinfo::parse("path\tcommand-line-arguments\nmod\tcommand-line-arguments\t\n");
    let main = main_module(&mut mi).unwrap();
    assert_eq!(main.path, "command-line-arguments");
    assert_eq!(main.version, "(devel)");
    // Nothing at all (GOPATH mode): no main module, stdlib only.
    let (mut mi, _) = modinfo::parse("");
    assert_eq!(main_module(&mut mi), None);
    let bin = synthetic_binary(64, "go1.17.13", b"", 2048);
    let out = catalog_streamed("gopath-bin", &bin, 64);
    let ids: Vec<(&str, &str)> = out
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();
    assert_eq!(ids, vec![("stdlib", "go1.17.13")]);
}

#[test]
fn versions_from_ldflags_like_syft() {
    let v = |flags: &str| version_from_ldflags(flags, "github.com/acme/tool");
    assert_eq!(v("-s -w -X main.version=1.2.3").as_deref(), Some("v1.2.3"));
    assert_eq!(
        v("-X main.Version=v2.0.0-rc.1").as_deref(),
        Some("v2.0.0-rc")
    );
    assert_eq!(
        v("-X github.com/acme/tool/internal/build.gitVersion=0.9.1 -X main.commit=abc").as_deref(),
        Some("v0.9.1")
    );
    assert_eq!(
        v("-X github.com/acme/tool/cmd.releaseVersion=refs/tags/v3.4.5").as_deref(),
        Some("v3.4.5")
    );
    assert_eq!(v("-X main.tag=4.5.6").as_deref(), Some("v4.5.6"));
    // Another module's variable, or no version-like value.
    assert_eq!(v("-X github.com/other/x.version=1.2.3"), None);
    assert_eq!(v("-X main.version=dev"), None);
    assert_eq!(v(""), None);
}

#[test]
fn pseudo_versions_and_go_versions() {
    assert_eq!(
        pseudo_version(
            "6c80ec3785433626da3a107725d5303b26392248",
            "2022-12-05T17:18:34Z"
        ),
        "v0.0.0-20221205171834-6c80ec378543"
    );
    assert_eq!(
        pseudo_version("abc", "2022-12-05T19:18:34+02:00"),
        "v0.0.0-20221205171834-abc"
    );
    assert_eq!(
        pseudo_version("abc", "yesterday"),
        "v0.0.0-00010101000000-abc"
    );
    assert_eq!(
        split_go_version("go1.22.0 X:boringcrypto,nocoverageredesign"),
        (
            "go1.22.0",
            vec!["boringcrypto".into(), "nocoverageredesign".into()]
        )
    );
    assert_eq!(split_go_version("go1.19.3"), ("go1.19.3", vec![]));
    assert_eq!(
        stdlib_cpe("1.21rc2").as_deref(),
        Some("cpe:2.3:a:golang:go:1.21:rc2:*:*:*:*:*:*")
    );
    assert_eq!(stdlib_cpe("devel +abc"), None);
    assert_eq!(
        purl("github.com/docker/docker", "v20.10.7+incompatible"),
        "pkg:golang/github.com/docker/docker@v20.10.7%2Bincompatible"
    );
    assert_eq!(
        purl("github.com/aws/aws-sdk-go-v2/service/s3", "v1.2.0"),
        "pkg:golang/github.com/aws/aws-sdk-go-v2/service/s3@v1.2.0"
    );
    assert_eq!(purl("./color", "(devel)"), "pkg:golang/./color@%28devel%29");
}

/// A Go 1.13–1.17 style ELF: strings in "rodata" before the header (or the
/// module information after it), string headers after the header.
fn pointer_format_binary(modinfo_after: bool) -> Vec<u8> {
    let mut f = vec![0u8; 0x5000];
    f[..6].copy_from_slice(b"\x7fELF\x02\x01");
    f[18] = 62;
    f[32..40].copy_from_slice(&64u64.to_le_bytes());
    f[54..56].copy_from_slice(&56u16.to_le_bytes());
    f[56..58].copy_from_slice(&2u16.to_le_bytes());
    for (i, (off, va, size)) in [(0u64, 0x40_0000u64, 0x3000u64), (0x3000, 0x80_3000, 0x2000)]
        .into_iter()
        .enumerate()
    {
        let ph = 64 + i * 56;
        f[ph..ph + 4].copy_from_slice(&1u32.to_le_bytes());
        f[ph + 8..ph + 16].copy_from_slice(&off.to_le_bytes());
        f[ph + 16..ph + 24].copy_from_slice(&va.to_le_bytes());
        f[ph + 32..ph + 40].copy_from_slice(&size.to_le_bytes());
    }
    // Other go1. strings before the real one.
    f[0x900..0x90f].copy_from_slice(b"go1.13.go\0ver\0\0");
    f[0x1000..0x1000 + 18].copy_from_slice(b"go1.16.15goroutine");
    let text = "path\texample.com/old\nmod\texample.com/old\t(devel)\t\ndep\tgolang.org/x/sys\tv0.1.0\th1:sys=\n";
    let framed = framed(text);
    let mod_at = if modinfo_after { 0x4000 } else { 0x1400 };
    f[mod_at..mod_at + framed.len()].copy_from_slice(&framed);
    let mod_addr = if modinfo_after {
        0x80_4000u64
    } else {
        0x40_1400
    };
    f[0x3000..0x300e].copy_from_slice(probe::MAGIC);
    f[0x300e] = 8;
    f[0x300f] = 0;
    f[0x3010..0x3018].copy_from_slice(&0x80_3800u64.to_le_bytes());
    f[0x3018..0x3020].copy_from_slice(&0x80_3810u64.to_le_bytes());
    f[0x3800..0x3808].copy_from_slice(&0x40_1000u64.to_le_bytes());
    f[0x3808..0x3810].copy_from_slice(&9u64.to_le_bytes());
    f[0x3810..0x3818].copy_from_slice(&mod_addr.to_le_bytes());
    f[0x3818..0x3820].copy_from_slice(&(framed.len() as u64).to_le_bytes());
    f
}

#[test]
fn pointer_format_binaries_are_read_in_one_pass() {
    for after in [false, true] {
        let bin = pointer_format_binary(after);
        let whole = probe::BuildInfoProbe::scan(&bin).unwrap();
        assert_eq!(whole.infos.len(), 1);
        assert!(whole.infos[0].pointer_format);
        assert_eq!(whole.infos[0].go_version, "go1.16.15", "{whole:?}");
        for sizes in [&[1usize][..], &[7], &[16], &[4096], &[3, 900, 17]] {
            assert_eq!(
                feed_in_chunks(&bin, sizes).as_ref(),
                Some(&whole),
                "{sizes:?}"
            );
        }
        let out = catalog_streamed("usr/bin/old", &bin, 64);
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let ids: Vec<(&str, &str)> = out
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            ids,
            vec![
                ("example.com/old", "(devel)"),
                ("golang.org/x/sys", "v0.1.0"),
                ("stdlib", "go1.16.15")
            ]
        );
        assert_eq!(out.packages[0].metadata["architecture"], "amd64");
    }
    // Pointers that lead nowhere: a warning with the reason.
    let mut bin = pointer_format_binary(false);
    bin[0x3810..0x3818].copy_from_slice(&0x90_0000u64.to_le_bytes());
    let out = catalog_streamed("usr/bin/old", &bin, 64);
    assert!(out.packages.is_empty());
    assert!(
        out.warnings[0].ends_with("string address 0x900000 is outside the file's segments"),
        "{:?}",
        out.warnings
    );
}

#[test]
fn go_1_17_esbuild_from_npm_when_available() {
    // esbuild-linux-64@0.13.15 from npm: a real Go 1.17.2 (pointer-format) binary.
    let Ok(path) = std::env::var("SC_ESBUILD_GO117_BINARY") else {
        eprintln!("SC_ESBUILD_GO117_BINARY not set: check skipped");
        return;
    };
    let bin = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let out = catalog_streamed("usr/local/bin/esbuild", &bin, 65536);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    let ids: Vec<(&str, &str)> = out
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();
    // What syft 1.18.1 reports for this file.
    assert_eq!(
        ids,
        vec![
            ("github.com/evanw/esbuild", "(devel)"),
            ("golang.org/x/sys", "v0.0.0-20210908233432-aa78b53d3365"),
            ("stdlib", "go1.17.2"),
        ]
    );
    assert_eq!(
        out.packages[1].metadata["h1Digest"],
        "h1:6wSTsvPddg9gc/mVEEyk9oOAoxn+bT4Z9q1zx+4RwA4="
    );
    assert_eq!(
        probe::BuildInfoProbe::scan(&bin),
        feed_in_chunks(&bin, &[1000, 1])
    );
}

/// Tiny deterministic generator for the mutation tests.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % below.max(1)
    }
}

#[test]
fn mutated_build_info_never_panics() {
    // The real binary's first 8 KiB and the 4 KiB around its build info,
    // the header kept 16-byte aligned.
    let bin = fixture("hello-vcs");
    let at = probe::BuildInfoProbe::scan(&bin).unwrap().infos[0].offset as usize;
    let mut base = bin[..8192].to_vec();
    base.extend_from_slice(&bin[at - 2048..at + 2048]);
    let hdr = 8192 + 2048;
    assert_eq!(
        probe::BuildInfoProbe::scan(&base).unwrap().infos[0].offset as usize,
        hdr
    );
    let old = pointer_format_binary(false);
    let mut rng = Lcg(42);
    for i in 0..400 {
        let (mut input, lo, hi) = if i % 2 == 0 {
            (base.clone(), hdr, hdr + 600)
        } else {
            (old.clone(), 0x3000, 0x3830)
        };
        for _ in 0..1 + rng.next(8) {
            let j = lo + rng.next(hi - lo);
            input[j] = rng.next(256) as u8;
        }
        let chunk = 1 + rng.next(5000);
        let out = catalog_streamed("m", &input, chunk);
        for p in &out.packages {
            assert!(!p.name.is_empty());
        }
        for w in &out.warnings {
            assert!(w.starts_with("m: "), "{w}");
        }
    }
}
