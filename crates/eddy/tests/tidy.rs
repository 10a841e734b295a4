//! Tidy checks over the workspace sources: module docs present, no debugging leftovers, and
//! the dependency rules of ARCHITECTURE.md (pure crates do no I/O and depend on no other
//! Eddy crate but those allowed).

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn crates() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(workspace().join("crates"))
        .expect("crates/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").exists())
        .collect();
    v.sort();
    v
}

#[test]
fn every_module_has_a_doc_and_no_leftovers() {
    let mut problems = Vec::new();
    for krate in crates() {
        let mut files = Vec::new();
        rust_files(&krate.join("src"), &mut files);
        rust_files(&krate.join("tests"), &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).expect("read source");
            let first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or_default();
            if f.starts_with(krate.join("src")) && !first.starts_with("//!") {
                problems.push(format!("{}: no //! module doc", f.display()));
            }
            for needle in ["dbg!(", "todo!(", "unimplemented!("] {
                if text.contains(needle) && !f.ends_with("tidy.rs") {
                    problems.push(format!("{}: contains {needle}", f.display()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Pure crates: no I/O, async, clock or logging, and only the Eddy crates allowed here.
const PURE: &[(&str, &[&str])] = &[
    ("eddy-pattern", &[]),
    ("eddy-model", &[]),
    ("eddy-queue", &[]),
    ("eddy-api-model", &[]),
];

/// Dependencies each crate must not have (ARCHITECTURE.md's invariants).
const FORBIDDEN_DEPS: &[(&str, &[&str])] = &[
    (
        "eddy-store",
        &[
            "eddy-engine",
            "eddy-server",
            "eddy-store-sqlite",
            "rusqlite",
            "tokio",
        ],
    ),
    (
        "eddy-store-sqlite",
        &["eddy-engine", "eddy-server", "tokio"],
    ),
    (
        "eddy-engine",
        &[
            "eddy-server",
            "eddy-store-sqlite",
            "rusqlite",
            "axum",
            "hyper",
            "eddy-api-model",
        ],
    ),
    (
        "eddy-server",
        &["eddy-store-sqlite", "rusqlite", "eddy-store"],
    ),
    (
        "eddy-cli",
        &[
            "eddy-engine",
            "eddy-server",
            "eddy-store",
            "eddy-store-sqlite",
            "rusqlite",
        ],
    ),
];

#[test]
fn dependency_rules_hold() {
    let mut problems = Vec::new();
    for (name, forbidden) in FORBIDDEN_DEPS {
        let manifest =
            std::fs::read_to_string(workspace().join("crates").join(name).join("Cargo.toml"))
                .expect("manifest");
        let deps = manifest
            .split("[dev-dependencies]")
            .next()
            .unwrap_or_default();
        for line in deps.lines() {
            let key = line.split(['=', '.']).next().unwrap_or_default().trim();
            if forbidden.contains(&key) {
                problems.push(format!("{name} depends on {key}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
const FORBIDDEN_IN_PURE: &[&str] = &[
    "std::fs",
    "std::net::Tcp",
    "std::net::Udp",
    "tokio",
    "SystemTime",
    "Instant::now",
    "tracing",
    "std::process",
    "std::env",
];

#[test]
fn pure_crates_stay_pure() {
    let mut problems = Vec::new();
    for (name, allowed) in PURE {
        let dir = workspace().join("crates").join(name);
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).expect("manifest");
        let deps = manifest
            .split("[dev-dependencies]")
            .next()
            .unwrap_or_default();
        for line in deps.lines() {
            let key = line.split(['=', '.']).next().unwrap_or_default().trim();
            if key.starts_with("eddy-") && !allowed.contains(&key) {
                problems.push(format!("{name} depends on {key}"));
            }
            if ["tokio", "tracing", "hyper", "axum", "rusqlite"].contains(&key) {
                problems.push(format!("{name} depends on {key}"));
            }
        }
        let mut files = Vec::new();
        rust_files(&dir.join("src"), &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).expect("read source");
            for needle in FORBIDDEN_IN_PURE {
                if text.contains(needle) {
                    problems.push(format!("{}: pure crate uses {needle}", f.display()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
