use clap::Parser;
use std::io::Write;

fn main() {
    opsdeck::runtime::allocator::return_big_blocks_to_the_system();
    let cli = opsdeck::cli::Cli::parse();
    let code = match opsdeck::commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // Not eprintln!: it panics when stderr is a closed pipe.
            let _ = writeln!(std::io::stderr(), "opsdeck: {e:#}");
            1
        }
    };
    // Exit without waiting for collector threads blocked in a sleep or a read.
    std::process::exit(code);
}
