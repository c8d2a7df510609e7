//! A loopback Sigstore for keyless tests: npm `@sigstore/mock` (Fulcio, Rekor,
//! TSA handlers) behind scripts/sigstore-mock/mock-server.js, on a free
//! 127.0.0.1 port, writing `trusted_root.json`, `signing_config.json` and
//! `trust_config.json` (sigstore-python's form) into a temporary directory.
//!
//! Environment (set by scripts/test.sh after scripts/install-test-deps.sh):
//! - `SC_SIGSTORE_MOCK`: a directory with mock-server.js, js-verify.js and their
//!   node_modules;
//! - `SC_SIGSTORE_PYTHON`: the `sigstore` executable of sigstore-python 4.5.1.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;

/// Identity (email SAN) of the tokens [`token`] makes.
pub const IDENTITY: &str = "ci@example.com";
/// Issuer of the tokens [`token`] makes.
pub const ISSUER: &str = "https://oidc.mock.example";

/// The mock's tool directory (`SC_SIGSTORE_MOCK`). Under `SC_REQUIRE_SIGSTORE_MOCK=1`
/// (scripts/test.sh) a missing mock fails the test; otherwise the caller skips.
pub fn mock_tools() -> Option<PathBuf> {
    let dir = std::env::var_os("SC_SIGSTORE_MOCK").map(PathBuf::from);
    if dir.is_none() && std::env::var("SC_REQUIRE_SIGSTORE_MOCK").as_deref() == Ok("1") {
        panic!("SC_SIGSTORE_MOCK is not set (scripts/install-test-deps.sh installs the mock)");
    }
    dir
}

/// sigstore-python's CLI (`SC_SIGSTORE_PYTHON`), when installed.
pub fn sigstore_python() -> Option<PathBuf> {
    std::env::var_os("SC_SIGSTORE_PYTHON").map(PathBuf::from)
}

/// A running mock; killed on drop.
pub struct SigstoreMock {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Drop for SigstoreMock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SigstoreMock {
    /// Start the mock from the tool directory `tools`.
    pub fn start(tools: &Path) -> SigstoreMock {
        Self::start_at(tools, 0)
    }

    /// Start the mock with its clock `offset_secs` seconds off (negative: in the
    /// past), so that it issues certificates and log entries dated then: a
    /// certificate from a mock an hour in the past has expired (Fulcio's are
    /// valid for 10 minutes) by the time it is verified.
    pub fn start_at(tools: &Path, offset_secs: i64) -> SigstoreMock {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let mut cmd = Command::new("node");
        if offset_secs != 0 {
            let shift = dir.path().join("clock.js");
            std::fs::write(
                &shift,
                format!(
                    "const R = Date, OFF = {};\n\
                     class D extends R {{ constructor(...a) {{ if (a.length === 0) super(R.now() + OFF); else super(...a); }} static now() {{ return R.now() + OFF; }} }}\n\
                     globalThis.Date = D;\n",
                    offset_secs * 1000
                ),
            )
            .unwrap();
            cmd.env("NODE_OPTIONS", format!("--require {}", shift.display()));
        }
        let child = cmd
            .arg(tools.join("mock-server.js"))
            .arg(dir.path())
            .arg(port.to_string())
            .current_dir(tools)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("node (Node.js) is needed for the Sigstore mock");
        let mock = SigstoreMock { child, dir, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !(mock.path("trust_config.json").exists()
            && TcpStream::connect(("127.0.0.1", port)).is_ok())
        {
            assert!(
                Instant::now() < deadline,
                "the mock did not start: {}",
                std::fs::read_to_string(mock.path("server.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        mock
    }

    /// Its base URL (Fulcio and Rekor are both served there).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A file in its directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `trusted_root.json` for this mock's Fulcio CA, Rekor, CT log and TSA.
    pub fn trusted_root(&self) -> String {
        self.path("trusted_root.json").display().to_string()
    }

    /// `signing_config.json` naming this mock's services.
    pub fn signing_config(&self) -> String {
        self.path("signing_config.json").display().to_string()
    }

    /// sigstore-python's `--trust-config` file for this mock.
    pub fn trust_config(&self) -> String {
        self.path("trust_config.json").display().to_string()
    }

    /// Write a file into its directory; returns the path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    }
}

/// An unsigned JWT with the claims Fulcio (and sigstore-python) look at, for
/// [`IDENTITY`] and [`ISSUER`]; the mock does not check token signatures.
pub fn token() -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let b = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    format!(
        "{}.{}.c2ln",
        b(serde_json::json!({"alg": "none"})),
        b(serde_json::json!({
            "iss": ISSUER, "sub": IDENTITY, "email": IDENTITY, "email_verified": true,
            "aud": "sigstore", "iat": now, "nbf": now, "exp": now + 3600,
        }))
    )
}
