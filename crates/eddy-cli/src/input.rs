//! Arguments that hold a document inline, or `@path` to read it from a file (`@-`: stdin).

use std::io::Read;

use anyhow::Context;

/// The document an argument names: the text itself, or the contents of `@file`.
pub fn document(arg: &str) -> anyhow::Result<Vec<u8>> {
    match arg.strip_prefix('@') {
        Some("-") => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .context("reading stdin")?;
            Ok(buf)
        }
        Some(path) => std::fs::read(path).with_context(|| format!("reading {path}")),
        None => Ok(arg.as_bytes().to_vec()),
    }
}
