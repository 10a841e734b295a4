//! `fsync`: the machine's physical durability cost. Writes 4 KiB and calls `fdatasync` on a file
//! in the given directory (put it in the server's data dir, so it is the same file system), many
//! times, and reports the latency of each write + sync. `overwrite` rewrites blocks of a
//! preallocated file (data only); `append` grows the file (data and its size), as a log does.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use serde_json::json;

use crate::load;
use crate::report::Report;

/// How the file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Rewrite the blocks of a preallocated 4 MiB file in turn.
    Overwrite,
    /// Append to a new file.
    Append,
}

/// Flags of `fsync`.
#[derive(Debug, Args)]
pub struct FsyncArgs {
    /// Directory to write the test file in (removed afterwards).
    #[arg(long)]
    dir: PathBuf,
    /// Timed write + fdatasync pairs.
    #[arg(long, default_value_t = 2000)]
    count: usize,
    /// Bytes per write.
    #[arg(long, default_value_t = 4096)]
    block: usize,
    /// How the file is written.
    #[arg(long, value_enum, default_value_t = Mode::Overwrite)]
    mode: Mode,
}

const PREALLOCATED_BLOCKS: u64 = 1024;

fn measure(file: &File, args: &FsyncArgs) -> anyhow::Result<hdrhistogram::Histogram<u64>> {
    let block = vec![0x5a_u8; args.block];
    let block_len = args.block as u64;
    if args.mode == Mode::Overwrite {
        for i in 0..PREALLOCATED_BLOCKS {
            file.write_all_at(&block, i * block_len)
                .context("cannot preallocate")?;
        }
        file.sync_all().context("fsync failed")?;
    }
    let mut hist = load::histogram();
    for i in 0..args.count as u64 {
        let offset = match args.mode {
            Mode::Overwrite => (i % PREALLOCATED_BLOCKS) * block_len,
            Mode::Append => i * block_len,
        };
        let start = Instant::now();
        file.write_all_at(&block, offset).context("write failed")?;
        // On Linux this is fdatasync(2).
        file.sync_data().context("fdatasync failed")?;
        load::record(&mut hist, start.elapsed());
    }
    Ok(hist)
}

/// Runs `fsync`.
pub fn run(args: FsyncArgs) -> anyhow::Result<Report> {
    anyhow::ensure!(args.count > 0, "--count must be at least 1");
    anyhow::ensure!(args.block > 0, "--block must be at least 1");
    let path = args
        .dir
        .join(format!("eddy-bench-fsync-{}.tmp", std::process::id()));
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    let result = measure(&file, &args);
    drop(file);
    let _ = std::fs::remove_file(&path);
    let hist = result?;
    let mode = match args.mode {
        Mode::Overwrite => "overwrite",
        Mode::Append => "append",
    };
    let line = format!(
        "fsync: write {} B + fdatasync ({mode}) p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({} times in {})",
        args.block,
        load::ms(hist.value_at_quantile(0.5)),
        load::ms(hist.value_at_quantile(0.9)),
        load::ms(hist.value_at_quantile(0.99)),
        load::ms(hist.max()),
        args.count,
        args.dir.display(),
    );
    let json = json!({
        "bench": "fsync",
        "mode": mode,
        "block_bytes": args.block,
        "dir": args.dir.display().to_string(),
        "latency": load::percentiles_ms(&hist),
    });
    Ok(Report { line, json })
}
