use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::PortalError;

/// Session key of the last sign-in or onboarding outcome (written by the server's sign-in routes
/// before they redirect to the page that explains it). Kept in the server-side session rather
/// than the URL, so nobody can craft a link that shows made-up text on the gateway's pages.
pub const AUTH_NOTICE_KEY: &str = "auth_notice";

/// Why a sign-in did not complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInProblem {
    /// The callback's `state` matched no sign-in started in this browser (expired, used, forged).
    Expired,
    /// The user cancelled at the identity provider.
    Cancelled,
    /// The identity provider returned an error.
    ProviderError,
    /// The identity provider could not be reached.
    Unavailable,
    /// The code or ID token was refused.
    Rejected,
}

/// Why an onboarding did not complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OnboardingProblem {
    /// The administrator declined, or Microsoft refused consent.
    Declined,
    /// The answer did not belong to a consent request started in this browser, or it expired.
    UnknownRequest,
    /// The administrator signed in with an account of another tenant.
    WrongTenant,
    /// Microsoft could not be reached to sign the administrator in.
    Unavailable,
    /// The administrator's sign-in was refused.
    SignInFailed,
    /// The account that signed in to confirm holds no administrator role of the tenant
    /// (security.md OIDC-5).
    NotAnAdministrator,
}

/// The outcome a sign-in page explains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthNotice {
    /// A sign-in failed.
    SignInFailed {
        /// "Microsoft" or "Auth0".
        provider: String,
        /// What went wrong.
        problem: SignInProblem,
        /// The provider's error code and description, when it sent one (shown as text). Never
        /// the gateway's own error text (library messages, internal URLs): that is logged under
        /// [`AuthNotice::SignInFailed::reference`].
        detail: Option<String>,
        /// Where the user was going (to try again).
        next: String,
        /// The request id of the failed request, shown so an operator can find its log lines.
        #[serde(default)]
        reference: Option<String>,
    },
    /// A Microsoft user whose organisation's tenant is not onboarded.
    NotOnboarded {
        /// Their tenant id.
        tenant_id: String,
        /// Their account (UPN or email).
        account: String,
        /// The link to forward to their administrator.
        consent_link: String,
    },
    /// An administrator consented; the onboarding waits for an operator (`operator-approved`).
    OnboardingAwaitingApproval {
        /// The customer.
        customer_name: String,
        /// The tenant.
        tenant_id: String,
    },
    /// A tenant was onboarded.
    OnboardingComplete {
        /// The customer.
        customer_name: String,
        /// The tenant.
        tenant_id: String,
    },
    /// An onboarding failed.
    OnboardingFailed {
        /// The customer, when known.
        customer_name: Option<String>,
        /// What went wrong.
        problem: OnboardingProblem,
        /// Microsoft's error code and description, or the tenants involved (never the gateway's
        /// own error text, which is logged under `reference`).
        detail: Option<String>,
        /// A fresh consent link to try again, when the customer is known.
        retry_link: Option<String>,
        /// The request id of the failed request, shown so an operator can find its log lines.
        #[serde(default)]
        reference: Option<String>,
    },
}

/// The last sign-in outcome of this browser, if any.
#[server(endpoint = "auth/notice")]
pub async fn get_auth_notice() -> Result<Option<AuthNotice>, PortalError> {
    let session = crate::state::session()?;
    session
        .get::<AuthNotice>(AUTH_NOTICE_KEY)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "reading the session failed");
            PortalError::Internal
        })
}
