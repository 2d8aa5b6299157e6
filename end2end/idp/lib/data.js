// Fixed test directory: Entra tenants and users, Auth0 connections and users.
//
// Everything here is fixture data with stable identifiers so that tests can hard-code
// them. README.md lists the same data; keep the two in sync.

// ---------------------------------------------------------------------------------
// Entra ID
// ---------------------------------------------------------------------------------
// A tenant is identified by a GUID (`tid`); its v2 issuer is `{authority}/{tid}/v2.0`
// (mcp-notes §6.2). `domain` is the verified domain; Entra also accepts it in place of
// the GUID in URLs such as `/{tenant}/v2.0/.well-known/openid-configuration`.
//
// Users: `oid` is the user's object id, stable and identical for every application;
// `upn` is the userPrincipalName, sent as `preferred_username`; `email` is the `mail`
// attribute, sent as the `email` claim only when the user has one (it is optional in
// real Entra too and it is NOT unique across tenants). `admin: true` marks a Global
// Administrator, who may grant tenant-wide admin consent.
export const TENANTS = [
  {
    tid: 'c0a7d3e1-5b2f-4c8a-9e61-0d4f7b2a9c31',
    name: 'Contoso',
    domain: 'contoso.example',
    users: [
      { oid: '3f6b1c2d-8e4a-4b7c-9d1e-2a5f6c7b8d90', name: 'Adele Vance', upn: 'adele@contoso.example', email: 'adele@contoso.example', admin: true },
      { oid: '7a2c9e4b-1d3f-4e8a-b6c5-0f9d8e7a6b51', name: 'Megan Bowen', upn: 'megan@contoso.example', email: 'megan@contoso.example', admin: false },
      // Same email address as Pat Kim in Fabrikam: a different person/account as far as
      // Entra is concerned (different tid + oid). The gateway must key users by (tid, oid).
      { oid: '5d8e2f1a-6b9c-4d3e-a7f0-1c2b3a4d5e62', name: 'Pat Kim', upn: 'pat@contoso.example', email: 'pat.kim@example.com', admin: false },
    ],
  },
  {
    tid: 'f4b1e8c2-7d3a-4e9b-8c05-6a2d1f3e7b48',
    name: 'Fabrikam',
    domain: 'fabrikam.example',
    users: [
      { oid: '0b4d6f8a-2c1e-4f3a-8b5d-7e9c1a2b3c73', name: 'Alex Wilber', upn: 'alex@fabrikam.example', email: 'alex@fabrikam.example', admin: true },
      { oid: 'e1c3a5b7-9d2f-4a6c-b8e0-3f5a7c9e1b84', name: 'Pat Kim', upn: 'pat@fabrikam.example', email: 'pat.kim@example.com', admin: false },
    ],
  },
  {
    tid: '9e2d6c4a-1f8b-4a7e-b3d9-5c0e8a6f2d17',
    name: 'Northwind',
    domain: 'northwind.example',
    users: [
      { oid: '2e4f6a8c-0b1d-4c3e-9f5a-6b7c8d9e0f95', name: 'Andrew Fuller', upn: 'andrew@northwind.example', email: 'andrew@northwind.example', admin: true },
      { oid: '8c0e2a4f-6d1b-4e9c-a3f5-7b9d1e3a5c06', name: 'Nancy Davolio', upn: 'nancy@northwind.example', email: 'nancy@northwind.example', admin: false },
      // No mailbox: the ID token carries no `email` claim for this user.
      { oid: '4a6c8e0b-2f3d-4a5b-8c7e-9d0f1a2b3c17', name: 'Janet Leverling', upn: 'janet@northwind.example', email: null, admin: false },
    ],
  },
];

export const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Directory role template ids (the same in every tenant), as Entra puts them in `wids`.
export const ROLE_USER = 'b79fbf4d-3ef9-4689-8143-76b194e85509'; // every member ("User")
export const ROLE_GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';

/** The user's `wids`: every member holds the User role; administrators Global Administrator too. */
export function directoryRoles(user) {
  return user.admin ? [ROLE_USER, ROLE_GLOBAL_ADMINISTRATOR] : [ROLE_USER];
}

/** `xms_edov`: whether the user's email is in a domain the tenant has verified. */
export function emailDomainVerified(user, tenant) {
  return Boolean(user.email) && user.email.toLowerCase().endsWith(`@${tenant.domain}`);
}

