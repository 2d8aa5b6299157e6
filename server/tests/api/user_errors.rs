//! Errors shown to users name the class of problem and the request id, never internal URLs or
//! library error text (issue 13 item 8; security.md WEB-8).

use reqwest::StatusCode;

use crate::{helpers::location, page_redirects::only_microsoft};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_provider_is_explained_with_a_reference_not_with_its_error() {
    let app = only_microsoft().await;
    let authority = app
        .state
        .settings
        .identity_providers
        .entra
        .as_ref()
        .unwrap()
        .authority
        .to_string();
    let start = app.get("/auth/microsoft/login?next=/connections").await;
    assert!(start.status().is_redirection(), "{}", start.status());
    assert_eq!(location(&start), "/auth/error");
    let reference = start.headers()["x-request-id"].to_str().unwrap().to_owned();

    let page = app.get("/auth/error").await;
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    let html = page.text().await.unwrap();
    assert!(html.contains("Microsoft could not be reached"), "{html}");
    assert!(
        html.contains(&reference),
        "the failed request's id is shown"
    );
    let host = authority
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    for leak in [
        host.as_str(),
        "openid-configuration",
        "error sending request",
        "Connection refused",
        "tcp connect",
        "reqwest",
    ] {
        assert!(!html.contains(leak), "{leak:?} shown to the user");
    }
}
