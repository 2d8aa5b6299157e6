// HTML pages of the Entra stand-in: account picker, tenant sign-in page, error page.
//
// Accessible-name conventions the browser tests rely on (README.md, "Driving the pages"):
//   * one submit button per account whose name is exactly the account's UPN
//     (getByRole('button', { name: 'adele@contoso.example', exact: true }));
//   * a text field labelled "Email" (UPN or email address) with a "Sign in" button;
//   * a "Cancel" button.
import { esc, page, errorText } from './html.js';

export const BRAND = 'Microsoft Entra ID (test stand-in)';

/** Entra-style error page; never redirects (used for unknown clients/redirect URIs). */
export function entraError(message, status = 400) {
  return page({ title: 'Sorry, but we’re having trouble signing you in.', brand: BRAND, status, body: errorText(message) });
}

/** A form with one submit button per user (`login=<upn>`); users carry their `tenant`. */
export function accountList(action, hidden, users, { showTenant = true } = {}) {
  const items = users.map((u) => {
    const who = [u.name, showTenant ? u.tenant.name : null, u.email && u.email !== u.upn ? u.email : null,
      u.admin ? 'Global Administrator' : null].filter(Boolean).join(' · ');
    return `<li><button type="submit" name="login" value="${esc(u.upn)}">${esc(u.upn)}</button> <span class="who">${esc(who)}</span></li>`;
  }).join('\n');
  return `<form method="post" action="${esc(action)}">${hidden}
<fieldset><legend>Accounts</legend><ul class="accounts">
${items}
</ul></fieldset></form>`;
}

/** A form with an "Email" text field (`login`) and one submit button. */
export function emailForm(action, hidden, buttonText) {
  return `<form method="post" action="${esc(action)}">${hidden}
<label for="login-email">Email</label>
<input type="text" id="login-email" name="login" autocomplete="username" placeholder="someone@example.com">
<div class="row"><button type="submit">${esc(buttonText)}</button></div>
</form>`;
}

/** The sign-in page of one tenant (oidc-provider login interaction). */
export function tenantLoginPage({ base, tenant, details, clientName, error }) {
  const action = `${base}/${tenant.tid}/interaction/${details.uid}/login`;
  const users = tenant.users.map((u) => ({ ...u, tenant }));
  return page({
    title: 'Sign in',
    brand: BRAND,
    body: `<p class="meta">Organization: <strong>${esc(tenant.name)}</strong> (${esc(tenant.tid)}) · Application: <strong>${esc(clientName)}</strong></p>
${errorText(error)}
${accountList(action, '', users, { showTenant: false })}
${emailForm(action, '', 'Sign in')}
<form method="post" action="${esc(`${base}/${tenant.tid}/interaction/${details.uid}/abort`)}"><button type="submit">Cancel</button></form>`,
  });
}
