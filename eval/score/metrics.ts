/** The numbers the evaluation reports, as plain functions of counts and scores. */

/** Share of `part` in `whole`; null when `whole` is 0 (undefined, not 0 or 1). */
export function ratio (part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole
}

/** Events per 10,000 users per day. */
export function per10kUsersPerDay (count: number, users: number, days: number): number {
  return count / (users / 10_000) / days
}

/** Events per user per 30-day month. */
export function perUserPerMonth (count: number, users: number, days: number): number {
  return count / users / (days / 30)
}

/**
 * ROC AUC: the probability that a random positive scores above a random negative, ties counting
 * one half (Mann-Whitney U with mid-ranks). Null when either class is empty.
 */
export function rocAuc (positives: readonly number[], negatives: readonly number[]): number | null {
  if (positives.length === 0 || negatives.length === 0) return null
  const all = [...positives.map((s) => ({ s, pos: true })), ...negatives.map((s) => ({ s, pos: false }))].sort((a, b) => a.s - b.s)
  let rankSumPos = 0
  for (let i = 0; i < all.length;) {
    let j = i
    while (j < all.length && all[j]!.s === all[i]!.s) j++
    const midRank = (i + 1 + j) / 2 // ranks i+1 … j share their mean
    for (let k = i; k < j; k++) if (all[k]!.pos) rankSumPos += midRank
    i = j
  }
  const u = rankSumPos - positives.length * (positives.length + 1) / 2
  return u / (positives.length * negatives.length)
}

/**
 * The highest threshold that still catches `recall` of the positives (a login is caught when its
 * score is ≥ the threshold), and the share of negatives at or above it. Null without positives.
 */
export function shareAboveRecallThreshold (positives: readonly number[], negatives: readonly number[], recall = 0.95): { threshold: number, share: number | null } | null {
  if (positives.length === 0) return null
  const sorted = [...positives].sort((a, b) => b - a)
  const needed = Math.ceil(recall * sorted.length)
  const threshold = sorted[needed - 1]!
  return { threshold, share: ratio(negatives.filter((s) => s >= threshold).length, negatives.length) }
}
