import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { runCli, type CliResult } from '../helpers/cli-run.ts'
import { CLI, PASSWORD, request, type RunningDaemon } from '../helpers/daemon.ts'
import { eventually } from '../helpers/poll.ts'
import { family, parsePrometheus, type ParsedFamily } from '../stats/helpers.ts'

export { runCli, family, parsePrometheus, type CliResult, type ParsedFamily }
export { type ParsedSample } from '../stats/helpers.ts'

// unix-dgram ships CommonJS without type declarations: loaded through require with a local type.
const require = createRequire(import.meta.url)

/** Lua that sets the local `pid` to the pid of the process running it. */
export const LUA_READ_PID = 'local f = io.open("/proc/self/stat", "r") local pid = f:read("*l"):match("^(%d+)") f:close()'

/** A custom endpoint "pid" answering with the pid of the process that served it. */
export const PID_ENDPOINT = `
  setCustomEndpoint("pid", function (args)
    ${LUA_READ_PID}
    return true, { pid = pid }
  end)
`

/** Lua that spins for `ms` milliseconds of CPU time (os.clock), without yielding. */
export const luaBusyWait = (ms: number): string => `local t0 = os.clock() while os.clock() - t0 < ${ms / 1000} do end`

/** A fresh console key and the config lines that make the daemon listen for consoles on a free port. */
export function consoleConfig (): { key: string, lines: string } {
  const key = randomBytes(32).toString('base64')
  return { key, lines: `controlSocket("127.0.0.1:0")\nsetKey("${key}")\n` }
}

/** The bound console port, read from the daemon's `Accepting console connections` log line. */
export function consolePort (d: RunningDaemon): number {
  const m = /Accepting console connections address="[^"]*:(\d+)"/.exec(d.output())
  if (m === null) throw new Error(`no console address in the output:\n${d.output()}`)
  return Number(m[1])
}

/**
 * Writes a client config (controlSocket with the real port, setKey) next to the daemon's config:
 * the daemon binds port 0, which a client cannot connect to.
 */
export async function writeClientConfig (d: RunningDaemon, key: string, name = 'client.conf'): Promise<string> {
  const file = join(d.dir, name)
  await writeFile(file, `controlSocket("127.0.0.1:${consolePort(d)}")\nsetKey("${key}")\n`)
  return file
}

/** `trackalert -C FILE -e CMD [--console-cipher C]`. */
export function consoleExec (clientConfig: string, command: string, cipher?: 'libsodium' | 'openssl'): Promise<CliResult> {
  const args = ['-C', clientConfig, '-e', command]
  if (cipher !== undefined) args.push('--console-cipher', cipher)
  return runCli(args)
}

/** GET /metrics of a daemon, parsed. */
export async function scrape (d: RunningDaemon): Promise<ParsedFamily[]> {
  const res = await request(`${d.url}/metrics`)
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${res.text}`)
  return parsePrometheus(res.text)
}

/** The sample whose labels equal `labels` exactly (no labels: pass {}), as a number; undefined when absent. */
export function sample (families: readonly ParsedFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort())
  const found = family(families, name).metrics.find((m) => JSON.stringify(Object.entries(m.labels ?? {}).sort()) === want)
  return found?.value === undefined ? (found?.count === undefined ? undefined : Number(found.count)) : Number(found.value)
}

/** A valid report body. */
export function report (login: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { login, remote: '192.0.2.1', pwhash: 'ab12', success: true, ...extra }
}

/** GET with Basic auth from a chosen source address (e.g. 127.0.0.2, to exercise the ACL). */
export function getFrom (url: string, localAddress: string): Promise<{ status: number, text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      localAddress,
      headers: { authorization: 'Basic ' + Buffer.from(`user:${PASSWORD}`).toString('base64') }
    }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => { text += c.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.on('error', reject)
    req.end()
  })
}

export interface Launched {
  readonly child: ChildProcess
  output (): string
  waitForOutput (text: string | RegExp, timeoutMs?: number): Promise<void>
  readonly exited: Promise<number | null>
  stop (signal?: NodeJS.Signals): Promise<number | null>
}

/** The CLI with exactly these arguments (startDaemon always adds -s), output collected. */
export function launch (args: readonly string[], opts: { cwd?: string, env?: NodeJS.ProcessEnv } = {}): Launched {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr.on('data', (c: Buffer) => { out += c.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let done = false
  void exited.then(() => { done = true })
  return {
    child,
    output: () => out,
    waitForOutput: async (text, timeoutMs = 15_000) => {
      const found = (): boolean => (typeof text === 'string' ? out.includes(text) : text.test(out))
      await eventually(() => found() || done, `${String(text)} in the output`, timeoutMs)
      if (!found()) throw new Error(`exited before ${String(text)}; output:\n${out}`)
    },
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    }
  }
}

/** The part of the `unix-dgram` API the tests use (the package ships no type declarations). */
interface DgramSocket {
  bind (path: string): void
  close (): void
  on (event: 'message', listener: (buf: Buffer) => void): this
  on (event: 'error', listener: (err: Error) => void): this
}

/** A bound AF_UNIX datagram socket collecting what it receives (syslog, NOTIFY_SOCKET). */
export class DatagramSink {
  readonly messages: string[] = []
  readonly #socket: DgramSocket
  constructor (readonly path: string) {
    const mod = require('unix-dgram') as { createSocket (type: 'unix_dgram', listener: (buf: Buffer) => void): DgramSocket }
    this.#socket = mod.createSocket('unix_dgram', (buf) => { this.messages.push(buf.toString()) })
    this.#socket.on('error', () => {})
    this.#socket.bind(path)
  }

  close (): void { this.#socket.close() }
}

/**
 * POST /command/CMD on a connection of its own (node:cluster hands new connections to the workers
 * in turn); the body parsed when it is JSON, else null.
 */
export function postFresh (d: RunningDaemon, cmd: string, body: unknown, password = PASSWORD): Promise<{ status: number, body: Record<string, unknown> | null }> {
  const payload = JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${d.url}/command/${cmd}`, {
      method: 'POST',
      agent: false,
      headers: {
        authorization: 'Basic ' + Buffer.from(`u:${password}`).toString('base64'),
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload)
      }
    }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { text += c })
      res.on('end', () => {
        let parsed: Record<string, unknown> | null
        try { parsed = JSON.parse(text) as Record<string, unknown> } catch { parsed = null }
        resolve({ status: res.statusCode ?? 0, body: parsed })
      })
    })
    req.on('error', reject)
    req.end(payload)
  })
}
