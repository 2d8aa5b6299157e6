//! The organisation's pages at their paths: `/organisation` and its audit log render for a
//! signed-in owner, and the old `/teams` URLs answer a permanent redirect to them with their
//! query kept.

use reqwest::StatusCode;

use crate::{
    helpers::{location, spawn_app},
    organisation::Fixture,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_old_team_urls_redirect_permanently_to_the_organisation_pages_with_their_query() {
    let app = spawn_app().await;
    let f = Fixture::new(&app, 1).await;
    let cases = [
        ("/teams", "/organisation"),
        ("/teams?tab=members", "/organisation?tab=members"),
        ("/teams/audit", "/organisation/audit"),
        (
            "/teams/audit?actor=&action=member.remove&from=2026-01-01&to=&page=2",
            "/organisation/audit?actor=&action=member.remove&from=2026-01-01&to=&page=2",
        ),
        (
            "/teams/audit/export.csv?action=member.role_change",
            "/organisation/audit/export.csv?action=member.role_change",
        ),
    ];
    for (old, new) in cases {
        // Signed out and signed in alike: the redirect needs nobody's session.
        let anonymous = app.get(old).await;
        let owner = f.owner.0.get(old).await;
        for response in [anonymous, owner] {
            assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT, "{old}");
            assert_eq!(location(&response), new, "{old}");
        }
    }
    // Only those three paths moved: anything else under /teams is not a page.
    assert_eq!(
        f.owner.0.get("/teams/members").await.status(),
        StatusCode::NOT_FOUND
    );
    // Where the redirect leads, a signed-out visitor is asked to sign in and come back there.
    let response = app.get("/organisation/audit?action=member.remove").await;
    assert_eq!(
        location(&response),
        "/auth/login?next=/organisation/audit%3Faction%3Dmember.remove"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_organisation_page_and_its_audit_log_render_for_a_signed_in_owner() {
    let app = spawn_app().await;
    let f = Fixture::new(&app, 1).await;
    let response = f.owner.0.get("/organisation").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"id="organization-heading""#), "{html}");
    assert!(html.contains("Acme"), "{html}");
    assert!(html.contains(r#"href="/organisation/audit""#), "{html}");
    assert!(html.contains(r#"href="/organisation""#), "nav link");
    assert!(html.contains("Desk"), "the team Desk is listed");
    for text in [
        "Create team",
        "Type “Acme” to delete the organisation",
        "Delete organisation",
    ] {
        assert!(html.contains(text), "{text}");
    }

    let response = f
        .owner
        .0
        .get("/organisation/audit?action=invitation.create")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"id="audit-table""#), "{html}");
    assert!(
        html.contains(r#"data-action="invitation.create""#),
        "{html}"
    );
    assert!(!html.contains(r#"data-action="organization.create""#));
    assert!(html.contains(r#"href="/organisation/audit/export.csv?action=invitation.create""#));

    // Settings names it too, with the way to it.
    let html = f.owner.0.get("/settings").await.text().await.unwrap();
    for text in [
        r#"id="organization-title">Organisation<"#,
        "Manage organisation",
        "Leave organisation",
        "You own this organisation",
    ] {
        assert!(html.contains(text), "{text}");
    }

    // A member sees the organisation but is told why the audit log is not theirs.
    let html = f.member.0.get("/organisation").await.text().await.unwrap();
    assert!(html.contains("Acme") && html.contains(r#"id="audit-unavailable""#));
}
