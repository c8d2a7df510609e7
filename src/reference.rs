//! Image references: `[registry[:port]/]repository[:tag][@digest]`.
//!
//! [`ImageReference`] parses and normalizes the names users type (`nginx`,
//! `ghcr.io/org/app:1.0`, `localhost:5000/x@sha256:…`) into their fully
//! qualified form (`docker.io/library/nginx:latest`, …), following the grammar
//! and normalization of Docker's `distribution/reference` package
//! (`ParseNormalizedNamed`):
//!
//! ```text
//! reference        := name [ ":" tag ] [ "@" digest ]
//! name             := [ domain "/" ] path
//! domain           := host [ ":" port ]
//! host             := domain-name | "[" ipv6-address "]"
//! domain-name      := domain-component ( "." domain-component )*
//! domain-component := [a-zA-Z0-9] | [a-zA-Z0-9] [a-zA-Z0-9-]* [a-zA-Z0-9]
//! port             := [0-9]+                       (1..=65535)
//! path             := path-component ( "/" path-component )*
//! path-component   := alnum ( separator alnum )*
//! alnum            := [a-z0-9]+
//! separator        := "." | "_" | "__" | "-"+
//! tag              := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
//! digest           := sha256:<64 hex> | sha512:<128 hex>   (see crate::digest)
//! ```
//!
//! Normalization: the first `/`-separated component is a registry only if it
//! contains `.` or `:` or is exactly `localhost` (so `[::1]:5000` qualifies);
//! otherwise the registry is `docker.io`. `index.docker.io` is rewritten to
//! `docker.io`, single-component Docker Hub repositories get the `library/`
//! prefix, and a reference with neither tag nor digest gets the tag `latest`.
//! `registry/repository` may be at most 255 characters long.
//!
//! Deliberate differences from `distribution/reference`, all stricter:
//! a first component with uppercase letters but no `.`/`:` (`Foo/app`) is not
//! taken as a registry host, so it fails with "repository name must be
//! lowercase" instead of silently contacting host `Foo`; ports must be in
//! 1..=65535; bracketed IPv6 hosts must be real IPv6 addresses; and digests are
//! limited to the algorithms `sc` can verify (sha256, sha512).
//!
//! What this module does not do: resolve tags, contact registries, apply
//! registry mirrors or credentials, or accept transport prefixes such as
//! `docker://` or `oci-archive:` (image sources handle those).

use std::borrow::Cow;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::digest::Digest;

/// Docker Hub's canonical registry name.
const DOCKER_HUB: &str = "docker.io";
/// Docker Hub's legacy name, normalized to [`DOCKER_HUB`].
const DOCKER_HUB_LEGACY: &str = "index.docker.io";
/// The host that actually serves Docker Hub's registry API.
const DOCKER_HUB_API: &str = "registry-1.docker.io";
/// Namespace of Docker Hub's official images.
const OFFICIAL_REPO_PREFIX: &str = "library/";
/// Tag assumed when a reference names neither tag nor digest.
const DEFAULT_TAG: &str = "latest";
/// Maximum length of `registry/repository`.
const NAME_TOTAL_LENGTH_MAX: usize = 255;
/// Docker's reason for refusing a bare 64-hex-digit string.
const IMAGE_ID_REASON: &str = "a bare 64-character hex string is an image ID, not a repository \
                               name (use name@sha256:<hex> to pin a digest)";
/// Maximum length of a tag.
const TAG_LENGTH_MAX: usize = 128;

/// A parsed, normalized image reference.
///
/// After [`ImageReference::parse`], at least one of `tag` and `digest` is set
/// (`latest` is filled in when neither was given).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageReference {
    /// Registry host with optional port, e.g. `docker.io`, `localhost:5000`, `[::1]:5000`.
    pub registry: String,
    /// Repository path, e.g. `library/nginx`, `myorg/app`.
    pub repository: String,
    /// Tag, if any.
    pub tag: Option<String>,
    /// Digest, if any.
    pub digest: Option<Digest>,
}

