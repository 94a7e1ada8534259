import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * Compiled entry points, relative to this file in dist/bench/. BENCH_DAEMON_CLI runs another build of
 * the daemon (e.g. an older revision's dist/src/cli/main.js) under the same scenarios, for before/after.
 */
export const DAEMON_CLI = process.env.BENCH_DAEMON_CLI ?? fileURLToPath(new URL('../src/cli/main.js', import.meta.url))
export const BARE_SERVER = fileURLToPath(new URL('./bare-server.js', import.meta.url))
export const WEBHOOK_RECEIVER = fileURLToPath(new URL('./webhook-receiver.js', import.meta.url))

/** trackalert logs `listening for HTTP commands address="127.0.0.1:PORT"`; the helpers print `listening port=PORT`. */
const PORT_PATTERNS = [/listening for HTTP commands address="[^"]*:(\d+)"/, /listening port=(\d+)/]

/** Every child the bench started and that has not exited: killed together on Ctrl-C. */
const live = new Set<ChildProcess>()

export function track (child: ChildProcess): void {
  live.add(child)
  child.once('exit', () => live.delete(child))
}

/** SIGTERM to every tracked child (servers and wrk); for the bench's own signal handler. */
export function killChildren (): void {
  for (const child of live) child.kill('SIGTERM')
}

/**
 * Waits until none of `servers` uses CPU (< 5% of a core over 500 ms), e.g. until a daemon has
 * drained its webhook queue, so one run's leftovers do not compete with the next. False on timeout.
 */
export async function waitIdle (servers: ReadonlyArray<Pick<Server, 'pid'>>, timeoutMs = 30000): Promise<boolean> {
  const end = Date.now() + timeoutMs
  const total = (): number => servers.reduce((n, sv) => n + cpuSeconds(sv.pid), 0)
  while (Date.now() < end) {
    const before = total()
    await new Promise((resolve) => setTimeout(resolve, 500))
    if (total() - before < 0.025) return true
  }
  return false
}

export interface Server {
  readonly name: string
  readonly child: ChildProcess
  readonly pid: number
  readonly port: number
  output (): string
  /** null while running, else how it ended ("exit code 1", "signal SIGKILL"). */
  exitStatus (): string | null
  stop (): Promise<void>
}

/**
 * Starts `node [nodeArgs] script [args]` and resolves once it printed its port (and `readyText`,
 * when given). Rejects with the output so far if it exits first or takes longer than `timeoutMs`.
 */
export async function startServer (name: string, script: string, args: readonly string[], opts: { nodeArgs?: readonly string[], readyText?: string, timeoutMs?: number } = {}): Promise<Server> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  track(child)
  let out = ''
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(`${name} did not start within ${opts.timeoutMs ?? 20000} ms`), opts.timeoutMs ?? 20000)
    const fail = (why: string): void => { clearTimeout(timer); child.kill('SIGKILL'); reject(new Error(`${why}; output:\n${out}`)) }
    const check = (): void => {
      if (opts.readyText !== undefined && !out.includes(opts.readyText)) return
      for (const re of PORT_PATTERNS) {
        const m = re.exec(out)
        if (m !== null) { clearTimeout(timer); resolve(Number(m[1])); return }
      }
    }
    const onData = (chunk: Buffer): void => {
      // Keep only the head and a tail: a long run must not grow this string without bound.
      out = out.length < 64 * 1024 ? out + chunk.toString() : out.slice(0, 32 * 1024) + out.slice(-16 * 1024) + chunk.toString()
      check()
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    void exited.then(() => fail(`${name} exited with code ${String(child.exitCode)}`))
  })
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15000)
      await exited
      clearTimeout(timer)
    }
  }
  const exitStatus = (): string | null => child.signalCode !== null ? `signal ${child.signalCode}` : child.exitCode !== null ? `exit code ${child.exitCode}` : null
  return { name, child, pid: child.pid ?? 0, port, output: () => out, exitStatus, stop }
}

export const startDaemon = (configFile: string, nodeArgs: readonly string[] = [], name = 'trackalert'): Promise<Server> =>
  startServer(name, DAEMON_CLI, ['-s', '-C', configFile], { nodeArgs, readyText: 'trackalert ready' })

export const startBare = (processes = 1): Promise<Server> =>
  startServer(processes > 1 ? `bare cluster x${processes}` : 'bare node:http', BARE_SERVER, ['0', String(processes)])

export const startReceiver = (): Promise<Server> => startServer('webhook receiver', WEBHOOK_RECEIVER, [])

let clockTicks = 0

/** Kernel clock ticks per second for /proc/PID/stat times (almost always 100). */
function ticksPerSecond (): number {
  if (clockTicks === 0) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      clockTicks = 100
    }
  }
  return clockTicks
}

function statFields (pid: number | 'self'): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may contain spaces; the fixed fields start after its closing ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
}

/**
 * CPU seconds (user + system) of a process and, for a pid, of its live descendants too: the
 * daemon's worker processes (setNumWorkerThreads) are part of the server being measured.
 */
export function cpuSeconds (pid: number | 'self'): number {
  const pids = pid === 'self' ? ['self' as const] : processTree(pid)
  let ticks = 0
  for (const p of pids) {
    try {
      const f = statFields(p)
      ticks += Number(f[11]) + Number(f[12])
    } catch {
      // A process that exited between listing and reading counts no more.
    }
  }
  return ticks / ticksPerSecond()
}

/** `pid` and every live process below it, from the parent pids in /proc/N/stat. */
export function processTree (pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const ppid = Number(statFields(Number(name))[1])
      const list = children.get(ppid) ?? []
      list.push(Number(name))
      children.set(ppid, list)
    } catch {
      // gone already
    }
  }
  const out: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    const next = queue.shift() as number
    out.push(next)
    queue.push(...(children.get(next) ?? []))
  }
  return out
}

/**
 * CPU seconds of this process's reaped children (cutime + cstime): node reaps wrk when it exits,
 * so the delta across one wrk run is wrk's own CPU time.
 */
export function reapedChildrenCpuSeconds (): number {
  const f = statFields('self')
  return (Number(f[13]) + Number(f[14])) / ticksPerSecond()
}

/** CPU seconds the whole machine spent busy (all cores; /proc/stat minus idle and iowait). */
export function machineBusySeconds (): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? ''
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number)
  const total = v.reduce((a, b) => a + b, 0)
  return (total - (v[3] ?? 0) - (v[4] ?? 0)) / ticksPerSecond()
}

/**
 * Peak resident set size in MiB (VmHWM from /proc/PID/status) of the largest process in the tree
 * (a multi-process daemon: the primary or one worker).
 */
export function peakRssMiB (pid: number): number {
  let peak = 0
  for (const p of processTree(pid)) {
    try {
      const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))
      if (m !== null) peak = Math.max(peak, Number(m[1]) / 1024)
    } catch {
      // gone already
    }
  }
  return peak
}
