use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_ok_without_touching_the_database() {
    let app = spawn_app().await;
    app.state.db.clone().close().await.unwrap();
    let response = app.get("/health").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), r#"{"status":"ok"}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_when_the_database_answers_and_migrations_are_applied() {
    let app = spawn_app().await;
    let response = app.get("/health/ready").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap()["status"],
        "ready"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_ready_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.state.db.clone().close().await.unwrap();
    let response = app.get("/health/ready").await;
    assert_eq!(response.status(), 503);
    let body = response.json::<serde_json::Value>().await.unwrap();
    assert_eq!(body["reason"], "database_unreachable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_ready_while_draining() {
    let app = spawn_app().await;
    app.state
        .draining
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let response = app.get("/health/ready").await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap()["reason"],
        "draining"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_ready_when_a_migration_is_missing() {
    use migration::MigratorTrait;
    let app = spawn_app().await;
    migration::Migrator::down(&app.db.db, Some(1))
        .await
        .unwrap();
    let response = app.get("/health/ready").await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap()["reason"],
        "migrations_pending"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let a = app.get("/health").await;
    let b = app.get("/health").await;
    let id = |r: &reqwest::Response| {
        r.headers()
            .get("x-request-id")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(id(&a).len(), 36);
    assert_ne!(id(&a), id(&b));
}
