import { createServer } from 'node:net'

/** A loopback port that was free a moment ago (for daemons whose log level hides the listening line). */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

/** Polls `url` until it answers (any status); rejects after `timeoutMs` or when `exited` settles first. */
export async function waitUntilServing (url: string, exited: Promise<unknown>, timeoutMs = 15_000): Promise<void> {
  let gone = false
  void exited.then(() => { gone = true })
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (gone) throw new Error(`daemon exited before serving ${url}`)
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) })
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`)
}
