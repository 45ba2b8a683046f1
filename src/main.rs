//! The `planguard` binary: parse the command line, call the library, print, choose the exit
//! code (0 pass, 1 blocked, 2 could not analyse). All I/O lives on this side.

mod cli;
mod guard;
mod run;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    install_diagnostic_style();
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            ExitCode::from(2)
        }
    }
}

/// Diagnostics wrap to the terminal when a person reads them; when a program or an agent
/// reads stderr, lines are not wrapped, so one error stays greppable on one line.
fn install_diagnostic_style() {
    use std::io::IsTerminal;
    let tty = std::io::stderr().is_terminal();
    let color = tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let _ = miette::set_hook(Box::new(move |_| {
        let mut opts = miette::MietteHandlerOpts::new()
            .terminal_links(false)
            .color(color);
        if !tty {
            opts = opts.width(usize::MAX / 4).unicode(false);
        }
        Box::new(opts.build())
    }));
}
