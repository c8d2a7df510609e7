//! Errors of the configuration layer: [`ConfigError`] and the [`Problem`]s it carries.
//!
//! Every error names what a user needs to fix it: the file (origin), the line
//! and column when the YAML parser knows them, and the field path in the
//! configuration (`security.scan.tools[0].failOn`). Semantic validation
//! collects all problems instead of stopping at the first one.

use std::fmt;
use std::path::PathBuf;

/// A position in a YAML file, both 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// Line, starting at 1.
    pub line: usize,
    /// Column, starting at 1.
    pub column: usize,
}

/// One thing wrong with a configuration: the field path and what is wrong with it.
///
/// Displays as `path: message`, e.g.
/// `security.signing.privateKey: required when keyless is false`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted path of the field, with `[i]` for list items (`security.scan.tools[0].failOn`).
    pub path: String,
    /// What is wrong, and when possible what would be right.
    pub message: String,
}

impl Problem {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Errors from reading, parsing, merging and validating configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A configuration file exists but could not be read.
    #[error("{}: cannot read: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not valid YAML.
    #[error("{}invalid YAML: {message}", prefix(.origin, .location))]
    Syntax {
        /// File name or other description of where the text came from.
        origin: String,
        /// Where the parser stopped, when known.
        location: Option<Location>,
        /// The parser's message.
        message: String,
    },
    /// A field has the wrong type, an invalid value, or is unknown.
    #[error("{}{problem}", prefix(.origin, .location))]
    Field {
        /// File name or other description of where the text came from.
        origin: String,
        /// Line and column of the offending value, when known.
        location: Option<Location>,
        /// The field path and what is wrong with it.
        problem: Problem,
    },
    /// Semantic validation failed; all problems found are listed.
    #[error("{}", invalid(.origin, .problems))]
    Invalid {
        /// File name or stack description; empty when unknown.
        origin: String,
        /// Every problem found, in field order.
        problems: Vec<Problem>,
    },
    /// `.sc/stacks/<stack>/client.yaml` does not exist.
    #[error("stack '{stack}' not found: {} does not exist", .path.display())]
    StackNotFound {
        /// The stack name asked for.
        stack: String,
        /// The file that was expected.
        path: PathBuf,
    },
    /// A `uses:` names a parent stack whose file does not exist.
    #[error(
        "{}: uses: parent stack '{parent}' not found: {} does not exist",
        .used_by.display(),
        .path.display()
    )]
    ParentNotFound {
        /// The parent name from `uses:`.
        parent: String,
        /// The file that was expected (`.sc/parent-stacks/<parent>.yaml`).
        path: PathBuf,
        /// The file whose `uses:` names the parent.
        used_by: PathBuf,
    },
    /// Following `uses:` leads back to a parent already in the chain.
    #[error("{}: uses: inheritance cycle: {}", .origin.display(), .chain.join(" -> "))]
    Cycle {
        /// The file whose `uses:` closes the cycle.
        origin: PathBuf,
        /// Names from the stack down to the repeated parent, e.g. `myapp, a, b, a`.
        chain: Vec<String>,
    },
    /// A stack or parent name that cannot be used as a file name.
    #[error(
        "{context}: invalid {what} name '{name}' (use letters, digits, '.', '_' and '-', starting with a letter or digit)"
    )]
    InvalidName {
        /// Where the name came from (`<file>: uses` or `stack argument`).
        context: String,
        /// `stack` or `parent stack`.
        what: &'static str,
        /// The rejected name.
        name: String,
    },
}

impl ConfigError {
    /// The field problems this error carries: all of them for
    /// [`ConfigError::Invalid`], one for [`ConfigError::Field`], none otherwise.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Field { problem, .. } => std::slice::from_ref(problem),
            ConfigError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }

    /// Line and column in the file, when the parser reported one.
    pub fn location(&self) -> Option<Location> {
        match self {
            ConfigError::Syntax { location, .. } | ConfigError::Field { location, .. } => *location,
            _ => None,
        }
    }
}

/// `origin:line:column: `, `origin: ` or nothing.
fn prefix(origin: &str, location: &Option<Location>) -> String {
    match (origin.is_empty(), location) {
        (true, None) => String::new(),
        (true, Some(l)) => format!("{}:{}: ", l.line, l.column),
        (false, None) => format!("{origin}: "),
        (false, Some(l)) => format!("{origin}:{}:{}: ", l.line, l.column),
    }
}

fn invalid(origin: &str, problems: &[Problem]) -> String {
    let head = prefix(origin, &None);
    match problems {
        [] => format!("{head}invalid configuration"),
        [one] => format!("{head}{one}"),
        many => {
            let mut s = format!("{head}invalid configuration ({} problems):", many.len());
            for p in many {
                s.push_str("\n  ");
                s.push_str(&p.to_string());
            }
            s
        }
    }
}
