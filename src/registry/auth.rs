//! Registry credentials (the seeds' `RegistryAuth`): where they come from and
//! how they are matched to a registry host.
//!
//! Sources, first match wins:
//! 1. explicit credentials passed to the client (CLI flags, library callers);
//! 2. environment: `SC_REGISTRY_USERNAME` + `SC_REGISTRY_PASSWORD`, or `SC_REGISTRY_TOKEN`
//!    (a bearer token), optionally restricted to one host with `SC_REGISTRY_HOST`;
//! 3. Docker's `config.json` (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`):
//!    `credHelpers[host]`, then `auths[host]` (`auth`, `username`/`password`,
//!    `registrytoken`), then `credsStore`; helpers are the standard
//!    `docker-credential-<name> get` programs;
//! 4. podman/skopeo's `auth.json` (`$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`).
//!
//! Secrets never reach logs: `Debug` is redacted and errors name hosts and files only.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use serde::Deserialize;

use crate::context::Env;

/// Credentials for one registry.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct RegistryAuth {
    /// User name (basic auth).
    pub username: String,
    /// Password or access token used as password (basic auth).
    pub password: String,
    /// Bearer token, used as is.
    pub token: String,
}

impl std::fmt::Debug for RegistryAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryAuth")
            .field("username", &self.username)
            .field(
                "password",
                &if self.password.is_empty() {
                    ""
                } else {
                    "<redacted>"
                },
            )
            .field(
                "token",
                &if self.token.is_empty() {
                    ""
                } else {
                    "<redacted>"
                },
            )
            .finish()
    }
}

impl RegistryAuth {
    /// Basic credentials.
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
            token: String::new(),
        }
    }

    /// A bearer token.
    pub fn bearer(token: impl Into<String>) -> Self {
        Self {
            token: token.into(),
            ..Self::default()
        }
    }

    /// True when nothing is set.
    pub fn is_anonymous(&self) -> bool {
        self.username.is_empty() && self.password.is_empty() && self.token.is_empty()
    }

    /// Credentials from the environment (the seeds' `FromEnvironment`), when they apply to `registry`.
    pub fn from_environment(env: &dyn Env, registry: &str) -> Option<RegistryAuth> {
        if let Some(host) = env.var("SC_REGISTRY_HOST") {
            if !same_registry(&host, registry) {
                return None;
            }
        }
        if let Some(token) = env.var("SC_REGISTRY_TOKEN").filter(|t| !t.is_empty()) {
            return Some(RegistryAuth::bearer(token));
        }
        match (
            env.var("SC_REGISTRY_USERNAME"),
            env.var("SC_REGISTRY_PASSWORD"),
        ) {
            (Some(u), Some(p)) if !u.is_empty() => Some(RegistryAuth::basic(u, p)),
            _ => None,
        }
    }

    /// Credentials from Docker's config file (the seeds' `FromDockerConfig`).
    pub fn from_docker_config(
        config_path: &Path,
        registry: &str,
        helper_dirs: &[PathBuf],
    ) -> Result<Option<RegistryAuth>, AuthError> {
        let text = match std::fs::read_to_string(config_path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(AuthError::File {
                    path: config_path.to_path_buf(),
                    reason: e.to_string(),
                })
            }
        };
        let config: DockerConfig = serde_json::from_str(&text).map_err(|e| AuthError::File {
            path: config_path.to_path_buf(),
            reason: format!("not a valid Docker config.json: {e}"),
        })?;
        if let Some(helper) = config
            .cred_helpers
            .iter()
            .find(|(k, _)| same_registry(k, registry))
            .map(|(_, v)| v)
        {
            return run_helper(helper, registry, helper_dirs);
        }
        if let Some(entry) = config
            .auths
            .iter()
            .find(|(k, _)| same_registry(k, registry))
            .map(|(_, v)| v)
        {
            if let Some(auth) = entry.to_auth(config_path, registry)? {
                return Ok(Some(auth));
            }
        }
        if let Some(store) = &config.creds_store {
            return run_helper(store, registry, helper_dirs);
        }
        Ok(None)
    }
}

