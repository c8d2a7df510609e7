//! Git metadata: the [`GitMetadata`] record, a reader for a local `.git`
//! directory that never runs `git`, and URL credential stripping.
//!
//! The reader understands what `git` itself writes to disk for the common
//! cases: `.git` as a directory or as a `gitdir:` file (worktrees and
//! submodules, with `commondir`), symbolic and detached `HEAD`, loose refs,
//! `packed-refs` (with peeled `^` lines), loose annotated tag objects (to peel a
//! loose tag ref to its commit) and `[remote "..."] url` in `config`. It does
//! not read pack files, does not follow `include`/`includeIf` or `insteadOf`,
//! and does not hash the work tree, so [`GitMetadata::dirty`] is always `None`
//! when the data comes from here.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Source-control facts about what is being built. Every field is optional:
/// CI variables and the local `.git` may each know only part of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GitMetadata {
    /// Repository URL with any credentials removed (`https://github.com/o/r`,
    /// `git@github.com:o/r.git`).
    pub repo_url: Option<String>,
    /// Full commit object id (40 hex digits, or 64 for SHA-256 repositories),
    /// lower case.
    pub commit_sha: Option<String>,
    /// Full ref name: `refs/heads/main`, `refs/tags/v1.2.0`, `refs/pull/7/merge`.
    pub git_ref: Option<String>,
    /// Branch name (`main`, `feature/x`), when building a branch or a pull /
    /// merge request (then the source branch).
    pub branch: Option<String>,
    /// Tag name (`v1.2.0`) when the commit is a tagged build.
    pub tag: Option<String>,
    /// Whether the work tree has uncommitted changes; `None` when unknown
    /// (always, today: `sc` does not hash the work tree).
    pub dirty: Option<bool>,
}

impl GitMetadata {
    /// Whether no field is known.
    pub fn is_empty(&self) -> bool {
        self.repo_url.is_none()
            && self.commit_sha.is_none()
            && self.git_ref.is_none()
            && self.branch.is_none()
            && self.tag.is_none()
            && self.dirty.is_none()
    }

    /// Reads the repository containing `start` (walking up to the first `.git`)
    /// without running `git`. `None` when there is no repository or nothing
    /// could be read.
    pub fn from_repo(start: &Path) -> Option<GitMetadata> {
        let dirs = find_git_dirs(start)?;
        read_repo(&dirs)
    }

    /// Reads the repository whose git directory is `git_dir` (as `GIT_DIR`).
    pub fn from_git_dir(git_dir: &Path) -> Option<GitMetadata> {
        if !git_dir.join("HEAD").is_file() {
            return None;
        }
        read_repo(&dirs_for(git_dir.to_path_buf()))
    }

    /// Makes `git_ref`, `branch` and `tag` consistent: derives the missing ones
    /// from each other (`refs/heads/x` <-> branch `x`, `refs/tags/v` <-> tag `v`;
    /// a missing ref comes from the branch when both a branch and a tag are known).
    pub(crate) fn normalize(&mut self) {
        if let Some(r) = &self.git_ref {
            if let Some(b) = r.strip_prefix("refs/heads/") {
                if self.branch.is_none() && !b.is_empty() {
                    self.branch = Some(b.to_string());
                }
            } else if let Some(t) = r.strip_prefix("refs/tags/") {
                if self.tag.is_none() && !t.is_empty() {
                    self.tag = Some(t.to_string());
                }
            }
        } else if let Some(b) = &self.branch {
            self.git_ref = Some(format!("refs/heads/{b}"));
        } else if let Some(t) = &self.tag {
            self.git_ref = Some(format!("refs/tags/{t}"));
        }
        if let Some(c) = &mut self.commit_sha {
            c.make_ascii_lowercase();
        }
    }

