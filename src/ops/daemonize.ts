import { spawn } from 'node:child_process'
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs'
import { type Readable } from 'node:stream'

/**
 * Node cannot fork(), so `-d/--daemon` re-spawns the same program detached (new session, stdio on /dev/null
 * or a log file) and waits on an extra pipe (fd 3) until the child reports READY or a startup error.
 */
export const DAEMON_CHILD_ENV = 'TRACKALERT_DAEMON_CHILD'
const READY_FD = 3

// Captured at load: the variable is removed once readiness is signalled so later spawns don't inherit it.
const startedAsDaemonChild = process.env[DAEMON_CHILD_ENV] === '1'

/** True in the re-spawned daemon process (it must not daemonize again and should signal readiness). */
export function isDaemonChild (env?: NodeJS.ProcessEnv): boolean {
  return env === undefined ? startedAsDaemonChild : env[DAEMON_CHILD_ENV] === '1'
}

/** Which options consume a value, so `-d` is only removed where getopt would have seen it as a flag. */
export interface OptionSyntax {
  /** Short options taking a required value (`-C FILE` or `-CFILE`). */
  shortWithValue: string
  /** Short options taking an optional value, attached only (`-cFILE`). */
  shortWithOptionalValue: string
  /** Long options taking a value as the next argument when written without `=`. */
  longWithValue: readonly string[]
}

export const trackalertOptionSyntax: OptionSyntax = {
  shortWithValue: 'CRefl',
  shortWithOptionalValue: 'c',
  longWithValue: ['--config', '--regexes', '--execute', '--facility', '--loglevel', '--pidfile', '--log-format']
}

/** The command line minus `-d`/`--daemon` (also inside grouped short flags like `-sd`); operands after `--` untouched. */
export function stripDaemonFlag (args: readonly string[], syntax: OptionSyntax = trackalertOptionSyntax): string[] {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === '--') {
      out.push(...args.slice(i))
      break
    }
    if (arg === '--daemon' || arg.startsWith('--daemon=')) continue
    if (arg.startsWith('--') || arg === '-' || !arg.startsWith('-')) {
      out.push(arg)
      if (syntax.longWithValue.includes(arg) && i + 1 < args.length) out.push(args[++i] as string)
      continue
    }
    let kept = ''
    let takesNext = false
    for (let j = 1; j < arg.length; j++) {
      const ch = arg[j] as string
      if (syntax.shortWithValue.includes(ch) || syntax.shortWithOptionalValue.includes(ch)) {
        kept += arg.slice(j)
        takesNext = j === arg.length - 1 && syntax.shortWithValue.includes(ch)
        break
      }
      if (ch !== 'd') kept += ch
    }
    if (kept !== '') out.push('-' + kept)
    if (takesNext && i + 1 < args.length) out.push(args[++i] as string)
  }
  return out
}

export interface DaemonSpawnOptions {
  /** The daemon's command-line arguments (process.argv.slice(2)); `-d` is stripped here. */
  args: readonly string[]
  /** Entry script; default process.argv[1]. */
  script?: string
  /** Default process.execPath / process.execArgv, so flags like --enable-source-maps carry over. */
  execPath?: string
  execArgv?: readonly string[]
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Append the daemon's stdout/stderr here instead of discarding them. */
  logFile?: string
  /** Give up (and kill the child) if it has not reported by then; default 30 s. */
  timeoutMs?: number
  syntax?: OptionSyntax
}

export interface DaemonOutcome {
  ok: boolean
  /** The daemon's pid (also set on failure when the spawn itself succeeded). */
  pid: number | undefined
  /** Empty on success, otherwise why startup failed. */
  message: string
}

