//! Distribution detection: `os-release` and the older release files.
//!
//! Sources, best first:
//! 1. `etc/os-release` (a regular file, or a symlink, usually to
//!    `../usr/lib/os-release`, followed inside the image), then
//!    `usr/lib/os-release`;
//! 2. `etc/lsb-release` (`DISTRIB_ID`, `DISTRIB_RELEASE`, ...);
//! 3. `etc/alpine-release` (`3.19.1`);
//! 4. `etc/redhat-release`, `etc/centos-release`, `etc/rocky-release`,
//!    `etc/almalinux-release`, `etc/fedora-release`, `etc/system-release`
//!    (`Rocky Linux release 9.3 (Blue Onyx)`);
//! 5. `etc/debian_version` (`12.4` is Debian 12, `bookworm/sid` is unstable).
//!
//! The release files also fill what os-release leaves out: Debian testing and
//! unstable have no `VERSION_ID` in os-release, `debian_version` then says
//! which one it is; an Alpine os-release without `VERSION_ID` takes
//! alpine-release's.

use super::FileSet;
use crate::sbom::model::Distro;

/// os-release locations, best first.
const OS_RELEASE: [&str; 2] = ["etc/os-release", "usr/lib/os-release"];
/// Red Hat-style one-line release files, best first.
const REDHAT_RELEASE: [&str; 6] = [
    "etc/redhat-release",
    "etc/centos-release",
    "etc/rocky-release",
    "etc/almalinux-release",
    "etc/fedora-release",
    "etc/system-release",
];

/// Paths the walker keeps for distribution detection.
pub fn wants(path: &str) -> bool {
    OS_RELEASE.contains(&path)
        || REDHAT_RELEASE.contains(&path)
        || matches!(
            path,
            "etc/lsb-release" | "etc/alpine-release" | "etc/debian_version"
        )
}

/// Detect the distribution from the kept release files.
pub fn detect(files: &FileSet) -> Option<Distro> {
    let text = |path: &str| files.get(path).map(|f| f.text().into_owned());
    let mut distro = os_release_text(files)
        .and_then(|t| parse_os_release(&t))
        .or_else(|| text("etc/lsb-release").and_then(|t| parse_lsb_release(&t)))
        .or_else(|| text("etc/alpine-release").and_then(|t| parse_alpine_release(&t)))
        .or_else(|| {
            REDHAT_RELEASE
                .iter()
                .find_map(|p| text(p).and_then(|t| parse_redhat_release(&t)))
        })
        .or_else(|| text("etc/debian_version").and_then(|t| parse_debian_version(&t)))?;

    // Fill a missing version from the distribution's own release file.
    if distro.version_id.is_empty() {
        let fallback = match distro.id.as_str() {
            "debian" => text("etc/debian_version").and_then(|t| parse_debian_version(&t)),
            "alpine" => text("etc/alpine-release").and_then(|t| parse_alpine_release(&t)),
            _ => None,
        };
        if let Some(f) = fallback {
            distro.version_id = f.version_id;
        }
    }
    Some(distro)
}

/// The os-release text visible in the image: `etc/os-release` when it is a
/// regular file, else where its symlink leads, else `usr/lib/os-release`.
fn os_release_text(files: &FileSet) -> Option<String> {
    for path in OS_RELEASE {
        if let Some(f) = files.get(path) {
            return Some(f.text().into_owned());
        }
        if let Some(target) = resolve_symlink(files, path) {
            if let Some(f) = files.get(&target) {
                return Some(f.text().into_owned());
            }
        }
    }
    None
}

/// Follow symlinks from `path` inside the image (at most 8 hops): `None`
/// when `path` is not a symlink or the chain does not end.
pub(super) fn resolve_symlink(files: &FileSet, path: &str) -> Option<String> {
    let mut current = path.to_string();
    let mut followed = false;
    for _ in 0..8 {
        let Some(target) = files.symlink(&current) else {
            return followed.then_some(current);
        };
        let base = if target.starts_with('/') {
            ""
        } else {
            current.rsplit_once('/').map_or("", |(dir, _)| dir)
        };
        current = join_normalized(base, target);
        followed = true;
    }
    None
}

