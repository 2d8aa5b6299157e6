#!/usr/bin/env node
// Self-test of the OpenID provider stand-ins: starts `node server.js --port 0` as a child
// process and drives both providers over plain HTTP (fetch, manual redirects, a cookie
// jar, the HTML forms posted by hand) — no browser. Exits non-zero on any failure.
//
//   node selftest.js        (npm test)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';

const CLIENT_ID = 'gateway-test-client';
const CLIENT_SECRET = 'gateway-test-secret';
// Nothing listens there: flows stop at the redirect to it. The port is random on
// purpose, the default client accepts any loopback port.
const REDIRECT_URI = `http://127.0.0.1:${20000 + Math.floor(Math.random() * 20000)}/auth/callback/test`;

const CONTOSO = 'c0a7d3e1-5b2f-4c8a-9e61-0d4f7b2a9c31';
const FABRIKAM = 'f4b1e8c2-7d3a-4e9b-8c05-6a2d1f3e7b48';
const NORTHWIND = '9e2d6c4a-1f8b-4a7e-b3d9-5c0e8a6f2d17';

// ---------------------------------------------------------------------------------
// HTTP helpers
// ---------------------------------------------------------------------------------

/** Cookie jar + fetch without automatic redirects: one per simulated browser. */
class Browser {
  constructor() {
    this.cookies = new Map(); // `${name}|${path}` -> { name, value, path }
  }

