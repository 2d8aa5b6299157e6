// Pieces of oidc-provider configuration shared by the Entra and Auth0 stand-ins.
import { interactionPolicy } from 'oidc-provider';

import { esc, page, send } from './html.js';

const { base, Check } = interactionPolicy;

/**
 * oidc-provider's default interaction policy plus one check: every interactive
 * authorization request shows the sign-in page, even when the browser still has a
 * session with this provider. Real Entra/Auth0 would often sign the user in silently
 * (SSO) or show an account picker; for tests "the picker always appears" is the
 * predictable behaviour (a test can sign in as user A and then as user B in the same
 * browser context). `prompt=none` still uses the existing session (or fails with
 * login_required), exactly as oidc-provider does by default.
 */
export function freshLoginPolicy() {
  const policy = base();
  policy.get('login').checks.add(new Check(
    'stand_in_fresh_login',
    'the stand-in shows the sign-in page for every interactive request',
    (ctx) => {
      const { oidc } = ctx;
      if (oidc.prompts.has('none') || oidc.result?.login) return Check.NO_NEED_TO_PROMPT;
      return Check.REQUEST_PROMPT;
    },
  ));
  return policy;
}

/**
 * oidc-provider follows OIDC Core §11 and silently drops `offline_access` unless the
 * request also has `prompt=consent`, so no refresh token would be issued. Entra and
 * Auth0 issue a refresh token for `offline_access` without `prompt=consent`. This Koa
 * middleware adds `consent` to the prompt of such authorization requests; the sign-in
 * handler always records consent together with the login (finishLogin), so nothing
 * extra is shown to the user.
 */
export function offlineAccessShim(authorizationPath) {
  return async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === authorizationPath) {
      const q = { ...ctx.query };
      const scopes = String(q.scope ?? '').split(' ');
      const prompts = String(q.prompt ?? '').split(' ').filter(Boolean);
      if (scopes.includes('offline_access') && !prompts.includes('consent') && !prompts.includes('none')) {
        q.prompt = [...prompts, 'consent'].join(' ');
        ctx.query = q;
      }
    }
    await next();
  };
}

/**
 * Completes a login interaction for `accountId` and auto-approves consent: a Grant for
 * all requested scopes/claims is created and handed back together with the login result.
 * (Entra and Auth0 show no consent page for first-party/pre-consented apps either.)
 */
export async function finishLogin(provider, req, res, details, accountId) {
  // Another account is still signed in to this provider's session (same browser):
  // sign it out silently. Otherwise oidc-provider would answer the resume request with
  // an auto-submitting logout form (resume.js), which a cookie-jar HTTP client without
  // JavaScript cannot follow.
  if (details.session?.accountId && details.session.accountId !== accountId && details.session.cookie) {
    const session = await provider.Session.find(details.session.cookie);
    if (session) {
      for (const k of ['accountId', 'loginTs', 'acr', 'amr', 'authorizations']) delete session[k];
      await session.persist();
    }
    // The interaction remembers the session's principal and oidc-provider refuses to
    // finish it when they differ ("session principal changed").
    delete details.session.accountId;
    await details.persist();
  }
  const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
  if (details.params.scope) grant.addOIDCScope(details.params.scope);
  if (details.params.claims) {
    try {
      const claims = JSON.parse(details.params.claims);
      grant.addOIDCClaims([...Object.keys(claims.id_token ?? {}), ...Object.keys(claims.userinfo ?? {})]);
    } catch {
      // oidc-provider already rejected malformed `claims` before the interaction started
    }
  }
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

/** Ends the interaction with an OAuth error that is redirected to the client. */
export async function abortInteraction(provider, req, res, error, description) {
  await provider.interactionFinished(
    req,
    res,
    { error, error_description: description },
    { mergeWithLastSubmission: false },
  );
}

/**
 * Loads interaction details for the uid in the URL; renders an error page and returns
 * undefined when the interaction cookie/session is missing or belongs to another uid.
 */
export async function loadInteraction(provider, req, res, brand) {
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== req.params.uid) throw new Error('interaction uid mismatch');
    return details;
  } catch (err) {
    send(res, page({
      title: 'Sign-in session not found',
      brand,
      status: 400,
      body: `<p class="error" role="alert">${esc(err.message)}</p>
<p>Start the sign-in again from the application.</p>`,
    }));
    return undefined;
  }
}

/** Appends query parameters to a redirect URI (keeping any it already has). */
export function withQuery(uri, params) {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) u.searchParams.set(k, v);
  return u.href;
}

/** The query string / form body of a request as a plain object of strings. */
export function requestParams(req) {
  const out = {};
  const merge = (src) => {
    for (const [k, v] of Object.entries(src ?? {})) out[k] = Array.isArray(v) ? v[0] : String(v);
  };
  merge(req.query);
  if (req.method === 'POST' && req.body && typeof req.body === 'object') merge(req.body);
  return out;
}
