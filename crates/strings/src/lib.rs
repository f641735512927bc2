//! What an app's constant strings give away: network endpoints (and which are cleartext `http`),
//! IP addresses, embedded secrets (cloud access keys, private keys, tokens), the markers of root,
//! emulator, debugger-hook and tamper detection, and links to a privacy policy.
//!
//! [`StringScanner`] is a [`medshield_apk::CodeObserver`]: it reads every dex's string table during
//! `inspect`'s single pass. One Aho-Corasick automaton finds every marker and secret prefix in one
//! scan per string; candidates are then validated by hand-written checks (no regular expressions
//! per string). Output is bounded: at most [`MAX_ITEMS`] values per kind.
//!
//! Secrets are never reported in full: the evidence keeps a prefix and the length, enough for an
//! owner to find and rotate the key, not enough to use it.

#![cfg_attr(test, allow(clippy::unwrap_used))]

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use aho_corasick::{AhoCorasick, MatchKind};
use medshield_dex::Dex;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Most values kept per kind (URLs, domains, secrets…); counts keep going.
pub const MAX_ITEMS: usize = 500;
/// Strings longer than this are not scanned for endpoints (they are data blobs, not URLs).
const MAX_SCANNED_LEN: usize = 4096;

/// What a marker string is evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkerKind {
    RootDetection,
    EmulatorDetection,
    HookDetection,
    PrivacyPolicy,
}

/// Marker strings, by what they reveal. Chosen from the checks root/emulator/hook detection
/// libraries (RootBeer, SafetyNet helpers, commercial RASP) and Chinese apps' privacy notices use.
const MARKERS: &[(&str, MarkerKind)] = &[
    ("/system/xbin/su", MarkerKind::RootDetection),
    ("/system/bin/su", MarkerKind::RootDetection),
    ("/sbin/su", MarkerKind::RootDetection),
    ("Superuser.apk", MarkerKind::RootDetection),
    ("eu.chainfire.supersu", MarkerKind::RootDetection),
    ("com.topjohnwu.magisk", MarkerKind::RootDetection),
    ("com.noshufou.android.su", MarkerKind::RootDetection),
    ("com.koushikdutta.superuser", MarkerKind::RootDetection),
    ("test-keys", MarkerKind::RootDetection),
    ("/system/app/Superuser", MarkerKind::RootDetection),
    ("which su", MarkerKind::RootDetection),
    ("ro.kernel.qemu", MarkerKind::EmulatorDetection),
    ("goldfish", MarkerKind::EmulatorDetection),
    ("ranchu", MarkerKind::EmulatorDetection),
    ("generic_x86", MarkerKind::EmulatorDetection),
    ("sdk_gphone", MarkerKind::EmulatorDetection),
    ("Genymotion", MarkerKind::EmulatorDetection),
    ("/dev/qemu_pipe", MarkerKind::EmulatorDetection),
    ("/dev/socket/qemud", MarkerKind::EmulatorDetection),
    ("com.bluestacks", MarkerKind::EmulatorDetection),
    ("com.bignox", MarkerKind::EmulatorDetection),
    ("frida-server", MarkerKind::HookDetection),
    ("frida-agent", MarkerKind::HookDetection),
    ("gum-js-loop", MarkerKind::HookDetection),
    ("gmain", MarkerKind::HookDetection),
    ("linjector", MarkerKind::HookDetection),
    ("de.robv.android.xposed", MarkerKind::HookDetection),
    ("XposedBridge", MarkerKind::HookDetection),
    ("com.saurik.substrate", MarkerKind::HookDetection),
    ("隐私政策", MarkerKind::PrivacyPolicy),
    ("隐私协议", MarkerKind::PrivacyPolicy),
    ("隐私权政策", MarkerKind::PrivacyPolicy),
    ("privacy policy", MarkerKind::PrivacyPolicy),
    ("privacy-policy", MarkerKind::PrivacyPolicy),
    ("privacy_policy", MarkerKind::PrivacyPolicy),
    ("privacypolicy", MarkerKind::PrivacyPolicy),
];

/// Most bytes of one native library searched for markers. A check's strings sit in `.rodata`,
/// which the NDK's linker (lld) places before `.text`, near the start of the file; the limit keeps
/// a 100 MB game engine from costing more than an ordinary library.
pub const MAX_NATIVE_SCANNED_BYTES: usize = 8 << 20;