  store(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = '/';
      let expired = false;
      for (const a of attrs) {
        const [k, v = ''] = a.split('=');
        if (k.toLowerCase() === 'path') path = v;
        if (k.toLowerCase() === 'expires' && Date.parse(v) < Date.now()) expired = true;
        if (k.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
      }
      const key = `${name}|${path}`;
      if (expired || value === '') this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path });
    }
  }

  cookieHeader(url) {
    const { pathname } = new URL(url);
    return [...this.cookies.values()]
      .filter((c) => pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  async fetch(url, { method = 'GET', form, headers = {} } = {}) {
    const h = { ...headers };
    const cookie = this.cookieHeader(url);
    if (cookie) h.cookie = cookie;
    let body;
    if (form) {
      body = new URLSearchParams(form).toString();
      h['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(url, { method, headers: h, body, redirect: 'manual' });
    this.store(res);
    return res;
  }

  /**
   * Requests `url`, then follows redirects (GET) until one points at the client's
   * redirect URI (returned as a URL, not fetched) or a non-redirect response arrives.
   */
  async navigate(url, opts) {
    let res = await this.fetch(url, opts);
    for (let hops = 0; hops < 20; hops++) {
      if (res.status < 300 || res.status >= 400) return { res, html: await res.text() };
      const location = new URL(res.headers.get('location'), url).href;
      if (location.startsWith(REDIRECT_URI.split('/auth/')[0])) return { callback: new URL(location), res };
      url = location;
      res = await this.fetch(url);
    }
    throw new Error('too many redirects');
  }
}

const htmlDecode = (s) => s.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<')
  .replaceAll('&gt;', '>').replaceAll('&amp;', '&');

/** The POST forms of a page: { action, hidden: {name: value}, html }. */
function forms(html) {
  return [...html.matchAll(/<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/g)].map(([, action, inner]) => ({
    action: htmlDecode(action),
    html: inner,
    hidden: Object.fromEntries([...inner.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)]
      .map(([, n, v]) => [htmlDecode(n), htmlDecode(v)])),
  }));
}

/** Submits the form that contains `marker` (e.g. a button value or a field name). */
async function submit(browser, pageUrl, html, marker, fields) {
  const f = forms(html).find((x) => x.html.includes(marker));
  assert.ok(f, `no form containing ${marker}`);
  return browser.navigate(new URL(f.action, pageUrl).href, { method: 'POST', form: { ...f.hidden, ...fields } });
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authRequest(endpoint, extra = {}) {
  const p = pkce();
  const state = randomBytes(8).toString('hex');
  const nonce = randomBytes(8).toString('hex');
  const url = new URL(endpoint);
  const params = {
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email',
    state,
    nonce,
    code_challenge: p.challenge,
    code_challenge_method: 'S256',
    ...extra,
  };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return { url: url.href, state, nonce, verifier: p.verifier };
}

async function getJson(url, init) {
  const res = await fetch(url, init);
  assert.equal(res.status, 200, `${url} -> ${res.status} ${await res.clone().text()}`);
  return res.json();
}

async function redeem(tokenEndpoint, code, verifier, { auth = 'post' } = {}) {
  const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier };
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (auth === 'post') Object.assign(form, { client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
  else headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64')}`;
  return getJson(tokenEndpoint, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
}

async function verifyIdToken(idToken, jwksUri, { issuer, nonce }) {
  const jwks = createLocalJWKSet(await getJson(jwksUri));
  const { payload, protectedHeader } = await jwtVerify(idToken, jwks, { audience: CLIENT_ID, algorithms: ['RS256'], issuer });
  assert.equal(payload.nonce, nonce, 'nonce echoed');
  return { payload, header: protectedHeader };
}

/** Runs a whole code flow from a callback URL: asserts state, returns the code. */
function codeFrom(callback, state) {
  assert.ok(callback, 'expected a redirect to the client');
  assert.equal(callback.searchParams.get('error'), null, `error ${callback.searchParams.get('error')}: ${callback.searchParams.get('error_description')}`);
  assert.equal(callback.searchParams.get('state'), state, 'state echoed');
  const code = callback.searchParams.get('code');
  assert.ok(code, 'code present');
  return code;
}

// ---------------------------------------------------------------------------------
// Test runner
// ---------------------------------------------------------------------------------
const tests = [];
const test = (name, fn) => tests.push({ name, fn });

let idp; // { port, entra, auth0 }
let stdoutExtra = '';
const ctx = {}; // values shared between tests (discovery documents, issued tokens)

// --- discovery -----------------------------------------------------------------------
test('ready line has the documented shape', () => {
  assert.deepEqual(Object.keys(idp), ['ready', 'port', 'entra', 'auth0']);
  assert.equal(idp.ready, true);
  assert.equal(idp.entra, `http://127.0.0.1:${idp.port}/entra`);
  assert.equal(idp.auth0, `http://127.0.0.1:${idp.port}/auth0/`);
});

test('Entra organizations/common discovery: literal {tenantid} issuer, Entra path shapes', async () => {
  for (const seg of ['organizations', 'common']) {
    const d = await getJson(`${idp.entra}/${seg}/v2.0/.well-known/openid-configuration`);
    assert.equal(d.issuer, `${idp.entra}/{tenantid}/v2.0`);
    assert.equal(d.authorization_endpoint, `${idp.entra}/${seg}/oauth2/v2.0/authorize`);
    assert.equal(d.token_endpoint, `${idp.entra}/${seg}/oauth2/v2.0/token`);
    assert.equal(d.jwks_uri, `${idp.entra}/${seg}/discovery/v2.0/keys`);
    assert.equal(d.userinfo_endpoint, `${idp.entra}/${seg}/oidc/userinfo`);
    // Like real Entra: PKCE S256 is supported (and required here) but not advertised.
    assert.equal(d.code_challenge_methods_supported, undefined);
    assert.equal(d.authorization_response_iss_parameter_supported, undefined);
    assert.ok(d.id_token_signing_alg_values_supported.includes('RS256'));
    if (seg === 'organizations') ctx.org = d;
  }
});

test('Entra tenant discovery: concrete issuer, also by domain name', async () => {
  for (const tid of [CONTOSO, FABRIKAM, NORTHWIND]) {
    const d = await getJson(`${idp.entra}/${tid}/v2.0/.well-known/openid-configuration`);
    assert.equal(d.issuer, `${idp.entra}/${tid}/v2.0`);
    assert.equal(d.authorization_endpoint, `${idp.entra}/${tid}/oauth2/v2.0/authorize`);
    assert.equal(d.token_endpoint, `${idp.entra}/${tid}/oauth2/v2.0/token`);
    assert.equal(d.jwks_uri, `${idp.entra}/${tid}/discovery/v2.0/keys`);
    if (tid === CONTOSO) ctx.contoso = d;
  }
  const byDomain = await getJson(`${idp.entra}/contoso.example/v2.0/.well-known/openid-configuration`);
  assert.equal(byDomain.issuer, `${idp.entra}/${CONTOSO}/v2.0`);
  const v1 = await fetch(`${idp.entra}/${CONTOSO}/.well-known/openid-configuration`);
  assert.equal(v1.status, 404, 'the v1 document is not emulated');
});

test('Entra JWKS: one key set for all tenants and the multi-tenant endpoint', async () => {
  const org = await getJson(ctx.org.jwks_uri);
  const tenant = await getJson(ctx.contoso.jwks_uri);
  assert.deepEqual(org, tenant);
  assert.ok(org.keys.length >= 1 && org.keys.every((k) => k.kty === 'RSA' && k.kid && !k.d));
});

test('Auth0 discovery: issuer with trailing slash, Auth0 endpoint paths', async () => {
  const d = await getJson(`${idp.auth0}.well-known/openid-configuration`);
  assert.equal(d.issuer, idp.auth0);
  assert.ok(d.issuer.endsWith('/'));
  assert.equal(d.authorization_endpoint, `${idp.auth0}authorize`);
  assert.equal(d.token_endpoint, `${idp.auth0}oauth/token`);
  assert.equal(d.userinfo_endpoint, `${idp.auth0}userinfo`);
  assert.equal(d.jwks_uri, `${idp.auth0}.well-known/jwks.json`);
  assert.deepEqual(d.code_challenge_methods_supported, ['S256']);
  ctx.auth0 = d;
});

// --- Entra sign-in -----------------------------------------------------------------------
async function entraOrgSignIn({ upn, viaPicker = true, auth = 'post', scope, extra } = {}) {
  const b = new Browser();
  const req = authRequest(ctx.org.authorization_endpoint, { ...(scope ? { scope } : {}), ...(viaPicker ? {} : { login_hint: upn }), ...extra });
  let r = await b.navigate(req.url);
  if (viaPicker) {
    assert.equal(r.res.status, 200);
    assert.match(r.html, /Pick an account/);
    r = await submit(b, req.url, r.html, `value="${upn}"`, { login: upn });
  }
  const code = codeFrom(r.callback, req.state);
  assert.equal(r.callback.searchParams.get('iss'), null, 'Entra sends no RFC 9207 iss parameter');
  const tokens = await redeem(ctx.org.token_endpoint, code, req.verifier, { auth });
  return { ...req, tokens };
}

/** The multi-tenant validation rule of mcp-notes §6.2 on a verified token. */
async function verifyEntraMultiTenant(idToken, nonce) {
  const { payload, header } = await verifyIdToken(idToken, ctx.org.jwks_uri, { nonce });
  assert.match(payload.tid, /^[0-9a-f-]{36}$/);
  assert.equal(payload.iss, ctx.org.issuer.replace('{tenantid}', payload.tid), 'iss = template with tid');
  return { payload, header };
}

test('Entra organizations: picker POST, code + PKCE, client_secret_post, ID token claims', async () => {
  const flow = await entraOrgSignIn({ upn: 'pat@fabrikam.example', scope: 'openid profile email offline_access' });
  const { payload } = await verifyEntraMultiTenant(flow.tokens.id_token, flow.nonce);
  assert.equal(payload.iss, `${idp.entra}/${FABRIKAM}/v2.0`);
  assert.equal(payload.tid, FABRIKAM);
  assert.equal(payload.aud, CLIENT_ID);
  assert.equal(payload.oid, 'e1c3a5b7-9d2f-4a6c-b8e0-3f5a7c9e1b84');
  assert.notEqual(payload.sub, payload.oid, 'sub is pairwise, not the oid');
  assert.equal(payload.ver, '2.0');
  assert.equal(payload.name, 'Pat Kim');
  assert.equal(payload.preferred_username, 'pat@fabrikam.example');
  assert.equal(payload.email, 'pat.kim@example.com');
  assert.equal(payload.xms_edov, false, 'example.com is not a domain Fabrikam verified');
  assert.deepEqual(payload.wids, ['b79fbf4d-3ef9-4689-8143-76b194e85509'], 'a member holds only the User role');
  assert.ok(flow.tokens.refresh_token, 'offline_access yields a refresh token without prompt=consent');
  ctx.patFabrikam = payload;

  // The multi-tenant userinfo and refresh endpoints find the issuing tenant.
  const info = await getJson(ctx.org.userinfo_endpoint, { headers: { authorization: `Bearer ${flow.tokens.access_token}` } });
  assert.equal(info.sub, payload.sub);
  assert.equal(info.tid, FABRIKAM);
  const refreshed = await getJson(ctx.org.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: flow.tokens.refresh_token, client_id: CLIENT_ID, client_secret: CLIENT_SECRET }).toString(),
  });
  const again = await verifyEntraMultiTenant(refreshed.id_token, flow.nonce);
  assert.equal(again.payload.oid, payload.oid);
});

test('Entra organizations: shared email shows both accounts; same email, different (tid, oid)', async () => {
  const b = new Browser();
  const req = authRequest(ctx.org.authorization_endpoint, { login_hint: 'pat.kim@example.com' });
  const r = await b.navigate(req.url);
  assert.equal(r.res.status, 200);
  assert.match(r.html, /Several accounts use pat\.kim@example\.com/);
  assert.match(r.html, /value="pat@contoso\.example"/);
  assert.match(r.html, /value="pat@fabrikam\.example"/);

  const flow = await entraOrgSignIn({ upn: 'pat@contoso.example', viaPicker: false });
  const { payload } = await verifyEntraMultiTenant(flow.tokens.id_token, flow.nonce);
  assert.equal(payload.tid, CONTOSO);
  assert.equal(payload.email, ctx.patFabrikam.email);
  assert.notEqual(payload.oid, ctx.patFabrikam.oid);
  assert.notEqual(payload.sub, ctx.patFabrikam.sub);
});

test('Entra tenant endpoint: login form (Email + Sign in), client_secret_basic', async () => {
  const b = new Browser();
  const req = authRequest(ctx.contoso.authorization_endpoint);
  const page = await b.navigate(req.url);
  assert.equal(page.res.status, 200);
  assert.match(page.html, /<label for="login-email">Email<\/label>/);
  assert.match(page.html, /Contoso/);
  assert.doesNotMatch(page.html, /fabrikam\.example/, 'only the tenant\'s own users');
  const pageUrl = page.res.url;
  const wrong = await submit(b, pageUrl, page.html, 'name="login" autocomplete', { login: 'nobody@contoso.example' });
  assert.match(wrong.html, /couldn(&#39;|')t find an account/);
  const done = await submit(b, pageUrl, wrong.html, 'name="login" autocomplete', { login: 'adele@contoso.example' });
  const code = codeFrom(done.callback, req.state);
  const tokens = await redeem(ctx.contoso.token_endpoint, code, req.verifier, { auth: 'basic' });
  const { payload } = await verifyIdToken(tokens.id_token, ctx.contoso.jwks_uri, { issuer: ctx.contoso.issuer, nonce: req.nonce });
  assert.equal(payload.tid, CONTOSO);
  assert.equal(payload.preferred_username, 'adele@contoso.example');
  assert.equal(payload.oid, '3f6b1c2d-8e4a-4b7c-9d1e-2a5f6c7b8d90');
  assert.ok(payload.wids.includes('62e90394-69f5-4237-9190-012177145e10'), 'the admin holds Global Administrator');
  assert.ok(!tokens.refresh_token, 'no offline_access, no refresh token');

  // Same browser, another user: the sign-in page appears again (no silent SSO) and the
  // account switch needs no JavaScript.
  const second = authRequest(ctx.contoso.authorization_endpoint);
  const again = await b.navigate(second.url);
  assert.equal(again.res.status, 200);
  const switched = await submit(b, again.res.url, again.html, 'value="megan@contoso.example"', { login: 'megan@contoso.example' });
  const t2 = await redeem(ctx.contoso.token_endpoint, codeFrom(switched.callback, second.state), second.verifier);
  const p2 = (await verifyIdToken(t2.id_token, ctx.contoso.jwks_uri, { issuer: ctx.contoso.issuer, nonce: second.nonce })).payload;
  assert.equal(p2.preferred_username, 'megan@contoso.example');
});

test('Entra: user without mailbox has no email claim; pairwise sub is stable', async () => {
  const one = await entraOrgSignIn({ upn: 'janet@northwind.example', viaPicker: false });
  const two = await entraOrgSignIn({ upn: 'janet@northwind.example', viaPicker: false });
  const a = (await verifyEntraMultiTenant(one.tokens.id_token, one.nonce)).payload;
  const b = (await verifyEntraMultiTenant(two.tokens.id_token, two.nonce)).payload;
  assert.equal(a.email, undefined);
  assert.equal(a.tid, NORTHWIND);
  assert.equal(a.sub, b.sub);
});

test('Entra: Cancel redirects access_denied with state; PKCE is required', async () => {
  const b = new Browser();
  const req = authRequest(ctx.org.authorization_endpoint);
  const page = await b.navigate(req.url);
  const cancelled = await submit(b, req.url, page.html, 'name="cancel"', {});
  assert.equal(cancelled.callback.searchParams.get('error'), 'access_denied');
  assert.equal(cancelled.callback.searchParams.get('state'), req.state);

  const noPkce = authRequest(ctx.contoso.authorization_endpoint, { code_challenge: undefined, code_challenge_method: undefined });
  const r = await new Browser().navigate(noPkce.url);
  assert.equal(r.callback.searchParams.get('error'), 'invalid_request');
  assert.match(r.callback.searchParams.get('error_description'), /PKCE/);
  assert.equal(r.callback.searchParams.get('state'), noPkce.state);
});

test('Unknown client or unregistered redirect URI: error page, no redirect (all providers)', async () => {
  const endpoints = [ctx.org.authorization_endpoint, ctx.contoso.authorization_endpoint, ctx.auth0.authorization_endpoint];
  for (const endpoint of endpoints) {
    for (const extra of [{ client_id: 'no-such-client' }, { redirect_uri: 'https://evil.example/callback' }]) {
      const res = await fetch(authRequest(endpoint, extra).url, { redirect: 'manual' });
      assert.equal(res.status, 400, `${endpoint} ${JSON.stringify(extra)}`);
      assert.equal(res.headers.get('location'), null);
      assert.match(res.headers.get('content-type'), /text\/html/);
    }
  }
});

// --- Auth0 sign-in -----------------------------------------------------------------------
async function auth0SignIn({ connection, email, extra, expectTitle }) {
  const b = new Browser();
  const req = authRequest(ctx.auth0.authorization_endpoint, { connection, ...extra });
  const page = await b.navigate(req.url);
  assert.equal(page.res.status, 200);
  if (expectTitle) assert.match(page.html, expectTitle);
  return { b, req, page };
}

test('Auth0 database connection: connection kept, login form, ID token', async () => {
  const { b, req, page } = await auth0SignIn({ connection: 'Username-Password-Authentication', expectTitle: /<h1>Log in<\/h1>/ });
  assert.match(page.html, /data-param="connection">Username-Password-Authentication/);
  const done = await submit(b, page.res.url, page.html, 'name="email" autocomplete', { email: 'ada@example.com' });
  const tokens = await redeem(ctx.auth0.token_endpoint, codeFrom(done.callback, req.state), req.verifier);
  const { payload } = await verifyIdToken(tokens.id_token, ctx.auth0.jwks_uri, { issuer: idp.auth0, nonce: req.nonce });
  assert.equal(payload.iss, idp.auth0);
  assert.equal(payload.sub, 'auth0|65a1f0c2b3d4e5f6a7b8c9d0');
  assert.equal(payload.email, 'ada@example.com');
  assert.equal(payload.email_verified, true);
  assert.equal(payload.nickname, 'ada');
  assert.equal(typeof payload.updated_at, 'string', 'Auth0 sends updated_at as an ISO string');
  const info = await getJson(ctx.auth0.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  assert.equal(info.sub, payload.sub);
});

test('Auth0 google-oauth2 connection: sub prefix follows the connection', async () => {
  const { b, req, page } = await auth0SignIn({ connection: 'google-oauth2', expectTitle: /Sign in with Google/ });
  const done = await submit(b, page.res.url, page.html, 'value="grace@example.com"', { email: 'grace@example.com' });
  const tokens = await redeem(ctx.auth0.token_endpoint, codeFrom(done.callback, req.state), req.verifier);
  const { payload } = await verifyIdToken(tokens.id_token, ctx.auth0.jwks_uri, { issuer: idp.auth0, nonce: req.nonce });
  assert.equal(payload.sub, 'google-oauth2|104857600123456789012');
  assert.equal(payload.email, 'grace@example.com');
});

test('Auth0 screen_hint=signup: new database user', async () => {
  const { b, req, page } = await auth0SignIn({ extra: { screen_hint: 'signup' }, expectTitle: /<h1>Sign up<\/h1>/ });
  const done = await submit(b, page.res.url, page.html, 'name="name"', { name: 'Test Signup', email: 'new.user@example.com' });
  const tokens = await redeem(ctx.auth0.token_endpoint, codeFrom(done.callback, req.state), req.verifier);
  const { payload } = await verifyIdToken(tokens.id_token, ctx.auth0.jwks_uri, { issuer: idp.auth0, nonce: req.nonce });
  assert.match(payload.sub, /^auth0\|[0-9a-f]{24}$/);
  assert.equal(payload.name, 'Test Signup');
  assert.equal(payload.email_verified, false);
});

test('Auth0 unknown connection: error redirected to the client', async () => {
  const req = authRequest(ctx.auth0.authorization_endpoint, { connection: 'no-such-connection' });
  const r = await new Browser().navigate(req.url);
  assert.equal(r.callback.searchParams.get('error'), 'invalid_request');
  assert.equal(r.callback.searchParams.get('state'), req.state);
});

// --- admin consent ---------------------------------------------------------------------------
function consentUrl(path, extra = {}) {
  const u = new URL(`${idp.entra}/${path}`);
  const params = { client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, state: 'consent-state', scope: 'https://graph.microsoft.com/.default', ...extra };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.href;
}

test('Admin consent: picker, Accept and Cancel pages', async () => {
  const b = new Browser();
  const picker = await b.navigate(consentUrl('organizations/v2.0/adminconsent'));
  assert.equal(picker.res.status, 200);
  assert.match(picker.html, /Global Administrator/);
  const consentPage = await submit(b, picker.res.url, picker.html, 'value="adele@contoso.example"', { login: 'adele@contoso.example' });
  assert.match(consentPage.html, /Permissions requested/);
  assert.match(consentPage.html, />Accept</);
  assert.match(consentPage.html, />Cancel</);

  const accepted = await submit(b, consentPage.res.url, consentPage.html, 'value="accept"', { decision: 'accept' });
  const q = accepted.callback.searchParams;
  assert.equal(accepted.res.status, 302);
  assert.equal(q.get('admin_consent'), 'True');
  assert.equal(q.get('tenant'), CONTOSO);
  assert.equal(q.get('state'), 'consent-state');
  assert.equal(q.get('scope'), 'https://graph.microsoft.com/.default');
  assert.equal(q.get('code'), null, 'admin consent is not an authentication');

  const cancelled = await submit(b, consentPage.res.url, consentPage.html, 'value="cancel"', { decision: 'cancel' });
  assert.equal(cancelled.callback.searchParams.get('error'), 'access_denied');
  assert.equal(cancelled.callback.searchParams.get('error_subcode'), 'cancel');
  assert.equal(cancelled.callback.searchParams.get('state'), 'consent-state');
  assert.ok(cancelled.callback.searchParams.get('error_description').startsWith('AADSTS65004'));
});

test('Admin consent: test_outcome / login_hint shortcuts, v1 path, non-admin, validation', async () => {
  const go = (url) => fetch(url, { redirect: 'manual' });
  const loc = (res) => new URL(res.headers.get('location'));

  let res = await go(consentUrl('organizations/v2.0/adminconsent', { test_outcome: 'accept', login_hint: 'alex@fabrikam.example' }));
  assert.equal(res.status, 302);
  assert.equal(loc(res).searchParams.get('tenant'), FABRIKAM);
  assert.equal(loc(res).searchParams.get('admin_consent'), 'True');

  res = await go(consentUrl('organizations/v2.0/adminconsent', { test_outcome: 'deny' }));
  assert.equal(loc(res).searchParams.get('error'), 'access_denied');
  assert.equal(loc(res).searchParams.get('state'), 'consent-state');

  res = await go(consentUrl(`${NORTHWIND}/adminconsent`, { scope: undefined, test_outcome: 'accept' }));
  assert.equal(loc(res).searchParams.get('tenant'), NORTHWIND);
  assert.equal(loc(res).searchParams.get('scope'), null, 'v1 does not echo scope');

  res = await go(consentUrl('organizations/v2.0/adminconsent', { test_outcome: 'accept', login_hint: 'megan@contoso.example' }));
  assert.equal(loc(res).searchParams.get('error'), 'access_denied');
  assert.match(loc(res).searchParams.get('error_description'), /AADSTS90094/);

  res = await go(consentUrl('organizations/v2.0/adminconsent', { scope: undefined }));
  assert.equal(loc(res).searchParams.get('error'), 'invalid_request');

  for (const extra of [{ client_id: 'no-such-client' }, { redirect_uri: 'https://evil.example/cb' }]) {
    res = await go(consentUrl('organizations/v2.0/adminconsent', { ...extra, test_outcome: 'accept' }));
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null);
  }

  const state = await getJson(`http://127.0.0.1:${idp.port}/_admin/state`);
  assert.ok(state.admin_consents.some((c) => c.tenant === FABRIKAM && c.admin === 'alex@fabrikam.example'));
});

// --- key rotation -----------------------------------------------------------------------------
test('Key rotation: new kid published and used; old kept or dropped', async () => {
  const before = (await getJson(ctx.org.jwks_uri)).keys.map((k) => k.kid);
  const rotated = await getJson(`http://127.0.0.1:${idp.port}/_admin/rotate-keys`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ realm: 'entra' }),
  });
  const kid = rotated.entra.signing_kid;
  assert.ok(!before.includes(kid));
  const after = (await getJson(ctx.org.jwks_uri)).keys.map((k) => k.kid);
  assert.deepEqual(after, [kid, ...before], 'new key first, old keys still published');
  const flow = await entraOrgSignIn({ upn: 'andrew@northwind.example', viaPicker: false });
  const { header } = await verifyEntraMultiTenant(flow.tokens.id_token, flow.nonce);
  assert.equal(header.kid, kid);

  const auth0Before = (await getJson(ctx.auth0.jwks_uri)).keys.map((k) => k.kid);
  const r2 = await getJson(`http://127.0.0.1:${idp.port}/_admin/rotate-keys`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ realm: 'auth0', keep_old: false }),
  });
  const auth0After = (await getJson(ctx.auth0.jwks_uri)).keys.map((k) => k.kid);
  assert.deepEqual(auth0After, [r2.auth0.signing_kid]);
  assert.ok(!auth0After.includes(auth0Before[0]));
  const { b, req, page } = await auth0SignIn({ connection: 'github' });
  const done = await submit(b, page.res.url, page.html, 'value="margaret@example.net"', { email: 'margaret@example.net' });
  const tokens = await redeem(ctx.auth0.token_endpoint, codeFrom(done.callback, req.state), req.verifier);
  const v = await verifyIdToken(tokens.id_token, ctx.auth0.jwks_uri, { issuer: idp.auth0, nonce: req.nonce });
  assert.equal(v.header.kid, r2.auth0.signing_kid);
  assert.equal(v.payload.sub, 'github|5512345');
});

