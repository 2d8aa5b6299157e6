#![allow(clippy::unwrap_used, clippy::expect_used)]

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::*;
use crate::{
    audit::{self, AuditFilter},
    entity::audit_events,
    testing::test_db,
    users::{self, DisplayName, Email, Identity, Profile, Provider},
};

fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000 + seconds).unwrap()
}

const DAY: i64 = 86_400;

async fn user(db: &DatabaseConnection, name: &str) -> User {
    let email = format!("{}@example.com", name.to_lowercase());
    users::sign_in(
        db,
        &Identity {
            provider: Provider::Dev,
            issuer: "dev".into(),
            subject: email.clone(),
        },
        &Profile {
            display_name: DisplayName::parse(name).unwrap(),
            email: Some(Email::parse(&email).unwrap()),
            email_verified: false,
        },
        at(0),
    )
    .await
    .unwrap()
}

fn ctx() -> RequestContext {
    RequestContext {
        request_id: Some("req-1".into()),
        ip: Some("192.0.2.1".into()),
    }
}

/// The actions of the organisation's audit rows, oldest first.
async fn actions(db: &DatabaseConnection, organization_id: Uuid) -> Vec<(String, String)> {
    audit_events::Entity::find()
        .filter(audit_events::Column::OrganizationId.eq(organization_id))
        .order_by_asc(audit_events::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.outcome))
        .collect()
}

async fn pro_code(db: &DatabaseConnection, max_uses: Option<u32>) -> String {
    create_invite_code(db, "pilot", max_uses, Actor::CommandLine, &ctx(), at(0))
        .await
        .unwrap()
        .1
}

async fn pro_org(db: &DatabaseConnection, owner: &User) -> Organization {
    let code = pro_code(db, Some(1)).await;
    create(db, owner, "Acme IT", Some(&code), Plan::Free, &ctx(), at(0))
        .await
        .unwrap()
}

fn invite(role: Role) -> NewInvitation {
    NewInvitation {
        role,
        team_id: None,
        expires_in_days: DEFAULT_INVITATION_DAYS,
        max_uses: None,
    }
}

#[tokio::test]
async fn creating_a_team_makes_the_creator_its_owner_on_the_default_plan_with_an_audit_row() {
    let db = test_db().await;
    let ada = user(&db, "Ada").await;
    let org = create(&db, &ada, "  Acme   IT ", None, Plan::Free, &ctx(), at(0))
        .await
        .unwrap();
    assert_eq!(org.name, "Acme IT");
    assert_eq!(org.plan, Plan::Free);
    let m = membership(&*db, ada.id).await.unwrap().unwrap();
    assert_eq!((m.role, m.organization.id), (Role::Owner, org.id));
    assert_eq!(
        actions(&db, org.id).await,
        [("organization.create".into(), "success".into())]
    );
    let row = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("organization.create"))
        .one(&*db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.actor_user_id, Some(ada.id));
    assert_eq!(row.request_id.as_deref(), Some("req-1"));
    assert_eq!(row.ip.as_deref(), Some("192.0.2.1"));
    // One organisation per person.
    let again = create(&db, &ada, "Second", None, Plan::Free, &ctx(), at(1)).await;
    assert!(matches!(again, Err(OrgError::AlreadyInOrganization(name)) if name == "Acme IT"));
}

#[tokio::test]
async fn the_default_plan_is_the_operators_choice_over_the_configuration() {
    let db = test_db().await;
    assert_eq!(default_plan(&*db, Plan::Free).await.unwrap(), Plan::Free);
    set_default_plan(&db, Plan::Pro, Actor::CommandLine, &ctx(), at(0))
        .await
        .unwrap();
    assert_eq!(default_plan(&*db, Plan::Free).await.unwrap(), Plan::Pro);
    let ada = user(&db, "Ada").await;
    let org = create(&db, &ada, "Acme", None, Plan::Free, &ctx(), at(0))
        .await
        .unwrap();
    assert_eq!(org.plan, Plan::Pro);
    set_default_plan(&db, Plan::Free, Actor::CommandLine, &ctx(), at(1))
        .await
        .unwrap();
    assert_eq!(default_plan(&*db, Plan::Pro).await.unwrap(), Plan::Free);
}

