/** The results table (printed and written as Markdown) and the JSON file with everything measured. */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Score } from './score/score.ts'

const pct = (v: number | null): string => v === null ? '—' : (v * 100).toFixed(1) + '%'
const num = (v: number | null, digits = 2): string => v === null ? '—' : v.toFixed(digits)

export function resultsMarkdown (s: Score, head: readonly string[]): string {
  const lines = [...head, '', '| policy | alerts | false | precision | attacks targeted | caught | recall | false / 10K users / day |', '|---|---:|---:|---:|---:|---:|---:|---:|']
  for (const p of s.policies) lines.push(`| ${p.policy} | ${p.alerts} | ${p.falseAlerts} | ${pct(p.precision)} | ${p.targets} | ${p.caught} | ${pct(p.recall)} | ${num(p.falsePer10kUsersPerDay)} |`)
  lines.push('', '| injected attack | labels | caught by any alert | recall | caught by |', '|---|---:|---:|---:|---|')
  for (const a of s.attacks) {
    const by = Object.entries(a.caughtBy).sort().map(([k, v]) => `${k} ${v}`).join(', ')
    lines.push(`| ${a.type} | ${a.labels} | ${a.caughtByAny} | ${pct(a.recallAny)} | ${by === '' ? '—' : by} |`)
  }
  const r = s.risk
  lines.push('',
    `- false admin alerts (spray, stuffing, distributed, compromise, impossible travel) per 10K users per day: **${num(s.adminFalsePer10kUsersPerDay)}** (target ≤ 1)`,
    `- user notifications (new_device, new_country) from legitimate behaviour per user per month: **${num(s.userNotificationsPerUserPerMonth, 3)}** (target ≤ 1)`,
    r.source === null
      ? `- risk score: not available (${r.note ?? ''})`
      : `- risk score (from ${r.source}; ${r.takeovers} takeover and ${r.legit} legitimate successful logins): ROC AUC **${num(r.auc, 3)}**; threshold catching 95% of takeovers ${num(r.threshold95, 3)}, legitimate successes at or above it **${pct(r.legitAboveShare)}** (target ≤ 2%)${r.note === null ? '' : ` — ${r.note}`}`)
  if (r.curve.length > 0) lines.push(`- risk at or above a threshold, takeovers / legitimate successes: ${r.curve.map((c) => `${c.threshold} ${pct(c.takeovers)} / ${pct(c.legit)}`).join(', ')}`)
  if (Object.keys(s.otherAlertTypes).length > 0) lines.push(`- other alert types: ${Object.entries(s.otherAlertTypes).map(([k, v]) => `${k} ${v}`).join(', ')}`)
  return lines.join('\n') + '\n'
}

export async function writeResults (dir: string, seed: number, json: unknown, markdown: string, now = new Date()): Promise<{ json: string, md: string }> {
  await mkdir(dir, { recursive: true })
  const stem = `${now.toISOString().replace(/:/g, '-')}-seed${seed}`
  const files = { json: join(dir, `${stem}.json`), md: join(dir, `${stem}.md`) }
  await writeFile(files.json, JSON.stringify(json, null, 1) + '\n')
  await writeFile(files.md, markdown)
  return files
}
