use crate::helpers::{
    client, location, session_cookie, session_set_cookie, spawn_app, spawn_app_on, spawn_app_with,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_out_visitor_of_settings_is_sent_to_sign_in_and_back() {
    let app = spawn_app().await;
    let response = app.get("/settings").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/auth/login?next=/settings");
    let response = app.get("/organisation?tab=members").await;
    assert_eq!(
        location(&response),
        "/auth/login?next=/organisation%3Ftab%3Dmembers"
    );
    // And after signing in with that return path, lands there.
    let response = app.dev_login("Ada", "ada@example.com", "/settings").await;
    assert_eq!(location(&response), "/settings");
    assert_eq!(app.get("/settings").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_is_http_only_lax_and_host_wide() {
    let app = spawn_app().await;
    let response = app.dev_login("Ada", "ada@example.com", "").await;
    let cookie = session_set_cookie(response.headers()).expect("session cookie set");
    assert!(cookie.starts_with("mcpgw_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http on loopback cannot use Secure: {cookie}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_the_cookie_is_secure_and_host_prefixed() {
    let app = spawn_app_with(|s| s.public_url = "https://gateway.example.com".into()).await;
    // No Origin/Sec-Fetch-Site: a non-browser client, allowed.
    let response = app
        .client
        .post(app.url("/auth/dev/login"))
        .form(&[("name", "Ada"), ("email", "ada@example.com")])
        .send()
        .await
        .unwrap();
    let cookie = session_set_cookie(response.headers()).expect("session cookie set");
    assert!(cookie.starts_with("__Host-mcpgw_session="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(response
        .headers()
        .get("strict-transport-security")
        .is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_id_changes_at_sign_in_and_the_old_one_is_worthless() {
    let app = spawn_app().await;
    // A refused attempt stores the form in a (pre-sign-in) session.
    let refused = app.dev_login("", "ada@example.com", "").await;
    let before = session_cookie(refused.headers()).expect("pre-sign-in session");
    let signed_in = app.dev_login("Ada", "ada@example.com", "").await;
    let after = session_cookie(signed_in.headers()).expect("new session cookie");
    assert_ne!(before, after);
    // The pre-sign-in id does not authenticate.
    let old = client()
        .get(app.url("/settings"))
        .header("cookie", &before)
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 303);
    let new = client()
        .get(app.url("/settings"))
        .header("cookie", &after)
        .send()
        .await
        .unwrap();
    assert_eq!(new.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_deletes_the_session_on_the_server() {
    let app = spawn_app().await;
    let signed_in = app.dev_login("Ada", "ada@example.com", "").await;
    let cookie = session_cookie(signed_in.headers()).unwrap();
    let response = app.logout().await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/signed-out");
    // Replaying the old cookie (as a thief would) no longer works.
    let replay = client()
        .get(app.url("/settings"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 303);
    assert_eq!(app.get("/signed-out").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_is_not_reachable_by_get() {
    let app = spawn_app().await;
    app.dev_login("Ada", "ada@example.com", "").await;
    let response = app.get("/auth/logout").await;
    assert_ne!(response.status(), 303);
    assert_eq!(app.get("/settings").await.status(), 200, "still signed in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_keeps_everyone_signed_in() {
    let first = spawn_app().await;
    first.dev_login("Ada", "ada@example.com", "").await;
    let cookie_client = first.client.clone();
    let db = first.db.clone();
    first.stop().await;
    let second = spawn_app_on(db, |_| {}).await;
    let response = cookie_client
        .get(second.url("/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("Welcome, Ada"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_past_its_absolute_lifetime_is_ended() {
    use domain::auth::session::{SignedIn, SIGNED_IN_KEY};
    let app = spawn_app_with(|s| {
        s.session_absolute_lifetime_hours = 1;
        s.session_idle_timeout_minutes = 30;
    })
    .await;
    app.dev_login("Ada", "ada@example.com", "").await;
    assert_eq!(app.get("/settings").await.status(), 200);
    // Rewrite the stored sign-in time to two hours ago, as time passing would. Through sea-orm's
    // connection, so one statement serves both backends (`$n` placeholders work on SQLite too).
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    let db = &app.db.db;
    let backend = db.get_database_backend();
    let table = match backend {
        DatabaseBackend::Postgres => "tower_sessions.session",
        _ => "tower_sessions",
    };
    let rows = db
        .query_all(Statement::from_string(
            backend,
            format!("select id, data from {table}"),
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let id: String = rows[0].try_get("", "id").unwrap();
    let data: Vec<u8> = rows[0].try_get("", "data").unwrap();
    let mut record: tower_sessions::session::Record = rmp_serde::from_slice(&data).unwrap();
    let signed_in: SignedIn = serde_json::from_value(record.data[SIGNED_IN_KEY].clone()).unwrap();
    let earlier = SignedIn {
        at: signed_in.at - 2 * 3600,
        ..signed_in
    };
    record.data.insert(
        SIGNED_IN_KEY.to_owned(),
        serde_json::to_value(earlier).unwrap(),
    );
    let update = Statement::from_sql_and_values(
        backend,
        format!("update {table} set data = $1 where id = $2"),
        [rmp_serde::to_vec(&record).unwrap().into(), id.into()],
    );
    assert_eq!(db.execute(update).await.unwrap().rows_affected(), 1);
    let response = app.get("/settings").await;
    assert_eq!(response.status(), 303, "the session has expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_everywhere_ends_the_users_sessions_in_every_browser_only() {
    let app = spawn_app().await;
    let other_browser = crate::helpers::client();
    let other_user = crate::helpers::client();
    for (client, email) in [
        (&app.client, "ada@example.com"),
        (&other_browser, "ada@example.com"),
        (&other_user, "grace@example.com"),
    ] {
        client
            .post(app.url("/auth/dev/login"))
            .header("sec-fetch-site", "same-origin")
            .form(&[("name", "X"), ("email", email), ("next", "")])
            .send()
            .await
            .unwrap();
    }
    let settings = |client: reqwest::Client| {
        let url = app.url("/settings");
        async move {
            client
                .get(url)
                .header("accept", "text/html")
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(settings(other_browser.clone()).await, 200);
    let response = app
        .client
        .post(app.url("/auth/logout-everywhere"))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(crate::helpers::location(&response), "/signed-out");
    assert_eq!(settings(app.client.clone()).await, 303);
    assert_eq!(
        settings(other_browser.clone()).await,
        303,
        "the other browser is signed out too"
    );
    assert_eq!(
        settings(other_user.clone()).await,
        200,
        "another user is untouched"
    );
    // A cross-site form cannot sign anyone out everywhere.
    let forged = other_user
        .post(app.url("/auth/logout-everywhere"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(settings(other_user).await, 200);
}
