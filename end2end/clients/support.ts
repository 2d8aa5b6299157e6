// What the real-client specs share: connecting vendors in the portal, the browser step of an MCP
// client's OAuth flow (the gateway's consent popup in Chromium), and driving a client that runs as
// a child process speaking one JSON object per line (clients/py_client.py).
import { spawn, ChildProcess } from "node:child_process";
import path from "node:path";
import type { Page } from "@playwright/test";
import { expect, waitForHydration } from "../tests/support";

export const CLIENTS_DIR = __dirname;
/** The Python of the venv scripts/setup.sh builds (SETUP_E2E=1) from clients/requirements.txt. */
export const PYTHON = process.env.E2E_PYTHON ?? path.join(__dirname, "../.venv/bin/python");

/** The form values the vendor fakes accept (vendor-fakes/README.md). */
export const VENDORS = {
  demo: { name: "Demo MSP", fill: { "API key": "demo-key-for-real-clients" } },
  itglue: { name: "IT Glue", fill: { "API key": "ITG.fake0123456789abcdef" } },
  ninjaone: {
    name: "NinjaOne",
    fill: { "Client ID": "fake-ninja-client-0001", "Client secret": "fake-ninja-secret-abcdef0123456789" },
  },
  autotask: {
    name: "Autotask PSA",
    fill: {
      "API user name": "api-user@msp.example",
      "API secret": "fake-autotask-secret-0123456789",
      "API tracking identifier (integration code)": "FAKEINTEGRATIONCODE0001",
    },
  },
} as const;
export type VendorSlug = keyof typeof VENDORS;

/** Connects `slug` for the signed-in user through the Connections page (Test & connect). */
export async function connectVendor(page: Page, baseUrl: string, slug: VendorSlug) {
  const vendor = VENDORS[slug];
  await page.goto(`${baseUrl}/connections`);
  await waitForHydration(page);
  await page.getByLabel("Search vendors").fill(vendor.name);
  await page.getByRole("button", { name: `Connect ${vendor.name}` }).click();
  for (const [label, value] of Object.entries(vendor.fill)) await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByRole("button", { name: "Test & connect" }).click();
  await expect(page.locator("#effective")).toContainText(`${slug}__…`);
}

/**
 * The person's part of a client's authorization: the (signed-in) technician opens the URL the
 * client wanted opened, sees the gateway's consent page naming the client, and allows it.
 * With `capture`, the redirect to that prefix is intercepted and its URL returned (a client whose
 * hook takes the redirect URL); without, Chromium follows the redirect to the client's own
 * loopback listener, and the URL it landed on is returned.
 */
export async function allowInBrowser(page: Page, authorizationUrl: string, clientName: RegExp | string, capture?: string) {
  let captured = "";
  // A client's own callback page may load assets from the internet (fastmcp's logo), which this
  // machine cannot reach: answer those empty rather than let Chromium report a failed load.
  await page.route(
    (url) => !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname),
    (route) => route.fulfill({ status: 204 }),
  );
  if (capture) {
    await page.route(
      (url) => url.href.startsWith(capture),
      (route) => {
        captured = route.request().url();
        return route.fulfill({ body: "ok" });
      },
    );
  }
  await page.goto(authorizationUrl);
  const name = typeof clientName === "string" ? clientName : clientName.source;
  await expect(page.getByRole("heading", { name: new RegExp(`Allow ${name} to use your MCP Gateway\\?`) })).toBeVisible();
  await waitForHydration(page);
  await page.getByRole("button", { name: "Allow" }).click();
  if (capture) {
    await expect.poll(() => captured).toContain("code=");
    await page.unroute((url) => url.href.startsWith(capture));
    return captured;
  }
  await page.waitForURL((url) => url.hostname === "127.0.0.1" && url.searchParams.has("code"));
  return page.url();
}

/** A client process that prints and reads one JSON object per line. */
export class LineClient {
  private lines: string[] = [];
  private waiting: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  private buffer = "";
  stderr = "";
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess, readonly label: string) {
    child.stdout?.on("data", (d) => {
      this.buffer += d;
      let newline;
      while ((newline = this.buffer.indexOf("\n")) >= 0) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        if (!line.trim().startsWith("{")) continue; // a library's stray print
        const waiter = this.waiting.shift();
        if (waiter) waiter.resolve(line);
        else this.lines.push(line);
      }
    });
    child.stderr?.on("data", (d) => (this.stderr += d));
    // A missing interpreter (no end2end/.venv: run scripts/setup.sh with SETUP_E2E=1) ends here.
    child.on("error", (e) => (this.stderr += `${e}\n`));
    this.exited = new Promise((resolve) =>
      child.on("exit", (code) => {
        for (const w of this.waiting.splice(0)) w.reject(new Error(`${label} exited with ${code}; stderr:\n${this.stderr.slice(-4000)}`));
        resolve(code);
      }),
    );
  }

  static spawn(command: string, args: string[], env: Record<string, string> = {}, label = command) {
    const child = spawn(command, args, {
      env: { ...process.env, PYTHONUNBUFFERED: "1", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    return new LineClient(child, label);
  }

  /** The next JSON line, or a failure with the client's standard error after `timeoutMs`. */
  next(timeoutMs = 60_000): Promise<any> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(JSON.parse(queued));
    if (this.child.exitCode !== null) return Promise.reject(new Error(`${this.label} exited with ${this.child.exitCode}; stderr:\n${this.stderr.slice(-4000)}`));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(JSON.parse(line));
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(new Error(`${this.label}: no answer after ${timeoutMs} ms; stderr:\n${this.stderr.slice(-4000)}`));
      }, timeoutMs);
      this.waiting.push(waiter);
    });
  }

  send(message: unknown) {
    this.child.stdin?.write(JSON.stringify(message) + "\n");
  }

  /** Sends one command and returns its `result`; a failed command fails the test with its error. */
  async request(message: Record<string, unknown>): Promise<any> {
    this.send(message);
    const answer = await this.next();
    if (!answer.ok) throw new Error(`${this.label} ${JSON.stringify(message)}: ${answer.error}\n${this.stderr.slice(-4000)}`);
    return answer.result;
  }

  async stop() {
    if (this.child.exitCode === null) {
      this.child.stdin?.end();
      const timer = setTimeout(() => this.child.kill("SIGTERM"), 5_000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}
