import { parentPort, workerData } from 'node:worker_threads'
import { openSqlite, type OpenOptions } from './sqlite-schema.ts'
import { SqliteWrites } from './sqlite-writes.ts'
import { type ReplyValue, type WriteReply, type WriteRequest } from './sqlite-write-thread.ts'

/**
 * The history writer thread of one process (sqlite-write-thread.ts starts it): its own connection
 * to the file, which it alone writes through. A request is handled start to end, in order; waiting
 * for another process's write lock (busy_timeout) blocks only this thread.
 */
const { file, options } = workerData as { file: string, options: OpenOptions }
const port = parentPort
if (port === null) throw new Error('sqlite-write-thread-entry runs as a worker thread')
const db = openSqlite(file, options)
const writes = new SqliteWrites(db)

function handle (request: WriteRequest): ReplyValue {
  switch (request.op) {
    case 'write': writes.writeBatch(request.records, true); return null
    case 'erase': return writes.erase(request.login)
    case 'prune': return writes.prune(request.before, request.limit)
  }
}

port.on('message', (request: WriteRequest | { op: 'close' }) => {
  if (request.op === 'close') {
    db.close()
    port.close()
    return
  }
  let reply: WriteReply
  try {
    reply = { id: request.id, ok: true, value: handle(request) }
  } catch (err) {
    reply = { id: request.id, ok: false, code: String((err as { code?: unknown }).code ?? ''), message: (err as Error).message }
  }
  port.postMessage(reply)
})
