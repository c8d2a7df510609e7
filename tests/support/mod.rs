//! Shared set-up for integration tests: a real OCI registry (Debian's
//! `docker-registry`, i.e. distribution 2.8) started on a free 127.0.0.1 port with
//! a temporary filesystem store, optionally with htpasswd basic auth or bearer-token
//! auth (a [`TokenServer`] playing the Docker token endpoint) and/or TLS from a
//! throw-away CA; a fault-injecting TCP proxy; helpers to copy fixture images in
//! with skopeo and to run the `sc` binary.
//!
//! Tools needed: docker-registry, htpasswd (apache2-utils), openssl, skopeo.
//! `scripts/install-test-deps.sh` installs them; a missing tool fails the test
//! with that hint rather than skipping it.
#![allow(dead_code)]

pub mod sigstore;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Path of a repository file.
pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// `oci:fixtures/images/NAME:v1`, a committed fixture image as a source argument.
pub fn fixture_oci(name: &str) -> String {
    format!(
        "oci:{}:v1",
        repo_path(&format!("fixtures/images/{name}")).display()
    )
}

/// A registry client for tests: no credentials from the environment, quick retries.
pub fn client() -> Arc<sc::registry::RegistryClient> {
    Arc::new(
        sc::registry::RegistryClient::new(sc::registry::RegistryOptions {
            env: Arc::new(std::collections::HashMap::<String, String>::new()),
            retry: sc::registry::RetryPolicy {
                max_retries: 2,
                base_delay: Duration::from_millis(20),
                max_delay: Duration::from_millis(100),
            },
            ..sc::registry::RegistryOptions::default()
        })
        .unwrap(),
    )
}

/// A registry holding the debian-app fixture at `sc/app:v1`, and that reference.
pub fn registry_with_app() -> (Registry, sc::reference::ImageReference) {
    let reg = Registry::start();
    reg.copy_in(&fixture_oci("debian-app"), "sc/app:v1");
    let r = format!("{}/sc/app:v1", reg.addr).parse().unwrap();
    (reg, r)
}

/// The registry's on-disk copy of a blob or manifest (distribution's filesystem layout).
pub fn stored_blob(store: &Path, d: &sc::digest::Digest) -> PathBuf {
    store
        .join("docker/registry/v2/blobs/sha256")
        .join(&d.hex()[..2])
        .join(d.hex())
        .join("data")
}

/// Fail with an install hint when `tool` is not on PATH.
pub fn require_tool(tool: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false);
    assert!(found, "`{tool}` is not installed: run scripts/install-test-deps.sh (it installs docker-registry, apache2-utils, openssl, skopeo)");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// How to start a registry.
#[derive(Default, Clone)]
pub struct RegistryConfig {
    /// Basic-auth user and password (htpasswd, bcrypt).
    pub htpasswd: Option<(String, String)>,
    /// Serve TLS with a certificate for 127.0.0.1/localhost from a fresh CA.
    pub tls: bool,
    /// Bearer-token auth (the Docker token flow) through a [`TokenServer`]
    /// started with the registry. Excludes `htpasswd`: a registry has one auth scheme.
    pub token: Option<TokenAuth>,
}

/// A running registry; stopped and its store deleted on drop.
pub struct Registry {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// The CA certificate (PEM) when TLS is on.
    pub ca_file: Option<PathBuf>,
    /// A directory skopeo can use as `--dest-cert-dir` (holds ca.crt) when TLS is on.
    pub cert_dir: Option<PathBuf>,
    /// Credentials when htpasswd or token auth is on.
    pub creds: Option<(String, String)>,
    /// The token server when token auth is on.
    pub token_server: Option<TokenServer>,
    dir: tempfile::TempDir,
}

impl Registry {
    /// A plain-HTTP anonymous registry.
    pub fn start() -> Registry {
        Registry::start_with(RegistryConfig::default())
    }

