//! Differential tests: our ordering against each ecosystem's own tool.
//!
//! Every test generates a few thousand version pairs from
//! ecosystem-typical building blocks with a fixed-seed xorshift generator,
//! asks the native tool to parse and order them (batched: one process for
//! all pairs wherever the tool allows it), and fails listing the first 20
//! disagreements.  Validity must agree too: where the tool rejects a
//! version, so must we.
//!
//! A tool that is not installed makes its test print `SKIPPED: <tool> not
//! installed` to stderr and pass.  On Debian 12 everything but apk-tools 3
//! (not packaged there) and .NET can be installed with:
//!
//! ```text
//! apt-get install -y --no-install-recommends dpkg rpm python3-rpm ruby \
//!     php-cli php-composer-semver golang-go maven   # maven: JRE + maven-artifact jar
//! pip install packaging                              # or python3-packaging
//! mkdir -p /tmp/sc-node-semver && (cd /tmp/sc-node-semver && npm install semver)
//! export SC_NODE_SEMVER_DIR=/tmp/sc-node-semver
//! ```
//!
//! Where each tool is looked for:
//!
//! | test | tool | how it is found |
//! |---|---|---|
//! | `dpkg` | `dpkg --compare-versions` | `PATH` |
//! | `apk` | `apk version -t` (apk-tools 3.x) | `$SC_APK_BIN`, else `PATH` |
//! | `rpm` | Python `rpm` bindings (`rpm.labelCompare`, `rpm.ver`) on EVR strings | `python3` on `PATH` or `/usr/bin/python3` |
//! | `pep440` | Python `packaging.version` | `python3` on `PATH` or `/usr/bin/python3` |
//! | `npm` | node + the `semver` package | `$SC_NODE_SEMVER_DIR/node_modules/semver` |
//! | `go` | `golang.org/x/mod/semver`, as vendored in `$(go env GOROOT)/src/cmd/vendor` | `go` on `PATH` |
//! | `maven` | `ComparableVersion` main | `$SC_MAVEN_ARTIFACT_JAR`, else `/usr/share/maven/lib/maven-artifact*.jar` |
//! | `rubygems` | `Gem::Version` | `ruby` on `PATH` |
//! | `packagist` | composer/semver `VersionParser` + PHP `version_compare` | `php` on `PATH`; `$SC_COMPOSER_SEMVER_AUTOLOAD`, else `/usr/share/php/Composer/Semver/autoload.php` |
//! | `cargo` | the `semver` crate (dev-dependency), in process | always |
//!
//! No test touches the network.

use std::cmp::Ordering;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sc_version::{compare, Ecosystem};

// ---- deterministic generator ---------------------------------------------

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// xorshift64*
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `pct` percent.
    fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// A small number, sometimes with leading zeros, sometimes large.
    fn num(&mut self) -> String {
        match self.below(20) {
            0 => format!("0{}", self.below(10)),
            1 => format!("{}", 10 + self.below(990)),
            2 => format!("{}", self.next() % 100_000_000_000),
            3 => "0".into(),
            _ => format!("{}", self.below(12)),
        }
    }

    /// A small number without leading zeros.
    fn plain(&mut self) -> String {
        match self.below(10) {
            0 => format!("{}", 10 + self.below(90)),
            _ => format!("{}", self.below(10)),
        }
    }
}

/// Mutates `v` slightly, so that pairs are often close or equal.
fn mutate(rng: &mut Rng, v: &str, tails: &[&str]) -> String {
    let chars: Vec<char> = v.chars().collect();
    match rng.below(7) {
        0 | 1 => {
            // Bump or lower one digit run.
            let runs: Vec<(usize, usize)> = {
                let mut r = Vec::new();
                let mut i = 0;
                while i < chars.len() {
                    if chars[i].is_ascii_digit() {
                        let s = i;
                        while i < chars.len() && chars[i].is_ascii_digit() {
                            i += 1;
                        }
                        r.push((s, i));
                    } else {
                        i += 1;
                    }
                }
                r
            };
            if runs.is_empty() {
                return format!("{v}{}", rng.pick(tails));
            }
            let (s, e) = runs[rng.below(runs.len())];
            let n: u64 = chars[s..e].iter().collect::<String>().parse().unwrap_or(0);
            let m = if n > 0 && rng.chance(50) {
                n - 1
            } else {
                n + 1
            };
            let mut out: String = chars[..s].iter().collect();
            out.push_str(&m.to_string());
            out.extend(&chars[e..]);
            out
        }
        2 | 3 => format!("{v}{}", rng.pick(tails)),
        4 => {
            // Truncate after a separator-ish position.
            if chars.len() < 2 {
                return v.to_string();
            }
            let cut = 1 + rng.below(chars.len() - 1);
            chars[..cut].iter().collect()
        }
        5 => {
            // Toggle the case of one letter, or pad a number with a zero.
            let mut out = chars.clone();
            let letters: Vec<usize> = (0..out.len())
                .filter(|&i| out[i].is_ascii_alphabetic())
                .collect();
            if letters.is_empty() {
                let digits: Vec<usize> = (0..out.len())
                    .filter(|&i| out[i].is_ascii_digit())
                    .collect();
                if let Some(&i) = digits.get(rng.below(digits.len().max(1))) {
                    out.insert(i, '0');
                }
            } else {
                let i = letters[rng.below(letters.len())];
                out[i] = if out[i].is_ascii_lowercase() {
                    out[i].to_ascii_uppercase()
                } else {
                    out[i].to_ascii_lowercase()
                };
            }
            out.into_iter().collect()
        }
        _ => v.to_string(),
    }
}

/// `n` pairs built from generated piece lists (a version is the
/// concatenation of its pieces): fresh/fresh, piece-level edits (drop,
/// replace or insert one piece, so pairs share most of their structure),
/// string-level mutations, splices (a prefix of one version with the tail of
/// another), an earlier version, and identical pairs; then every pair of
/// `corners`.
fn pairs(
    seed: u64,
    n: usize,
    tails: &[&str],
    corners: &[&str],
    mut gen: impl FnMut(&mut Rng) -> Vec<String>,
) -> Vec<(String, String)> {
    let mut rng = Rng::new(seed);
    let mut pool: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let pa = gen(&mut rng);
        let a = pa.concat();
        let b = match rng.below(14) {
            0 | 1 => gen(&mut rng).concat(),
            2..=5 => {
                let mut pb = pa.clone();
                for _ in 0..1 + rng.below(2) {
                    let fresh = gen(&mut rng);
                    let piece = fresh[rng.below(fresh.len())].clone();
                    let i = rng.below(pb.len() + 1);
                    match rng.below(3) {
                        0 if i < pb.len() && pb.len() > 1 => {
                            pb.remove(i);
                        }
                        1 if i < pb.len() => pb[i] = piece,
                        _ => pb.insert(i, piece),
                    }
                }
                pb.concat()
            }
            6..=8 => mutate(&mut rng, &a, tails),
            9 => {
                let pc = gen(&mut rng);
                let i = rng.below(pa.len() + 1);
                let j = rng.below(pc.len() + 1);
                pa[..i]
                    .iter()
                    .chain(&pc[j..])
                    .cloned()
                    .collect::<Vec<_>>()
                    .concat()
            }
            10 | 11 if !pool.is_empty() => pool[rng.below(pool.len())].clone(),
            _ => a.clone(),
        };
        if a.contains(['\n', '\t']) || b.contains(['\n', '\t']) || b.is_empty() || a.is_empty() {
            continue;
        }
        pool.push(a.clone());
        out.push(if rng.chance(50) { (a, b) } else { (b, a) });
    }
    for a in corners {
        for b in corners {
            out.push((a.to_string(), b.to_string()));
        }
    }
    out
}

