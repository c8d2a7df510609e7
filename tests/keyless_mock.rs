//! Keyless signing for real, offline: a loopback Fulcio + Rekor (npm
//! `@sigstore/mock` behind scripts/sigstore-mock/mock-server.js) and independent
//! clients on both sides:
//! - bundles `sc sign-bundle` makes there verify with sigstore-python
//!   (`sigstore --trust-config ... verify identity --offline`), sigstore-js
//!   (`@sigstore/verify`, scripts/sigstore-mock/js-verify.js) and sc;
//! - bundles sigstore-python makes there (`sign`, `attest`) verify with sc;
//! - both for message signatures and for in-toto statements (DSSE);
//! - the conformance adapter's sign-bundle / verify-bundle round trip.
//!
//! Environment (set by scripts/test.sh; scripts/install-test-deps.sh installs both):
//! see tests/support/sigstore.rs. Unset (a bare `cargo test`): the test prints a
//! note and passes without running; scripts/test.sh makes it required.

mod support;

use std::process::{Command, Output};

use support::sigstore::{token, SigstoreMock as Mock, IDENTITY, ISSUER};

fn run(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env_remove("SC_TRUSTED_ROOT")
        .env_remove("SIGSTORE_ID_TOKEN")
        .output()
        .unwrap()
}