    /// A registry with the given options.
    pub fn start_with(cfg: RegistryConfig) -> Registry {
        require_tool("docker-registry");
        assert!(
            cfg.htpasswd.is_none() || cfg.token.is_none(),
            "a registry has one auth scheme: htpasswd or token, not both"
        );
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let mut yaml = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n",
            dir.path().join("store").display()
        );
        let (mut ca_file, mut cert_dir) = (None, None);
        if cfg.tls {
            require_tool("openssl");
            let (ca, cert, key) = make_tls(dir.path());
            yaml.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                cert.display(),
                key.display()
            ));
            let cd = dir.path().join("certs.d");
            std::fs::create_dir_all(&cd).unwrap();
            std::fs::copy(&ca, cd.join("ca.crt")).unwrap();
            ca_file = Some(ca);
            cert_dir = Some(cd);
        }
        if let Some((user, pass)) = &cfg.htpasswd {
            require_tool("htpasswd");
            let out = Command::new("htpasswd")
                .args(["-Bbn", user, pass])
                .output()
                .unwrap();
            assert!(out.status.success(), "htpasswd failed");
            let file = dir.path().join("htpasswd");
            std::fs::write(&file, out.stdout).unwrap();
            yaml.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: sc-test\n    path: {}\n",
                file.display()
            ));
        }
        let token_server = cfg.token.clone().map(TokenServer::start);
        if let Some(ts) = &token_server {
            yaml.push_str(&format!(
                "auth:\n  token:\n    realm: {}\n    service: {TOKEN_SERVICE}\n    issuer: {TOKEN_ISSUER}\n    rootcertbundle: {}\n",
                ts.realm,
                ts.cert_file.display()
            ));
        }
        let config = dir.path().join("config.yml");
        std::fs::write(&config, yaml).unwrap();
        let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start docker-registry");
        let reg = Registry {
            child,
            addr,
            ca_file,
            cert_dir,
            creds: cfg
                .htpasswd
                .clone()
                .or_else(|| cfg.token.as_ref().map(|t| t.user.clone())),
            token_server,
            dir,
        };
        reg.wait_ready();
        reg
    }

    /// The registry's storage root (distribution's filesystem driver layout below it).
    pub fn store_dir(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if TcpStream::connect(&self.addr).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default();
        panic!("docker-registry did not start on {}: {log}", self.addr);
    }

    /// Copy an image into this registry with skopeo (an independent client).
    pub fn copy_in(&self, src: &str, repo_tag: &str) {
        require_tool("skopeo");
        let mut cmd = Command::new("skopeo");
        cmd.args(["copy", "-q", "--insecure-policy", "--preserve-digests"]);
        match &self.cert_dir {
            Some(d) => {
                cmd.arg("--dest-cert-dir").arg(d);
            }
            None => {
                cmd.arg("--dest-tls-verify=false");
            }
        }
        if let Some((u, p)) = &self.creds {
            cmd.arg("--dest-creds").arg(format!("{u}:{p}"));
        }
        cmd.arg(src)
            .arg(format!("docker://{}/{repo_tag}", self.addr));
        let out = cmd.output().expect("run skopeo");
        assert!(
            out.status.success(),
            "skopeo copy {src} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A throw-away CA and a server certificate for 127.0.0.1 and localhost.
fn make_tls(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=sc-test-ca",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n").unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ],
    );
    (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    )
}

/// A TCP proxy in front of a registry that can inject faults: answer the next N
/// requests with `503`, or cut the next N connections before answering.
pub struct FaultProxy {
    /// `127.0.0.1:PORT` of the proxy.
    pub addr: String,
    /// Requests to answer with 503 before passing traffic through.
    pub fail_next: Arc<AtomicUsize>,
    /// Connections to drop without a reply.
    pub drop_next: Arc<AtomicUsize>,
    /// Status used for injected failures (503 by default).
    pub status: Arc<AtomicUsize>,
    /// Requests seen (including failed ones).
    pub seen: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl FaultProxy {
    /// Start a proxy to `upstream` (`host:port`).
    pub fn start(upstream: &str) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let fail_next = Arc::new(AtomicUsize::new(0));
        let drop_next = Arc::new(AtomicUsize::new(0));
        let status = Arc::new(AtomicUsize::new(503));
        let seen = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let upstream = upstream.to_string();
        let (f, d, st, s, stp) = (
            fail_next.clone(),
            drop_next.clone(),
            status.clone(),
            seen.clone(),
            stop.clone(),
        );
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = conn else { continue };
                let upstream = upstream.clone();
                let (f, d, st, s) = (f.clone(), d.clone(), st.clone(), s.clone());
                std::thread::spawn(move || handle_conn(client, &upstream, &f, &d, &st, &s));
            }
        });
        FaultProxy {
            addr,
            fail_next,
            drop_next,
            status,
            seen,
            stop,
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr);
    }
}

