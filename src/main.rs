//! The `sc` binary: a thin shell over the library (see `sc::cli`).

fn main() -> std::process::ExitCode {
    sc::cli::main()
}
