//! `sc-conformance`: the sigstore-conformance suite's CLI protocol
//! (docs/cli_protocol.md of sigstore/sigstore-conformance) over `sc`'s library.
//!
//! ```text
//! sc-conformance verify-bundle [--staging] --bundle FILE --certificate-identity IDENTITY
//!     --certificate-oidc-issuer URL [--trusted-root FILE] FILE_OR_DIGEST
//! sc-conformance verify-bundle [--staging] --bundle FILE --key PATH_TO_KEY
//!     [--trusted-root FILE] FILE_OR_DIGEST
//! sc-conformance sign-bundle [--staging] [--in-toto] --identity-token TOKEN --bundle FILE
//!     [--trusted-root FILE] [--signing-config FILE] FILE
//! ```
//!
//! Exit 0 when the operation succeeded, non-zero (with the reason on stderr)
//! otherwise. Without `--trusted-root`, verification uses the public-good
//! trusted root: the file `SC_TRUSTED_ROOT` names, else the snapshot compiled in.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "sc-conformance",
    version,
    about = "sigstore-conformance CLI protocol adapter for sc"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Verify a bundle (the protocol's flags are `sc verify-bundle`'s).
    VerifyBundle(sc::cli::bundle::VerifyBundleArgs),
    /// Sign a file (or with --in-toto a statement) keylessly into a bundle.
    SignBundle(sc::cli::bundle::SignBundleArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let report = |e: sc::cli::CliError| {
        eprintln!("error: {:#}", e.error);
        ExitCode::from(e.kind.exit_code())
    };
    match cli.command {
        Command::VerifyBundle(args) => match sc::cli::bundle::verify(&args) {
            Ok(v) => {
                eprintln!("OK: {}", v.signer);
                ExitCode::SUCCESS
            }
            Err(e) => report(e),
        },
        Command::SignBundle(args) => {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("error: cannot start the async runtime: {e}");
                    return ExitCode::from(3);
                }
            };
            match runtime.block_on(sc::cli::bundle::sign_run(&args)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => report(e),
            }
        }
    }
}
