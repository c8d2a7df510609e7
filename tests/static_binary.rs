//! The release build is one statically linked binary that runs in an empty root
//! filesystem (what a `FROM scratch` image gives it): `sc --version` and
//! `sc image digest oci:...` inside a chroot holding only the binary and a fixture.
//!
//! The binary is `SC_STATIC_BINARY` when set (scripts/test.sh builds it first);
//! otherwise this test builds it with cargo into target/static.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::repo_path;

fn static_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("SC_STATIC_BINARY") {
        return PathBuf::from(p);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target_dir = repo_path("target/static");
    let status = Command::new(cargo)
        .current_dir(repo_path(""))
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .args([
            "build",
            "--release",
            "--bin",
            "sc",
            "--target",
            "x86_64-unknown-linux-gnu",
            "--target-dir",
        ])
        .arg(&target_dir)
        .status()
        .expect("run cargo build");
    assert!(status.success(), "static release build failed");
    target_dir.join("x86_64-unknown-linux-gnu/release/sc")
}

/// Program header types of a 64-bit little-endian ELF file.
fn program_header_types(bytes: &[u8]) -> Vec<u32> {
    assert_eq!(&bytes[..4], b"\x7fELF", "not an ELF file");
    assert_eq!(bytes[4], 2, "not a 64-bit ELF");
    let u16_at = |o: usize| u16::from_le_bytes([bytes[o], bytes[o + 1]]) as usize;
    let phoff = u64::from_le_bytes(bytes[0x20..0x28].try_into().unwrap()) as usize;
    let (phentsize, phnum) = (u16_at(0x36), u16_at(0x38));
    (0..phnum)
        .map(|i| {
            let o = phoff + i * phentsize;
            u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap())
        })
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), t).unwrap();
        }
    }
}

#[test]
fn static_binary_runs_in_an_empty_root() {
    let bin = static_binary();
    let bytes = std::fs::read(&bin).unwrap();
    const PT_INTERP: u32 = 3;
    assert!(
        !program_header_types(&bytes).contains(&PT_INTERP),
        "{} asks for a dynamic loader: not statically linked",
        bin.display()
    );

    // An empty root with only the binary and one fixture image.
    let root = tempfile::tempdir().unwrap();
    std::fs::copy(&bin, root.path().join("sc")).unwrap();
    copy_dir(
        &repo_path("fixtures/images/debian-app"),
        &root.path().join("image"),
    );
    assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 2);

    let run = |args: &[&str]| {
        // chroot needs root; elsewhere a user namespace gives the same isolation.
        let is_root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout == b"0\n")
            .unwrap_or(false);
        let mut cmd = if is_root {
            let mut c = Command::new("chroot");
            c.arg(root.path()).arg("/sc");
            c
        } else {
            let mut c = Command::new("unshare");
            c.arg("-r")
                .arg(format!("--root={}", root.path().display()))
                .arg("/sc");
            c
        };
        let out = cmd
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .output()
            .expect("run chroot");
        assert!(
            out.status.success(),
            "sc {args:?} in an empty root failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    assert_eq!(
        run(&["--version"]),
        format!("sc {}", env!("CARGO_PKG_VERSION"))
    );
    let index: serde_json::Value = serde_json::from_slice(
        &std::fs::read(repo_path("fixtures/images/debian-app/index.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        run(&["image", "digest", "oci:/image:v1"]),
        index["manifests"][0]["digest"].as_str().unwrap()
    );
}
