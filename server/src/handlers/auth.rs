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
    auth::{
        dev_login::{self, DevSignIn},
        session::{SignedIn, SIGNED_IN_KEY},
        ReturnPath,
    },
    OffsetDateTime,
};
use serde::Deserialize;
use tower_sessions::Session;

use crate::error::ApiError;

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
    session.cycle_id().await?;
    session
        .insert(SIGNED_IN_KEY, SignedIn::new(user.id, now))
        .await?;
    tracing::info!(user_id = %user.id, method = "dev", "user signed in");
    Ok(Redirect::to(next.unwrap_or_default().as_str()).into_response())
}

/// `POST /auth/logout`: deletes the session server-side (the old cookie no longer works anywhere)
/// and expires the cookie.
#[tracing::instrument(skip_all)]
pub async fn logout(session: Session) -> Result<Response, ApiError> {
    let user_id = session
        .get::<SignedIn>(SIGNED_IN_KEY)
        .await?
        .map(|s| s.user_id);
    session.flush().await?;
    if let Some(user_id) = user_id {
        tracing::info!(%user_id, "user signed out");
    }
    Ok(Redirect::to(routes::SIGNED_OUT).into_response())
}
