//! Which entries of the archive carry code, and in what role.

/// The role an entry plays for `inspect`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Role {
    /// `classes.dex`, `classes2.dex`, … at the root: the code Android loads (if in sequence).
    PrimaryDex,
    /// `lib/<abi>/<name>.so`: a native library the installer extracts for that ABI.
    NativeLib { abi: String },
    /// Anything else that may hide code: `.dex`, `.jar`, `.apk`, `.zip`, `.so` elsewhere, or an entry
    /// whose first bytes say so (decided after sniffing).
    MaybeEmbeddedCode,
    /// Everything else.
    Other,
}

/// ABIs Android's installer knows (`lib/<abi>/`).
pub(crate) const KNOWN_ABIS: &[&str] = &[
    "armeabi",
    "armeabi-v7a",
    "arm64-v8a",
    "x86",
    "x86_64",
    "mips",
    "mips64",
    "riscv64",
];

/// The file extensions that commonly carry code hidden from the primary dex list.
const CODE_EXTENSIONS: &[&str] = &[
    ".dex", ".jar", ".apk", ".zip", ".so", ".odex", ".vdex", ".oat",
];

pub(crate) fn role(name: &str) -> Role {
    if is_primary_dex_name(name) {
        return Role::PrimaryDex;
    }
    if let Some(rest) = name.strip_prefix("lib/") {
        if let Some((abi, file)) = rest.split_once('/') {
            if !file.contains('/') && file.ends_with(".so") && KNOWN_ABIS.contains(&abi) {
                return Role::NativeLib {
                    abi: abi.to_owned(),
                };
            }
        }
    }
    let lower = name.to_ascii_lowercase();
    if CODE_EXTENSIONS.iter().any(|ext| lower.ends_with(ext)) {
        return Role::MaybeEmbeddedCode;
    }
    Role::Other
}

/// `classes.dex` or `classes<N>.dex` (N ≥ 2, no leading zero) at the archive root.
pub(crate) fn is_primary_dex_name(name: &str) -> bool {
    dex_index(name).is_some()
}

/// 1 for `classes.dex`, N for `classesN.dex`; `None` for anything Android would not load by name.
pub(crate) fn dex_index(name: &str) -> Option<u32> {
    let middle = name.strip_prefix("classes")?.strip_suffix(".dex")?;
    if middle.is_empty() {
        return Some(1);
    }
    if middle.starts_with('0') || !middle.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    middle.parse::<u32>().ok().filter(|&n| n >= 2)
}

/// Magic numbers that identify code regardless of the entry's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniffed {
    Dex,
    Zip,
    Elf,
    Unknown,
}

pub(crate) fn sniff(prefix: &[u8]) -> Sniffed {
    if prefix.starts_with(b"dex\n") {
        Sniffed::Dex
    } else if prefix.starts_with(b"PK\x03\x04") || prefix.starts_with(b"PK\x05\x06") {
        Sniffed::Zip
    } else if prefix.starts_with(b"\x7fELF") {
        Sniffed::Elf
    } else {
        Sniffed::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dex_names_follow_androids_multidex_rule() {
        assert_eq!(dex_index("classes.dex"), Some(1));
        assert_eq!(dex_index("classes2.dex"), Some(2));
        assert_eq!(dex_index("classes16.dex"), Some(16));
        assert_eq!(dex_index("classes1.dex"), None);
        assert_eq!(dex_index("classes02.dex"), None);
        assert_eq!(dex_index("assets/classes.dex"), None);
        assert_eq!(dex_index("classesX.dex"), None);
    }

    #[test]
    fn roles() {
        assert_eq!(
            role("lib/arm64-v8a/libfoo.so"),
            Role::NativeLib {
                abi: "arm64-v8a".into()
            }
        );
        assert_eq!(role("lib/arm64-v8a/sub/libfoo.so"), Role::MaybeEmbeddedCode);
        assert_eq!(role("lib/weird/libfoo.so"), Role::MaybeEmbeddedCode);
        assert_eq!(role("assets/payload.JAR"), Role::MaybeEmbeddedCode);
        assert_eq!(role("res/raw/a.png"), Role::Other);
        assert_eq!(role("classes3.dex"), Role::PrimaryDex);
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff(b"dex\n035\0"), Sniffed::Dex);
        assert_eq!(sniff(b"PK\x03\x04...."), Sniffed::Zip);
        assert_eq!(sniff(b"\x7fELF\x02"), Sniffed::Elf);
        assert_eq!(sniff(b"\x89PNG"), Sniffed::Unknown);
    }
}
