use super::*;
use medshield_axml::pool::StringPool;

fn pool(strings: &[&str]) -> Vec<u8> {
    // UTF-8 pool
    let mut data = Vec::new();
    let mut offs = Vec::new();
    for s in strings {
        offs.push(data.len() as u32);
        let n = s.chars().count();
        data.push(n as u8);
        data.push(s.len() as u8);
        data.extend_from_slice(s.as_bytes());
        data.push(0);
    }
    while data.len() % 4 != 0 {
        data.push(0);
    }
    let start = 28 + 4 * strings.len() as u32;
    let mut out = Vec::new();
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&28u16.to_le_bytes());
    out.extend_from_slice(&(start + data.len() as u32).to_le_bytes());
    out.extend_from_slice(&(strings.len() as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(1u32 << 8).to_le_bytes());
    out.extend_from_slice(&start.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    for o in offs {
        out.extend_from_slice(&o.to_le_bytes());
    }
    out.extend_from_slice(&data);
    out
}

/// A type chunk for type 1 with one config (language, region) and `values` string indices
/// (None = no entry); `mode` 0 dense, 1 offset16, 2 sparse, 3 compact entries.
fn type_chunk(lang: &str, region: &str, values: &[Option<u32>], mode: u8) -> Vec<u8> {
    let mut cfg = vec![0u8; 64];
    cfg[0..4].copy_from_slice(&64u32.to_le_bytes());
    cfg[8..8 + lang.len()].copy_from_slice(lang.as_bytes());
    cfg[10..10 + region.len()].copy_from_slice(region.as_bytes());
    let hs = 20 + cfg.len();
    let mut index = Vec::new();
    let mut entries = Vec::new();
    let mut count = 0u32;
    for (i, v) in values.iter().enumerate() {
        match (mode, v) {
            (2, None) => {}
            (2, Some(_)) => {
                index.extend_from_slice(&(i as u16).to_le_bytes());
                index.extend_from_slice(&((entries.len() / 4) as u16).to_le_bytes());
                count += 1;
            }
            (1, None) => index.extend_from_slice(&0xffffu16.to_le_bytes()),
            (1, Some(_)) => index.extend_from_slice(&((entries.len() / 4) as u16).to_le_bytes()),
            (_, None) => index.extend_from_slice(&u32::MAX.to_le_bytes()),
            (_, Some(_)) => index.extend_from_slice(&(entries.len() as u32).to_le_bytes()),
        }
        if mode != 2 {
            count = values.len() as u32;
        }
        if let Some(s) = v {
            if mode == 3 {
                entries.extend_from_slice(&(i as u16).to_le_bytes());
                entries.extend_from_slice(&(0x0008u16 | (3u16 << 8)).to_le_bytes());
                entries.extend_from_slice(&s.to_le_bytes());
            } else {
                entries.extend_from_slice(&8u16.to_le_bytes());
                entries.extend_from_slice(&0u16.to_le_bytes());
                entries.extend_from_slice(&(i as u32).to_le_bytes());
                entries.extend_from_slice(&8u16.to_le_bytes());
                entries.push(0);
                entries.push(3);
                entries.extend_from_slice(&s.to_le_bytes());
            }
        }
    }
    while index.len() % 4 != 0 {
        index.extend_from_slice(&[0xff, 0xff]);
    }
    let entries_start = hs + index.len();
    let size = entries_start + entries.len();
    let mut out = Vec::new();
    out.extend_from_slice(&0x0201u16.to_le_bytes());
    out.extend_from_slice(&(hs as u16).to_le_bytes());
    out.extend_from_slice(&(size as u32).to_le_bytes());
    out.push(1);
    out.push(match mode {
        1 => 2,
        2 => 1,
        _ => 0,
    });
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&(entries_start as u32).to_le_bytes());
    out.extend_from_slice(&cfg);
    out.extend_from_slice(&index);
    out.extend_from_slice(&entries);
    out
}

