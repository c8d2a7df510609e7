//! Benchmark of the vulnerability database (not a timed test):
//!
//! 1. synthesizes a realistic OSV corpus (default 500,000 records) from the
//!    real seed records in `vuln-db/seed/records`, varying ids, aliases,
//!    package names, versions and prose, and zips it the way osv.dev ships
//!    `all.zip` (one deflated `.json` per record);
//! 2. builds the database from the zip with `sc::vulndb::import`;
//! 3. in a fresh child process (so peak RSS covers only this), opens the
//!    database and matches a 1,000-package inventory, then prints wall time,
//!    peak RSS (`VmHWM`) and the database size against the zip's.
//!
//! `cargo bench --bench vulndb` (or `scripts/bench-vulndb.sh`) runs it in
//! full; `SC_BENCH_RECORDS=N` changes the corpus size. Under `cargo test`
//! (no `--bench` argument) it runs a 5,000-record smoke version.
//! Targets: open + match under 250 ms and 150 MB RSS; database smaller than the zip.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use sc::vulndb::{Database, OsvRecord, PackageQuery};

const PHASE_ENV: &str = "SC_BENCH_MEASURE_DIR";

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn seed_records() -> Vec<OsvRecord> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("vuln-db/seed/records")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                let r = OsvRecord::from_json(&std::fs::read(&p).unwrap()).unwrap();
                if !r.affected.is_empty() && !r.is_withdrawn() {
                    out.push(r);
                }
            }
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

const WORDS: &[&str] = &[
    "attacker",
    "remote",
    "crafted",
    "request",
    "header",
    "buffer",
    "overflow",
    "allows",
    "denial",
    "service",
    "memory",
    "corruption",
    "authentication",
    "bypass",
    "injection",
    "template",
    "parser",
    "function",
    "input",
    "validation",
    "improper",
    "sensitive",
    "information",
    "exposure",
    "redirect",
    "prototype",
    "pollution",
    "regular",
    "expression",
    "excessive",
    "resource",
    "consumption",
    "path",
    "traversal",
    "arbitrary",
    "code",
    "execution",
    "certificate",
    "verification",
    "session",
    "cookie",
    "token",
    "leak",
    "integer",
    "heap",
    "stack",
    "use-after-free",
    "null",
    "pointer",
    "dereference",
    "race",
    "condition",
    "privilege",
    "escalation",
    "configuration",
    "default",
    "unsafe",
    "deserialization",
    "cross-site",
    "scripting",
    "forgery",
    "encoding",
    "decompression",
    "archive",
    "symlink",
    "timing",
];

fn prose(rng: &mut Rng, words: usize) -> String {
    let mut s = String::with_capacity(words * 9);
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
        if rng.below(40) == 0 {
            s.push_str(&format!(
                " {}.{}.{}",
                rng.below(10),
                rng.below(30),
                rng.below(20)
            ));
        }
    }
    s
}

/// Rewrites every version of a range event by adding `bump` to its first number.
fn bump_version(v: &str, bump: u64) -> String {
    if v == "0" || v.contains('*') {
        return v.to_string();
    }
    let digits = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    if digits == 0 {
        return v.to_string();
    }
    let n: u64 = v[..digits].parse().unwrap_or(0);
    format!("{}{}", n + bump, &v[digits..])
}

