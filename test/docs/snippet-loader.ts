import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DeviceParser } from '../../src/device/index.ts'
import { Generation } from '../../src/generation.ts'
import { LogLevel, logger, type LogFields, type LogLevelValue } from '../../src/log/index.ts'
import { CustomArgs } from '../../src/report/lua-args.ts'
import { DaemonStats } from '../../src/stats/index.ts'
import { inProcessServices } from '../helpers/in-process.ts'

/** Reports a snippet's report function is called with, as wforce sends them: one user on two devices, a failed login. */
export function sampleReports (now: number): Array<Record<string, unknown>> {
  return [
    {
      login: 'alice', remote: '192.0.2.10', pwhash: 'f0e1d2c3', success: true, t: now, policy_reject: false,
      protocol: 'http', tls: true,
      device_id: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
      attrs: { email: 'alice@example.com' }
    },
    {
      login: 'alice', remote: '198.51.100.20', pwhash: 'f0e1d2c3', success: true, t: now, policy_reject: false, protocol: 'imap',
      device_id: '"name" "Mac OS X Mail" "version" "10.0 (3226)" "os" "Mac OS X" "os-version" "10.12 (16A323)" "vendor" "Apple Inc."'
    },
    { login: 'bob', remote: '2001:db8::7', pwhash: 'a1b2c3d4', success: false, t: now, policy_reject: false, protocol: 'imap', device_id: '' }
  ]
}

interface LogLine { readonly level: LogLevelValue, readonly message: string, readonly fields: LogFields | undefined }

/**
 * Every log line of the process goes here instead of stdout, so a snippet that makes the daemon
 * log an error (a rejected setKey(), a failed Lua call) fails its test.
 */
const captured: LogLine[] = []
logger.setSinks([{ write: (level, message, fields) => { captured.push({ level, message, fields }) } }])

/** Deliveries are switched off before any call (see runSnippet): a hook run then counts as a drop. */
const isHookRun = (l: LogLine): boolean => l.message === 'Custom webhook events dropped' && l.fields?.reason === 'shutting down'

/** The error lines logged since `from`, as text, without the drops the loader itself causes. */
function errorsSince (from: number): string[] {
  return captured.slice(from)
    .filter((l) => l.level <= LogLevel.err && !isHookRun(l))
    .map((l) => `${l.message} ${JSON.stringify(l.fields ?? {})}`)
}

function hookRunsSince (from: number): number {
  return captured.slice(from).filter(isHookRun).reduce((n, l) => n + Number(l.fields?.dropped ?? 0), 0)
}

/** Device parsing rules compile once for all snippets. */
const devices = new DeviceParser()

function submitReport (gen: Generation, body: Record<string, unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    gen.pipeline.submit(body, {
      reportDone: (rejection) => { if (rejection === null) resolve(); else reject(new Error(`sample report rejected: ${rejection}`)) },
      reportShed: () => { reject(new Error('sample report shed (setMaxQueueWaitMs)')) }
    })
  })
}

export interface SnippetRunResult {
  /** What was called, e.g. `report x2`, `custom knownCountries`, `background failed-logins`. */
  readonly called: string[]
  /** Error lines logged while loading and calling. */
  readonly errors: string[]
  /** runCustomWebHook() calls for a defined hook (each dropped, as deliveries are off). */
  readonly hookRuns: number
}

/**
 * Loads `config` as `<dir>/trackalert.conf` with the daemon's own loader (the config state and the
 * report states, as at startup), then, when `call` is set, runs its report function on the sample
 * reports and each custom endpoint and background function once. Throws on a load error or a Lua error.
 */
export async function runSnippet (dir: string, config: string, call: boolean): Promise<SnippetRunResult> {
  const configFile = join(dir, 'trackalert.conf')
  await writeFile(configFile, config)
  return await runConfigFile(configFile, call)
}

/** runSnippet for a configuration file that exists already (a shipped example). */
export async function runConfigFile (configFile: string, call: boolean): Promise<SnippetRunResult> {
  const from = captured.length
  const stats = new DaemonStats()
  let loaded: Generation | null = null
  const shared = inProcessServices(stats, devices, 'documentation snippets', () => loaded)
  const gen = await Generation.load({ configFile, configName: 'trackalert.conf' }, shared)
  loaded = gen
  const called: string[] = []
  try {
    if (call) {
      // No POST may leave for the example URLs of the docs: a hook a snippet runs is dropped instead.
      await gen.webhooks.drain(0)
      if (gen.settings.reportDefined) {
        const reports = sampleReports(Math.floor(Date.now() / 1000))
        // One after another, as on a quiet daemon: each runs in the state the previous one released,
        // so a policy that remembers logins in Lua memory sees them all.
        for (const body of reports) await submitReport(gen, body)
        called.push(`report x${reports.length}`)
      }
      for (const name of gen.settings.customEndpoints) {
        const args = new CustomArgs(gen.lua)
        args.attrs = { login: 'alice' }
        await gen.dispatcher.runAsync('custom', name, args)
        called.push(`custom ${name}`)
      }
      for (const name of gen.settings.backgroundFunctions) {
        await gen.dispatcher.runAsync('background', name, null)
        called.push(`background ${name}`)
      }
    }
  } finally {
    await gen.retire(1000)
    await shared.delivery.drain(0)
    // A config with setHistory recorded to its store next to the snippet's file, as the daemon does.
    await shared.history.close()
  }
  return { called, errors: errorsSince(from), hookRuns: hookRunsSince(from) }
}
