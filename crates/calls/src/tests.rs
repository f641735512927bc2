use super::*;

#[test]
fn builtin_catalog_loads_and_is_well_formed() {
    let c = ApiCatalog::builtin().unwrap();
    assert!(c.apis().len() >= 80, "{} APIs", c.apis().len());
    for api in c.apis() {
        assert!(api.id.contains('.'), "{} should be `category.name`", api.id);
        assert!(
            !api.any_class || api.returns.is_some(),
            "{}: any_class needs `returns` to stay precise",
            api.id
        );
    }
}

#[test]
fn catalog_errors_are_clear() {
    let dup = "[[api]]\nid='a.b'\nclass='La;'\nmethod='m'\ncategory='x'\n[[api]]\nid='a.b'\nclass='Lb;'\nmethod='m'\ncategory='x'\n";
    assert!(
        matches!(ApiCatalog::from_toml(dup), Err(CatalogError::DuplicateId(id)) if id == "a.b")
    );
    let bad = "[[api]]\nid='a.b'\nclass='java.lang.Object'\nmethod='m'\ncategory='x'\n";
    assert!(ApiCatalog::from_toml(bad)
        .unwrap_err()
        .to_string()
        .contains("descriptor"));
    assert!(ApiCatalog::from_toml("not toml [").is_err());
}

#[test]
fn lookup_by_class_and_by_name_with_return_type() {
    let c = ApiCatalog::from_toml(
        "[[api]]\nid='a.exact'\nclass='Landroid/webkit/WebSettings;'\nmethod='setJavaScriptEnabled'\ncategory='webview'\n\
         [[api]]\nid='a.any'\nclass='Landroid/content/Context;'\nmethod='openFileOutput'\ncategory='storage'\nany_class=true\nreturns='Ljava/io/FileOutputStream;'\n",
    )
    .unwrap();
    assert_eq!(
        c.lookup(
            "Landroid/webkit/WebSettings;",
            "setJavaScriptEnabled",
            Some("V")
        ),
        Some(0)
    );
    assert_eq!(
        c.lookup(
            "Landroid/webkit/WebSettings;",
            "setJavaScriptEnabledX",
            Some("V")
        ),
        None
    );
    assert_eq!(
        c.lookup(
            "Lcom/x/MainActivity;",
            "openFileOutput",
            Some("Ljava/io/FileOutputStream;")
        ),
        Some(1)
    );
    assert_eq!(
        c.lookup("Lcom/x/Thing;", "openFileOutput", Some("V")),
        None,
        "same name, other signature"
    );
}

#[test]
fn register_writers() {
    assert!(writes_first_register(0x0c)); // move-result-object
    assert!(writes_first_register(0x22)); // new-instance
    assert!(!writes_first_register(0x6e)); // invoke-virtual
    assert!(!writes_first_register(0x5b)); // iput-object reads vA
    assert_eq!(truncate("short"), "short");
    assert!(truncate(&"长".repeat(200)).ends_with('…'));
}

#[test]
fn checked_apis_name_catalog_entries() {
    let c = ApiCatalog::builtin().unwrap();
    let known = |id: &str| c.apis().iter().any(|a| a.id == id);
    for (api, by) in UNCHECKED {
        assert!(known(api), "{api}");
        for b in *by {
            assert!(known(b), "{b}");
        }
    }
    // Intent positions: argument 2 of the static PendingIntent factories, 1 of the Context calls.
    for api in c.apis().iter().filter(|a| a.intent.is_some()) {
        let expected = if api.class == "Landroid/app/PendingIntent;" {
            2
        } else {
            1
        };
        assert_eq!(api.intent, Some(expected), "{}", api.id);
    }
    assert_eq!(
        c.apis().iter().filter(|a| a.intent.is_some()).count(),
        8,
        "five PendingIntent factories, three service calls"
    );
}
