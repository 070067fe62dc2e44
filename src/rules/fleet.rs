//! Rules of `fleet` (`F`): an instance of the inventory that could not be audited. Such an
//! instance is a finding of its own row, never the end of the run: the other instances are
//! audited and reported all the same.

use super::Rule;
use crate::finding::Severity::Error;

pub const UNREACHABLE: Rule = Rule {
    code: "F001",
    name: "instance-unreachable",
    severity: Error,
    summary: "An instance of the fleet could not be audited: its database refused or failed the connection.",
    explanation: "The database of the instance could not be reached or read: connection \
refused, no such database, authentication failed, not an Odoo database, or a query that failed. \
Its commands did not run; the other instances of the fleet were audited all the same. The \
message is the one a single run (`odoo-audit versions --db-url …`) would end with, without the \
password.",
    fix: "Run one command on that instance alone (odoo-audit broken --db-url … or -c odoo.conf) to see why, or fix its `db`/`odoo_conf` entry.",
    example: None,
};

pub const TIMED_OUT: Rule = Rule {
    code: "F002",
    name: "instance-timed-out",
    severity: Error,
    summary: "An instance of the fleet did not finish its commands within --timeout.",
    explanation: "Each instance runs under a time limit (`fleet --timeout`, 120 s by default). \
An instance still running then is abandoned: the commands it finished keep their findings, the \
others report this one. A database under load, a lock held for long, or a server that accepts \
connections and never answers, ends here instead of holding the whole fleet.",
    fix: "Look at the instance's database (pg_stat_activity, locks, load), or raise --timeout.",
    example: None,
};

pub const BAD_ENTRY: Rule = Rule {
    code: "F003",
    name: "bad-inventory-entry",
    severity: Error,
    summary: "An entry of the fleet inventory cannot be used as it is written.",
    explanation: "The `[[instance]]` entry has an unknown key, a value of the wrong type, no \
name or a name another entry has, neither `db` nor `odoo_conf`, a `compose` that is not a \
directory, a `db` URL that does not parse, an `odoo_conf` that cannot be read, or no addons path \
for a command that needs one. The \
message names the inventory file and the line; the other entries are audited all the same.",
    fix: "Fix the entry in the inventory (see the README: Fleets).",
    example: None,
};

pub const RULES: &[Rule] = &[UNREACHABLE, TIMED_OUT, BAD_ENTRY];
