//! Sign-in with Microsoft Entra ID and Auth0, and tenant onboarding by admin consent.
//!
//! Each handler extracts, makes one `domain` call and maps the outcome: a redirect, plus (for
//! outcomes that need explaining) an [`AuthNotice`] in the session for the page it redirects to.
//! Sign-ins in progress live in the session ([`PendingSignIns`], single use, 10 minutes).

use app::{
    routes,
    server_fns::auth::{AuthNotice, OnboardingProblem, SignInProblem, AUTH_NOTICE_KEY},
    state::AppState,
};
use axum::{
    extract::{Query, State},
    response::{IntoResponse, Redirect, Response},
};
use domain::{
    auth::{
        idp_sign_in::{self, SignInFailure},
        oidc::{AuthorizeOptions, PendingSignIn, PendingSignIns, Purpose},
        session::{SignedIn, SIGNED_IN_KEY},
        ReturnPath,
    },
    tenants::{self, ConsentResult, CustomerName, CustomerNameError, TenantError, TenantId},
    users::Provider,
    OffsetDateTime,
};
use serde::Deserialize;
use tower_sessions::Session;

use crate::{error::ApiError, middleware::request_id::current_request_id, request_context::Ctx};

/// Session key of the sign-ins (and admin-consent requests) in progress.
pub const PENDING_KEY: &str = "oidc_pending";

/// `?next=&login_hint=` of `/auth/microsoft/login`.
#[derive(Debug, Deserialize)]
pub struct MicrosoftLoginQuery {
    next: Option<String>,
    login_hint: Option<String>,
}

/// `?next=&connection=` of `/auth/auth0/login` and `/auth/auth0/signup`.
#[derive(Debug, Deserialize)]
pub struct Auth0LoginQuery {
    next: Option<String>,
    connection: Option<String>,
}

/// What an identity provider sends back to a callback.
#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `?customer_name=&tenant=` of `/auth/admin-consent`.
#[derive(Debug, Deserialize)]
pub struct AdminConsentQuery {
    customer_name: Option<String>,
    tenant: Option<String>,
}

/// What Microsoft's admin-consent endpoint sends back.
#[derive(Debug, Deserialize)]
pub struct AdminConsentCallbackQuery {
    state: Option<String>,
    tenant: Option<String>,
    admin_consent: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn provider_name(provider: Provider) -> &'static str {
    match provider {
        Provider::Entra => "Microsoft",
        Provider::Auth0 => "Auth0",
        Provider::Dev => "the development sign-in",
    }
}

/// Text from an identity provider's redirect, made safe to show: one line, bounded.
fn provider_text(error: &str, description: Option<&str>) -> String {
    let text = match description {
        Some(d) => format!("{error}: {d}"),
        None => error.to_owned(),
    };
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(500)
        .collect()
}

async fn notice(session: &Session, notice: AuthNotice, page: &str) -> Result<Response, ApiError> {
    session.insert(AUTH_NOTICE_KEY, notice).await?;
    Ok(Redirect::to(page).into_response())
}

async fn sign_in_failed(
    session: &Session,
    provider: Provider,
    problem: SignInProblem,
    detail: Option<String>,
    next: &str,
) -> Result<Response, ApiError> {
    notice(
        session,
        AuthNotice::SignInFailed {
            provider: provider_name(provider).to_owned(),
            problem,
            detail,
            next: next.to_owned(),
            reference: current_request_id(),
        },
        routes::AUTH_ERROR,
    )
    .await
}

async fn push_pending(session: &Session, pending: PendingSignIn) -> Result<(), ApiError> {
    let mut list = session
        .get::<PendingSignIns>(PENDING_KEY)
        .await?
        .unwrap_or_default();
    list.push(pending, OffsetDateTime::now_utc());
    session.insert(PENDING_KEY, list).await?;
    Ok(())
}

async fn take_pending(session: &Session, state: &str) -> Result<Option<PendingSignIn>, ApiError> {
    let Some(mut list) = session.get::<PendingSignIns>(PENDING_KEY).await? else {
        return Ok(None);
    };
    let taken = list.take(state, OffsetDateTime::now_utc());
    if list.is_empty() {
        session.remove_value(PENDING_KEY).await?;
    } else {
        session.insert(PENDING_KEY, list).await?;
    }
    Ok(taken)
}

