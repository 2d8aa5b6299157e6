// The conformance suite's fixture tools, served as an upstream MCP server (the official
// TypeScript SDK's low-level Server over Streamable HTTP with sessions, JSON or SSE responses as
// the SDK decides). The technician connects it as an "MCP server" connection, so every scenario's
// tool call goes client → gateway → this server. Tool names and results follow the scenario
// descriptions of @modelcontextprotocol/conformance (`conformance list --server`, descriptions in
// its dist/index.js).
//
//   node fixture-server.mjs        → prints {"url": "http://127.0.0.1:<port>/mcp"} and serves
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";

const require = createRequire(new URL("../package.json", import.meta.url));
const { Server } = require("@modelcontextprotocol/sdk/server/index.js");
const { StreamableHTTPServerTransport } = require("@modelcontextprotocol/sdk/server/streamableHttp.js");
const { ListToolsRequestSchema, CallToolRequestSchema } = require("@modelcontextprotocol/sdk/types.js");

// 1x1 red PNG and a 44-byte silent WAV.
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
const WAV = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=";
const noArgs = { type: "object", properties: {} };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const TOOLS = [
  { name: "test_simple_text", description: "Returns simple text.", inputSchema: noArgs },
  { name: "test_image_content", description: "Returns an image.", inputSchema: noArgs },
  { name: "test_audio_content", description: "Returns audio.", inputSchema: noArgs },
  { name: "test_embedded_resource", description: "Returns an embedded resource.", inputSchema: noArgs },
  { name: "test_multiple_content_types", description: "Returns text, an image and a resource.", inputSchema: noArgs },
  { name: "test_tool_with_logging", description: "Logs three messages while it runs.", inputSchema: noArgs },
  { name: "test_tool_with_progress", description: "Reports progress while it runs.", inputSchema: noArgs },
  { name: "test_error_handling", description: "Always fails.", inputSchema: noArgs },
  {
    name: "test_sampling",
    description: "Asks the client's LLM.",
    inputSchema: { type: "object", properties: { prompt: { type: "string" } }, required: ["prompt"] },
  },
  {
    name: "test_elicitation",
    description: "Asks the user.",
    inputSchema: { type: "object", properties: { message: { type: "string" } }, required: ["message"] },
  },
  // The SEP-1034 / SEP-1330 scenarios' tools ask through elicitation/create with the generic schema
  // below, not the scenarios' exact ones: the gateway relays no elicitation, so they fail before that.
  { name: "test_elicitation_sep1034_defaults", description: "Asks the user (defaults).", inputSchema: noArgs },
  { name: "test_elicitation_sep1330_enums", description: "Asks the user (enums).", inputSchema: noArgs },
  {
    name: "json_schema_2020_12_tool",
    description: "Tool with JSON Schema 2020-12 features",
    inputSchema: {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      $defs: { address: { type: "object", properties: { street: { type: "string" }, city: { type: "string" } } } },
      properties: { name: { type: "string" }, address: { $ref: "#/$defs/address" } },
      additionalProperties: false,
    },
  },
];

const text = (t) => ({ content: [{ type: "text", text: t }] });

/** As the scenarios say: a client without the capability gets an error instead of the request. */
const missing = (what) => ({ isError: true, content: [{ type: "text", text: `The client does not support ${what}.` }] });

async function callTool(server, request, extra) {
  const { name, arguments: args = {} } = request.params;
  const progressToken = request.params._meta?.progressToken;
  switch (name) {
    case "test_simple_text":
      return text("This is a simple text response for testing.");
    case "test_image_content":
      return { content: [{ type: "image", data: PNG, mimeType: "image/png" }] };
    case "test_audio_content":
      return { content: [{ type: "audio", data: WAV, mimeType: "audio/wav" }] };
    case "test_embedded_resource":
      return {
        content: [
          { type: "resource", resource: { uri: "test://embedded-resource", mimeType: "text/plain", text: "This is an embedded resource content." } },
        ],
      };
    case "test_multiple_content_types":
      return {
        content: [
          { type: "text", text: "Multiple content types test:" },
          { type: "image", data: PNG, mimeType: "image/png" },
          { type: "resource", resource: { uri: "test://mixed-content-resource", mimeType: "application/json", text: '{"test":"data","value":123}' } },
        ],
      };
    case "test_tool_with_logging":
      for (const [i, message] of ["Tool execution started", "Tool processing data", "Tool execution completed"].entries()) {
        if (i) await sleep(50);
        await extra.sendNotification({ method: "notifications/message", params: { level: "info", data: message } });
      }
      return text("Tool with logging executed successfully");
    case "test_tool_with_progress":
      for (const [i, progress] of [0, 50, 100].entries()) {
        if (i) await sleep(50);
        if (progressToken !== undefined)
          await extra.sendNotification({ method: "notifications/progress", params: { progressToken, progress, total: 100 } });
      }
      return text("Tool with progress executed successfully");
    case "test_error_handling":
      return { isError: true, content: [{ type: "text", text: "This tool intentionally returns an error for testing" }] };
    case "test_sampling": {
      if (!server.getClientCapabilities()?.sampling) return missing("sampling");
      const answer = await extra.sendRequest(
        { method: "sampling/createMessage", params: { messages: [{ role: "user", content: { type: "text", text: args.prompt } }], maxTokens: 100 } },
        require("@modelcontextprotocol/sdk/types.js").CreateMessageResultSchema,
      );
      return text(`LLM response: ${answer.content?.text ?? ""}`);
    }
    case "test_elicitation_sep1034_defaults":
    case "test_elicitation_sep1330_enums":
    case "test_elicitation": {
      if (!server.getClientCapabilities()?.elicitation) return missing("elicitation");
      const answer = await extra.sendRequest(
        {
          method: "elicitation/create",
          params: {
            message: args.message ?? "Please answer",
            requestedSchema: {
              type: "object",
              properties: { username: { type: "string", description: "User's response" }, email: { type: "string", description: "User's email address" } },
              required: ["username", "email"],
            },
          },
        },
        require("@modelcontextprotocol/sdk/types.js").ElicitResultSchema,
      );
      return text(`User response: ${JSON.stringify(answer)}`);
    }
    case "json_schema_2020_12_tool":
      return text(`Received ${JSON.stringify(args)}`);
    default:
      throw new Error(`unknown tool ${name}`);
  }
}

function newServer() {
  const server = new Server({ name: "conformance-fixture", version: "1.0.0" }, { capabilities: { tools: {}, logging: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: TOOLS }));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) => callTool(server, request, extra));
  return server;
}

// Sessions as the SDK's stateful example keeps them: a server→client request (sampling,
// elicitation) needs the client's answer to reach the server instance that asked.
const sessions = new Map();
const http = createServer(async (req, res) => {
  if (!req.url?.startsWith("/mcp")) {
    res.writeHead(404).end();
    return;
  }
  const id = req.headers["mcp-session-id"];
  let transport = typeof id === "string" ? sessions.get(id) : undefined;
  if (!transport) {
    if (id) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}');
      return;
    }
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sid) => sessions.set(sid, transport),
    });
    transport.onclose = () => transport.sessionId && sessions.delete(transport.sessionId);
    await newServer().connect(transport);
  }
  await transport.handleRequest(req, res);
});
http.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(JSON.stringify({ url: `http://127.0.0.1:${http.address().port}/mcp` }));
});
process.on("SIGTERM", () => http.close(() => process.exit(0)));
