//! Benchmark of a user's tool snapshot build without the database (what a cold `tools/list` adds
//! to its queries): 10 connections × 20 tools across the three tiers, resolution per slug, the
//! organisation's allowlists (ToolPolicy) for a member in two teams, names and descriptions.
//! The budget is ≤ 200 µs.
//!
//! `cargo bench -p domain --bench connections`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::{BTreeMap, BTreeSet},
    hint::black_box,
};

use criterion::{criterion_group, criterion_main, Criterion};
use domain::{
    connections::{tools, PolicySubject, Subject, TeamRef, ToolPolicy},
    entity::connections,
    organizations::Role,
    vendors::Catalog,
    OffsetDateTime,
};
use serde_json::json;
use uuid::Uuid;

const CONNECTIONS: usize = 10;
const TOOLS: usize = 20;

fn row(i: usize, tier: &str, owner: Uuid, org: Uuid, now: OffsetDateTime) -> connections::Model {
    let tools: Vec<_> = (0..TOOLS)
        .map(|t| {
            json!({
                "name": format!("tool_{t:02}"),
                "title": format!("Tool {t}"),
                "description": format!("Does thing number {t} for the technician.\nIt reads records and returns them as JSON."),
                "input_schema": {"type": "object", "properties": {"id": {"type": "integer"}, "query": {"type": "string"}}},
                "read_only": t % 4 != 0,
                "destructive": t % 4 == 0,
            })
        })
        .collect();
    connections::Model {
        id: Uuid::now_v7(),
        tier: tier.into(),
        owner_id: owner,
        user_id: (tier == "personal").then_some(owner),
        team_id: (tier == "team").then_some(owner),
        organization_id: Some(org),
        vendor: "mcp-server".into(),
        slug: format!("conn{i}"),
        name: format!("Connection {i}"),
        settings: "{}".into(),
        secret_sealed: String::new(),
        secret_hint: String::new(),
        tools: Some(serde_json::to_string(&tools).unwrap()),
        status: "ok".into(),
        last_checked_at: Some(now),
        last_check_class: None,
        last_check_message: None,
        created_by: Some(owner),
        created_by_name: "Bench".into(),
        created_at: now,
        updated_at: now,
    }
}

fn snapshot_build(c: &mut Criterion) {
    let catalog = Catalog::load(None).unwrap();
    let now = OffsetDateTime::now_utc();
    let (user, org) = (Uuid::now_v7(), Uuid::now_v7());
    let teams = vec![
        TeamRef {
            id: Uuid::now_v7(),
            name: "Blue".into(),
        },
        TeamRef {
            id: Uuid::now_v7(),
            name: "Red".into(),
        },
    ];
    // 4 personal, 3 team (alternating teams), 3 organisation connections, each its own slug, plus
    // a team and an organisation connection shadowed by a personal one of the same slug.
    let mut rows: Vec<_> = (0..CONNECTIONS)
        .map(|i| match i {
            0..=3 => row(i, "personal", user, org, now),
            4..=6 => row(i, "team", teams[i % 2].id, org, now),
            _ => row(i, "organization", org, org, now),
        })
        .collect();
    let mut shadowed = row(0, "team", teams[0].id, org, now);
    shadowed.slug = "conn0".into();
    rows.push(shadowed);
    rows.push(row(1, "organization", org, org, now));
    let subject = Subject {
        user_id: user,
        organization_id: Some(org),
        teams: teams.clone(),
        shared_allowed: true,
        defaults: BTreeMap::new(),
    };
    let allowed: BTreeSet<String> = (0..15).map(|t| format!("tool_{t:02}")).collect();
    let mut lists = BTreeMap::new();
    lists.insert(
        (PolicySubject::Organization, "mcp-server".to_owned()),
        allowed.clone(),
    );
    lists.insert(
        (PolicySubject::Team(teams[0].id), "mcp-server".to_owned()),
        allowed,
    );
    let policy = ToolPolicy {
        deny_by_default: false,
        lists,
    };

    let built = tools::build(&catalog, &subject, &rows, Some(&policy), Some(Role::Member));
    assert_eq!(built.connections.len(), CONNECTIONS);
    assert!(
        built.tools.len() > CONNECTIONS * 10,
        "{}",
        built.tools.len()
    );

    c.bench_function(
        "snapshot build, 10 connections x 20 tools, member with allowlists",
        |b| {
            b.iter(|| {
                black_box(tools::build(
                    &catalog,
                    black_box(&subject),
                    black_box(&rows),
                    Some(&policy),
                    Some(Role::Member),
                ))
            })
        },
    );
}

criterion_group!(benches, snapshot_build);
criterion_main!(benches);
