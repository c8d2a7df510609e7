//! Key-based signing and verification against a real registry (distribution 2.8 on
//! loopback): cosign key pairs, `sc image sign --key`, `sc image verify --key`, the
//! registry layout cosign reads, and one test per way verification must fail.
//!
//! Independent checks: sigstore-rs (the `sigstore` crate) verifies our signatures
//! in the registry and reads our key file; a Go program built on the primitives
//! cosign uses (tests/interop/cosignkeys, x/crypto + crypto/x509) reads our keys,
//! writes keys we read, and signs payloads we verify.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sc::digest::Digest;
use sc::reference::ImageReference;
use sc::registry::{cosign_tag, RegistryClient};
use sc::signing::cosign::{self as cosign_fmt, SimpleSigning, SIGNATURE_ANNOTATION};
use sc::signing::keybased::{self, Rejection, VerifyError};
use sc::signing::keys::{self, KdfParams, Password, PublicKey, SigningKey};
use sc::signing::{SignOptions, VerifyOptions};
use support::{client, registry_with_app, repo_path, sc, stderr, stdout, stored_blob};

const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

fn fixture_digest() -> Digest {
    let v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(repo_path("fixtures/images/debian-app/index.json")).unwrap(),
    )
    .unwrap();
    v["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn no_tlog() -> SignOptions {
    SignOptions {
        tlog_upload: false,
        ..SignOptions::default()
    }
}

fn key() -> SigningKey {
    SigningKey::generate().unwrap()
}

