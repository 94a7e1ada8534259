import { spawn, spawnSync } from 'node:child_process'
import { track } from './processes.ts'

/** What one wrk run measured; latencies in milliseconds. */
export interface WrkResult {
  readonly requests: number
  readonly seconds: number
  readonly rps: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
  readonly mean: number
  readonly p75: number
  readonly p999: number
  /** Requests wrk gave up on after its 10 s timeout. */
  readonly timeouts: number
  /** Socket errors plus non-2xx/3xx responses plus timeouts. */
  readonly errors: number
  readonly non2xx: number
}

export interface WrkOptions {
  readonly url: string
  readonly script: string
  readonly seconds: number
  readonly connections: number
  readonly threads: number
  /** Passed to the script's init(args); the varying scripts use args[1] as a per-run nonce. */
  readonly scriptArgs?: readonly string[]
}

/** One line for a run's latency distribution; p99/mean is the fairness figure (a fair queue keeps it near 1–3). */
export function latencyDistribution (r: WrkResult): string {
  const ms = (v: number): string => v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`
  return `latency mean ${ms(r.mean)}  p50 ${ms(r.p50)}  p75 ${ms(r.p75)}  p90 ${ms(r.p90)}  p99 ${ms(r.p99)}  p99.9 ${ms(r.p999)}  max ${ms(r.max)}` +
    `  p99/mean ${r.mean > 0 ? (r.p99 / r.mean).toFixed(1) : '-'}  past the 10 s timeout ${r.timeouts}`
}

/** wrk's version line, or null when wrk is not installed. */
export function wrkVersion (): string | null {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' })
  if (r.error !== undefined) return null
  // `wrk --version` prints the banner and usage, then exits 1.
  return (r.stdout + r.stderr).split('\n')[0]?.trim() ?? 'wrk'
}

/**
 * The `done()` callback every bench script ends with: wrk hands it the merged latency histogram
 * of all threads, and printing JSON from there is sturdier than parsing wrk's human summary.
 */
export const WRK_DONE = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%.1f,"p90_us":%.1f,"p99_us":%.1f,"max_us":%.1f,' ..
    '"mean_us":%.1f,"p75_us":%.1f,"p999_us":%.1f,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, latency:percentile(75), latency:percentile(99.9), e.connect, e.read, e.write, e.status, e.timeout))
end
`

/** A Lua long-bracket literal: JSON bodies go into wrk scripts without any escaping. */
export function luaLiteral (text: string): string {
  let level = 1
  while (text.includes(']' + '='.repeat(level) + ']')) level++
  const eq = '='.repeat(level)
  return `[${eq}[${text}]${eq}]`
}

/** Runs wrk once (keep-alive is wrk's default) and parses the JSON line the script's done() printed. */
export function runWrk (o: WrkOptions): Promise<WrkResult> {
  const args = ['-t', String(o.threads), '-c', String(o.connections), '-d', `${o.seconds}s`, '--timeout', '10s', '-s', o.script, o.url, '--', ...(o.scriptArgs ?? [])]
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    track(child)
    let out = ''
    child.stdout.on('data', (c: Buffer) => { out += c.toString() })
    child.stderr.on('data', (c: Buffer) => { out += c.toString() })
    child.once('error', reject)
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('BENCH_JSON '))
      if (line === undefined) { reject(new Error(`wrk exited with code ${String(code)} without a result:\n${out}`)); return }
      const j = JSON.parse(line.slice('BENCH_JSON '.length)) as Record<string, number>
      const n = (k: string): number => j[k] ?? 0
      const seconds = n('duration_us') / 1e6
      resolve({
        requests: n('requests'),
        seconds,
        rps: seconds > 0 ? n('requests') / seconds : 0,
        p50: n('p50_us') / 1000,
        p90: n('p90_us') / 1000,
        p99: n('p99_us') / 1000,
        max: n('max_us') / 1000,
        mean: n('mean_us') / 1000,
        p75: n('p75_us') / 1000,
        p999: n('p999_us') / 1000,
        timeouts: n('timeout'),
        errors: n('connect') + n('read') + n('write') + n('status') + n('timeout'),
        non2xx: n('status')
      })
    })
  })
}
