//! The flags every command that talks to a server shares: where it is and how to print.

use clap::Args;

use crate::client::{Client, DEFAULT_ENDPOINT};
use crate::Output;

/// `--endpoint` and `--output`, accepted before or after the subcommand.
#[derive(Debug, Clone, Args)]
pub struct Remote {
    /// The Eddy server's URL.
    #[arg(long, env = "EDDY_ENDPOINT", default_value = DEFAULT_ENDPOINT, global = true)]
    pub endpoint: String,
    /// How results are printed: a table for people, JSON for scripts.
    #[arg(long, value_enum, default_value_t, global = true)]
    pub output: Output,
}

impl Remote {
    /// A client of the server.
    pub fn client(&self) -> Client {
        Client::new(&self.endpoint)
    }
}
