//! Call sites against `dexdump -d` on real packages, and the weaknesses the insecure-webview build
//! script put in.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::process::Command;

use medshield_apk::{inspect_observing, InspectOptions};
use medshield_calls::{ApiCatalog, CallFacts, CallIndex, ConstArg};

fn facts(path: &std::path::Path, catalog: &ApiCatalog) -> Option<CallFacts> {
    let bytes = std::fs::read(path).unwrap();
    let mut index = CallIndex::new(catalog);
    inspect_observing(&bytes, &InspectOptions::default(), &mut index).ok()?;
    Some(index.finish())
}

#[test]
fn insecure_webview_calls_are_found_with_their_constants() {
    let Some(root) =
        medshield_fixtures::apks_root("insecure_webview_calls_are_found_with_their_constants")
    else {
        return;
    };
    let catalog = ApiCatalog::builtin().unwrap();
    let f = facts(&root.join("built/insecure-webview.apk"), &catalog).unwrap();
    for id in [
        "webview.set_javascript_enabled",
        "webview.add_javascript_interface",
        "webview.set_allow_file_access",
        "exec.runtime_exec",
        "exec.system_load_library",
    ] {
        assert!(
            f.calls.contains_key(id),
            "{id} not found; found {:?}",
            f.calls.keys().collect::<Vec<_>>()
        );
    }
    // setJavaScriptEnabled(true): argument 1 (after the receiver) is the constant 1.
    let js = &f.calls["webview.set_javascript_enabled"].sites[0];
    assert_eq!(js.const_args.get(&1), Some(&ConstArg::Int(1)), "{js:?}");
    let lib = &f.calls["exec.system_load_library"].sites[0];
    assert!(
        matches!(lib.const_args.get(&0), Some(ConstArg::String(_))),
        "{lib:?}"
    );
}

/// For every catalog API named by its exact class, our call count equals the number of invoke
/// lines naming it in `dexdump -d`, over the dex files of every Ghera and OWASP fixture.
#[test]
fn call_counts_match_dexdump() {
    let test = "call_counts_match_dexdump";
    let Some(root) = medshield_fixtures::apks_root(test) else {
        return;
    };
    if !medshield_fixtures::oracle_available("dexdump", test) {
        return;
    }
    let catalog = ApiCatalog::builtin().unwrap();
    let apks: Vec<_> = medshield_fixtures::files_with_extension(&root, &[".apk"])
        .into_iter()
        .filter(|p| !p.to_string_lossy().contains("/androguard/"))
        .collect();
    assert!(
        apks.len() >= 26,
        "expected the Ghera and OWASP packages, got {}",
        apks.len()
    );
    let tmp = std::env::temp_dir().join(format!("medshield-calls-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut compared = 0;
    let mut total_calls = 0;
    for apk in &apks {
        let Some(ours) = facts(apk, &catalog) else {
            continue;
        };
        // dexdump every dex of the package.
        let bytes = std::fs::read(apk).unwrap();
        let zip = medshield_zip::Archive::parse(&bytes).unwrap();
        let mut theirs: BTreeMap<String, u64> = BTreeMap::new();
        for e in zip
            .entries()
            .iter()
            .filter(|e| e.name().starts_with("classes") && e.name().ends_with(".dex"))
        {
            let dex_path = tmp.join("x.dex");
            std::fs::write(&dex_path, zip.read(e).unwrap()).unwrap();
            let out = Command::new("dexdump")
                .arg("-d")
                .arg(&dex_path)
                .output()
                .unwrap();
            for line in String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| l.contains(": invoke-"))
            {
                for api in catalog.apis().iter().filter(|a| !a.any_class) {
                    if line.contains(&format!(", {}.{}:", api.class, api.method)) {
                        *theirs.entry(api.id.clone()).or_default() += 1;
                    }
                }
            }
        }
        let ours: BTreeMap<String, u64> = ours
            .calls
            .iter()
            .filter(|(id, _)| catalog.apis().iter().any(|a| &a.id == *id && !a.any_class))
            .map(|(id, c)| (id.clone(), c.count))
            .collect();
        assert_eq!(ours, theirs, "{}", apk.display());
        total_calls += ours.values().sum::<u64>();
        compared += 1;
    }
    std::fs::remove_dir_all(&tmp).unwrap();
    assert!(
        compared >= 26 && total_calls > 0,
        "compared {compared} packages, {total_calls} calls"
    );
}

/// The code indicators of the packages whose weaknesses are documented: the insecure-webview build
/// script's, and the Ghera pairs whose difference is in code (each Benign shows it, each Secure
/// twin does not).
#[test]
fn code_indicators_on_documented_weaknesses() {
    let Some(root) = medshield_fixtures::apks_root("code_indicators_on_documented_weaknesses")
    else {
        return;
    };
    let catalog = ApiCatalog::builtin().unwrap();
    let ind =
        |rel: &str| medshield_calls::code_indicators(&facts(&root.join(rel), &catalog).unwrap());
    // App code only: bundled libraries (AndroidX, support library) make their own, usually safe, calls.
    let nonempty = |m: &serde_json::Map<String, serde_json::Value>, k: &str| {
        m[k].as_array()
            .is_some_and(|a| a.iter().any(|e| e["library"] == false))
    };

    let web = ind("built/insecure-webview.apk");
    for k in [
        "code.webview.javascript_enabled",
        "code.webview.js_interface",
        "code.webview.file_access",
        "code.exec.runtime_exec",
        "code.exec.native_loading",
    ] {
        assert!(
            nonempty(&web, k),
            "insecure-webview: {k} empty: {:?}",
            web[k]
        );
    }

    let ghera = "ghera-vaginessa";
    let pairs: &[(&str, &str)] = &[
        (
            "Crypto/BlockCipher-ECB-InformationExposure-Lean",
            "code.crypto.ecb",
        ),
        (
            "ICC/DynamicRegBroadcastReceiver-UnrestrictedAccess-Lean",
            "code.ipc.dynamic_receiver_without_permission",
        ),
    ];
    for (dir, key) in pairs {
        let benign = ind(&format!("{ghera}/{dir}/Benign/app-debug.apk"));
        let secure = ind(&format!("{ghera}/{dir}/Secure/app-debug.apk"));
        assert!(
            nonempty(&benign, key),
            "{dir} Benign: {key} should be present"
        );
        assert!(
            !nonempty(&secure, key),
            "{dir} Secure: {key} should be absent: {:?}",
            secure[*key]
        );
    }
}