/// Markers that only mean something as a whole word in native string data (C code compares
/// `/proc/self/maps` lines and thread names against them with `strstr`); in dex strings they are
/// too short to tell a check from a class or a sentence that mentions them. Matched in lower case,
/// capitalised and upper case.
const NATIVE_MARKERS: &[(&str, MarkerKind)] = &[
    ("frida", MarkerKind::HookDetection),
    ("xposed", MarkerKind::HookDetection),
    ("libsubstrate", MarkerKind::HookDetection),
    ("magisk", MarkerKind::RootDetection),
];

/// Kinds of embedded secret, each recognised by a fixed prefix and validated by shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    AwsAccessKey,
    AliyunAccessKey,
    TencentCloudSecretId,
    GoogleApiKey,
    PrivateKey,
    StripeSecretKey,
    GithubToken,
    SlackToken,
}

/// How one kind of secret looks: (prefix, kind, shortest and longest total length, which bytes
/// may follow the prefix).
type SecretShape = (&'static str, SecretKind, usize, usize, fn(u8) -> bool);

const SECRET_PREFIXES: &[SecretShape] = &[
    ("AKIA", SecretKind::AwsAccessKey, 20, 20, |b| {
        b.is_ascii_uppercase() || b.is_ascii_digit()
    }),
    ("LTAI", SecretKind::AliyunAccessKey, 16, 30, |b| {
        b.is_ascii_alphanumeric()
    }),
    ("AKID", SecretKind::TencentCloudSecretId, 36, 36, |b| {
        b.is_ascii_alphanumeric()
    }),
    ("AIza", SecretKind::GoogleApiKey, 39, 39, |b| {
        b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
    }),
    ("sk_live_", SecretKind::StripeSecretKey, 24, 107, |b| {
        b.is_ascii_alphanumeric()
    }),
    ("ghp_", SecretKind::GithubToken, 40, 40, |b| {
        b.is_ascii_alphanumeric()
    }),
    ("xoxb-", SecretKind::SlackToken, 20, 255, |b| {
        b.is_ascii_alphanumeric() || b == b'-'
    }),
    ("xoxp-", SecretKind::SlackToken, 20, 255, |b| {
        b.is_ascii_alphanumeric() || b == b'-'
    }),
];

/// An embedded secret, redacted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Secret {
    pub kind: SecretKind,
    /// The first characters only, e.g. `AKIAIOSF…(20)`.
    pub redacted: String,
    /// Where it was found: a dex name, or `resources.arsc`.
    pub dex: String,
}

/// Everything the strings gave away.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StringFacts {
    /// `http://` and `https://` URLs (at most [`MAX_ITEMS`]).
    pub urls: BTreeSet<String>,
    /// Hosts of those URLs.
    pub domains: BTreeSet<String>,
    /// Hosts reached over cleartext `http://` (loopback and documentation hosts excluded).
    pub cleartext_hosts: BTreeSet<String>,
    /// IPv4 addresses written as strings or URL hosts (private, loopback and documentation
    /// ranges included; the indicator layer may filter).
    pub ipv4: BTreeSet<String>,
    pub secrets: BTreeSet<Secret>,
    /// Marker strings found, by kind.
    pub markers: BTreeMap<MarkerKind, BTreeSet<String>>,
    /// Root/emulator/hook markers found in the string data of native libraries: library path →
    /// kind → markers (at most [`MAX_ITEMS`] libraries).
    pub native_markers: BTreeMap<String, BTreeMap<MarkerKind, BTreeSet<&'static str>>>,
    /// Native libraries named like a hooking framework's own library (Frida's gadget or agent):
    /// the app has been instrumented, not protected.
    pub hook_framework_libs: BTreeSet<String>,
    /// Strings scanned.
    pub strings_scanned: u64,
    /// Bytes of native libraries scanned.
    pub native_bytes_scanned: u64,
}