/// Read one HTTP request head (up to the blank line) from `s`.
fn read_head(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    // A TLS ClientHello (0x16) is not HTTP: close, as a plain-HTTP server would fail it.
    if s.peek(&mut b).ok()? == 1 && b[0] == 0x16 {
        return None;
    }
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut b) {
            Ok(1) => head.push(b[0]),
            _ => return None,
        }
        if head.len() > 64 * 1024 {
            return None;
        }
    }
    Some(head)
}

fn content_length(head: &[u8]) -> usize {
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    text.lines()
        .find_map(|l| {
            l.strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

fn handle_conn(
    mut client: TcpStream,
    upstream: &str,
    fail: &AtomicUsize,
    drop_: &AtomicUsize,
    status: &AtomicUsize,
    seen: &AtomicUsize,
) {
    // One request per connection: injected faults answer and close; passed-through
    // requests are relayed with `Connection: close` so each request is seen here.
    let Some(head) = read_head(&mut client) else {
        return;
    };
    let mut body = vec![0u8; content_length(&head)];
    if client.read_exact(&mut body).is_err() {
        return;
    }
    // The API version check (`GET /v2/`, which oci-client sends before requests to
    // decide on authentication) passes untouched and uncounted: faults and counts
    // apply to the requests that carry the operation.
    let is_ping = head.starts_with(b"GET /v2/ ");
    if is_ping {
        relay(&mut client, upstream, &head, &body);
        return;
    }
    seen.fetch_add(1, Ordering::SeqCst);
    if drop_
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return; // connection closed without a reply
    }
    if fail
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        let code = status.load(Ordering::SeqCst);
        let msg = format!("HTTP/1.1 {code} Injected\r\nContent-Type: text/plain\r\nContent-Length: 8\r\nConnection: close\r\n\r\ninjected");
        let _ = client.write_all(msg.as_bytes());
        return;
    }
    relay(&mut client, upstream, &head, &body);
}

fn relay(client: &mut TcpStream, upstream: &str, head: &[u8], body: &[u8]) {
    let Ok(mut up) = TcpStream::connect(upstream) else {
        return;
    };
    let text = String::from_utf8_lossy(head).to_string();
    let mut rewritten = String::new();
    for line in text.split("\r\n") {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("connection:") || line.is_empty() {
            continue;
        }
        rewritten.push_str(line);
        rewritten.push_str("\r\n");
    }
    rewritten.push_str("Connection: close\r\n\r\n");
    if up.write_all(rewritten.as_bytes()).is_err() || up.write_all(body).is_err() {
        return;
    }
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match up.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if client.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
}

/// The `service` the token-auth registry names in its challenge and expects as the
/// tokens' audience.
pub const TOKEN_SERVICE: &str = "sc-test-registry";
/// The issuer the token-auth registry trusts.
pub const TOKEN_ISSUER: &str = "sc-test-issuer";

/// Settings of a [`TokenServer`].
#[derive(Clone, Debug)]
pub struct TokenAuth {
    /// The one account the token endpoint knows (HTTP Basic on `GET /token`); it
    /// is granted pull and push on every repository.
    pub user: (String, String),
    /// Grant pull-only tokens to requests without credentials (as public images on
    /// Docker Hub are). When false, such requests are refused with 401.
    pub anonymous_pull: bool,
}

impl TokenAuth {
    /// `user`/`password`, no anonymous access.
    pub fn user(user: &str, password: &str) -> TokenAuth {
        TokenAuth {
            user: (user.to_string(), password.to_string()),
            anonymous_pull: false,
        }
    }
}

/// One request the token endpoint saw (secrets are never recorded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRequest {
    /// Request path without the query (`/token`).
    pub path: String,
    /// The `service` parameter.
    pub service: Option<String>,
    /// Every scope asked for: each `scope` parameter, split on spaces, as sent
    /// (`repository:NAME:pull,push`).
    pub scopes: Vec<String>,
    /// The `account` parameter (skopeo sends it; oci-client does not).
    pub account: Option<String>,
    /// An `Authorization: Basic` header was sent.
    pub with_credentials: bool,
    /// HTTP status of the reply (200 token issued, 401 refused, 400/404 bad request).
    pub status: u16,
}

