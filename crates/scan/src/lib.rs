//! One package scanned end to end: `inspect`'s facts, the indicators derived from them (manifest,
//! certificate, native code, bytecode call sites, strings, SDKs and packers), the findings of the
//! rule library, and the risk model's score and grade with its breakdown.
//!
//! Everything is computed in the single pass `inspect` makes over the package: the call-site index,
//! the string scanner and the class-name collector for SDK detection ride along as one
//! [`CodeObserver`]. Like the crates below it, this one does no I/O.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod cyclonedx;
pub mod html;
pub mod sarif;
pub mod text;

use medshield_analyzer::Date;
use medshield_apk::{ApkReport, CodeObserver, InspectError, InspectOptions};
use medshield_calls::{ApiCatalog, BehaviourMatch, Behaviours, CallIndex};
use medshield_dex::Dex;
use medshield_rules::{Diagnostic, Finding, PackInfo, RiskScore, RulePack};
use medshield_sdks::{Evidence, PackerDetection, SdkDetection, SignatureDb};
use medshield_strings::StringScanner;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// The version of the scan report's JSON shape.
pub const SCHEMA_VERSION: u32 = 1;
/// Most class descriptors collected for SDK detection (a huge app has ~200k types).
const MAX_DESCRIPTORS: usize = 1_000_000;

/// Why a scan cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum ScanSetupError {
    #[error("API catalog: {0}")]
    Catalog(#[from] medshield_calls::CatalogError),
}

/// A scan of one package.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    pub schema_version: u32,
    pub package: String,
    pub version_name: Option<String>,
    pub version_code: Option<u64>,
    pub label: Option<String>,
    /// The day the scan is judged at (certificate and pin expiry).
    pub scan_date: String,
    /// The rule pack used: id and version.
    pub rule_pack: PackInfo,
    /// 0–100, lower is riskier; grade and per-node breakdown.
    pub score: RiskScore,
    /// Most severe first.
    pub findings: Vec<Finding>,
    /// Rules that could not be evaluated, and why.
    pub diagnostics: Vec<Diagnostic>,
    pub sdks: Vec<SdkDetection>,
    pub packers: Vec<PackerDetection>,
    /// A code-hiding packer was found: code findings are incomplete.
    pub packed: bool,
    /// Behaviours (two-API patterns) with the evidence stage reached, strongest first.
    pub behaviours: Vec<BehaviourMatch>,
    /// Protections the app was seen to have (root/emulator/hook/debugger detection, signature
    /// self-check, FLAG_SECURE, certificate pinning, native code, packing): what a reviewer of a
    /// resilience report asks first.
    pub protections: Vec<Protection>,
    /// Every indicator the rules saw.
    pub indicators: Map<String, Value>,
    /// What `inspect` read.
    pub inspect: ApkReport,
}

/// A protection seen in the package, with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Protection {
    /// Stable id: `root_detection`, `emulator_detection`, `hook_detection`, `debugger_detection`,
    /// `signature_check`, `integrity_check`, `flag_secure`, `certificate_pinning`, `native_code`, `packer`.
    pub id: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// Markers (in native code as `lib/<abi>/libfoo.so: "frida"`), API ids or library paths that
    /// show it.
    pub evidence: Vec<String>,
}

/// The protections the indicators show.
fn protections(
    ind: &Map<String, Value>,
    report: &ApkReport,
    packers: &[PackerDetection],
) -> Vec<Protection> {
    let strings = |key: &str| -> Vec<String> {
        ind.get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    // Markers in dex and resource strings, then in the app's own native libraries.
    let markers = |kind: &str| -> Vec<String> {
        let mut all = strings(&format!("strings.{kind}"));
        all.extend(strings(&format!("native.{kind}")));
        all
    };
    let flag = |key: &str| ind.get(key).and_then(Value::as_bool).unwrap_or(false);
    let mut out = Vec::new();
    let mut push = |id, zh, en, evidence: Vec<String>| {
        if !evidence.is_empty() {
            out.push(Protection {
                id,
                zh,
                en,
                evidence,
            });
        }
    };
    push(
        "root_detection",
        "Root 环境检测",
        "Root detection",
        markers("root_detection"),
    );
    push(
        "emulator_detection",
        "模拟器检测",
        "Emulator detection",
        markers("emulator_detection"),
    );
    push(
        "hook_detection",
        "Hook 框架检测（Frida/Xposed）",
        "Hooking-framework detection (Frida/Xposed)",
        markers("hook_detection"),
    );
    let mut debugger = Vec::new();
    if flag("code.resilience.debugger_check") {
        debugger.push("Debug.isDebuggerConnected".to_owned());
    }
    push(
        "debugger_detection",
        "调试器检测",
        "Debugger detection",
        debugger,
    );
    let mut signature = Vec::new();
    if flag("code.resilience.signature_check") {
        signature.push("PackageManager.getPackageInfo(GET_SIGNATURES)".to_owned());
    }
    push(
        "signature_check",
        "签名自校验（防重打包）",
        "Signature self-check (anti-repackaging)",
        signature,
    );
    let mut integrity = Vec::new();
    if flag("code.resilience.integrity_check") {
        integrity.push("ZipEntry.getCrc of its own package".to_owned());
    }
    push(
        "integrity_check",
        "完整性自校验（安装包条目 CRC）",
        "Integrity self-check (CRC of its own package entries)",
        integrity,
    );
    let mut secure = Vec::new();
    if flag("code.resilience.flag_secure") {
        secure.push("FLAG_SECURE".to_owned());
    }
    push(
        "flag_secure",
        "防截屏（FLAG_SECURE）",
        "Screenshot protection (FLAG_SECURE)",
        secure,
    );
    let mut pinning = Vec::new();
    if flag("code.tls.certificate_pinning") {
        pinning.push("OkHttp CertificatePinner".to_owned());
    }
    if ind.get("nsc.pin_sets").and_then(Value::as_u64).unwrap_or(0) > 0 {
        pinning.push("network security config pin-set".to_owned());
    }
    push(
        "certificate_pinning",
        "证书固定",
        "Certificate pinning",
        pinning,
    );
    push(
        "native_code",
        "原生代码（关键逻辑下沉 so）",
        "Native code (logic in .so libraries)",
        report.native_libs.iter().map(|l| l.path.clone()).collect(),
    );
    push(
        "packer",
        "加固/保护",
        "Packer or protector",
        packers.iter().map(|p| p.name.clone()).collect(),
    );
    out
}

/// Everything that rides along `inspect`'s pass.
struct Collector<'c> {
    calls: CallIndex<'c>,
    strings: StringScanner,
    descriptors: Vec<String>,
}

