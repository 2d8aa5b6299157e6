//! A vendor definition file (`Catalog::from_sources`): TOML with spans, templates, paging and
//! tool schemas, as an operator's `vendors/*.toml` would be.
//!
//! Checked beyond "no panic": a file that loads defines exactly one vendor, and loading is
//! deterministic (the same text gives the same answer twice).

#![no_main]

use domain::vendors::Catalog;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    let load = || Catalog::from_sources(vec![("fuzz.toml".to_owned(), data.to_owned())]);
    match (load(), load()) {
        (Ok(catalog), Ok(again)) => {
            assert_eq!(catalog.iter().count(), 1);
            assert_eq!(
                catalog.iter().map(|d| d.slug.clone()).collect::<Vec<_>>(),
                again.iter().map(|d| d.slug.clone()).collect::<Vec<_>>()
            );
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("loading the same file twice gave different answers"),
    }
});
