//! CI provider detection and the per-provider mapping of documented
//! environment variables to [`GitMetadata`] and [`BuildInfo`].

use time::OffsetDateTime;

use super::env::{first, get, is_true, Env};
use super::git::{is_oid, strip_url_credentials, GitMetadata};

/// Builder id for runs outside any CI system (a developer machine).
pub const LOCAL_BUILDER_ID: &str = "https://sc.dev/local";
/// Builder id for an unrecognised CI system that only sets `CI=true`.
pub const GENERIC_CI_BUILDER_ID: &str = "https://sc.dev/generic-ci";

/// The CI system `sc` runs in.
///
/// Serializes as its [`name`](CiProvider::name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CiProvider {
    /// GitHub Actions (`GITHUB_ACTIONS=true`).
    GitHubActions,
    /// GitLab CI/CD (`GITLAB_CI=true`).
    GitLabCi,
    /// Buildkite (`BUILDKITE=true`).
    Buildkite,
    /// CircleCI (`CIRCLECI=true`).
    CircleCi,
    /// Jenkins (`JENKINS_URL` set).
    Jenkins,
    /// Azure Pipelines (`TF_BUILD=True`).
    AzurePipelines,
    /// Bitbucket Pipelines (`BITBUCKET_BUILD_NUMBER` set).
    Bitbucket,
    /// Some other CI system (`CI=true`, nothing more specific).
    Generic,
    /// Not in CI.
    Local,
}

impl CiProvider {
    /// Detects the provider from its marker variable. Checked in this order:
    /// GitHub Actions, GitLab CI, Buildkite, CircleCI, Azure Pipelines,
    /// Bitbucket, Jenkins, generic `CI=true`, else local.
    pub fn detect(env: &dyn Env) -> CiProvider {
        if is_true(env, "GITHUB_ACTIONS") {
            CiProvider::GitHubActions
        } else if is_true(env, "GITLAB_CI") {
            CiProvider::GitLabCi
        } else if is_true(env, "BUILDKITE") {
            CiProvider::Buildkite
        } else if is_true(env, "CIRCLECI") {
            CiProvider::CircleCi
        } else if is_true(env, "TF_BUILD") {
            CiProvider::AzurePipelines
        } else if get(env, "BITBUCKET_BUILD_NUMBER").is_some() {
            CiProvider::Bitbucket
        } else if get(env, "JENKINS_URL").is_some() {
            CiProvider::Jenkins
        } else if is_true(env, "CI") {
            CiProvider::Generic
        } else {
            CiProvider::Local
        }
    }

    /// Stable short name: `github-actions`, `gitlab-ci`, `buildkite`,
    /// `circleci`, `jenkins`, `azure-pipelines`, `bitbucket-pipelines`,
    /// `generic-ci`, `local`.
    pub fn name(self) -> &'static str {
        match self {
            CiProvider::GitHubActions => "github-actions",
            CiProvider::GitLabCi => "gitlab-ci",
            CiProvider::Buildkite => "buildkite",
            CiProvider::CircleCi => "circleci",
            CiProvider::Jenkins => "jenkins",
            CiProvider::AzurePipelines => "azure-pipelines",
            CiProvider::Bitbucket => "bitbucket-pipelines",
            CiProvider::Generic => "generic-ci",
            CiProvider::Local => "local",
        }
    }

    /// Whether this is a CI system (anything but [`CiProvider::Local`]).
    pub fn is_ci(self) -> bool {
        self != CiProvider::Local
    }

    /// The SLSA `runDetails.builder.id` for a run of this provider, from `env`:
    ///
    /// | provider | builder id |
    /// |---|---|
    /// | GitHub Actions | `{GITHUB_SERVER_URL}/{GITHUB_WORKFLOW_REF}` (the calling workflow file at its ref, e.g. `https://github.com/o/r/.github/workflows/release.yml@refs/heads/main`); without `GITHUB_WORKFLOW_REF`, `https://github.com/actions/runner` |
    /// | GitLab CI | `{CI_SERVER_URL}/{CI_PROJECT_PATH}/-/runners/{CI_RUNNER_ID}`; else `https://gitlab.com/gitlab-org/gitlab-runner` |
    /// | Buildkite | `https://buildkite.com/organizations/{BUILDKITE_ORGANIZATION_SLUG}/agents/{BUILDKITE_AGENT_ID}`; else `https://github.com/buildkite/agent` |
    /// | CircleCI | `https://circleci.com` (no per-runner identity is exposed) |
    /// | Jenkins | `JENKINS_URL` without credentials or trailing `/`; else `https://www.jenkins.io` |
    /// | Azure Pipelines | `SYSTEM_COLLECTIONURI` (the organization) without trailing `/`; else `https://dev.azure.com` |
    /// | Bitbucket | `https://bitbucket.org/{BITBUCKET_REPO_FULL_NAME}/pipelines` (or workspace/slug); else `https://bitbucket.org` |
    /// | generic CI | [`GENERIC_CI_BUILDER_ID`] (`https://sc.dev/generic-ci`) |
    /// | local | [`LOCAL_BUILDER_ID`] (`https://sc.dev/local`) |
    ///
    /// These identify the build platform a verifier must trust; only the
    /// GitHub and GitLab forms follow a published convention (GitHub's and
    /// GitLab's own provenance). The `sc.dev` ids are `sc`'s own names for
    /// "unknown CI" and "a developer machine", not resolvable URLs.
    pub fn builder_id(self, env: &dyn Env) -> String {
        match self {
            CiProvider::GitHubActions => match get(env, "GITHUB_WORKFLOW_REF") {
                Some(wref) => format!("{}/{wref}", github_server(env)),
                None => "https://github.com/actions/runner".to_string(),
            },
            CiProvider::GitLabCi => match (get(env, "CI_PROJECT_PATH"), get(env, "CI_RUNNER_ID")) {
                (Some(path), Some(runner)) => {
                    format!("{}/{path}/-/runners/{runner}", gitlab_server(env))
                }
                _ => "https://gitlab.com/gitlab-org/gitlab-runner".to_string(),
            },
            CiProvider::Buildkite => match (
                get(env, "BUILDKITE_ORGANIZATION_SLUG"),
                get(env, "BUILDKITE_AGENT_ID"),
            ) {
                (Some(org), Some(agent)) => {
                    format!("https://buildkite.com/organizations/{org}/agents/{agent}")
                }
                _ => "https://github.com/buildkite/agent".to_string(),
            },
            CiProvider::CircleCi => "https://circleci.com".to_string(),
            CiProvider::Jenkins => get(env, "JENKINS_URL")
                .map(|u| trim_slash(&strip_url_credentials(&u)))
                .unwrap_or_else(|| "https://www.jenkins.io".to_string()),
            CiProvider::AzurePipelines => get(env, "SYSTEM_COLLECTIONURI")
                .map(|u| trim_slash(&strip_url_credentials(&u)))
                .unwrap_or_else(|| "https://dev.azure.com".to_string()),
            CiProvider::Bitbucket => match bitbucket_full_name(env) {
                Some(full) => format!("https://bitbucket.org/{full}/pipelines"),
                None => "https://bitbucket.org".to_string(),
            },
            CiProvider::Generic => GENERIC_CI_BUILDER_ID.to_string(),
            CiProvider::Local => LOCAL_BUILDER_ID.to_string(),
        }
    }
}

