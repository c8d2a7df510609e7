//! Shared set-up for integration tests: a real OCI registry (Debian's
//! `docker-registry`, i.e. distribution 2.8) started on a free 127.0.0.1 port with
//! a temporary filesystem store, optionally with htpasswd basic auth and/or TLS
//! from a throw-away CA; a fault-injecting TCP proxy; helpers to copy fixture
//! images in with skopeo and to run the `sc` binary.
//!
//! Tools needed: docker-registry, htpasswd (apache2-utils), openssl, skopeo.
//! `scripts/install-test-deps.sh` installs them; a missing tool fails the test
//! with that hint rather than skipping it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Path of a repository file.
pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
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
    /// Credentials when htpasswd is on.
    pub creds: Option<(String, String)>,
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
            creds: cfg.htpasswd.clone(),
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
