// In-memory storage adapter for oidc-provider, with one namespace per Provider.
//
// Why not oidc-provider's built-in MemoryAdapter: that one keeps a single module-wide
// store shared by every Provider instance, while this process runs one Provider per
// Entra tenant plus one for Auth0. Separate namespaces
//   * keep tenants apart (a code issued by Contoso is unknown to Fabrikam), and
//   * let the `organizations` endpoints find WHICH tenant issued a code / refresh token /
//     access token (peek()) and forward the request to it, and
//   * survive Provider re-construction after a key rotation (sessions, interactions,
//     codes in flight stay valid because the store lives outside the Provider).
const epoch = () => Math.floor(Date.now() / 1000);

// Models whose payload carries a grantId and that revokeByGrantId must remove.
const GRANTABLE = new Set([
  'AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode',
  'BackchannelAuthenticationRequest', 'ClientCredentials',
]);

export class Storage {
  constructor() {
    this.namespaces = new Map();
  }

  #ns(namespace) {
    let ns = this.namespaces.get(namespace);
    if (!ns) {
      ns = { items: new Map(), byUid: new Map(), byUserCode: new Map(), byGrant: new Map() };
      this.namespaces.set(namespace, ns);
    }
    return ns;
  }

  /** Live (unexpired) payload of `model` `id` in `namespace`, without side effects. */
  peek(namespace, model, id) {
    const entry = this.#ns(namespace).items.get(`${model}:${id}`);
    if (!entry) return undefined;
    if (entry.expiresAt && entry.expiresAt <= epoch()) return undefined;
    return entry.payload;
  }

  /** An adapter class bound to `namespace`, for oidc-provider's `adapter` option. */
  adapterFor(namespace) {
    const ns = this.#ns(namespace);
    const storage = this;
    return class NamespacedMemoryAdapter {
      constructor(model) {
        this.model = model;
      }

      key(id) {
        return `${this.model}:${id}`;
      }

      async upsert(id, payload, expiresIn) {
        const key = this.key(id);
        const expiresAt = expiresIn ? epoch() + expiresIn : undefined;
        ns.items.set(key, { payload: structuredClone(payload), expiresAt });
        if (this.model === 'Session' && payload.uid) ns.byUid.set(payload.uid, id);
        if (payload.userCode) ns.byUserCode.set(payload.userCode, id);
        if (GRANTABLE.has(this.model) && payload.grantId) {
          const keys = ns.byGrant.get(payload.grantId) ?? new Set();
          keys.add(key);
          ns.byGrant.set(payload.grantId, keys);
        }
      }

      async find(id) {
        const payload = storage.peek(namespace, this.model, id);
        return payload && structuredClone(payload);
      }

      async findByUid(uid) {
        const id = ns.byUid.get(uid);
        return id === undefined ? undefined : this.find(id);
      }

      async findByUserCode(userCode) {
        const id = ns.byUserCode.get(userCode);
        return id === undefined ? undefined : this.find(id);
      }

      async consume(id) {
        const entry = ns.items.get(this.key(id));
        if (entry) entry.payload.consumed = epoch();
      }

      async destroy(id) {
        ns.items.delete(this.key(id));
      }

      async revokeByGrantId(grantId) {
        for (const key of ns.byGrant.get(grantId) ?? []) ns.items.delete(key);
        ns.byGrant.delete(grantId);
      }
    };
  }
}
