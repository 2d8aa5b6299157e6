//! Sign-in and sign-out routes (the pages themselves are Leptos routes in `app`).

use app::{
    routes,
    server_fns::auth::{DevLoginFlash, DEV_LOGIN_FLASH_KEY},
    state::AppState,
};
use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
    Form,
};
use domain::{
    audit::{self, Actor, AuditEvent, Outcome},
    auth::{
        dev_login::{self, DevSignIn},
        session::{SignedIn, SIGNED_IN_KEY},
        ReturnPath,
    },
    users::{self, Provider},
    OffsetDateTime,
};
use serde::Deserialize;
use tower_sessions::Session;

use crate::{error::ApiError, request_context::Ctx};

/// The development sign-in form. Missing fields are empty strings, so they get field errors
/// rather than a bare 422.
#[derive(Deserialize)]
pub struct DevLoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    next: String,
}

/// `POST /auth/dev/login`: signs in (creating the user on first use), cycles the session id
/// (WEB-2) and returns to `next` if it is a same-origin path (AS-4), else to `/settings`.
/// A refused form goes back to the form with its values and errors (post/redirect/get).
#[tracing::instrument(skip_all)]
pub async fn dev_login(
    State(state): State<AppState>,
    session: Session,
    Ctx(context): Ctx,
    Form(form): Form<DevLoginForm>,
) -> Result<Response, ApiError> {
    if !state.settings.dev_login.enabled {
        return Err(ApiError::NotFound);
    }
    let next = ReturnPath::parse(form.next.trim());
    let request = match DevSignIn::parse(&form.name, &form.email) {
        Ok(request) => request,
        Err(errors) => {
            let flash = DevLoginFlash {
                name: form.name,
                email: form.email,
                name_error: errors.name.map(|e| e.to_string()),
                email_error: errors.email.map(|e| e.to_string()),
            };
            session.insert(DEV_LOGIN_FLASH_KEY, flash).await?;
            let back = routes::dev_login_with_next(next.as_ref().map_or("", |n| n.as_str()));
            return Ok(Redirect::to(&back).into_response());
        }
    };
    let now = OffsetDateTime::now_utc();
    let user = dev_login::sign_in(&state.db, request, now).await?;
    audit::record(
        &state.db,
        AuditEvent {
            actor: Actor::User {
                id: user.id,
                label: format!("{} (dev)", user.display_name),
            },
            action: "auth.sign_in",
            target: "provider:dev".into(),
            outcome: Outcome::Success,
            detail: None,
        },
        &context,
        now,
    )
    .await?;
    session.cycle_id().await?;
    session
        .insert(SIGNED_IN_KEY, SignedIn::new(user.id, Provider::Dev, now))
        .await?;
    tracing::info!(user_id = %user.id, method = "dev", "user signed in");
    Ok(Redirect::to(next.unwrap_or_default().as_str()).into_response())
}

/// `POST /auth/logout`: deletes the session server-side (the old cookie no longer works anywhere)
/// and expires the cookie. When the provider the user signed in with is configured for it
/// (`entra_logout` / `auth0_logout`), continues at the provider's end-session endpoint, which
/// returns to `/signed-out`.
#[tracing::instrument(skip_all)]
pub async fn logout(
    State(state): State<AppState>,
    session: Session,
    Ctx(context): Ctx,
) -> Result<Response, ApiError> {
    let signed_in = session.get::<SignedIn>(SIGNED_IN_KEY).await?;
    session.flush().await?;
    let Some(signed_in) = signed_in else {
        return Ok(Redirect::to(routes::SIGNED_OUT).into_response());
    };
    let now = OffsetDateTime::now_utc();
    record_session_end(&state, signed_in.user_id, "auth.sign_out", &context, now).await?;
    tracing::info!(user_id = %signed_in.user_id, "user signed out");
    let provider_logout = match signed_in
        .provider
        .and_then(|p| state.identity_providers.get(p))
    {
        Some(client) => {
            client
                .logout_url(&state.settings.public_url.join(routes::SIGNED_OUT))
                .await
        }
        None => None,
    };
    Ok(match provider_logout {
        Some(url) => Redirect::to(url.as_str()).into_response(),
        None => Redirect::to(routes::SIGNED_OUT).into_response(),
    })
}

/// `POST /auth/logout-everywhere`: ends every portal session of the signed-in user, in every
/// browser (security.md WEB-3), this one included.
#[tracing::instrument(skip_all)]
pub async fn logout_everywhere(
    State(state): State<AppState>,
    session: Session,
    Ctx(context): Ctx,
) -> Result<Response, ApiError> {
    let Some(signed_in) = session.get::<SignedIn>(SIGNED_IN_KEY).await? else {
        return Ok(Redirect::to(routes::LOGIN).into_response());
    };
    let now = OffsetDateTime::now_utc();
    users::end_sessions(&state.db, signed_in.user_id, now).await?;
    session.flush().await?;
    record_session_end(
        &state,
        signed_in.user_id,
        "auth.sign_out_everywhere",
        &context,
        now,
    )
    .await?;
    tracing::info!(user_id = %signed_in.user_id, "user signed out everywhere");
    Ok(Redirect::to(routes::SIGNED_OUT).into_response())
}

/// The audit row of a user ending their own session(s).
async fn record_session_end(
    state: &AppState,
    user_id: uuid::Uuid,
    action: &'static str,
    context: &domain::audit::RequestContext,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    let event = AuditEvent {
        actor: Actor::User {
            id: user_id,
            label: user_id.to_string(),
        },
        action,
        target: format!("user:{user_id}"),
        outcome: Outcome::Success,
        detail: None,
    };
    Ok(audit::record(&state.db, event, context, now).await?)
}
