//! OIDC identity tokens for Sigstore keyless signing: where they come from
//! (explicit value, `SIGSTORE_ID_TOKEN`, the GitHub Actions token endpoint),
//! the [`IdentityToken`] wrapper that never prints its secret, and unverified
//! claim decoding.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use time::OffsetDateTime;

use super::env::{get, Env};
use super::ContextError;

/// An OIDC identity token (a JWT) to exchange with Fulcio for a signing
/// certificate.
///
/// `Debug` never prints the token, and there is no `Display`; use
/// [`IdentityToken::secret`] to send it.
#[derive(Clone, PartialEq, Eq)]
pub struct IdentityToken(String);

impl IdentityToken {
    /// Wraps `token`, trimmed. Fails unless it has the shape of a compact JWS
    /// (three non-empty base64url segments separated by `.`); the content is
    /// not checked here.
    pub fn new(token: impl Into<String>) -> Result<Self, ContextError> {
        let token = token.into();
        let token = token.trim();
        if !looks_like_jwt(token) {
            return Err(ContextError::InvalidToken(
                "expected a JWT: three base64url segments separated by '.'".into(),
            ));
        }
        Ok(IdentityToken(token.to_string()))
    }

    /// The raw token, to put in a request. Do not log it.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// Decodes the payload and returns its claims, WITHOUT verifying the
    /// signature, the issuer or the expiry. Use it to report who will sign
    /// and to fail early on an obviously wrong or expired token; Fulcio
    /// verifies the token against the issuer's keys when it issues the
    /// certificate, and that check is the one that counts.
    pub fn unverified_claims(&self) -> Result<TokenClaims, ContextError> {
        let payload = self
            .0
            .split('.')
            .nth(1)
            .ok_or_else(|| ContextError::InvalidToken("no payload segment".into()))?;
        let bytes = BASE64URL_LENIENT
            .decode(payload)
            .map_err(|e| ContextError::InvalidToken(format!("payload is not base64url: {e}")))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| ContextError::InvalidToken(format!("payload claims: {e}")))
    }
}

impl std::fmt::Debug for IdentityToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdentityToken(<redacted, {} bytes>)", self.0.len())
    }
}

/// base64url, padding optional (JWTs use none, some tools add it).
const BASE64URL_LENIENT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

fn looks_like_jwt(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'='))
        })
}

/// Claims of an identity token, decoded without verification
/// ([`IdentityToken::unverified_claims`]).
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct TokenClaims {
    /// Issuer (`https://token.actions.githubusercontent.com`, `https://gitlab.com`, ...).
    pub iss: String,
    /// Subject (GitHub: `repo:o/r:ref:refs/heads/main`; GitLab: `project_path:g/p:ref_type:branch:ref:main`).
    #[serde(default)]
    pub sub: Option<String>,
    /// E-mail, for interactive identity providers.
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the provider verified the e-mail.
    #[serde(default)]
    pub email_verified: Option<bool>,
    /// Audiences (`aud` may be a string or an array in the token).
    #[serde(default, deserialize_with = "string_or_vec")]
    pub aud: Vec<String>,
    /// Expiry, seconds since the epoch.
    #[serde(default, deserialize_with = "numeric_date")]
    pub exp: Option<i64>,
    /// Issued at, seconds since the epoch.
    #[serde(default, deserialize_with = "numeric_date")]
    pub iat: Option<i64>,
    /// Not before, seconds since the epoch.
    #[serde(default, deserialize_with = "numeric_date")]
    pub nbf: Option<i64>,
    /// Every other claim (`job_workflow_ref`, `repository`, `pipeline_id`, ...).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl TokenClaims {
    /// Expiry as a time, when `exp` is present and representable.
    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        self.exp
            .and_then(|e| OffsetDateTime::from_unix_timestamp(e).ok())
    }

    /// Whether `exp` is at or before `now` (false without `exp`).
    pub fn is_expired_at(&self, now: OffsetDateTime) -> bool {
        self.expires_at().is_some_and(|e| e <= now)
    }

    /// Whether `aud` contains `audience`.
    pub fn has_audience(&self, audience: &str) -> bool {
        self.aud.iter().any(|a| a == audience)
    }
}

