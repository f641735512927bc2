//! Third-party SDK and packer/protector signatures for Android packages.
//!
//! MedShield reports which SDKs an app embeds (with the personal data each is known to collect)
//! and whether its code is hidden by a packer, because both change what a scan can claim: an
//! advertising SDK reading device ids is a privacy finding, and a packed app's code findings are
//! incomplete. This crate holds the signature library as data (`data/*.toml`, embedded with
//! `include_str!` and parsed once) and a matcher over evidence the caller extracted:
//! dex class descriptors, native library paths, APK entry paths and manifest class names.
//!
//! What it is not: it reads no files and parses no formats (the caller feeds strings from
//! `medshield-dex`/`medshield-zip`), and it does not judge obfuscation levels (the analyzer's
//! heuristic); it only names obfuscators that leave recognisable traces.
//!
//! Matching is by package prefix on package boundaries (`com.umeng` matches
//! `Lcom/umeng/analytics/X;`, never `Lcom/umengx/Y;`), the longest (most specific) prefix wins, and
//! descriptors are resolved per distinct package with a one-entry cache, so a dex's sorted
//! `type_ids` cost about one binary search per package, not per class.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod detect;
mod glob;
mod spec;

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

pub use detect::{
    Detections, Detector, Evidence, Match, MatchKind, PackerDetection, SdkDetection, MAX_SAMPLES,
};
pub use spec::{Category, PackerKind, PackerSpec, PersonalData, SdkSpec};

/// The embedded SDK signatures.
pub const BUILTIN_SDKS: &str = include_str!("../data/sdks.toml");
/// The embedded packer/protector/obfuscator signatures.
pub const BUILTIN_PACKERS: &str = include_str!("../data/packers.toml");

/// Bounds on user-supplied data, so a hostile or mistaken rules directory cannot make the matcher
/// slow or huge.
const MAX_ENTRIES: usize = 10_000;
const MAX_PATTERNS_PER_ENTRY: usize = 256;
const MAX_PATTERN_LEN: usize = 256;
const MAX_GLOB_STARS: usize = 4;

/// Why signature data was rejected.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    /// The TOML did not parse or did not have the expected shape.
    #[error("signature data is not valid TOML of the expected shape: {0}")]
    Toml(#[from] toml::de::Error),
    /// Two entries share an id.
    #[error("duplicate signature id `{0}`")]
    DuplicateId(String),
    /// A required text field is empty.
    #[error("signature `{id}`: field `{field}` is empty")]
    EmptyField {
        /// Entry id (or `?` when the id itself is empty).
        id: String,
        /// Field name.
        field: &'static str,
    },
    /// An entry has no pattern at all and could never match.
    #[error("signature `{0}` has no packages, classes, native_libs or files pattern")]
    NoPatterns(String),
    /// A pattern is malformed.
    #[error("signature `{id}`: bad {field} pattern `{pattern}`: {why}")]
    BadPattern {
        /// Entry id.
        id: String,
        /// Field name.
        field: &'static str,
        /// The offending pattern.
        pattern: String,
        /// What was expected.
        why: &'static str,
    },
    /// The same package/class pattern belongs to two entries, so a match would be ambiguous.
    #[error("pattern `{pattern}` is claimed by both `{first}` and `{second}`")]
    AmbiguousPattern {
        /// The pattern (slash form).
        pattern: String,
        /// First owner id.
        first: String,
        /// Second owner id.
        second: String,
    },
    /// Too many entries or patterns.
    #[error("signature data too large: {0}")]
    TooLarge(&'static str),
}

/// Which entry a pattern belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    Sdk(u32),
    Packer(u32),
}

/// A compiled glob pattern with its owner.
#[derive(Debug, Clone)]
pub(crate) struct GlobPat {
    pub glob: glob::Glob,
    pub owner: Owner,
}