fn synthesize(n: usize, packages_per_eco: u64) -> Vec<(String, Vec<u8>)> {
    let seeds = seed_records();
    let mut rng = Rng(0x5eed_cafe_f00d_beef);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let t = &seeds[i % seeds.len()];
        let mut r = t.clone();
        let prefix = t.id.split('-').next().unwrap();
        r.id = format!("{prefix}-SYN-{i:07}");
        let cve = format!("CVE-{}-{}", 2000 + (i % 25), 10_000 + i);
        r.aliases = vec![cve.clone()];
        r.upstream.clear();
        if prefix == "DEBIAN" {
            r.upstream = vec![cve];
            r.aliases.clear();
        }
        r.modified = format!(
            "20{:02}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            15 + rng.below(10),
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60)
        );
        r.summary = Some(format!(
            "{} in {}",
            prose(&mut rng, 6),
            t.affected[0].package.name
        ));
        let words = 40 + rng.below(80) as usize;
        r.details = Some(prose(&mut rng, words));
        r.references = (0..1 + rng.below(5))
            .map(|k| sc::vulndb::osv::Reference {
                kind: if k == 0 {
                    "ADVISORY".into()
                } else {
                    "WEB".into()
                },
                url: format!(
                    "https://example.org/advisories/{}/{}",
                    r.id,
                    rng.next() % 1_000_000
                ),
            })
            .collect();
        let pkg = rng.below(packages_per_eco);
        let bump = rng.below(3);
        for a in &mut r.affected {
            a.package.name = format!("{}-{pkg}", a.package.name);
            for range in &mut a.ranges {
                if range.kind == sc::vulndb::osv::RangeType::Git {
                    continue;
                }
                for e in &mut range.events {
                    *e = match e {
                        sc::vulndb::osv::Event::Introduced(v) => {
                            sc::vulndb::osv::Event::Introduced(bump_version(v, bump))
                        }
                        sc::vulndb::osv::Event::Fixed(v) => {
                            sc::vulndb::osv::Event::Fixed(bump_version(v, bump))
                        }
                        sc::vulndb::osv::Event::LastAffected(v) => {
                            sc::vulndb::osv::Event::LastAffected(bump_version(v, bump))
                        }
                        sc::vulndb::osv::Event::Limit(v) => {
                            sc::vulndb::osv::Event::Limit(bump_version(v, bump))
                        }
                    };
                }
            }
        }
        // Pretty-printed like the files of the advisory databases.
        let json = serde_json::to_vec_pretty(&r).unwrap();
        out.push((r.id.clone(), json));
    }
    out
}

fn write_zip(path: &Path, records: &[(String, Vec<u8>)]) {
    let f = std::fs::File::create(path).unwrap();
    let mut w = zip::ZipWriter::new(std::io::BufWriter::new(f));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (id, json) in records {
        w.start_file(format!("{id}.json"), opts).unwrap();
        w.write_all(json).unwrap();
    }
    w.finish().unwrap();
}

/// User + system CPU time of this process so far (10 ms resolution).
fn cpu_ms() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks * 10)
}

