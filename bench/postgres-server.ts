/**
 * A real PostgreSQL server in a temp folder, started from Debian's `postgresql` package. Shared by
 * the test suite (test/helpers/postgres.ts) and the bench's history-postgres scenario.
 */

import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

// PostgreSQL cannot be told to pick a port itself: it gets one that was free a moment ago.
import { freePort } from '../test/helpers/ports.ts'

const run = promisify(execFile)

/** The superuser the cluster is created with (trust auth on loopback: no password). */
export const PG_USER = 'trackalert'

export interface PostgresServer {
  readonly port: number
  /** A connection URL for `database` (default: the one created for the test). */
  url (database?: string): string
  /** Creates another database in the cluster (two tests, or two daemons on separate data). */
  createDatabase (name: string): Promise<void>
  /** Stops the server (fast shutdown: open connections are closed); the data stays for start(). */
  stop (): Promise<void>
  /** Starts the stopped server again on the same port and data. */
  start (): Promise<void>
  /** Stops the server and deletes its data. */
  destroy (): Promise<void>
  /** The postmaster's process id while running (its backends are its children), for CPU accounting. */
  pid (): Promise<number | null>
}

/** Debian installs the server binaries outside PATH, under /usr/lib/postgresql/<major>/bin. */
function binDir (): string {
  const root = '/usr/lib/postgresql'
  const majors = existsSync(root) ? readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a)) : []
  for (const major of majors) {
    const dir = join(root, major, 'bin')
    if (existsSync(join(dir, 'initdb'))) return dir
  }
  throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)')
}

/**
 * The server refuses to run as root. As root (CI containers) every server command runs as the
 * `postgres` system user that Debian's package creates, which must then own the data folder.
 */
async function asServerUser (dir: string): Promise<(bin: string, args: string[]) => Promise<string>> {
  if (userInfo().uid !== 0) return async (bin, args) => (await run(bin, args)).stdout
  const { stdout } = await run('id', ['-u', 'postgres'])
  const { stdout: gid } = await run('id', ['-g', 'postgres'])
  await chown(dir, Number(stdout.trim()), Number(gid.trim()))
  return async (bin, args) => (await run('runuser', ['-u', 'postgres', '--', bin, ...args])).stdout
}

/**
 * A real PostgreSQL server in a fresh temp folder on a free loopback port (initdb, then pg_ctl),
 * with database `trackalert` created. Durability is off (fsync=off): tests and the bench need speed, not crash safety
 * (the bench's insert rate is therefore an upper bound for a durable server).
 */
export async function startPostgres (): Promise<PostgresServer> {
  const bin = binDir()
  const dir = await mkdtemp(join(tmpdir(), 'trackalert-pg-'))
  const data = join(dir, 'data')
  const logFile = join(dir, 'server.log')
  const exec = await asServerUser(dir)
  await exec(join(bin, 'initdb'), ['-D', data, '-U', PG_USER, '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions'])
  const port = await freePort()
  const options = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off', '-c synchronous_commit=off',
    '-c full_page_writes=off', '-c max_connections=200'].join(' ')
  let running = false
  const start = async (): Promise<void> => {
    try {
      await exec(join(bin, 'pg_ctl'), ['-D', data, '-l', logFile, '-o', options, '-w', '-t', '60', 'start'])
    } catch (err) {
      const log = await readFile(logFile, 'utf8').catch(() => '')
      throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${log}`, { cause: err })
    }
    running = true
  }
  const stop = async (): Promise<void> => {
    if (!running) return
    await exec(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop'])
    running = false
  }
  const url = (database = 'trackalert'): string => `postgres://${PG_USER}@127.0.0.1:${port}/${database}`
  const createDatabase = async (name: string): Promise<void> => {
    await run(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', PG_USER, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1',
      '-c', `CREATE DATABASE "${name}"`])
  }
  await start()
  await createDatabase('trackalert')
  return {
    port,
    url,
    createDatabase,
    stop,
    start,
    destroy: async () => {
      await stop()
      await rm(dir, { recursive: true, force: true })
    },
    // postmaster.pid's first line; the file is readable only by the server user, which the bench runs as unless root.
    pid: async () => running ? Number((await readFile(join(data, 'postmaster.pid'), 'utf8')).split('\n')[0]) || null : null
  }
}
