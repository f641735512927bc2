//! The same behaviour on SQLite and on PostgreSQL: every test body runs against both.

use medshield_store::*;

async fn databases() -> Vec<(String, Db)> {
    let mut out = Vec::new();
    let dir = std::env::temp_dir().join(format!(
        "medshield-store-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    out.push((
        "sqlite".to_string(),
        Db::connect(&Db::sqlite_url(&dir)).await.expect("sqlite"),
    ));
    match test_postgres().await {
        Some(db) => out.push(("postgres".to_string(), db)),
        None if std::env::var_os("CI").is_some() => {
            panic!("CI=true but no PostgreSQL reachable (set MEDSHIELD_TEST_PG or run .ci/run)")
        }
        None => eprintln!("PostgreSQL not reachable: the PostgreSQL half of this test DID NOT RUN"),
    }
    out
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// A fresh database on the test PostgreSQL server, so runs never see each other's rows.
async fn test_postgres() -> Option<Db> {
    let base = std::env::var("MEDSHIELD_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string());
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(&format!("{base}/postgres"))
        .await
        .ok()?;
    let name = format!("medshield_store_{}", rand_suffix());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .ok()?;
    Db::connect(&format!("{base}/{name}")).await.ok()
}

fn region(code: &str, parent: Option<&str>, path: &str) -> Region {
    Region {
        code: code.into(),
        parent: parent.map(Into::into),
        path: path.into(),
        name_zh: code.into(),
        name_en: code.into(),
        level: path.matches('/').count() as i64 - 2,
    }
}

fn app(id: &str, region_code: &str, path: &str, grade: Option<&str>, t: i64) -> App {
    App {
        id: id.into(),
        unit_id: "u1".into(),
        region_code: region_code.into(),
        region_path: path.into(),
        name_zh: format!("应用{id}"),
        name_en: format!("App {id}"),
        platform: "android".into(),
        package: format!("cn.example.{id}"),
        cert_sha256: "ab".repeat(32),
        version: "1.0".into(),
        channels: "[]".into(),
        status: "approved".into(),
        created_by: "tester".into(),
        created_at: t,
        updated_at: t,
        latest_scan_id: None,
        latest_score: grade.map(|_| 70.0),
        latest_grade: grade.map(Into::into),
    }
}

#[tokio::test]
async fn scoped_queries_audit_chain_and_scan_queue() {
    for (name, db) in databases().await {
        db.insert_region(&region("000000", None, "/000000/"))
            .await
            .expect("root");
        db.insert_region(&region("440000", Some("000000"), "/000000/440000/"))
            .await
            .expect("gd");
        db.insert_region(&region("440100", Some("440000"), "/000000/440000/440100/"))
            .await
            .expect("gz");
        db.insert_region(&region("110000", Some("000000"), "/000000/110000/"))
            .await
            .expect("bj");
        db.insert_unit(&Unit {
            id: "u1".into(),
            name_zh: "医院".into(),
            name_en: "Hospital".into(),
            kind: "owner".into(),
            region_code: "440100".into(),
            created_at: 1,
        })
        .await
        .expect("unit");
        db.insert_app(
            &app("a1", "440100", "/000000/440000/440100/", Some("B"), 10),
            &[],
        )
        .await
        .expect("a1");
        db.insert_app(&app("a2", "110000", "/000000/110000/", Some("A"), 20), &[])
            .await
            .expect("a2");
        db.insert_app(&app("a3", "440000", "/000000/440000/", None, 30), &[])
            .await
            .expect("a3");

        // A provincial regulator sees its province and the cities under it, never Beijing.
        let (rows, total) = db
            .apps(&AppFilter {
                region_path: Some("/000000/440000/".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .expect("apps");
        assert_eq!(total, 2, "{name}");
        assert_eq!(
            rows.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
            ["a3", "a1"],
            "{name}"
        );
        let (rows, _) = db
            .apps(&AppFilter {
                search: Some("APP A2".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .expect("search");
        assert_eq!(rows.len(), 1, "{name}: search is case-insensitive");
        let stats = db.app_stats(Some("/000000/440000/")).await.expect("stats");
        assert!(
            stats.by_grade.contains(&("B".to_string(), 1)),
            "{name}: {stats:?}"
        );
        assert!(
            stats.by_grade.contains(&("-".to_string(), 1)),
            "{name}: {stats:?}"
        );

        // The chain links each record to its predecessor.
        let draft = AuditDraft {
            ts: 5,
            actor_id: "x".into(),
            actor_name: "x".into(),
            role: "admin".into(),
            ip: "127.0.0.1".into(),
            action: "test".into(),
            target_type: "t".into(),
            target_id: "1".into(),
            before_json: "{}".into(),
            after_json: "{}".into(),
        };
        let r1 = db
            .append_audit(&draft, |seq, prev| format!("{seq}:{prev}"))
            .await
            .expect("r1");
        let r2 = db
            .append_audit(&draft, |seq, prev| format!("{seq}:{prev}"))
            .await
            .expect("r2");
        assert_eq!((r1.seq, r2.seq), (1, 2), "{name}");
        assert_eq!(r1.prev_hash, GENESIS_HASH, "{name}");
        assert_eq!(r2.prev_hash, r1.hash, "{name}");

        // Each queued scan is claimed exactly once, even with workers racing.
        for i in 0..6 {
            db.insert_scan(&Scan {
                id: format!("s{i}"),
                app_id: "a1".into(),
                blob_sha256: "00".into(),
                file_name: "x.apk".into(),
                size_bytes: 1,
                status: "queued".into(),
                error: None,
                submitted_by: "t".into(),
                created_at: i,
                started_at: None,
                finished_at: None,
                package: None,
                version_name: None,
                cert_sha256: None,
                score: None,
                grade: None,
                rule_pack: None,
                report_json: None,
            })
            .await
            .expect("scan");
        }
        let mut workers = Vec::new();
        for _ in 0..3 {
            let db = db.clone();
            workers.push(tokio::spawn(async move {
                let mut got = Vec::new();
                while let Some(s) = db.claim_next_scan(1).await.expect("claim") {
                    got.push(s.id);
                }
                got
            }));
        }
        let mut claimed = Vec::new();
        for w in workers {
            claimed.extend(w.await.expect("worker"));
        }
        claimed.sort();
        assert_eq!(claimed, ["s0", "s1", "s2", "s3", "s4", "s5"], "{name}");
        db.close().await;
    }
}
