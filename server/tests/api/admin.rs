//! The operators' server functions: only operators may call them, checked on every call.

use domain::tenants::{self, CustomerName, TenantId};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{spawn_app_with, TestApp};

const CONTOSO: &str = "c0a7d3e1-5b2f-4c8a-9e61-0d4f7b2a9c31";

async fn call(app: &TestApp, endpoint: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    app.call(endpoint, form).await
}

/// Onboards Contoso directly through the domain (the HTTP flow has its own tests).
async fn onboard_contoso(app: &TestApp) {
    let db = &app.db.db;
    let now = domain::OffsetDateTime::now_utc();
    let ctx = Default::default();
    let started = tenants::start_onboarding(db, &CustomerName::parse("Contoso").unwrap(), now)
        .await
        .unwrap();
    tenants::record_consent(
        db,
        started.id,
        &started.state,
        tenants::ConsentResult::Granted {
            tenant: CONTOSO.into(),
        },
        &ctx,
        now,
    )
    .await
    .unwrap();
    let tid = TenantId::parse(CONTOSO).unwrap();
    let roles = vec![tenants::DEFAULT_ADMIN_ROLE_IDS[0].to_owned()];
    tenants::complete_onboarding(
        db,
        &tenants::OnboardingPolicy::default(),
        started.id,
        CONTOSO,
        &tenants::ConfirmingAdmin {
            tenant: &tid,
            directory_roles: &roles,
            account: "adele",
            label: "adele",
        },
        &ctx,
        now,
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_operators_reach_the_admin_functions_and_page() {
    let app = spawn_app_with(|raw| {
        raw.operators = domain::config::StringList::Joined("dev:olga@example.com".into());
        raw.entra_client_id = Some("client".into());
        raw.entra_client_secret = Some(secrecy::SecretString::from("secret"));
        raw.entra_authority = "http://127.0.0.1:9/entra".into();
    })
    .await;
    onboard_contoso(&app).await;

    // Signed out: 401; a signed-in non-operator: 403, and nothing changes.
    assert_eq!(
        call(&app, "admin/overview", &[]).await.0,
        StatusCode::UNAUTHORIZED
    );
    app.dev_login("Mallory", "mallory@example.com", "").await;
    assert_eq!(
        call(&app, "admin/overview", &[]).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&app, "admin/offboard", &[("tenant_id", CONTOSO)])
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&app, "admin/consent_link", &[("customer_name", "X")])
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert!(
        tenants::is_onboarded(&app.db.db, &TenantId::parse(CONTOSO).unwrap())
            .await
            .unwrap()
    );
    let page = app.get("/admin").await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    app.logout().await;

    // The configured operator.
    app.dev_login("Olga", "olga@example.com", "").await;
    let (status, overview) = call(&app, "admin/overview", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(overview["tenants"][0]["tenant_id"], CONTOSO);
    assert_eq!(overview["tenants"][0]["customer_name"], "Contoso");
    let (status, link) = call(
        &app,
        "admin/consent_link",
        &[("customer_name", "Fabrikam & Co")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        link,
        format!(
            "{}/auth/admin-consent?customer_name=Fabrikam%20%26%20Co",
            app.base
        )
    );
    let (status, error) = call(&app, "admin/consent_link", &[("customer_name", " ")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.to_string().contains("Enter the name"), "{error}");
    let (status, _) = call(&app, "admin/offboard", &[("tenant_id", CONTOSO)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !tenants::is_onboarded(&app.db.db, &TenantId::parse(CONTOSO).unwrap())
            .await
            .unwrap()
    );
    let (status, _) = call(&app, "admin/offboard", &[("tenant_id", CONTOSO)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "already offboarded");
    let page = app.get("/admin").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Contoso"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_granted_operator_loses_access_on_the_next_request_when_revoked() {
    let app = spawn_app_with(|_| {}).await;
    app.dev_login("Olga", "olga@example.com", "").await;
    assert_eq!(
        call(&app, "admin/overview", &[]).await.0,
        StatusCode::FORBIDDEN
    );
    let user_ref = domain::users::UserRef::parse("dev:olga@example.com").unwrap();
    let now = domain::OffsetDateTime::now_utc();
    domain::operators::grant(
        &app.db.db,
        &user_ref,
        None,
        domain::audit::Actor::CommandLine,
        now,
    )
    .await
    .unwrap();
    assert_eq!(call(&app, "admin/overview", &[]).await.0, StatusCode::OK);
    domain::operators::revoke(
        &app.db.db,
        &user_ref,
        None,
        domain::audit::Actor::CommandLine,
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        call(&app, "admin/overview", &[]).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_manage_invite_codes_plans_and_the_default_plan_and_nobody_else_can() {
    let app = spawn_app_with(|raw| {
        raw.operators = domain::config::StringList::Joined("dev:olga@example.com".into());
    })
    .await;
    let (mallory, _) = app.browser("Mallory", "mallory@example.com").await;
    let (status, _) = mallory
        .call(
            "organization/create",
            &[("name", "Mallory's"), ("invite_code", "")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        call(&app, "admin/overview", &[]).await.0,
        StatusCode::UNAUTHORIZED
    );
    // A non-operator is refused every operator function, and nothing changes.
    for (endpoint, form) in [
        (
            "admin/invite_code_create",
            vec![("label", "x"), ("max_uses", "")],
        ),
        ("admin/default_plan", vec![("plan", "pro")]),
        (
            "admin/invite_code_revoke",
            vec![("code_id", "00000000-0000-0000-0000-000000000000")],
        ),
    ] {
        assert_eq!(
            mallory.call(endpoint, &form).await.0,
            StatusCode::FORBIDDEN,
            "{endpoint}"
        );
    }
    let overview = mallory.call("organization/overview", &[]).await.1;
    assert_eq!(overview["plan"], "Free");

    app.dev_login("Olga", "olga@example.com", "").await;
    let (status, code) = call(
        &app,
        "admin/invite_code_create",
        &[("label", "Acme pilot"), ("max_uses", "2")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(code.as_str().unwrap().starts_with("PRO-"));
    let (status, body) = call(
        &app,
        "admin/invite_code_create",
        &[("label", ""), ("max_uses", "")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, overview) = call(&app, "admin/overview", &[]).await;
    assert_eq!(overview["invite_codes"][0]["label"], "Acme pilot");
    assert!(
        !overview.to_string().contains(code.as_str().unwrap()),
        "the code is never listed"
    );
    let team = overview["organizations"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let code_id = overview["invite_codes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, _) = call(
        &app,
        "admin/organization_plan",
        &[("organization_id", &team), ("plan", "pro")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        mallory.call("organization/overview", &[]).await.1["plan"],
        "Pro"
    );
    let (status, _) = call(
        &app,
        "admin/organization_plan",
        &[("organization_id", &team), ("plan", "gold")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(
        &app,
        "admin/organization_plan",
        &[
            ("organization_id", "00000000-0000-0000-0000-000000000000"),
            ("plan", "pro"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&app, "admin/default_plan", &[("plan", "pro")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        call(&app, "admin/overview", &[]).await.1["default_plan"],
        "pro"
    );
    let (status, _) = call(&app, "admin/invite_code_revoke", &[("code_id", &code_id)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        call(&app, "admin/overview", &[]).await.1["invite_codes"][0]["usable"],
        false
    );
}
