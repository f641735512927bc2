//! The platform's keys, kept as files under `<data-dir>/keys/`:
//!
//! ```text
//! keys/signing/<kid>.key.pem   SM2 private key (PKCS#8), current key only, mode 0600
//! keys/signing/<kid>.pub.pem   SM2 public key (SPKI), every key ever used
//! keys/signing/current         kid of the key that signs now
//! keys/pii.key                 SM4 key for personal data, 32 hex digits, mode 0600
//! ```
//!
//! Rotation makes a new current key and deletes the old private key; the old public key stays, so
//! authorization codes and audit checkpoints signed before the rotation still verify until they
//! expire. Several platform nodes sharing one PostgreSQL must share this directory (or a copy).

use std::fs;
use std::path::{Path, PathBuf};

use medshield_authcode::Keyring;
use medshield_gm::{SigningKey, Sm4GcmKey, VerifyingKey};

use crate::PlatformError;

pub struct KeyStore {
    dir: PathBuf,
    signing: SigningKey,
    keyring: Keyring,
    pii: Sm4GcmKey,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyStore")
            .field("dir", &self.dir)
            .field("kid", &self.signing.key_id())
            .finish_non_exhaustive()
    }
}

fn io(path: &Path, e: std::io::Error) -> PlatformError {
    PlatformError::Internal(format!("{}: {e}", path.display()))
}

fn write_secret(path: &Path, contents: &str) -> Result<(), PlatformError> {
    fs::write(path, contents).map_err(|e| io(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(|e| io(path, e))?;
    }
    Ok(())
}

impl KeyStore {
    /// Opens the key directory, creating the keys on first start. `pii_key_file` overrides
    /// where the personal-data key lives (e.g. a mounted secret).
    pub fn open(data_dir: &Path, pii_key_file: Option<&Path>) -> Result<KeyStore, PlatformError> {
        let dir = data_dir.join("keys");
        let signing_dir = dir.join("signing");
        fs::create_dir_all(&signing_dir).map_err(|e| io(&signing_dir, e))?;
        let current_path = signing_dir.join("current");
        let signing = match fs::read_to_string(&current_path) {
            Ok(kid) => {
                let path = signing_dir.join(format!("{}.key.pem", kid.trim()));
                let pem = fs::read_to_string(&path).map_err(|e| io(&path, e))?;
                SigningKey::from_pkcs8_pem(&pem)?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Self::create_signing_key(&signing_dir)?
            }
            Err(e) => return Err(io(&current_path, e)),
        };
        let keyring = Self::load_keyring(&signing_dir)?;
        let pii_path = pii_key_file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| dir.join("pii.key"));
        let pii = match fs::read_to_string(&pii_path) {
            Ok(hex) => Sm4GcmKey::from_bytes(parse_key_hex(hex.trim()).ok_or_else(|| {
                PlatformError::Internal(format!("{}: not 32 hex digits", pii_path.display()))
            })?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && pii_key_file.is_none() => {
                let bytes: [u8; 16] = medshield_gm::random_bytes()?;
                write_secret(&pii_path, &medshield_gm::to_hex(&bytes))?;
                Sm4GcmKey::from_bytes(bytes)
            }
            Err(e) => return Err(io(&pii_path, e)),
        };
        Ok(KeyStore {
            dir,
            signing,
            keyring,
            pii,
        })
    }

    fn create_signing_key(signing_dir: &Path) -> Result<SigningKey, PlatformError> {
        let key = SigningKey::generate()?;
        let kid = key.key_id().to_string();
        write_secret(
            &signing_dir.join(format!("{kid}.key.pem")),
            &key.to_pkcs8_pem()?,
        )?;
        let pub_path = signing_dir.join(format!("{kid}.pub.pem"));
        fs::write(&pub_path, key.public_key_pem()?).map_err(|e| io(&pub_path, e))?;
        let current = signing_dir.join("current");
        fs::write(&current, &kid).map_err(|e| io(&current, e))?;
        Ok(key)
    }

    fn load_keyring(signing_dir: &Path) -> Result<Keyring, PlatformError> {
        let mut keyring = Keyring::new();
        let entries = fs::read_dir(signing_dir).map_err(|e| io(signing_dir, e))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.to_string_lossy().ends_with(".pub.pem") {
                let pem = fs::read_to_string(&path).map_err(|e| io(&path, e))?;
                keyring.insert_pem(&pem)?;
            }
        }
        Ok(keyring)
    }

    /// Makes a new signing key current; the old private key is deleted, its public key kept.
    /// Returns (old kid, new kid).
    pub fn rotate(data_dir: &Path) -> Result<(String, String), PlatformError> {
        let signing_dir = data_dir.join("keys").join("signing");
        let current_path = signing_dir.join("current");
        let old = fs::read_to_string(&current_path)
            .map_err(|e| io(&current_path, e))?
            .trim()
            .to_string();
        let new = Self::create_signing_key(&signing_dir)?;
        let old_private = signing_dir.join(format!("{old}.key.pem"));
        if old_private.exists() {
            fs::remove_file(&old_private).map_err(|e| io(&old_private, e))?;
        }
        Ok((old, new.key_id().to_string()))
    }

    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// Every public key codes and checkpoints may have been signed with.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    pub fn public_keys(&self) -> Vec<(String, String)> {
        self.keyring
            .kids()
            .filter_map(|kid| {
                let key: &VerifyingKey = self.keyring.get(kid)?;
                Some((kid.to_string(), key.public_key_pem().ok()?))
            })
            .collect()
    }

    pub fn pii_key(&self) -> &Sm4GcmKey {
        &self.pii
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Loads every `*.pub.pem` from a directory or one PEM file (for offline verification).
pub fn keyring_from_path(path: &Path) -> Result<Keyring, PlatformError> {
    if path.is_dir() {
        let signing = path.join("keys").join("signing");
        let dir = if signing.is_dir() {
            signing
        } else {
            path.to_path_buf()
        };
        KeyStore::load_keyring(&dir)
    } else {
        let pem = fs::read_to_string(path).map_err(|e| io(path, e))?;
        let mut keyring = Keyring::new();
        keyring.insert_pem(&pem)?;
        Ok(keyring)
    }
}

fn parse_key_hex(s: &str) -> Option<[u8; 16]> {
    if s.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        let hex = std::str::from_utf8(chunk).ok()?;
        out[i] = u8::from_str_radix(hex, 16).ok()?;
    }
    Some(out)
}
