/**
 * Stream states in SQLite (better-sqlite3, an optional dependency loaded only here). One row
 * per stream, the pool's checked binary record as a BLOB, keyed by (model, stream key); a
 * checkpoint is ONE transaction holding the streams changed since the previous one, so a crash
 * at any moment leaves the database at the last committed checkpoint. WAL journal with
 * synchronous=NORMAL: a committed checkpoint survives the process being killed; an operating
 * system crash or power loss may lose the last checkpoints, never the database's consistency.
 */
import { InvalidDataError, NativeError } from '../core/errors.js';

/** The part of better-sqlite3's API used here (it ships no types). */
interface Statement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  iterate(...params: unknown[]): IterableIterator<unknown>;
}
interface Database {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  exec(source: string): void;
  prepare(source: string): Statement;
  close(): void;
}
type DatabaseConstructor = new (path: string) => Database;

/** better-sqlite3 is not installed, or its native binary is missing or does not load (code ERR_NATIVE_LOAD). */
export class StateStoreUnavailableError extends NativeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ERR_NATIVE_LOAD', options);
  }
}

/** A state file that does not belong to the models served, or is not a state file. */
export class StateStoreError extends InvalidDataError {}

/**
 * Loads better-sqlite3 and its native binary; without them, says how to install them. The
 * binary is loaded by the first `new Database`, so an in-memory one is opened here: a missing
 * or foreign binary then fails as unavailable, not as a bad --state file.
 */
async function loadSqlite(): Promise<DatabaseConstructor> {
  let stage = 'could not be found';
  try {
    // A specifier in a variable: the optional package is neither resolved at build time nor required to type-check.
    const name = 'better-sqlite3';
    const module = (await import(name)) as { default: DatabaseConstructor };
    stage = 'was found but its native binary did not load';
    new module.default(':memory:').close();
    return module.default;
  } catch (error) {
    const reason = String((error as Error).message).split('\n')[0];
    throw new StateStoreUnavailableError(
      `--state needs the optional package better-sqlite3, which ${stage} (${reason}); ` +
        'install it with "npm install better-sqlite3@12.11.1" (it compiles where no prebuilt binary fits; 13.x needs Node 22)',
      { cause: error },
    );
  }
}

export interface ModelChanges {
  model: string;
  upserts: { key: string; record: Uint8Array }[];
  deletes: string[];
}

/** Rows written per turn of the event loop inside one checkpoint transaction. */
const ROWS_PER_TURN = 2000;

export class StateStore {
  private constructor(
    private readonly db: Database,
    readonly path: string,
  ) {}

  static async open(path: string): Promise<StateStore> {
    const Sqlite = await loadSqlite();
    let db: Database | null = null;
    try {
      db = new Sqlite(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(`
        CREATE TABLE IF NOT EXISTS models (name TEXT PRIMARY KEY, fingerprint INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS streams (
          model TEXT NOT NULL, key TEXT NOT NULL, record BLOB NOT NULL, PRIMARY KEY (model, key)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS checkpoints (id INTEGER PRIMARY KEY CHECK (id = 1), at_ms INTEGER NOT NULL, count INTEGER NOT NULL);
      `);
    } catch (error) {
      db?.close();
      throw new StateStoreError(
        `cannot use ${path} as the --state database: ${(error as Error).message}; ` +
          'give a new file in a writable folder, or a state file this command wrote',
      );
    }
    return new StateStore(db, path);
  }

  /**
   * Claims `model` for states of the model with `fingerprint`. A database holding another
   * model's states under that name is refused: they would not fit. One claimed with the model's
   * `legacyFingerprint` (written before stream-record version 2) is taken over and relabelled.
   */
  claim(model: string, fingerprint: number, legacyFingerprint = fingerprint): void {
    const row = this.db.prepare('SELECT fingerprint FROM models WHERE name = ?').get(model) as
      { fingerprint: number } | undefined;
    if (!row) {
      this.db.prepare('INSERT INTO models (name, fingerprint) VALUES (?, ?)').run(model, fingerprint);
    } else if (row.fingerprint === legacyFingerprint && legacyFingerprint !== fingerprint) {
      this.db.prepare('UPDATE models SET fingerprint = ? WHERE name = ?').run(fingerprint, model);
    } else if (row.fingerprint !== fingerprint) {
      throw new StateStoreError(
        `${this.path} holds stream states of another model named "${model}" (fingerprint ${row.fingerprint.toString(16)}, ` +
          `this one ${fingerprint.toString(16)}); serve it under another name or start with a new --state file`,
      );
    }
  }

  /** Stream records of `model`, in batches of `batchSize`. */
  *records(model: string, batchSize = 10_000): Generator<Uint8Array[]> {
    let batch: Uint8Array[] = [];
    for (const row of this.db.prepare('SELECT record FROM streams WHERE model = ?').iterate(model)) {
      batch.push((row as { record: Uint8Array }).record);
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  /** Time and number of the last committed checkpoint (0, 0 before the first). */
  lastCheckpoint(): { atMs: number; count: number } {
    const row = this.db.prepare('SELECT at_ms, count FROM checkpoints WHERE id = 1').get() as
      { at_ms: number; count: number } | undefined;
    return row ? { atMs: row.at_ms, count: row.count } : { atMs: 0, count: 0 };
  }

  /**
   * Writes every model's changes in ONE transaction, giving the event loop back every
   * ROWS_PER_TURN rows. Rolled back (and rethrown) on any failure.
   */
  async checkpoint(changes: readonly ModelChanges[], atMs: number): Promise<void> {
    const upsert = this.db.prepare(
      'INSERT INTO streams (model, key, record) VALUES (?, ?, ?) ON CONFLICT (model, key) DO UPDATE SET record = excluded.record',
    );
    const remove = this.db.prepare('DELETE FROM streams WHERE model = ? AND key = ?');
    const mark = this.db.prepare(
      'INSERT INTO checkpoints (id, at_ms, count) VALUES (1, ?, 1) ON CONFLICT (id) DO UPDATE SET at_ms = excluded.at_ms, count = count + 1',
    );
    this.db.exec('BEGIN IMMEDIATE');
    try {
      let rows = 0;
      for (const c of changes) {
        for (const key of c.deletes) {
          remove.run(c.model, key);
          if (++rows % ROWS_PER_TURN === 0) await turn();
        }
        for (const u of c.upserts) {
          upsert.run(c.model, u.key, u.record);
          if (++rows % ROWS_PER_TURN === 0) await turn();
        }
      }
      mark.run(atMs);
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** `PRAGMA integrity_check`: 'ok' for a sound database. */
  integrity(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }

  close(): void {
    this.db.close();
  }
}

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
