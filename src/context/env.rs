//! Environment access behind a trait, so detection reads a map in tests and the
//! process environment in production, and nothing ever mutates the global
//! environment.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

/// Read-only view of environment variables.
///
/// Implemented for the process environment ([`ProcessEnv`]) and for
/// `HashMap<String, String>` / `BTreeMap<String, String>` (fake environments in
/// tests, or a captured snapshot).
pub trait Env {
    /// The value of `key`, or `None` when unset or not valid UTF-8.
    fn var(&self, key: &str) -> Option<String>;
}

/// The real process environment (`std::env::var`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, key: &str) -> Option<String> {
        std::env::var(key).ok()
    }
}

impl<S: BuildHasher> Env for HashMap<String, String, S> {
    fn var(&self, key: &str) -> Option<String> {
        self.get(key).cloned()
    }
}

impl Env for BTreeMap<String, String> {
    fn var(&self, key: &str) -> Option<String> {
        self.get(key).cloned()
    }
}

impl<T: Env + ?Sized> Env for &T {
    fn var(&self, key: &str) -> Option<String> {
        (**self).var(key)
    }
}

/// `key`'s value, trimmed; `None` when unset, empty or only whitespace (CI
/// systems often export empty variables rather than leaving them unset).
pub(crate) fn get(env: &dyn Env, key: &str) -> Option<String> {
    env.var(key)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Whether `key` is set to a truthy value (`true`, `1`, `yes`; case-insensitive).
pub(crate) fn is_true(env: &dyn Env, key: &str) -> bool {
    get(env, key).is_some_and(|v| {
        v.eq_ignore_ascii_case("true") || v == "1" || v.eq_ignore_ascii_case("yes")
    })
}

/// The first of `keys` that has a non-empty value.
pub(crate) fn first(env: &dyn Env, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| get(env, k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_and_helpers() {
        let mut m = HashMap::new();
        m.insert("A".to_string(), " x ".to_string());
        m.insert("EMPTY".to_string(), "  ".to_string());
        m.insert("T".to_string(), "True".to_string());
        assert_eq!(get(&m, "A").as_deref(), Some("x"));
        assert_eq!(get(&m, "EMPTY"), None);
        assert_eq!(get(&m, "MISSING"), None);
        assert!(is_true(&m, "T"));
        assert!(!is_true(&m, "A"));
        assert_eq!(first(&m, &["EMPTY", "A"]).as_deref(), Some("x"));

        let b: BTreeMap<String, String> = [("K".to_string(), "v".to_string())].into();
        assert_eq!(Env::var(&b, "K").as_deref(), Some("v"));
        let by_ref: &dyn Env = &b;
        assert_eq!(get(&by_ref, "K").as_deref(), Some("v"));
    }
}