/// A Docker registry token endpoint on 127.0.0.1 (std TcpListener + threads): serves
/// `GET /token?service=...&scope=repository:NAME:ACTIONS` and replies
/// `{"token", "access_token", "expires_in", "issued_at"}` with an ES256 JWT.
///
/// Credentials are HTTP Basic, checked against [`TokenAuth::user`]; a wrong
/// password is a 401, no credentials a 401 unless anonymous pull is on. Granted
/// actions are the requested ones intersected with what the caller may do
/// (pull+push for the user, pull for anonymous), as the token spec says.
///
/// Signing: a P-256 key and a self-signed certificate for it are made with the
/// `openssl` CLI per server; the certificate is the registry's `rootcertbundle`.
/// Tokens carry `kid` = the libtrust key ID of that key (SHA-256 of the DER
/// SubjectPublicKeyInfo, first 240 bits, base32 in 12 groups of 4 joined by `:`),
/// which is how distribution 2.8 finds a trusted key in the bundle. The signature
/// is `openssl dgst -sha256 -sign` (DER ECDSA), converted to JWS's raw `r || s`.
pub struct TokenServer {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// `http://127.0.0.1:PORT/token`, the registry's `realm`.
    pub realm: String,
    /// The signing key's self-signed certificate (PEM): the registry's `rootcertbundle`.
    pub cert_file: PathBuf,
    /// libtrust key ID of the signing key (the JWT header's `kid`).
    pub key_id: String,
    signer: Arc<TokenSigner>,
    requests: Arc<Mutex<Vec<TokenRequest>>>,
    stop: Arc<AtomicBool>,
    _dir: tempfile::TempDir,
}

impl TokenServer {
    /// Make a key and certificate and start serving.
    pub fn start(auth: TokenAuth) -> TokenServer {
        require_tool("openssl");
        let dir = tempfile::tempdir().unwrap();
        openssl(
            dir.path(),
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                "token.key",
            ],
        );
        openssl(
            dir.path(),
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                "token.key",
                "-out",
                "token.pem",
                "-days",
                "2",
                "-subj",
                &format!("/CN={TOKEN_ISSUER}"),
            ],
        );
        openssl(
            dir.path(),
            &[
                "pkey",
                "-in",
                "token.key",
                "-pubout",
                "-outform",
                "DER",
                "-out",
                "token.pub.der",
            ],
        );
        let spki = std::fs::read(dir.path().join("token.pub.der")).unwrap();
        let key_id = libtrust_key_id(&spki);
        let signer = Arc::new(TokenSigner {
            key_file: dir.path().join("token.key"),
            key_id: key_id.clone(),
            counter: AtomicUsize::new(0),
        });

        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (sg, rq, stp) = (signer.clone(), requests.clone(), stop.clone());
        let auth = Arc::new(auth);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = conn else { continue };
                let (sg, rq, auth) = (sg.clone(), rq.clone(), auth.clone());
                std::thread::spawn(move || handle_token_conn(client, &auth, &sg, &rq));
            }
        });
        TokenServer {
            realm: format!("http://{addr}/token"),
            addr,
            cert_file: dir.path().join("token.pem"),
            key_id,
            signer,
            requests,
            stop,
            _dir: dir,
        }
    }

    /// Requests seen so far, oldest first.
    pub fn requests(&self) -> Vec<TokenRequest> {
        self.requests.lock().unwrap().clone()
    }

    /// A token issued out of band (as a CI system hands one to a job): `actions`
    /// on `repository` for `subject`, valid for 300 s.
    pub fn issue(&self, subject: &str, repository: &str, actions: &[&str]) -> String {
        self.signer.sign_token(
            subject,
            &[(
                repository.to_string(),
                actions.iter().map(|a| a.to_string()).collect(),
            )],
        )
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr);
    }
}

