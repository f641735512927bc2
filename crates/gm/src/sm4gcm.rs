//! SM4-GCM (RFC 8998): SM4 block cipher in Galois/Counter Mode, 12-byte nonce, 16-byte tag.

use crate::GmError;
use aes_gcm::aead::array::typenum::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};

/// GCM over SM4 with the standard 96-bit nonce. `aes-gcm`'s mode is generic over any 128-bit
/// block cipher, so this is the same audited GCM code used for AES, with SM4 underneath.
type Sm4Gcm = aes_gcm::AesGcm<sm4::Sm4, U12>;

/// Nonce length in a sealed message.
pub const SM4_GCM_NONCE_LEN: usize = 12;
/// Authentication tag length in a sealed message.
pub const SM4_GCM_TAG_LEN: usize = 16;
/// Bytes a sealed message adds to its plaintext.
pub const SM4_GCM_OVERHEAD: usize = SM4_GCM_NONCE_LEN + SM4_GCM_TAG_LEN;

/// A 128-bit SM4 key prepared for GCM.
///
/// Nonces are random (96 bits) per message, so one key must not seal more than about 2^32
/// messages (the usual GCM birthday bound); rotate keys well before that.
#[derive(Clone)]
pub struct Sm4GcmKey {
    cipher: Sm4Gcm,
}

impl std::fmt::Debug for Sm4GcmKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sm4GcmKey(..)")
    }
}

impl Sm4GcmKey {
    /// A fresh random key. Keep the bytes (from [`crate::random_bytes`] and [`Self::from_bytes`])
    /// instead if the key must be stored.
    pub fn generate() -> Result<Self, GmError> {
        Ok(Self::from_bytes(crate::random_bytes::<16>()?))
    }

    /// Use the given key bytes.
    pub fn from_bytes(key: [u8; 16]) -> Self {
        Self {
            cipher: Sm4Gcm::new(&key.into()),
        }
    }

    /// Encrypt and authenticate `plaintext`, also authenticating (not encrypting) `aad`.
    /// Returns `nonce(12) || ciphertext || tag(16)` with a fresh random nonce.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, GmError> {
        let nonce = crate::random_bytes::<SM4_GCM_NONCE_LEN>()?;
        let mut out = Vec::with_capacity(plaintext.len() + SM4_GCM_OVERHEAD);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&self.seal_with_nonce(&nonce, plaintext, aad)?);
        Ok(out)
    }

    /// Verify and decrypt the output of [`Self::seal`] with the same `aad`.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, GmError> {
        if sealed.len() < SM4_GCM_OVERHEAD {
            return Err(GmError::SealedTooShort(sealed.len()));
        }
        let (nonce, rest) = sealed.split_at(SM4_GCM_NONCE_LEN);
        let mut n = [0u8; SM4_GCM_NONCE_LEN];
        n.copy_from_slice(nonce);
        self.open_with_nonce(&n, rest, aad)
    }

    /// GCM with a caller-chosen nonce, returning `ciphertext || tag`. Only for known-answer tests
    /// and protocols that derive nonces themselves: reusing a nonce under one key destroys both
    /// confidentiality and authenticity.
    pub fn seal_with_nonce(
        &self,
        nonce: &[u8; SM4_GCM_NONCE_LEN],
        plaintext: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, GmError> {
        self.cipher
            .encrypt(
                &(*nonce).into(),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| GmError::Encrypt)
    }

    /// Inverse of [`Self::seal_with_nonce`]: `ciphertext_and_tag` is `ciphertext || tag`.
    pub fn open_with_nonce(
        &self,
        nonce: &[u8; SM4_GCM_NONCE_LEN],
        ciphertext_and_tag: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, GmError> {
        if ciphertext_and_tag.len() < SM4_GCM_TAG_LEN {
            return Err(GmError::SealedTooShort(ciphertext_and_tag.len()));
        }
        self.cipher
            .decrypt(
                &(*nonce).into(),
                Payload {
                    msg: ciphertext_and_tag,
                    aad,
                },
            )
            .map_err(|_| GmError::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use sm4::cipher::{BlockCipherEncrypt, KeyInit};

    fn hex16(s: &str) -> [u8; 16] {
        let mut out = [0u8; 16];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap_or_default();
        }
        out
    }

    // GB/T 32907-2016 Appendix A, example 1: key = plaintext = 0123456789abcdeffedcba9876543210.
    // Checked here because SM4-GCM's vector alone cannot tell a wrong block cipher from a wrong mode.
    #[test]
    fn sm4_block_gbt32907_example1() {
        let key = hex16("0123456789abcdeffedcba9876543210");
        let cipher = sm4::Sm4::new(&key.into());
        let mut block = key.into();
        cipher.encrypt_block(&mut block);
        assert_eq!(
            <[u8; 16]>::from(block),
            hex16("681edf34d206965e86b3e94f536e4246")
        );
    }

    // GB/T 32907-2016 Appendix A, example 2: the same block encrypted 1,000,000 times under the
    // same key. Dependencies are built at opt-level 3 even in dev, so this takes well under a
    // second; it exercises the key schedule and round function on a million different inputs.
    #[test]
    fn sm4_block_gbt32907_example2_million_iterations() {
        let key = hex16("0123456789abcdeffedcba9876543210");
        let cipher = sm4::Sm4::new(&key.into());
        let mut block = key.into();
        for _ in 0..1_000_000 {
            cipher.encrypt_block(&mut block);
        }
        assert_eq!(
            <[u8; 16]>::from(block),
            hex16("595298c7c6fd271f0402f804c33d3f66")
        );
    }
}
