//! How the C allocator gives memory back. glibc raises its "allocate with
//! mmap" threshold each time a big block is freed (up to 32 MiB), after which
//! the big buffers of an alert storm (a poll's body, a list of 10,000 alerts,
//! the merged rows) come from the heap and their pages stay with the process
//! once freed. A fixed threshold keeps them in their own mappings, returned
//! to the system when freed and grown in place (mremap) rather than copied.
//! Measured at 10,000 alerts: RSS 37 → 29 MiB, peak 41 → 35 MiB.
//!
//! And one arena for every thread: glibc gives each thread that allocates
//! (the sampler, the store, the runtime's blocking pool) an arena of its own
//! that keeps its freed pages. The threads allocate a little once a second,
//! so they never wait on each other; measured with everything on: RSS
//! 0.3–0.5 MiB less.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn return_big_blocks_to_the_system() {
    // glibc's <malloc.h>.
    const M_MMAP_THRESHOLD: i32 = -3;
    const M_ARENA_MAX: i32 = -8;
    /// Blocks this big or bigger get their own mapping.
    const THRESHOLD: i32 = 128 << 10;
    unsafe extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    // SAFETY: mallopt only sets a tunable; called before any thread starts.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, THRESHOLD);
        mallopt(M_ARENA_MAX, 1);
    }
}

/// Other C libraries have their own policy; nothing to set.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn return_big_blocks_to_the_system() {}
