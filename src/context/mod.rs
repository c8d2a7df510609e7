//! Execution context: where `sc` runs and what it is building — the seeds'
//! `ExecutionContext` (CI detection, git metadata, OIDC token discovery).
//!
//! [`ExecutionContext`] is detected once per run and read by signing (the
//! identity token for Sigstore keyless signing), provenance (builder id,
//! invocation id, source repository and commit) and reports.
//!
//! # Data sources
//!
//! * **CI provider and build facts**: only the documented environment
//!   variables of each provider ([`CiProvider::detect`]): GitHub Actions,
//!   GitLab CI, Buildkite, CircleCI, Jenkins, Azure Pipelines, Bitbucket
//!   Pipelines, any other CI setting `CI=true`, else a local run.
//! * **Git metadata**: the CI variables first; whatever they leave out is read
//!   from the local repository found by walking up from the working directory
//!   (or `GIT_DIR`), by reading `.git` files directly — `git` is never run
//!   ([`GitMetadata::from_repo`]). CI values win over the repository. URLs
//!   from either source lose their credentials ([`strip_url_credentials`]).
//! * **OIDC identity token**, in priority order: an explicit token
//!   (`--identity-token`, a JWT or a file holding one), `SIGSTORE_ID_TOKEN`
//!   (GitLab's `id_tokens:` convention, also usable anywhere), then the GitHub
//!   Actions token endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL` /
//!   `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, present with `permissions: id-token:
//!   write`), asked for the requested audience ([`ExecutionContext::oidc_token`]).
//!
//! # What this module does not do
//!
//! * It does not verify tokens: [`IdentityToken::unverified_claims`] decodes
//!   the payload for messages and early checks; Fulcio verifies the signature.
//! * It does not run interactive OAuth flows or any other identity provider's
//!   device flow; a token must come from the environment or the caller.
//! * It does not hash the work tree, so [`GitMetadata::dirty`] stays `None`.
//! * It never mutates the process environment and never logs a token or the
//!   token-request credential; `Debug` output of every type here is redacted.
//!
//! Detection reads the environment through the [`Env`] trait, so tests (and
//! callers that captured an environment) pass a `HashMap` instead of the
//! process environment:
//!
//! ```
//! use std::collections::HashMap;
//! use sc::context::{CiProvider, ExecutionContext};
//!
//! let env: HashMap<String, String> = [
//!     ("GITHUB_ACTIONS", "true"),
//!     ("GITHUB_REPOSITORY", "octo/app"),
//!     ("GITHUB_RUN_ID", "42"),
//!     ("GITHUB_RUN_ATTEMPT", "1"),
//! ]
//! .into_iter()
//! .map(|(k, v)| (k.to_string(), v.to_string()))
//! .collect();
//! let ctx = ExecutionContext::from_env(&env, std::path::Path::new("/nonexistent"));
//! assert_eq!(ctx.ci, CiProvider::GitHubActions);
//! assert_eq!(
//!     ctx.build.invocation_id.as_deref(),
//!     Some("https://github.com/octo/app/actions/runs/42/attempts/1")
//! );
//! ```

mod ci;
mod env;
mod git;
mod oidc;

use std::path::Path;

use time::OffsetDateTime;

pub use ci::{BuildInfo, CiProvider, GENERIC_CI_BUILDER_ID, LOCAL_BUILDER_ID};
pub use env::{Env, ProcessEnv};
pub use git::{strip_url_credentials, GitMetadata};
pub use oidc::{IdentityToken, TokenClaims};

use crate::error::ErrorKind;
use oidc::OidcSource;

/// The audience Sigstore's public Fulcio expects in identity tokens.
pub const SIGSTORE_AUDIENCE: &str = "sigstore";

