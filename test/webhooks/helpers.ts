import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import { type AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { type TestContext } from 'node:test'
import { type TLSSocket } from 'node:tls'
import { logger, StreamSink, type LogFields, type LogLevelValue, type LogSink } from '../../src/log/index.ts'
import { WebhookDispatcher, type CustomWebhook, type WebhookDispatcherOptions } from '../../src/webhooks/index.ts'

export interface ReceivedRequest {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: Buffer
  /** Subject CN of the client certificate, when the server asked for one. */
  clientCN: string | undefined
}

/** Decides the reply to the n-th request (0-based). Return 'destroy' to drop the connection, 'hang' to never answer. */
export type Responder = (req: ReceivedRequest, index: number) => number | 'destroy' | 'hang' | { status: number, headers?: Record<string, string>, delayMs?: number }

export interface Receiver {
  url: string
  requests: ReceivedRequest[]
  maxInFlight: () => number
}

/** A real HTTP(S) server on 127.0.0.1 that records raw bodies and tracks concurrent requests. */
export async function startReceiver (t: TestContext, respond: Responder = () => 200, tls?: https.ServerOptions): Promise<Receiver> {
  const requests: ReceivedRequest[] = []
  let inFlight = 0
  let maxInFlight = 0
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const socket = req.socket as TLSSocket
      const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined
      const received: ReceivedRequest = {
        method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks),
        clientCN: peer?.subject?.CN as string | undefined
      }
      const index = requests.push(received) - 1
      const decision = respond(received, index)
      const finish = (status: number, headers?: Record<string, string>): void => {
        inFlight--
        res.writeHead(status, headers).end('ok')
      }
      if (decision === 'destroy') { inFlight--; req.socket.destroy(); return }
      if (decision === 'hang') { res.on('close', () => { inFlight-- }); return }
      if (typeof decision === 'number') { finish(decision); return }
      if (decision.delayMs !== undefined) setTimeout(() => finish(decision.status, decision.headers), decision.delayMs)
      else finish(decision.status, decision.headers)
    })
  }
  const server = tls !== undefined ? https.createServer(tls, handler) : http.createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    server.closeAllConnections()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const { port } = server.address() as AddressInfo
  return { url: `${tls !== undefined ? 'https' : 'http'}://127.0.0.1:${port}`, requests, maxInFlight: () => maxInFlight }
}

export interface Recorded {
  attempts: Array<{ name: string, ok: boolean, seconds: number }>
  results: Array<{ name: string, ok: boolean }>
  drops: string[]
}

/** A dispatcher with short retry settings and a recording observer, closed after the test. */
export function makeDispatcher (t: TestContext, options: WebhookDispatcherOptions = {}): { dispatcher: WebhookDispatcher, recorded: Recorded } {
  const recorded: Recorded = { attempts: [], results: [], drops: [] }
  const dispatcher = new WebhookDispatcher({
    ...options,
    settings: { retryBaseDelayMs: 5, retryMaxDelayMs: 20, timeoutMs: 2000, drainTimeoutMs: 2000, ...options.settings },
    observer: {
      onAttempt: (hook: CustomWebhook, ok, seconds) => recorded.attempts.push({ name: hook.name, ok, seconds }),
      onResult: (hook: CustomWebhook, ok) => recorded.results.push({ name: hook.name, ok }),
      onDrop: (hook: CustomWebhook) => recorded.drops.push(hook.name)
    }
  })
  t.after(() => dispatcher.drain(200))
  return { dispatcher, recorded }
}

/** The shared poller, under the name these tests use. */
export { eventually as waitFor } from '../helpers/poll.ts'

export interface LogLine { level: LogLevelValue, message: string, fields: LogFields | undefined }

/** Captures the process logger's output for one test file. */
export function captureLogs (t: { after: (fn: () => void) => void }): LogLine[] {
  const lines: LogLine[] = []
  const sink: LogSink = { write: (level, message, fields) => { lines.push({ level, message, fields }) } }
  logger.setSinks([sink])
  t.after(() => logger.setSinks([new StreamSink()]))
  return lines
}

export interface TestCerts {
  dir: string
  caCert: string
  /** Signed by the CA for 127.0.0.1 and localhost. */
  serverCert: string
  serverKey: string
  /** Signed by the CA for other.example only. */
  otherCert: string
  otherKey: string
  /** Self-signed for 127.0.0.1. */
  selfCert: string
  selfKey: string
  clientCert: string
  clientKey: string
}

const OPENSSL = '/usr/bin/openssl'

function openssl (dir: string, args: string[]): void {
  execFileSync(OPENSSL, args, { cwd: dir, stdio: 'pipe' })
}

/** Generates a throwaway CA and certificates with the openssl CLI (EC keys: fast). */
export async function makeCerts (): Promise<TestCerts> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ta-webhook-tls-'))
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Trackalert Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
  const issue = async (name: string, cn: string, ext: string): Promise<void> => {
    await writeFile(path.join(dir, `${name}.ext`), ext + '\n')
    openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`])
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`])
  }
  await issue('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth')
  await issue('other', 'other.example', 'subjectAltName=DNS:other.example\nextendedKeyUsage=serverAuth')
  await issue('client', 'webhook-client', 'extendedKeyUsage=clientAuth')
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.crt', '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1'])
  const p = (f: string): string => path.join(dir, f)
  return {
    dir,
    caCert: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    otherCert: p('other.crt'),
    otherKey: p('other.key'),
    selfCert: p('self.crt'),
    selfKey: p('self.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key')
  }
}

export async function tlsServerOptions (cert: string, key: string, extra: https.ServerOptions = {}): Promise<https.ServerOptions> {
  return { cert: await readFile(cert), key: await readFile(key), ...extra }
}

export async function removeDir (dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}
