//! Attestations against a real registry (distribution 2.8 on loopback) with real
//! crypto: SBOM and SLSA provenance attestations signed with a cosign key and
//! keylessly (the loopback Fulcio/Rekor mock), stored in cosign's `.att` layout and
//! as Sigstore bundle referrers, and verified from both; one test per way
//! verification must fail.
//!
//! Independent checks: sigstore-python verifies the DSSE bundles we store
//! (`sigstore verify identity --offline` with the mock's trust config); the
//! statements pass the official in-toto-attestation bindings' validation and the
//! SLSA v1 predicate parses strictly into the official provenance proto; SBOM
//! predicates validate against CycloneDX 1.6 (cyclonedx-python-lib) and SPDX 2.3
//! (official schema). See tests/interop/attest_validate.py.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sc::attest::dsse::Envelope;
use sc::attest::oci::{
    self, ATTESTATION_TAG_SUFFIX, BUNDLE_V03_MEDIA_TYPE, DSSE_LAYER_MEDIA_TYPE,
    PREDICATE_TYPE_ANNOTATION,
};
use sc::attest::statement::{self, PredicateType, Statement};
use sc::attest::{self, Rejection, VerifyError, VerifyOptions};
use sc::config::SbomFormat;
use sc::digest::Digest;
use sc::reference::ImageReference;
use sc::registry::{cosign_tag, RegistryClient};
use sc::signing::bundle::Matcher;
use sc::signing::cosign as cosign_fmt;
use sc::signing::image::{ImagePolicy, ImageSigner};
use sc::signing::keys::{self, KdfParams, Password, SigningKey};
use sc::source::model::Descriptor;
use support::sigstore::{IDENTITY, ISSUER};
use support::{client, fixture_oci, registry_with_app, repo_path, sc, stderr, stdout};

const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const PASSWORD: &str = "attest-test";

/// Attestations signed with the private key of `key` (no log entry required).
fn key_policy(key: sc::signing::keys::PublicKey) -> ImagePolicy {
    ImagePolicy::key(key, None, Default::default()).unwrap()
}

/// Keyless attestations by the mock's identity, against `root`.
fn identity_policy(root: &sc::signing::trust::TrustedRoot) -> ImagePolicy {
    ImagePolicy::identity(
        Matcher::Exact(IDENTITY.into()),
        Matcher::Exact(ISSUER.into()),
        root,
        Default::default(),
    )
    .unwrap()
}

/// A cosign key pair in `dir` (cosign.key, cosign.pub).
fn key_pair(dir: &Path) -> (PathBuf, PathBuf, SigningKey) {
    let pw = Password::new(PASSWORD);
    let pair = keys::generate_key_pair(&pw, KdfParams::LEGACY).unwrap();
    let k = dir.join("cosign.key");
    let p = dir.join("cosign.pub");
    std::fs::write(&k, pair.private_pem.as_bytes()).unwrap();
    std::fs::write(&p, pair.public_pem.as_bytes()).unwrap();
    let key = SigningKey::from_pem(pair.private_pem.as_bytes(), || Ok(pw.clone())).unwrap();
    (k, p, key)
}

fn describe(out: &Output) -> String {
    format!(
        "{}\nstdout: {}\nstderr: {}",
        out.status,
        stdout(out),
        stderr(out)
    )
}

async fn pin(c: &RegistryClient, image: &ImageReference) -> (ImageReference, Vec<u8>) {
    let (bytes, digest, _) = c.fetch_manifest(image).await.unwrap();
    (image.with_digest(digest), bytes)
}

async fn att_layers(c: &RegistryClient, image: &ImageReference) -> Vec<Descriptor> {
    let (bytes, _) = c
        .cosign_manifest(image, ATTESTATION_TAG_SUFFIX)
        .await
        .unwrap()
        .expect(".att manifest");
    cosign_fmt::parse_signature_manifest(&bytes).unwrap().layers
}

// ---------------------------------------------------------------------------
// Independent validators (tests/interop/attest_validate.py)

/// The Python with in-toto-attestation, jsonschema and lib4sbom (install-test-deps.sh).
fn intoto_python() -> Option<PathBuf> {
    let p = std::env::var_os("SC_INTOTO_PYTHON")
        .map(PathBuf::from)
        .or_else(|| Some(repo_path(".cache/in-toto-attestation/bin/python")))
        .filter(|p| p.exists());
    if p.is_none() && std::env::var("SC_REQUIRE_SCHEMA_VALIDATION").as_deref() == Ok("1") {
        panic!("SC_INTOTO_PYTHON is not set: scripts/install-test-deps.sh installs in-toto-attestation");
    }
    p
}

/// Validate `bytes` as `kind` (statement, spdx: the in-toto venv; cyclonedx: python3
/// with cyclonedx-python-lib). Prints SKIPPED when the validator is not installed.
fn validate(kind: &str, bytes: &[u8]) {
    let python = match kind {
        "cyclonedx" => {
            let ok = Command::new("python3")
                .args(["-c", "import cyclonedx.validation.json"])
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                assert!(
                    std::env::var("SC_REQUIRE_SCHEMA_VALIDATION").as_deref() != Ok("1"),
                    "cyclonedx-python-lib is not installed (scripts/install-test-deps.sh)"
                );
                eprintln!("SKIPPED: cyclonedx-python-lib is not installed");
                return;
            }
            PathBuf::from("python3")
        }
        _ => {
            match intoto_python() {
                Some(p) => p,
                None => {
                    eprintln!("SKIPPED: in-toto-attestation is not installed (scripts/install-test-deps.sh)");
                    return;
                }
            }
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.json");
    std::fs::write(&file, bytes).unwrap();
    let out = Command::new(python)
        .arg(repo_path("tests/interop/attest_validate.py"))
        .arg(kind)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{kind} validation: {}",
        describe(&out)
    );
}

