// The adapter between the MCP conformance suite and the gateway. The suite's server runner
// connects with a plain Streamable-HTTP client (no OAuth, no header option) and calls the fixture
// tools by their bare names, while the gateway requires a bearer token on every request and
// namespaces every tool as `{slug}__{tool}` (by design, issue 12). So this reverse proxy, which is
// the gateway's public origin during the run (`public_url` points here, like a TLS-terminating
// proxy in production), does exactly two things and nothing else:
//
// 1. adds `Authorization: Bearer <token>` to requests under /v1/ that carry none (the token was
//    obtained through the real authorization flow with the pre-registered `conformance` client);
// 2. adds the fixture connection's `{slug}__` to the tool name of a tools/call request that has no
//    `__` in it, and removes it from the tool names of tools/list results (JSON or SSE answers).
//
// (and it asks for uncompressed answers there, to read them). Every other byte passes unchanged,
// Host and Origin included, so the gateway's own DNS-rebinding
// checks are what the suite's dns-rebinding-protection scenario sees.
import http from "node:http";

export interface BearerProxy {
  url: string;
  setToken(token: string): void;
  /** The fixture connection's tool prefix, `{slug}__`. */
  setPrefix(prefix: string): void;
  /** Requests seen, as "METHOD path status" lines (for failure reports). */
  log: string[];
  stop(): Promise<void>;
}

function renameRequest(body: Buffer, prefix: string): Buffer {
  try {
    const message = JSON.parse(body.toString("utf8"));
    if (message?.method === "tools/call" && typeof message.params?.name === "string" && !message.params.name.includes("__")) {
      message.params.name = prefix + message.params.name;
      return Buffer.from(JSON.stringify(message));
    }
  } catch {}
  return body;
}

function renameResult(json: string, prefix: string): string {
  try {
    const message = JSON.parse(json);
    if (Array.isArray(message?.result?.tools)) {
      for (const tool of message.result.tools)
        if (typeof tool.name === "string" && tool.name.startsWith(prefix)) tool.name = tool.name.slice(prefix.length);
      return JSON.stringify(message);
    }
  } catch {}
  return json;
}

export function startBearerProxy(opts: { port: number; target: string }): Promise<BearerProxy> {
  let token = "";
  let prefix = "";
  const log: string[] = [];
  const target = new URL(opts.target);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const headers = { ...req.headers };
      const mcp = (req.url ?? "").startsWith("/v1/");
      if (mcp && !headers.authorization && token) headers.authorization = `Bearer ${token}`;
      if (mcp) delete headers["accept-encoding"]; // plain bodies, so tool names can be read
      let body: Buffer = Buffer.concat(chunks);
      if (mcp && req.method === "POST") body = renameRequest(body, prefix);
      if (body.length) headers["content-length"] = String(body.length);
      const upstream = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
        (answer) => {
          log.push(`${req.method} ${req.url} ${answer.statusCode}`);
          const type = String(answer.headers["content-type"] ?? "");
          const outHeaders = { ...answer.headers };
          if (mcp && type.startsWith("application/json")) {
            const parts: Buffer[] = [];
            answer.on("data", (c) => parts.push(c));
            answer.on("end", () => {
              const out = Buffer.from(renameResult(Buffer.concat(parts).toString("utf8"), prefix));
              delete outHeaders["transfer-encoding"];
              outHeaders["content-length"] = String(out.length);
              res.writeHead(answer.statusCode ?? 502, outHeaders);
              res.end(out);
            });
          } else if (mcp && type.startsWith("text/event-stream")) {
            res.writeHead(answer.statusCode ?? 502, outHeaders);
            let pending = "";
            answer.on("data", (c) => {
              pending += c.toString("utf8");
              let newline;
              while ((newline = pending.indexOf("\n")) >= 0) {
                const line = pending.slice(0, newline);
                pending = pending.slice(newline + 1);
                res.write((line.startsWith("data:") ? `data: ${renameResult(line.slice(5).trimStart(), prefix)}` : line) + "\n");
              }
            });
            answer.on("end", () => res.end(pending));
          } else {
            res.writeHead(answer.statusCode ?? 502, outHeaders);
            answer.pipe(res);
          }
        },
      );
      upstream.on("error", (e) => {
        log.push(`${req.method} ${req.url} error ${e.message}`);
        res.writeHead(502).end();
      });
      res.on("close", () => upstream.destroy());
      upstream.end(body);
    });
  });
  return new Promise((resolve) =>
    server.listen(opts.port, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${opts.port}`,
        setToken: (t) => (token = t),
        setPrefix: (p) => (prefix = p),
        log,
        stop: () =>
          new Promise((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      }),
    ),
  );
}