fn table(mode: u8) -> Vec<u8> {
    let global = pool(&["Default", "简体", "繁體", "English GB", "res/xml/nsc.xml"]);
    let types = pool(&["string"]);
    let keys = pool(&["app_name", "other", "file"]);
    let mut pkg_body = Vec::new();
    let hs = 288usize;
    let type_off = hs;
    let key_off = hs + types.len();
    pkg_body.extend_from_slice(&types);
    pkg_body.extend_from_slice(&keys);
    pkg_body.extend_from_slice(&type_chunk("", "", &[Some(0), None, Some(4)], mode));
    pkg_body.extend_from_slice(&type_chunk("zh", "CN", &[Some(1)], mode));
    pkg_body.extend_from_slice(&type_chunk("zh", "TW", &[Some(2)], mode));
    pkg_body.extend_from_slice(&type_chunk("en", "GB", &[Some(3)], mode));
    let mut pkg = Vec::new();
    pkg.extend_from_slice(&0x0200u16.to_le_bytes());
    pkg.extend_from_slice(&(hs as u16).to_le_bytes());
    pkg.extend_from_slice(&((hs + pkg_body.len()) as u32).to_le_bytes());
    pkg.extend_from_slice(&0x7fu32.to_le_bytes());
    let mut name = vec![0u8; 256];
    for (i, c) in "com.ex".encode_utf16().enumerate() {
        name[i * 2..i * 2 + 2].copy_from_slice(&c.to_le_bytes());
    }
    pkg.extend_from_slice(&name);
    pkg.extend_from_slice(&(type_off as u32).to_le_bytes());
    pkg.extend_from_slice(&1u32.to_le_bytes());
    pkg.extend_from_slice(&(key_off as u32).to_le_bytes());
    pkg.extend_from_slice(&3u32.to_le_bytes());
    pkg.extend_from_slice(&0u32.to_le_bytes());
    pkg.extend_from_slice(&pkg_body);
    let mut out = Vec::new();
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&12u16.to_le_bytes());
    out.extend_from_slice(&((12 + global.len() + pkg.len()) as u32).to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&global);
    out.extend_from_slice(&pkg);
    out
}

#[test]
fn resolves_in_every_index_mode() {
    for mode in 0..4 {
        let bytes = table(mode);
        let t = ResourceTable::parse(&bytes).unwrap();
        assert!(t.anomalies().is_empty(), "mode {mode}: {:?}", t.anomalies());
        assert_eq!(t.packages()[0].name, "com.ex");
        assert_eq!(
            t.default_string(0x7f01_0000).as_deref(),
            Some("Default"),
            "mode {mode}"
        );
        assert_eq!(
            t.string_for_locale(0x7f01_0000, "zh-CN").as_deref(),
            Some("简体")
        );
        assert_eq!(
            t.string_for_locale(0x7f01_0000, "zh-TW").as_deref(),
            Some("繁體")
        );
        // zh-HK shares the Traditional script with zh-TW.
        assert_eq!(
            t.string_for_locale(0x7f01_0000, "zh-HK").as_deref(),
            Some("繁體")
        );
        assert_eq!(
            t.string_for_locale(0x7f01_0000, "en-AU").as_deref(),
            Some("English GB")
        );
        assert_eq!(
            t.string_for_locale(0x7f01_0000, "en").as_deref(),
            Some("Default")
        );
        assert_eq!(
            t.string_for_locale(0x7f01_0000, "fr").as_deref(),
            Some("Default")
        );
        let all = t.resolve_string(0x7f01_0000);
        assert_eq!(all.len(), 4);
        assert!(all.contains(&("zh-CN".to_owned(), "简体".to_owned())));
        assert_eq!(
            t.resolve_file(0x7f01_0002).as_deref(),
            Some("res/xml/nsc.xml")
        );
        assert!(t.resolve(0x7f01_0001).is_empty());
        assert!(t.resolve(0x7f02_0000).is_empty());
        assert_eq!(t.name_of(0x7f01_0002).as_deref(), Some("string/file"));
        assert_eq!(t.locales(), vec!["", "en-GB", "zh-CN", "zh-TW"]);
    }
}

#[test]
fn truncations_never_panic() {
    let bytes = table(2);
    for n in 0..bytes.len() {
        if let Ok(t) = ResourceTable::parse(&bytes[..n]) {
            let _ = t.resolve_string(0x7f01_0000);
        }
    }
    assert_eq!(
        ResourceTable::parse(&[1, 2]).unwrap_err(),
        ArscError::Truncated { len: 2 }
    );
    let _ = StringPool::default();
}

#[test]
fn packed_language() {
    // "fil" packed: see ResTable_config::packLanguageOrRegion.
    let (a, b, c) = (b'f' - b'a', b'i' - b'a', b'l' - b'a');
    let packed = [0x80 | (c << 2) | (b >> 3), ((b & 7) << 5) | a];
    assert_eq!(locale::unpack(packed, b'a'), "fil");
}

#[test]
fn reference_cycles_are_bounded() {
    let mut bytes = table(0);
    // Default config, entry 0: a simple string value; turn it into a reference to itself.
    let pat = [8u8, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 3, 0, 0, 0, 0];
    let at = bytes.windows(pat.len()).position(|w| w == pat).unwrap();
    bytes[at + 11] = 1;
    bytes[at + 12..at + 16].copy_from_slice(&0x7f01_0000u32.to_le_bytes());
    let t = ResourceTable::parse(&bytes).unwrap();
    assert_eq!(
        t.resolve(0x7f01_0000)[0].1,
        ResValue::Reference(0x7f01_0000)
    );
    assert_eq!(t.default_string(0x7f01_0000), None);
    assert_eq!(
        t.string_for_locale(0x7f01_0000, "zh-CN").as_deref(),
        Some("简体")
    );
    // French falls back to the default configuration, which loops: no value, no hang.
    assert_eq!(t.string_for_locale(0x7f01_0000, "fr"), None);
}
