//! Rules of `deploy-check`, `truth-sync` and `backup test-restore` (`G`): one code per check of the pre-deployment
//! gate for its failures, plus codes for the failures that call for a different fix.
//! A check's warnings and failures use the same code; the severity says which (warning for a
//! warn, error for a fail).

use super::Rule;
use crate::finding::Severity::{Error, Warning};

pub const ENGINE: Rule = Rule {
    code: "G001",
    name: "container-engine-unreachable",
    severity: Error,
    summary: "Check 1: the container engine does not answer (`docker info`).",
    explanation: "In compose mode every other check goes through Docker. When `docker info` \
fails, times out or is missing, nothing can be deployed or inspected.",
    fix: "Start the Docker daemon (systemctl start docker) and check that this user may use it.",
    example: None,
};

pub const SERVICE: Rule = Rule {
    code: "G002",
    name: "service-unhealthy",
    severity: Error,
    summary: "Check 2: the Odoo or database service is not running and healthy.",
    explanation: "Compose mode: a service missing from `docker compose ps`, not running, \
unhealthy, restarting, or restarted before (a warning). Native mode: neither the systemd unit \
is active nor an Odoo process runs.",
    fix: "Look at the service's logs (docker compose logs <service>, journalctl -u odoo) and restart it.",
    example: None,
};

pub const VERSION: Rule = Rule {
    code: "G003",
    name: "odoo-series-mismatch",
    severity: Error,
    summary: "Check 3: Odoo's version (binary or database) is not the expected series.",
    explanation: "`odoo-bin --version` and the `base` module of the database must both be of \
the expected series. Another series means the wrong image or checkout, or a database that was \
not migrated.",
    fix: "Deploy the image/checkout of the expected series, or set expected_series.",
    example: None,
};

pub const DATABASE: Rule = Rule {
    code: "G004",
    name: "database-unreachable",
    severity: Error,
    summary: "Check 4: the database cannot be reached directly, or Odoo fails to start on it (--full).",
    explanation: "The direct connection gives the server version and the latency; with --full, \
Odoo itself starts on the database with --stop-after-init and must exit 0 (the finding quotes \
the exception and the first error Odoo logged). Errors Odoo logs about modules are those \
modules' findings (G017), not this one.",
    fix: "Check db_host/db_port/db_user/db_password and the database service, or fix the cause quoted.",
    example: None,
};

pub const CONF: Rule = Rule {
    code: "G005",
    name: "odoo-conf-unsafe",
    severity: Error,
    summary: "Check 5: an odoo.conf option is missing or unsafe for production.",
    explanation: "Odoo's deployment guide: proxy_mode behind a proxy, workers sized (CPU cores × \
2) + 1, memory and time limits, a logfile, list_db = False, a dbfilter, a data_dir that exists. \
The file is read the way Odoo reads it (RawConfigParser).",
    fix: "Set the option in odoo.conf as the message says, then restart Odoo.",
    example: None,
};

pub const ADDONS_PATH: Rule = Rule {
    code: "G006",
    name: "addons-path-problem",
    severity: Error,
    summary: "Check 6: an addons_path entry is missing, holds no addon, or shadows another.",
    explanation: "Odoo refuses to start on an addons path that does not exist; an empty entry \
is usually a wrong mount; an addon on several entries is taken from the first (a warning).",
    fix: "Fix addons_path in odoo.conf (or the volume mounts) and remove duplicate addons.",
    example: None,
};

pub const PYTHON: Rule = Rule {
    code: "G007",
    name: "python-dependency-missing",
    severity: Error,
    summary: "Check 7: a Python library Odoo or an installed module needs cannot be imported.",
    explanation:
        "Checked with Odoo's own interpreter: psycopg2, requests, werkzeug, lxml, and the \
`external_dependencies['python']` of the installed modules' manifests (by distribution name, \
then by import name, as Odoo does). A missing one stops Odoo or the module from loading.",
    fix: "Install the library into Odoo's environment (pip install <name> in its venv or image).",
    example: None,
};

pub const ENV_FILE: Rule = Rule {
    code: "G008",
    name: "env-file-problem",
    severity: Error,
    summary: "Check 8: the .env file is missing, lacks a required variable, or is world-readable.",
    explanation: "Deploy scripts and compose files read their secrets from .env. A missing \
variable breaks the deployment; a world-readable file gives every local user the database \
password.",
    fix: "Create the .env with the required variables and chmod 600 (or 640) it.",
    example: None,
};

