//! Bundle verification on a bundle of our own (tests/data/sigstore-mock: made
//! by `sc sign-bundle` against a loopback mock Fulcio and Rekor, accepted by
//! sigstore-python and sigstore-js): success, and one failure per broken
//! property, each with its own error. Needs nothing outside the repository.

use std::path::PathBuf;
use std::process::Command;

use base64::Engine;
use sc::signing::bundle::{
    ArtifactInput, Bundle, BundleError, BundleVerifier, BundleVersion, IdentityPolicy, Matcher,
    PublicKey, Signer, VerificationPolicy, VerifiedBundle,
};
use sc::signing::trust::TrustedRoot;
use serde_json::Value;

const IDENTITY: &str = "ci@example.com";
const ISSUER: &str = "https://oidc.mock.example";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/sigstore-mock")
        .join(name)
}

fn root() -> TrustedRoot {
    TrustedRoot::from_file(&data("trusted_root.json")).unwrap()
}

fn bundle_json() -> Value {
    serde_json::from_str(&std::fs::read_to_string(data("artifact.sigstore.json")).unwrap()).unwrap()
}

fn artifact() -> ArtifactInput {
    ArtifactInput::from_file(&data("artifact.txt")).unwrap()
}

fn policy(identity: &str, issuer: &str) -> VerificationPolicy {
    VerificationPolicy::Keyless(IdentityPolicy::exact(identity, issuer))
}

fn verify(
    b: &Value,
    a: &ArtifactInput,
    p: &VerificationPolicy,
) -> Result<VerifiedBundle, BundleError> {
    let bundle = Bundle::from_json(&b.to_string())?;
    BundleVerifier::new(&root())?.verify(a, &bundle, p)
}

fn tlog(b: &mut Value) -> &mut Value {
    &mut b["verificationMaterial"]["tlogEntries"][0]
}

fn flip_b64(v: &mut Value) {
    let mut bytes = B64.decode(v.as_str().unwrap()).unwrap();
    let i = bytes.len() / 2;
    bytes[i] ^= 1;
    *v = Value::String(B64.encode(bytes));
}

#[test]
fn our_bundle_verifies_from_the_file_and_from_the_digest() {
    let good = bundle_json();
    let a = artifact();
    for input in [
        a.clone(),
        ArtifactInput::from_arg(&a.sha256_digest()).unwrap(),
    ] {
        let v = verify(&good, &input, &policy(IDENTITY, ISSUER)).unwrap();
        assert_eq!(
            v.signer,
            Signer::Certificate {
                identity: IDENTITY.into(),
                issuer: ISSUER.into()
            }
        );
        assert_eq!(v.version, BundleVersion::V0_3);
        assert!(v.log_index.is_some());
        assert_eq!(v.signed_at.len(), 1, "the SET-backed integrated time");
    }
    let regex = VerificationPolicy::Keyless(IdentityPolicy {
        identity: Matcher::regex(r"^ci@example\.com$").unwrap(),
        issuer: Matcher::regex(r"^https://oidc\.mock\.").unwrap(),
    });
    verify(&good, &a, &regex).unwrap();
}

#[test]
fn zero_values_are_written_explicitly() {
    let b = bundle_json();
    // A fresh log's first entry: protobuf JSON would allow omitting it, but
    // verifiers that read the field must find it.
    assert_eq!(tlog(&mut b.clone())["inclusionProof"]["logIndex"], "0");
    assert!(tlog(&mut b.clone())["inclusionProof"]["hashes"].is_array());
}

