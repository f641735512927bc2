//! SM3 (GB/T 32905-2016) and HMAC-SM3.

use hmac::{KeyInit, Mac};
use sm3::Digest;

/// SM3 digest of `data`.
pub fn sm3(data: &[u8]) -> [u8; 32] {
    sm3::Sm3::digest(data).into()
}

/// Incremental SM3, for inputs that arrive in pieces (files, streams).
///
/// A wrapper rather than a re-export so callers need no `digest` trait imports and the crate can
/// change its backend without breaking them.
#[derive(Clone, Default)]
pub struct Sm3Hasher(sm3::Sm3);

impl std::fmt::Debug for Sm3Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sm3Hasher")
    }
}

impl Sm3Hasher {
    /// A hasher with nothing absorbed yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Absorb more input.
    pub fn update(&mut self, data: &[u8]) -> &mut Self {
        Digest::update(&mut self.0, data);
        self
    }

    /// The digest of everything absorbed.
    pub fn finalize(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

impl std::io::Write for Sm3Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// HMAC-SM3 (RFC 2104 construction with SM3, 64-byte block) of `data` under `key`.
pub fn hmac_sm3(key: &[u8], data: &[u8]) -> [u8; 32] {
    // RFC 2104 key preparation done here (hash keys longer than the block, zero-pad the rest), so
    // the infallible block-sized constructor can be used and there is no error path at all.
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&sm3(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut mac = <hmac::Hmac<sm3::Sm3> as KeyInit>::new(&block.into());
    mac.update(data);
    mac.finalize().into_bytes().into()
}
