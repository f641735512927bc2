//! Locale unpacking and the locale part of `ResTable_config::match` / `isLocaleBetterThan`, with
//! small built-in tables in place of CLDR's likely-script and region-parent data.

use crate::ConfigDescriptor;

/// `unpackLanguageOrRegion`: two bytes, or a packed 3-letter code when the high bit is set.
pub(crate) fn unpack(b: [u8; 2], base: u8) -> String {
    if b[0] & 0x80 != 0 {
        let first = b[1] & 0x1f;
        let second = ((b[1] & 0xe0) >> 5) + ((b[0] & 0x03) << 3);
        let third = (b[0] & 0x7c) >> 2;
        return [first, second, third]
            .iter()
            .map(|&c| char::from(c.wrapping_add(base)))
            .collect();
    }
    if b[0] == 0 {
        return String::new();
    }
    b.iter()
        .take_while(|&&c| c != 0)
        .map(|&c| char::from(c))
        .collect()
}

/// A requested locale.
#[derive(Debug, Clone, Default)]
pub(crate) struct Locale {
    pub language: String,
    pub script: String,
    pub region: String,
}

impl Locale {
    /// Parses aapt's `lang[-Script][-REGION]` form.
    pub fn parse(s: &str) -> Locale {
        let mut l = Locale::default();
        // Also accept the resource-directory form "b+sr+Latn".
        let (s, sep) = match s.strip_prefix("b+") {
            Some(rest) => (rest, '+'),
            None => (s, '-'),
        };
        for (i, part) in s.split(sep).enumerate() {
            if i == 0 {
                l.language = part.to_owned();
            } else if part.len() == 4 && part.chars().all(|c| c.is_ascii_alphabetic()) {
                l.script = part.to_owned();
            } else if l.region.is_empty() {
                l.region = part.to_owned();
            }
        }
        if l.script.is_empty() {
            l.script = likely_script(&l.language, &l.region).to_owned();
        }
        l
    }
}

/// Likely script of a language in a region, for the languages whose script depends on the region;
/// "Latn"-like placeholder "" means "same for the whole language".
fn likely_script(lang: &str, region: &str) -> &'static str {
    match lang {
        "zh" => match region {
            "TW" | "HK" | "MO" => "Hant",
            _ => "Hans",
        },
        "sr" => "Cyrl",
        "pa" => {
            if region == "PK" {
                "Arab"
            } else {
                "Guru"
            }
        }
        "uz" => {
            if region == "AF" {
                "Arab"
            } else {
                "Latn"
            }
        }
        "az" => {
            if region == "IR" {
                "Arab"
            } else {
                "Latn"
            }
        }
        "" => "",
        _ => "*",
    }
}

fn langs_equivalent(a: &str, b: &str) -> bool {
    a == b || matches!((a, b), ("tl", "fil") | ("fil", "tl"))
}

fn config_script(c: &ConfigDescriptor) -> &str {
    if !c.script.is_empty() {
        &c.script
    } else {
        likely_script(&c.language, &c.region)
    }
}

/// Locale part of `ResTable_config::match`.
pub(crate) fn matches(c: &ConfigDescriptor, req: &Locale) -> bool {
    if c.language.is_empty() {
        return true;
    }
    if !langs_equivalent(&c.language, &req.language) {
        return false;
    }
    // Scripts must agree when known; countries need not (a zh-HK value serves zh-TW).
    config_script(c) == req.script
}

/// Regions whose English is a descendant of en-001 (not "close to US English").
const EN_001_REGIONS: &[&str] = &[
    "150", "AG", "AI", "AT", "AU", "BB", "BE", "BM", "BS", "BW", "BZ", "CA", "CC", "CH", "CK",
    "CM", "CX", "CY", "DE", "DG", "DK", "DM", "ER", "FI", "FJ", "FK", "FM", "GB", "GD", "GG", "GH",
    "GI", "GM", "GY", "HK", "IE", "IL", "IM", "IN", "IO", "JE", "JM", "KE", "KI", "KN", "KY", "LC",
    "LR", "LS", "MG", "MO", "MS", "MT", "MU", "MV", "MW", "MY", "NA", "NF", "NG", "NL", "NR", "NU",
    "NZ", "PG", "PK", "PN", "PW", "RW", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SL", "SS", "SX",
    "SZ", "TC", "TK", "TO", "TT", "TV", "TZ", "UG", "VC", "VG", "VU", "WS", "ZA", "ZM", "ZW",
    "001",
];

fn close_to_us_english(region: &str) -> bool {
    !EN_001_REGIONS.contains(&region)
}

/// Rank of a matching candidate's region against the request: exact > parent (en-001 for its
/// descendants, 419 for Latin American Spanish) > language-only > other sibling.
fn region_rank(c: &ConfigDescriptor, req: &Locale) -> u8 {
    if c.region == req.region {
        4
    } else if (c.language == "en" && c.region == "001" && !close_to_us_english(&req.region))
        || (c.language == "es" && c.region == "419" && !req.region.is_empty() && req.region != "ES")
    {
        3
    } else if c.region.is_empty() {
        2
    } else if c.language == "pt" && c.region == "PT" && req.region != "BR" {
        // pt-PT is the parent of the other Portuguese regions except Brazil.
        3
    } else {
        1
    }
}

/// `isBetterThan` restricted to locale, then the SDK version qualifier, then specificity.
pub(crate) fn is_better(a: &ConfigDescriptor, b: &ConfigDescriptor, req: &Locale) -> bool {
    if !req.language.is_empty() && (!a.language.is_empty() || !b.language.is_empty()) {
        if !langs_equivalent(&a.language, &b.language) {
            // One has the language, the other none.
            if req.language == "en" {
                if req.region == "US" {
                    return if !a.language.is_empty() {
                        a.region.is_empty() || a.region == "US"
                    } else {
                        !(b.region.is_empty() || b.region == "US")
                    };
                } else if close_to_us_english(&req.region) {
                    return if !a.language.is_empty() {
                        close_to_us_english(&a.region)
                    } else {
                        !close_to_us_english(&b.region)
                    };
                }
            }
            return !a.language.is_empty();
        }
        let (ra, rb) = (region_rank(a, req), region_rank(b, req));
        if ra != rb {
            return ra > rb;
        }
        if a.variant != b.variant {
            return a.variant.is_empty() && !b.variant.is_empty();
        }
    }
    if a.sdk_version != b.sdk_version {
        return a.sdk_version > b.sdk_version;
    }
    // Other qualifiers: the more specific one wins (density etc. rarely matter for strings).
    let spec = |c: &ConfigDescriptor| {
        u32::from(c.density != 0)
            + u32::from(c.orientation != 0)
            + u32::from(c.screen_layout != 0)
            + u32::from(c.smallest_screen_width_dp != 0)
    };
    spec(a) > spec(b)
}
