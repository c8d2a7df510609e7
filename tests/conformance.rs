//! The sigstore-conformance suite's offline verification cases, run through our
//! protocol adapter (`sc-conformance`) exactly as the suite's `test_verify` runs
//! a client: every folder of `bundle-verify/` twice, once with the artifact file
//! and once with its `sha256:` digest, with the flags of docs/cli_protocol.md.
//! A folder whose name ends in `_fail` must be rejected; every other must verify.
//!
//! The suite itself is a GitHub action plus pytest files in its repository (it
//! is not published on PyPI), and CI reaches no repository, so this test applies
//! the same rules to the suite's asset folders (data) with no pytest involved.
//!
//! Environment (set by scripts/conformance.sh):
//! - `SC_CONFORMANCE_ASSETS`: the suite's `test/assets` folder (holding
//!   `bundle-verify/`). Unset: the test prints a note and passes without running.
//! - `SC_PUBLIC_GOOD_TRUSTED_ROOT`: the public-good `trusted_root.json` for the
//!   cases that bring none of their own (sigstore-python's packaged copy).

use std::path::{Path, PathBuf};
use std::process::Command;

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

struct Case {
    name: String,
    dir: PathBuf,
    artifact: PathBuf,
}

fn cases(assets: &Path) -> Vec<Case> {
    let root = assets.join("bundle-verify");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("reading {}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let own = dir.join("artifact");
            Case {
                name: dir.file_name().unwrap().to_string_lossy().into_owned(),
                artifact: if own.exists() {
                    own
                } else {
                    root.join("a.txt")
                },
                dir,
            }
        })
        .collect()
}

