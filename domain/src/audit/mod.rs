//! The audit log: an append-only record of security events.
//!
//! Each event names who acted (a user, an identity that is not a user yet, or the command line),
//! what they did, to what, and whether it worked — with the request id and client IP when it came
//! over HTTP. Events never carry secrets, tokens or tool arguments: the fields are short, typed
//! strings built by the domain functions that emit them, not free text from requests.

mod log;

pub use log::{
    export_csv, list, purge_older_than, AuditFilter, AuditPage, ACTIONS, EXPORT_MAX_ROWS, PAGE_SIZE,
};

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::entity::audit_events;

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// The `X-Request-Id` of the request.
    pub request_id: Option<String>,
    /// The client's IP address as the server saw it.
    pub ip: Option<String>,
}

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A portal user.
    User {
        /// The user's id.
        id: Uuid,
        /// How to show them (name, and identity where useful).
        label: String,
    },
    /// Someone identified by an identity provider but not (yet) a user, e.g. a refused sign-in.
    Identity(String),
    /// The `mcp-gateway` command line (an operator with shell access).
    CommandLine,
    /// Nobody identified (e.g. a forged callback).
    Anonymous,
}

impl Actor {
    /// A portal user, labelled with their display name.
    pub fn user(user: &crate::users::User) -> Self {
        Actor::User {
            id: user.id,
            label: user.display_name.clone(),
        }
    }

    /// How the actor is shown (also recorded as "granted by" / "offboarded by").
    pub fn label(&self) -> String {
        match self {
            Actor::User { label, .. } | Actor::Identity(label) => label.clone(),
            Actor::CommandLine => "command line".into(),
            Actor::Anonymous => "anonymous".into(),
        }
    }

    fn user_id(&self) -> Option<Uuid> {
        match self {
            Actor::User { id, .. } => Some(*id),
            _ => None,
        }
    }
}

/// Whether the action happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It happened.
    Success,
    /// It was refused or failed.
    Failure,
}

/// One event.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// Who.
    pub actor: Actor,
    /// What, e.g. `auth.sign_in`, `tenant.onboard` (see `docs/audit.md`).
    pub action: &'static str,
    /// On what, e.g. `tenant:<tid>`.
    pub target: String,
    /// Whether it happened.
    pub outcome: Outcome,
    /// A short explanation (a refusal reason); never secrets.
    pub detail: Option<String>,
}

/// Appends `event` (inside the caller's transaction when given one). A user's event goes to the
/// log of the organisation they belong to at that moment (sign-ins, sign-outs…).
pub async fn record<C: ConnectionTrait>(
    db: &C,
    event: AuditEvent,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let organization = match event.actor.user_id() {
        Some(id) => crate::entity::memberships::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|m| m.organization_id),
        None => None,
    };
    record_in(db, organization, event, context, now).await
}

/// Appends `event` to the log of `organization` (organisation changes name it explicitly: the
/// actor may just have left it, or deleted it).
pub async fn record_in<C: ConnectionTrait>(
    db: &C,
    organization: Option<Uuid>,
    event: AuditEvent,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let (actor_user_id, actor) = (event.actor.user_id(), event.actor.label());
    audit_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        occurred_at: Set(now),
        actor_user_id: Set(actor_user_id),
        actor: Set(truncate(actor, 400)),
        organization_id: Set(organization),
        action: Set(event.action.to_owned()),
        target: Set(truncate(event.target, 400)),
        outcome: Set(match event.outcome {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
        .to_owned()),
        detail: Set(event.detail.map(|d| truncate(d, 1000))),
        request_id: Set(context.request_id.clone().map(|r| truncate(r, 64))),
        ip: Set(context.ip.clone().map(|r| truncate(r, 64))),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Control characters (line breaks, ANSI escapes) are stored escaped (`\n`, `\u{1b}`), so a
/// crafted name cannot forge lines in an export or a terminal (ASVS 16.4.1); then the value is
/// cut to `max_chars`.
fn truncate(value: String, max_chars: usize) -> String {
    let mut value = if value.chars().any(char::is_control) {
        value
            .chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        value
    };
    if let Some((index, _)) = value.char_indices().nth(max_chars) {
        value.truncate(index);
    }
    value
}

#[cfg(test)]
mod tests {
    use super::truncate;

    #[test]
    fn truncation_respects_character_boundaries() {
        assert_eq!(truncate("héllo".into(), 2), "hé");
        assert_eq!(truncate("abc".into(), 5), "abc");
    }

    #[test]
    fn control_characters_are_stored_escaped() {
        assert_eq!(truncate("eve\nadmin".into(), 100), "eve\\nadmin");
        assert_eq!(truncate("\u{1b}[31mred".into(), 100), "\\u{1b}[31mred");
    }
}