#[test]
fn each_broken_property_fails_with_its_own_error() {
    let good = bundle_json();
    let a = artifact();
    let p = policy(IDENTITY, ISSUER);
    let check = |what: &str,
                 b: &Value,
                 a: &ArtifactInput,
                 p: &VerificationPolicy,
                 ok: fn(&BundleError) -> bool| {
        match verify(b, a, p) {
            Ok(_) => panic!("{what}: accepted"),
            Err(e) => assert!(ok(&e), "{what}: wrong reason: {e:?}"),
        }
    };
    check(
        "wrong identity",
        &good,
        &a,
        &policy("someone@example.com", ISSUER),
        |e| matches!(e, BundleError::IdentityMismatch { .. }),
    );
    check(
        "wrong issuer",
        &good,
        &a,
        &policy(IDENTITY, "https://accounts.google.com"),
        |e| matches!(e, BundleError::IssuerMismatch { .. }),
    );
    check(
        "another artifact",
        &good,
        &ArtifactInput::Bytes(b"tampered payload".to_vec()),
        &p,
        |e| matches!(e, BundleError::ArtifactMismatch(_)),
    );
    check(
        "signature for another digest",
        &good,
        &ArtifactInput::Sha256([7; 32]),
        &p,
        |e| matches!(e, BundleError::ArtifactMismatch(_)),
    );

    let mut b = good.clone();
    flip_b64(&mut b["messageSignature"]["signature"]);
    check("tampered signature", &b, &a, &p, |e| {
        matches!(
            e,
            BundleError::Signature(_) | BundleError::LogEntryMismatch(_)
        )
    });

    let mut b = good.clone();
    flip_b64(&mut tlog(&mut b)["inclusionPromise"]["signedEntryTimestamp"]);
    check("tampered SET", &b, &a, &p, |e| {
        matches!(e, BundleError::SignedEntryTimestamp(_))
    });

    let mut b = good.clone();
    let t: i64 = tlog(&mut b)["integratedTime"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    tlog(&mut b)["integratedTime"] = Value::String((t - 3600).to_string());
    check("backdated integrated time", &b, &a, &p, |e| {
        matches!(e, BundleError::SignedEntryTimestamp(_))
    });

    let mut b = good.clone();
    flip_b64(&mut tlog(&mut b)["inclusionProof"]["rootHash"]);
    check("tampered inclusion proof root", &b, &a, &p, |e| {
        matches!(
            e,
            BundleError::InclusionProof(_) | BundleError::Invalid(_) | BundleError::Checkpoint(_)
        )
    });

    // The certificate was valid for ten minutes, long ago: without the SET
    // there is no verified time inside that window, and "now" must not be used.
    let mut b = good.clone();
    tlog(&mut b)
        .as_object_mut()
        .unwrap()
        .remove("inclusionPromise");
    check("expired certificate, no log timestamp", &b, &a, &p, |e| {
        matches!(e, BundleError::NoVerifiedTime(_))
    });

    // Another deployment's trusted root (public good) does not know this CA or log.
    let other = TrustedRoot::embedded(sc::signing::trust::SigstoreInstance::PublicGood).unwrap();
    let bundle = Bundle::from_json(&good.to_string()).unwrap();
    let e = BundleVerifier::new(&other)
        .unwrap()
        .verify(&a, &bundle, &p)
        .unwrap_err();
    assert!(
        matches!(
            e,
            BundleError::SignedEntryTimestamp(_)
                | BundleError::UnknownLog(_)
                | BundleError::CertificateChain(_)
        ),
        "{e:?}"
    );

    // A certificate bundle is never accepted as a key-signed one.
    let key = PublicKey::from_pem(
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAExRRST79+PsrRBnGAI4cMu6Omz2Jh\nfwlMW+gIutNKVRaMyS4rQKvgngc5p8UbLj55pVHhIoAxi/SRgURZI0J3Xw==\n-----END PUBLIC KEY-----\n",
    )
    .unwrap();
    check(
        "key policy on a certificate bundle",
        &good,
        &a,
        &VerificationPolicy::Key(key),
        |e| matches!(e, BundleError::CertificateInsteadOfKey),
    );
}

#[test]
fn sc_verify_bundle_exit_codes() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_sc"))
            .arg("verify-bundle")
            .arg("--bundle")
            .arg(data("artifact.sigstore.json"))
            .arg("--trusted-root")
            .arg(data("trusted_root.json"))
            .args(args)
            .env_remove("SC_TRUSTED_ROOT")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let a = data("artifact.txt").display().to_string();
    let (code, err) = run(&[
        "--certificate-identity",
        IDENTITY,
        "--certificate-oidc-issuer",
        ISSUER,
        &a,
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("Verified OK"), "{err}");
    let (code, err) = run(&[
        "--certificate-identity",
        "x@example.com",
        "--certificate-oidc-issuer",
        ISSUER,
        &a,
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("certificate identity"), "{err}");
    let (code, err) = run(&["--key", &a, &a]);
    assert_eq!(code, Some(2), "not a PEM key: {err}");
    let (code, err) = run(&["--certificate-oidc-issuer", ISSUER, &a]);
    assert_eq!(code, Some(2), "{err}");
    let (code, err) = run(&[
        "--certificate-identity",
        IDENTITY,
        "--certificate-oidc-issuer",
        ISSUER,
        "/nonexistent",
    ]);
    assert_eq!(code, Some(3), "{err}");
}
