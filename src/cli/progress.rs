//! A one-line progress display on stderr for long reads (layers read, bytes),
//! shown only when stderr is a terminal; machine output (pipes, CI logs) stays quiet.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::sbom::walker::{Progress, ProgressFn};

struct State {
    total_layers: AtomicUsize,
    done_layers: AtomicUsize,
    bytes: AtomicU64,
    last_draw: Mutex<Instant>,
    label: String,
}

fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1} {}", UNITS[u])
}

impl State {
    fn draw(&self, force: bool) {
        let mut last = self.last_draw.lock().expect("progress lock");
        if !force && last.elapsed() < Duration::from_millis(100) {
            return;
        }
        *last = Instant::now();
        let line = format!(
            "\r{}: layers {}/{}, {} read",
            self.label,
            self.done_layers.load(Ordering::Relaxed),
            self.total_layers.load(Ordering::Relaxed),
            human(self.bytes.load(Ordering::Relaxed))
        );
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{line}\x1b[K");
        let _ = err.flush();
    }
}

/// A progress bar, when stderr is a terminal and `enabled`.
pub struct Bar {
    state: Arc<State>,
}

impl Bar {
    /// A bar labelled `label`, or `None` when it should not be shown.
    pub fn new(label: &str, enabled: bool) -> Option<Self> {
        if !enabled || !std::io::stderr().is_terminal() {
            return None;
        }
        Some(Self {
            state: Arc::new(State {
                total_layers: AtomicUsize::new(0),
                done_layers: AtomicUsize::new(0),
                bytes: AtomicU64::new(0),
                last_draw: Mutex::new(Instant::now() - Duration::from_secs(1)),
                label: label.to_string(),
            }),
        })
    }

    /// The callback to hand to the walker.
    pub fn callback(&self) -> ProgressFn {
        let state = self.state.clone();
        Arc::new(move |event| {
            match event {
                Progress::LayerStarted(_, total) => {
                    state.total_layers.store(total, Ordering::Relaxed)
                }
                Progress::Bytes(n) => {
                    state.bytes.fetch_add(n, Ordering::Relaxed);
                }
                Progress::LayerDone(_) => {
                    state.done_layers.fetch_add(1, Ordering::Relaxed);
                }
            }
            state.draw(false);
        })
    }

    /// Draw the final state and end the line.
    pub fn finish(self) {
        self.state.draw(true);
        eprintln!();
    }
}