/// Why credentials could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The config file is unreadable or malformed.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A credential helper failed.
    #[error("credential helper docker-credential-{helper} failed for {registry}: {reason}")]
    Helper {
        /// Helper name.
        helper: String,
        /// Registry asked for.
        registry: String,
        /// Why (never includes the secret).
        reason: String,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DockerConfig {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default)]
    creds_store: Option<String>,
    #[serde(default)]
    cred_helpers: BTreeMap<String, String>,
}

#[derive(Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    registrytoken: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

impl std::fmt::Debug for AuthEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthEntry(<redacted>)")
    }
}

impl AuthEntry {
    fn to_auth(&self, path: &Path, registry: &str) -> Result<Option<RegistryAuth>, AuthError> {
        if let Some(token) = self.registrytoken.as_deref().filter(|t| !t.is_empty()) {
            return Ok(Some(RegistryAuth::bearer(token)));
        }
        if let Some(auth) = self.auth.as_deref().filter(|a| !a.is_empty()) {
            let bad = |why: &str| AuthError::File {
                path: path.to_path_buf(),
                reason: format!("auths entry for {registry}: {why}"),
            };
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .map_err(|_| bad("'auth' is not valid base64"))?;
            let decoded = String::from_utf8(decoded).map_err(|_| bad("'auth' is not UTF-8"))?;
            let (user, pass) = decoded
                .split_once(':')
                .ok_or_else(|| bad("'auth' is not user:password"))?;
            return Ok(Some(RegistryAuth::basic(user, pass)));
        }
        if let (Some(u), Some(p)) = (&self.username, &self.password) {
            return Ok(Some(RegistryAuth::basic(u.clone(), p.clone())));
        }
        if self.identitytoken.is_some() {
            tracing::warn!("{}: the auths entry for {registry} holds an OAuth identity token, which sc cannot exchange; log in with a username and password or token", path.display());
        }
        Ok(None)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HelperReply {
    #[serde(default)]
    username: String,
    #[serde(default)]
    secret: String,
}

fn helper_server_url(registry: &str) -> String {
    if is_docker_hub(registry) {
        "https://index.docker.io/v1/".to_string()
    } else {
        registry.to_string()
    }
}

fn run_helper(
    helper: &str,
    registry: &str,
    helper_dirs: &[PathBuf],
) -> Result<Option<RegistryAuth>, AuthError> {
    let fail = |reason: String| AuthError::Helper {
        helper: helper.to_string(),
        registry: registry.to_string(),
        reason,
    };
    if helper.is_empty()
        || !helper
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(fail("invalid helper name".into()));
    }
    let program = format!("docker-credential-{helper}");
    let path = helper_dirs
        .iter()
        .map(|d| d.join(&program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from(&program));
    let spawn = || {
        Command::new(&path)
            .arg("get")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
    };
    // ETXTBSY: the helper was just written (e.g. installed) and another process still
    // holds it open for writing; it clears within milliseconds.
    let mut child = spawn();
    for _ in 0..5 {
        match &child {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(20));
                child = spawn();
            }
            _ => break,
        }
    }
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Docker configs copied between machines often name a helper that is not
            // installed (e.g. `desktop`); carry on without credentials, as anonymous.
            tracing::warn!("credential helper {program} is not installed; no credentials for {registry} from it");
            return Ok(None);
        }
        Err(e) => return Err(fail(format!("cannot run {program}: {e}"))),
    };
    // A helper may exit without reading its input (then writing fails with a broken
    // pipe); its exit status and message below say what happened.
    match child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(helper_server_url(registry).as_bytes())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(fail(e.to_string())),
        _ => {}
    }
    let out = child.wait_with_output().map_err(|e| fail(e.to_string()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        if stdout.contains("credentials not found") || stderr.contains("credentials not found") {
            return Ok(None);
        }
        // Helpers print their own messages (never secrets on failure); keep one line.
        let msg = stderr
            .lines()
            .chain(stdout.lines())
            .next()
            .unwrap_or("")
            .chars()
            .take(200)
            .collect::<String>();
        return Err(fail(format!("exit status {}: {msg}", out.status)));
    }
    let reply: HelperReply = serde_json::from_slice(&out.stdout)
        .map_err(|_| fail("reply is not the expected JSON".into()))?;
    if reply.secret.is_empty() {
        return Ok(None);
    }
    if reply.username == "<token>" {
        tracing::warn!(
            "{program} returned an OAuth identity token for {registry}; using it as a password"
        );
    }
    Ok(Some(RegistryAuth::basic(reply.username, reply.secret)))
}

