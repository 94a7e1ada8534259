import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DeviceParser } from '../../src/device/index.ts'
import { Generation } from '../../src/generation.ts'
import { type Clock } from '../../src/report/pipeline.ts'
import { DaemonStats } from '../../src/stats/index.ts'
import { inProcessServices } from '../helpers/in-process.ts'
import { parsePrometheus, sample } from '../integration/helpers.ts'

/**
 * Lua that appends every field of a table to FILE as sorted `path=type:value` lines, one record per
 * call ending in `--`, so a test sees both that Lua ran and exactly what it was given.
 */
export const LUA_DUMPER = `
local function dump(out, prefix, v)
  local t, mt = type(v), getmetatable(v)
  if t == "table" and mt == nil then
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    if #keys == 0 then out:write(prefix, "=table:{}\\n") end
    for _, k in ipairs(keys) do dump(out, prefix .. "." .. tostring(k), v[k]) end
  elseif t == "table" then
    out:write(prefix, "=", mt.__name, ":", tostring(v), "\\n")
  elseif t == "number" then
    out:write(prefix, "=", math.type(v), ":", string.format("%.17g", v), "\\n")
  else
    out:write(prefix, "=", t, ":", tostring(v), "\\n")
  end
end
function record(prefix, v)
  local out = assert(io.open(FILE, "a"))
  dump(out, prefix, v)
  out:write("--\\n")
  out:close()
end
`

/** A generation loaded in-process by the daemon's own loader, with the services it borrows. */
export interface LoadedConfig {
  readonly gen: Generation
  readonly stats: DaemonStats
  /** The file LUA_DUMPER's record() appends to. */
  readonly recordFile: string
  close (): Promise<void>
}

/** Device rules compile once for the whole file. */
const devices = new DeviceParser()

/** Loads `config` (LUA_DUMPER and FILE are defined before it) as trackalert.conf in a fresh folder. */
export async function loadConfig (config: string, clock: Clock = () => Date.now() / 1000): Promise<LoadedConfig> {
  const dir = await mkdtemp(join(tmpdir(), 'ta-report-'))
  const recordFile = join(dir, 'records.log')
  const configFile = join(dir, 'trackalert.conf')
  await writeFile(configFile, `FILE = ${JSON.stringify(recordFile)}\n${LUA_DUMPER}\n${config}\n`)
  const stats = new DaemonStats()
  let loaded: Generation | null = null
  const shared = inProcessServices(stats, devices, 'report tests', () => loaded, clock)
  const gen = await Generation.load({ configFile, configName: 'trackalert.conf' }, shared)
  loaded = gen
  return {
    gen,
    stats,
    recordFile,
    close: async () => {
      await gen.retire(1000)
      await shared.delivery.drain(0)
      await rm(dir, { recursive: true, force: true })
    }
  }
}

/** Submits a report body; resolves with the rejection reason, or null once the report was handled. */
export function submit (gen: Generation, body: unknown): Promise<string | null> {
  return new Promise((resolve) => { gen.pipeline.submit(body, { reportDone: resolve, reportShed: () => resolve('shed') }) })
}

/** The records written by record(), each as a map of path → "type:value". */
export async function records (file: string): Promise<Array<Map<string, string>>> {
  if (!existsSync(file)) return []
  const text = await readFile(file, 'utf8')
  return text.split('--\n').filter((r) => r !== '').map((r) => new Map(r.trimEnd().split('\n').map((line) => {
    const eq = line.indexOf('=')
    return [line.slice(0, eq), line.slice(eq + 1)]
  })))
}

/** A counter of the generation's stats by name and labels (0 when never counted). */
export async function counter (stats: DaemonStats, name: string, labels: Record<string, string>): Promise<number> {
  const families = parsePrometheus(await stats.metricsText())
  if (!families.some((f) => f.name === name)) return 0
  return sample(families, name, labels) ?? 0
}
