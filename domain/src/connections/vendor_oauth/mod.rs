//! Connections made by consent at the vendor (definition scheme `oauth2_authorization_code`,
//! e.g. Microsoft 365): **Connect with …** and **Reconnect** send the browser to the vendor's
//! consent page; the vendor sends it back to [`CALLBACK_PATH`], where the code is redeemed
//! (PKCE S256), the vendor's check runs with the new access token, and only then the connection
//! is stored (tokens sealed by the vault) — or, on Reconnect, the same row (same id, slug and
//! tools) gets the new tokens and is working again.
//!
//! The `state` (security.md MCP-2): 256 random bits, stored only as SHA-256 in
//! `vendor_oauth_states`, single use (the callback deletes the row; only the request whose
//! delete took it goes on), expires after [`STATE_LIFETIME`], bound to the signed-in user who
//! started the flow and to the connection (a new connection's id is chosen at the start). A
//! forged, replayed, expired or another user's state is refused before anything is sent to the
//! vendor. The callback runs only for a signed-in portal user (the route is behind the session).
//!
//! Token freshness on the call path is in [`tokens`].

mod tokens;

use std::collections::BTreeMap;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use rand::RngCore;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

pub use tokens::{fresh_credentials, FreshError, TokenStore, REFRESH_MARGIN};

use super::{store, ConnectionError, ConnectionInput, Placement};
use crate::{
    audit::RequestContext,
    entity::vendor_oauth_states as states,
    users::User,
    vault::{KeyScope, SealContext},
    vendors::{ConnectionCredentials, OAuthApp},
};

/// Where the vendor sends the browser back (`{public_url}{CALLBACK_PATH}` is the redirect URI
/// the operator registers in the vendor's app).
pub const CALLBACK_PATH: &str = "/connections/oauth/callback";
/// How long a consent flow may take.
pub const STATE_LIFETIME: time::Duration = time::Duration::minutes(10);
/// The status of a connection whose refresh token the vendor refused.
pub const NEEDS_RECONNECT: &str = "needs_reconnect";

/// The operator's apps per vendor and this process's newest sealed tokens.
#[derive(Clone, Default)]
pub struct VendorOAuth {
    apps: BTreeMap<String, OAuthApp>,
    tokens: TokenStore,
}

impl VendorOAuth {
    /// With the operator's apps (`vendor_oauth.<slug>`).
    pub fn new(apps: BTreeMap<String, OAuthApp>) -> Self {
        Self {
            apps,
            tokens: TokenStore::default(),
        }
    }

    /// The gateway's app at `vendor`, if the operator configured one.
    pub fn app(&self, vendor: &str) -> Option<OAuthApp> {
        self.apps.get(vendor).cloned()
    }

    /// Whether the operator configured an app for `vendor`.
    pub fn is_configured(&self, vendor: &str) -> bool {
        self.apps.contains_key(vendor)
    }

    /// Forgets what this process remembers of a connection's tokens.
    pub fn forget(&self, connection_id: Uuid) {
        self.tokens.forget(connection_id);
    }
}

/// What the vendor sent back to the callback.
#[derive(Debug, Default, Clone)]
pub struct Callback {
    /// `state`.
    pub state: Option<String>,
    /// `code`.
    pub code: Option<String>,
    /// `error` (the person declined, or the vendor refused the request).
    pub error: Option<String>,
    /// `error_description`.
    pub error_description: Option<String>,
}

/// Why a callback was refused; each is shown on a page of its own.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// No flow has this state: forged, or already used (400).
    #[error("This sign-in answer is not one the gateway is waiting for: it was already used, or it did not start here. Start again from the Connections page.")]
    UnknownState,
    /// The flow is older than [`STATE_LIFETIME`] (400).
    #[error("This sign-in took longer than 10 minutes and has expired. Start again from the Connections page.")]
    Expired,
    /// The flow was started by another user (403).
    #[error("This sign-in was started by someone else; it cannot finish in your session.")]
    OtherUser,
    /// The vendor sent an error instead of a code: declined consent, or a refused request (400).
    #[error("The vendor did not grant access: {0}")]
    Denied(String),
    /// The vendor refused to redeem the code, or the operator's app (400).
    #[error("The vendor refused to complete the sign-in: {0}")]
    Refused(String),
    /// Saving failed (the vendor's check, the plan, the slug, the database).
    #[error(transparent)]
    Connection(#[from] ConnectionError),
}

/// The redirect URI of every consent flow.
pub fn redirect_uri(deps: &store::Deps) -> String {
    format!("{}{CALLBACK_PATH}", deps.portal_url.trim_end_matches('/'))
}