/// `base/rel` with `.` and `..` resolved, never above the root, no leading `/`.
fn join_normalized(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in base.split('/').chain(rel.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// Parse os-release text (`KEY=value` lines, shell-style quoting, `#` comments).
/// `None` when it has no `ID` nor `NAME`.
pub fn parse_os_release(text: &str) -> Option<Distro> {
    let mut d = Distro::default();
    let mut name = None;
    for (key, value) in shell_assignments(text) {
        match key.as_str() {
            "ID" => d.id = value.to_ascii_lowercase(),
            "VERSION_ID" => d.version_id = value,
            "VERSION_CODENAME" if !value.is_empty() => d.version_codename = Some(value),
            "PRETTY_NAME" if !value.is_empty() => d.pretty_name = Some(value),
            "ID_LIKE" => {
                d.id_like = value
                    .split_whitespace()
                    .map(|s| s.to_ascii_lowercase())
                    .collect()
            }
            "NAME" => name = Some(value),
            _ => {}
        }
    }
    if d.id.is_empty() {
        // os-release(5): ID defaults to "linux"; a NAME alone still tells us something.
        d.id = name
            .as_deref()
            .map(|n| {
                n.split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase()
            })
            .filter(|n| !n.is_empty())?;
    }
    if d.pretty_name.is_none() {
        d.pretty_name = name;
    }
    Some(d)
}

/// Parse `etc/lsb-release` (`DISTRIB_ID=Ubuntu`, `DISTRIB_RELEASE=22.04`, ...).
pub fn parse_lsb_release(text: &str) -> Option<Distro> {
    let mut d = Distro::default();
    for (key, value) in shell_assignments(text) {
        match key.as_str() {
            "DISTRIB_ID" => d.id = value.to_ascii_lowercase(),
            "DISTRIB_RELEASE" => d.version_id = value,
            "DISTRIB_CODENAME" if !value.is_empty() => d.version_codename = Some(value),
            "DISTRIB_DESCRIPTION" if !value.is_empty() => d.pretty_name = Some(value),
            _ => {}
        }
    }
    (!d.id.is_empty()).then_some(d)
}

/// Parse `etc/alpine-release` (`3.19.1`).
pub fn parse_alpine_release(text: &str) -> Option<Distro> {
    let version = text.lines().next()?.trim();
    if version.is_empty() {
        return None;
    }
    let major_minor: Vec<&str> = version.split('.').take(2).collect();
    Some(Distro {
        id: "alpine".into(),
        version_id: version.to_string(),
        pretty_name: Some(format!("Alpine Linux v{}", major_minor.join("."))),
        ..Default::default()
    })
}

/// Parse a Red Hat-style release line: `Rocky Linux release 9.3 (Blue Onyx)`,
/// `CentOS Linux release 7.9.2009 (Core)`, `Red Hat Enterprise Linux release 8.9 (Ootpa)`.
pub fn parse_redhat_release(text: &str) -> Option<Distro> {
    let line = text.lines().next()?.trim();
    let (name, rest) = line.split_once(" release ")?;
    let mut rest = rest.trim();
    let mut codename = None;
    if let Some(open) = rest.find('(') {
        codename = rest[open + 1..]
            .split(')')
            .next()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        rest = rest[..open].trim();
    }
    let version = rest.split_whitespace().next().unwrap_or("").to_string();
    let lower = name.to_ascii_lowercase();
    let id = [
        ("red hat enterprise linux", "rhel"),
        ("centos", "centos"),
        ("rocky", "rocky"),
        ("almalinux", "almalinux"),
        ("fedora", "fedora"),
        ("oracle linux", "ol"),
        ("amazon linux", "amzn"),
        ("scientific linux", "scientific"),
    ]
    .iter()
    .find(|(prefix, _)| lower.starts_with(prefix))
    .map(|(_, id)| id.to_string())
    .unwrap_or_else(|| {
        lower
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string()
    });
    if id.is_empty() {
        return None;
    }
    Some(Distro {
        id,
        version_id: version,
        version_codename: codename,
        pretty_name: Some(line.to_string()),
        id_like: Vec::new(),
    })
}

/// Parse `etc/debian_version`: `12.4` → Debian 12; `bookworm/sid` (testing or
/// unstable) → Debian `unstable`.
pub fn parse_debian_version(text: &str) -> Option<Distro> {
    let v = text.lines().next()?.trim();
    if v.is_empty() {
        return None;
    }
    let first = v.split('.').next().unwrap_or("");
    let version_id = if !first.is_empty() && first.bytes().all(|b| b.is_ascii_digit()) {
        first.to_string()
    } else {
        "unstable".to_string()
    };
    Some(Distro {
        id: "debian".into(),
        version_id,
        ..Default::default()
    })
}

/// `KEY=value` assignments of a shell-style environment file. Values may be
/// unquoted, `"double quoted"` (backslash escapes `\"`, `\\`, `` \` ``, `\$`)
/// or `'single quoted'`. Lines that are empty, comments or not assignments are
/// skipped.
fn shell_assignments(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        out.push((key.to_string(), unquote(raw.trim())));
    }
    out
}

/// The value of a shell word (one word; an unterminated quote runs to the end).
fn unquote(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.peek() {
                            Some(&n @ ('"' | '\\' | '`' | '$')) => {
                                out.push(n);
                                chars.next();
                            }
                            _ => out.push('\\'),
                        },
                        c => out.push(c),
                    }
                }
            }
            '\'' => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    out.push(c);
                }
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            // An unquoted `#` after whitespace starts a comment; whitespace ends the word.
            c if c.is_whitespace() => break,
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::sbom::catalog::CapturedFile;

    fn fileset(files: &[(&str, &str)], links: &[(&str, &str)]) -> FileSet {
        FileSet::new(
            files
                .iter()
                .map(|(p, c)| CapturedFile {
                    path: p.to_string(),
                    layer_index: 0,
                    mode: 0o644,
                    content: c.as_bytes().to_vec(),
                })
                .collect(),
            links
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect::<HashMap<_, _>>(),
        )
    }

    const DEBIAN_12: &str = r#"PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