// ---- running tools --------------------------------------------------------

fn runs(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn skip(tool: &str) {
    eprintln!("SKIPPED: {tool} not installed");
}

/// Runs `cmd` with `input` on stdin; returns stdout, panicking on failure.
fn batch(cmd: &mut Command, input: &str) -> String {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning {cmd:?}: {e}"));
    let mut stdin = child.stdin.take().expect("stdin");
    let data = input.to_owned();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(data.as_bytes());
    });
    let out = child.wait_with_output().expect("waiting for tool");
    writer.join().expect("writer thread");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("tool output is UTF-8")
}

fn tsv(pairs: &[(String, String)]) -> String {
    let mut s = String::new();
    for (a, b) in pairs {
        s.push_str(a);
        s.push('\t');
        s.push_str(b);
        s.push('\n');
    }
    s
}

fn ord_from_int(s: &str) -> Ordering {
    let v: i64 = s
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("not an integer: {s:?}"));
    v.cmp(&0)
}

fn ord_from_op(s: &str) -> Ordering {
    match s.trim() {
        "<" => Ordering::Less,
        "=" | "==" => Ordering::Equal,
        ">" => Ordering::Greater,
        other => panic!("unexpected comparison output {other:?}"),
    }
}

/// What the native tool said about one pair.
#[derive(Debug, PartialEq)]
enum Native {
    /// Both valid, with their order.
    Order(Ordering),
    /// At least one invalid (with per-side validity when known).
    Invalid(Option<(bool, bool)>),
}

/// Collects disagreements; panics with the first 20 if there are any.
struct Report {
    tool: &'static str,
    compared: usize,
    /// Native verdicts seen: less, equal, greater, invalid.
    seen: [usize; 4],
    bad: Vec<String>,
}

impl Report {
    fn new(tool: &'static str) -> Report {
        Report {
            tool,
            compared: 0,
            seen: [0; 4],
            bad: Vec::new(),
        }
    }

    fn tally(&mut self, native: &Native) {
        self.compared += 1;
        let i = match native {
            Native::Order(Ordering::Less) => 0,
            Native::Order(Ordering::Equal) => 1,
            Native::Order(Ordering::Greater) => 2,
            Native::Invalid(_) => 3,
        };
        self.seen[i] += 1;
    }

    fn check_pair(&mut self, eco: Ecosystem, a: &str, b: &str, native: &Native) {
        self.tally(native);
        let ours = compare(eco, a, b);
        let agree = match (&ours, native) {
            (Ok(o), Native::Order(n)) => o == n,
            (Err(_), Native::Invalid(None)) => true,
            (Err(_), Native::Invalid(Some((va, vb)))) => {
                sc_version::parse(eco, a).is_ok() == *va && sc_version::parse(eco, b).is_ok() == *vb
            }
            _ => false,
        };
        if !agree {
            self.bad.push(format!(
                "{a:?} vs {b:?}: ours {ours:?}, {} {native:?}",
                self.tool
            ));
        }
    }

    fn check_text(&mut self, what: &str, input: &str, ours: &str, native: &str) {
        if ours != native {
            self.bad.push(format!(
                "{what} of {input:?}: ours {ours:?}, {} {native:?}",
                self.tool
            ));
        }
    }

