//! The `/v1/mcp` endpoint's protocol logic (MCP Streamable HTTP, tools only): the provider
//! boundary ([`provider`]), sealed sessions ([`session`]) and JSON-RPC dispatch ([`protocol`]).
//! The design, its failure modes and the rejected alternatives are in `README.md` next to this
//! file.

pub mod provider;

pub use provider::{McpCaller, NoTools, ProviderError, ToolProvider};
