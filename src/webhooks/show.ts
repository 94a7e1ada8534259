/** Per-hook delivery figures; plain data so worker processes can send and sum them. */
export interface WebhookHookStats {
  id: number
  name: string
  url: string
  successes: number
  failures: number
  drops: number
}

/** Adds figures from several workers, matching hooks by id (all workers load the same config). */
export function sumWebhookStats (perWorker: ReadonlyArray<readonly WebhookHookStats[]>): WebhookHookStats[] {
  const byId = new Map<number, WebhookHookStats>()
  for (const list of perWorker) {
    for (const s of list) {
      const total = byId.get(s.id)
      if (total === undefined) byId.set(s.id, { ...s })
      else {
        total.successes += s.successes
        total.failures += s.failures
        total.drops += s.drops
      }
    }
  }
  return [...byId.values()].sort((a, b) => a.id - b.id)
}

function col (text: string, width: number, truncate = false): string {
  const t = truncate && text.length > width ? text.slice(0, width) : text
  return t.padEnd(width)
}

function row (id: string, name: string, successes: string, failures: string, url: string): string {
  // Upstream's printf layout "%-9d %-20.20s %-9d %-9d %-s\n": left-aligned, name cut at 20.
  return `${col(id, 9)} ${col(name, 20, true)} ${col(successes, 9)} ${col(failures, 9)} ${url}\n`
}

/** The console's showCustomWebHooks() table. */
export function formatCustomWebHooks (stats: readonly WebhookHookStats[]): string {
  let out = row('ID', 'Name', 'Successes', 'Failures', 'URL')
  for (const s of stats) out += row(String(s.id), s.name, String(s.successes), String(s.failures), s.url)
  return out
}