/// Scans dex string tables.
pub struct StringScanner {
    /// `None` only if building from the fixed literals failed, which cannot happen; then nothing
    /// matches rather than a panic.
    automaton: Option<AhoCorasick>,
    /// Matches of the current string, reused across strings.
    found: Vec<(usize, usize)>,
    /// Pattern index → what it means.
    patterns: Vec<PatternMeaning>,
    /// Root/emulator/hook markers for native string data (case variants spelled out); `None` as
    /// above.
    native_automaton: Option<AhoCorasick>,
    /// Pattern index of `native_automaton` → marker.
    native_patterns: Vec<(&'static str, MarkerKind)>,
    facts: StringFacts,
}

#[derive(Clone, Copy)]
enum PatternMeaning {
    Marker(MarkerKind, &'static str),
    Secret(usize),
    PrivateKey,
    Url,
}

impl Default for StringScanner {
    fn default() -> Self {
        Self::new()
    }
}

impl StringScanner {
    pub fn new() -> Self {
        let mut texts: Vec<&'static str> = Vec::new();
        let mut patterns = Vec::new();
        for &(text, kind) in MARKERS {
            texts.push(text);
            patterns.push(PatternMeaning::Marker(kind, text));
        }
        for (i, (prefix, ..)) in SECRET_PREFIXES.iter().enumerate() {
            texts.push(prefix);
            patterns.push(PatternMeaning::Secret(i));
        }
        texts.push("-----BEGIN");
        patterns.push(PatternMeaning::PrivateKey);
        texts.push("http://");
        patterns.push(PatternMeaning::Url);
        texts.push("https://");
        patterns.push(PatternMeaning::Url);
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&texts)
            .ok();
        // Case variants are spelled out rather than searched without case: a case-sensitive
        // automaton keeps its vectorised prefilter, which skips the megabytes of machine code
        // that start no marker (~4× faster on real libraries). Each variant reports the marker.
        let mut native_texts: Vec<String> = Vec::new();
        let mut native_patterns: Vec<(&'static str, MarkerKind)> = Vec::new();
        for &(text, kind) in MARKERS {
            if kind != MarkerKind::PrivacyPolicy {
                native_texts.push(text.to_owned());
                native_patterns.push((text, kind));
            }
        }
        for &(text, kind) in NATIVE_MARKERS {
            let mut capitalized = text.to_owned();
            if let Some(first) = capitalized.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            for variant in [text.to_owned(), capitalized, text.to_ascii_uppercase()] {
                if !native_texts.contains(&variant) {
                    native_texts.push(variant);
                    native_patterns.push((text, kind));
                }
            }
        }
        // Leftmost-longest, not overlapping: the prefilter only helps a search that may skip
        // ahead, and a longer marker (`frida-server`) says all a shorter one within it would.
        let native_automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&native_texts)
            .ok();
        StringScanner {
            automaton,
            found: Vec::new(),
            patterns,
            native_automaton,
            native_patterns,
            facts: StringFacts::default(),
        }
    }

    /// Scans the string data of a native library named `path` (`lib/<abi>/libfoo.so`): its first
    /// [`MAX_NATIVE_SCANNED_BYTES`] bytes, in one automaton pass over the raw bytes. A marker counts
    /// only as a whole word (no letter, digit or `_` on either side), so `frida` in a C string
    /// counts and `isFridaRunning` or `debugmain` do not. A library named like Frida's own gadget
    /// is recorded as such and not searched: its strings are the framework, not a check for it.
    pub fn add_native_lib(&mut self, path: &str, bytes: &[u8]) {
        if is_hook_framework_lib(path) {
            insert_capped(&mut self.facts.hook_framework_libs, path.to_owned());
            return;
        }
        let Some(automaton) = &self.native_automaton else {
            return;
        };
        let data = &bytes[..bytes.len().min(MAX_NATIVE_SCANNED_BYTES)];
        self.facts.native_bytes_scanned += data.len() as u64;
        let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        let mut found: BTreeMap<MarkerKind, BTreeSet<&'static str>> = BTreeMap::new();
        for m in automaton.find_iter(data) {
            let before = m.start().checked_sub(1).and_then(|i| data.get(i));
            let after = data.get(m.end());
            if before.is_some_and(|&b| is_word(b)) || after.is_some_and(|&b| is_word(b)) {
                continue;
            }
            if let Some(&(marker, kind)) = self.native_patterns.get(m.pattern().as_usize()) {
                found.entry(kind).or_default().insert(marker);
            }
        }
        if found.is_empty() {
            return;
        }
        let libs = &mut self.facts.native_markers;
        if libs.len() < MAX_ITEMS || libs.contains_key(path) {
            let entry = libs.entry(path.to_owned()).or_default();
            for (kind, markers) in found {
                entry.entry(kind).or_default().extend(markers);
            }
        }
    }

