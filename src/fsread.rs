//! Reading many source files fast: one buffer per thread, reused from file to file, filled with
//! plain `read` calls (no size query, no fresh allocation per file).

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

thread_local! {
    static BUFFER: RefCell<Vec<u8>> = RefCell::new(vec![0; 256 * 1024]);
}

/// Calls `f` with the bytes of the file at `path`. The bytes live in this thread's buffer and
/// are only valid during the call.
pub fn with_bytes<R>(path: &Path, f: impl FnOnce(&[u8]) -> R) -> io::Result<R> {
    let mut file = File::open(path)?;
    // Taken out of the cell so that `f` may read another file.
    let mut buf = BUFFER.with(|b| std::mem::take(&mut *b.borrow_mut()));
    if buf.is_empty() {
        buf.resize(256 * 1024, 0);
    }
    let mut n = 0;
    let res = loop {
        if n == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        match file.read(&mut buf[n..]) {
            Ok(0) => break Ok(()),
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    let out = res.map(|()| f(&buf[..n]));
    BUFFER.with(|b| {
        let mut cell = b.borrow_mut();
        if cell.len() < buf.len() {
            *cell = buf;
        }
    });
    out
}

/// Calls `f` with the text of the file at `path` (invalid UTF-8 replaced, as Python's
/// `errors="replace"` would).
pub fn with_text<R>(path: &Path, f: impl FnOnce(&str) -> R) -> io::Result<R> {
    with_bytes(path, |b| match std::str::from_utf8(b) {
        Ok(s) => f(s),
        Err(_) => f(&String::from_utf8_lossy(b)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_files_larger_than_the_buffer_and_nested() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.txt");
        let small = dir.path().join("small.txt");
        let content: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&big, &content).unwrap();
        std::fs::write(&small, "é\u{FFFD}x").unwrap();
        let got = with_text(&big, |t| {
            let inner = with_text(&small, str::to_string).unwrap();
            (t.to_string(), inner)
        })
        .unwrap();
        assert_eq!(got.0, content);
        assert_eq!(got.1, "é\u{FFFD}x");
        std::fs::write(&small, b"a\xffb").unwrap();
        assert_eq!(with_text(&small, str::to_string).unwrap(), "a\u{FFFD}b");
        assert!(with_bytes(&dir.path().join("missing"), |_| ()).is_err());
    }
}
