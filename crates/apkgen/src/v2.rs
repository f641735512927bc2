//! APK Signature Scheme v2: the content digest over the archive's three sections, the signer block,
//! and the APK Signing Block inserted between the entries and the central directory.

use sha2::{Digest, Sha256};

use crate::cert::SignerKey;
use crate::zip::Zip;
use crate::GenError;

/// Block id of the v2 signature in the APK Signing Block.
const V2_BLOCK_ID: u32 = 0x7109_871a;
/// ECDSA with SHA2-256 over 1 MiB chunks.
const SIGNATURE_ECDSA_WITH_SHA256: u32 = 0x0201;
const CHUNK_SIZE: usize = 1 << 20;
const MAGIC: &[u8; 16] = b"APK Sig Block 42";

/// `data` prefixed with its u32 length.
fn prefixed(data: &[u8]) -> Result<Vec<u8>, GenError> {
    let n = u32::try_from(data.len())
        .map_err(|_| GenError::TooLarge("signature block field".into()))?;
    let mut out = Vec::with_capacity(4 + data.len());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(data);
    Ok(out)
}

/// A sequence of length-prefixed items.
fn sequence(items: &[Vec<u8>]) -> Result<Vec<u8>, GenError> {
    let mut out = Vec::new();
    for i in items {
        out.extend_from_slice(&prefixed(i)?);
    }
    Ok(out)
}

/// The v2 content digest: SHA-256 over 1 MiB chunks of every section, then over the chunk digests.
fn content_digest(sections: &[&[u8]]) -> Result<[u8; 32], GenError> {
    let mut chunk_digests = Vec::new();
    let mut count: u32 = 0;
    for section in sections {
        for chunk in section.chunks(CHUNK_SIZE) {
            let mut h = Sha256::new();
            h.update([0xa5]);
            h.update((chunk.len() as u32).to_le_bytes());
            h.update(chunk);
            chunk_digests.extend_from_slice(&h.finalize());
            count = count
                .checked_add(1)
                .ok_or_else(|| GenError::TooLarge("package".into()))?;
        }
    }
    let mut h = Sha256::new();
    h.update([0x5a]);
    h.update(count.to_le_bytes());
    h.update(&chunk_digests);
    Ok(h.finalize().into())
}

/// Signs an unsigned archive, returning the package.
pub fn sign(zip: Zip, signer: &SignerKey) -> Result<Vec<u8>, GenError> {
    let Zip {
        bytes,
        cd_offset,
        eocd_offset,
    } = zip;
    let entries = bytes
        .get(..cd_offset)
        .ok_or_else(|| GenError::TooLarge("archive layout".into()))?;
    let central = bytes
        .get(cd_offset..eocd_offset)
        .ok_or_else(|| GenError::TooLarge("archive layout".into()))?;
    let eocd = bytes
        .get(eocd_offset..)
        .ok_or_else(|| GenError::TooLarge("archive layout".into()))?;
    // The EOCD's central-directory offset is digested as the signing block's start, which in the
    // unsigned archive is exactly where the central directory begins: digest it as written.
    let digest = content_digest(&[entries, central, eocd])?;

    let digests = sequence(&[[
        SIGNATURE_ECDSA_WITH_SHA256.to_le_bytes().as_slice(),
        &prefixed(&digest)?,
    ]
    .concat()])?;
    let certificates = sequence(&[signer.certificate_der().to_vec()])?;
    let signed_data = [
        prefixed(&digests)?,
        prefixed(&certificates)?,
        prefixed(&[])?, // additional attributes
    ]
    .concat();
    let signature = signer.sign(&signed_data);
    let signatures = sequence(&[[
        SIGNATURE_ECDSA_WITH_SHA256.to_le_bytes().as_slice(),
        &prefixed(&signature)?,
    ]
    .concat()])?;
    let signer_block = [
        prefixed(&signed_data)?,
        prefixed(&signatures)?,
        prefixed(signer.public_key_der())?,
    ]
    .concat();
    let v2_value = prefixed(&sequence(&[signer_block])?)?;

    // APK Signing Block: size, (length, id, value) pairs, size again, magic.
    let pair_len = 4 + v2_value.len();
    let block_size = (8 + pair_len + 8 + MAGIC.len()) as u64;
    let mut block = Vec::with_capacity(8 + block_size as usize);
    block.extend_from_slice(&block_size.to_le_bytes());
    block.extend_from_slice(&(pair_len as u64).to_le_bytes());
    block.extend_from_slice(&V2_BLOCK_ID.to_le_bytes());
    block.extend_from_slice(&v2_value);
    block.extend_from_slice(&block_size.to_le_bytes());
    block.extend_from_slice(MAGIC);

    let new_cd_offset = u32::try_from(cd_offset + block.len())
        .map_err(|_| GenError::TooLarge("package (ZIP64 not written)".into()))?;
    let mut out = Vec::with_capacity(bytes.len() + block.len());
    out.extend_from_slice(entries);
    out.extend_from_slice(&block);
    out.extend_from_slice(central);
    let eocd_at = out.len();
    out.extend_from_slice(eocd);
    // EOCD offset 16: start of the central directory.
    out.get_mut(eocd_at + 16..eocd_at + 20)
        .ok_or_else(|| GenError::TooLarge("archive layout".into()))?
        .copy_from_slice(&new_cd_offset.to_le_bytes());
    Ok(out)
}