    /// Fills what CI did not say from the local repository. CI values always
    /// win. Commit-specific facts (ref, branch, tag) are taken from the local
    /// repository only when it is at the same commit CI reports (or CI reports
    /// none), and the ref group is taken whole only when CI says nothing about
    /// refs; a local tag on the same commit is always added.
    pub(crate) fn fill_from(&mut self, local: GitMetadata) {
        if self.repo_url.is_none() {
            self.repo_url = local.repo_url;
        }
        let same_commit = match (&self.commit_sha, &local.commit_sha) {
            (None, _) => true,
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            (Some(_), None) => false,
        };
        if !same_commit {
            return;
        }
        if self.commit_sha.is_none() {
            self.commit_sha = local.commit_sha;
        }
        if self.git_ref.is_none() && self.branch.is_none() && self.tag.is_none() {
            self.git_ref = local.git_ref;
            self.branch = local.branch;
            self.tag = local.tag;
        } else if self.tag.is_none() {
            self.tag = local.tag;
        }
        if self.dirty.is_none() {
            self.dirty = local.dirty;
        }
    }
}

/// Removes credentials from a URL: `https://user:token@host/x` -> `https://host/x`.
///
/// For `http(s)` and any other `scheme://` URL the whole user-info part is
/// dropped (tokens are often put in the user position, `https://ghp_x@host`).
/// For `ssh://` URLs a bare user name (`ssh://git@host/x`) is kept, because it
/// is not a secret; a password is removed. scp-like addresses
/// (`git@host:org/repo.git`) and paths are returned unchanged (they cannot
/// carry a password). Surrounding whitespace is trimmed.
pub fn strip_url_credentials(url: &str) -> String {
    let url = url.trim();
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let scheme = &url[..scheme_end];
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return url.to_string();
    }
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &authority[..at];
    let host_and_rest = &rest[at + 1..];
    let ssh_like = scheme
        .split('+')
        .any(|part| part.eq_ignore_ascii_case("ssh"));
    if ssh_like && !userinfo.contains(':') && !userinfo.is_empty() {
        return url.to_string();
    }
    if ssh_like {
        let user = userinfo.split(':').next().unwrap_or("");
        if !user.is_empty() {
            return format!("{scheme}://{user}@{host_and_rest}");
        }
    }
    format!("{scheme}://{host_and_rest}")
}

/// Where a repository's files are: the per-worktree git directory (`HEAD`) and
/// the common directory (`refs/`, `packed-refs`, `config`, `objects/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GitDirs {
    pub(crate) git_dir: PathBuf,
    pub(crate) common_dir: PathBuf,
}

/// Finds the git directory for `start`, walking up through its ancestors.
pub(crate) fn find_git_dirs(start: &Path) -> Option<GitDirs> {
    let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    for dir in start.ancestors() {
        let dotgit = dir.join(".git");
        let Ok(meta) = fs::metadata(&dotgit) else {
            continue;
        };
        if meta.is_dir() {
            if dotgit.join("HEAD").is_file() {
                return Some(dirs_for(dotgit));
            }
        } else if meta.is_file() {
            // Worktree or submodule: `gitdir: <path>`, relative to this directory.
            let text = fs::read_to_string(&dotgit).ok()?;
            let target = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("gitdir:"))
                .map(str::trim)
                .filter(|p| !p.is_empty())?;
            let git_dir = dir.join(target);
            if git_dir.join("HEAD").is_file() {
                return Some(dirs_for(git_dir));
            }
            tracing::debug!(path = %dotgit.display(), "gitdir file points to no repository");
            return None;
        }
    }
    None
}

