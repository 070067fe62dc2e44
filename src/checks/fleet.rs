//! The findings about the instances of a fleet that could not be audited (`F`): the fleet
//! runner ([`crate::commands::fleet`]) says what happened, these say it as findings of the
//! instance.

use crate::config::fleet::BadEntry;
use crate::finding::Finding;
use crate::rules::fleet as r;

/// The instance's database could not be reached or read (`why`: the error a single run ends
/// with, already without secrets).
pub fn unreachable(instance: &str, why: &str) -> Finding {
    let mut f = Finding::new(&r::UNREACHABLE, format!("not audited: {why}")).key("database");
    f.instance = Some(instance.to_string());
    f
}

/// The instance did not finish within `secs`; `command` is the first command it had not
/// finished.
pub fn timed_out(instance: &str, command: &str, secs: u64) -> Finding {
    let mut f = Finding::new(
        &r::TIMED_OUT,
        format!("not finished within {secs} s (--timeout): `{command}` abandoned"),
    )
    .key("timeout");
    f.instance = Some(instance.to_string());
    f
}

/// An entry of the inventory that cannot be used.
pub fn bad_entry(entry: &BadEntry) -> Finding {
    let mut f = Finding::new(&r::BAD_ENTRY, entry.why.clone())
        .file(
            entry
                .place
                .rsplit_once(':')
                .map_or(&*entry.place, |(f, _)| f),
        )
        .key("entry");
    if let Some(line) = entry
        .place
        .rsplit_once(':')
        .and_then(|(_, l)| l.parse().ok())
    {
        f.line = Some(line);
    }
    f.instance = Some(entry.name.clone());
    f
}

/// The instance's configuration in the inventory (or a file it names: its odoo.conf, its
/// addons path) cannot be used: `place` is the entry's `file:line`, `why` the usage error a
/// single run ends with.
pub fn bad_configuration(instance: &str, place: &str, why: &str) -> Finding {
    bad_entry(&BadEntry {
        name: instance.to_string(),
        labels: Default::default(),
        place: place.to_string(),
        why: why.to_string(),
    })
}
