/**
 * Prints a results file as the Markdown table docs/performance.md uses:
 * `node dist/bench/table.js bench/results/<timestamp>.json` (default: the newest file).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type ScenarioResult } from './summary.ts'

interface ResultsFile {
  started: string
  machine: { revision?: string, node: string, cpus: number }
  settings: { duration: number, rounds: number, bareProcesses?: number }
  scenarios: ScenarioResult[]
}

function newest (dir: string): string {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
  const last = files[files.length - 1]
  if (last === undefined) throw new Error(`no results in ${dir}`)
  return join(dir, last)
}

const file = process.argv[2] ?? newest('bench/results')
const r = JSON.parse(readFileSync(file, 'utf8')) as ResultsFile
const out = [
  `Run ${r.started} at ${r.machine.revision ?? '?'}, ${r.settings.rounds} × ${r.settings.duration} s per server, medians.` +
    ((r.settings.bareProcesses ?? 1) > 1 ? ` Baseline: a node:cluster of ${r.settings.bareProcesses ?? 1} bare servers.` : ''),
  '',
  '| scenario | req/s ratio | trackalert req/s | bare req/s | p50 trackalert / bare | p99 trackalert / bare | p99 ratio | daemon CPU µs/req (bare) | other load | peak RSS |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
]
for (const s of r.scenarios) {
  const t = s.trackalert
  const b = s.bare
  if (s.status !== 'ok' || t === undefined || b === undefined || s.ratio === undefined) {
    out.push(`| ${s.name} | ${s.status}: ${s.skipReason ?? ''} | | | | | | | | |`)
    continue
  }
  const other = Math.max(t.median.otherCores ?? 0, b.median.otherCores ?? 0)
  out.push(`| ${s.name} | **${s.ratio.rps.toFixed(2)}** | ${t.median.rps.toFixed(0)} | ${b.median.rps.toFixed(0)} | ` +
    `${t.median.p50.toFixed(2)} / ${b.median.p50.toFixed(2)} ms | ${t.median.p99.toFixed(2)} / ${b.median.p99.toFixed(2)} ms | ` +
    `${s.ratio.p99.toFixed(2)} | ${t.median.cpuUsPerRequest.toFixed(0)} (${b.median.cpuUsPerRequest.toFixed(0)}) | ` +
    `${other.toFixed(2)} cores | ${t.peakRssMiB.toFixed(0)} MiB |`)
}
process.stdout.write(out.join('\n') + '\n')
