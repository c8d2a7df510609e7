//! The `sc` binary's command tree: every command has help, unbuilt commands fail
//! clearly (never a fake success), and docs/cli.md matches the clap definitions.

mod support;

use support::{repo_path, sc, stderr, stdout};

const COMMANDS: &[&[&str]] = &[
    &["image", "sign"],
    &["image", "verify"],
    &["image", "scan"],
    &["image", "digest"],
    &["image", "verify-attestation"],
    &["sbom", "generate"],
    &["sbom", "attach"],
    &["sbom", "verify"],
    &["sbom", "scan"],
    &["provenance", "attach"],
    &["provenance", "verify"],
    &["release", "create"],
    &["db", "sync"],
    &["db", "status"],
    &["db", "import"],
    &["generate-key-pair"],
    &["verify-bundle"],
    &["sign-bundle"],
    &["schema"],
];

#[test]
fn every_command_has_help() {
    for cmd in COMMANDS {
        let mut args: Vec<&str> = cmd.to_vec();
        args.push("--help");
        let out = sc(&args, &[]);
        assert!(
            out.status.success(),
            "sc {cmd:?} --help failed: {}",
            stderr(&out)
        );
        let text = stdout(&out);
        assert!(text.contains("Usage: sc"), "sc {cmd:?} --help: {text}");
    }
    let out = sc(&["--version"], &[]);
    assert_eq!(stdout(&out), format!("sc {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn attestation_commands_need_a_registry_image_and_a_policy() {
    let fixture = format!(
        "oci:{}:v1",
        repo_path("fixtures/images/debian-app").display()
    );
    for args in [
        vec!["provenance", "verify", fixture.as_str(), "--key", "k.pub"],
        vec!["sbom", "verify", fixture.as_str(), "--key", "k.pub"],
        vec![
            "image",
            "verify-attestation",
            fixture.as_str(),
            "--key",
            "k.pub",
        ],
    ] {
        let out = sc(&args, &[]);
        assert_eq!(out.status.code(), Some(2), "sc {args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("push it first"), "{}", stderr(&out));
    }
    // Keyless verification without an identity policy is a usage error.
    let out = sc(
        &["image", "verify-attestation", "localhost:5000/app:v1"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--certificate-identity"),
        "{}",
        stderr(&out)
    );
    let out = sc(
        &[
            "image",
            "verify-attestation",
            "localhost:5000/app:v1",
            "--key",
            "k.pub",
            "--type",
            "bogus",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("unknown attestation type"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn usage_errors_exit_2() {
    // Signing and verification work on images in a registry, not local layouts.
    let fixture = format!(
        "oci:{}:v1",
        repo_path("fixtures/images/debian-app").display()
    );
    for cmd in ["sign", "verify"] {
        let out = sc(&["image", cmd, &fixture], &[]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("in a registry"), "{}", stderr(&out));
    }
    // Keyless signing without a token (the environment is cleared), and keyless
    // signing without a log, fail before the registry is contacted.
    let out = sc(&["image", "sign", "127.0.0.1:9/sc/app:v1"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("needs an OIDC identity token"),
        "{}",
        stderr(&out)
    );
    let out = sc(
        &[
            "image",
            "sign",
            "127.0.0.1:9/sc/app:v1",
            "--tlog-upload=false",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--tlog-upload=false needs --key"),
        "{}",
        stderr(&out)
    );
    let out = sc(&["image", "digest"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let out = sc(&["image", "digest", "--platform", "linux", "x"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("invalid platform 'linux'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn schema_is_json_schema_of_the_config() {
    let out = sc(&["schema"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(v["$schema"]
        .as_str()
        .unwrap_or_default()
        .contains("json-schema.org"));
    let text = stdout(&out);
    assert!(
        text.contains("failOn") && text.contains("uses"),
        "schema lacks config fields"
    );
    let out = sc(&["schema", "--security-only"], &[]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(v["properties"]["signing"].is_object(), "{v}");
}

#[test]
fn cli_reference_doc_is_current() {
    let generated = sc::cli::reference_markdown();
    let path = repo_path("docs/cli.md");
    if std::env::var_os("SC_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/cli.md is out of date: run `SC_UPDATE_DOCS=1 cargo test --test cli`"
    );
}
