use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_pages_render_for_a_signed_in_user_with_navigation() {
    let app = spawn_app().await;
    app.dev_login("Ada", "ada@example.com", "").await;
    for (path, heading) in [
        ("/settings", "Welcome, Ada"),
        ("/connections", "Connections"),
        ("/organisation", "You are not in an organisation yet"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        let html = response.text().await.unwrap();
        assert!(html.contains(heading), "{path}");
        for link in [
            r#"href="/settings""#,
            r#"href="/connections""#,
            r#"href="/organisation""#,
        ] {
            assert!(html.contains(link), "{path} has nav link {link}");
        }
        assert!(
            html.contains(r#"action="/auth/logout""#),
            "{path} has sign-out"
        );
        assert!(
            html.contains("/pkg/mcp-gateway.js"),
            "{path} loads the hydration bundle"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_shows_the_mcp_url_and_ready_to_paste_client_setup() {
    let app = spawn_app().await;
    app.dev_login("Ada", "ada@example.com", "").await;
    let response = app.get("/settings").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    // Text may come HTML-escaped; compare what the browser shows.
    let shown = html
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&amp;", "&");
    let url = format!("{}/v1/mcp", app.base);
    assert!(
        shown.contains(r#"id="mcp-url""#) && shown.contains(&format!(r#"value="{url}""#)),
        "the URL in its read-only field"
    );
    assert!(shown.contains(r#"aria-label="Copy the MCP server URL""#));
    assert!(
        shown.contains(&format!("claude mcp add --transport http gateway {url}")),
        "Claude Code's command"
    );
    assert!(
        shown.contains(&format!(r#""args": ["mcp-remote", "{url}"]"#))
            && shown.contains(r#""mcpServers""#),
        "Claude Desktop's mcp-remote configuration"
    );
    assert!(shown.contains("Settings → Connectors → Add custom connector"));
    assert!(shown.contains("Other MCP clients"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_root_goes_to_settings() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 303);
    assert_eq!(crate::helpers::location(&response), "/settings");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_page_is_a_404_page() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_current_user_server_function_answers_per_session() {
    let app = spawn_app().await;
    let call = || async {
        app.client
            .post(app.url("/api/session/current_user"))
            .header("sec-fetch-site", "same-origin")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .send()
            .await
            .unwrap()
    };
    let anonymous = call().await;
    assert_eq!(anonymous.status(), 200);
    assert_eq!(anonymous.text().await.unwrap(), "null");
    app.dev_login("Ada", "ada@example.com", "").await;
    let signed_in = call().await.json::<serde_json::Value>().await.unwrap();
    assert_eq!(signed_in["display_name"], "Ada");
    // Typed into the development sign-in: nobody verified it, so it is shown as such (OIDC-3).
    assert_eq!(signed_in["email"], "ada@example.com (unverified)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_failure_is_a_generic_500_without_internal_details() {
    let app = spawn_app().await;
    app.dev_login("Ada", "ada@example.com", "").await;
    app.state.db.clone().close().await.unwrap();
    let response = app.get("/settings").await;
    assert_eq!(response.status(), 500);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = response.text().await.unwrap();
    // The class of problem and the request id, under which the log has the error (WEB-8).
    assert_eq!(
        body,
        format!("Something went wrong on our side. Please try again. Reference: {request_id}")
    );
}