/// Why a string is not a valid image reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid image reference '{input}': {reason}")]
pub struct ReferenceError {
    /// The text that was parsed.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl ReferenceError {
    fn new(input: &str, reason: impl Into<String>) -> Self {
        ReferenceError {
            input: input.to_string(),
            reason: reason.into(),
        }
    }
}

impl ImageReference {
    /// Parse and normalize a reference (same as [`FromStr`]).
    pub fn parse(s: &str) -> Result<Self, ReferenceError> {
        parse_reference(s).map_err(|reason| ReferenceError::new(s, reason))
    }

    /// The same repository pinned to `digest`; the tag is dropped.
    pub fn with_digest(&self, digest: Digest) -> ImageReference {
        ImageReference {
            registry: self.registry.clone(),
            repository: self.repository.clone(),
            tag: None,
            digest: Some(digest),
        }
    }

    /// The same repository at tag `tag`; any digest is cleared.
    pub fn with_tag(&self, tag: &str) -> Result<ImageReference, ReferenceError> {
        validate_tag(tag).map_err(|reason| {
            ReferenceError::new(&format!("{}:{tag}", self.repository_path()), reason)
        })?;
        Ok(ImageReference {
            registry: self.registry.clone(),
            repository: self.repository.clone(),
            tag: Some(tag.to_string()),
            digest: None,
        })
    }

    /// `registry/repository`, e.g. `docker.io/library/nginx`.
    pub fn repository_path(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The tag, or `latest` when there is none.
    pub fn tag_or_latest(&self) -> &str {
        self.tag.as_deref().unwrap_or(DEFAULT_TAG)
    }

    /// True when the reference names a digest (content-addressed, immutable).
    pub fn is_pinned(&self) -> bool {
        self.digest.is_some()
    }

    /// The host to contact for the registry API: `registry-1.docker.io` for
    /// Docker Hub, the registry unchanged otherwise.
    pub fn api_registry(&self) -> &str {
        if self.registry == DOCKER_HUB || self.registry == DOCKER_HUB_LEGACY {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }

    /// True for `localhost`, `127.0.0.0/8` and `[::1]`, with or without a port.
    pub fn is_localhost(&self) -> bool {
        let (host, _port) = split_host_port(&self.registry);
        if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            return inner.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback());
        }
        host.eq_ignore_ascii_case("localhost")
            || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// `registry/repository[:tag][@digest]`, keeping the tag even when a digest
    /// is present (for display where the tag is informative). This is also the
    /// serialized form, so serde round-trips are lossless.
    pub fn full_string(&self) -> String {
        let mut s = self.repository_path();
        if let Some(tag) = &self.tag {
            s.push(':');
            s.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            s.push('@');
            s.push_str(&digest.to_string());
        }
        s
    }
}

impl FromStr for ImageReference {
    type Err = ReferenceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ImageReference::parse(s)
    }
}

/// `registry/repository@digest` when pinned (the tag is omitted, as in
/// Docker's canonical form), else `registry/repository:tag`.
impl fmt::Display for ImageReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        match (&self.digest, &self.tag) {
            (Some(digest), _) => write!(f, "@{digest}"),
            (None, Some(tag)) => write!(f, ":{tag}"),
            (None, None) => Ok(()),
        }
    }
}

impl Serialize for ImageReference {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.full_string())
    }
}

impl<'de> Deserialize<'de> for ImageReference {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ImageReference::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for ImageReference {
    fn schema_name() -> Cow<'static, str> {
        "ImageReference".into()
    }

    fn json_schema(_generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "Container image reference: [registry[:port]/]repository[:tag][@digest], \
                            e.g. `nginx:1.27`, `ghcr.io/org/app@sha256:<hex>`. Short Docker Hub \
                            names are normalized (`nginx` -> `docker.io/library/nginx:latest`)."
        })
    }
}