"#;

    const UBUNTU_2204: &str = r#"PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
UBUNTU_CODENAME=jammy
"#;

    const ROCKY_9: &str = r#"NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
ANSI_COLOR="0;32"
"#;

    #[test]
    fn debian_os_release() {
        let d = parse_os_release(DEBIAN_12).unwrap();
        assert_eq!(d.id, "debian");
        assert_eq!(d.version_id, "12");
        assert_eq!(d.version_codename.as_deref(), Some("bookworm"));
        assert_eq!(
            d.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert!(d.id_like.is_empty());
    }

    #[test]
    fn ubuntu_and_rocky_os_release() {
        let u = parse_os_release(UBUNTU_2204).unwrap();
        assert_eq!((u.id.as_str(), u.version_id.as_str()), ("ubuntu", "22.04"));
        assert_eq!(u.id_like, vec!["debian"]);
        assert_eq!(u.osv_ecosystem().unwrap(), "Ubuntu:22.04:LTS");
        let r = parse_os_release(ROCKY_9).unwrap();
        assert_eq!((r.id.as_str(), r.version_id.as_str()), ("rocky", "9.3"));
        assert_eq!(r.id_like, vec!["rhel", "centos", "fedora"]);
    }

    #[test]
    fn os_release_quoting_escapes_and_comments() {
        let text = "# a comment\n\
                    \n\
                    ID='alpine'\n\
                    NAME=\"Al \\\"pine\\\" \\$HOME \\\\ x\"\n\
                    VERSION_ID=3.19.1 # trailing comment\n\
                    PRETTY_NAME=\"unterminated\n\
                    not an assignment\n\
                    =novalue\n";
        let d = parse_os_release(text).unwrap();
        assert_eq!(d.id, "alpine");
        assert_eq!(d.version_id, "3.19.1");
        assert_eq!(d.pretty_name.as_deref(), Some("unterminated"));
        // NAME is kept when PRETTY_NAME is missing only; check the unquoting directly.
        assert_eq!(
            unquote(r#""Al \"pine\" \$HOME \\ x""#),
            r#"Al "pine" $HOME \ x"#
        );
        assert_eq!(unquote(r#"a\ b"#), "a b");
        assert_eq!(unquote(r#""a\nb""#), r"a\nb");
    }

    #[test]
    fn os_release_without_id_uses_name() {
        let d = parse_os_release("NAME=\"Foo Linux\"\nVERSION_ID=1\n").unwrap();
        assert_eq!(d.id, "foo");
        assert_eq!(d.pretty_name.as_deref(), Some("Foo Linux"));
        assert!(parse_os_release("# nothing\n").is_none());
    }

    #[test]
    fn release_files() {
        let r = parse_redhat_release("Rocky Linux release 9.3 (Blue Onyx)\n").unwrap();
        assert_eq!(r.id, "rocky");
        assert_eq!(r.version_id, "9.3");
        assert_eq!(r.version_codename.as_deref(), Some("Blue Onyx"));
        let c = parse_redhat_release("CentOS Linux release 7.9.2009 (Core)").unwrap();
        assert_eq!(
            (c.id.as_str(), c.version_id.as_str()),
            ("centos", "7.9.2009")
        );
        let rh = parse_redhat_release("Red Hat Enterprise Linux release 8.9 (Ootpa)").unwrap();
        assert_eq!((rh.id.as_str(), rh.version_id.as_str()), ("rhel", "8.9"));
        let f = parse_redhat_release("Fedora release 39 (Thirty Nine)").unwrap();
        assert_eq!((f.id.as_str(), f.version_id.as_str()), ("fedora", "39"));
        assert!(parse_redhat_release("garbage").is_none());

        let a = parse_alpine_release("3.19.1\n").unwrap();
        assert_eq!((a.id.as_str(), a.version_id.as_str()), ("alpine", "3.19.1"));
        assert_eq!(a.osv_ecosystem().unwrap(), "Alpine:v3.19");

        assert_eq!(parse_debian_version("12.4\n").unwrap().version_id, "12");
        assert_eq!(parse_debian_version("11.9").unwrap().version_id, "11");
        assert_eq!(
            parse_debian_version("bookworm/sid\n").unwrap().version_id,
            "unstable"
        );
        assert!(parse_debian_version("\n").is_none());

        let l = parse_lsb_release(
            "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=20.04\nDISTRIB_CODENAME=focal\nDISTRIB_DESCRIPTION=\"Ubuntu 20.04.6 LTS\"\n",
        )
        .unwrap();
        assert_eq!((l.id.as_str(), l.version_id.as_str()), ("ubuntu", "20.04"));
        assert_eq!(l.pretty_name.as_deref(), Some("Ubuntu 20.04.6 LTS"));
    }

    #[test]
    fn wanted_paths() {
        for p in [
            "etc/os-release",
            "usr/lib/os-release",
            "etc/alpine-release",
            "etc/debian_version",
            "etc/redhat-release",
            "etc/centos-release",
            "etc/lsb-release",
        ] {
            assert!(wants(p), "{p}");
        }
        assert!(!wants("etc/os-release.bak"));
        assert!(!wants("usr/share/os-release"));
    }

    #[test]
    fn detect_prefers_etc_os_release_regular_file() {
        let fs = fileset(
            &[
                ("etc/os-release", DEBIAN_12),
                ("usr/lib/os-release", UBUNTU_2204),
            ],
            &[],
        );
        assert_eq!(detect(&fs).unwrap().id, "debian");
    }

    #[test]
    fn detect_follows_etc_os_release_symlink() {
        // The usual layout: etc/os-release -> ../usr/lib/os-release.
        let fs = fileset(
            &[
                ("usr/lib/os-release", UBUNTU_2204),
                ("etc/debian_version", "bookworm/sid\n"),
            ],
            &[("etc/os-release", "../usr/lib/os-release")],
        );
        assert_eq!(detect(&fs).unwrap().id, "ubuntu");
        // Absolute target, through a second link.
        let fs = fileset(
            &[("usr/lib/os-release.d/real", ROCKY_9)],
            &[
                ("etc/os-release", "/usr/lib/os-release"),
                ("usr/lib/os-release", "os-release.d/real"),
            ],
        );
        assert_eq!(detect(&fs).unwrap().id, "rocky");
        // A dangling link falls through to usr/lib/os-release... which is the
        // link itself here, so to the release files.
        let fs = fileset(
            &[("etc/alpine-release", "3.18.4\n")],
            &[("etc/os-release", "../usr/lib/os-release")],
        );
        assert_eq!(detect(&fs).unwrap().version_id, "3.18.4");
        // A symlink loop does not hang.
        let fs = fileset(&[], &[("etc/os-release", "os-release")]);
        assert!(detect(&fs).is_none());
    }

    #[test]
    fn detect_fills_missing_version_from_release_files() {
        // Debian testing: os-release without VERSION_ID.
        let testing = "PRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\nNAME=\"Debian GNU/Linux\"\nVERSION_CODENAME=trixie\nID=debian\n";
        let fs = fileset(
            &[
                ("etc/os-release", testing),
                ("etc/debian_version", "trixie/sid\n"),
            ],
            &[],
        );
        let d = detect(&fs).unwrap();
        assert_eq!(d.version_id, "unstable");
        assert_eq!(d.version_codename.as_deref(), Some("trixie"));
        // No os-release at all.
        let fs = fileset(&[("etc/debian_version", "12.4\n")], &[]);
        let d = detect(&fs).unwrap();
        assert_eq!((d.id.as_str(), d.version_id.as_str()), ("debian", "12"));
        assert_eq!(d.osv_ecosystem().unwrap(), "Debian:12");
        let fs = fileset(&[("etc/centos-release", "CentOS Stream release 9\n")], &[]);
        let d = detect(&fs).unwrap();
        assert_eq!((d.id.as_str(), d.version_id.as_str()), ("centos", "9"));
        assert!(detect(&fileset(&[], &[])).is_none());
    }

    #[test]
    fn no_panic_on_garbage() {
        let inputs: [&[u8]; 6] = [
            b"",
            b"\xff\xfe\x00=\"\\",
            b"ID=\"\\",
            b"ID='",
            b" release (",
            b"=\n==\n\"\n",
        ];
        for input in inputs {
            let t = String::from_utf8_lossy(input);
            let _ = parse_os_release(&t);
            let _ = parse_lsb_release(&t);
            let _ = parse_alpine_release(&t);
            let _ = parse_redhat_release(&t);
            let _ = parse_debian_version(&t);
        }
    }
}
