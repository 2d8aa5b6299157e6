//! Reading and editing an organisation's tool allowlists (owners and admins edit; members see
//! them read-only, with the reason).

use std::collections::BTreeSet;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set, TransactionTrait,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{context::Caller, ConnectionError, PolicySubject, ToolPolicy};
use crate::{
    audit::{self, Actor, AuditEvent, Outcome, RequestContext},
    entity::{organization_tool_defaults, tool_policies},
    organizations::{Permission, Role},
    users::User,
    vendors::{Catalog, VendorKind},
};

/// An organisation's allowlists as one value.
pub async fn load_policy<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
) -> Result<ToolPolicy, DbErr> {
    let deny_by_default = organization_tool_defaults::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .is_some_and(|o| o.tool_default == "deny");
    let lists = tool_policies::Entity::find()
        .filter(tool_policies::Column::OrganizationId.eq(organization_id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|row| {
            let subject = PolicySubject::parse(&row.subject_key)?;
            let tools: BTreeSet<String> = serde_json::from_str(&row.allowed_tools).ok()?;
            Some(((subject, row.vendor), tools))
        })
        .collect();
    Ok(ToolPolicy {
        deny_by_default,
        lists,
    })
}

/// A vendor as the tool-access page lists it: slug, name, and its tools (name, title, writes).
pub type VendorTools = (String, String, Vec<(String, String, bool)>);

/// The tool-access page's data.
#[derive(Debug, Clone)]
pub struct ToolAccess {
    /// Why the caller cannot edit (shown beside the read-only controls), if they cannot.
    pub refusal: Option<String>,
    /// The policy.
    pub policy: ToolPolicy,
    /// Subjects lists may be kept for: key and label.
    pub subjects: Vec<(PolicySubject, String)>,
    /// Vendors with their tools (name, title, destructive), catalog order.
    pub vendors: Vec<VendorTools>,
}

/// Reads the tool-access page's data for a member of an organisation.
pub async fn tool_access(
    db: &DatabaseConnection,
    catalog: &Catalog,
    user: &User,
) -> Result<ToolAccess, ConnectionError> {
    let caller = Caller::load(db, user.id).await?;
    let membership = caller.membership.as_ref().ok_or_else(|| {
        ConnectionError::NotAllowed(
            "Tool access is set per organisation; create or join one first (Settings).".into(),
        )
    })?;
    let policy = load_policy(db, membership.organization.id).await?;
    let mut subjects = vec![
        (
            PolicySubject::Organization,
            "Everyone in the organisation".to_owned(),
        ),
        (PolicySubject::Role(Role::Admin), "Admins".to_owned()),
        (PolicySubject::Role(Role::Member), "Members".to_owned()),
    ];
    subjects.extend(
        caller
            .organization_teams
            .iter()
            .map(|t| (PolicySubject::Team(t.id), format!("Team “{}”", t.name))),
    );
    let vendors = catalog
        .iter()
        .filter(|def| !matches!(def.kind, VendorKind::McpServer))
        .map(|def| {
            let tools = def
                .tools
                .iter()
                .map(|t| (t.name.clone(), t.title.clone(), t.destructive))
                .collect();
            (def.slug.clone(), def.name.clone(), tools)
        })
        .collect();
    Ok(ToolAccess {
        refusal: membership
            .check(Permission::ManageSharedConnections)
            .err()
            .map(|e| e.to_string()),
        policy,
        subjects,
        vendors,
    })
}

/// Saves (`Some`) or removes (`None`: back to the default) the allowlist of `subject` for `vendor`.
#[allow(clippy::too_many_arguments)]
pub async fn set_allowlist(
    db: &DatabaseConnection,
    catalog: &Catalog,
    user: &User,
    subject: PolicySubject,
    vendor: &str,
    tools: Option<Vec<String>>,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), ConnectionError> {
    let caller = Caller::load(db, user.id).await?;
    let membership = caller
        .membership
        .as_ref()
        .ok_or_else(|| ConnectionError::NotAllowed(caller.shared_refusal().unwrap_or_default()))?;
    membership.check(Permission::ManageSharedConnections)?;
    let organization_id = membership.organization.id;
    if let PolicySubject::Team(team) = subject {
        if !caller.organization_teams.iter().any(|t| t.id == team) {
            return Err(ConnectionError::NotFound);
        }
    }
    let def = catalog
        .get(vendor)
        .ok_or_else(|| ConnectionError::UnknownVendor(vendor.to_owned()))?;
    let tools: Option<BTreeSet<String>> = tools.map(|t| t.into_iter().collect());
    if let Some(tools) = &tools {
        let known: BTreeSet<&str> = def.tools.iter().map(|t| t.name.as_str()).collect();
        if let Some(unknown) = tools.iter().find(|t| !known.contains(t.as_str())) {
            return Err(ConnectionError::field(
                "tools",
                format!("{} has no tool named “{unknown}”.", def.name),
            ));
        }
    }
    let txn = db.begin().await?;
    tool_policies::Entity::delete_many()
        .filter(tool_policies::Column::OrganizationId.eq(organization_id))
        .filter(tool_policies::Column::SubjectKey.eq(subject.key()))
        .filter(tool_policies::Column::Vendor.eq(vendor))
        .exec(&txn)
        .await?;
    if let Some(tools) = &tools {
        tool_policies::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(organization_id),
            subject_key: Set(subject.key()),
            vendor: Set(vendor.to_owned()),
            allowed_tools: Set(serde_json::to_string(tools).unwrap_or_else(|_| "[]".into())),
            updated_by: Set(user.display_name.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    let detail = match &tools {
        Some(tools) => format!("subject={} allowed={}", subject.key(), tools.len()),
        None => format!("subject={} reset", subject.key()),
    };
    audit::record_in(
        &txn,
        Some(organization_id),
        AuditEvent {
            actor: Actor::user(user),
            action: "tool_access.update",
            target: vendor.to_owned(),
            outcome: Outcome::Success,
            detail: Some(detail),
        },
        context,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Switches the organisation's default for vendors without an organisation-wide list.
pub async fn set_tool_default(
    db: &DatabaseConnection,
    user: &User,
    deny_by_default: bool,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), ConnectionError> {
    let caller = Caller::load(db, user.id).await?;
    let membership = caller
        .membership
        .as_ref()
        .ok_or_else(|| ConnectionError::NotAllowed(caller.shared_refusal().unwrap_or_default()))?;
    membership.check(Permission::ManageSharedConnections)?;
    let txn = db.begin().await?;
    organization_tool_defaults::ActiveModel {
        id: Set(membership.organization.id),
        tool_default: Set(if deny_by_default { "deny" } else { "allow" }.to_owned()),
        updated_at: Set(now),
    }
    .update(&txn)
    .await?;
    audit::record_in(
        &txn,
        Some(membership.organization.id),
        AuditEvent {
            actor: Actor::user(user),
            action: "tool_access.update",
            target: "default".into(),
            outcome: Outcome::Success,
            detail: Some(format!(
                "default={}",
                if deny_by_default { "deny" } else { "allow" }
            )),
        },
        context,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
