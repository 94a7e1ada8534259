import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteStore } from '../../src/history/sqlite-store.ts'
import { storeContract } from './store-contract.ts'

const folders: string[] = []

// The same contract the PostgreSQL store passes (postgres-store.test.ts), on a real SQLite file.
storeContract({
  name: 'sqlite',
  fresh: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trackalert-history-'))
    folders.push(dir)
    const file = join(dir, 'history.db')
    return async () => new SqliteStore(file)
  },
  teardown: async () => {
    for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true })
  }
})