fn describe(out: &Output) -> String {
    format!(
        "{}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn keyless_signing_against_a_loopback_sigstore() {
    let (Some(tools), Some(python)) = (
        support::sigstore::mock_tools(),
        support::sigstore::sigstore_python(),
    ) else {
        eprintln!("note: SC_SIGSTORE_MOCK / SC_SIGSTORE_PYTHON are not set; the keyless signing interop test did not run (scripts/conformance.sh runs it)");
        return;
    };
    let mock = Mock::start(&tools);
    let sc = env!("CARGO_BIN_EXE_sc");
    let adapter = env!("CARGO_BIN_EXE_sc-conformance");
    let jwt = token();
    let root = mock.path("trusted_root.json").display().to_string();
    let config = mock.path("signing_config.json").display().to_string();
    let trust_config = mock.path("trust_config.json").display().to_string();
    let artifact = mock.write(
        "artifact.txt",
        b"signed by sc against a loopback Sigstore\n",
    );
    let bundle = mock.path("artifact.sigstore.json").display().to_string();

    // sc signs.
    let out = run(
        sc,
        &[
            "sign-bundle",
            "--identity-token",
            &jwt,
            "--bundle",
            &bundle,
            "--signing-config",
            &config,
            "--trusted-root",
            &root,
            &artifact,
        ],
    );
    assert!(out.status.success(), "sc sign-bundle: {}", describe(&out));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    assert_eq!(
        written["mediaType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    let entry = &written["verificationMaterial"]["tlogEntries"][0];
    // The first entry of a fresh log: the zero is written, not omitted.
    assert_eq!(entry["inclusionProof"]["logIndex"], "0", "{entry}");

    // ... and everyone verifies it.
    let verify_args = [
        "verify-bundle",
        "--bundle",
        &bundle,
        "--certificate-identity",
        IDENTITY,
        "--certificate-oidc-issuer",
        ISSUER,
        "--trusted-root",
        &root,
        &artifact,
    ];
    let out = run(sc, &verify_args);
    assert!(out.status.success(), "sc verify-bundle: {}", describe(&out));
    let out = run(
        &python,
        &[
            "--trust-config",
            &trust_config,
            "verify",
            "identity",
            "--offline",
            "--bundle",
            &bundle,
            "--cert-identity",
            IDENTITY,
            "--cert-oidc-issuer",
            ISSUER,
            &artifact,
        ],
    );
    assert!(
        out.status.success(),
        "sigstore-python verify: {}",
        describe(&out)
    );
    let js = tools.join("js-verify.js").display().to_string();
    let mut js_args = vec![js.as_str()];
    js_args.extend(verify_args);
    let out = run("node", &js_args);
    assert!(
        out.status.success(),
        "sigstore-js verify: {}",
        describe(&out)
    );

    // The independent verifiers reject what they must, too.
    let out = run(
        &python,
        &[
            "--trust-config",
            &trust_config,
            "verify",
            "identity",
            "--offline",
            "--bundle",
            &bundle,
            "--cert-identity",
            "other@example.com",
            "--cert-oidc-issuer",
            ISSUER,
            &artifact,
        ],
    );
    assert!(
        !out.status.success(),
        "sigstore-python accepted another identity"
    );
    let out = run(
        sc,
        &[
            "verify-bundle",
            "--bundle",
            &bundle,
            "--certificate-identity",
            "other@example.com",
            "--certificate-oidc-issuer",
            ISSUER,
            "--trusted-root",
            &root,
            &artifact,
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));

    // sigstore-python signs; sc verifies.
    let py_artifact = mock.write("python.txt", b"signed by sigstore-python\n");
    let py_bundle = mock.path("python.sigstore.json").display().to_string();
    let out = run(
        &python,
        &[
            "--trust-config",
            &trust_config,
            "sign",
            "--identity-token",
            &jwt,
            "--bundle",
            &py_bundle,
            &py_artifact,
        ],
    );
    assert!(
        out.status.success(),
        "sigstore-python sign: {}",
        describe(&out)
    );
    let out = run(
        sc,
        &[
            "verify-bundle",
            "--bundle",
            &py_bundle,
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            ISSUER,
            "--trusted-root",
            &root,
            &py_artifact,
        ],
    );
    assert!(
        out.status.success(),
        "sc on sigstore-python's bundle: {}",
        describe(&out)
    );
    let out = run(
        sc,
        &[
            "verify-bundle",
            "--bundle",
            &py_bundle,
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            ISSUER,
            "--trusted-root",
            &root,
            &artifact,
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "another artifact: {}",
        describe(&out)
    );

    // The conformance protocol's sign-bundle, then verify-bundle with a digest.
    let proto_bundle = mock.path("proto.sigstore.json").display().to_string();
    let out = run(
        adapter,
        &[
            "sign-bundle",
            "--identity-token",
            &jwt,
            "--bundle",
            &proto_bundle,
            "--trusted-root",
            &root,
            "--signing-config",
            &config,
            &artifact,
        ],
    );
    assert!(
        out.status.success(),
        "adapter sign-bundle: {}",
        describe(&out)
    );
    let digest = format!(
        "sha256:{}",
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            std::fs::read(&artifact).unwrap()
        ))
    );
    let out = run(
        adapter,
        &[
            "verify-bundle",
            "--bundle",
            &proto_bundle,
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            ISSUER,
            "--trusted-root",
            &root,
            &digest,
        ],
    );
    assert!(
        out.status.success(),
        "adapter verify-bundle: {}",
        describe(&out)
    );

    // An in-toto statement, as a DSSE envelope (dsse 0.0.1 entry): everyone verifies it
    // against the artifact it names.
    let statement = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "artifact.txt", "digest": {"sha256": digest.trim_start_matches("sha256:")}}],
        "predicateType": "https://example.com/test/v1",
        "predicate": {"note": "signed by sc"},
    });
    let st = mock.write("statement.json", statement.to_string().as_bytes());
    let dsse_bundle = mock.path("statement.sigstore.json").display().to_string();
    let out = run(
        sc,
        &[
            "sign-bundle",
            "--in-toto",
            "--identity-token",
            &jwt,
            "--bundle",
            &dsse_bundle,
            "--signing-config",
            &config,
            "--trusted-root",
            &root,
            &st,
        ],
    );
    assert!(
        out.status.success(),
        "sc sign-bundle --in-toto: {}",
        describe(&out)
    );
    let dsse_verify = [
        "verify-bundle",
        "--bundle",
        &dsse_bundle,
        "--certificate-identity",
        IDENTITY,
        "--certificate-oidc-issuer",
        ISSUER,
        "--trusted-root",
        &root,
        &artifact,
    ];
    let out = run(sc, &dsse_verify);
    assert!(
        out.status.success(),
        "sc on its DSSE bundle: {}",
        describe(&out)
    );
    let mut js_args = vec![js.as_str()];
    js_args.extend(dsse_verify);
    let out = run("node", &js_args);
    assert!(
        out.status.success(),
        "sigstore-js on sc's DSSE bundle: {}",
        describe(&out)
    );
    let out = run(
        &python,
        &[
            "--trust-config",
            &trust_config,
            "verify",
            "identity",
            "--offline",
            "--bundle",
            &dsse_bundle,
            "--cert-identity",
            IDENTITY,
            "--cert-oidc-issuer",
            ISSUER,
            &artifact,
        ],
    );
    assert!(
        out.status.success(),
        "sigstore-python on sc's DSSE bundle: {}",
        describe(&out)
    );
    let out = run(
        sc,
        &[
            "verify-bundle",
            "--bundle",
            &dsse_bundle,
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            ISSUER,
            "--trusted-root",
            &root,
            &py_artifact,
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "not the statement's subject: {}",
        describe(&out)
    );

    // sigstore-python attests (DSSE, SLSA provenance predicate); sc verifies.
    let predicate = mock.write(
        "predicate.json",
        br#"{"buildDefinition":{"buildType":"https://example.com/t","externalParameters":{}},"runDetails":{"builder":{"id":"https://example.com/b"}}}"#,
    );
    let py_att = mock
        .path("python-attestation.sigstore.json")
        .display()
        .to_string();
    let out = run(
        &python,
        &[
            "--trust-config",
            &trust_config,
            "attest",
            "--predicate-type",
            "https://slsa.dev/provenance/v1",
            "--predicate",
            &predicate,
            "--identity-token",
            &jwt,
            "--bundle",
            &py_att,
            &py_artifact,
        ],
    );
    assert!(
        out.status.success(),
        "sigstore-python attest: {}",
        describe(&out)
    );
    let out = run(
        sc,
        &[
            "verify-bundle",
            "--bundle",
            &py_att,
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            ISSUER,
            "--trusted-root",
            &root,
            &py_artifact,
        ],
    );
    assert!(
        out.status.success(),
        "sc on sigstore-python's attestation: {}",
        describe(&out)
    );

    // Services the trusted root does not vouch for: the self-check refuses the
    // bundle and nothing is written.
    let other_root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/sigstore-mock/trusted_root.json")
        .display()
        .to_string();
    let refused = mock.path("refused.sigstore.json");
    let out = run(
        sc,
        &[
            "sign-bundle",
            "--identity-token",
            &jwt,
            "--bundle",
            refused.to_str().unwrap(),
            "--signing-config",
            &config,
            "--trusted-root",
            &other_root,
            &artifact,
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not verify against the trusted root"),
        "{}",
        describe(&out)
    );
    assert!(!refused.exists(), "an unverifiable bundle was written");
    println!(
        "keyless interop: sc (message, DSSE) -> sigstore-python, sigstore-js, sc; \
         sigstore-python (sign, attest) -> sc: all verified"
    );
}
