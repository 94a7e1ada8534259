/**
 * `npm run eval`: generates the labelled stream for a seed, replays it through the real daemon,
 * scores the alerts and prints the table; writes eval/results/<timestamp>-seed<seed>.{json,md}.
 * See docs/evaluation.md.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defaultGeoDbPath, loadCatalog } from './geo/catalog.ts'
import { generateStream } from './generate.ts'
import { replay } from './replay/replay.ts'
import { resultsMarkdown, writeResults } from './results.ts'
import { Rng } from './rng.ts'
import { score } from './score/score.ts'
import { readSettings, type EvalSettings } from './settings.ts'
import { streamFacts, streamFactsMarkdown } from './stream-facts.ts'

/** eval/results in the source tree: the nearest folder above this compiled file holding eval/run.ts. */
function sourceResultsDir (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'eval', 'run.ts')) && dirname(dir) !== dir) dir = dirname(dir)
  return join(dir, 'eval', 'results')
}

const seconds = (since: bigint): number => Math.round(Number(process.hrtime.bigint() - since) / 1e6) / 1000

export async function runEval (s: EvalSettings, log: (line: string) => void): Promise<{ json: string, md: string }> {
  const geoDb = s.geoDb ?? defaultGeoDbPath()
  let t = process.hrtime.bigint()
  const catalog = await loadCatalog(geoDb, new Rng(s.seed).fork('geo'), s.geoSamples)
  const catalogSeconds = seconds(t)
  t = process.hrtime.bigint()
  const stream = generateStream(catalog, { seed: s.seed, users: s.users, days: s.days })
  const generateSeconds = seconds(t)
  const facts = streamFacts(stream, catalog)
  log(`generated ${stream.reports.length} reports and ${stream.labels.length} attack labels for ${s.users} users over ${s.days} days (seed ${s.seed}) in ${generateSeconds} s`)
  const dir = await mkdtemp(join(tmpdir(), 'trackalert-eval-'))
  t = process.hrtime.bigint()
  try {
    const r = await replay(stream.reports, stream.population.users.map((u) => u.login), { dir, geoDb: s.geoDb, daemon: s.daemon, concurrency: s.concurrency, log })
    const replaySeconds = seconds(t)
    log(`replayed ${r.post.sent} reports in ${r.post.seconds.toFixed(1)} s (${Math.round(r.post.sent / r.post.seconds)}/s), ${r.post.failed} refused; ${r.alerts.length} alerts`)
    for (const f of r.post.failures) log(`  refused: ${f}`)
    const result = score({ users: s.users, days: s.days, reports: stream.reports, labels: stream.labels, alerts: r.alerts, historyRisk: r.historyRisk, historyRiskNote: r.historyRiskNote })
    const head = [
      `# trackalert evaluation: seed ${s.seed}, ${s.users} users × ${s.days} days (${s.preset} preset)`,
      '',
      `${stream.reports.length} reports, ${stream.labels.length} labelled attacks; replayed in ${r.post.seconds.toFixed(1)} s ` +
        `(${Math.round(r.post.sent / r.post.seconds)} reports/s, ${r.post.failed} refused); ${r.alerts.length} alerts read. ` +
        `Daemon config: history ${r.features.history ? 'on' : 'OFF'}, policies ${r.features.policies ? 'on' : 'OFF'}.`,
      ...r.notes.map((n) => `- note: ${n}`),
      ...streamFactsMarkdown(facts)
    ]
    const md = resultsMarkdown(result, head)
    log('\n' + md)
    const json = {
      settings: { ...s, geoDb },
      generator: stream.options,
      stream: facts,
      timings: { catalogSeconds, generateSeconds, replaySeconds, postSeconds: r.post.seconds },
      replay: { features: r.features, notes: r.notes, sent: r.post.sent, refused: r.post.failed, refusals: r.post.failures, alerts: r.alerts.length, daemonExitCode: r.daemonExitCode },
      score: result,
      labels: stream.labels.map((l) => ({ ...l, report_ids: l.report_ids })),
      alerts: r.alerts
    }
    return await writeResults(s.outDir ?? sourceResultsDir(), s.seed, json, md)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const files = await runEval(readSettings(process.argv.slice(2), process.env), (line) => console.log(line))
    console.log(`results: ${files.json}\n         ${files.md}`)
  } catch (err) {
    console.error(`eval: ${(err as Error).message}`)
    process.exitCode = 1
  }
}