pub const ASSETS: Rule = Rule {
    code: "G009",
    name: "asset-build-failed",
    severity: Error,
    summary: "Check 9: an asset bundle of the login or backend page fails (4xx/5xx) or holds an error Odoo wrote into it.",
    explanation: "Odoo builds bundles on demand, on their first request (--stop-after-init \
builds none). Every bundle the login and backend pages reference (and the backend bundles by \
name when the backend page redirects to the login) is requested from the running server and \
scanned, at most 64 MiB, for the CSS error block and the `throw new Error(\"'…' in file '…'\")` \
Odoo writes instead of a template that does not parse.",
    fix: "Read Odoo's log at the time of the request; fix the asset named (or the manifest of check 6).",
    example: None,
};

pub const UPDATE: Rule = Rule {
    code: "G010",
    name: "module-update-failed",
    severity: Error,
    summary: "Check 10 (--full): `-u base --stop-after-init` failed (exit status, signal, time limit, modules left pending).",
    explanation: "Updating base reloads every module's data and refreshes the module list. \
This writes to the database. A failure here is what the first update after deployment would \
hit; the finding quotes the exception that ends the first traceback, the file and line Odoo \
names, and the first error logged.",
    fix: "Fix the file named in the finding (or the module that fails) before going live.",
    example: None,
};

pub const HTTP: Rule = Rule {
    code: "G011",
    name: "http-check-failed",
    severity: Error,
    summary: "Check 11: /web/health or /web/login does not answer as it should, or the database manager is exposed.",
    explanation: "/web/health must answer 200 {\"status\": \"pass\"}, /web/login must answer \
without a server error, and /web/database/manager must be blocked when list_db is False: 403, \
404 or Odoo's \"disabled\" page (a 5xx is an error, not a block). Every request has a timeout \
and reads at most 1 MiB of a page.",
    fix: "Check the proxy and the Odoo service; block /web/database in the proxy.",
    example: None,
};

pub const BACKUP: Rule = Rule {
    code: "G012",
    name: "backup-problem",
    severity: Error,
    summary: "Check 12: the backup directory, a recent dump or the filestore archive is missing.",
    explanation: "The directory must exist and be writable, the newest database dump must be \
younger than backup_max_age_hours, and a filestore archive must exist. The check creates and \
deletes nothing.",
    fix: "Run the backup job now and check its schedule (cron, systemd timer).",
    example: None,
};

pub const LOGS: Rule = Rule {
    code: "G013",
    name: "log-rotation-missing",
    severity: Error,
    summary: "Check 13: logs are not rotated, or a log is bigger than the threshold.",
    explanation: "Compose mode: Docker's json-file logs grow forever without log-opts max-size \
and max-file (daemon.json or the service's logging options). Native mode: Odoo's logfile needs \
a logrotate rule. A log bigger than log_max_size_mb is a warning.",
    fix: "Set log-opts (max-size, max-file) or add a logrotate rule for the logfile.",
    example: None,
};

pub const CONF_INTERPOLATION: Rule = Rule {
    code: "G101",
    name: "conf-interpolation-not-expanded",
    severity: Error,
    summary: "Check 5: an odoo.conf value contains `%(`, which Odoo does not expand.",
    explanation: "Odoo reads odoo.conf with Python's RawConfigParser: `%(env:VAR)s` or \
`%(name)s` stays literal. A db_password written `%(env:DB_PASSWORD)s` is that very string, and \
the connection fails (or a literal secret is used).",
    fix: "Write the real value, or pass it through the environment Odoo reads (PGPASSWORD; from 19.0 ODOO_<OPTION>).",
    example: None,
};

pub const WEAK_ADMIN_PASSWD: Rule = Rule {
    code: "G102",
    name: "weak-admin-password",
    severity: Error,
    summary: "Check 5: admin_passwd (the master password) is missing, a default or weak; or not hashed (warning).",
    explanation: "The master password guards the database manager (create, duplicate, drop, \
restore). Odoo's default is `admin`. Odoo hashes it (pbkdf2-sha512) when it is set from the \
web interface; a clear value in the file is readable by anyone who can read the file.",
    fix: "Set a long random admin_passwd, preferably its $pbkdf2-sha512$ hash.",
    example: None,
};

pub const SECRET_IN_CLEAR: Rule = Rule {
    code: "G103",
    name: "secret-in-clear",
    severity: Error,
    summary: "Check 8: a password or API key is written in clear in odoo.conf or a compose file.",
    explanation: "Compose files and odoo.conf end up in repositories, images and backups. \
Secrets belong in the .env file (mode 600) or a secrets store, referenced as ${VAR}. The value \
is never printed, only the key.",
    fix: "Move the value to .env and reference it as ${VAR} (compose) or through PGPASSWORD.",
    example: None,
};

pub const BACKUP_UNREADABLE: Rule = Rule {
    code: "G104",
    name: "backup-unreadable",
    severity: Error,
    summary: "Check 12: the newest dump is rejected by `pg_restore --list` (truncated or corrupt).",
    explanation: "A dump that pg_restore cannot even list cannot be restored. Presence is not \
integrity.",
    fix: "Make a new dump (pg_dump -Fc) and check the backup job's exit status and disk space.",
    example: None,
};

