//! Property test of the refresh-token family (security.md AS-6): any sequence of refreshes (with
//! the newest token, the one before it, or an older one), revocations (of a refresh or an access
//! token) and clock jumps (inside and past the 10 s grace window, past the access token's hour,
//! past the refresh token's 30 idle days), driven through the real `grants` functions on the
//! test database, never leaves two live refresh tokens in a family, and every answer equals a
//! small model of rotation: the newest token rotates; the one before it, used again within the
//! grace window while its successor is unused, gets that same successor back; any other reuse
//! revokes the family; revoking a refresh token revokes the family, an access token only itself.
//! After every step each access token ever issued is checked against the model as well.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::{collection::vec, prelude::*, test_runner::TestRunner};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{
    clients::Client,
    grants::{self, RefreshRequest, TokenResponse},
    tests::{at, key, settings, tokens_for},
};
use crate::{
    audit::RequestContext,
    entity::{oauth_grants, oauth_tokens},
    testing::test_db,
};

/// Which refresh token a step presents.
#[derive(Debug, Clone, Copy)]
enum Pick {
    Newest,
    /// The one the newest replaced.
    Previous,
    /// Any issued one, by index (modulo how many there are).
    Any(u8),
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Refresh(Pick),
    RevokeRefresh(Pick),
    /// Revokes an issued access token, by index.
    RevokeAccess(u8),
    /// Moves the clock forward this many seconds.
    Wait(i64),
}

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![
        4 => Just(Pick::Newest),
        3 => Just(Pick::Previous),
        2 => any::<u8>().prop_map(Pick::Any),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => pick().prop_map(Step::Refresh),
        1 => pick().prop_map(Step::RevokeRefresh),
        1 => any::<u8>().prop_map(Step::RevokeAccess),
        3 => prop_oneof![
            Just(1i64), Just(4), Just(9), Just(11), Just(3_600), Just(31 * 86_400)
        ]
        .prop_map(Step::Wait),
    ]
}

/// One issued refresh token, as the model sees it.
struct ModelRefresh {
    token: String,
    expires_at: OffsetDateTime,
    rotated_at: Option<OffsetDateTime>,
    /// Index of the token its rotation issued.
    successor: Option<usize>,
}

/// One issued access token, as the model sees it.
struct ModelAccess {
    token: String,
    expires_at: OffsetDateTime,
    revoked: bool,
}

/// The family as the model expects it.
struct Model {
    grant_id: Uuid,
    revoked: bool,
    refresh: Vec<ModelRefresh>,
    access: Vec<ModelAccess>,
    now: OffsetDateTime,
}

impl Model {
    fn issued(&mut self, response: &TokenResponse) -> usize {
        let s = settings();
        self.access.push(ModelAccess {
            token: response.access_token.clone(),
            expires_at: self.now + s.access_token_lifetime,
            revoked: false,
        });
        self.refresh.push(ModelRefresh {
            token: response.refresh_token.clone().expect("a refresh token"),
            // The grant was approved at `at(0)`: its absolute lifetime caps every refresh token.
            expires_at: (self.now + s.refresh_idle_lifetime)
                .min(at(0) + s.refresh_absolute_lifetime),
            rotated_at: None,
            successor: None,
        });
        self.refresh.len() - 1
    }

    fn index(&self, pick: Pick) -> usize {
        let newest = self.refresh.len() - 1;
        match pick {
            Pick::Newest => newest,
            Pick::Previous => newest.saturating_sub(1),
            Pick::Any(i) => usize::from(i) % self.refresh.len(),
        }
    }

    /// What a refresh with token `i` should answer now: the index of the refresh token returned
    /// (a new one is `len`), or `None` for `invalid_grant`; and whether it revokes the family.
    fn expect_refresh(&self, i: usize) -> (Option<usize>, bool) {
        if self.revoked {
            return (None, false);
        }
        let token = &self.refresh[i];
        match token.rotated_at {
            None if token.expires_at > self.now => (Some(self.refresh.len()), false),
            None => (None, false),
            Some(at) => {
                let grace = settings().refresh_grace;
                let successor = token.successor.expect("a rotated token has a successor");
                if self.now - at <= grace && self.refresh[successor].rotated_at.is_none() {
                    (Some(successor), false)
                } else {
                    (None, true)
                }
            }
        }
    }
}

async fn refresh(
    db: &DatabaseConnection,
    client: &Client,
    token: &str,
    now: OffsetDateTime,
) -> Result<TokenResponse, super::OAuthError> {
    grants::refresh(
        db,
        &settings(),
        &key(),
        client,
        RefreshRequest {
            refresh_token: token.to_owned(),
            ..Default::default()
        },
        &RequestContext::default(),
        now,
    )
    .await
}

