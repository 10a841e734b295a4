//! The CityLots-shaped events: generated at bench time by `shared/data/citylots_synth.py`
//! (never committed), read back through `gzip -dc`, and the few helpers that rule sets use
//! to draw realistic values from them.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Lines in the full synthetic CityLots file.
pub const FULL_LINES: usize = 213_068;

/// The events, one JSON object per line.
pub struct Events {
    pub lines: Vec<String>,
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// How many lines to use: `EDDY_BENCH_LINES`, else the full file.
pub fn wanted_lines() -> usize {
    match std::env::var("EDDY_BENCH_LINES") {
        Ok(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .map_or(FULL_LINES, |n| n.min(FULL_LINES)),
        Err(_) => FULL_LINES,
    }
}

/// Loads the events, generating the file first if it is missing.
pub fn load() -> Events {
    let lines = wanted_lines();
    let dir = workspace().join("target/bench-data");
    let file = if lines == FULL_LINES {
        dir.join("citylots.jlines.gz")
    } else {
        dir.join(format!("citylots-{lines}.jlines.gz"))
    };
    if !file.exists() {
        generate(&file, lines);
    }
    let out = Command::new("gzip")
        .arg("-dc")
        .arg(&file)
        .output()
        .expect("run gzip -dc on the bench data");
    assert!(
        out.status.success(),
        "gzip -dc {} failed: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("bench data is UTF-8");
    let lines: Vec<String> = text
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    eprintln!("loaded {} events from {}", lines.len(), file.display());
    Events { lines }
}

fn generate(file: &Path, lines: usize) {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/citylots_synth.py");
    assert!(
        script.exists(),
        "missing {} (the bench data generator)",
        script.display()
    );
    std::fs::create_dir_all(file.parent().expect("data file has a directory"))
        .expect("create target/bench-data");
    // Write under a temporary name so an interrupted run leaves no half file behind.
    let partial = file.with_extension("partial.gz");
    eprintln!("generating {} ({lines} lines)...", file.display());
    let status = Command::new("python3")
        .arg(&script)
        .arg(&partial)
        .arg("--lines")
        .arg(lines.to_string())
        .status()
        .expect("run python3 citylots_synth.py");
    assert!(status.success(), "citylots_synth.py failed: {status}");
    std::fs::rename(&partial, file).expect("move the generated bench data into place");
}

impl Events {
    /// `n` lines spread evenly over the whole file, so the subset looks like the whole.
    pub fn spread(&self, n: usize) -> Vec<&[u8]> {
        let n = n.min(self.lines.len());
        (0..n)
            .map(|i| self.lines[i * self.lines.len() / n].as_bytes())
            .collect()
    }

    /// The same events with an `"IP"` string property added to each (for `cidr`).
    pub fn with_ips(&self) -> Events {
        let lines = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let at = l.find("\"properties\": { ").expect("a CityLots feature") + 16;
                format!("{}\"IP\": \"{}\", {}", &l[..at], ip_of(i), &l[at..])
            })
            .collect();
        Events { lines }
    }

    /// The string value of a property of line `i`, if it is a string.
    pub fn prop(&self, i: usize, key: &str) -> Option<&str> {
        prop(&self.lines[i], key)
    }
}

/// The string value of `"key": "…"` in a line (CityLots values hold no escapes).
pub fn prop<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let needle = format!("\"{key}\": \"");
    let start = line.find(&needle)? + needle.len();
    let len = line[start..].find('"')?;
    Some(&line[start..start + len])
}

/// splitmix64: a tiny deterministic generator, so rule sets are the same in every run.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The address of line `i`: 80% in 10.0.0.0/8, 15% in 172.16.0.0/12, 5% in 192.168.0.0/16.
pub fn ip_of(i: usize) -> String {
    let h = mix(i as u64 ^ 0x1F00_D00D);
    let r = h % 100;
    let b = (h >> 8) as u32;
    if r < 80 {
        format!("10.{}.{}.{}", (b >> 16) & 255, (b >> 8) & 255, b & 255)
    } else if r < 95 {
        format!(
            "172.{}.{}.{}",
            16 + ((b >> 16) & 15),
            (b >> 8) & 255,
            b & 255
        )
    } else {
        format!("192.168.{}.{}", (b >> 8) & 255, b & 255)
    }
}
