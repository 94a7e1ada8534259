import { MemoryAlertStore } from '../../src/alerts/index.ts'
import { HttpFrontend } from '../../src/http/server.ts'
import { parseComboAddress, type ComboAddress } from '../../src/net/index.ts'
import { PASSWORD } from '../helpers/daemon.ts'
import { loadGeneration, type LoadedGeneration } from '../helpers/generation.ts'

export interface FrontendUnderTest {
  readonly url: string
  readonly port: number
  readonly frontend: HttpFrontend
  readonly loaded: LoadedGeneration
  /** What /readyz reports; the app sets it once the daemon is up. */
  ready: boolean
  /** The trackalert_http_refused_total count for `reason`. */
  refused (reason: string): Promise<number>
  close (): Promise<void>
}

/**
 * An HttpFrontend in this process, on a loopback port of its own, serving a real configuration
 * generation: requests go over real HTTP; nothing is spawned. The config gets the listener-free
 * head the daemon tests use (the password of test/helpers/daemon.ts).
 */
export async function startFrontend (config: string): Promise<FrontendUnderTest> {
  const loaded = await loadGeneration(`setWebserverPassword("${PASSWORD}")\n${config}`)
  const { gen, stats } = loaded
  const state = { ready: true }
  // An empty store: the front end's alert route answers from it.
  const alerts = new MemoryAlertStore()
  const frontend = new HttpFrontend(() => gen.settings, {
    stats,
    current: () => gen,
    maxBody: () => gen.settings.maxBodyBytes,
    isReady: () => state.ready,
    // The front-end tests run without login history (test/history serves it through the daemon).
    history: () => null,
    alerts: (query) => alerts.query(query),
    eraseAlerts: (login) => alerts.eraseLogin(login)
  })
  frontend.setCustomEndpoints(gen.settings.customEndpoints)
  await frontend.listen([{ address: parseComboAddress('127.0.0.1:0') as ComboAddress, tls: null }], false)
  const port = frontend.addresses()[0].port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    frontend,
    loaded,
    get ready () { return state.ready },
    set ready (value: boolean) { state.ready = value },
    refused: async (reason) => {
      const line = new RegExp(`^trackalert_http_refused_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(await stats.metricsText())
      return line === null ? 0 : Number(line[1])
    },
    close: async () => {
      await frontend.close()
      frontend.destroyConnections()
      await loaded.close()
    }
  }
}
