//! Finishing a sign-in with an identity provider: the provider's checks, then the gateway's own
//! (tenant allow-list, onboarding confirmation), then the user record and the audit trail.
//! The server's callback handlers call [`finish`] once they have taken the pending sign-in for the
//! callback's `state` out of the session.

use sea_orm::DatabaseConnection;
use time::OffsetDateTime;

use super::{
    oidc::{IdentityProviders, OidcError, PendingSignIn, Purpose},
    ReturnPath,
};
use crate::{
    audit::{self, Actor, AuditEvent, Outcome, RequestContext},
    tenants::{
        self, ConfirmingAdmin, Onboarded, OnboardingOutcome, OnboardingPolicy, TenantError,
        TenantId,
    },
    users::{self, Provider, User},
};

/// A completed sign-in.
#[derive(Debug, Clone)]
pub struct SignedInWith {
    /// The user (created on first sign-in).
    pub user: User,
    /// The provider.
    pub provider: Provider,
    /// Entra: the user's tenant.
    pub tenant_id: Option<TenantId>,
    /// Where to go now.
    pub return_to: ReturnPath,
    /// Set when this sign-in completed a tenant onboarding.
    pub onboarded: Option<Onboarded>,
}

/// Why a sign-in did not complete. Each has its own page.
#[derive(Debug, thiserror::Error)]
pub enum SignInFailure {
    /// The provider is not configured (any more).
    #[error("this sign-in method is not available")]
    NotConfigured,
    /// The provider or the network failed: try again later.
    #[error("{0}")]
    Unavailable(String),
    /// The code or the ID token was refused (replayed code, bad signature, wrong audience…).
    #[error("{0}")]
    Rejected(String),
    /// The user's Microsoft tenant has not been onboarded.
    #[error("tenant {tenant_id} is not onboarded")]
    TenantNotOnboarded {
        /// The tenant.
        tenant_id: TenantId,
        /// The account that tried (UPN or email).
        account: String,
    },
    /// Onboarding confirmation failed (another tenant's account, not an administrator, or the
    /// request expired).
    #[error("{0}")]
    Onboarding(TenantError),
    /// The administrator confirmed, and the onboarding now waits for an operator's approval
    /// (`onboarding = "operator-approved"`); nobody is signed in until then.
    #[error("tenant {} awaits an operator's approval", .0.tenant_id)]
    AwaitingApproval(Onboarded),
    /// The database failed.
    #[error("database error")]
    Db(#[from] sea_orm::DbErr),
}

impl From<users::UsersError> for SignInFailure {
    fn from(e: users::UsersError) -> Self {
        match e {
            users::UsersError::Db(e) => Self::Db(e),
        }
    }
}

/// Redeems `code` for the sign-in `pending` and signs the user in; a sign-in that confirms an
/// onboarding is judged by `policy`.
pub async fn finish(
    db: &DatabaseConnection,
    providers: &IdentityProviders,
    policy: &OnboardingPolicy,
    pending: &PendingSignIn,
    code: &str,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<SignedInWith, SignInFailure> {
    if matches!(pending.purpose, Purpose::AdminConsent { .. }) {
        // An admin-consent `state` presented at a sign-in callback: not a sign-in at all.
        return Err(SignInFailure::Rejected(
            "this answer belongs to an admin-consent request, not a sign-in".into(),
        ));
    }
    let provider = pending.provider().ok_or(SignInFailure::NotConfigured)?;
    let client = providers
        .get(provider)
        .ok_or(SignInFailure::NotConfigured)?;
    let verified = match client.complete(pending, code, now).await {
        Ok(verified) => verified,
        Err(e) => {
            let failure = match &e {
                OidcError::Unavailable(m) | OidcError::Misconfigured(m) | OidcError::Http(m) => {
                    tracing::warn!(provider = provider.as_str(), error = %e, "identity provider unavailable");
                    SignInFailure::Unavailable(m.clone())
                }
                OidcError::CodeRejected(_) | OidcError::InvalidIdToken(_) => {
                    tracing::warn!(provider = provider.as_str(), error = %e, "sign-in refused");
                    SignInFailure::Rejected(e.to_string())
                }
            };
            audit::record(
                db,
                AuditEvent {
                    actor: Actor::Anonymous,
                    action: "auth.sign_in",
                    target: format!("provider:{}", provider.as_str()),
                    outcome: Outcome::Failure,
                    detail: Some(e.to_string()),
                },
                context,
                now,
            )
            .await?;
            return Err(failure);
        }
    };
    let identity_label = format!(
        "{} ({}:{}/{})",
        verified.account,
        provider.as_str(),
        verified.identity.issuer,
        verified.identity.subject
    );
    let onboarded = match (&pending.purpose, &verified.tenant_id) {
        (
            Purpose::ConfirmOnboarding {
                onboarding_id,
                tenant_id,
            },
            Some(signed_in_tenant),
        ) => {
            let admin = ConfirmingAdmin {
                tenant: signed_in_tenant,
                directory_roles: &verified.directory_roles,
                account: &verified.account,
                label: &identity_label,
            };
            let outcome = tenants::complete_onboarding(
                db,
                policy,
                *onboarding_id,
                tenant_id,
                &admin,
                context,
                now,
            )
            .await
            .map_err(|e| match e {
                TenantError::Db(e) => SignInFailure::Db(e),
                other => SignInFailure::Onboarding(other),
            })?;
            match outcome {
                OnboardingOutcome::Onboarded(onboarded) => Some(onboarded),
                OnboardingOutcome::AwaitingApproval(waiting) => {
                    return Err(SignInFailure::AwaitingApproval(waiting))
                }
            }
        }
        (Purpose::ConfirmOnboarding { .. }, None) => {
            return Err(SignInFailure::Onboarding(TenantError::UnknownOnboarding))
        }
        (Purpose::SignIn | Purpose::AdminConsent { .. }, _) => None,
    };
    // A sign-in that just onboarded its tenant needs no second look at the allow-list.
    if let (Some(tenant_id), None) = (&verified.tenant_id, &onboarded) {
        if !tenants::is_onboarded(db, tenant_id).await? {
            audit::record(
                db,
                AuditEvent {
                    actor: Actor::Identity(identity_label),
                    action: "auth.sign_in",
                    target: format!("tenant:{tenant_id}"),
                    outcome: Outcome::Failure,
                    detail: Some("tenant not onboarded".into()),
                },
                context,
                now,
            )
            .await?;
            return Err(SignInFailure::TenantNotOnboarded {
                tenant_id: tenant_id.clone(),
                account: verified.account,
            });
        }
    }
    let user = users::sign_in(db, &verified.identity, &verified.profile, now).await?;
    audit::record(
        db,
        AuditEvent {
            actor: Actor::User {
                id: user.id,
                label: identity_label,
            },
            action: "auth.sign_in",
            target: format!("provider:{}", provider.as_str()),
            outcome: Outcome::Success,
            detail: None,
        },
        context,
        now,
    )
    .await?;
    Ok(SignedInWith {
        user,
        provider,
        tenant_id: verified.tenant_id,
        return_to: pending.return_path(),
        onboarded,
    })
}
