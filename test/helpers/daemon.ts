import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The compiled CLI entry point (tests run from dist/test/...). */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))

export const PASSWORD = 'testpw'

export interface DaemonOptions {
  /** Lua appended after the default listener/password lines (unless `bare`). */
  readonly config: string
  /** When true, `config` is the whole file (no listener or password added). */
  readonly bare?: boolean
  readonly args?: readonly string[]
  /** The foreground flag: -s (default) or -D (timestamped logs). */
  readonly foreground?: '-s' | '-D'
  readonly env?: NodeJS.ProcessEnv
  /** Folder for the config file (a fresh temp folder by default). */
  readonly dir?: string
  /** Wait for this log text instead of the "trackalert ready" line; null: do not wait. */
  readonly waitFor?: string | null
  readonly timeoutMs?: number
}

export interface RunningDaemon {
  readonly child: ChildProcess
  readonly dir: string
  readonly configFile: string
  /** Base URL of the first HTTP listener, e.g. http://127.0.0.1:34567 */
  readonly url: string
  readonly port: number
  /** Everything written to stdout and stderr so far. */
  output (): string
  /** Resolves when `text` appears in the output (rejects after the timeout). */
  waitForOutput (text: string | RegExp, timeoutMs?: number): Promise<void>
  /**
   * Sends SIGTERM (default) and resolves with the exit code. With `killAfterMs`, a daemon still
   * running after that long (e.g. its event loop is stuck) gets SIGKILL.
   */
  stop (signal?: NodeJS.Signals, killAfterMs?: number): Promise<number | null>
  readonly exited: Promise<number | null>
}

/** Starts the real daemon (`trackalert -s -C FILE`) on a temp config with an HTTP listener on a free loopback port. */
export async function startDaemon (opts: DaemonOptions): Promise<RunningDaemon> {
  const dir = opts.dir ?? await mkdtemp(join(tmpdir(), 'trackalert-test-'))
  const configFile = join(dir, 'trackalert.conf')
  const head = opts.bare === true ? '' : `addListener("127.0.0.1:0", false, "", "", {})\nsetWebserverPassword("${PASSWORD}")\n`
  await writeFile(configFile, head + opts.config)
  const child = spawn(process.execPath, [CLI, opts.foreground ?? '-s', '-C', configFile, ...(opts.args ?? [])], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  const listeners = new Set<() => void>()
  const onData = (chunk: Buffer): void => { out += chunk.toString(); for (const l of listeners) l() }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const waitForOutput = (text: string | RegExp, timeoutMs = opts.timeoutMs ?? 15000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => (typeof text === 'string' ? out.includes(text) : text.test(out))
      if (check()) { resolve(); return }
      const timer = setTimeout(() => { listeners.delete(l); reject(new Error(`timed out waiting for ${String(text)}; output:\n${out}`)) }, timeoutMs)
      const l = (): void => { if (check()) { clearTimeout(timer); listeners.delete(l); resolve() } }
      listeners.add(l)
      void exited.then(() => { if (!check()) { clearTimeout(timer); listeners.delete(l); reject(new Error(`daemon exited before ${String(text)}; output:\n${out}`)) } })
    })
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', killAfterMs?: number): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    if (killAfterMs !== undefined) {
      const timer = setTimeout(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') }, killAfterMs)
      void exited.then(() => clearTimeout(timer))
    }
    return exited
  }
  let port = 0
  if (opts.waitFor !== null) {
    try {
      await waitForOutput(opts.waitFor ?? 'trackalert ready')
    } catch (err) {
      await stop('SIGKILL')
      throw err
    }
    const m = /listening for HTTP commands address="[^"]*:(\d+)"/.exec(out)
    port = m === null ? 0 : Number(m[1])
  }
  return { child, dir, configFile, url: `http://127.0.0.1:${port}`, port, output: () => out, waitForOutput, stop, exited }
}

export interface JsonResponse {
  status: number
  headers: Headers
  body: any // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string
}

/** A request with Basic auth (unless `auth: false`); parses JSON bodies. */
export async function request (url: string, init: { method?: string, body?: unknown, auth?: boolean | string, headers?: Record<string, string> } = {}): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...init.headers }
  if (init.auth !== false) headers.authorization = 'Basic ' + Buffer.from(`user:${typeof init.auth === 'string' ? init.auth : PASSWORD}`).toString('base64')
  let body: string | undefined
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body)
    headers['content-type'] = 'application/json'
  }
  const res = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body })
  const text = await res.text()
  let parsed: unknown
  try { parsed = JSON.parse(text) } catch { parsed = null }
  return { status: res.status, headers: res.headers, body: parsed, text }
}
