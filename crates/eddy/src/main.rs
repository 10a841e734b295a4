//! The `eddy` binary: hands the command line to `eddy-cli`, runs `eddy serve` itself (it is
//! the one place that picks a storage backend and sets up logging), and turns the outcome
//! into an exit code (0 ok, 1 failure, 2 usage or invalid input).
#![forbid(unsafe_code)]

mod config;
mod functions;
mod http_client;
mod serve;

/// mimalloc instead of the system allocator: the server allocates many small, short-lived
/// buffers per request, where glibc's malloc cost ~17% of the server's CPU (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    eddy_cli::main(serve::serve)
}
