/**
 * The baseline for `npm run bench`: a bare node:http server doing the least a report endpoint must
 * do (read the body, JSON.parse it, answer {"status":"ok"}). Its throughput is the ceiling that
 * node:http plus JSON gives on this machine, so trackalert's figures are read as a ratio to it.
 * Run as its own process; prints `listening port=N` once bound (port from argv[2], default 0).
 */
import { createServer } from 'node:http'

const OK = Buffer.from('{"status":"ok"}')
const BAD = Buffer.from('{"status":"failure","reason":"Invalid JSON"}')

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
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening port=${(server.address() as { port: number }).port}\n`)
})
process.on('SIGTERM', () => { server.close(); server.closeAllConnections() })
