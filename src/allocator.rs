//! How the process's memory allocator is set up, once, first thing in `main`.
//!
//! On Linux with glibc, two `mallopt` settings keep a long-running agentbar's resident memory
//! close to what it actually holds (figures in bench/RESULTS.md §3, measured with
//! `bench/memory.sh`):
//!
//! - a fixed mmap threshold (128 KiB, glibc's starting value). glibc raises the threshold each
//!   time a large block is freed, so after the first load every later 0.5–1 MB buffer (a page of
//!   upstream JSON, the rendered task list, the snapshot file's bytes) comes from the heap
//!   instead of its own mapping; those heaps fragment and stay resident between polls. Fixed,
//!   such buffers are mapped and unmapped whole.
//! - one malloc arena. glibc gives each thread that allocates an arena of its own (up to eight
//!   per core); the runtime's workers and its short-lived blocking threads each left one behind,
//!   partly used. agentbar's allocation rate is low (a poll a minute when idle), so the lock
//!   they share costs nothing measurable, while the memory of the extra arenas is saved.
//!
//! jemalloc and mimalloc were measured against this too (as `LD_PRELOAD`ed system libraries, on
//! the same 1,000-task headless run): both kept more resident memory than glibc tuned this way,
//! so the standard allocator stays.
//!
//! Elsewhere (macOS, Windows, other C libraries) nothing is changed.

/// Tunes the allocator for a small long-running process. Call before the runtime starts.
pub fn tune() {
    platform::tune();
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod platform {
    /// glibc's own starting threshold, held there.
    const MMAP_THRESHOLD: libc::c_int = 128 * 1024;
    const ARENAS: libc::c_int = 1;

    pub fn tune() {
        // SAFETY: `mallopt` only changes glibc's malloc parameters; it is called before any
        // other thread exists, and a refusal (returning 0) leaves the defaults in place.
        let set = unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                && libc::mallopt(libc::M_ARENA_MAX, ARENAS) == 1
        };
        if !set {
            // Not fatal: agentbar only keeps more memory resident.
            eprintln!("agentbar: could not tune the memory allocator; using its defaults");
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod platform {
    pub fn tune() {}
}
