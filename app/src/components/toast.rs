//! Toasts: short, non-blocking confirmations announced to screen readers (`aria-live`).

use std::time::Duration;

use leptos::prelude::*;

/// How long a toast stays before it dismisses itself.
pub const TOAST_DURATION: Duration = Duration::from_secs(5);

/// Success or failure styling (and role).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    /// Something worked.
    Success,
    /// Something failed; the message says what to do.
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Toast {
    id: u64,
    kind: ToastKind,
    message: String,
}

/// Handle to show toasts, taken from context with [`use_toasts`].
#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next_id: StoredValue<u64>,
}

impl Toasts {
    /// Shows a toast that dismisses itself after [`TOAST_DURATION`].
    pub fn show(&self, kind: ToastKind, message: impl Into<String>) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.items.update(|items| {
            items.push(Toast {
                id,
                kind,
                message: message.into(),
            })
        });
        let items = self.items;
        set_timeout(
            move || items.update(|items| items.retain(|t| t.id != id)),
            TOAST_DURATION,
        );
    }

    fn dismiss(&self, id: u64) {
        self.items.update(|items| items.retain(|t| t.id != id));
    }
}

/// Puts a [`Toasts`] handle into context (once, at the app root) and returns it.
pub fn provide_toasts() -> Toasts {
    let toasts = Toasts {
        items: RwSignal::new(Vec::new()),
        next_id: StoredValue::new(0),
    };
    provide_context(toasts);
    toasts
}

/// The [`Toasts`] handle of the app (provided at the root; created here if a test mounts a
/// component on its own).
pub fn use_toasts() -> Toasts {
    use_context::<Toasts>().unwrap_or_else(provide_toasts)
}

/// Where toasts appear (bottom right; polite live region).
#[component]
pub fn ToastRegion() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toast-region" role="status" aria-live="polite" aria-atomic="false">
            <For each=move || toasts.items.get() key=|t| t.id let:toast>
                <div class=move || {
                    match toast.kind {
                        ToastKind::Success => "toast toast-success",
                        ToastKind::Error => "toast toast-error",
                    }
                }>
                    <span class="toast-message">{toast.message.clone()}</span>
                    <button
                        type="button"
                        class="toast-close"
                        aria-label="Dismiss notification"
                        on:click=move |_| toasts.dismiss(toast.id)
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}