/// Read and verify the `.att` image with tests/interop/cosign_att_verify.py
/// (securesystemslib's DSSE over plain registry HTTP); its output, or `None` when
/// the validator is not installed.
fn independent_att_verify(registry: &str, pinned: &ImageReference, public: &str) -> Option<Output> {
    let Some(python) = intoto_python() else {
        eprintln!("SKIPPED: securesystemslib is not installed (scripts/install-test-deps.sh)");
        return None;
    };
    Some(
        Command::new(python)
            .arg(repo_path("tests/interop/cosign_att_verify.py"))
            .args([
                registry,
                &pinned.repository,
                &pinned.digest.as_ref().unwrap().to_string(),
                public,
            ])
            .output()
            .unwrap(),
    )
}

// ---------------------------------------------------------------------------

/// `sc sbom attach|verify` and `sc image verify-attestation` with a cosign key: the
/// `.att` layout, appending, no duplicates, independent validation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_based_sbom_attestations_round_trip() {
    let (_reg, image) = registry_with_app();
    let dir = tempfile::tempdir().unwrap();
    let (key, public, _) = key_pair(dir.path());
    let (key, public) = (key.to_str().unwrap(), public.to_str().unwrap());
    let img = image.to_string();
    let env = [("COSIGN_PASSWORD", PASSWORD)];

    // Generated on the fly (CycloneDX).
    let out = sc(
        &[
            "sbom",
            "attach",
            &img,
            "--key",
            key,
            "--tlog-upload=false",
            "-q",
        ],
        &env,
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert!(stderr(&out).contains("Attached SBOM attestation (https://cyclonedx.org/bom)"));

    let c = client();
    let (pinned, _) = pin(&c, &image).await;
    let layers = att_layers(&c, &pinned).await;
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0].media_type, DSSE_LAYER_MEDIA_TYPE);
    assert_eq!(
        layers[0].annotation(PREDICATE_TYPE_ANNOTATION),
        Some(statement::CYCLONEDX_PREDICATE)
    );
    assert_eq!(
        layers[0].annotation(cosign_fmt::SIGNATURE_ANNOTATION),
        Some("")
    );
    let envelope = c.fetch_blob(&pinned, &layers[0], 1 << 30).await.unwrap();
    let v: serde_json::Value = serde_json::from_slice(&envelope).unwrap();
    assert_eq!(v["payloadType"], statement::PAYLOAD_TYPE);
    assert_eq!(v["signatures"][0]["keyid"], "");
    let st_bytes = Envelope::parse(&envelope).unwrap().payload_bytes().unwrap();
    let st = Statement::parse(&st_bytes).unwrap();
    assert_eq!(st.statement_type, statement::STATEMENT_TYPE_V1);
    assert!(st.names_digest(pinned.digest.as_ref().unwrap()));
    assert_eq!(
        st.subject[0].name.as_deref(),
        Some(format!("{}/sc/app", image.registry).as_str())
    );
    validate("statement", &st_bytes);
    validate("cyclonedx", &serde_json::to_vec(&st.predicate).unwrap());

    // Verify and write the SBOM.
    let sbom_out = dir.path().join("verified.cdx.json");
    let out = sc(
        &[
            "sbom",
            "verify",
            &img,
            "--key",
            public,
            "--output",
            sbom_out.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sbom_out).unwrap()).unwrap();
    assert_eq!(written, st.predicate);
    assert_eq!(written["bomFormat"], "CycloneDX");

    // A second attestation (SPDX from a file) keeps the first.
    let spdx_file = dir.path().join("sbom.spdx.json");
    let out = sc(
        &[
            "sbom",
            "generate",
            &img,
            "--format",
            "spdx-json",
            "-o",
            spdx_file.to_str().unwrap(),
            "-q",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let spdx_args = [
        "sbom",
        "attach",
        &img,
        "--sbom",
        spdx_file.to_str().unwrap(),
        "--type",
        "spdxjson",
        "--key",
        key,
        "--tlog-upload=false",
    ];
    let out = sc(&spdx_args, &env);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(att_layers(&c, &pinned).await.len(), 2);
    // The identical statement again: nothing pushed.
    let out = sc(&spdx_args, &env);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        stderr(&out).contains("nothing pushed"),
        "{}",
        describe(&out)
    );
    let layers = att_layers(&c, &pinned).await;
    assert_eq!(layers.len(), 2);
    assert_eq!(
        layers[1].annotation(PREDICATE_TYPE_ANNOTATION),
        Some(statement::SPDX_PREDICATE)
    );
    let spdx_out = dir.path().join("verified.spdx.json");
    let out = sc(
        &[
            "sbom",
            "verify",
            &img,
            "--type",
            "spdxjson",
            "--key",
            public,
            "-o",
            spdx_out.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let spdx_doc = std::fs::read(&spdx_out).unwrap();
    let original: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&spdx_file).unwrap()).unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&spdx_doc).unwrap(),
        original
    );
    validate("spdx", &spdx_doc);

    // Independently: securesystemslib verifies both envelopes read over plain HTTP,
    // and refuses another key.
    if let Some(out) = independent_att_verify(&image.registry, &pinned, public) {
        assert!(out.status.success(), "{}", describe(&out));
        let types: Vec<String> = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(
            types,
            [statement::CYCLONEDX_PREDICATE, statement::SPDX_PREDICATE]
        );
        let other = dir.path().join("other.pub");
        std::fs::write(
            &other,
            SigningKey::generate().unwrap().public_key().to_pem(),
        )
        .unwrap();
        let out =
            independent_att_verify(&image.registry, &pinned, other.to_str().unwrap()).unwrap();
        assert!(
            !out.status.success(),
            "securesystemslib accepted another key"
        );
    }

    // The general verifier: both statements as JSON; an admission policy.
    let out = sc(
        &[
            "image",
            "verify-attestation",
            &img,
            "--key",
            public,
            "--json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let list: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    let mut types: Vec<&str> = list
        .iter()
        .map(|a| a["predicateType"].as_str().unwrap())
        .collect();
    types.sort();
    assert_eq!(
        types,
        [statement::CYCLONEDX_PREDICATE, statement::SPDX_PREDICATE]
    );
    assert_eq!(list[0]["statement"]["_type"], statement::STATEMENT_TYPE_V1);
    let out = sc(
        &[
            "image",
            "verify-attestation",
            &img,
            "--key",
            public,
            "--type",
            "spdxjson",
            "--json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(
        serde_json::from_str::<Vec<serde_json::Value>>(&stdout(&out))
            .unwrap()
            .len(),
        1
    );
    let out = sc(
        &[
            "image",
            "verify-attestation",
            &img,
            "--key",
            public,
            "--require-type",
            "cyclonedx",
            "--require-type",
            "slsaprovenance",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        stderr(&out).contains("missing: https://slsa.dev/provenance/v1"),
        "{}",
        describe(&out)
    );
    assert!(stdout(&out).is_empty());
    let out = sc(
        &[
            "image",
            "verify-attestation",
            &img,
            "--key",
            public,
            "--require-type",
            "cyclonedx",
            "--require-type",
            "spdxjson",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    // A type filter does not hide the required types.
    let out = sc(
        &[
            "image",
            "verify-attestation",
            &img,
            "--key",
            public,
            "--type",
            "cyclonedx",
            "--require-type",
            "spdxjson",
            "--json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let list: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["predicateType"], statement::CYCLONEDX_PREDICATE);

    // Key-based attestations without --tlog-upload=false are refused up front.
    let out = sc(&["sbom", "attach", &img, "--key", key], &env);
    assert_eq!(out.status.code(), Some(4), "{}", describe(&out));
    assert!(stderr(&out).contains("--tlog-upload=false"));
}

/// One refusal per way an attestation can be wrong, each with its own error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_failures_each_have_their_own_error() {
    let (reg, image) = registry_with_app();
    let c = client();
    let dir = tempfile::tempdir().unwrap();
    let (_, _, key) = key_pair(dir.path());
    let (pinned, _) = pin(&c, &image).await;
    let digest = pinned.digest.clone().unwrap();
    let policy = key_policy(key.public_key());
    let any = VerifyOptions::default();
    let tag = cosign_tag(&pinned, ATTESTATION_TAG_SUFFIX).unwrap();

    // Nothing attached.
    let err = attest::verify(&c, &image, &policy, &any).await.unwrap_err();
    assert!(matches!(err, VerifyError::NoAttestations { .. }), "{err}");

    // Replace the `.att` image with exactly these envelopes.
    let put = |envelopes: Vec<(Vec<u8>, String)>| {
        let c = c.clone();
        let pinned = pinned.clone();
        let tag = tag.clone();
        async move {
            let mut layers = Vec::new();
            for (env, ptype) in envelopes {
                layers.push(oci::attestation_layer(&env, &ptype, None));
                c.push_blob(&pinned, env).await.unwrap();
            }
            let m = cosign_fmt::signature_manifest(&layers);
            c.push_blob(&pinned, m.config).await.unwrap();
            c.push_manifest(&tag, m.manifest, MANIFEST).await.unwrap();
        }
    };
    let rejections = |e: VerifyError| match e {
        VerifyError::Rejected { rejections, .. } => rejections,
        other => panic!("expected Rejected, got {other}"),
    };
    let cdx = serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6"});
    let good = Statement::for_image(&pinned, &PredicateType::CycloneDx, cdx.clone()).unwrap();
    let sign = |s: &Statement| Envelope::sign(statement::PAYLOAD_TYPE, &s.to_bytes(), &key);

    // 1. An attestation for another digest (validly signed).
    let other = image.with_digest(Digest::sha256_of(b"another image"));
    let foreign = Statement::for_image(&other, &PredicateType::CycloneDx, cdx.clone()).unwrap();
    put(vec![(
        sign(&foreign).to_bytes(),
        statement::CYCLONEDX_PREDICATE.into(),
    )])
    .await;
    let r = rejections(attest::verify(&c, &image, &policy, &any).await.unwrap_err());
    assert!(
        matches!(&r[..], [Rejection::SubjectMismatch { image: d, .. }] if d == &digest),
        "{r:?}"
    );
    assert!(r[0]
        .to_string()
        .contains("attestation is for another image"));

    // 2. Tampered: the payload changed after signing.
    let mut tampered = sign(&good);
    let mut altered = good.clone();
    altered.predicate["specVersion"] = "1.5".into();
    tampered.payload = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(altered.to_bytes())
    };
    put(vec![(
        tampered.to_bytes(),
        statement::CYCLONEDX_PREDICATE.into(),
    )])
    .await;
    let r = rejections(attest::verify(&c, &image, &policy, &any).await.unwrap_err());
    assert!(
        matches!(&r[..], [Rejection::SignatureInvalid { .. }]),
        "{r:?}"
    );

    // 3. Unsigned.
    let mut unsigned = sign(&good);
    unsigned.signatures.clear();
    put(vec![(
        unsigned.to_bytes(),
        statement::CYCLONEDX_PREDICATE.into(),
    )])
    .await;
    let r = rejections(attest::verify(&c, &image, &policy, &any).await.unwrap_err());
    assert!(matches!(&r[..], [Rejection::Unsigned { .. }]), "{r:?}");

    // 4. Wrong key.
    let stranger = SigningKey::generate().unwrap();
    put(vec![(
        Envelope::sign(statement::PAYLOAD_TYPE, &good.to_bytes(), &stranger).to_bytes(),
        statement::CYCLONEDX_PREDICATE.into(),
    )])
    .await;
    let r = rejections(attest::verify(&c, &image, &policy, &any).await.unwrap_err());
    assert!(
        matches!(&r[..], [Rejection::SignatureInvalid { .. }]),
        "{r:?}"
    );

    // 5. The annotation claims another predicate type than the signed statement.
    put(vec![(
        sign(&good).to_bytes(),
        statement::SPDX_PREDICATE.into(),
    )])
    .await;
    let r = rejections(attest::verify(&c, &image, &policy, &any).await.unwrap_err());
    assert!(
        matches!(&r[..], [Rejection::PredicateTypeMismatch { .. }]),
        "{r:?}"
    );

    // 6. Not an envelope.
    put(vec![(
        b"not json".to_vec(),
        statement::CYCLONEDX_PREDICATE.into(),
    )])
    .await;
    let r = rejections(attest::verify(&c, &image, &policy, &any).await.unwrap_err());
    assert!(matches!(&r[..], [Rejection::Malformed { .. }]), "{r:?}");

    // 6a. Signed, but not an in-toto payload.
    put(vec![(
        Envelope::sign("text/plain", &good.to_bytes(), &key).to_bytes(),
        statement::CYCLONEDX_PREDICATE.into(),
    )])
    .await;
    let r = rejections(attest::verify(&c, &image, &policy, &any).await.unwrap_err());
    assert!(
        matches!(&r[..], [Rejection::PayloadType { found, .. }] if found == "text/plain"),
        "{r:?}"
    );

    // 6b. The registry serves other bytes than the layer's digest names.
    let envelope = sign(&good).to_bytes();
    put(vec![(
        envelope.clone(),
        statement::CYCLONEDX_PREDICATE.into(),
    )])
    .await;
    let stored = reg
        .store_dir()
        .join("docker/registry/v2/blobs/sha256")
        .join(&Digest::sha256_of(&envelope).hex()[..2])
        .join(Digest::sha256_of(&envelope).hex())
        .join("data");
    let mut corrupted = std::fs::read(&stored).unwrap();
    let at = corrupted.len() / 2;
    corrupted[at] = if corrupted[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(&stored, &corrupted).unwrap();
    let r = rejections(attest::verify(&c, &image, &policy, &any).await.unwrap_err());
    assert!(matches!(&r[..], [Rejection::Tampered { .. }]), "{r:?}");
    std::fs::write(&stored, &envelope).unwrap();

    // 7. A valid attestation, but of another type than asked for.
    put(vec![(
        sign(&good).to_bytes(),
        statement::CYCLONEDX_PREDICATE.into(),
    )])
    .await;
    let v = attest::verify(&c, &image, &policy, &any).await.unwrap();
    assert_eq!(v.attestations.len(), 1);
    let want_slsa = VerifyOptions {
        predicate_type: Some(PredicateType::SlsaProvenanceV1),
        ..Default::default()
    };
    let err = attest::verify(&c, &image, &policy, &want_slsa)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, VerifyError::WrongType { wanted, found, .. }
            if wanted == statement::SLSA_PROVENANCE_V1_PREDICATE && found == &[statement::CYCLONEDX_PREDICATE.to_string()]),
        "{err}"
    );
    // Keyless policy on a key-signed attestation: no certificate.
    let mock_free_root =
        sc::signing::trust::TrustedRoot::embedded(sc::signing::trust::SigstoreInstance::PublicGood)
            .unwrap();
    let keyless = identity_policy(&mock_free_root);
    let r = rejections(
        attest::verify(&c, &image, &keyless, &any)
            .await
            .unwrap_err(),
    );
    assert!(matches!(&r[..], [Rejection::NoCertificate { .. }]), "{r:?}");

    // A good one next to bad ones: accepted, the bad ones reported.
    put(vec![
        (unsigned.to_bytes(), statement::CYCLONEDX_PREDICATE.into()),
        (
            sign(&good).to_bytes(),
            statement::CYCLONEDX_PREDICATE.into(),
        ),
        (
            sign(&foreign).to_bytes(),
            statement::CYCLONEDX_PREDICATE.into(),
        ),
    ])
    .await;
    let v = attest::verify(&c, &image, &policy, &any).await.unwrap();
    assert_eq!(v.attestations.len(), 1);
    assert_eq!(v.rejected.len(), 2);

    // The CLI says why, exit 1.
    let pub_path = dir.path().join("cosign.pub");
    put(vec![(
        sign(&foreign).to_bytes(),
        statement::CYCLONEDX_PREDICATE.into(),
    )])
    .await;
    let out = sc(
        &[
            "sbom",
            "verify",
            &image.to_string(),
            "--key",
            pub_path.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        stderr(&out).contains("attestation is for another image"),
        "{}",
        describe(&out)
    );
    assert!(stdout(&out).is_empty());
}

/// A ~20 MB SBOM attests and verifies (library attach, CLI verify).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_sboms_attest_and_verify() {
    let (_reg, image) = registry_with_app();
    let c = client();
    let dir = tempfile::tempdir().unwrap();
    let (_, public, key) = key_pair(dir.path());
    let components: Vec<serde_json::Value> = (0..40_000)
        .map(|i| {
            serde_json::json!({
                "type": "library",
                "bom-ref": format!("pkg:generic/component-{i}@1.0.{i}"),
                "name": format!("component-{i}"),
                "version": format!("1.0.{i}"),
                "purl": format!("pkg:generic/component-{i}@1.0.{i}"),
                "description": format!("{i:08} {}", "x".repeat(400)),
            })
        })
        .collect();
    let doc = serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "components": components,
    });
    let bytes = serde_json::to_vec(&doc).unwrap();
    assert!(bytes.len() > 20_000_000, "{} bytes", bytes.len());
    let (ptype, predicate) = attest::sbom_predicate(&bytes, SbomFormat::CycloneDxJson).unwrap();
    let outcome = attest::attach(&c, &image, &ptype, predicate, &ImageSigner::key(key, None))
        .await
        .unwrap();
    assert!(!outcome.already_attached);
    let out_file = dir.path().join("big.cdx.json");
    let out = sc(
        &[
            "sbom",
            "verify",
            &image.to_string(),
            "--key",
            public.to_str().unwrap(),
            "-o",
            out_file.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let back: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    assert_eq!(back, doc);
}

/// `sc provenance attach|verify` with a key, in a (simulated) GitHub Actions run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_based_provenance_and_slsa_levels() {
    let (reg, image) = registry_with_app();
    reg.copy_in(&fixture_oci("debian-app"), "sc/base:12");
    let dir = tempfile::tempdir().unwrap();
    let (key, public, _) = key_pair(dir.path());
    let (key, public) = (key.to_str().unwrap(), public.to_str().unwrap());
    let img = image.to_string();
    let base = format!("{}/sc/base:12", reg.addr);
    let env = [
        ("COSIGN_PASSWORD", PASSWORD),
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_REPOSITORY", "org/app"),
        ("GITHUB_REF", "refs/heads/main"),
        (
            "GITHUB_WORKFLOW_REF",
            "org/app/.github/workflows/release.yml@refs/heads/main",
        ),
        ("GITHUB_RUN_ID", "77"),
        ("GITHUB_RUN_ATTEMPT", "2"),
        ("RUNNER_ENVIRONMENT", "github-hosted"),
    ];
    let sha = "89abcdef0123456789abcdef0123456789abcdef";
    let out = sc(
        &[
            "provenance",
            "attach",
            &img,
            "--key",
            key,
            "--tlog-upload=false",
            "--source-repo",
            "https://github.com/org/app",
            "--git-sha",
            sha,
            "--workflow-name",
            "release",
            "--dockerfile",
            "docker/Dockerfile",
            "--build-arg",
            "VERSION=1.2.3",
            "--build-arg",
            "GH_TOKEN=hunter2",
            "--base-image",
            &base,
        ],
        &env,
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert!(!describe(&out).contains("hunter2"));

    let out = sc(
        &[
            "image",
            "verify-attestation",
            &img,
            "--key",
            public,
            "--type",
            "slsaprovenance",
            "--json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let list: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    let st = &list[0]["statement"];
    let c = client();
    let (pinned, _) = pin(&c, &image).await;
    let (base_pinned, _) = pin(&c, &base.parse().unwrap()).await;
    assert_eq!(st["predicateType"], statement::SLSA_PROVENANCE_V1_PREDICATE);
    assert_eq!(
        st["subject"][0]["digest"]["sha256"],
        pinned.digest.as_ref().unwrap().hex()
    );
    let p = &st["predicate"];
    assert_eq!(
        p["runDetails"]["builder"]["id"],
        "https://github.com/org/app/.github/workflows/release.yml@refs/heads/main"
    );
    assert_eq!(
        p["runDetails"]["metadata"]["invocationId"],
        "https://github.com/org/app/actions/runs/77/attempts/2"
    );
    let ext = &p["buildDefinition"]["externalParameters"];
    assert_eq!(ext["source"]["repository"], "https://github.com/org/app");
    assert_eq!(ext["workflow"]["name"], "release");
    assert_eq!(ext["dockerfile"], "docker/Dockerfile");
    assert_eq!(ext["buildArgs"]["VERSION"], "1.2.3");
    assert_eq!(ext["buildArgs"]["GH_TOKEN"], "<redacted>");
    let deps = p["buildDefinition"]["resolvedDependencies"]
        .as_array()
        .unwrap();
    assert_eq!(deps[0]["digest"]["gitCommit"], sha);
    assert_eq!(
        deps[1]["digest"]["sha256"],
        base_pinned.digest.as_ref().unwrap().hex()
    );
    validate("statement", serde_json::to_vec(st).unwrap().as_slice());

    // L1 met; L2 not (a key does not show a hosted platform), explained.
    let out = sc(
        &[
            "provenance",
            "verify",
            &img,
            "--key",
            public,
            "--min-slsa-level",
            "1",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        stdout(&out).contains("SLSA build level 1"),
        "{}",
        describe(&out)
    );
    assert!(stdout(&out).contains("[met] L1"));
    assert!(stdout(&out).contains("[not met] L2"));
    let out = sc(
        &[
            "provenance",
            "verify",
            &img,
            "--key",
            public,
            "--min-slsa-level",
            "2",
            "--json",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["level"], 1);
    assert_eq!(report["passed"], false);
    assert!(
        stderr(&out).contains("below the required 2"),
        "{}",
        describe(&out)
    );
    assert!(
        stderr(&out).contains("key signature does not show"),
        "{}",
        describe(&out)
    );

    // A base image the manifest declares (BuildKit's OCI annotations) is recorded
    // without --base-image.
    let (bytes, _, _) = c.fetch_manifest(&image).await.unwrap();
    let mut annotated: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    annotated["annotations"] = serde_json::json!({
        "org.opencontainers.image.base.name": base,
        "org.opencontainers.image.base.digest": base_pinned.digest.as_ref().unwrap().to_string(),
    });
    let annotated_ref = image.with_tag("annotated").unwrap();
    c.push_manifest(
        &annotated_ref,
        serde_json::to_vec(&annotated).unwrap(),
        MANIFEST,
    )
    .await
    .unwrap();
    let annotated_img = annotated_ref.to_string();
    let out = sc(
        &[
            "provenance",
            "attach",
            &annotated_img,
            "--key",
            key,
            "--tlog-upload=false",
        ],
        &env,
    );
    assert!(out.status.success(), "{}", describe(&out));
    let out = sc(
        &[
            "image",
            "verify-attestation",
            &annotated_img,
            "--key",
            public,
            "--type",
            "slsaprovenance",
            "--json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let list: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    let deps = list[0]["statement"]["predicate"]["buildDefinition"]["resolvedDependencies"]
        .as_array()
        .unwrap();
    assert!(
        deps.iter()
            .any(|d| d["digest"]["sha256"] == base_pinned.digest.as_ref().unwrap().hex()),
        "{deps:?}"
    );

    // No provenance at all on the base image: fails, except for level 0.
    let out = sc(&["provenance", "verify", &base, "--key", public], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        stderr(&out).contains("no attestations found"),
        "{}",
        describe(&out)
    );
    let out = sc(
        &[
            "provenance",
            "verify",
            &base,
            "--key",
            public,
            "--min-slsa-level",
            "0",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        stdout(&out).contains("SLSA build level 0"),
        "{}",
        describe(&out)
    );
}

/// Keyless attestations against the loopback Fulcio/Rekor: bundle referrers and
/// `.att` layers, both read back; sigstore-python verifies our bundles; identity
/// policy failures; no duplicates; provenance levels for a non-CI identity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyless_attestations_with_the_sigstore_mock() {
    let Some(tools) = support::sigstore::mock_tools() else {
        eprintln!("note: SC_SIGSTORE_MOCK is not set; keyless attestation tests did not run");
        return;
    };
    let mock = support::sigstore::SigstoreMock::start(&tools);
    let (_reg, image) = registry_with_app();
    let img = image.to_string();
    let jwt = support::sigstore::token();
    let root = mock.trusted_root();
    let config = mock.signing_config();
    let dir = tempfile::tempdir().unwrap();
    let spdx_file = dir.path().join("sbom.spdx.json");
    let out = sc(
        &[
            "sbom",
            "generate",
            &img,
            "--format",
            "spdx-json",
            "-o",
            spdx_file.to_str().unwrap(),
            "-q",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let attach = [
        "sbom",
        "attach",
        &img,
        "--sbom",
        spdx_file.to_str().unwrap(),
        "--type",
        "spdxjson",
        "--identity-token",
        &jwt,
        "--signing-config",
        &config,
        "--trusted-root",
        &root,
    ];
    let out = sc(&attach, &[]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        stderr(&out).contains("bundle referrer"),
        "{}",
        describe(&out)
    );
    assert!(
        !describe(&out).contains(&jwt),
        "the token must never be printed"
    );

    let c = client();
    let (pinned, manifest) = pin(&c, &image).await;
    let refs = c
        .referrers(&pinned, Some(BUNDLE_V03_MEDIA_TYPE))
        .await
        .unwrap();
    assert_eq!(refs.manifests.len(), 1);
    let (rbytes, _, _) = c
        .fetch_manifest(&pinned.with_digest(refs.manifests[0].digest.clone()))
        .await
        .unwrap();
    let rm: serde_json::Value = serde_json::from_slice(&rbytes).unwrap();
    assert_eq!(rm["artifactType"], BUNDLE_V03_MEDIA_TYPE);
    assert_eq!(
        rm["subject"]["digest"],
        pinned.digest.as_ref().unwrap().to_string()
    );
    assert_eq!(
        rm["annotations"]["dev.sigstore.bundle.predicateType"],
        statement::SPDX_PREDICATE
    );
    assert_eq!(
        rm["annotations"]["dev.sigstore.bundle.content"],
        "dsse-envelope"
    );
    let layer: Descriptor = serde_json::from_value(rm["layers"][0].clone()).unwrap();
    let bundle = c.fetch_blob(&pinned, &layer, 1 << 30).await.unwrap();
    let layers = att_layers(&c, &pinned).await;
    assert_eq!(layers.len(), 1);
    assert!(layers[0]
        .annotation(cosign_fmt::CERTIFICATE_ANNOTATION)
        .is_some_and(|p| p.starts_with("-----BEGIN CERTIFICATE-----")));
    assert!(layers[0]
        .annotation(cosign_fmt::BUNDLE_ANNOTATION)
        .is_some());

    // sigstore-python verifies the stored bundle for the image manifest.
    if let Some(python) = support::sigstore::sigstore_python() {
        let b = mock.write("attestation.sigstore.json", &bundle);
        let m = mock.write("manifest.json", &manifest);
        let out = Command::new(&python)
            .args([
                "--trust-config",
                &mock.trust_config(),
                "verify",
                "identity",
                "--offline",
                "--bundle",
                &b,
                "--cert-identity",
                IDENTITY,
                "--cert-oidc-issuer",
                ISSUER,
                &m,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "sigstore-python: {}", describe(&out));
        let out = Command::new(&python)
            .args([
                "--trust-config",
                &mock.trust_config(),
                "verify",
                "identity",
                "--offline",
                "--bundle",
                &b,
                "--cert-identity",
                "someone@else.example",
                "--cert-oidc-issuer",
                ISSUER,
                &m,
            ])
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "sigstore-python accepted another identity"
        );
    } else {
        eprintln!("note: SC_SIGSTORE_PYTHON is not set; sigstore-python did not check the bundle");
    }
    // sigstore-js too.
    let b = mock.write("attestation-js.sigstore.json", &bundle);
    let m = mock.write("manifest-js.json", &manifest);
    let out = Command::new("node")
        .arg(tools.join("js-verify.js"))
        .args([
            "verify-bundle",
            "--bundle",
            &b,
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            ISSUER,
            "--trusted-root",
            &root,
            &m,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "sigstore-js: {}", describe(&out));
    let (envelope, _) = oci::bundle_parts(std::str::from_utf8(&bundle).unwrap()).unwrap();
    validate("statement", &envelope.payload_bytes().unwrap());

    // Verify (CLI), write the SBOM.
    let verify = |extra: &[&str]| {
        let mut a = vec![
            "sbom",
            "verify",
            img.as_str(),
            "--type",
            "spdxjson",
            "--trusted-root",
            root.as_str(),
        ];
        a.extend_from_slice(extra);
        sc(&a, &[])
    };
    let sbom_out = dir.path().join("verified.spdx.json");
    let out = verify(&[
        "--certificate-identity",
        IDENTITY,
        "--certificate-oidc-issuer",
        ISSUER,
        "-o",
        sbom_out.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(&sbom_out).unwrap()).unwrap(),
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(&spdx_file).unwrap()).unwrap()
    );
    // Wrong identity, wrong issuer: refused, saying so.
    let out = verify(&[
        "--certificate-identity",
        "someone@else.example",
        "--certificate-oidc-issuer",
        ISSUER,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        stderr(&out).contains("signed by another identity"),
        "{}",
        describe(&out)
    );
    let out = verify(&[
        "--certificate-identity-regexp",
        "^ci@",
        "--certificate-oidc-issuer",
        "https://other.example",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        stderr(&out).contains("signed by another identity"),
        "{}",
        describe(&out)
    );

    // Same statement, same identity: nothing new.
    let out = sc(&attach, &[]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        stderr(&out).contains("nothing pushed"),
        "{}",
        describe(&out)
    );
    assert_eq!(
        c.referrers(&pinned, Some(BUNDLE_V03_MEDIA_TYPE))
            .await
            .unwrap()
            .manifests
            .len(),
        1
    );
    assert_eq!(att_layers(&c, &pinned).await.len(), 1);

    // Library: both stored forms verify; the `.att` form alone too (the bundle is
    // rebuilt from cosign's annotations), once the referrers index is emptied.
    let root_file = sc::signing::trust::TrustedRoot::from_file(Path::new(&root)).unwrap();
    let policy = identity_policy(&root_file);
    let v = attest::verify(&c, &image, &policy, &VerifyOptions::default())
        .await
        .unwrap();
    assert_eq!(v.attestations.len(), 1, "one statement, stored twice");
    assert_eq!(
        v.attestations[0].certificate,
        Some((IDENTITY.to_string(), ISSUER.to_string()))
    );
    // The referrer alone: an `.att` image without layers.
    let att_tag = cosign_tag(&pinned, ATTESTATION_TAG_SUFFIX).unwrap();
    let (att_manifest, _) = c
        .cosign_manifest(&pinned, ATTESTATION_TAG_SUFFIX)
        .await
        .unwrap()
        .unwrap();
    let empty_att = cosign_fmt::signature_manifest(&[]);
    c.push_blob(&pinned, empty_att.config).await.unwrap();
    c.push_manifest(&att_tag, empty_att.manifest, MANIFEST)
        .await
        .unwrap();
    let v = attest::verify(&c, &image, &policy, &VerifyOptions::default())
        .await
        .unwrap();
    assert_eq!(v.attestations.len(), 1);
    assert_eq!(v.attestations[0].storage, attest::Storage::BundleReferrer);
    // The `.att` layer alone (the bundle rebuilt from cosign's annotations).
    c.push_manifest(&att_tag, att_manifest, MANIFEST)
        .await
        .unwrap();
    let empty_index = serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []});
    c.push_manifest(
        &image
            .with_tag(&pinned.digest.as_ref().unwrap().tag_form())
            .unwrap(),
        serde_json::to_vec(&empty_index).unwrap(),
        "application/vnd.oci.image.index.v1+json",
    )
    .await
    .unwrap();
    let v = attest::verify(&c, &image, &policy, &VerifyOptions::default())
        .await
        .unwrap();
    assert_eq!(v.attestations.len(), 1);
    assert_eq!(v.attestations[0].storage, attest::Storage::CosignTag);
    // A bundle referrer whose statement was altered after signing: the bundle
    // does not verify (its `.att` twin removed, so it is the only candidate).
    let (env, _) = oci::bundle_parts(std::str::from_utf8(&bundle).unwrap()).unwrap();
    let mut altered: serde_json::Value =
        serde_json::from_slice(&env.payload_bytes().unwrap()).unwrap();
    altered["predicate"]["name"] = "not what was signed".into();
    let mut tampered: serde_json::Value = serde_json::from_slice(&bundle).unwrap();
    tampered["dsseEnvelope"]["payload"] = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .encode(serde_json::to_vec(&altered).unwrap())
            .into()
    };
    let tampered = serde_json::to_vec(&tampered).unwrap();
    let tampered_layer = Descriptor::new(
        BUNDLE_V03_MEDIA_TYPE,
        Digest::sha256_of(&tampered),
        tampered.len() as u64,
    );
    c.push_blob(&pinned, tampered).await.unwrap();
    let subject = Descriptor::new(
        MANIFEST,
        pinned.digest.clone().unwrap(),
        manifest.len() as u64,
    );
    let rm = oci::bundle_referrer_manifest(
        &tampered_layer,
        &subject,
        statement::SPDX_PREDICATE,
        "2026-01-01T00:00:00Z",
    );
    let rm_digest = c
        .push_manifest(
            &pinned.with_digest(Digest::sha256_of(&rm)),
            rm.clone(),
            MANIFEST,
        )
        .await
        .unwrap();
    let index = serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": MANIFEST, "digest": rm_digest.to_string(), "size": rm.len(), "artifactType": BUNDLE_V03_MEDIA_TYPE}]});
    c.push_manifest(
        &image
            .with_tag(&pinned.digest.as_ref().unwrap().tag_form())
            .unwrap(),
        serde_json::to_vec(&index).unwrap(),
        "application/vnd.oci.image.index.v1+json",
    )
    .await
    .unwrap();
    let (saved_att, _) = c
        .cosign_manifest(&pinned, ATTESTATION_TAG_SUFFIX)
        .await
        .unwrap()
        .unwrap();
    let empty_att = cosign_fmt::signature_manifest(&[]);
    c.push_manifest(&att_tag, empty_att.manifest, MANIFEST)
        .await
        .unwrap();
    match attest::verify(&c, &image, &policy, &VerifyOptions::default())
        .await
        .unwrap_err()
    {
        VerifyError::Rejected { rejections, .. } => assert!(
            matches!(&rejections[..], [Rejection::Bundle { .. }]),
            "{rejections:?}"
        ),
        other => panic!("{other}"),
    }
    c.push_manifest(&att_tag, saved_att, MANIFEST)
        .await
        .unwrap();

    // A key cannot verify a keyless attestation.
    let stranger = SigningKey::generate().unwrap();
    let err = attest::verify(
        &c,
        &image,
        &key_policy(stranger.public_key()),
        &VerifyOptions::default(),
    )
    .await
    .unwrap_err();
    match err {
        VerifyError::Rejected { rejections, .. } => {
            // The `.att` layer and the (tampered) bundle referrer.
            assert_eq!(rejections.len(), 2, "{rejections:?}");
            assert!(
                rejections
                    .iter()
                    .all(|r| matches!(r, Rejection::CertificateNotKey { .. })),
                "{rejections:?}"
            )
        }
        other => panic!("{other}"),
    }

    // Keyless provenance: L1; not L2, because the mock issuer is no hosted CI.
    let out = sc(
        &[
            "provenance",
            "attach",
            &img,
            "--identity-token",
            &jwt,
            "--signing-config",
            &config,
            "--trusted-root",
            &root,
            "--git-sha",
            "0123456789abcdef0123456789abcdef01234567",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let out = sc(
        &[
            "provenance",
            "verify",
            &img,
            "--trusted-root",
            &root,
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            ISSUER,
            "--min-slsa-level",
            "2",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(stdout(&out).contains("[met] L1"), "{}", describe(&out));
    assert!(
        stderr(&out).contains("is not a known hosted build platform"),
        "{}",
        describe(&out)
    );
    let out = sc(
        &[
            "image",
            "verify-attestation",
            &img,
            "--trusted-root",
            &root,
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            ISSUER,
            "--require-type",
            "slsaprovenance",
            "--require-type",
            "spdxjson",
            "--json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let list: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list.len(), 2);

    // A GitHub Actions workload identity (the mock certifies the token's claims)
    // signing provenance built on github.com: L2, and L3 refused with the reason.
    let workflow = "https://github.com/org/app/.github/workflows/release.yml@refs/heads/main";
    let gh_issuer = "https://token.actions.githubusercontent.com";
    let gh_jwt = jwt_for(gh_issuer, workflow);
    let gh_env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_REPOSITORY", "org/app"),
        ("GITHUB_REF", "refs/heads/main"),
        (
            "GITHUB_WORKFLOW_REF",
            "org/app/.github/workflows/release.yml@refs/heads/main",
        ),
        ("GITHUB_RUN_ID", "9"),
        ("RUNNER_ENVIRONMENT", "github-hosted"),
    ];
    let out = sc(
        &[
            "provenance",
            "attach",
            &img,
            "--identity-token",
            &gh_jwt,
            "--signing-config",
            &config,
            "--trusted-root",
            &root,
        ],
        &gh_env,
    );
    assert!(out.status.success(), "{}", describe(&out));
    let gh_verify = |level: &str| {
        sc(
            &[
                "provenance",
                "verify",
                &img,
                "--trusted-root",
                &root,
                "--certificate-identity",
                workflow,
                "--certificate-oidc-issuer",
                gh_issuer,
                "--min-slsa-level",
                level,
            ],
            &[],
        )
    };
    let out = gh_verify("2");
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        stdout(&out).contains("SLSA build level 2"),
        "{}",
        describe(&out)
    );
    assert!(stdout(&out).contains("[met] L2"), "{}", describe(&out));
    let out = gh_verify("3");
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        stderr(&out).contains("not a trusted isolated builder"),
        "{}",
        describe(&out)
    );
}

/// An unsigned JWT for `issuer` whose `email` claim (the mock's SAN) is `identity`.
fn jwt_for(issuer: &str, identity: &str) -> String {
    use base64::Engine;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let b = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    format!(
        "{}.{}.c2ln",
        b(serde_json::json!({"alg": "none"})),
        b(serde_json::json!({
            "iss": issuer, "sub": identity, "email": identity, "email_verified": true,
            "aud": "sigstore", "iat": now, "nbf": now, "exp": now + 3600,
        }))
    )
}

/// The functions the release executor calls: `attach_sbom` with the SBOM engine's
/// result, `attach_provenance` with `provenance::generate`'s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executor_helpers_attach_sbom_and_provenance() {
    let (reg, image) = registry_with_app();
    reg.copy_in(&fixture_oci("debian-app"), "sc/other:v1");
    let c = client();
    let dir = tempfile::tempdir().unwrap();
    let (_, _, key) = key_pair(dir.path());
    let public = key.public_key();
    let signer = ImageSigner::key(key, None);
    let (pinned, _) = pin(&c, &image).await;

    let src = sc::source::open(
        &sc::source::SourceSpec::Registry(image.clone()),
        &sc::source::OpenOptions {
            registry: Some(c.clone()),
        },
    )
    .unwrap();
    let inventory = sc::sbom::catalog_image(src.as_ref(), &sc::sbom::GenerateOptions::default())
        .await
        .unwrap();
    let opts = sc::sbom::format::RenderOptions::now();
    let sbom = sc::sbom::format::build_sbom(&inventory, SbomFormat::SpdxJson, &opts).unwrap();
    let out = attest::attach_sbom(&c, &image, &sbom, &signer)
        .await
        .unwrap();
    assert_eq!(out.predicate_type, statement::SPDX_PREDICATE);
    let xml = sc::sbom::format::build_sbom(&inventory, SbomFormat::CycloneDxXml, &opts).unwrap();
    let err = attest::attach_sbom(&c, &image, &xml, &signer)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("attestation predicates are JSON"),
        "{err}"
    );

    let prov = sc::provenance::generate(
        &sc::context::ExecutionContext::default(),
        &pinned,
        &sc::provenance::ProvenanceOptions::default(),
    )
    .unwrap();
    assert_eq!(prov.metadata.builder_id, sc::context::LOCAL_BUILDER_ID);
    let out = attest::attach_provenance(&c, &image, &prov, &signer)
        .await
        .unwrap();
    assert_eq!(out.predicate_type, statement::SLSA_PROVENANCE_V1_PREDICATE);
    // Provenance of this image cannot be attached to another one.
    let other: ImageReference = format!("{}/sc/other:v1", reg.addr).parse().unwrap();
    let other_prov = sc::provenance::generate(
        &sc::context::ExecutionContext::default(),
        &other.with_digest(Digest::sha256_of(b"not this image")),
        &sc::provenance::ProvenanceOptions::default(),
    )
    .unwrap();
    let err = attest::attach_provenance(&c, &other, &other_prov, &signer)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("the provenance describes"),
        "{err}"
    );

    let v = attest::verify(
        &c,
        &image,
        &key_policy(public),
        &VerifyOptions {
            predicate_type: None,
            require: vec![PredicateType::Spdx, PredicateType::SlsaProvenanceV1],
        },
    )
    .await
    .unwrap();
    assert_eq!(v.attestations.len(), 2);
    let report = sc::provenance::evaluate(
        v.attestations
            .iter()
            .find(|a| a.statement.predicate_type == statement::SLSA_PROVENANCE_V1_PREDICATE)
            .unwrap(),
    );
    assert_eq!(report.level, 1);
}
