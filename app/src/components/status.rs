//! Loading and error states shared by pages.

use leptos::prelude::*;

use crate::error::PortalError;

/// Placeholder while a page's data loads.
#[component]
pub fn Loading(#[prop(into)] label: String) -> impl IntoView {
    view! {
        <div class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            <span>{label}</span>
        </div>
    }
}

/// A failure shown where it happened, with what to do next.
#[component]
pub fn ErrorPanel(error: PortalError) -> impl IntoView {
    view! {
        <div class="alert alert-error" role="alert">
            <strong>"Could not load this page. "</strong>
            <span>{error.to_string()}</span>
        </div>
    }
}