/// The compiled signature library.
#[derive(Debug, Clone)]
pub struct SignatureDb {
    sdks: Vec<SdkSpec>,
    packers: Vec<PackerSpec>,
    /// Package prefixes in slash form with a trailing `/` (`com/umeng/`), sorted.
    prefixes: Vec<(Box<str>, Owner)>,
    /// Exact classes in slash form without `L`/`;` (`com/stub/StubApp`), sorted.
    classes: Vec<(Box<str>, Owner)>,
    /// Packages (slash form, trailing `/`) holding at least one exact class, sorted: lets the
    /// matcher skip the exact-class lookup for almost every package.
    class_packages: Vec<Box<str>>,
    native_globs: Vec<GlobPat>,
    file_globs: Vec<GlobPat>,
}

impl SignatureDb {
    /// The built-in library (parsed once per process, then shared).
    pub fn builtin() -> &'static SignatureDb {
        static DB: OnceLock<SignatureDb> = OnceLock::new();
        DB.get_or_init(|| {
            // The embedded data is validated by this crate's tests; should it ever fail to load,
            // an empty library (no detections) is safer than a panic in a scanner.
            Self::from_sources(&[BUILTIN_SDKS, BUILTIN_PACKERS]).unwrap_or_else(|_| Self::empty())
        })
    }

    /// Like [`builtin`](Self::builtin) but reporting a load error instead of hiding it.
    pub fn try_builtin() -> Result<SignatureDb, SignatureError> {
        Self::from_sources(&[BUILTIN_SDKS, BUILTIN_PACKERS])
    }

    /// A library from one TOML document of `[[sdk]]` and `[[packer]]` tables.
    pub fn from_toml(text: &str) -> Result<SignatureDb, SignatureError> {
        Self::from_sources(&[text])
    }

    /// The built-in library plus user additions; a user entry whose id exists replaces the
    /// built-in one, so users can correct as well as extend.
    pub fn builtin_with(user_toml: &str) -> Result<SignatureDb, SignatureError> {
        let mut base = DataFile::default();
        for src in [BUILTIN_SDKS, BUILTIN_PACKERS] {
            let f: DataFile = toml::from_str(src)?;
            base.sdk.extend(f.sdk);
            base.packer.extend(f.packer);
        }
        let user: DataFile = toml::from_str(user_toml)?;
        let user_ids: HashSet<&str> = user
            .sdk
            .iter()
            .map(|s| s.id.as_str())
            .chain(user.packer.iter().map(|p| p.id.as_str()))
            .collect();
        base.sdk.retain(|s| !user_ids.contains(s.id.as_str()));
        base.packer.retain(|p| !user_ids.contains(p.id.as_str()));
        base.sdk.extend(user.sdk);
        base.packer.extend(user.packer);
        Self::compile(base.sdk, base.packer)
    }

    fn empty() -> Self {
        SignatureDb {
            sdks: Vec::new(),
            packers: Vec::new(),
            prefixes: Vec::new(),
            classes: Vec::new(),
            class_packages: Vec::new(),
            native_globs: Vec::new(),
            file_globs: Vec::new(),
        }
    }

    fn from_sources(sources: &[&str]) -> Result<SignatureDb, SignatureError> {
        let mut sdks = Vec::new();
        let mut packers = Vec::new();
        for src in sources {
            let f: DataFile = toml::from_str(src)?;
            sdks.extend(f.sdk);
            packers.extend(f.packer);
        }
        Self::compile(sdks, packers)
    }

    fn compile(
        sdks: Vec<SdkSpec>,
        packers: Vec<PackerSpec>,
    ) -> Result<SignatureDb, SignatureError> {
        if sdks.len() + packers.len() > MAX_ENTRIES {
            return Err(SignatureError::TooLarge("more than MAX_ENTRIES signatures"));
        }
        let mut db = Self::empty();
        let mut ids = HashSet::new();
        let mut check_common = |id: &str, name: &str, vendor: &str| {
            for (field, v) in [("id", id), ("name", name), ("vendor", vendor)] {
                if v.trim().is_empty() {
                    return Err(SignatureError::EmptyField {
                        id: if id.is_empty() { "?".into() } else { id.into() },
                        field,
                    });
                }
            }
            if !ids.insert(id.to_owned()) {
                return Err(SignatureError::DuplicateId(id.into()));
            }
            Ok(())
        };
        for s in &sdks {
            check_common(&s.id, &s.name, &s.vendor)?;
        }
        for p in &packers {
            check_common(&p.id, &p.name, &p.vendor)?;
        }
        for (i, s) in sdks.iter().enumerate() {
            let owner = Owner::Sdk(index_u32(i)?);
            db.add_patterns(
                &s.id,
                owner,
                [&s.packages, &s.classes, &s.native_libs, &s.files],
            )?;
        }
        for (i, p) in packers.iter().enumerate() {
            let owner = Owner::Packer(index_u32(i)?);
            db.add_patterns(
                &p.id,
                owner,
                [&p.packages, &p.classes, &p.native_libs, &p.files],
            )?;
        }
        db.sdks = sdks;
        db.packers = packers;
        db.prefixes.sort_by(|a, b| a.0.cmp(&b.0));
        db.classes.sort_by(|a, b| a.0.cmp(&b.0));
        for table in [&db.prefixes, &db.classes] {
            for w in table.windows(2) {
                if w[0].0 == w[1].0 {
                    return Err(SignatureError::AmbiguousPattern {
                        pattern: w[0].0.to_string(),
                        first: db.owner_id(w[0].1).into(),
                        second: db.owner_id(w[1].1).into(),
                    });
                }
            }
        }
        let mut cps: Vec<Box<str>> = db
            .classes
            .iter()
            .map(|(c, _)| {
                let cut = c.rfind('/').map_or(0, |i| i + 1);
                Box::<str>::from(&c[..cut])
            })
            .collect();
        cps.sort();
        cps.dedup();
        db.class_packages = cps;
        Ok(db)
    }

    fn add_patterns(
        &mut self,
        id: &str,
        owner: Owner,
        [packages, classes, libs, files]: [&Vec<String>; 4],
    ) -> Result<(), SignatureError> {
        let total = packages.len() + classes.len() + libs.len() + files.len();
        if total == 0 {
            return Err(SignatureError::NoPatterns(id.into()));
        }
        if total > MAX_PATTERNS_PER_ENTRY {
            return Err(SignatureError::TooLarge(
                "more than MAX_PATTERNS_PER_ENTRY patterns",
            ));
        }
        let bad =
            |field: &'static str, pattern: &str, why: &'static str| SignatureError::BadPattern {
                id: id.into(),
                field,
                pattern: pattern.into(),
                why,
            };
        for p in packages {
            let mut key = java_name_to_slash(p).ok_or_else(|| {
                bad(
                    "packages",
                    p,
                    "a dotted Java package such as `com.umeng` or `Lcom/umeng/`",
                )
            })?;
            // A one-segment prefix (`com`) would claim half of all code.
            if !key.contains('/') {
                return Err(bad("packages", p, "at least two segments"));
            }
            key.push('/');
            self.prefixes.push((key.into(), owner));
        }
        for c in classes {
            let key = java_name_to_slash(c).ok_or_else(|| {
                bad(
                    "classes",
                    c,
                    "a dotted class name such as `com.stub.StubApp`",
                )
            })?;
            self.classes.push((key.into(), owner));
        }
        for (field, list, out) in [
            ("native_libs", libs, &mut self.native_globs),
            ("files", files, &mut self.file_globs),
        ] {
            for g in list {
                if g.is_empty() || g.len() > MAX_PATTERN_LEN {
                    return Err(bad(field, g, "1 to MAX_PATTERN_LEN characters"));
                }
                if g.matches('*').count() > MAX_GLOB_STARS {
                    return Err(bad(field, g, "at most MAX_GLOB_STARS `*` wildcards"));
                }
                if g.chars().filter(|&c| c != '*').count() < 4 {
                    return Err(bad(field, g, "at least 4 literal characters"));
                }
                if field == "native_libs" && g.contains('/') {
                    return Err(bad(field, g, "a file name without directories"));
                }
                out.push(GlobPat {
                    glob: glob::Glob::new(g),
                    owner,
                });
            }
        }
        Ok(())
    }

    pub(crate) fn owner_id(&self, o: Owner) -> &str {
        match o {
            Owner::Sdk(i) => self.sdks.get(i as usize).map_or("?", |s| s.id.as_str()),
            Owner::Packer(i) => self.packers.get(i as usize).map_or("?", |p| p.id.as_str()),
        }
    }

    /// All SDK signatures.
    pub fn sdks(&self) -> &[SdkSpec] {
        &self.sdks
    }

    /// All packer/protector/obfuscator signatures.
    pub fn packers(&self) -> &[PackerSpec] {
        &self.packers
    }

    /// A streaming matcher: feed evidence piece by piece (no need to collect descriptors first).
    pub fn detector(&self) -> Detector<'_> {
        Detector::new(self)
    }

    /// Matches all of `evidence` at once.
    pub fn detect(&self, evidence: &Evidence<'_>) -> Detections {
        let mut d = self.detector();
        for c in evidence.class_descriptors {
            d.class_descriptor(c);
        }
        for c in evidence.app_classes {
            d.app_class(c);
        }
        for l in evidence.native_libs {
            d.native_lib(l);
        }
        for f in evidence.files {
            d.file(f);
        }
        d.finish()
    }

    /// Package patterns of one entry that sit inside another entry's package pattern without
    /// that entry being listed in `nests_in`: usually a mistake (the inner SDK silently takes
    /// over part of the outer one). Returns `(inner id, inner pattern, outer id, outer pattern)`.
    pub fn undeclared_nesting(&self) -> Vec<(String, String, String, String)> {
        let nests: HashMap<&str, &[String]> = self
            .sdks
            .iter()
            .map(|s| (s.id.as_str(), s.nests_in.as_slice()))
            .chain(
                self.packers
                    .iter()
                    .map(|p| (p.id.as_str(), p.nests_in.as_slice())),
            )
            .collect();
        let mut out = Vec::new();
        let all = self
            .prefixes
            .iter()
            .map(|(k, o)| (k.as_ref(), *o))
            .chain(self.classes.iter().map(|(k, o)| (k.as_ref(), *o)));
        for (inner, io) in all {
            // Every proper package-boundary prefix of `inner`.
            for (i, _) in inner.match_indices('/') {
                let outer = &inner[..=i];
                if outer.len() == inner.len() {
                    continue;
                }
                if let Ok(j) = self
                    .prefixes
                    .binary_search_by(|(k, _)| k.as_ref().cmp(outer))
                {
                    let oo = self.prefixes[j].1;
                    if oo == io {
                        continue;
                    }
                    let inner_id = self.owner_id(io);
                    let outer_id = self.owner_id(oo);
                    let declared = nests
                        .get(inner_id)
                        .is_some_and(|n| n.iter().any(|x| x == outer_id));
                    if !declared {
                        out.push((inner_id.into(), inner.into(), outer_id.into(), outer.into()));
                    }
                }
            }
        }
        out
    }
}