fn read_trimmed(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

fn sha256_hex(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

/// The arguments the suite's `build_verify_args` passes, in its order.
fn verify_args(case: &Case, digest: bool) -> Vec<String> {
    let mut args = vec![
        "verify-bundle".to_string(),
        "--bundle".into(),
        case.dir.join("bundle.sigstore.json").display().to_string(),
    ];
    let key = case.dir.join("key.pub");
    if key.exists() {
        args.extend(["--key".into(), key.display().to_string()]);
    } else {
        args.extend([
            "--certificate-identity".into(),
            read_trimmed(&case.dir.join("identity")).unwrap_or_else(|| DEFAULT_IDENTITY.into()),
            "--certificate-oidc-issuer".into(),
            read_trimmed(&case.dir.join("issuer")).unwrap_or_else(|| DEFAULT_ISSUER.into()),
        ]);
    }
    let root = case.dir.join("trusted_root.json");
    if root.exists() {
        args.extend(["--trusted-root".into(), root.display().to_string()]);
    }
    args.push(if digest {
        format!("sha256:{}", sha256_hex(&case.artifact))
    } else {
        case.artifact.display().to_string()
    });
    args
}

#[test]
fn sigstore_conformance_bundle_verify_cases() {
    let Some(assets) = std::env::var_os("SC_CONFORMANCE_ASSETS").map(PathBuf::from) else {
        eprintln!(
            "note: SC_CONFORMANCE_ASSETS is not set; the sigstore-conformance cases did not run \
             (scripts/conformance.sh runs them)"
        );
        return;
    };
    let public_good = std::env::var_os("SC_PUBLIC_GOOD_TRUSTED_ROOT")
        .map(PathBuf::from)
        .expect("SC_CONFORMANCE_ASSETS is set but SC_PUBLIC_GOOD_TRUSTED_ROOT is not: run scripts/conformance.sh, which takes it from the sigstore PyPI package");
    assert!(
        public_good.is_file(),
        "{} is missing",
        public_good.display()
    );
    let adapter = env!("CARGO_BIN_EXE_sc-conformance");

    let cases = cases(&assets);
    assert!(!cases.is_empty(), "no cases under {}", assets.display());
    // [file, digest] x [must verify, must fail] -> (passed, failed)
    let mut tally = [[(0usize, 0usize); 2]; 2];
    let mut failures = Vec::new();
    for case in &cases {
        let must_fail = case.name.ends_with("_fail");
        for (mode, digest) in [("file", false), ("digest", true)] {
            let out = Command::new(adapter)
                .args(verify_args(case, digest))
                .env("SC_TRUSTED_ROOT", &public_good)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
            // A rejection is a clean non-zero exit with a reason; a crash never counts.
            let rejected = matches!(out.status.code(), Some(1..=3)) && !stderr.is_empty();
            let ok = if must_fail {
                rejected
            } else {
                out.status.success()
            };
            let slot = &mut tally[usize::from(digest)][usize::from(must_fail)];
            if ok {
                slot.0 += 1;
            } else {
                slot.1 += 1;
                failures.push(format!(
                    "{}[{mode}]: expected {}, got {} {stderr}",
                    case.name,
                    if must_fail { "rejection" } else { "success" },
                    out.status
                ));
            }
            println!(
                "{:<62} {mode:<6} {} {}",
                case.name,
                if ok { "ok  " } else { "FAIL" },
                if must_fail {
                    stderr.lines().last().unwrap_or("")
                } else {
                    ""
                }
            );
        }
    }
    for (i, mode) in ["file", "digest"].iter().enumerate() {
        for (j, kind) in ["must verify", "must fail"].iter().enumerate() {
            let (p, f) = tally[i][j];
            println!("  {mode:<6} {kind:<11}: {p} passed, {f} failed");
        }
    }
    let passed: usize = tally.iter().flatten().map(|t| t.0).sum();
    let failed: usize = tally.iter().flatten().map(|t| t.1).sum();
    println!("conformance: {passed} passed, {failed} failed");
    assert!(
        failures.is_empty(),
        "{} conformance case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Targeted tampering of the suite's valid bundles: each broken property must be
// rejected with its own reason (the suite's `_fail` cases sometimes trip an
// earlier check than the one they are named after, e.g. a missing checkpoint).

mod tamper {
    use std::path::{Path, PathBuf};

    use base64::Engine;
    use sc::signing::bundle::{
        ArtifactInput, Bundle, BundleError, BundleVerifier, IdentityPolicy, Matcher, PublicKey,
        VerificationPolicy, VerifiedBundle,
    };
    use sc::signing::trust::TrustedRoot;
    use serde_json::Value;

    const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

    struct Env {
        cases: PathBuf,
        public_good: TrustedRoot,
        public_good_json: Value,
    }

    fn env() -> Option<Env> {
        let assets = std::env::var_os("SC_CONFORMANCE_ASSETS").map(PathBuf::from)?;
        let root = PathBuf::from(
            std::env::var_os("SC_PUBLIC_GOOD_TRUSTED_ROOT")
                .expect("SC_PUBLIC_GOOD_TRUSTED_ROOT must be set with SC_CONFORMANCE_ASSETS"),
        );
        let text = std::fs::read_to_string(&root).unwrap();
        Some(Env {
            cases: assets.join("bundle-verify"),
            public_good: TrustedRoot::from_json(&text).unwrap(),
            public_good_json: serde_json::from_str(&text).unwrap(),
        })
    }

    fn load(dir: &Path) -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("bundle.sigstore.json")).unwrap())
            .unwrap()
    }

    fn beacon() -> VerificationPolicy {
        VerificationPolicy::Keyless(IdentityPolicy::exact(
            super::DEFAULT_IDENTITY,
            super::DEFAULT_ISSUER,
        ))
    }

    fn verify(
        root: &TrustedRoot,
        bundle: &Value,
        artifact: &ArtifactInput,
        policy: &VerificationPolicy,
    ) -> Result<VerifiedBundle, BundleError> {
        let bundle = Bundle::from_json(&bundle.to_string())?;
        BundleVerifier::new(root)?.verify(artifact, &bundle, policy)
    }

    /// Flip one bit in the middle of a base64 field.
    fn flip_b64(v: &mut Value) {
        let mut bytes = B64.decode(v.as_str().unwrap()).unwrap();
        let i = bytes.len() / 2;
        bytes[i] ^= 0x01;
        *v = Value::String(B64.encode(bytes));
    }

    type Check = fn(&BundleError) -> bool;
    type Mutation = Box<dyn Fn(&mut Value)>;

    fn tlog(b: &mut Value) -> &mut Value {
        &mut b["verificationMaterial"]["tlogEntries"][0]
    }

    #[test]
    fn each_tampering_is_rejected_for_its_own_reason() {
        let Some(env) = env() else {
            eprintln!("note: SC_CONFORMANCE_ASSETS is not set; tampering tests did not run");
            return;
        };
        let root = &env.public_good;
        let dir = env.cases.join("happy-path-v0.2");
        let good = load(&dir);
        let a_txt = ArtifactInput::from_file(&env.cases.join("a.txt")).unwrap();
        let digest = ArtifactInput::from_arg(&a_txt.sha256_digest()).unwrap();

        // The untouched bundle verifies, from the file and from the digest.
        for artifact in [&a_txt, &digest] {
            let v = verify(root, &good, artifact, &beacon()).unwrap();
            assert_eq!(
                v.signer.to_string(),
                format!(
                    "{} (issuer {})",
                    super::DEFAULT_IDENTITY,
                    super::DEFAULT_ISSUER
                )
            );
            assert_eq!(v.log_index, Some(27246492));
            assert!(!v.signed_at.is_empty());
        }

        let cases: Vec<(&str, Mutation, Check)> = vec![
            (
                "empty certificate chain",
                Box::new(|b| {
                    b["verificationMaterial"]["x509CertificateChain"]["certificates"] =
                        Value::Array(vec![])
                }),
                |e| matches!(e, BundleError::Invalid(_) | BundleError::Malformed(_)),
            ),
            (
                "tampered message signature",
                Box::new(|b| flip_b64(&mut b["messageSignature"]["signature"])),
                // the log entry records the real signature, so the mismatch is caught there or in the crypto
                |e| {
                    matches!(
                        e,
                        BundleError::LogEntryMismatch(_) | BundleError::Signature(_)
                    )
                },
            ),
            (
                "tampered signed entry timestamp",
                Box::new(|b| flip_b64(&mut tlog(b)["inclusionPromise"]["signedEntryTimestamp"])),
                |e| matches!(e, BundleError::SignedEntryTimestamp(_)),
            ),
            (
                "integrated time moved by one second",
                Box::new(|b| {
                    let t: i64 = tlog(b)["integratedTime"].as_str().unwrap().parse().unwrap();
                    tlog(b)["integratedTime"] = Value::String((t + 1).to_string());
                }),
                |e| matches!(e, BundleError::SignedEntryTimestamp(_)),
            ),
            (
                "tampered log index",
                Box::new(|b| tlog(b)["logIndex"] = Value::String("27246493".into())),
                |e| matches!(e, BundleError::SignedEntryTimestamp(_)),
            ),
            (
                "tampered inclusion proof hash",
                Box::new(|b| flip_b64(&mut tlog(b)["inclusionProof"]["hashes"][3])),
                |e| matches!(e, BundleError::InclusionProof(_)),
            ),
            (
                "inclusion proof for another index",
                Box::new(|b| {
                    tlog(b)["inclusionProof"]["logIndex"] = Value::String("23083060".into())
                }),
                |e| matches!(e, BundleError::InclusionProof(_)),
            ),
            (
                "tampered checkpoint signature",
                Box::new(|b| {
                    let cp = &mut tlog(b)["inclusionProof"]["checkpoint"]["envelope"];
                    let text = cp.as_str().unwrap().to_string();
                    let (head, sig_line) = text.trim_end().rsplit_once(' ').unwrap();
                    let mut sig = B64.decode(sig_line).unwrap();
                    let n = sig.len() - 5;
                    sig[n] ^= 1;
                    *cp = Value::String(format!("{head} {}\n", B64.encode(sig)));
                }),
                |e| matches!(e, BundleError::Checkpoint(_)),
            ),
            (
                "inclusion proof without its checkpoint",
                Box::new(|b| {
                    tlog(b)["inclusionProof"]
                        .as_object_mut()
                        .unwrap()
                        .remove("checkpoint");
                }),
                |e| matches!(e, BundleError::Invalid(_)),
            ),
            (
                "no log entry at all",
                Box::new(|b| b["verificationMaterial"]["tlogEntries"] = Value::Array(vec![])),
                |e| matches!(e, BundleError::Invalid(_)),
            ),
            (
                "log entry from an untrusted log",
                Box::new(|b| {
                    tlog(b)["logId"]["keyId"] = Value::String(B64.encode([7u8; 32]));
                }),
                |e| {
                    matches!(
                        e,
                        BundleError::UnknownLog(_)
                            | BundleError::SignedEntryTimestamp(_)
                            | BundleError::Checkpoint(_)
                    )
                },
            ),
            (
                // Without the SET the integrated time is unauthenticated: the
                // certificate (valid for 10 minutes in 2023) has no verified time
                // to be checked at, and "now" must not be used instead.
                "signing certificate expired and no verified log time",
                Box::new(|b| {
                    tlog(b).as_object_mut().unwrap().remove("inclusionPromise");
                }),
                |e| {
                    matches!(
                        e,
                        BundleError::NoVerifiedTime(_)
                            | BundleError::CertificateChain(_)
                            | BundleError::CertificateNotValidAtSigningTime(_)
                            | BundleError::Invalid(_)
                    )
                },
            ),
        ];
        // The spec forbids the root in a v0.1/v0.2 chain (sigstore-python rejects it).
        let with_root = {
            let mut b = good.clone();
            let cas = env.public_good_json["certificateAuthorities"]
                .as_array()
                .unwrap();
            let ca = cas.last().unwrap();
            let chain = b["verificationMaterial"]["x509CertificateChain"]["certificates"]
                .as_array_mut()
                .unwrap();
            for c in ca["certChain"]["certificates"].as_array().unwrap() {
                chain.push(c.clone());
            }
            b
        };
        let mut failures = Vec::new();
        match verify(root, &with_root, &a_txt, &beacon()) {
            Ok(_) => failures.push("chain with its root: ACCEPTED".to_string()),
            Err(e @ BundleError::Invalid(_)) => {
                println!("{:<55} rejected: {e}", "chain with its root")
            }
            Err(e) => failures.push(format!("chain with its root: unexpected reason: {e:?}")),
        }
        for (what, mutate, check) in &cases {
            let mut b = good.clone();
            mutate(&mut b);
            match verify(root, &b, &a_txt, &beacon()) {
                Ok(_) => failures.push(format!("{what}: ACCEPTED")),
                Err(e) if check(&e) => println!("{what:<55} rejected: {e}"),
                Err(e) => {
                    failures.push(format!("{what}: rejected for an unexpected reason: {e:?}"))
                }
            }
        }

        // Policy and artifact failures.
        let policies: Vec<(&str, VerificationPolicy, ArtifactInput, Check)> = vec![
            (
                "wrong identity",
                VerificationPolicy::Keyless(IdentityPolicy::exact(
                    "https://github.com/someone/else/.github/workflows/x.yml@refs/heads/main",
                    super::DEFAULT_ISSUER,
                )),
                a_txt.clone(),
                |e| matches!(e, BundleError::IdentityMismatch { .. }),
            ),
            (
                "wrong issuer",
                VerificationPolicy::Keyless(IdentityPolicy::exact(
                    super::DEFAULT_IDENTITY,
                    "https://accounts.google.com",
                )),
                a_txt.clone(),
                |e| matches!(e, BundleError::IssuerMismatch { .. }),
            ),
            (
                "identity regexp that does not match",
                VerificationPolicy::Keyless(IdentityPolicy {
                    identity: Matcher::regex("^https://github.com/sigstore/").unwrap(),
                    issuer: Matcher::Exact(super::DEFAULT_ISSUER.into()),
                }),
                a_txt.clone(),
                |e| matches!(e, BundleError::IdentityMismatch { .. }),
            ),
            (
                "another artifact",
                beacon(),
                ArtifactInput::Bytes(b"not a.txt".to_vec()),
                |e| matches!(e, BundleError::ArtifactMismatch(_)),
            ),
            (
                "another digest",
                beacon(),
                ArtifactInput::Sha256([0x42; 32]),
                |e| matches!(e, BundleError::ArtifactMismatch(_)),
            ),
        ];
        for (what, policy, artifact, check) in &policies {
            match verify(root, &good, artifact, policy) {
                Ok(_) => failures.push(format!("{what}: ACCEPTED")),
                Err(e) if check(&e) => println!("{what:<55} rejected: {e}"),
                Err(e) => {
                    failures.push(format!("{what}: rejected for an unexpected reason: {e:?}"))
                }
            }
        }
        // Regular expressions that do match.
        let regex_policy = VerificationPolicy::Keyless(IdentityPolicy {
            identity: Matcher::regex("^https://github.com/sigstore-conformance/").unwrap(),
            issuer: Matcher::regex(r"^https://token\.actions\.githubusercontent\.com$").unwrap(),
        });
        if let Err(e) = verify(root, &good, &a_txt, &regex_policy) {
            failures.push(format!("matching regexps: rejected: {e}"));
        }

        // A certificate bundle offered to key verification, and vice versa.
        let rekor_key_pem = {
            let der = B64
                .decode(
                    env.public_good_json["tlogs"][0]["publicKey"]["rawBytes"]
                        .as_str()
                        .unwrap(),
                )
                .unwrap();
            format!(
                "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
                B64.encode(der)
            )
        };
        let some_key = PublicKey::from_pem(&rekor_key_pem).unwrap();
        match verify(
            root,
            &good,
            &a_txt,
            &VerificationPolicy::Key(some_key.clone()),
        ) {
            Err(BundleError::CertificateInsteadOfKey) => {}
            other => failures.push(format!("key policy on a certificate bundle: {other:?}")),
        }
        let keyed_dir = env.cases.join("managed-key-happy-path");
        let keyed = load(&keyed_dir);
        let right_key = PublicKey::from_file(&keyed_dir.join("key.pub")).unwrap();
        match verify(root, &keyed, &a_txt, &VerificationPolicy::Key(right_key)) {
            Ok(v) => assert!(v.signer.to_string().starts_with("key sha256:")),
            Err(e) => failures.push(format!("managed key, right key: {e}")),
        }
        match verify(root, &keyed, &a_txt, &VerificationPolicy::Key(some_key)) {
            Err(BundleError::Signature(_) | BundleError::LogEntryMismatch(_)) => {}
            other => failures.push(format!("managed key, valid but wrong key: {other:?}")),
        }
        match verify(root, &keyed, &a_txt, &beacon()) {
            Err(BundleError::KeyRequired { .. }) => {}
            other => failures.push(format!("managed-key bundle without a key: {other:?}")),
        }

        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

/// `sc verify-bundle` itself (the adapter shares its code): output and exit codes.
#[test]
fn sc_verify_bundle_cli() {
    let (Some(assets), Some(root)) = (
        std::env::var_os("SC_CONFORMANCE_ASSETS").map(PathBuf::from),
        std::env::var_os("SC_PUBLIC_GOOD_TRUSTED_ROOT").map(PathBuf::from),
    ) else {
        eprintln!("note: SC_CONFORMANCE_ASSETS is not set; sc verify-bundle CLI test did not run");
        return;
    };
    let cases = assets.join("bundle-verify");
    let bundle = cases.join("happy-path-v0.3/bundle.sigstore.json");
    let artifact = cases.join("a.txt");
    let sc = |extra: &[&str]| {
        let mut args: Vec<String> = vec![
            "verify-bundle".into(),
            "--bundle".into(),
            bundle.display().to_string(),
            "--trusted-root".into(),
            root.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let out = Command::new(env!("CARGO_BIN_EXE_sc"))
            .args(&args)
            .env_remove("SC_TRUSTED_ROOT")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let a = artifact.display().to_string();
    let digest = format!("sha256:{}", sha256_hex(&artifact));

    let (code, stdout, stderr) = sc(&[
        "--certificate-identity-regexp",
        "^https://github.com/sigstore-conformance/",
        "--certificate-oidc-issuer",
        DEFAULT_ISSUER,
        "--json",
        &digest,
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["verified"], true);
    assert_eq!(v["bundleVersion"], "v0.3");
    assert!(
        v["signer"].as_str().unwrap().contains(DEFAULT_IDENTITY),
        "{v}"
    );

    let (code, stdout, stderr) = sc(&[
        "--certificate-identity",
        DEFAULT_IDENTITY,
        "--certificate-oidc-issuer",
        DEFAULT_ISSUER,
        &a,
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.is_empty() && stderr.contains("Verified OK"),
        "{stderr}"
    );

    // Verification failures exit 1 with the reason.
    let (code, _, stderr) = sc(&[
        "--certificate-identity",
        "someone@example.com",
        "--certificate-oidc-issuer",
        DEFAULT_ISSUER,
        &a,
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("certificate identity"), "{stderr}");
    let (code, _, stderr) = sc(&[
        "--certificate-identity",
        DEFAULT_IDENTITY,
        "--certificate-oidc-issuer",
        DEFAULT_ISSUER,
        &format!("sha256:{}", "0".repeat(64)),
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("does not match the artifact"), "{stderr}");

    // Usage errors exit 2: no identity policy; a bad regular expression.
    let (code, _, stderr) = sc(&[&a]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--certificate-identity"), "{stderr}");
    let (code, _, stderr) = sc(&[
        "--certificate-identity-regexp",
        "(",
        "--certificate-oidc-issuer",
        DEFAULT_ISSUER,
        &a,
    ]);
    assert_eq!(code, Some(2), "{stderr}");
}
