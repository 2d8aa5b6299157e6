// Starts the `vendor-fakes` binary (IT Glue, NinjaOne, Autotask and Microsoft 365 stand-ins) on free loopback
// ports for the browser tests, and gives the gateway setting that sends each vendor's real origin
// to its fake, the fakes' valid test credentials, and the failure switch (see vendor-fakes/README.md).
import { spawn } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
export const FAKES_BIN = process.env.VENDOR_FAKES_BIN ?? path.join(ROOT, "target/release/vendor-fakes");

/** A fake's name as the binary knows it. */
export type FakeName =
  | "itglue" | "ninjaone" | "autotask" | "datto-rmm" | "connectwise-psa" | "halopsa" | "syncro"
  | "atera" | "hudu" | "huntress" | "sentinelone"
  | "microsoft365";
/** A failure mode of the binary's switch (`ok` switches failures off). */
export type FailureMode = "ok" | "unauthorized" | "forbidden" | "not_found" | "server_error" | "html" | "hang" | `rate_limited:${number}`;

export interface Fakes {
  /** `GATEWAY_OUTBOUND_ORIGIN_OVERRIDES` as an object: real vendor origin → fake origin. */
  overrides: Record<string, string>;
  /** Each fake's own origin. */
  origins: Record<FakeName, string>;
  /** The IT Glue key the fake accepts (region `us`). */
  itglueKey: string;
  /** Makes `fake` answer every API request with `mode` until switched back with `ok`. */
  setFailure(fake: FakeName, mode: FailureMode): Promise<void>;
  /** Any other switch of the binary, e.g. `microsoft365 refuse_refresh`, `microsoft365 token_lifetime:60`. */
  send(fake: FakeName, command: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startFakes(): Promise<Fakes> {
  const child = spawn(FAKES_BIN, ["--free-ports"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let errors = "";
  child.stderr?.on("data", (d) => (errors += d));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  // Lines the binary prints, handed to whoever waits for the next one.
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let buffer = "";
  child.stdout?.on("data", (d) => {
    buffer += d;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const nextLine = (what: string) =>
    new Promise<string>((resolve, reject) => {
      const queued = lines.shift();
      if (queued !== undefined) return resolve(queued);
      const timer = setTimeout(() => reject(new Error(`vendor-fakes: no ${what} after 20 s (${FAKES_BIN}):\n${errors}`)), 20_000);
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  child.on("error", (e) => (errors += `${e}\n`));

  const overrides: Record<string, string> = {};
  const origins: Partial<Record<FakeName, string>> = {};
  for (;;) {
    const line = await nextLine("ready line");
    if (line === "ready") break;
    const override = line.match(/^\s+override (\S+) = (\S+)$/);
    const fake = line.match(/^([\w-]+) (http:\/\/\S+)$/);
    if (override) overrides[override[1]] = override[2];
    else if (fake) origins[fake[1] as FakeName] = fake[2];
    else throw new Error(`vendor-fakes: unexpected line ${JSON.stringify(line)}`);
  }
  const setFailure = async (fake: FakeName, mode: FailureMode) => {
    const command = `${fake} ${mode}`;
    child.stdin?.write(`${command}\n`);
    const answer = await nextLine(`answer to ${command}`);
    if (answer !== `ok ${command}`) throw new Error(`vendor-fakes: ${command} answered ${answer}`);
  };
  return {
    overrides,
    origins: origins as Record<FakeName, string>,
    itglueKey: "ITG.fake0123456789abcdef",
    setFailure,
    async send(fake, command) {
      await setFailure(fake, command as FailureMode);
    },
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
