// Starts the real gateway binary for the browser tests: a free loopback port, a fresh data
// directory (SQLite database + master key) and the development sign-in. Used by global-setup.ts
// and by specs that need their own instance (restart).
import { spawn, ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
export const GATEWAY_BIN = process.env.GATEWAY_BIN ?? path.join(ROOT, "target/release/mcp-gateway");
const SITE_ROOT = process.env.LEPTOS_SITE_ROOT ?? path.join(ROOT, "target/site");

export interface Gateway {
  url: string;
  dataDir: string;
  process: ChildProcess;
  stop(): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function newDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "mcp-gateway-e2e-"));
  writeFileSync(path.join(dir, "master.key"), randomBytes(32).toString("base64") + "\n", { mode: 0o600 });
  return dir;
}

/** Starts the gateway and waits until /health/ready answers 200. `env` adds or overrides
 * settings (e.g. the identity providers); `devLogin: false` turns the development sign-in off. */
export async function startGateway(
  opts: { dataDir?: string; port?: number; env?: Record<string, string>; devLogin?: boolean } = {},
): Promise<Gateway> {
  const dataDir = opts.dataDir ?? newDataDir();
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(GATEWAY_BIN, ["serve"], {
    cwd: dataDir,
    env: {
      PATH: process.env.PATH ?? "",
      GATEWAY_BIND: `127.0.0.1:${port}`,
      GATEWAY_PUBLIC_URL: url,
      GATEWAY_DEV_LOGIN: opts.devLogin === false ? "false" : "true",
      GATEWAY_MASTER_KEY_FILE: path.join(dataDir, "master.key"),
      GATEWAY_LOG_FORMAT: "json",
      DATABASE_URL: `sqlite://${path.join(dataDir, "gateway.db")}?mode=rwc`,
      LEPTOS_SITE_ROOT: SITE_ROOT,
      // Every browser of the suite comes from 127.0.0.1: one client address for the per-address
      // rate limits, which the API tests cover (server/tests/api/edge.rs).
      GATEWAY_RATE_LIMIT_TOKEN_PER_MINUTE: "10000",
      GATEWAY_RATE_LIMIT_AUTHORIZE_PER_MINUTE: "10000",
      GATEWAY_RATE_LIMIT_SIGN_IN_PER_MINUTE: "10000",
      GATEWAY_RATE_LIMIT_CONSENT_PER_MINUTE: "10000",
      GATEWAY_RATE_LIMIT_ADMIN_CONSENT_PER_MINUTE: "10000",
      ...(opts.env ?? {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${url}/health/ready`);
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`gateway at ${url} not ready after 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dataDir,
    process: child,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

export function removeDataDir(dir: string) {
  rmSync(dir, { recursive: true, force: true });
}

export interface Idp {
  /** Entra authority, e.g. http://127.0.0.1:P/entra */
  entra: string;
  /** Auth0 issuer with its trailing slash, e.g. http://127.0.0.1:P/auth0/ */
  auth0: string;
  base: string;
  stop(): Promise<void>;
  /** The gateway settings that point at this stand-in. */
  gatewayEnv(): Record<string, string>;
}

/** Starts the Entra/Auth0 stand-in (end2end/idp) on a free port and waits for its ready line. */
export async function startIdp(): Promise<Idp> {
  const child = spawn(process.execPath, [path.join(__dirname, "idp/server.js"), "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let errors = "";
  child.stderr?.on("data", (d) => (errors += d));
  const ready = await new Promise<{ port: number; entra: string; auth0: string }>((resolve, reject) => {
    let buffer = "";
    const timer = setTimeout(() => reject(new Error(`IdP stand-in not ready after 20 s:\n${errors}`)), 20_000);
    child.stdout?.on("data", (d) => {
      buffer += d;
      const newline = buffer.indexOf("\n");
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(JSON.parse(buffer.slice(0, newline)));
      }
    });
    child.on("exit", (code) => reject(new Error(`IdP stand-in exited with ${code}:\n${errors}`)));
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return {
    entra: ready.entra,
    auth0: ready.auth0,
    base: `http://127.0.0.1:${ready.port}`,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
    gatewayEnv() {
      return {
        GATEWAY_ENTRA_CLIENT_ID: "gateway-test-client",
        GATEWAY_ENTRA_CLIENT_SECRET: "gateway-test-secret",
        GATEWAY_ENTRA_AUTHORITY: ready.entra,
        GATEWAY_AUTH0_ISSUER: ready.auth0,
        GATEWAY_AUTH0_CLIENT_ID: "gateway-test-client",
        GATEWAY_AUTH0_CLIENT_SECRET: "gateway-test-secret",
      };
    },
  };
}
