import { logger } from '../log/index.ts'
import { GeoIPDB } from './geoip-db.ts'
import { loadDatabase, loadDatabaseSync, type DbState } from './load-db.ts'

export const RELOAD_SUCCESS = 'reloadGeoIPDBs() successful'

/**
 * The named GeoIP2 databases of one process (newGeoIP2DB / getGeoIP2DB / reloadGeoIPDBs).
 * Each worker process owns its registry; a console reload has to reach every worker.
 */
export class GeoIPRegistry {
  readonly #dbs = new Map<string, GeoIPDB>()
  #reloads: Promise<unknown> = Promise.resolve()

  /**
   * newGeoIP2DB(name, file): reads and validates the file now, throwing TA_ERR_GEOIP (message names
   * db and file) when it is missing or corrupt. Re-opening a name points the existing handle at the
   * new file, so Lua code already holding it follows along.
   */
  open (name: string, file: string): GeoIPDB {
    const state = loadDatabaseSync(name, file)
    const existing = this.#dbs.get(name)
    if (existing !== undefined) {
      logger.warn('newGeoIP2DB(): database name already in use, replacing it', { name, old_file: existing.file, file })
      existing.replaceState(file, state)
      return existing
    }
    const db = new GeoIPDB(name, file, state)
    this.#dbs.set(name, db)
    logger.info('Opened GeoIP2 database', { name, file, type: state.info.databaseType, ip_version: state.info.ipVersion })
    return db
  }

  /** getGeoIP2DB(name); the caller logs and falls back to emptyGeoIPDB when undefined. */
  get (name: string): GeoIPDB | undefined {
    return this.#dbs.get(name)
  }

  names (): string[] {
    return [...this.#dbs.keys()]
  }

  get size (): number { return this.#dbs.size }

  /**
   * reloadGeoIPDBs(): re-reads every database from its file. Each new database is fully built before
   * it replaces the old one; a database that fails to load keeps serving its old data. Returns
   * `reloadGeoIPDBs() successful`, or one error line per failed database.
   */
  reloadAll (): string {
    const errors: string[] = []
    for (const db of this.#dbs.values()) {
      const file = db.file
      let state: DbState
      try {
        state = loadDatabaseSync(db.name, file)
      } catch (err) {
        errors.push(this.#failed(db, err))
        continue
      }
      db.replaceState(file, state)
    }
    return this.#summary(errors)
  }

  /**
   * reloadAll() with non-blocking file reads, for large databases on a busy daemon. Lookups keep
   * using the old data until each new database is complete. Overlapping calls run one after another.
   */
  reloadAllAsync (): Promise<string> {
    const run = this.#reloads.then(async () => {
      const errors: string[] = []
      for (const db of [...this.#dbs.values()]) {
        const file = db.file
        try {
          const state = await loadDatabase(db.name, file)
          // open() may have re-pointed the handle while we were reading; don't undo that.
          if (db.file === file) db.replaceState(file, state)
        } catch (err) {
          errors.push(this.#failed(db, err))
        }
      }
      return this.#summary(errors)
    })
    this.#reloads = run.catch(() => undefined)
    return run
  }

  #failed (db: GeoIPDB, err: unknown): string {
    const reason = err instanceof Error ? err.message : String(err)
    logger.error('reloadGeoIPDBs(): error reloading GeoIP2 database, keeping the old one', { name: db.name, file: db.file, reason })
    return `reloadGeoIPDBs(): error reloading ${reason}; still using the previously loaded data`
  }

  #summary (errors: string[]): string {
    if (errors.length > 0) return errors.join('\n')
    logger.info('reloadGeoIPDBs(): all GeoIP2 databases reloaded', { count: this.#dbs.size })
    return RELOAD_SUCCESS
  }
}
