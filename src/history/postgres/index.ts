export { PostgresStore, type PostgresStoreOptions, type PostgresOutageStats } from './store.ts'
export { HistoryUnavailableError, isConnectionError, RECONNECT_MAX_MS, RECONNECT_MIN_MS } from './connection.ts'
export { parsePostgresUrl } from './url.ts'
