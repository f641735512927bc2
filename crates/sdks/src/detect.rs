//! Matching evidence against the signature library.

use serde::Serialize;

use crate::spec::{Category, PackerKind, PersonalData};
use crate::{Owner, SignatureDb};

/// How many evidence samples a detection keeps; the count covers the rest.
pub const MAX_SAMPLES: usize = 3;

/// Everything the matcher looks at, as borrowed strings.
#[derive(Debug, Clone, Copy, Default)]
pub struct Evidence<'e> {
    /// Dex `type_ids` descriptors (`Lcom/umeng/analytics/MobclickAgent;`); array and primitive
    /// descriptors are accepted and handled (arrays by their element type).
    pub class_descriptors: &'e [&'e str],
    /// Native library paths (`lib/arm64-v8a/libjiagu_a64.so`); matched by file name.
    pub native_libs: &'e [&'e str],
    /// APK entry paths (`assets/ijiami.dat`).
    pub files: &'e [&'e str],
    /// Manifest class names, dotted and fully qualified: the `application` class, its
    /// `appComponentFactory`, and component names (`com.stub.StubApp`).
    pub app_classes: &'e [&'e str],
}

/// Where a match came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// A dex class descriptor.
    Class,
    /// A manifest application/component class name.
    AppClass,
    /// A native library file name.
    NativeLib,
    /// An APK entry path.
    File,
}

/// One piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Match {
    /// What kind of evidence.
    pub kind: MatchKind,
    /// The descriptor, class name or path as given.
    pub value: String,
}

/// A detected SDK.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SdkDetection {
    /// Stable signature id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Chinese name, when customary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    /// Vendor.
    pub vendor: String,
    /// Category.
    pub category: Category,
    /// Personal data the vendor discloses collecting (may be empty: unknown, not "none").
    pub personal_data: Vec<PersonalData>,
    /// Homepage / privacy policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Number of matching evidence items.
    pub match_count: usize,
    /// Up to [`MAX_SAMPLES`] evidence items.
    pub evidence: Vec<Match>,
}

/// A detected packer, protector or obfuscator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackerDetection {
    /// Stable signature id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Chinese name, when customary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    /// Vendor.
    pub vendor: String,
    /// Packer, protector or obfuscator.
    pub kind: PackerKind,
    /// Number of matching evidence items.
    pub match_count: usize,
    /// Up to [`MAX_SAMPLES`] evidence items.
    pub evidence: Vec<Match>,
}

/// Everything detected, each list sorted by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Detections {
    /// Detected SDKs (`sdks.detected`).
    pub sdks: Vec<SdkDetection>,
    /// Detected packers/protectors/obfuscators (`packers.detected`).
    pub packers: Vec<PackerDetection>,
}

impl Detections {
    /// `true` when a code-hiding packer was found (the `packed` indicator): static code
    /// findings are then incomplete. Protectors and obfuscators alone do not count.
    pub fn packed(&self) -> bool {
        self.packers.iter().any(|p| p.kind == PackerKind::Packer)
    }

    /// The detected SDK with this id.
    pub fn sdk(&self, id: &str) -> Option<&SdkDetection> {
        self.sdks.iter().find(|s| s.id == id)
    }

    /// The detected packer with this id.
    pub fn packer(&self, id: &str) -> Option<&PackerDetection> {
        self.packers.iter().find(|p| p.id == id)
    }
}

#[derive(Debug, Default, Clone)]
struct Hit {
    count: usize,
    samples: Vec<Match>,
}

impl Hit {
    fn add(&mut self, kind: MatchKind, value: &str) {
        self.count = self.count.saturating_add(1);
        if self.samples.len() < MAX_SAMPLES {
            self.samples.push(Match {
                kind,
                value: value.to_owned(),
            });
        }
    }
}

/// Streaming matcher from [`SignatureDb::detector`]. Feed descriptors in any order; feeding a
/// dex's `type_ids` in their (sorted) order makes the per-package cache hit almost always.
#[derive(Debug)]
pub struct Detector<'db> {
    db: &'db SignatureDb,
    sdk_hits: Vec<Hit>,
    packer_hits: Vec<Hit>,
    /// Last resolved package (slash form with trailing `/`) and its prefix owner.
    cache_pkg: String,
    cache_owner: Option<Owner>,
    cache_has_classes: bool,
    cache_valid: bool,
    scratch: String,
}

impl<'db> Detector<'db> {
    pub(crate) fn new(db: &'db SignatureDb) -> Self {
        Detector {
            db,
            sdk_hits: vec![Hit::default(); db.sdks.len()],
            packer_hits: vec![Hit::default(); db.packers.len()],
            cache_pkg: String::new(),
            cache_owner: None,
            cache_has_classes: false,
            cache_valid: false,
            scratch: String::new(),
        }
    }

