#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Connections against a real database, the real vault and the real Demo vendor.

use std::collections::BTreeMap;

use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set, Statement};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    tools::{self, CallRefusal, ToolCache},
    *,
};
use crate::{
    audit::{Actor, RequestContext},
    crypto::MasterKey,
    entity::connections as rows,
    organizations::{self, NewInvitation, Plan, Role, DEFAULT_INVITATION_DAYS},
    outbound::{Outbound, OutboundSettings},
    testing::{test_db, TestDb},
    users::{self, DisplayName, Email, Identity, Profile, Provider, User},
    vault::Vault,
    vendors::{Catalog, Engine},
};

pub(super) fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000 + seconds).unwrap()
}

pub(super) fn ctx() -> RequestContext {
    RequestContext::default()
}

pub(super) async fn user(db: &DatabaseConnection, name: &str) -> User {
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

pub(super) fn deps(db: &TestDb) -> Deps {
    Deps {
        db: db.db.clone(),
        vault: Vault::new(MasterKey::from_bytes([7; 32]), None),
        engine: Engine::new(Outbound::new(OutboundSettings::default()).unwrap()),
        catalog: Catalog::load(None).unwrap(),
        allow_unchecked: false,
        portal_url: "https://gw.example.com".into(),
        oauth: Default::default(),
    }
}

const CANARY: &str = "demo-canary-7f3a9c1e2b";

pub(super) fn demo(slug: &str) -> ConnectionInput {
    ConnectionInput {
        vendor: "demo".into(),
        slug: slug.into(),
        name: String::new(),
        fields: demo_fields(CANARY),
    }
}

fn demo_fields(key: &str) -> BTreeMap<String, String> {
    let def = Catalog::load(None).unwrap();
    let def = def.get("demo").unwrap();
    def.form
        .iter()
        .map(|f| {
            (
                f.name.clone(),
                if f.name.contains("key") {
                    key.to_owned()
                } else {
                    f.default.clone().unwrap_or_default()
                },
            )
        })
        .collect()
}

/// An owner with a Pro organisation, an admin, and a member in team "Red".
pub(super) struct Org {
    pub(super) owner: User,
    admin: User,
    pub(super) member: User,
    red: Uuid,
    blue: Uuid,
}

pub(super) async fn pro_org(db: &DatabaseConnection) -> Org {
    let owner = user(db, "Olga").await;
    let (_, code) =
        organizations::create_invite_code(db, "t", Some(1), Actor::CommandLine, &ctx(), at(0))
            .await
            .unwrap();
    organizations::create(
        db,
        &owner,
        "Acme IT",
        Some(&code),
        Plan::Free,
        &ctx(),
        at(0),
    )
    .await
    .unwrap();
    let join = |role| NewInvitation {
        role,
        team_id: None,
        expires_in_days: DEFAULT_INVITATION_DAYS,
        max_uses: None,
    };
    let admin = user(db, "Adam").await;
    let member = user(db, "Mia").await;
    for (who, role) in [(&admin, Role::Admin), (&member, Role::Member)] {
        let link = organizations::create_invitation(db, &owner, join(role), &ctx(), at(1))
            .await
            .unwrap();
        organizations::accept_invitation(db, who, &link.token, &ctx(), at(2))
            .await
            .unwrap();
    }
    let red = organizations::create_team(db, &owner, "Red", &ctx(), at(3))
        .await
        .unwrap()
        .id;
    let blue = organizations::create_team(db, &owner, "Blue", &ctx(), at(3))
        .await
        .unwrap()
        .id;
    organizations::add_team_member(db, &owner, red, member.id, &ctx(), at(4))
        .await
        .unwrap();
    Org {
        owner,
        admin,
        member,
        red,
        blue,
    }
}

async fn dump(db: &DatabaseConnection) -> String {
    let backend = db.get_database_backend();
    let rows = db
        .query_all(Statement::from_string(
            backend,
            "SELECT * FROM connections".to_owned(),
        ))
        .await
        .unwrap();
    format!("{rows:?}")
}

#[tokio::test]
async fn a_demo_connection_is_checked_sealed_and_in_effect() {
    let db = test_db().await;
    let deps = deps(&db);
    let alice = user(&db, "Alice").await;
    let row = create(
        &deps,
        &alice,
        Placement::Personal,
        demo("demo"),
        &ctx(),
        at(10),
    )
    .await
    .unwrap();
    assert_eq!(row.status, "ok");
    assert_eq!(row.last_check_class.as_deref(), Some("authenticated"));
    assert!(
        !dump(&db).await.contains(CANARY),
        "the secret is stored sealed only"
    );
    assert!(!row.secret_hint.contains(&CANARY[..8]));
    let view = overview(&deps.db, alice.id).await.unwrap();
    assert_eq!(view.personal.len(), 1);
    assert_eq!(view.effective.len(), 1);
    assert_eq!(view.effective[0].slug, "demo");
    assert_eq!(view.effective[0].reason, Reason::Personal);
    // The credential decrypts for the call that needs it.
    let creds = super::store::credentials(&deps, &row, at(11))
        .await
        .unwrap();
    assert_eq!(
        secrecy::ExposeSecret::expose_secret(creds.secrets.values().next().unwrap()),
        CANARY
    );
}

#[tokio::test]
async fn bad_form_values_are_refused_per_field_and_nothing_is_stored() {
    let db = test_db().await;
    let deps = deps(&db);
    let alice = user(&db, "Alice").await;
    let mut input = demo("Bad Slug");
    input.fields = demo_fields("");
    match create(&deps, &alice, Placement::Personal, input, &ctx(), at(0)).await {
        Err(ConnectionError::Fields(fields)) => assert!(fields.contains_key("slug"), "{fields:?}"),
        other => panic!("{other:?}"),
    }
    let mut input = demo("demo");
    input.fields = demo_fields("");
    match create(&deps, &alice, Placement::Personal, input, &ctx(), at(0)).await {
        Err(ConnectionError::Fields(fields)) => assert_eq!(fields.len(), 1, "{fields:?}"),
        other => panic!("{other:?}"),
    }
    assert!(rows::Entity::find().all(&deps.db).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_free_plan_allows_three_personal_connections_and_slugs_are_unique() {
    let db = test_db().await;
    let deps = deps(&db);
    let alice = user(&db, "Alice").await;
    for slug in ["demo", "demo-two", "demo-three"] {
        create(
            &deps,
            &alice,
            Placement::Personal,
            demo(slug),
            &ctx(),
            at(0),
        )
        .await
        .unwrap();
    }
    assert!(matches!(
        create(
            &deps,
            &alice,
            Placement::Personal,
            demo("demo-four"),
            &ctx(),
            at(0)
        )
        .await,
        Err(ConnectionError::PlanLimit(_))
    ));
    delete(
        &deps,
        &alice,
        rows::Entity::find()
            .one(&deps.db)
            .await
            .unwrap()
            .unwrap()
            .id,
        &ctx(),
        at(1),
    )
    .await
    .unwrap();
    assert!(matches!(
        create(
            &deps,
            &alice,
            Placement::Personal,
            demo("demo-two"),
            &ctx(),
            at(2)
        )
        .await,
        Err(ConnectionError::SlugTaken(_))
    ));
}

#[tokio::test]
async fn shared_connections_need_an_owner_or_admin() {
    let db = test_db().await;
    let deps = deps(&db);
    let org = pro_org(&db).await;
    assert!(matches!(
        create(
            &deps,
            &org.member,
            Placement::Organization,
            demo("demo"),
            &ctx(),
            at(10)
        )
        .await,
        Err(ConnectionError::NotAllowed(_))
    ));
    assert!(matches!(
        create(
            &deps,
            &org.member,
            Placement::Team(org.red),
            demo("demo"),
            &ctx(),
            at(10)
        )
        .await,
        Err(ConnectionError::NotAllowed(_))
    ));
    create(
        &deps,
        &org.admin,
        Placement::Team(org.red),
        demo("demo"),
        &ctx(),
        at(10),
    )
    .await
    .unwrap();
    // A team of another organisation is not found.
    let stranger = user(&db, "Sam").await;
    organizations::create(&db, &stranger, "Other", None, Plan::Pro, &ctx(), at(0))
        .await
        .unwrap();
    assert!(matches!(
        create(
            &deps,
            &stranger,
            Placement::Team(org.red),
            demo("demo"),
            &ctx(),
            at(10)
        )
        .await,
        Err(ConnectionError::NotFound)
    ));
    // The member sees the team connection in effect; the owner (not in Red) does not use it.
    let member_view = overview(&deps.db, org.member.id).await.unwrap();
    assert_eq!(member_view.effective.len(), 1);
    assert!(matches!(
        member_view.effective[0].reason,
        Reason::OnlyTeam { .. }
    ));
    let owner_view = overview(&deps.db, org.owner.id).await.unwrap();
    assert!(owner_view.effective.is_empty());
    assert_eq!(owner_view.teams.len(), 2, "owners see every team");
}

#[tokio::test]
async fn other_peoples_connections_are_not_found_and_unchanged() {
    let db = test_db().await;
    let deps = deps(&db);
    let org = pro_org(&db).await;
    let alice = user(&db, "Alice").await;
    let mine = create(
        &deps,
        &alice,
        Placement::Personal,
        demo("demo"),
        &ctx(),
        at(10),
    )
    .await
    .unwrap();
    let shared = create(
        &deps,
        &org.owner,
        Placement::Team(org.blue),
        demo("demo"),
        &ctx(),
        at(10),
    )
    .await
    .unwrap();
    // Alice (no organisation) and the member (not in Blue) try the others' ids.
    for (who, id) in [
        (&alice, shared.id),
        (&org.member, shared.id),
        (&org.member, mine.id),
        (&org.owner, mine.id),
    ] {
        assert!(matches!(
            retest(&deps, who, id, &ctx(), at(20)).await,
            Err(ConnectionError::NotFound)
        ));
        assert!(matches!(
            delete(&deps, who, id, &ctx(), at(20)).await,
            Err(ConnectionError::NotFound)
        ));
        assert!(matches!(
            update(&deps, who, id, demo("stolen"), &ctx(), at(20)).await,
            Err(ConnectionError::NotFound)
        ));
        assert!(matches!(
            set_default(&deps, who, "demo", Some(id), &ctx(), at(20)).await,
            Err(ConnectionError::NotFound)
        ));
    }
    let after: Vec<rows::Model> = rows::Entity::find().all(&deps.db).await.unwrap();
    assert_eq!(after.len(), 2);
    assert!(after
        .iter()
        .all(|r| r.slug == "demo" && r.updated_at == at(10)));
    // A member cannot edit a team connection of their own team either (owners and admins do).
    let red = create(
        &deps,
        &org.admin,
        Placement::Team(org.red),
        demo("red"),
        &ctx(),
        at(11),
    )
    .await
    .unwrap();
    assert!(matches!(
        delete(&deps, &org.member, red.id, &ctx(), at(20)).await,
        Err(ConnectionError::NotAllowed(_))
    ));
    // …but may re-test it.
    retest(&deps, &org.member, red.id, &ctx(), at(20))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_ciphertext_moved_to_another_row_does_not_decrypt() {
    let db = test_db().await;
    let deps = deps(&db);
    let alice = user(&db, "Alice").await;
    let a = create(
        &deps,
        &alice,
        Placement::Personal,
        demo("one"),
        &ctx(),
        at(0),
    )
    .await
    .unwrap();
    let b = create(
        &deps,
        &alice,
        Placement::Personal,
        demo("two"),
        &ctx(),
        at(0),
    )
    .await
    .unwrap();
    let mut swapped: rows::ActiveModel = b.clone().into();
    swapped.secret_sealed = Set(a.secret_sealed.clone());
    swapped.update(&deps.db).await.unwrap();
    let b = rows::Entity::find_by_id(b.id)
        .one(&deps.db)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(
        super::store::credentials(&deps, &b, at(1)).await,
        Err(ConnectionError::Vault(_))
    ));
    let snapshot = tools::load(&deps, alice.id).await.unwrap();
    let result = tools::call(
        &deps,
        &snapshot,
        "two__list_companies",
        json!({}),
        true,
        at(1),
    )
    .await
    .unwrap();
    assert!(result.is_error);
    assert!(result.text.contains("Reconnect"), "{}", result.text);
    let integrity: Vec<_> = crate::entity::audit_events::Entity::find()
        .all(&deps.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "vault.integrity_failure")
        .collect();
    assert!(!integrity.is_empty(), "the integrity failure is audited");
    assert!(integrity
        .iter()
        .all(|e| e.target == format!("connection:{}", b.id)));
    let ok = tools::call(
        &deps,
        &snapshot,
        "one__list_companies",
        json!({}),
        true,
        at(1),
    )
    .await
    .unwrap();
    assert!(!ok.is_error, "{}", ok.text);
}

#[tokio::test]
async fn tools_are_prefixed_filtered_by_allowlists_and_guarded_by_scope() {
    let db = test_db().await;
    let deps = deps(&db);
    let org = pro_org(&db).await;
    create(
        &deps,
        &org.owner,
        Placement::Organization,
        demo("demo"),
        &ctx(),
        at(10),
    )
    .await
    .unwrap();
    let member_tools = tools::load(&deps, org.member.id).await.unwrap();
    let names: Vec<&str> = member_tools.tools.iter().map(|t| t.name.as_str()).collect();
    assert!(names.contains(&"demo__list_companies"), "{names:?}");
    assert!(names.contains(&"gateway__list_connections"));
    assert!(names.windows(2).all(|w| w[0] < w[1]), "stable order");
    assert!(names.iter().all(|n| n.len() <= 64
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')));
    let destructive = member_tools
        .tools
        .iter()
        .find(|t| t.destructive)
        .expect("the demo vendor has writes")
        .name
        .clone();
    assert_eq!(
        tools::call(&deps, &member_tools, &destructive, json!({}), false, at(11)).await,
        Err(CallRefusal::InsufficientScope)
    );
    assert_eq!(
        tools::call(&deps, &member_tools, "demo__nope", json!({}), true, at(11)).await,
        Err(CallRefusal::UnknownTool)
    );
    // Members may only list companies; owners are never restricted.
    set_allowlist(
        &deps.db,
        &deps.catalog,
        &org.admin,
        PolicySubject::Role(Role::Member),
        "demo",
        Some(vec!["list_companies".into()]),
        &ctx(),
        at(12),
    )
    .await
    .unwrap();
    let member_tools = tools::load(&deps, org.member.id).await.unwrap();
    let vendor_tools: Vec<&str> = member_tools
        .tools
        .iter()
        .map(|t| t.name.as_str())
        .filter(|n| n.starts_with("demo__"))
        .collect();
    assert_eq!(vendor_tools, ["demo__list_companies"]);
    let owner_tools = tools::load(&deps, org.owner.id).await.unwrap();
    assert!(owner_tools.tools.len() > member_tools.tools.len());
    // Members cannot change lists, and unknown tools are refused.
    assert!(matches!(
        set_allowlist(
            &deps.db,
            &deps.catalog,
            &org.member,
            PolicySubject::Organization,
            "demo",
            None,
            &ctx(),
            at(13)
        )
        .await,
        Err(ConnectionError::NotAllowed(_))
    ));
    assert!(matches!(
        set_allowlist(
            &deps.db,
            &deps.catalog,
            &org.owner,
            PolicySubject::Organization,
            "demo",
            Some(vec!["rm_rf".into()]),
            &ctx(),
            at(13)
        )
        .await,
        Err(ConnectionError::Fields(_))
    ));
    // Deny by default hides the vendor from members until the organisation lists its tools.
    set_tool_default(&deps.db, &org.owner, true, &ctx(), at(14))
        .await
        .unwrap();
    let member_tools = tools::load(&deps, org.member.id).await.unwrap();
    assert!(!member_tools
        .tools
        .iter()
        .any(|t| t.name.starts_with("demo__")));
}

#[tokio::test]
async fn a_demo_write_is_seen_by_a_later_read_and_the_meta_tools_answer() {
    let db = test_db().await;
    let deps = deps(&db);
    let alice = user(&db, "Alice").await;
    create(
        &deps,
        &alice,
        Placement::Personal,
        demo("demo"),
        &ctx(),
        at(0),
    )
    .await
    .unwrap();
    let cache = ToolCache::default();
    let snapshot = cache.get(&deps, alice.id).await.unwrap();
    let again = cache.get(&deps, alice.id).await.unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&snapshot, &again),
        "a warm snapshot is reused"
    );
    let listed = tools::call(
        &deps,
        &snapshot,
        "gateway__list_connections",
        json!({}),
        false,
        at(1),
    )
    .await
    .unwrap();
    assert!(
        listed.text.contains("\"prefix\": \"demo\""),
        "{}",
        listed.text
    );
    let found = tools::call(
        &deps,
        &snapshot,
        "gateway__search_tools",
        json!({"query": "ticket"}),
        false,
        at(1),
    )
    .await
    .unwrap();
    assert!(found.text.contains("demo__"), "{}", found.text);
    let mut rx = cache.subscribe();
    cache.invalidate_user(alice.id);
    assert_eq!(
        rx.try_recv().unwrap(),
        crate::mcp::ToolsChanged::User(alice.id)
    );
    let fresh = cache.get(&deps, alice.id).await.unwrap();
    assert!(!std::sync::Arc::ptr_eq(&snapshot, &fresh));
}

#[tokio::test]
async fn deleting_a_team_or_the_organisation_removes_its_connections_and_shreds_their_keys() {
    use sea_orm::{ColumnTrait, QueryFilter};
    let db = test_db().await;
    let deps = deps(&db);
    let org = pro_org(&db).await;
    let team = create(
        &deps,
        &org.owner,
        Placement::Team(org.blue),
        demo("blue"),
        &ctx(),
        at(10),
    )
    .await
    .unwrap();
    let shared = create(
        &deps,
        &org.owner,
        Placement::Organization,
        demo("demo"),
        &ctx(),
        at(10),
    )
    .await
    .unwrap();
    let personal = create(
        &deps,
        &org.member,
        Placement::Personal,
        demo("mine"),
        &ctx(),
        at(10),
    )
    .await
    .unwrap();
    let keys = |kind: &'static str, id: Uuid| {
        let db = deps.db.clone();
        async move {
            crate::entity::data_keys::Entity::find()
                .filter(crate::entity::data_keys::Column::ScopeKind.eq(kind))
                .filter(crate::entity::data_keys::Column::ScopeId.eq(id))
                .all(&db)
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(keys("team", org.blue).await, 1);
    organizations::delete_team(&db, &org.owner, org.blue, &ctx(), at(11))
        .await
        .unwrap();
    assert!(rows::Entity::find_by_id(team.id)
        .one(&deps.db)
        .await
        .unwrap()
        .is_none());
    assert_eq!(keys("team", org.blue).await, 0);
    let organization_id = shared.owner_id;
    assert_eq!(keys("organization", organization_id).await, 1);
    organizations::delete(&db, &org.owner, "Acme IT", &ctx(), at(12))
        .await
        .unwrap();
    assert!(rows::Entity::find_by_id(shared.id)
        .one(&deps.db)
        .await
        .unwrap()
        .is_none());
    assert_eq!(keys("organization", organization_id).await, 0);
    // A member's personal connection is theirs, not the organisation's: it stays and still works.
    let still = rows::Entity::find_by_id(personal.id)
        .one(&deps.db)
        .await
        .unwrap()
        .unwrap();
    super::store::credentials(&deps, &still, at(13))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_refused_default_keeps_the_one_chosen_before() {
    let db = test_db().await;
    let deps = deps(&db);
    let org = pro_org(&db).await;
    organizations::add_team_member(&db, &org.owner, org.blue, org.member.id, &ctx(), at(5))
        .await
        .unwrap();
    let red = create(
        &deps,
        &org.owner,
        Placement::Team(org.red),
        demo("demo"),
        &ctx(),
        at(10),
    )
    .await
    .unwrap();
    create(
        &deps,
        &org.owner,
        Placement::Team(org.blue),
        demo("demo"),
        &ctx(),
        at(10),
    )
    .await
    .unwrap();
    set_default(&deps, &org.member, "demo", Some(red.id), &ctx(), at(11))
        .await
        .unwrap();
    let stranger = create(
        &deps,
        &org.owner,
        Placement::Personal,
        demo("demo"),
        &ctx(),
        at(12),
    )
    .await
    .unwrap();
    assert!(matches!(
        set_default(
            &deps,
            &org.member,
            "demo",
            Some(stranger.id),
            &ctx(),
            at(13)
        )
        .await,
        Err(ConnectionError::NotFound)
    ));
    let view = overview(&deps.db, org.member.id).await.unwrap();
    assert_eq!(view.effective[0].chosen_default, Some(red.id));
    assert_eq!(view.effective[0].connection_id, red.id);
}