/// Redirects the browser to `provider` to sign in (or sends them to a page explaining why not).
async fn begin(
    state: &AppState,
    session: &Session,
    provider: Provider,
    options: AuthorizeOptions,
    next: Option<&str>,
    purpose: Purpose,
) -> Result<Response, ApiError> {
    let client = state
        .identity_providers
        .get(provider)
        .ok_or(ApiError::NotFound)?;
    let return_to = ReturnPath::parse_or_default(next);
    let now = OffsetDateTime::now_utc();
    match client.begin(&options, &return_to, purpose, now).await {
        Ok((url, pending)) => {
            push_pending(session, pending).await?;
            Ok(Redirect::to(url.as_str()).into_response())
        }
        Err(e) => {
            tracing::warn!(provider = provider.as_str(), error = %e, "cannot start sign-in");
            sign_in_failed(
                session,
                provider,
                SignInProblem::Unavailable,
                None,
                return_to.as_str(),
            )
            .await
        }
    }
}

/// `GET /auth/microsoft/login`.
pub async fn microsoft_login(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<MicrosoftLoginQuery>,
) -> Result<Response, ApiError> {
    let login_hint = query
        .login_hint
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty() && h.len() <= 254 && !h.chars().any(char::is_control));
    let options = AuthorizeOptions {
        login_hint,
        ..AuthorizeOptions::default()
    };
    begin(
        &state,
        &session,
        Provider::Entra,
        options,
        query.next.as_deref(),
        Purpose::SignIn,
    )
    .await
}

fn auth0_options(connection: Option<String>, signup: bool) -> Result<AuthorizeOptions, ApiError> {
    let connection = connection.filter(|c| !c.is_empty());
    if let Some(c) = &connection {
        let valid = c.len() <= 128
            && c.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
        if !valid {
            return Err(ApiError::BadRequest(
                "`connection` must be an Auth0 connection name (letters, digits, - and _).",
            ));
        }
    }
    Ok(AuthorizeOptions {
        connection,
        signup,
        ..AuthorizeOptions::default()
    })
}

/// `GET /auth/auth0/login`.
pub async fn auth0_login(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<Auth0LoginQuery>,
) -> Result<Response, ApiError> {
    auth0_start(&state, &session, query, false).await
}

/// `GET /auth/auth0/signup`: Auth0's sign-up page (`screen_hint=signup`).
pub async fn auth0_signup(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<Auth0LoginQuery>,
) -> Result<Response, ApiError> {
    auth0_start(&state, &session, query, true).await
}

async fn auth0_start(
    state: &AppState,
    session: &Session,
    query: Auth0LoginQuery,
    signup: bool,
) -> Result<Response, ApiError> {
    let options = auth0_options(query.connection, signup)?;
    let next = query.next.as_deref();
    begin(
        state,
        session,
        Provider::Auth0,
        options,
        next,
        Purpose::SignIn,
    )
    .await
}

/// `GET /auth/microsoft/callback`.
pub async fn microsoft_callback(
    state: State<AppState>,
    session: Session,
    ctx: Ctx,
    query: Query<CallbackQuery>,
) -> Result<Response, ApiError> {
    callback(state, session, ctx, query, Provider::Entra).await
}

/// `GET /auth/auth0/callback`.
pub async fn auth0_callback(
    state: State<AppState>,
    session: Session,
    ctx: Ctx,
    query: Query<CallbackQuery>,
) -> Result<Response, ApiError> {
    callback(state, session, ctx, query, Provider::Auth0).await
}

async fn callback(
    State(state): State<AppState>,
    session: Session,
    Ctx(context): Ctx,
    Query(query): Query<CallbackQuery>,
    provider: Provider,
) -> Result<Response, ApiError> {
    if state.identity_providers.get(provider).is_none() {
        return Err(ApiError::NotFound);
    }
    let pending = match query.state.as_deref() {
        Some(s) if !s.is_empty() => take_pending(&session, s).await?,
        _ => None,
    };
    // Missing, forged, replayed or expired state, or one started for another provider (OIDC-2).
    let Some(pending) = pending.filter(|p| p.provider() == Some(provider)) else {
        tracing::warn!(
            provider = provider.as_str(),
            "sign-in callback with an unknown state"
        );
        return sign_in_failed(&session, provider, SignInProblem::Expired, None, "").await;
    };
    let onboarding = matches!(pending.purpose, Purpose::ConfirmOnboarding { .. });
    let next = pending.return_path();
    if let Some(error) = query.error.as_deref() {
        let detail = provider_text(error, query.error_description.as_deref());
        if onboarding {
            return onboarding_failed(
                &session,
                None,
                OnboardingProblem::SignInFailed,
                Some(detail),
            )
            .await;
        }
        let problem = if error == "access_denied" {
            SignInProblem::Cancelled
        } else {
            SignInProblem::ProviderError
        };
        return sign_in_failed(&session, provider, problem, Some(detail), next.as_str()).await;
    }
    let Some(code) = query.code.as_deref().filter(|c| !c.is_empty()) else {
        return sign_in_failed(
            &session,
            provider,
            SignInProblem::ProviderError,
            Some("the answer carries neither a code nor an error".into()),
            next.as_str(),
        )
        .await;
    };
    let now = OffsetDateTime::now_utc();
    match idp_sign_in::finish(
        &state.db,
        &state.identity_providers,
        &state.settings.onboarding,
        &pending,
        code,
        &context,
        now,
    )
    .await
    {
        Ok(signed_in) => {
            // A new session id at sign-in (WEB-2). This attempt's state, nonce and verifier were
            // taken out above; attempts still open in other tabs stay until used or expired.
            session.cycle_id().await?;
            session.remove_value(AUTH_NOTICE_KEY).await?;
            session
                .insert(
                    SIGNED_IN_KEY,
                    SignedIn::new(signed_in.user.id, provider, now),
                )
                .await?;
            tracing::info!(user_id = %signed_in.user.id, method = provider.as_str(), "user signed in");
            match signed_in.onboarded {
                Some(onboarded) => {
                    notice(
                        &session,
                        AuthNotice::OnboardingComplete {
                            customer_name: onboarded.customer_name,
                            tenant_id: onboarded.tenant_id.to_string(),
                        },
                        routes::ADMIN_CONSENT_RESULT,
                    )
                    .await
                }
                None => Ok(Redirect::to(signed_in.return_to.as_str()).into_response()),
            }
        }
        Err(failure) => {
            sign_in_failure(
                &state,
                &session,
                provider,
                failure,
                onboarding,
                next.as_str(),
            )
            .await
        }
    }
}

