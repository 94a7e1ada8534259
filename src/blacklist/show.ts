import { type WforceBlacklistConfig } from './config.ts'
import { type WforceHealth } from './delivery.ts'
import { type BlacklistFigures } from './service.ts'

export interface BlacklistView {
  readonly config: WforceBlacklistConfig | null
  readonly figures: BlacklistFigures
  /** Entries remembered as blocked somewhere now. */
  readonly held: number
  readonly health: ReadonlyArray<{ url: string, health: WforceHealth }>
}

const healthText: Record<WforceHealth, string> = { ok: 'ok', down: 'unreachable', refusing: 'refusing requests' }

/** The console's showWforceBlacklist() text. */
export function formatBlacklistView (view: BlacklistView): string {
  const { config, figures } = view
  const lines: string[] = []
  if (config === null) lines.push('wforce blacklist: not configured (setWforceBlacklist)')
  else {
    lines.push(`wforce blacklist: ${config.dryRun ? 'DRY RUN (nothing is sent)' : 'on'}`)
    lines.push(`on: ${[...config.on].join(', ') || '-'}   on_login: ${[...config.onLogin].join(', ') || '-'}`)
    lines.push(`expire_secs: ${config.expireSecs}   max_per_minute: ${config.maxPerMinute}   never: ${config.never.map((m) => m.toString()).join(', ') || '-'}`)
    lines.push(`${'URL'.padEnd(40)} State`)
    for (const { url, health } of view.health) lines.push(`${url.padEnd(40)} ${healthText[health]}`)
  }
  const d = figures.decisions
  lines.push(`entries remembered as blocked: ${view.held}   waiting for delivery: ${figures.queued}`)
  lines.push(`added ${figures.added}   failed ${figures.failed}   outages ${figures.outages}   (per wforce instance)`)
  lines.push(`queued ${d.queued}   duplicate ${d.duplicate}   skipped_never ${d.skipped_never}   skipped_shared ${d.skipped_shared}   ` +
    `skipped_cap ${d.skipped_cap}   dry_run ${d.dry_run}   refused ${d.refused}`)
  return lines.join('\n')
}
