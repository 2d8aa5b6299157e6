//! `mcp-gateway`: the binary. Everything happens in the `server` library (`cli::run`).

fn main() -> std::process::ExitCode {
    server::cli::run()
}