fn vm_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The 1,000-package inventory: 700 packages the database knows (some at
/// affected versions, some not), 300 it does not.
fn inventory(seeds: &[OsvRecord], packages_per_eco: u64) -> Vec<PackageQuery> {
    let mut rng = Rng(42);
    let mut q = Vec::with_capacity(1000);
    for i in 0..1000 {
        let t = &seeds[rng.below(seeds.len() as u64) as usize];
        let a = &t.affected[0];
        let name = if i < 700 {
            format!("{}-{}", a.package.name, rng.below(packages_per_eco))
        } else {
            format!("not-in-db-{i}")
        };
        let version = match a.package.ecosystem.as_str() {
            e if e.starts_with("Debian") => [
                "1.0-1",
                "2.36-9+deb12u4",
                "3.0.11-1~deb12u2",
                "7.88.1-10+deb12u5",
            ][i % 4]
                .to_string(),
            "Go" => ["1.19.3", "1.21.0", "0.3.0"][i % 3].to_string(),
            "Maven" => "4.1.50.Final".to_string(),
            _ => ["0.9.0", "1.2.0", "2.2.0", "4.17.15", "5.3.0"][i % 5].to_string(),
        };
        let mut pq = PackageQuery::new(&a.package.ecosystem, &name, &version);
        if a.package.ecosystem.starts_with("Debian") {
            pq = PackageQuery::new(&a.package.ecosystem, &format!("lib{name}"), &version)
                .with_source(&name, None);
        }
        q.push(pq);
    }
    q
}

fn measure(dir: &Path, packages_per_eco: u64) {
    let seeds = seed_records();
    let queries = inventory(&seeds, packages_per_eco);
    let rss_before = vm_hwm_kib().unwrap_or(0);
    let t0 = Instant::now();
    let db = Database::open(dir).unwrap();
    let t_open = t0.elapsed();
    let t1 = Instant::now();
    let results = db.match_packages(&queries).unwrap();
    let t_match = t1.elapsed();
    let total = t0.elapsed();
    let cpu = cpu_ms();
    let findings: usize = results.iter().map(|r| r.findings.len()).sum();
    let warnings: usize = results.iter().map(|r| r.warnings.len()).sum();
    let vulnerable = results.iter().filter(|r| !r.findings.is_empty()).count();
    let rss = vm_hwm_kib().unwrap_or(0);
    println!("open:            {:>8.1} ms", t_open.as_secs_f64() * 1e3);
    println!("match 1000 pkgs: {:>8.1} ms  ({vulnerable} vulnerable packages, {findings} findings, {warnings} warnings)", t_match.as_secs_f64() * 1e3);
    println!(
        "open + match:    {:>8.1} ms  (target < 250 ms; process CPU time {} ms)",
        total.as_secs_f64() * 1e3,
        cpu.map(|c| c.to_string()).unwrap_or_else(|| "?".into())
    );
    if let Ok(l) = std::fs::read_to_string("/proc/loadavg") {
        let l: Vec<&str> = l.split_whitespace().take(3).collect();
        println!(
            "load average:    {} (machine shared with other builds)",
            l.join(" ")
        );
    }
    println!(
        "peak RSS:        {:>8.1} MB  (VmHWM; {:.1} MB before opening; target < 150 MB)",
        rss as f64 / 1024.0,
        rss_before as f64 / 1024.0
    );
}

fn generate_and_build(n: usize, packages_per_eco: u64, zip_path: &Path, db_dir: &Path) {
    println!("sc vulndb benchmark: {n} records");
    let t = Instant::now();
    let records = synthesize(n, packages_per_eco);
    let raw: usize = records.iter().map(|(_, j)| j.len()).sum();
    write_zip(zip_path, &records);
    drop(records);
    println!(
        "generate + zip:  {:>8.1} s   ({:.1} MB of JSON)",
        t.elapsed().as_secs_f64(),
        raw as f64 / 1e6
    );

    let t = Instant::now();
    let report = sc::vulndb::import(db_dir, zip_path).unwrap();
    assert!(
        report.errors.is_empty(),
        "{:?}",
        &report.errors[..report.errors.len().min(3)]
    );
    println!(
        "build database:  {:>8.1} s   ({} records)",
        t.elapsed().as_secs_f64(),
        report.total_records
    );
}

fn main() {
    let packages_per_eco: u64 = 20_000;
    if let Some(dir) = std::env::var_os(PHASE_ENV) {
        measure(Path::new(&dir), packages_per_eco);
        return;
    }
    let full = std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("SC_BENCH_RECORDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if full { 500_000 } else { 5_000 });
    let work: PathBuf = std::env::var_os("SC_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("sc-bench-vulndb-{n}")));
    std::fs::create_dir_all(&work).unwrap();
    let zip_path = work.join("all.zip");
    let db_dir = work.join("db");
    let reuse = std::env::var_os("SC_BENCH_REUSE").is_some()
        && db_dir.join("vulndb.scdb").is_file()
        && zip_path.is_file();
    if reuse {
        println!("sc vulndb benchmark: reusing {}", work.display());
    } else {
        let _ = std::fs::remove_dir_all(&db_dir);
        generate_and_build(n, packages_per_eco, &zip_path, &db_dir);
    }

    let zip_size = std::fs::metadata(&zip_path).unwrap().len();
    let db_size = std::fs::metadata(db_dir.join("vulndb.scdb")).unwrap().len();
    println!(
        "database size:   {:>8.1} MB  vs zipped OSV input {:.1} MB ({:.0}%)",
        db_size as f64 / 1e6,
        zip_size as f64 / 1e6,
        100.0 * db_size as f64 / zip_size as f64
    );

    // Open + match in a fresh process, so its peak RSS is its own.
    let out = Command::new(std::env::current_exe().unwrap())
        .env(PHASE_ENV, &db_dir)
        .output()
        .unwrap();
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success());
    assert!(
        db_size < zip_size,
        "database must be smaller than the zipped input"
    );
    if std::env::var_os("SC_BENCH_KEEP").is_none() && !reuse {
        let _ = std::fs::remove_dir_all(&work);
    }
}