fn string_or_vec<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
        Null(()),
    }
    Ok(match <OneOrMany as serde::Deserialize>::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
        OneOrMany::Null(()) => Vec::new(),
    })
}

/// RFC 7519 NumericDate: a JSON number, possibly fractional.
fn numeric_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v: Option<serde_json::Number> = serde::Deserialize::deserialize(d)?;
    Ok(v.and_then(|n| n.as_i64().or_else(|| n.as_f64().map(|f| f.floor() as i64))))
}

/// A string that never appears in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
struct Redacted(String);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// GitHub Actions' token endpoint (`permissions: id-token: write`).
#[derive(Debug, Clone)]
struct GitHubRequest {
    /// `ACTIONS_ID_TOKEN_REQUEST_URL` (not a secret).
    url: String,
    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN` (a secret).
    token: Redacted,
}

/// How many times, and how patiently, the token endpoint is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    /// Total attempts (1 + retries).
    pub(crate) attempts: u32,
    /// Delay before retry `n` is `n * base_delay`.
    pub(crate) base_delay: Duration,
    /// Whole-request timeout, per attempt.
    pub(crate) timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(500),
            timeout: Duration::from_secs(10),
        }
    }
}

/// Where an identity token can come from in this environment (the explicit
/// value is passed per call, not stored).
#[derive(Debug, Clone, Default)]
pub(crate) struct OidcSource {
    /// `SIGSTORE_ID_TOKEN` (GitLab `id_tokens:`, or set by hand).
    env_token: Option<Redacted>,
    /// GitHub Actions token endpoint.
    github: Option<GitHubRequest>,
    pub(crate) retry: RetryPolicy,
}

impl OidcSource {
    pub(crate) fn from_env(env: &dyn Env) -> Self {
        let github = match (
            get(env, "ACTIONS_ID_TOKEN_REQUEST_URL"),
            get(env, "ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
        ) {
            (Some(url), Some(token)) => Some(GitHubRequest {
                url,
                token: Redacted(token),
            }),
            _ => None,
        };
        OidcSource {
            env_token: get(env, "SIGSTORE_ID_TOKEN").map(Redacted),
            github,
            retry: RetryPolicy::default(),
        }
    }

    pub(crate) fn available(&self) -> bool {
        self.env_token.is_some() || self.github.is_some()
    }

    pub(crate) fn source_name(&self) -> Option<&'static str> {
        if self.env_token.is_some() {
            Some("SIGSTORE_ID_TOKEN")
        } else if self.github.is_some() {
            Some("github-actions")
        } else {
            None
        }
    }

    pub(crate) async fn token(
        &self,
        explicit: Option<&str>,
        audience: &str,
    ) -> Result<Option<IdentityToken>, ContextError> {
        let token = if let Some(value) = explicit.map(str::trim).filter(|s| !s.is_empty()) {
            tracing::debug!("using the identity token given explicitly");
            explicit_token(value).await?
        } else if let Some(raw) = &self.env_token {
            tracing::debug!("using the identity token from SIGSTORE_ID_TOKEN");
            IdentityToken::new(raw.0.clone()).map_err(|e| match e {
                ContextError::InvalidToken(m) => {
                    ContextError::InvalidToken(format!("SIGSTORE_ID_TOKEN: {m}"))
                }
                other => other,
            })?
        } else if let Some(gh) = &self.github {
            tracing::debug!(audience, "requesting an identity token from GitHub Actions");
            let client = http_client(&gh.url, self.retry.timeout)?;
            request_github_token(&client, &gh.url, &gh.token.0, audience, &self.retry).await?
        } else {
            return Ok(None);
        };
        check_claims(&token, audience);
        Ok(Some(token))
    }
}

/// The `--identity-token` value: a JWT, or (as cosign accepts) the path of a
/// file holding one.
async fn explicit_token(value: &str) -> Result<IdentityToken, ContextError> {
    if looks_like_jwt(value) {
        return IdentityToken::new(value);
    }
    let path = PathBuf::from(value);
    match tokio::fs::read_to_string(&path).await {
        Ok(text) => IdentityToken::new(text).map_err(|e| match e {
            ContextError::InvalidToken(m) => {
                ContextError::InvalidToken(format!("identity token file {}: {m}", path.display()))
            }
            other => other,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ContextError::InvalidToken(
            "the identity token is neither a JWT nor the path of an existing file".into(),
        )),
        Err(source) => Err(ContextError::TokenFile { path, source }),
    }
}

/// Warns (without the token) about an audience mismatch or an expired token;
/// Fulcio makes the binding decision.
fn check_claims(token: &IdentityToken, audience: &str) {
    match token.unverified_claims() {
        Ok(claims) => {
            if !audience.is_empty() && !claims.aud.is_empty() && !claims.has_audience(audience) {
                tracing::warn!(
                    expected = audience,
                    actual = ?claims.aud,
                    "identity token audience does not include the expected audience"
                );
            }
            if claims.is_expired_at(OffsetDateTime::now_utc()) {
                tracing::warn!(exp = ?claims.exp, "identity token has expired");
            }
            tracing::debug!(iss = %claims.iss, sub = ?claims.sub, "identity token claims (unverified)");
        }
        Err(e) => tracing::warn!("identity token claims could not be decoded: {e}"),
    }
}

fn http_client(url: &str, timeout: Duration) -> Result<reqwest::Client, ContextError> {
    let mut builder = crate::tls::client_builder(&[])
        .unwrap_or_else(|_| reqwest::Client::builder())
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(format!("{}/{}", crate::TOOL_NAME, crate::TOOL_VERSION));
    // Never send a loopback request through a proxy.
    let loopback = url::Url::parse(url).ok().is_some_and(|u| match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    });
    if loopback {
        builder = builder.no_proxy();
    }
    builder.build().map_err(ContextError::HttpClient)
}

/// `scheme://host[:port]/path` of `url`, for error messages (no query, no
/// credentials).
fn display_url(url: &url::Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
}

/// `GET {request_url}&audience={audience}` with `Authorization: Bearer
/// {request_token}`; the response is `{"value": "<jwt>"}`. Retries connection
/// errors, timeouts, 5xx and 429; fails at once on other 4xx and on a bad body.
pub(crate) async fn request_github_token(
    client: &reqwest::Client,
    request_url: &str,
    request_token: &str,
    audience: &str,
    policy: &RetryPolicy,
) -> Result<IdentityToken, ContextError> {
    let mut url =
        url::Url::parse(request_url).map_err(|e| ContextError::InvalidRequestUrl(e.to_string()))?;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "audience")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut q = url.query_pairs_mut();
        q.clear();
        for (k, v) in &kept {
            q.append_pair(k, v);
        }
        if !audience.is_empty() {
            q.append_pair("audience", audience);
        }
    }
    if url.query() == Some("") {
        url.set_query(None);
    }
    let shown = display_url(&url);
    let mut auth = reqwest::header::HeaderValue::from_str(&format!("Bearer {request_token}"))
        .map_err(|_| {
            ContextError::InvalidRequestUrl(
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN is not a valid header value".into(),
            )
        })?;
    auth.set_sensitive(true);

    let attempts = policy.attempts.max(1);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = client
            .get(url.clone())
            .header(reqwest::header::AUTHORIZATION, auth.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await;
        let retry_in = policy.base_delay * attempt;
        match result {
            Err(e) => {
                if attempt < attempts {
                    tracing::debug!(
                        attempt,
                        "OIDC token request failed, retrying: {}",
                        e.without_url()
                    );
                    tokio::time::sleep(retry_in).await;
                    continue;
                }
                return Err(ContextError::OidcTransport {
                    url: shown,
                    attempts: attempt,
                    source: e.without_url(),
                });
            }
            Ok(resp) => {
                let status = resp.status();
                let body = match resp.text().await {
                    Ok(b) => b,
                    Err(e) => {
                        if attempt < attempts {
                            tokio::time::sleep(retry_in).await;
                            continue;
                        }
                        return Err(ContextError::OidcTransport {
                            url: shown,
                            attempts: attempt,
                            source: e.without_url(),
                        });
                    }
                };
                if status.is_success() {
                    return parse_token_response(&body);
                }
                let retryable = status.is_server_error() || status.as_u16() == 429;
                if retryable && attempt < attempts {
                    tracing::debug!(
                        attempt,
                        status = status.as_u16(),
                        "OIDC token request failed, retrying"
                    );
                    tokio::time::sleep(retry_in).await;
                    continue;
                }
                return Err(ContextError::OidcHttp {
                    url: shown,
                    status: status.as_u16(),
                    attempts: attempt,
                    message: error_excerpt(&body, request_token),
                });
            }
        }
    }
}

