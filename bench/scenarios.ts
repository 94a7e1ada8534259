import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { customBody, habitualLoginRemoteScript, reportBody, staticScript, randomLoginRemoteScript, randomRemoteScript, uniqueUaScript } from './bodies.ts'
import { writeBenchCityDb } from './geo-db.ts'
import { measureInsertRate } from './history-postgres.ts'
import { getJson, metricValues, postJson, waitFor } from './http-client.ts'
import { type Server } from './processes.ts'

/** What a scenario needs at run time. */
export interface ScenarioContext {
  readonly dir: string
  readonly password: string
  /** Port of the loopback webhook receiver (0 when the scenario has none). */
  readonly receiverPort: number
  /** URL of the PostgreSQL server the bench started for the scenario ('' when it has none). */
  readonly postgresUrl: string
}

/** The outcome of checking a freshly started daemon: a reason to skip, notes, and facts for the JSON. */
export interface ProbeResult {
  skip?: string
  notes: string[]
}

export interface Scenario {
  readonly name: string
  readonly description: string
  readonly path: string
  readonly needsReceiver: boolean
  /** The bench starts a PostgreSQL server of its own (bench/postgres-server.ts) for this scenario. */
  readonly needsPostgres?: boolean
  /**
   * Lua config of a daemon that replaces the bare server as the baseline, so the ratio compares the
   * daemon with and without one feature (history on / history off).
   */
  baselineConfig? (ctx: ScenarioContext): Promise<string>
  /** wrk connections for this scenario (both servers), when not the run's default. */
  readonly connections?: number
  /** wrk threads for this scenario, when not the run's default (BENCH_THREADS). */
  readonly threads?: number
  /** Print each run's latency distribution (percentiles, mean, timeouts), not only p50/p99. */
  readonly distribution?: boolean
  /** Lua for trackalert.conf after the listener and password lines. */
  config (ctx: ScenarioContext): Promise<string>
  wrkScript (ctx: ScenarioContext): string
  /** One request as the probe sends it (the same shape wrk sends). */
  readonly sampleBody: string
  probe? (daemon: Server, ctx: ScenarioContext, receiver: Server | null): Promise<ProbeResult>
  /** Facts read after the measured runs (delivered webhooks, cache hit counts). */
  after? (daemon: Server, ctx: ScenarioContext, receiver: Server | null): Promise<Record<string, number>>
}

/** The work every report function does: read login, the address as text, success and one attr. */
const READ_TUPLE = `  local login = lt.login
  local ip = lt.remote:tostring()
  local realm = lt.attrs["realm"]
  if lt.success and login ~= "" and ip ~= "" and realm ~= nil then incCustomStat("reports_seen") end`

function baseConfig (reportExtra = '', top = ''): string {
  return `setNumLuaStates(6)
addCustomStat("reports_seen")
${top}
function report(lt)
${READ_TUPLE}
${reportExtra}
end
setReport(report)

function echoRealm(args)
  return true, { realm = args.attrs["realm"] or "" }
end
setCustomEndpoint("echoRealm", echoRealm)
`
}

const customStat = async (daemon: Server, ctx: ScenarioContext, name: string): Promise<number> => {
  const stats = await getJson(daemon.port, '/command/stats', ctx.password) as { customstats?: Record<string, number> }
  return stats.customstats?.[name] ?? 0
}

const DEVICE_CONFIG = baseConfig(`  local da = lt.device_attrs
  if da ~= nil and (da["browser.family"] or "") ~= "" then incCustomStat("device_parsed") end`, 'addCustomStat("device_parsed")')

async function deviceProbe (daemon: Server, ctx: ScenarioContext): Promise<ProbeResult> {
  if (await customStat(daemon, ctx, 'device_parsed') > 0) return { notes: [] }
  return { notes: ['device parsing is not wired yet: lt.device_attrs stayed empty, so this measures the report path without parsing'] }
}

