// Signing keys with rollover.
//
// Each realm (Entra, Auth0) has a key ring of RSA-2048 keys used for RS256. The first
// key signs; every key in the ring is published in the JWKS. Real Entra publishes one
// tenant-independent key set for all tenants (the `common`/`organizations` JWKS "covers
// all tenants", mcp-notes §6.2), so all Entra tenants share one ring here as well.
//
// Keys are generated at start-up (nothing is persisted). Rotation puts a new key in
// front (it signs from then on) and either keeps the older keys published (default, the
// normal overlap period of a real rollover) or drops them (to simulate a key that was
// withdrawn). oidc-provider reads its keys only when a Provider is constructed, so the
// realm rebuilds its Provider instances after a rotation (see server.js).
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export function newRsaJwk() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  // 27 base64url characters, the shape of Entra's and Auth0's `kid`s.
  return { ...jwk, kid: randomBytes(20).toString('base64url'), alg: 'RS256', use: 'sig' };
}

export class KeyRing {
  constructor(name) {
    this.name = name;
    this.keys = [newRsaJwk()];
  }

  /** The key that signs new tokens. */
  get current() {
    return this.keys[0];
  }

  /** Private JWKS for oidc-provider's `jwks` option (a fresh copy each time). */
  privateJwks() {
    return { keys: this.keys.map((k) => ({ ...k })) };
  }

  kids() {
    return this.keys.map((k) => k.kid);
  }

  rotate({ keepOld = true } = {}) {
    const key = newRsaJwk();
    this.keys = keepOld ? [key, ...this.keys] : [key];
    return key;
  }
}
