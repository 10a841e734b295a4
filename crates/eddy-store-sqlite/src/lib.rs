//! Eddy's embedded storage backend: one SQLite database in WAL mode.
//!
//! Durability maps onto SQLite's `synchronous` setting: [`Durability::Fsync`] is `FULL`
//! (each commit syncs the write-ahead log), [`Durability::Relaxed`] is `NORMAL` (a commit is
//! written to the log but not synced: a crash of the process loses nothing, a power loss
//! may lose the last commits). Batching many requests into one commit is the engine's
//! writer's job; this backend applies one batch per transaction.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::path::Path;

use eddy_store::{
    Durability, Error, MessageState, Op, ResourceKind, Snapshot, Store, StoredDelivery,
    StoredMessage,
};
use rusqlite::{params, Connection, OptionalExtension};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS resources (
    kind INTEGER NOT NULL, key TEXT NOT NULL, body BLOB NOT NULL,
    PRIMARY KEY (kind, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
    queue TEXT NOT NULL, seq INTEGER NOT NULL, visible_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL, first_received_at INTEGER, body BLOB NOT NULL,
    PRIMARY KEY (queue, seq));
CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY, due_at INTEGER NOT NULL, body BLOB NOT NULL);
";

/// The version of the layout above; a database written by another version is refused.
const SCHEMA_VERSION: &str = "1";

/// The SQLite backend.
pub struct Sqlite {
    conn: Connection,
    /// Held for its Drop: stops the checkpoint thread with the store.
    _checkpointer: Checkpointer,
}

