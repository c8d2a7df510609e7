//! Where sc finds its database, and the seed database built into the binary.
//!
//! Reading (`sc image scan`, `sc db status`), first match wins:
//! 1. `--db DIR` — must hold a database;
//! 2. `SC_DB_DIR` — must hold a database;
//! 3. `$XDG_CACHE_HOME/sc/vuln-db`, else `~/.cache/sc/vuln-db` — if it holds one;
//! 4. the seed database bundled in the binary (`vuln-db/seed/vulndb.scdb`):
//!    a few dozen real advisories for the packages of the test fixtures, so
//!    `sc image scan … --offline` works on a fresh clone with no network.
//!
//! Writing (`sc db sync`, `sc db import`) goes to `--db`, else `SC_DB_DIR`,
//! else the cache directory of step 3.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::error::DbError;
use super::store::{Database, DB_FILE_NAME};

/// How the bundled seed database is named in messages and [`Database::path`].
pub const SEED_LABEL: &str = "<bundled seed database>";

static SEED: &[u8] = include_bytes!("../../vuln-db/seed/vulndb.scdb");

/// Opens the seed database bundled in the binary.
pub fn open_seed() -> Result<Database, DbError> {
    Database::from_bytes(SEED, SEED_LABEL)
}

/// Which database was chosen, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbLocation {
    /// `--db DIR`.
    Flag(PathBuf),
    /// `SC_DB_DIR`.
    Env(PathBuf),
    /// The user's cache directory.
    Cache(PathBuf),
    /// The seed bundled in the binary.
    Seed,
}

impl DbLocation {
    /// The directory, unless it is the bundled seed.
    pub fn dir(&self) -> Option<&Path> {
        match self {
            DbLocation::Flag(p) | DbLocation::Env(p) | DbLocation::Cache(p) => Some(p),
            DbLocation::Seed => None,
        }
    }

    /// Opens the database at this location.
    pub fn open(&self) -> Result<Database, DbError> {
        match self.dir() {
            Some(d) => Database::open(d),
            None => open_seed(),
        }
    }
}

impl std::fmt::Display for DbLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbLocation::Flag(p) => write!(f, "{} (--db)", p.display()),
            DbLocation::Env(p) => write!(f, "{} (SC_DB_DIR)", p.display()),
            DbLocation::Cache(p) => write!(f, "{} (cache)", p.display()),
            DbLocation::Seed => f.write_str(SEED_LABEL),
        }
    }
}

fn non_empty(v: Option<OsString>) -> Option<PathBuf> {
    v.filter(|s| !s.is_empty()).map(PathBuf::from)
}

/// `$XDG_CACHE_HOME/sc/vuln-db`, else `$HOME/.cache/sc/vuln-db`.
pub fn cache_dir() -> Option<PathBuf> {
    cache_dir_from(std::env::var_os("XDG_CACHE_HOME"), std::env::var_os("HOME"))
}

fn cache_dir_from(xdg: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    non_empty(xdg)
        .filter(|p| p.is_absolute())
        .or_else(|| non_empty(home).map(|h| h.join(".cache")))
        .map(|c| c.join("sc").join("vuln-db"))
}

/// Chooses the database to read (see the module docs).
pub fn locate(flag: Option<&Path>) -> DbLocation {
    locate_from(
        flag,
        std::env::var_os("SC_DB_DIR"),
        std::env::var_os("XDG_CACHE_HOME"),
        std::env::var_os("HOME"),
    )
}

fn locate_from(
    flag: Option<&Path>,
    env: Option<OsString>,
    xdg: Option<OsString>,
    home: Option<OsString>,
) -> DbLocation {
    if let Some(f) = flag {
        return DbLocation::Flag(f.to_path_buf());
    }
    if let Some(e) = non_empty(env) {
        return DbLocation::Env(e);
    }
    match cache_dir_from(xdg, home) {
        Some(c) if c.join(DB_FILE_NAME).is_file() => DbLocation::Cache(c),
        _ => DbLocation::Seed,
    }
}

/// Opens the database to read, reporting where it came from.
pub fn open_located(flag: Option<&Path>) -> Result<(Database, DbLocation), DbError> {
    let loc = locate(flag);
    let db = loc.open()?;
    Ok((db, loc))
}

/// The directory `sc db sync` / `sc db import` write to.
pub fn write_dir(flag: Option<&Path>) -> Option<PathBuf> {
    flag.map(Path::to_path_buf)
        .or_else(|| non_empty(std::env::var_os("SC_DB_DIR")))
        .or_else(cache_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_order() {
        let tmp = tempfile::tempdir().unwrap();
        let s = |p: &Path| Some(p.as_os_str().to_owned());
        assert_eq!(
            locate_from(Some(Path::new("/x")), s(Path::new("/y")), None, None),
            DbLocation::Flag("/x".into())
        );
        assert_eq!(
            locate_from(None, s(Path::new("/y")), None, None),
            DbLocation::Env("/y".into())
        );
        // empty cache → seed
        assert_eq!(
            locate_from(None, None, s(tmp.path()), None),
            DbLocation::Seed
        );
        let dir = tmp.path().join("sc").join("vuln-db");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(DB_FILE_NAME), b"x").unwrap();
        assert_eq!(
            locate_from(None, None, s(tmp.path()), None),
            DbLocation::Cache(dir.clone())
        );
        // HOME fallback; a relative XDG_CACHE_HOME is ignored, as the spec says
        let home = tempfile::tempdir().unwrap();
        assert_eq!(
            cache_dir_from(Some("rel".into()), s(home.path())),
            Some(home.path().join(".cache/sc/vuln-db"))
        );
        assert_eq!(
            locate_from(None, Some("".into()), None, None),
            DbLocation::Seed
        );
    }

    #[test]
    fn seed_opens_and_verifies() {
        let db = open_seed().unwrap();
        assert!(db.record_count() >= 40);
        assert_eq!(db.verify().unwrap(), db.record_count());
    }
}
