#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::{
    testing::test_db,
    users::{self, DisplayName, Identity, Profile},
};

const CONTOSO: &str = "c0a7d3e1-5b2f-4c8a-9e61-0d4f7b2a9c31";
const FABRIKAM: &str = "f4b1e8c2-7d3a-4e9b-8c05-6a2d1f3e7b48";

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

fn name(value: &str) -> CustomerName {
    CustomerName::parse(value).unwrap()
}

fn granted(tenant: &str) -> ConsentResult {
    ConsentResult::Granted {
        tenant: tenant.into(),
    }
}

#[tokio::test]
async fn a_consent_needs_the_state_of_its_own_onboarding_once() {
    let db = test_db().await;
    let ctx = RequestContext::default();
    let started = start_onboarding(&db, &name("Contoso"), t0()).await.unwrap();
    let wrong = record_consent(
        &db,
        started.id,
        "not-the-state",
        granted(CONTOSO),
        &ctx,
        t0(),
    )
    .await;
    assert!(matches!(wrong, Err(TenantError::UnknownOnboarding)));
    let ok = record_consent(
        &db,
        started.id,
        &started.state,
        granted(CONTOSO),
        &ctx,
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(ok.tenant_id.as_str(), CONTOSO);
    let again = record_consent(
        &db,
        started.id,
        &started.state,
        granted(CONTOSO),
        &ctx,
        t0(),
    )
    .await;
    assert!(
        matches!(again, Err(TenantError::UnknownOnboarding)),
        "single use"
    );
    assert!(!is_onboarded(&*db, &TenantId::parse(CONTOSO).unwrap())
        .await
        .unwrap());
}

#[tokio::test]
async fn a_consent_after_an_hour_is_refused() {
    let db = test_db().await;
    let started = start_onboarding(&db, &name("Contoso"), t0()).await.unwrap();
    let late = record_consent(
        &db,
        started.id,
        &started.state,
        granted(CONTOSO),
        &RequestContext::default(),
        t0() + ONBOARDING_LIFETIME,
    )
    .await;
    assert!(matches!(late, Err(TenantError::UnknownOnboarding)));
}

#[tokio::test]
async fn only_the_consenting_tenants_admin_completes_onboarding() {
    let db = test_db().await;
    let ctx = RequestContext::default();
    let started = start_onboarding(&db, &name("Contoso"), t0()).await.unwrap();
    record_consent(
        &db,
        started.id,
        &started.state,
        granted(CONTOSO),
        &ctx,
        t0(),
    )
    .await
    .unwrap();
    let fabrikam = TenantId::parse(FABRIKAM).unwrap();
    let contoso = TenantId::parse(CONTOSO).unwrap();
    let mismatch =
        complete_onboarding(&db, started.id, CONTOSO, &fabrikam, "alex", &ctx, t0()).await;
    assert!(matches!(mismatch, Err(TenantError::TenantMismatch { .. })));
    assert!(!is_onboarded(&*db, &contoso).await.unwrap());
    let done = complete_onboarding(&db, started.id, CONTOSO, &contoso, "adele", &ctx, t0())
        .await
        .unwrap();
    assert_eq!(done.customer_name, "Contoso");
    assert!(is_onboarded(&*db, &contoso).await.unwrap());
    let twice = complete_onboarding(&db, started.id, CONTOSO, &contoso, "adele", &ctx, t0()).await;
    assert!(matches!(twice, Err(TenantError::UnknownOnboarding)));
}

#[tokio::test]
async fn declined_consent_fails_the_onboarding_and_creates_no_tenant() {
    let db = test_db().await;
    let started = start_onboarding(&db, &name("Contoso"), t0()).await.unwrap();
    let denied = record_consent(
        &db,
        started.id,
        &started.state,
        ConsentResult::Denied {
            error: "access_denied".into(),
            description: Some("AADSTS65004: User declined to consent".into()),
        },
        &RequestContext::default(),
        t0(),
    )
    .await;
    assert!(matches!(denied, Err(TenantError::ConsentDenied { .. })));
    let pending = list_pending(&db, t0()).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].status, "failed");
    assert!(pending[0].error.as_deref().unwrap().contains("AADSTS65004"));
    assert!(list(&db).await.unwrap().is_empty());
    // Abandoned attempts go after the retention period, not before.
    let almost = t0() + ONBOARDING_RETENTION - time::Duration::seconds(1);
    assert_eq!(purge_stale_onboardings(&db, almost).await.unwrap(), 0);
    let later = t0() + ONBOARDING_RETENTION;
    assert_eq!(purge_stale_onboardings(&db, later).await.unwrap(), 1);
}

#[tokio::test]
async fn offboarding_ends_sessions_of_that_tenant_only_and_lists_counts() {
    let db = test_db().await;
    let ctx = RequestContext::default();
    for (tenant, customer) in [(CONTOSO, "Contoso"), (FABRIKAM, "Fabrikam")] {
        let started = start_onboarding(&db, &name(customer), t0()).await.unwrap();
        record_consent(&db, started.id, &started.state, granted(tenant), &ctx, t0())
            .await
            .unwrap();
        let tid = TenantId::parse(tenant).unwrap();
        complete_onboarding(&db, started.id, tenant, &tid, "admin", &ctx, t0())
            .await
            .unwrap();
    }
    let sign_in = |tenant: &'static str, oid: &'static str| {
        let db = &db;
        async move {
            users::sign_in(
                db,
                &Identity {
                    provider: crate::users::Provider::Entra,
                    issuer: tenant.into(),
                    subject: oid.into(),
                },
                &Profile {
                    display_name: DisplayName::parse("Someone").unwrap(),
                    email: None,
                },
                t0(),
            )
            .await
            .unwrap()
        }
    };
    let megan = sign_in(CONTOSO, "7a2c9e4b-1d3f-4e8a-b6c5-0f9d8e7a6b51").await;
    let alex = sign_in(FABRIKAM, "0b4d6f8a-2c1e-4f3a-8b5d-7e9c1a2b3c73").await;
    let summary = list(&db).await.unwrap();
    assert!(summary
        .iter()
        .all(|t| t.user_count == 1 && t.last_sign_in == Some(t0())));

    let later = t0() + time::Duration::minutes(5);
    offboard(
        &db,
        &TenantId::parse(CONTOSO).unwrap(),
        Actor::CommandLine,
        &ctx,
        later,
    )
    .await
    .unwrap();
    let megan = users::find(&db, megan.id).await.unwrap().unwrap();
    let alex = users::find(&db, alex.id).await.unwrap().unwrap();
    assert_eq!(megan.sessions_not_before, Some(later));
    assert_eq!(alex.sessions_not_before, None);
    assert!(!is_onboarded(&*db, &TenantId::parse(CONTOSO).unwrap())
        .await
        .unwrap());
    let again = offboard(
        &db,
        &TenantId::parse(CONTOSO).unwrap(),
        Actor::CommandLine,
        &ctx,
        later,
    )
    .await;
    assert!(matches!(again, Err(TenantError::NotFound)));
}