#[tokio::test]
async fn an_invite_code_makes_the_team_pro_once_per_use_and_a_bad_code_creates_nothing() {
    let db = test_db().await;
    let (ada, bob, cy) = (
        user(&db, "Ada").await,
        user(&db, "Bob").await,
        user(&db, "Cy").await,
    );
    let code = pro_code(&db, Some(1)).await;
    // Typed in lower case with spaces: still the code.
    let typed = code.to_lowercase().replace('-', " ");
    let org = create(&db, &ada, "Acme", Some(&typed), Plan::Free, &ctx(), at(0))
        .await
        .unwrap();
    assert_eq!(org.plan, Plan::Pro);
    // Used up: Bob's creation is refused and nothing is created.
    let refused = create(&db, &bob, "Bobco", Some(&code), Plan::Free, &ctx(), at(1)).await;
    assert!(
        matches!(&refused, Err(OrgError::Invalid(m)) if m.contains("not valid")),
        "{refused:?}"
    );
    assert!(membership(&*db, bob.id).await.unwrap().is_none());
    assert_eq!(
        organizations::Entity::find().all(&*db).await.unwrap().len(),
        1
    );
    // Revoked codes are refused too; the organisation that used it stays Pro.
    let (listed, second) = {
        let (row, code) =
            create_invite_code(&db, "second", None, Actor::CommandLine, &ctx(), at(0))
                .await
                .unwrap();
        (row, code)
    };
    revoke_invite_code(&db, listed.id, Actor::CommandLine, &ctx(), at(2))
        .await
        .unwrap();
    revoke_invite_code(&db, listed.id, Actor::CommandLine, &ctx(), at(3))
        .await
        .unwrap();
    assert!(
        create(&db, &cy, "Cyco", Some(&second), Plan::Free, &ctx(), at(4))
            .await
            .is_err()
    );
    let codes = list_invite_codes(&db).await.unwrap();
    assert_eq!(codes.iter().filter(|c| c.is_usable()).count(), 0);
    assert_eq!(codes.iter().map(|c| c.uses).sum::<u32>(), 1);
    // No code is stored in clear.
    let stored = crate::entity::invite_codes::Entity::find()
        .all(&*db)
        .await
        .unwrap();
    assert!(stored
        .iter()
        .all(|c| !c.code_hash.contains(&code) && c.code_hash.len() == 64));
}

#[tokio::test]
async fn an_owner_upgrades_a_free_team_with_a_code() {
    let db = test_db().await;
    let ada = user(&db, "Ada").await;
    let org = create(&db, &ada, "Acme", None, Plan::Free, &ctx(), at(0))
        .await
        .unwrap();
    let refused = create_team(&db, &ada, "Desk", &ctx(), at(1)).await;
    assert!(
        matches!(&refused, Err(OrgError::PlanLimit(m)) if m.starts_with("Teams are part of the Pro plan")),
        "{refused:?}"
    );
    assert!(upgrade_with_code(&db, &ada, "PRO-WRONG", &ctx(), at(1))
        .await
        .is_err());
    let code = pro_code(&db, None).await;
    upgrade_with_code(&db, &ada, &code, &ctx(), at(2))
        .await
        .unwrap();
    assert_eq!(
        membership(&*db, ada.id)
            .await
            .unwrap()
            .unwrap()
            .organization
            .plan,
        Plan::Pro
    );
    create_team(&db, &ada, "Desk", &ctx(), at(3)).await.unwrap();
    assert!(actions(&db, org.id)
        .await
        .contains(&("plan.change".into(), "success".into())));
}

