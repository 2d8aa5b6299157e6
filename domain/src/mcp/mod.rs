//! The `/v1/mcp` endpoint's protocol logic (MCP Streamable HTTP, tools only): the provider
//! boundary ([`provider`]), sealed sessions ([`session`]), JSON-RPC framing and lifecycle rules
//! ([`protocol`]) and what one request does ([`endpoint`]). The design, its failure modes and the
//! rejected alternatives are in `README.md` next to this file.

pub mod endpoint;
pub mod protocol;
pub mod provider;
pub mod session;

pub use endpoint::{Headers, McpEndpoint, Reply};
pub use provider::{McpCaller, NoTools, ProviderError, ToolProvider, ToolsChanged};