fn dirs_for(git_dir: PathBuf) -> GitDirs {
    let common_dir = fs::read_to_string(git_dir.join("commondir"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .map(|s| git_dir.join(s))
        .filter(|p| p.is_dir())
        .unwrap_or_else(|| git_dir.clone());
    GitDirs {
        git_dir,
        common_dir,
    }
}

/// A `packed-refs` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PackedRef {
    oid: String,
    peeled: Option<String>,
}

fn read_repo(dirs: &GitDirs) -> Option<GitMetadata> {
    let head = fs::read_to_string(dirs.git_dir.join("HEAD")).ok()?;
    let head = head.trim();
    let packed = read_packed_refs(&dirs.common_dir);
    let mut meta = GitMetadata::default();

    if let Some(target) = head.strip_prefix("ref:") {
        let target = target.trim();
        if valid_ref_name(target) {
            meta.git_ref = Some(target.to_string());
            meta.commit_sha = resolve_ref(dirs, &packed, target, 0);
        }
    } else if is_oid(head) {
        meta.commit_sha = Some(head.to_ascii_lowercase());
    } else {
        tracing::debug!("unrecognised HEAD in {}", dirs.git_dir.display());
        return None;
    }

    if let Some(commit) = &meta.commit_sha {
        meta.tag = tag_at(dirs, &packed, commit);
    }
    // Detached HEAD on a tagged commit: report the tag ref.
    if meta.git_ref.is_none() {
        if let Some(t) = &meta.tag {
            meta.git_ref = Some(format!("refs/tags/{t}"));
        }
    }
    let branch = meta
        .git_ref
        .as_deref()
        .and_then(|r| r.strip_prefix("refs/heads/"))
        .map(str::to_string);
    meta.repo_url = fs::read_to_string(dirs.common_dir.join("config"))
        .ok()
        .and_then(|text| remote_url(&parse_config(&text), branch.as_deref()))
        .map(|u| strip_url_credentials(&u));
    meta.normalize();
    (!meta.is_empty()).then_some(meta)
}

/// Whether `s` is a full object id (SHA-1 or SHA-256, hex).
pub(crate) fn is_oid(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A ref name we are willing to turn into a path: `refs/...` (or `HEAD`), no
/// `..`, no empty or hidden components, no backslashes.
fn valid_ref_name(name: &str) -> bool {
    (name == "HEAD" || name.starts_with("refs/"))
        && !name.contains('\\')
        && name
            .split('/')
            .all(|c| !c.is_empty() && !c.starts_with('.') && c != "..")
}

fn resolve_ref(
    dirs: &GitDirs,
    packed: &BTreeMap<String, PackedRef>,
    name: &str,
    depth: u8,
) -> Option<String> {
    if depth > 5 || !valid_ref_name(name) {
        return None;
    }
    // Loose ref: per-worktree refs live in git_dir, shared ones in common_dir.
    for base in [&dirs.git_dir, &dirs.common_dir] {
        let path = base.join(name);
        if !path.is_file() {
            continue;
        }
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        let text = text.trim();
        if let Some(next) = text.strip_prefix("ref:") {
            return resolve_ref(dirs, packed, next.trim(), depth + 1);
        }
        if is_oid(text) {
            return Some(text.to_ascii_lowercase());
        }
    }
    packed.get(name).map(|p| p.oid.clone())
}

fn read_packed_refs(common_dir: &Path) -> BTreeMap<String, PackedRef> {
    fs::read_to_string(common_dir.join("packed-refs"))
        .map(|t| parse_packed_refs(&t))
        .unwrap_or_default()
}

/// Parses `packed-refs`: `<oid> <name>` lines, each optionally followed by a
/// `^<peeled oid>` line; `#` lines are comments/traits.
fn parse_packed_refs(text: &str) -> BTreeMap<String, PackedRef> {
    let mut out: BTreeMap<String, PackedRef> = BTreeMap::new();
    let mut last: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(peeled) = line.strip_prefix('^') {
            if let (Some(name), true) = (&last, is_oid(peeled)) {
                if let Some(entry) = out.get_mut(name) {
                    entry.peeled = Some(peeled.to_ascii_lowercase());
                }
            }
            continue;
        }
        last = None;
        let Some((oid, name)) = line.split_once(' ') else {
            continue;
        };
        let name = name.trim();
        if is_oid(oid) && valid_ref_name(name) {
            out.insert(
                name.to_string(),
                PackedRef {
                    oid: oid.to_ascii_lowercase(),
                    peeled: None,
                },
            );
            last = Some(name.to_string());
        }
    }
    out
}

/// The name of a tag whose target (or peeled target) is `commit`. Several
/// tags on one commit: the first in byte order of the names (tags matched
/// without reading objects come first).
fn tag_at(dirs: &GitDirs, packed: &BTreeMap<String, PackedRef>, commit: &str) -> Option<String> {
    // name -> (target, peeled target if known)
    let mut tags: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
    for (name, p) in packed {
        if let Some(tag) = name.strip_prefix("refs/tags/") {
            tags.insert(tag.to_string(), (p.oid.clone(), p.peeled.clone()));
        }
    }
    // Loose tags override packed ones of the same name.
    let mut loose = Vec::new();
    collect_loose_refs(&dirs.common_dir.join("refs/tags"), "", &mut loose, 0);
    for (tag, oid) in loose {
        tags.insert(tag, (oid, None));
    }
    for (tag, (target, peeled)) in &tags {
        if target == commit || peeled.as_deref() == Some(commit) {
            return Some(tag.clone());
        }
    }
    // Loose annotated tags: peel through the loose tag object, when present.
    for (tag, (target, peeled)) in &tags {
        if peeled.is_none() && peel_loose_tag(&dirs.common_dir, target).as_deref() == Some(commit) {
            return Some(tag.clone());
        }
    }
    None
}

fn collect_loose_refs(dir: &Path, prefix: &str, out: &mut Vec<(String, String)>, depth: u8) {
    if depth > 8 {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let full = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let path = entry.path();
        if path.is_dir() {
            collect_loose_refs(&path, &full, out, depth + 1);
        } else if let Ok(text) = fs::read_to_string(&path) {
            let text = text.trim();
            if is_oid(text) {
                out.push((full, text.to_ascii_lowercase()));
            }
        }
    }
}

/// If `oid` is a loose annotated tag object, the object it finally points to
/// (following nested tags). `None` when the object is packed, not a tag, or
/// unreadable.
fn peel_loose_tag(common_dir: &Path, oid: &str) -> Option<String> {
    let mut current = oid.to_string();
    for _ in 0..4 {
        let path = common_dir
            .join("objects")
            .join(&current[..2])
            .join(&current[2..]);
        let file = fs::File::open(path).ok()?;
        let mut data = Vec::new();
        flate2::read::ZlibDecoder::new(file)
            .take(64 * 1024)
            .read_to_end(&mut data)
            .ok()?;
        let nul = data.iter().position(|&b| b == 0)?;
        let header = std::str::from_utf8(&data[..nul]).ok()?;
        if !header.starts_with("tag ") {
            return if current == oid { None } else { Some(current) };
        }
        let body = String::from_utf8_lossy(&data[nul + 1..]);
        let mut object = None;
        let mut kind = None;
        for line in body.lines() {
            if line.is_empty() {
                break;
            }
            if let Some(o) = line.strip_prefix("object ") {
                object = Some(o.trim().to_ascii_lowercase());
            } else if let Some(t) = line.strip_prefix("type ") {
                kind = Some(t.trim().to_string());
            }
        }
        let object = object.filter(|o| is_oid(o))?;
        if kind.as_deref() != Some("tag") {
            return Some(object);
        }
        current = object;
    }
    None
}

/// One `key = value` of a git config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigEntry {
    /// Section name, lower-cased (`remote`).
    pub(crate) section: String,
    /// Subsection, case preserved (`origin`); `None` for `[core]`.
    pub(crate) subsection: Option<String>,
    /// Key, lower-cased (`url`).
    pub(crate) key: String,
    /// Value with quotes and escapes resolved; `"true"` for a bare key.
    pub(crate) value: String,
}

