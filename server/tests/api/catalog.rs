//! The catalog page (`/catalog`) as a browser gets it before hydration: every vendor grouped by
//! category with what it offers and needs, a search that works as a plain GET form, and
//! *Connect* links that open the vendor's form on the connections page.

use reqwest::StatusCode;

use crate::helpers::{location, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalog_lists_every_vendor_by_category_with_what_a_connection_needs() {
    // Arrange
    let app = spawn_app().await;
    // Signed out: sign in first, then back here.
    let response = app.get("/catalog?q=glue").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/auth/login?next=/catalog%3Fq%3Dglue");
    app.dev_login("Ada", "ada@example.com", "").await;

    // Act
    let response = app.get("/catalog").await;

    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("<h1>Vendor catalog</h1>"), "{html}");
    assert!(
        html.contains(r#"href="/catalog""#),
        "the navigation links it"
    );
    let catalog = domain::vendors::Catalog::load(None).unwrap();
    let count = catalog.iter().count();
    assert!(html.contains(&format!("{count} vendors.")));
    for def in catalog.iter() {
        assert!(
            html.contains(&format!(r#"id="vendor-{}""#, def.slug)),
            "{}",
            def.slug
        );
        assert!(
            html.contains(&format!(
                r#"href="/connections?connect={}#connect-panel""#,
                def.slug
            )),
            "{} has a Connect link",
            def.slug
        );
        assert!(html.contains(&format!(r#"aria-label="Connect {}""#, def.name)));
        assert!(
            html.contains(&format!(r#"href="{}""#, def.docs[0])),
            "{}",
            def.slug
        );
        for tool in &def.tools {
            assert!(html.contains(&tool.title), "{}: {}", def.slug, tool.title);
        }
    }
    // Categories, in order, as headings.
    let at = |text: &str| html.find(text).unwrap_or_else(|| panic!("{text}"));
    assert!(at(">Documentation</h2>") < at(">PSA</h2>"));
    assert!(at(">PSA</h2>") < at(">RMM</h2>"));
    // What a connection needs: the form, where the key is made, what it must be allowed.
    let itglue = &html[at(r#"id="vendor-itglue""#)..at(r#"id="vendor-autotask""#)];
    assert!(
        itglue.contains("An API key in the x-api-key header."),
        "{itglue}"
    );
    assert!(itglue.contains("API Keys → Custom API Keys → + Generate API Key"));
    assert!(itglue.contains("Leave “Password access” off"));
    assert!(itglue.contains("Data center"));
    assert!(itglue.contains("Europe (eu.itglue.com)"));
    assert!(html.contains(r#"<span class="badge badge-warning">writes</span>"#));
    assert!(
        html.contains("OAuth 2.0 client credentials"),
        "NinjaOne's scheme"
    );
    assert!(
        html.contains("Headers ApiIntegrationCode, Secret, UserName"),
        "Autotask's"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_is_a_get_form_that_keeps_matching_vendors_only() {
    let app = spawn_app().await;
    app.dev_login("Ada", "ada@example.com", "").await;

    let html = app
        .get("/catalog?q=reset+alert")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"method="GET""#) || html.contains(r#"method="get""#));
    assert!(html.contains(r#"name="q""#));
    assert!(
        html.contains(r#"value="reset alert""#),
        "the search is shown again"
    );
    assert!(html.contains(r#"id="vendor-ninjaone""#));
    assert!(!html.contains(r#"id="vendor-itglue""#));
    assert!(!html.contains(r#"id="vendor-autotask""#));
    assert!(html.contains("1 of "), "{html}");

    let none = app
        .get("/catalog?q=no-such-vendor")
        .await
        .text()
        .await
        .unwrap();
    assert!(none.contains("No vendor or tool matches your search."));

    // The server function itself is for signed-in users only.
    let signed_out = crate::helpers::client()
        .post(app.url("/api/catalog/get"))
        .header("sec-fetch-site", "same-origin")
        .header("accept", "application/json")
        .form(&[("q", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connect_link_opens_that_vendors_form_on_the_connections_page() {
    let app = spawn_app().await;
    app.dev_login("Ada", "ada@example.com", "").await;

    let html = app
        .get("/connections?connect=itglue")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"id="connect-panel""#), "{html}");
    assert!(html.contains("Connect IT Glue"));
    assert!(
        html.contains(r#"id="connect-placement""#),
        "the scope picker"
    );
    assert!(html.contains(r#"name="field-api_key""#));
    assert!(html.contains(r#"name="field-region""#));
    assert!(html.contains(r#"href="/catalog""#));
    // Before hydration the form cannot be submitted natively (a secret would end up in a URL).
    let form = &html[html.find(r#"id="connect-panel""#).unwrap()..];
    assert!(form.contains(r#"method="post""#));
    let button = &form[form.find(r#"type="submit""#).unwrap()..];
    assert!(
        button[..button.find('>').unwrap()].contains("disabled"),
        "{button}"
    );

    for path in ["/connections", "/connections?connect=no-such-vendor"] {
        let html = app.get(path).await.text().await.unwrap();
        assert!(!html.contains(r#"id="connect-panel""#), "{path}");
    }
}
