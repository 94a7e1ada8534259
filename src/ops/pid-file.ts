import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { TrackalertError } from '../errors.ts'

/** Pid written in `path`, or undefined when the file is missing or does not hold a positive integer. */
export function readPidFile (path: string): number | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
  const match = /^\s*(\d+)\s*$/.exec(text)
  if (match === null) return undefined
  const pid = Number(match[1])
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
}

/** kill(pid, 0): EPERM still means the process exists (it belongs to another user). */
export function isProcessAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export interface PidFile {
  readonly path: string
  readonly pid: number
  /** Removes the file if it still names our pid. Idempotent; also runs on process exit. */
  release (): void
}

/**
 * `--pidfile FILE`: refuses to start when FILE names another live process, otherwise (re)writes it atomically
 * (temp file + rename, so readers never see a half-written pid) and removes it when the process exits.
 * A stale file left by a crash is simply replaced.
 */
export function acquirePidFile (path: string, pid: number = process.pid): PidFile {
  const existing = readPidFile(path)
  if (existing !== undefined && existing !== pid && isProcessAlive(existing)) {
    throw new TrackalertError('TA_ERR_LISTEN', `pid file ${path} names running process ${existing}; is trackalert already running?`)
  }
  const temp = `${path}.${pid}.tmp`
  try {
    const fd = openSync(temp, 'w', 0o644)
    try {
      writeSync(fd, `${pid}\n`)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, path)
  } catch (err) {
    try { unlinkSync(temp) } catch { /* never created */ }
    throw new TrackalertError('TA_ERR_CONFIG_INVALID', `cannot write pid file ${path}: ${(err as Error).message}`, { cause: err })
  }

  let released = false
  const release = (): void => {
    if (released) return
    released = true
    process.removeListener('exit', release)
    // Only remove our own file: a successor may already have replaced it.
    if (readPidFile(path) !== pid) return
    try { unlinkSync(path) } catch { /* already gone */ }
  }
  process.on('exit', release)
  return { path, pid, release }
}