/** Parent side: spawns the detached child and resolves once it reported READY, failed, exited or timed out. */
export function spawnDaemon (options: DaemonSpawnOptions): Promise<DaemonOutcome> {
  const script = options.script ?? process.argv[1]
  if (script === undefined) return Promise.resolve({ ok: false, pid: undefined, message: 'cannot tell which script to re-spawn' })
  let logFd: number | undefined
  try {
    if (options.logFile !== undefined) logFd = openSync(options.logFile, 'a', 0o640)
  } catch (err) {
    return Promise.resolve({ ok: false, pid: undefined, message: `cannot open log file: ${(err as Error).message}` })
  }
  const output = logFd ?? 'ignore'
  const child = spawn(options.execPath ?? process.execPath,
    [...(options.execArgv ?? process.execArgv), script, ...stripDaemonFlag(options.args, options.syntax)], {
      cwd: options.cwd,
      env: { ...(options.env ?? process.env), [DAEMON_CHILD_ENV]: '1' },
      detached: true,
      stdio: ['ignore', output, output, 'pipe']
    })
  if (logFd !== undefined) closeSync(logFd)
  const timeoutMs = options.timeoutMs ?? 30000
  // Null only when spawn() itself failed; the 'error' event then reports why.
  const channel = child.stdio[READY_FD] as Readable | null

  return new Promise((resolve) => {
    let settled = false
    let received = ''
    let exitMessage: string | undefined
    let graceTimer: NodeJS.Timeout | undefined
    const finish = (ok: boolean, message: string): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearTimeout(graceTimer)
      channel?.destroy()
      child.unref()
      resolve({ ok, pid: child.pid, message })
    }
    const timer = setTimeout(() => {
      child.kill('SIGTERM')
      finish(false, `daemon did not report readiness within ${timeoutMs} ms; stopped it`)
    }, timeoutMs)
    child.on('error', (err) => { finish(false, `cannot start daemon: ${err.message}`) })
    if (channel === null) return
    channel.setEncoding('utf8')
    channel.on('data', (chunk: string) => {
      received += chunk
      const newline = received.indexOf('\n')
      if (newline < 0) return
      const line = received.slice(0, newline)
      if (line === 'READY') finish(true, '')
      else finish(false, line.startsWith('ERROR ') ? line.slice(6) : `unexpected readiness message: ${line}`)
    })
    channel.on('error', () => {})
    // 'exit' can overtake the last bytes still queued on the channel: let the channel drain before
    // settling on the exit status, so a child's final ERROR line is not lost.
    channel.on('end', () => { if (exitMessage !== undefined) finish(false, exitMessage) })
    child.on('exit', (code, signal) => {
      exitMessage = `daemon exited ${signal !== null ? `on ${signal}` : `with code ${code}`} before it was ready`
      if (channel.readableEnded) finish(false, exitMessage)
      else graceTimer = setTimeout(() => { finish(false, exitMessage as string) }, 1000)
    })
  })
}

/** `-d/--daemon` in the foreground process: spawn, wait, then exit 0 or print the failure and exit 1. */
export async function daemonize (options: DaemonSpawnOptions): Promise<never> {
  const outcome = await spawnDaemon(options)
  if (!outcome.ok) process.stderr.write(`trackalert: daemon failed to start: ${outcome.message}\n`)
  process.exit(outcome.ok ? 0 : 1)
}

let channelUsed = false

function writeChannel (line: string): boolean {
  if (channelUsed || !startedAsDaemonChild) return false
  channelUsed = true
  delete process.env[DAEMON_CHILD_ENV]
  try {
    const stat = fstatSync(READY_FD)
    if (!stat.isFIFO() && !stat.isSocket()) return false
    writeSync(READY_FD, line)
    closeSync(READY_FD)
    return true
  } catch {
    // The parent gave up (timeout) and closed its end: nothing is waiting for us any more.
    return false
  }
}

/** Child side: listeners are up; lets the foreground parent exit 0. No-op outside a daemon child. */
export function signalDaemonReady (): boolean {
  return writeChannel('READY\n')
}

/** Child side: startup failed; the parent prints `message` and exits 1. The caller still exits itself. */
export function signalDaemonFailure (message: string): boolean {
  return writeChannel(`ERROR ${message.replace(/\s*[\r\n]+\s*/g, ' ')}\n`)
}
