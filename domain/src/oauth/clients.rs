//! MCP clients: pre-registered (configuration), dynamically registered (RFC 7591, constrained
//! per security.md AS-11) and service clients. Client authentication at the token endpoint.

use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use super::{hash, new_secret, redirect, OAuthError, OAuthSettings};
use crate::{
    audit::{self, Actor, AuditEvent, Outcome, RequestContext},
    entity::oauth_clients,
};

/// How a client was registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    /// Named in the configuration by the operator: shown as verified.
    PreRegistered,
    /// Registered by itself through `/register`: its name is unverified.
    Dynamic,
    /// Described by a Client ID Metadata Document at its `client_id` URL (unverified).
    Metadata,
    /// An organisation's machine client (`client_credentials` only).
    Service,
}

impl ClientKind {
    fn as_str(self) -> &'static str {
        match self {
            ClientKind::PreRegistered => "pre_registered",
            ClientKind::Dynamic => "dynamic",
            ClientKind::Metadata => "metadata",
            ClientKind::Service => "service",
        }
    }
}

/// How a client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A public client (PKCE is its protection).
    None,
    /// `client_secret` in the form body.
    ClientSecretPost,
    /// HTTP Basic.
    ClientSecretBasic,
}

impl AuthMethod {
    fn parse(value: &str) -> Option<Self> {
        match value {
            "none" => Some(Self::None),
            "client_secret_post" => Some(Self::ClientSecretPost),
            "client_secret_basic" => Some(Self::ClientSecretBasic),
            _ => None,
        }
    }

    /// The RFC 7591 name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ClientSecretPost => "client_secret_post",
            Self::ClientSecretBasic => "client_secret_basic",
        }
    }
}

/// The grants of the token endpoint (RFC 6749 §4, RFC 7591 §2 `grant_types`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// `authorization_code`.
    AuthorizationCode,
    /// `refresh_token`.
    RefreshToken,
    /// `client_credentials` (service clients only).
    ClientCredentials,
}

impl GrantType {
    /// The grant type a `grant_type` value names, if one the gateway supports.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "authorization_code" => Some(Self::AuthorizationCode),
            "refresh_token" => Some(Self::RefreshToken),
            "client_credentials" => Some(Self::ClientCredentials),
            _ => None,
        }
    }

    /// The RFC name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::RefreshToken => "refresh_token",
            Self::ClientCredentials => "client_credentials",
        }
    }
}

/// What clients of a kind may use when they did not register a list: interactive clients the
/// code flow with refresh (pre-registered ones, metadata documents, and dynamic registrations
/// stored before `grant_types` was kept), service clients `client_credentials` only.
fn default_grant_types(kind: ClientKind) -> Vec<GrantType> {
    match kind {
        ClientKind::Service => vec![GrantType::ClientCredentials],
        _ => vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
    }
}

/// A client named in the configuration (`[[oauth_clients]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreRegisteredClient {
    /// Its `client_id`.
    pub client_id: String,
    /// Its name on the consent page.
    pub client_name: String,
    /// Its redirect URIs.
    pub redirect_uris: Vec<String>,
}

/// A client the authorization server knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// `client_id`.
    pub id: String,
    /// How it was registered.
    pub kind: ClientKind,
    /// Its name (as the client said, for dynamic ones).
    pub name: String,
    /// Its registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// How it authenticates.
    pub auth_method: AuthMethod,
    secret_hash: Option<String>,
    /// The organisation of a service client.
    pub organization_id: Option<uuid::Uuid>,
    /// The grants it may use at `/token` (AS-6: what it registered, enforced).
    pub grant_types: Vec<GrantType>,
}

impl Client {
    /// Whether the operator vouches for its name.
    pub fn is_verified(&self) -> bool {
        self.kind == ClientKind::PreRegistered
    }

    /// Whether it registered `grant` (`unauthorized_client` at `/token` otherwise).
    pub fn allows(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }
}

impl TryFrom<oauth_clients::Model> for Client {
    type Error = DbErr;

