//! Link-time settings for the `opsdeck` binary only (dependencies are not
//! rebuilt for them).

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    // Packed relative relocations (RELR): the dynamic loader reads ~20 KB of
    // relocations at start instead of ~440 KB, which stay resident otherwise
    // (measured: RSS -0.4 MiB). glibc >= 2.36 and binutils >= 2.38 (Debian 12).
    if target.contains("linux-gnu") {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