#[tokio::test]
async fn free_teams_cannot_invite_and_a_link_from_a_downgraded_team_respects_the_member_limit() {
    let db = test_db().await;
    let (ada, bob) = (user(&db, "Ada").await, user(&db, "Bob").await);
    let org = pro_org(&db, &ada).await;
    let link = create_invitation(&db, &ada, invite(Role::Member), &ctx(), at(0))
        .await
        .unwrap();
    set_plan(&db, org.id, Plan::Free, Actor::CommandLine, &ctx(), at(1))
        .await
        .unwrap();
    // Free: one member (the owner), so the link cannot be used — at the boundary.
    let refused = accept_invitation(&db, &bob, &link.token, &ctx(), at(2)).await;
    assert!(
        matches!(
            &refused,
            Err(OrgError::Invitation(InvitationProblem::MemberLimit {
                limit: 1,
                ..
            }))
        ),
        "{refused:?}"
    );
    assert!(membership(&*db, bob.id).await.unwrap().is_none());
    let refused = create_invitation(&db, &ada, invite(Role::Member), &ctx(), at(2)).await;
    assert!(
        matches!(&refused, Err(OrgError::PlanLimit(m)) if m.starts_with("Invite links are part of the Pro plan"))
    );
    // Back on Pro the same link works.
    set_plan(&db, org.id, Plan::Pro, Actor::CommandLine, &ctx(), at(3))
        .await
        .unwrap();
    accept_invitation(&db, &bob, &link.token, &ctx(), at(4))
        .await
        .unwrap();
    assert_eq!(list_members(&db, org.id).await.unwrap().len(), 2);
}

#[tokio::test]
async fn an_invitation_is_accepted_once_per_use_and_each_refusal_is_named() {
    let db = test_db().await;
    let ada = user(&db, "Ada").await;
    let (bob, cy, dee) = (
        user(&db, "Bob").await,
        user(&db, "Cy").await,
        user(&db, "Dee").await,
    );
    let org = pro_org(&db, &ada).await;
    let desk = create_team(&db, &ada, "Service Desk", &ctx(), at(0))
        .await
        .unwrap();
    let link = create_invitation(
        &db,
        &ada,
        NewInvitation {
            role: Role::Admin,
            team_id: Some(desk.id),
            expires_in_days: 7,
            max_uses: Some(1),
        },
        &ctx(),
        at(0),
    )
    .await
    .unwrap();
    // Only the hash is stored.
    let stored = crate::entity::invitations::Entity::find()
        .one(&*db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(stored.token_hash, link.token);
    assert_eq!(stored.token_hash, token_hash(&link.token));

    let preview = look_up_invitation(&db, &bob, &link.token, at(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            preview.organization_name.as_str(),
            preview.inviter_name.as_str(),
            preview.role
        ),
        ("Acme IT", "Ada", Role::Admin)
    );
    assert_eq!(preview.team.as_deref(), Some("Service Desk"));

    accept_invitation(&db, &bob, &link.token, &ctx(), at(2))
        .await
        .unwrap();
    let bob_m = membership(&*db, bob.id).await.unwrap().unwrap();
    assert_eq!((bob_m.role, bob_m.organization.id), (Role::Admin, org.id));
    assert_eq!(
        list_teams(&db, org.id).await.unwrap()[0].members,
        [(bob.id, "Bob".to_owned())]
    );

    // Reuse by the same person, and by another once used up.
    let again = accept_invitation(&db, &bob, &link.token, &ctx(), at(3)).await;
    assert!(matches!(
        again,
        Err(OrgError::Invitation(
            InvitationProblem::AlreadyMember { .. }
        ))
    ));
    let used_up = accept_invitation(&db, &cy, &link.token, &ctx(), at(3)).await;
    assert!(matches!(
        used_up,
        Err(OrgError::Invitation(InvitationProblem::UsedUp { .. }))
    ));

    // Expiry at the boundary: valid one second before, expired at the instant.
    let week = create_invitation(&db, &ada, invite(Role::Member), &ctx(), at(0))
        .await
        .unwrap();
    assert!(look_up_invitation(&db, &cy, &week.token, at(7 * DAY - 1))
        .await
        .unwrap()
        .is_ok());
    let expired = accept_invitation(&db, &cy, &week.token, &ctx(), at(7 * DAY)).await;
    assert!(matches!(
        expired,
        Err(OrgError::Invitation(InvitationProblem::Expired { .. }))
    ));

    // Revoked.
    let revoked = create_invitation(&db, &ada, invite(Role::Member), &ctx(), at(0))
        .await
        .unwrap();
    revoke_invitation(&db, &ada, revoked.invitation.id, &ctx(), at(5))
        .await
        .unwrap();
    let refused = accept_invitation(&db, &cy, &revoked.token, &ctx(), at(6)).await;
    assert!(matches!(
        refused,
        Err(OrgError::Invitation(InvitationProblem::Revoked { .. }))
    ));

    // In another organisation.
    let other = create(&db, &dee, "Dee's shop", None, Plan::Free, &ctx(), at(0))
        .await
        .unwrap();
    let fresh = create_invitation(&db, &ada, invite(Role::Member), &ctx(), at(0))
        .await
        .unwrap();
    let refused = accept_invitation(&db, &dee, &fresh.token, &ctx(), at(1)).await;
    assert!(
        matches!(&refused, Err(OrgError::Invitation(InvitationProblem::InAnotherOrganization { current, .. })) if current == "Dee's shop")
    );
    assert_eq!(
        membership(&*db, dee.id)
            .await
            .unwrap()
            .unwrap()
            .organization
            .id,
        other.id
    );

    // Not a link at all.
    assert_eq!(
        look_up_invitation(&db, &cy, "nope", at(1)).await.unwrap(),
        Err(InvitationProblem::NotFound)
    );

    let statuses: Vec<_> = list_invitations(&db, org.id, at(7 * DAY))
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.status)
        .collect();
    assert!(
        statuses.contains(&InvitationStatus::UsedUp)
            && statuses.contains(&InvitationStatus::Revoked)
            && statuses.contains(&InvitationStatus::Expired)
    );
    let log = actions(&db, org.id).await;
    for expected in [
        ("invitation.create", "success"),
        ("invitation.accept", "success"),
        ("invitation.accept", "failure"),
        ("invitation.revoke", "success"),
    ] {
        assert!(
            log.contains(&(expected.0.into(), expected.1.into())),
            "{expected:?} in {log:?}"
        );
    }
}

