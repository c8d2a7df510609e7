//! Name and version from an archive's file name, the way syft reads them:
//! `commons-text-1.10.0.jar` → (`commons-text`, `1.10.0`),
//! `log4j-1.2-api-2.17.1.jar` → (`log4j`, `1.2-api-2.17.1`) (the first `-` that
//! starts a version), `guava-r09.jar` → (`guava`, `r09`),
//! `org.eclipse.osgi_3.18.0.v20220516.jar` → (`org.eclipse.osgi`, `3.18.0.v20220516`)
//! (`_` or `.` before a version, when no `-` does).
//!
//! A name is ASCII letters, digits, `_`, `.` and `-`, starts with a letter, and
//! each of its `-` starts a part beginning with a letter. A version starts with
//! a digit, or is `build...`, or `r`/`rc` and digits only (case-insensitive).
//! A file name that fits none of this (`2048-game-1.0.jar`) gives neither.

/// (name, version) of an archive file name (extension and directories removed
/// by the caller or not: both are ignored); either may be empty.
pub fn name_and_version(file_name: &str) -> (String, String) {
    let base = file_name.rsplit(['/', ':']).next().unwrap_or(file_name);
    let stem = base.rsplit_once('.').map(|(s, _)| s).unwrap_or(base);

    // The leftmost `-` whose left side is a name and right side a version.
    for (i, _) in stem.match_indices('-') {
        let (name, version) = (&stem[..i], &stem[i + 1..]);
        if is_name(name) && is_version(version, true) {
            return (name.to_string(), version.to_string());
        }
    }
    if !is_name(stem) {
        return (String::new(), String::new());
    }
    // No `-version`: try `_version` and `.version`.
    for (i, c) in stem.char_indices() {
        if matches!(c, '_' | '.' | '-') && is_version(&stem[i + 1..], false) {
            return (stem[..i].to_string(), stem[i + 1..].to_string());
        }
    }
    (stem.to_string(), String::new())
}

fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphabetic()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
        && b.windows(2)
            .all(|w| w[0] != b'-' || w[1].is_ascii_alphabetic())
}

/// `build` may be followed by anything after a `-`; after `_` or `.` it needs digits.
fn is_version(s: &str, loose_build: bool) -> bool {
    let lower = s.to_ascii_lowercase();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        return true;
    }
    if let Some(rest) = lower.strip_prefix("build") {
        return loose_build || rest.starts_with(|c: char| c.is_ascii_digit());
    }
    let digits = lower
        .strip_prefix("rc")
        .or_else(|| lower.strip_prefix('r'))
        .unwrap_or("");
    !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_as_syft_reads_them() {
        // Each pair checked against syft 1.18.1 on jars built for the purpose.
        for (file, name, version) in [
            ("commons-text-1.10.0.jar", "commons-text", "1.10.0"),
            ("log4j-1.2-api-2.17.1.jar", "log4j", "1.2-api-2.17.1"),
            (
                "jakarta.servlet-api-5.0.0.jar",
                "jakarta.servlet-api",
                "5.0.0",
            ),
            ("guava-r09.jar", "guava", "r09"),
            ("x-RC1.jar", "x", "RC1"),
            ("y-build5.jar", "y", "build5"),
            ("foo-bar_1.0.jar", "foo-bar", "1.0"),
            ("net.sf.tool_2.3.jar", "net.sf.tool", "2.3"),
            (
                "org.example.osgi.thing_3.2.1.v20230101.jar",
                "org.example.osgi.thing",
                "3.2.1.v20230101",
            ),
            ("My_Lib.v2-1.0.RELEASE.jar", "My_Lib.v2", "1.0.RELEASE"),
            ("boot-app-0.0.1-SNAPSHOT.jar", "boot-app", "0.0.1-SNAPSHOT"),
            (
                "netty-transport-4.1.86.Final-linux-x86_64.jar",
                "netty-transport",
                "4.1.86.Final-linux-x86_64",
            ),
            ("webapp.war", "webapp", ""),
            ("2048-game-1.0.jar", "", ""),
            ("a+b-1.0.jar", "", ""),
            ("srv/app.ear:lib/inner-2.0.jar", "inner", "2.0"),
            ("", "", ""),
            ("-1.0.jar", "", ""),
            ("x-rcx.jar", "x-rcx", ""),
        ] {
            assert_eq!(
                name_and_version(file),
                (name.to_string(), version.to_string()),
                "{file}"
            );
        }
    }
}