fn hash(state: &str) -> String {
    hex(&Sha256::digest(state.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn random() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn app_for(deps: &store::Deps, vendor: &str, name: &str) -> Result<OAuthApp, ConnectionError> {
    deps.oauth.app(vendor).ok_or_else(|| {
        ConnectionError::NotAllowed(format!(
            "{name} is not configured by the operator: the gateway has no app registered with it (vendor_oauth.{vendor})."
        ))
    })
}

fn settings_creds(id: Uuid, settings: BTreeMap<String, String>) -> ConnectionCredentials {
    ConnectionCredentials {
        connection_id: id,
        version: 0,
        settings,
        secrets: BTreeMap::new(),
    }
}

/// What a flow remembers between the start and the callback.
struct Pending<'a> {
    connection_id: Uuid,
    reconnect: bool,
    vendor: &'a str,
    tier: &'a str,
    team_id: Option<Uuid>,
    slug: &'a str,
    name: &'a str,
    settings: BTreeMap<String, String>,
}

/// Records the flow and returns the vendor's consent URL.
async fn begin(
    deps: &store::Deps,
    user: &User,
    pending: Pending<'_>,
    now: OffsetDateTime,
) -> Result<String, ConnectionError> {
    let def = store::vendor(deps, pending.vendor)?;
    let app = app_for(deps, &def.slug, &def.name)?;
    let (state, verifier) = (random(), random());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let creds = settings_creds(pending.connection_id, pending.settings.clone());
    let url = deps
        .engine
        .authorize_url(&def, &creds, &app, &redirect_uri(deps), &state, &challenge)
        .map_err(|e| ConnectionError::CheckFailed {
            class: e.class(),
            message: e.message(&def.name),
        })?;
    let context = SealContext {
        connection_id: pending.connection_id,
        scope: KeyScope::User(user.id),
        vendor: &def.slug,
    };
    let verifier_sealed = deps
        .vault
        .seal(&deps.db, &context, verifier.as_bytes(), now)
        .await?;
    // Abandoned flows go with the next start.
    states::Entity::delete_many()
        .filter(states::Column::ExpiresAt.lte(now))
        .exec(&deps.db)
        .await?;
    states::Entity::insert(states::ActiveModel {
        state_hash: Set(hash(&state)),
        user_id: Set(user.id),
        connection_id: Set(pending.connection_id),
        reconnect: Set(pending.reconnect),
        vendor: Set(def.slug.clone()),
        tier: Set(pending.tier.to_owned()),
        team_id: Set(pending.team_id),
        slug: Set(pending.slug.to_owned()),
        name: Set(pending.name.to_owned()),
        settings: Set(serde_json::to_string(&pending.settings).unwrap_or_else(|_| "{}".into())),
        verifier_sealed: Set(verifier_sealed),
        expires_at: Set(now + STATE_LIFETIME),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(&deps.db)
    .await?;
    Ok(url.to_string())
}

/// **Connect with …**: checks the form, the placement and the slug as creating a connection
/// does, then returns the vendor's consent URL to send the browser to.
#[tracing::instrument(skip_all, fields(vendor = %input.vendor))]
pub async fn start_connect(
    deps: &store::Deps,
    user: &User,
    placement: Placement,
    input: ConnectionInput,
    now: OffsetDateTime,
) -> Result<String, ConnectionError> {
    let def = store::vendor(deps, &input.vendor)?;
    if def.authorization_code().is_none() {
        return Err(ConnectionError::NotAllowed(format!(
            "{} is connected with its credentials, not by signing in.",
            def.name
        )));
    }
    app_for(deps, &def.slug, &def.name)?;
    let fields = def
        .validate_form(&input.fields)
        .map_err(|errors| ConnectionError::Fields(errors.0))?;
    let (tier, _, team_id, slug, name) = checked_placement(deps, user, placement, &input).await?;
    begin(
        deps,
        user,
        Pending {
            connection_id: Uuid::now_v7(),
            reconnect: false,
            vendor: &def.slug,
            tier: tier.as_str(),
            team_id,
            slug: slug.as_str(),
            name: &name,
            settings: fields.settings,
        },
        now,
    )
    .await
}

/// Placement, plan, names and slug, as [`store::create`] checks them.
async fn checked_placement(
    deps: &store::Deps,
    user: &User,
    placement: Placement,
    input: &ConnectionInput,
) -> Result<
    (
        super::Tier,
        Uuid,
        Option<Uuid>,
        super::ConnectionSlug,
        String,
    ),
    ConnectionError,
> {
    use sea_orm::PaginatorTrait;
    let def = store::vendor(deps, &input.vendor)?;
    let caller = super::Caller::load(&deps.db, user.id).await?;
    let personal_count = crate::entity::connections::Entity::find()
        .filter(crate::entity::connections::Column::Tier.eq(super::Tier::Personal.as_str()))
        .filter(crate::entity::connections::Column::OwnerId.eq(user.id))
        .count(&deps.db)
        .await?;
    let (tier, owner_id, team_id, _) = store::place(&caller, placement, personal_count)?;
    let (slug, name) = store::parse_names(&def, input)?;
    store::ensure_slug_free(deps, tier.as_str(), owner_id, &slug).await?;
    Ok((tier, owner_id, team_id, slug, name))
}

/// **Reconnect**: the same connection (id, slug, name, settings) consents again.
#[tracing::instrument(skip_all, fields(connection = %id))]
pub async fn start_reconnect(
    deps: &store::Deps,
    user: &User,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<String, ConnectionError> {
    let caller = super::Caller::load(&deps.db, user.id).await?;
    let row = store::find_for(deps, &caller, id, true).await?;
    let settings: BTreeMap<String, String> =
        serde_json::from_str(&row.settings).unwrap_or_default();
    begin(
        deps,
        user,
        Pending {
            connection_id: row.id,
            reconnect: true,
            vendor: &row.vendor,
            tier: &row.tier,
            team_id: row.team_id,
            slug: &row.slug,
            name: &row.name,
            settings,
        },
        now,
    )
    .await
}

/// Takes the flow `state` names, once, for `user`.
async fn take(
    deps: &store::Deps,
    user: &User,
    state: Option<&str>,
    now: OffsetDateTime,
) -> Result<states::Model, FlowError> {
    let state = state
        .filter(|s| !s.is_empty())
        .ok_or(FlowError::UnknownState)?;
    let key = hash(state);
    let row = states::Entity::find_by_id(key.clone())
        .one(&deps.db)
        .await
        .map_err(ConnectionError::from)?
        .ok_or(FlowError::UnknownState)?;
    if row.user_id != user.id {
        return Err(FlowError::OtherUser);
    }
    let deleted = states::Entity::delete_many()
        .filter(states::Column::StateHash.eq(key))
        .exec(&deps.db)
        .await
        .map_err(ConnectionError::from)?;
    if deleted.rows_affected != 1 {
        return Err(FlowError::UnknownState);
    }
    if row.expires_at <= now {
        return Err(FlowError::Expired);
    }
    Ok(row)
}

/// The vendor's answer at [`CALLBACK_PATH`]: checks the state, redeems the code, runs the
/// vendor's check with the new token and stores the connection (or renews the reconnected one).
#[tracing::instrument(skip_all)]
pub async fn finish(
    deps: &store::Deps,
    user: &User,
    callback: Callback,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<crate::entity::connections::Model, FlowError> {
    let pending = take(deps, user, callback.state.as_deref(), now).await?;
    if let Some(error) = callback.error.as_deref() {
        let text = match callback.error_description.as_deref() {
            Some(d) => format!("{error}: {d}"),
            None => error.to_owned(),
        };
        return Err(FlowError::Denied(one_line(&text)));
    }
    let code = callback
        .code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| FlowError::Denied("the answer carried no code".into()))?;
    let def = store::vendor(deps, &pending.vendor)?;
    let app = app_for(deps, &def.slug, &def.name)?;
    let seal_context = SealContext {
        connection_id: pending.connection_id,
        scope: KeyScope::User(user.id),
        vendor: &def.slug,
    };
    let verifier = deps
        .vault
        .open(&deps.db, &seal_context, &pending.verifier_sealed)
        .await
        .map_err(ConnectionError::from)?;
    let verifier = String::from_utf8_lossy(&verifier).into_owned();
    let settings: BTreeMap<String, String> =
        serde_json::from_str(&pending.settings).unwrap_or_default();
    let creds = settings_creds(pending.connection_id, settings.clone());
    let tokens = deps
        .engine
        .redeem_code(
            &def,
            &creds,
            &app,
            crate::vendors::Redemption {
                code: &code,
                verifier: &verifier,
                redirect_uri: &redirect_uri(deps),
            },
            now,
        )
        .await
        .map_err(|e| FlowError::Refused(grant_text(e, &def.name)))?;
    let secrets = tokens::token_secrets(&tokens, None);
    let creds = ConnectionCredentials {
        connection_id: pending.connection_id,
        version: 0,
        settings,
        secrets,
    };
    let saved = if pending.reconnect {
        save::reconnected(deps, user, &def, &pending, creds, context, now).await?
    } else {
        save::created(deps, user, &def, &pending, creds, context, now).await?
    };
    deps.engine.forget(saved.id);
    deps.oauth.forget(saved.id);
    Ok(saved)
}

fn grant_text(error: crate::vendors::GrantError, vendor: &str) -> String {
    use crate::vendors::GrantError;
    let said = |m: Option<String>| {
        m.map(|m| format!(" {vendor} said: “{m}”"))
            .unwrap_or_default()
    };
    match error {
        GrantError::InvalidGrant { vendor_message } => {
            format!("the sign-in code was not accepted.{}", said(vendor_message))
        }
        GrantError::ClientRejected { vendor_message } => format!(
            "{vendor} refused the gateway's app; the operator must check its settings.{}",
            said(vendor_message)
        ),
        GrantError::Failed(e) => e.message(vendor),
    }
}

fn one_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(300)
        .collect()
}

mod save;
