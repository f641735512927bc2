//! A minimal ZIP writer for packages: deflated or stored entries, no data descriptors, a fixed
//! timestamp (builds are reproducible), stored entries' data 4-byte aligned through apksigner's
//! alignment extra field (Android maps `resources.arsc` in place).

use std::io::Write;

use crate::GenError;

const LOCAL_HEADER_SIGNATURE: u32 = 0x0403_4b50;
const CENTRAL_HEADER_SIGNATURE: u32 = 0x0201_4b50;
const EOCD_SIGNATURE: u32 = 0x0605_4b50;
const METHOD_STORED: u16 = 0;
const METHOD_DEFLATED: u16 = 8;
/// 1981-01-01 00:00 in MS-DOS format, the fixed date reproducible-build tools use.
const DOS_DATE: u16 = (1 << 9) | (1 << 5) | 1;
const DOS_TIME: u16 = 0;
/// apksigner's alignment extra field: id, size, alignment, then zero padding.
const ALIGNMENT_EXTRA_ID: u16 = 0xd935;
const STORED_ALIGNMENT: usize = 4;

/// One file to put in the archive.
pub struct Entry {
    pub name: &'static str,
    pub data: Vec<u8>,
    pub deflate: bool,
}

/// An archive and where its central directory and end record start.
pub struct Zip {
    pub bytes: Vec<u8>,
    pub cd_offset: usize,
    pub eocd_offset: usize,
}

fn u16_of(n: usize) -> Result<u16, GenError> {
    u16::try_from(n).map_err(|_| GenError::TooLarge("ZIP field (16-bit)".into()))
}

fn u32_of(n: usize) -> Result<u32, GenError> {
    u32::try_from(n).map_err(|_| GenError::TooLarge("ZIP field (ZIP64 not written)".into()))
}

fn deflate(data: &[u8]) -> Result<Vec<u8>, GenError> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data)?;
    Ok(e.finish()?)
}

/// Writes `entries` in order.
pub fn write(entries: &[Entry]) -> Result<Zip, GenError> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let (method, payload) = if e.deflate {
            (METHOD_DEFLATED, deflate(&e.data)?)
        } else {
            (METHOD_STORED, e.data.clone())
        };
        let crc = crc32fast::hash(&e.data);
        let name = e.name.as_bytes();
        let offset = out.len();
        let mut extra = Vec::new();
        if !e.deflate {
            let unpadded = offset + 30 + name.len() + 6;
            let pad = (STORED_ALIGNMENT - unpadded % STORED_ALIGNMENT) % STORED_ALIGNMENT;
            extra.extend_from_slice(&ALIGNMENT_EXTRA_ID.to_le_bytes());
            extra.extend_from_slice(&u16_of(2 + pad)?.to_le_bytes());
            extra.extend_from_slice(&u16_of(STORED_ALIGNMENT)?.to_le_bytes());
            extra.resize(6 + pad, 0);
        }
        let version: u16 = if e.deflate { 20 } else { 10 };
        let common = |buf: &mut Vec<u8>| -> Result<(), GenError> {
            buf.extend_from_slice(&version.to_le_bytes()); // version needed
            buf.extend_from_slice(&0u16.to_le_bytes()); // flags
            buf.extend_from_slice(&method.to_le_bytes());
            buf.extend_from_slice(&DOS_TIME.to_le_bytes());
            buf.extend_from_slice(&DOS_DATE.to_le_bytes());
            buf.extend_from_slice(&crc.to_le_bytes());
            buf.extend_from_slice(&u32_of(payload.len())?.to_le_bytes());
            buf.extend_from_slice(&u32_of(e.data.len())?.to_le_bytes());
            buf.extend_from_slice(&u16_of(name.len())?.to_le_bytes());
            Ok(())
        };
        out.extend_from_slice(&LOCAL_HEADER_SIGNATURE.to_le_bytes());
        common(&mut out)?;
        out.extend_from_slice(&u16_of(extra.len())?.to_le_bytes());
        out.extend_from_slice(name);
        out.extend_from_slice(&extra);
        out.extend_from_slice(&payload);

        central.extend_from_slice(&CENTRAL_HEADER_SIGNATURE.to_le_bytes());
        central.extend_from_slice(&version.to_le_bytes()); // version made by (MS-DOS)
        common(&mut central)?;
        central.extend_from_slice(&0u16.to_le_bytes()); // extra
        central.extend_from_slice(&0u16.to_le_bytes()); // comment
        central.extend_from_slice(&0u16.to_le_bytes()); // disk
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&u32_of(offset)?.to_le_bytes());
        central.extend_from_slice(name);
    }
    let cd_offset = out.len();
    out.extend_from_slice(&central);
    let eocd_offset = out.len();
    let count = u16_of(entries.len())?;
    out.extend_from_slice(&EOCD_SIGNATURE.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&u32_of(central.len())?.to_le_bytes());
    out.extend_from_slice(&u32_of(cd_offset)?.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment length
    Ok(Zip {
        bytes: out,
        cd_offset,
        eocd_offset,
    })
}