/// Parse `input`, returning the reason on failure.
fn parse_reference(input: &str) -> Result<ImageReference, String> {
    if input.is_empty() {
        return Err("reference is empty".into());
    }
    if input.chars().any(char::is_whitespace) {
        return Err("whitespace is not allowed".into());
    }
    if input.len() == 64
        && input
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(IMAGE_ID_REASON.into());
    }

    let (name_and_tag, digest) = match input.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (input, None),
    };
    if name_and_tag.is_empty() || name_and_tag.starts_with(':') {
        return Err("repository name is empty".into());
    }
    if name_and_tag.starts_with('/') {
        return Err("repository name must not start with '/'".into());
    }
    if name_and_tag.ends_with('/') {
        return Err("repository name must not end with '/'".into());
    }

    let (registry, remainder) = split_registry(name_and_tag);
    // Path components cannot contain ':', so the first one left is the tag separator.
    let (path, tag) = match remainder.split_once(':') {
        Some((path, tag)) => (path, Some(tag)),
        None => (remainder, None),
    };

    validate_host(registry)?;
    validate_path(path)?;
    if let Some(tag) = tag {
        validate_tag(tag)?;
    }
    let digest = match digest {
        Some("") => return Err("digest after '@' is empty".into()),
        Some(d) => Some(d.parse::<Digest>().map_err(|e| e.to_string())?),
        None => None,
    };

    let repository = if registry == DOCKER_HUB && !path.contains('/') {
        format!("{OFFICIAL_REPO_PREFIX}{path}")
    } else {
        path.to_string()
    };
    let name_len = registry.len() + 1 + repository.len();
    if name_len > NAME_TOTAL_LENGTH_MAX {
        return Err(format!(
            "name '{registry}/{repository}' is {name_len} characters long (at most {NAME_TOTAL_LENGTH_MAX})"
        ));
    }

    let tag = match (tag, &digest) {
        (Some(tag), _) => Some(tag.to_string()),
        (None, None) => Some(DEFAULT_TAG.to_string()),
        (None, Some(_)) => None,
    };
    Ok(ImageReference {
        registry: registry.to_string(),
        repository,
        tag,
        digest,
    })
}

/// Split `name[:tag]` into (registry, `path[:tag]`) by Docker's rule: the first
/// component is a registry if it contains `.` or `:` or is `localhost`.
fn split_registry(name: &str) -> (&str, &str) {
    match name.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
            if first == DOCKER_HUB_LEGACY {
                (DOCKER_HUB, rest)
            } else {
                (first, rest)
            }
        }
        _ => (DOCKER_HUB, name),
    }
}

/// Split a registry into host and optional port; bracketed IPv6 stays bracketed.
fn split_host_port(registry: &str) -> (&str, Option<&str>) {
    if registry.starts_with('[') {
        if let Some(end) = registry.find(']') {
            let (host, rest) = registry.split_at(end + 1);
            return (host, rest.strip_prefix(':'));
        }
    }
    match registry.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (registry, None),
    }
}

fn validate_host(registry: &str) -> Result<(), String> {
    let (host, port) = split_host_port(registry);
    if let Some(inner) = host.strip_prefix('[') {
        let Some(inner) = inner.strip_suffix(']') else {
            return Err(format!(
                "registry '{registry}': unterminated '[' in IPv6 address"
            ));
        };
        if inner.is_empty()
            || !inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':')
            || inner.parse::<Ipv6Addr>().is_err()
        {
            return Err(format!(
                "registry '{registry}': '{inner}' is not a valid IPv6 address"
            ));
        }
        if port.is_none() && host.len() != registry.len() {
            return Err(format!(
                "registry '{registry}': expected ':<port>' after ']'"
            ));
        }
    } else {
        if host.is_empty() {
            return Err(format!("registry '{registry}': host name is empty"));
        }
        for component in host.split('.') {
            validate_domain_component(registry, component)?;
        }
    }
    if let Some(port) = port {
        validate_port(registry, port)?;
    }
    Ok(())
}

