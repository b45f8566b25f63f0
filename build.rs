//! Link-time settings for the `opsdeck` binary only (dependencies are not
//! rebuilt for them).

use std::path::{Path, PathBuf};

/// The functions a dashboard runs (start, polls, drawing), listed by
/// `scripts/link-order/generate`; the linker puts them side by side.
const HOT_FUNCTIONS: &str = "scripts/link-order/hot-functions.txt";

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={HOT_FUNCTIONS}");
    if !target.contains("linux-gnu") {
        return;
    }
    // Packed relative relocations (RELR): the dynamic loader reads ~20 KB of
    // relocations at start instead of ~440 KB, which stay resident otherwise
    // (measured: RSS -0.4 MiB). glibc >= 2.36 and binutils >= 2.38 (Debian 12).
    println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    // The kernel maps code 64 KiB around each page a program touches, so code
    // that runs is resident with the code that never runs beside it (TLS
    // handshakes, other subcommands, error paths): 7.1 of 7.4 MB. Placed
    // together, the code a dashboard runs (3.5 MB) is all that gets mapped.
    // Only lld orders functions by a list; rustup ships it with rustc.
    // rust-lld runs on the build machine: it sits under the host's triple.
    let host = std::env::var("HOST").unwrap_or_default();
    let Some(lld_dir) = rust_lld_dir(&host) else {
        println!(
            "cargo:warning=rust-lld not found: the binary is linked without its function order (more resident memory)"
        );
        return;
    };
    println!("cargo:rustc-link-arg-bins=-B{}", lld_dir.display());
    println!("cargo:rustc-link-arg-bins=-fuse-ld=lld");
    if std::env::var("PROFILE").as_deref() == Ok("release") {
        let list = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join(HOT_FUNCTIONS);
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            list.display()
        );
        // Names the list holds but this build lacks (renamed, inlined) are
        // only left out of the order.
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// `gcc-ld/` beside rustc's own `rust-lld`: its `ld.lld` is what `cc
/// -fuse-ld=lld` runs.
fn rust_lld_dir(host: &str) -> Option<PathBuf> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = std::process::Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    let sysroot = String::from_utf8(out.stdout).ok()?;
    let dir = Path::new(sysroot.trim())
        .join("lib/rustlib")
        .join(host)
        .join("bin/gcc-ld");
    dir.join("ld.lld").is_file().then_some(dir)
}
