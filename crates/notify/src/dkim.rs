//! DKIM: the shop's signature on its notices, so that receivers (and the
//! carriers' filters) can tell them from phishing in the shop's name.

use base64::Engine;
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::HeaderName;
use rsa::RsaPrivateKey;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, LineEnding};
use rsa::pkcs8::EncodePublicKey;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum DkimError {
    #[error("cannot make a DKIM key: {0}")]
    Generate(String),
    #[error("cannot read the DKIM key {path}: {message}")]
    Read { path: String, message: String },
    #[error("cannot write the DKIM key {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// Generates an RSA-2048 key, writes it (PKCS#1 PEM, owner-only) to
/// `path`, and returns the DNS TXT record to publish at
/// `SELECTOR._domainkey.DOMAIN`.
pub fn generate_key(path: &Path) -> Result<String, DkimError> {
    let mut rng = rand_core_06::OsRng;
    let key = RsaPrivateKey::new(&mut rng, 2048).map_err(|e| DkimError::Generate(e.to_string()))?;
    let pem = key
        .to_pkcs1_pem(LineEnding::LF)
        .map_err(|e| DkimError::Generate(e.to_string()))?;
    breachdesk_vault::write_owner_only(path, pem.as_bytes()).map_err(|source| {
        DkimError::Write {
            path: path.display().to_string(),
            source,
        }
    })?;
    public_record(&key)
}

fn public_record(key: &RsaPrivateKey) -> Result<String, DkimError> {
    let der = key
        .to_public_key()
        .to_public_key_der()
        .map_err(|e| DkimError::Generate(e.to_string()))?;
    Ok(format!(
        "v=DKIM1; k=rsa; p={}",
        base64::engine::general_purpose::STANDARD.encode(der.as_bytes())
    ))
}

/// The DNS record for an existing key file.
pub fn record_of(path: &Path) -> Result<String, DkimError> {
    let pem = std::fs::read_to_string(path).map_err(|e| DkimError::Read {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let key = RsaPrivateKey::from_pkcs1_pem(&pem).map_err(|e| DkimError::Read {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    public_record(&key)
}

/// Signing settings: the key, and where its public half is published.
pub struct Signer {
    config: DkimConfig,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(<key redacted>)")
    }
}

impl Signer {
    pub fn load(selector: &str, domain: &str, key_file: &Path) -> Result<Signer, DkimError> {
        let read_err = |message: String| DkimError::Read {
            path: key_file.display().to_string(),
            message,
        };
        let pem = std::fs::read_to_string(key_file).map_err(|e| read_err(e.to_string()))?;
        let key = DkimSigningKey::new(&pem, DkimSigningAlgorithm::Rsa)
            .map_err(|e| read_err(e.to_string()))?;
        // lettre signs From, Subject, To and Date by default; the Message-ID,
        // which ties a bounce to its ledger row, is signed too. Not the
        // multipart Content-Type: lettre folds it after signing, so its
        // signature would not verify (tested with dkimpy); the body hash
        // still covers every part.
        let headers = ["From", "To", "Subject", "Date", "Message-ID"]
            .into_iter()
            .map(HeaderName::new_from_ascii_str)
            .collect();
        let canonicalization = DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        };
        Ok(Signer {
            config: DkimConfig::new(
                selector.to_owned(),
                domain.to_owned(),
                key,
                headers,
                canonicalization,
            ),
        })
    }

    pub(crate) fn sign(&self, message: &mut lettre::Message) {
        message.sign(&self.config);
    }
}