fn validate_domain_component(registry: &str, component: &str) -> Result<(), String> {
    if component.is_empty() {
        return Err(format!(
            "registry '{registry}': empty component in host name"
        ));
    }
    if let Some(c) = component
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(format!(
            "registry '{registry}': invalid character '{c}' in host name"
        ));
    }
    if component.starts_with('-') || component.ends_with('-') {
        return Err(format!(
            "registry '{registry}': host name component '{component}' must not start or end with '-'"
        ));
    }
    Ok(())
}

fn validate_port(registry: &str, port: &str) -> Result<(), String> {
    if port.is_empty() {
        return Err(format!("registry '{registry}': port is empty"));
    }
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "registry '{registry}': port '{port}' must be a number"
        ));
    }
    match port.parse::<u32>() {
        Ok(1..=65535) => Ok(()),
        _ => Err(format!(
            "registry '{registry}': port {port} is out of range (1-65535)"
        )),
    }
}

fn validate_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("repository name is empty".into());
    }
    if path.ends_with('/') {
        return Err("repository name must not end with '/'".into());
    }
    if path.contains("//") {
        return Err(format!(
            "repository name '{path}' has an empty path component ('//')"
        ));
    }
    if path.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!("repository name '{path}' must be lowercase"));
    }
    path.split('/')
        .try_for_each(|c| validate_path_component(path, c))
}

/// `alnum (separator alnum)*` with separator `.`, `_`, `__` or `-+`.
fn validate_path_component(path: &str, component: &str) -> Result<(), String> {
    if let Some(c) = component
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "invalid character '{c}' in repository name '{path}'"
        ));
    }
    let is_sep = |b: u8| matches!(b, b'.' | b'_' | b'-');
    let bytes = component.as_bytes();
    if bytes.first().copied().is_some_and(is_sep) || bytes.last().copied().is_some_and(is_sep) {
        return Err(format!(
            "repository path component '{component}' must start and end with a lowercase letter or digit"
        ));
    }
    for separator in component.split(|c: char| c.is_ascii_alphanumeric()) {
        let valid = separator.is_empty()
            || matches!(separator, "." | "_" | "__")
            || separator.bytes().all(|b| b == b'-');
        if !valid {
            return Err(format!(
                "invalid separator '{separator}' in repository path component '{component}' \
                 (allowed: '.', '_', '__' or one or more '-')"
            ));
        }
    }
    Ok(())
}