/// Signs JWTs with the server's key through the openssl CLI.
struct TokenSigner {
    key_file: PathBuf,
    key_id: String,
    counter: AtomicUsize,
}

impl TokenSigner {
    /// An ES256 JWT for `subject` with `access` = `[(repository, actions)]`.
    fn sign_token(&self, subject: &str, access: &[(String, Vec<String>)]) -> String {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        let secs = now.as_secs();
        let n = self.counter.fetch_add(1, Ordering::SeqCst);
        let header = serde_json::json!({"typ": "JWT", "alg": "ES256", "kid": self.key_id});
        let claims = serde_json::json!({
            "iss": TOKEN_ISSUER,
            "sub": subject,
            "aud": TOKEN_SERVICE,
            "exp": secs + 300,
            "nbf": secs,
            "iat": secs,
            "jti": format!("{}-{}-{n}", now.as_nanos(), std::process::id()),
            "access": access.iter().map(|(name, actions)| serde_json::json!({
                "type": "repository", "name": name, "actions": actions,
            })).collect::<Vec<_>>(),
        });
        let signing_input = format!(
            "{}.{}",
            b64.encode(serde_json::to_vec(&header).unwrap()),
            b64.encode(serde_json::to_vec(&claims).unwrap())
        );
        let mut child = Command::new("openssl")
            .args(["dgst", "-sha256", "-sign"])
            .arg(&self.key_file)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run openssl dgst");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(signing_input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "openssl dgst -sign: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let sig = ecdsa_der_to_raw(&out.stdout);
        format!("{signing_input}.{}", b64.encode(sig))
    }
}

/// An ECDSA P-256 signature in DER (`SEQUENCE { INTEGER r, INTEGER s }`, as openssl
/// writes it) to the JWS form: `r || s`, each a 32-byte big-endian number.
pub fn ecdsa_der_to_raw(der: &[u8]) -> [u8; 64] {
    // At most 2 + 2 × (2 + 33) = 72 bytes, so every length is in DER's short form.
    assert!(
        der.len() >= 8 && der[0] == 0x30 && der[1] < 0x80 && der[1] as usize == der.len() - 2,
        "not a DER ECDSA signature"
    );
    let mut raw = [0u8; 64];
    let mut i = 2;
    for half in raw.chunks_mut(32) {
        assert_eq!(der[i], 0x02, "expected an INTEGER");
        let len = der[i + 1] as usize;
        let mut int = &der[i + 2..i + 2 + len];
        // DER adds a 0x00 before a high first byte (INTEGERs are signed).
        while int.len() > 1 && int[0] == 0 {
            int = &int[1..];
        }
        assert!(int.len() <= 32, "ECDSA integer longer than 32 bytes");
        half[32 - int.len()..].copy_from_slice(int);
        i += 2 + len;
    }
    assert_eq!(i, der.len(), "trailing bytes after the signature");
    raw
}

