//! Redirects decided while a page renders (issue 13 item 10): a 3xx with `Location` for every
//! client, whatever its `Accept` header — never `200 OK` with a `Location` and a "Taking you…"
//! page, which no HTTP client follows.

use secrecy::SecretString;

use crate::helpers::{client, location, spawn_app, spawn_app_with};

/// A loopback port nothing listens on.
pub(crate) async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// Only Microsoft configured (the usual MSP setup), at an authority that does not answer.
pub(crate) async fn only_microsoft() -> crate::helpers::TestApp {
    let authority = format!("http://127.0.0.1:{}", closed_port().await);
    spawn_app_with(move |raw| {
        raw.dev_login = false;
        raw.entra_client_id = Some("gateway-test-client".into());
        raw.entra_client_secret = Some(SecretString::from("gateway-test-secret"));
        raw.entra_authority = authority;
    })
    .await
}

const CLIENTS: [Option<&str>; 4] = [
    Some("text/html,application/xhtml+xml,*/*;q=0.8"),
    Some("*/*"),
    Some("application/json"),
    None,
];

/// Every kind of client gets a 3xx to `to` (a browser may also get the page's text as the
/// redirect's body; others get none).
async fn assert_redirects_every_client(base: &str, path: &str, to: &str) {
    for accept in CLIENTS {
        let mut request = client().get(format!("{base}{path}"));
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_redirection(),
            "{path}, Accept {accept:?}: {}",
            response.status()
        );
        assert_eq!(location(&response), to, "{path}, Accept {accept:?}");
        assert!(
            response.headers().get("serverfnredirect").is_none(),
            "{path}: no Leptos client-side redirect marker"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_page_with_one_provider_redirects_every_client() {
    let app = only_microsoft().await;
    assert_redirects_every_client(
        &app.base,
        "/auth/login?next=/organisation",
        "/auth/microsoft/login?next=/organisation",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_page_with_only_the_development_form_redirects_every_client() {
    let app = spawn_app().await;
    assert_redirects_every_client(
        &app.base,
        "/auth/login?next=/connections",
        "/auth/dev/login?next=/connections",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_that_need_a_sign_in_redirect_every_signed_out_client() {
    let app = spawn_app().await;
    let invite = app.get("/invite/not-a-real-token").await;
    let to = location(&invite);
    assert!(to.starts_with("/auth/login?next="), "{to}");
    assert_redirects_every_client(&app.base, "/invite/not-a-real-token", &to).await;
    // Decided by the sign-in middleware before rendering (the pages' own `<Redirect>` is for
    // client-side navigation).
    for path in ["/settings", "/oauth/consent?request=abc"] {
        assert_redirects_every_client(&app.base, path, &app::routes::login_with_next(path)).await;
    }
}