/// Failures of context detection and OIDC token discovery. Messages never
/// contain a token or the token-request credential.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContextError {
    /// A token was found but is not a usable JWT.
    #[error("identity token is malformed: {0}")]
    InvalidToken(String),
    /// An explicit token file could not be read.
    #[error("reading identity token file {}: {source}", path.display())]
    TokenFile {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// `ACTIONS_ID_TOKEN_REQUEST_URL` / `_TOKEN` cannot be used for a request.
    #[error("GitHub Actions OIDC request is misconfigured: {0}")]
    InvalidRequestUrl(String),
    /// The GitHub Actions token endpoint answered with an error status.
    #[error("GitHub Actions OIDC token request to {url} failed with HTTP {status} after {attempts} attempt(s): {message}")]
    OidcHttp {
        /// Endpoint, without query.
        url: String,
        /// HTTP status.
        status: u16,
        /// Attempts made.
        attempts: u32,
        /// Start of the response body.
        message: String,
    },
    /// The endpoint could not be reached (connection, timeout, reading the body).
    #[error(
        "GitHub Actions OIDC token request to {url} failed after {attempts} attempt(s): {source}"
    )]
    OidcTransport {
        /// Endpoint, without query.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// The endpoint answered 2xx with something other than `{"value": "<jwt>"}`.
    #[error("GitHub Actions OIDC token response is invalid: {0}")]
    OidcResponse(String),
    /// The HTTP client could not be built.
    #[error("building the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
}

impl ContextError {
    /// The seeds' error kind: bad or unobtainable tokens are configuration
    /// problems ([`ErrorKind::InvalidConfig`] / [`ErrorKind::MissingOidc`]);
    /// network and server failures are [`ErrorKind::Io`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            ContextError::InvalidToken(_) | ContextError::TokenFile { .. } => {
                ErrorKind::InvalidConfig
            }
            ContextError::InvalidRequestUrl(_) => ErrorKind::MissingOidc,
            ContextError::OidcHttp { status, .. }
                if (400..500).contains(status) && *status != 429 =>
            {
                ErrorKind::MissingOidc
            }
            ContextError::OidcHttp { .. }
            | ContextError::OidcTransport { .. }
            | ContextError::OidcResponse(_)
            | ContextError::HttpClient(_) => ErrorKind::Io,
        }
    }
}

/// Where `sc` runs and what it builds: CI provider, git metadata, build run
/// facts, and where an OIDC identity token can be obtained.
///
/// `Debug` is safe to log: it shows which token sources exist, never a token.
#[derive(Clone)]
pub struct ExecutionContext {
    /// The CI system (or [`CiProvider::Local`]).
    pub ci: CiProvider,
    /// Source facts; `None` when neither CI nor a local repository knows any.
    pub git: Option<GitMetadata>,
    /// Build run facts (builder id, invocation id, run URL, ...).
    pub build: BuildInfo,
    oidc: OidcSource,
}

impl std::fmt::Debug for ExecutionContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecutionContext")
            .field("ci", &self.ci)
            .field("git", &self.git)
            .field("build", &self.build)
            .field("oidc", &self.oidc)
            .finish()
    }
}

impl Default for ExecutionContext {
    /// A local run with no git metadata and no token source.
    fn default() -> Self {
        ExecutionContext {
            ci: CiProvider::Local,
            git: None,
            build: ci::read_ci(
                &std::collections::HashMap::<String, String>::new(),
                OffsetDateTime::now_utc(),
            )
            .build,
            oidc: OidcSource::default(),
        }
    }
}

impl ExecutionContext {
    /// Detects the context of this process: the process environment and the
    /// current working directory.
    pub fn detect() -> Self {
        let cwd = std::env::current_dir().unwrap_or_else(|_| Path::new(".").to_path_buf());
        Self::from_env(&ProcessEnv, &cwd)
    }

    /// Detects the context from `env` and the repository containing `cwd`
    /// (or `GIT_DIR` from `env`, relative to `cwd`). Never fails: what cannot
    /// be read is left unknown.
    pub fn from_env(env: &dyn Env, cwd: &Path) -> Self {
        let facts = ci::read_ci(env, OffsetDateTime::now_utc());
        let local = match env::get(env, "GIT_DIR") {
            Some(dir) => GitMetadata::from_git_dir(&cwd.join(dir)),
            None => GitMetadata::from_repo(cwd),
        };
        let mut git = facts.git;
        if let Some(local) = local {
            git.fill_from(local);
        }
        git.normalize();
        let ctx = ExecutionContext {
            ci: facts.provider,
            git: (!git.is_empty()).then_some(git),
            build: facts.build,
            oidc: OidcSource::from_env(env),
        };
        tracing::debug!(
            ci = ctx.ci.name(),
            commit = ?ctx.git.as_ref().and_then(|g| g.commit_sha.as_deref()),
            oidc = ?ctx.oidc.source_name(),
            "execution context detected"
        );
        ctx
    }

