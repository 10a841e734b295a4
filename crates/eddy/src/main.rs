//! The `eddy` binary: hands the command line to `eddy-cli`, runs `eddy serve` itself (it is
//! the one place that picks a storage backend and sets up logging), and turns the outcome
//! into an exit code (0 ok, 1 failure, 2 usage or invalid input).
#![forbid(unsafe_code)]

mod config;
mod http_client;
mod serve;

fn main() -> std::process::ExitCode {
    eddy_cli::main(serve::serve)
}