    fn finish(self) {
        let agreed = self.compared - self.bad.len().min(self.compared);
        let [lt, eq, gt, inv] = self.seen;
        eprintln!(
            "{}: {} pairs compared, {} agreed ({} disagreements); native verdicts: {lt} <, {eq} =, {gt} >, {inv} invalid",
            self.tool,
            self.compared,
            agreed,
            self.bad.len()
        );
        if !self.bad.is_empty() {
            panic!(
                "{} disagreements with {} (first 20):\n{}",
                self.bad.len(),
                self.tool,
                self.bad
                    .iter()
                    .take(20)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}

fn python_with(module: &str) -> Option<String> {
    ["python3", "/usr/bin/python3"]
        .into_iter()
        .find(|py| runs(py, &["-c", &format!("import {module}")]))
        .map(str::to_owned)
}

// ---- dpkg -----------------------------------------------------------------

/// Corner cases: every pair of them is compared, and the generator
/// mixes them in.
const DPKG_CORNERS: &[&str] = &[
    "1.0", "1.0~", "1.0~~", "1.0~a", "1.0+", "1.0a", "1.0.", "1.0-0", "1.00", "01.0", "1.0-1~",
    "1:0", "0:1.0", "1.0é", "1.0-a~",
];

fn gen_dpkg(rng: &mut Rng) -> Vec<String> {
    let mut p: Vec<String> = Vec::new();
    if rng.chance(10) {
        return vec![rng.pick(DPKG_CORNERS).into()];
    }
    if rng.chance(15) {
        p.push(format!("{}:", rng.below(4)));
    }
    if rng.chance(40) {
        p.push(rng.pick(&["1.0", "1.2.3", "2", "0.9"]).into());
    } else {
        p.push(rng.num());
    }
    for _ in 0..rng.below(4) {
        p.push(match rng.below(13) {
            0..=2 => format!(".{}", rng.num()),
            3 => format!(
                "~{}{}",
                rng.pick(&["rc", "beta", "alpha", "", "pre"]),
                rng.plain()
            ),
            4 => "~".into(),
            5 => format!(
                "+{}",
                rng.pick(&["dfsg", "ds", "git20240101", "really1.2", "b1", ""])
            ),
            6 => rng.pick(&["a", "b", "z", "A", "Z", "p1", "h"]).into(),
            7 => format!(".{}", rng.pick(&["a", "b1", "0", "00", "x"])),
            8 => format!("+{}", rng.num()),
            9 => format!(":{}", rng.plain()),
            10 => format!("-{}", rng.plain()),
            11 => rng.pick(&["é", "ü1", "_", "%"]).into(),
            _ => rng.pick(&["", "~~", "+~", ".~", "~+"]).into(),
        });
    }
    if rng.chance(65) {
        p.push(format!("-{}", rng.num()));
        for _ in 0..rng.below(3) {
            p.push(
                rng.pick(&[
                    "ubuntu1",
                    "ubuntu0.22.04.1",
                    "+deb12u1",
                    "+deb11u2",
                    "~bpo11+1",
                    "build1",
                    ".1",
                    "~",
                    "+b1",
                    "~rc1",
                    "a",
                    "+",
                    ".",
                    "~~",
                    "fakesync1",
                    "",
                ])
                .into(),
            );
        }
    }
    p
}

#[test]
fn dpkg() {
    if !runs("dpkg", &["--version"]) {
        return skip("dpkg");
    }
    let tails = [
        "~rc1",
        "+dfsg",
        "-1",
        "-0",
        ".0",
        "a",
        "~",
        "+b1",
        "-1ubuntu1",
        "1",
    ];
    let mut pairs = pairs(0xD9C6, 2000, &tails, DPKG_CORNERS, gen_dpkg);
    // The dpkg command line would take a leading '-' for an option.
    pairs.retain(|(a, b)| !a.starts_with('-') && !b.starts_with('-'));
    // dpkg exits 0 (true), 1 (false) or 2 (bad syntax); it has no batch mode,
    // so one shell loop runs it for every pair.
    let script = r#"
while IFS="$(printf '\t')" read -r a b; do
  dpkg --compare-versions "$a" lt "$b" 2>/dev/null; r=$?
  if [ $r -eq 0 ]; then echo "<"
  elif [ $r -eq 1 ]; then
    if dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo "="; else echo ">"; fi
  else echo "E"; fi
done
"#;
    let out = batch(Command::new("sh").args(["-c", script]), &tsv(&pairs));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), pairs.len());
    let mut rep = Report::new("dpkg");
    for ((a, b), line) in pairs.iter().zip(lines) {
        let native = if line == "E" {
            Native::Invalid(None)
        } else {
            Native::Order(ord_from_op(line))
        };
        rep.check_pair(Ecosystem::Debian, a, b, &native);
    }
    rep.finish();
}

// ---- apk --------------------------------------------------------------------

/// Corner cases: every pair of them is compared, and the generator
/// mixes them in.
const APK_CORNERS: &[&str] = &[
    "1.01",
    "1.1",
    "1.010",
    "1.001",
    "1.0",
    "1.00",
    "1.0_rc",
    "1.0_rc0",
    "1.0-r0",
    "1.0_p",
    "1.0a",
    "1.0~0",
    "1.0_alpha_rc",
    "1.0_pre1-r1",
    "01.0",
];

fn gen_apk(rng: &mut Rng) -> Vec<String> {
    let mut p: Vec<String> = Vec::new();
    if rng.chance(10) {
        return vec![rng.pick(APK_CORNERS).into()];
    }
    if rng.chance(50) {
        p.push(rng.pick(&["1", "1.0", "1.2.3", "2.0", "0"]).into());
    } else {
        p.push(rng.num());
        for _ in 0..rng.below(4) {
            p.push(format!(".{}", rng.num()));
        }
    }
    if rng.chance(12) {
        p.push(rng.pick(&["a", "b", "c", "z", "p"]).into());
    }
    for _ in 0..rng.below(3) {
        let s = rng.pick(&["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"]);
        p.push(format!("_{s}"));
        if rng.chance(60) {
            p.push(rng.num());
        }
    }
    if rng.chance(10) {
        let n = 1 + rng.below(8);
        p.push(format!(
            "~{}",
            (0..n)
                .map(|_| b"0123456789abcdef"[rng.below(16)] as char)
                .collect::<String>()
        ));
    }
    if rng.chance(70) {
        p.push(format!("-r{}", rng.num()));
    }
    if rng.chance(5) {
        // Occasionally invalid.
        let junk = rng.pick(&[
            "_foo", ".", "-", "A", "_", "~", "-r", "x1", "_rc1.2", "~xyz",
        ]);
        let at = rng.below(p.len() + 1);
        p.insert(at, junk.into());
    }
    p
}

#[test]
fn apk() {
    let bin = std::env::var("SC_APK_BIN").unwrap_or_else(|_| "apk".into());
    let Ok(out) = Command::new(&bin).arg("--version").output() else {
        return skip("apk (apk-tools)");
    };
    let ver = String::from_utf8_lossy(&out.stdout);
    if !ver.contains("apk-tools 3") {
        eprintln!(
            "SKIPPED: apk-tools 3.x not installed (found {:?}); this crate follows apk-tools 3",
            ver.trim()
        );
        return;
    }
    let tails = [
        "_rc1",
        "_p1",
        "-r0",
        "-r1",
        "a",
        ".0",
        "_git20240101",
        "~abc",
        "_alpha",
        "_foo",
    ];
    let pairs = pairs(0xA9C, 2000, &tails, APK_CORNERS, gen_apk);
    let mut rep = Report::new("apk");
    for (a, b) in &pairs {
        let out = Command::new(&bin)
            .args(["version", "-t", a, b])
            .output()
            .expect("running apk");
        let text = String::from_utf8_lossy(&out.stdout);
        // `apk version -t` refuses invalid versions (exit status 1).
        let native = if out.status.success() {
            Native::Order(ord_from_op(&text))
        } else {
            Native::Invalid(None)
        };
        rep.tally(&native);
        let va = sc_version::apk::Version::new(a);
        let vb = sc_version::apk::Version::new(b);
        let ours = if va.is_valid() && vb.is_valid() {
            Native::Order(va.cmp(&vb))
        } else {
            Native::Invalid(None)
        };
        if ours != native {
            rep.bad
                .push(format!("{a:?} vs {b:?}: ours {ours:?}, apk {native:?}"));
        }
    }
    rep.finish();
}

// ---- rpm --------------------------------------------------------------------

/// Corner cases: every pair of them is compared, and the generator
/// mixes them in.
const RPM_CORNERS: &[&str] = &[
    "1.0", "1.0~", "1.0^", "1.0~rc1^", "1.0^~", "1.0.", "1_0", "1.0-", "1.0-0", ":1.0", "0:1.0",
    "1.0a", "1.a", "1.0^1", "1.0~1",
];

fn gen_rpm(rng: &mut Rng) -> Vec<String> {
    let mut p: Vec<String> = Vec::new();
    if rng.chance(10) {
        return vec![rng.pick(RPM_CORNERS).into()];
    }
    if rng.chance(20) {
        p.push(rng.pick(&["0:", "1:", "2:", "10:", "01:", ":"]).into());
    }
    if rng.chance(40) {
        p.push(rng.pick(&["1.0", "1.2.3", "2", "0.9"]).into());
    } else {
        p.push(rng.num());
    }
    for _ in 0..rng.below(5) {
        p.push(match rng.below(12) {
            0..=3 => format!(".{}", rng.num()),
            4 => format!("~{}", rng.pick(&["rc1", "beta", "", "pre2", "~"])),
            5 => format!("^{}", rng.pick(&["git1", "20240101", "", "post"])),
            6 => rng
                .pick(&["a", "b", "rc", "git", "FC", "fc", "p", "Z"])
                .into(),
            7 => format!("_{}", rng.num()),
            8 => format!("+{}", rng.pick(&["git", "1", "", "b"])),
            9 => rng.num(),
            10 => rng
                .pick(&["..", "._", "+", "~~", "^^", "^~", "~^", "é"])
                .into(),
            _ => format!(".{}", rng.pick(&["a", "beta", "0", "00", "rc1"])),
        });
    }
    if rng.chance(70) {
        p.push(format!("-{}", rng.num()));
        p.push(
            rng.pick(&[
                ".el9", ".el9_2", ".el8", ".fc38", "", ".1", "_1", "~rc1", "^git", ".mga9", ".ph5",
                ".oe2203", "-1",
            ])
            .into(),
        );
    }
    p
}

#[test]
fn rpm() {
    let Some(py) = python_with("rpm") else {
        return skip("rpm (python3-rpm)");
    };
    let tails = [
        "~rc1", "^git1", "-1", ".el9", "a", ".0", "-1.el9_2", "_1", "~", "^",
    ];
    let pairs = pairs(0x2E3, 3000, &tails, RPM_CORNERS, gen_rpm);
    let script = r#"
import sys, rpm
lines = sys.stdin.buffer.read().decode("utf-8").split("\n")[:-1]
out = []
for line in lines:
    a, b = line.split("\t")
    # EVR strings go through rpm's own parseEVR (rpmverParse).
    r = rpm.labelCompare(a, b)
    va = rpm.ver(a)
    show = lambda x: "-" if x is None else "=" + x
    out.append("%d\t%s\t%s\t%s" % (r, show(va.e), va.v, show(va.r)))
sys.stdout.write("\n".join(out) + "\n")
"#;
    let out = batch(Command::new(&py).args(["-c", script]), &tsv(&pairs));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), pairs.len());
    let mut rep = Report::new("rpm");
    for ((a, b), line) in pairs.iter().zip(lines) {
        let f: Vec<&str> = line.split('\t').collect();
        rep.check_pair(Ecosystem::Rpm, a, b, &Native::Order(ord_from_int(f[0])));
        // rpm's own EVR split of the first version.
        if let Ok(v) = sc_version::rpm::parse(a) {
            let show = |x: Option<&str>| x.map_or("-".to_string(), |s| format!("={s}"));
            let ours = format!(
                "{}\t{}\t{}",
                show(v.epoch()),
                v.version(),
                show(v.release())
            );
            rep.check_text("EVR split", a, &ours, &f[1..].join("\t"));
        }
    }
    rep.finish();
}

