//! A one-resource `resources.arsc`: `@string/app_name` (0x7f010000) in the default configuration
//! and optionally in `zh-rCN`, so a package carries its label the way real apps do (aapt only
//! prints labels it can find through the resource table's configurations).

use crate::axml::string_pool;
use crate::GenError;

const RES_TABLE_TYPE: u16 = 0x0002;
const RES_TABLE_PACKAGE_TYPE: u16 = 0x0200;
const RES_TABLE_TYPE_TYPE: u16 = 0x0201;
const RES_TABLE_TYPE_SPEC_TYPE: u16 = 0x0202;
/// `ResTable_typeSpec` flag: the entry varies by locale.
const CONFIG_LOCALE: u32 = 0x0004;
/// `ResTable_config` as current aapt2 writes it (fields past those a reader knows are zero).
const CONFIG_SIZE: usize = 64;
const PACKAGE_HEADER_SIZE: usize = 288;
const PACKAGE_ID: u32 = 0x7f;
const STRING_TYPE_ID: u8 = 1;
/// The resource id of the label: package 0x7f, type 1 (`string`), entry 0.
pub const LABEL_ID: u32 = 0x7f01_0000;

fn header(out: &mut Vec<u8>, kind: u16, header_size: usize, size: usize) -> Result<(), GenError> {
    let too_large = || GenError::TooLarge("resources.arsc".into());
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(
        &u16::try_from(header_size)
            .map_err(|_| too_large())?
            .to_le_bytes(),
    );
    out.extend_from_slice(&u32::try_from(size).map_err(|_| too_large())?.to_le_bytes());
    Ok(())
}

/// One `ResTable_type` chunk with the single string entry pointing at global string `value`.
fn type_chunk(language: &[u8; 2], country: &[u8; 2], value: u32) -> Result<Vec<u8>, GenError> {
    let header_size = 20 + CONFIG_SIZE;
    let entries_start = header_size + 4; // one offset
    let entry_len = 8 + 8;
    let mut out = Vec::new();
    header(
        &mut out,
        RES_TABLE_TYPE_TYPE,
        header_size,
        entries_start + entry_len,
    )?;
    out.push(STRING_TYPE_ID);
    out.push(0); // flags
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes()); // entryCount
    out.extend_from_slice(&(entries_start as u32).to_le_bytes());
    let mut config = [0u8; CONFIG_SIZE];
    config[..4].copy_from_slice(&(CONFIG_SIZE as u32).to_le_bytes());
    config[8..10].copy_from_slice(language);
    config[10..12].copy_from_slice(country);
    out.extend_from_slice(&config);
    out.extend_from_slice(&0u32.to_le_bytes()); // entry 0 at offset 0
    out.extend_from_slice(&8u16.to_le_bytes()); // ResTable_entry size
    out.extend_from_slice(&0u16.to_le_bytes()); // flags
    out.extend_from_slice(&0u32.to_le_bytes()); // key: "app_name"
    out.extend_from_slice(&8u16.to_le_bytes()); // Res_value size
    out.push(0);
    out.push(0x03); // TYPE_STRING
    out.extend_from_slice(&value.to_le_bytes());
    Ok(out)
}

/// The table and the label's resource id.
pub fn build(
    package: &str,
    label: &str,
    label_zh: Option<&str>,
) -> Result<(Vec<u8>, u32), GenError> {
    let mut values = vec![label.to_owned()];
    values.extend(label_zh.map(str::to_owned));
    let values = string_pool(&values)?;
    let type_strings = string_pool(&["string".to_owned()])?;
    let key_strings = string_pool(&["app_name".to_owned()])?;

    let mut spec = Vec::new();
    header(&mut spec, RES_TABLE_TYPE_SPEC_TYPE, 16, 16 + 4)?;
    spec.push(STRING_TYPE_ID);
    spec.push(0);
    spec.extend_from_slice(&0u16.to_le_bytes());
    spec.extend_from_slice(&1u32.to_le_bytes());
    let flags = if label_zh.is_some() { CONFIG_LOCALE } else { 0 };
    spec.extend_from_slice(&flags.to_le_bytes());

    let default = type_chunk(&[0, 0], &[0, 0], 0)?;
    let zh = match label_zh {
        Some(_) => type_chunk(b"zh", b"CN", 1)?,
        None => Vec::new(),
    };

    let pkg_size = PACKAGE_HEADER_SIZE
        + type_strings.len()
        + key_strings.len()
        + spec.len()
        + default.len()
        + zh.len();
    let mut pkg = Vec::with_capacity(pkg_size);
    header(
        &mut pkg,
        RES_TABLE_PACKAGE_TYPE,
        PACKAGE_HEADER_SIZE,
        pkg_size,
    )?;
    pkg.extend_from_slice(&PACKAGE_ID.to_le_bytes());
    // The package name: 128 UTF-16 units, NUL-padded; longer names are cut, as aapt does.
    let mut name = [0u16; 128];
    for (slot, unit) in name.iter_mut().take(127).zip(package.encode_utf16()) {
        *slot = unit;
    }
    for unit in name {
        pkg.extend_from_slice(&unit.to_le_bytes());
    }
    let type_off = PACKAGE_HEADER_SIZE as u32;
    let key_off = type_off + type_strings.len() as u32;
    pkg.extend_from_slice(&type_off.to_le_bytes());
    pkg.extend_from_slice(&1u32.to_le_bytes()); // lastPublicType
    pkg.extend_from_slice(&key_off.to_le_bytes());
    pkg.extend_from_slice(&1u32.to_le_bytes()); // lastPublicKey
    pkg.extend_from_slice(&0u32.to_le_bytes()); // typeIdOffset
    pkg.extend_from_slice(&type_strings);
    pkg.extend_from_slice(&key_strings);
    pkg.extend_from_slice(&spec);
    pkg.extend_from_slice(&default);
    pkg.extend_from_slice(&zh);

    let total = 12 + values.len() + pkg.len();
    let mut out = Vec::with_capacity(total);
    header(&mut out, RES_TABLE_TYPE, 12, total)?;
    out.extend_from_slice(&1u32.to_le_bytes()); // packageCount
    out.extend_from_slice(&values);
    out.extend_from_slice(&pkg);
    Ok((out, LABEL_ID))
}
