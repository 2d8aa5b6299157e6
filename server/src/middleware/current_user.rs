//! Resolves the signed-in user once per request (session → user row) and puts a `CurrentUser` in
//! the request extensions, where handlers, pages and server functions find it. Protected pages
//! send anyone else to sign-in and back.

use app::{
    routes,
    state::{AppState, CurrentUser},
};
use axum::{
    extract::{Request, State},
    http::Method,
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use domain::{
    auth::session::{SignedIn, SIGNED_IN_KEY},
    users, OffsetDateTime,
};
use tower_sessions::Session;

use crate::error::ApiError;

/// Looks up the session's user. A session past its absolute lifetime, whose user no longer
/// exists, or that was ended (sign-out everywhere, tenant offboarded), is deleted server-side: the
/// request continues as anonymous.
pub async fn resolve_current_user(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let now = OffsetDateTime::now_utc();
    if let Some(signed_in) = session.get::<SignedIn>(SIGNED_IN_KEY).await? {
        if signed_in.is_expired(now, state.settings.session.absolute_lifetime) {
            tracing::info!(user_id = %signed_in.user_id, "session reached its absolute lifetime");
            session.flush().await?;
        } else if let Some(user) = users::find(&state.db, signed_in.user_id)
            .await?
            .filter(|user| !signed_in.is_revoked(user.sessions_not_before))
        {
            users::touch_last_seen(&state.db, &user, now).await?;
            tracing::Span::current().record("user_id", tracing::field::display(user.id));
            request.extensions_mut().insert(CurrentUser(user));
        } else {
            session.flush().await?;
        }
    }
    Ok(next.run(request).await)
}

/// Sends a signed-out visitor of a protected page to sign-in, with the page as the return path.
pub async fn require_sign_in_for_pages(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let protected = request.method() == Method::GET && routes::is_protected_page(path);
    if protected && request.extensions().get::<CurrentUser>().is_none() {
        let target = request
            .uri()
            .path_and_query()
            .map_or(path, |pq| pq.as_str());
        return Redirect::to(&routes::login_with_next(target)).into_response();
    }
    next.run(request).await
}
