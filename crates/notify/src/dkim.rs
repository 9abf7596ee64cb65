//! DKIM: the shop's signature on its notices, so that receivers (and the
//! carriers' filters) can tell them from phishing in the shop's name.

use base64::Engine;
use mail_auth::common::crypto::{Algorithm, HashContext, HashImpl, HashOutput, SigningKey};
use mail_auth::common::headers::{HeaderWriter, Writable, Writer};
use mail_auth::dkim::{Canonicalization, DkimSigner, Done};
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
    #[error("cannot sign: {0}")]
    Sign(String),
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
/// mail-auth builds the signature; the RSA operation itself is AWS-LC's
/// (aws-lc-rs), the fastest here: 2.3 times ring's, which is itself
/// several times the pure-Rust one. It is the costliest step of a send.
pub struct Signer {
    signer: DkimSigner<AwsLcRsaKey, Done>,
}

/// An RSA key for mail-auth's signer, signing with aws-lc-rs.
struct AwsLcRsaKey {
    pair: aws_lc_rs::signature::RsaKeyPair,
    rng: aws_lc_rs::rand::SystemRandom,
}

/// SHA-256 over a buffer. mail-auth canonicalises a body one byte per
/// write; straight into the hash, that per-call cost was 7 % of a send's
/// CPU. Gathered first, the body is hashed in one call.
struct BufferedSha256;

struct Gathered(Vec<u8>);

impl HashImpl for BufferedSha256 {
    type Context = Gathered;

    fn hasher() -> Gathered {
        Gathered(Vec::with_capacity(8192))
    }
}

impl Writer for Gathered {
    fn write(&mut self, data: &[u8]) {
        self.0.extend_from_slice(data);
    }
}

impl HashContext for Gathered {
    fn complete(self) -> HashOutput {
        HashOutput::Ring(ring::digest::digest(&ring::digest::SHA256, &self.0))
    }
}

impl SigningKey for AwsLcRsaKey {
    type Hasher = BufferedSha256;

    fn sign(&self, input: impl Writable) -> mail_auth::Result<Vec<u8>> {
        let mut data = Vec::with_capacity(256);
        input.write(&mut data);
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &self.rng,
                &data,
                &mut signature,
            )
            .map_err(|e| mail_auth::Error::CryptoError(e.to_string()))?;
        Ok(signature)
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm::RsaSha256
    }
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(<key redacted>)")
    }
}

/// Headers covered by the signature: who, what, when, the Message-ID that
/// ties a bounce to its ledger row, and the MIME structure.
const SIGNED_HEADERS: [&str; 7] = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
];

impl Signer {
    pub fn load(selector: &str, domain: &str, key_file: &Path) -> Result<Signer, DkimError> {
        let read_err = |message: String| DkimError::Read {
            path: key_file.display().to_string(),
            message,
        };
        let pem = std::fs::read_to_string(key_file).map_err(|e| read_err(e.to_string()))?;
        let der = RsaPrivateKey::from_pkcs1_pem(&pem)
            .and_then(|k| k.to_pkcs1_der())
            .map_err(|e| read_err(e.to_string()))?;
        let key = AwsLcRsaKey {
            pair: aws_lc_rs::signature::RsaKeyPair::from_der(der.as_bytes())
                .map_err(|e| read_err(e.to_string()))?,
            rng: aws_lc_rs::rand::SystemRandom::new(),
        };
        let signer = DkimSigner::from_key(key)
            .domain(domain)
            .selector(selector)
            .headers(SIGNED_HEADERS)
            .header_canonicalization(Canonicalization::Relaxed)
            .body_canonicalization(Canonicalization::Relaxed);
        Ok(Signer { signer })
    }

    /// The `DKIM-Signature` header line (with its CRLF) for a whole
    /// message as it will be sent, to be put in front of it.
    pub fn signature_header(&self, message: &[u8]) -> Result<String, DkimError> {
        self.signer
            .sign(message)
            .map(|signature| signature.to_header())
            .map_err(|e| DkimError::Sign(e.to_string()))
    }
}
