use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_writes_are_refused() {
    let app = spawn_app().await;
    app.dev_login("Ada", "ada@example.com", "").await;
    let refused = [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("origin", "https://evil.example"),
        ("origin", "null"),
    ];
    for (header, value) in refused {
        let response = app
            .client
            .post(app.url("/auth/logout"))
            .header(header, value)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{header}: {value}");
        let response = app
            .client
            .post(app.url("/api/session/current_user"))
            .header(header, value)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "server function, {header}: {value}");
    }
    assert_eq!(
        app.get("/settings").await.status(),
        200,
        "still signed in: no forged sign-out happened"
    );
    let own_origin = app
        .client
        .post(app.url("/auth/logout"))
        .header("origin", &app.base)
        .send()
        .await
        .unwrap();
    assert_eq!(own_origin.status(), 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_sign_in_from_another_site_is_refused() {
    // Login CSRF: an attacker signing the victim into the attacker's account.
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/auth/dev/login"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("name", "Mallory"), ("email", "mallory@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_pages_carry_a_nonce_csp_that_matches_their_scripts() {
    let app = spawn_app().await;
    let response = app.get("/auth/dev/login").await;
    let headers = response.headers().clone();
    let csp = headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let html = response.text().await.unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .unwrap()
        .to_owned();
    assert!(nonce.len() >= 32);
    assert!(
        html.contains(&format!(r#"nonce="{nonce}""#)),
        "hydration script carries the nonce"
    );
    for directive in [
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "'wasm-unsafe-eval'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(headers.get("x-frame-options").unwrap(), "DENY");
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    // A second response gets a different nonce.
    let again = app.get("/auth/dev/login").await;
    assert_ne!(
        again
            .headers()
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap(),
        csp
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_id_never_appears_in_a_page() {
    let app = spawn_app().await;
    let response = app.dev_login("Ada", "ada@example.com", "").await;
    let cookie = crate::helpers::session_cookie(response.headers()).unwrap();
    let id = cookie.split('=').nth(1).unwrap().to_owned();
    for path in ["/settings", "/connections", "/organisation"] {
        assert!(
            !app.get(path).await.text().await.unwrap().contains(&id),
            "{path}"
        );
    }
}
