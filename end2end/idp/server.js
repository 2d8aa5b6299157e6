#!/usr/bin/env node
// OpenID provider stand-ins for Microsoft Entra ID (/entra) and Auth0 (/auth0/) in one
// process, for the MCP gateway's end-to-end tests. See README.md.
//
//   node server.js [--port N] [--clients FILE] [--verbose]
//
// Prints exactly one JSON line on stdout once both providers are ready, e.g.
//   {"ready":true,"port":43123,"entra":"http://127.0.0.1:43123/entra","auth0":"http://127.0.0.1:43123/auth0/"}
// Everything else (oidc-provider notices, --verbose request log, errors) goes to stderr.
import './lib/stdout-guard.js'; // must stay the first import (see the module)

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import express from 'express';

import { Storage } from './lib/adapter.js';
import { createAuth0 } from './lib/auth0.js';
import { loadClients } from './lib/clients.js';
import { createEntra } from './lib/entra.js';
import { KeyRing } from './lib/keys.js';
import { IdTokenHooks, MUTATIONS } from './lib/mutations.js';

const USAGE = `usage: node server.js [--port N] [--clients FILE] [--verbose]
  --port N        port on 127.0.0.1 (env IDP_PORT; default 0 = any free port)
  --clients FILE  JSON client list replacing the built-in gateway-test-client (env IDP_CLIENTS)
  --verbose       log every request on stderr (env IDP_VERBOSE=1)`;

function options() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      clients: { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.error(USAGE);
    process.exit(0);
  }
  const portText = values.port ?? process.env.IDP_PORT ?? '0';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${JSON.stringify(portText)}`);
  return {
    port,
    clients: values.clients ?? process.env.IDP_CLIENTS ?? undefined,
    verbose: values.verbose ?? process.env.IDP_VERBOSE === '1',
  };
}

function adminRouter({ entra, auth0, keyRings, hooks, consents, registry }) {
  const router = express.Router();
  router.use(express.json({ strict: false }));
  const body = (req) => (req.body && typeof req.body === 'object' ? req.body : {});

  // Everything a test may want to assert on or discover.
  router.get('/state', (req, res) => {
    res.json({
      entra: { authority: entra.authority, tenants: entra.describe(), kids: keyRings.entra.kids() },
      auth0: { ...auth0.describe(), kids: keyRings.auth0.kids() },
      clients: registry.describe(),
      pending_id_token_mutations: hooks.pending,
      admin_consents: consents,
    });
  });

  // Key rollover: {"realm": "entra"|"auth0"|"all" (default), "keep_old": true (default)}.
  router.post('/rotate-keys', (req, res) => {
    const { realm = 'all', keep_old: keepOld = true } = body(req);
    if (!['entra', 'auth0', 'all'].includes(realm)) return res.status(400).json({ error: 'realm must be entra, auth0 or all' });
    if (typeof keepOld !== 'boolean') return res.status(400).json({ error: 'keep_old must be a boolean' });
    const out = {};
    for (const [name, realmObj] of [['entra', entra], ['auth0', auth0]]) {
      if (realm !== 'all' && realm !== name) continue;
      const key = keyRings[name].rotate({ keepOld });
      realmObj.rebuild(); // oidc-provider reads keys only at construction
      out[name] = { signing_kid: key.kid, published_kids: keyRings[name].kids() };
    }
    return res.json(out);
  });

  // Negative-test hooks for the next ID token (see lib/mutations.js).
  router.get('/next-id-token', (req, res) => res.json({ pending: hooks.pending, mutations: MUTATIONS }));
  router.post('/next-id-token', (req, res) => {
    try {
      const queued = hooks.queue(body(req));
      res.json({ queued, pending: hooks.pending });
    } catch (err) {
      res.status(400).json({ error: err.message, mutations: MUTATIONS });
    }
  });
  router.delete('/next-id-token', (req, res) => {
    hooks.clear();
    res.json({ pending: hooks.pending });
  });

  // Forget test side effects: queued mutations, recorded admin consents, Auth0 sign-ups.
  // Keys and sessions are kept.
  router.post('/reset', (req, res) => {
    hooks.clear();
    consents.length = 0;
    auth0.resetUsers();
    res.json({ reset: true });
  });

  return router;
}

async function main() {
  const opts = options();
  const registry = loadClients(opts.clients);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  if (opts.verbose) {
    app.use((req, res, next) => {
      const { method, originalUrl } = req;
      res.on('finish', () => console.error(`${method} ${originalUrl} -> ${res.statusCode}${res.get('location') ? ` ${res.get('location')}` : ''}`));
      next();
    });
  }

  const server = createServer(app);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  // Issuers must contain the real port, so the providers are built after listen().
  const origin = `http://127.0.0.1:${port}`;

  const shared = {
    origin,
    registry,
    storage: new Storage(),
    hooks: new IdTokenHooks(),
    // Cookie signing keys outlive Provider rebuilds (key rotation) so browser sessions survive.
    cookieKeys: [randomBytes(32).toString('base64url')],
  };
  const keyRings = { entra: new KeyRing('entra'), auth0: new KeyRing('auth0') };
  const consents = [];
  const entra = createEntra({ ...shared, keyRing: keyRings.entra, consents });
  const auth0 = createAuth0({ ...shared, keyRing: keyRings.auth0 });

  app.use('/_admin', adminRouter({ entra, auth0, keyRings, hooks: shared.hooks, consents, registry }));
  app.use(entra.router);
  app.use(auth0.router);
  app.get('/', (req, res) => res.json({
    entra: {
      authority: entra.authority,
      organizations_discovery: `${entra.authority}/organizations/v2.0/.well-known/openid-configuration`,
    },
    auth0: { issuer: auth0.issuer, discovery: `${auth0.issuer}.well-known/openid-configuration` },
    admin: `${origin}/_admin/state`,
  }));
  app.use((req, res) => res.status(404).json({ error: 'not_found', path: req.path }));
  // eslint-disable-next-line no-unused-vars
  app.use((err, req, res, next) => {
    console.error(err);
    if (!res.headersSent) res.status(500).json({ error: 'server_error', error_description: err.message });
  });

  const stop = () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  process.stdout.write(`${JSON.stringify({ ready: true, port, entra: entra.authority, auth0: auth0.issuer })}\n`);
}

main().catch((err) => {
  console.error(`idp stand-in failed to start: ${err.stack ?? err}`);
  process.exit(1);
});
