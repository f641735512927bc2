//! Least privilege, checked exhaustively: every operation in the generated OpenAPI description ×
//! every role (and anonymous) is called, and the answer must be allow or deny exactly as the
//! table below says. A new route without an entry fails the test.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::{Harness, Who};
use medshield_platform::{Actor, Role, UnitKind};
use serde_json::json;

#[derive(Clone, Copy, Debug)]
enum Access {
    /// No sign-in needed.
    Public,
    /// Any signed-in person (the sign-in steps themselves); never an API key.
    Session,
    /// Exactly these roles.
    Roles(&'static [&'static str]),
}

const READERS: &[&str] = &[
    "admin",
    "regulator",
    "reviewer",
    "owner_admin",
    "owner_member",
];

/// The authorization matrix, spelled out. Keep it in step with `Role::permits`.
fn expected(method: &str, path: &str) -> Option<Access> {
    use Access::*;
    Some(match (method, path) {
        ("GET", "/healthz") | ("GET", "/metrics") | ("GET", "/api/v1/regions") => Public,
        ("GET", "/api/v1/authcodes/keys") | ("POST", "/api/v1/authcodes/verify") => Public,
        ("POST", "/api/v1/auth/login") => Public,
        ("POST", "/api/v1/auth/totp")
        | ("POST", "/api/v1/auth/totp/enroll")
        | ("POST", "/api/v1/auth/totp/confirm")
        | ("POST", "/api/v1/auth/password")
        | ("POST", "/api/v1/auth/logout")
        | ("GET", "/api/v1/me") => Session,
        ("GET", "/api/v1/dashboard")
        | ("GET", "/api/v1/apps")
        | ("GET", "/api/v1/apps/{id}")
        | ("GET", "/api/v1/apps/{id}/scans")
        | ("GET", "/api/v1/scans/{id}") => Roles(READERS),
        ("POST", "/api/v1/apps") | ("POST", "/api/v1/apps/from-package") => {
            Roles(&["owner_admin", "owner_member"])
        }
        ("POST", "/api/v1/apps/{id}/review") => Roles(&["reviewer"]),
        ("POST", "/api/v1/apps/{id}/scans") => Roles(&["regulator", "owner_admin", "owner_member"]),
        ("POST", "/api/v1/contacts/{id}/unmask") => {
            Roles(&["regulator", "reviewer", "owner_admin"])
        }
        ("POST", "/api/v1/authcodes/{jti}/revoke") => Roles(&["regulator", "reviewer"]),
        ("GET", "/api/v1/units") => Roles(&["admin", "regulator", "reviewer", "owner_admin"]),
        ("POST", "/api/v1/units") => Roles(&["admin"]),
        ("GET", "/api/v1/users")
        | ("POST", "/api/v1/users")
        | ("POST", "/api/v1/users/{id}/disable")
        | ("POST", "/api/v1/users/{id}/reset") => Roles(&["admin", "owner_admin"]),
        ("GET", "/api/v1/api-keys")
        | ("POST", "/api/v1/api-keys")
        | ("POST", "/api/v1/api-keys/{id}/revoke") => Roles(&["admin"]),
        ("GET", "/api/v1/audit")
        | ("GET", "/api/v1/audit/export")
        | ("GET", "/api/v1/audit/alerts")
        | ("GET", "/api/v1/audit/verify") => Roles(&["auditor"]),
        ("POST", "/api/v1/monitoring/packages") => Roles(&["node"]),
        _ => return None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_times_every_role() {
    for (backend, config) in common::configs("authz").await {
        let h = Harness::new(config).await;
        let (admin_user, admin_pw) = h
            .platform
            .bootstrap()
            .await
            .expect("bootstrap")
            .expect("fresh");
        let mut callers: Vec<(String, Who)> = vec![("anonymous".into(), Who::Anonymous)];
        callers.push(("admin".into(), h.sign_in(&admin_user, &admin_pw).await));
        let regulator_unit = h.unit(UnitKind::Regulator, "440000").await;
        let owner_unit = h.unit(UnitKind::Owner, "440100").await;
        let node_unit = h.unit(UnitKind::Node, "440100").await;
        let auditor_unit = h.unit(UnitKind::Authority, "000000").await;
        for (role, unit) in [
            (Role::Regulator, &regulator_unit),
            (Role::Reviewer, &regulator_unit),
            (Role::OwnerAdmin, &owner_unit),
            (Role::OwnerMember, &owner_unit),
            (Role::Auditor, &auditor_unit),
        ] {
            let (u, p) = h.account_in(role, unit).await;
            callers.push((role.as_str().into(), h.sign_in(&u, &p).await));
        }
        let key = h
            .platform
            .create_api_key(&Actor::system(), "节点", &node_unit)
            .await
            .expect("api key");
        callers.push(("node".into(), Who::ApiKey(key.secret)));

        let spec = h.get("/api/openapi.json", &Who::Anonymous).await.json;
        let mut operations = Vec::new();
        for (path, item) in spec["paths"].as_object().expect("paths") {
            for method in ["get", "post", "put", "patch", "delete"] {
                if item.get(method).is_some() {
                    operations.push((method.to_uppercase(), path.clone()));
                }
            }
        }
        // Sign-out ends the session: it runs last for every caller.
        operations.sort_by_key(|(m, p)| (p == "/api/v1/auth/logout", p.clone(), m.clone()));
        let missing: Vec<_> = operations
            .iter()
            .filter(|(m, p)| expected(m, p).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "routes without an entry in the authorization matrix: {missing:?}"
        );
        assert!(
            operations.len() >= 30,
            "only {} operations in the OpenAPI description",
            operations.len()
        );

        let mut cells = 0;
        let mut failures = Vec::new();
        for (method, path) in &operations {
            let access = expected(method, path).unwrap_or(Access::Public);
            let concrete = path
                .replace("{id}", "nonexistent")
                .replace("{jti}", "nonexistent");
            for (role, who) in &callers {
                let allowed = match access {
                    Access::Public => true,
                    Access::Session => !matches!(who, Who::Anonymous | Who::ApiKey(_)),
                    Access::Roles(roles) => roles.contains(&role.as_str()),
                };
                let m = Method::from_bytes(method.as_bytes()).expect("method");
                let reply = h
                    .call(m, &concrete, who, Body::from("{}"), "application/json")
                    .await;
                cells += 1;
                let denied = matches!(
                    reply.status,
                    StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
                );
                if allowed == denied {
                    failures.push(format!(
                        "{method} {path} as {role}: expected {}, got {} {}",
                        if allowed { "allow" } else { "deny" },
                        reply.status,
                        reply.json
                    ));
                }
                assert!(
                    !reply.status.is_server_error(),
                    "{method} {path} as {role}: {} {}",
                    reply.status,
                    reply.json
                );
                if reply.status.is_client_error() {
                    assert!(
                        reply.json["error"].is_string(),
                        "{method} {path} as {role}: a 4xx without a JSON error: {}",
                        reply.json
                    );
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{backend}: {} of {cells} cells wrong:\n{}",
            failures.len(),
            failures.join("\n")
        );
        eprintln!("{backend}: authorization matrix {} operations × {} callers = {cells} cells, all as declared", operations.len(), callers.len());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csrf_password_change_and_lockout() {
    let (_, config) = common::configs("csrf").await.remove(0);
    let h = Harness::new(config).await;
    let (admin, pw) = h
        .platform
        .bootstrap()
        .await
        .expect("bootstrap")
        .expect("fresh");

    // Before the one-time password is changed nothing but the sign-in steps work.
    let r = h
        .post(
            "/api/v1/auth/login",
            &Who::Anonymous,
            json!({"username": admin, "password": pw}),
        )
        .await;
    let first = common::session_of(&r);
    assert_eq!(r.json["user"]["must_change_password"], true);
    // The administrator must enrol TOTP before anything else (stage enroll_totp).
    assert_eq!(r.json["stage"], "enroll_totp");
    let r = h.get("/api/v1/units", &first).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.json);

    let owner_unit = h.unit(UnitKind::Owner, "440100").await;
    let (owner, owner_pw) = h.account_in(Role::OwnerAdmin, &owner_unit).await;
    let r = h
        .post(
            "/api/v1/auth/login",
            &Who::Anonymous,
            json!({"username": owner, "password": owner_pw}),
        )
        .await;
    let session = common::session_of(&r);
    let r = h.get("/api/v1/apps", &session).await;
    assert_eq!(
        (r.status, r.json["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("password_change_required"))
    );

    // A write without the CSRF header is refused even with a valid cookie.
    let who = h.sign_in(&owner, &owner_pw).await;
    let Who::Session { cookie, .. } = &who else {
        unreachable!()
    };
    let forged = Who::Session {
        cookie: cookie.clone(),
        csrf: "forged".into(),
    };
    let r = h.post("/api/v1/apps", &forged, json!({})).await;
    assert_eq!(
        (r.status, r.json["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("csrf"))
    );

    // A weak new password is refused with the policy's reason.
    let r = h
        .post(
            "/api/v1/auth/password",
            &who,
            json!({"current": "x", "new": "password123"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Five failures lock the account; even the right password is then refused, and an alert
    // is raised for the auditors.
    let (victim, victim_pw) = h.account_in(Role::OwnerMember, &owner_unit).await;
    for _ in 0..5 {
        let r = h
            .post(
                "/api/v1/auth/login",
                &Who::Anonymous,
                json!({"username": victim, "password": "Wrong-Password-1"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.json);
    }
    let r = h
        .post(
            "/api/v1/auth/login",
            &Who::Anonymous,
            json!({"username": victim, "password": victim_pw}),
        )
        .await;
    assert_eq!(
        (r.status, r.json["error"].as_str()),
        (StatusCode::LOCKED, Some("locked")),
        "{}",
        r.json
    );
    let alerts = h.platform.db.alerts(10).await.expect("alerts");
    assert!(
        alerts
            .iter()
            .any(|a| a.kind == "login_failures" && a.subject == victim),
        "{alerts:?}"
    );
    // Unknown user names get the same answer as wrong passwords.
    let r = h
        .post(
            "/api/v1/auth/login",
            &Who::Anonymous,
            json!({"username": "nobody", "password": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}
