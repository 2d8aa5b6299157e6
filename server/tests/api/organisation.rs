//! Organisations over HTTP: the authorisation matrix (every role, a non-member and another
//! organisation's owner × every action, through the server functions with real ids), plan limits,
//! invite codes, invite links and their pages, immediate effect of removals, and the audit log's
//! CSV export.

use domain::{
    audit::Actor,
    organizations::{self as orgs, NewInvitation, Plan, Role},
    users::User,
    OffsetDateTime,
};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use crate::helpers::{location, spawn_app, Browser, TestApp};

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

async fn pro_code(app: &TestApp) -> String {
    orgs::create_invite_code(
        &app.db.db,
        "tests",
        None,
        Actor::CommandLine,
        &Default::default(),
        now(),
    )
    .await
    .unwrap()
    .1
}

async fn join(app: &TestApp, inviter: &User, person: &User, role: Role) {
    let link = orgs::create_invitation(
        &app.db.db,
        inviter,
        NewInvitation {
            role,
            team_id: None,
            expires_in_days: 7,
            max_uses: Some(1),
        },
        &Default::default(),
        now(),
    )
    .await
    .unwrap();
    orgs::accept_invitation(&app.db.db, person, &link.token, &Default::default(), now())
        .await
        .unwrap();
}

/// Acme (Pro): owner, admin, member and a target member in team "Desk", one active invite
/// link; Other (Pro) with its owner; and a person in no organisation. Everyone unique per `case`.
pub(crate) struct Fixture {
    pub owner: (Browser, User),
    pub admin: (Browser, User),
    pub member: (Browser, User),
    pub outsider: (Browser, User),
    pub other_owner: (Browser, User),
    pub target: User,
    pub acme: uuid::Uuid,
    pub desk: uuid::Uuid,
    pub invitation: uuid::Uuid,
}

impl Fixture {
    pub async fn new(app: &TestApp, case: usize) -> Self {
        let person = |role: &str| {
            (
                format!("{role} {case}"),
                format!("{role}{case}@example.com"),
            )
        };
        let mut browsers = Vec::new();
        for role in ["Owner", "Admin", "Member", "Outsider", "Other", "Target"] {
            let (name, email) = person(role);
            browsers.push(app.browser(&name, &email).await);
        }
        let target = browsers.pop().unwrap().1;
        let other_owner = browsers.pop().unwrap();
        let outsider = browsers.pop().unwrap();
        let member = browsers.pop().unwrap();
        let admin = browsers.pop().unwrap();
        let owner = browsers.pop().unwrap();
        let db = &app.db.db;
        let ctx = Default::default();
        let acme = orgs::create(
            db,
            &owner.1,
            "Acme",
            Some(&pro_code(app).await),
            Plan::Free,
            &ctx,
            now(),
        )
        .await
        .unwrap();
        orgs::create(
            db,
            &other_owner.1,
            "Other",
            Some(&pro_code(app).await),
            Plan::Free,
            &ctx,
            now(),
        )
        .await
        .unwrap();
        join(app, &owner.1, &admin.1, Role::Admin).await;
        join(app, &owner.1, &member.1, Role::Member).await;
        join(app, &owner.1, &target, Role::Member).await;
        let desk = orgs::create_team(db, &owner.1, "Desk", &ctx, now())
            .await
            .unwrap();
        orgs::add_team_member(db, &owner.1, desk.id, target.id, &ctx, now())
            .await
            .unwrap();
        let invitation = orgs::create_invitation(
            db,
            &owner.1,
            NewInvitation {
                role: Role::Member,
                team_id: None,
                expires_in_days: 7,
                max_uses: None,
            },
            &ctx,
            now(),
        )
        .await
        .unwrap()
        .invitation
        .id;
        Self {
            owner,
            admin,
            member,
            outsider,
            other_owner,
            target,
            acme: acme.id,
            desk: desk.id,
            invitation,
        }
    }

    fn actor(&self, index: usize) -> &Browser {
        [
            &self.owner.0,
            &self.admin.0,
            &self.member.0,
            &self.outsider.0,
            &self.other_owner.0,
        ][index]
    }
}

