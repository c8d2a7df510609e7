//! Keyless image signing and verification against a real registry (distribution
//! 2.8 on loopback) and a loopback Fulcio + Rekor (npm `@sigstore/mock`):
//! `sc image sign` without a key, `sc image verify --certificate-identity`, the
//! registry layout cosign writes (the `.sig` image with certificate, chain and
//! Rekor bundle annotations; the Sigstore bundle v0.3 referrer), key-based
//! signing with a Rekor entry, and one test per way verification must fail.
//!
//! Independent checks: sigstore-python verifies the bundle we push as a referrer
//! (pulled back to a file) against the image manifest bytes.
//!
//! Environment: see tests/support/sigstore.rs (SC_SIGSTORE_MOCK,
//! SC_SIGSTORE_PYTHON; SC_REQUIRE_SIGSTORE_MOCK=1 makes a missing mock fail).

mod support;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use sc::digest::Digest;
use sc::reference::ImageReference;
use sc::registry::{cosign_tag, RegistryClient, RegistryOptions, RetryPolicy};
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
use support::{repo_path, sc, stderr, stdout, Registry};

const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const INDEX: &str = "application/vnd.oci.image.index.v1+json";

fn fixture_oci(name: &str) -> String {
    format!(
        "oci:{}:v1",
        repo_path(&format!("fixtures/images/{name}")).display()
    )
}

fn client() -> Arc<RegistryClient> {
    Arc::new(
        RegistryClient::new(RegistryOptions {
            env: Arc::new(HashMap::<String, String>::new()),
            retry: RetryPolicy {
                max_retries: 2,
                base_delay: Duration::from_millis(20),
                max_delay: Duration::from_millis(100),
            },
            ..RegistryOptions::default()
        })
        .unwrap(),
    )
}

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
