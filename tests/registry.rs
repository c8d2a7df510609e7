//! Registry access against a real registry (Debian's docker-registry, i.e.
//! distribution 2.8) on loopback: anonymous, htpasswd basic auth, TLS with a
//! private CA, injected faults, corrupted storage, referrers and cosign tags.

mod support;

use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use sc::digest::Digest;
use sc::layers::LayerLimits;
use sc::reference::ImageReference;
use sc::registry::{RegistryAuth, RegistryClient, RegistryError, RegistryOptions, RetryPolicy};
use sc::source::{self, ImageSource, Platform, RegistrySource};
use support::{
    fixture_oci, repo_path, sc, stderr, stdout, stored_blob, FaultProxy, Registry, RegistryConfig,
};

fn fixture_index_digest(name: &str) -> Digest {
    let v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(repo_path(&format!("fixtures/images/{name}/index.json"))).unwrap(),
    )
    .unwrap();
    v["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn empty_env() -> Arc<HashMap<String, String>> {
    Arc::new(HashMap::new())
}

fn client(opts: RegistryOptions) -> Arc<RegistryClient> {
    Arc::new(RegistryClient::new(opts).unwrap())
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
    }
}

fn base_opts() -> RegistryOptions {
    RegistryOptions {
        env: empty_env(),
        retry: fast_retry(),
        ..RegistryOptions::default()
    }
}