pub const TLS_CERTIFICATE: Rule = Rule {
    code: "G105",
    name: "tls-certificate-problem",
    severity: Error,
    summary: "Check 11: the https certificate is not valid or expires within cert_min_days.",
    explanation: "Browsers and API clients refuse an invalid or expired certificate; an expiry \
within the threshold means the renewal is not working.",
    fix: "Renew the certificate (certbot renew) and check the renewal timer.",
    example: None,
};

pub const SECURITY_HEADER: Rule = Rule {
    code: "G106",
    name: "security-header-missing",
    severity: Error,
    summary: "Check 11: X-Frame-Options, X-Content-Type-Options or (on https) Strict-Transport-Security is missing; Content-Security-Policy (warning).",
    explanation: "Without them the login page can be framed (clickjacking), content types \
sniffed, and https downgraded. They are usually added by the reverse proxy.",
    fix: "Add the headers in the reverse proxy (nginx: add_header ... always).",
    example: None,
};

pub const PENDING_OPERATIONS: Rule = Rule {
    code: "G014",
    name: "odoo-pending-operations",
    severity: Error,
    summary: "An Odoo run was not started: the database has pending module operations (or they cannot be listed).",
    explanation: "Odoo applies every `to install`, `to upgrade` and `to remove` of the database \
as soon as it starts on it, whatever it was started for: a read-only check or a one-module \
install would install, update or remove other modules in production. odoo-audit lists them \
first and refuses to start Odoo unless --apply-pending is given.",
    fix: "Review the pending operations; apply them deliberately (the command in the hint) or cancel them in Apps.",
    example: None,
};

pub const MODULES_CHANGED: Rule = Rule {
    code: "G015",
    name: "odoo-run-changed-modules",
    severity: Warning,
    summary:
        "An Odoo run changed module states or versions (info when that is what it was asked to do).",
    explanation: "After every Odoo run the module states and installed versions are read again \
and compared with those before it. A run that should change nothing (check 4) and did is a \
warning; for updates and installs the list says what they did.",
    fix: "Compare the changes with what was intended; restore the backup if they were not.",
    example: None,
};

pub const UPDATE_HALF_DONE: Rule = Rule {
    code: "G016",
    name: "odoo-update-half-done",
    severity: Error,
    summary: "An Odoo run stopped with some modules updated and others still pending.",
    explanation: "A run killed at its time limit (or failing part-way) can leave modules \
`to upgrade` next to modules already updated: the database is neither the old nor the new \
version, and the next start of Odoo resumes the update.",
    fix: "Finish the update (the command in the hint) before serving users, or restore the backup.",
    example: None,
};

pub const LOGGED_ERROR: Rule = Rule {
    code: "G017",
    name: "odoo-logged-error",
    severity: Warning,
    summary: "An Odoo run logged an ERROR line that is not the run's failure (a module not loaded, a pre-existing inconsistent state).",
    explanation: "A run is judged by Odoo's exit status and the module states. Errors Odoo logs \
about modules (`Some modules are not loaded…`, `Some modules have inconsistent states…`) are \
reported for those modules, and marked pre-existing when the modules were already pending \
before the run.",
    fix: "Deploy the module's code and dependencies, or cancel its pending operation in Apps.",
    example: None,
};

pub const MANIFEST_SITE_DOWN: Rule = Rule {
    code: "G018",
    name: "manifest-takes-site-down",
    severity: Error,
    summary: "Check 6: a manifest on the addons path cannot be loaded by Odoo, which takes the web client down.",
    explanation: "Odoo reads the manifest of every addon on the path when it serves static \
files and asset bundles: one manifest that is not a Python literal (or not a dict) makes every \
URL with three or more path segments answer 500, so every bundle, /web/webclient/* and \
/web/image/* fails and the backend is a blank page.",
    fix: "Fix the manifest (its file and line are given) or remove the addon from the path.",
    example: None,
};

pub const WEB_ASSETS: Rule = Rule {
    code: "G019",
    name: "web-assets-broken",
    severity: Error,
    summary: "Check 11: a static file of the web addon does not answer 200.",
    explanation: "Every asset URL has three or more path segments; when Odoo cannot serve \
/web/static/img/favicon.ico (a manifest it cannot load, a broken addons path), no bundle, \
/web/webclient/* or /web/image/* works either, while /web/health and /web/login still answer.",
    fix: "Read Odoo's log at the time of the request; fix the module whose assets fail.",
    example: None,
};