async fn sign_in_failure(
    state: &AppState,
    session: &Session,
    provider: Provider,
    failure: SignInFailure,
    onboarding: bool,
    next: &str,
) -> Result<Response, ApiError> {
    match failure {
        SignInFailure::Db(e) => Err(e.into()),
        SignInFailure::TenantNotOnboarded { tenant_id, account } => {
            let consent_link = state
                .settings
                .public_url
                .join(&format!("{}?tenant={tenant_id}", routes::ONBOARD));
            notice(
                session,
                AuthNotice::NotOnboarded {
                    tenant_id: tenant_id.to_string(),
                    account,
                    consent_link,
                },
                routes::NOT_ONBOARDED,
            )
            .await
        }
        SignInFailure::Onboarding(TenantError::TenantMismatch {
            signed_in,
            consented,
        }) => {
            onboarding_failed(
                session,
                None,
                OnboardingProblem::WrongTenant,
                Some(format!(
                    "Signed in from tenant {signed_in}; consent was granted by tenant {consented}."
                )),
            )
            .await
        }
        SignInFailure::Onboarding(TenantError::NotAnAdministrator { account }) => {
            onboarding_failed(
                session,
                None,
                OnboardingProblem::NotAnAdministrator,
                Some(format!("Signed in as {account}.")),
            )
            .await
        }
        SignInFailure::Onboarding(_) => {
            onboarding_failed(session, None, OnboardingProblem::UnknownRequest, None).await
        }
        SignInFailure::AwaitingApproval(waiting) => {
            notice(
                session,
                AuthNotice::OnboardingAwaitingApproval {
                    customer_name: waiting.customer_name,
                    tenant_id: waiting.tenant_id.to_string(),
                },
                routes::ADMIN_CONSENT_RESULT,
            )
            .await
        }
        // The detail (library errors, provider URLs) was logged by the domain under this
        // request's id; the page names the class and that id (security.md WEB-8).
        SignInFailure::Unavailable(_) if onboarding => {
            onboarding_failed(session, None, OnboardingProblem::Unavailable, None).await
        }
        SignInFailure::Rejected(_) if onboarding => {
            onboarding_failed(session, None, OnboardingProblem::SignInFailed, None).await
        }
        SignInFailure::Unavailable(_) => {
            sign_in_failed(session, provider, SignInProblem::Unavailable, None, next).await
        }
        SignInFailure::Rejected(_) => {
            sign_in_failed(session, provider, SignInProblem::Rejected, None, next).await
        }
        SignInFailure::NotConfigured => {
            sign_in_failed(session, provider, SignInProblem::Expired, None, next).await
        }
    }
}

async fn onboarding_failed(
    session: &Session,
    customer_name: Option<String>,
    problem: OnboardingProblem,
    detail: Option<String>,
) -> Result<Response, ApiError> {
    notice(
        session,
        AuthNotice::OnboardingFailed {
            retry_link: customer_name.as_deref().map(|name| {
                format!(
                    "{}?customer_name={}",
                    routes::ADMIN_CONSENT,
                    routes::encode_query_value(name)
                )
            }),
            customer_name,
            problem,
            detail,
            reference: current_request_id(),
        },
        routes::ADMIN_CONSENT_RESULT,
    )
    .await
}

