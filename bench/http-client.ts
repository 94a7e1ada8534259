/** Small fetch helpers for probing the daemon and the receiver on loopback. */

const auth = (password: string): Record<string, string> =>
  password === '' ? {} : { authorization: 'Basic ' + Buffer.from(`bench:${password}`).toString('base64') }

export async function postJson (port: number, path: string, password: string, body: string): Promise<{ status: number, text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { ...auth(password), 'content-type': 'application/json' }, body })
  return { status: res.status, text: await res.text() }
}

export async function getText (port: number, path: string, password: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: auth(password) })
  return await res.text()
}

export async function getJson (port: number, path: string, password: string): Promise<unknown> {
  return JSON.parse(await getText(port, path, password)) as unknown
}

/** Prometheus samples whose line matches `pattern`, as `name{labels}` → value. */
export async function metricValues (port: number, password: string, pattern: RegExp): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const line of (await getText(port, '/metrics', password)).split('\n')) {
    if (line.startsWith('#') || !pattern.test(line)) continue
    const cut = line.lastIndexOf(' ')
    out[line.slice(0, cut)] = Number(line.slice(cut + 1))
  }
  return out
}

/** Polls `check` every 100 ms until it holds or `timeoutMs` passes. */
export async function waitFor (check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return false
}
