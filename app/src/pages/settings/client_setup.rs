//! Settings → "Connect your AI client": the gateway's one MCP URL with a copy button, and
//! ready-to-paste setup for Claude Desktop (custom connector, or the `mcp-remote` bridge in its
//! configuration file), Claude Code and any other MCP client. docs/clients.md says the same.

use leptos::prelude::*;

use crate::components::copy_button::CopyButton;

/// The `claude_desktop_config.json` entry that bridges Claude Desktop to the gateway through
/// `mcp-remote` (for plans or versions without custom connectors).
pub fn mcp_remote_config(mcp_url: &str) -> String {
    let url = mcp_url.replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        "{{\n  \"mcpServers\": {{\n    \"gateway\": {{\n      \"command\": \"npx\",\n      \"args\": [\"mcp-remote\", \"{url}\"]\n    }}\n  }}\n}}"
    )
}

/// The Claude Code command that adds the gateway.
pub fn claude_code_command(mcp_url: &str) -> String {
    format!("claude mcp add --transport http gateway {mcp_url}")
}

/// A snippet to paste, with its copy button.
#[component]
fn Snippet(
    #[prop(into)] id: String,
    #[prop(into)] value: String,
    #[prop(into)] label: String,
    #[prop(into)] confirmation: String,
) -> impl IntoView {
    view! {
        <div class="snippet">
            <pre class="mono" id=id.clone() tabindex="0" role="region" aria-label=label.clone()><code>{value.clone()}</code></pre>
            <CopyButton id=format!("copy-{id}") value label=format!("Copy: {label}") confirmation />
        </div>
    }
}

/// The card.
#[component]
pub(super) fn ClientSetup(mcp_url: String) -> impl IntoView {
    let config = mcp_remote_config(&mcp_url);
    let command = claude_code_command(&mcp_url);
    view! {
        <section class="card" aria-labelledby="connect-title" id="client-setup">
            <h2 id="connect-title">"Connect your AI client"</h2>
            <p>
                "Add this one URL to Claude Desktop, Claude Code or any MCP client. "
                "It signs you in here and sees exactly the vendor tools your connections and your organisation allow."
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
            <details class="disclosure" id="setup-claude-desktop">
                <summary>"Claude Desktop and claude.ai"</summary>
                <ol class="steps">
                    <li>"Settings → Connectors → Add custom connector."</li>
                    <li>"Name it (for example “MCP Gateway”), paste the URL above, and add it."</li>
                    <li>"Connect: a window opens here; sign in and allow access."</li>
                </ol>
                <p>
                    "Without custom connectors, use the "
                    <code>"mcp-remote"</code>
                    " bridge (needs Node.js): in Settings → Developer → Edit Config, add this to "
                    <code>"claude_desktop_config.json"</code>
                    ", then quit Claude completely and start it again."
                </p>
                <Snippet
                    id="mcp-remote-config"
                    value=config
                    label="Claude Desktop configuration with mcp-remote"
                    confirmation="Configuration copied to the clipboard."
                />
            </details>
            <details class="disclosure" id="setup-claude-code">
                <summary>"Claude Code"</summary>
                <p>"Run this in a terminal, then type " <code>"/mcp"</code> " in Claude Code and choose the gateway to sign in."</p>
                <Snippet
                    id="claude-code-command"
                    value=command
                    label="Claude Code command"
                    confirmation="Command copied to the clipboard."
                />
            </details>
            <details class="disclosure" id="setup-other">
                <summary>"Other MCP clients"</summary>
                <ul class="steps">
                    <li>"Transport: Streamable HTTP at the URL above (not the older SSE transport)."</li>
                    <li>"Sign-in: OAuth 2.1 — the client registers itself and opens this gateway in a browser. Leave client ID and secret empty."</li>
                    <li>"Service-client credentials (svc_…) are for scripts, not for a connector's OAuth fields."</li>
                    <li>"Clients that only speak stdio: run " <code>{format!("npx mcp-remote {mcp_url}")}</code> "."</li>
                </ul>
            </details>
            <p class="muted">
                "Tools are named prefix__tool, for example demo__list_companies. After you connect a vendor, "
                "clients that do not refresh their tool list need to reconnect. "
                <a href=crate::routes::CONNECTIONS>"Manage your connections"</a>
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snippets_carry_the_url() {
        let url = "https://gw.example.com/v1/mcp";
        assert_eq!(
            claude_code_command(url),
            "claude mcp add --transport http gateway https://gw.example.com/v1/mcp"
        );
        let config = mcp_remote_config(url);
        let compact: String = config.split_whitespace().collect();
        assert_eq!(
            compact,
            r#"{"mcpServers":{"gateway":{"command":"npx","args":["mcp-remote","https://gw.example.com/v1/mcp"]}}}"#
        );
        // A quote in the URL cannot break out of the JSON string.
        assert!(mcp_remote_config("https://x/\"}").contains(r#""https://x/\"}""#));
    }
}
