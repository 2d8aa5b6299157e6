// Negative-test hooks: corrupt the NEXT ID token a provider issues.
//
// POST /_admin/next-id-token {"mutation": "...", "realm": "entra"|"auth0"|"any"} queues
// a mutation. The next successful token-endpoint response of a matching realm that
// contains an `id_token` has that token replaced by a corrupted copy, then the mutation
// is used up (FIFO when several are queued). Everything else in the response (access
// token, refresh token) is untouched, and tokens after it are normal again.
//
// The ID token is first issued by oidc-provider as usual; the hook decodes it, changes
// it and re-signs it with the SAME private key (same `kid`) unless the mutation is
// about the signature itself. Only these hooks produce hand-made tokens.
import { createPrivateKey, randomBytes } from 'node:crypto';
import { CompactSign } from 'jose';

import { newRsaJwk } from './keys.js';

export const MUTATIONS = {
  wrong_nonce: 'nonce replaced by a value the client never sent',
  wrong_aud: 'aud is another client id ("some-other-client")',
  expired: 'iat two hours ago and exp one hour ago (validly signed)',
  alg_none: 'unsigned token: header {"alg":"none"}, empty signature',
  iss_tid_mismatch: 'Entra only: iss is another tenant\'s issuer while tid stays the user\'s tenant',
  wrong_iss: 'Entra: v1 issuer https://sts.windows.net/{tid}/; Auth0: issuer without the trailing slash',
  bad_signature: 'signature bytes altered (kid unchanged)',
  unknown_kid: 'signed by a key that is not in the JWKS (kid unknown even after refetching)',
};

const REALMS = ['any', 'entra', 'auth0'];
const epoch = () => Math.floor(Date.now() / 1000);
const b64json = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');
const unb64json = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

export class IdTokenHooks {
  constructor() {
    this.pending = [];
  }

  /** Validate and queue; returns the queued entry or throws an Error with a message for a 400. */
  queue({ mutation, realm } = {}) {
    if (!Object.hasOwn(MUTATIONS, mutation ?? '')) {
      throw new Error(`unknown mutation ${JSON.stringify(mutation)}; known: ${Object.keys(MUTATIONS).join(', ')}`);
    }
    let r = realm ?? 'any';
    if (!REALMS.includes(r)) throw new Error(`realm must be one of ${REALMS.join(', ')}`);
    if (mutation === 'iss_tid_mismatch') {
      if (r === 'auth0') throw new Error('iss_tid_mismatch needs a tid claim: Entra only');
      r = 'entra';
    }
    const entry = { mutation, realm: r, queued_at: new Date().toISOString() };
    this.pending.push(entry);
    return entry;
  }

  clear() {
    this.pending = [];
  }

  take(realm) {
    const i = this.pending.findIndex((p) => p.realm === 'any' || p.realm === realm);
    return i === -1 ? undefined : this.pending.splice(i, 1)[0];
  }

  /**
   * Koa middleware for a Provider (provider.use). `realm` is 'entra' or 'auth0';
   * `keyRing` holds the private keys; `issuers` supplies the realm-specific wrong
   * issuers: { mismatched(payload), wrong(payload) }.
   */
  middleware({ realm, keyRing, issuers }) {
    return async (ctx, next) => {
      await next();
      if (ctx.oidc?.route !== 'token' || ctx.status !== 200 || typeof ctx.body?.id_token !== 'string') return;
      const entry = this.take(realm);
      if (!entry) return;
      ctx.body = { ...ctx.body, id_token: await mutate(ctx.body.id_token, entry.mutation, { keyRing, issuers }) };
    };
  }
}

async function sign(header, payload, jwk) {
  return new CompactSign(Buffer.from(JSON.stringify(payload)))
    .setProtectedHeader(header)
    .sign(createPrivateKey({ key: jwk, format: 'jwk' }));
}

export async function mutate(token, mutation, { keyRing, issuers }) {
  const [h, p, s] = token.split('.');
  const header = unb64json(h);
  const payload = unb64json(p);
  const signingJwk = keyRing.keys.find((k) => k.kid === header.kid) ?? keyRing.current;
  const now = epoch();

  switch (mutation) {
    case 'wrong_nonce':
      payload.nonce = `not-your-nonce-${randomBytes(6).toString('hex')}`;
      break;
    case 'wrong_aud':
      payload.aud = 'some-other-client';
      break;
    case 'expired':
      payload.iat = now - 7200;
      payload.exp = now - 3600;
      if (payload.nbf !== undefined) payload.nbf = payload.iat;
      if (payload.auth_time !== undefined) payload.auth_time = payload.iat;
      break;
    case 'alg_none':
      return `${b64json({ alg: 'none', typ: header.typ ?? 'JWT' })}.${b64json(payload)}.`;
    case 'iss_tid_mismatch':
      payload.iss = issuers.mismatched(payload);
      break;
    case 'wrong_iss':
      payload.iss = issuers.wrong(payload);
      break;
    case 'bad_signature': {
      const sig = Buffer.from(s, 'base64url');
      sig[0] ^= 0xff;
      sig[sig.length - 1] ^= 0xff;
      return `${h}.${p}.${sig.toString('base64url')}`;
    }
    case 'unknown_kid': {
      const stranger = newRsaJwk();
      return sign({ ...header, kid: stranger.kid }, payload, stranger);
    }
    default:
      throw new Error(`unreachable mutation ${mutation}`);
  }
  return sign(header, payload, signingJwk);
}
