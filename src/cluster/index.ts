export { forkClusterWorker, type ForkWorker, type ParentChannel, type WorkerProcess } from './channel.ts'
export { type ProcessFigures } from './figures.ts'
export { ClusterPrimary, type ClusterPrimaryOptions, type PrimaryHost } from './primary.ts'
export { ClusterWorkerLink, type WorkerHost } from './worker.ts'
