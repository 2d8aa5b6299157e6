// Microsoft Entra ID stand-in, mounted under `/entra` (the "authority", standing in for
// https://login.microsoftonline.com).
//
// Shape (mcp-notes §6.2, all paths relative to the authority):
//   /{tid}/v2.0/.well-known/openid-configuration        tenant discovery, issuer {authority}/{tid}/v2.0
//   /{tid}/oauth2/v2.0/authorize | token | logout       tenant endpoints (NOT under /v2.0/)
//   /{tid}/discovery/v2.0/keys                          JWKS (one key set for all tenants)
//   /{tid}/oidc/userinfo                                userinfo (real Entra: graph.microsoft.com/oidc/userinfo)
//   /organizations/... and /common/...                  multi-tenant endpoints, same shapes; discovery
//                                                       has the LITERAL issuer {authority}/{tenantid}/v2.0
//   /{tenant}/adminconsent, /{tenant}/v2.0/adminconsent admin consent (no token, only a redirect)
// A tenant's verified domain (e.g. contoso.example) works in place of its GUID.
//
// Implementation: one genuine oidc-provider instance per tenant, because oidc-provider
// signs every ID token with `iss` = its own issuer (models/id_token.js) and Entra's
// multi-tenant tokens carry the USER's tenant issuer. The `organizations`/`common`
// endpoints are a thin router in front of them: the authorize endpoint asks which
// account signs in (home-realm discovery, like Entra's account picker) and continues at
// that user's tenant; the token/userinfo endpoints look up which tenant issued the code,
// refresh token or access token and hand the request to that tenant's provider.
import { createHmac } from 'node:crypto';

import express from 'express';
import Provider from 'oidc-provider';

import {
  TENANTS, GUID_RE, entraUsers, findTenant, matchEntraUsers, directoryRoles, emailDomainVerified,
} from './data.js';
import { esc, page, send, hiddenFields, errorText, renderErrorFor, logoutPagesFor } from './html.js';
import {
  freshLoginPolicy, offlineAccessShim, finishLogin, abortInteraction, loadInteraction,
  withQuery, requestParams,
} from './common.js';
import { adminConsentHandler, MULTI, CANCEL_DESCRIPTION } from './entra-adminconsent.js';
import { BRAND, entraError, accountList, emailForm, tenantLoginPage } from './entra-pages.js';

const ROUTES = {
  authorization: '/oauth2/v2.0/authorize',
  token: '/oauth2/v2.0/token',
  end_session: '/oauth2/v2.0/logout',
  jwks: '/discovery/v2.0/keys',
  userinfo: '/oidc/userinfo',
};

/**
 * Entra's `sub` is pairwise: unique per (user, application), different from `oid`
 * (mcp-notes §6.2: "sub is pairwise per app"). Deterministic across restarts.
 */
export function entraPairwiseSub(oid, clientId) {
  return createHmac('sha256', 'entra-stand-in-pairwise-subject').update(`${oid}:${clientId}`).digest('base64url');
}

/**
 * Makes oidc-provider's answers look like Entra's on the wire:
 *  * the discovery document has Entra's field set. Notably Entra does NOT advertise
 *    `code_challenge_methods_supported` although it supports S256 PKCE (seen by
 *    akuity/kargo#3359, immich-app/immich#18725, anthropics/claude-ai-mcp#786): a client
 *    must send PKCE to Entra without waiting for that field.
 *  * no RFC 9207 `iss` parameter on authorization responses (Entra sends none; with
 *    the multi-tenant `{tenantid}` issuer it could not be compared anyway).
 */
function entraWireShim() {
  return async (ctx, next) => {
    await next();
    const route = ctx.oidc?.route;
    if (route === 'discovery' && ctx.status === 200 && ctx.body) {
      const d = ctx.body;
      ctx.body = {
        token_endpoint: d.token_endpoint,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: d.jwks_uri,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: d.response_types_supported, // only "code" here
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: d.issuer,
        request_uri_parameter_supported: false,
        userinfo_endpoint: d.userinfo_endpoint,
        authorization_endpoint: d.authorization_endpoint,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: d.end_session_endpoint,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'preferred_username',
          'name', 'tid', 'ver', 'oid', 'email', 'wids', 'xms_edov'],
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
        rbac_url: 'https://pas.windows.net',
      };
    }
    const location = ctx.response.get('location');
    if (location && (route === 'authorization' || route === 'resume')) {
      const u = new URL(location, 'http://placeholder');
      if (u.searchParams.has('iss') && u.origin !== 'http://placeholder') {
        u.searchParams.delete('iss');
        ctx.set('location', u.href);
      }
    }
  };
}