fn is_docker_hub(host: &str) -> bool {
    matches!(
        host,
        "docker.io" | "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com"
    )
}

/// Host part of a config key (`https://index.docker.io/v1/` → `index.docker.io`).
fn key_host(key: &str) -> &str {
    let k = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    k.split('/').next().unwrap_or(k)
}

/// True when a config key or host names `registry` (Docker Hub's aliases are one registry).
pub fn same_registry(key: &str, registry: &str) -> bool {
    let host = key_host(key);
    host.eq_ignore_ascii_case(registry) || (is_docker_hub(host) && is_docker_hub(registry))
}

/// Docker config path: `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`.
pub fn docker_config_path(env: &dyn Env) -> Option<PathBuf> {
    if let Some(dir) = env.var("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    env.var("HOME")
        .map(|h| PathBuf::from(h).join(".docker").join("config.json"))
}

/// podman/skopeo auth file: `$REGISTRY_AUTH_FILE`, else `$XDG_RUNTIME_DIR/containers/auth.json`.
pub fn containers_auth_path(env: &dyn Env) -> Option<PathBuf> {
    if let Some(f) = env.var("REGISTRY_AUTH_FILE").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(f));
    }
    env.var("XDG_RUNTIME_DIR")
        .map(|d| PathBuf::from(d).join("containers").join("auth.json"))
}