async fn sig_manifest(c: &RegistryClient, image: &ImageReference) -> serde_json::Value {
    let (bytes, _) = c.cosign_manifest(image, "sig").await.unwrap().unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn push_sig_manifest(c: &RegistryClient, subject: &ImageReference, m: &serde_json::Value) {
    c.push_manifest(
        &cosign_tag(subject, "sig").unwrap(),
        serde_json::to_vec(m).unwrap(),
        MANIFEST,
    )
    .await
    .unwrap();
}

fn rejections(e: VerifyError) -> Vec<Rejection> {
    match e {
        VerifyError::Rejected { rejections, .. } => rejections,
        other => panic!("expected a rejection, got: {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_generate_sign_verify_round_trip() {
    let (reg, image) = registry_with_app();
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("cosign");
    let prefix = prefix.to_str().unwrap();
    let pw = [("COSIGN_PASSWORD", "correct horse battery")];

    let out = sc(&["generate-key-pair", "--output-key-prefix", prefix], &pw);
    assert!(out.status.success(), "{}", stderr(&out));
    let key_file = format!("{prefix}.key");
    let pub_file = format!("{prefix}.pub");
    assert!(std::fs::read_to_string(&key_file)
        .unwrap()
        .starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
    // Never overwritten without --force.
    let out = sc(&["generate-key-pair", "--output-key-prefix", prefix], &pw);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));

    // Signing with a transparency log (cosign's default) but no log to upload to
    // fails before anything is pushed.
    let out = sc(
        &["image", "sign", &image.to_string(), "--key", &key_file],
        &pw,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--tlog-upload=false"),
        "{}",
        stderr(&out)
    );
    let c = client();
    let pinned = image.with_digest(fixture_digest());
    assert!(c.cosign_manifest(&pinned, "sig").await.unwrap().is_none());

    // Wrong password: a clear error, nothing pushed.
    let out = sc(
        &[
            "image",
            "sign",
            &image.to_string(),
            "--key",
            &key_file,
            "--tlog-upload=false",
        ],
        &[("COSIGN_PASSWORD", "wrong")],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("wrong password"), "{}", stderr(&out));

    let out = sc(
        &[
            "image",
            "sign",
            &image.to_string(),
            "--key",
            &key_file,
            "--tlog-upload=false",
            "-a",
            "env=prod",
            "-a",
            "build=42",
            "--json",
        ],
        &pw,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let result: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(result["digest"], fixture_digest().to_string());
    assert!(result.get("bundle").is_none() && result.get("rekorEntry").is_none());
    assert!(stderr(&out).contains(&format!(
        "{}/sc/app:{}.sig",
        reg.addr,
        fixture_digest().tag_form()
    )));

    // Verify, as cosign prints it: a JSON array of the verified payloads.
    let out = sc(
        &[
            "image",
            "verify",
            &image.to_string(),
            "--key",
            &pub_file,
            "--json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let payloads: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(payloads.as_array().unwrap().len(), 1);
    let p = &payloads[0];
    assert_eq!(
        p["critical"]["image"]["docker-manifest-digest"],
        fixture_digest().to_string()
    );
    assert_eq!(
        p["critical"]["identity"]["docker-reference"],
        format!("{}/sc/app", reg.addr)
    );
    assert_eq!(p["critical"]["type"], "cosign container image signature");
    assert_eq!(p["optional"]["env"], "prod");
    assert!(stderr(&out).contains("The signatures were verified against the specified public key"));

    // Annotations required at verify time.
    let out = sc(
        &[
            "image",
            "verify",
            &image.to_string(),
            "--key",
            &pub_file,
            "-a",
            "env=prod",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("Verified OK: 1 signature(s)"),
        "{}",
        stdout(&out)
    );
    let out = sc(
        &[
            "image",
            "verify",
            &image.to_string(),
            "--key",
            &pub_file,
            "-a",
            "env=staging",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("annotation env=staging required, payload has prod"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());

    // Neither a key nor an identity policy: a usage error.
    let out = sc(&["image", "verify", &image.to_string()], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--certificate-identity"),
        "{}",
        stderr(&out)
    );
    let out = sc(
        &[
            "image",
            "verify",
            &image.to_string(),
            "--key",
            &pub_file,
            "--certificate-identity",
            "x",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_layout_is_cosigns() {
    let (reg, image) = registry_with_app();
    let c = client();
    let k = key();
    let mut ann = BTreeMap::new();
    ann.insert("team".to_string(), "a&b".to_string());
    let out = keybased::sign(
        &c,
        &image,
        &k,
        &SignOptions {
            annotations: ann,
            ..no_tlog()
        },
    )
    .await
    .unwrap();
    let digest = fixture_digest();
    assert_eq!(out.image.digest.as_ref(), Some(&digest));
    assert!(!out.already_signed);

    // The payload, byte for byte as cosign writes it (Go's HTML-safe escaping included).
    let expected_payload = format!(
        r#"{{"critical":{{"identity":{{"docker-reference":"{}/sc/app"}},"image":{{"docker-manifest-digest":"{digest}"}},"type":"cosign container image signature"}},"optional":{{"team":"a\u0026b"}}}}"#,
        reg.addr
    );
    assert_eq!(
        String::from_utf8(out.payload.clone()).unwrap(),
        expected_payload
    );

    // The .sig manifest: OCI manifest, OCI config, one simple-signing layer, the
    // signature annotation and no bundle annotation (no Rekor entry).
    let m = sig_manifest(&c, &out.image).await;
    assert_eq!(m["schemaVersion"], 2);
    assert_eq!(m["mediaType"], MANIFEST);
    assert_eq!(
        m["config"]["mediaType"],
        "application/vnd.oci.image.config.v1+json"
    );
    let layers = m["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1);
    assert_eq!(
        layers[0]["mediaType"],
        "application/vnd.dev.cosign.simplesigning.v1+json"
    );
    assert_eq!(
        layers[0]["digest"],
        Digest::sha256_of(expected_payload.as_bytes()).to_string()
    );
    let annotations = layers[0]["annotations"].as_object().unwrap();
    assert_eq!(annotations.len(), 1, "{annotations:?}");
    assert_eq!(annotations[SIGNATURE_ANNOTATION], out.result.signature);

    // The blobs: the payload, and go-containerregistry's config for it.
    let payload_desc: sc::source::model::Descriptor =
        serde_json::from_value(layers[0].clone()).unwrap();
    let payload = c.fetch_blob(&out.image, &payload_desc, 4096).await.unwrap();
    assert_eq!(payload, expected_payload.as_bytes());
    let config_desc: sc::source::model::Descriptor =
        serde_json::from_value(m["config"].clone()).unwrap();
    let config = c.fetch_blob(&out.image, &config_desc, 4096).await.unwrap();
    assert_eq!(
        String::from_utf8(config).unwrap(),
        format!(
            r#"{{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{{"created":"0001-01-01T00:00:00Z"}}],"os":"","rootfs":{{"type":"layers","diff_ids":["{}"]}},"config":{{}}}}"#,
            payload_desc.digest
        )
    );

    // The signature is ASN.1 DER ECDSA-P256-SHA256 over the payload bytes.
    use base64::Engine;
    let sig = base64::engine::general_purpose::STANDARD
        .decode(&out.result.signature)
        .unwrap();
    assert_eq!(sig[0], 0x30);
    k.public_key().verify(&payload, &sig).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resigning_is_idempotent_and_other_signatures_are_kept() {
    let (_reg, image) = registry_with_app();
    let c = client();
    let (a, b) = (key(), key());
    let first = keybased::sign(&c, &image, &a, &no_tlog()).await.unwrap();
    let (_, sig_digest) = c
        .cosign_manifest(&first.image, "sig")
        .await
        .unwrap()
        .unwrap();

    let again = keybased::sign(&c, &image, &a, &no_tlog()).await.unwrap();
    assert!(again.already_signed);
    assert_eq!(again.result.signature, first.result.signature);
    let (_, d) = c
        .cosign_manifest(&first.image, "sig")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d, sig_digest, "nothing pushed for a duplicate");
    // Detection does not depend on signatures being deterministic: a different (but
    // valid) signature of the same payload by the same key is still a duplicate.
    let mut m = sig_manifest(&c, &first.image).await;
    let other_sig = {
        use base64::Engine;
        let mut raw = base64::engine::general_purpose::STANDARD
            .decode(&first.result.signature)
            .unwrap();
        raw = reencode_high_s(&raw);
        base64::engine::general_purpose::STANDARD.encode(raw)
    };
    assert_ne!(other_sig, first.result.signature);
    m["layers"][0]["annotations"][SIGNATURE_ANNOTATION] = other_sig.clone().into();
    push_sig_manifest(&c, &first.image, &m).await;
    let again = keybased::sign(&c, &image, &a, &no_tlog()).await.unwrap();
    assert!(again.already_signed);
    assert_eq!(again.result.signature, other_sig);

    // Another key, and the same key with other annotations: appended, never replacing.
    let by_b = keybased::sign(&c, &image, &b, &no_tlog()).await.unwrap();
    assert!(!by_b.already_signed);
    let mut ann = BTreeMap::new();
    ann.insert("k".to_string(), "v".to_string());
    keybased::sign(
        &c,
        &image,
        &a,
        &SignOptions {
            annotations: ann,
            ..no_tlog()
        },
    )
    .await
    .unwrap();
    let m = sig_manifest(&c, &first.image).await;
    assert_eq!(m["layers"].as_array().unwrap().len(), 3);
    assert_eq!(
        m["layers"][0]["annotations"][SIGNATURE_ANNOTATION],
        other_sig
    );

    // Each key verifies its own signatures; the others are reported as rejected.
    let v = keybased::verify(&c, &image, &a.public_key(), &VerifyOptions::default())
        .await
        .unwrap();
    assert_eq!(v.signatures.len(), 2);
    assert_eq!(v.rejected.len(), 1);
    assert!(matches!(v.rejected[0], Rejection::SignatureInvalid { .. }));
    let v = keybased::verify(&c, &image, &b.public_key(), &VerifyOptions::default())
        .await
        .unwrap();
    assert_eq!(v.signatures.len(), 1);
    assert_eq!(v.to_result().signer, b.public_key().fingerprint());
    assert!(v.to_result().valid);
}

/// The same ECDSA signature with s replaced by n − s (also valid: P-256 ECDSA
/// verification accepts both, as Go's does), DER re-encoded.
fn reencode_high_s(der: &[u8]) -> Vec<u8> {
    let sig = p256::ecdsa::Signature::from_der(der).unwrap();
    let (r, s) = sig.split_scalars();
    let neg_s = -*s;
    let flipped = p256::ecdsa::Signature::from_scalars(r.to_bytes(), neg_s.to_bytes()).unwrap();
    flipped.to_der().as_bytes().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_key_is_rejected() {
    let (_reg, image) = registry_with_app();
    let c = client();
    keybased::sign(&c, &image, &key(), &no_tlog())
        .await
        .unwrap();
    let err = keybased::verify(&c, &image, &key().public_key(), &VerifyOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind().exit_code(), 1);
    let r = rejections(err);
    assert!(
        matches!(r[..], [Rejection::SignatureInvalid { .. }]),
        "{r:?}"
    );

    // Through the CLI: exit 1 and the reason.
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.pub");
    std::fs::write(&other, key().public_key().to_pem()).unwrap();
    let out = sc(
        &[
            "image",
            "verify",
            &image.to_string(),
            "--key",
            other.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("signature does not verify with the key"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_payload_is_rejected() {
    let (reg, image) = registry_with_app();
    let c = client();
    let k = key();
    let out = keybased::sign(&c, &image, &k, &no_tlog()).await.unwrap();
    let layer = Digest::sha256_of(&out.payload);
    let path = stored_blob(&reg.store_dir(), &layer);
    let good = std::fs::read(&path).unwrap();
    assert_eq!(good, out.payload);

    // Same length, other digest: the registry now serves a payload naming another image.
    let other = fixture_digest()
        .to_string()
        .replace(&fixture_digest().hex()[..4], "0000");
    let bad = String::from_utf8(good.clone())
        .unwrap()
        .replace(&fixture_digest().to_string(), &other);
    assert_eq!(bad.len(), good.len());
    std::fs::write(&path, bad).unwrap();
    let r = rejections(
        keybased::verify(&c, &image, &k.public_key(), &VerifyOptions::default())
            .await
            .unwrap_err(),
    );
    match &r[..] {
        [Rejection::PayloadTampered { layer: l, detail }] => {
            assert_eq!(l, &layer);
            assert!(detail.contains("mismatch"), "{detail}");
        }
        other => panic!("{other:?}"),
    }

    // A payload altered together with the manifest's layer digest (so the blob check
    // passes) fails the signature check instead.
    std::fs::write(&path, &good).unwrap();
    let forged = String::from_utf8(good)
        .unwrap()
        .replace(r#""optional":null"#, r#""optional":{"approved":"yes"}"#);
    let forged_digest = c
        .push_blob(&out.image, forged.clone().into_bytes())
        .await
        .unwrap();
    let mut m = sig_manifest(&c, &out.image).await;
    m["layers"][0]["digest"] = forged_digest.to_string().into();
    m["layers"][0]["size"] = forged.len().into();
    push_sig_manifest(&c, &out.image, &m).await;
    let r = rejections(
        keybased::verify(&c, &image, &k.public_key(), &VerifyOptions::default())
            .await
            .unwrap_err(),
    );
    assert!(
        matches!(r[..], [Rejection::SignatureInvalid { .. }]),
        "{r:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signature_for_another_digest_or_repository_is_rejected() {
    let (_reg, image) = registry_with_app();
    let c = client();
    let k = key();
    let a = keybased::sign(&c, &image, &k, &no_tlog()).await.unwrap();

    // Image B: the same content with one manifest annotation more (another digest).
    let (bytes, _, _) = c.fetch_manifest(&a.image).await.unwrap();
    let mut mb: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    mb["annotations"] = serde_json::json!({"variant": "b"});
    let b_bytes = serde_json::to_vec(&mb).unwrap();
    let b_tag = image.with_tag("b").unwrap();
    let b_digest = c.push_manifest(&b_tag, b_bytes, MANIFEST).await.unwrap();
    assert_ne!(Some(&b_digest), a.image.digest.as_ref());

    // A's signature manifest copied to B's signature tag.
    let m = sig_manifest(&c, &a.image).await;
    push_sig_manifest(&c, &b_tag.with_digest(b_digest.clone()), &m).await;
    let err = keybased::verify(&c, &b_tag, &k.public_key(), &VerifyOptions::default())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("signature is for another image"),
        "{err}"
    );
    match &rejections(err)[..] {
        [Rejection::DigestMismatch { signed, image, .. }] => {
            assert_eq!(signed, &fixture_digest().to_string());
            assert_eq!(image, &b_digest);
        }
        other => panic!("{other:?}"),
    }
    let out = sc(
        &[
            "image",
            "verify",
            &b_tag.to_string(),
            "--key",
            &write_pub(&k),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("signature is for another image"),
        "{}",
        stderr(&out)
    );

    // The same image and signature copied to another repository: the payload names
    // the first one. Refused by default; accepted when the caller opts out (cosign's rule).
    let other_repo: ImageReference = format!("{}/sc/copy:v1", image.registry).parse().unwrap();
    for d in [&m["config"], &m["layers"][0]] {
        let desc: sc::source::model::Descriptor = serde_json::from_value(d.clone()).unwrap();
        let blob = c.fetch_blob(&a.image, &desc, 4096).await.unwrap();
        c.push_blob(&other_repo, blob).await.unwrap();
    }
    // The image itself: copied with skopeo (an independent client).
    support_copy(&image, &other_repo);
    push_sig_manifest(&c, &other_repo.with_digest(fixture_digest()), &m).await;
    let err = keybased::verify(&c, &other_repo, &k.public_key(), &VerifyOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(
        rejections(err)[..],
        [Rejection::ReferenceMismatch { .. }]
    ));
    let lax = VerifyOptions {
        require_docker_reference: false,
        ..VerifyOptions::default()
    };
    keybased::verify(&c, &other_repo, &k.public_key(), &lax)
        .await
        .unwrap();
}

fn support_copy(from: &ImageReference, to: &ImageReference) {
    let out = Command::new("skopeo")
        .args([
            "copy",
            "-q",
            "--insecure-policy",
            "--preserve-digests",
            "--src-tls-verify=false",
            "--dest-tls-verify=false",
        ])
        .arg(format!("docker://{from}"))
        .arg(format!("docker://{to}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write_pub(k: &SigningKey) -> String {
    let path = std::env::temp_dir().join(format!(
        "sc-test-{}-{}.pub",
        std::process::id(),
        &k.public_key().fingerprint()[7..19]
    ));
    std::fs::write(&path, k.public_key().to_pem()).unwrap();
    path.to_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_signature_annotation_is_rejected() {
    let (_reg, image) = registry_with_app();
    let c = client();
    let k = key();
    let a = keybased::sign(&c, &image, &k, &no_tlog()).await.unwrap();
    let original = sig_manifest(&c, &a.image).await;

    // A valid signature, but of other bytes.
    use base64::Engine;
    let foreign = base64::engine::general_purpose::STANDARD.encode(k.sign(b"something else"));
    // A signature with one byte changed.
    let mut raw = base64::engine::general_purpose::STANDARD
        .decode(&a.result.signature)
        .unwrap();
    let n = raw.len();
    raw[n - 3] ^= 0x01;
    let flipped = base64::engine::general_purpose::STANDARD.encode(raw);
    for bad in [foreign, flipped] {
        let mut m = original.clone();
        m["layers"][0]["annotations"][SIGNATURE_ANNOTATION] = bad.into();
        push_sig_manifest(&c, &a.image, &m).await;
        let r = rejections(
            keybased::verify(&c, &image, &k.public_key(), &VerifyOptions::default())
                .await
                .unwrap_err(),
        );
        assert!(
            matches!(r[..], [Rejection::SignatureInvalid { .. }]),
            "{r:?}"
        );
    }
    let mut m = original.clone();
    m["layers"][0]["annotations"][SIGNATURE_ANNOTATION] = "not base64!".into();
    push_sig_manifest(&c, &a.image, &m).await;
    let r = rejections(
        keybased::verify(&c, &image, &k.public_key(), &VerifyOptions::default())
            .await
            .unwrap_err(),
    );
    assert!(
        matches!(r[..], [Rejection::SignatureEncoding { .. }]),
        "{r:?}"
    );
    let mut m = original.clone();
    m["layers"][0]["annotations"] = serde_json::json!({});
    push_sig_manifest(&c, &a.image, &m).await;
    let r = rejections(
        keybased::verify(&c, &image, &k.public_key(), &VerifyOptions::default())
            .await
            .unwrap_err(),
    );
    assert!(
        matches!(r[..], [Rejection::MissingSignature { .. }]),
        "{r:?}"
    );

    // A signed payload that is not a cosign payload (signed by the key, but malformed).
    let junk = br#"{"critical":{"type":"something else"},"optional":null}"#.to_vec();
    let jd = c.push_blob(&a.image, junk.clone()).await.unwrap();
    let mut m = original.clone();
    m["layers"][0]["digest"] = jd.to_string().into();
    m["layers"][0]["size"] = junk.len().into();
    m["layers"][0]["annotations"][SIGNATURE_ANNOTATION] = base64::engine::general_purpose::STANDARD
        .encode(k.sign(&junk))
        .into();
    push_sig_manifest(&c, &a.image, &m).await;
    let r = rejections(
        keybased::verify(&c, &image, &k.public_key(), &VerifyOptions::default())
            .await
            .unwrap_err(),
    );
    assert!(
        matches!(r[..], [Rejection::PayloadMalformed { .. }]),
        "{r:?}"
    );

    // The original manifest verifies again.
    push_sig_manifest(&c, &a.image, &original).await;
    keybased::verify(&c, &image, &k.public_key(), &VerifyOptions::default())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_image_has_no_signatures() {
    let (_reg, image) = registry_with_app();
    let c = client();
    let k = key();
    let err = keybased::verify(&c, &image, &k.public_key(), &VerifyOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, VerifyError::NoSignatures { .. }), "{err}");
    assert_eq!(err.kind().exit_code(), 1);
    let out = sc(
        &[
            "image",
            "verify",
            &image.to_string(),
            "--key",
            &write_pub(&k),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no signatures found"),
        "{}",
        stderr(&out)
    );

    // A missing image is an operational error (exit 3), not a verification verdict.
    let missing = image.with_tag("nope").unwrap();
    let out = sc(
        &[
            "image",
            "verify",
            &missing.to_string(),
            "--key",
            &write_pub(&k),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_serving_another_manifest_for_the_digest_is_caught() {
    let (reg, image) = registry_with_app();
    let c = client();
    let k = key();
    let signed = keybased::sign(&c, &image, &k, &no_tlog()).await.unwrap();
    let digest = fixture_digest();

    // The registry's stored manifest for the signed digest is swapped for other bytes.
    let path = stored_blob(&reg.store_dir(), &digest);
    let good = std::fs::read(&path).unwrap();
    let mut evil: serde_json::Value = serde_json::from_slice(&good).unwrap();
    evil["annotations"] = serde_json::json!({"evil": "yes"});
    std::fs::write(&path, serde_json::to_vec(&evil).unwrap()).unwrap();

    // By digest: the bytes do not hash to the digest.
    let err = keybased::verify(
        &c,
        &signed.image,
        &k.public_key(),
        &VerifyOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, VerifyError::ManifestMismatch { .. }), "{err}");
    assert_eq!(err.kind().exit_code(), 1);
    // By tag: the signature for the digest the registry claims is never applied to
    // bytes with another digest.
    let err = keybased::verify(&c, &image, &k.public_key(), &VerifyOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, VerifyError::ManifestMismatch { .. }), "{err}");
    assert_eq!(err.kind().exit_code(), 1, "{err}");
    let out = sc(
        &[
            "image",
            "verify",
            &image.to_string(),
            "--key",
            &write_pub(&k),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the registry served a manifest that does not match the digest"),
        "{}",
        stderr(&out)
    );
    // And signing refuses to sign bytes it cannot pin.
    let err = keybased::sign(&c, &signed.image, &k, &no_tlog())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("mismatch"), "{err}");

    std::fs::write(&path, good).unwrap();
    keybased::verify(&c, &image, &k.public_key(), &VerifyOptions::default())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trips_and_verify_latency() {
    let (_reg, image) = registry_with_app();
    let c = client();
    let k = key();
    let s = keybased::sign(&c, &image, &k, &no_tlog()).await.unwrap();
    // manifest GET, .sig GET (404), payload HEAD + upload (2), config HEAD + upload
    // (2), manifest PUT.
    eprintln!("sign: {} registry operations", s.registry_operations);
    assert!(s.registry_operations <= 7, "{}", s.registry_operations);
    let again = keybased::sign(&c, &image, &k, &no_tlog()).await.unwrap();
    eprintln!(
        "re-sign (duplicate): {} registry operations",
        again.registry_operations
    );
    assert_eq!(again.registry_operations, 2);

    // Warm connection, then time one verification of one signature.
    keybased::verify(&c, &image, &k.public_key(), &VerifyOptions::default())
        .await
        .unwrap();
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let v = keybased::verify(&c, &image, &k.public_key(), &VerifyOptions::default())
            .await
            .unwrap();
        best = best.min(t.elapsed());
        // manifest GET, .sig GET, payload GET.
        assert_eq!(v.registry_operations, 3);
    }
    eprintln!("verify (1 signature, loopback, warm client): {best:?}");
    // The issue's budget: under 50 ms against a loopback registry (best of 5, so a
    // busy CI machine does not fail it on one slow run).
    assert!(best < Duration::from_millis(50), "{best:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn library_keys_round_trip_through_files() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("lib");
    let pw = Password::new("pw");
    let pair = keys::generate_key_pair(&pw, KdfParams::STANDARD).unwrap();
    let (kf, pf) = keys::write_key_pair(&pair, prefix.to_str().unwrap(), false).unwrap();
    let k = SigningKey::from_file(&kf, || Ok(pw.clone())).unwrap();
    let p = PublicKey::from_file(&pf).unwrap();
    assert_eq!(k.public_key(), p);
    assert!(SigningKey::from_file(&kf, || Ok(Password::new("nope"))).is_err());
    assert!(PublicKey::from_file(&kf).is_err());
}

// ---------------------------------------------------------------------------------
// Independent verifiers.

/// sigstore-rs (the `sigstore` crate's cosign client) finds and verifies our
/// signatures in the registry, and refuses them for another key; it also reads the
/// encrypted key file `sc generate-key-pair` writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigstore_rs_verifies_our_signatures_and_reads_our_keys() {
    use sigstore::cosign::verification_constraint::{PublicKeyVerifier, VerificationConstraintVec};
    use sigstore::cosign::{ClientBuilder, CosignCapabilities};
    use sigstore::crypto::SigningScheme;
    use sigstore::registry::{Auth, ClientConfig, ClientProtocol, OciReference};

    let (reg, image) = registry_with_app();
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("cosign");
    let pw = [("COSIGN_PASSWORD", "interop")];
    let out = sc(
        &[
            "generate-key-pair",
            "--output-key-prefix",
            prefix.to_str().unwrap(),
        ],
        &pw,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let key_pem = std::fs::read(dir.path().join("cosign.key")).unwrap();
    let pub_pem = std::fs::read(dir.path().join("cosign.pub")).unwrap();

    // sigstore-rs decrypts our cosign.key and finds the same public key.
    let kp =
        sigstore::crypto::signing_key::SigStoreKeyPair::from_encrypted_pem(&key_pem, b"interop")
            .expect("sigstore-rs reads sc's encrypted key");
    // (sigstore-rs writes CRLF line endings.)
    assert_eq!(
        kp.public_key_to_pem()
            .unwrap()
            .replace("\r\n", "\n")
            .as_bytes(),
        &pub_pem[..]
    );
    assert!(
        sigstore::crypto::signing_key::SigStoreKeyPair::from_encrypted_pem(&key_pem, b"nope")
            .is_err()
    );

    let out = sc(
        &[
            "image",
            "sign",
            &image.to_string(),
            "--key",
            dir.path().join("cosign.key").to_str().unwrap(),
            "--tlog-upload=false",
        ],
        &pw,
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let mut client = ClientBuilder::default()
        .with_oci_client_config(ClientConfig {
            protocol: ClientProtocol::Http,
            ..ClientConfig::default()
        })
        .build()
        .unwrap();
    let oci: OciReference = format!("{}/sc/app:v1", reg.addr).parse().unwrap();
    let layers = client
        .trusted_signature_layers(&Auth::Anonymous, &oci)
        .await
        .unwrap();
    assert_eq!(layers.len(), 1, "sigstore-rs found our signature layer");
    let ok: VerificationConstraintVec = vec![Box::new(
        PublicKeyVerifier::new(&pub_pem, &SigningScheme::default()).unwrap(),
    )];
    sigstore::cosign::verify_constraints(&layers, ok.iter())
        .expect("sigstore-rs verifies sc's signature");
    let other = key().public_key().to_pem();
    let bad: VerificationConstraintVec = vec![Box::new(
        PublicKeyVerifier::new(other.as_bytes(), &SigningScheme::default()).unwrap(),
    )];
    assert!(sigstore::cosign::verify_constraints(&layers, bad.iter()).is_err());
}

/// Build the Go interop helper (GOPATH mode, Debian's golang.org/x/crypto).
fn go_helper() -> (tempfile::TempDir, PathBuf) {
    support::require_tool("go");
    let gopath = Path::new("/usr/share/gocode");
    assert!(
        gopath.join("src/golang.org/x/crypto/nacl/secretbox").is_dir(),
        "golang.org/x/crypto is not installed: run scripts/install-test-deps.sh (golang-golang-x-crypto-dev)"
    );
    let out_dir = tempfile::Builder::new().prefix("sc-go").tempdir().unwrap();
    let bin = out_dir.path().join("cosignkeys");
    let out = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(repo_path("tests/interop/cosignkeys/main.go"))
        .env("GO111MODULE", "off")
        .env("GOPATH", gopath)
        .env("GOCACHE", out_dir.path().join("cache"))
        .env("GOFLAGS", "")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "go build: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out_dir, bin)
}

fn go(bin: &Path, args: &[&str], password: &str) -> std::process::Output {
    Command::new(bin)
        .args(args)
        .env("COSIGN_PASSWORD", password)
        .output()
        .unwrap()
}

/// Keys and signatures cross between sc and Go's implementation of cosign's formats
/// (x/crypto scrypt + secretbox, crypto/x509 PKCS#8/PKIX, crypto/ecdsa ASN.1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_cosign_format_interop() {
    let (_go_dir, bin) = go_helper();
    let dir = tempfile::tempdir().unwrap();

    // sc's key pair: Go decrypts cosign.key (as cosign's LoadPrivateKey does) and
    // derives the public key sc wrote to cosign.pub.
    let sc_prefix = dir.path().join("sc");
    let out = sc(
        &[
            "generate-key-pair",
            "--output-key-prefix",
            sc_prefix.to_str().unwrap(),
        ],
        &[("COSIGN_PASSWORD", "from-sc")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let sc_key = dir.path().join("sc.key");
    let g = go(&bin, &["public", sc_key.to_str().unwrap()], "from-sc");
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
    assert_eq!(g.stdout, std::fs::read(dir.path().join("sc.pub")).unwrap());
    assert!(!go(&bin, &["public", sc_key.to_str().unwrap()], "wrong")
        .status
        .success());
    // An empty password, as cosign allows.
    let empty_prefix = dir.path().join("empty");
    let out = sc(
        &[
            "generate-key-pair",
            "--output-key-prefix",
            empty_prefix.to_str().unwrap(),
        ],
        &[("COSIGN_PASSWORD", "")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let g = go(
        &bin,
        &["public", dir.path().join("empty.key").to_str().unwrap()],
        "",
    );
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));

    // Go's key pair: sc reads it and signs with it; the Go-written public key verifies.
    let go_prefix = dir.path().join("go");
    let g = go(&bin, &["generate", go_prefix.to_str().unwrap()], "from-go");
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
    let go_key =
        SigningKey::from_file(&dir.path().join("go.key"), || Ok(Password::new("from-go"))).unwrap();
    let go_pub = PublicKey::from_file(&dir.path().join("go.pub")).unwrap();
    assert_eq!(go_key.public_key(), go_pub);

    // Signatures over a real payload, both ways, and in the registry.
    let (_reg, image) = registry_with_app();
    let c = client();
    let signed = keybased::sign(&c, &image, &go_key, &no_tlog())
        .await
        .unwrap();
    let payload_file = dir.path().join("payload.json");
    std::fs::write(&payload_file, &signed.payload).unwrap();
    let g = go(
        &bin,
        &[
            "verify",
            dir.path().join("go.pub").to_str().unwrap(),
            payload_file.to_str().unwrap(),
            &signed.result.signature,
        ],
        "",
    );
    assert!(
        g.status.success(),
        "Go rejects sc's signature: {}",
        String::from_utf8_lossy(&g.stderr)
    );

    // A signature Go made (randomized, like cosign's) over the same payload, stored as
    // cosign would store it: sc verifies it, and counts it as a duplicate when re-signing.
    let g = go(
        &bin,
        &[
            "sign",
            dir.path().join("go.key").to_str().unwrap(),
            payload_file.to_str().unwrap(),
        ],
        "from-go",
    );
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
    let go_sig = String::from_utf8(g.stdout).unwrap().trim().to_string();
    assert_ne!(go_sig, signed.result.signature);
    let mut m = sig_manifest(&c, &signed.image).await;
    m["layers"][0]["annotations"][SIGNATURE_ANNOTATION] = go_sig.clone().into();
    push_sig_manifest(&c, &signed.image, &m).await;
    let v = keybased::verify(&c, &image, &go_pub, &VerifyOptions::default())
        .await
        .unwrap();
    assert_eq!(v.signatures[0].signature, go_sig);
    let again = keybased::sign(&c, &image, &go_key, &no_tlog())
        .await
        .unwrap();
    assert!(again.already_signed);
    let parsed = SimpleSigning::parse(&v.signatures[0].payload_bytes).unwrap();
    assert_eq!(
        parsed.critical.identity.docker_reference,
        cosign_fmt::docker_reference(&image)
    );
}

/// Without COSIGN_PASSWORD and without a terminal, no key is written and nothing
/// is read from standard input: the error says how to give the password.
#[test]
fn no_password_and_no_terminal_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("cosign");
    // setsid: a new session has no controlling terminal, so /dev/tty cannot be opened.
    let out = Command::new("setsid")
        .arg("-w")
        .arg(env!("CARGO_BIN_EXE_sc"))
        .args(["generate-key-pair", "--output-key-prefix"])
        .arg(&prefix)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("set COSIGN_PASSWORD"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("cosign.key").exists());
    assert!(!dir.path().join("cosign.pub").exists());
}

/// cosign's OCI 1.1 mode stores the signature manifest as a referrer of the image
/// (artifactType application/vnd.dev.cosign.artifact.sig.v1+json) instead of under
/// the `.sig` tag. Distribution 2.8 has no referrers API, so the referrer is listed
/// in the referrers tag schema index, which is what clients maintain there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signatures_stored_as_oci_referrers_are_verified() {
    use base64::Engine;
    let (_reg, image) = registry_with_app();
    let c = client();
    let k = key();
    let pinned = image.with_digest(fixture_digest());
    let payload = SimpleSigning::new(&pinned, &BTreeMap::new()).to_bytes();
    let sig = base64::engine::general_purpose::STANDARD.encode(k.sign(&payload));
    let layer = cosign_fmt::signature_layer(&payload, &sig, None);
    let m = cosign_fmt::signature_manifest(&[layer]);
    c.push_blob(&pinned, payload).await.unwrap();
    c.push_blob(&pinned, m.config).await.unwrap();
    let (subject_bytes, _, _) = c.fetch_manifest(&pinned).await.unwrap();
    let mut manifest: serde_json::Value = serde_json::from_slice(&m.manifest).unwrap();
    manifest["artifactType"] = cosign_fmt::SIGNATURE_ARTIFACT_TYPE.into();
    manifest["subject"] = serde_json::json!({
        "mediaType": MANIFEST, "digest": fixture_digest().to_string(), "size": subject_bytes.len()
    });
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let d = c
        .push_manifest(
            &pinned.with_digest(Digest::sha256_of(&bytes)),
            bytes.clone(),
            MANIFEST,
        )
        .await
        .unwrap();
    let index = serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": MANIFEST, "digest": d.to_string(), "size": bytes.len(),
                       "artifactType": cosign_fmt::SIGNATURE_ARTIFACT_TYPE}]
    });
    c.push_manifest(
        &image.with_tag(&fixture_digest().tag_form()).unwrap(),
        serde_json::to_vec(&index).unwrap(),
        "application/vnd.oci.image.index.v1+json",
    )
    .await
    .unwrap();

    assert!(c.cosign_manifest(&pinned, "sig").await.unwrap().is_none());
    let v = keybased::verify(&c, &image, &k.public_key(), &VerifyOptions::default())
        .await
        .unwrap();
    assert_eq!(v.signatures.len(), 1);
    assert_eq!(v.signatures[0].signature, sig);
    let err = keybased::verify(&c, &image, &key().public_key(), &VerifyOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(
        rejections(err)[..],
        [Rejection::SignatureInvalid { .. }]
    ));
}
