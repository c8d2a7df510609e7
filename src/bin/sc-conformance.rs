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
    /// Sign a file into a bundle (keyless).
    SignBundle {
        /// Use the public-good staging instance.
        #[arg(long)]
        staging: bool,
        /// The input is an in-toto statement to sign as a DSSE envelope.
        #[arg(long)]
        in_toto: bool,
        /// OIDC identity token.
        #[arg(long)]
        identity_token: String,
        /// Where to write the bundle.
        #[arg(long)]
        bundle: std::path::PathBuf,
        /// trusted_root.json of the instance.
        #[arg(long)]
        trusted_root: Option<std::path::PathBuf>,
        /// signing_config.json naming the services.
        #[arg(long)]
        signing_config: Option<std::path::PathBuf>,
        /// The file to sign.
        file: std::path::PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::VerifyBundle(args) => match sc::cli::bundle::verify(&args) {
            Ok(v) => {
                eprintln!("OK: {}", v.signer);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {:#}", e.error);
                ExitCode::from(e.kind.exit_code())
            }
        },
        Command::SignBundle { .. } => {
            eprintln!("error: sign-bundle is not supported by sc yet");
            ExitCode::from(4)
        }
    }
}