/// Refresh tokens of the family that would still rotate: unrotated, unrevoked, unexpired, in a
/// grant that is not revoked.
async fn live_refresh_tokens(db: &DatabaseConnection, model: &Model) -> usize {
    let grant = oauth_grants::Entity::find_by_id(model.grant_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    if grant.revoked_at.is_some() {
        return 0;
    }
    oauth_tokens::Entity::find()
        .filter(oauth_tokens::Column::GrantId.eq(model.grant_id))
        .filter(oauth_tokens::Column::Kind.eq("refresh"))
        .filter(oauth_tokens::Column::RotatedAt.is_null())
        .filter(oauth_tokens::Column::RevokedAt.is_null())
        .filter(oauth_tokens::Column::ExpiresAt.gt(model.now))
        .all(db)
        .await
        .unwrap()
        .len()
}

/// Runs `steps` on a fresh family and checks every answer and the invariants after each step.
async fn run_family(db: &DatabaseConnection, steps: &[Step]) -> Result<(), TestCaseError> {
    let (client, first, _user) = tokens_for(db).await;
    let grant_id = grants::validate_access(db, &settings(), &first.access_token, at(1))
        .await
        .unwrap()
        .unwrap()
        .grant_id;
    let mut model = Model {
        grant_id,
        revoked: false,
        refresh: Vec::new(),
        access: Vec::new(),
        now: at(1),
    };
    model.issued(&first);
    for step in steps {
        match *step {
            Step::Refresh(pick) => {
                let i = model.index(pick);
                let (expected, revokes) = model.expect_refresh(i);
                let token = model.refresh[i].token.clone();
                let got = refresh(db, &client, &token, model.now).await;
                match (expected, got) {
                    (Some(new), Ok(response)) if new == model.refresh.len() => {
                        model.refresh[i].rotated_at = Some(model.now);
                        model.refresh[i].successor = Some(new);
                        model.issued(&response);
                    }
                    (Some(same), Ok(response)) => prop_assert_eq!(
                        response.refresh_token.as_deref(),
                        Some(model.refresh[same].token.as_str()),
                        "the grace window returns the same successor"
                    ),
                    (None, Err(e)) => prop_assert_eq!(e.code, "invalid_grant"),
                    (expected, got) => {
                        return Err(TestCaseError::fail(format!(
                            "{step:?} with token {i} of {}: expected {expected:?}, got {:?}",
                            model.refresh.len(),
                            got.map(|r| r.refresh_token)
                        )))
                    }
                }
                model.revoked |= revokes;
            }
            Step::RevokeRefresh(pick) => {
                let token = model.refresh[model.index(pick)].token.clone();
                grants::revoke_token(db, &client, &token, &RequestContext::default(), model.now)
                    .await
                    .unwrap();
                model.revoked = true;
            }
            Step::RevokeAccess(i) => {
                let i = usize::from(i) % model.access.len();
                let token = model.access[i].token.clone();
                grants::revoke_token(db, &client, &token, &RequestContext::default(), model.now)
                    .await
                    .unwrap();
                model.access[i].revoked = true;
            }
            Step::Wait(seconds) => model.now += Duration::seconds(seconds),
        }
        // The invariant: never two live refresh tokens; one exactly while the model has one.
        let live = live_refresh_tokens(db, &model).await;
        let newest = model.refresh.last().expect("one issued");
        let model_live = usize::from(!model.revoked && newest.expires_at > model.now);
        prop_assert!(live <= 1, "{} live refresh tokens after {:?}", live, steps);
        prop_assert_eq!(live, model_live, "after {:?}", step);
        for (i, access) in model.access.iter().enumerate() {
            let valid = grants::validate_access(db, &settings(), &access.token, model.now)
                .await
                .unwrap()
                .is_ok();
            let expected = !model.revoked && !access.revoked && access.expires_at > model.now;
            prop_assert_eq!(valid, expected, "access token {} after {:?}", i, step);
        }
    }
    Ok(())
}

#[test]
fn no_interleaving_of_refresh_reuse_and_revoke_leaves_two_live_successors() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = runtime.block_on(test_db());
    // Few cases (each is a family of up to 10 steps on the database, ~20 queries a step), so the
    // test stays fast on both backends; every run explores new sequences.
    let mut runner = TestRunner::new(ProptestConfig {
        // The runner is not a `proptest!` block: it has no source file to persist failures in.
        failure_persistence: None,
        ..ProptestConfig::with_cases(32)
    });
    runner
        .run(&vec(step(), 1..10), |steps| {
            runtime.block_on(run_family(&db, &steps))
        })
        .unwrap();
}