/// What Acme looks like, to tell whether an action changed it.
async fn acme_state(app: &TestApp, f: &Fixture) -> String {
    let db = &app.db.db;
    let members = orgs::list_members(db, f.acme).await.unwrap();
    let teams = orgs::list_teams(db, f.acme).await.unwrap();
    let invitations = orgs::list_invitations(db, f.acme, now()).await.unwrap();
    let organization = domain::entity::organizations::Entity::find_by_id(f.acme)
        .one(db)
        .await
        .unwrap();
    format!(
        "{:?}|{:?}|{:?}|{:?}",
        members
            .iter()
            .map(|m| (m.user_id, m.role, m.teams.clone()))
            .collect::<Vec<_>>(),
        teams
            .iter()
            .map(|t| (t.id, t.members.clone()))
            .collect::<Vec<_>>(),
        invitations
            .iter()
            .map(|i| (i.id, i.status))
            .collect::<Vec<_>>(),
        organization.map(|o| (o.name, o.plan)),
    )
}

const OK: u16 = 200;
const BAD: u16 = 400;
const DENIED: u16 = 403;
const GONE: u16 = 404;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_and_outsider_against_every_action_is_decided_on_the_server() {
    let app = spawn_app().await;
    // (endpoint, form builder, expected status for owner, admin, member, outsider, other
    // organisation's owner, whether an allowed call changes Acme). Another organisation's owner
    // sends Acme's ids: they are "not found" (IDOR), or the action applies to their own
    // organisation and Acme is untouched.
    type Form = fn(&Fixture) -> Vec<(&'static str, String)>;
    let cases: Vec<(&str, Form, [u16; 5], bool)> = vec![
        (
            "organization/overview",
            |_| vec![],
            [OK, OK, OK, OK, OK],
            false,
        ),
        (
            "organization/member_role",
            |f| {
                vec![
                    ("user_id", f.target.id.to_string()),
                    ("role", "admin".into()),
                ]
            },
            [OK, OK, DENIED, DENIED, GONE],
            true,
        ),
        (
            "organization/member_remove",
            |f| vec![("user_id", f.target.id.to_string())],
            [OK, OK, DENIED, DENIED, GONE],
            true,
        ),
        (
            "organization/invitation_create",
            |_| {
                vec![
                    ("role", "member".into()),
                    ("team_id", String::new()),
                    ("expires_in_days", "7".into()),
                    ("max_uses", String::new()),
                ]
            },
            [OK, OK, DENIED, DENIED, OK],
            true,
        ),
        (
            "organization/invitation_revoke",
            |f| vec![("invitation_id", f.invitation.to_string())],
            [OK, OK, DENIED, DENIED, GONE],
            true,
        ),
        (
            "organization/team_create",
            |_| vec![("name", "Projects".into())],
            [OK, OK, DENIED, DENIED, OK],
            true,
        ),
        (
            "organization/team_delete",
            |f| vec![("team_id", f.desk.to_string())],
            [OK, OK, DENIED, DENIED, GONE],
            true,
        ),
        (
            "organization/team_member_add",
            |f| {
                vec![
                    ("team_id", f.desk.to_string()),
                    ("user_id", f.member.1.id.to_string()),
                ]
            },
            [OK, OK, DENIED, DENIED, GONE],
            true,
        ),
        (
            "organization/team_member_remove",
            |f| {
                vec![
                    ("team_id", f.desk.to_string()),
                    ("user_id", f.target.id.to_string()),
                ]
            },
            [OK, OK, DENIED, DENIED, GONE],
            true,
        ),
        (
            "organization/transfer",
            |f| vec![("user_id", f.target.id.to_string())],
            [OK, DENIED, DENIED, DENIED, GONE],
            true,
        ),
        (
            "organization/delete",
            |_| vec![("confirm_name", "Acme".into())],
            [OK, DENIED, DENIED, DENIED, BAD],
            true,
        ),
        (
            "organization/audit",
            |_| {
                vec![
                    ("actor", String::new()),
                    ("action", String::new()),
                    ("from", String::new()),
                    ("to", String::new()),
                    ("page", "1".into()),
                ]
            },
            [OK, OK, DENIED, DENIED, OK],
            false,
        ),
        (
            "organization/leave",
            |_| vec![],
            [DENIED, OK, OK, DENIED, DENIED],
            true,
        ),
        (
            "organization/upgrade",
            |_| vec![("invite_code", "PRO-00000-00000-00000-00000".into())],
            [BAD, DENIED, DENIED, DENIED, BAD],
            false,
        ),
    ];
    let mut case = 0;
    let mut failures = Vec::new();
    for (endpoint, form, expected, changes) in cases {
        for (index, who) in [
            "owner",
            "admin",
            "member",
            "outsider",
            "other organisation's owner",
        ]
        .iter()
        .enumerate()
        {
            case += 1;
            let fixture = Fixture::new(&app, case).await;
            let before = acme_state(&app, &fixture).await;
            let form_values = form(&fixture);
            let form_refs: Vec<(&str, &str)> =
                form_values.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (status, body) = fixture.actor(index).call(endpoint, &form_refs).await;
            let after = acme_state(&app, &fixture).await;
            let allowed_on_acme = expected[index] == OK && index < 3;
            if status.as_u16() != expected[index] {
                failures.push(format!(
                    "{endpoint} by {who}: {status} {body}, expected {}",
                    expected[index]
                ));
            }
            if (before != after) != (allowed_on_acme && changes) {
                failures.push(format!(
                    "{endpoint} by {who}: Acme {} ({before} → {after})",
                    if before == after {
                        "unchanged"
                    } else {
                        "changed"
                    }
                ));
            }
            if expected[index] == DENIED {
                let message = body
                    .as_object()
                    .and_then(|o| o.values().next())
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if message.is_empty() || message.contains("went wrong") {
                    failures.push(format!(
                        "{endpoint} by {who}: a refusal without its reason: {body}"
                    ));
                }
            }
            // What the others read about Acme: nothing.
            if endpoint == "organization/overview" || endpoint == "organization/audit" {
                let text = body.to_string();
                if index >= 3 && text.contains("Acme") {
                    failures.push(format!("{endpoint} by {who} shows Acme: {text}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_member_and_a_demoted_admin_lose_access_on_their_next_request() {
    let app = spawn_app().await;
    let f = Fixture::new(&app, 1).await;
    // The admin manages; the owner demotes them; their very next call is refused.
    let (status, _) = f
        .admin
        .0
        .call("organization/team_create", &[("name", "Ops")])
        .await;
    assert_eq!(status, StatusCode::OK);
    let admin_id = f.admin.1.id.to_string();
    let (status, _) = f
        .owner
        .0
        .call(
            "organization/member_role",
            &[("user_id", &admin_id), ("role", "member")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = f
        .admin
        .0
        .call("organization/team_create", &[("name", "Ops 2")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // The member is removed; their next overview shows no organisation.
    let member_id = f.member.1.id.to_string();
    let (status, _) = f
        .owner
        .0
        .call("organization/member_remove", &[("user_id", &member_id)])
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = f.member.0.call("organization/overview", &[]).await;
    assert_eq!((status, body), (StatusCode::OK, Value::Null));
    // The audit rows carry the request's id and address.
    let row = domain::entity::audit_events::Entity::find()
        .filter(domain::entity::audit_events::Column::Action.eq("member.remove"))
        .one(&app.db.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.organization_id, Some(f.acme));
    assert_eq!(row.actor_user_id, Some(f.owner.1.id));
    assert!(row.request_id.is_some_and(|r| !r.is_empty()));
    assert_eq!(row.ip.as_deref(), Some("127.0.0.1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_limit_free_organisations_and_an_invite_code_upgrades_them() {
    let app = spawn_app().await;
    let (ada, _) = app.browser("Ada", "ada@example.com").await;
    // A wrong code: 400, and no organisation is created.
    let (status, body) = ada
        .call(
            "organization/create",
            &[("name", "Ada's shop"), ("invite_code", "PRO-WRONG")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(ada.call("organization/overview", &[]).await.1, Value::Null);
    // Free by default: no invite links, teams or audit log, each refusal naming the limit.
    let (status, _) = ada
        .call(
            "organization/create",
            &[("name", "Ada's shop"), ("invite_code", "")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let overview = ada.call("organization/overview", &[]).await.1;
    assert_eq!(overview["plan"], "Free");
    assert!(overview["can"]["manage_invitations"]
        .as_str()
        .unwrap()
        .starts_with("Invite links are part of the Pro plan"));
    assert!(overview["can"]["manage_members"].is_null());
    let (status, body) = ada
        .call(
            "organization/invitation_create",
            &[
                ("role", "member"),
                ("team_id", ""),
                ("expires_in_days", "7"),
                ("max_uses", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.to_string().contains("Free plan"), "{body}");
    let (status, body) = ada
        .call("organization/team_create", &[("name", "Desk")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body.to_string().contains("Teams are part of the Pro plan"),
        "{body}"
    );
    let audit = ada.get("/organisation/audit/export.csv").await;
    assert_eq!(audit.status(), StatusCode::FORBIDDEN);
    assert!(audit
        .text()
        .await
        .unwrap()
        .contains("The audit log is part of the Pro plan"));
    // The owner upgrades with a code; the same calls work now.
    let code = pro_code(&app).await;
    let (status, body) = ada
        .call(
            "organization/upgrade",
            &[("invite_code", &code.to_lowercase())],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        ada.call("organization/overview", &[]).await.1["plan"],
        "Pro"
    );
    let (status, _) = ada
        .call("organization/team_create", &[("name", "Desk")])
        .await;
    assert_eq!(status, StatusCode::OK);
    // A code at the organisation's creation makes it Pro at once.
    let (bob, _) = app.browser("Bob", "bob@example.com").await;
    let code = pro_code(&app).await;
    let (status, _) = bob
        .call(
            "organization/create",
            &[("name", "Bobco"), ("invite_code", &code)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        bob.call("organization/overview", &[]).await.1["plan"],
        "Pro"
    );
    // Input that is not a name: 400 with the reason.
    let (carol, _) = app.browser("Carol", "carol@example.com").await;
    let (status, body) = carol
        .call(
            "organization/create",
            &[("name", "  "), ("invite_code", "")],
        )
        .await;
    assert_eq!(
        (status, body.to_string().contains("Enter a name")),
        (StatusCode::BAD_REQUEST, true)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_link_signs_the_visitor_in_then_joins_and_each_dead_end_has_its_page() {
    let app = spawn_app().await;
    let (owner, owner_user) = app.browser("Olivia", "olivia@example.com").await;
    let code = pro_code(&app).await;
    owner
        .call(
            "organization/create",
            &[("name", "Acme IT"), ("invite_code", &code)],
        )
        .await;
    let (status, created) = owner
        .call(
            "organization/invitation_create",
            &[
                ("role", "admin"),
                ("team_id", ""),
                ("expires_in_days", "7"),
                ("max_uses", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let url = created["url"].as_str().unwrap().to_owned();
    let path = url.strip_prefix(&app.base).unwrap().to_owned();
    let token = path.strip_prefix("/invite/").unwrap().to_owned();
    assert_eq!(token.len(), 43);
    // The token is stored hashed only.
    let stored = domain::entity::invitations::Entity::find()
        .one(&app.db.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(stored.token_hash, token);

    // Signed out: to sign-in and back here.
    let anonymous = crate::helpers::client();
    let response = anonymous
        .get(app.url(&path))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), app::routes::login_with_next(&path));

    // Signed in: the page names the organisation and the inviter; accepting joins at once, as admin.
    let (bob, bob_user) = app.browser("Bob", "bob@example.com").await;
    let page = bob.get(&path).await.text().await.unwrap();
    assert!(
        page.contains("Accept &amp; Join Organisation")
            || page.contains("Accept & Join Organisation"),
        "{page}"
    );
    assert!(page.contains("Acme IT") && page.contains("Olivia"));
    let (status, body) = bob
        .call("organization/invitation_accept", &[("token", &token)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        orgs::membership(&app.db.db, bob_user.id)
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Admin
    );
    let members = owner.call("organization/overview", &[]).await.1["members"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(members, 2);

    // Each dead end: already a member; used up; in another organisation; revoked; expired; not a link.
    let page = bob.get(&path).await.text().await.unwrap();
    assert!(
        page.contains("You are already in this organisation"),
        "{page}"
    );
    let (carol, carol_user) = app.browser("Carol", "carol@example.com").await;
    assert!(carol
        .get(&path)
        .await
        .text()
        .await
        .unwrap()
        .contains("This invite link has been used up"));
    let (status, body) = carol
        .call("organization/invitation_accept", &[("token", &token)])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.to_string().contains("used as many times as allowed"),
        "{body}"
    );

    let base = app.base.clone();
    let fresh = |max: &'static str| {
        let (owner, base) = (&owner, base.clone());
        async move {
            let (_, created) = owner
                .call(
                    "organization/invitation_create",
                    &[
                        ("role", "member"),
                        ("team_id", ""),
                        ("expires_in_days", "1"),
                        ("max_uses", max),
                    ],
                )
                .await;
            created["url"]
                .as_str()
                .unwrap()
                .strip_prefix(&base)
                .unwrap()
                .to_owned()
        }
    };
    let (dave, _) = app.browser("Dave", "dave@example.com").await;
    dave.call(
        "organization/create",
        &[("name", "Dave's shop"), ("invite_code", "")],
    )
    .await;
    let other = fresh("").await;
    let page = dave.get(&other).await.text().await.unwrap();
    assert!(
        page.contains("You are in another organisation")
            && (page.contains("Dave&#x27;s shop") || page.contains("Dave's shop")),
        "{page}"
    );

    let revoked = fresh("").await;
    let id = owner.call("organization/overview", &[]).await.1["invitations"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = owner
        .call("organization/invitation_revoke", &[("invitation_id", &id)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(carol
        .get(&revoked)
        .await
        .text()
        .await
        .unwrap()
        .contains("This invite link was revoked"));

    let expired = fresh("").await;
    let hash = {
        use sha2::Digest;
        sha2::Sha256::digest(expired.strip_prefix("/invite/").unwrap().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    domain::entity::invitations::Entity::update_many()
        .col_expr(
            domain::entity::invitations::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(now() - time::Duration::seconds(1)),
        )
        .filter(domain::entity::invitations::Column::TokenHash.eq(hash))
        .exec(&app.db.db)
        .await
        .unwrap();
    assert!(carol
        .get(&expired)
        .await
        .text()
        .await
        .unwrap()
        .contains("This invite link has expired"));

    let missing = carol
        .get("/invite/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing
        .text()
        .await
        .unwrap()
        .contains("This invite link is not valid"));
    assert!(orgs::membership(&app.db.db, carol_user.id)
        .await
        .unwrap()
        .is_none());
    let _ = owner_user;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_export_is_csv_of_the_callers_organisation_with_the_pages_filter() {
    let app = spawn_app().await;
    let f = Fixture::new(&app, 1).await;
    let target = f.target.id.to_string();
    f.owner
        .0
        .call(
            "organization/member_role",
            &[("user_id", &target), ("role", "admin")],
        )
        .await;
    let response = f
        .admin
        .0
        .get("/organisation/audit/export.csv?action=member.role_change")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"audit-log-"));
    let body = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{body}");
    assert_eq!(&rows[0][3], "member.role_change");
    assert_eq!(&rows[0][1], "Owner 1");
    assert!(rows[0][6].contains("member → admin"), "{body}");
    // Unfiltered it holds every Acme event and none of Other's.
    let all = f
        .owner
        .0
        .get("/organisation/audit/export.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(all.contains("organization.create") && all.contains("invitation.accept"));
    assert!(!all.contains("Other 1"), "{all}");
    // Refusals: a member, a bad filter, nobody signed in.
    assert_eq!(
        f.member
            .0
            .get("/organisation/audit/export.csv")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        f.owner
            .0
            .get("/organisation/audit/export.csv?from=26/11/2026")
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    let anonymous = crate::helpers::client()
        .get(app.url("/organisation/audit/export.csv"))
        .send()
        .await
        .unwrap();
    assert!(
        matches!(
            anonymous.status(),
            StatusCode::UNAUTHORIZED | StatusCode::SEE_OTHER
        ),
        "{}",
        anonymous.status()
    );
    // The page filters too.
    let (status, page) = f
        .owner
        .0
        .call(
            "organization/audit",
            &[
                ("actor", &f.owner.1.id.to_string()),
                ("action", "invitation.create"),
                ("from", ""),
                ("to", ""),
                ("page", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total"], 4, "{page}");
    let (status, _) = f
        .owner
        .0
        .call(
            "organization/audit",
            &[
                ("actor", ""),
                ("action", "made.up"),
                ("from", ""),
                ("to", ""),
                ("page", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