// ---- PEP 440 ------------------------------------------------------------------

/// Corner cases: every pair of them is compared, and the generator
/// mixes them in.
const PEP440_CORNERS: &[&str] = &[
    "1.0",
    "1.0a0",
    "1.0a",
    "1.0.dev0",
    "1.0.dev1",
    "1.0a0.dev1",
    "1.0rc1.dev0",
    "1.0.post0.dev0",
    "1.0+l",
    "1.0.post0",
    "1.0b0.dev0",
    "1.0-0",
    "1.0.dev",
    "1!1.0",
    "1.0+0",
];

fn gen_pep440(rng: &mut Rng) -> Vec<String> {
    let mut p: Vec<String> = Vec::new();
    if rng.chance(10) {
        return vec![rng.pick(PEP440_CORNERS).into()];
    }
    if rng.chance(3) {
        p.push(" ".into());
    }
    if rng.chance(6) {
        p.push(rng.pick(&["v", "V"]).into());
    }
    if rng.chance(8) {
        p.push(format!("{}!", rng.num()));
    }
    if rng.chance(50) {
        p.push(rng.pick(&["1", "1.0", "1.0.0", "2.0", "1.1"]).into());
    } else {
        p.push(rng.num());
        for _ in 0..rng.below(4) {
            p.push(format!(".{}", rng.num()));
        }
    }
    let sep = |rng: &mut Rng| -> String {
        if rng.chance(60) {
            String::new()
        } else {
            rng.pick(&[".", "-", "_"]).into()
        }
    };
    let case = |rng: &mut Rng, s: &str| -> String {
        if rng.chance(15) {
            s.to_ascii_uppercase()
        } else {
            s.to_string()
        }
    };
    let num = |rng: &mut Rng| {
        if rng.chance(80) {
            rng.num()
        } else {
            String::new()
        }
    };
    if rng.chance(30) {
        let l = rng.pick(&["a", "alpha", "b", "beta", "c", "rc", "pre", "preview"]);
        p.push(format!(
            "{}{}{}{}",
            sep(rng),
            case(rng, l),
            sep(rng),
            num(rng)
        ));
    }
    if rng.chance(25) {
        if rng.chance(30) {
            p.push(format!("-{}", rng.num()));
        } else {
            let l = rng.pick(&["post", "rev", "r"]);
            p.push(format!(
                "{}{}{}{}",
                sep(rng),
                case(rng, l),
                sep(rng),
                num(rng)
            ));
        }
    }
    if rng.chance(20) {
        p.push(format!(
            "{}{}{}{}",
            sep(rng),
            case(rng, "dev"),
            sep(rng),
            num(rng)
        ));
    }
    if rng.chance(15) {
        p.push("+".into());
        for i in 0..1 + rng.below(3) {
            if i > 0 {
                p.push(rng.pick(&[".", "-", "_"]).into());
            }
            p.push(match rng.below(3) {
                0 => rng.num(),
                1 => rng
                    .pick(&["ubuntu", "abc", "Local", "cpu", "cu118", "g1a2b3c"])
                    .to_string(),
                _ => rng.plain(),
            });
        }
    }
    if rng.chance(5) {
        p.push(
            rng.pick(&["-", ".", "+", "foo", "a1a", " x", "..1", "_"])
                .into(),
        );
    }
    if rng.chance(3) {
        p.push(rng.pick(&[" ", "\u{a0}", "\u{1c}", "\u{3000}"]).into());
    }
    p
}

#[test]
fn pep440() {
    let Some(py) = python_with("packaging.version") else {
        return skip("python3 packaging");
    };
    let tails = [
        "a1", ".post1", ".dev0", "rc1", "+local.1", "-1", ".0", "b", "-dev", ".post",
    ];
    let pairs = pairs(0x9E9440, 3000, &tails, PEP440_CORNERS, gen_pep440);
    let script = r#"
import sys
from packaging.version import Version, InvalidVersion
def p(s):
    try:
        return Version(s)
    except InvalidVersion:
        return None
lines = sys.stdin.buffer.read().decode("utf-8").split("\n")[:-1]
out = []
for line in lines:
    a, b = line.split("\t")
    va, vb = p(a), p(b)
    if va is None or vb is None:
        out.append("E\t%d\t%d" % (va is not None, vb is not None))
    else:
        out.append("%d\t%s\t%s" % ((va > vb) - (va < vb), va, vb))
sys.stdout.write("\n".join(out) + "\n")
"#;
    let out = batch(Command::new(&py).args(["-c", script]), &tsv(&pairs));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), pairs.len());
    let mut rep = Report::new("packaging.version");
    for ((a, b), line) in pairs.iter().zip(lines) {
        let f: Vec<&str> = line.split('\t').collect();
        if f[0] == "E" {
            rep.check_pair(
                Ecosystem::PyPI,
                a,
                b,
                &Native::Invalid(Some((f[1] == "1", f[2] == "1"))),
            );
            continue;
        }
        rep.check_pair(Ecosystem::PyPI, a, b, &Native::Order(ord_from_int(f[0])));
        for (input, native) in [(a, f[1]), (b, f[2])] {
            if let Ok(v) = sc_version::pep440::parse(input) {
                rep.check_text("normal form", input, &v.to_string(), native);
            }
        }
    }
    rep.finish();
}

// ---- npm (node-semver) ---------------------------------------------------------

/// Corner cases: every pair of them is compared, and the generator
/// mixes them in.
const NPM_CORNERS: &[&str] = &[
    "1.0.0",
    "1.0.0-0",
    "1.0.0-1",
    "1.0.0-11",
    "1.0.0-a",
    "1.0.0-a.1",
    "1.0.0-a.b",
    "1.0.0--",
    "1.0.0-A",
    "1.0.0-01",
    "1.0.0-1.0",
    "v1.0.0",
    "=1.0.0",
    "1.0.0+b",
    "1.0.0-9007199254740992",
];

