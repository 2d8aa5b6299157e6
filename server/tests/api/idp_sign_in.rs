//! Sign-in with the Entra and Auth0 stand-ins: the happy paths, and every way a callback or an
//! ID token can be wrong (security.md OIDC-1…OIDC-7, WEB-2).

use domain::{
    entity::{audit_events, entra_tenants, tenant_onboardings, user_identities},
    tenants::TenantId,
};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    helpers::{location, session_cookie, spawn_app_with, TestApp},
    idp::{AtIdp, Idp, ADELE_OID, CONTOSO, FABRIKAM, NORTHWIND},
};

async fn gateway(idp: &Idp) -> TestApp {
    spawn_app_with(|raw| {
        raw.dev_login = false;
        idp.configure(raw);
    })
    .await
}

async fn is_signed_in(app: &TestApp) -> bool {
    let response = app.get("/settings").await;
    match response.status() {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER | StatusCode::FOUND => false,
        other => panic!("unexpected /settings status {other}"),
    }
}

async fn tenant_onboarded(app: &TestApp, tid: &str) -> bool {
    entra_tenants::Entity::find_by_id(tid.to_owned())
        .one(&app.db.db)
        .await
        .unwrap()
        .is_some_and(|t| t.status == "onboarded")
}

/// Onboards Contoso (admin Adele), then signs the browser out again.
async fn onboard_contoso(app: &TestApp) {
    let response = app.onboard("Contoso Ltd", "adele@contoso.example").await;
    assert_eq!(location(&response), "/auth/admin-consent/result");
    assert!(tenant_onboarded(app, CONTOSO).await);
    app.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_consent_onboards_the_tenant_only_after_its_admin_signs_in() {
    let idp = Idp::start().await;
    let app = gateway(&idp).await;
    let response = app
        .get("/auth/admin-consent?customer_name=Contoso+Ltd")
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = location(&response);
    assert!(
        to.starts_with(&format!("{}/organizations/v2.0/adminconsent?", idp.entra)),
        "{to}"
    );
    assert!(to.contains("client_id=gateway-test-client"));
    assert!(to.contains("scope=openid+profile+email"));
    assert!(to.contains(&format!(
        "redirect_uri={}",
        url::form_urlencoded::byte_serialize(app.url("/auth/admin-consent/callback").as_bytes())
            .collect::<String>()
    )));

    let consent_callback = app
        .through_idp(
            "/auth/admin-consent?customer_name=Contoso+Ltd",
            AtIdp::ConsentAs("adele@contoso.example"),
        )
        .await;
    assert!(consent_callback.contains(&format!("tenant={CONTOSO}")));
    let response = app.get_url(&consent_callback).await;
    // Consent alone onboards nothing: the admin is asked to sign in.
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).starts_with(&idp.entra));
    assert!(!tenant_onboarded(&app, CONTOSO).await);

    let callback = app
        .through_idp_from(
            &location(&response),
            AtIdp::SignInAs("adele@contoso.example"),
        )
        .await;
    let response = app.get_url(&callback).await;
    assert_eq!(location(&response), "/auth/admin-consent/result");
    assert!(tenant_onboarded(&app, CONTOSO).await);
    let tenant = entra_tenants::Entity::find_by_id(CONTOSO.to_owned())
        .one(&app.db.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tenant.customer_name, "Contoso Ltd");
    assert!(
        tenant.onboarded_by.contains(ADELE_OID),
        "{}",
        tenant.onboarded_by
    );
    assert!(
        is_signed_in(&app).await,
        "the consenting admin is signed in"
    );
    let onboard_events = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("tenant.onboard"))
        .filter(audit_events::Column::Outcome.eq("success"))
        .count(&app.db.db)
        .await
        .unwrap();
    assert_eq!(onboard_events, 1);
    let page = app.get("/auth/admin-consent/result").await;
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.unwrap();
    assert!(
        body.contains("Contoso Ltd") && body.contains(CONTOSO),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_of_an_onboarded_tenant_signs_in_and_returns_where_they_were_going() {
    let idp = Idp::start().await;
    let app = gateway(&idp).await;
    onboard_contoso(&app).await;
    let before = app.get("/auth/login").await;
    let cookie_before = session_cookie(before.headers());
    let callback = app
        .through_idp(
            "/auth/microsoft/login?next=/organisation",
            AtIdp::SignInAs("megan@contoso.example"),
        )
        .await;
    let response = app.get_url(&callback).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/organisation");
    let cookie_after = session_cookie(response.headers());
    assert!(cookie_after.is_some());
    assert_ne!(
        cookie_before, cookie_after,
        "session id changes at sign-in (WEB-2)"
    );
    assert!(is_signed_in(&app).await);
    let identity = user_identities::Entity::find()
        .filter(user_identities::Column::Provider.eq("entra"))
        .filter(user_identities::Column::Subject.eq("7a2c9e4b-1d3f-4e8a-b6c5-0f9d8e7a6b51"))
        .one(&app.db.db)
        .await
        .unwrap()
        .expect("identity keyed by oid");
    assert_eq!(identity.issuer, CONTOSO, "keyed by (tid, oid)");

    // The same callback again: its state was used up.
    let replay = app.get_url(&callback).await;
    assert_eq!(location(&replay), "/auth/error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_of_a_tenant_that_is_not_onboarded_is_refused_with_the_consent_link() {
    let idp = Idp::start().await;
    let app = gateway(&idp).await;
    onboard_contoso(&app).await;
    let response = app
        .idp_sign_in("/auth/microsoft/login", "nancy@northwind.example")
        .await;
    assert_eq!(location(&response), "/auth/not-onboarded");
    assert!(!is_signed_in(&app).await);
    let page = app.get("/auth/not-onboarded").await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    let body = page.text().await.unwrap();
    assert!(body.contains(NORTHWIND), "names the tenant");
    assert!(
        body.contains(&format!("/auth/onboard?tenant={NORTHWIND}")),
        "gives the consent link"
    );
    assert!(body.contains("nancy@northwind.example"));
    let refused = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("auth.sign_in"))
        .filter(audit_events::Column::Outcome.eq("failure"))
        .count(&app.db.db)
        .await
        .unwrap();
    assert_eq!(refused, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_admin_consent_callback_onboards_nothing() {
    let idp = Idp::start().await;
    let app = gateway(&idp).await;
    // No state, a made-up state, and a real-looking answer for a tenant nobody consented for.
    for query in [
        format!("admin_consent=True&tenant={FABRIKAM}"),
        format!("admin_consent=True&tenant={FABRIKAM}&state=forged"),
    ] {
        let response = app
            .get(&format!("/auth/admin-consent/callback?{query}"))
            .await;
        assert_eq!(location(&response), "/auth/admin-consent/result");
        let page = app.get("/auth/admin-consent/result").await;
        assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    }
    // A genuine state from this browser, but the tenant in the answer swapped for another one:
    // the admin who then signs in is from Contoso, so neither tenant is onboarded.
    let callback = app
        .through_idp(
            "/auth/admin-consent?customer_name=Contoso",
            AtIdp::ConsentAs("adele@contoso.example"),
        )
        .await
        .replace(CONTOSO, FABRIKAM);
    let response = app.get_url(&callback).await;
    let sign_in = location(&response);
    let callback = app
        .through_idp_from(&sign_in, AtIdp::SignInAs("adele@contoso.example"))
        .await;
    let response = app.get_url(&callback).await;
    assert_eq!(location(&response), "/auth/admin-consent/result");
    assert!(!tenant_onboarded(&app, FABRIKAM).await);
    assert!(!tenant_onboarded(&app, CONTOSO).await);
    assert!(!is_signed_in(&app).await);
    let body = app
        .get("/auth/admin-consent/result")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        body.contains(FABRIKAM) && body.contains(CONTOSO),
        "explains the mismatch"
    );
    assert_eq!(
        entra_tenants::Entity::find()
            .count(&app.db.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declined_consent_changes_nothing_and_says_why() {
    let idp = Idp::start().await;
    let app = gateway(&idp).await;
    let callback = app
        .through_idp(
            "/auth/admin-consent?customer_name=Contoso",
            AtIdp::DeclineConsent,
        )
        .await;
    assert!(callback.contains("error=access_denied"));
    let response = app.get_url(&callback).await;
    assert_eq!(location(&response), "/auth/admin-consent/result");
    let page = app.get("/auth/admin-consent/result").await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    let body = page.text().await.unwrap();
    assert!(body.contains("AADSTS65004"), "shows Microsoft's reason");
    assert_eq!(
        entra_tenants::Entity::find()
            .count(&app.db.db)
            .await
            .unwrap(),
        0
    );
    let onboarding = tenant_onboardings::Entity::find()
        .one(&app.db.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(onboarding.status, "failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_without_a_matching_state_sign_nobody_in() {
    let idp = Idp::start().await;
    let app = gateway(&idp).await;
    onboard_contoso(&app).await;
    let callback = app
        .through_idp(
            "/auth/microsoft/login",
            AtIdp::SignInAs("megan@contoso.example"),
        )
        .await;
    let url = url::Url::parse(&callback).unwrap();
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    for tampered in [
        format!("/auth/microsoft/callback?code={code}"),
        format!("/auth/microsoft/callback?code={code}&state=forged"),
        format!("/auth/microsoft/callback?code={code}&state="),
    ] {
        let response = app.get(&tampered).await;
        assert_eq!(location(&response), "/auth/error", "{tampered}");
        assert!(!is_signed_in(&app).await);
    }
    let page = app.get("/auth/error").await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    // The Microsoft state presented at the Auth0 callback is refused too.
    let other = app
        .get_url(&callback.replace("/auth/microsoft/callback", "/auth/auth0/callback"))
        .await;
    assert_eq!(location(&other), "/auth/error");
    assert!(!is_signed_in(&app).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_is_redeemed_once() {
    let idp = Idp::start().await;
    let app = gateway(&idp).await;
    onboard_contoso(&app).await;
    let first = app
        .through_idp(
            "/auth/microsoft/login",
            AtIdp::SignInAs("megan@contoso.example"),
        )
        .await;
    let code = url::Url::parse(&first)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(location(&app.get_url(&first).await), "/settings");
    app.logout().await;
    // A fresh sign-in attempt, but the old code is injected into its callback.
    let second = app
        .through_idp(
            "/auth/microsoft/login",
            AtIdp::SignInAs("megan@contoso.example"),
        )
        .await;
    let mut injected = url::Url::parse(&second).unwrap();
    let pairs: Vec<(String, String)> = injected
        .query_pairs()
        .map(|(k, v)| {
            let value = if k == "code" {
                code.clone()
            } else {
                v.into_owned()
            };
            (k.into_owned(), value)
        })
        .collect();
    injected.query_pairs_mut().clear().extend_pairs(pairs);
    let response = app.get_url(injected.as_str()).await;
    assert_eq!(location(&response), "/auth/error");
    assert!(!is_signed_in(&app).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_bad_id_token_is_refused() {
    let idp = Idp::start().await;
    let app = gateway(&idp).await;
    onboard_contoso(&app).await;
    for (mutation, realm, start, user) in [
        (
            "wrong_nonce",
            "entra",
            "/auth/microsoft/login",
            "megan@contoso.example",
        ),
        (
            "wrong_aud",
            "entra",
            "/auth/microsoft/login",
            "megan@contoso.example",
        ),
        (
            "alg_none",
            "entra",
            "/auth/microsoft/login",
            "megan@contoso.example",
        ),
        (
            "expired",
            "entra",
            "/auth/microsoft/login",
            "megan@contoso.example",
        ),
        (
            "iss_tid_mismatch",
            "entra",
            "/auth/microsoft/login",
            "megan@contoso.example",
        ),
        (
            "wrong_iss",
            "entra",
            "/auth/microsoft/login",
            "megan@contoso.example",
        ),
        (
            "bad_signature",
            "entra",
            "/auth/microsoft/login",
            "megan@contoso.example",
        ),
        (
            "unknown_kid",
            "entra",
            "/auth/microsoft/login",
            "megan@contoso.example",
        ),
        (
            "wrong_nonce",
            "auth0",
            "/auth/auth0/login",
            "ada@example.com",
        ),
        ("wrong_aud", "auth0", "/auth/auth0/login", "ada@example.com"),
        ("alg_none", "auth0", "/auth/auth0/login", "ada@example.com"),
        ("wrong_iss", "auth0", "/auth/auth0/login", "ada@example.com"),
        ("expired", "auth0", "/auth/auth0/login", "ada@example.com"),
    ] {
        idp.corrupt_next_id_token(mutation, realm).await;
        let response = app.idp_sign_in(start, user).await;
        assert_eq!(location(&response), "/auth/error", "{realm} {mutation}");
        assert!(!is_signed_in(&app).await, "{realm} {mutation}");
        let body = app.get("/auth/error").await.text().await.unwrap();
        assert!(
            body.contains("could not be verified"),
            "{realm} {mutation}: {body}"
        );
    }
    // And the next, untouched token works.
    let response = app
        .idp_sign_in("/auth/auth0/login", "ada@example.com")
        .await;
    assert_eq!(location(&response), "/settings");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_rollover_needs_no_restart() {
    let idp = Idp::start().await;
    let app = gateway(&idp).await;
    onboard_contoso(&app).await; // the gateway now holds the old keys
    idp.rotate_keys("all", false).await;
    let response = app
        .idp_sign_in("/auth/microsoft/login", "megan@contoso.example")
        .await;
    assert_eq!(
        location(&response),
        "/settings",
        "unknown kid → JWKS refetched"
    );
    app.logout().await;
    let response = app
        .idp_sign_in("/auth/auth0/login", "ada@example.com")
        .await;
    assert_eq!(location(&response), "/settings");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_email_in_two_tenants_is_two_users() {
    let idp = Idp::start().await;
    let app = gateway(&idp).await;
    onboard_contoso(&app).await;
    assert_eq!(
        location(&app.onboard("Fabrikam", "alex@fabrikam.example").await),
        "/auth/admin-consent/result"
    );
    app.logout().await;
    for user in ["pat@contoso.example", "pat@fabrikam.example"] {
        assert_eq!(
            location(&app.idp_sign_in("/auth/microsoft/login", user).await),
            "/settings"
        );
        app.logout().await;
    }
    let pats = user_identities::Entity::find()
        .filter(user_identities::Column::Provider.eq("entra"))
        .all(&app.db.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|i| {
            i.subject == "5d8e2f1a-6b9c-4d3e-a7f0-1c2b3a4d5e62"
                || i.subject == "e1c3a5b7-9d2f-4a6c-b8e0-3f5a7c9e1b84"
        })
        .map(|i| i.user_id)
        .collect::<Vec<_>>();
    assert_eq!(pats.len(), 2);
    assert_ne!(
        pats[0], pats[1],
        "same email, two tenants: two users (nOAuth)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth0_keeps_the_connection_and_the_whole_subject() {
    let idp = Idp::start().await;
    let app = gateway(&idp).await;
    let start = app
        .get("/auth/auth0/login?connection=google-oauth2&next=/connections")
        .await;
    assert!(location(&start).starts_with(&format!("{}authorize?", idp.auth0)));
    assert!(location(&start).contains("connection=google-oauth2"));
    let signup = app.get("/auth/auth0/signup").await;
    assert!(location(&signup).contains("screen_hint=signup"));
    let bad = app
        .get("/auth/auth0/login?connection=evil%20connection")
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    let response = app
        .idp_sign_in(
            "/auth/auth0/login?connection=google-oauth2&next=/connections",
            "alan@example.org",
        )
        .await;
    assert_eq!(location(&response), "/connections");
    let identity = user_identities::Entity::find()
        .filter(user_identities::Column::Provider.eq("auth0"))
        .one(&app.db.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(identity.subject, "google-oauth2|109876543210987654321");
    assert_eq!(identity.issuer, idp.auth0, "issuer with its trailing slash");
    // No onboarding for Auth0 users.
    assert!(is_signed_in(&app).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offboarding_a_tenant_ends_its_users_sessions_at_once() {
    let idp = Idp::start().await;
    let app = gateway(&idp).await;
    onboard_contoso(&app).await;
    assert_eq!(
        location(
            &app.idp_sign_in("/auth/microsoft/login", "megan@contoso.example")
                .await
        ),
        "/settings"
    );
    assert!(is_signed_in(&app).await);
    domain::tenants::offboard(
        &app.db.db,
        &TenantId::parse(CONTOSO).unwrap(),
        domain::audit::Actor::CommandLine,
        &Default::default(),
        domain::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    assert!(!is_signed_in(&app).await, "the next request is signed out");
    let again = app
        .idp_sign_in("/auth/microsoft/login", "megan@contoso.example")
        .await;
    assert_eq!(location(&again), "/auth/not-onboarded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chooser_offers_both_providers_and_one_provider_is_entered_directly() {
    let idp = Idp::start().await;
    let app = gateway(&idp).await;
    let page = app.get("/auth/login?next=/organisation").await;
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.unwrap();
    assert!(body.contains("Sign in with Microsoft") && body.contains("Sign in with Auth0"));
    assert!(body.contains("/auth/microsoft/login?next=/organisation"));
    assert!(body.contains("/auth/auth0/signup"));

    let only_entra = spawn_app_with(|raw| {
        raw.dev_login = false;
        idp.configure(raw);
        raw.auth0_issuer = None;
        raw.auth0_client_id = None;
        raw.auth0_client_secret = None;
    })
    .await;
    let response = only_entra.get("/auth/login?next=/organisation").await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        location(&response),
        "/auth/microsoft/login?next=/organisation"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_can_continue_at_the_provider() {
    let idp = Idp::start().await;
    let app = spawn_app_with(|raw| {
        raw.dev_login = false;
        idp.configure(raw);
        raw.auth0_logout = true;
    })
    .await;
    assert_eq!(
        location(
            &app.idp_sign_in("/auth/auth0/login", "ada@example.com")
                .await
        ),
        "/settings"
    );
    let response = app.logout().await;
    let to = location(&response);
    assert!(
        to.starts_with(&format!("{}oidc/logout?", idp.auth0)),
        "{to}"
    );
    assert!(to.contains("client_id=gateway-test-client"));
    assert!(to.contains("post_logout_redirect_uri="));
    assert!(!is_signed_in(&app).await);
}
