//! `sc generate-key-pair`, `sc image sign`, `sc image verify`: argument handling,
//! passwords, and output. The work is done by [`crate::signing`].
//!
//! Passwords for `cosign.key` come from `COSIGN_PASSWORD` when it is set (an empty
//! value is an empty password, as in cosign), otherwise from a prompt on the
//! terminal (`/dev/tty`), never from standard input and never echoed or logged.

use std::collections::BTreeMap;
use std::path::Path;

use super::args::{GenerateKeyPairArgs, ImageAccessArgs, SigningArgs, VerifyArgs};
use super::{not_implemented, registry_client, CliError};
use crate::error::ErrorKind;
use crate::reference::ImageReference;
use crate::signing::keybased;
use crate::signing::keys::{self, KdfParams, KeyError, Password, PublicKey, SigningKey};
use crate::signing::{SignOptions, VerifyOptions};
use crate::source::SourceSpec;

/// Environment variable cosign reads the key password from.
pub const PASSWORD_ENV: &str = "COSIGN_PASSWORD";

fn env_password() -> Option<Password> {
    let v = std::env::var_os(PASSWORD_ENV)?;
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(Password::new(v.into_vec()))
    }
    #[cfg(not(unix))]
    {
        Some(Password::new(v.to_string_lossy().into_owned()))
    }
}

fn prompt(text: &str) -> Result<Password, KeyError> {
    rpassword::prompt_password(text)
        .map(Password::new)
        .map_err(|e| {
            KeyError::Password(format!(
                "no password: {PASSWORD_ENV} is not set and no terminal to ask on ({e}); set {PASSWORD_ENV} (it may be empty)"
            ))
        })
}

/// The password for a new key: `COSIGN_PASSWORD`, or asked twice on the terminal.
fn new_key_password() -> Result<Password, KeyError> {
    if let Some(p) = env_password() {
        return Ok(p);
    }
    let first = prompt("Enter password for private key: ")?;
    let again = prompt("Enter password for private key again: ")?;
    if first != again {
        return Err(KeyError::Password("passwords do not match".into()));
    }
    Ok(first)
}

/// The password of an existing encrypted key: `COSIGN_PASSWORD`, or asked once.
fn key_password() -> Result<Password, KeyError> {
    match env_password() {
        Some(p) => Ok(p),
        None => prompt("Enter password for private key: "),
    }
}

fn key_error(e: KeyError) -> CliError {
    let kind = match &e {
        KeyError::Random(_) => ErrorKind::Io,
        KeyError::Io { detail, .. } if detail.contains("already exists") => {
            ErrorKind::InvalidConfig
        }
        KeyError::Io { .. } => ErrorKind::MissingKey,
        _ => ErrorKind::InvalidConfig,
    };
    CliError::new(kind, e)
}

/// `sc generate-key-pair`.
pub fn generate_key_pair(args: &GenerateKeyPairArgs) -> Result<(), CliError> {
    let prefix = &args.output_key_prefix;
    if !args.force {
        for ext in ["key", "pub"] {
            let p = format!("{prefix}.{ext}");
            if Path::new(&p).exists() {
                return Err(CliError::new(
                    ErrorKind::InvalidConfig,
                    anyhow::anyhow!("{p} already exists: not overwriting it (use --force to replace the key pair)"),
                ));
            }
        }
    }
    let password = new_key_password().map_err(key_error)?;
    let pair = keys::generate_key_pair(&password, KdfParams::STANDARD).map_err(key_error)?;
    let (key_path, pub_path) =
        keys::write_key_pair(&pair, prefix, args.force).map_err(key_error)?;
    eprintln!("Private key written to {}", key_path.display());
    eprintln!("Public key written to {}", pub_path.display());
    Ok(())
}

fn parse_annotations(items: &[String]) -> Result<BTreeMap<String, String>, CliError> {
    let mut out = BTreeMap::new();
    for item in items {
        match item.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                out.insert(k.to_string(), v.to_string());
            }
            _ => {
                return Err(CliError::new(
                    ErrorKind::InvalidConfig,
                    anyhow::anyhow!("invalid annotation '{item}': expected KEY=VALUE"),
                ))
            }
        }
    }
    Ok(out)
}

