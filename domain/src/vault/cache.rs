//! The in-memory cache of unwrapped data keys, so a warm `open` makes no database query.
//!
//! Keyed by data-key id; each entry remembers its scope (an `open` for another scope is refused
//! before any decryption) and when it was loaded. Bounded two ways: at most `capacity` entries
//! (the oldest goes first), and an entry older than `ttl` is loaded again from the database — so a
//! data key destroyed by another replica stops opening there within `ttl` (VAULT-8), not only at
//! its next restart. Keys are `Zeroizing` behind an `Arc`: an evicted key is wiped as soon as the
//! last `open` still using it finishes.
//!
//! Freshness uses `std::time::Instant` rather than a `now` parameter: it is a property of this
//! process's memory, not a domain decision, and `Vault::open`'s signature is fixed by its callers.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use uuid::Uuid;

use super::{keys::SecretKey, KeyScope};

/// An unwrapped data key shared with the operations using it.
pub(super) type DataKey = Arc<SecretKey>;

struct Entry {
    scope: KeyScope,
    key: DataKey,
    loaded: Instant,
}

struct Entries {
    map: HashMap<Uuid, Entry>,
    ttl: Duration,
}

pub(super) struct DekCache {
    entries: RwLock<Entries>,
    capacity: usize,
}

impl DekCache {
    pub(super) fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            entries: RwLock::new(Entries {
                map: HashMap::new(),
                ttl,
            }),
            capacity: capacity.max(1),
        }
    }

    // A poisoned lock only means another thread panicked mid-operation; every write below leaves
    // the map consistent, so the data is still usable.
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Entries> {
        self.entries.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Entries> {
        self.entries.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The key and its scope, when cached and fresh.
    pub(super) fn get(&self, dek_id: Uuid, now: Instant) -> Option<(KeyScope, DataKey)> {
        let entries = self.read();
        entries
            .map
            .get(&dek_id)
            .filter(|e| now.saturating_duration_since(e.loaded) < entries.ttl)
            .map(|e| (e.scope, Arc::clone(&e.key)))
    }

    pub(super) fn insert(&self, dek_id: Uuid, scope: KeyScope, key: DataKey, now: Instant) {
        let mut entries = self.write();
        if entries.map.len() >= self.capacity && !entries.map.contains_key(&dek_id) {
            // Only a cold insert into a full cache scans; at the default capacity that is a few
            // microseconds, rarer than the database read that precedes it.
            let oldest = entries
                .map
                .iter()
                .min_by_key(|(_, e)| e.loaded)
                .map(|(id, _)| *id);
            if let Some(oldest) = oldest {
                entries.map.remove(&oldest);
            }
        }
        entries.map.insert(
            dek_id,
            Entry {
                scope,
                key,
                loaded: now,
            },
        );
    }

    /// Drops one key (it failed to load again, or was found stale).
    pub(super) fn remove(&self, dek_id: Uuid) {
        self.write().map.remove(&dek_id);
    }

    /// Drops every key of a scope.
    pub(super) fn evict_scope(&self, scope: KeyScope) {
        self.write().map.retain(|_, e| e.scope != scope);
    }

    pub(super) fn set_ttl(&self, ttl: Duration) {
        self.write().ttl = ttl;
    }

    pub(super) fn len(&self) -> usize {
        self.read().map.len()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use zeroize::Zeroizing;

    fn key(byte: u8) -> DataKey {
        Arc::new(Zeroizing::new([byte; 32]))
    }

    #[test]
    fn the_cache_is_bounded_and_evicts_the_oldest_entry() {
        let cache = DekCache::new(2, Duration::from_secs(300));
        let scope = KeyScope::User(Uuid::new_v4());
        let t0 = Instant::now();
        let ids = [Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4()];
        for (i, id) in ids.iter().enumerate() {
            cache.insert(
                *id,
                scope,
                key(i as u8),
                t0 + Duration::from_millis(i as u64),
            );
        }
        assert_eq!(cache.len(), 2);
        let now = t0 + Duration::from_secs(1);
        assert!(cache.get(ids[0], now).is_none(), "the oldest went first");
        assert_eq!(cache.get(ids[2], now).unwrap().1[0], 2);
    }

    #[test]
    fn an_entry_older_than_the_ttl_is_not_served() {
        let cache = DekCache::new(10, Duration::from_secs(300));
        let (id, scope, t0) = (
            Uuid::new_v4(),
            KeyScope::Team(Uuid::new_v4()),
            Instant::now(),
        );
        cache.insert(id, scope, key(1), t0);
        assert_eq!(
            cache.get(id, t0 + Duration::from_secs(299)).unwrap().0,
            scope
        );
        assert!(cache.get(id, t0 + Duration::from_secs(300)).is_none());
    }

    #[test]
    fn an_evicted_key_is_held_only_by_the_operation_still_using_it() {
        let cache = DekCache::new(10, Duration::from_secs(300));
        let (id, scope) = (Uuid::new_v4(), KeyScope::Organization(Uuid::new_v4()));
        cache.insert(id, scope, key(7), Instant::now());
        let (_, in_use) = cache.get(id, Instant::now()).unwrap();
        cache.evict_scope(scope);
        assert_eq!(cache.len(), 0);
        // The operation that still holds it keeps a usable key; nothing else holds a copy.
        assert_eq!(Arc::strong_count(&in_use), 1);
        assert_eq!(in_use[0], 7);
    }
}