    /// Scans one string from a dex named `dex`.
    pub fn scan(&mut self, text: &str, dex: &str) {
        self.facts.strings_scanned += 1;
        if text.len() >= 7
            && text.len() <= 15
            && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        {
            if let Ok(ip) = text.parse::<Ipv4Addr>() {
                insert_capped(&mut self.facts.ipv4, ip.to_string());
            }
        }
        let haystack = if text.len() > MAX_SCANNED_LEN {
            &text[..floor_char_boundary(text, MAX_SCANNED_LEN)]
        } else {
            text
        };
        let mut found = std::mem::take(&mut self.found);
        found.clear();
        if let Some(automaton) = &self.automaton {
            found.extend(
                automaton
                    .find_overlapping_iter(haystack)
                    .map(|m| (m.pattern().as_usize(), m.start())),
            );
        }
        for &(pattern, start) in &found {
            let Some(meaning) = self.patterns.get(pattern).copied() else {
                continue;
            };
            match meaning {
                PatternMeaning::Marker(kind, marker) => {
                    let set = self.facts.markers.entry(kind).or_default();
                    insert_capped(set, marker.to_owned());
                }
                PatternMeaning::Secret(i) => {
                    if let Some(secret) = validate_secret(haystack, start, i, dex) {
                        if self.facts.secrets.len() < MAX_ITEMS {
                            self.facts.secrets.insert(secret);
                        }
                    }
                }
                PatternMeaning::PrivateKey => {
                    if haystack
                        .get(start..)
                        .is_some_and(|t| t.starts_with("-----BEGIN"))
                        && haystack.contains("PRIVATE KEY-----")
                        && self.facts.secrets.len() < MAX_ITEMS
                    {
                        self.facts.secrets.insert(Secret {
                            kind: SecretKind::PrivateKey,
                            redacted: "-----BEGIN … PRIVATE KEY-----".into(),
                            dex: dex.to_owned(),
                        });
                    }
                }
                PatternMeaning::Url => self.url_at(haystack, start),
            }
        }
        self.found = found;
    }

    fn url_at(&mut self, text: &str, start: usize) {
        let Some(rest) = text.get(start..) else {
            return;
        };
        let end = rest
            .find(|c: char| {
                c.is_whitespace()
                    || matches!(
                        c,
                        '"' | '\'' | '<' | '>' | '`' | '\\' | '{' | '}' | '|' | '^'
                    )
            })
            .unwrap_or(rest.len());
        let url = &rest[..end];
        let (scheme, after) = match url.split_once("://") {
            Some(parts) => parts,
            None => return,
        };
        let authority = after.split(['/', '?', '#']).next().unwrap_or("");
        let host_port = authority.rsplit('@').next().unwrap_or("");
        let host = host_port
            .split(':')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        // A bare prefix such as "http://" used to build URLs at run time names no host.
        if host.is_empty()
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            || !host.contains('.') && host != "localhost"
        {
            return;
        }
        insert_capped(&mut self.facts.urls, url.to_owned());
        if let Ok(ip) = host.parse::<Ipv4Addr>() {
            insert_capped(&mut self.facts.ipv4, ip.to_string());
        }
        insert_capped(&mut self.facts.domains, host.clone());
        if scheme == "http" && !is_harmless_cleartext_host(&host) {
            insert_capped(&mut self.facts.cleartext_hosts, host);
        }
    }

    /// Scans every string of a dex.
    pub fn add_dex(&mut self, name: &str, dex: &Dex<'_>) {
        for s in dex.strings().flatten() {
            self.scan(&s.text, name);
        }
    }

    pub fn finish(self) -> StringFacts {
        self.facts
    }
}

impl medshield_apk::CodeObserver for StringScanner {
    fn dex(&mut self, name: &str, _primary: bool, dex: &Dex<'_>) {
        self.add_dex(name, dex);
    }

    fn resource_string(&mut self, text: &str) {
        self.scan(text, "resources.arsc");
    }

