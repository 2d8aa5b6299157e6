#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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

const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
const USER_ROLE: &str = "b79fbf4d-3ef9-4689-8143-76b194e85509";

/// Step 3 for an account of `signed_in` holding `roles`, under `policy`.
async fn confirm(
    db: &DatabaseConnection,
    policy: &OnboardingPolicy,
    id: Uuid,
    consented: &str,
    signed_in: &str,
    roles: &[&str],
) -> Result<OnboardingOutcome, TenantError> {
    let tenant = TenantId::parse(signed_in).unwrap();
    let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
    let admin = ConfirmingAdmin {
        tenant: &tenant,
        directory_roles: &roles,
        account: "someone@example.com",
        label: "someone@example.com (entra)",
    };
    complete_onboarding(
        db,
        policy,
        id,
        consented,
        &admin,
        &RequestContext::default(),
        t0(),
    )
    .await
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
    let contoso = TenantId::parse(CONTOSO).unwrap();
    let policy = OnboardingPolicy::default();
    let mismatch = confirm(&db, &policy, started.id, CONTOSO, FABRIKAM, &[GLOBAL_ADMIN]).await;
    assert!(matches!(mismatch, Err(TenantError::TenantMismatch { .. })));
    assert!(!is_onboarded(&*db, &contoso).await.unwrap());
    let done = confirm(&db, &policy, started.id, CONTOSO, CONTOSO, &[GLOBAL_ADMIN])
        .await
        .unwrap();
    let OnboardingOutcome::Onboarded(done) = done else {
        panic!("self-service onboards at once")
    };
    assert_eq!(done.customer_name, "Contoso");
    assert!(is_onboarded(&*db, &contoso).await.unwrap());
    let twice = confirm(&db, &policy, started.id, CONTOSO, CONTOSO, &[GLOBAL_ADMIN]).await;
    assert!(matches!(twice, Err(TenantError::UnknownOnboarding)));
}

/// OIDC-5: a consent callback anyone in the tenant can forge, confirmed by a sign-in of the
/// tenant, is not enough; the sign-in must carry an administrator role.
#[tokio::test]
async fn a_member_of_the_tenant_without_an_administrator_role_onboards_nothing() {
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
    let policy = OnboardingPolicy::default();
    for roles in [&[][..], &[USER_ROLE][..]] {
        let refused = confirm(&db, &policy, started.id, CONTOSO, CONTOSO, roles).await;
        assert!(
            matches!(refused, Err(TenantError::NotAnAdministrator { .. })),
            "{roles:?}: {refused:?}"
        );
    }
    assert!(!is_onboarded(&*db, &TenantId::parse(CONTOSO).unwrap())
        .await
        .unwrap());
    assert!(list(&db).await.unwrap().is_empty());
    let refusals = crate::entity::audit_events::Entity::find()
        .filter(crate::entity::audit_events::Column::Action.eq("tenant.onboard"))
        .filter(crate::entity::audit_events::Column::Outcome.eq("failure"))
        .all(&db.db)
        .await
        .unwrap();
    assert_eq!(refusals.len(), 2);
}

#[tokio::test]
async fn operator_approved_onboarding_waits_for_an_operator() {
    let db = test_db().await;
    let ctx = RequestContext::default();
    let contoso = TenantId::parse(CONTOSO).unwrap();
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
    let policy = OnboardingPolicy {
        mode: OnboardingMode::OperatorApproved,
        ..OnboardingPolicy::default()
    };
    let outcome = confirm(&db, &policy, started.id, CONTOSO, CONTOSO, &[GLOBAL_ADMIN])
        .await
        .unwrap();
    assert!(matches!(outcome, OnboardingOutcome::AwaitingApproval(_)));
    assert!(!is_onboarded(&*db, &contoso).await.unwrap());
    // Listed on the operators' page, not expired even after the link's hour.
    let later = t0() + time::Duration::days(2);
    let pending = list_pending(&db, later).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].status, ONBOARDING_AWAITING_APPROVAL);
    assert!(!pending[0].expired);
    assert!(pending[0]
        .consented_by
        .as_deref()
        .unwrap()
        .contains("someone@example.com"));
    let approved = approve_onboarding(&db, started.id, Actor::CommandLine, &ctx, later)
        .await
        .unwrap();
    assert_eq!(approved.tenant_id, contoso);
    assert!(is_onboarded(&*db, &contoso).await.unwrap());
    let tenant = list(&db).await.unwrap().remove(0);
    assert!(tenant.onboarded_by.contains("someone@example.com"));
    assert!(list_pending(&db, later).await.unwrap().is_empty());
    let again = approve_onboarding(&db, started.id, Actor::CommandLine, &ctx, later).await;
    assert!(matches!(again, Err(TenantError::UnknownOnboarding)));
    // Only an onboarding awaiting approval can be approved: a started one cannot.
    let fresh = start_onboarding(&db, &name("Fabrikam"), t0())
        .await
        .unwrap();
    let refused = approve_onboarding(&db, fresh.id, Actor::CommandLine, &ctx, later).await;
    assert!(matches!(refused, Err(TenantError::UnknownOnboarding)));
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
        confirm(
            &db,
            &OnboardingPolicy::default(),
            started.id,
            tenant,
            tenant,
            &[GLOBAL_ADMIN],
        )
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
                    email_verified: false,
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
