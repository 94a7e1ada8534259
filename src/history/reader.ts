import {
  type ActivityBucket, type ActivityScope, type Awaitable, featureValue, type FeatureKind, type FeatureStat, type GlobalFeature, type GlobalTotals,
  type HistoryRecord, type HistoryStore, type LastSuccess, type LoginAtSource, type LoginProfile, type LoginTotals, type LoginWindow,
  type SourceOrder, type SourceScope, type SourceWindow,
  type StoredReport
} from './types.ts'
import {
  overlayFeature, overlayGlobal, overlayLastSuccess, overlayLoginAtSource, overlayLoginWindow, overlayProfile, overlayRecent, overlaySourceWindow, overlayTotals
} from './pending-overlay.ts'
import { type PendingIndex, type QueuedIndex } from './queued-index.ts'
import { type HistoryWriter } from './writer.ts'

const ANY = (): boolean => true

/**
 * History as Lua and the REST API read it, with read-your-writes within a process: a policy always
 * sees the previous reports of its login and source, queued or not. With SQLite (synchronous) the
 * committed answer is merged with this process's queued reports (pending-overlay.ts), so a read
 * never forces a commit. With PostgreSQL a read that concerns queued reports waits for their
 * commit. Reports queued in another worker process are seen once that process commits.
 * With SQLite, the population's counts include the queue too, except how many distinct logins
 * used a value (`logins`), which is as committed.
 */
export class HistoryReader {
  readonly #store: HistoryStore
  readonly #writer: HistoryWriter
  /** This process's queue, when reads merge it in (SQLite); null: reads wait for its commit. */
  readonly #queue: QueuedIndex | null

  constructor (store: HistoryStore, writer: HistoryWriter) {
    this.#store = store
    this.#writer = writer
    this.#queue = writer.queued
  }

  get backend (): HistoryStore['backend'] { return this.#store.backend }

  #after<T> (match: (r: HistoryRecord) => boolean, read: () => Awaitable<T>): Awaitable<T> {
    if (!this.#writer.hasPending(match)) return read()
    const committing = this.#writer.commitNow()
    return committing === undefined ? read() : committing.then(read)
  }

  /** The login's queued reports matching `also`, for a merging read. */
  #queued (index: PendingIndex, key: string, also: (r: HistoryRecord) => boolean = ANY): readonly HistoryRecord[] {
    const all = this.#queue?.of(index, key) ?? []
    return all.length === 0 || also === ANY ? all : all.filter(also)
  }

