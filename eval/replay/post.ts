/**
 * Posts the stream to `/command/report` as fast as the daemon takes it: keep-alive connections, a
 * bounded number of reports in flight, and per login strictly one after another (the next report
 * of a login leaves only once the previous one was answered), so per-login event order holds.
 */
import { Pool } from 'undici'
import type { Report } from '../generate.ts'

export interface PostResult {
  readonly sent: number
  readonly failed: number
  /** The first few failure reasons (status and body, or the error). */
  readonly failures: readonly string[]
  readonly seconds: number
}

export interface PostOptions {
  readonly url: string
  readonly password: string
  readonly concurrency?: number
  /** Called every `progressEvery` reports with the count sent so far. */
  readonly onProgress?: (sent: number) => void
  readonly progressEvery?: number
}

export async function postReports (reports: readonly Report[], opts: PostOptions): Promise<PostResult> {
  const concurrency = opts.concurrency ?? 16
  const pool = new Pool(opts.url, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 })
  const headers = { authorization: 'Basic ' + Buffer.from(`eval:${opts.password}`).toString('base64'), 'content-type': 'application/json' }
  const lastOfLogin = new Map<string, Promise<void>>()
  const failures: string[] = []
  let failed = 0
  let sent = 0
  let cursor = 0
  const started = process.hrtime.bigint()

  const send = async (r: Report): Promise<void> => {
    try {
      const res = await pool.request({ path: '/command/report', method: 'POST', headers, body: JSON.stringify(r.body) })
      const text = await res.body.text()
      if (res.statusCode !== 200) {
        failed++
        if (failures.length < 5) failures.push(`report ${r.id}: ${res.statusCode} ${text.slice(0, 200)}`)
      }
    } catch (err) {
      failed++
      if (failures.length < 5) failures.push(`report ${r.id}: ${(err as Error).message}`)
    }
    sent++
    if (opts.onProgress !== undefined && sent % (opts.progressEvery ?? 10_000) === 0) opts.onProgress(sent)
  }

  const worker = async (): Promise<void> => {
    while (cursor < reports.length) {
      const r = reports[cursor++]!
      const prev = lastOfLogin.get(r.body.login)
      const mine = prev === undefined ? send(r) : prev.then(() => send(r))
      lastOfLogin.set(r.body.login, mine)
      await mine
      if (lastOfLogin.get(r.body.login) === mine) lastOfLogin.delete(r.body.login)
    }
  }
  try {
    await Promise.all(Array.from({ length: concurrency }, worker))
  } finally {
    await pool.close()
  }
  return { sent, failed, failures, seconds: Number(process.hrtime.bigint() - started) / 1e9 }
}