/// Resolve credentials for `registry` from the environment and the config files.
pub fn resolve(
    env: &dyn Env,
    registry: &str,
    helper_dirs: &[PathBuf],
) -> Result<Option<RegistryAuth>, AuthError> {
    if let Some(a) = RegistryAuth::from_environment(env, registry) {
        return Ok(Some(a));
    }
    for path in [docker_config_path(env), containers_auth_path(env)]
        .into_iter()
        .flatten()
    {
        if let Some(a) = RegistryAuth::from_docker_config(&path, registry, helper_dirs)? {
            tracing::debug!("using credentials for {registry} from {}", path.display());
            return Ok(Some(a));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn environment_credentials() {
        let e = env(&[("SC_REGISTRY_USERNAME", "u"), ("SC_REGISTRY_PASSWORD", "p")]);
        assert_eq!(
            RegistryAuth::from_environment(&e, "ghcr.io"),
            Some(RegistryAuth::basic("u", "p"))
        );
        let e = env(&[("SC_REGISTRY_TOKEN", "t"), ("SC_REGISTRY_HOST", "ghcr.io")]);
        assert_eq!(
            RegistryAuth::from_environment(&e, "ghcr.io"),
            Some(RegistryAuth::bearer("t"))
        );
        assert_eq!(RegistryAuth::from_environment(&e, "quay.io"), None);
        assert_eq!(RegistryAuth::from_environment(&env(&[]), "quay.io"), None);
    }

    #[test]
    fn debug_is_redacted() {
        let s = format!("{:?}", RegistryAuth::basic("alice", "hunter2"));
        assert!(s.contains("alice") && !s.contains("hunter2"), "{s}");
    }

    #[test]
    fn docker_config_auths_and_matching() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        let b64 = base64::engine::general_purpose::STANDARD.encode("bob:s3cret");
        std::fs::write(
            &path,
            format!(r#"{{"auths":{{"https://index.docker.io/v1/":{{"auth":"{b64}"}},"localhost:5000":{{"username":"u","password":"p"}},"reg.example":{{"registrytoken":"tok"}}}}}}"#),
        )
        .unwrap();
        assert_eq!(
            RegistryAuth::from_docker_config(&path, "docker.io", &[]).unwrap(),
            Some(RegistryAuth::basic("bob", "s3cret"))
        );
        assert_eq!(
            RegistryAuth::from_docker_config(&path, "localhost:5000", &[]).unwrap(),
            Some(RegistryAuth::basic("u", "p"))
        );
        assert_eq!(
            RegistryAuth::from_docker_config(&path, "reg.example", &[]).unwrap(),
            Some(RegistryAuth::bearer("tok"))
        );
        assert_eq!(
            RegistryAuth::from_docker_config(&path, "other.example", &[]).unwrap(),
            None
        );
        assert_eq!(
            RegistryAuth::from_docker_config(&dir.path().join("missing.json"), "x", &[]).unwrap(),
            None
        );

        std::fs::write(&path, "{not json").unwrap();
        let err = RegistryAuth::from_docker_config(&path, "x", &[]).unwrap_err();
        assert!(
            err.to_string().contains("not a valid Docker config.json"),
            "{err}"
        );
    }

    #[test]
    fn credential_helpers() {
        let dir = tempfile::tempdir().unwrap();
        let helper = dir.path().join("docker-credential-sctest");
        std::fs::write(
            &helper,
            "#!/bin/sh\nread host\nif [ \"$host\" = \"helper.example\" ]; then echo '{\"ServerURL\":\"helper.example\",\"Username\":\"hu\",\"Secret\":\"hs\"}'; else echo 'credentials not found in native keychain'; exit 1; fi\n",
        )
        .unwrap();
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(
            &path,
            r#"{"credHelpers":{"helper.example":"sctest"},"credsStore":"sctest"}"#,
        )
        .unwrap();
        let dirs = vec![dir.path().to_path_buf()];
        assert_eq!(
            RegistryAuth::from_docker_config(&path, "helper.example", &dirs).unwrap(),
            Some(RegistryAuth::basic("hu", "hs"))
        );
        // credsStore is asked for other hosts; "not found" is no credentials, not an error.
        assert_eq!(
            RegistryAuth::from_docker_config(&path, "other.example", &dirs).unwrap(),
            None
        );
        // A helper that is not installed means no credentials from it (anonymous), not a failure.
        std::fs::write(&path, r#"{"credsStore":"nosuchhelper"}"#).unwrap();
        assert_eq!(
            RegistryAuth::from_docker_config(&path, "x.example", &dirs).unwrap(),
            None
        );
        // A helper that fails for another reason is a clear error naming it.
        let broken = dir.path().join("docker-credential-broken");
        std::fs::write(&broken, "#!/bin/sh\necho 'keychain locked' >&2\nexit 3\n").unwrap();
        std::fs::set_permissions(&broken, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(&path, r#"{"credsStore":"broken"}"#).unwrap();
        let err = RegistryAuth::from_docker_config(&path, "x.example", &dirs).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("docker-credential-broken") && msg.contains("keychain locked"),
            "{msg}"
        );
    }

    #[test]
    fn resolve_prefers_environment_then_docker_config() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"auths":{"r.example":{"username":"cfg","password":"p"}}}"#,
        )
        .unwrap();
        let d = dir.path().to_str().unwrap();
        let e = env(&[("DOCKER_CONFIG", d)]);
        assert_eq!(
            resolve(&e, "r.example", &[]).unwrap(),
            Some(RegistryAuth::basic("cfg", "p"))
        );
        let e = env(&[
            ("DOCKER_CONFIG", d),
            ("SC_REGISTRY_USERNAME", "envu"),
            ("SC_REGISTRY_PASSWORD", "envp"),
        ]);
        assert_eq!(
            resolve(&e, "r.example", &[]).unwrap(),
            Some(RegistryAuth::basic("envu", "envp"))
        );
    }
}
