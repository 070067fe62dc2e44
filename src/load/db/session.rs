//! The only path from the tool to the server. A worker thread owns the connection; the caller
//! waits a bounded time for every answer (the startup included), so a server that accepts and
//! never answers, or goes silent mid-run, ends in an error instead of a hang. Every statement
//! runs in its own `START TRANSACTION READ ONLY` with `SET LOCAL statement_timeout`: SQL running
//! inside a query (a function behind a view, say) can change the session defaults with
//! `set_config(..., false)`, but PostgreSQL refuses to make a transaction read-write after its
//! first query, and the next statement gets its own fresh limits.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use postgres::{Client, NoTls};

/// How the connection is encrypted.
pub enum Tls {
    None,
    Native(postgres_native_tls::MakeTlsConnector),
}

/// Why a call to the server failed.
#[derive(Debug)]
pub enum Failure {
    /// The server or the driver returned an error.
    Server(postgres::Error),
    /// No answer within the bound.
    NoAnswer(Duration),
    /// The connection is gone (a previous call timed out, or the worker ended).
    Gone,
}

type Job = Box<dyn FnOnce(&mut Client) + Send>;

/// A connection owned by a worker thread.
pub struct Session {
    jobs: Option<mpsc::Sender<Job>>,
    /// `SET LOCAL statement_timeout` of every transaction, in milliseconds.
    statement_ms: u128,
    /// How long the caller waits for one statement: the statement timeout plus network slack.
    bound: Duration,
}

impl Session {
    /// Connects on a worker thread; waits at most `startup` for the whole startup (TCP, TLS,
    /// authentication, parameter exchange).
    pub fn open(
        cfg: postgres::Config,
        tls: Tls,
        startup: Duration,
        statement_timeout: Duration,
    ) -> Result<Session, Failure> {
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), postgres::Error>>();
        let (job_tx, job_rx) = mpsc::channel::<Job>();
        let spawned = thread::Builder::new()
            .name("odoo-audit-db".into())
            .spawn(move || {
                let connected = match tls {
                    Tls::None => cfg.connect(NoTls),
                    Tls::Native(t) => cfg.connect(t),
                };
                let mut client = match connected {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                if ready_tx.send(Ok(())).is_err() {
                    return;
                }
                for job in job_rx {
                    job(&mut client);
                }
            });
        if spawned.is_err() {
            return Err(Failure::Gone);
        }
        match ready_rx.recv_timeout(startup) {
            Ok(Ok(())) => Ok(Session {
                jobs: Some(job_tx),
                statement_ms: statement_timeout.as_millis().max(1),
                bound: statement_timeout + startup,
            }),
            Ok(Err(e)) => Err(Failure::Server(e)),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(Failure::NoAnswer(startup)),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(Failure::Gone),
        }
    }

    /// Runs `work` inside one read-only, time-limited transaction, rolled back at the end.
    pub fn read_only<R, F>(&mut self, work: F) -> Result<R, Failure>
    where
        R: Send + 'static,
        F: FnOnce(&mut Client) -> Result<R, postgres::Error> + Send + 'static,
    {
        self.transaction(false, work)
    }

    /// Runs `work` inside one read-write, time-limited transaction, committed when `work`
    /// succeeds. Only the history store (a database of its own, never Odoo's) writes.
    pub fn read_write<R, F>(&mut self, work: F) -> Result<R, Failure>
    where
        R: Send + 'static,
        F: FnOnce(&mut Client) -> Result<R, postgres::Error> + Send + 'static,
    {
        self.transaction(true, work)
    }

    fn transaction<R, F>(&mut self, write: bool, work: F) -> Result<R, Failure>
    where
        R: Send + 'static,
        F: FnOnce(&mut Client) -> Result<R, postgres::Error> + Send + 'static,
    {
        let begin = format!(
            "START TRANSACTION {mode}; SET LOCAL statement_timeout = {ms}; SET LOCAL lock_timeout = {ms}",
            mode = if write { "READ WRITE" } else { "READ ONLY" },
            ms = self.statement_ms
        );
        self.send(move |client: &mut Client| {
            client.batch_execute(&begin).and_then(|()| {
                let r = work(client);
                // A read ends with a rollback (which also ends a transaction that failed); a
                // write that succeeded is committed.
                let end = if write && r.is_ok() {
                    client.batch_execute("COMMIT")
                } else {
                    client.batch_execute("ROLLBACK")
                };
                let r = r?;
                end.map(|()| r)
            })
        })
    }

    /// Runs one statement outside any transaction block, with the session's statement timeout
    /// (and the same bounded wait as every call). Only `backup test-restore` uses it, for the
    /// `CREATE DATABASE` and `DROP DATABASE` of its scratch database, which PostgreSQL refuses
    /// inside a transaction block; the statement is sent alone (a multi-statement simple query
    /// is an implicit transaction block).
    pub fn autocommit(&mut self, sql: &str) -> Result<(), Failure> {
        let set = format!(
            "SET statement_timeout = {ms}; SET lock_timeout = {ms}",
            ms = self.statement_ms
        );
        let sql = sql.to_string();
        self.send(move |client: &mut Client| {
            client.batch_execute(&set)?;
            client.batch_execute(&sql)
        })
    }

    /// Hands `work` to the worker and waits for its answer at most the bound.
    fn send<R, F>(&mut self, work: F) -> Result<R, Failure>
    where
        R: Send + 'static,
        F: FnOnce(&mut Client) -> Result<R, postgres::Error> + Send + 'static,
    {
        let jobs = self.jobs.as_ref().ok_or(Failure::Gone)?;
        let (tx, rx) = mpsc::channel();
        let job: Job = Box::new(move |client: &mut Client| {
            let _ = tx.send(work(client));
        });
        if jobs.send(job).is_err() {
            self.jobs = None;
            return Err(Failure::Gone);
        }
        match rx.recv_timeout(self.bound) {
            Ok(r) => r.map_err(Failure::Server),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // The worker is stuck on a silent server: abandon the connection.
                self.jobs = None;
                Err(Failure::NoAnswer(self.bound))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                self.jobs = None;
                Err(Failure::Gone)
            }
        }
    }
}