// --- negative-test hooks ----------------------------------------------------------------------
async function queueMutation(body) {
  const res = await fetch(`http://127.0.0.1:${idp.port}/_admin/next-id-token`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function mutatedEntraToken(mutation) {
  const q = await queueMutation({ mutation });
  assert.equal(q.status, 200, JSON.stringify(q.json));
  const flow = await entraOrgSignIn({ upn: 'nancy@northwind.example', viaPicker: false });
  return { flow, token: flow.tokens.id_token };
}

const rejects = async (promise, pattern) => assert.rejects(promise, pattern);

test('Hook wrong_nonce', async () => {
  const { flow, token } = await mutatedEntraToken('wrong_nonce');
  await rejects(verifyEntraMultiTenant(token, flow.nonce), /nonce/);
  assert.notEqual(decodeJwt(token).nonce, flow.nonce);
});

test('Hook wrong_aud', async () => {
  const { flow, token } = await mutatedEntraToken('wrong_aud');
  await rejects(verifyEntraMultiTenant(token, flow.nonce), /aud/);
  assert.equal(decodeJwt(token).aud, 'some-other-client');
});

test('Hook expired', async () => {
  const { flow, token } = await mutatedEntraToken('expired');
  await rejects(verifyEntraMultiTenant(token, flow.nonce), /exp/);
  assert.ok(decodeJwt(token).exp < Date.now() / 1000);
});

test('Hook alg_none', async () => {
  const { flow, token } = await mutatedEntraToken('alg_none');
  assert.equal(decodeProtectedHeader(token).alg, 'none');
  assert.ok(token.endsWith('.'));
  await rejects(verifyEntraMultiTenant(token, flow.nonce));
});

test('Hook iss_tid_mismatch (validly signed, iss of another tenant)', async () => {
  const { flow, token } = await mutatedEntraToken('iss_tid_mismatch');
  const { payload } = await verifyIdToken(token, ctx.org.jwks_uri, { nonce: flow.nonce });
  assert.equal(payload.tid, NORTHWIND);
  assert.notEqual(payload.iss, `${idp.entra}/${NORTHWIND}/v2.0`);
  await rejects(verifyEntraMultiTenant(token, flow.nonce), /iss = template with tid/);
});

test('Hooks wrong_iss, bad_signature, unknown_kid; Auth0 wrong_iss; bad requests', async () => {
  let m = await mutatedEntraToken('wrong_iss');
  assert.equal(decodeJwt(m.token).iss, `https://sts.windows.net/${NORTHWIND}/`);
  m = await mutatedEntraToken('bad_signature');
  await rejects(verifyEntraMultiTenant(m.token, m.flow.nonce), /signature/);
  m = await mutatedEntraToken('unknown_kid');
  const kids = (await getJson(ctx.org.jwks_uri)).keys.map((k) => k.kid);
  assert.ok(!kids.includes(decodeProtectedHeader(m.token).kid));
  await rejects(verifyEntraMultiTenant(m.token, m.flow.nonce));

  assert.equal((await queueMutation({ mutation: 'wrong_iss', realm: 'auth0' })).status, 200);
  const { b, req, page } = await auth0SignIn({ connection: 'Username-Password-Authentication' });
  const done = await submit(b, page.res.url, page.html, 'value="grace@example.com"', { email: 'grace@example.com' });
  const tokens = await redeem(ctx.auth0.token_endpoint, codeFrom(done.callback, req.state), req.verifier);
  assert.equal(decodeJwt(tokens.id_token).iss, idp.auth0.replace(/\/$/, ''));

  assert.equal((await queueMutation({ mutation: 'no-such-mutation' })).status, 400);
  assert.equal((await queueMutation({ mutation: 'iss_tid_mismatch', realm: 'auth0' })).status, 400);
});

test('Hooks apply to one token only; the next one is normal again', async () => {
  const state = await getJson(`http://127.0.0.1:${idp.port}/_admin/state`);
  assert.deepEqual(state.pending_id_token_mutations, []);
  const flow = await entraOrgSignIn({ upn: 'nancy@northwind.example', viaPicker: false });
  await verifyEntraMultiTenant(flow.tokens.id_token, flow.nonce);
});

test('Nothing but the ready line was written to stdout', () => {
  assert.equal(stdoutExtra, '');
});

// ---------------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------------
async function startServer() {
  const child = spawn(process.execPath, ['server.js', '--port', '0'], {
    cwd: new URL('.', import.meta.url),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => line),
    once(child, 'exit').then(([code]) => { throw new Error(`server exited (${code}) before ready:\n${stderr}`); }),
    new Promise((_, reject) => { setTimeout(() => reject(new Error(`no ready line within 20 s:\n${stderr}`)), 20000).unref(); }),
  ]);
  lines.on('line', (line) => { stdoutExtra += `${line}\n`; });
  return { child, ready: JSON.parse(first), stderr: () => stderr };
}

const server = await startServer();
idp = server.ready;
let passed = 0;
let failed = 0;
for (const t of tests) {
  try {
    await t.fn();
    passed += 1;
    console.log(`ok - ${t.name}`);
  } catch (err) {
    failed += 1;
    console.log(`not ok - ${t.name}\n  ${String(err.stack ?? err).split('\n').slice(0, 6).join('\n  ')}`);
  }
}
server.child.kill('SIGTERM');
await once(server.child, 'exit');
if (failed) console.log(`--- server stderr ---\n${server.stderr()}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
