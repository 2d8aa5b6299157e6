use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::PortalError;

/// What the consent popup shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentView {
    /// The pending request's id (posted back).
    pub request: String,
    /// The form's CSRF token, bound to this session and this request.
    pub csrf: String,
    /// The application's name.
    pub client_name: String,
    /// Whether the operator registered it (else its name is the application's own claim).
    pub verified: bool,
    /// Where the answer goes: the redirect URI's host.
    pub redirect_host: String,
    /// Every redirect URI is on this computer (anyone can claim such an application's name).
    pub loopback_only: bool,
    /// Requested access: (scope, plain words).
    pub scopes: Vec<(String, String)>,
    /// The signed-in account.
    pub account: String,
}

/// The pending authorization `request` of this browser session, for the consent popup.
#[server(endpoint = "oauth/consent")]
pub async fn get_consent(request: String) -> Result<ConsentView, PortalError> {
    use domain::oauth::{
        authorize::{PendingAuthorizations, PENDING_SESSION_KEY},
        clients, redirect, Scopes,
    };
    let user = crate::state::current_user()?;
    let state = crate::state::app_state()?;
    let session = crate::state::session()?;
    let pending: PendingAuthorizations = session
        .get(PENDING_SESSION_KEY)
        .await
        .map_err(crate::state::db_error)?
        .unwrap_or_default();
    let Some(stored) = pending.get(&request, domain::OffsetDateTime::now_utc()) else {
        return Err(crate::state::with_status(PortalError::NotFound(
            "This authorization request expired or was already answered. Start again from the application.".into(),
        )));
    };
    let client = clients::find(&state.db, &state.settings.oauth, &stored.request.client_id)
        .await
        .map_err(crate::state::db_error)?
        .ok_or_else(|| {
            crate::state::with_status(PortalError::NotFound(
                "This application is no longer registered with the gateway.".into(),
            ))
        })?;
    // The answer is a redirect after this page's form: the page's CSP must allow it.
    crate::pages::outcome::allow_form_action(&stored.request.redirect_uri);
    Ok(ConsentView {
        request,
        csrf: stored.csrf.clone(),
        client_name: client.name.clone(),
        verified: client.is_verified(),
        redirect_host: redirect::display_host(&stored.request.redirect_uri),
        loopback_only: redirect::loopback_only(&client.redirect_uris),
        scopes: Scopes::parse_stored(&stored.request.scopes)
            .iter()
            .map(|s| (s.to_owned(), Scopes::describe(s).to_owned()))
            .collect(),
        account: match &user.display_email() {
            // "Ada Lovelace — ada@example.com (unverified)": no nested brackets.
            Some(email) => format!("{} — {email}", user.display_name),
            None => user.display_name.clone(),
        },
    })
}