    /// Whether `sc` runs in a CI system.
    pub fn is_ci(&self) -> bool {
        self.ci.is_ci()
    }

    /// The SLSA builder id ([`CiProvider::builder_id`]).
    pub fn builder_id(&self) -> &str {
        &self.build.builder_id
    }

    /// Whether the environment offers an identity token (`SIGSTORE_ID_TOKEN`
    /// or the GitHub Actions token endpoint). An explicit token is not
    /// considered: it is passed to [`oidc_token`](Self::oidc_token).
    pub fn oidc_available(&self) -> bool {
        self.oidc.available()
    }

    /// Which environment source [`oidc_token`](Self::oidc_token) would use
    /// without an explicit token: `"SIGSTORE_ID_TOKEN"` or `"github-actions"`.
    pub fn oidc_source(&self) -> Option<&'static str> {
        self.oidc.source_name()
    }

    /// What to change so that an identity token becomes available, for
    /// "OIDC token not available" errors; `None` when one is available.
    pub fn oidc_setup_hint(&self) -> Option<&'static str> {
        if self.oidc_available() {
            return None;
        }
        Some(match self.ci {
            CiProvider::GitHubActions => {
                "grant the job `permissions: id-token: write` so GitHub Actions provides an OIDC token"
            }
            CiProvider::GitLabCi => {
                "add `id_tokens: { SIGSTORE_ID_TOKEN: { aud: sigstore } }` to the job"
            }
            CiProvider::Local => {
                "pass --identity-token (a JWT or a file holding one) or set SIGSTORE_ID_TOKEN, or sign with a key"
            }
            _ => "set SIGSTORE_ID_TOKEN to an OIDC token with audience `sigstore`, or sign with a key",
        })
    }

    /// The identity token to sign with, from the first source that has one:
    /// `explicit` (a JWT, or the path of a file holding one, as cosign's
    /// `--identity-token`), `SIGSTORE_ID_TOKEN`, then the GitHub Actions token
    /// endpoint asked for `audience` (normally [`SIGSTORE_AUDIENCE`]).
    ///
    /// `Ok(None)` when there is no source. The GitHub request times out after
    /// 10 s per attempt and is retried twice on connection errors, timeouts,
    /// 429 and 5xx. Tokens from other sources are not re-requested for
    /// `audience`; a mismatch in their `aud` claim is logged as a warning.
    pub async fn oidc_token(
        &self,
        explicit: Option<&str>,
        audience: &str,
    ) -> Result<Option<IdentityToken>, ContextError> {
        self.oidc.token(explicit, audience).await
    }
}

#[cfg(test)]
mod tests {
    use super::oidc::tests::{fast, jwt, serve};
    use super::*;
    use std::collections::HashMap;
    use std::fs;

    const CI_SHA: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const LOCAL_SHA: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A fake checkout at `root`: branch `local`, commit LOCAL_SHA tagged
    /// `v0.9`, origin with credentials.
    fn fake_checkout(root: &Path) {
        let git = root.join(".git");
        fs::create_dir_all(git.join("refs/heads")).unwrap();
        fs::create_dir_all(git.join("refs/tags")).unwrap();
        fs::write(git.join("HEAD"), "ref: refs/heads/local\n").unwrap();
        fs::write(git.join("refs/heads/local"), LOCAL_SHA).unwrap();
        fs::write(git.join("refs/tags/v0.9"), LOCAL_SHA).unwrap();
        fs::write(
            git.join("config"),
            "[remote \"origin\"]\n\turl = https://me:pat@example.com/o/r.git\n",
        )
        .unwrap();
    }

