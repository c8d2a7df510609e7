//! Keyless image signing and verification against a real registry (distribution
//! 2.8 on loopback) and a loopback Fulcio + Rekor (npm `@sigstore/mock`):
//! `sc image sign` without a key, `sc image verify --certificate-identity`, the
//! registry layout cosign writes (the `.sig` image with certificate, chain and
//! Rekor bundle annotations; the Sigstore bundle v0.3 referrer), key-based
//! signing with a Rekor entry, and one test per way verification must fail.
//!
//! Independent checks: sigstore-python and sigstore-js verify the bundle we push
//! as a referrer (pulled back to a file) against the image manifest bytes;
//! sigstore-rs verifies our `.sig` image (certificate, SET, identity).
//!
//! Environment: see tests/support/sigstore.rs (SC_SIGSTORE_MOCK,
//! SC_SIGSTORE_PYTHON; SC_REQUIRE_SIGSTORE_MOCK=1 makes a missing mock fail).

mod support;

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use sc::digest::Digest;
use sc::reference::ImageReference;
use sc::registry::{cosign_tag, RegistryClient};
use sc::signing::bundle::{BundleError, Matcher};
use sc::signing::cosign::{
    BUNDLE_ANNOTATION, CERTIFICATE_ANNOTATION, CHAIN_ANNOTATION, SIGNATURE_ANNOTATION,
};
use sc::signing::cosign_bundle::RekorBundle;
use sc::signing::image::{
    self, ImagePolicy, ImageSigner, Rejection, RekorLog, SignatureSource, VerifyError,
    BUNDLE_ARTIFACT_TYPE,
};
use sc::signing::keyless::{IdentityToken, SigningServices};
use sc::signing::keys::SigningKey;
use sc::signing::trust::TrustedRoot;
use sc::signing::{SignOptions, VerifyOptions};
use support::sigstore::{token, SigstoreMock, IDENTITY, ISSUER};
use support::{client, fixture_oci, sc, stderr, stdout, stored_blob, Registry};

const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// A registry with the fixture image at `sc/app:v1`, and the loopback Sigstore.
/// `None` (the test passes without running) when the mock is not installed.
fn setup() -> Option<(Registry, SigstoreMock, ImageReference)> {
    let Some(tools) = support::sigstore::mock_tools() else {
        eprintln!("note: SC_SIGSTORE_MOCK is not set; the keyless image test did not run");
        return None;
    };
    let mock = SigstoreMock::start(&tools);
    let reg = Registry::start();
    reg.copy_in(&fixture_oci("debian-app"), "sc/app:v1");
    let image = format!("{}/sc/app:v1", reg.addr).parse().unwrap();
    Some((reg, mock, image))
}

fn root(mock: &SigstoreMock) -> TrustedRoot {
    TrustedRoot::from_file(Path::new(&mock.trusted_root())).unwrap()
}

fn signer(mock: &SigstoreMock) -> ImageSigner {
    ImageSigner::keyless(
        IdentityToken::from_jwt(&token()).unwrap(),
        SigningServices::new(mock.url(), mock.url()),
        &root(mock),
    )
    .unwrap()
}

fn policy(mock: &SigstoreMock, identity: &str, issuer: &str) -> ImagePolicy {
    ImagePolicy::identity(
        Matcher::Exact(identity.into()),
        Matcher::Exact(issuer.into()),
        &root(mock),
        VerifyOptions::default(),
    )
    .unwrap()
}

fn rejections(e: VerifyError) -> Vec<Rejection> {
    match e {
        VerifyError::Rejected { rejections, .. } => rejections,
        other => panic!("expected a rejection, got: {other}"),
    }
}

