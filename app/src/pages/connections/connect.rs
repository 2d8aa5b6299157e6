//! The connect panel: the vendor's own form (its fields, kinds, help and patterns), where the
//! connection goes, its slug and name. Submitting runs the vendor's check on the server; the
//! connection is saved only if the vendor accepted the credential. A refusal keeps everything
//! typed (secrets included, in this browser only) and shows each field's problem beside it.

use super::{ConnectTarget, ConnectionActions};
use crate::{
    error::PortalError,
    server_fns::connections::{CreateConnection, FieldView, StartVendorConsent, UpdateConnection},
};
use leptos::{html, prelude::*};

/// The panel.
#[component]
pub(crate) fn ConnectPanel(
    target: ConnectTarget,
    placements: Vec<(String, String)>,
    actions: ConnectionActions,
    close: Callback<()>,
) -> impl IntoView {
    let ConnectTarget { vendor, editing } = target;
    let form_ref = NodeRef::<html::Form>::new();
    let heading_ref = NodeRef::<html::H2>::new();
    // Move focus to the panel when it opens, so keyboard users land in the form.
    Effect::new(move |_| {
        if let Some(h) = heading_ref.get() {
            let _ = h.focus();
        }
    });
    let is_edit = editing.is_some();
    // A vendor connected by signing in: the form's values go with the browser to the vendor's
    // consent page, and the connection is saved when the vendor sends it back.
    let consent_provider = vendor.consent_provider.clone();
    let by_consent = consent_provider.is_some() && !is_edit;
    let consent_ready = vendor.consent_configured;
    let consent = ServerAction::<StartVendorConsent>::new();
    Effect::new(move |_| {
        if let Some(Ok(url)) = consent.value().get() {
            let _ = window().location().set_href(&url);
        }
    });
    // The form submits through the wasm bundle only (a JSON server-function call). Until the
    // page is hydrated its button stays disabled, so pressing Enter cannot submit it natively
    // (which would put the typed secret in a URL).
    let hydrated = crate::components::form::hydrated();
    // A refusal shown in an earlier panel (another vendor, or one cancelled) is not this form's.
    actions.create.value().set(None);
    actions.update.value().set(None);
    let pending = Signal::derive(move || {
        if by_consent {
            consent.pending().get() || consent.value().with(|v| matches!(v, Some(Ok(_))))
        } else if is_edit {
            actions.update.pending().get()
        } else {
            actions.create.pending().get()
        }
    });
    let result_error = Signal::derive(move || {
        if by_consent {
            consent.value().get().and_then(|r| r.err())
        } else if is_edit {
            actions.update.value().get().and_then(|r| r.err())
        } else {
            actions.create.value().get().and_then(|r| r.err())
        }
    });
    // Close after a success (the list reloads with the new connection).
    let seen = StoredValue::new((
        actions.create.version().get_untracked(),
        actions.update.version().get_untracked(),
    ));
    Effect::new(move |_| {
        let versions = (
            actions.create.version().get(),
            actions.update.version().get(),
        );
        let ok = if is_edit {
            actions.update.value().with(|v| matches!(v, Some(Ok(_))))
        } else {
            actions.create.value().with(|v| matches!(v, Some(Ok(_))))
        };
        if versions != seen.get_value() {
            seen.set_value(versions);
            if ok {
                close.run(());
            }
        }
    });
    let field_error = move |name: &str| {
        let name = name.to_owned();
        Signal::derive(move || match result_error.get() {
            Some(PortalError::Fields(fields)) => {
                fields.into_iter().find(|(f, _)| *f == name).map(|(_, m)| m)
            }
            _ => None,
        })
    };
    let field_names: Vec<String> = vendor.fields.iter().map(|f| f.name.clone()).collect();
    // Field problems show beside their field; one about something the form has no field for
    // (the placement, the vendor) is shown above the button rather than lost.
    let shown_beside = StoredValue::new(field_names.clone());
    let general_error = Signal::derive(move || match result_error.get() {
        Some(PortalError::Fields(fields)) => {
            let elsewhere: Vec<String> = fields
                .into_iter()
                .filter(|(f, _)| {
                    f != "slug" && f != "name" && !shown_beside.with_value(|n| n.contains(f))
                })
                .map(|(_, m)| m)
                .collect();
            (!elsewhere.is_empty()).then(|| elsewhere.join(" "))
        }
        Some(other) => Some(other.to_string()),
        None => None,
    });
    let vendor_slug = vendor.slug.clone();
    let editing_id = editing.as_ref().map(|c| c.id.clone());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(form) = form_ref.get() else { return };
        let Ok(data) = web_sys::FormData::new_with_form(&form) else {
            return;
        };
        let get = |name: &str| data.get(name).as_string().unwrap_or_default();
        let fields: Vec<(String, String)> = field_names
            .iter()
            .map(|name| (name.clone(), get(&format!("field-{name}"))))
            .collect();
        if by_consent {
            consent.dispatch(StartVendorConsent {
                placement: get("placement"),
                vendor: vendor_slug.clone(),
                slug: get("slug"),
                name: get("name"),
                fields,
            });
            return;
        }
        match &editing_id {
            Some(id) => {
                actions.update.dispatch(UpdateConnection {
                    id: id.clone(),
                    slug: get("slug"),
                    name: get("name"),
                    fields,
                });
            }
            None => {
                actions.create.dispatch(CreateConnection {
                    placement: get("placement"),
                    vendor: vendor_slug.clone(),
                    slug: get("slug"),
                    name: get("name"),
                    fields,
                });
            }
        }
    };
    let title = match &editing {
        Some(card) => format!("Edit {}", card.name),
        None => format!("Connect {}", vendor.name),
    };
    let (slug_value, name_value) = match &editing {
        Some(card) => (card.slug.clone(), card.name.clone()),
        None => (vendor.slug.clone(), String::new()),
    };
    let settings = editing
        .as_ref()
        .map(|c| c.setting_values.clone())
        .unwrap_or_default();
    let button_idle = match &consent_provider {
        Some(provider) if !is_edit => format!("Connect with {provider}"),
        _ if is_edit => "Test & save".to_owned(),
        _ => "Test & connect".to_owned(),
    };
    let button_busy = if by_consent {
        "Opening the sign-in…"
    } else {
        "Testing the connection…"
    };
    let not_configured = (by_consent && !consent_ready).then(|| {
        format!(
            "{} is not configured by the operator: the gateway has no app registered with {} yet, so it cannot be connected here. Ask your gateway's operator.",
            vendor.name,
            consent_provider.clone().unwrap_or_default()
        )
    });
    let blocked = not_configured.is_some();
    let slug_error = field_error("slug");
    let name_error = field_error("name");
    view! {
        <section class="card connect-panel" aria-labelledby="connect-title" id="connect-panel">
            <div class="section-header">
                <h2 id="connect-title" tabindex="-1" node_ref=heading_ref>{title}</h2>
                <button type="button" class="btn btn-ghost btn-small" on:click=move |_| close.run(())>"Cancel"</button>
            </div>
            <p class="muted">
                {vendor.description.clone()} " "
                <a href=vendor.docs_url.clone() target="_blank" rel="noopener noreferrer">"Vendor API documentation"</a>
            </p>
            {is_edit.then(|| view! {
                <p class="alert alert-warning">"Secrets are never shown again: enter them anew to save a change."</p>
            })}
            {not_configured.map(|text| view! {
                <p class="alert alert-warning" id="connect-not-configured">{text}</p>
            })}
            {(by_consent && !blocked).then(|| view! {
                <p class="muted">"You will sign in at the vendor as an administrator of the customer's tenant and accept the permissions; the connection is saved when you come back."</p>
            })}
            <form node_ref=form_ref on:submit=on_submit method="post" novalidate=false>
                <div class="form-grid">
                    {(!is_edit).then(|| view! {
                        <div class="field">
                            <label for="connect-placement">"Who uses it"</label>
                            <select id="connect-placement" name="placement" class="input">
                                {placements.into_iter().map(|(value, label)| view! { <option value=value>{label}</option> }).collect_view()}
                            </select>
                        </div>
                    })}
                    {vendor.fields.iter().map(|f| {
                        let value = settings.iter().find(|(k, _)| *k == f.name).map(|(_, v)| v.clone());
                        view! { <Field field=f.clone() value error=field_error(&f.name) /> }
                    }).collect_view()}
                    <div class="field">
                        <label for="connect-slug">"Tool prefix (slug)"</label>
                        <input id="connect-slug" name="slug" class="input mono" type="text" value=slug_value
                            maxlength="24" pattern="[a-z][a-z0-9\\-]*" aria-describedby="connect-slug-hint connect-slug-error" />
                        <p class="field-hint" id="connect-slug-hint">"Tools are named prefix__tool. Use another prefix to keep two accounts of one vendor apart."</p>
                        <FieldError error=slug_error id="connect-slug-error" />
                    </div>
                    <div class="field">
                        <label for="connect-name">"Name"</label>
                        <input id="connect-name" name="name" class="input" type="text" value=name_value maxlength="100"
                            placeholder=vendor.name.clone() aria-describedby="connect-name-error" />
                        <FieldError error=name_error id="connect-name-error" />
                    </div>
                </div>
                {move || general_error.get().map(|message| view! {
                    <div class="alert alert-error" role="alert" id="connect-error">{message}</div>
                })}
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" disabled=move || blocked || pending.get() || !hydrated.get()>
                        {move || if pending.get() { button_busy.to_owned() } else { button_idle.clone() }}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// One field of the vendor's form.
#[component]
fn Field(field: FieldView, value: Option<String>, error: Signal<Option<String>>) -> impl IntoView {
    let id = format!("field-{}", field.name);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = format!("{hint_id} {error_id}");
    let label = if field.required {
        field.label.clone()
    } else {
        format!("{} (optional)", field.label)
    };
    let value = value.or(field.default.clone()).unwrap_or_default();
    let input = match field.kind.as_str() {
        "select" => view! {
            <select id=id.clone() name=id.clone() class="input" required=field.required aria-describedby=described.clone()>
                {field.options.iter().map(|(v, l)| {
                    let selected = *v == value;
                    view! { <option value=v.clone() selected=selected>{l.clone()}</option> }
                }).collect_view()}
            </select>
        }
        .into_any(),
        kind => {
            let input_type = match kind {
                "secret" => "password",
                "url" => "url",
                _ => "text",
            };
            let value = if kind == "secret" { String::new() } else { value };
            view! {
                <input id=id.clone() name=id.clone() class="input" type=input_type value=value
                    required=field.required placeholder=field.placeholder.clone().unwrap_or_default()
                    pattern=field.pattern.clone() autocomplete=if kind == "secret" { "off" } else { "on" }
                    aria-invalid=move || error.get().is_some().then_some("true")
                    aria-describedby=described.clone() />
            }
            .into_any()
        }
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {input}
            {field.help.clone().map(|help| view! { <p class="field-hint" id=hint_id.clone()>{help}</p> })}
            <FieldError error id=error_id />
        </div>
    }
}

/// A field's problem, announced beside it.
#[component]
fn FieldError(error: Signal<Option<String>>, #[prop(into)] id: String) -> impl IntoView {
    view! {
        <p class="field-error" id=id role="alert">
            {move || error.get()}
        </p>
    }
}