#[tokio::test]
async fn concurrent_acceptances_never_exceed_max_uses() {
    let db = test_db().await;
    let ada = user(&db, "Ada").await;
    pro_org(&db, &ada).await;
    let link = create_invitation(
        &db,
        &ada,
        NewInvitation {
            max_uses: Some(2),
            ..invite(Role::Member)
        },
        &ctx(),
        at(0),
    )
    .await
    .unwrap();
    let mut people = Vec::new();
    for i in 0..6 {
        people.push(user(&db, &format!("Person{i}")).await);
    }
    let results = futures_join(&db, &people, &link.token).await;
    assert_eq!(results.iter().filter(|ok| **ok).count(), 2, "{results:?}");
}

async fn futures_join(db: &DatabaseConnection, people: &[User], token: &str) -> Vec<bool> {
    let mut handles = Vec::new();
    for person in people {
        let (db, person, token) = (db.clone(), person.clone(), token.to_owned());
        handles.push(tokio::spawn(async move {
            accept_invitation(&db, &person, &token, &ctx(), at(1))
                .await
                .is_ok()
        }));
    }
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.unwrap());
    }
    results
}

#[tokio::test]
async fn roles_and_ownership_follow_the_rules() {
    let db = test_db().await;
    let (ada, bob, cy) = (
        user(&db, "Ada").await,
        user(&db, "Bob").await,
        user(&db, "Cy").await,
    );
    let org = pro_org(&db, &ada).await;
    for person in [&bob, &cy] {
        let link = create_invitation(&db, &ada, invite(Role::Member), &ctx(), at(0))
            .await
            .unwrap();
        accept_invitation(&db, person, &link.token, &ctx(), at(1))
            .await
            .unwrap();
    }
    // A member cannot manage; an admin can, but not the owner nor themselves.
    assert!(matches!(
        change_role(&db, &bob, cy.id, Role::Admin, &ctx(), at(2)).await,
        Err(OrgError::NotAllowed(_))
    ));
    change_role(&db, &ada, bob.id, Role::Admin, &ctx(), at(2))
        .await
        .unwrap();
    assert!(matches!(
        change_role(&db, &bob, ada.id, Role::Member, &ctx(), at(3)).await,
        Err(OrgError::NotAllowed(_))
    ));
    assert!(matches!(
        change_role(&db, &bob, bob.id, Role::Member, &ctx(), at(3)).await,
        Err(OrgError::NotAllowed(_))
    ));
    assert!(matches!(
        change_role(&db, &ada, cy.id, Role::Owner, &ctx(), at(3)).await,
        Err(OrgError::Invalid(_))
    ));
    assert!(matches!(
        remove_member(&db, &bob, ada.id, &ctx(), at(3)).await,
        Err(OrgError::NotAllowed(_))
    ));
    // The owner cannot leave; a transfer makes them an admin who then can.
    assert!(matches!(
        leave(&db, &ada, &ctx(), at(3)).await,
        Err(OrgError::NotAllowed(_))
    ));
    assert!(matches!(
        transfer_ownership(&db, &bob, cy.id, &ctx(), at(3)).await,
        Err(OrgError::NotAllowed(_))
    ));
    transfer_ownership(&db, &ada, cy.id, &ctx(), at(4))
        .await
        .unwrap();
    let roles: Vec<_> = list_members(&db, org.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.display_name, m.role))
        .collect();
    assert_eq!(
        roles,
        [
            ("Cy".into(), Role::Owner),
            ("Ada".into(), Role::Admin),
            ("Bob".into(), Role::Admin)
        ]
    );
    leave(&db, &ada, &ctx(), at(5)).await.unwrap();
    assert!(membership(&*db, ada.id).await.unwrap().is_none());
    remove_member(&db, &cy, bob.id, &ctx(), at(6))
        .await
        .unwrap();
    assert!(matches!(
        remove_member(&db, &cy, bob.id, &ctx(), at(7)).await,
        Err(OrgError::NotFound(_))
    ));
    let log = actions(&db, org.id).await;
    for expected in [
        "member.role_change",
        "organization.transfer_ownership",
        "member.leave",
        "member.remove",
    ] {
        assert!(
            log.iter().any(|(a, o)| a == expected && o == "success"),
            "{expected} in {log:?}"
        );
    }
}

