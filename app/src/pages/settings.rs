//! `/settings`: greets the user, shows their account and how to connect an MCP client.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::{
    components::{
        copy_button::CopyButton,
        status::{ErrorPanel, Loading},
    },
    error::PortalError,
    routes,
    server_fns::settings::{get_settings_overview, SettingsOverview},
};

/// The settings page.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_settings_overview());
    view! {
        <Title text="Settings" />
        <Suspense fallback=|| view! { <Loading label="Loading your settings…" /> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! { <Overview overview /> }.into_any(),
                    Err(PortalError::Unauthorized) => {
                        view! { <Redirect path=routes::login_with_next(routes::SETTINGS) /> }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Overview(overview: SettingsOverview) -> impl IntoView {
    let SettingsOverview {
        display_name,
        email,
        member_since,
        mcp_url,
    } = overview;
    view! {
        <div class="page-header">
            <h1 id="greeting">{format!("Welcome, {display_name}")}</h1>
            <p class="muted">"Your account and how to connect your AI client to the gateway."</p>
        </div>
        <div class="grid">
            <section class="card" aria-labelledby="connect-title">
                <h2 id="connect-title">"Connect your AI client"</h2>
                <p>
                    "Add this one URL to Claude Desktop, Claude Code or any MCP client. "
                    "It signs you in here and sees exactly the vendor tools your credentials allow."
                </p>
                <div class="field">
                    <label for="mcp-url">"MCP server URL"</label>
                    <div class="input-group">
                        <input id="mcp-url" class="input mono" type="text" readonly value=mcp_url.clone() />
                        <CopyButton
                            id="copy-mcp-url"
                            value=mcp_url.clone()
                            label="Copy the MCP server URL"
                            confirmation="MCP server URL copied to the clipboard."
                        />
                    </div>
                </div>
                <details class="disclosure">
                    <summary>"Step-by-step instructions"</summary>
                    <ol class="steps">
                        <li>
                            <strong>"Claude Desktop: "</strong>
                            "Settings → Connectors → Add custom connector, paste the URL, then sign in when asked."
                        </li>
                        <li>
                            <strong>"Claude Code: "</strong>
                            "run "
                            <code>{format!("claude mcp add --transport http gateway {mcp_url}")}</code>
                            " and then "
                            <code>"/mcp"</code>
                            " to sign in."
                        </li>
                    </ol>
                </details>
            </section>
            <section class="card" aria-labelledby="account-title">
                <h2 id="account-title">"Your account"</h2>
                <dl class="facts">
                    <dt>"Name"</dt>
                    <dd>{display_name.clone()}</dd>
                    <dt>"Email"</dt>
                    <dd>{email.unwrap_or_else(|| "—".to_owned())}</dd>
                    <dt>"Member since"</dt>
                    <dd>{member_since}</dd>
                </dl>
                <form method="post" action=routes::LOGOUT_EVERYWHERE class="account-actions">
                    <button type="submit" class="btn btn-secondary" aria-describedby="logout-everywhere-hint">
                        "Sign out everywhere"
                    </button>
                    <p id="logout-everywhere-hint">
                        "Ends your sessions in every browser, this one included — for a lost or shared device."
                    </p>
                </form>
            </section>
        </div>
    }
}