fn registry_image(image: &str, what: &str) -> Result<ImageReference, CliError> {
    match image.parse::<SourceSpec>()? {
        SourceSpec::Registry(r) => Ok(r),
        _ => Err(CliError::new(
            ErrorKind::InvalidConfig,
            anyhow::anyhow!("{what} works on images in a registry (signatures are stored next to the image); '{image}' is a local layout or archive: push it first"),
        )),
    }
}

/// `sc image sign`.
pub async fn image_sign(
    image: &str,
    signing: &SigningArgs,
    annotations: &[String],
    json: bool,
    access: &ImageAccessArgs,
) -> Result<(), CliError> {
    let Some(key_path) = &signing.key else {
        return not_implemented(
            "image sign (keyless: Fulcio certificate and Rekor entry)",
            "keyless signing",
        );
    };
    let image = registry_image(image, "signing")?;
    let options = SignOptions {
        annotations: parse_annotations(annotations)?,
        tlog_upload: signing.tlog_upload,
        rekor_url: signing.rekor_url.clone(),
    };
    if options.tlog_upload {
        // Fail before asking for a password or touching the registry.
        return Err(CliError::new(
            ErrorKind::NotImplemented,
            keybased::SignError::TlogUnavailable,
        ));
    }
    let key = SigningKey::from_file(key_path, key_password).map_err(key_error)?;
    let client = registry_client(access)?;
    let outcome = keybased::sign(&client, &image, &key, &options)
        .await
        .map_err(|e| CliError::new(e.kind(), anyhow::anyhow!("signing {image}: {e}")))?;
    if outcome.already_signed {
        eprintln!(
            "{} is already signed by this key with the same payload: nothing pushed",
            outcome.image
        );
    } else {
        eprintln!("Pushing signature to: {}", outcome.signature_tag);
    }
    if json {
        let text = serde_json::to_string_pretty(&outcome.result)
            .map_err(|e| CliError::new(ErrorKind::Io, e))?;
        println!("{text}");
    }
    Ok(())
}

/// `sc image verify`.
pub async fn image_verify(
    image: &str,
    verify: &VerifyArgs,
    annotations: &[String],
    json: bool,
    access: &ImageAccessArgs,
) -> Result<(), CliError> {
    let identity_flags = verify.certificate_identity.is_some()
        || verify.certificate_identity_regexp.is_some()
        || verify.certificate_oidc_issuer.is_some()
        || verify.certificate_oidc_issuer_regexp.is_some();
    let Some(key_path) = &verify.key else {
        return not_implemented(
            "image verify (keyless: certificate identity and issuer)",
            "keyless verification",
        );
    };
    if identity_flags {
        return Err(CliError::new(
            ErrorKind::InvalidConfig,
            anyhow::anyhow!("--key and --certificate-identity/--certificate-oidc-issuer are alternatives: give one"),
        ));
    }
    let image = registry_image(image, "verification")?;
    let options = VerifyOptions {
        annotations: parse_annotations(annotations)?,
        ..VerifyOptions::default()
    };
    let key = PublicKey::from_file(key_path).map_err(key_error)?;
    let client = registry_client(access)?;
    let verified = keybased::verify(&client, &image, &key, &options)
        .await
        .map_err(|e| CliError::new(e.kind(), e))?;
    eprintln!("\nVerification for {} --", verified.image);
    eprintln!("The following checks were performed on each of these signatures:");
    eprintln!("  - The cosign claims were validated");
    eprintln!("  - The signatures were verified against the specified public key");
    if verified.signatures.iter().any(|s| s.bundle.is_some()) {
        eprintln!("  (transparency log bundles present on signatures were not checked)");
    }
    if json {
        let payloads: Vec<&crate::signing::cosign::SimpleSigning> =
            verified.signatures.iter().map(|s| &s.payload).collect();
        let text = serde_json::to_string(&payloads).map_err(|e| CliError::new(ErrorKind::Io, e))?;
        println!("{text}");
    } else {
        println!(
            "Verified OK: {} signature(s) on {} with key {}",
            verified.signatures.len(),
            verified.image,
            verified.key
        );
    }
    Ok(())
}
