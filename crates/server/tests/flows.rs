//! The platform's workflows end to end through the HTTP API, on SQLite and PostgreSQL:
//! registration → review → SM2 authorization code → revocation; personal data sealed and
//! masked; scans in the background; the audit chain catching edits, deletions and rewrites;
//! key rotation keeping old codes verifiable.

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use common::{Harness, Who};
use medshield_platform::{KeyStore, Role, UnitKind};
use serde_json::{json, Value};

fn registration(package: &str, cert: &str) -> Value {
    json!({
        "name_zh": "仁心互联网医院",
        "name_en": "Renxin Internet Hospital",
        "platform": "android",
        "package": package,
        "cert_sha256": cert,
        "version": "2.3",
        "channels": ["华为应用市场"],
        "contacts": [{"name": "王工程师", "phone": "13812341234", "email": "wang.gc@hospital.example.cn"}]
    })
}

/// Runs queued scans until none is left (what the server's background workers do).
async fn drain_scans(h: &Harness) {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(Arc::clone(&h.platform).scan_worker(stop_rx));
    for _ in 0..600 {
        let (queued, _) = h
            .platform
            .db
            .apps(&medshield_store::AppFilter {
                limit: 1,
                ..Default::default()
            })
            .await
            .expect("apps");
        let _ = queued;
        let pending = h
            .platform
            .db
            .recent_scans(None, None, 1000)
            .await
            .expect("scans")
            .iter()
            .filter(|s| s.status == "queued" || s.status == "running")
            .count();
        if pending == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = stop_tx.send(true);
    h.platform.scan_queued.notify_waiters();
    let _ = worker.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_review_code_scan_and_audit() {
    for (backend, config) in common::configs("flow").await {
        let data_dir = config.data_dir.clone();
        let h = Harness::new(config.clone()).await;
        h.platform.bootstrap().await.expect("bootstrap");
        let gd = h.unit(UnitKind::Regulator, "440000").await;
        let bj = h.unit(UnitKind::Regulator, "110000").await;
        let hospital = h.unit(UnitKind::Owner, "440100").await;
        let (u, p) = h.account_in(Role::OwnerAdmin, &hospital).await;
        let owner = h.sign_in(&u, &p).await;
        let (u, p) = h.account_in(Role::OwnerMember, &hospital).await;
        let member = h.sign_in(&u, &p).await;
        let (u, p) = h.account_in(Role::Reviewer, &gd).await;
        let reviewer = h.sign_in(&u, &p).await;
        let (u, p) = h.account_in(Role::Reviewer, &bj).await;
        let beijing_reviewer = h.sign_in(&u, &p).await;
        let (u, p) = h.account_in(Role::Regulator, &gd).await;
        let regulator = h.sign_in(&u, &p).await;

        // The owner reads the facts from the package, then applies.
        let (package, apk) = common::demo_apk(0);
        let facts = h
            .upload("/api/v1/apps/from-package", &owner, apk.clone())
            .await;
        assert_eq!(facts.status, StatusCode::OK, "{backend}: {}", facts.json);
        assert_eq!(facts.json["package"], package.as_str());
        let cert = facts.json["cert_sha256"]
            .as_str()
            .expect("cert")
            .to_string();
        let bad = h.post("/api/v1/apps", &owner, json!({"name_zh": "x", "platform": "android", "package": "nodots", "cert_sha256": "zz", "version": "1", "contacts": []})).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.json);
        let r = h
            .post("/api/v1/apps", &owner, registration(&package, &cert))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{backend}: {}", r.json);
        let app_id = r.json["id"].as_str().expect("id").to_string();
        assert_eq!(r.json["status"], "pending");

        // Personal data: sealed in the database, masked in the API, unmasked only on an audited
        // request by a role that may.
        let contacts = h.platform.db.contacts(&app_id).await.expect("contacts");
        assert!(
            !contacts[0].phone_enc.contains("1381234")
                && !contacts[0].email_enc.contains("hospital")
        );
        let detail = h.get(&format!("/api/v1/apps/{app_id}"), &owner).await;
        assert_eq!(detail.json["contacts"][0]["phone"], "138****1234");
        let contact_id = detail.json["contacts"][0]["id"]
            .as_str()
            .expect("contact")
            .to_string();
        let denied = h
            .post(
                &format!("/api/v1/contacts/{contact_id}/unmask"),
                &member,
                json!({}),
            )
            .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
        let shown = h
            .post(
                &format!("/api/v1/contacts/{contact_id}/unmask"),
                &owner,
                json!({}),
            )
            .await;
        assert_eq!(shown.json["phone"], "13812341234", "{}", shown.json);

        // A reviewer of another province cannot even see the application.
        let r = h
            .post(
                &format!("/api/v1/apps/{app_id}/review"),
                &beijing_reviewer,
                json!({"decision": "approve"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.json);
        let r = h
            .post(
                &format!("/api/v1/apps/{app_id}/review"),
                &reviewer,
                json!({"decision": "reject"}),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "a rejection needs a reason: {}",
            r.json
        );
        let r = h
            .post(
                &format!("/api/v1/apps/{app_id}/review"),
                &reviewer,
                json!({"decision": "approve", "reason": "材料齐全"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.json);
        assert_eq!(r.json["app"]["status"], "approved");
        let token = r.json["auth_codes"][0]["token"]
            .as_str()
            .expect("code")
            .to_string();
        let jti = r.json["auth_codes"][0]["jti"]
            .as_str()
            .expect("jti")
            .to_string();
        assert!(token.starts_with("MSAC1."));
        let r = h
            .post(
                &format!("/api/v1/apps/{app_id}/review"),
                &reviewer,
                json!({"decision": "approve"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "decided twice: {}", r.json);

        // Anyone verifies the code, online or offline with the published keys.
        let v = h
            .post(
                "/api/v1/authcodes/verify",
                &Who::Anonymous,
                json!({"token": token}),
            )
            .await;
        assert_eq!(v.json["valid"], true, "{}", v.json);
        assert_eq!(v.json["claims"]["package"], package.as_str());
        assert_eq!(v.json["claims"]["cert_sha256"], cert.as_str());
        let keyring = medshield_platform::keys::keyring_from_path(&data_dir).expect("keys");
        assert!(
            medshield_authcode::verify(&token, &keyring, medshield_platform::now_ms() / 1000)
                .is_ok()
        );
        let mut forged = token.clone();
        forged.replace_range(10..11, if &token[10..11] == "A" { "B" } else { "A" });
        let v = h
            .post(
                "/api/v1/authcodes/verify",
                &Who::Anonymous,
                json!({"token": forged}),
            )
            .await;
        assert_eq!(v.json["valid"], false);

        // Upload → background scan → report with grade, matching the registration.
        let r = h
            .upload(
                &format!("/api/v1/apps/{app_id}/scans?file_name=app.apk"),
                &owner,
                apk.clone(),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.json);
        let scan_id = r.json["id"].as_str().expect("scan").to_string();
        let r = h
            .upload(
                &format!("/api/v1/apps/{app_id}/scans"),
                &owner,
                b"not a zip".to_vec(),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        drain_scans(&h).await;
        let r = h.get(&format!("/api/v1/scans/{scan_id}"), &regulator).await;
        assert_eq!(
            r.json["scan"]["status"], "done",
            "{backend}: {}",
            r.json["scan"]
        );
        assert!(["A", "B", "C"].contains(&r.json["scan"]["grade"].as_str().unwrap_or("")));
        assert_eq!(r.json["matches_registration"], true);
        assert!(r.json["report"]["findings"]
            .as_array()
            .is_some_and(|f| !f.is_empty()));
        let app = h.get(&format!("/api/v1/apps/{app_id}"), &owner).await;
        assert_eq!(app.json["app"]["latest_grade"], r.json["scan"]["grade"]);
        let dashboard = h.get("/api/v1/dashboard", &regulator).await;
        assert_eq!(dashboard.json["total_apps"], 1, "{}", dashboard.json);

        // Revocation: the code stops verifying, the registration is marked revoked.
        let r = h
            .post(
                &format!("/api/v1/authcodes/{jti}/revoke"),
                &regulator,
                json!({"reason": "篡改版本在渠道传播"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        let v = h
            .post(
                "/api/v1/authcodes/verify",
                &Who::Anonymous,
                json!({"token": token}),
            )
            .await;
        assert_eq!(
            (v.json["valid"].clone(), v.json["revoked"].clone()),
            (json!(false), json!(true))
        );

        // Every state change and the personal-data read are in the chain, which verifies.
        let actions: Vec<String> = h
            .platform
            .db
            .audit_records(0, 10_000)
            .await
            .expect("audit")
            .into_iter()
            .map(|r| r.action)
            .collect();
        for a in [
            "app.register",
            "pii.unmask",
            "app.approve",
            "authcode.issue",
            "scan.submit",
            "scan.complete",
            "authcode.revoke",
        ] {
            assert!(
                actions.iter().any(|x| x == a),
                "{backend}: no {a} in {actions:?}"
            );
        }
        h.platform.checkpoint_head().await.expect("checkpoint");
        assert!(h.platform.verify_audit().await.expect("verify").intact());

        // Key rotation: codes issued before still verify, new ones name the new key.
        drop(h);
        let (old_kid, new_kid) = KeyStore::rotate(&data_dir).expect("rotate");
        assert_ne!(old_kid, new_kid);
        let h = Harness::new(config).await;
        let (package2, _) = common::demo_apk(1);
        let r = h
            .post("/api/v1/apps", &owner, registration(&package2, &cert))
            .await;
        let app2 = r.json["id"].as_str().expect("id").to_string();
        let r = h
            .post(
                &format!("/api/v1/apps/{app2}/review"),
                &reviewer,
                json!({"decision": "approve"}),
            )
            .await;
        assert_eq!(
            r.json["auth_codes"][0]["kid"],
            new_kid.as_str(),
            "{}",
            r.json
        );
        let keyring = medshield_platform::keys::keyring_from_path(&data_dir).expect("keys");
        let old = medshield_authcode::verify(&token, &keyring, medshield_platform::now_ms() / 1000)
            .expect("old code still verifies");
        assert_eq!(old.kid, old_kid);
        assert!(
            !data_dir
                .join("keys/signing")
                .join(format!("{old_kid}.key.pem"))
                .exists(),
            "the retired private key is gone"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_chain_detects_edits_deletions_and_rewrites() {
    for (backend, config) in common::configs("audit").await {
        let h = Harness::new(config).await;
        h.platform.bootstrap().await.expect("bootstrap");
        for i in 0..12 {
            h.unit(
                if i % 2 == 0 {
                    UnitKind::Owner
                } else {
                    UnitKind::Node
                },
                "440100",
            )
            .await;
        }
        h.platform.checkpoint_head().await.expect("checkpoint");
        let report = h.platform.verify_audit().await.expect("verify");
        assert!(report.intact(), "{backend}: {:?}", report.problems);
        let n = report.records;
        assert!(n >= 14 && report.checkpoints >= 1);
        let db = &h.platform.db;

        // An edited record.
        let original = db.audit_records(4, 1).await.expect("record").remove(0);
        db.execute_unchecked(
            "UPDATE audit_log SET after_json = '{\"name_zh\":\"伪造\"}' WHERE seq = 5",
        )
        .await
        .expect("edit");
        let report = h.platform.verify_audit().await.expect("verify");
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.contains("record 5") && p.contains("edited")),
            "{backend}: {:?}",
            report.problems
        );
        db.execute_unchecked(&format!(
            "UPDATE audit_log SET after_json = '{}' WHERE seq = 5",
            original.after_json.replace('\'', "''")
        ))
        .await
        .expect("restore");
        assert!(h.platform.verify_audit().await.expect("verify").intact());

        // A rewrite that recomputes every hash after the edit: the chain links again, but the
        // SM2-signed checkpoint no longer matches.
        let mut prev = medshield_store::GENESIS_HASH.to_string();
        for mut r in db.audit_records(0, 10_000).await.expect("records") {
            if r.seq == 5 {
                r.after_json = "{\"forged\":true}".into();
            }
            r.prev_hash = prev.clone();
            r.hash = medshield_platform::audit::record_hash(&r);
            prev = r.hash.clone();
            db.execute_unchecked(&format!(
                "UPDATE audit_log SET after_json = '{}', prev_hash = '{}', hash = '{}' WHERE seq = {}",
                r.after_json.replace('\'', "''"),
                r.prev_hash,
                r.hash,
                r.seq
            ))
            .await
            .expect("rewrite");
        }
        let report = h.platform.verify_audit().await.expect("verify");
        assert!(
            report.problems.iter().any(|p| p.contains("rewritten")),
            "{backend}: a rewritten chain must contradict the signed checkpoint: {:?}",
            report.problems
        );
        assert!(
            !report.problems.iter().any(|p| p.contains("edited")),
            "the rewrite is internally consistent"
        );

        // A deleted record.
        db.execute_unchecked("DELETE FROM audit_log WHERE seq = 7")
            .await
            .expect("delete");
        let report = h.platform.verify_audit().await.expect("verify");
        assert!(
            report.problems.iter().any(|p| p.contains("record 8")),
            "{backend}: {:?}",
            report.problems
        );

        // A truncated tail below the last checkpoint.
        db.execute_unchecked(&format!("DELETE FROM audit_log WHERE seq >= {}", n - 1))
            .await
            .expect("truncate");
        let report = h.platform.verify_audit().await.expect("verify");
        assert!(
            report.problems.iter().any(|p| p.contains("truncated")),
            "{backend}: {:?}",
            report.problems
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_malformed_uploads_are_refused_with_json() {
    let (_, mut config) = common::configs("upload").await.remove(0);
    config.max_upload_bytes = 4096;
    let h = Harness::new(config).await;
    h.platform.bootstrap().await.expect("bootstrap");
    let hospital = h.unit(UnitKind::Owner, "440100").await;
    let (u, p) = h.account_in(Role::OwnerAdmin, &hospital).await;
    let owner = h.sign_in(&u, &p).await;
    let r = h
        .upload("/api/v1/apps/from-package", &owner, vec![b'P'; 10_000])
        .await;
    assert_eq!(
        (r.status, r.json["error"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large")),
        "{}",
        r.json
    );
    let r = h
        .upload(
            "/api/v1/apps/from-package",
            &owner,
            b"PK\x03\x04 truncated".to_vec(),
        )
        .await;
    assert_eq!(
        (r.status, r.json["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid")),
        "{}",
        r.json
    );
    let r = h
        .call(
            axum::http::Method::POST,
            "/api/v1/apps",
            &owner,
            axum::body::Body::from("{not json"),
            "application/json",
        )
        .await;
    assert_eq!(
        (r.status, r.json["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid")),
        "{}",
        r.json
    );
    let r = h.get("/api/v1/apps?limit=abc", &owner).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.json);
    let r = h.get("/api/v1/apps?grade=Z", &owner).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.json);
}
