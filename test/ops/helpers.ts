// Shared by the ops tests: a real unix datagram socket bound in a private temp dir, and the repo root.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createUnixDgramSocket } from '../../src/ops/unix-socket.ts'

export interface DgramReceiver {
  readonly path: string
  /** Resolves with the next datagram (already received ones first); rejects after `timeoutMs`. */
  next (timeoutMs?: number): Promise<string>
  close (): Promise<void>
}

/** Binds at `at` when given (the caller owns that directory), otherwise in a fresh temp dir removed on close. */
export async function bindReceiver (at?: string): Promise<DgramReceiver> {
  const dir = at === undefined ? await mkdtemp(join(tmpdir(), 'ta-ops-')) : undefined
  const path = at ?? join(dir as string, 'sock')
  const queue: string[] = []
  let waiter: ((msg: string) => void) | undefined
  const socket = createUnixDgramSocket((buf) => {
    const msg = buf.toString('utf8')
    if (waiter !== undefined) {
      const w = waiter
      waiter = undefined
      w(msg)
    } else {
      queue.push(msg)
    }
  })
  let bindError: Error | undefined
  socket.on('error', (err) => { bindError = err })
  socket.bind(path)
  if (bindError !== undefined) throw bindError
  return {
    path,
    next (timeoutMs = 5000) {
      const queued = queue.shift()
      if (queued !== undefined) return Promise.resolve(queued)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = undefined
          reject(new Error('no datagram received'))
        }, timeoutMs)
        waiter = (msg) => {
          clearTimeout(timer)
          resolve(msg)
        }
      })
    },
    async close () {
      socket.close()
      if (dir !== undefined) await rm(dir, { recursive: true, force: true })
    }
  }
}

/** Walks up from the compiled test file to the checkout's package.json (works from dist/ and .build/<area>/). */
export function repoRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (true) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'trackalert') return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error('repository root not found')
    dir = parent
  }
}

export interface FixtureProcess {
  readonly child: ChildProcess
  /** Resolves with the first stdout line matching `pattern` (earlier lines included). */
  waitForLine (pattern: RegExp, timeoutMs?: number): Promise<string>
  /** Resolves once `count` stdout lines match `pattern`. */
  waitForLines (pattern: RegExp, count: number, timeoutMs?: number): Promise<void>
  readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }>
}

/** Starts a compiled fixture script from ./fixtures with TA_OPS_FIXTURE=<name> so it knows it is wanted. */
export function startFixture (name: string, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): FixtureProcess {
  const script = fileURLToPath(new URL(`./fixtures/${name}-entry.js`, import.meta.url))
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv, TA_OPS_FIXTURE: name }
  delete env.TRACKALERT_DAEMON_CHILD
  delete env.NOTIFY_SOCKET
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  const watchers: Array<{ pattern: RegExp, count: number, resolve: () => void }> = []
  const matching = (pattern: RegExp): string[] => stdout.split('\n').filter((l) => pattern.test(l))
  child.stdout.setEncoding('utf8')
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => { stderr += chunk })
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk
    for (const w of [...watchers]) {
      if (matching(w.pattern).length >= w.count) {
        watchers.splice(watchers.indexOf(w), 1)
        w.resolve()
      }
    }
  })
  const waitForLines = (pattern: RegExp, count: number, timeoutMs = 10000): Promise<void> => {
    if (matching(pattern).length >= count) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`fewer than ${count} lines matching ${pattern} in:\n${stdout}\n${stderr}`)) }, timeoutMs)
      watchers.push({ pattern, count, resolve: () => { clearTimeout(timer); resolve() } })
    })
  }
  // Hang guard: a fixture that never exits is killed so the test fails instead of blocking the run.
  const guard = setTimeout(() => { child.kill('SIGKILL') }, 30000)
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(guard)
      resolve({ code, signal, stdout, stderr })
    })
  })
  return {
    child,
    exited,
    waitForLines,
    async waitForLine (pattern, timeoutMs) {
      await waitForLines(pattern, 1, timeoutMs)
      return matching(pattern)[0] as string
    }
  }
}
