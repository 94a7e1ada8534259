/**
 * Loopback receiver for the webhook scenario: counts every POST and answers 200 at once.
 * `GET /count` returns {"count":N} so the bench can check that deliveries arrive.
 * `GET /slow?ms=N` answers 200 after N ms: the backend a Lua call waits on (the lua-wait scenario).
 * Run as its own process; prints `listening port=N` once bound.
 */
import { createServer } from 'node:http'

let count = 0

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/count') {
    const body = JSON.stringify({ count })
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
    res.end(body)
    return
  }
  if (req.method === 'GET' && req.url?.startsWith('/slow?ms=') === true) {
    const ms = Number(req.url.slice('/slow?ms='.length))
    req.resume()
    setTimeout(() => {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 2 })
      res.end('ok')
    }, Number.isFinite(ms) && ms >= 0 ? ms : 0)
    return
  }
  req.resume()
  req.on('end', () => {
    count++
    res.writeHead(200, { 'Content-Length': 0 })
    res.end()
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening port=${(server.address() as { port: number }).port}\n`)
})
process.on('SIGTERM', () => { server.close(); server.closeAllConnections() })