fn parse_token_response(body: &str) -> Result<IdentityToken, ContextError> {
    #[derive(serde::Deserialize)]
    struct Response {
        value: Option<String>,
    }
    let r: Response = serde_json::from_str(body)
        .map_err(|e| ContextError::OidcResponse(format!("not the expected JSON object: {e}")))?;
    let value = r
        .value
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ContextError::OidcResponse("no \"value\" in the response".into()))?;
    IdentityToken::new(value)
        .map_err(|_| ContextError::OidcResponse("\"value\" is not a JWT".into()))
}

/// The start of an error body, single-line, with the request token removed
/// (in case a server echoes it).
fn error_excerpt(body: &str, secret: &str) -> String {
    let mut s = if secret.is_empty() {
        body.to_string()
    } else {
        body.replace(secret, "<redacted>")
    };
    s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 200 {
        s = s.chars().take(200).collect::<String>() + "...";
    }
    if s.is_empty() {
        "(empty body)".to_string()
    } else {
        s
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    pub(crate) fn b64(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    /// An unsigned-looking JWT with `payload` as its claims.
    pub(crate) fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.{}",
            b64(r#"{"alg":"RS256","typ":"JWT"}"#),
            b64(payload),
            b64("not-a-real-signature")
        )
    }

    /// One request as the server saw it.
    #[derive(Debug, Clone)]
    pub(crate) struct Seen {
        pub(crate) target: String,
        pub(crate) headers: Vec<(String, String)>,
    }

    impl Seen {
        pub(crate) fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }
    }

    /// A loopback HTTP/1.1 server that answers successive requests with the
    /// scripted `(status, body)` pairs (the last one repeats) and records
    /// what it received.
    pub(crate) async fn serve(script: Vec<(u16, String)>) -> (String, Arc<Mutex<Vec<Seen>>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = seen.clone();
        tokio::spawn(async move {
            let mut n = 0;
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let (status, body) = script[n.min(script.len() - 1)].clone();
                n += 1;
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(k) => buf.extend_from_slice(&chunk[..k]),
                    }
                }
                let text = String::from_utf8_lossy(&buf).into_owned();
                let mut lines = text.split("\r\n");
                let request_line = lines.next().unwrap_or_default();
                let mut parts = request_line.split(' ');
                assert_eq!(parts.next(), Some("GET"));
                let target = parts.next().unwrap_or_default().to_string();
                let headers = lines
                    .take_while(|l| !l.is_empty())
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                    .collect();
                seen2.lock().unwrap().push(Seen { target, headers });
                let reason = match status {
                    200 => "OK",
                    403 => "Forbidden",
                    500 => "Internal Server Error",
                    _ => "Status",
                };
                let resp = format!(
                    "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
                let _ = sock.shutdown().await;
            }
        });
        (format!("http://{addr}/_apis/idtoken?api-version=2.0"), seen)
    }

    pub(crate) fn fast() -> RetryPolicy {
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(10),
            timeout: Duration::from_secs(5),
        }
    }

    fn client(url: &str) -> reqwest::Client {
        http_client(url, Duration::from_secs(5)).unwrap()
    }

    #[test]
    fn identity_token_shape_and_redaction() {
        let t = jwt(r#"{"iss":"https://issuer.example"}"#);
        let tok = IdentityToken::new(format!("  {t}\n")).unwrap();
        assert_eq!(tok.secret(), t);
        let dbg = format!("{tok:?}");
        assert!(!dbg.contains(&t[..20]), "{dbg}");
        assert!(dbg.contains("redacted"));
        for bad in ["", "abc", "a.b", "a..c", "a.b.c.d", "a.b c.d", "a.b.c!"] {
            assert!(
                matches!(IdentityToken::new(bad), Err(ContextError::InvalidToken(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn unverified_claims_decoding() {
        let t = IdentityToken::new(jwt(
            r#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:o/r:ref:refs/heads/main","aud":"sigstore","exp":1700000000,"iat":1699999000.5,"job_workflow_ref":"o/r/.github/workflows/x.yml@refs/heads/main"}"#,
        ))
        .unwrap();
        let c = t.unverified_claims().unwrap();
        assert_eq!(c.iss, "https://token.actions.githubusercontent.com");
        assert_eq!(c.sub.as_deref(), Some("repo:o/r:ref:refs/heads/main"));
        assert_eq!(c.aud, vec!["sigstore".to_string()]);
        assert!(c.has_audience("sigstore"));
        assert_eq!(c.exp, Some(1_700_000_000));
        assert_eq!(c.iat, Some(1_699_999_000));
        assert_eq!(c.email, None);
        assert_eq!(
            c.extra["job_workflow_ref"],
            "o/r/.github/workflows/x.yml@refs/heads/main"
        );
        assert!(c.is_expired_at(OffsetDateTime::now_utc()));
        assert_eq!(
            c.expires_at(),
            Some(time::macros::datetime!(2023-11-14 22:13:20 UTC))
        );

        // Array audience, e-mail, padded payload.
        let padded = format!(
            "{}.{}.sig",
            b64("{}"),
            base64::engine::general_purpose::URL_SAFE
                .encode(r#"{"iss":"https://oauth2.sigstore.dev/auth","email":"a@b.c","email_verified":true,"aud":["x","sigstore"]}"#)
        );
        let c = IdentityToken::new(padded)
            .unwrap()
            .unverified_claims()
            .unwrap();
        assert_eq!(c.email.as_deref(), Some("a@b.c"));
        assert_eq!(c.email_verified, Some(true));
        assert!(c.has_audience("sigstore"));
        assert_eq!(c.exp, None);
        assert!(!c.is_expired_at(OffsetDateTime::now_utc()));

        // Errors: payload not JSON, not base64, no issuer.
        for bad in [
            format!("{}.{}.s", b64("{}"), b64("nope")),
            format!("{}.a-_b-.s", b64("{}")),
            jwt(r#"{"sub":"x"}"#),
        ] {
            let t = IdentityToken(bad.clone());
            assert!(
                matches!(t.unverified_claims(), Err(ContextError::InvalidToken(_))),
                "{bad}"
            );
        }
    }

    #[tokio::test]
    async fn github_request_success_sends_bearer_and_audience() {
        let token =
            jwt(r#"{"iss":"https://token.actions.githubusercontent.com","aud":"sigstore"}"#);
        let (url, seen) = serve(vec![(200, format!(r#"{{"count":1,"value":"{token}"}}"#))]).await;
        let got = request_github_token(&client(&url), &url, "req-token-123", "sigstore", &fast())
            .await
            .unwrap();
        assert_eq!(got.secret(), token);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(
            seen[0].target,
            "/_apis/idtoken?api-version=2.0&audience=sigstore"
        );
        let auth = seen[0].header("authorization").unwrap();
        let (scheme, cred) = auth.split_once(' ').unwrap();
        assert!(scheme.eq_ignore_ascii_case("bearer"));
        assert_eq!(cred, "req-token-123");
        assert_eq!(seen[0].header("accept"), Some("application/json"));
    }

    #[tokio::test]
    async fn github_request_replaces_audience_and_handles_bare_url() {
        let token = jwt(r#"{"iss":"i"}"#);
        let (url, seen) = serve(vec![(200, format!(r#"{{"value":"{token}"}}"#))]).await;
        let url = url.replace("?api-version=2.0", "?audience=old");
        request_github_token(&client(&url), &url, "t", "sigstore", &fast())
            .await
            .unwrap();
        assert_eq!(
            seen.lock().unwrap()[0].target,
            "/_apis/idtoken?audience=sigstore"
        );
    }

    #[tokio::test]
    async fn github_request_retries_5xx_then_gives_up() {
        let (url, seen) = serve(vec![(500, "boom".into())]).await;
        let err = request_github_token(&client(&url), &url, "req-secret", "sigstore", &fast())
            .await
            .unwrap_err();
        assert_eq!(seen.lock().unwrap().len(), 3);
        match &err {
            ContextError::OidcHttp {
                status, attempts, ..
            } => {
                assert_eq!(*status, 500);
                assert_eq!(*attempts, 3);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(err.kind(), crate::ErrorKind::Io);
    }

    #[tokio::test]
    async fn github_request_403_fails_at_once_without_leaking() {
        let (url, seen) = serve(vec![(
            403,
            r#"{"message":"token req-secret is not allowed"}"#.into(),
        )])
        .await;
        let err = request_github_token(&client(&url), &url, "req-secret", "sigstore", &fast())
            .await
            .unwrap_err();
        assert_eq!(seen.lock().unwrap().len(), 1);
        assert!(
            matches!(err, ContextError::OidcHttp { status: 403, .. }),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains("403"), "{msg}");
        assert!(!msg.contains("req-secret"), "{msg}");
        assert!(!msg.contains("api-version"), "{msg}");
        assert!(!format!("{err:?}").contains("req-secret"));
        assert_eq!(err.kind(), crate::ErrorKind::MissingOidc);
    }

    #[tokio::test]
    async fn github_request_bad_bodies() {
        for body in [
            "not json",
            r#"{"value":""}"#,
            r#"{"other":1}"#,
            r#"{"value":"abc"}"#,
        ] {
            let (url, _) = serve(vec![(200, body.into())]).await;
            let err = request_github_token(&client(&url), &url, "t", "sigstore", &fast())
                .await
                .unwrap_err();
            assert!(
                matches!(err, ContextError::OidcResponse(_)),
                "{body}: {err:?}"
            );
        }
        let err = request_github_token(&client("x"), "not a url", "t", "a", &fast())
            .await
            .unwrap_err();
        assert!(matches!(err, ContextError::InvalidRequestUrl(_)));
    }

    #[tokio::test]
    async fn github_request_connection_refused_is_retried() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let url = format!("http://{addr}/token?api-version=2.0");
        let err = request_github_token(&client(&url), &url, "t", "sigstore", &fast())
            .await
            .unwrap_err();
        match err {
            ContextError::OidcTransport { attempts, .. } => assert_eq!(attempts, 3),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn explicit_token_value_or_file() {
        let t = jwt(r#"{"iss":"i"}"#);
        assert_eq!(explicit_token(&t).await.unwrap().secret(), t);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tok");
        std::fs::write(&path, format!("{t}\n")).unwrap();
        assert_eq!(
            explicit_token(path.to_str().unwrap())
                .await
                .unwrap()
                .secret(),
            t
        );
        std::fs::write(&path, "garbage").unwrap();
        assert!(matches!(
            explicit_token(path.to_str().unwrap()).await,
            Err(ContextError::InvalidToken(_))
        ));
        assert!(matches!(
            explicit_token("/definitely/not/here").await,
            Err(ContextError::InvalidToken(_))
        ));
    }

    #[test]
    fn error_excerpt_is_short_and_redacted() {
        let long = "x ".repeat(500);
        assert!(error_excerpt(&long, "s").len() <= 204);
        assert_eq!(error_excerpt("a\n  secret b", "secret"), "a <redacted> b");
        assert_eq!(error_excerpt("", "s"), "(empty body)");
    }
}
