//! The store's write latency: a histogram of how long one append or flush of the run's log
//! took, fed by the `WriteTimer` the run log calls (`RunLog::time_writes`).
//!
//! Owns the histogram family and its buckets. It lives as long as the exporter, while each
//! scrape builds a fresh registry around it; it must not hold the run log or its lock.

use crate::engine::run_log::{StoreWrite, WriteTimer};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};
use std::sync::Arc;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WriteLabels {
    /// `append` or `flush`.
    pub op: &'static str,
}

fn op_name(w: StoreWrite) -> &'static str {
    match w {
        StoreWrite::Append => "append",
        StoreWrite::Flush => "flush",
    }
}

/// 10 µs to about 2.6 s by factors of 4: a buffered append takes microseconds, an fsync
/// milliseconds, a stalled disk seconds.
fn buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.000_01, 4.0, 10))
}

type WriteFamily = Family<WriteLabels, Histogram, fn() -> Histogram>;

/// Cloning shares the histograms (the timer and every scrape see the same counts).
#[derive(Clone, Debug)]
pub struct StoreWrites {
    family: WriteFamily,
}

impl Default for StoreWrites {
    fn default() -> Self {
        let family: WriteFamily = Family::new_with_constructor(buckets);
        // Both series exist from the start, so a scrape before the first write shows zeros
        // rather than nothing.
        for op in [StoreWrite::Append, StoreWrite::Flush] {
            drop(family.get_or_create(&WriteLabels { op: op_name(op) }));
        }
        StoreWrites { family }
    }
}

impl StoreWrites {
    pub fn observe(&self, what: StoreWrite, took: std::time::Duration) {
        self.family
            .get_or_create(&WriteLabels { op: op_name(what) })
            .observe(took.as_secs_f64());
    }

    /// The timer to hand to `RunLog::time_writes`.
    pub fn timer(&self) -> WriteTimer {
        let me = self.clone();
        Arc::new(move |what, took| me.observe(what, took))
    }

    pub fn register(&self, r: &mut Registry) {
        r.register_with_unit(
            "store_write_duration",
            "Time one append or flush of the run's event log took in the store (a durable \
             event's append includes its flush)",
            Unit::Seconds,
            self.family.clone(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn exposition(w: &StoreWrites) -> String {
        let mut r = Registry::default();
        w.register(&mut r);
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &r).unwrap();
        out
    }

    #[test]
    fn the_timer_feeds_the_shared_histogram() {
        let w = StoreWrites::default();
        assert!(exposition(&w).contains("store_write_duration_seconds_count{op=\"flush\"} 0\n"));
        let t = w.timer();
        t(StoreWrite::Append, Duration::from_micros(50));
        t(StoreWrite::Append, Duration::from_millis(3));
        t(StoreWrite::Flush, Duration::from_millis(1));
        // A clone shares the counts.
        let text = exposition(&w.clone());
        assert!(
            text.contains("store_write_duration_seconds_count{op=\"append\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("store_write_duration_seconds_count{op=\"flush\"} 1\n"),
            "{text}"
        );
        // 50 µs falls in the 160 µs bucket, 3 ms does not.
        assert!(
            text.contains("store_write_duration_seconds_bucket{op=\"append\",le=\"0.00016\"} 1\n"),
            "{text}"
        );
    }
}
