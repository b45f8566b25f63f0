use clap::Parser;

fn main() {
    let cli = opsdeck::cli::Cli::parse();
    let code = match opsdeck::commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("opsdeck: {e:#}");
            1
        }
    };
    // Exit without waiting for collector threads blocked in a sleep or a read.
    std::process::exit(code);
}
