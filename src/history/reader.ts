import { featureValue } from './batch.ts'
import {
  type ActivityBucket, type ActivityScope, type Awaitable, type FeatureKind, type FeatureStat, type GlobalFeature, type GlobalTotals,
  type HistoryRecord, type HistoryStore, type LastSuccess, type LoginAtSource, type LoginProfile, type LoginTotals, type LoginWindow,
  type SourceOrder, type SourceScope, type SourceWindow,
  type StoredReport
} from './types.ts'
import { type HistoryWriter } from './writer.ts'

const ANY = (): boolean => true

/**
 * History as Lua and the REST API read it. Read-your-writes within a process: when a read
 * concerns reports still queued in this process's writer (same login, same source), the queue is
 * committed first, so a policy always sees the previous reports of its login. Reports queued in
 * another worker process are seen once that process commits (at most one commit interval later).
 */
export class HistoryReader {
  readonly #store: HistoryStore
  readonly #writer: HistoryWriter

  constructor (store: HistoryStore, writer: HistoryWriter) {
    this.#store = store
    this.#writer = writer
  }

  get backend (): HistoryStore['backend'] { return this.#store.backend }

  #after<T> (match: (r: HistoryRecord) => boolean, read: () => Awaitable<T>): Awaitable<T> {
    if (!this.#writer.hasPending(match)) return read()
    const committing = this.#writer.commitNow()
    return committing === undefined ? read() : committing.then(read)
  }

  feature (login: string, kind: FeatureKind, value: string): Awaitable<FeatureStat | null> {
    return this.#after((r) => r.login === login && featureValue(r, kind) === value, () => this.#store.feature(login, kind, value))
  }

  totals (login: string): Awaitable<LoginTotals | null> {
    return this.#after((r) => r.login === login, () => this.#store.totals(login))
  }

  profile (login: string): Awaitable<LoginProfile> {
    return this.#after((r) => r.login === login, () => this.#store.profile(login))
  }

  lastSuccess (login: string): Awaitable<LastSuccess | null> {
    return this.#after((r) => r.login === login && r.success, () => this.#store.lastSuccess(login))
  }

  recentReports (login: string, limit: number): Awaitable<StoredReport[]> {
    return this.#after((r) => r.login === login, () => this.#store.recentReports(login, limit))
  }

  loginWindow (login: string, since: number, until: number): Awaitable<LoginWindow> {
    return this.#after((r) => r.login === login && r.t >= since && r.t < until, () => this.#store.loginWindow(login, since, until))
  }

  sourceWindow (scope: SourceScope, key: string, since: number, until: number): Awaitable<SourceWindow> {
    const match = scope === 'ip' ? (r: HistoryRecord) => r.remote === key : (r: HistoryRecord) => r.prefix === key
    return this.#after((r) => match(r) && r.t >= since && r.t < until, () => this.#store.sourceWindow(scope, key, since, until))
  }

  loginAtSource (scope: SourceScope, key: string, login: string, since: number, until: number): Awaitable<LoginAtSource> {
    const match = scope === 'ip' ? (r: HistoryRecord) => r.remote === key : (r: HistoryRecord) => r.prefix === key
    return this.#after((r) => r.login === login && match(r) && r.t >= since && r.t < until, () => this.#store.loginAtSource(scope, key, login, since, until))
  }

  topSources (scope: SourceScope, since: number, until: number, order: SourceOrder, limit: number): Awaitable<SourceWindow[]> {
    return this.#after((r) => r.t >= since && r.t < until, () => this.#store.topSources(scope, since, until, order, limit))
  }

  globalFeature (kind: FeatureKind, value: string): Awaitable<GlobalFeature> {
    return this.#after((r) => featureValue(r, kind) === value, () => this.#store.globalFeature(kind, value))
  }

  globalTotals (): Awaitable<GlobalTotals> {
    return this.#after(ANY, () => this.#store.globalTotals())
  }

  globalDistinct (kind: FeatureKind): Awaitable<number> {
    return this.#after((r) => featureValue(r, kind) !== null, () => this.#store.globalDistinct(kind))
  }

  activity (scope: ActivityScope, key: string, since: number, until: number, step: number): Awaitable<ActivityBucket[]> {
    const inScope = scope === 'all'
      ? ANY
      : scope === 'ip' ? (r: HistoryRecord) => r.remote === key : scope === 'prefix' ? (r: HistoryRecord) => r.prefix === key : (r: HistoryRecord) => r.login === key
    return this.#after((r) => inScope(r) && r.t >= since && r.t < until, () => this.#store.activity(scope, key, since, until, step))
  }

  /** Queued reports of the login are committed first, so none survives the erasure. */
  erase (login: string): Awaitable<number> {
    return this.#after((r) => r.login === login, () => this.#store.erase(login))
  }
}
