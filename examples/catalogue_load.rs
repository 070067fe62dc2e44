//! Measures loading each embedded catalogue (parsing its JSON into a `SeriesCatalogue`), as a
//! check does once per run: `cargo run --release --example catalogue_load` (see BENCHMARKS.md).

use std::time::Instant;

use odoo_audit::load::catalogue;

fn main() {
    const RUNS: usize = 50;
    for series in catalogue::embedded_series() {
        let mut times = Vec::with_capacity(RUNS);
        let mut addons = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            let cat = catalogue::embedded(series).expect("embedded");
            times.push(t.elapsed());
            addons = cat.addons.len();
        }
        times.sort();
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{series}: {addons} addons: median {:.2} ms, min {:.2} ms, max {:.2} ms ({RUNS} runs)",
            ms(times[RUNS / 2]),
            ms(times[0]),
            ms(times[RUNS - 1])
        );
    }
}
