//! A button that copies a value to the clipboard and confirms with a toast. It does nothing until
//! the page is hydrated (the click handler lives in the wasm bundle): the end-to-end tests use it
//! to prove hydration.

use leptos::prelude::*;

use super::toast::{use_toasts, ToastKind};

/// Copies `value` and shows `confirmation` (or how to copy by hand if the browser refuses).
#[component]
pub fn CopyButton(
    /// Text to copy.
    #[prop(into)]
    value: String,
    /// Toast text after a successful copy.
    #[prop(into)]
    confirmation: String,
    /// Accessible label of the button.
    #[prop(into)]
    label: String,
    /// DOM id.
    #[prop(into)]
    id: String,
) -> impl IntoView {
    let toasts = use_toasts();
    let copy = move |_| {
        let value = value.clone();
        let confirmation = confirmation.clone();
        leptos::task::spawn_local(async move {
            match write_clipboard(&value).await {
                Ok(()) => toasts.show(ToastKind::Success, confirmation),
                Err(()) => toasts.show(
                    ToastKind::Error,
                    "Your browser did not allow copying. Select the text and press Ctrl+C (⌘C on a Mac).",
                ),
            }
        });
    };
    view! {
        <button type="button" class="btn btn-secondary" id=id aria-label=label on:click=copy>
            "Copy"
        </button>
    }
}

#[cfg(target_arch = "wasm32")]
async fn write_clipboard(value: &str) -> Result<(), ()> {
    let window = web_sys::window().ok_or(())?;
    let promise = window.navigator().clipboard().write_text(value);
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| ())
}

#[cfg(not(target_arch = "wasm32"))]
async fn write_clipboard(_: &str) -> Result<(), ()> {
    Err(())
}

/// A value just created (a link, a code) in a read-only field with its copy button and a hint.
#[component]
pub fn CreatedValue(
    /// DOM id of the field (the button's is `copy-<id>`).
    #[prop(into)]
    id: String,
    /// The field's label.
    #[prop(into)]
    label: String,
    /// The value.
    #[prop(into)]
    value: String,
    /// Accessible label of the copy button.
    #[prop(into)]
    copy_label: String,
    /// Toast after copying.
    #[prop(into)]
    confirmation: String,
    /// What to do with it.
    #[prop(into)]
    hint: String,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    view! {
        <div class="field created-link">
            <label for=id.clone()>{label}</label>
            <div class="input-group">
                <input
                    id=id.clone()
                    class="input mono"
                    type="text"
                    readonly
                    value=value.clone()
                    aria-describedby=hint_id.clone()
                />
                <CopyButton id=format!("copy-{id}") value label=copy_label confirmation />
            </div>
            <p class="field-hint" id=hint_id>{hint}</p>
        </div>
    }
}