fn validate_tag(tag: &str) -> Result<(), String> {
    if tag.is_empty() {
        return Err("tag after ':' is empty".into());
    }
    if tag.len() > TAG_LENGTH_MAX {
        return Err(format!(
            "tag is {} characters long (at most {TAG_LENGTH_MAX})",
            tag.len()
        ));
    }
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if let Some(c) = tag.chars().find(|&c| !(is_word(c) || c == '.' || c == '-')) {
        return Err(format!("invalid character '{c}' in tag '{tag}'"));
    }
    if !tag.starts_with(is_word) {
        return Err(format!(
            "tag '{tag}' must start with a letter, digit or '_'"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const H256: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    fn sha256() -> String {
        format!("sha256:{H256}")
    }

    fn sha512() -> String {
        format!("sha512:{}", "ab".repeat(64))
    }

    /// Replace the placeholders `{D}` (a sha256 digest) and `{D512}` (a sha512 digest).
    fn expand(s: &str) -> String {
        s.replace("{D512}", &sha512()).replace("{D}", &sha256())
    }

    /// (input, registry, expected `repository[:tag][@digest]` after normalization)
    #[rustfmt::skip]
    const VALID: &[(&str, &str, &str)] = &[
        ("nginx", "docker.io", "library/nginx:latest"),
        ("nginx:1.27", "docker.io", "library/nginx:1.27"),
        ("library/nginx", "docker.io", "library/nginx:latest"),
        ("docker.io/nginx", "docker.io", "library/nginx:latest"),
        ("docker.io/library/nginx:1.27", "docker.io", "library/nginx:1.27"),
        ("index.docker.io/library/nginx", "docker.io", "library/nginx:latest"),
        ("index.docker.io/nginx", "docker.io", "library/nginx:latest"),
        ("registry-1.docker.io/nginx", "registry-1.docker.io", "nginx:latest"),
        ("myorg/app:v1", "docker.io", "myorg/app:v1"),
        ("myorg/team/app", "docker.io", "myorg/team/app:latest"),
        ("ghcr.io/org/team/app:1.0", "ghcr.io", "org/team/app:1.0"),
        ("ghcr.io/app", "ghcr.io", "app:latest"),
        ("localhost/app", "localhost", "app:latest"),
        ("localhost:5000/x", "localhost:5000", "x:latest"),
        ("localhost:5000/x:tag", "localhost:5000", "x:tag"),
        // Docker reads a lone `host:port` as repository `host` with tag `port`.
        ("localhost:5000", "docker.io", "library/localhost:5000"),
        ("localhost", "docker.io", "library/localhost:latest"),
        ("127.0.0.1:5000/a/b@{D}", "127.0.0.1:5000", "a/b@{D}"),
        ("[::1]:5000/app:1", "[::1]:5000", "app:1"),
        ("[2001:db8::1]/app", "[2001:db8::1]", "app:latest"),
        ("registry.example.com:443/app", "registry.example.com:443", "app:latest"),
        ("Registry.Example.COM/app", "Registry.Example.COM", "app:latest"),
        ("my-registry:5000/app", "my-registry:5000", "app:latest"),
        ("name:tag@{D}", "docker.io", "library/name:tag@{D}"),
        ("nginx@{D}", "docker.io", "library/nginx@{D}"),
        ("ghcr.io/o/a@{D512}", "ghcr.io", "o/a@{D512}"),
        ("ghcr.io/o/a:1@{D512}", "ghcr.io", "o/a:1@{D512}"),
        ("a---b", "docker.io", "library/a---b:latest"),
        ("a__b/c_d/e.f-g", "docker.io", "a__b/c_d/e.f-g:latest"),
        ("app:_tag", "docker.io", "library/app:_tag"),
        ("app:V1.2-rc_3", "docker.io", "library/app:V1.2-rc_3"),
        ("0/1", "docker.io", "0/1:latest"),
    ];

    /// (input, expected substring of the reason)
    #[rustfmt::skip]
    const INVALID: &[(&str, &str)] = &[
        ("", "empty"),
        ("UPPER/app", "must be lowercase"),
        ("docker.io/Library/nginx", "must be lowercase"),
        ("Nginx", "must be lowercase"),
        ("app:", "tag after ':' is empty"),
        (":tag", "repository name is empty"),
        ("@{D}", "repository name is empty"),
        ("app@", "digest after '@' is empty"),
        ("app@sha256:abc", "sha256 needs 64 lowercase hex digits"),
        ("app@sha256:2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824", "lowercase hex"),
        ("app@md5:d41d8cd98f00b204e9800998ecf8427e", "unsupported digest algorithm 'md5'"),
        ("app@notadigest", "expected <algorithm>:<hex>"),
        ("a//b", "empty path component"),
        ("/app", "must not start with '/'"),
        ("app/", "must not end with '/'"),
        ("ghcr.io/", "must not end with '/'"),
        ("host:99999/app", "out of range"),
        ("host:0/app", "out of range"),
        ("host:/app", "port is empty"),
        ("host:12ab/app", "must be a number"),
        ("app:-tag", "must start with"),
        ("app:.tag", "must start with"),
        ("app:t+g", "invalid character '+' in tag"),
        ("app:a:b", "invalid character ':' in tag"),
        ("app name", "whitespace"),
        (" nginx", "whitespace"),
        ("nginx\n", "whitespace"),
        ("-app", "must start and end"),
        ("app-", "must start and end"),
        ("app.", "must start and end"),
        ("a..b", "invalid separator '..'"),
        ("a___b", "invalid separator '___'"),
        ("a._b", "invalid separator '._'"),
        ("a/b$c", "invalid character '$'"),
        ("ex_ample.com/app", "invalid character '_' in host name"),
        ("-bad.com/app", "must not start or end with '-'"),
        ("bad..com/app", "empty component in host name"),
        ("[::1/app", "unterminated"),
        ("[zz::1]/app", "not a valid IPv6 address"),
        ("[1:2:3]/app", "not a valid IPv6 address"),
        ("[::1]x/app", "expected ':<port>'"),
        ("[::1]:5000", "invalid character"),
        ("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", "image ID"),
    ];

    #[test]
    fn parses_valid_references() {
        for (input, registry, rest) in VALID {
            let input = expand(input);
            let r = ImageReference::parse(&input).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.registry, *registry, "{input}");
            assert_eq!(
                r.full_string(),
                format!("{registry}/{}", expand(rest)),
                "{input}"
            );
            assert!(r.tag.is_some() || r.digest.is_some(), "{input}");
            // Reparsing the printed forms is stable.
            assert_eq!(
                ImageReference::parse(&r.full_string()).unwrap(),
                r,
                "{input}"
            );
            let canonical = ImageReference::parse(&r.to_string()).unwrap();
            assert_eq!(canonical.repository_path(), r.repository_path(), "{input}");
            assert_eq!(canonical.digest, r.digest, "{input}");
        }
    }

    #[test]
    fn parsed_fields() {
        let r = ImageReference::parse(&expand("127.0.0.1:5000/a/b:v2@{D}")).unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "a/b");
        assert_eq!(r.tag.as_deref(), Some("v2"));
        assert_eq!(r.digest, Some(sha256().parse().unwrap()));
        let r = ImageReference::parse(&expand("nginx@{D}")).unwrap();
        assert_eq!(r.tag, None);
    }

    #[test]
    fn rejects_invalid_references() {
        let mut cases: Vec<(String, &str)> = INVALID.iter().map(|(i, w)| (expand(i), *w)).collect();
        cases.push((format!("app:{}", "t".repeat(129)), "at most 128"));
        cases.push((format!("ghcr.io/{}", "a".repeat(250)), "at most 255"));
        assert!(cases.len() >= 40);
        for (input, want) in cases {
            let err = ImageReference::parse(&input).expect_err(&input);
            assert_eq!(err.input, input);
            assert!(
                err.reason.contains(want),
                "{input:?}: got '{}', want '{want}'",
                err.reason
            );
            assert!(
                err.to_string().starts_with("invalid image reference '"),
                "{err}"
            );
        }
    }

    #[test]
    fn tag_length_limit() {
        let max = "t".repeat(128);
        let r = ImageReference::parse(&format!("app:{max}")).unwrap();
        assert_eq!(r.tag.as_deref(), Some(max.as_str()));
    }

    #[test]
    fn name_length_limit_counts_normalized_name() {
        // "docker.io/" + 245 = 255 characters: allowed; one more is not.
        let ok = format!("org/{}", "a".repeat(241));
        assert_eq!(
            ImageReference::parse(&ok).unwrap().repository_path().len(),
            255
        );
        let too_long = format!("org/{}", "a".repeat(242));
        assert!(ImageReference::parse(&too_long).is_err());
    }

    #[test]
    fn display_and_full_string() {
        let d = sha256();
        let both = ImageReference::parse(&format!("name:tag@{d}")).unwrap();
        assert_eq!(both.to_string(), format!("docker.io/library/name@{d}"));
        assert_eq!(
            both.full_string(),
            format!("docker.io/library/name:tag@{d}")
        );
        assert!(both.is_pinned());
        assert_eq!(both.tag_or_latest(), "tag");

        let tagged = ImageReference::parse("nginx:1.27").unwrap();
        assert_eq!(tagged.to_string(), "docker.io/library/nginx:1.27");
        assert_eq!(tagged.full_string(), tagged.to_string());
        assert!(!tagged.is_pinned());

        let pinned = ImageReference::parse(&format!("nginx@{d}")).unwrap();
        assert_eq!(pinned.tag_or_latest(), "latest");
        assert_eq!(pinned.to_string(), format!("docker.io/library/nginx@{d}"));
    }

    #[test]
    fn with_digest_drops_tag_and_with_tag_clears_digest() {
        let d: Digest = sha256().parse().unwrap();
        let r = ImageReference::parse("ghcr.io/org/app:1.0").unwrap();
        let pinned = r.with_digest(d.clone());
        assert_eq!(pinned.tag, None);
        assert_eq!(pinned.digest, Some(d.clone()));
        assert_eq!(pinned.repository_path(), "ghcr.io/org/app");
        assert_eq!(pinned.to_string(), format!("ghcr.io/org/app@{d}"));

        let retagged = pinned.with_tag("2.0").unwrap();
        assert_eq!(retagged.tag.as_deref(), Some("2.0"));
        assert_eq!(retagged.digest, None);
        assert_eq!(retagged.to_string(), "ghcr.io/org/app:2.0");

        let err = r.with_tag("bad tag").unwrap_err();
        assert_eq!(err.input, "ghcr.io/org/app:bad tag");
        assert!(err.reason.contains("invalid character ' '"), "{err}");
        assert!(r.with_tag("").is_err());
        assert!(r.with_tag(&"x".repeat(129)).is_err());
    }

    #[test]
    fn api_registry_and_localhost() {
        let api = |s: &str| ImageReference::parse(s).unwrap().api_registry().to_string();
        assert_eq!(api("nginx"), "registry-1.docker.io");
        assert_eq!(api("index.docker.io/library/nginx"), "registry-1.docker.io");
        assert_eq!(api("ghcr.io/o/a"), "ghcr.io");
        assert_eq!(api("localhost:5000/a"), "localhost:5000");

        let local = |s: &str| ImageReference::parse(s).unwrap().is_localhost();
        assert!(local("localhost/app"));
        assert!(local("localhost:5000/app"));
        assert!(local("127.0.0.1:5000/app"));
        assert!(local("127.1.2.3/app"));
        assert!(local("[::1]:5000/app"));
        assert!(local("[::1]/app"));
        assert!(!local("localhost"));
        assert!(!local("nginx"));
        assert!(!local("[2001:db8::1]/app"));
        assert!(!local("128.0.0.1/app"));
        assert!(!local("localhost.example.com/app"));
    }

    #[test]
    fn serde_round_trip() {
        let d = sha256();
        for input in [
            "nginx",
            "localhost:5000/x:tag",
            &format!("ghcr.io/o/a:v1@{d}"),
        ] {
            let r = ImageReference::parse(input).unwrap();
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.full_string()));
            let back: ImageReference = serde_json::from_str(&json).unwrap();
            assert_eq!(back, r);
        }
        let short: ImageReference = serde_json::from_str("\"nginx:1.27\"").unwrap();
        assert_eq!(short.to_string(), "docker.io/library/nginx:1.27");
        let err = serde_json::from_str::<ImageReference>("\"UPPER/app\"").unwrap_err();
        assert!(err.to_string().contains("must be lowercase"), "{err}");
        assert!(serde_json::from_str::<ImageReference>("42").is_err());
    }

    #[test]
    fn json_schema_is_string() {
        let schema = schemars::schema_for!(ImageReference);
        let value = serde_json::to_value(&schema).unwrap();
        assert_eq!(value["type"], "string");
        assert!(value["description"].as_str().unwrap().contains("registry"));
    }
}
