//! What every throughput run shares: the warm-up / measure / stop phases seen by all workers,
//! per-worker tallies merged at the end, and a latency histogram per worker.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::client::CallError;

const WARMUP: u8 = 0;
const MEASURE: u8 = 1;
const STOP: u8 = 2;

/// The phase of a run, shared by the driver and its workers.
#[derive(Clone, Default)]
pub struct Phase(Arc<AtomicU8>);

impl Phase {
    /// Whether work started now counts.
    pub fn measuring(&self) -> bool {
        self.0.load(Ordering::Relaxed) == MEASURE
    }

    /// Whether workers should finish.
    pub fn stopped(&self) -> bool {
        self.0.load(Ordering::Relaxed) == STOP
    }

    /// Runs the warm-up, then the measured window, then tells the workers to stop; returns the
    /// measured window's real length.
    pub async fn drive(&self, warmup: Duration, duration: Duration) -> Duration {
        self.0.store(WARMUP, Ordering::Relaxed);
        tokio::time::sleep(warmup).await;
        let start = Instant::now();
        self.0.store(MEASURE, Ordering::Relaxed);
        tokio::time::sleep(duration).await;
        self.0.store(STOP, Ordering::Relaxed);
        start.elapsed()
    }
}

/// A histogram of microseconds, 1 µs to 100 s, 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 100_000_000, 3).expect("static histogram bounds are valid")
}

/// Records `elapsed` in microseconds, saturating at the histogram's bound.
pub fn record(hist: &mut Histogram<u64>, elapsed: Duration) {
    let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    hist.saturating_record(micros.max(1));
}

/// Latency percentiles of a histogram, in milliseconds, as JSON.
pub fn percentiles_ms(hist: &Histogram<u64>) -> serde_json::Value {
    serde_json::json!({
        "count": hist.len(),
        "p50_ms": ms(hist.value_at_quantile(0.50)),
        "p90_ms": ms(hist.value_at_quantile(0.90)),
        "p99_ms": ms(hist.value_at_quantile(0.99)),
        "p999_ms": ms(hist.value_at_quantile(0.999)),
        "max_ms": ms(hist.max()),
        "mean_ms": hist.mean() / 1000.0,
    })
}

/// Microseconds as milliseconds.
pub fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

/// Failed calls: how many, and the first one's text for the report.
#[derive(Debug, Default)]
pub struct Errors {
    pub count: u64,
    pub first: Option<String>,
}

impl Errors {
    /// Notes a failed call of `op`.
    pub fn note(&mut self, op: &str, err: &CallError) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some(format!("{op}: {err}"));
        }
    }

    /// Notes a response that could not be understood.
    pub fn note_text(&mut self, text: String) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some(text);
        }
    }

    /// Adds another worker's errors.
    pub fn merge(&mut self, other: Errors) {
        self.count += other.count;
        if self.first.is_none() {
            self.first = other.first;
        }
    }
}