async fn read_all_layers(src: &RegistrySource, img: &source::ResolvedImage) -> Result<u64, String> {
    let mut total = 0;
    for layer in img.layers() {
        let mut r = source::open_layer(src, &layer, LayerLimits::default(), true)
            .await
            .map_err(|e| e.to_string())?;
        total += tokio::task::spawn_blocking(move || {
            let mut sink = Vec::new();
            r.read_to_end(&mut sink).map(|_| sink.len() as u64)
        })
        .await
        .unwrap()
        .map_err(|e| e.to_string())?;
    }
    Ok(total)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_registry_pull_and_digest() {
    let reg = Registry::start();
    reg.copy_in(&fixture_oci("debian-app"), "sc/app:v1");
    let r: ImageReference = format!("{}/sc/app:v1", reg.addr).parse().unwrap();
    let c = client(base_opts());

    // Tag → digest equals the manifest digest skopeo copied from the layout.
    let digest = c.resolve_digest(&r).await.unwrap();
    assert_eq!(digest, fixture_index_digest("debian-app"));

    // Full resolve + every layer streamed and verified (blob digest and diff_id).
    let src = RegistrySource::new(c.clone(), r.clone());
    let img = src.resolve(&Platform::default()).await.unwrap();
    assert_eq!(img.manifest_digest, digest);
    assert_eq!(
        img.reference.as_ref().unwrap().digest.as_ref(),
        Some(&digest)
    );
    assert!(read_all_layers(&src, &img).await.unwrap() > 0);

    // The CLI prints the same digest, and the pinned form.
    let out = sc(&["image", "digest", &r.to_string()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), digest.to_string());
    let out = sc(&["image", "digest", "--full-ref", &r.to_string()], &[]);
    assert_eq!(stdout(&out), format!("{}/sc/app@{digest}", reg.addr));

    // Unknown tag: not found, exit 3, not retried.
    let missing: ImageReference = format!("{}/sc/app:nope", reg.addr).parse().unwrap();
    assert!(matches!(
        c.resolve_digest(&missing).await.unwrap_err(),
        RegistryError::NotFound { .. }
    ));
    let out = sc(&["image", "digest", &missing.to_string()], &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("not found"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_platform_index_from_registry() {
    let reg = Registry::start();
    require_all_copy(&reg);
    let r: ImageReference = format!("{}/sc/multi:v1", reg.addr).parse().unwrap();
    let c = client(base_opts());
    let src = RegistrySource::new(c.clone(), r.clone());
    let amd = src.resolve(&Platform::default()).await.unwrap();
    let arm = src.resolve(&"linux/arm64".parse().unwrap()).await.unwrap();
    assert_eq!(amd.top_digest, fixture_index_digest("multiarch"));
    assert_ne!(amd.manifest_digest, arm.manifest_digest);
    assert_eq!(arm.platform.architecture, "arm64");
    let err = src
        .resolve(&"windows/amd64".parse().unwrap())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("no image for platform windows/amd64"),
        "{err}"
    );
}

fn require_all_copy(reg: &Registry) {
    support::require_tool("skopeo");
    let out = std::process::Command::new("skopeo")
        .args([
            "copy",
            "-q",
            "--all",
            "--preserve-digests",
            "--insecure-policy",
            "--dest-tls-verify=false",
        ])
        .arg(fixture_oci("multiarch"))
        .arg(format!("docker://{}/sc/multi:v1", reg.addr))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_auth_from_env_flags_and_docker_config() {
    let reg = Registry::start_with(RegistryConfig {
        htpasswd: Some(("alice".into(), "s3cret-pw".into())),
        tls: false,
        ..RegistryConfig::default()
    });
    reg.copy_in(&fixture_oci("debian-app"), "private/app:v1");
    let r: ImageReference = format!("{}/private/app:v1", reg.addr).parse().unwrap();
    let expected = fixture_index_digest("debian-app");

    // Anonymous is refused with a clear error.
    let err = client(base_opts()).resolve_digest(&r).await.unwrap_err();
    assert!(matches!(err, RegistryError::Unauthorized { .. }), "{err}");

    // Wrong password: refused; the password never appears in the error.
    let bad = RegistryOptions {
        credentials: Some(RegistryAuth::basic("alice", "wrong-pw")),
        ..base_opts()
    };
    let err = client(bad).resolve_digest(&r).await.unwrap_err();
    assert!(matches!(err, RegistryError::Unauthorized { .. }), "{err}");
    assert!(!format!("{err} {err:?}").contains("wrong-pw"));

    // Explicit credentials.
    let ok = RegistryOptions {
        credentials: Some(RegistryAuth::basic("alice", "s3cret-pw")),
        ..base_opts()
    };
    assert_eq!(client(ok).resolve_digest(&r).await.unwrap(), expected);

    // Environment variables, through the CLI.
    let out = sc(
        &["image", "digest", &r.to_string()],
        &[
            ("SC_REGISTRY_USERNAME", "alice"),
            ("SC_REGISTRY_PASSWORD", "s3cret-pw"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), expected.to_string());
    let out = sc(&["image", "digest", &r.to_string()], &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("not authorized"), "{}", stderr(&out));

    // Docker config.json (auths), as `docker login` writes it.
    let home = tempfile::tempdir().unwrap();
    use base64::Engine;
    let auth = base64::engine::general_purpose::STANDARD.encode("alice:s3cret-pw");
    std::fs::write(
        home.path().join("config.json"),
        format!(r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#, reg.addr),
    )
    .unwrap();
    let out = sc(
        &["image", "digest", &r.to_string()],
        &[("DOCKER_CONFIG", home.path().to_str().unwrap())],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), expected.to_string());

    // Full pull with credentials (blobs need auth too).
    let c = client(RegistryOptions {
        credentials: Some(RegistryAuth::basic("alice", "s3cret-pw")),
        ..base_opts()
    });
    let src = RegistrySource::new(c, r);
    let img = src.resolve(&Platform::default()).await.unwrap();
    assert!(read_all_layers(&src, &img).await.unwrap() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_registry_with_private_ca() {
    let reg = Registry::start_with(RegistryConfig {
        htpasswd: None,
        tls: true,
        ..RegistryConfig::default()
    });
    reg.copy_in(&fixture_oci("debian-app"), "tls/app:v1");
    let r: ImageReference = format!("{}/tls/app:v1", reg.addr).parse().unwrap();
    let ca = reg.ca_file.clone().unwrap();

    let with_ca = RegistryOptions {
        ca_files: vec![ca.clone()],
        ..base_opts()
    };
    let c = client(with_ca);
    assert_eq!(
        c.resolve_digest(&r).await.unwrap(),
        fixture_index_digest("debian-app")
    );
    let src = RegistrySource::new(c, r.clone());
    let img = src.resolve(&Platform::default()).await.unwrap();
    assert!(read_all_layers(&src, &img).await.unwrap() > 0);

    // Without the CA: a TLS error, and no silent fallback to plain HTTP.
    let err = client(base_opts()).resolve_digest(&r).await.unwrap_err();
    let msg = err.to_string().to_lowercase();
    assert!(
        msg.contains("certificate") || msg.contains("unknownissuer") || msg.contains("tls"),
        "{msg}"
    );

    // --insecure-registry accepts the unverified certificate.
    let insecure = RegistryOptions {
        insecure_registries: vec![reg.addr.clone()],
        ..base_opts()
    };
    assert_eq!(
        client(insecure).resolve_digest(&r).await.unwrap(),
        fixture_index_digest("debian-app")
    );

    // The CLI flag.
    let out = sc(
        &[
            "image",
            "digest",
            "--registry-ca-file",
            ca.to_str().unwrap(),
            &r.to_string(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_faults_are_retried_client_errors_are_not() {
    let reg = Registry::start();
    reg.copy_in(&fixture_oci("debian-app"), "sc/app:v1");
    let proxy = FaultProxy::start(&reg.addr);
    let r: ImageReference = format!("{}/sc/app:v1", proxy.addr).parse().unwrap();
    let c = client(base_opts());
    // Warm up (scheme probe).
    assert_eq!(
        c.resolve_digest(&r).await.unwrap(),
        fixture_index_digest("debian-app")
    );

    // Two 503s (the HEAD and its GET fallback), then success on the retry.
    proxy.fail_next.store(2, Ordering::SeqCst);
    let before = proxy.seen.load(Ordering::SeqCst);
    assert_eq!(
        c.resolve_digest(&r).await.unwrap(),
        fixture_index_digest("debian-app")
    );
    assert_eq!(proxy.seen.load(Ordering::SeqCst) - before, 3);
    // Blob fetches are retried the same way.
    let src = RegistrySource::new(c.clone(), r.clone());
    let img = src.resolve(&Platform::default()).await.unwrap();
    proxy.fail_next.store(1, Ordering::SeqCst);
    assert!(read_all_layers(&src, &img).await.unwrap() > 0);

    // Dropped connections are retried too.
    proxy.drop_next.store(2, Ordering::SeqCst);
    assert_eq!(
        c.resolve_digest(&r).await.unwrap(),
        fixture_index_digest("debian-app")
    );

    // Persistent 503: gives up after 1 + 3 attempts with a transport error.
    proxy.fail_next.store(100, Ordering::SeqCst);
    let before = proxy.seen.load(Ordering::SeqCst);
    let err = c.resolve_digest(&r).await.unwrap_err();
    assert!(
        matches!(err, RegistryError::Transport { attempts: 4, .. }),
        "{err}"
    );
    // Each attempt is a HEAD and, the error reply carrying no digest header, a GET.
    assert_eq!(proxy.seen.load(Ordering::SeqCst) - before, 8);
    proxy.fail_next.store(0, Ordering::SeqCst);

    // A 4xx (other than 429) is never retried.
    proxy.status.store(400, Ordering::SeqCst);
    proxy.fail_next.store(2, Ordering::SeqCst);
    let before = proxy.seen.load(Ordering::SeqCst);
    let err = c.resolve_digest(&r).await.unwrap_err();
    assert!(matches!(err, RegistryError::Status { .. }), "{err}");
    assert_eq!(
        proxy.seen.load(Ordering::SeqCst) - before,
        2,
        "one attempt (HEAD + GET), no retry"
    );
    proxy.fail_next.store(0, Ordering::SeqCst);

    // 404 is not retried either.
    let missing: ImageReference = format!("{}/sc/app:missing", proxy.addr).parse().unwrap();
    let before = proxy.seen.load(Ordering::SeqCst);
    assert!(matches!(
        c.resolve_digest(&missing).await.unwrap_err(),
        RegistryError::NotFound { .. }
    ));
    assert_eq!(
        proxy.seen.load(Ordering::SeqCst) - before,
        2,
        "one attempt (HEAD + GET), no retry"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupted_or_truncated_registry_blobs_are_rejected() {
    let reg = Registry::start();
    reg.copy_in(&fixture_oci("debian-app"), "sc/app:v1");
    let r: ImageReference = format!("{}/sc/app:v1", reg.addr).parse().unwrap();
    let c = client(base_opts());
    let src = RegistrySource::new(c, r);
    let img = src.resolve(&Platform::default()).await.unwrap();
    let layer = img.layers()[1].clone();
    let path = stored_blob(&reg.store_dir(), &layer.descriptor.digest);
    let good = std::fs::read(&path).unwrap();

    let mut bad = good.clone();
    let n = bad.len();
    bad[n / 2] ^= 0x55;
    std::fs::write(&path, &bad).unwrap();
    let err = read_all_layers(&src, &img).await.unwrap_err();
    assert!(
        err.contains("digest mismatch") || err.contains("corrupt") || err.contains("invalid"),
        "{err}"
    );

    std::fs::write(&path, &good[..good.len() / 2]).unwrap();
    let err = read_all_layers(&src, &img).await.unwrap_err();
    assert!(!err.is_empty());

    std::fs::write(&path, &good).unwrap();
    assert!(read_all_layers(&src, &img).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_referrers_fallback_and_cosign_tags() {
    let reg = Registry::start();
    reg.copy_in(&fixture_oci("debian-app"), "sc/app:v1");
    let c = client(base_opts());
    let r: ImageReference = format!("{}/sc/app:v1", reg.addr).parse().unwrap();
    let subject_digest = c.resolve_digest(&r).await.unwrap();
    let subject = r.with_digest(subject_digest.clone());

    // An artifact with a subject, pushed by us.
    let payload = br#"{"hello":"referrer"}"#.to_vec();
    let empty = b"{}".to_vec();
    let layer_d = c.push_blob(&r, payload.clone()).await.unwrap();
    let empty_d = c.push_blob(&r, empty.clone()).await.unwrap();
    let artifact = serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.dev.sc.test+json",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty_d.to_string(), "size": empty.len()},
        "layers": [{"mediaType": "application/json", "digest": layer_d.to_string(), "size": payload.len()}],
        "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": subject_digest.to_string(), "size": 707}
    });
    let artifact_bytes = serde_json::to_vec(&artifact).unwrap();
    let artifact_digest = c
        .push_manifest(
            &r.with_digest(Digest::sha256_of(&artifact_bytes)),
            artifact_bytes.clone(),
            "application/vnd.oci.image.manifest.v1+json",
        )
        .await
        .unwrap();

    // distribution 2.8 has no referrers API: clients maintain the tag-schema index.
    let index = serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": artifact_digest.to_string(), "size": artifact_bytes.len(), "artifactType": "application/vnd.dev.sc.test+json"}]});
    c.push_manifest(
        &r.with_tag(&subject_digest.tag_form()).unwrap(),
        serde_json::to_vec(&index).unwrap(),
        "application/vnd.oci.image.index.v1+json",
    )
    .await
    .unwrap();

    let found = c.referrers(&subject, None).await.unwrap();
    assert_eq!(found.manifests.len(), 1);
    assert_eq!(found.manifests[0].digest, artifact_digest);
    assert_eq!(
        c.referrers(&subject, Some("application/vnd.dev.sc.test+json"))
            .await
            .unwrap()
            .manifests
            .len(),
        1
    );
    assert!(c
        .referrers(&subject, Some("application/other"))
        .await
        .unwrap()
        .manifests
        .is_empty());

    // A subject with no referrers yields an empty index, not an error.
    let other = r.with_digest(Digest::sha256_of(b"nothing refers to this"));
    assert!(c
        .referrers(&other, None)
        .await
        .unwrap()
        .manifests
        .is_empty());

    // Cosign tag schema: absent, then present.
    assert!(c.cosign_manifest(&subject, "sig").await.unwrap().is_none());
    let sig_tag = sc::registry::cosign_tag(&subject, "sig").unwrap();
    c.push_manifest(
        &sig_tag,
        artifact_bytes.clone(),
        "application/vnd.oci.image.manifest.v1+json",
    )
    .await
    .unwrap();
    let (bytes, d) = c.cosign_manifest(&subject, "sig").await.unwrap().unwrap();
    assert_eq!(bytes, artifact_bytes);
    assert_eq!(d, artifact_digest);

    // Our own push of a whole image round-trips to the same digest.
    let layout = repo_path("fixtures/images/debian-app");
    let oci = source::open(
        &fixture_oci("debian-app").parse().unwrap(),
        &Default::default(),
    )
    .unwrap();
    let img = oci.resolve(&Platform::default()).await.unwrap();
    let target: ImageReference = format!("{}/sc/pushed:v1", reg.addr).parse().unwrap();
    for d in img
        .manifest
        .layers
        .iter()
        .chain(std::iter::once(&img.manifest.config))
    {
        let bytes = std::fs::read(layout.join("blobs/sha256").join(d.digest.hex())).unwrap();
        assert_eq!(c.push_blob(&target, bytes).await.unwrap(), d.digest);
    }
    let mbytes =
        std::fs::read(layout.join("blobs/sha256").join(img.manifest_digest.hex())).unwrap();
    c.push_manifest(
        &target,
        mbytes,
        "application/vnd.oci.image.manifest.v1+json",
    )
    .await
    .unwrap();
    assert_eq!(
        c.resolve_digest(&target).await.unwrap(),
        img.manifest_digest
    );
}
