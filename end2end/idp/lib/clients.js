// Client registry shared by both providers.
//
// Clients come from a JSON file (--clients FILE / IDP_CLIENTS) or, by default, the
// built-in `gateway-test-client` (data.js). File format, either an array or
// { "clients": [...] }, each entry:
//   client_id            string, required
//   client_secret        string, required (confidential clients only)
//   client_name          string, optional (shown on the pages)
//   redirect_uris        string[], exact-match redirect URIs (may be empty when
//                        loopback_redirects is true)
//   loopback_redirects   boolean, default false: also accept any
//                        http://{127.0.0.1|localhost|[::1]}:<any port>/<any path>
//   post_logout_redirect_uris  string[], optional (loopback_redirects applies too)
//   realms               ["entra","auth0"] (default both): which providers know it
import { readFileSync } from 'node:fs';

import { DEFAULT_CLIENTS } from './data.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const REALMS = ['entra', 'auth0'];

// Registered in oidc-provider when a loopback-only client lists no exact redirect URI:
// oidc-provider insists on at least one. Never used for a redirect because
// allowOmittingSingleRegisteredRedirectUri is off (redirect_uri is always required).
const LOOPBACK_PLACEHOLDER = 'http://127.0.0.1/stand-in-loopback-placeholder';

function validate(entry, i) {
  const where = `clients[${i}]`;
  const fail = (msg) => { throw new Error(`${where}: ${msg}`); };
  if (!entry || typeof entry !== 'object') fail('must be an object');
  if (typeof entry.client_id !== 'string' || !entry.client_id) fail('client_id must be a non-empty string');
  if (typeof entry.client_secret !== 'string' || !entry.client_secret) fail('client_secret must be a non-empty string');
  const redirectUris = entry.redirect_uris ?? [];
  if (!Array.isArray(redirectUris) || redirectUris.some((u) => typeof u !== 'string')) fail('redirect_uris must be an array of strings');
  for (const u of redirectUris) {
    try { new URL(u); } catch { fail(`redirect_uris: not a URL: ${u}`); }
  }
  const loopback = entry.loopback_redirects === true;
  if (!loopback && redirectUris.length === 0) fail('needs redirect_uris or "loopback_redirects": true');
  const realms = entry.realms ?? REALMS;
  if (!Array.isArray(realms) || realms.some((r) => !REALMS.includes(r))) fail(`realms must be a subset of ${JSON.stringify(REALMS)}`);
  return {
    client_id: entry.client_id,
    client_secret: entry.client_secret,
    client_name: entry.client_name ?? entry.client_id,
    redirect_uris: redirectUris,
    post_logout_redirect_uris: entry.post_logout_redirect_uris ?? [],
    loopback_redirects: loopback,
    realms,
  };
}

export function loadClients(file) {
  let raw = DEFAULT_CLIENTS;
  if (file) {
    const parsed = JSON.parse(readFileSync(file, 'utf8'));
    raw = Array.isArray(parsed) ? parsed : parsed.clients;
    if (!Array.isArray(raw)) throw new Error(`${file}: expected an array or {"clients": [...]}`);
  }
  const clients = raw.map(validate);
  const ids = new Set();
  for (const c of clients) {
    if (ids.has(c.client_id)) throw new Error(`duplicate client_id ${c.client_id}`);
    ids.add(c.client_id);
  }
  return new ClientRegistry(clients);
}

function isLoopback(uri) {
  let u;
  try { u = new URL(uri); } catch { return false; }
  // RFC 8252 §7.3 loopback redirect: plain http, any port, no fragment, no userinfo.
  return u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname) && !u.hash
    && !u.username && !u.password;
}

export class ClientRegistry {
  constructor(clients) {
    this.clients = clients;
  }

  get(clientId, realm) {
    const c = this.clients.find((x) => x.client_id === clientId);
    return c && (!realm || c.realms.includes(realm)) ? c : undefined;
  }

  forRealm(realm) {
    return this.clients.filter((c) => c.realms.includes(realm));
  }

  /** Exact match, or any loopback URL for loopback_redirects clients. */
  redirectAllowed(client, uri, kind = 'redirect_uris') {
    if (!client || typeof uri !== 'string') return false;
    if (client[kind].includes(uri)) return true;
    return client.loopback_redirects && isLoopback(uri);
  }

  /** Client metadata for oidc-provider's static `clients` configuration. */
  oidcClients(realm, extra = {}) {
    return this.forRealm(realm).map((c) => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      client_name: c.client_name,
      redirect_uris: c.redirect_uris.length ? c.redirect_uris : [LOOPBACK_PLACEHOLDER],
      post_logout_redirect_uris: c.post_logout_redirect_uris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // oidc-provider 9 accepts both client_secret_basic and client_secret_post for a
      // client registered with either, like Entra and Auth0 do.
      token_endpoint_auth_method: 'client_secret_basic',
      ...extra,
    }));
  }

  /**
   * Replace oidc-provider's redirect URI checks on a provider's Client class with the
   * registry's rule (exact match, plus any loopback port/path for loopback clients).
   */
  install(provider) {
    const registry = this;
    provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(uri) {
      return registry.redirectAllowed(registry.get(this.clientId), uri, 'redirect_uris');
    };
    provider.Client.prototype.postLogoutRedirectUriAllowed = function postLogoutRedirectUriAllowed(uri) {
      return registry.redirectAllowed(registry.get(this.clientId), uri, 'post_logout_redirect_uris');
    };
  }

  describe() {
    return this.clients.map(({ client_secret: _secret, ...rest }) => rest);
  }
}
