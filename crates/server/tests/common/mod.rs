//! Test harness: a platform on a fresh SQLite directory or a fresh PostgreSQL database, its
//! router driven in-process, and signed-in clients for every role.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use medshield_platform::accounts::{NewUnit, NewUser};
use medshield_platform::{totp, Actor, Config, Platform, Role, UnitKind};
use serde_json::{json, Value};
use tower::ServiceExt;

pub fn unique() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{}_{nanos}", std::process::id())
}

pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("medshield-server-{tag}-{}", unique()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Both backends where PostgreSQL is reachable; under CI a missing PostgreSQL fails.
pub async fn configs(tag: &str) -> Vec<(&'static str, Config)> {
    let mut out = vec![(
        "sqlite",
        Config {
            data_dir: temp_dir(tag),
            cookie_secure: false,
            ..Config::default()
        },
    )];
    let server = std::env::var("MEDSHIELD_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string());
    let name = format!("medshield_{}_{}", tag, unique());
    match medshield_store::Db::create_postgres_database(&server, &name).await {
        Ok(url) => out.push((
            "postgres",
            Config {
                data_dir: temp_dir(tag),
                database_url: url,
                cookie_secure: false,
                ..Config::default()
            },
        )),
        Err(e) if medshield_fixtures::under_ci() => {
            panic!("CI=true but PostgreSQL at {server} is not usable: {e}")
        }
        Err(e) => {
            eprintln!("PostgreSQL at {server} not usable ({e}): the PostgreSQL run DID NOT RUN")
        }
    }
    out
}

pub struct Harness {
    pub platform: Arc<Platform>,
    pub router: Router,
}

/// How a request authenticates.
#[derive(Clone, Debug)]
pub enum Who {
    Anonymous,
    Session { cookie: String, csrf: String },
    ApiKey(String),
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub json: Value,
}

impl Harness {
    pub async fn new(config: Config) -> Harness {
        let platform = Arc::new(Platform::open(config).await.expect("platform opens"));
        let router = medshield_server::router(Arc::clone(&platform));
        Harness { platform, router }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        who: &Who,
        body: Body,
        content_type: &str,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        match who {
            Who::Anonymous => {}
            Who::Session { cookie, csrf } => {
                req = req
                    .header(header::COOKIE, format!("ms_session={cookie}"))
                    .header("x-csrf-token", csrf);
            }
            Who::ApiKey(k) => req = req.header(header::AUTHORIZATION, format!("Bearer {k}")),
        }
        let mut req = req
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .expect("request");
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 7], 40000))));
        let res = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router answers");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            json,
        }
    }

    pub async fn get(&self, path: &str, who: &Who) -> Reply {
        self.call(Method::GET, path, who, Body::empty(), "application/json")
            .await
    }

    pub async fn post(&self, path: &str, who: &Who, body: Value) -> Reply {
        self.call(
            Method::POST,
            path,
            who,
            Body::from(body.to_string()),
            "application/json",
        )
        .await
    }

    pub async fn upload(&self, path: &str, who: &Who, bytes: Vec<u8>) -> Reply {
        self.call(
            Method::POST,
            path,
            who,
            Body::from(bytes),
            "application/octet-stream",
        )
        .await
    }

    /// Signs a user in through the HTTP API the way a browser does: password, then (as due)
    /// password change, TOTP enrolment or TOTP code. Returns the full session.
    pub async fn sign_in(&self, username: &str, password: &str) -> Who {
        let r = self
            .post(
                "/api/v1/auth/login",
                &Who::Anonymous,
                json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "login {username}: {}", r.json);
        let mut who = session_of(&r);
        let mut info = r.json;
        let mut password = password.to_string();
        if info["stage"] == "totp" {
            let secret = self.totp_secret_of(username).await;
            let code = totp::code_at(&secret, medshield_platform::now_ms() / 1000);
            let r = self
                .post("/api/v1/auth/totp", &who, json!({"code": code}))
                .await;
            assert_eq!(r.status, StatusCode::OK, "totp {username}: {}", r.json);
            who = session_of(&r);
            info = r.json;
        }
        if info["user"]["must_change_password"] == true {
            let new = format!(
                "Harbor-Lamp-{}-Qz7",
                unique().chars().rev().take(8).collect::<String>()
            );
            let r = self
                .post(
                    "/api/v1/auth/password",
                    &who,
                    json!({"current": password, "new": new}),
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::OK,
                "password change {username}: {}",
                r.json
            );
            who = session_of(&r);
            info = r.json;
            password = new;
        }
        let _ = password;
        if info["stage"] == "enroll_totp" {
            let r = self.post("/api/v1/auth/totp/enroll", &who, json!({})).await;
            assert_eq!(r.status, StatusCode::OK, "enroll {username}: {}", r.json);
            let secret =
                totp::base32_decode(r.json["secret"].as_str().expect("secret")).expect("base32");
            let code = totp::code_at(&secret, medshield_platform::now_ms() / 1000);
            let r = self
                .post("/api/v1/auth/totp/confirm", &who, json!({"code": code}))
                .await;
            assert_eq!(r.status, StatusCode::OK, "confirm {username}: {}", r.json);
            who = session_of(&r);
            info = r.json;
        }
        assert_eq!(info["stage"], "full", "{username}: {info}");
        who
    }

    async fn totp_secret_of(&self, _username: &str) -> Vec<u8> {
        panic!("tests enrol TOTP in the same run; a pre-enrolled account is not expected here")
    }

    /// An account of `role` in a unit of `kind` in `region`, created by the administrator;
    /// returns (username, one-time password).
    pub async fn account(&self, role: Role, kind: UnitKind, region: &str) -> (String, String) {
        let admin = Actor::system();
        let unit = self
            .platform
            .create_unit(
                &admin,
                NewUnit {
                    name_zh: format!("{:?}单位{region}", kind),
                    name_en: "unit".into(),
                    kind,
                    region_code: region.into(),
                },
            )
            .await
            .expect("unit");
        let username = format!("{}.{}.{}", role.as_str(), region, &unique()[..6]).replace('_', "-");
        let created = self
            .platform
            .create_user(
                &admin,
                NewUser {
                    username: username.clone(),
                    display_name: "测试".into(),
                    role,
                    unit_id: unit.id,
                },
            )
            .await
            .expect("user");
        (username, created.one_time_password)
    }

    pub async fn unit(&self, kind: UnitKind, region: &str) -> String {
        self.platform
            .create_unit(
                &Actor::system(),
                NewUnit {
                    name_zh: "单位".into(),
                    name_en: "unit".into(),
                    kind,
                    region_code: region.into(),
                },
            )
            .await
            .expect("unit")
            .id
    }

    pub async fn account_in(&self, role: Role, unit_id: &str) -> (String, String) {
        let username = format!("{}-{}", role.as_str(), unique()).replace('_', "-");
        let username: String = username.chars().take(60).collect();
        let created = self
            .platform
            .create_user(
                &Actor::system(),
                NewUser {
                    username: username.clone(),
                    display_name: "测试".into(),
                    role,
                    unit_id: unit_id.into(),
                },
            )
            .await
            .expect("user");
        (username, created.one_time_password)
    }
}

pub fn session_of(r: &Reply) -> Who {
    let cookie = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix("ms_session=")
                .map(|rest| rest.split(';').next().unwrap_or("").to_string())
        })
        .expect("a session cookie");
    let csrf = r.json["csrf_token"]
        .as_str()
        .expect("csrf token")
        .to_string();
    Who::Session { cookie, csrf }
}

/// A demo package built in-process (no fixtures needed).
pub fn demo_apk(index: usize) -> (String, Vec<u8>) {
    let catalog = medshield_apkgen::demo_catalog();
    let spec = &catalog[index % catalog.len()];
    let signer = medshield_apkgen::demo_signer(spec).expect("signer");
    (
        spec.package.clone(),
        medshield_apkgen::build_apk(spec, &signer).expect("apk"),
    )
}
