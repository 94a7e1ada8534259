/**
 * Starts the real daemon (dist/src/cli/main.js) for a replay, on a generated config. History and
 * policies are asked for with `setHistory{...}` and `enablePolicies()`; a build that does not know
 * them refuses the config, and the replay then starts without what is missing and says so.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const DAEMON_CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
export const EVAL_PASSWORD = 'eval-replay'

export interface EvalDaemon {
  readonly url: string
  readonly child: ChildProcess
  readonly features: { readonly history: boolean, readonly policies: boolean }
  /** What the replay could not turn on, in words, for the results. */
  readonly notes: readonly string[]
  output (): string
  stop (): Promise<number | null>
}

export interface DaemonFeatures { history: boolean, policies: boolean }

/**
 * The replay's config. `geoDb`: the generator's own database when it is not the bundled default,
 * opened under a name and given to history, so the daemon places every address where the
 * generator put it.
 */
export function evalConfig (f: DaemonFeatures, geoDb: string | null = null): string {
  const geo = geoDb === null ? '' : ', geoip = "EvalCity"'
  return [
    'addListener("127.0.0.1:0", false, "", "", {})',
    `setWebserverPassword("${EVAL_PASSWORD}")`,
    'setACL({"127.0.0.0/8", "::1/128"})',
    // One serving process: each report's detection then sees every earlier report. With several
    // worker processes a report queued in another one is seen one commit interval (5 ms) later,
    // which an accelerated replay turns into seconds of event time (docs/evaluation.md).
    'setNumWorkerThreads(1)',
    geoDb === null ? '-- places come from the bundled DB-IP City Lite database' : `newGeoIP2DB("EvalCity", ${JSON.stringify(geoDb)})`,
    f.history ? `setHistory{ backend = "sqlite", path = "history.db"${geo} }` : '-- setHistory is not supported by this build',
    f.policies ? 'enablePolicies()' : '-- enablePolicies is not supported by this build',
    // An empty report function: reports take the same Lua path as on a real site.
    'setReport(function(lt) end)',
    ''
  ].join('\n')
}

interface Started { child: ChildProcess, port: number, output: () => string, exited: Promise<number | null> }

async function launch (cli: string, dir: string, config: string, timeoutMs: number): Promise<Started> {
  const file = join(dir, 'trackalert.conf')
  await writeFile(file, config)
  const child = spawn(process.execPath, [cli, '-s', '-C', file], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const port = await new Promise<number>((resolve, reject) => {
    const fail = (why: string): void => { clearTimeout(timer); child.kill('SIGKILL'); reject(new Error(`${why}; output:\n${out.slice(0, 4000)}`)) }
    const timer = setTimeout(() => fail(`the daemon did not start within ${timeoutMs} ms`), timeoutMs)
    const onData = (chunk: Buffer): void => {
      // Keep the head and a tail: a long replay must not grow this without bound.
      out = out.length < 256 * 1024 ? out + chunk.toString() : out.slice(0, 64 * 1024) + out.slice(-64 * 1024) + chunk.toString()
      const m = /listening for HTTP commands address="[^"]*:(\d+)"/.exec(out)
      if (m !== null && out.includes('trackalert ready')) { clearTimeout(timer); resolve(Number(m[1])) }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    void exited.then((code) => fail(`the daemon exited with code ${String(code)}`))
  })
  return { child, port, output: () => out, exited }
}

/** The config function the daemon refused ("attempt to call a nil value (global 'enablePolicies')"), if any. */
export function refusedFunction (message: string): string | null {
  const m = /attempt to call a nil value \((?:global|field) '(\w+)'\)/.exec(message)
  return m === null ? null : m[1]!
}

/** `cli`: another build's dist/src/cli/main.js, to evaluate it with this harness. */
export async function startEvalDaemon (dir: string, geoDb: string | null, cli = DAEMON_CLI, timeoutMs = 30_000): Promise<EvalDaemon> {
  const features: DaemonFeatures = { history: true, policies: true }
  const notes: string[] = []
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const s = await launch(cli, dir, evalConfig(features, geoDb), timeoutMs)
      const stop = async (): Promise<number | null> => {
        if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM')
        const timer = setTimeout(() => s.child.kill('SIGKILL'), 15_000)
        const code = await s.exited
        clearTimeout(timer)
        return code
      }
      return { url: `http://127.0.0.1:${s.port}`, child: s.child, features: { ...features }, notes, output: s.output, stop }
    } catch (err) {
      const refused = refusedFunction((err as Error).message)
      if (refused === 'setHistory' && features.history) {
        features.history = false
        notes.push('this daemon build has no setHistory: replayed without history (no per-report risk from history)')
      } else if (refused === 'enablePolicies' && features.policies) {
        features.policies = false
        notes.push('this daemon build has no enablePolicies: replayed without built-in policies (expect zero detections)')
      } else {
        throw err
      }
    }
  }
  throw new Error('the daemon refused every config variant')
}