impl serde::Serialize for CiProvider {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl std::fmt::Display for CiProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Facts about this build run, for provenance (`runDetails`) and reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BuildInfo {
    /// SLSA builder id ([`CiProvider::builder_id`]).
    pub builder_id: String,
    /// Unique id of this invocation, a URL where the CI has one: GitHub
    /// `{server}/{repo}/actions/runs/{run_id}/attempts/{attempt}`, GitLab the
    /// job URL, Buildkite `{build_url}#{job_id}`, CircleCI/Jenkins the build
    /// URL, Azure the build results URL, Bitbucket the pipeline results URL.
    pub invocation_id: Option<String>,
    /// Run / pipeline / build id (`GITHUB_RUN_ID`, `CI_PIPELINE_ID`,
    /// `BUILDKITE_BUILD_ID`, `CIRCLE_WORKFLOW_ID`, `BUILD_NUMBER`,
    /// `BUILD_BUILDID`, `BITBUCKET_BUILD_NUMBER`).
    pub run_id: Option<String>,
    /// Attempt number of the run, 1-based, when the CI reports it.
    pub run_attempt: Option<String>,
    /// Job id within the run (`CI_JOB_ID`, `BUILDKITE_JOB_ID`, ...).
    pub job_id: Option<String>,
    /// Job name (`GITHUB_JOB`, `CI_JOB_NAME`, `BUILDKITE_LABEL`, `CIRCLE_JOB`, ...).
    pub job: Option<String>,
    /// Human-facing URL of the run.
    pub run_url: Option<String>,
    /// Workflow / pipeline name (`GITHUB_WORKFLOW`, `CI_PIPELINE_NAME`,
    /// `BUILDKITE_PIPELINE_SLUG`, Jenkins `JOB_NAME`, `BUILD_DEFINITIONNAME`).
    pub workflow: Option<String>,
    /// Workflow file at its ref (`GITHUB_WORKFLOW_REF`).
    pub workflow_ref: Option<String>,
    /// Who triggered the run (`GITHUB_ACTOR`, `GITLAB_USER_LOGIN`, ...).
    pub actor: Option<String>,
    /// What triggered the run (`GITHUB_EVENT_NAME`, `CI_PIPELINE_SOURCE`,
    /// `BUILDKITE_SOURCE`, `BUILD_REASON`).
    pub event: Option<String>,
    /// Runner kind (`RUNNER_ENVIRONMENT`: `github-hosted` / `self-hosted`).
    pub runner_environment: Option<String>,
    /// When the job started, if the CI says so (`CI_JOB_STARTED_AT`), else
    /// when the context was detected.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
}

impl BuildInfo {
    fn new(builder_id: String, started_at: OffsetDateTime) -> Self {
        BuildInfo {
            builder_id,
            invocation_id: None,
            run_id: None,
            run_attempt: None,
            job_id: None,
            job: None,
            run_url: None,
            workflow: None,
            workflow_ref: None,
            actor: None,
            event: None,
            runner_environment: None,
            started_at,
        }
    }
}

/// What the CI environment says: the provider, git facts (not yet merged with
/// the local repository) and build facts.
pub(crate) struct CiFacts {
    pub(crate) provider: CiProvider,
    pub(crate) git: GitMetadata,
    pub(crate) build: BuildInfo,
}

/// Reads everything the provider's documented variables say.
pub(crate) fn read_ci(env: &dyn Env, now: OffsetDateTime) -> CiFacts {
    let provider = CiProvider::detect(env);
    let mut git = GitMetadata::default();
    let mut build = BuildInfo::new(provider.builder_id(env), now);
    match provider {
        CiProvider::GitHubActions => github(env, &mut git, &mut build),
        CiProvider::GitLabCi => gitlab(env, &mut git, &mut build),
        CiProvider::Buildkite => buildkite(env, &mut git, &mut build),
        CiProvider::CircleCi => circleci(env, &mut git, &mut build),
        CiProvider::Jenkins => jenkins(env, &mut git, &mut build),
        CiProvider::AzurePipelines => azure(env, &mut git, &mut build),
        CiProvider::Bitbucket => bitbucket(env, &mut git, &mut build),
        CiProvider::Generic | CiProvider::Local => {}
    }
    git.repo_url = git.repo_url.map(|u| strip_url_credentials(&u));
    // CI systems sometimes report `HEAD` or a short sha; only full ids count.
    git.commit_sha = git.commit_sha.filter(|c| is_oid(c));
    git.normalize();
    CiFacts {
        provider,
        git,
        build,
    }
}

fn trim_slash(s: &str) -> String {
    s.trim_end_matches('/').to_string()
}

fn github_server(env: &dyn Env) -> String {
    get(env, "GITHUB_SERVER_URL")
        .map(|s| trim_slash(&s))
        .unwrap_or_else(|| "https://github.com".to_string())
}

fn gitlab_server(env: &dyn Env) -> String {
    get(env, "CI_SERVER_URL")
        .map(|s| trim_slash(&s))
        .unwrap_or_else(|| "https://gitlab.com".to_string())
}

/// Sets branch/tag from a full ref name; `refs/pull/*` and other refs keep
/// only `git_ref`.
fn set_ref(git: &mut GitMetadata, full_ref: &str) {
    git.git_ref = Some(full_ref.to_string());
    if let Some(b) = full_ref.strip_prefix("refs/heads/") {
        git.branch = Some(b.to_string());
    } else if let Some(t) = full_ref.strip_prefix("refs/tags/") {
        git.tag = Some(t.to_string());
    }
}

fn github(env: &dyn Env, git: &mut GitMetadata, build: &mut BuildInfo) {
    let server = github_server(env);
    let repo = get(env, "GITHUB_REPOSITORY");
    git.repo_url = repo.as_ref().map(|r| format!("{server}/{r}"));
    git.commit_sha = get(env, "GITHUB_SHA");
    if let Some(r) = get(env, "GITHUB_REF") {
        set_ref(git, &r);
        if r.starts_with("refs/pull/") {
            // Pull request: the merge ref; the source branch is GITHUB_HEAD_REF.
            git.branch = get(env, "GITHUB_HEAD_REF");
        }
    } else if let Some(name) = get(env, "GITHUB_REF_NAME") {
        match get(env, "GITHUB_REF_TYPE").as_deref() {
            Some("tag") => git.tag = Some(name),
            Some("branch") => git.branch = Some(name),
            _ => {}
        }
    }

    build.run_id = get(env, "GITHUB_RUN_ID");
    build.run_attempt = get(env, "GITHUB_RUN_ATTEMPT");
    if let (Some(repo), Some(run)) = (&repo, &build.run_id) {
        let run_url = format!("{server}/{repo}/actions/runs/{run}");
        let attempt = build.run_attempt.as_deref().unwrap_or("1");
        build.invocation_id = Some(format!("{run_url}/attempts/{attempt}"));
        build.run_url = Some(run_url);
    }
    build.job = get(env, "GITHUB_JOB");
    build.workflow = get(env, "GITHUB_WORKFLOW");
    build.workflow_ref = get(env, "GITHUB_WORKFLOW_REF");
    build.actor = get(env, "GITHUB_ACTOR");
    build.event = get(env, "GITHUB_EVENT_NAME");
    build.runner_environment = get(env, "RUNNER_ENVIRONMENT");
}

fn gitlab(env: &dyn Env, git: &mut GitMetadata, build: &mut BuildInfo) {
    let server = gitlab_server(env);
    let project_url = get(env, "CI_PROJECT_URL")
        .or_else(|| get(env, "CI_PROJECT_PATH").map(|p| format!("{server}/{p}")));
    // CI_REPOSITORY_URL carries the job token; it is stripped later.
    git.repo_url = project_url
        .clone()
        .or_else(|| get(env, "CI_REPOSITORY_URL"));
    git.commit_sha = get(env, "CI_COMMIT_SHA");
    if let Some(tag) = get(env, "CI_COMMIT_TAG") {
        git.git_ref = Some(format!("refs/tags/{tag}"));
        git.tag = Some(tag);
    } else if let Some(branch) = get(env, "CI_COMMIT_BRANCH") {
        git.git_ref = Some(format!("refs/heads/{branch}"));
        git.branch = Some(branch);
    } else if let Some(source) = get(env, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME") {
        git.git_ref =
            get(env, "CI_MERGE_REQUEST_IID").map(|iid| format!("refs/merge-requests/{iid}/head"));
        git.branch = Some(source);
    } else if let Some(name) = get(env, "CI_COMMIT_REF_NAME") {
        // Without CI_COMMIT_TAG, the ref name is a branch name.
        git.branch = Some(name);
    }

    build.run_id = get(env, "CI_PIPELINE_ID");
    build.job_id = get(env, "CI_JOB_ID");
    build.job = get(env, "CI_JOB_NAME");
    build.run_url = get(env, "CI_PIPELINE_URL").or_else(|| {
        Some(format!(
            "{}/-/pipelines/{}",
            project_url.as_ref()?,
            build.run_id.as_ref()?
        ))
    });
    build.invocation_id = get(env, "CI_JOB_URL").or_else(|| {
        Some(format!(
            "{}/-/jobs/{}",
            project_url.as_ref()?,
            build.job_id.as_ref()?
        ))
    });
    build.workflow = get(env, "CI_PIPELINE_NAME");
    build.actor = get(env, "GITLAB_USER_LOGIN");
    build.event = get(env, "CI_PIPELINE_SOURCE");
    if let Some(t) = get(env, "CI_JOB_STARTED_AT").and_then(|s| parse_time(&s)) {
        build.started_at = t;
    }
}

fn buildkite(env: &dyn Env, git: &mut GitMetadata, build: &mut BuildInfo) {
    git.repo_url = get(env, "BUILDKITE_REPO");
    git.commit_sha = get(env, "BUILDKITE_COMMIT");
    git.tag = get(env, "BUILDKITE_TAG");
    // On tag builds BUILDKITE_BRANCH holds the tag name.
    git.branch = get(env, "BUILDKITE_BRANCH").filter(|b| Some(b) != git.tag.as_ref());

    build.run_id = get(env, "BUILDKITE_BUILD_ID");
    build.job_id = get(env, "BUILDKITE_JOB_ID");
    build.run_url = get(env, "BUILDKITE_BUILD_URL");
    build.invocation_id = match (&build.run_url, &build.job_id) {
        (Some(url), Some(job)) => Some(format!("{url}#{job}")),
        (Some(url), None) => Some(url.clone()),
        (None, job) => job.clone().or_else(|| build.run_id.clone()),
    };
    build.run_attempt = get(env, "BUILDKITE_RETRY_COUNT")
        .and_then(|n| n.parse::<u32>().ok())
        .map(|n| (n + 1).to_string());
    build.job = get(env, "BUILDKITE_LABEL");
    build.workflow = get(env, "BUILDKITE_PIPELINE_SLUG");
    build.actor = first(env, &["BUILDKITE_BUILD_CREATOR", "BUILDKITE_BUILD_AUTHOR"]);
    build.event = get(env, "BUILDKITE_SOURCE");
}

fn circleci(env: &dyn Env, git: &mut GitMetadata, build: &mut BuildInfo) {
    git.repo_url = get(env, "CIRCLE_REPOSITORY_URL");
    git.commit_sha = get(env, "CIRCLE_SHA1");
    git.tag = get(env, "CIRCLE_TAG");
    git.branch = get(env, "CIRCLE_BRANCH");

    build.run_id = get(env, "CIRCLE_WORKFLOW_ID");
    build.job_id = first(env, &["CIRCLE_WORKFLOW_JOB_ID", "CIRCLE_BUILD_NUM"]);
    build.run_url = get(env, "CIRCLE_BUILD_URL");
    build.invocation_id = build.run_url.clone().or_else(|| build.job_id.clone());
    build.job = get(env, "CIRCLE_JOB");
    build.actor = get(env, "CIRCLE_USERNAME");
}

fn jenkins(env: &dyn Env, git: &mut GitMetadata, build: &mut BuildInfo) {
    git.repo_url = get(env, "GIT_URL");
    git.commit_sha = get(env, "GIT_COMMIT");
    // Multibranch pipelines: TAG_NAME / CHANGE_BRANCH (pull requests, where
    // BRANCH_NAME is `PR-n`) / BRANCH_NAME; else the git plugin's GIT_BRANCH
    // (`origin/main`, `refs/tags/v1`).
    if let Some(tag) = get(env, "TAG_NAME") {
        git.tag = Some(tag);
    } else if let Some(branch) = first(env, &["CHANGE_BRANCH", "BRANCH_NAME"]) {
        git.branch = Some(branch);
    } else if let Some(gb) = get(env, "GIT_BRANCH") {
        let gb = gb
            .strip_prefix("refs/remotes/")
            .or_else(|| gb.strip_prefix("remotes/"))
            .unwrap_or(&gb);
        if let Some(t) = gb
            .strip_prefix("refs/tags/")
            .or_else(|| gb.strip_prefix("tags/"))
        {
            git.tag = Some(t.to_string());
        } else {
            let b = gb
                .strip_prefix("refs/heads/")
                .or_else(|| gb.strip_prefix("origin/"))
                .unwrap_or(gb);
            git.branch = Some(b.to_string());
        }
    }

    build.run_id = first(env, &["BUILD_NUMBER", "BUILD_ID"]);
    build.run_url = get(env, "BUILD_URL");
    build.invocation_id = build.run_url.clone().or_else(|| get(env, "BUILD_TAG"));
    build.workflow = get(env, "JOB_NAME");
    build.job = get(env, "STAGE_NAME");
    build.actor = get(env, "BUILD_USER_ID");
}

fn azure(env: &dyn Env, git: &mut GitMetadata, build: &mut BuildInfo) {
    git.repo_url = get(env, "BUILD_REPOSITORY_URI");
    git.commit_sha = get(env, "BUILD_SOURCEVERSION");
    if let Some(r) = get(env, "BUILD_SOURCEBRANCH") {
        set_ref(git, &r);
        if r.starts_with("refs/pull/") {
            git.branch = get(env, "SYSTEM_PULLREQUEST_SOURCEBRANCH")
                .map(|b| b.strip_prefix("refs/heads/").unwrap_or(&b).to_string());
        }
    }

    build.run_id = get(env, "BUILD_BUILDID");
    build.run_attempt = get(env, "SYSTEM_JOBATTEMPT");
    build.job_id = get(env, "SYSTEM_JOBID");
    build.job = get(env, "SYSTEM_JOBDISPLAYNAME");
    if let (Some(collection), Some(project), Some(id)) = (
        get(env, "SYSTEM_COLLECTIONURI"),
        get(env, "SYSTEM_TEAMPROJECT"),
        &build.run_id,
    ) {
        let collection = trim_slash(&strip_url_credentials(&collection));
        let url = format!(
            "{collection}/{}/_build/results?buildId={id}",
            encode_path_segment(&project)
        );
        build.invocation_id = Some(url.clone());
        build.run_url = Some(url);
    } else {
        build.invocation_id = build.run_id.clone();
    }
    build.workflow = get(env, "BUILD_DEFINITIONNAME");
    build.actor = first(env, &["BUILD_REQUESTEDFOREMAIL", "BUILD_REQUESTEDFOR"]);
    build.event = get(env, "BUILD_REASON");
}

fn bitbucket_full_name(env: &dyn Env) -> Option<String> {
    get(env, "BITBUCKET_REPO_FULL_NAME").or_else(|| {
        Some(format!(
            "{}/{}",
            get(env, "BITBUCKET_WORKSPACE")?,
            get(env, "BITBUCKET_REPO_SLUG")?
        ))
    })
}

fn bitbucket(env: &dyn Env, git: &mut GitMetadata, build: &mut BuildInfo) {
    let full_name = bitbucket_full_name(env);
    git.repo_url = get(env, "BITBUCKET_GIT_HTTP_ORIGIN")
        // Bitbucket Cloud exports an http:// origin; the repository is served over https.
        .map(|u| match u.strip_prefix("http://bitbucket.org/") {
            Some(rest) => format!("https://bitbucket.org/{rest}"),
            None => u,
        })
        .or_else(|| {
            full_name
                .as_ref()
                .map(|f| format!("https://bitbucket.org/{f}"))
        });
    git.commit_sha = get(env, "BITBUCKET_COMMIT");
    git.tag = get(env, "BITBUCKET_TAG");
    git.branch = get(env, "BITBUCKET_BRANCH");

    build.run_id = get(env, "BITBUCKET_BUILD_NUMBER");
    build.job_id = get(env, "BITBUCKET_STEP_UUID");
    if let (Some(full), Some(n)) = (&full_name, &build.run_id) {
        build.run_url = Some(format!(
            "https://bitbucket.org/{full}/pipelines/results/{n}"
        ));
    }
    build.invocation_id = build
        .run_url
        .clone()
        .or_else(|| get(env, "BITBUCKET_PIPELINE_UUID"));
}

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2025-01-02 03:04:05 UTC)
    }

    #[test]
    fn detection_order_and_names() {
        assert_eq!(CiProvider::detect(&env(&[])), CiProvider::Local);
        assert_eq!(
            CiProvider::detect(&env(&[("CI", "true")])),
            CiProvider::Generic
        );
        assert_eq!(
            CiProvider::detect(&env(&[("CI", "false")])),
            CiProvider::Local
        );
        assert_eq!(
            CiProvider::detect(&env(&[("CI", "true"), ("GITHUB_ACTIONS", "true")])),
            CiProvider::GitHubActions
        );
        assert_eq!(
            CiProvider::detect(&env(&[("GITLAB_CI", "true")])),
            CiProvider::GitLabCi
        );
        assert_eq!(
            CiProvider::detect(&env(&[("BUILDKITE", "true")])),
            CiProvider::Buildkite
        );
        assert_eq!(
            CiProvider::detect(&env(&[("CIRCLECI", "true")])),
            CiProvider::CircleCi
        );
        assert_eq!(
            CiProvider::detect(&env(&[("TF_BUILD", "True")])),
            CiProvider::AzurePipelines
        );
        assert_eq!(
            CiProvider::detect(&env(&[("BITBUCKET_BUILD_NUMBER", "7")])),
            CiProvider::Bitbucket
        );
        assert_eq!(
            CiProvider::detect(&env(&[("JENKINS_URL", "https://ci.example/")])),
            CiProvider::Jenkins
        );
        assert_eq!(CiProvider::GitHubActions.name(), "github-actions");
        assert_eq!(CiProvider::Bitbucket.to_string(), "bitbucket-pipelines");
        assert!(!CiProvider::Local.is_ci());
        assert_eq!(
            serde_json::to_string(&CiProvider::GitLabCi).unwrap(),
            "\"gitlab-ci\""
        );
    }

    #[test]
    fn github_push_and_tag() {
        let e = env(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_REPOSITORY", "octo/app"),
            ("GITHUB_SHA", SHA),
            ("GITHUB_REF", "refs/heads/main"),
            ("GITHUB_REF_NAME", "main"),
            ("GITHUB_REF_TYPE", "branch"),
            ("GITHUB_RUN_ID", "42"),
            ("GITHUB_RUN_ATTEMPT", "2"),
            ("GITHUB_JOB", "build"),
            ("GITHUB_WORKFLOW", "Release"),
            (
                "GITHUB_WORKFLOW_REF",
                "octo/app/.github/workflows/release.yml@refs/heads/main",
            ),
            ("GITHUB_ACTOR", "octocat"),
            ("GITHUB_EVENT_NAME", "push"),
            ("RUNNER_ENVIRONMENT", "github-hosted"),
        ]);
        let f = read_ci(&e, now());
        assert_eq!(f.provider, CiProvider::GitHubActions);
        assert_eq!(
            f.git.repo_url.as_deref(),
            Some("https://github.com/octo/app")
        );
        assert_eq!(f.git.commit_sha.as_deref(), Some(SHA));
        assert_eq!(f.git.git_ref.as_deref(), Some("refs/heads/main"));
        assert_eq!(f.git.branch.as_deref(), Some("main"));
        assert_eq!(f.git.tag, None);
        assert_eq!(
            f.build.builder_id,
            "https://github.com/octo/app/.github/workflows/release.yml@refs/heads/main"
        );
        assert_eq!(
            f.build.invocation_id.as_deref(),
            Some("https://github.com/octo/app/actions/runs/42/attempts/2")
        );
        assert_eq!(
            f.build.run_url.as_deref(),
            Some("https://github.com/octo/app/actions/runs/42")
        );
        assert_eq!(f.build.workflow.as_deref(), Some("Release"));
        assert_eq!(f.build.actor.as_deref(), Some("octocat"));
        assert_eq!(f.build.event.as_deref(), Some("push"));
        assert_eq!(f.build.runner_environment.as_deref(), Some("github-hosted"));
        assert_eq!(f.build.job.as_deref(), Some("build"));
        assert_eq!(f.build.started_at, now());

        let e = env(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_SERVER_URL", "https://ghe.example.com/"),
            ("GITHUB_REPOSITORY", "o/r"),
            ("GITHUB_REF_NAME", "v1.2.0"),
            ("GITHUB_REF_TYPE", "tag"),
            ("GITHUB_RUN_ID", "9"),
        ]);
        let f = read_ci(&e, now());
        assert_eq!(f.git.tag.as_deref(), Some("v1.2.0"));
        assert_eq!(f.git.git_ref.as_deref(), Some("refs/tags/v1.2.0"));
        assert_eq!(f.git.branch, None);
        assert_eq!(
            f.git.repo_url.as_deref(),
            Some("https://ghe.example.com/o/r")
        );
        assert_eq!(f.build.builder_id, "https://github.com/actions/runner");
        assert_eq!(
            f.build.invocation_id.as_deref(),
            Some("https://ghe.example.com/o/r/actions/runs/9/attempts/1")
        );
    }

    #[test]
    fn github_pull_request() {
        let e = env(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "o/r"),
            ("GITHUB_REF", "refs/pull/17/merge"),
            ("GITHUB_REF_NAME", "17/merge"),
            ("GITHUB_REF_TYPE", "branch"),
            ("GITHUB_HEAD_REF", "feature/x"),
            ("GITHUB_EVENT_NAME", "pull_request"),
        ]);
        let f = read_ci(&e, now());
        assert_eq!(f.git.git_ref.as_deref(), Some("refs/pull/17/merge"));
        assert_eq!(f.git.branch.as_deref(), Some("feature/x"));
        assert_eq!(f.git.tag, None);
        assert_eq!(f.build.invocation_id, None);
    }

    #[test]
    fn gitlab_branch_tag_and_mr() {
        let e = env(&[
            ("GITLAB_CI", "true"),
            ("CI_SERVER_URL", "https://gitlab.example.com"),
            ("CI_PROJECT_PATH", "grp/app"),
            ("CI_PROJECT_URL", "https://gitlab.example.com/grp/app"),
            (
                "CI_REPOSITORY_URL",
                "https://gitlab-ci-token:[MASKED]@gitlab.example.com/grp/app.git",
            ),
            ("CI_COMMIT_SHA", SHA),
            ("CI_COMMIT_REF_NAME", "main"),
            ("CI_COMMIT_BRANCH", "main"),
            ("CI_PIPELINE_ID", "1000"),
            ("CI_JOB_ID", "2000"),
            ("CI_JOB_NAME", "release"),
            (
                "CI_JOB_URL",
                "https://gitlab.example.com/grp/app/-/jobs/2000",
            ),
            ("CI_RUNNER_ID", "12"),
            ("CI_PIPELINE_SOURCE", "push"),
            ("GITLAB_USER_LOGIN", "alice"),
            ("CI_JOB_STARTED_AT", "2024-05-06T07:08:09Z"),
        ]);
        let f = read_ci(&e, now());
        assert_eq!(f.provider, CiProvider::GitLabCi);
        assert_eq!(
            f.git.repo_url.as_deref(),
            Some("https://gitlab.example.com/grp/app")
        );
        assert_eq!(f.git.commit_sha.as_deref(), Some(SHA));
        assert_eq!(f.git.git_ref.as_deref(), Some("refs/heads/main"));
        assert_eq!(f.git.branch.as_deref(), Some("main"));
        assert_eq!(
            f.build.builder_id,
            "https://gitlab.example.com/grp/app/-/runners/12"
        );
        assert_eq!(
            f.build.invocation_id.as_deref(),
            Some("https://gitlab.example.com/grp/app/-/jobs/2000")
        );
        assert_eq!(
            f.build.run_url.as_deref(),
            Some("https://gitlab.example.com/grp/app/-/pipelines/1000")
        );
        assert_eq!(f.build.actor.as_deref(), Some("alice"));
        assert_eq!(f.build.event.as_deref(), Some("push"));
        assert_eq!(f.build.job.as_deref(), Some("release"));
        assert_eq!(
            f.build.started_at,
            time::macros::datetime!(2024-05-06 07:08:09 UTC)
        );

        let e = env(&[
            ("GITLAB_CI", "true"),
            ("CI_PROJECT_PATH", "grp/app"),
            (
                "CI_REPOSITORY_URL",
                "https://gitlab-ci-token:glcbt-secret@gitlab.com/grp/app.git",
            ),
            ("CI_COMMIT_TAG", "v2.0.0"),
            ("CI_COMMIT_REF_NAME", "v2.0.0"),
            ("CI_JOB_ID", "5"),
        ]);
        let f = read_ci(&e, now());
        assert_eq!(f.git.tag.as_deref(), Some("v2.0.0"));
        assert_eq!(f.git.git_ref.as_deref(), Some("refs/tags/v2.0.0"));
        assert_eq!(f.git.branch, None);
        assert_eq!(
            f.git.repo_url.as_deref(),
            Some("https://gitlab.com/grp/app")
        );
        assert_eq!(
            f.build.invocation_id.as_deref(),
            Some("https://gitlab.com/grp/app/-/jobs/5")
        );
        assert_eq!(
            f.build.builder_id,
            "https://gitlab.com/gitlab-org/gitlab-runner"
        );

        // Only CI_REPOSITORY_URL: the job token is stripped.
        let e = env(&[
            ("GITLAB_CI", "true"),
            (
                "CI_REPOSITORY_URL",
                "https://gitlab-ci-token:glcbt-secret@gitlab.com/grp/app.git",
            ),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feat"),
            ("CI_MERGE_REQUEST_IID", "3"),
            ("CI_COMMIT_REF_NAME", "feat"),
        ]);
        let f = read_ci(&e, now());
        assert_eq!(
            f.git.repo_url.as_deref(),
            Some("https://gitlab.com/grp/app.git")
        );
        assert_eq!(f.git.branch.as_deref(), Some("feat"));
        assert_eq!(f.git.git_ref.as_deref(), Some("refs/merge-requests/3/head"));
    }

    #[test]
    fn buildkite() {
        let e = env(&[
            ("BUILDKITE", "true"),
            ("BUILDKITE_REPO", "git@github.com:o/r.git"),
            ("BUILDKITE_COMMIT", SHA),
            ("BUILDKITE_BRANCH", "v3"),
            ("BUILDKITE_TAG", "v3"),
            (
                "BUILDKITE_BUILD_URL",
                "https://buildkite.com/acme/app/builds/12",
            ),
            ("BUILDKITE_BUILD_ID", "b-uuid"),
            ("BUILDKITE_JOB_ID", "j-uuid"),
            ("BUILDKITE_ORGANIZATION_SLUG", "acme"),
            ("BUILDKITE_AGENT_ID", "a-uuid"),
            ("BUILDKITE_PIPELINE_SLUG", "app"),
            ("BUILDKITE_RETRY_COUNT", "0"),
            ("BUILDKITE_SOURCE", "webhook"),
        ]);
        let f = read_ci(&e, now());
        assert_eq!(f.provider, CiProvider::Buildkite);
        assert_eq!(f.git.repo_url.as_deref(), Some("git@github.com:o/r.git"));
        assert_eq!(f.git.commit_sha.as_deref(), Some(SHA));
        assert_eq!(f.git.tag.as_deref(), Some("v3"));
        assert_eq!(f.git.branch, None);
        assert_eq!(f.git.git_ref.as_deref(), Some("refs/tags/v3"));
        assert_eq!(
            f.build.builder_id,
            "https://buildkite.com/organizations/acme/agents/a-uuid"
        );
        assert_eq!(
            f.build.invocation_id.as_deref(),
            Some("https://buildkite.com/acme/app/builds/12#j-uuid")
        );
        assert_eq!(f.build.run_attempt.as_deref(), Some("1"));
        assert_eq!(f.build.workflow.as_deref(), Some("app"));

        // BUILDKITE_COMMIT=HEAD (not yet resolved) is not a commit id.
        let f = read_ci(
            &env(&[("BUILDKITE", "true"), ("BUILDKITE_COMMIT", "HEAD")]),
            now(),
        );
        assert_eq!(f.git.commit_sha, None);
        assert_eq!(f.build.builder_id, "https://github.com/buildkite/agent");
    }

    #[test]
    fn circleci() {
        let e = env(&[
            ("CIRCLECI", "true"),
            ("CI", "true"),
            ("CIRCLE_REPOSITORY_URL", "https://x:y@github.com/o/r"),
            ("CIRCLE_SHA1", SHA),
            ("CIRCLE_BRANCH", "dev"),
            ("CIRCLE_BUILD_URL", "https://circleci.com/gh/o/r/77"),
            ("CIRCLE_WORKFLOW_ID", "wf-uuid"),
            ("CIRCLE_BUILD_NUM", "77"),
            ("CIRCLE_JOB", "build"),
            ("CIRCLE_USERNAME", "bob"),
        ]);
        let f = read_ci(&e, now());
        assert_eq!(f.provider, CiProvider::CircleCi);
        assert_eq!(f.git.repo_url.as_deref(), Some("https://github.com/o/r"));
        assert_eq!(f.git.branch.as_deref(), Some("dev"));
        assert_eq!(f.git.git_ref.as_deref(), Some("refs/heads/dev"));
        assert_eq!(f.build.builder_id, "https://circleci.com");
        assert_eq!(
            f.build.invocation_id.as_deref(),
            Some("https://circleci.com/gh/o/r/77")
        );
        assert_eq!(f.build.run_id.as_deref(), Some("wf-uuid"));
        assert_eq!(f.build.job_id.as_deref(), Some("77"));
        assert_eq!(f.build.actor.as_deref(), Some("bob"));
    }

    #[test]
    fn jenkins() {
        let e = env(&[
            ("JENKINS_URL", "https://admin:pw@jenkins.example.com/"),
            ("GIT_URL", "https://jenkins:tok@git.example.com/o/r.git"),
            ("GIT_COMMIT", SHA),
            ("GIT_BRANCH", "origin/release/1.x"),
            ("BUILD_URL", "https://jenkins.example.com/job/app/5/"),
            ("BUILD_TAG", "jenkins-app-5"),
            ("BUILD_NUMBER", "5"),
            ("JOB_NAME", "app"),
        ]);
        let f = read_ci(&e, now());
        assert_eq!(f.provider, CiProvider::Jenkins);
        assert_eq!(
            f.git.repo_url.as_deref(),
            Some("https://git.example.com/o/r.git")
        );
        assert_eq!(f.git.branch.as_deref(), Some("release/1.x"));
        assert_eq!(f.git.git_ref.as_deref(), Some("refs/heads/release/1.x"));
        assert_eq!(f.build.builder_id, "https://jenkins.example.com");
        assert_eq!(
            f.build.invocation_id.as_deref(),
            Some("https://jenkins.example.com/job/app/5/")
        );
        assert_eq!(f.build.workflow.as_deref(), Some("app"));

        let f = read_ci(
            &env(&[
                ("JENKINS_URL", "http://j/"),
                ("GIT_BRANCH", "refs/tags/v9"),
                ("BUILD_TAG", "jenkins-app-6"),
            ]),
            now(),
        );
        assert_eq!(f.git.tag.as_deref(), Some("v9"));
        assert_eq!(f.build.invocation_id.as_deref(), Some("jenkins-app-6"));

        let f = read_ci(
            &env(&[
                ("JENKINS_URL", "http://j/"),
                ("BRANCH_NAME", "PR-4"),
                ("CHANGE_BRANCH", "feat"),
                ("GIT_BRANCH", "PR-4"),
            ]),
            now(),
        );
        assert_eq!(f.git.branch.as_deref(), Some("feat"));
    }

    #[test]
    fn azure_pipelines() {
        let e = env(&[
            ("TF_BUILD", "True"),
            (
                "BUILD_REPOSITORY_URI",
                "https://acme@dev.azure.com/acme/My%20Proj/_git/app",
            ),
            ("BUILD_SOURCEVERSION", SHA),
            ("BUILD_SOURCEBRANCH", "refs/tags/v1.0"),
            ("BUILD_SOURCEBRANCHNAME", "v1.0"),
            ("SYSTEM_COLLECTIONURI", "https://dev.azure.com/acme/"),
            ("SYSTEM_TEAMPROJECT", "My Proj"),
            ("BUILD_BUILDID", "321"),
            ("SYSTEM_JOBATTEMPT", "1"),
            ("BUILD_DEFINITIONNAME", "app-ci"),
            ("BUILD_REQUESTEDFOR", "Carol"),
            ("BUILD_REASON", "IndividualCI"),
        ]);
        let f = read_ci(&e, now());
        assert_eq!(f.provider, CiProvider::AzurePipelines);
        assert_eq!(
            f.git.repo_url.as_deref(),
            Some("https://dev.azure.com/acme/My%20Proj/_git/app")
        );
        assert_eq!(f.git.tag.as_deref(), Some("v1.0"));
        assert_eq!(f.git.branch, None);
        assert_eq!(f.build.builder_id, "https://dev.azure.com/acme");
        assert_eq!(
            f.build.invocation_id.as_deref(),
            Some("https://dev.azure.com/acme/My%20Proj/_build/results?buildId=321")
        );
        assert_eq!(f.build.actor.as_deref(), Some("Carol"));
        assert_eq!(f.build.event.as_deref(), Some("IndividualCI"));

        let e = env(&[
            ("TF_BUILD", "True"),
            ("BUILD_SOURCEBRANCH", "refs/pull/8/merge"),
            ("SYSTEM_PULLREQUEST_SOURCEBRANCH", "refs/heads/topic"),
        ]);
        let f = read_ci(&e, now());
        assert_eq!(f.git.git_ref.as_deref(), Some("refs/pull/8/merge"));
        assert_eq!(f.git.branch.as_deref(), Some("topic"));
    }

    #[test]
    fn bitbucket() {
        let e = env(&[
            ("BITBUCKET_BUILD_NUMBER", "88"),
            ("BITBUCKET_GIT_HTTP_ORIGIN", "http://bitbucket.org/ws/app"),
            ("BITBUCKET_COMMIT", SHA),
            ("BITBUCKET_BRANCH", "main"),
            ("BITBUCKET_PIPELINE_UUID", "{p-uuid}"),
            ("BITBUCKET_STEP_UUID", "{s-uuid}"),
            ("BITBUCKET_WORKSPACE", "ws"),
            ("BITBUCKET_REPO_SLUG", "app"),
        ]);
        let f = read_ci(&e, now());
        assert_eq!(f.provider, CiProvider::Bitbucket);
        assert_eq!(
            f.git.repo_url.as_deref(),
            Some("https://bitbucket.org/ws/app")
        );
        assert_eq!(f.git.branch.as_deref(), Some("main"));
        assert_eq!(f.build.builder_id, "https://bitbucket.org/ws/app/pipelines");
        assert_eq!(
            f.build.invocation_id.as_deref(),
            Some("https://bitbucket.org/ws/app/pipelines/results/88")
        );
        assert_eq!(f.build.run_id.as_deref(), Some("88"));

        let f = read_ci(
            &env(&[
                ("BITBUCKET_BUILD_NUMBER", "89"),
                ("BITBUCKET_TAG", "v5"),
                ("BITBUCKET_PIPELINE_UUID", "{p-uuid}"),
            ]),
            now(),
        );
        assert_eq!(f.git.tag.as_deref(), Some("v5"));
        assert_eq!(f.build.invocation_id.as_deref(), Some("{p-uuid}"));
        assert_eq!(f.build.builder_id, "https://bitbucket.org");
    }

    #[test]
    fn generic_and_local() {
        let f = read_ci(&env(&[("CI", "1")]), now());
        assert_eq!(f.provider, CiProvider::Generic);
        assert!(f.git.is_empty());
        assert_eq!(f.build.builder_id, GENERIC_CI_BUILDER_ID);
        assert_eq!(f.build.invocation_id, None);

        let f = read_ci(&env(&[]), now());
        assert_eq!(f.provider, CiProvider::Local);
        assert_eq!(f.build.builder_id, LOCAL_BUILDER_ID);
        let json = serde_json::to_value(&f.build).unwrap();
        assert_eq!(json["started_at"], "2025-01-02T03:04:05Z");
        assert_eq!(json["builder_id"], LOCAL_BUILDER_ID);
    }
}