export function createEntra({ origin, storage, registry, keyRing, hooks, cookieKeys, consents }) {
  const base = '/entra';
  const authority = `${origin}${base}`;
  const issuerFor = (tid) => `${authority}/${tid}/v2.0`;
  const providers = new Map(); // tid -> { provider, handle }

  // Issuers used by the negative-test hooks (mutations.js).
  const issuers = {
    mismatched(payload) {
      const i = TENANTS.findIndex((t) => t.tid === payload.tid);
      return issuerFor(TENANTS[(i + 1) % TENANTS.length].tid);
    },
    // The v1 issuer of the same tenant: a real-world mix-up (v1 vs v2 endpoints).
    wrong: (payload) => `https://sts.windows.net/${payload.tid}/`,
  };

  function buildTenant(tenant) {
    const short = tenant.tid.slice(0, 8);
    const provider = new Provider(issuerFor(tenant.tid), {
      adapter: storage.adapterFor(`entra:${tenant.tid}`),
      clients: registry.oidcClients('entra', { subject_type: 'pairwise' }),
      jwks: keyRing.privateJwks(),
      cookies: {
        keys: cookieKeys,
        names: { session: `_entra_${short}_session`, interaction: `_entra_${short}_interaction`, resume: `_entra_${short}_resume` },
      },
      routes: ROUTES,
      responseTypes: ['code'],
      pkce: { required: () => true },
      subjectTypes: ['pairwise'],
      pairwiseIdentifier: async (ctx, accountId, client) => entraPairwiseSub(accountId, client.clientId),
      // Entra v2 ID token claims: tid and ver always; name, preferred_username and oid
      // with `profile`; email with `email` and only if the user has a mailbox.
      // `wids` (directory role template ids) comes with every token, as in Entra when the app
      // registration's groupMembershipClaims includes DirectoryRole; `xms_edov` (an optional
      // claim: the tenant owns the email's domain) comes with `email`.
      claims: {
        openid: ['sub', 'tid', 'ver', 'wids'],
        profile: ['name', 'preferred_username', 'oid'],
        email: ['email', 'xms_edov'],
      },
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      // Put the scope-requested claims in the ID token itself, as Entra does
      // (oidc-provider's default keeps them for userinfo in the code flow).
      conformIdTokenClaims: false,
      allowOmittingSingleRegisteredRedirectUri: false,
      async findAccount(ctx, id) {
        const user = tenant.users.find((u) => u.oid === id);
        if (!user) return undefined;
        return {
          accountId: id,
          async claims() {
            return {
              sub: id,
              tid: tenant.tid,
              ver: '2.0',
              oid: user.oid,
              name: user.name,
              preferred_username: user.upn,
              wids: directoryRoles(user),
              ...(user.email ? { email: user.email, xms_edov: emailDomainVerified(user, tenant) } : {}),
            };
          },
        };
      },
      interactions: {
        url: (ctx, interaction) => `${base}/${tenant.tid}/interaction/${interaction.uid}`,
        policy: freshLoginPolicy(),
      },
      features: {
        devInteractions: { enabled: false },
        pushedAuthorizationRequests: { enabled: false }, // Entra has no PAR endpoint
        rpInitiatedLogout: { enabled: true, ...logoutPagesFor(BRAND) },
      },
      ttl: {
        AccessToken: 3600, IdToken: 3600, AuthorizationCode: 600, Interaction: 3600,
        Session: 86400, Grant: 86400, RefreshToken: 86400,
      },
      renderError: renderErrorFor(BRAND),
      clientBasedCORS: () => false,
    });
    provider.use(offlineAccessShim(ROUTES.authorization));
    provider.use(entraWireShim());
    provider.use(hooks.middleware({ realm: 'entra', keyRing, issuers }));
    registry.install(provider);
    return { provider, handle: provider.callback() };
  }

  /** (Re)creates every tenant's Provider, e.g. after a key rotation. State is kept in `storage`. */
  function build() {
    for (const tenant of TENANTS) providers.set(tenant.tid, buildTenant(tenant));
  }
  build();

  /** Hands a request to a tenant's oidc-provider as if it had arrived at `/entra/{tid}{path}`. */
  function forward(req, res, tid, path) {
    const q = req.url.indexOf('?');
    req.url = path + (q === -1 ? '' : req.url.slice(q));
    // oidc-provider derives its mount path (and so every URL it emits) from originalUrl.
    req.originalUrl = `${base}/${tid}${req.url}`;
    return providers.get(tid).handle(req, res);
  }

  const router = express.Router();
  const form = express.urlencoded({ extended: false });

  // --- domain names in place of tenant GUIDs ----------------------------------------
  router.use((req, res, next) => {
    const m = /^\/entra\/([^/?]+)(.*)$/.exec(req.url);
    if (m && !GUID_RE.test(m[1]) && !MULTI.includes(m[1])) {
      const tenant = findTenant(m[1]);
      if (tenant) {
        req.url = `${base}/${tenant.tid}${m[2]}`;
        req.originalUrl = req.url;
      }
    }
    next();
  });

  // --- multi-tenant discovery: literal {tenantid} issuer ---------------------------
  router.get(MULTI.map((t) => `${base}/${t}/v2.0/.well-known/openid-configuration`), async (req, res) => {
    const seg = req.path.split('/')[2];
    // Take a real tenant's oidc-provider discovery document and re-point it.
    const template = TENANTS[0].tid;
    const r = await fetch(`${origin}${base}/${template}/v2.0/.well-known/openid-configuration`);
    const doc = await r.json();
    const from = `${authority}/${template}/`;
    for (const [k, v] of Object.entries(doc)) {
      if (typeof v === 'string' && v.startsWith(from)) doc[k] = `${authority}/${seg}/${v.slice(from.length)}`;
    }
    doc.issuer = `${authority}/{tenantid}/v2.0`;
    doc.tenant_region_scope = null; // as on Entra's multi-tenant endpoints
    res.set('Cache-Control', 'no-store').json(doc);
  });

  // --- multi-tenant authorize: account picker (home-realm discovery) ---------------
  router.all(MULTI.map((t) => `${base}/${t}${ROUTES.authorization}`), form, (req, res) => {
    const seg = req.path.split('/')[2];
    const params = requestParams(req);
    const client = registry.get(params.client_id, 'entra');
    // Unknown client or unregistered redirect URI: error page, never a redirect (Entra
    // shows AADSTS700016 / AADSTS50011 pages for these).
    if (!client) return send(res, entraError(`AADSTS700016: Application with identifier '${params.client_id ?? ''}' was not found in the directory '${seg}'.`));
    if (!registry.redirectAllowed(client, params.redirect_uri)) {
      return send(res, entraError(`AADSTS50011: The redirect URI '${params.redirect_uri ?? ''}' specified in the request does not match the redirect URIs configured for the application '${client.client_id}'.`));
    }
    const { login, cancel, ...authParams } = params;
    if (cancel) {
      return res.redirect(303, withQuery(params.redirect_uri, { error: 'access_denied', error_description: CANCEL_DESCRIPTION, state: params.state }));
    }
    const typed = login ?? authParams.login_hint;
    let users = entraUsers();
    let message;
    let error;
    if (typed) {
      const matches = matchEntraUsers(typed);
      if (matches.length === 1) {
        // Continue at the user's home tenant; login_hint lets its sign-in page finish
        // without asking again.
        const tenantUrl = `${authority}/${matches[0].tenant.tid}${ROUTES.authorization}`;
        return res.redirect(req.method === 'POST' ? 303 : 302, withQuery(tenantUrl, { ...authParams, login_hint: matches[0].upn }));
      }
      if (matches.length > 1) {
        users = matches;
        message = `Several accounts use ${typed}. Pick one.`;
      } else if (login !== undefined) {
        error = "We couldn't find an account with that username.";
      }
    }
    if (String(authParams.prompt ?? '').split(' ').includes('none')) {
      // No SSO session at the multi-tenant endpoint: like Entra, a silent request
      // without a resolvable account fails.
      return res.redirect(302, withQuery(params.redirect_uri, {
        error: 'login_required',
        error_description: 'AADSTS50058: A silent sign-in request was sent but no user is signed in.',
        state: params.state,
      }));
    }
    const action = `${base}/${seg}${ROUTES.authorization}`;
    const hidden = hiddenFields(authParams, ['login_hint']);
    return send(res, page({
      title: 'Pick an account',
      brand: BRAND,
      body: `<p class="meta">Signing in to <strong>${esc(client.client_name)}</strong> (any organization)</p>
${message ? `<p role="status">${esc(message)}</p>` : ''}${errorText(error)}
${accountList(action, hidden, users)}
${emailForm(action, hidden, 'Sign in')}
<form method="post" action="${esc(action)}">${hidden}<input type="hidden" name="cancel" value="1"><button type="submit">Cancel</button></form>`,
    }));
  });

  // --- multi-tenant token / userinfo / keys / logout: route to the issuing tenant ---
  const findTenantOf = (model, id) => id && TENANTS.find((t) => storage.peek(`entra:${t.tid}`, model, id))?.tid;

  router.post(MULTI.map((t) => `${base}/${t}${ROUTES.token}`), express.text({ type: '*/*', limit: '64kb' }), (req, res) => {
    const body = typeof req.body === 'string' ? req.body : '';
    const p = new URLSearchParams(body);
    const tid = findTenantOf('AuthorizationCode', p.get('code')) ?? findTenantOf('RefreshToken', p.get('refresh_token'));
    // oidc-provider reads an already-consumed body from req.body (string).
    req.body = body;
    // Unknown code: any tenant answers with the genuine invalid_grant error.
    forward(req, res, tid ?? TENANTS[0].tid, ROUTES.token);
  });

  router.all(MULTI.map((t) => `${base}/${t}${ROUTES.userinfo}`), (req, res) => {
    const bearer = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    forward(req, res, findTenantOf('AccessToken', bearer) ?? TENANTS[0].tid, ROUTES.userinfo);
  });

  router.get(MULTI.map((t) => `${base}/${t}${ROUTES.jwks}`), (req, res) => forward(req, res, TENANTS[0].tid, ROUTES.jwks));

  router.all(MULTI.map((t) => `${base}/${t}${ROUTES.end_session}`), (req, res) => {
    // Sign-out goes to the tenant named in id_token_hint (if any).
    let tid = TENANTS[0].tid;
    try {
      const hint = String(req.query.id_token_hint ?? '');
      const claimed = JSON.parse(Buffer.from(hint.split('.')[1] ?? '', 'base64url').toString()).tid;
      if (findTenant(claimed)) tid = claimed;
    } catch { /* no or malformed hint */ }
    forward(req, res, tid, ROUTES.end_session);
  });

  // --- admin consent ------------------------------------------------------------------
  router.all([`${base}/:tenant/adminconsent`, `${base}/:tenant/v2.0/adminconsent`], form, adminConsentHandler({ registry, consents }));

  // --- per-tenant sign-in page (oidc-provider interaction) --------------------------
  router.get(`${base}/:tid/interaction/:uid`, async (req, res) => {
    const entry = providers.get(req.params.tid);
    if (!entry) return send(res, entraError('Unknown tenant.'));
    const details = await loadInteraction(entry.provider, req, res, BRAND);
    if (!details) return undefined;
    if (details.prompt.name !== 'login') {
      // Only the consent prompt is left (session exists): approve it.
      return finishLogin(entry.provider, req, res, details, details.session.accountId);
    }
    const tenant = findTenant(req.params.tid);
    const hinted = matchEntraUsers(details.params.login_hint, tenant);
    if (hinted.length === 1) return finishLogin(entry.provider, req, res, details, hinted[0].oid);
    return send(res, loginPage(tenant, details));
  });

  router.post(`${base}/:tid/interaction/:uid/login`, form, async (req, res) => {
    const entry = providers.get(req.params.tid);
    if (!entry) return send(res, entraError('Unknown tenant.'));
    const details = await loadInteraction(entry.provider, req, res, BRAND);
    if (!details) return undefined;
    const tenant = findTenant(req.params.tid);
    const matches = matchEntraUsers(req.body?.login, tenant);
    if (matches.length !== 1) {
      return send(res, loginPage(tenant, details, "We couldn't find an account with that username."));
    }
    return finishLogin(entry.provider, req, res, details, matches[0].oid);
  });

  router.post(`${base}/:tid/interaction/:uid/abort`, async (req, res) => {
    const entry = providers.get(req.params.tid);
    if (!entry) return send(res, entraError('Unknown tenant.'));
    const details = await loadInteraction(entry.provider, req, res, BRAND);
    if (!details) return undefined;
    return abortInteraction(entry.provider, req, res, 'access_denied', CANCEL_DESCRIPTION);
  });

  // --- per-tenant oidc-provider ----------------------------------------------------------
  for (const tenant of TENANTS) {
    router.use(`${base}/${tenant.tid}`, (req, res, next) => {
      const path = req.path;
      if (path === '/v2.0/.well-known/openid-configuration') {
        // Entra serves v2 discovery under /v2.0/ while the endpoints are not under it;
        // oidc-provider only knows /.well-known/openid-configuration at its mount path.
        return forward(req, res, tenant.tid, '/.well-known/openid-configuration');
      }
      // Entra's /{tid}/.well-known/openid-configuration is the v1 (sts.windows.net)
      // document, which this stand-in does not emulate.
      if (path.startsWith('/.well-known/')) return next();
      return providers.get(tenant.tid).handle(req, res);
    });
  }

  function loginPage(tenant, details, error) {
    const clientName = registry.get(details.params.client_id)?.client_name ?? details.params.client_id;
    return tenantLoginPage({ base, tenant, details, clientName, error });
  }

  return {
    router,
    rebuild: build,
    issuerFor,
    authority,
    describe: () => TENANTS.map((t) => ({
      name: t.name,
      tid: t.tid,
      domain: t.domain,
      issuer: issuerFor(t.tid),
      users: t.users.map((u) => ({ upn: u.upn, email: u.email, name: u.name, oid: u.oid, admin: u.admin })),
    })),
  };
}
