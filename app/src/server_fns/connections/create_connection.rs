use leptos::prelude::*;

use crate::error::PortalError;

/// Connects a vendor: checks the form, runs the vendor's check, and saves the connection only
/// when the vendor authenticated it. `placement` is `personal`, `team:<id>` or `organization`;
/// `fields` are the vendor form's values (secrets included).
#[server(endpoint = "connections/create", input = server_fn::codec::Json)]
pub async fn create_connection(
    placement: String,
    vendor: String,
    slug: String,
    name: String,
    fields: Vec<(String, String)>,
) -> Result<String, PortalError> {
    let (state, user, context, now) = crate::server_fns::organization::caller()?;
    let placement = ssr::placement(&placement)?;
    let input = domain::connections::ConnectionInput {
        vendor,
        slug,
        name,
        fields: fields.into_iter().collect(),
    };
    let row =
        domain::connections::create(&state.connections, &user, placement, input, &context, now)
            .await
            .map_err(|e| ssr::connection_error(&state, e))?;
    match placement {
        domain::connections::Placement::Personal => state.tool_cache.invalidate_user(user.id),
        _ => state.tool_cache.invalidate_all(),
    }
    Ok(row.id.to_string())
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use domain::connections::{ConnectionError, Placement};

    use crate::{
        error::PortalError,
        state::{parse_id, with_status, AppState},
    };

    /// Parses `personal`, `team:<id>`, `organization`.
    pub(crate) fn placement(value: &str) -> Result<Placement, PortalError> {
        match value {
            "personal" => Ok(Placement::Personal),
            "organization" => Ok(Placement::Organization),
            other => match other.strip_prefix("team:") {
                Some(id) => Ok(Placement::Team(parse_id(id)?)),
                None => Err(with_status(PortalError::Invalid(
                    "Choose where the connection goes.".into(),
                ))),
            },
        }
    }

    /// Maps a connection refusal onto the wire; a check that timed out mentions the egress address
    /// vendors may need to allow.
    pub(crate) fn connection_error(state: &AppState, error: ConnectionError) -> PortalError {
        with_status(match error {
            ConnectionError::Db(e) => {
                tracing::error!(error = %e, "connection operation failed");
                PortalError::Internal
            }
            ConnectionError::Vault(e) => {
                tracing::error!(error = %e, "vault failure on a connection");
                PortalError::Invalid(
                    "The stored credential could not be read; edit the connection and enter it again."
                        .into(),
                )
            }
            ConnectionError::NotFound => PortalError::NotFound("No such connection.".into()),
            e @ (ConnectionError::NotAllowed(_) | ConnectionError::PlanLimit(_)) => {
                PortalError::Refused(e.to_string())
            }
            ConnectionError::Fields(fields) => PortalError::Fields(fields.into_iter().collect()),
            ConnectionError::CheckFailed { class, message } => {
                let hint = match (class, state.settings.egress_ip.as_ref()) {
                    ("timed_out", Some(ip)) => format!(
                        " Some vendors silently drop requests from addresses they do not allow: add the gateway's address {ip} to the vendor's allowed IP list."
                    ),
                    _ => String::new(),
                };
                PortalError::Invalid(format!("{message}{hint}"))
            }
            e @ (ConnectionError::UnknownVendor(_) | ConnectionError::SlugTaken(_)) => {
                PortalError::Invalid(e.to_string())
            }
        })
    }
}
