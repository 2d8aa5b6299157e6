use crate::helpers::{location, spawn_app, spawn_app_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_creates_the_user_and_lands_on_settings() {
    let app = spawn_app().await;
    let response = app.dev_login("Ada Lovelace", "ada@example.com", "").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/settings");
    let page = app.get("/settings").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Welcome, Ada Lovelace"),
        "settings greets the user"
    );
    assert!(
        html.contains(&format!("{}/v1/mcp", app.base)),
        "settings shows the MCP URL"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_return_path_is_honoured_only_when_same_origin() {
    let app = spawn_app().await;
    for (next, expected) in [
        ("/organisation", "/organisation"),
        ("/connections?x=1", "/connections?x=1"),
        ("//evil.example", "/settings"),
        ("https://evil.example", "/settings"),
        ("/\\evil.example", "/settings"),
        ("%2F%2Fevil.example", "/settings"),
        ("/\t/evil.example", "/settings"),
        ("javascript:alert(1)", "/settings"),
    ] {
        let response = app.dev_login("Ada", "ada@example.com", next).await;
        assert_eq!(response.status(), 303, "{next:?}");
        assert_eq!(location(&response), expected, "{next:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_form_comes_back_with_its_values_and_field_errors() {
    let app = spawn_app().await;
    let response = app.dev_login("  ", "not-an-email", "/organisation").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/auth/dev/login?next=/organisation");
    let html = app
        .get("/auth/dev/login?next=/organisation")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Enter a name."), "name error shown");
    assert!(
        html.contains("Enter an email address like name@example.com."),
        "email error shown"
    );
    assert!(html.contains(r#"value="not-an-email""#), "typed email kept");
    assert!(html.contains(r#"aria-invalid="true""#));
    // The flash is shown once.
    let again = app
        .get("/auth/dev/login?next=/organisation")
        .await
        .text()
        .await
        .unwrap();
    assert!(!again.contains("Enter a name."));
    // Nothing was created.
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(
        domain::entity::users::Entity::find()
            .count(&app.db.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_without_fields_gets_field_errors_not_a_bare_error() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/auth/dev/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/auth/dev/login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_development_sign_in_is_absent_when_switched_off() {
    let app = spawn_app_with(|s| s.dev_login = false).await;
    let response = app.dev_login("Ada", "ada@example.com", "").await;
    assert_eq!(response.status(), 404);
    let page = app.get("/auth/dev/login").await.text().await.unwrap();
    assert!(page.contains("Development sign-in is off"));
    let login = app.get("/auth/login").await;
    assert_eq!(login.status(), 200);
    assert!(login
        .text()
        .await
        .unwrap()
        .contains("Sign-in is not set up"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_entry_point_goes_straight_to_the_only_method_keeping_next() {
    let app = spawn_app().await;
    let response = app.get("/auth/login?next=/organisation").await;
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(location(&response), "/auth/dev/login?next=/organisation");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_form_is_refused() {
    let app = spawn_app().await;
    let big = "a".repeat(1024 * 1024);
    let response = app.dev_login(&big, "ada@example.com", "").await;
    assert_eq!(response.status(), 413);
}
