//! `/auth/error`: why a Microsoft or Auth0 sign-in did not complete, and a way to try again.
//!
//! The server's sign-in routes put the outcome in the session and redirect here; the status
//! follows the cause (400 for the browser's or provider's answer, 503 when the provider could not
//! be reached), so monitoring can tell an outage from users cancelling.

use leptos::prelude::*;
use leptos_meta::Title;

use super::outcome::{set_status, NoticePage, TechnicalDetails, BAD_REQUEST, SERVICE_UNAVAILABLE};
use crate::{
    routes,
    server_fns::auth::{AuthNotice, SignInProblem},
};

/// The failed sign-in page.
#[component]
pub fn AuthErrorPage() -> impl IntoView {
    view! {
        <NoticePage
            title="Sign-in did not complete"
            render=|notice| match notice {
                AuthNotice::SignInFailed { provider, problem, detail, next, reference } => {
                    set_status(status_of(problem));
                    Some(
                        view! { <SignInFailed provider problem detail next reference /> }
                            .into_any(),
                    )
                }
                _ => None,
            }
        />
    }
}

fn status_of(problem: SignInProblem) -> u16 {
    match problem {
        SignInProblem::Unavailable => SERVICE_UNAVAILABLE,
        SignInProblem::Expired
        | SignInProblem::Cancelled
        | SignInProblem::ProviderError
        | SignInProblem::Rejected => BAD_REQUEST,
    }
}

/// What happened, in one sentence naming the provider.
fn explanation(provider: &str, problem: SignInProblem) -> String {
    match problem {
        SignInProblem::Expired => {
            "This sign-in link has expired or was already used. Sign-ins must \
                                   finish within 10 minutes in the same browser."
                .to_owned()
        }
        SignInProblem::Cancelled => format!("You cancelled the sign-in at {provider}."),
        SignInProblem::ProviderError => format!("{provider} reported an error."),
        SignInProblem::Unavailable => {
            format!("{provider} could not be reached. Try again in a few minutes.")
        }
        SignInProblem::Rejected => {
            format!("{provider}'s answer could not be verified, so you were not signed in.")
        }
    }
}

#[component]
fn SignInFailed(
    provider: String,
    problem: SignInProblem,
    detail: Option<String>,
    next: String,
    reference: Option<String>,
) -> impl IntoView {
    let retry = if next.is_empty() {
        routes::LOGIN.to_owned()
    } else {
        routes::login_with_next(&next)
    };
    view! {
        <Title text="Sign-in did not complete" />
        <div class="card auth-card">
            <h1>"Sign-in did not complete"</h1>
            <p>{explanation(&provider, problem)}</p>
            <TechnicalDetails detail reference />
            <a class="btn btn-primary" href=retry>
                "Try again"
            </a>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_provider_is_a_503_and_everything_else_a_400() {
        assert_eq!(status_of(SignInProblem::Unavailable), 503);
        for problem in [
            SignInProblem::Expired,
            SignInProblem::Cancelled,
            SignInProblem::ProviderError,
            SignInProblem::Rejected,
        ] {
            assert_eq!(status_of(problem), 400);
        }
    }

    #[test]
    fn the_explanation_names_the_provider() {
        assert_eq!(
            explanation("Auth0", SignInProblem::Cancelled),
            "You cancelled the sign-in at Auth0."
        );
        assert_eq!(
            explanation("Microsoft", SignInProblem::Rejected),
            "Microsoft's answer could not be verified, so you were not signed in."
        );
    }
}