    fn try_from(m: oauth_clients::Model) -> Result<Self, DbErr> {
        let kind = match m.kind.as_str() {
            "dynamic" => ClientKind::Dynamic,
            "metadata" => ClientKind::Metadata,
            "service" => ClientKind::Service,
            other => return Err(DbErr::Custom(format!("unknown client kind `{other}`"))),
        };
        let grant_types = match m.grant_types.as_deref() {
            None => default_grant_types(kind),
            Some(json) => serde_json::from_str(json)
                .map_err(|e| DbErr::Custom(format!("grant_types of a client: {e}")))?,
        };
        Ok(Self {
            grant_types,
            id: m.id,
            kind,
            name: m.name,
            redirect_uris: serde_json::from_str(&m.redirect_uris)
                .map_err(|e| DbErr::Custom(format!("redirect_uris of a client: {e}")))?,
            auth_method: AuthMethod::parse(&m.token_endpoint_auth_method)
                .unwrap_or(AuthMethod::None),
            secret_hash: m.secret_hash,
            organization_id: m.organization_id,
        })
    }
}

/// The client `client_id`, if known (configuration first, then the database).
pub async fn find(
    db: &DatabaseConnection,
    settings: &OAuthSettings,
    client_id: &str,
) -> Result<Option<Client>, DbErr> {
    if let Some(pre) = settings
        .pre_registered
        .iter()
        .find(|c| c.client_id == client_id)
    {
        return Ok(Some(Client {
            id: pre.client_id.clone(),
            kind: ClientKind::PreRegistered,
            name: pre.client_name.clone(),
            redirect_uris: pre.redirect_uris.clone(),
            auth_method: AuthMethod::None,
            secret_hash: None,
            organization_id: None,
            grant_types: default_grant_types(ClientKind::PreRegistered),
        }));
    }
    if client_id.is_empty() || client_id.len() > 1000 {
        return Ok(None);
    }
    oauth_clients::Entity::find_by_id(client_id)
        .one(db)
        .await?
        .map(Client::try_from)
        .transpose()
}

/// Why a client cannot be found.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    /// The database failed.
    #[error("database error")]
    Db(#[from] DbErr),
    /// Its metadata document cannot be used.
    #[error(transparent)]
    Document(#[from] super::metadata_documents::DocumentError),
}

/// [`find`], and for a `client_id` that is a URL, its metadata document — cached while fresh,
/// fetched (through the SSRF guard) otherwise.
pub async fn find_or_fetch(
    db: &DatabaseConnection,
    settings: &OAuthSettings,
    outbound: &crate::outbound::Outbound,
    client_id: &str,
    now: OffsetDateTime,
) -> Result<Option<Client>, LookupError> {
    use super::metadata_documents::{self as documents};
    if !documents::is_document_url(client_id) || client_id.len() > 1000 {
        return Ok(find(db, settings, client_id).await?);
    }
    if let Some(cached) = oauth_clients::Entity::find_by_id(client_id).one(db).await? {
        if cached.kind == ClientKind::Metadata.as_str()
            && cached.metadata_expires_at.is_some_and(|at| at > now)
        {
            return Ok(Some(Client::try_from(cached)?));
        }
    }
    let document =
        documents::fetch(outbound, client_id, settings.cimd_allow_insecure_loopback).await?;
    let row = oauth_clients::ActiveModel {
        id: Set(client_id.to_owned()),
        kind: Set(ClientKind::Metadata.as_str().into()),
        name: Set(document.client_name.clone()),
        redirect_uris: Set(serde_json::to_string(&document.redirect_uris).unwrap_or_default()),
        token_endpoint_auth_method: Set(AuthMethod::None.as_str().into()),
        secret_hash: Set(None),
        organization_id: Set(None),
        created_by: Set(None),
        metadata_expires_at: Set(Some(now + document.max_age)),
        last_used_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        grant_types: Set(None),
    };
    // Replace the stale copy (a document may change its redirect URIs).
    oauth_clients::Entity::delete_by_id(client_id)
        .exec(db)
        .await?;
    let row = row.insert(db).await?;
    Ok(Some(Client::try_from(row)?))
}

/// What a client sent to `/register` (RFC 7591 §2); unknown members are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RegistrationRequest {
    /// Required.
    #[serde(default)]
    pub redirect_uris: Option<Vec<String>>,
    /// Shown on the consent page, marked unverified.
    #[serde(default)]
    pub client_name: Option<String>,
    /// Defaults to `none` (a public client).
    #[serde(default)]
    pub token_endpoint_auth_method: Option<String>,
    /// Subset of `authorization_code`, `refresh_token`.
    #[serde(default)]
    pub grant_types: Option<Vec<String>>,
    /// Only `code`.
    #[serde(default)]
    pub response_types: Option<Vec<String>>,
    /// `web` or `native` (accepted; the redirect rules are the same).
    #[serde(default)]
    pub application_type: Option<String>,
    /// Ignored beyond validation (scopes are chosen at authorization).
    #[serde(default)]
    pub scope: Option<String>,
}