/// libtrust's key ID (what distribution 2.8 matches a JWT `kid` against): SHA-256
/// of the DER SubjectPublicKeyInfo, first 30 bytes, base32 (RFC 4648, no padding),
/// in groups of 4 characters joined by `:`.
pub fn libtrust_key_id(spki_der: &[u8]) -> String {
    use sha2::Digest as _;
    let hash = sha2::Sha256::digest(spki_der);
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut b32 = String::new();
    let (mut acc, mut bits) = (0u32, 0);
    for &b in &hash[..30] {
        acc = (acc << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            b32.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
    }
    // 240 bits is exactly 48 characters: nothing left over, no padding.
    assert_eq!(bits, 0);
    b32.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(":")
}

fn handle_token_conn(
    mut client: TcpStream,
    auth: &TokenAuth,
    signer: &TokenSigner,
    requests: &Mutex<Vec<TokenRequest>>,
) {
    let Some(head) = read_head(&mut client) else {
        return;
    };
    let text = String::from_utf8_lossy(&head).to_string();
    let mut lines = text.split("\r\n");
    let mut request_line = lines.next().unwrap_or("").split(' ');
    let (method, target) = (
        request_line.next().unwrap_or(""),
        request_line.next().unwrap_or(""),
    );
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut service = None;
    let mut account = None;
    let mut scopes = Vec::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "service" => service = Some(v.to_string()),
            "account" => account = Some(v.to_string()),
            "scope" => scopes.extend(v.split(' ').filter(|s| !s.is_empty()).map(String::from)),
            _ => {}
        }
    }
    let basic = lines.find_map(|l| {
        let (name, value) = l.split_once(':')?;
        if !name.trim().eq_ignore_ascii_case("authorization") {
            return None;
        }
        let (scheme, cred) = value.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("basic").then(|| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(cred.trim())
                .ok()
                .and_then(|d| String::from_utf8(d).ok())
                .unwrap_or_default()
        })
    });

    // Who is asking, and what may they do?
    let identity: Result<(&str, &[&str]), &str> = match &basic {
        Some(pair) => {
            let (u, p) = pair.split_once(':').unwrap_or((pair, ""));
            if (u, p) == (auth.user.0.as_str(), auth.user.1.as_str()) {
                Ok((auth.user.0.as_str(), &["pull", "push"]))
            } else {
                Err("invalid username or password")
            }
        }
        None if auth.anonymous_pull => Ok(("", &["pull"])),
        None => Err("authentication required"),
    };
    let (status, body) = if method != "GET" || path != "/token" {
        (
            404,
            r#"{"errors":[{"code":"NOT_FOUND","message":"GET /token only"}]}"#.to_string(),
        )
    } else if service.as_deref().is_some_and(|s| s != TOKEN_SERVICE) {
        (
            400,
            r#"{"errors":[{"code":"UNSUPPORTED","message":"unknown service"}]}"#.to_string(),
        )
    } else {
        match identity {
            Err(why) => (
                401,
                format!(r#"{{"errors":[{{"code":"UNAUTHORIZED","message":"{why}"}}]}}"#),
            ),
            Ok((subject, allowed)) => {
                let mut access = Vec::new();
                for scope in &scopes {
                    // repository:NAME:ACTIONS (NAME has no ':'; a registry host with a
                    // port is not part of it).
                    let mut parts = scope.splitn(3, ':');
                    let (Some("repository"), Some(name), Some(actions)) =
                        (parts.next(), parts.next(), parts.next())
                    else {
                        continue;
                    };
                    let granted: Vec<String> = actions
                        .split(',')
                        .filter(|a| allowed.contains(a))
                        .map(String::from)
                        .collect();
                    access.push((name.to_string(), granted));
                }
                let token = signer.sign_token(subject, &access);
                let issued_at = time::OffsetDateTime::now_utc()
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap();
                (
                    200,
                    serde_json::json!({
                        "token": token, "access_token": token,
                        "expires_in": 300, "issued_at": issued_at,
                    })
                    .to_string(),
                )
            }
        }
    };
    requests.lock().unwrap().push(TokenRequest {
        path: path.to_string(),
        service,
        scopes,
        account,
        with_credentials: basic.is_some(),
        status,
    });
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        _ => "Not Found",
    };
    let challenge = if status == 401 {
        "WWW-Authenticate: Basic realm=\"sc-test-token\"\r\n"
    } else {
        ""
    };
    let reply = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n{challenge}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = client.write_all(reply.as_bytes());
}

/// Run the `sc` binary with `args` and an environment reduced to what tests set.
pub fn sc(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sc"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null()).output().expect("run sc")
}

/// stdout as a trimmed string.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// stderr as a string.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}
