//! The catalog: built-in definitions (embedded from the repository's `vendors/` directory at
//! build time) plus an operator directory of extra `*.toml` files, loaded once at start-up and
//! immutable afterwards. A bad file stops start-up with its name, line and reason.

use std::{collections::BTreeMap, path::Path, sync::Arc};

use super::{format, VendorDefinition};

/// The built-in definitions. A test checks this list against the directory, so a file added to
/// `vendors/` without a line here fails the build's tests.
pub(super) const BUILT_IN: &[(&str, &str)] = &[
    ("atera.toml", include_str!("../../../vendors/atera.toml")),
    (
        "autotask.toml",
        include_str!("../../../vendors/autotask.toml"),
    ),
    ("auvik.toml", include_str!("../../../vendors/auvik.toml")),
    (
        "connectwise-automate.toml",
        include_str!("../../../vendors/connectwise-automate.toml"),
    ),
    (
        "connectwise-psa.toml",
        include_str!("../../../vendors/connectwise-psa.toml"),
    ),
    (
        "datto-rmm.toml",
        include_str!("../../../vendors/datto-rmm.toml"),
    ),
    ("demo.toml", include_str!("../../../vendors/demo.toml")),
    (
        "halopsa.toml",
        include_str!("../../../vendors/halopsa.toml"),
    ),
    ("hudu.toml", include_str!("../../../vendors/hudu.toml")),
    (
        "huntress.toml",
        include_str!("../../../vendors/huntress.toml"),
    ),
    ("itglue.toml", include_str!("../../../vendors/itglue.toml")),
    (
        "knowbe4.toml",
        include_str!("../../../vendors/knowbe4.toml"),
    ),
    (
        "mcp-server.toml",
        include_str!("../../../vendors/mcp-server.toml"),
    ),
    (
        "microsoft-365.toml",
        include_str!("../../../vendors/microsoft-365.toml"),
    ),
    (
        "ninjaone.toml",
        include_str!("../../../vendors/ninjaone.toml"),
    ),
    (
        "sentinelone.toml",
        include_str!("../../../vendors/sentinelone.toml"),
    ),
    ("syncro.toml", include_str!("../../../vendors/syncro.toml")),
];

/// A definition file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {reason}")]
pub struct CatalogError {
    /// The file (built-in name or operator path).
    pub file: String,
    /// 1-based line of the problem (0 when it concerns the whole file).
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// All vendor definitions, by slug. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Catalog {
    vendors: Arc<BTreeMap<String, Arc<VendorDefinition>>>,
}

impl Catalog {
    /// Built-in definitions plus the `*.toml` files of `extra_dir` (not recursive). A slug may
    /// not be defined twice (an operator file cannot silently replace a built-in vendor).
    pub fn load(extra_dir: Option<&Path>) -> Result<Catalog, CatalogError> {
        let mut files: Vec<(String, String)> = BUILT_IN
            .iter()
            .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
            .collect();
        if let Some(dir) = extra_dir {
            files.extend(read_dir(dir)?);
        }
        Self::from_sources(files)
    }

    /// Builds a catalog from `(file name, text)` pairs only (tests, tools).
    pub fn from_sources(files: Vec<(String, String)>) -> Result<Catalog, CatalogError> {
        let mut vendors: BTreeMap<String, Arc<VendorDefinition>> = BTreeMap::new();
        for (file, text) in files {
            let def = format::parse(&file, &text)?;
            if let Some(other) = vendors.get(&def.slug) {
                return Err(CatalogError {
                    file,
                    line: 0,
                    reason: format!("slug `{}` is already defined by {}", def.slug, other.source),
                });
            }
            vendors.insert(def.slug.clone(), Arc::new(def));
        }
        Ok(Catalog {
            vendors: Arc::new(vendors),
        })
    }

    /// A vendor by slug.
    pub fn get(&self, vendor: &str) -> Option<&Arc<VendorDefinition>> {
        self.vendors.get(vendor)
    }

    /// All vendors, ordered by slug.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<VendorDefinition>> {
        self.vendors.values()
    }
}

fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, CatalogError> {
    let whole = |reason: String| CatalogError {
        file: dir.display().to_string(),
        line: 0,
        reason,
    };
    let entries =
        std::fs::read_dir(dir).map_err(|e| whole(format!("cannot read the directory: {e}")))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| whole(format!("cannot read the directory: {e}")))?
            .path();
        if path.extension().is_some_and(|e| e == "toml") {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|e| CatalogError {
                file: path.display().to_string(),
                line: 0,
                reason: format!("cannot read the file: {e}"),
            })?;
            Ok((path.display().to_string(), text))
        })
        .collect()
}
