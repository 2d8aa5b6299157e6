// Auth0 stand-in, mounted under `/auth0/` (standing in for https://{tenant}.{region}.auth0.com/).
//
// Shape (mcp-notes §6.3):
//   issuer            {origin}/auth0/   (WITH the trailing slash, also in the `iss` claim)
//   /auth0/.well-known/openid-configuration, /auth0/authorize, /auth0/oauth/token,
//   /auth0/userinfo, /auth0/.well-known/jwks.json, /auth0/oidc/logout, /auth0/oauth/revoke
//   `connection=<name>` goes straight to that connection and decides the `sub` prefix
//   (auth0|…, google-oauth2|…, github|…); `screen_hint=signup` opens the sign-up page.
//   `connection`, `audience`, `organization`, `invitation` and `screen_hint` are kept by
//   oidc-provider (`extraParams`) and shown on the login page.
// One genuine oidc-provider instance; the Universal Login pages are express routes.
import { createHash, randomBytes, randomInt } from 'node:crypto';

import express from 'express';
import Provider from 'oidc-provider';

import { AUTH0_SEED_USERS, CONNECTIONS, DATABASE_CONNECTION } from './data.js';
import { esc, page, send, hiddenFields, errorText, renderErrorFor, logoutPagesFor } from './html.js';
import {
  freshLoginPolicy, offlineAccessShim, finishLogin, abortInteraction, loadInteraction,
} from './common.js';

const BRAND = 'Auth0 (test stand-in)';
const ROUTES = {
  authorization: '/authorize',
  token: '/oauth/token',
  userinfo: '/userinfo',
  jwks: '/.well-known/jwks.json',
  end_session: '/oidc/logout',
  revocation: '/oauth/revoke',
  pushed_authorization_request: '/oauth/par',
};

function picture(email, name) {
  // Auth0's default picture: a Gravatar URL with an initials fallback (never fetched here).
  const hash = createHash('md5').update(email.trim().toLowerCase()).digest('hex');
  const initials = name.split(/\s+/).map((w) => w[0] ?? '').join('').slice(0, 2).toLowerCase() || 'u';
  return `https://s.gravatar.com/avatar/${hash}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F${initials}.png`;
}