fn gen_npm(rng: &mut Rng) -> Vec<String> {
    let mut p: Vec<String> = Vec::new();
    if rng.chance(10) {
        return vec![rng.pick(NPM_CORNERS).into()];
    }
    if rng.chance(12) {
        p.push(rng.pick(&["v", "=", "v=", "=v", " ", "v ", "vv"]).into());
    }
    let n = |rng: &mut Rng| {
        if rng.chance(5) {
            rng.num()
        } else {
            rng.plain()
        }
    };
    if rng.chance(40) {
        p.push(rng.pick(&["1.0.0", "1.2.3", "0.0.0", "2.0.0"]).into());
    } else {
        p.push(n(rng));
        p.push(format!(".{}", n(rng)));
        p.push(format!(".{}", n(rng)));
    }
    if rng.chance(45) {
        p.push(if rng.chance(85) { "-" } else { "" }.into());
        for i in 0..1 + rng.below(3) {
            let sep = if i > 0 { "." } else { "" };
            p.push(format!(
                "{sep}{}",
                match rng.below(6) {
                    0 | 1 => rng
                        .pick(&[
                            "alpha", "beta", "rc", "next", "canary", "x-y", "-", "Alpha", "0a",
                            "pre-1"
                        ])
                        .to_string(),
                    2 => rng.plain(),
                    3 => rng.num(),
                    4 => format!("{}{}", rng.pick(&["beta", "rc", "a"]), rng.plain()),
                    _ => rng
                        .pick(&[
                            "9007199254740991",
                            "9007199254740992",
                            "99999999999999999999",
                            "0"
                        ])
                        .to_string(),
                }
            ));
        }
    }
    if rng.chance(15) {
        p.push(format!(
            "+{}",
            rng.pick(&["build.1", "sha.abc", "001", "x-y", "20240101"])
        ));
    }
    if rng.chance(4) {
        p.push(rng.pick(&[".4", "+", "-", "..", " ", "_x", ".a"]).into());
    }
    p
}

#[test]
fn npm() {
    let Ok(dir) = std::env::var("SC_NODE_SEMVER_DIR") else {
        return skip("node semver package (set SC_NODE_SEMVER_DIR)");
    };
    let module = Path::new(&dir).join("node_modules").join("semver");
    if !module.join("package.json").exists() || !runs("node", &["--version"]) {
        return skip("node semver package");
    }
    let tails = [
        "-alpha", "-beta.1", "+build", "-0", ".1", "beta", "-rc.1", "-1", "-a.b", "-",
    ];
    let pairs = pairs(0x5E7, 3000, &tails, NPM_CORNERS, gen_npm);
    let script = r#"
const { SemVer } = require(process.env.SC_SEMVER_MODULE);
const lines = require("fs").readFileSync(0, "utf8").split("\n");
lines.pop();
const p = (s) => { try { return new SemVer(s, { loose: true }); } catch (e) { return null; } };
const out = [];
for (const line of lines) {
  const [a, b] = line.split("\t");
  const va = p(a), vb = p(b);
  if (!va || !vb) out.push(`E\t${va ? 1 : 0}\t${vb ? 1 : 0}`);
  else out.push(`${va.compare(vb)}\t${va.version}\t${vb.version}`);
}
process.stdout.write(out.join("\n") + "\n");
"#;
    let out = batch(
        Command::new("node")
            .args(["-e", script])
            .env("SC_SEMVER_MODULE", &module),
        &tsv(&pairs),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), pairs.len());
    let mut rep = Report::new("node-semver");
    for ((a, b), line) in pairs.iter().zip(lines) {
        let f: Vec<&str> = line.split('\t').collect();
        if f[0] == "E" {
            rep.check_pair(
                Ecosystem::Npm,
                a,
                b,
                &Native::Invalid(Some((f[1] == "1", f[2] == "1"))),
            );
            continue;
        }
        rep.check_pair(Ecosystem::Npm, a, b, &Native::Order(ord_from_int(f[0])));
        for (input, native) in [(a, f[1]), (b, f[2])] {
            if let Ok(v) = sc_version::semver::parse(input) {
                rep.check_text("format()", input, &v.to_string(), native);
            }
        }
    }
    rep.finish();
}

// ---- Go -------------------------------------------------------------------------

/// Corner cases: every pair of them is compared, and the generator
/// mixes them in.
const GO_CORNERS: &[&str] = &[
    "v1.0.0",
    "v1.0.0-0",
    "v1.0.0-1",
    "v1.0.0-11",
    "v1.0.0-2",
    "v1.0.0-a",
    "v1.0.0-1.2",
    "v1.0.0-a.b",
    "v1",
    "v1.0",
    "v1.0.0+incompatible",
    "v1.0.0-A",
    "v1.0.0--",
    "v1.0.0-0.1",
    "v10.0.0",
];

fn gen_go(rng: &mut Rng) -> Vec<String> {
    let mut p: Vec<String> = Vec::new();
    if rng.chance(10) {
        return vec![rng.pick(GO_CORNERS).into()];
    }
    if rng.chance(50) {
        p.push("v".into());
    }
    let n = |rng: &mut Rng| {
        if rng.chance(4) {
            rng.num()
        } else {
            rng.plain()
        }
    };
    match rng.below(20) {
        0 => p.push(n(rng)),
        1 => p.push(format!("{}.{}", n(rng), n(rng))),
        2..=9 => p.push(rng.pick(&["1.0.0", "1.2.3", "0.0.0", "2.0.0"]).into()),
        _ => p.push(format!("{}.{}.{}", n(rng), n(rng), n(rng))),
    }
    if rng.chance(45) {
        for i in 0..1 + rng.below(2) {
            p.push(format!(
                "{}{}",
                if i == 0 { "-" } else { "." },
                rng.pick(&[
                    "alpha",
                    "beta.1",
                    "rc.2",
                    "0",
                    "pre",
                    "0.20191109021931-daa7c04131f5",
                    "20191109021931-daa7c04131f5",
                    "0.20200101000000-000000000000",
                    "pre.0.20191109021931-daa7c04131f5",
                    "20230101120000-abcdefabcdef",
                    "1",
                    "11",
                    "01",
                    "a..b",
                    "",
                    "x-y",
                    "Alpha",
                ])
            ));
        }
    }
    if rng.chance(12) {
        p.push(format!(
            "+{}",
            rng.pick(&["incompatible", "meta.1", "", "01"])
        ));
    }
    p
}

