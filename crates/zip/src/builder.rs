//! Writes ZIP archives byte by byte, including the tricks hostile packages use (misleading local
//! headers, lying sizes and CRCs, ZIP64, data descriptors), for tests in this and other crates.
//! Enabled by the `builder` feature; not for production use (it panics on impossible input).

#![allow(clippy::unwrap_used)]

use std::io::Write;

use crate::{
    CENTRAL_HEADER_SIGNATURE, EOCD_SIGNATURE, FLAG_DATA_DESCRIPTOR, LOCAL_HEADER_SIGNATURE,
    ZIP64_EOCD_LOCATOR_SIGNATURE, ZIP64_EOCD_SIGNATURE, ZIP64_EXTRA_ID,
};

/// One entry to write; fields left `None` get their honest value.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    pub name: Vec<u8>,
    pub content: Vec<u8>,
    pub deflate: bool,
    pub data_descriptor: bool,
    pub local_method: Option<u16>,
    pub local_name: Option<Vec<u8>>,
    pub declared_size: Option<u64>,
    pub crc: Option<u32>,
    pub flags: u16,
}

pub fn spec(name: &str, content: &[u8], deflate: bool) -> Spec {
    Spec {
        name: name.as_bytes().to_vec(),
        content: content.to_vec(),
        deflate,
        ..Spec::default()
    }
}

pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Writes a ZIP with the given entries; `zip64` forces ZIP64 records.
pub fn build(specs: &[Spec], comment: &[u8], zip64: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for s in specs {
        let payload = if s.deflate {
            deflate(&s.content)
        } else {
            s.content.clone()
        };
        let method: u16 = if s.deflate { 8 } else { 0 };
        let crc = s.crc.unwrap_or_else(|| crc32fast::hash(&s.content));
        let usize_ = s.declared_size.unwrap_or(s.content.len() as u64);
        let mut flags = s.flags;
        if s.data_descriptor {
            flags |= FLAG_DATA_DESCRIPTOR;
        }
        let offset = out.len() as u64;
        let lname = s.local_name.clone().unwrap_or_else(|| s.name.clone());
        out.extend_from_slice(&LOCAL_HEADER_SIGNATURE.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&s.local_method.unwrap_or(method).to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        if s.data_descriptor {
            out.extend_from_slice(&[0; 12]);
        } else {
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            out.extend_from_slice(&(usize_ as u32).to_le_bytes());
        }
        out.extend_from_slice(&(lname.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&lname);
        out.extend_from_slice(&payload);
        if s.data_descriptor {
            out.extend_from_slice(&0x0807_4b50u32.to_le_bytes());
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            out.extend_from_slice(&(usize_ as u32).to_le_bytes());
        }
        let mut extra = Vec::new();
        let (csz, usz, off) = if zip64 {
            extra.extend_from_slice(&ZIP64_EXTRA_ID.to_le_bytes());
            extra.extend_from_slice(&24u16.to_le_bytes());
            extra.extend_from_slice(&usize_.to_le_bytes());
            extra.extend_from_slice(&(payload.len() as u64).to_le_bytes());
            extra.extend_from_slice(&offset.to_le_bytes());
            (u32::MAX, u32::MAX, u32::MAX)
        } else {
            (payload.len() as u32, usize_ as u32, offset as u32)
        };
        central.extend_from_slice(&CENTRAL_HEADER_SIGNATURE.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&flags.to_le_bytes());
        central.extend_from_slice(&method.to_le_bytes());
        central.extend_from_slice(&[0; 4]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&csz.to_le_bytes());
        central.extend_from_slice(&usz.to_le_bytes());
        central.extend_from_slice(&(s.name.len() as u16).to_le_bytes());
        central.extend_from_slice(&(extra.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 10]);
        central.extend_from_slice(&off.to_le_bytes());
        central.extend_from_slice(&s.name);
        central.extend_from_slice(&extra);
    }
    let cd_offset = out.len() as u64;
    out.extend_from_slice(&central);
    let n = specs.len() as u64;
    if zip64 {
        let z_at = out.len() as u64;
        out.extend_from_slice(&ZIP64_EOCD_SIGNATURE.to_le_bytes());
        out.extend_from_slice(&44u64.to_le_bytes());
        out.extend_from_slice(&[45, 0, 45, 0]);
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&(central.len() as u64).to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&ZIP64_EOCD_LOCATOR_SIGNATURE.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&z_at.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
    }
    out.extend_from_slice(&EOCD_SIGNATURE.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    let (count, size, off) = if zip64 {
        (u16::MAX, u32::MAX, u32::MAX)
    } else {
        (n as u16, central.len() as u32, cd_offset as u32)
    };
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&off.to_le_bytes());
    out.extend_from_slice(&(comment.len() as u16).to_le_bytes());
    out.extend_from_slice(comment);
    out
}
