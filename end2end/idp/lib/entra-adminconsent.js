// Entra admin-consent endpoint stand-in (mcp-notes §6.2).
//
//   GET {authority}/{tenant}/v2.0/adminconsent?client_id&scope&redirect_uri&state   (v2: scope required)
//   GET {authority}/{tenant}/adminconsent?client_id&redirect_uri&state              (v1)
// {tenant}: organizations, common, a tenant GUID or a tenant's domain.
// Success:  redirect_uri?admin_consent=True&tenant={tid}&state   (+ scope on v2)
// Cancel:   redirect_uri?error=access_denied&error_subcode=cancel&error_description=AADSTS65004…&state
// Non-admin: redirect_uri?error=access_denied&error_description=AADSTS90094…&state
// Unknown client / unregistered redirect_uri / unknown tenant: error page, no redirect.
// The redirect is not an authentication: no code, no token (the gateway must sign the
// admin in separately before trusting it).
//
// Pages: account picker -> "Permissions requested" with Accept / Cancel (or "Need admin
// approval" for a non-admin). Test shortcuts: login_hint=<upn|email> skips the picker;
// test_outcome=accept|deny answers at once without any page.
import { entraUsers, findTenant, matchEntraUsers } from './data.js';
import { esc, page, send, hiddenFields, errorText } from './html.js';
import { withQuery, requestParams } from './common.js';
import { BRAND, entraError, accountList, emailForm } from './entra-pages.js';

export const MULTI = ['organizations', 'common'];
export const CANCEL_DESCRIPTION = 'AADSTS65004: User declined to consent to access the app.';

/** Express handler; `consents` collects granted consents (shown by GET /_admin/state). */
export function adminConsentHandler({ registry, consents }) {
  return function adminConsent(req, res) {
    const v2 = req.path.includes('/v2.0/');
    const params = requestParams(req);
    const seg = req.params.tenant;
    const pathTenant = MULTI.includes(seg) ? undefined : findTenant(seg);
    if (!MULTI.includes(seg) && !pathTenant) {
      return send(res, entraError(`AADSTS90002: Tenant '${seg}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`));
    }
    const client = registry.get(params.client_id, 'entra');
    if (!client) {
      return send(res, entraError(`AADSTS700016: Application with identifier '${params.client_id ?? ''}' was not found in the directory '${seg}'.`));
    }
    if (!registry.redirectAllowed(client, params.redirect_uri)) {
      return send(res, entraError(`AADSTS50011: The redirect URI '${params.redirect_uri ?? ''}' specified in the request does not match the redirect URIs configured for the application '${client.client_id}'.`));
    }
    const back = (query) => res.redirect(302, withQuery(params.redirect_uri, { ...query, state: params.state }));
    if (v2 && !params.scope) {
      return back({ error: 'invalid_request', error_description: "AADSTS900144: The request body must contain the following parameter: 'scope'." });
    }

    // POST carries the button pressed on a page; GET may carry the test shortcut.
    const decision = req.method === 'POST' ? params.decision : params.test_outcome;
    if (decision === 'deny' || decision === 'cancel') {
      return back({ error: 'access_denied', error_subcode: 'cancel', error_description: CANCEL_DESCRIPTION });
    }
    const typed = params.login ?? params.login_hint;
    const matches = typed ? matchEntraUsers(typed, pathTenant) : [];
    let user = matches.length === 1 ? matches[0] : undefined;

    if (decision === 'accept' || decision === 'not_admin') {
      if (!user && pathTenant && req.method === 'GET') {
        // test_outcome=accept on a tenant-specific URL: that tenant's Global Administrator.
        user = { ...pathTenant.users.find((u) => u.admin), tenant: pathTenant };
      }
      if (!user) {
        return send(res, entraError('test_outcome=accept needs login_hint=<admin upn or email> (or a tenant GUID/domain in the path).'));
      }
      if (!user.admin || decision === 'not_admin') {
        return back({ error: 'access_denied', error_description: 'AADSTS90094: The grant requires admin permission.' });
      }
      consents.push({
        tenant: user.tenant.tid, tenant_name: user.tenant.name, client_id: client.client_id,
        scope: params.scope ?? null, admin: user.upn, at: new Date().toISOString(),
      });
      return back({ admin_consent: 'True', tenant: user.tenant.tid, ...(v2 ? { scope: params.scope } : {}) });
    }

    const action = req.path;
    const carry = { client_id: params.client_id, redirect_uri: params.redirect_uri, state: params.state, scope: params.scope };
    if (user) return send(res, user.admin ? consentPage(client, user, action, carry) : notAdminPage(client, user, action, carry));

    const users = matches.length > 1 ? matches
      : pathTenant ? pathTenant.users.map((u) => ({ ...u, tenant: pathTenant })) : entraUsers();
    const hidden = hiddenFields(carry);
    return send(res, page({
      title: 'Pick an account',
      brand: BRAND,
      body: `<p class="meta">Admin consent for <strong>${esc(client.client_name)}</strong></p>
${typed && matches.length === 0 ? errorText("We couldn't find an account with that username.") : ''}
${accountList(action, hidden, users)}
${emailForm(action, hidden, 'Next')}`,
    }));
  };
}

function consentPage(client, user, action, carry) {
  return page({
    title: 'Permissions requested',
    brand: BRAND,
    body: `<p><strong>${esc(client.client_name)}</strong> (${esc(client.client_id)}) asks for permissions in <strong>${esc(user.tenant.name)}</strong>.</p>
<p>Signed in as ${esc(user.upn)} (Global Administrator).</p>
${carry.scope ? `<p class="meta">Scope: ${esc(carry.scope)}</p>` : ''}
<p>Consent on behalf of your organization?</p>
<form method="post" action="${esc(action)}">${hiddenFields({ ...carry, login: user.upn })}<div class="row">
<button type="submit" name="decision" value="accept">Accept</button>
<button type="submit" name="decision" value="cancel">Cancel</button>
</div></form>`,
  });
}

function notAdminPage(client, user, action, carry) {
  return page({
    title: 'Need admin approval',
    brand: BRAND,
    body: `<p class="error" role="alert">${esc(user.upn)} is not an administrator of ${esc(user.tenant.name)}.</p>
<p>${esc(client.client_name)} needs permission that only an admin can grant.</p>
<form method="post" action="${esc(action)}">${hiddenFields({ ...carry, login: user.upn })}<div class="row">
<button type="submit" name="decision" value="not_admin">Return to the application</button>
</div></form>`,
  });
}