export function createAuth0({ origin, storage, registry, keyRing, hooks, cookieKeys }) {
  const base = '/auth0';
  const issuer = `${origin}${base}/`;
  let users = new Map();
  const resetUsers = () => { users = new Map(AUTH0_SEED_USERS.map((u) => [u.sub, { ...u }])); };
  resetUsers();

  const findUser = (connection, email) => {
    const key = String(email ?? '').trim().toLowerCase();
    return [...users.values()].find((u) => u.connection === connection && u.email.toLowerCase() === key);
  };

  function createUser(connection, { name, email, emailVerified }) {
    const { prefix } = CONNECTIONS[connection];
    // Id shapes as Auth0 makes them: 24 hex digits (database), 21 digits (Google), a number (GitHub).
    const id = prefix === 'auth0' ? randomBytes(12).toString('hex')
      : prefix === 'google-oauth2' ? `1${Array.from({ length: 20 }, () => randomInt(10)).join('')}`
        : String(randomInt(1_000_000, 99_999_999));
    const user = {
      sub: `${prefix}|${id}`, connection, name, email, email_verified: emailVerified,
      updated_at: new Date().toISOString(),
    };
    users.set(user.sub, user);
    return user;
  }

  const issuers = {
    mismatched() { throw new Error('iss_tid_mismatch does not apply to Auth0'); },
    // The most common Auth0 misconfiguration: the issuer without its trailing slash.
    wrong: () => issuer.replace(/\/$/, ''),
  };

  let entry;
  function build() {
    const provider = new Provider(issuer, {
      adapter: storage.adapterFor('auth0'),
      clients: registry.oidcClients('auth0'),
      jwks: keyRing.privateJwks(),
      cookies: {
        keys: cookieKeys,
        names: { session: '_auth0_session', interaction: '_auth0_interaction', resume: '_auth0_resume' },
      },
      routes: ROUTES,
      extraParams: ['connection', 'audience', 'organization', 'invitation', 'screen_hint'],
      responseTypes: ['code'],
      pkce: { required: () => true },
      claims: {
        openid: ['sub'],
        profile: ['name', 'nickname', 'picture', 'updated_at'],
        email: ['email', 'email_verified'],
      },
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      conformIdTokenClaims: false, // Auth0 puts profile/email claims in the ID token
      allowOmittingSingleRegisteredRedirectUri: false,
      async findAccount(ctx, id) {
        const user = users.get(id);
        if (!user) return undefined;
        return {
          accountId: id,
          async claims() {
            return {
              sub: user.sub,
              name: user.name,
              nickname: user.email.split('@')[0],
              picture: picture(user.email, user.name),
              updated_at: user.updated_at, // ISO-8601 string, as Auth0 sends it (see data.js)
              email: user.email,
              email_verified: user.email_verified,
            };
          },
        };
      },
      interactions: {
        url: (ctx, interaction) => `${base}/u/login/${interaction.uid}`,
        policy: freshLoginPolicy(),
      },
      features: {
        devInteractions: { enabled: false },
        revocation: { enabled: true },
        rpInitiatedLogout: { enabled: true, ...logoutPagesFor(BRAND) },
      },
      ttl: {
        AccessToken: 86400, IdToken: 36000, AuthorizationCode: 600, Interaction: 3600,
        Session: 86400, Grant: 86400, RefreshToken: 86400,
      },
      renderError: renderErrorFor(BRAND),
      clientBasedCORS: () => false,
    });
    provider.use(offlineAccessShim(ROUTES.authorization));
    provider.use(hooks.middleware({ realm: 'auth0', keyRing, issuers }));
    registry.install(provider);
    entry = { provider, handle: provider.callback() };
  }
  build();

  const router = express.Router();
  const form = express.urlencoded({ extended: false });

  // --- Universal Login stand-in --------------------------------------------------------
  router.get(`${base}/u/login/:uid`, async (req, res) => {
    const { provider } = entry;
    const details = await loadInteraction(provider, req, res, BRAND);
    if (!details) return undefined;
    if (details.prompt.name !== 'login') return finishLogin(provider, req, res, details, details.session.accountId);
    const connection = req.query.connection ?? details.params.connection;
    if (connection !== undefined && !CONNECTIONS[connection]) {
      return abortInteraction(provider, req, res, 'invalid_request', 'the connection was not found');
    }
    if (details.params.screen_hint === 'signup' && connection === undefined) {
      return send(res, signupPage(details));
    }
    const hinted = details.params.login_hint && findUser(connection ?? DATABASE_CONNECTION, details.params.login_hint);
    if (hinted) return finishLogin(provider, req, res, details, hinted.sub);
    return send(res, loginPage(details, connection));
  });

  router.post(`${base}/u/login/:uid`, form, async (req, res) => {
    const { provider } = entry;
    const details = await loadInteraction(provider, req, res, BRAND);
    if (!details) return undefined;
    const connection = req.body?.connection || details.params.connection || DATABASE_CONNECTION;
    if (!CONNECTIONS[connection]) return abortInteraction(provider, req, res, 'invalid_request', 'the connection was not found');
    const email = String(req.body?.email ?? '').trim();
    let user = findUser(connection, email);
    if (!user && CONNECTIONS[connection].social && /^[^@\s]+@[^@\s]+$/.test(email)) {
      // First social login creates the Auth0 user, as in real Auth0.
      user = createUser(connection, { name: email.split('@')[0], email, emailVerified: true });
    }
    if (!user) return send(res, loginPage(details, connection, 'Wrong email or password.'));
    return finishLogin(provider, req, res, details, user.sub);
  });

  router.get(`${base}/u/login/:uid/signup`, async (req, res) => {
    const details = await loadInteraction(entry.provider, req, res, BRAND);
    if (details) send(res, signupPage(details));
  });

  router.post(`${base}/u/login/:uid/signup`, form, async (req, res) => {
    const { provider } = entry;
    const details = await loadInteraction(provider, req, res, BRAND);
    if (!details) return undefined;
    const name = String(req.body?.name ?? '').trim();
    const email = String(req.body?.email ?? '').trim();
    if (!name || !/^[^@\s]+@[^@\s]+$/.test(email)) return send(res, signupPage(details, 'Enter a name and a valid email address.'));
    if (findUser(DATABASE_CONNECTION, email)) return send(res, signupPage(details, 'The user already exists.'));
    // New database users start with an unverified email, as in Auth0.
    const user = createUser(DATABASE_CONNECTION, { name, email, emailVerified: false });
    return finishLogin(provider, req, res, details, user.sub);
  });

  router.post(`${base}/u/login/:uid/abort`, async (req, res) => {
    const { provider } = entry;
    const details = await loadInteraction(provider, req, res, BRAND);
    if (details) await abortInteraction(provider, req, res, 'access_denied', 'User did not authorize the request');
  });

  // --- oidc-provider ---------------------------------------------------------------------
  router.use(base, (req, res) => entry.handle(req, res));

  // --- pages ---------------------------------------------------------------------------
  function requestSummary(details) {
    const client = registry.get(details.params.client_id);
    const kept = ['connection', 'audience', 'organization', 'invitation', 'screen_hint']
      .filter((k) => details.params[k] !== undefined)
      .map((k) => `<li>${esc(k)}: <code data-param="${esc(k)}">${esc(details.params[k])}</code></li>`).join('');
    return `<p class="meta">to continue to <strong>${esc(client?.client_name ?? details.params.client_id)}</strong></p>
${kept ? `<ul class="meta" aria-label="Request parameters">${kept}</ul>` : ''}`;
  }

  function loginPage(details, connection, error) {
    const action = `${base}/u/login/${details.uid}`;
    const conn = connection ?? DATABASE_CONNECTION;
    const info = CONNECTIONS[conn];
    const hidden = hiddenFields({ connection: connection ?? '' });
    const people = [...users.values()].filter((u) => u.connection === conn);
    const buttons = people.map((u) => `<li><button type="submit" name="email" value="${esc(u.email)}">${esc(u.email)}</button> <span class="who">${esc(u.name)} · ${esc(u.sub)}</span></li>`).join('\n');
    const social = connection === undefined
      ? `<p>Or:</p><ul class="accounts">${Object.entries(CONNECTIONS).filter(([, c]) => c.social)
        .map(([name, c]) => `<li><a href="${esc(`${action}?connection=${encodeURIComponent(name)}`)}">Continue with ${esc(c.label)}</a></li>`).join('')}</ul>`
      : '';
    return page({
      title: info.social ? `Sign in with ${info.label}` : 'Log in',
      brand: BRAND,
      body: `${requestSummary(details)}
<p class="meta">Connection: <strong data-connection="${esc(conn)}">${esc(conn)}</strong></p>
${errorText(error)}
<form method="post" action="${esc(action)}">${hidden}
<fieldset><legend>Accounts</legend><ul class="accounts">
${buttons}
</ul></fieldset></form>
<form method="post" action="${esc(action)}">${hidden}
<label for="login-email">Email</label>
<input type="email" id="login-email" name="email" autocomplete="username">
<div class="row"><button type="submit">Continue</button></div>
</form>
${info.social ? '' : `<p><a href="${esc(`${action}/signup`)}">Sign up</a></p>`}
${social}
<form method="post" action="${esc(`${action}/abort`)}"><button type="submit">Cancel</button></form>`,
    });
  }

  function signupPage(details, error) {
    const action = `${base}/u/login/${details.uid}/signup`;
    return page({
      title: 'Sign up',
      brand: BRAND,
      body: `${requestSummary(details)}
<p class="meta">Connection: <strong>${esc(DATABASE_CONNECTION)}</strong></p>
${errorText(error)}
<form method="post" action="${esc(action)}">
<label for="signup-name">Name</label>
<input type="text" id="signup-name" name="name" autocomplete="name">
<label for="signup-email">Email</label>
<input type="email" id="signup-email" name="email" autocomplete="email">
<div class="row"><button type="submit">Sign up</button></div>
</form>
<p><a href="${esc(`${base}/u/login/${details.uid}?connection=${encodeURIComponent(DATABASE_CONNECTION)}`)}">Log in</a></p>`,
    });
  }

  return {
    router,
    rebuild: build,
    issuer,
    resetUsers,
    describe: () => ({
      issuer,
      connections: Object.keys(CONNECTIONS),
      users: [...users.values()].map(({ sub, connection, name, email, email_verified: v }) => ({ sub, connection, name, email, email_verified: v })),
    }),
  };
}