async function deviceCache (daemon: Server, ctx: ScenarioContext): Promise<Record<string, number>> {
  return await metricValues(daemon.port, ctx.password, /^trackalert_device_cache_(hits|misses)_total/)
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'report',
    description: 'POST /command/report; report() reads login, remote:tostring(), success, one attr; incCustomStat',
    path: '/command/report',
    needsReceiver: false,
    sampleBody: reportBody(),
    config: async () => baseConfig(),
    wrkScript: (ctx) => staticScript(ctx.password, reportBody())
  },
  {
    name: 'custom',
    description: 'POST /command/echoRealm: a custom endpoint returning one attr',
    path: '/command/echoRealm',
    needsReceiver: false,
    sampleBody: customBody(),
    config: async () => baseConfig(),
    wrkScript: (ctx) => staticScript(ctx.password, customBody())
  },
  {
    name: 'webhook',
    description: 'report() also calls runCustomWebHook for every report, delivered to a loopback receiver',
    path: '/command/report',
    needsReceiver: true,
    sampleBody: reportBody(),
    config: async (ctx) => baseConfig(`  runCustomWebHook("bench", '{"login":"' .. login .. '","ip":"' .. ip .. '"}')`,
      `local hook = {}\nhook["url"] = "http://127.0.0.1:${ctx.receiverPort}/hook"\naddCustomWebHook("bench", hook)`),
    wrkScript: (ctx) => staticScript(ctx.password, reportBody()),
    probe: async (_daemon, _ctx, receiver) => {
      const port = receiver?.port ?? 0
      const delivered = await waitFor(async () => ((await getJson(port, '/count', '')) as { count: number }).count > 0, 5000)
      return delivered ? { notes: [] } : { skip: 'runCustomWebHook() was accepted but no delivery reached the receiver within 5 s', notes: [] }
    },
    after: async (daemon, ctx, receiver) => ({
      delivered: ((await getJson(receiver?.port ?? 0, '/count', '')) as { count: number }).count,
      ...await metricValues(daemon.port, ctx.password, /^trackalert_(custom_webhook_events_total|webhook_dropped_total)/)
    })
  },
  {
    name: 'lua-wait',
    description: 'report() awaits http.request to a loopback backend that answers after 5 ms; 200 connections',
    path: '/command/report',
    needsReceiver: true,
    connections: 200,
    sampleBody: reportBody(),
    // Per-origin connections above the load's 200, so the HTTP client's pool is not what limits.
    config: async (ctx) => baseConfig(`  local status = http.request{ url = "http://127.0.0.1:${ctx.receiverPort}/slow?ms=5" }
  if status == 200 then incCustomStat("backend_ok") end`, 'addCustomStat("backend_ok")\nsetLuaHttpOptions{ connections = 256 }'),
    wrkScript: (ctx) => staticScript(ctx.password, reportBody()),
    probe: async (daemon, ctx) => (await customStat(daemon, ctx, 'backend_ok')) > 0
      ? { notes: [] }
      : { skip: 'the report function\'s http.request to the loopback backend did not answer 200', notes: [] },
    after: async (daemon, ctx) => ({ backend_ok: await customStat(daemon, ctx, 'backend_ok') })
  },
  {
    name: 'overload-fair',
    description: 'report() busy-loops ~2 ms of CPU; 400 connections, 2 wrk threads: closed-loop overload, fair waiting',
    path: '/command/report',
    needsReceiver: false,
    connections: 400,
    threads: 2,
    distribution: true,
    sampleBody: reportBody(),
    // A fixed number of iterations rather than os.clock: the same CPU per report however busy the machine is.
    config: async () => baseConfig('  local x = 0\n  for i = 1, 15000 do x = x + i % 7 end'),
    wrkScript: (ctx) => staticScript(ctx.password, reportBody())
  },
  {
    name: 'device-cold',
    description: 'report without device_attrs, a never-seen user agent on every request (device cache miss)',
    path: '/command/report',
    needsReceiver: false,
    sampleBody: reportBody(),
    config: async () => DEVICE_CONFIG,
    wrkScript: (ctx) => uniqueUaScript(ctx.password),
    probe: deviceProbe,
    after: deviceCache
  },
  {
    name: 'device-warm',
    description: 'report without device_attrs, the same user agent every time (device cache hit)',
    path: '/command/report',
    needsReceiver: false,
    sampleBody: reportBody(),
    config: async () => DEVICE_CONFIG,
    wrkScript: (ctx) => staticScript(ctx.password, reportBody()),
    probe: deviceProbe,
    after: deviceCache
  },
  {
    name: 'history-write',
    description: 'the report scenario with login history on (SQLite, bundled DB-IP geo): 100K users at random addresses (the worst case: every report adds profile rows); compare its req/s with report',
    path: '/command/report',
    needsReceiver: false,
    sampleBody: reportBody(undefined, '16.1.2.3'),
    config: async (ctx) => baseConfig('', `setHistory{ backend = "sqlite", path = "${join(ctx.dir, 'bench-history.db')}" }`),
    wrkScript: (ctx) => randomLoginRemoteScript(ctx.password),
    after: async (daemon, ctx) => await metricValues(daemon.port, ctx.password, /^trackalert_history_(reports_written_total|dropped_total|commits_total)/)
  },
  {
    name: 'history-habits',
    description: 'history-write with logins that have habits (each user mostly from a home, workplace or carrier network; 2% from anywhere)',
    path: '/command/report',
    needsReceiver: false,
    sampleBody: reportBody(undefined, '16.1.2.3'),
    config: async (ctx) => baseConfig('', `setHistory{ backend = "sqlite", path = "${join(ctx.dir, 'bench-history.db')}" }`),
    wrkScript: (ctx) => habitualLoginRemoteScript(ctx.password),
    after: async (daemon, ctx) => await metricValues(daemon.port, ctx.password, /^trackalert_history_(reports_written_total|dropped_total|commits_total)/)
  },
  {
    name: 'history-policies',
    description: 'history-habits with every built-in policy on (enablePolicies(): reads per report, risk score, alerts to the store)',
    path: '/command/report',
    needsReceiver: false,
    sampleBody: reportBody(undefined, '16.1.2.3'),
    config: async (ctx) => baseConfig('', `setHistory{ backend = "sqlite", path = "${join(ctx.dir, 'bench-history.db')}" }\nenablePolicies()`),
    wrkScript: (ctx) => habitualLoginRemoteScript(ctx.password),
    after: async (daemon, ctx) => await metricValues(daemon.port, ctx.password, /^trackalert_(history_(reports_written_total|dropped_total|commits_total)|alerts_total)/)
  },
  {
    name: 'history-postgres',
    description: 'the report scenario with login history on PostgreSQL (a server the bench starts), 100K users at random addresses; baseline: the same daemon with history off',
    path: '/command/report',
    needsReceiver: false,
    needsPostgres: true,
    sampleBody: reportBody(undefined, '16.1.2.3'),
    config: async (ctx) => baseConfig('', `setHistory{ backend = "postgres", url = "${ctx.postgresUrl}" }`),
    baselineConfig: async () => baseConfig(),
    wrkScript: (ctx) => randomLoginRemoteScript(ctx.password),
    after: async (daemon, ctx) => {
      const written = await metricValues(daemon.port, ctx.password, /^trackalert_history_(reports_written_total|dropped_total|commits_total)/)
      const insert = await measureInsertRate(ctx.postgresUrl, (line) => process.stdout.write(`${line}\n`))
      return { ...written, insert_reports_per_second: insert.reportsPerSecond, insert_reports: insert.reports, insert_seconds: insert.seconds }
    }
  },
  {
    name: 'geoip',
    description: 'report() does citydb:lookupCity(lt.remote) on a random address per request (4096-network MMDB)',
    path: '/command/report',
    needsReceiver: false,
    sampleBody: reportBody(undefined, '16.1.2.3'),
    config: async (ctx) => {
      const file = join(ctx.dir, 'bench-city.mmdb')
      await writeBenchCityDb(file)
      return baseConfig('  local rec = citydb:lookupCity(lt.remote)\n  if rec.country_code ~= "" then incCustomStat("geo_found") end',
        `newGeoIP2DB("BenchCity", "${file}")\nlocal citydb = getGeoIP2DB("BenchCity")\naddCustomStat("geo_found")`)
    },
    wrkScript: (ctx) => randomRemoteScript(ctx.password),
    probe: async (daemon, ctx) => (await customStat(daemon, ctx, 'geo_found')) > 0
      ? { notes: [] }
      : { skip: 'lookupCity() found nothing for an address the generated database covers', notes: [] }
  }
]

/** Writes the full config file for a scenario (or for its baseline daemon). */
export async function writeScenarioConfig (scenario: Scenario, ctx: ScenarioContext, baseline = false): Promise<string> {
  const file = join(ctx.dir, `${scenario.name}${baseline ? '-baseline' : ''}.conf`)
  const head = `addListener("127.0.0.1:0", false, "", "", {})\nsetWebserverPassword("${ctx.password}")\n`
  const body = baseline && scenario.baselineConfig !== undefined ? await scenario.baselineConfig(ctx) : await scenario.config(ctx)
  await writeFile(file, head + body)
  return file
}

/** Sends the sample request once and runs the scenario's own probe; a non-200 answer skips the scenario. */
export async function probeScenario (scenario: Scenario, daemon: Server, ctx: ScenarioContext, receiver: Server | null): Promise<ProbeResult> {
  const res = await postJson(daemon.port, scenario.path, ctx.password, scenario.sampleBody)
  if (res.status !== 200) return { skip: `probe request answered ${res.status}: ${res.text.slice(0, 200)}`, notes: [] }
  return scenario.probe === undefined ? { notes: [] } : await scenario.probe(daemon, ctx, receiver)
}
