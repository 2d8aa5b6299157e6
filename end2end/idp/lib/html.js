// Tiny HTML helpers for the sign-in, sign-up, admin-consent and error pages.
//
// The pages are deliberately plain: every control has a visible label or text so that
// Playwright can use getByRole('button', { name }) / getByLabel('Email'), and they load
// nothing from the network (this machine has no internet access).

export function esc(value) {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
body{font-family:system-ui,sans-serif;background:#f3f3f3;margin:0;padding:2rem 1rem;color:#1b1b1b}
main{max-width:34rem;margin:0 auto;background:#fff;padding:1.5rem 2rem;border-radius:6px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:1.5rem;margin-top:0}
.brand{font-weight:600;color:#555;margin:0 0 .75rem}
ul.accounts{list-style:none;padding:0;margin:0}
ul.accounts li{margin:.4rem 0;display:flex;flex-wrap:wrap;gap:.5rem;align-items:baseline}
ul.accounts .who{color:#555;font-size:.9rem}
button{font:inherit;padding:.4rem .9rem;cursor:pointer}
label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=text],input[type=email]{font:inherit;padding:.35rem;width:100%;box-sizing:border-box}
.row{display:flex;gap:.6rem;margin-top:1rem}
.error{color:#a4262c;font-weight:600}
.meta{color:#555;font-size:.85rem}
fieldset{border:1px solid #ccc;margin:1rem 0;padding:.5rem 1rem}
`;

/** A whole page. `brand` is a short product line shown above the heading. */
export function page({ title, brand, body, status }) {
  return {
    status: status ?? 200,
    html: `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${brand ? `<p class="brand">${esc(brand)}</p>` : ''}
<h1>${esc(title)}</h1>
${body}
</main>
</body>
</html>
`,
  };
}

/** Hidden inputs carrying request parameters through a form round trip. */
export function hiddenFields(params, skip = []) {
  return Object.entries(params)
    .filter(([k, v]) => !skip.includes(k) && v !== undefined && v !== null)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('\n');
}

/** Error paragraph announced to assistive technology. */
export function errorText(message) {
  return message ? `<p class="error" role="alert">${esc(message)}</p>` : '';
}

/** Send a page built by page() through an express response. */
export function send(res, built) {
  res.status(built.status).type('html').set('Cache-Control', 'no-store').send(built.html);
}

/** oidc-provider renderError replacement (the default imports web fonts from the internet). */
export function renderErrorFor(brand) {
  return async (ctx, out) => {
    const built = page({
      title: 'Sign-in error',
      brand,
      body: `<p class="error" role="alert">${esc(out.error)}</p>
<p>${esc(out.error_description)}</p>`,
      status: ctx.status,
    });
    ctx.type = 'html';
    ctx.body = built.html;
  };
}

/** oidc-provider logout confirmation and success pages without external resources. */
export function logoutPagesFor(brand) {
  return {
    async logoutSource(ctx, form) {
      ctx.body = page({
        title: 'Sign out',
        brand,
        body: `${form}
<p>Do you want to sign out?</p>
<div class="row">
<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>
</div>`,
      }).html;
    },
    async postLogoutSuccessSource(ctx) {
      ctx.body = page({ title: 'You signed out', brand, body: '<p>You signed out of your account.</p>' }).html;
    },
  };
}