#[test]
fn go() {
    if !runs("go", &["version"]) {
        return skip("go");
    }
    let goroot = Command::new("go")
        .args(["env", "GOROOT"])
        .output()
        .expect("go env");
    let goroot = PathBuf::from(String::from_utf8_lossy(&goroot.stdout).trim());
    let src = goroot.join("src/cmd/vendor/golang.org/x/mod/semver/semver.go");
    let Ok(semver_go) = std::fs::read_to_string(&src) else {
        return skip("golang.org/x/mod/semver (in GOROOT/src/cmd/vendor)");
    };
    let dir = std::env::temp_dir().join(format!("sc-version-go-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("semver")).expect("temp dir");
    std::fs::write(dir.join("semver/semver.go"), semver_go).expect("write semver.go");
    std::fs::write(dir.join("go.mod"), "module scvercheck\n\ngo 1.19\n").expect("go.mod");
    std::fs::write(
        dir.join("main.go"),
        r#"package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"scvercheck/semver"
)

func v(s string) string {
	if strings.HasPrefix(s, "v") {
		return s
	}
	return "v" + s
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for sc.Scan() {
		parts := strings.Split(sc.Text(), "\t")
		a, b := v(parts[0]), v(parts[1])
		fmt.Fprintf(w, "%d\t%t\t%t\t%s\t%s\n", semver.Compare(a, b), semver.IsValid(a), semver.IsValid(b), semver.Canonical(a), semver.Canonical(b))
	}
}
"#,
    )
    .expect("main.go");
    let bin = dir.join("check");
    let mut build = Command::new("go");
    build
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(&dir)
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOWORK", "off")
        .env("GO111MODULE", "on");
    if std::env::var_os("HOME").is_none() {
        // go needs somewhere for its build cache and GOPATH.
        build
            .env("GOCACHE", dir.join("cache"))
            .env("GOPATH", dir.join("gopath"));
    }
    let built = build.status().expect("go build");
    assert!(built.success(), "building the Go harness failed");

    let tails = [
        "-alpha",
        "-0.20191109021931-daa7c04131f5",
        "+incompatible",
        "-rc.1",
        ".1",
        "-1",
        "-01",
        "+meta",
    ];
    let pairs = pairs(0x60, 3000, &tails, GO_CORNERS, gen_go);
    let out = batch(&mut Command::new(&bin), &tsv(&pairs));
    let _ = std::fs::remove_dir_all(&dir);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), pairs.len());
    let mut rep = Report::new("x/mod/semver");
    for ((a, b), line) in pairs.iter().zip(lines) {
        let f: Vec<&str> = line.split('\t').collect();
        let (va, vb) = (f[1] == "true", f[2] == "true");
        if !va || !vb {
            rep.check_pair(Ecosystem::Go, a, b, &Native::Invalid(Some((va, vb))));
            continue;
        }
        rep.check_pair(Ecosystem::Go, a, b, &Native::Order(ord_from_int(f[0])));
        for (input, native) in [(a, f[3]), (b, f[4])] {
            if let Ok(v) = sc_version::golang::parse(input) {
                rep.check_text("Canonical", input, &v.to_string(), native);
            }
        }
    }
    rep.finish();
}

// ---- Maven ----------------------------------------------------------------------

/// Corner cases: every pair of them is compared, and the generator
/// mixes them in.
const MAVEN_CORNERS: &[&str] = &[
    "1",
    "1.0",
    "1-0",
    "1.0-0",
    "1-ga",
    "1-final",
    "1-a1",
    "1-alpha-1",
    "1.0.RC1",
    "1.0-rc1",
    "1-sp",
    "1-1",
    "1.1",
    "1-snapshot",
    "1-xyz",
];

fn gen_maven(rng: &mut Rng) -> Vec<String> {
    let mut p: Vec<String> = Vec::new();
    if rng.chance(10) {
        return vec![rng.pick(MAVEN_CORNERS).into()];
    }
    if rng.chance(40) {
        p.push(rng.pick(&["1", "1.0", "1.0.0", "2.0", "1.2.3"]).into());
    } else {
        p.push(rng.num());
    }
    for _ in 0..rng.below(6) {
        let sep = rng.pick(&[".", ".", "-", "-", ""]);
        p.push(format!(
            "{sep}{}",
            match rng.below(10) {
                0..=3 => rng.num(),
                4..=6 => rng
                    .pick(&[
                        "alpha",
                        "a",
                        "beta",
                        "b",
                        "milestone",
                        "m",
                        "rc",
                        "cr",
                        "RC",
                        "snapshot",
                        "SNAPSHOT",
                        "ga",
                        "GA",
                        "final",
                        "Final",
                        "release",
                        "RELEASE",
                        "sp",
                        "SP",
                        "foo",
                        "xyz",
                        "jre",
                        "android",
                        "M",
                    ])
                    .to_string(),
                7 => format!(
                    "{}{}",
                    rng.pick(&["a", "b", "m", "rc", "cr", "sp", "beta", "alpha", "x"]),
                    rng.plain()
                ),
                8 => rng
                    .pick(&[
                        "0",
                        "00",
                        "0000000000",
                        "1234567890",
                        "9999999999999999999",
                        ""
                    ])
                    .to_string(),
                _ => rng.pick(&[".", "-", "..", "-.", ".-"]).to_string(),
            }
        ));
    }
    p
}

fn maven_jar() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("SC_MAVEN_ARTIFACT_JAR") {
        let p = PathBuf::from(p);
        return p.exists().then_some(p);
    }
    for dir in ["/usr/share/maven/lib", "/usr/share/java"] {
        let Ok(rd) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut found: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                (name.starts_with("maven-artifact") || name.starts_with("maven3-artifact"))
                    && name.ends_with(".jar")
            })
            .collect();
        found.sort();
        if let Some(p) = found.pop() {
            return Some(p);
        }
    }
    None
}

#[test]
fn maven() {
    let Some(jar) = maven_jar() else {
        return skip("maven-artifact jar (Debian package libmaven3-core-java / maven)");
    };
    if !runs("java", &["-version"]) {
        return skip("java");
    }
    let tails = [
        "-SNAPSHOT",
        ".0",
        "-1",
        "-rc1",
        ".RC1",
        "-sp",
        "-ga",
        "a1",
        "-alpha-1",
        ".Final",
    ];
    let pairs = pairs(0x3A7E4, 3000, &tails, MAVEN_CORNERS, gen_maven);
    let mut rep = Report::new("ComparableVersion");
    // ComparableVersion's main prints every argument's canonical form and
    // compares each argument with the previous one; pairs are adjacent.
    for chunk in pairs.chunks(500) {
        let mut cmd = Command::new("java");
        cmd.arg("-cp")
            .arg(&jar)
            .arg("org.apache.maven.artifact.versioning.ComparableVersion");
        for (a, b) in chunk {
            cmd.arg(a).arg(b);
        }
        let out = batch(&mut cmd, "");
        let mut canon = Vec::new();
        let mut cmps = Vec::new();
        for line in out.lines() {
            if let Some(rest) = line.strip_prefix("   ") {
                let op = rest.split(' ').nth(1).unwrap_or("?").to_string();
                cmps.push(op);
            } else if let Some((_, rest)) = line.split_once(". ") {
                if let Some((_, c)) = rest.split_once(" -> ") {
                    canon.push(c.split("; tokens: ").next().unwrap_or("").to_string());
                }
            }
        }
        assert_eq!(
            canon.len(),
            chunk.len() * 2,
            "unexpected ComparableVersion output"
        );
        for (i, (a, b)) in chunk.iter().enumerate() {
            rep.check_pair(
                Ecosystem::Maven,
                a,
                b,
                &Native::Order(ord_from_op(&cmps[2 * i])),
            );
            for (j, input) in [a, b].into_iter().enumerate() {
                let ours = sc_version::maven::parse(input)
                    .map(|v| v.canonical())
                    .unwrap_or_default();
                rep.check_text("canonical form", input, &ours, &canon[2 * i + j]);
            }
        }
    }
    rep.finish();
}

