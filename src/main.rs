fn main() {
    println!("strait {}", env!("CARGO_PKG_VERSION"));
}
