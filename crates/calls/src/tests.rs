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
