//! Bearer-token auth (the Docker token flow) against a real registry: Debian's
//! docker-registry (distribution 2.8) configured with `auth: token`, and the test
//! token server from `support` issuing ES256 JWTs it verifies.

mod support;

use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use sc::digest::Digest;
use sc::layers::LayerLimits;
use sc::reference::ImageReference;
use sc::registry::{RegistryAuth, RegistryClient, RegistryError, RegistryOptions, RetryPolicy};
use sc::source::{self, ImageSource, Platform, RegistrySource};
use support::{
    fixture_oci, repo_path, sc, stderr, stdout, Registry, RegistryConfig, TokenAuth, TokenRequest,
    TokenServer,
};

const USER: &str = "alice";
const PASSWORD: &str = "t0ken-s3cret-pw";

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

fn client(opts: RegistryOptions) -> Arc<RegistryClient> {
    Arc::new(RegistryClient::new(opts).unwrap())
}

fn base_opts() -> RegistryOptions {
    RegistryOptions {
        env: Arc::new(HashMap::<String, String>::new()),
        retry: RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(100),
        },
        ..RegistryOptions::default()
    }
}

fn with_creds(user: &str, password: &str) -> RegistryOptions {
    RegistryOptions {
        credentials: Some(RegistryAuth::basic(user, password)),
        ..base_opts()
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

/// A token-auth registry holding the debian-app fixture at `token/app:v1`, copied in
/// by skopeo through the token flow.
fn token_registry(anonymous_pull: bool) -> Registry {
    let reg = Registry::start_with(RegistryConfig {
        token: Some(TokenAuth {
            anonymous_pull,
            ..TokenAuth::user(USER, PASSWORD)
        }),
        ..RegistryConfig::default()
    });
    reg.copy_in(&fixture_oci("debian-app"), "token/app:v1");
    reg
}

fn token_server(reg: &Registry) -> &TokenServer {
    reg.token_server.as_ref().unwrap()
}

fn app_ref(reg: &Registry, tag: &str) -> ImageReference {
    format!("{}/token/app:{tag}", reg.addr).parse().unwrap()
}

/// Token requests made after the first `since`.
fn requests_since(ts: &TokenServer, since: usize) -> Vec<TokenRequest> {
    ts.requests().split_off(since)
}

fn saw_scope(reqs: &[TokenRequest], scope: &str, with_credentials: bool) -> bool {
    reqs.iter().any(|r| {
        r.status == 200
            && r.with_credentials == with_credentials
            && r.service.as_deref() == Some(support::TOKEN_SERVICE)
            && r.scopes.iter().any(|s| s == scope)
    })
}

#[test]
fn der_signature_conversion_and_key_id() {
    // r with a leading 0x00 (high bit set), s shorter than 32 bytes.
    let mut der = vec![0x30, 0x00, 0x02, 33, 0x00];
    der.extend([0x80; 32]);
    der.extend([0x02, 31]);
    der.extend([0x11; 31]);
    der[1] = (der.len() - 2) as u8;
    let raw = support::ecdsa_der_to_raw(&der);
    assert_eq!(&raw[..32], &[0x80; 32]);
    assert_eq!(raw[32], 0);
    assert_eq!(&raw[33..], &[0x11; 31]);

    let kid = support::libtrust_key_id(b"any key");
    assert_eq!(kid.len(), 12 * 4 + 11);
    assert_eq!(kid.split(':').count(), 12);
    assert!(kid
        .chars()
        .all(|c| c == ':' || c.is_ascii_uppercase() || ('2'..='7').contains(&c)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_auth_with_credentials_pull_and_push() {
    let reg = token_registry(false);
    let ts = token_server(&reg);
    // skopeo went through the token flow to push (with the account it logs in as).
    assert!(
        saw_scope(&ts.requests(), "repository:token/app:pull,push", true),
        "{:?}",
        ts.requests()
    );
    let r = app_ref(&reg, "v1");
    let expected = fixture_index_digest("debian-app");
    let c = client(with_creds(USER, PASSWORD));
    let before = ts.requests().len();

    // Tag → digest, then a full resolve with every layer streamed and verified.
    assert_eq!(c.resolve_digest(&r).await.unwrap(), expected);
    let src = RegistrySource::new(c.clone(), r.clone());
    let img = src.resolve(&Platform::default()).await.unwrap();
    assert_eq!(img.manifest_digest, expected);
    assert!(read_all_layers(&src, &img).await.unwrap() > 0);
    let pulls = requests_since(ts, before);
    assert!(
        saw_scope(&pulls, "repository:token/app:pull", true),
        "{pulls:?}"
    );
    assert!(
        pulls.iter().all(|q| q.with_credentials && q.status == 200),
        "{pulls:?}"
    );

    // Push an artifact (new blobs, so real uploads) to a new tag.
    let before = ts.requests().len();
    let target = app_ref(&reg, "pushed");
    let payload = br#"{"hello":"token auth"}"#.to_vec();
    let empty = b"{}".to_vec();
    let layer_d = c.push_blob(&target, payload.clone()).await.unwrap();
    let empty_d = c.push_blob(&target, empty.clone()).await.unwrap();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.dev.sc.test+json",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty_d.to_string(), "size": empty.len()},
        "layers": [{"mediaType": "application/json", "digest": layer_d.to_string(), "size": payload.len()}],
    }))
    .unwrap();
    let pushed = c
        .push_manifest(
            &target,
            manifest.clone(),
            "application/vnd.oci.image.manifest.v1+json",
        )
        .await
        .unwrap();
    assert_eq!(pushed, Digest::sha256_of(&manifest));
    let pushes = requests_since(ts, before);
    assert!(
        saw_scope(&pushes, "repository:token/app:pull,push", true),
        "{pushes:?}"
    );
    // One push token serves all three uploads (it is cached until it expires).
    assert_eq!(
        pushes
            .iter()
            .filter(|q| q.scopes.iter().any(|s| s.ends_with(":pull,push")))
            .count(),
        1,
        "{pushes:?}"
    );

    // A fresh client (no cached token) reads back what was pushed, blob included.
    let c2 = client(with_creds(USER, PASSWORD));
    assert_eq!(c2.resolve_digest(&target).await.unwrap(), pushed);
    let desc: sc::source::model::Descriptor = serde_json::from_value(serde_json::json!(
        {"mediaType": "application/json", "digest": layer_d.to_string(), "size": payload.len()}
    ))
    .unwrap();
    assert_eq!(c2.fetch_blob(&target, &desc, 1024).await.unwrap(), payload);

    // Without credentials the token server refuses, and so does the registry.
    let err = client(base_opts()).resolve_digest(&r).await.unwrap_err();
    assert!(matches!(err, RegistryError::Unauthorized { .. }), "{err}");
    assert!(ts
        .requests()
        .iter()
        .any(|q| !q.with_credentials && q.status == 401));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_auth_wrong_password_is_unauthorized_and_redacted() {
    let reg = token_registry(false);
    let ts = token_server(&reg);
    let r = app_ref(&reg, "v1");
    let before = ts.requests().len();
    let wrong = "wr0ng-t0ken-pw";
    let err = client(with_creds(USER, wrong))
        .resolve_digest(&r)
        .await
        .unwrap_err();
    assert!(matches!(err, RegistryError::Unauthorized { .. }), "{err}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains(wrong) && !text.contains(PASSWORD), "{text}");
    // The token endpoint was asked with the (wrong) credentials and said no.
    let reqs = requests_since(ts, before);
    assert!(
        reqs.iter().any(|q| q.with_credentials && q.status == 401),
        "{reqs:?}"
    );
    assert!(reqs.iter().all(|q| q.status != 200), "{reqs:?}");

    // Through the CLI: exit 3, "not authorized", no password on either stream.
    let out = sc(
        &["image", "digest", &r.to_string()],
        &[
            ("SC_REGISTRY_USERNAME", USER),
            ("SC_REGISTRY_PASSWORD", wrong),
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("not authorized"), "{}", stderr(&out));
    assert!(!stderr(&out).contains(wrong) && !stdout(&out).contains(wrong));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_auth_anonymous_pull_when_allowed() {
    let reg = token_registry(true);
    let ts = token_server(&reg);
    let r = app_ref(&reg, "v1");
    let before = ts.requests().len();
    let c = client(base_opts());
    let expected = fixture_index_digest("debian-app");
    assert_eq!(c.resolve_digest(&r).await.unwrap(), expected);
    let src = RegistrySource::new(c.clone(), r.clone());
    let img = src.resolve(&Platform::default()).await.unwrap();
    assert!(read_all_layers(&src, &img).await.unwrap() > 0);
    let reqs = requests_since(ts, before);
    assert!(
        saw_scope(&reqs, "repository:token/app:pull", false),
        "{reqs:?}"
    );
    assert!(reqs.iter().all(|q| !q.with_credentials), "{reqs:?}");

    // Anonymous tokens carry pull only: a push is refused by the registry.
    let err = c
        .push_blob(&app_ref(&reg, "anon"), b"anonymous upload".to_vec())
        .await
        .unwrap_err();
    assert!(matches!(err, RegistryError::Unauthorized { .. }), "{err}");

    // The CLI, with no credentials anywhere.
    let out = sc(&["image", "digest", &r.to_string()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), expected.to_string());
}

#[test]
fn token_auth_pre_issued_token_from_environment() {
    let reg = token_registry(false);
    let ts = token_server(&reg);
    let r = app_ref(&reg, "v1");
    let expected = fixture_index_digest("debian-app");

    // A token issued out of band, used as is: the token endpoint is not asked.
    let token = ts.issue(USER, "token/app", &["pull"]);
    let before = ts.requests().len();
    let out = sc(
        &["image", "digest", &r.to_string()],
        &[("SC_REGISTRY_TOKEN", &token)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), expected.to_string());
    assert_eq!(ts.requests().len(), before, "{:?}", ts.requests());
    assert!(!stderr(&out).contains(&token));

    // The registry really checks the token: one for another repository, or one
    // signed by a key it does not trust, is refused.
    let other_repo = ts.issue(USER, "token/other", &["pull"]);
    let untrusted = TokenServer::start(TokenAuth::user(USER, PASSWORD));
    let forged = untrusted.issue(USER, "token/app", &["pull"]);
    for bad in [other_repo, forged] {
        let out = sc(
            &["image", "digest", &r.to_string()],
            &[("SC_REGISTRY_TOKEN", &bad)],
        );
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert!(stderr(&out).contains("not authorized"), "{}", stderr(&out));
        assert!(!stderr(&out).contains(&bad));
    }
}

#[test]
fn token_auth_credentials_from_docker_config() {
    let reg = token_registry(false);
    let ts = token_server(&reg);
    let r = app_ref(&reg, "v1");
    let home = tempfile::tempdir().unwrap();
    use base64::Engine;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    std::fs::write(
        home.path().join("config.json"),
        format!(r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#, reg.addr),
    )
    .unwrap();
    let before = ts.requests().len();
    let out = sc(
        &["image", "digest", &r.to_string()],
        &[("DOCKER_CONFIG", home.path().to_str().unwrap())],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), fixture_index_digest("debian-app").to_string());
    let reqs = requests_since(ts, before);
    assert!(
        saw_scope(&reqs, "repository:token/app:pull", true),
        "{reqs:?}"
    );
}