  feature (login: string, kind: FeatureKind, value: string): Awaitable<FeatureStat | null> {
    const match = (r: HistoryRecord): boolean => featureValue(r, kind) === value
    if (this.#queue !== null) return overlayFeature(this.#store.feature(login, kind, value) as FeatureStat | null, value, this.#queued('login', login, match))
    return this.#after((r) => r.login === login && match(r), () => this.#store.feature(login, kind, value))
  }

  totals (login: string): Awaitable<LoginTotals | null> {
    if (this.#queue !== null) return overlayTotals(this.#store.totals(login) as LoginTotals | null, this.#queued('login', login))
    return this.#after((r) => r.login === login, () => this.#store.totals(login))
  }

  profile (login: string): Awaitable<LoginProfile> {
    if (this.#queue !== null) return overlayProfile(this.#store.profile(login) as LoginProfile, this.#queued('login', login))
    return this.#after((r) => r.login === login, () => this.#store.profile(login))
  }

  lastSuccess (login: string): Awaitable<LastSuccess | null> {
    if (this.#queue !== null) return overlayLastSuccess(this.#store.lastSuccess(login) as LastSuccess | null, this.#queued('login', login))
    return this.#after((r) => r.login === login && r.success, () => this.#store.lastSuccess(login))
  }

  recentReports (login: string, limit: number): Awaitable<StoredReport[]> {
    if (this.#queue !== null) return overlayRecent(this.#store.recentReports(login, limit) as StoredReport[], this.#queued('login', login), limit)
    return this.#after((r) => r.login === login, () => this.#store.recentReports(login, limit))
  }

  loginWindow (login: string, since: number, until: number): Awaitable<LoginWindow> {
    const inWindow = (r: HistoryRecord): boolean => r.t >= since && r.t < until
    if (this.#queue !== null) {
      const stored = this.#store.loginWindow(login, since, until) as LoginWindow
      return overlayLoginWindow(stored, this.#queued('login', login, inWindow), (remote) => this.#store.loginAtSource('ip', remote, login, since, until) as LoginAtSource)
    }
    return this.#after((r) => r.login === login && inWindow(r), () => this.#store.loginWindow(login, since, until))
  }

  sourceWindow (scope: SourceScope, key: string, since: number, until: number): Awaitable<SourceWindow> {
    if (this.#queue !== null) return (this.sourceWindows(scope, key, [since], until) as SourceWindow[])[0]
    const match = scope === 'ip' ? (r: HistoryRecord) => r.remote === key : (r: HistoryRecord) => r.prefix === key
    return this.#after((r) => match(r) && r.t >= since && r.t < until, () => this.#store.sourceWindow(scope, key, since, until))
  }

  /** Windows of one source ending at `until` (`sinces` any order), each with this process's queued reports merged in. */
  sourceWindows (scope: SourceScope, key: string, sinces: readonly number[], until: number): Awaitable<SourceWindow[]> {
    if (this.#queue !== null) {
      const stored = this.#store.sourceWindows(scope, key, sinces, until) as SourceWindow[]
      const queued = this.#queue.of(scope === 'ip' ? 'remote' : 'prefix', key)
      return stored.map((w, i) => {
        const since = sinces[i]
        const inWindow = queued.filter((r) => r.t >= since && r.t < until)
        return overlaySourceWindow(w, inWindow, (login) => this.#store.loginAtSource(scope, key, login, since, until) as LoginAtSource)
      })
    }
    const match = scope === 'ip' ? (r: HistoryRecord) => r.remote === key : (r: HistoryRecord) => r.prefix === key
    const oldest = Math.min(...sinces)
    return this.#after((r) => match(r) && r.t >= oldest && r.t < until, () => this.#store.sourceWindows(scope, key, sinces, until))
  }

  loginAtSource (scope: SourceScope, key: string, login: string, since: number, until: number): Awaitable<LoginAtSource> {
    const match = scope === 'ip' ? (r: HistoryRecord) => r.remote === key : (r: HistoryRecord) => r.prefix === key
    const inWindow = (r: HistoryRecord): boolean => match(r) && r.t >= since && r.t < until
    if (this.#queue !== null) return overlayLoginAtSource(this.#store.loginAtSource(scope, key, login, since, until) as LoginAtSource, this.#queued('login', login, inWindow))
    return this.#after((r) => r.login === login && inWindow(r), () => this.#store.loginAtSource(scope, key, login, since, until))
  }

  topSources (scope: SourceScope, since: number, until: number, order: SourceOrder, limit: number): Awaitable<SourceWindow[]> {
    return this.#after((r) => r.t >= since && r.t < until, () => this.#store.topSources(scope, since, until, order, limit))
  }

  globalFeature (kind: FeatureKind, value: string): Awaitable<GlobalFeature> {
    if (this.#queue !== null) return overlayGlobal(this.#store.globalFeature(kind, value) as GlobalFeature, this.#queue.value(kind, value))
    return this.#after((r) => featureValue(r, kind) === value, () => this.#store.globalFeature(kind, value))
  }

  globalTotals (): Awaitable<GlobalTotals> {
    if (this.#queue !== null) return overlayGlobal(this.#store.globalTotals() as GlobalTotals, this.#queue.totals)
    return this.#after(ANY, () => this.#store.globalTotals())
  }

  /** Distinct values of a kind over every login: the committed ones, and the queue's not committed yet (rarely asked: callers cache it). */
  globalDistinct (kind: FeatureKind): Awaitable<number> {
    if (this.#queue !== null) {
      let n = this.#store.globalDistinct(kind) as number
      for (const value of this.#queue.values(kind)) if ((this.#store.globalFeature(kind, value) as GlobalFeature).logins === 0) n++
      return n
    }
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