/// Parses git's INI-like config format: `[section]`, `[section "sub"]`, the
/// legacy `[section.sub]`, `key = value` with quoted parts, `\"`, `\\`, `\n`,
/// `\t`, `\b` escapes, `#`/`;` comments and `\` line continuations.
pub(crate) fn parse_config(text: &str) -> Vec<ConfigEntry> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut subsection: Option<String> = None;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let mut rest = line.trim_start();
        if rest.starts_with('[') {
            let Some(end) = header_end(rest) else {
                continue;
            };
            let header = &rest[1..end];
            (section, subsection) = parse_section_header(header);
            rest = rest[end + 1..].trim_start();
        }
        if rest.is_empty() || rest.starts_with('#') || rest.starts_with(';') || section.is_empty() {
            continue;
        }
        let key_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(rest.len());
        let key = rest[..key_end].to_ascii_lowercase();
        if key.is_empty() {
            continue;
        }
        let after = rest[key_end..].trim_start();
        let value = if let Some(v) = after.strip_prefix('=') {
            parse_value(v, &mut lines)
        } else if after.is_empty() || after.starts_with('#') || after.starts_with(';') {
            "true".to_string()
        } else {
            continue;
        };
        out.push(ConfigEntry {
            section: section.clone(),
            subsection: subsection.clone(),
            key,
            value,
        });
    }
    out
}

