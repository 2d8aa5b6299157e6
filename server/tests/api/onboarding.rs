//! Onboarding proves that an administrator consented (security.md OIDC-5): the confirming
//! sign-in must carry an administrator role (`wids`), so a member of the tenant who forges the
//! consent callback onboards nothing; and `onboarding = "operator-approved"` makes a consented
//! tenant wait for an operator.

use domain::entity::{entra_tenants, tenant_onboardings};
use reqwest::StatusCode;
use sea_orm::EntityTrait;

use crate::{
    helpers::{location, spawn_app_with, TestApp},
    idp::{AtIdp, Idp, CONTOSO},
};

async fn gateway(idp: &Idp, mode: &str) -> TestApp {
    spawn_app_with(|raw| {
        raw.dev_login = false;
        idp.configure(raw);
        raw.onboarding = mode.into();
    })
    .await
}

async fn tenant_onboarded(app: &TestApp, tid: &str) -> bool {
    entra_tenants::Entity::find_by_id(tid.to_owned())
        .one(&app.db.db)
        .await
        .unwrap()
        .is_some_and(|t| t.status == "onboarded")
}

async fn is_signed_in(app: &TestApp) -> bool {
    app.get("/settings").await.status() == StatusCode::OK
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_who_forges_the_consent_callback_and_signs_in_onboards_nothing() {
    let idp = Idp::start().await;
    let app = gateway(&idp, "self-service").await;
    // Megan is a member of Contoso, not an administrator. Microsoft would refuse her consent, so
    // she forges its answer: the `state` is right there in the link to Microsoft.
    let start = app.get("/auth/admin-consent?customer_name=Contoso").await;
    let to_microsoft = url::Url::parse(&location(&start)).unwrap();
    let state = to_microsoft
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let forged = app
        .get(&format!(
            "/auth/admin-consent/callback?admin_consent=True&tenant={CONTOSO}&state={state}"
        ))
        .await;
    assert_eq!(forged.status(), StatusCode::SEE_OTHER, "asked to sign in");
    // …and confirms with her own, perfectly valid Contoso sign-in.
    let callback = app
        .through_idp_from(&location(&forged), AtIdp::SignInAs("megan@contoso.example"))
        .await;
    let response = app.get_url(&callback).await;
    assert_eq!(location(&response), "/auth/admin-consent/result");
    assert!(!tenant_onboarded(&app, CONTOSO).await);
    assert!(!is_signed_in(&app).await);
    let page = app.get("/auth/admin-consent/result").await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    let body = page.text().await.unwrap();
    assert!(
        body.contains("not an administrator") && body.contains("megan@contoso.example"),
        "{body}"
    );
    // The genuine administrator still can, afterwards.
    let response = app.onboard("Contoso", "adele@contoso.example").await;
    assert_eq!(location(&response), "/auth/admin-consent/result");
    assert!(tenant_onboarded(&app, CONTOSO).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_approved_onboarding_waits_until_an_operator_approves() {
    let idp = Idp::start().await;
    let app = gateway(&idp, "operator-approved").await;
    let response = app.onboard("Contoso Ltd", "adele@contoso.example").await;
    assert_eq!(location(&response), "/auth/admin-consent/result");
    assert!(
        !tenant_onboarded(&app, CONTOSO).await,
        "not before approval"
    );
    assert!(!is_signed_in(&app).await);
    let page = app.get("/auth/admin-consent/result").await;
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.unwrap();
    assert!(
        body.contains("waiting for approval") && body.contains(CONTOSO),
        "{body}"
    );
    // Its users cannot sign in yet.
    let refused = app
        .idp_sign_in("/auth/microsoft/login", "megan@contoso.example")
        .await;
    assert_eq!(location(&refused), "/auth/not-onboarded");
    // An operator approves it.
    let waiting = tenant_onboardings::Entity::find()
        .all(&app.db.db)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.status == "awaiting_approval")
        .expect("listed as awaiting approval");
    domain::tenants::approve_onboarding(
        &app.db.db,
        waiting.id,
        domain::audit::Actor::CommandLine,
        &Default::default(),
        domain::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    assert!(tenant_onboarded(&app, CONTOSO).await);
    let welcome = app
        .idp_sign_in("/auth/microsoft/login", "megan@contoso.example")
        .await;
    assert_eq!(location(&welcome), "/settings");
}