/// Checkpoints the write-ahead log from a second connection, so the writer's commits do
/// not pay for copying the log into the database.
struct Checkpointer {
    stop: std::sync::mpsc::Sender<()>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    fn start(path: &Path) -> Result<Checkpointer, Error> {
        let conn = Connection::open(path).map_err(backend)?;
        conn.execute_batch("PRAGMA busy_timeout = 5000;")
            .map_err(backend)?;
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("eddy-checkpoint".into())
            .spawn(move || loop {
                match stopped.recv_timeout(std::time::Duration::from_millis(200)) {
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                        // PASSIVE: copies what it can without blocking the writer.
                        let _ = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE);");
                    }
                    _ => return,
                }
            })
            .map_err(|e| Error::Backend(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Checkpointer {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let _ = self.stop.send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn backend(err: rusqlite::Error) -> Error {
    Error::Backend(err.to_string())
}

impl Sqlite {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path, durability: Durability) -> Result<Self, Error> {
        let conn = Connection::open(path).map_err(backend)?;
        let synchronous = match durability {
            Durability::Fsync => "FULL",
            Durability::Relaxed => "NORMAL",
        };
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; PRAGMA busy_timeout = 5000;"
        ))
        .map_err(backend)?;
        conn.execute_batch(SCHEMA).map_err(backend)?;
        let version: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |row| {
                row.get(0)
            })
            .optional()
            .map_err(backend)?;
        match version.as_deref() {
            None => {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema', ?1)",
                    [SCHEMA_VERSION],
                )
                .map_err(backend)?;
            }
            Some(SCHEMA_VERSION) => {}
            Some(other) => {
                return Err(Error::Corrupt(format!(
                    "{} has schema version {other}; this Eddy reads version {SCHEMA_VERSION}",
                    path.display()
                )))
            }
        }
        // The writer never checkpoints by itself (except when the log grows past ~64 MB, as
        // a backstop); the checkpoint thread does it.
        conn.execute_batch("PRAGMA wal_autocheckpoint = 16384;")
            .map_err(backend)?;
        let checkpointer = Checkpointer::start(path)?;
        Ok(Self {
            conn,
            _checkpointer: checkpointer,
        })
    }
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn apply(tx: &rusqlite::Transaction<'_>, op: &Op) -> rusqlite::Result<()> {
    match op {
        Op::PutResource { kind, key, body } => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO resources (kind, key, body) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![kind.code(), key, body])?;
        }
        Op::DeleteResource { kind, key } => {
            tx.prepare_cached("DELETE FROM resources WHERE kind = ?1 AND key = ?2")?
                .execute(params![kind.code(), key])?;
        }
        Op::PutMessage {
            queue,
            seq,
            state,
            body,
        } => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO messages (queue, seq, visible_at, receive_count, first_received_at, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                queue,
                to_i64(*seq),
                to_i64(state.visible_at),
                state.receive_count,
                state.first_received_at.map(to_i64),
                body
            ])?;
        }
        Op::UpdateMessage { queue, seq, state } => {
            tx.prepare_cached(
                "UPDATE messages SET visible_at = ?3, receive_count = ?4, first_received_at = ?5
                 WHERE queue = ?1 AND seq = ?2",
            )?
            .execute(params![
                queue,
                to_i64(*seq),
                to_i64(state.visible_at),
                state.receive_count,
                state.first_received_at.map(to_i64)
            ])?;
        }
        Op::DeleteMessage { queue, seq } => {
            tx.prepare_cached("DELETE FROM messages WHERE queue = ?1 AND seq = ?2")?
                .execute(params![queue, to_i64(*seq)])?;
        }
        Op::DeleteMessages { queue } => {
            tx.prepare_cached("DELETE FROM messages WHERE queue = ?1")?
                .execute(params![queue])?;
        }
        Op::PutDelivery { id, due_at, body } => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO deliveries (id, due_at, body) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![to_i64(*id), to_i64(*due_at), body])?;
        }
        Op::DeleteDelivery { id } => {
            tx.prepare_cached("DELETE FROM deliveries WHERE id = ?1")?
                .execute(params![to_i64(*id)])?;
        }
    }
    Ok(())
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl Store for Sqlite {
    fn load(&mut self) -> Result<Snapshot, Error> {
        let mut snapshot = Snapshot::default();
        let mut stmt = self
            .conn
            .prepare("SELECT kind, key, body FROM resources ORDER BY kind, key")
            .map_err(backend)?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Vec<u8>>(2)?,
                ))
            })
            .map_err(backend)?;
        for row in rows {
            let (code, key, body) = row.map_err(backend)?;
            let kind = ResourceKind::from_code(code)
                .ok_or_else(|| Error::Corrupt(format!("unknown resource kind {code} for {key}")))?;
            snapshot.resources.push((kind, key, body));
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT queue, seq, visible_at, receive_count, first_received_at, body FROM messages ORDER BY queue, seq",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map([], |row| {
                Ok(StoredMessage {
                    queue: row.get(0)?,
                    seq: to_u64(row.get(1)?),
                    state: MessageState {
                        visible_at: to_u64(row.get(2)?),
                        receive_count: row.get(3)?,
                        first_received_at: row.get::<_, Option<i64>>(4)?.map(to_u64),
                    },
                    body: row.get(5)?,
                })
            })
            .map_err(backend)?;
        for row in rows {
            snapshot.messages.push(row.map_err(backend)?);
        }
        let mut stmt = self
            .conn
            .prepare("SELECT id, due_at, body FROM deliveries ORDER BY id")
            .map_err(backend)?;
        let rows = stmt
            .query_map([], |row| {
                Ok(StoredDelivery {
                    id: to_u64(row.get(0)?),
                    due_at: to_u64(row.get(1)?),
                    body: row.get(2)?,
                })
            })
            .map_err(backend)?;
        for row in rows {
            snapshot.deliveries.push(row.map_err(backend)?);
        }
        Ok(snapshot)
    }

    fn commit(&mut self, ops: &[Op]) -> Result<(), Error> {
        let tx = self.conn.transaction().map_err(backend)?;
        for op in ops {
            apply(&tx, op).map_err(backend)?;
        }
        tx.commit().map_err(backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_db(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("eddy-store-sqlite-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("eddy.db")
    }

    #[test]
    fn what_is_committed_comes_back() {
        let path = temp_db("roundtrip");
        let state = MessageState {
            visible_at: 5,
            receive_count: 0,
            first_received_at: None,
        };
        {
            let mut store = Sqlite::open(&path, Durability::Fsync).unwrap();
            store
                .commit(&[
                    Op::PutResource {
                        kind: ResourceKind::Queue,
                        key: "q".into(),
                        body: b"{}".to_vec(),
                    },
                    Op::PutMessage {
                        queue: "q".into(),
                        seq: 1,
                        state,
                        body: b"m1".to_vec(),
                    },
                    Op::PutMessage {
                        queue: "q".into(),
                        seq: 2,
                        state,
                        body: b"m2".to_vec(),
                    },
                    Op::PutDelivery {
                        id: 9,
                        due_at: 7,
                        body: b"d".to_vec(),
                    },
                ])
                .unwrap();
            let moved = MessageState {
                visible_at: 50,
                receive_count: 1,
                first_received_at: Some(40),
            };
            store
                .commit(&[
                    Op::UpdateMessage {
                        queue: "q".into(),
                        seq: 2,
                        state: moved,
                    },
                    Op::DeleteMessage {
                        queue: "q".into(),
                        seq: 1,
                    },
                ])
                .unwrap();
        }
        let mut store = Sqlite::open(&path, Durability::Relaxed).unwrap();
        let snapshot = store.load().unwrap();
        assert_eq!(
            snapshot.resources,
            vec![(ResourceKind::Queue, "q".to_owned(), b"{}".to_vec())]
        );
        assert_eq!(snapshot.messages.len(), 1);
        assert_eq!(snapshot.messages[0].seq, 2);
        assert_eq!(snapshot.messages[0].state.first_received_at, Some(40));
        assert_eq!(
            snapshot.deliveries,
            vec![StoredDelivery {
                id: 9,
                due_at: 7,
                body: b"d".to_vec()
            }]
        );
        store
            .commit(&[
                Op::DeleteMessages { queue: "q".into() },
                Op::DeleteDelivery { id: 9 },
            ])
            .unwrap();
        let snapshot = store.load().unwrap();
        assert!(snapshot.messages.is_empty() && snapshot.deliveries.is_empty());
    }
}
