//! Browser entry point: hydrates the server-rendered portal.

// The portal's page views are deeply nested types; their hydration code needs more than the
// default query depth of 128.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy: the page's own WASM module (its lazily loaded route, `app::App`) is fetched before
    // its part of the page hydrates; needs `cargo leptos build --split`.
    leptos::mount::hydrate_lazy(app::App);
}