/// Index of the `]` closing a section header, skipping quoted parts.
fn header_end(s: &str) -> Option<usize> {
    let mut in_quotes = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            ']' if !in_quotes => return Some(i),
            _ => {}
        }
    }
    None
}

fn parse_section_header(header: &str) -> (String, Option<String>) {
    let header = header.trim();
    if let Some(q) = header.find('"') {
        let name = header[..q].trim().to_ascii_lowercase();
        let mut sub = String::new();
        let mut chars = header[q + 1..].chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        sub.push(n);
                    }
                }
                '"' => break,
                c => sub.push(c),
            }
        }
        (name, Some(sub))
    } else if let Some((name, sub)) = header.split_once('.') {
        // Legacy `[remote.origin]`: the subsection is lower-cased by git.
        (name.to_ascii_lowercase(), Some(sub.to_ascii_lowercase()))
    } else {
        (header.to_ascii_lowercase(), None)
    }
}

fn parse_value<'a>(first: &'a str, lines: &mut impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    // Length of `out` up to the last character that must survive trimming
    // (quoted or escaped); unquoted trailing whitespace is dropped.
    let mut keep = 0;
    let mut in_quotes = false;
    let mut current = first.trim_start();
    'outer: loop {
        let mut chars = current.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    None => {
                        // Continuation: the value goes on on the next line.
                        match lines.next() {
                            Some(next) => {
                                current = next;
                                continue 'outer;
                            }
                            None => break 'outer,
                        }
                    }
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('b') => {
                        out.pop();
                    }
                    Some(other) => out.push(other),
                },
                '"' => in_quotes = !in_quotes,
                '#' | ';' if !in_quotes => break 'outer,
                c => {
                    out.push(c);
                    if in_quotes || !c.is_whitespace() {
                        keep = out.len();
                    }
                    continue;
                }
            }
            keep = out.len();
        }
        break;
    }
    out.truncate(keep);
    out
}

