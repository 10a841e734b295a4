//! A benchmark's result: one line for people, one JSON object for scripts.

/// What a subcommand prints.
pub struct Report {
    /// The one-line summary.
    pub line: String,
    /// The same figures, and more, for `--output json`.
    pub json: serde_json::Value,
}
