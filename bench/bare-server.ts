/**
 * The baseline for `npm run bench`: a bare node:http server doing the least a report endpoint must
 * do (read the body, JSON.parse it, answer {"status":"ok"}). Its throughput is the ceiling that
 * node:http plus JSON gives on this machine, so trackalert's figures are read as a ratio to it.
 * Run as its own process; prints `listening port=N` once bound (port from argv[2], default 0).
 * With a process count above 1 (argv[3]) it is a node:cluster of that many servers sharing the
 * port, as trackalert's workers do: the baseline for what two busy processes cost on this machine.
 */
import cluster from 'node:cluster'
import { createServer } from 'node:http'

const OK = Buffer.from('{"status":"ok"}')
const BAD = Buffer.from('{"status":"failure","reason":"Invalid JSON"}')

const processes = Math.max(1, Number(process.argv[3] ?? 1))

function serve (port: number, announce: (port: number) => void): void {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      let ok = true
      try {
        JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        ok = false
      }
      const body = ok ? OK : BAD
      res.writeHead(ok ? 200 : 400, { 'Content-Type': 'application/json', 'Content-Length': body.length })
      res.end(body)
    })
  })
  // The same keep-alive settings as trackalert's listener, so idle handling is not a difference.
  server.keepAliveTimeout = 60_000
  server.headersTimeout = 30_000
  server.requestTimeout = 60_000
  server.listen(port, '127.0.0.1', () => {
    announce((server.address() as { port: number }).port)
  })
  process.on('SIGTERM', () => { server.close(); server.closeAllConnections() })
}

const port = Number(process.argv[2] ?? 0)
if (processes > 1 && cluster.isPrimary) {
  // Workers listening on port 0 share the one port the primary binds; the first to listen announces it.
  let announced = false
  cluster.on('message', (_worker, msg: unknown) => {
    if (announced || typeof msg !== 'number') return
    announced = true
    process.stdout.write(`listening port=${msg}\n`)
  })
  for (let i = 0; i < processes; i++) cluster.fork()
  process.on('SIGTERM', () => { for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM') })
  cluster.on('exit', () => { if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0) })
} else if (cluster.isWorker) {
  serve(port, (bound) => process.send?.(bound))
  // The IPC channel would keep a worker alive after its server closed.
  process.on('SIGTERM', () => process.exit(0))
} else {
  serve(port, (bound) => process.stdout.write(`listening port=${bound}\n`))
}