/// What `/register` answers (RFC 7591 §3.2.1).
#[derive(Debug, Clone, Serialize)]
pub struct RegistrationResponse {
    /// Issued by us, never chosen by the client.
    pub client_id: String,
    /// Only for confidential registrations; shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// Seconds since the epoch.
    pub client_id_issued_at: i64,
    /// `0`: the secret does not expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret_expires_at: Option<i64>,
    /// Echoed.
    pub client_name: String,
    /// Echoed.
    pub redirect_uris: Vec<String>,
    /// Echoed.
    pub grant_types: Vec<String>,
    /// `["code"]`.
    pub response_types: Vec<String>,
    /// Echoed.
    pub token_endpoint_auth_method: String,
    /// Echoed when sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_type: Option<String>,
}

/// The longest client name kept (longer ones are cut).
pub const MAX_CLIENT_NAME_CHARS: usize = 100;

fn metadata_error(description: impl Into<String>) -> OAuthError {
    OAuthError::new("invalid_client_metadata", description)
}

/// Registers a client (RFC 7591), constrained: redirect URIs must be https, loopback http or a
/// private-use scheme; at most 10; the name is cleaned of control characters and cut to 100
/// characters; only the code flow.
pub async fn register(
    db: &DatabaseConnection,
    request: RegistrationRequest,
    context: &RequestContext,
    now: OffsetDateTime,
) -> Result<RegistrationResponse, OAuthError> {
    let redirect_uris = request.redirect_uris.unwrap_or_default();
    if redirect_uris.is_empty() {
        return Err(OAuthError::new(
            "invalid_redirect_uri",
            "redirect_uris is required",
        ));
    }
    if redirect_uris.len() > redirect::MAX_REDIRECT_URIS {
        return Err(OAuthError::new(
            "invalid_redirect_uri",
            format!("at most {} redirect_uris", redirect::MAX_REDIRECT_URIS),
        ));
    }
    for uri in &redirect_uris {
        redirect::validate_registration(uri)
            .map_err(|e| OAuthError::new("invalid_redirect_uri", e.to_string()))?;
    }
    let auth_method = match request.token_endpoint_auth_method.as_deref() {
        None => AuthMethod::None,
        Some(m) => AuthMethod::parse(m).ok_or_else(|| {
            metadata_error("token_endpoint_auth_method must be none, client_secret_post or client_secret_basic")
        })?,
    };
    // RFC 7591 §2: omitted means `authorization_code` only, and a client that did not ask for
    // `refresh_token` gets no refresh token.
    let grant_types = request
        .grant_types
        .unwrap_or_else(|| vec!["authorization_code".into()]);
    let parsed: Vec<GrantType> = grant_types
        .iter()
        .map(|g| {
            GrantType::parse(g)
                .filter(|g| matches!(g, GrantType::AuthorizationCode | GrantType::RefreshToken))
        })
        .collect::<Option<_>>()
        .ok_or_else(|| {
            metadata_error("grant_types may only contain authorization_code and refresh_token")
        })?;
    if !parsed.contains(&GrantType::AuthorizationCode) {
        return Err(metadata_error(
            "grant_types must contain authorization_code (the only way to obtain tokens)",
        ));
    }
    if let Some(types) = &request.response_types {
        if types.iter().any(|t| t != "code") {
            return Err(metadata_error("response_types may only contain code"));
        }
    }
    if let Some(kind) = &request.application_type {
        if kind != "web" && kind != "native" {
            return Err(metadata_error("application_type must be web or native"));
        }
    }
    let name: String = request
        .client_name
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_CLIENT_NAME_CHARS)
        .collect::<String>()
        .trim()
        .to_owned();
    let name = if name.is_empty() {
        "Unnamed MCP client".to_owned()
    } else {
        name
    };
    let client_id = new_secret("gwc_");
    let secret = (auth_method != AuthMethod::None).then(|| new_secret("gwcs_"));
    oauth_clients::ActiveModel {
        id: Set(client_id.clone()),
        kind: Set(ClientKind::Dynamic.as_str().into()),
        name: Set(name.clone()),
        redirect_uris: Set(serde_json::to_string(&redirect_uris).unwrap_or_default()),
        token_endpoint_auth_method: Set(auth_method.as_str().into()),
        secret_hash: Set(secret.as_deref().map(hash)),
        organization_id: Set(None),
        created_by: Set(None),
        metadata_expires_at: Set(None),
        last_used_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        grant_types: Set(Some(serde_json::to_string(&parsed).unwrap_or_default())),
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        AuditEvent {
            actor: Actor::Anonymous,
            action: "oauth.client_register",
            target: format!("client:{client_id}"),
            outcome: Outcome::Success,
            detail: Some(format!(
                "“{name}”, redirect hosts: {}",
                redirect_uris
                    .iter()
                    .map(|u| redirect::display_host(u))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        },
        context,
        now,
    )
    .await?;
    Ok(RegistrationResponse {
        client_id,
        client_secret_expires_at: secret.as_ref().map(|_| 0),
        client_secret: secret,
        client_id_issued_at: now.unix_timestamp(),
        client_name: name,
        redirect_uris,
        grant_types,
        response_types: vec!["code".into()],
        token_endpoint_auth_method: auth_method.as_str().into(),
        application_type: request.application_type,
    })
}

/// The credentials a token or revocation request carried.
#[derive(Debug, Clone, Default)]
pub struct ClientCredentials {
    /// From the body or Basic.
    pub client_id: Option<String>,
    /// From the body or Basic.
    pub client_secret: Option<String>,
    /// Whether they came in an `Authorization: Basic` header.
    pub basic: bool,
}

/// Authenticates the client of a token request (RFC 6749 §2.3): public clients by `client_id`,
/// confidential ones by their secret in the registered way.
pub async fn authenticate(
    db: &DatabaseConnection,
    settings: &OAuthSettings,
    outbound: &crate::outbound::Outbound,
    credentials: &ClientCredentials,
    now: OffsetDateTime,
) -> Result<Client, OAuthError> {
    let client_id = credentials
        .client_id
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_client("client_id is required"))?;
    let client = find_or_fetch(db, settings, outbound, client_id, now)
        .await
        .map_err(|e| match e {
            LookupError::Db(e) => OAuthError::from(e),
            LookupError::Document(e) => OAuthError::invalid_client(e.to_string()),
        })?
        .ok_or_else(|| OAuthError::invalid_client("unknown client"))?;
    match (
        client.auth_method,
        &credentials.client_secret,
        &client.secret_hash,
    ) {
        (AuthMethod::None, None, _) => Ok(client),
        (AuthMethod::None, Some(_), _) => Err(OAuthError::invalid_client(
            "this client is public (token_endpoint_auth_method none) and has no secret",
        )),
        (method, Some(secret), Some(stored)) => {
            let same_way = (method == AuthMethod::ClientSecretBasic) == credentials.basic
                || client.kind == ClientKind::Service;
            if same_way && bool::from(hash(secret).as_bytes().ct_eq(stored.as_bytes())) {
                Ok(client)
            } else {
                Err(OAuthError::invalid_client("client authentication failed"))
            }
        }
        _ => Err(OAuthError::invalid_client("client authentication failed")),
    }
}

/// Marks a client used (registrations never used are garbage-collected).
pub async fn touch(
    db: &DatabaseConnection,
    client_id: &str,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    oauth_clients::Entity::update_many()
        .col_expr(oauth_clients::Column::LastUsedAt, Expr::value(Some(now)))
        .filter(oauth_clients::Column::Id.eq(client_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes dynamic registrations never used since `cutoff` (creation or last use).
pub async fn purge_unused(db: &DatabaseConnection, cutoff: OffsetDateTime) -> Result<u64, DbErr> {
    Ok(oauth_clients::Entity::delete_many()
        .filter(oauth_clients::Column::Kind.eq(ClientKind::Dynamic.as_str()))
        .filter(
            sea_orm::Condition::any()
                .add(
                    sea_orm::Condition::all()
                        .add(oauth_clients::Column::LastUsedAt.is_null())
                        .add(oauth_clients::Column::CreatedAt.lt(cutoff)),
                )
                .add(oauth_clients::Column::LastUsedAt.lt(cutoff)),
        )
        .exec(db)
        .await?
        .rows_affected)
}
