//! `serve --demo`: fills an empty instance with a small living system — regulators, hospitals,
//! a monitoring node, their accounts, registered apps (approved with codes, and some pending) and
//! scans of synthetic packages the project builds itself (`medshield-apkgen`), so that a newcomer
//! sees every screen with data in it. A production instance never runs this.

use serde::Serialize;

use crate::accounts::{NewUnit, NewUser};
use crate::registry::{NewContact, NewRegistration};
use crate::{regions, Actor, Platform, PlatformError, Result, Role, UnitKind};

/// An account the demo created, with its one-time password (printed once at start).
#[derive(Debug, Clone, Serialize)]
pub struct DemoAccount {
    pub username: String,
    pub role: Role,
    pub unit: String,
    pub one_time_password: String,
}

impl Platform {
    async fn actor_of(&self, username: &str) -> Result<Actor> {
        let user = self
            .db
            .user_by_username(username)
            .await?
            .ok_or(PlatformError::NotFound("user"))?;
        let unit = self
            .db
            .unit(&user.unit_id)
            .await?
            .ok_or(PlatformError::NotFound("unit"))?;
        let region = self
            .db
            .region(&unit.region_code)
            .await?
            .ok_or(PlatformError::NotFound("region"))?;
        Ok(Actor {
            user_id: user.id,
            username: user.username,
            role: Role::parse(&user.role).unwrap_or(Role::OwnerMember),
            unit_id: unit.id,
            region_code: unit.region_code,
            region_path: region.path,
            ip: "demo".into(),
            api_key_id: None,
        })
    }

    /// Seeds the demo dataset unless apps already exist. Returns the accounts it created.
    pub async fn seed_demo(&self) -> Result<Vec<DemoAccount>> {
        let (_, existing) = self
            .db
            .apps(&medshield_store::AppFilter {
                limit: 1,
                ..Default::default()
            })
            .await?;
        if existing > 0 {
            return Ok(Vec::new());
        }
        let admin = Actor {
            ip: "demo".into(),
            ..Actor::system()
        };
        let unit = |zh: &str, en: &str, kind: UnitKind, region: &str| NewUnit {
            name_zh: zh.into(),
            name_en: en.into(),
            kind,
            region_code: region.into(),
        };
        let gd = self
            .create_unit(
                &admin,
                unit(
                    "广东省卫生健康委员会",
                    "Health Commission of Guangdong",
                    UnitKind::Regulator,
                    "440000",
                ),
            )
            .await?;
        let bj = self
            .create_unit(
                &admin,
                unit(
                    "北京市卫生健康委员会",
                    "Beijing Municipal Health Commission",
                    UnitKind::Regulator,
                    "110000",
                ),
            )
            .await?;
        let gz_hospital = self
            .create_unit(
                &admin,
                unit(
                    "广州市仁心医院",
                    "Guangzhou Renxin Hospital",
                    UnitKind::Owner,
                    "440100",
                ),
            )
            .await?;
        let sz_company = self
            .create_unit(
                &admin,
                unit(
                    "深圳康健科技有限公司",
                    "Shenzhen Kangjian Technology",
                    UnitKind::Owner,
                    "440300",
                ),
            )
            .await?;
        let bj_hospital = self
            .create_unit(
                &admin,
                unit(
                    "北京安和互联网医院",
                    "Beijing Anhe Internet Hospital",
                    UnitKind::Owner,
                    "110000",
                ),
            )
            .await?;
        self.create_unit(
            &admin,
            unit(
                "广州市仁心医院监测节点",
                "Renxin Hospital monitoring node",
                UnitKind::Node,
                "440100",
            ),
        )
        .await?;
        self.create_unit(
            &admin,
            unit(
                "国家卫生健康标准委员会",
                "National Health Standards Committee",
                UnitKind::Standards,
                regions::NATION,
            ),
        )
        .await?;

        let mut accounts = Vec::new();
        for (username, display, role, unit) in [
            ("gd.regulator", "李监管", Role::Regulator, &gd),
            ("gd.reviewer", "王审核", Role::Reviewer, &gd),
            ("bj.reviewer", "赵审核", Role::Reviewer, &bj),
            ("gd.auditor", "陈审计", Role::Auditor, &gd),
            ("renxin.admin", "张运营", Role::OwnerAdmin, &gz_hospital),
            ("kangjian.admin", "刘运营", Role::OwnerAdmin, &sz_company),
            ("anhe.admin", "周运营", Role::OwnerAdmin, &bj_hospital),
        ] {
            let created = self
                .create_user(
                    &admin,
                    NewUser {
                        username: username.into(),
                        display_name: display.into(),
                        role,
                        unit_id: unit.id.clone(),
                    },
                )
                .await?;
            accounts.push(DemoAccount {
                username: username.into(),
                role,
                unit: unit.name_zh.clone(),
                one_time_password: created.one_time_password,
            });
        }

        let owners = ["renxin.admin", "kangjian.admin", "anhe.admin"];
        let catalog = medshield_apkgen::demo_catalog();
        for (i, spec) in catalog.iter().enumerate() {
            let signer = medshield_apkgen::demo_signer(spec)
                .map_err(|e| PlatformError::Internal(format!("demo signer: {e}")))?;
            let apk = medshield_apkgen::build_apk(spec, &signer)
                .map_err(|e| PlatformError::Internal(format!("demo package: {e}")))?;
            let owner = self.actor_of(owners[i % owners.len()]).await?;
            let facts = crate::scans::package_facts(&apk)?;
            let name_zh = spec.label_zh.clone().unwrap_or_else(|| spec.label.clone());
            let app = self
                .register_app(
                    &owner,
                    NewRegistration {
                        name_zh,
                        name_en: spec.label.clone(),
                        platform: "android".into(),
                        package: facts.package.clone(),
                        cert_sha256: facts.cert_sha256.clone().unwrap_or_default(),
                        version: facts.version.clone().unwrap_or_else(|| "1.0".into()),
                        channels: vec!["华为应用市场".into(), "应用宝".into()],
                        contacts: vec![NewContact {
                            name: "王工程师".into(),
                            phone: format!("1381234{:04}", 1000 + i),
                            email: format!("security{i}@example.cn"),
                        }],
                        region_code: None,
                    },
                )
                .await?;
            self.upload_scan(&owner, &app.id, &format!("{}.apk", spec.package), &apk)
                .await?;
            // Most applications are decided; the last two wait in the review queue.
            if i + 2 < catalog.len() {
                let reviewer = if owner.region_code == "110000" {
                    "bj.reviewer"
                } else {
                    "gd.reviewer"
                };
                let reviewer = self.actor_of(reviewer).await?;
                let approve = i != 3;
                let reason = if approve {
                    "材料齐全，同意备案"
                } else {
                    "隐私政策缺失，请补充后重新申请"
                };
                self.review_app(&reviewer, &app.id, approve, reason).await?;
            }
        }
        Ok(accounts)
    }
}
