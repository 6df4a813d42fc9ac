//! Heap used by a compiled 10,000-term policy, counted with a counting global allocator.
//!
//! Run: `cargo run --release -p ivschat-moderation --example policy_memory`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use ivschat_moderation::PolicySet;

#[path = "../benches/support/synthetic.rs"]
mod synthetic;

/// Counts live heap bytes.
struct CountingAllocator;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static PEAK_BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: delegates every call to the system allocator unchanged; only counts sizes.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK_BYTES.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn main() {
    for terms in [0usize, 10_000] {
        let toml = synthetic::synthetic_policy_toml(terms);
        let before = LIVE_BYTES.load(Ordering::Relaxed);
        PEAK_BYTES.store(before, Ordering::Relaxed);
        let policy = match PolicySet::from_toml_str(&toml, "synthetic") {
            Ok(policy) => policy,
            Err(error) => {
                eprintln!("policy_memory: synthetic policy failed to compile: {error}");
                std::process::exit(1);
            }
        };
        let retained = LIVE_BYTES.load(Ordering::Relaxed) - before;
        let peak = PEAK_BYTES.load(Ordering::Relaxed) - before;
        println!(
            "built-in + {terms} synthetic terms ({} profiles): retained {:.2} MB, peak during compile {:.2} MB, automata {:.2} MB",
            policy.profiles().len(),
            retained as f64 / 1e6,
            peak as f64 / 1e6,
            policy.automaton_memory_usage() as f64 / 1e6,
        );
        drop(policy);
    }
}