/// The URL of the remote to report: the current branch's remote
/// (`branch.<b>.remote`), else `origin`, else the first remote with a URL.
fn remote_url(config: &[ConfigEntry], branch: Option<&str>) -> Option<String> {
    let url_of = |remote: &str| {
        config
            .iter()
            .rev() // the last value of a key wins, as in git
            .find(|e| {
                e.section == "remote" && e.subsection.as_deref() == Some(remote) && e.key == "url"
            })
            .map(|e| e.value.clone())
    };
    let branch_remote = branch.and_then(|b| {
        config
            .iter()
            .rev()
            .find(|e| {
                e.section == "branch" && e.subsection.as_deref() == Some(b) && e.key == "remote"
            })
            .map(|e| e.value.clone())
    });
    branch_remote
        .as_deref()
        .and_then(url_of)
        .or_else(|| url_of("origin"))
        .or_else(|| {
            config
                .iter()
                .find(|e| e.section == "remote" && e.key == "url")
                .map(|e| e.value.clone())
        })
        .filter(|u| !u.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";
    const C: &str = "3333333333333333333333333333333333333333";

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// A hand-made `.git` directory under `root`.
    fn fake_repo(root: &Path, head: &str) -> PathBuf {
        let git = root.join(".git");
        write(&git.join("HEAD"), head);
        fs::create_dir_all(git.join("objects")).unwrap();
        git
    }

    #[test]
    fn strips_credentials() {
        assert_eq!(
            strip_url_credentials("https://user:token@github.com/o/r.git"),
            "https://github.com/o/r.git"
        );
        assert_eq!(
            strip_url_credentials("https://ghp_abc@github.com/o/r"),
            "https://github.com/o/r"
        );
        assert_eq!(
            strip_url_credentials(" https://gitlab-ci-token:[MASKED]@gitlab.com/g/p.git\n"),
            "https://gitlab.com/g/p.git"
        );
        assert_eq!(
            strip_url_credentials("https://org@dev.azure.com/org/proj/_git/repo"),
            "https://dev.azure.com/org/proj/_git/repo"
        );
        assert_eq!(
            strip_url_credentials("http://a:b@host:8080/x?q=1@2"),
            "http://host:8080/x?q=1@2"
        );
        assert_eq!(
            strip_url_credentials("ssh://git@github.com/o/r.git"),
            "ssh://git@github.com/o/r.git"
        );
        assert_eq!(
            strip_url_credentials("ssh://git:secret@host/r.git"),
            "ssh://git@host/r.git"
        );
        assert_eq!(
            strip_url_credentials("git@github.com:o/r.git"),
            "git@github.com:o/r.git"
        );
        assert_eq!(
            strip_url_credentials("https://github.com/o/r"),
            "https://github.com/o/r"
        );
        assert_eq!(strip_url_credentials("/srv/git/r.git"), "/srv/git/r.git");
    }

    #[test]
    fn config_parsing() {
        let text = r#"
[core]
	repositoryformatversion = 0
	bare = false
	filemode
; comment
[Remote "origin"]
	URL = "https://x:y@example.com/a b.git" # trailing comment
	fetch = +refs/heads/*:refs/remotes/origin/*
[remote "Upstream"]
	url = https://example.com/up\
stream.git
[remote.legacy]
	url = git@h:l.git ; comment
[branch "main"]
	remote = origin
	merge = refs/heads/main
"#;
        let cfg = parse_config(text);
        let get = |s: &str, sub: Option<&str>, k: &str| {
            cfg.iter()
                .find(|e| e.section == s && e.subsection.as_deref() == sub && e.key == k)
                .map(|e| e.value.clone())
        };
        assert_eq!(get("core", None, "bare").as_deref(), Some("false"));
        assert_eq!(get("core", None, "filemode").as_deref(), Some("true"));
        assert_eq!(
            get("remote", Some("origin"), "url").as_deref(),
            Some("https://x:y@example.com/a b.git")
        );
        assert_eq!(
            get("remote", Some("Upstream"), "url").as_deref(),
            Some("https://example.com/upstream.git")
        );
        assert_eq!(
            get("remote", Some("legacy"), "url").as_deref(),
            Some("git@h:l.git")
        );
        assert_eq!(
            remote_url(&cfg, Some("main")).as_deref(),
            Some("https://x:y@example.com/a b.git")
        );
        let only_upstream =
            parse_config("[remote \"upstream\"]\nurl = u1\n[branch \"dev\"]\nremote = upstream\n");
        assert_eq!(
            remote_url(&only_upstream, Some("dev")).as_deref(),
            Some("u1")
        );
        assert_eq!(remote_url(&only_upstream, None).as_deref(), Some("u1"));
        assert_eq!(
            remote_url(&parse_config("[core]\nbare=false\n"), None),
            None
        );
        assert_eq!(
            parse_config("[a]\nk = \"q;#\\\"\" tail \\t end  \n")[0].value,
            "q;#\" tail \t end"
        );
    }

    #[test]
    fn symbolic_head_loose_ref_and_remote() {
        let dir = tempfile::tempdir().unwrap();
        let git = fake_repo(dir.path(), "ref: refs/heads/feature/x\n");
        write(&git.join("refs/heads/feature/x"), &format!("{A}\n"));
        write(
            &git.join("config"),
            "[remote \"origin\"]\n\turl = https://bot:s3cret@github.com/o/r.git\n",
        );
        let sub = dir.path().join("a/b");
        fs::create_dir_all(&sub).unwrap();
        let m = GitMetadata::from_repo(&sub).unwrap();
        assert_eq!(m.commit_sha.as_deref(), Some(A));
        assert_eq!(m.git_ref.as_deref(), Some("refs/heads/feature/x"));
        assert_eq!(m.branch.as_deref(), Some("feature/x"));
        assert_eq!(m.tag, None);
        assert_eq!(m.dirty, None);
        assert_eq!(m.repo_url.as_deref(), Some("https://github.com/o/r.git"));
    }

    #[test]
    fn packed_refs_and_peeled_tags() {
        let dir = tempfile::tempdir().unwrap();
        let git = fake_repo(dir.path(), "ref: refs/heads/main\n");
        write(
            &git.join("packed-refs"),
            &format!(
                "# pack-refs with: peeled fully-peeled sorted \n\
                 {A} refs/heads/main\n\
                 {B} refs/tags/annotated\n^{A}\n\
                 {C} refs/tags/other\n"
            ),
        );
        let m = GitMetadata::from_repo(dir.path()).unwrap();
        assert_eq!(m.commit_sha.as_deref(), Some(A));
        assert_eq!(m.branch.as_deref(), Some("main"));
        assert_eq!(m.tag.as_deref(), Some("annotated"));
        assert_eq!(m.repo_url, None);

        // A loose ref overrides the packed one.
        write(&git.join("refs/heads/main"), C);
        let m = GitMetadata::from_repo(dir.path()).unwrap();
        assert_eq!(m.commit_sha.as_deref(), Some(C));
        assert_eq!(m.tag.as_deref(), Some("other"));
    }

    #[test]
    fn detached_head_on_lightweight_loose_tag() {
        let dir = tempfile::tempdir().unwrap();
        let git = fake_repo(dir.path(), &format!("{}\n", B.to_uppercase()));
        write(&git.join("refs/tags/release/v2"), B);
        let m = GitMetadata::from_repo(dir.path()).unwrap();
        assert_eq!(m.commit_sha.as_deref(), Some(B));
        assert_eq!(m.tag.as_deref(), Some("release/v2"));
        assert_eq!(m.git_ref.as_deref(), Some("refs/tags/release/v2"));
        assert_eq!(m.branch, None);
    }

    #[test]
    fn unborn_branch_and_garbage() {
        let dir = tempfile::tempdir().unwrap();
        fake_repo(dir.path(), "ref: refs/heads/main\n");
        let m = GitMetadata::from_repo(dir.path()).unwrap();
        assert_eq!(m.commit_sha, None);
        assert_eq!(m.branch.as_deref(), Some("main"));

        let dir = tempfile::tempdir().unwrap();
        fake_repo(dir.path(), "ref: ../../etc/passwd\n");
        assert_eq!(GitMetadata::from_repo(dir.path()), None);

        let dir = tempfile::tempdir().unwrap();
        if !dir.path().ancestors().any(|a| a.join(".git").exists()) {
            assert_eq!(find_git_dirs(dir.path()), None);
            assert_eq!(GitMetadata::from_repo(dir.path()), None);
        }
    }

    #[test]
    fn worktree_gitdir_file_with_commondir() {
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("main");
        let git = fake_repo(&main, "ref: refs/heads/main\n");
        write(&git.join("refs/heads/main"), A);
        write(&git.join("refs/heads/wt"), B);
        write(
            &git.join("config"),
            "[remote \"origin\"]\nurl = git@github.com:o/r.git\n",
        );
        let wt_git = git.join("worktrees/wt");
        write(&wt_git.join("HEAD"), "ref: refs/heads/wt\n");
        write(&wt_git.join("commondir"), "../..\n");
        let wt = dir.path().join("wt");
        // Relative gitdir, as `git worktree add --relative-paths` and submodules write.
        write(&wt.join(".git"), "gitdir: ../main/.git/worktrees/wt\n");

        let dirs = find_git_dirs(&wt).unwrap();
        assert_eq!(
            fs::canonicalize(&dirs.common_dir).unwrap(),
            fs::canonicalize(&git).unwrap()
        );
        let m = GitMetadata::from_repo(&wt).unwrap();
        assert_eq!(m.commit_sha.as_deref(), Some(B));
        assert_eq!(m.branch.as_deref(), Some("wt"));
        assert_eq!(m.repo_url.as_deref(), Some("git@github.com:o/r.git"));
        let m = GitMetadata::from_repo(&main).unwrap();
        assert_eq!(m.commit_sha.as_deref(), Some(A));
    }

    #[test]
    fn merge_prefers_ci() {
        let local = GitMetadata {
            repo_url: Some("https://local/r".into()),
            commit_sha: Some(A.into()),
            git_ref: Some("refs/heads/dev".into()),
            branch: Some("dev".into()),
            tag: Some("v1".into()),
            dirty: None,
        };
        // CI knows the commit and the branch: its values win, the tag is added.
        let mut ci = GitMetadata {
            commit_sha: Some(A.into()),
            branch: Some("main".into()),
            ..Default::default()
        };
        ci.fill_from(local.clone());
        ci.normalize();
        assert_eq!(ci.branch.as_deref(), Some("main"));
        assert_eq!(ci.git_ref.as_deref(), Some("refs/heads/main"));
        assert_eq!(ci.tag.as_deref(), Some("v1"));
        assert_eq!(ci.repo_url.as_deref(), Some("https://local/r"));

        // Different commit: nothing commit-specific is taken.
        let mut ci = GitMetadata {
            commit_sha: Some(B.into()),
            ..Default::default()
        };
        ci.fill_from(local.clone());
        assert_eq!(ci.commit_sha.as_deref(), Some(B));
        assert_eq!(ci.branch, None);
        assert_eq!(ci.tag, None);
        assert_eq!(ci.repo_url.as_deref(), Some("https://local/r"));

        // CI says nothing: everything comes from the repository.
        let mut ci = GitMetadata::default();
        ci.fill_from(local.clone());
        assert_eq!(ci, local);
    }

    fn git_available() -> bool {
        Command::new("git")
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            // Isolate from the user's and system configuration.
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    #[test]
    fn matches_real_git() {
        if !git_available() {
            eprintln!("note: `git` not installed; skipping the comparison with a real repository");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "trunk"]);
        git(
            root,
            &["remote", "add", "origin", "https://u:p@example.com/o/r.git"],
        );
        fs::write(root.join("f.txt"), "one").unwrap();
        git(root, &["add", "f.txt"]);
        git(root, &["commit", "-q", "-m", "one"]);
        let first = git(root, &["rev-parse", "HEAD"]);
        git(root, &["tag", "-a", "v1.0.0", "-m", "release"]);
        fs::write(root.join("f.txt"), "two").unwrap();
        git(root, &["commit", "-q", "-am", "two"]);
        let second = git(root, &["rev-parse", "HEAD"]);

        let sub = root.join("nested/dir");
        fs::create_dir_all(&sub).unwrap();
        let m = GitMetadata::from_repo(&sub).unwrap();
        assert_eq!(m.commit_sha.as_deref(), Some(second.as_str()));
        assert_eq!(m.branch.as_deref(), Some("trunk"));
        assert_eq!(m.git_ref.as_deref(), Some("refs/heads/trunk"));
        assert_eq!(m.tag, None);
        assert_eq!(m.repo_url.as_deref(), Some("https://example.com/o/r.git"));

        // Annotated loose tag, detached HEAD: peeled through the tag object.
        git(root, &["checkout", "-q", "v1.0.0"]);
        let m = GitMetadata::from_repo(root).unwrap();
        assert_eq!(m.commit_sha.as_deref(), Some(first.as_str()));
        assert_eq!(m.tag.as_deref(), Some("v1.0.0"));
        assert_eq!(m.branch, None);

        // After `git pack-refs`: packed refs with peeled lines.
        git(root, &["checkout", "-q", "trunk"]);
        git(root, &["tag", "light"]);
        git(root, &["pack-refs", "--all"]);
        assert!(!root.join(".git/refs/heads/trunk").exists());
        let m = GitMetadata::from_repo(root).unwrap();
        assert_eq!(m.commit_sha.as_deref(), Some(second.as_str()));
        assert_eq!(m.tag.as_deref(), Some("light"));
        git(root, &["checkout", "-q", "v1.0.0"]);
        let m = GitMetadata::from_repo(root).unwrap();
        assert_eq!(
            m.commit_sha.as_deref(),
            Some(git(root, &["rev-parse", "HEAD"]).as_str())
        );
        assert_eq!(m.tag.as_deref(), Some("v1.0.0"));

        // A linked worktree (`.git` file + commondir).
        git(root, &["checkout", "-q", "trunk"]);
        let wt = dir.path().join("wt");
        fs::create_dir_all(&wt).unwrap();
        let wt = wt.join("tree");
        git(
            root,
            &[
                "worktree",
                "add",
                "-q",
                "-b",
                "side",
                wt.to_str().unwrap(),
                &first,
            ],
        );
        let m = GitMetadata::from_repo(&wt).unwrap();
        assert_eq!(
            m.commit_sha.as_deref(),
            Some(git(&wt, &["rev-parse", "HEAD"]).as_str())
        );
        assert_eq!(m.branch.as_deref(), Some("side"));
        assert_eq!(m.repo_url.as_deref(), Some("https://example.com/o/r.git"));
    }
}