/// `GET /auth/admin-consent?customer_name=…`: starts onboarding a Microsoft tenant.
pub async fn admin_consent(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<AdminConsentQuery>,
) -> Result<Response, ApiError> {
    let Some(client) = state.identity_providers.entra.clone() else {
        return Err(ApiError::NotFound);
    };
    let tenant = query.tenant.as_deref().and_then(TenantId::parse);
    let typed = query.customer_name.unwrap_or_default();
    let customer_name = match CustomerName::parse(&typed) {
        Ok(name) => name,
        Err(e) => {
            let code = match e {
                CustomerNameError::Missing => "missing",
                CustomerNameError::TooLong => "too_long",
                CustomerNameError::Invalid => "invalid",
            };
            let mut form = format!("{}?error={code}", routes::ONBOARD);
            if !typed.trim().is_empty() {
                let kept: String = typed
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect();
                form.push_str(&format!(
                    "&customer_name={}",
                    routes::encode_query_value(&kept)
                ));
            }
            if let Some(t) = &tenant {
                form.push_str(&format!("&tenant={t}"));
            }
            return Ok(Redirect::to(&form).into_response());
        }
    };
    let now = OffsetDateTime::now_utc();
    let started = tenants::start_onboarding(&state.db, &customer_name, now).await?;
    let redirect_uri = state
        .settings
        .public_url
        .join(routes::ADMIN_CONSENT_CALLBACK);
    let url = client
        .admin_consent_url(tenant.as_ref(), &redirect_uri, &started.state)
        .ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!("admin-consent URL could not be built"))
        })?;
    push_pending(
        &session,
        PendingSignIn::admin_consent(started.id, started.state, now),
    )
    .await?;
    Ok(Redirect::to(url.as_str()).into_response())
}

/// `GET /auth/admin-consent/callback`: Microsoft's answer. Success is not proof (anyone can
/// forge this redirect): the administrator signs in next, and that sign-in completes onboarding.
pub async fn admin_consent_callback(
    State(state): State<AppState>,
    session: Session,
    Ctx(context): Ctx,
    Query(query): Query<AdminConsentCallbackQuery>,
) -> Result<Response, ApiError> {
    if state.identity_providers.entra.is_none() {
        return Err(ApiError::NotFound);
    }
    let pending = match query.state.as_deref() {
        Some(s) if !s.is_empty() => take_pending(&session, s).await?,
        _ => None,
    };
    let Some((onboarding_id, state_value)) = pending.and_then(|p| match p.purpose {
        Purpose::AdminConsent { onboarding_id } => Some((onboarding_id, p.state)),
        _ => None,
    }) else {
        tracing::warn!("admin-consent callback with an unknown state");
        return onboarding_failed(&session, None, OnboardingProblem::UnknownRequest, None).await;
    };
    let result = match (&query.error, &query.admin_consent, &query.tenant) {
        (Some(error), _, _) => ConsentResult::Denied {
            error: provider_text(error, None),
            description: query
                .error_description
                .as_deref()
                .map(|d| provider_text(d, None)),
        },
        (None, Some(flag), Some(tenant)) if flag.eq_ignore_ascii_case("true") => {
            ConsentResult::Granted {
                tenant: tenant.clone(),
            }
        }
        _ => ConsentResult::Denied {
            error: "invalid_response".into(),
            description: Some("Microsoft's answer carries neither consent nor an error.".into()),
        },
    };
    let now = OffsetDateTime::now_utc();
    match tenants::record_consent(
        &state.db,
        onboarding_id,
        &state_value,
        result,
        &context,
        now,
    )
    .await
    {
        Ok(recorded) => {
            // Now the administrator proves which tenant they belong to by signing in.
            begin(
                &state,
                &session,
                Provider::Entra,
                AuthorizeOptions::default(),
                None,
                Purpose::ConfirmOnboarding {
                    onboarding_id: recorded.onboarding_id,
                    tenant_id: recorded.tenant_id.to_string(),
                },
            )
            .await
        }
        Err(TenantError::ConsentDenied {
            error,
            description,
            customer_name,
        }) => {
            let detail = provider_text(&error, description.as_deref());
            onboarding_failed(
                &session,
                Some(customer_name),
                OnboardingProblem::Declined,
                Some(detail),
            )
            .await
        }
        Err(TenantError::Db(e)) => Err(e.into()),
        Err(TenantError::InvalidTenant) => {
            onboarding_failed(
                &session,
                None,
                OnboardingProblem::Declined,
                Some("The tenant in Microsoft's answer is not a tenant id.".into()),
            )
            .await
        }
        Err(_) => onboarding_failed(&session, None, OnboardingProblem::UnknownRequest, None).await,
    }
}