fn index_u32(i: usize) -> Result<u32, SignatureError> {
    u32::try_from(i).map_err(|_| SignatureError::TooLarge("index overflow"))
}

/// `com.umeng.analytics` or `Lcom/umeng/analytics/` (or `...;`) → `com/umeng/analytics`.
/// `None` unless every segment is a plausible Java identifier.
fn java_name_to_slash(p: &str) -> Option<String> {
    let p = p.trim();
    if p.is_empty() || p.len() > MAX_PATTERN_LEN {
        return None;
    }
    let body = if p.starts_with('L') && (p.contains('/') || p.ends_with(';')) {
        p.strip_prefix('L')?
            .trim_end_matches(';')
            .trim_end_matches('/')
            .to_owned()
    } else if p.contains('/') {
        return None;
    } else {
        p.trim_end_matches('.').replace('.', "/")
    };
    let ok = !body.is_empty()
        && body.split('/').all(|seg| {
            !seg.is_empty()
                && seg
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '-')
        });
    ok.then_some(body)
}

use spec::DataFile;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_conversion() {
        assert_eq!(java_name_to_slash("com.umeng").unwrap(), "com/umeng");
        assert_eq!(java_name_to_slash("Lcom/umeng/").unwrap(), "com/umeng");
        assert_eq!(
            java_name_to_slash("Lcom/stub/StubApp;").unwrap(),
            "com/stub/StubApp"
        );
        assert_eq!(java_name_to_slash("com.umeng.").unwrap(), "com/umeng");
        assert!(java_name_to_slash("com..umeng").is_none());
        assert!(java_name_to_slash("com/umeng").is_none());
        assert!(java_name_to_slash("").is_none());
    }

    #[test]
    fn rejects_bad_data() {
        let one_segment = r#"[[sdk]]
id = "x"
name = "X"
vendor = "V"
category = "analytics"
packages = ["com"]"#;
        assert!(matches!(
            SignatureDb::from_toml(one_segment),
            Err(SignatureError::BadPattern { .. })
        ));
        let no_patterns = r#"[[sdk]]
id = "x"
name = "X"
vendor = "V"
category = "analytics""#;
        assert!(matches!(
            SignatureDb::from_toml(no_patterns),
            Err(SignatureError::NoPatterns(_))
        ));
        let dup = r#"[[sdk]]
id = "x"
name = "X"
vendor = "V"
category = "push"
packages = ["com.a.b"]
[[packer]]
id = "x"
name = "Y"
vendor = "V"
kind = "packer"
native_libs = ["libyy.so"]"#;
        assert!(matches!(
            SignatureDb::from_toml(dup),
            Err(SignatureError::DuplicateId(_))
        ));
        let ambiguous = r#"[[sdk]]
id = "x"
name = "X"
vendor = "V"
category = "push"
packages = ["com.a.b"]
[[sdk]]
id = "y"
name = "Y"
vendor = "V"
category = "push"
packages = ["Lcom/a/b/"]"#;
        assert!(matches!(
            SignatureDb::from_toml(ambiguous),
            Err(SignatureError::AmbiguousPattern { .. })
        ));
        let unknown_field = r#"[[sdk]]
id = "x"
name = "X"
vendor = "V"
category = "push"
pakages = ["com.a.b"]"#;
        assert!(matches!(
            SignatureDb::from_toml(unknown_field),
            Err(SignatureError::Toml(_))
        ));
        let bad_category = r#"[[sdk]]
id = "x"
name = "X"
vendor = "V"
category = "spyware"
packages = ["com.a.b"]"#;
        assert!(SignatureDb::from_toml(bad_category).is_err());
        let short_glob = r#"[[packer]]
id = "x"
name = "X"
vendor = "V"
kind = "packer"
native_libs = ["*.so"]"#;
        assert!(matches!(
            SignatureDb::from_toml(short_glob),
            Err(SignatureError::BadPattern { .. })
        ));
    }

    #[test]
    fn user_entries_replace_builtin() {
        let user = r#"[[sdk]]
id = "umeng-analytics"
name = "Umeng (patched)"
vendor = "Umeng"
category = "analytics"
packages = ["com.umeng.analytics"]
[[sdk]]
id = "acme-tracker"
name = "Acme"
vendor = "Acme"
category = "analytics"
packages = ["com.acme.track"]"#;
        let db = SignatureDb::builtin_with(user).unwrap();
        let n = SignatureDb::builtin().sdks().len();
        assert_eq!(db.sdks().len(), n + 1);
        assert!(db.sdks().iter().any(|s| s.name == "Umeng (patched)"));
    }
}