async fn manifest_json(c: &RegistryClient, r: &ImageReference) -> serde_json::Value {
    let (bytes, _, _) = c.fetch_manifest(r).await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The referrers tag-schema index of `pinned`, replaced by an empty one (the
/// registry has no referrers API): only the `.sig` image is left.
async fn drop_referrers(c: &RegistryClient, pinned: &ImageReference) {
    let tag = pinned
        .with_tag(&pinned.digest.as_ref().unwrap().tag_form())
        .unwrap();
    let empty = serde_json::json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": []});
    c.push_manifest(&tag, serde_json::to_vec(&empty).unwrap(), INDEX)
        .await
        .unwrap();
}

/// Remove the `.sig` image's layers (push an empty signature manifest): only the
/// referrer is left.
async fn drop_sig_layers(c: &RegistryClient, pinned: &ImageReference) {
    let m = sc::signing::cosign::signature_manifest(&[]);
    c.push_blob(pinned, m.config).await.unwrap();
    c.push_manifest(&cosign_tag(pinned, "sig").unwrap(), m.manifest, MANIFEST)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_keyless_sign_and_verify_with_cosigns_layout() {
    let Some((reg, mock, image)) = setup() else {
        return;
    };
    let jwt = token();
    let out = sc(
        &[
            "image",
            "sign",
            &image.to_string(),
            "--identity-token",
            &jwt,
            "--fulcio-url",
            &mock.url(),
            "--rekor-url",
            &mock.url(),
            "--trusted-root",
            &mock.trusted_root(),
            "--json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains(&jwt), "the token was printed");
    let result: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let digest: Digest = result["digest"].as_str().unwrap().parse().unwrap();
    assert!(result["rekorEntry"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}/api/v1/log/entries?logIndex=", mock.url())));
    let bundle: serde_json::Value =
        serde_json::from_str(result["bundle"].as_str().unwrap()).unwrap();
    assert_eq!(
        bundle["mediaType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    assert!(bundle.get("dsseEnvelope").is_some());

    // The `.sig` image, as cosign writes it.
    let c = client();
    let pinned = image.with_digest(digest.clone());
    let (bytes, _) = c.cosign_manifest(&pinned, "sig").await.unwrap().unwrap();
    let sig: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let layer = &sig["layers"][0];
    assert_eq!(
        layer["mediaType"],
        "application/vnd.dev.cosign.simplesigning.v1+json"
    );
    let ann = &layer["annotations"];
    assert_eq!(ann[SIGNATURE_ANNOTATION], result["signature"]);
    assert!(ann[CERTIFICATE_ANNOTATION]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(ann[CHAIN_ANNOTATION]
        .as_str()
        .unwrap()
        .contains("-----BEGIN CERTIFICATE-----"));
    let rekor: serde_json::Value =
        serde_json::from_str(ann[BUNDLE_ANNOTATION].as_str().unwrap()).unwrap();
    for k in ["body", "integratedTime", "logIndex", "logID"] {
        assert!(!rekor["Payload"][k].is_null(), "{k}: {rekor}");
    }
    assert!(rekor["SignedEntryTimestamp"].is_string());
    RekorBundle::parse(ann[BUNDLE_ANNOTATION].as_str().unwrap()).unwrap();

    // The bundle referrer (cosign v3), listed in the referrers tag schema.
    let index = c
        .referrers(&pinned, Some(BUNDLE_ARTIFACT_TYPE))
        .await
        .unwrap();
    assert_eq!(index.manifests.len(), 1, "{index:?}");
    let entry = &index.manifests[0];
    assert_eq!(
        entry.annotations.as_ref().unwrap()["dev.sigstore.bundle.predicateType"],
        "https://sigstore.dev/cosign/sign/v1"
    );
    let m = manifest_json(&c, &pinned.with_digest(entry.digest.clone())).await;
    assert_eq!(m["artifactType"], BUNDLE_ARTIFACT_TYPE);
    assert_eq!(
        m["config"]["mediaType"],
        "application/vnd.oci.empty.v1+json"
    );
    assert_eq!(m["subject"]["digest"], digest.to_string());
    assert_eq!(m["layers"][0]["mediaType"], BUNDLE_ARTIFACT_TYPE);
    assert_eq!(
        m["annotations"]["dev.sigstore.bundle.content"],
        "dsse-envelope"
    );

    // sc verifies (JSON: the verified payloads, as cosign prints them).
    let verify = |identity: &str, issuer: &str, extra: &[&str]| {
        let root = mock.trusted_root();
        let mut args = vec![
            "image",
            "verify",
            image.to_string().leak(),
            "--certificate-identity",
            identity,
            "--certificate-oidc-issuer",
            issuer,
            "--trusted-root",
            root.leak(),
            "--offline",
        ];
        args.extend_from_slice(extra);
        sc(&args, &[])
    };
    let out = verify(IDENTITY, ISSUER, &["--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let payloads: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        payloads[0]["critical"]["image"]["docker-manifest-digest"],
        digest.to_string()
    );
    assert!(
        stderr(&out).contains("verified offline"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("certificate authority"),
        "{}",
        stderr(&out)
    );

    // Regular expressions, as cosign's -regexp flags.
    let root = mock.trusted_root();
    let out = sc(
        &[
            "image",
            "verify",
            &image.to_string(),
            "--certificate-identity-regexp",
            "^ci@example\\.com$",
            "--certificate-oidc-issuer-regexp",
            "oidc\\.mock",
            "--trusted-root",
            &root,
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(IDENTITY), "{}", stdout(&out));

    // Wrong identity / issuer: exit 1, each its own message.
    let out = verify("someone@example.com", ISSUER, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("certificate identity \"ci@example.com\" does not match"),
        "{}",
        stderr(&out)
    );
    let out = verify(IDENTITY, "https://accounts.google.com", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("certificate OIDC issuer"),
        "{}",
        stderr(&out)
    );
    drop(reg);
}

/// The bundle referrer of `pinned`: (manifest digest, manifest, bundle JSON).
async fn referrer_bundle(
    c: &RegistryClient,
    pinned: &ImageReference,
) -> (Digest, serde_json::Value, serde_json::Value) {
    let index = c
        .referrers(pinned, Some(BUNDLE_ARTIFACT_TYPE))
        .await
        .unwrap();
    let d = index.manifests.last().unwrap().digest.clone();
    let m = manifest_json(c, &pinned.with_digest(d.clone())).await;
    let layer: sc::source::model::Descriptor =
        serde_json::from_value(m["layers"][0].clone()).unwrap();
    let bytes = c.fetch_blob(pinned, &layer, 1 << 22).await.unwrap();
    (d, m, serde_json::from_slice(&bytes).unwrap())
}

/// Push `bundle` as the only bundle referrer of `subject` (tag-schema index rewritten).
async fn replace_referrer(
    c: &RegistryClient,
    subject: &ImageReference,
    template: &serde_json::Value,
    bundle: &serde_json::Value,
) {
    let bytes = serde_json::to_vec(bundle).unwrap();
    let d = c.push_blob(subject, bytes.clone()).await.unwrap();
    let mut m = template.clone();
    m["layers"][0]["digest"] = d.to_string().into();
    m["layers"][0]["size"] = bytes.len().into();
    m["subject"]["digest"] = subject.digest.as_ref().unwrap().to_string().into();
    drop_referrers(c, subject).await;
    c.push_referrer(
        subject,
        serde_json::to_vec(&m).unwrap(),
        BUNDLE_ARTIFACT_TYPE,
        None,
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_forms_verify_on_their_own_and_resigning_appends() {
    let Some((_reg, mock, image)) = setup() else {
        return;
    };
    let c = client();
    let s = signer(&mock);
    let signed = image::sign(&c, &image, &s, &SignOptions::default())
        .await
        .unwrap();
    eprintln!(
        "keyless sign: {} registry operations",
        signed.registry_operations
    );
    let p = policy(&mock, IDENTITY, ISSUER);

    // The .sig layer verifies first (and alone: the referrers are not read).
    let v = image::verify(&c, &image, &p).await.unwrap();
    assert_eq!(v.signatures.len(), 1);
    assert_eq!(v.signatures[0].source, SignatureSource::SignatureLayer);
    assert_eq!(
        v.signatures[0].signer,
        format!("{IDENTITY} (issuer {ISSUER})")
    );
    assert!(v.tlog_verified);
    // manifest GET, .sig GET, payload GET.
    assert_eq!(v.registry_operations, 3, "{}", v.registry_operations);
    // The issue's budget: under 50 ms against a loopback registry, warm client,
    // best of 5 (chain, SCT, SET and identity checked each time).
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let t = std::time::Instant::now();
        image::verify(&c, &image, &p).await.unwrap();
        best = best.min(t.elapsed());
    }
    eprintln!("keyless verify (1 signature, loopback, warm client): {best:?}");
    assert!(best < Duration::from_millis(50), "{best:?}");

    // Without the .sig layers, the bundle referrer verifies.
    drop_sig_layers(&c, &signed.image).await;
    let v = image::verify(&c, &image, &p).await.unwrap();
    assert_eq!(v.signatures.len(), 1);
    assert_eq!(v.signatures[0].source, SignatureSource::BundleReferrer);
    assert_eq!(
        v.signatures[0]
            .payload
            .critical
            .image
            .docker_manifest_digest,
        signed.result.digest
    );
    eprintln!(
        "verify via referrer: {} registry operations",
        v.registry_operations
    );

    // Re-signing appends a signature (a new certificate: cosign does the same)
    // and lists a second referrer; blobs already there are not uploaded again.
    let again = image::sign(&c, &image, &s, &SignOptions::default())
        .await
        .unwrap();
    assert!(!again.already_signed);
    let (bytes, _) = c
        .cosign_manifest(&signed.image, "sig")
        .await
        .unwrap()
        .unwrap();
    let m: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(m["layers"].as_array().unwrap().len(), 1);
    let index = c
        .referrers(&signed.image, Some(BUNDLE_ARTIFACT_TYPE))
        .await
        .unwrap();
    assert_eq!(index.manifests.len(), 2);
    let again2 = image::sign(&c, &image, &s, &SignOptions::default())
        .await
        .unwrap();
    let (bytes, _) = c
        .cosign_manifest(&signed.image, "sig")
        .await
        .unwrap()
        .unwrap();
    let m: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(m["layers"].as_array().unwrap().len(), 2);
    assert_eq!(m["layers"][0]["digest"], m["layers"][1]["digest"]);
    assert_ne!(again.result.signature, again2.result.signature);
    let v = image::verify(&c, &image, &p).await.unwrap();
    assert_eq!(v.signatures.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_identity_and_wrong_issuer_are_rejected_for_each_form() {
    let Some((_reg, mock, image)) = setup() else {
        return;
    };
    let c = client();
    image::sign(&c, &image, &signer(&mock), &SignOptions::default())
        .await
        .unwrap();
    let r = rejections(
        image::verify(&c, &image, &policy(&mock, "eve@example.com", ISSUER))
            .await
            .unwrap_err(),
    );
    assert_eq!(r.len(), 2, "{r:?}");
    for x in &r {
        assert!(
            matches!(
                x,
                Rejection::Bundle {
                    error: BundleError::IdentityMismatch { .. },
                    ..
                }
            ),
            "{x}"
        );
    }
    let r = rejections(
        image::verify(
            &c,
            &image,
            &policy(
                &mock,
                IDENTITY,
                "https://token.actions.githubusercontent.com",
            ),
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(r.len(), 2, "{r:?}");
    for x in &r {
        assert!(
            matches!(
                x,
                Rejection::Bundle {
                    error: BundleError::IssuerMismatch { .. },
                    ..
                }
            ),
            "{x}"
        );
    }
    // A key policy does not accept a keyless signature.
    let k = SigningKey::generate().unwrap();
    let kp = ImagePolicy::key(k.public_key(), None, VerifyOptions::default()).unwrap();
    let r = rejections(image::verify(&c, &image, &kp).await.unwrap_err());
    assert!(matches!(r[0], Rejection::SignatureInvalid { .. }), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signature_for_another_digest_is_rejected() {
    let Some((_reg, mock, image)) = setup() else {
        return;
    };
    let c = client();
    let signed = image::sign(&c, &image, &signer(&mock), &SignOptions::default())
        .await
        .unwrap();
    // Another image in the same repository: the same manifest with an annotation.
    let mut other = manifest_json(&c, &signed.image).await;
    other["annotations"] = serde_json::json!({"other": "image"});
    let other_bytes = serde_json::to_vec(&other).unwrap();
    let other_ref = image.with_tag("v2").unwrap();
    let other_digest = c
        .push_manifest(&other_ref, other_bytes, MANIFEST)
        .await
        .unwrap();
    let other_pinned = image.with_digest(other_digest.clone());
    // Both signature forms of the first image copied to the second.
    let (sig_bytes, _) = c
        .cosign_manifest(&signed.image, "sig")
        .await
        .unwrap()
        .unwrap();
    c.push_manifest(
        &cosign_tag(&other_pinned, "sig").unwrap(),
        sig_bytes,
        MANIFEST,
    )
    .await
    .unwrap();
    let (_, template, bundle) = referrer_bundle(&c, &signed.image).await;
    replace_referrer(&c, &other_pinned, &template, &bundle).await;

    let r = rejections(
        image::verify(&c, &other_ref, &policy(&mock, IDENTITY, ISSUER))
            .await
            .unwrap_err(),
    );
    assert_eq!(r.len(), 2, "{r:?}");
    for x in &r {
        match x {
            Rejection::DigestMismatch {
                signed: s, image, ..
            } => {
                assert_eq!(s, &signed.result.digest);
                assert_eq!(image, &other_digest);
            }
            other => panic!("{other}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_payload_and_tampered_bundle_are_rejected() {
    let Some((reg, mock, image)) = setup() else {
        return;
    };
    let c = client();
    let signed = image::sign(&c, &image, &signer(&mock), &SignOptions::default())
        .await
        .unwrap();
    let p = policy(&mock, IDENTITY, ISSUER);

    // The registry serves another payload for the layer digest.
    let layer = Digest::sha256_of(&signed.payload);
    let path = stored_blob(&reg.store_dir(), &layer);
    let good = std::fs::read(&path).unwrap();
    let bad = String::from_utf8(good.clone())
        .unwrap()
        .replace(r#""optional":null"#, r#""optional":{"x":1}"#);
    std::fs::write(&path, bad.as_bytes()).unwrap();
    // The statement in the referrer bundle altered (its signature no longer matches).
    let (_, template, mut bundle) = referrer_bundle(&c, &signed.image).await;
    let payload = base64::engine::general_purpose::STANDARD
        .decode(bundle["dsseEnvelope"]["payload"].as_str().unwrap())
        .unwrap();
    let mut st: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    st["predicate"] = serde_json::json!({"approved": true});
    bundle["dsseEnvelope"]["payload"] = base64::engine::general_purpose::STANDARD
        .encode(serde_json::to_vec(&st).unwrap())
        .into();
    replace_referrer(&c, &signed.image, &template, &bundle).await;

    let r = rejections(image::verify(&c, &image, &p).await.unwrap_err());
    assert_eq!(r.len(), 2, "{r:?}");
    assert!(
        matches!(&r[0], Rejection::PayloadTampered { layer: l, .. } if l == &layer),
        "{}",
        r[0]
    );
    assert!(
        matches!(
            &r[1],
            Rejection::Bundle {
                what: "bundle",
                error: BundleError::Signature(_) | BundleError::LogEntryMismatch(_),
                ..
            }
        ),
        "{}",
        r[1]
    );
    std::fs::write(&path, good).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_set_and_unverifiable_signing_time_are_rejected() {
    let Some((_reg, mock, image)) = setup() else {
        return;
    };
    let c = client();
    let signed = image::sign(&c, &image, &signer(&mock), &SignOptions::default())
        .await
        .unwrap();
    let p = policy(&mock, IDENTITY, ISSUER);
    let (bytes, _) = c
        .cosign_manifest(&signed.image, "sig")
        .await
        .unwrap()
        .unwrap();
    let good: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let (_, template, bundle) = referrer_bundle(&c, &signed.image).await;
    drop_referrers(&c, &signed.image).await;

    let with_rekor = |f: &dyn Fn(&mut RekorBundle)| {
        let mut m = good.clone();
        let ann = &mut m["layers"][0]["annotations"][BUNDLE_ANNOTATION];
        let mut r = RekorBundle::parse(ann.as_str().unwrap()).unwrap();
        f(&mut r);
        *ann = r.to_json().into();
        m
    };
    let push = |m: serde_json::Value| {
        let c = c.clone();
        let tag = cosign_tag(&signed.image, "sig").unwrap();
        async move {
            c.push_manifest(&tag, serde_json::to_vec(&m).unwrap(), MANIFEST)
                .await
                .unwrap()
        }
    };

    // A SET that is not the log's signature over this entry.
    push(with_rekor(&|r| {
        let mut set = base64::engine::general_purpose::STANDARD
            .decode(&r.signed_entry_timestamp)
            .unwrap();
        let n = set.len();
        set[n - 5] ^= 0x01;
        r.signed_entry_timestamp = base64::engine::general_purpose::STANDARD.encode(set);
    }))
    .await;
    let r = rejections(image::verify(&c, &image, &p).await.unwrap_err());
    assert!(
        matches!(
            &r[..],
            [Rejection::Bundle {
                error: BundleError::SignedEntryTimestamp(_),
                ..
            }]
        ),
        "{r:?}"
    );

    // The integrated time moved past the certificate's validity (as if signed
    // with an expired certificate): the SET no longer covers it, so there is no
    // valid log timestamp and the signature is refused.
    push(with_rekor(&|r| r.payload.integrated_time += 24 * 3600)).await;
    let r = rejections(image::verify(&c, &image, &p).await.unwrap_err());
    assert!(
        matches!(
            &r[..],
            [Rejection::Bundle {
                error: BundleError::SignedEntryTimestamp(_) | BundleError::IntegratedTime(_),
                ..
            }]
        ),
        "{r:?}"
    );

    // No log entry at all: nothing proves when the short-lived certificate was used.
    let mut m = good.clone();
    m["layers"][0]["annotations"]
        .as_object_mut()
        .unwrap()
        .remove(BUNDLE_ANNOTATION);
    push(m).await;
    let r = rejections(image::verify(&c, &image, &p).await.unwrap_err());
    assert!(
        matches!(&r[..], [Rejection::MissingLogEntry { .. }]),
        "{r:?}"
    );

    // The bundle form: its log entry without the SET and with the integrated
    // time moved past the certificate's expiry; the inclusion proof alone does
    // not make the integrated time trustworthy.
    push(
        serde_json::json!({"schemaVersion": 2, "mediaType": MANIFEST,
        "config": good["config"].clone(), "layers": []}),
    )
    .await;
    let mut b = bundle.clone();
    let entry = &mut b["verificationMaterial"]["tlogEntries"][0];
    entry.as_object_mut().unwrap().remove("inclusionPromise");
    let t: i64 = entry["integratedTime"].as_str().unwrap().parse().unwrap();
    entry["integratedTime"] = (t + 24 * 3600).to_string().into();
    replace_referrer(&c, &signed.image, &template, &b).await;
    let r = rejections(image::verify(&c, &image, &p).await.unwrap_err());
    eprintln!("expired certificate without a log timestamp: {}", r[0]);
    assert!(
        matches!(
            &r[..],
            [Rejection::Bundle {
                what: "bundle",
                error: BundleError::NoVerifiedTime(_),
                ..
            }]
        ),
        "{r:?}"
    );

    // Restored, it verifies again.
    push(good.clone()).await;
    image::verify(&c, &image, &p).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_serving_another_manifest_for_the_digest_is_caught() {
    let Some((reg, mock, image)) = setup() else {
        return;
    };
    let c = client();
    let signed = image::sign(&c, &image, &signer(&mock), &SignOptions::default())
        .await
        .unwrap();
    let digest: Digest = signed.result.digest.parse().unwrap();
    let path = stored_blob(&reg.store_dir(), &digest);
    let good = std::fs::read(&path).unwrap();
    let mut evil: serde_json::Value = serde_json::from_slice(&good).unwrap();
    evil["annotations"] = serde_json::json!({"evil": "yes"});
    std::fs::write(&path, serde_json::to_vec(&evil).unwrap()).unwrap();
    let p = policy(&mock, IDENTITY, ISSUER);
    for r in [&image, &signed.image] {
        let err = image::verify(&c, r, &p).await.unwrap_err();
        assert!(matches!(err, VerifyError::ManifestMismatch { .. }), "{err}");
    }
    std::fs::write(&path, good).unwrap();
    image::verify(&c, &image, &p).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigstore_python_and_js_verify_the_pushed_bundle_against_the_manifest() {
    let Some((_reg, mock, image)) = setup() else {
        return;
    };
    let Some(python) = support::sigstore::sigstore_python() else {
        eprintln!("note: SC_SIGSTORE_PYTHON is not set; sigstore-python did not run");
        return;
    };
    let c = client();
    let signed = image::sign(&c, &image, &signer(&mock), &SignOptions::default())
        .await
        .unwrap();
    let (_, _, bundle) = referrer_bundle(&c, &signed.image).await;
    let (manifest, _, _) = c.fetch_manifest(&signed.image).await.unwrap();
    let bundle_path = mock.write("image.sigstore.json", &serde_json::to_vec(&bundle).unwrap());
    let artifact = mock.write("manifest.json", &manifest);
    let run = |identity: &str| {
        std::process::Command::new(&python)
            .args([
                "--trust-config",
                &mock.trust_config(),
                "verify",
                "identity",
                "--offline",
                "--bundle",
                &bundle_path,
                "--cert-identity",
                identity,
                "--cert-oidc-issuer",
                ISSUER,
                &artifact,
            ])
            .output()
            .unwrap()
    };
    let out = run(IDENTITY);
    assert!(
        out.status.success(),
        "sigstore-python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!run("eve@example.com").status.success());

    // sigstore-js (@sigstore/verify), same bundle and artifact.
    let tools = support::sigstore::mock_tools().unwrap();
    let out = std::process::Command::new("node")
        .arg(tools.join("js-verify.js"))
        .args([
            "verify-bundle",
            "--bundle",
            &bundle_path,
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            ISSUER,
            "--trusted-root",
            &mock.trusted_root(),
            &artifact,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sigstore-js: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_based_signing_with_a_rekor_entry() {
    let Some((_reg, mock, image)) = setup() else {
        return;
    };
    let c = client();
    let k = SigningKey::generate().unwrap();
    let log = RekorLog::new(mock.url(), Some(&root(&mock))).unwrap();
    let signer = ImageSigner::key(k.clone(), Some(log));
    let signed = image::sign(&c, &image, &signer, &SignOptions::default())
        .await
        .unwrap();
    let rekor = signed.rekor_bundle.clone().expect("a log entry");
    assert!(signed.result.rekor_entry.is_some());
    // Signing again with the same key and payload: nothing new, not even a log entry.
    let again = image::sign(&c, &image, &signer, &SignOptions::default())
        .await
        .unwrap();
    assert!(again.already_signed);

    let with_root =
        ImagePolicy::key(k.public_key(), Some(&root(&mock)), VerifyOptions::default()).unwrap();
    let v = image::verify(&c, &image, &with_root).await.unwrap();
    assert!(v.tlog_verified);
    assert_eq!(
        v.signatures[0].log_index,
        Some(rekor.payload.log_index as u64)
    );

    // A tampered SET is refused when a trusted root is given.
    let tag = cosign_tag(&signed.image, "sig").unwrap();
    let (bytes, _) = c
        .cosign_manifest(&signed.image, "sig")
        .await
        .unwrap()
        .unwrap();
    let mut m: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let mut bad = rekor.clone();
    bad.payload.log_index += 1;
    m["layers"][0]["annotations"][BUNDLE_ANNOTATION] = bad.to_json().into();
    c.push_manifest(&tag, serde_json::to_vec(&m).unwrap(), MANIFEST)
        .await
        .unwrap();
    let r = rejections(image::verify(&c, &image, &with_root).await.unwrap_err());
    assert!(
        matches!(
            &r[..],
            [Rejection::Bundle {
                error: BundleError::SignedEntryTimestamp(_),
                ..
            }]
        ),
        "{r:?}"
    );
    // Without a trusted root only the key is checked (as before).
    let no_root = ImagePolicy::key(k.public_key(), None, VerifyOptions::default()).unwrap();
    image::verify(&c, &image, &no_root).await.unwrap();
    // With one, a signature without a log entry is refused for that reason.
    let m = sc::signing::cosign::signature_manifest(&[]);
    c.push_blob(&signed.image, m.config).await.unwrap();
    c.push_manifest(&tag, m.manifest, MANIFEST).await.unwrap();
    let air_gapped = SignOptions {
        tlog_upload: false,
        ..SignOptions::default()
    };
    image::sign(&c, &image, &ImageSigner::key(k.clone(), None), &air_gapped)
        .await
        .unwrap();
    let r = rejections(image::verify(&c, &image, &with_root).await.unwrap_err());
    assert!(
        matches!(&r[..], [Rejection::MissingLogEntry { .. }]),
        "{r:?}"
    );
    image::verify(&c, &image, &no_root).await.unwrap();

    // The CLI: --tlog-upload (the default) with --rekor-url, verified with the root.
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("cosign.key");
    let pub_file = dir.path().join("cosign.pub");
    let pw = sc::signing::keys::Password::new("pw");
    std::fs::write(
        &key_file,
        k.to_encrypted_pem(&pw, sc::signing::keys::KdfParams::STANDARD)
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    std::fs::write(&pub_file, k.public_key().to_pem()).unwrap();
    let out = sc(
        &[
            "image",
            "sign",
            &image.to_string(),
            "--key",
            key_file.to_str().unwrap(),
            "--rekor-url",
            &mock.url(),
            "--trusted-root",
            &mock.trusted_root(),
            "--json",
        ],
        &[("COSIGN_PASSWORD", "pw")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("tlog entry created with index"),
        "{}",
        stderr(&out)
    );
    let out = sc(
        &[
            "image",
            "verify",
            &image.to_string(),
            "--key",
            pub_file.to_str().unwrap(),
            "--trusted-root",
            &mock.trusted_root(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("verified offline"),
        "{}",
        stderr(&out)
    );
}

/// sigstore-rs (the `sigstore` crate's cosign client) reads our `.sig` image with
/// the mock's Fulcio root and Rekor key as its trust root: it checks the SET
/// and the certificate chain, and the identity constraint holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigstore_rs_verifies_our_keyless_signature() {
    use sigstore::cosign::verification_constraint::{
        CertSubjectUrlVerifier, VerificationConstraintVec,
    };
    use sigstore::cosign::{ClientBuilder, CosignCapabilities};
    use sigstore::registry::{Auth, ClientConfig, ClientProtocol, OciReference};
    use sigstore::trust::ManualTrustRoot;

    let Some((reg, mock, image)) = setup() else {
        return;
    };
    let c = client();
    image::sign(&c, &image, &signer(&mock), &SignOptions::default())
        .await
        .unwrap();

    let trusted: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(mock.trusted_root()).unwrap()).unwrap();
    let b64 = |v: &serde_json::Value| {
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap()
    };
    let fulcio_certs = trusted["certificateAuthorities"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|ca| ca["certChain"]["certificates"].as_array().unwrap().clone())
        .map(|c| rustls_pki_types::CertificateDer::from(b64(&c["rawBytes"])))
        .collect();
    let rekor_keys = trusted["tlogs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                hex::encode(b64(&t["logId"]["keyId"])),
                b64(&t["publicKey"]["rawBytes"]),
            )
        })
        .collect();
    let root = ManualTrustRoot {
        fulcio_certs,
        rekor_keys,
        ctfe_keys: Default::default(),
    };
    let mut client = ClientBuilder::default()
        .with_oci_client_config(ClientConfig {
            protocol: ClientProtocol::Http,
            ..ClientConfig::default()
        })
        .with_trust_repository(&root)
        .unwrap()
        .build()
        .unwrap();
    let oci: OciReference = format!("{}/sc/app:v1", reg.addr).parse().unwrap();
    let layers = client
        .trusted_signature_layers(&Auth::Anonymous, &oci)
        .await
        .unwrap();
    assert_eq!(layers.len(), 1, "sigstore-rs accepted our signature layer");
    assert!(layers[0].bundle.is_some(), "with its Rekor bundle");
    let cert = layers[0]
        .certificate_signature
        .as_ref()
        .expect("and certificate");
    assert_eq!(cert.issuer.as_deref(), Some(ISSUER));
    // The mock Fulcio writes the token's identity as a URI SAN.
    let constraint = |identity: &str| -> VerificationConstraintVec {
        vec![Box::new(CertSubjectUrlVerifier {
            url: identity.to_string(),
            issuer: ISSUER.to_string(),
        })]
    };
    sigstore::cosign::verify_constraints(&layers, constraint(IDENTITY).iter())
        .expect("sigstore-rs verifies the identity");
    assert!(
        sigstore::cosign::verify_constraints(&layers, constraint("eve@example.com").iter())
            .is_err()
    );

    // It does check the SET: with a tampered one it accepts no layer.
    let pinned = image.with_digest(c.resolve_digest(&image).await.unwrap());
    let (bytes, _) = c.cosign_manifest(&pinned, "sig").await.unwrap().unwrap();
    let mut m: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let ann = &mut m["layers"][0]["annotations"][BUNDLE_ANNOTATION];
    let mut r = RekorBundle::parse(ann.as_str().unwrap()).unwrap();
    r.payload.integrated_time += 1;
    *ann = r.to_json().into();
    c.push_manifest(
        &cosign_tag(&pinned, "sig").unwrap(),
        serde_json::to_vec(&m).unwrap(),
        MANIFEST,
    )
    .await
    .unwrap();
    let layers = client
        .trusted_signature_layers(&Auth::Anonymous, &oci)
        .await
        .unwrap_or_default();
    assert!(layers.is_empty(), "sigstore-rs accepted a tampered SET");
}

/// A certificate that has expired by verification time (the mock's clock runs an
/// hour behind, Fulcio certificates last 10 minutes): with the log's SET proving
/// it was used while valid, the signature verifies, as with cosign; without a
/// valid log timestamp nothing proves that, and it is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_certificate_needs_a_valid_log_timestamp() {
    let Some(tools) = support::sigstore::mock_tools() else {
        return;
    };
    let mock = SigstoreMock::start_at(&tools, -3600);
    let reg = Registry::start();
    reg.copy_in(&fixture_oci("debian-app"), "sc/app:v1");
    let image: ImageReference = format!("{}/sc/app:v1", reg.addr).parse().unwrap();
    let c = client();
    let signed = image::sign(&c, &image, &signer(&mock), &SignOptions::default())
        .await
        .unwrap();
    let p = policy(&mock, IDENTITY, ISSUER);

    // The certificate is expired now.
    let (bytes, _) = c
        .cosign_manifest(&signed.image, "sig")
        .await
        .unwrap()
        .unwrap();
    let good: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let pem = good["layers"][0]["annotations"][CERTIFICATE_ANNOTATION]
        .as_str()
        .unwrap()
        .to_string();
    let der = base64::engine::general_purpose::STANDARD
        .decode(
            pem.lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>(),
        )
        .unwrap();
    use x509_cert::der::Decode;
    let cert = x509_cert::Certificate::from_der(&der).unwrap();
    let not_after = cert.tbs_certificate.validity.not_after.to_unix_duration();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    assert!(not_after < now, "the certificate should have expired");

    // Valid SET: verifies (both forms).
    let v = image::verify(&c, &image, &p).await.unwrap();
    assert_eq!(v.signatures[0].source, SignatureSource::SignatureLayer);
    let (_, template, bundle) = referrer_bundle(&c, &signed.image).await;
    drop_sig_layers(&c, &signed.image).await;
    let v = image::verify(&c, &image, &p).await.unwrap();
    assert_eq!(v.signatures[0].source, SignatureSource::BundleReferrer);

    // The bundle without its SET (an inclusion proof does not date the entry):
    // no valid log timestamp, refused.
    let mut b = bundle.clone();
    b["verificationMaterial"]["tlogEntries"][0]
        .as_object_mut()
        .unwrap()
        .remove("inclusionPromise");
    replace_referrer(&c, &signed.image, &template, &b).await;
    let r = rejections(image::verify(&c, &image, &p).await.unwrap_err());
    assert!(
        matches!(
            &r[..],
            [Rejection::Bundle {
                error: BundleError::NoVerifiedTime(_),
                ..
            }]
        ),
        "{r:?}"
    );
    // The `.sig` form with its integrated time moved back into the (expired)
    // certificate's validity by hand: the SET no longer covers it.
    let mut m = good.clone();
    let ann = &mut m["layers"][0]["annotations"][BUNDLE_ANNOTATION];
    let mut rb = RekorBundle::parse(ann.as_str().unwrap()).unwrap();
    rb.payload.integrated_time += 60;
    *ann = rb.to_json().into();
    c.push_manifest(
        &cosign_tag(&signed.image, "sig").unwrap(),
        serde_json::to_vec(&m).unwrap(),
        MANIFEST,
    )
    .await
    .unwrap();
    drop_referrers(&c, &signed.image).await;
    let r = rejections(image::verify(&c, &image, &p).await.unwrap_err());
    assert!(
        matches!(
            &r[..],
            [Rejection::Bundle {
                error: BundleError::SignedEntryTimestamp(_),
                ..
            }]
        ),
        "{r:?}"
    );
}