// ---- RubyGems ---------------------------------------------------------------------

/// Corner cases: every pair of them is compared, and the generator
/// mixes them in.
const RUBYGEMS_CORNERS: &[&str] = &[
    "1",
    "1.0",
    "1.0.a",
    "1.a",
    "1.a.0",
    "1.0-1",
    "1.0.pre.1",
    "1.0.0.1",
    "1.0.b",
    "1.A",
    "1.0.a1",
    "1.0.a.1",
    "0",
    "1.01",
    "1--",
];

fn gen_rubygems(rng: &mut Rng) -> Vec<String> {
    let mut p: Vec<String> = Vec::new();
    if rng.chance(10) {
        return vec![rng.pick(RUBYGEMS_CORNERS).into()];
    }
    if rng.chance(4) {
        p.push(rng.pick(&[" ", "\t "]).into());
    }
    if rng.chance(40) {
        p.push(rng.pick(&["1", "1.0", "1.0.0", "2.0", "1.2.3"]).into());
    } else {
        p.push(rng.num());
    }
    for _ in 0..rng.below(5) {
        p.push(format!(
            ".{}",
            match rng.below(8) {
                0..=3 => rng.num(),
                4 => rng
                    .pick(&["a", "b", "pre", "rc", "beta", "alpha", "A", "Z"])
                    .to_string(),
                5 => format!("{}{}", rng.pick(&["rc", "pre", "beta", "a"]), rng.plain()),
                6 => format!("{}{}", rng.plain(), rng.pick(&["a", "b", "rc1"])),
                _ => "0".into(),
            }
        ));
    }
    if rng.chance(15) {
        p.push(format!(
            "-{}",
            rng.pick(&["1", "rc1", "beta.2", "a-b", "pre", "0", "-"])
        ));
    }
    if rng.chance(4) {
        p.push(
            rng.pick(&["..", "-", "_1", "+1", ".", " 1", " ", "\n"])
                .into(),
        );
    }
    p
}

#[test]
fn rubygems() {
    if !runs("ruby", &["-e", "require 'rubygems'; Gem::Version"]) {
        return skip("ruby");
    }
    let tails = [".a", ".pre", "-1", ".0", ".rc1", "b", ".1", "-rc.1"];
    let pairs = pairs(0x6E35, 3000, &tails, RUBYGEMS_CORNERS, gen_rubygems);
    let script = r#"
data = STDIN.read.force_encoding("UTF-8")
out = []
data.split("\n", -1)[0...-1].each do |line|
  a, b = line.split("\t", -1)
  ca, cb = Gem::Version.correct?(a), Gem::Version.correct?(b)
  if !ca || !cb
    out << "E\t#{ca ? 1 : 0}\t#{cb ? 1 : 0}"
  else
    va, vb = Gem::Version.new(a), Gem::Version.new(b)
    out << [va <=> vb, va.canonical_segments.join("."), vb.canonical_segments.join("."),
            va.prerelease? ? 1 : 0].join("\t")
  end
end
STDOUT.write(out.join("\n") + "\n")
"#;
    let out = batch(Command::new("ruby").args(["-e", script]), &tsv(&pairs));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), pairs.len());
    let mut rep = Report::new("Gem::Version");
    for ((a, b), line) in pairs.iter().zip(lines) {
        let f: Vec<&str> = line.split('\t').collect();
        if f[0] == "E" {
            rep.check_pair(
                Ecosystem::RubyGems,
                a,
                b,
                &Native::Invalid(Some((f[1] == "1", f[2] == "1"))),
            );
            continue;
        }
        rep.check_pair(
            Ecosystem::RubyGems,
            a,
            b,
            &Native::Order(ord_from_int(f[0])),
        );
        for (input, native) in [(a, f[1]), (b, f[2])] {
            if let Ok(v) = sc_version::rubygems::parse(input) {
                rep.check_text("canonical segments", input, &v.canonical(), native);
            }
        }
        if let Ok(v) = sc_version::rubygems::parse(a) {
            let native = if f[3] == "1" { "true" } else { "false" };
            rep.check_text("prerelease?", a, &v.is_prerelease().to_string(), native);
        }
    }
    rep.finish();
}

// ---- Packagist --------------------------------------------------------------------

/// Corner cases: every pair of them is compared, and the generator
/// mixes them in.
const PACKAGIST_CORNERS: &[&str] = &[
    "1.0.0",
    "1.0",
    "1.0.0-dev",
    "1.0.0-alpha",
    "1.0.0-a1",
    "1.0.0-beta2-dev",
    "1.0.0-RC1",
    "1.0.0-p1",
    "1.0.0-stable",
    "1.0.0.0",
    "1.0.0-patch",
    "1.0.x-dev",
    "dev-master",
    "v1.0.0",
    "1.0.0-pl",
];

fn gen_packagist(rng: &mut Rng) -> Vec<String> {
    let mut p: Vec<String> = Vec::new();
    if rng.chance(10) {
        return vec![rng.pick(PACKAGIST_CORNERS).into()];
    }
    match rng.below(25) {
        0 => {
            return vec![rng
                .pick(&[
                    "dev-master",
                    "dev-main",
                    "master",
                    "trunk",
                    "dev-feature/x",
                    "DEV-Foo",
                ])
                .into()]
        }
        1 => {
            return vec![
                rng.plain(),
                rng.pick(&[".x-dev", ".*-dev", ".X.dev", ".2.x-dev", ".x"])
                    .into(),
            ]
        }
        2 => {
            return vec![rng
                .pick(&[
                    "20230115",
                    "2023.01.15",
                    "20230115.1430",
                    "2023-01-15-1430",
                    "20230115-beta",
                    "2023.01",
                ])
                .into()]
        }
        _ => {}
    }
    if rng.chance(15) {
        p.push(rng.pick(&["v", "V"]).into());
    }
    if rng.chance(40) {
        p.push(rng.pick(&["1", "1.0", "1.0.0", "2.0", "1.2.3"]).into());
    } else {
        p.push(rng.num());
        for _ in 0..rng.below(4) {
            p.push(format!(".{}", rng.num()));
        }
    }
    if rng.chance(45) {
        let sep = rng.pick(&["-", ".", "_", "", "-"]);
        let st = rng.pick(&[
            "dev", "alpha", "a", "beta", "b", "RC", "rc", "p", "pl", "patch", "stable", "Beta",
            "ALPHA", "foo",
        ]);
        p.push(format!("{sep}{st}"));
        if rng.chance(60) {
            let sep = rng.pick(&["", ".", "-"]);
            p.push(format!("{sep}{}", rng.plain()));
            if rng.chance(20) {
                p.push(format!(".{}", rng.plain()));
            }
        }
        if rng.chance(15) {
            p.push(rng.pick(&["-dev", ".dev", "dev"]).into());
        }
    }
    if rng.chance(8) {
        p.push(
            rng.pick(&[
                "+build.1",
                "+20230101",
                "@dev",
                "@stable",
                "@beta",
                " as 1.0.0",
                "+",
            ])
            .into(),
        );
    }
    p
}