    fn native_lib(&mut self, name: &str, bytes: &[u8]) {
        self.add_native_lib(name, bytes);
    }
}

/// Frida's gadget (`libfrida-gadget.so`, with its `.config.so`) or agent, under any ABI: what
/// repackaging tools (objection, frida-gadget injectors) add to an app to instrument it. Libraries
/// that merely mention Frida in their name (`libantifrida.so`) are not it.
fn is_hook_framework_lib(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    [
        "frida-gadget",
        "frida_gadget",
        "fridagadget",
        "frida-agent",
        "frida_agent",
    ]
    .iter()
    .any(|n| file.contains(n))
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn insert_capped(set: &mut BTreeSet<String>, value: String) {
    if set.len() < MAX_ITEMS {
        set.insert(value);
    }
}

/// XML namespaces, schema hosts, loopback and documentation names: `http://` there sends nothing
/// over the network.
fn is_harmless_cleartext_host(host: &str) -> bool {
    const HARMLESS: &[&str] = &[
        "schemas.android.com",
        "www.w3.org",
        "ns.adobe.com",
        "xml.org",
        "www.apache.org",
        "apache.org",
        "xmlpull.org",
        "localhost",
        "127.0.0.1",
        "schemas.xmlsoap.org",
        "schemas.microsoft.com",
        "purl.org",
        "json-schema.org",
        "www.slf4j.org",
    ];
    HARMLESS.contains(&host) || host.ends_with(".w3.org")
}

/// A secret starting at `start`, if the characters after the prefix have the kind's shape and the
/// token is delimited (not part of a longer word).
fn validate_secret(text: &str, start: usize, prefix_index: usize, dex: &str) -> Option<Secret> {
    let &(prefix, kind, min_len, max_len, allowed) = SECRET_PREFIXES.get(prefix_index)?;
    let bytes = text.as_bytes();
    if start > 0
        && bytes
            .get(start - 1)
            .is_some_and(|b| b.is_ascii_alphanumeric())
    {
        return None;
    }
    let body_start = start + prefix.len();
    let body_len = bytes
        .get(body_start..)?
        .iter()
        .take_while(|&&b| allowed(b))
        .count();
    let total = prefix.len() + body_len;
    if total < min_len || total > max_len {
        return None;
    }
    let token = &text[start..start + total];
    // Real keys mix character classes; `AKIAAAAAAAAAAAAAAAAA` placeholders do not.
    let distinct: BTreeSet<u8> = token.bytes().skip(prefix.len()).collect();
    if distinct.len() < 6 {
        return None;
    }
    let shown: String = token.chars().take(prefix.len() + 4).collect();
    Some(Secret {
        kind,
        redacted: format!("{shown}…({total})"),
        dex: dex.to_owned(),
    })
}

/// The `strings.*` indicators.
pub fn string_indicators(facts: &StringFacts) -> Map<String, Value> {
    let mut m = Map::new();
    let marker = |k: MarkerKind| -> Value {
        json!(facts
            .markers
            .get(&k)
            .map(|s| s.iter().collect::<Vec<_>>())
            .unwrap_or_default())
    };
    m.insert("strings.urls".into(), json!(facts.urls.len()));
    m.insert("strings.domains".into(), json!(facts.domains));
    m.insert(
        "strings.cleartext_hosts".into(),
        json!(facts.cleartext_hosts),
    );
    let public_ips: Vec<&String> = facts
        .ipv4
        .iter()
        .filter(|ip| {
            ip.parse::<Ipv4Addr>().is_ok_and(|a| {
                !(a.is_private()
                    || a.is_loopback()
                    || a.is_link_local()
                    || a.is_unspecified()
                    || a.is_documentation()
                    || a.is_broadcast())
            })
        })
        .collect();
    m.insert("strings.public_ips".into(), json!(public_ips));
    m.insert("strings.secrets".into(), json!(facts.secrets));
    m.insert(
        "strings.root_detection".into(),
        marker(MarkerKind::RootDetection),
    );
    m.insert(
        "strings.emulator_detection".into(),
        marker(MarkerKind::EmulatorDetection),
    );
    m.insert(
        "strings.hook_detection".into(),
        marker(MarkerKind::HookDetection),
    );
    let privacy_urls = facts
        .urls
        .iter()
        .any(|u| u.to_ascii_lowercase().contains("privacy") || u.contains("yinsi"));
    m.insert(
        "strings.privacy_policy".into(),
        Value::Bool(privacy_urls || facts.markers.contains_key(&MarkerKind::PrivacyPolicy)),
    );
    m
}

/// The native `native.root_detection`, `native.emulator_detection`, `native.hook_detection` and
/// `native.hook_framework_libs` indicators. The detection lists cite `lib/<abi>/libfoo.so:
/// "frida"`, once per library file name and marker (the first ABI in path order stands for the
/// others), counting only libraries for which `third_party` is false: an SDK's or a packer's
/// library checking for Frida is that vendor's check, not the app's.
pub fn native_indicators(
    facts: &StringFacts,
    third_party: impl Fn(&str) -> bool,
) -> Map<String, Value> {
    let mut by_kind: BTreeMap<MarkerKind, Vec<String>> = BTreeMap::new();
    let mut cited: BTreeSet<(MarkerKind, &str, &str)> = BTreeSet::new();
    for (path, kinds) in &facts.native_markers {
        if third_party(path) {
            continue;
        }
        let file = path.rsplit('/').next().unwrap_or(path);
        for (&kind, markers) in kinds {
            for &marker in markers {
                if cited.insert((kind, file, marker)) {
                    by_kind
                        .entry(kind)
                        .or_default()
                        .push(format!("{path}: \"{marker}\""));
                }
            }
        }
    }
    let mut m = Map::new();
    for (key, kind) in [
        ("native.root_detection", MarkerKind::RootDetection),
        ("native.emulator_detection", MarkerKind::EmulatorDetection),
        ("native.hook_detection", MarkerKind::HookDetection),
    ] {
        m.insert(key.into(), json!(by_kind.remove(&kind).unwrap_or_default()));
    }
    m.insert(
        "native.hook_framework_libs".into(),
        json!(facts.hook_framework_libs),
    );
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(strings: &[&str]) -> StringFacts {
        let mut s = StringScanner::new();
        for t in strings {
            s.scan(t, "classes.dex");
        }
        s.finish()
    }

    #[test]
    fn urls_hosts_and_cleartext() {
        let f = scan(&[
            "https://api.hospital.cn/v1/register?id=1",
            "see http://report.example-health.com:8080/upload and more",
            "http://schemas.android.com/apk/res/android",
            "http://",
            "http://10.0.2.2/debug",
        ]);
        assert!(f.domains.contains("api.hospital.cn"));
        assert!(f.cleartext_hosts.contains("report.example-health.com"));
        assert!(!f.cleartext_hosts.contains("schemas.android.com"));
        assert!(f.ipv4.contains("10.0.2.2"));
        assert_eq!(f.urls.len(), 4, "{:?}", f.urls);
        let ind = string_indicators(&f);
        assert_eq!(
            ind["strings.public_ips"],
            json!([]),
            "private addresses are not public"
        );
    }

    #[test]
    fn secrets_are_validated_and_redacted() {
        let f = scan(&[
            "AKIAIOSFODNN7EXAMPL3",
            "AKIAAAAAAAAAAAAAAAAA",
            "xAKIAIOSFODNN7EXAMPL3",
            "key=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
            "LTAI5tGh8Kx2QmN7pRz",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE...",
            "-----BEGIN CERTIFICATE-----",
        ]);
        let kinds: Vec<SecretKind> = f.secrets.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds
                .iter()
                .filter(|k| **k == SecretKind::AwsAccessKey)
                .count(),
            1,
            "{:?}",
            f.secrets
        );
        assert!(kinds.contains(&SecretKind::GoogleApiKey));
        assert!(kinds.contains(&SecretKind::AliyunAccessKey));
        assert!(kinds.contains(&SecretKind::PrivateKey));
        assert_eq!(kinds.len(), 4, "{:?}", f.secrets);
        for s in &f.secrets {
            assert!(
                !s.redacted.contains("IOSFODNN7EXAMPL3"),
                "secret leaked: {}",
                s.redacted
            );
        }
    }

    #[test]
    fn markers() {
        let f = scan(&[
            "/system/xbin/su",
            "ro.kernel.qemu",
            "frida-server",
            "请阅读《隐私政策》",
            "nothing here",
        ]);
        let ind = string_indicators(&f);
        assert_eq!(ind["strings.root_detection"], json!(["/system/xbin/su"]));
        assert_eq!(ind["strings.emulator_detection"], json!(["ro.kernel.qemu"]));
        assert_eq!(ind["strings.hook_detection"], json!(["frida-server"]));
        assert_eq!(ind["strings.privacy_policy"], json!(true));
        let none = string_indicators(&scan(&["hello"]));
        assert_eq!(none["strings.privacy_policy"], json!(false));
        assert_eq!(none["strings.root_detection"], json!([]));
    }

    fn native(libs: &[(&str, &[u8])]) -> Map<String, Value> {
        let mut s = StringScanner::new();
        for (path, bytes) in libs {
            s.add_native_lib(path, bytes);
        }
        native_indicators(&s.finish(), |p| p.ends_with("libsdk.so"))
    }

    #[test]
    fn native_markers_are_whole_words() {
        let check: &[u8] = b"\x7fELF\0\0/proc/self/maps\0frida\0xposed\0r\0/system/xbin/su\0";
        let ind = native(&[
            ("lib/arm64-v8a/libfoo.so", check),
            ("lib/x86/libfoo.so", check),
        ]);
        assert_eq!(
            ind["native.hook_detection"],
            json!([
                "lib/arm64-v8a/libfoo.so: \"frida\"",
                "lib/arm64-v8a/libfoo.so: \"xposed\""
            ]),
            "one citation per library name and marker"
        );
        assert_eq!(
            ind["native.root_detection"],
            json!(["lib/arm64-v8a/libfoo.so: \"/system/xbin/su\""])
        );
        // Inside identifiers and longer words a marker means nothing.
        let ind = native(&[(
            "lib/arm64-v8a/libbar.so",
            b"Java_com_example_isFridaRunning\0debugmain\0fridax\0frida_init\0",
        )]);
        assert_eq!(ind["native.hook_detection"], json!([]));
        // Case does not matter, word boundaries do; Frida's thread names count as they are.
        let ind = native(&[("lib/arm64-v8a/libbar.so", b"\0FRIDA\0gum-js-loop\0")]);
        assert_eq!(
            ind["native.hook_detection"],
            json!([
                "lib/arm64-v8a/libbar.so: \"frida\"",
                "lib/arm64-v8a/libbar.so: \"gum-js-loop\""
            ])
        );
    }

    #[test]
    fn native_markers_of_third_parties_and_gadgets_do_not_count() {
        let ind = native(&[
            ("lib/arm64-v8a/libsdk.so", b"\0frida\0"),
            (
                "lib/arm64-v8a/libfrida-gadget.so",
                b"\0frida\0gum-js-loop\0",
            ),
            ("lib/arm64-v8a/libfrida-gadget.config.so", b"{}"),
            ("lib/arm64-v8a/libantifrida.so", b"\0frida-server\0"),
        ]);
        assert_eq!(
            ind["native.hook_detection"],
            json!(["lib/arm64-v8a/libantifrida.so: \"frida-server\""]),
            "the longest marker at a place, once"
        );
        assert_eq!(
            ind["native.hook_framework_libs"],
            json!([
                "lib/arm64-v8a/libfrida-gadget.config.so",
                "lib/arm64-v8a/libfrida-gadget.so"
            ])
        );
    }

    #[test]
    fn native_scan_is_bounded() {
        let mut big = vec![0u8; MAX_NATIVE_SCANNED_BYTES + 16];
        big[MAX_NATIVE_SCANNED_BYTES + 4..MAX_NATIVE_SCANNED_BYTES + 9].copy_from_slice(b"frida");
        big[100..105].copy_from_slice(b"frida");
        let mut s = StringScanner::new();
        s.add_native_lib("lib/x86/libfoo.so", &big);
        let facts = s.finish();
        assert_eq!(facts.native_bytes_scanned, MAX_NATIVE_SCANNED_BYTES as u64);
        assert!(facts.native_markers.contains_key("lib/x86/libfoo.so"));
        let mut s = StringScanner::new();
        big[100..105].copy_from_slice(b"\0\0\0\0\0");
        s.add_native_lib("lib/x86/libfoo.so", &big);
        assert!(
            s.finish().native_markers.is_empty(),
            "a marker past the limit is not read"
        );
        // Empty and tiny inputs are fine.
        let ind = native(&[("lib/x86/libfoo.so", b""), ("lib/x86/libbar.so", b"frida")]);
        assert_eq!(
            ind["native.hook_detection"],
            json!(["lib/x86/libbar.so: \"frida\""])
        );
    }

    #[test]
    fn hostile_strings_do_not_panic() {
        let long = "http://".repeat(10_000);
        let f = scan(&[
            &long,
            "http://\u{7fff}.",
            "https://a.b:99999999999999999999/",
            "AKIA",
            "-----BEGIN",
            "😀http://😀.cn",
        ]);
        assert!(f.urls.len() <= MAX_ITEMS);
    }
}
