//! Tool access: the organisation's allowlists per vendor for the whole organisation, a team or a
//! role, and the deny-by-default switch. Owners and admins edit; everyone else sees the lists
//! read-only with the reason.

use std::collections::BTreeSet;

use leptos::prelude::*;

use crate::{
    components::{
        form::{action_error, hydrated, successes, toast_on_success, FormError},
        status::{ErrorPanel, Loading},
    },
    server_fns::connections::{get_tool_access, SetToolAllowlist, SetToolDefault, ToolAccessView},
};

/// The tool-access section (members of an organisation only).
#[component]
pub(crate) fn ToolAccess() -> impl IntoView {
    let save = ServerAction::<SetToolAllowlist>::new();
    let default = ServerAction::<SetToolDefault>::new();
    toast_on_success(save, || "Tool access saved".into());
    toast_on_success(default, || "Default saved".into());
    let (saved, defaulted) = (successes(save), successes(default));
    let data = Resource::new(
        move || (saved.get(), defaulted.get()),
        |_| get_tool_access(),
    );
    // The subject and vendor being edited outlive the reload after a save (empty: the first).
    let choice = Choice {
        subject: RwSignal::new(String::new()),
        vendor: RwSignal::new(String::new()),
    };
    view! {
        <section class="card" aria-labelledby="tool-access-title" id="tool-access">
            <h2 id="tool-access-title">"Tool access"</h2>
            <p class="muted">
                "Which vendor tools members see, whichever credential they use. A tool is available when the organisation's list, the role's list and (if any of their teams has one) a team's list all allow it. Owners are never restricted."
            </p>
            <Transition fallback=|| view! { <Loading label="Loading tool access…" /> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(view) => view! { <Editor view save default choice /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// Which list the editor shows: subject and vendor keys.
#[derive(Clone, Copy)]
struct Choice {
    subject: RwSignal<String>,
    vendor: RwSignal<String>,
}

#[component]
fn Editor(
    view: ToolAccessView,
    save: ServerAction<SetToolAllowlist>,
    default: ServerAction<SetToolDefault>,
    choice: Choice,
) -> impl IntoView {
    let hydrated = hydrated();
    let read_only = view.refusal.is_some();
    let data = StoredValue::new(view.clone());
    let Choice { subject, vendor } = choice;
    if !view
        .subjects
        .iter()
        .any(|(k, _)| *k == subject.get_untracked())
    {
        subject.set(
            view.subjects
                .first()
                .map(|(k, _)| k.clone())
                .unwrap_or_default(),
        );
    }
    if !view
        .vendors
        .iter()
        .any(|v| v.vendor == vendor.get_untracked())
    {
        vendor.set(
            view.vendors
                .first()
                .map(|v| v.vendor.clone())
                .unwrap_or_default(),
        );
    }
    // The saved list for the chosen subject and vendor (None: no list, the default applies).
    let saved_list = Memo::new(move |_| {
        let (s, v) = (subject.get(), vendor.get());
        data.with_value(|d| {
            d.vendors
                .iter()
                .find(|x| x.vendor == v)
                .and_then(|x| x.lists.iter().find(|(k, _)| *k == s))
                .and_then(|(_, list)| list.clone())
        })
    });
    let tools = Memo::new(move |_| {
        let v = vendor.get();
        data.with_value(|d| {
            d.vendors
                .iter()
                .find(|x| x.vendor == v)
                .map(|x| x.tools.clone())
                .unwrap_or_default()
        })
    });
    let checked = RwSignal::new(BTreeSet::<String>::new());
    Effect::new(move |_| {
        let set: BTreeSet<String> = match saved_list.get() {
            Some(list) => list.into_iter().collect(),
            None => tools.get().into_iter().map(|(n, _, _)| n).collect(),
        };
        checked.set(set);
    });
    let deny_by_default = view.deny_by_default;
    let save_error = action_error(save);
    let default_error = action_error(default);
    let disabled = move || read_only || !hydrated.get();
    view! {
        {view.refusal.clone().map(|reason| view! { <p class="muted unavailable" id="tool-access-unavailable">{reason}</p> })}
        <ActionForm action=default attr:class="inline-form">
            <input type="hidden" name="deny_by_default" value=(!deny_by_default).to_string() />
            <p>
                {if deny_by_default {
                    "Default: vendors without an organisation-wide list offer no tools (deny by default)."
                } else {
                    "Default: vendors without an organisation-wide list offer all their tools."
                }}
            </p>
            <button type="submit" class="btn btn-secondary btn-small" disabled=read_only>
                {if deny_by_default { "Allow by default" } else { "Deny by default" }}
            </button>
            <FormError error=default_error id="tool-default-error" />
        </ActionForm>
        <div class="form-grid">
            <div class="field">
                <label for="access-subject">"Applies to"</label>
                <select id="access-subject" class="input" on:change=move |ev| subject.set(event_target_value(&ev))>
                    {view.subjects.iter().map(|(k, l)| {
                        let selected = *k == subject.get_untracked();
                        view! { <option value=k.clone() selected=selected>{l.clone()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="access-vendor">"Vendor"</label>
                <select id="access-vendor" class="input" on:change=move |ev| vendor.set(event_target_value(&ev))>
                    {view.vendors.iter().map(|v| {
                        let selected = v.vendor == vendor.get_untracked();
                        view! { <option value=v.vendor.clone() selected=selected>{v.name.clone()}</option> }
                    }).collect_view()}
                </select>
            </div>
        </div>
        <p class="muted" id="access-state">
            {move || match saved_list.get() {
                Some(list) => format!("A list is saved: {} of {} tools allowed.", list.len(), tools.get().len()),
                None => "No list saved for this choice: the default applies.".to_owned(),
            }}
        </p>
        <fieldset class="tool-checklist" disabled=read_only>
            <legend class="visually-hidden">"Allowed tools"</legend>
            {move || tools.get().into_iter().map(|(name, title, destructive)| {
                let id = format!("tool-{name}");
                let label_for = id.clone();
                let n = name.clone();
                let n2 = name.clone();
                view! {
                    <label class="check" for=label_for>
                        <input type="checkbox" id=id
                            prop:checked=move || checked.with(|c| c.contains(&n))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                checked.update(|c| { if on { c.insert(n2.clone()); } else { c.remove(&n2); } });
                            } />
                        " " {title} " " <span class="mono cell-small">{name.clone()}</span>
                        {destructive.then(|| view! { " " <span class="badge badge-warning">"writes"</span> })}
                    </label>
                }
            }).collect_view()}
        </fieldset>
        <div class="form-actions">
            <button type="button" class="btn btn-primary" disabled=disabled
                on:click=move |_| {
                    save.dispatch(SetToolAllowlist {
                        subject: subject.get_untracked(),
                        vendor: vendor.get_untracked(),
                        tools: checked.get_untracked().into_iter().collect(),
                        reset: false,
                    });
                }>"Save list"</button>
            <button type="button" class="btn btn-ghost" disabled=disabled
                on:click=move |_| {
                    save.dispatch(SetToolAllowlist {
                        subject: subject.get_untracked(),
                        vendor: vendor.get_untracked(),
                        tools: Vec::new(),
                        reset: true,
                    });
                }>"Reset to default"</button>
        </div>
        <FormError error=save_error id="tool-access-error" />
    }
}
