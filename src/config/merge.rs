//! Field-by-field merging of YAML values, used for stack inheritance and
//! per-image overrides.
//!
//! Rules, child over parent:
//! - mappings merge key by key, recursively;
//! - scalars and sequences from the child replace the parent's;
//! - an explicit `null` in the child removes the parent's key (as in Helm),
//!   so `privateKey: null` un-sets an inherited key;
//! - sequences declared as keyed (see [`KeyedList`]) merge entry by entry:
//!   a child entry overrides only the fields it sets on the parent's entry
//!   with the same key, and entries with new keys are appended. For the
//!   security block this applies to `scan.tools`, keyed by `name`.
//!
//! Merging works on untyped values so that "not set" and "set to the
//! default" stay distinct; the result is deserialized afterwards.

use serde_yaml_ng::{Mapping, Value};

/// A sequence, at a path of mapping keys, whose entries merge by a key field.
#[derive(Debug, Clone, Copy)]
pub struct KeyedList {
    /// Mapping keys from the merge root to the sequence.
    pub path: &'static [&'static str],
    /// The field identifying an entry.
    pub key: &'static str,
}

/// The keyed lists of the `security:` block.
pub const SECURITY_KEYED_LISTS: &[KeyedList] = &[KeyedList {
    path: &["scan", "tools"],
    key: "name",
}];

/// Merges two `security:` blocks, child over parent, with `scan.tools` merged by `name`.
pub fn merge_security(parent: Value, child: Value) -> Value {
    deep_merge_with(parent, child, SECURITY_KEYED_LISTS)
}

/// Deep merge with no keyed lists: sequences are replaced as a whole.
pub fn deep_merge(parent: Value, child: Value) -> Value {
    deep_merge_with(parent, child, &[])
}

/// Deep merge, child over parent, with the given keyed lists.
pub fn deep_merge_with(parent: Value, child: Value, keyed: &[KeyedList]) -> Value {
    let mut path = Vec::new();
    merge_at(parent, child, keyed, &mut path)
}

fn merge_at(parent: Value, child: Value, keyed: &[KeyedList], path: &mut Vec<String>) -> Value {
    match (parent, child) {
        (Value::Mapping(p), Value::Mapping(c)) => Value::Mapping(merge_maps(p, c, keyed, path)),
        (Value::Sequence(p), Value::Sequence(c)) => match keyed_at(keyed, path) {
            Some(key) => Value::Sequence(merge_keyed(p, c, key)),
            None => Value::Sequence(c),
        },
        (_, child) => child,
    }
}

fn merge_maps(
    mut parent: Mapping,
    child: Mapping,
    keyed: &[KeyedList],
    path: &mut Vec<String>,
) -> Mapping {
    for (k, v) in child {
        if v.is_null() {
            parent.remove(&k);
            continue;
        }
        let merged = match parent.remove(&k) {
            Some(p) => {
                path.push(k.as_str().unwrap_or_default().to_string());
                let m = merge_at(p, v, keyed, path);
                path.pop();
                m
            }
            None => v,
        };
        parent.insert(k, merged);
    }
    parent
}

fn keyed_at<'a>(keyed: &'a [KeyedList], path: &[String]) -> Option<&'a str> {
    keyed
        .iter()
        .find(|k| k.path.len() == path.len() && k.path.iter().zip(path).all(|(a, b)| a == b))
        .map(|k| k.key)
}

fn merge_keyed(mut parent: Vec<Value>, child: Vec<Value>, key: &str) -> Vec<Value> {
    for entry in child {
        let id = entry.get(key).filter(|v| !v.is_null()).cloned();
        let slot = id.and_then(|id| parent.iter().position(|p| p.get(key) == Some(&id)));
        match slot {
            Some(i) => {
                let p = std::mem::take(&mut parent[i]);
                parent[i] = deep_merge(p, entry);
            }
            None => parent.push(entry),
        }
    }
    parent
}

#[cfg(test)]
mod tests {
    use super::*;

    fn y(s: &str) -> Value {
        serde_yaml_ng::from_str(s).unwrap()
    }

    #[test]
    fn mappings_merge_and_child_scalars_win() {
        let m = deep_merge(y("a: 1\nb: {c: 2, d: 3}"), y("b: {d: 4, e: 5}\nf: 6"));
        assert_eq!(m, y("a: 1\nb: {c: 2, d: 4, e: 5}\nf: 6"));
    }

    #[test]
    fn sequences_are_replaced_unless_keyed() {
        let m = deep_merge(y("vex: [a, b]"), y("vex: [c]"));
        assert_eq!(m, y("vex: [c]"));
    }

    #[test]
    fn null_removes_inherited_key() {
        let m = deep_merge(
            y("signing: {privateKey: k, keyless: false}"),
            y("signing: {privateKey: null, keyless: true}"),
        );
        assert_eq!(m, y("signing: {keyless: true}"));
    }

    #[test]
    fn scan_tools_merge_by_name() {
        let parent = y("scan:\n  enabled: true\n  tools:\n    - {name: grype, required: true, failOn: critical}\n    - {name: trivy, required: false}\n");
        let child = y(
            "scan:\n  tools:\n    - {name: grype, failOn: high}\n    - {name: sc, warnOn: low}\n",
        );
        let merged = merge_security(parent, child);
        assert_eq!(
            merged,
            y("scan:\n  enabled: true\n  tools:\n    - {name: grype, required: true, failOn: high}\n    - {name: trivy, required: false}\n    - {name: sc, warnOn: low}\n")
        );
    }

    #[test]
    fn keyed_rule_applies_only_at_its_path() {
        let parent = y("other:\n  tools: [{name: a, x: 1}]\n");
        let child = y("other:\n  tools: [{name: a, y: 2}]\n");
        assert_eq!(
            merge_security(parent, child),
            y("other:\n  tools: [{name: a, y: 2}]\n")
        );
    }
}