    #[test]
    fn local_run_reads_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        fake_checkout(dir.path());
        let ctx = ExecutionContext::from_env(&env(&[]), dir.path());
        assert_eq!(ctx.ci, CiProvider::Local);
        assert!(!ctx.is_ci());
        assert_eq!(ctx.builder_id(), LOCAL_BUILDER_ID);
        let git = ctx.git.clone().unwrap();
        assert_eq!(git.commit_sha.as_deref(), Some(LOCAL_SHA));
        assert_eq!(git.branch.as_deref(), Some("local"));
        assert_eq!(git.tag.as_deref(), Some("v0.9"));
        assert_eq!(git.repo_url.as_deref(), Some("https://example.com/o/r.git"));
        assert_eq!(git.dirty, None);
        assert!(!ctx.oidc_available());
        assert!(ctx.oidc_setup_hint().unwrap().contains("--identity-token"));
    }

    #[test]
    fn ci_env_wins_over_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        fake_checkout(dir.path());
        let e = env(&[
            ("GITLAB_CI", "true"),
            ("CI_PROJECT_URL", "https://gitlab.com/g/p"),
            ("CI_COMMIT_SHA", CI_SHA),
            ("CI_COMMIT_BRANCH", "main"),
        ]);
        let ctx = ExecutionContext::from_env(&e, dir.path());
        let git = ctx.git.unwrap();
        assert_eq!(git.repo_url.as_deref(), Some("https://gitlab.com/g/p"));
        assert_eq!(git.commit_sha.as_deref(), Some(CI_SHA));
        assert_eq!(git.branch.as_deref(), Some("main"));
        // The local tag is on another commit: not reported.
        assert_eq!(git.tag, None);

        // CI without git facts (generic CI): the repository fills them in.
        let ctx = ExecutionContext::from_env(&env(&[("CI", "true")]), dir.path());
        assert_eq!(ctx.ci, CiProvider::Generic);
        let git = ctx.git.unwrap();
        assert_eq!(git.commit_sha.as_deref(), Some(LOCAL_SHA));
        assert_eq!(git.git_ref.as_deref(), Some("refs/heads/local"));

        // CI at the same commit with a branch: branch from CI, tag from the repo.
        let e = env(&[
            ("CIRCLECI", "true"),
            ("CIRCLE_SHA1", LOCAL_SHA),
            ("CIRCLE_BRANCH", "main"),
        ]);
        let git = ExecutionContext::from_env(&e, dir.path()).git.unwrap();
        assert_eq!(git.branch.as_deref(), Some("main"));
        assert_eq!(git.git_ref.as_deref(), Some("refs/heads/main"));
        assert_eq!(git.tag.as_deref(), Some("v0.9"));
        assert_eq!(git.repo_url.as_deref(), Some("https://example.com/o/r.git"));
    }

    #[test]
    fn git_dir_from_env_and_no_repository() {
        let dir = tempfile::tempdir().unwrap();
        fake_checkout(&dir.path().join("elsewhere"));
        let work = dir.path().join("work");
        fs::create_dir_all(&work).unwrap();
        let ctx = ExecutionContext::from_env(&env(&[("GIT_DIR", "../elsewhere/.git")]), &work);
        assert_eq!(ctx.git.unwrap().commit_sha.as_deref(), Some(LOCAL_SHA));
        if !work.ancestors().any(|a| a.join(".git").exists()) {
            let ctx = ExecutionContext::from_env(&env(&[]), &work);
            assert_eq!(ctx.git, None);
        }
    }

    #[test]
    fn debug_never_shows_tokens() {
        let id_token = jwt(r#"{"iss":"https://gitlab.com","aud":"sigstore"}"#);
        let e = env(&[
            ("GITHUB_ACTIONS", "true"),
            ("SIGSTORE_ID_TOKEN", &id_token),
            (
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                "https://example.invalid/t?api-version=2.0",
            ),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-credential-xyz"),
        ]);
        let ctx = ExecutionContext::from_env(&e, Path::new("/nonexistent"));
        let dbg = format!("{ctx:?} {ctx:#?}");
        assert!(!dbg.contains(&id_token[..30]), "{dbg}");
        assert!(!dbg.contains("request-credential-xyz"), "{dbg}");
        assert!(ctx.oidc_available());
        assert_eq!(ctx.oidc_source(), Some("SIGSTORE_ID_TOKEN"));
        assert_eq!(ctx.oidc_setup_hint(), None);
        let d = format!("{:?}", ExecutionContext::default());
        assert!(d.contains("Local"), "{d}");
    }

    #[tokio::test]
    async fn token_priority_explicit_then_env() {
        let env_tok = jwt(r#"{"iss":"https://gitlab.com","aud":"sigstore"}"#);
        let explicit = jwt(r#"{"iss":"https://accounts.example","aud":"sigstore"}"#);
        let ctx = ExecutionContext::from_env(
            &env(&[("SIGSTORE_ID_TOKEN", &env_tok)]),
            Path::new("/nonexistent"),
        );
        let t = ctx
            .oidc_token(Some(&explicit), SIGSTORE_AUDIENCE)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(t.secret(), explicit);
        let t = ctx
            .oidc_token(Some("  "), SIGSTORE_AUDIENCE)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(t.secret(), env_tok);
        assert_eq!(t.unverified_claims().unwrap().iss, "https://gitlab.com");

        let none = ExecutionContext::from_env(&env(&[]), Path::new("/nonexistent"));
        assert!(none
            .oidc_token(None, SIGSTORE_AUDIENCE)
            .await
            .unwrap()
            .is_none());

        let bad = ExecutionContext::from_env(
            &env(&[("SIGSTORE_ID_TOKEN", "not-a-jwt")]),
            Path::new("/nonexistent"),
        );
        let err = bad.oidc_token(None, SIGSTORE_AUDIENCE).await.unwrap_err();
        assert!(err.to_string().contains("SIGSTORE_ID_TOKEN"), "{err}");
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    }

    fn github_env(url: &str) -> HashMap<String, String> {
        env(&[
            ("GITHUB_ACTIONS", "true"),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", url),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "gh-request-token"),
        ])
    }

    #[tokio::test]
    async fn github_actions_token_through_the_context() {
        let token =
            jwt(r#"{"iss":"https://token.actions.githubusercontent.com","aud":"sigstore"}"#);
        let (url, seen) = serve(vec![(200, format!(r#"{{"value":"{token}"}}"#))]).await;
        let ctx = ExecutionContext::from_env(&github_env(&url), Path::new("/nonexistent"));
        assert_eq!(ctx.oidc_source(), Some("github-actions"));
        let got = ctx
            .oidc_token(None, SIGSTORE_AUDIENCE)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.secret(), token);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert!(
            seen[0].target.contains("audience=sigstore"),
            "{}",
            seen[0].target
        );
        assert_eq!(
            seen[0]
                .header("Authorization")
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("bearer gh-request-token")
        );
    }

    #[tokio::test]
    async fn github_actions_500_then_200_is_retried() {
        let token = jwt(r#"{"iss":"https://token.actions.githubusercontent.com"}"#);
        let (url, seen) = serve(vec![
            (500, r#"{"message":"try again"}"#.into()),
            (200, format!(r#"{{"value":"{token}"}}"#)),
        ])
        .await;
        let mut ctx = ExecutionContext::from_env(&github_env(&url), Path::new("/nonexistent"));
        ctx.oidc.retry = fast();
        let got = ctx
            .oidc_token(None, SIGSTORE_AUDIENCE)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.secret(), token);
        assert_eq!(seen.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn github_actions_403_is_a_clear_error() {
        let (url, seen) = serve(vec![(403, r#"{"message":"forbidden"}"#.into())]).await;
        let ctx = ExecutionContext::from_env(&github_env(&url), Path::new("/nonexistent"));
        let err = ctx.oidc_token(None, SIGSTORE_AUDIENCE).await.unwrap_err();
        assert_eq!(seen.lock().unwrap().len(), 1);
        let msg = err.to_string();
        assert!(
            msg.contains("HTTP 403") && msg.contains("forbidden"),
            "{msg}"
        );
        assert!(!msg.contains("gh-request-token"), "{msg}");
        assert_eq!(err.kind(), ErrorKind::MissingOidc);
    }

    #[test]
    fn hints_per_provider() {
        let gh = ExecutionContext::from_env(
            &env(&[("GITHUB_ACTIONS", "true")]),
            Path::new("/nonexistent"),
        );
        assert!(!gh.oidc_available());
        assert!(gh.oidc_setup_hint().unwrap().contains("id-token: write"));
        let gl =
            ExecutionContext::from_env(&env(&[("GITLAB_CI", "true")]), Path::new("/nonexistent"));
        assert!(gl.oidc_setup_hint().unwrap().contains("id_tokens"));
    }
}
