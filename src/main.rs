use clap::Parser;

fn main() {
    let cli = opsdeck::cli::Cli::parse();
    let code = match opsdeck::commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // Errors quote servers and files: shown, not acted on by the terminal.
            let report = format!("opsdeck: {e:#}");
            eprintln!("{}", opsdeck::ui::visible::visible_lines(&report));
            1
        }
    };
    // Exit without waiting for collector threads blocked in a sleep or a read.
    std::process::exit(code);
}