    fn hit(&mut self, owner: Owner, kind: MatchKind, value: &str) {
        let slot = match owner {
            Owner::Sdk(i) => self.sdk_hits.get_mut(i as usize),
            Owner::Packer(i) => self.packer_hits.get_mut(i as usize),
        };
        if let Some(h) = slot {
            h.add(kind, value);
        }
    }

    /// Longest package prefix owning `pkg` (slash form ending in `/`, or empty), and whether
    /// exact-class patterns live in exactly this package.
    fn resolve_package(&mut self, pkg: &str) -> (Option<Owner>, bool) {
        if self.cache_valid && self.cache_pkg == pkg {
            return (self.cache_owner, self.cache_has_classes);
        }
        let db = self.db;
        let mut owner = None;
        // Candidate prefixes end at each `/`, longest first.
        let mut end = pkg.len();
        while end > 0 {
            let cand = &pkg[..end];
            if let Ok(j) = db.prefixes.binary_search_by(|(k, _)| k.as_ref().cmp(cand)) {
                owner = db.prefixes.get(j).map(|p| p.1);
                break;
            }
            // Next shorter boundary: the `/` before the trailing one.
            end = match cand[..cand.len().saturating_sub(1)].rfind('/') {
                Some(i) => i + 1,
                None => 0,
            };
        }
        let has_classes = db
            .class_packages
            .binary_search_by(|k| k.as_ref().cmp(pkg))
            .is_ok();
        self.cache_pkg.clear();
        self.cache_pkg.push_str(pkg);
        self.cache_owner = owner;
        self.cache_has_classes = has_classes;
        self.cache_valid = true;
        (owner, has_classes)
    }

    /// Resolves a class key (`com/stub/StubApp`) to its owner: exact class first, then the
    /// longest package prefix.
    fn resolve_class(&mut self, key: &str) -> Option<Owner> {
        let cut = key.rfind('/').map_or(0, |i| i + 1);
        let (owner, has_classes) = self.resolve_package(&key[..cut]);
        if has_classes {
            if let Ok(j) = self
                .db
                .classes
                .binary_search_by(|(k, _)| k.as_ref().cmp(key))
            {
                return self.db.classes.get(j).map(|c| c.1);
            }
        }
        owner
    }

    /// A dex type descriptor (`Lcom/umeng/analytics/MobclickAgent;`, `[Lcom/x/Y;`, `I`).
    pub fn class_descriptor(&mut self, descriptor: &str) {
        let elem = descriptor.trim_start_matches('[');
        let Some(key) = elem.strip_prefix('L').and_then(|s| s.strip_suffix(';')) else {
            return;
        };
        if let Some(owner) = self.resolve_class(key) {
            self.hit(owner, MatchKind::Class, descriptor);
        }
    }

    /// A manifest class name, dotted and fully qualified (`com.stub.StubApp`).
    pub fn app_class(&mut self, name: &str) {
        let mut key = std::mem::take(&mut self.scratch);
        key.clear();
        key.extend(name.chars().map(|c| if c == '.' { '/' } else { c }));
        if let Some(owner) = self.resolve_class(&key) {
            self.hit(owner, MatchKind::AppClass, name);
        }
        self.scratch = key;
    }

    /// A native library path; matched by its file name.
    pub fn native_lib(&mut self, path: &str) {
        let name = path.rsplit('/').next().unwrap_or(path);
        let db = self.db;
        for g in &db.native_globs {
            if g.glob.matches(name) {
                self.hit(g.owner, MatchKind::NativeLib, path);
            }
        }
    }

    /// An APK entry path.
    pub fn file(&mut self, path: &str) {
        let db = self.db;
        for g in &db.file_globs {
            if g.glob.matches(path) {
                self.hit(g.owner, MatchKind::File, path);
            }
        }
    }

    /// The detections so far, sorted by id.
    pub fn finish(self) -> Detections {
        let db = self.db;
        let mut sdks: Vec<SdkDetection> = self
            .sdk_hits
            .into_iter()
            .zip(&db.sdks)
            .filter(|(h, _)| h.count > 0)
            .map(|(h, s)| SdkDetection {
                id: s.id.clone(),
                name: s.name.clone(),
                name_zh: s.name_zh.clone(),
                vendor: s.vendor.clone(),
                category: s.category,
                personal_data: s.personal_data.clone(),
                url: s.url.clone(),
                match_count: h.count,
                evidence: h.samples,
            })
            .collect();
        sdks.sort_by(|a, b| a.id.cmp(&b.id));
        let mut packers: Vec<PackerDetection> = self
            .packer_hits
            .into_iter()
            .zip(&db.packers)
            .filter(|(h, _)| h.count > 0)
            .map(|(h, p)| PackerDetection {
                id: p.id.clone(),
                name: p.name.clone(),
                name_zh: p.name_zh.clone(),
                vendor: p.vendor.clone(),
                kind: p.kind,
                match_count: h.count,
                evidence: h.samples,
            })
            .collect();
        packers.sort_by(|a, b| a.id.cmp(&b.id));
        Detections { sdks, packers }
    }
}
