//! Files the report layer writes (`--output`, `--prometheus-textfile`): written to a temporary
//! file in the same directory and renamed over the target, so a reader (a mail job, a
//! monitoring collector) sees the old file or the whole new one, never half a report.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes `path` atomically with what `fill` writes. The temporary file is
/// `.<name>.<pid>.tmp` beside it (created exclusively; removed again when anything fails).
/// A target that is a directory, or whose directory is missing, is an error before anything
/// is written. A target that exists and is not a regular file (`/dev/null`, `/dev/stdout`, a
/// FIFO, a socket) is written to as it is, never replaced; a symbolic link to a file stays a
/// link: the file it points to is the one replaced.
pub fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let with_path = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    if let Ok(meta) = fs::metadata(path) {
        if !meta.is_file() && !meta.is_dir() {
            let file = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(with_path)?;
            let mut w = BufWriter::with_capacity(1 << 16, file);
            return fill(&mut w).and_then(|()| w.flush()).map_err(with_path);
        }
    }
    let resolved;
    let path = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            resolved = fs::canonicalize(path).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("{}: a symbolic link to nowhere ({e})", path.display()),
                )
            })?;
            resolved.as_path()
        }
        _ => path,
    };
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: not a file name", path.display()),
        )
    })?;
    if path.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: is a directory", path.display()),
        ));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", tmp.display())))?;
    let result = (|| {
        let mut w = BufWriter::with_capacity(1 << 16, file);
        fill(&mut w)?;
        let file: File = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.json");
        write_atomic(&target, |w| w.write_all(b"old")).unwrap();
        let err = write_atomic(&target, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("renderer failed"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("renderer failed"), "{err}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "{names:?}");
        write_atomic(&target, |w| w.write_all(b"new")).unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        assert!(write_atomic(dir.path(), |w| w.write_all(b"x")).is_err());
        assert!(write_atomic(&dir.path().join("missing/r.json"), |w| w.write_all(b"x")).is_err());
    }

    #[test]
    fn a_fifo_or_device_is_written_to_and_a_link_stays_a_link() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        // A FIFO (the path of a device such as /dev/null is the same one): its reader gets the report, and it is still a FIFO.
        let fifo = dir.path().join("report.fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read_to_string(fifo).unwrap())
        };
        write_atomic(&fifo, |w| w.write_all(b"through the pipe")).unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe");
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        // A link to a file: the file is replaced, the link kept.
        let target = dir.path().join("real.json");
        fs::write(&target, "old").unwrap();
        let link = dir.path().join("latest.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomic(&link, |w| w.write_all(b"new")).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        // A link to nowhere is an error, and nothing is written.
        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink(dir.path().join("none/x.json"), &dangling).unwrap();
        let err = write_atomic(&dangling, |w| w.write_all(b"x")).unwrap_err();
        assert!(
            err.to_string().contains("a symbolic link to nowhere"),
            "{err}"
        );
    }
}
