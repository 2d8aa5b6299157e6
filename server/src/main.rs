//! `mcp-gateway`: the binary. Everything happens in the `server` library (`cli::run`).

/// mimalloc rather than glibc malloc: a proxied `/v1/mcp` call allocates and frees many small
/// buffers across threads, and glibc's allocator was about a sixth of its CPU (bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    server::cli::run()
}
