//! The `eddy` binary: hands the command line to `eddy-cli` and turns its outcome into an
//! exit code (0 ok, 1 failure, 2 usage or invalid input).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    eddy_cli::main()
}