#[test]
fn packagist() {
    let autoload = std::env::var("SC_COMPOSER_SEMVER_AUTOLOAD")
        .unwrap_or_else(|_| "/usr/share/php/Composer/Semver/autoload.php".into());
    if !Path::new(&autoload).exists() || !runs("php", &["--version"]) {
        return skip("php + composer/semver (php-cli, php-composer-semver)");
    }
    // Which composer/semver is it?  3.4 accepts this date-like version, 3.3
    // (Debian 12's php-composer-semver) does not; the crate follows 3.4 and
    // can reproduce 3.3 (`normalize_composer_3_3`), so either is checked
    // exactly.
    let probe = batch(
        Command::new("php")
            .args([
                "-d",
                "display_errors=stderr",
                "-r",
                r#"require getenv("SC_COMPOSER_AUTOLOAD");
                   try { (new Composer\Semver\VersionParser())->normalize("2023.01.01.01.01.01.001.001"); echo "3.4"; }
                   catch (\Exception $e) { echo "3.3"; }"#,
            ])
            .env("SC_COMPOSER_AUTOLOAD", &autoload),
        "",
    );
    let v33 = probe.trim() == "3.3";
    eprintln!("composer/semver dialect: {}", probe.trim());
    let tails = [
        "-dev", "-beta1", "-RC2", ".0", "-p1", "-alpha", "@dev", "+meta", "-stable", "x",
    ];
    let pairs = pairs(0xC0FF, 3000, &tails, PACKAGIST_CORNERS, gen_packagist);
    let script = r#"
require getenv("SC_COMPOSER_AUTOLOAD");
$p = new Composer\Semver\VersionParser();
$lines = explode("\n", stream_get_contents(STDIN));
array_pop($lines);
foreach ($lines as $line) {
    [$a, $b] = explode("\t", $line);
    $na = null; $nb = null;
    try { $na = $p->normalize($a); } catch (\Exception $e) {}
    try { $nb = $p->normalize($b); } catch (\Exception $e) {}
    if ($na === null || $nb === null) {
        echo "E\t", $na === null ? 0 : 1, "\t", $nb === null ? 0 : 1, "\n";
        continue;
    }
    echo version_compare($na, $nb), "\t", $na, "\t", $nb, "\n";
}
"#;
    let out = batch(
        Command::new("php")
            .args(["-d", "display_errors=stderr", "-r", script])
            .env("SC_COMPOSER_AUTOLOAD", &autoload),
        &tsv(&pairs),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), pairs.len());
    let mut rep = Report::new("composer/semver");
    let ours_norm = |s: &str| {
        if v33 {
            sc_version::packagist::normalize_composer_3_3(s)
        } else {
            sc_version::packagist::normalize(s)
        }
    };
    for ((a, b), line) in pairs.iter().zip(lines) {
        let f: Vec<&str> = line.split('\t').collect();
        let native = if f[0] == "E" {
            Native::Invalid(Some((f[1] == "1", f[2] == "1")))
        } else {
            Native::Order(ord_from_int(f[0]))
        };
        rep.tally(&native);
        let (na, nb) = (ours_norm(a), ours_norm(b));
        let ours = match (&na, &nb) {
            (Ok(x), Ok(y)) => Native::Order(sc_version::packagist::version_compare(x, y)),
            _ => Native::Invalid(Some((na.is_ok(), nb.is_ok()))),
        };
        let branch = |n: &Result<String, _>| n.as_ref().is_ok_and(|n| n.starts_with("dev-"));
        // Branches are deliberately not ordered by version_compare (see the
        // packagist module); only their normalization is compared.
        let order_matters = !(branch(&na) || branch(&nb));
        if (order_matters || matches!(native, Native::Invalid(_))) && ours != native {
            rep.bad.push(format!(
                "{a:?} vs {b:?}: ours {ours:?}, composer/semver {native:?}"
            ));
        }
        if let (Ok(x), Ok(y), Native::Order(_)) = (&na, &nb, &native) {
            rep.check_text("normalize", a, x, f[1]);
            rep.check_text("normalize", b, y, f[2]);
        }
    }
    rep.finish();
}

// ---- crates.io (the semver crate) ----------------------------------------------

/// Corner cases: every pair of them is compared, and the generator
/// mixes them in.
const CARGO_CORNERS: &[&str] = &[
    "1.0.0",
    "1.0.0-0",
    "1.0.0-1",
    "1.0.0-11",
    "1.0.0-a",
    "1.0.0-a.1",
    "1.0.0-a.b",
    "1.0.0--",
    "1.0.0-A",
    "1.0.0-01",
    "1.0.0+01",
    "1.0.0+a",
    "01.0.0",
    "1.0.0-a-b",
    "1.0.0-99999999999999999999",
];

fn gen_cargo(rng: &mut Rng) -> Vec<String> {
    let mut p: Vec<String> = Vec::new();
    if rng.chance(10) {
        return vec![rng.pick(CARGO_CORNERS).into()];
    }
    if rng.chance(3) {
        p.push(rng.pick(&["v", "=", " "]).into());
    }
    let n = |rng: &mut Rng| {
        if rng.chance(4) {
            rng.num()
        } else {
            rng.plain()
        }
    };
    if rng.chance(40) {
        p.push(rng.pick(&["1.0.0", "1.2.3", "0.0.0", "2.0.0"]).into());
    } else {
        p.push(format!("{}.{}.{}", n(rng), n(rng), n(rng)));
    }
    if rng.chance(40) {
        for i in 0..1 + rng.below(3) {
            p.push(format!(
                "{}{}",
                if i == 0 { "-" } else { "." },
                match rng.below(5) {
                    0 | 1 => rng
                        .pick(&["alpha", "beta", "rc", "x-y", "-", "Alpha", "0a", "pre-1", ""])
                        .to_string(),
                    2 => rng.plain(),
                    3 => rng.num(),
                    _ => rng
                        .pick(&["99999999999999999999999", "18446744073709551616", "0"])
                        .to_string(),
                }
            ));
        }
    }
    if rng.chance(15) {
        p.push(format!(
            "+{}",
            rng.pick(&["build.1", "sha.abc", "001", "x-y", "", "a..b"])
        ));
    }
    if rng.chance(3) {
        p.push(rng.pick(&[".4", " ", "_x", "18446744073709551616"]).into());
    }
    p
}

#[test]
fn cargo() {
    let tails = [
        "-alpha", "-beta.1", "+build", "-0", ".1", "-rc.1", "-01", "+01",
    ];
    let pairs = pairs(0xCA560, 3000, &tails, CARGO_CORNERS, gen_cargo);
    let mut rep = Report::new("semver crate");
    for (a, b) in &pairs {
        let native = match (semver::Version::parse(a), semver::Version::parse(b)) {
            (Ok(x), Ok(y)) => Native::Order(x.cmp_precedence(&y)),
            (x, y) => Native::Invalid(Some((x.is_ok(), y.is_ok()))),
        };
        rep.check_pair(Ecosystem::CratesIo, a, b, &native);
    }
    rep.finish();
}

// ---- NuGet ------------------------------------------------------------------------

#[test]
fn nuget() {
    // NuGet.Versioning needs .NET and the package from nuget.org, neither of
    // which this project's machines provide; the nuget module is covered by
    // its unit tests only.
    skip("NuGet.Versioning (.NET)");
}