impl CodeObserver for Collector<'_> {
    fn dex(&mut self, name: &str, primary: bool, dex: &Dex<'_>) {
        self.calls.add_dex(name, dex);
        self.strings.add_dex(name, dex);
        if primary {
            for i in 0..dex.type_ids_len() {
                if self.descriptors.len() >= MAX_DESCRIPTORS {
                    break;
                }
                if let Ok(t) = dex.type_descriptor(i) {
                    self.descriptors.push(t.into_owned());
                }
            }
        }
    }

    fn resource_string(&mut self, text: &str) {
        medshield_strings::StringScanner::scan(&mut self.strings, text, "resources.arsc");
    }

    fn native_lib(&mut self, name: &str, bytes: &[u8]) {
        self.strings.add_native_lib(name, bytes);
    }
}

/// What a scan needs, loaded once and shared by every package scanned.
pub struct Scanner {
    rules: RulePack,
    signatures: SignatureDb,
    apis: ApiCatalog,
    behaviours: Behaviours,
    options: InspectOptions,
}

impl Scanner {
    /// A scanner with this rule pack and the built-in SDK signatures and API catalog.
    pub fn new(rules: RulePack, signatures: SignatureDb) -> Result<Self, ScanSetupError> {
        let apis = ApiCatalog::builtin()?;
        let behaviours = Behaviours::builtin(&apis)?;
        Ok(Scanner {
            rules,
            signatures,
            apis,
            behaviours,
            options: InspectOptions::default(),
        })
    }

    pub fn rules(&self) -> &RulePack {
        &self.rules
    }

    /// Scans one package's bytes, judged at `scan_date`.
    pub fn scan(&self, bytes: &[u8], scan_date: Date) -> Result<ScanReport, InspectError> {
        let mut collector = Collector {
            calls: CallIndex::new(&self.apis),
            strings: StringScanner::new(),
            descriptors: Vec::new(),
        };
        let report = medshield_apk::inspect_observing(bytes, &self.options, &mut collector)?;
        let Collector {
            calls,
            strings,
            descriptors,
        } = collector;

        let detections = {
            let descriptors: Vec<&str> = descriptors.iter().map(String::as_str).collect();
            let native: Vec<&str> = report.native_libs.iter().map(|l| l.path.as_str()).collect();
            let files: Vec<&str> = report
                .embedded_code
                .iter()
                .map(|e| e.path.as_str())
                .collect();
            let mut app_classes: Vec<&str> = Vec::new();
            if let Some(name) = &report.application.name {
                app_classes.push(name);
            }
            if let Some(name) = &report.application.app_component_factory {
                app_classes.push(name);
            }
            let c = &report.components;
            for comp in c
                .activities
                .iter()
                .chain(&c.services)
                .chain(&c.receivers)
                .chain(&c.providers)
            {
                app_classes.push(&comp.name);
            }
            self.signatures.detect(&Evidence {
                class_descriptors: &descriptors,
                native_libs: &native,
                files: &files,
                app_classes: &app_classes,
            })
        };

        let mut indicators = medshield_analyzer::indicators(&report, scan_date).into_map();
        indicators.insert("sdks.detected".into(), json!(detections.sdks));
        indicators.insert("packers.detected".into(), json!(detections.packers));
        indicators.insert("packed".into(), Value::Bool(detections.packed()));
        let call_facts = calls.finish();
        let behaviours = self.behaviours.evaluate(&call_facts, &report.permissions);
        indicators.extend(medshield_calls::code_indicators(&call_facts));
        indicators.extend(medshield_calls::component_indicators(&call_facts, &report));
        indicators.extend(medshield_calls::behaviour_indicators(&behaviours));
        let string_facts = strings.finish();
        indicators.extend(medshield_strings::string_indicators(&string_facts));
        // A library that an SDK or packer signature claims is that vendor's, not the app's own.
        indicators.extend(medshield_strings::native_indicators(
            &string_facts,
            |path| {
                let d = self.signatures.detect(&Evidence {
                    native_libs: &[path],
                    ..Evidence::default()
                });
                !d.sdks.is_empty() || !d.packers.is_empty()
            },
        ));

        let protections = protections(&indicators, &report, &detections.packers);
        let evaluation = self.rules.evaluate(&indicators);
        let score = self.rules.score(&evaluation.findings);
        Ok(ScanReport {
            schema_version: SCHEMA_VERSION,
            package: report.package.clone(),
            version_name: report.version_name.clone(),
            version_code: report.version_code,
            label: report.label.clone(),
            scan_date: scan_date.to_string(),
            rule_pack: evaluation.pack,
            score,
            findings: evaluation.findings,
            diagnostics: evaluation.diagnostics,
            packed: detections.packed(),
            behaviours,
            protections,
            sdks: detections.sdks,
            packers: detections.packers,
            indicators,
            inspect: report,
        })
    }
}