#[tokio::test]
async fn ids_of_another_organisation_are_not_found() {
    let db = test_db().await;
    let (ada, eve) = (user(&db, "Ada").await, user(&db, "Eve").await);
    let bob = user(&db, "Bob").await;
    let acme = pro_org(&db, &ada).await;
    let link = create_invitation(&db, &ada, invite(Role::Member), &ctx(), at(0))
        .await
        .unwrap();
    accept_invitation(&db, &bob, &link.token, &ctx(), at(0))
        .await
        .unwrap();
    let desk = create_team(&db, &ada, "Desk", &ctx(), at(0)).await.unwrap();
    let code = pro_code(&db, None).await;
    create(
        &db,
        &eve,
        "Evil Corp",
        Some(&code),
        Plan::Free,
        &ctx(),
        at(0),
    )
    .await
    .unwrap();
    // Eve is an owner, but of another organisation: Acme's ids are "not found" to her.
    assert!(matches!(
        remove_member(&db, &eve, bob.id, &ctx(), at(1)).await,
        Err(OrgError::NotFound(_))
    ));
    assert!(matches!(
        change_role(&db, &eve, bob.id, Role::Admin, &ctx(), at(1)).await,
        Err(OrgError::NotFound(_))
    ));
    assert!(matches!(
        transfer_ownership(&db, &eve, bob.id, &ctx(), at(1)).await,
        Err(OrgError::NotFound(_))
    ));
    assert!(matches!(
        delete_team(&db, &eve, desk.id, &ctx(), at(1)).await,
        Err(OrgError::NotFound(_))
    ));
    assert!(matches!(
        add_team_member(&db, &eve, desk.id, eve.id, &ctx(), at(1)).await,
        Err(OrgError::NotFound(_))
    ));
    assert!(matches!(
        revoke_invitation(&db, &eve, link.invitation.id, &ctx(), at(1)).await,
        Err(OrgError::NotFound(_))
    ));
    let eves_team = create_team(&db, &eve, "Ops", &ctx(), at(1)).await.unwrap();
    assert!(matches!(
        add_team_member(&db, &eve, eves_team.id, bob.id, &ctx(), at(1)).await,
        Err(OrgError::NotFound(_))
    ));
    // Nothing changed in Acme.
    assert_eq!(list_members(&db, acme.id).await.unwrap().len(), 2);
    assert_eq!(list_teams(&db, acme.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn teams_have_unique_names_and_members_of_the_organisation_only() {
    let db = test_db().await;
    let (ada, bob) = (user(&db, "Ada").await, user(&db, "Bob").await);
    let org = pro_org(&db, &ada).await;
    let desk = create_team(&db, &ada, "Service Desk", &ctx(), at(0))
        .await
        .unwrap();
    let dup = create_team(&db, &ada, "service  desk", &ctx(), at(1)).await;
    assert!(
        matches!(&dup, Err(OrgError::Invalid(m)) if m.contains("already exists")),
        "{dup:?}"
    );
    assert!(matches!(
        add_team_member(&db, &ada, desk.id, bob.id, &ctx(), at(1)).await,
        Err(OrgError::NotFound(_))
    ));
    add_team_member(&db, &ada, desk.id, ada.id, &ctx(), at(1))
        .await
        .unwrap();
    assert!(matches!(
        add_team_member(&db, &ada, desk.id, ada.id, &ctx(), at(1)).await,
        Err(OrgError::Invalid(_))
    ));
    remove_team_member(&db, &ada, desk.id, ada.id, &ctx(), at(2))
        .await
        .unwrap();
    delete_team(&db, &ada, desk.id, &ctx(), at(3))
        .await
        .unwrap();
    assert!(list_teams(&db, org.id).await.unwrap().is_empty());
    let log = actions(&db, org.id).await;
    for expected in [
        "team.create",
        "team.member_add",
        "team.member_remove",
        "team.delete",
    ] {
        assert!(
            log.iter().any(|(a, _)| a == expected),
            "{expected} in {log:?}"
        );
    }
}

#[tokio::test]
async fn deleting_needs_the_typed_name_and_removes_everything_but_the_audit_rows() {
    let db = test_db().await;
    let (ada, bob) = (user(&db, "Ada").await, user(&db, "Bob").await);
    let org = pro_org(&db, &ada).await;
    let link = create_invitation(&db, &ada, invite(Role::Member), &ctx(), at(0))
        .await
        .unwrap();
    accept_invitation(&db, &bob, &link.token, &ctx(), at(0))
        .await
        .unwrap();
    let desk = create_team(&db, &ada, "Desk", &ctx(), at(0)).await.unwrap();
    add_team_member(&db, &ada, desk.id, bob.id, &ctx(), at(0))
        .await
        .unwrap();
    assert!(matches!(
        delete(&db, &bob, "Acme IT", &ctx(), at(1)).await,
        Err(OrgError::NotAllowed(_))
    ));
    assert!(matches!(
        delete(&db, &ada, "acme it", &ctx(), at(1)).await,
        Err(OrgError::Invalid(_))
    ));
    delete(&db, &ada, "Acme IT", &ctx(), at(2)).await.unwrap();
    assert!(membership(&*db, ada.id).await.unwrap().is_none());
    assert!(membership(&*db, bob.id).await.unwrap().is_none());
    assert!(crate::entity::teams::Entity::find()
        .all(&*db)
        .await
        .unwrap()
        .is_empty());
    assert!(crate::entity::team_members::Entity::find()
        .all(&*db)
        .await
        .unwrap()
        .is_empty());
    assert!(crate::entity::invitations::Entity::find()
        .all(&*db)
        .await
        .unwrap()
        .is_empty());
    let log = actions(&db, org.id).await;
    assert_eq!(
        log.last(),
        Some(&("organization.delete".into(), "success".into()))
    );
    assert!(log.len() > 4);
    // The link is gone with it.
    assert_eq!(
        look_up_invitation(&db, &bob, &link.token, at(3))
            .await
            .unwrap(),
        Err(InvitationProblem::NotFound)
    );
}

#[tokio::test]
async fn sign_ins_of_members_land_in_their_organisations_log_and_the_log_filters_pages_and_exports()
{
    let db = test_db().await;
    let (ada, eve) = (user(&db, "Ada").await, user(&db, "=HYPERLINK(1)").await);
    let org = pro_org(&db, &ada).await;
    create(&db, &eve, "Eve's shop", None, Plan::Free, &ctx(), at(0))
        .await
        .unwrap();
    for i in 0..60 {
        audit::record(
            &*db,
            audit::AuditEvent {
                actor: organizations_actor(&ada),
                action: "auth.sign_in",
                target: "provider:dev".into(),
                outcome: audit::Outcome::Success,
                detail: None,
            },
            &ctx(),
            at(DAY * (i % 3) + i),
        )
        .await
        .unwrap();
    }
    let all = audit::list(&db, org.id, &AuditFilter::default(), 1)
        .await
        .unwrap();
    assert_eq!((all.total, all.pages, all.events.len()), (61, 2, 50));
    assert!(all
        .events
        .windows(2)
        .all(|w| w[0].occurred_at >= w[1].occurred_at));
    let last = audit::list(&db, org.id, &AuditFilter::default(), 99)
        .await
        .unwrap();
    assert_eq!((last.page, last.events.len()), (2, 11));
    let sign_ins = AuditFilter {
        action: Some("auth.sign_in".into()),
        ..AuditFilter::default()
    };
    assert_eq!(
        audit::list(&db, org.id, &sign_ins, 1).await.unwrap().total,
        60
    );
    let day_two = AuditFilter {
        from: Some(at(DAY).date()),
        to: Some(at(DAY).date()),
        ..sign_ins.clone()
    };
    assert_eq!(
        audit::list(&db, org.id, &day_two, 1).await.unwrap().total,
        20
    );
    let by_eve = AuditFilter {
        actor_user_id: Some(eve.id),
        ..AuditFilter::default()
    };
    assert_eq!(
        audit::list(&db, org.id, &by_eve, 1).await.unwrap().total,
        0,
        "Eve's events are in her organisation only"
    );

    // The export round-trips through a CSV reader, row for row.
    let csv_text = audit::export_csv(&db, org.id, &AuditFilter::default())
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let everything = audit_events::Entity::find()
        .filter(audit_events::Column::OrganizationId.eq(org.id))
        .order_by_desc(audit_events::Column::OccurredAt)
        .order_by_desc(audit_events::Column::Id)
        .all(&*db)
        .await
        .unwrap();
    assert_eq!(rows.len(), everything.len());
    for (row, event) in rows.iter().zip(&everything) {
        assert_eq!(&row[1], event.actor);
        assert_eq!(&row[3], event.action);
        assert_eq!(&row[4], event.target);
        assert_eq!(&row[6], event.detail.as_deref().unwrap_or_default());
        assert_eq!(&row[8], event.ip.as_deref().unwrap_or_default());
    }
    // Eve's organisation: a name that a spreadsheet would run as a formula is neutralised.
    let eves = membership(&*db, eve.id)
        .await
        .unwrap()
        .unwrap()
        .organization
        .id;
    let eve_csv = audit::export_csv(&db, eves, &AuditFilter::default())
        .await
        .unwrap();
    assert_eq!(eve_csv.lines().count(), 2, "{eve_csv}");
    assert!(eve_csv.contains(",'=HYPERLINK(1),"), "{eve_csv}");

    // Retention.
    let purged = audit::purge_older_than(&db, at(DAY)).await.unwrap();
    assert!(purged >= 20);
    assert!(audit_events::Entity::find()
        .all(&*db)
        .await
        .unwrap()
        .iter()
        .all(|e| e.occurred_at >= at(DAY)));
}

fn organizations_actor(user: &User) -> Actor {
    Actor::user(user)
}