pub const PYTHON_UNKNOWN: Rule = Rule {
    code: "G020",
    name: "odoo-interpreter-unknown",
    severity: Warning,
    summary: "Check 7: the Python interpreter that runs Odoo could not be found, so the libraries were not checked.",
    explanation: "odoo-bin is a shell wrapper (or has no python `#!`) and no running Odoo \
process shows its interpreter: probing another Python would report libraries as missing that \
Odoo has, or the reverse.",
    fix: "Set python_command to Odoo's interpreter (for example /opt/odoo/venv/bin/python3).",
    example: None,
};

pub const TRUTH_SYNC: Rule = Rule {
    code: "G201",
    name: "truth-sync-step-failed",
    severity: Error,
    summary: "truth-sync: a step failed (an Odoo run's exit status, signal, time limit or pending modules; a bundle that fails); the later steps did not run.",
    explanation: "truth-sync refreshes the module list, updates all modules (each run judged \
by Odoo's exit status and the module states before and after) and builds the asset bundles by \
requesting them from the running server, stopping at the first failure so that a broken update \
is not followed by more work.",
    fix: "Read the step's saved log, fix the cause, and run truth-sync again.",
    example: None,
};

pub const RESTORE_FAILED: Rule = Rule {
    code: "G301",
    name: "backup-restore-failed",
    severity: Error,
    summary: "backup test-restore: the dump could not be restored (no dump, the scratch database could not be created, pg_restore failed, timed out or was interrupted).",
    explanation: "A backup is only as good as its restore. test-restore restores the dump with \
pg_restore into a scratch database of its own (`odoo_audit_restore_…`) on the server given by \
--restore-url; a truncated or corrupt dump, a dump pg_restore cannot read, or one that does not \
fit the time limit fails here, with pg_restore's first error quoted.",
    fix: "Make a new dump (pg_dump -Fc), check the backup job's exit status and free space, and test-restore it again.",
    example: None,
};

pub const RESTORED_NOT_ODOO: Rule = Rule {
    code: "G302",
    name: "restored-database-not-odoo",
    severity: Error,
    summary: "backup test-restore: the restored database is not a usable Odoo database (no ir_module_module, `base` not installed, no series); modules in pending states (warning).",
    explanation: "A dump of the wrong database (another application's, an empty one) restores \
without error but is no backup of Odoo. The restored copy must have Odoo's module table with \
`base` installed; modules left `to install`, `to upgrade` or `to remove` mean the dump was taken \
in the middle of an update (a warning).",
    fix: "Check which database the backup job dumps (its -d/--dbname) and that it dumps Odoo's.",
    example: None,
};

pub const FILESTORE_INCOMPLETE: Rule = Rule {
    code: "G303",
    name: "filestore-archive-incomplete",
    severity: Error,
    summary: "backup test-restore: attachments of the restored database whose files are not in the filestore archive (or the archive cannot be listed).",
    explanation: "Odoo keeps attachments (documents, images, the asset bundles) as files in \
data_dir/filestore/<database>, named by ir_attachment.store_fname. A dump without the matching \
files restores records whose files are gone: downloads fail and images are broken.",
    fix: "Archive data_dir/filestore/<database> at the same time as the dump, and check that the archive job completed.",
    example: None,
};

pub const SCRATCH_NOT_DROPPED: Rule = Rule {
    code: "G304",
    name: "scratch-database-not-dropped",
    severity: Error,
    summary: "backup test-restore: the scratch database it created could not be dropped.",
    explanation: "test-restore drops its scratch database at the end, also after a failure or \
an interruption. When the drop fails (the server went away, a session holds it) the copy of the \
production data stays on the restore server.",
    fix: "Drop it by hand: DROP DATABASE \"odoo_audit_restore_…\" WITH (FORCE) (the name is in the message).",
    example: None,
};

pub const RULES: &[Rule] = &[
    ENGINE,
    SERVICE,
    VERSION,
    DATABASE,
    CONF,
    ADDONS_PATH,
    PYTHON,
    ENV_FILE,
    ASSETS,
    UPDATE,
    HTTP,
    BACKUP,
    LOGS,
    CONF_INTERPOLATION,
    WEAK_ADMIN_PASSWD,
    SECRET_IN_CLEAR,
    BACKUP_UNREADABLE,
    TLS_CERTIFICATE,
    SECURITY_HEADER,
    PENDING_OPERATIONS,
    MODULES_CHANGED,
    UPDATE_HALF_DONE,
    LOGGED_ERROR,
    MANIFEST_SITE_DOWN,
    WEB_ASSETS,
    PYTHON_UNKNOWN,
    TRUTH_SYNC,
    RESTORE_FAILED,
    RESTORED_NOT_ODOO,
    FILESTORE_INCOMPLETE,
    SCRATCH_NOT_DROPPED,
];