for (const t of TENANTS) {
  if (!GUID_RE.test(t.tid)) throw new Error(`bad tenant GUID ${t.tid}`);
  for (const u of t.users) if (!GUID_RE.test(u.oid)) throw new Error(`bad oid ${u.oid}`);
}

/** Every Entra user with its tenant attached, in display order. */
export function entraUsers() {
  return TENANTS.flatMap((tenant) => tenant.users.map((user) => ({ ...user, tenant })));
}

/** Tenant by GUID or verified domain (case-insensitive); undefined when unknown. */
export function findTenant(idOrDomain) {
  const key = String(idOrDomain ?? '').toLowerCase();
  return TENANTS.find((t) => t.tid === key || t.domain === key);
}

/**
 * Entra users matching a typed sign-in name: the UPN or the email address,
 * case-insensitive. Restricted to one tenant when `tenant` is given. Can return
 * several users (the shared email address) when searching across tenants.
 */
export function matchEntraUsers(login, tenant) {
  const key = String(login ?? '').trim().toLowerCase();
  if (!key) return [];
  return entraUsers().filter(
    (u) => (!tenant || u.tenant.tid === tenant.tid)
      && (u.upn.toLowerCase() === key || (u.email && u.email.toLowerCase() === key)),
  );
}

// ---------------------------------------------------------------------------------
// Auth0
// ---------------------------------------------------------------------------------
// In Auth0 a user is an identity in one *connection*; the user id / `sub` is
// `<provider>|<id>` (`auth0|…` for the database connection, `google-oauth2|…` for
// Google, `github|…` for GitHub). The same email in two connections is two users
// unless accounts are linked (mcp-notes §6.3 on the `connection` parameter).
export const DATABASE_CONNECTION = 'Username-Password-Authentication';

export const CONNECTIONS = {
  [DATABASE_CONNECTION]: { prefix: 'auth0', label: 'Email and password', social: false },
  'google-oauth2': { prefix: 'google-oauth2', label: 'Google', social: true },
  github: { prefix: 'github', label: 'GitHub', social: true },
};

// `updated_at` is an ISO-8601 string, exactly as Auth0 sends it (not the epoch number
// OIDC Core asks for): openidconnect-rs needs its `accept-rfc3339-timestamps` feature
// to parse Auth0 ID tokens (ramosbugs/openidconnect-rs#101, #230).
export const AUTH0_SEED_USERS = [
  { sub: 'auth0|65a1f0c2b3d4e5f6a7b8c9d0', connection: DATABASE_CONNECTION, name: 'Ada Lovelace', email: 'ada@example.com', email_verified: true, updated_at: '2026-01-05T09:30:00.000Z' },
  { sub: 'auth0|65a1f0c2b3d4e5f6a7b8c9d1', connection: DATABASE_CONNECTION, name: 'Grace Hopper', email: 'grace@example.com', email_verified: true, updated_at: '2026-01-06T10:00:00.000Z' },
  // Same email as the database Grace: a separate Auth0 user with a different sub.
  { sub: 'google-oauth2|104857600123456789012', connection: 'google-oauth2', name: 'Grace Hopper', email: 'grace@example.com', email_verified: true, updated_at: '2026-01-07T11:15:00.000Z' },
  { sub: 'google-oauth2|109876543210987654321', connection: 'google-oauth2', name: 'Alan Turing', email: 'alan@example.org', email_verified: true, updated_at: '2026-01-08T12:45:00.000Z' },
  { sub: 'github|5512345', connection: 'github', name: 'Margaret Hamilton', email: 'margaret@example.net', email_verified: true, updated_at: '2026-01-09T08:05:00.000Z' },
];

// ---------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------
// The built-in client used when no --clients file is given. `loopback_redirects`
// accepts ANY http://127.0.0.1:<port>/<path> (also localhost and [::1]) because the
// tests start the gateway on random ports; see clients.js.
export const DEFAULT_CLIENTS = [
  {
    client_id: 'gateway-test-client',
    client_secret: 'gateway-test-secret',
    client_name: 'MCP Gateway (test)',
    redirect_uris: [],
    loopback_redirects: true,
    realms: ['entra', 'auth0'],
  },
];
