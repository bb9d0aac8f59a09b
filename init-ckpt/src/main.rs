//! The `init-ckpt` command; everything it does is in the library (`init_ckpt::cli`).

fn main() -> std::process::ExitCode {
    init_ckpt::cli::main()
}
