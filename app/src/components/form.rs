//! Form helpers shared by the pages: hydration state, a server action's error, success toasts.

use leptos::prelude::*;
use server_fn::ServerFn;

use super::toast::{use_toasts, ToastKind};
use crate::error::PortalError;

/// A signal that turns true once the page is hydrated. Buttons whose only behaviour is in the
/// wasm bundle stay disabled until then, so a click before hydration is not silently lost.
pub fn hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}

/// The message of `action`'s last failure, while it is the latest result.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<String>>
where
    S: ServerFn<Error = PortalError> + Send + Sync + Clone + 'static,
    S::Output: Send + Sync + 'static,
{
    Signal::derive(move || {
        action.value().with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().err().map(ToString::to_string))
        })
    })
}

/// Counts the successful completions of `action`. Data is reloaded after a change, not after a
/// refusal: a refusal leaves the form as it was, with what the user typed and the error.
pub fn successes<S>(action: ServerAction<S>) -> Memo<usize>
where
    S: ServerFn<Error = PortalError> + Send + Sync + Clone + 'static,
    S::Output: Send + Sync + 'static,
{
    let counted = StoredValue::new(0usize);
    Memo::new(move |previous: Option<&usize>| {
        let previous = previous.copied().unwrap_or(0);
        let version = action.version().get();
        let ok = action.value().with(|v| matches!(v, Some(Ok(_))));
        if ok && version != counted.get_value() {
            counted.set_value(version);
            previous + 1
        } else {
            previous
        }
    })
}

/// Shows `message` as a success toast each time `action` succeeds.
pub fn toast_on_success<S>(
    action: ServerAction<S>,
    message: impl Fn() -> String + Send + Sync + 'static,
) where
    S: ServerFn<Error = PortalError> + Send + Sync + Clone + 'static,
    S::Output: Send + Sync + 'static,
{
    let toasts = use_toasts();
    let seen = StoredValue::new(0usize);
    Effect::new(move |_| {
        let version = action.version().get();
        let ok = action.value().with(|v| matches!(v, Some(Ok(_))));
        if version != seen.get_value() {
            seen.set_value(version);
            if ok {
                toasts.show(ToastKind::Success, message());
            }
        }
    });
}

/// The error of a form, announced where the form is.
#[component]
pub fn FormError(
    /// The message, when there is one.
    error: Signal<Option<String>>,
    /// DOM id (for `aria-describedby`).
    #[prop(into)]
    id: String,
) -> impl IntoView {
    move || {
        error.get().map(|message| {
            view! {
                <p class="field-error" id=id.clone() role="alert">
                    {message}
                </p>
            }
        })
    }
}
