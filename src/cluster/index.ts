export { CONFIG_RELOADED, type PeerLink, type PrimaryLink, type ProcessFigures } from './figures.ts'
export { ClusterPrimary, type ClusterPrimaryOptions, type PrimaryHost } from './primary.ts'
export { ClusterWorkerLink, type WorkerHost } from './worker.ts'
