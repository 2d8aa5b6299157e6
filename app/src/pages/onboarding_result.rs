//! `/auth/admin-consent/result`: the outcome of connecting a Microsoft 365 organisation — what was
//! granted and how to revoke it (200), or why nothing was changed and how to try again (400).

use leptos::prelude::*;
use leptos_meta::Title;

use super::outcome::{set_status, NoticePage, TechnicalDetails, BAD_REQUEST};
use crate::{
    routes,
    server_fns::auth::{AuthNotice, OnboardingProblem},
};

/// The onboarding outcome page.
#[component]
pub fn OnboardingResultPage() -> impl IntoView {
    view! {
        <NoticePage
            title="Onboarding"
            render=|notice| match notice {
                AuthNotice::OnboardingComplete { customer_name, tenant_id } => {
                    Some(view! { <Connected customer_name tenant_id /> }.into_any())
                }
                AuthNotice::OnboardingAwaitingApproval { customer_name, tenant_id } => {
                    Some(view! { <AwaitingApproval customer_name tenant_id /> }.into_any())
                }
                AuthNotice::OnboardingFailed {
                    customer_name,
                    problem,
                    detail,
                    retry_link,
                    reference,
                } => {
                    set_status(BAD_REQUEST);
                    Some(
                        view! { <NotConnected customer_name problem detail retry_link reference /> }
                            .into_any(),
                    )
                }
                _ => None,
            }
        />
    }
}

#[component]
fn Connected(customer_name: String, tenant_id: String) -> impl IntoView {
    let heading = format!("{customer_name} is connected");
    view! {
        <Title text=heading.clone() />
        <div class="card auth-card auth-card-wide">
            <p class="badge badge-success">"Connected"</p>
            <h1>{heading}</h1>
            <dl class="facts">
                <dt>"Customer"</dt>
                <dd>{customer_name}</dd>
                <dt>"Microsoft tenant"</dt>
                <dd>
                    <code class="mono">{tenant_id}</code>
                </dd>
                <dt>"Granted"</dt>
                <dd>
                    "Sign-in only: openid, profile and email — your users' name and email address. "
                    "No access to mail, files or other data."
                </dd>
            </dl>
            <section aria-labelledby="revoke-title" class="auth-section">
                <h2 id="revoke-title">"How to revoke"</h2>
                <p>
                    "In the Microsoft Entra admin center, open Enterprise applications, select this "
                    "application, open Properties and choose Delete."
                </p>
            </section>
            <a class="btn btn-primary" href=routes::SETTINGS>
                "Continue to settings"
            </a>
        </div>
    }
}

#[component]
fn AwaitingApproval(customer_name: String, tenant_id: String) -> impl IntoView {
    let heading = format!("{customer_name} is waiting for approval");
    view! {
        <Title text=heading.clone() />
        <div class="card auth-card auth-card-wide">
            <p class="badge">"Awaiting approval"</p>
            <h1>{heading}</h1>
            <p>
                "Consent was granted and your administrator role confirmed. The gateway's operators "
                "approve new organisations before their users can sign in; you will be able to "
                "sign in once they have."
            </p>
            <dl class="facts">
                <dt>"Customer"</dt>
                <dd>{customer_name}</dd>
                <dt>"Microsoft tenant"</dt>
                <dd>
                    <code class="mono">{tenant_id}</code>
                </dd>
            </dl>
        </div>
    }
}

/// Why nothing was changed, in one or two sentences.
fn explanation(customer_name: Option<&str>, problem: OnboardingProblem) -> String {
    match problem {
        OnboardingProblem::Declined => match customer_name {
            Some(name) => format!("Consent was not granted for {name}. Nothing was changed."),
            None => "Consent was not granted. Nothing was changed.".to_owned(),
        },
        OnboardingProblem::UnknownRequest => "This consent answer does not belong to a request \
                                              started in this browser, or it has expired (consent \
                                              must be granted within 10 minutes of opening the \
                                              link). Nothing was changed."
            .to_owned(),
        OnboardingProblem::WrongTenant => "You signed in with an account from a different \
                                           Microsoft tenant than the one that granted consent. \
                                           Sign in with an administrator account of the tenant \
                                           that granted consent."
            .to_owned(),
        OnboardingProblem::Unavailable => "Microsoft could not be reached to confirm your \
                                           sign-in. Try again in a few minutes."
            .to_owned(),
        OnboardingProblem::SignInFailed => {
            "Your confirmation sign-in could not be verified, so nothing was changed.".to_owned()
        }
        OnboardingProblem::NotAnAdministrator => "The account you signed in with is not an \
                                                  administrator of this Microsoft tenant, so \
                                                  nothing was changed. Ask a Global Administrator \
                                                  or an Application Administrator of your \
                                                  organisation to open the consent link and sign \
                                                  in."
        .to_owned(),
    }
}

#[component]
fn NotConnected(
    customer_name: Option<String>,
    problem: OnboardingProblem,
    detail: Option<String>,
    retry_link: Option<String>,
    reference: Option<String>,
) -> impl IntoView {
    view! {
        <Title text="The organisation was not connected" />
        <div class="card auth-card auth-card-wide">
            <h1>"The organisation was not connected"</h1>
            <p>{explanation(customer_name.as_deref(), problem)}</p>
            <TechnicalDetails detail reference />
            {retry_link
                .map(|href| {
                    view! {
                        // A server route (it redirects to Microsoft): not for the client router.
                        <a class="btn btn-primary" href=href rel="external">
                            "Try again"
                        </a>
                    }
                })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declined_consent_names_the_customer_when_known() {
        assert_eq!(
            explanation(Some("Contoso"), OnboardingProblem::Declined),
            "Consent was not granted for Contoso. Nothing was changed."
        );
        assert_eq!(
            explanation(None, OnboardingProblem::Declined),
            "Consent was not granted. Nothing was changed."
        );
    }

    #[test]
    fn long_explanations_read_as_one_sentence_each() {
        assert_eq!(
            explanation(None, OnboardingProblem::UnknownRequest),
            "This consent answer does not belong to a request started in this browser, or it has \
             expired (consent must be granted within 10 minutes of opening the link). Nothing was \
             changed."
        );
        assert!(!explanation(None, OnboardingProblem::WrongTenant).contains("  "));
    }
}
