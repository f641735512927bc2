//! Roles, permissions and scopes: least privilege in one table.
//!
//! A role grants a fixed set of permissions ([`Role::permits`]); the *scope* of what the
//! permission reaches comes from the account's unit: a regulator or reviewer sees its region's
//! subtree, an owner sees its own unit's apps, the system administrator sees everything.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: units, users, API keys. Sees every region.
    Admin,
    /// 监管人员: its region's subtree; reads apps, scans, personal data on need; revokes codes.
    Regulator,
    /// 备案审核员: approves or rejects registrations in its region.
    Reviewer,
    /// 运营单位管理员: registers its unit's apps, uploads packages, manages its members.
    OwnerAdmin,
    /// 运营单位成员: registers and uploads for its unit.
    OwnerMember,
    /// 审计员: the audit log and its alerts, nothing else.
    Auditor,
    /// 监测节点 (service account, API key only): submits monitoring data for its region.
    Node,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Regulator,
        Role::Reviewer,
        Role::OwnerAdmin,
        Role::OwnerMember,
        Role::Auditor,
        Role::Node,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Regulator => "regulator",
            Role::Reviewer => "reviewer",
            Role::OwnerAdmin => "owner_admin",
            Role::OwnerMember => "owner_member",
            Role::Auditor => "auditor",
            Role::Node => "node",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn title_zh(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Regulator => "监管人员",
            Role::Reviewer => "备案审核员",
            Role::OwnerAdmin => "运营单位管理员",
            Role::OwnerMember => "运营单位成员",
            Role::Auditor => "审计员",
            Role::Node => "监测节点",
        }
    }

    /// Roles whose accounts must sign in with a second factor (the list); others may.
    pub fn requires_totp(self) -> bool {
        matches!(self, Role::Admin | Role::Regulator | Role::Reviewer)
    }

    /// Whether people sign in with this role (nodes only use API keys).
    pub fn is_human(self) -> bool {
        self != Role::Node
    }

    /// The unit kinds an account of this role may belong to.
    pub fn fits_unit_kind(self, kind: UnitKind) -> bool {
        match self {
            Role::Admin => kind == UnitKind::Authority,
            Role::Regulator | Role::Reviewer => {
                matches!(kind, UnitKind::Authority | UnitKind::Regulator)
            }
            Role::OwnerAdmin | Role::OwnerMember => kind == UnitKind::Owner,
            Role::Auditor => matches!(
                kind,
                UnitKind::Authority | UnitKind::Regulator | UnitKind::Standards
            ),
            Role::Node => kind == UnitKind::Node,
        }
    }

    /// The permission table. Changing it changes who may do what: the route × role test in the
    /// server crate spells the resulting matrix out and fails on any difference.
    pub fn permits(self, p: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match p {
            DashboardRead | AppsRead | ScansRead => {
                matches!(
                    self,
                    Admin | Regulator | Reviewer | OwnerAdmin | OwnerMember
                )
            }
            AppsRegister => matches!(self, OwnerAdmin | OwnerMember),
            AppsReview => self == Reviewer,
            AuthCodesRevoke => matches!(self, Regulator | Reviewer),
            ScansUpload => matches!(self, Regulator | OwnerAdmin | OwnerMember),
            MonitoringSubmit => self == Node,
            PiiUnmask => matches!(self, Regulator | Reviewer | OwnerAdmin),
            AuditRead => self == Auditor,
            UnitsRead => matches!(self, Admin | Regulator | Reviewer | OwnerAdmin),
            UnitsManage => self == Admin,
            UsersRead => matches!(self, Admin | OwnerAdmin),
            UsersManage => matches!(self, Admin | OwnerAdmin),
            ApiKeysManage => self == Admin,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    DashboardRead,
    AppsRead,
    AppsRegister,
    AppsReview,
    AuthCodesRevoke,
    ScansRead,
    ScansUpload,
    MonitoringSubmit,
    PiiUnmask,
    AuditRead,
    UnitsRead,
    UnitsManage,
    UsersRead,
    UsersManage,
    ApiKeysManage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 国家卫生健康主管部门
    Authority,
    /// 省/市卫生健康委
    Regulator,
    /// 医疗机构、平台企业 (app owners)
    Owner,
    /// 医院监测节点
    Node,
    /// 标准与技术机构
    Standards,
}

impl UnitKind {
    pub const ALL: [UnitKind; 5] = [
        UnitKind::Authority,
        UnitKind::Regulator,
        UnitKind::Owner,
        UnitKind::Node,
        UnitKind::Standards,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Authority => "authority",
            UnitKind::Regulator => "regulator",
            UnitKind::Owner => "owner",
            UnitKind::Node => "node",
            UnitKind::Standards => "standards",
        }
    }

    pub fn parse(s: &str) -> Option<UnitKind> {
        UnitKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What rows an actor's permissions reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// Everything (system administrator).
    All,
    /// A region and everything under it, by region path prefix (regulators, reviewers, nodes).
    Region { path: String },
    /// One unit's own rows (owners).
    Unit { unit_id: String },
    /// No business rows at all (auditors).
    Nothing,
}

impl Scope {
    pub fn for_role(role: Role, unit_id: &str, region_path: &str) -> Scope {
        match role {
            Role::Admin => Scope::All,
            Role::Regulator | Role::Reviewer | Role::Node => Scope::Region {
                path: region_path.to_string(),
            },
            Role::OwnerAdmin | Role::OwnerMember => Scope::Unit {
                unit_id: unit_id.to_string(),
            },
            Role::Auditor => Scope::Nothing,
        }
    }

    /// Whether a row owned by `unit_id` in the region at `region_path` is within reach.
    pub fn covers(&self, unit_id: &str, region_path: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Region { path } => region_path.starts_with(path.as_str()),
            Scope::Unit { unit_id: own } => own == unit_id,
            Scope::Nothing => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip_and_scopes_nest() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        let gd = Scope::for_role(Role::Regulator, "u", "/000000/440000/");
        assert!(gd.covers("x", "/000000/440000/440100/"));
        assert!(!gd.covers("x", "/000000/110000/"));
        // A sibling whose code shares a textual prefix is not inside the subtree.
        assert!(!gd.covers("x", "/000000/4400001/"));
        let own = Scope::for_role(Role::OwnerMember, "u1", "/000000/");
        assert!(own.covers("u1", "/000000/110000/"));
        assert!(!own.covers("u2", "/000000/110000/"));
        assert!(!Scope::for_role(Role::Auditor, "u", "/").covers("u", "/"));
        assert!(Role::Admin.requires_totp() && !Role::OwnerMember.requires_totp());
    }
}
