/**
 * impossible_travel: two consecutive successful logins of one login further apart than anyone could
 * travel in the time between them. Geolocation of an IP address is approximate, so the distance used
 * is the smallest one the two accuracy radii allow; a place without a usable radius is skipped.
 */
import { num, severityOption, type OptionValues } from './options.ts'
import { learningOptions, learningState } from './novelty.ts'
import { found, loginFinding, noted, nothing, type PolicyDefinition, type PolicyOutcome } from './policy.ts'
import type { LoginFacts, Place } from './types.ts'

const EARTH_RADIUS_KM = 6371.0088 // mean radius (IUGG)

/** Great-circle distance (haversine), in km. */
export function distanceKm (a: Place, b: Place): number {
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLon = (b.lon - a.lon) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)))
}

function validPlace (place: Place | null): place is Place {
  return place !== null && Number.isFinite(place.lat) && Number.isFinite(place.lon) &&
    Math.abs(place.lat) <= 90 && Math.abs(place.lon) <= 180
}

/** The radius to use: the database's, else the configured default (DB-IP Lite gives none). */
function radiusKm (place: Place, options: OptionValues): number {
  return place.accuracy_km ?? num(options, 'default_accuracy_km')
}

/**
 * Known networks (after Microsoft Entra ID Protection's "atypical travel", which ignores locations the
 * user or the organisation's other users sign in from regularly, and VPNs): the destination prefix is
 * the login's own when it already succeeded from it `own_network_successes` times, and a common one
 * when other logins succeeded from it `common_network_successes` times. Home and a VPN egress, or
 * two gateways of a mobile carrier, are far apart yet both familiar; an attacker's network is new to
 * the login and to the population. The counts are the risk model's prefix counts (before this report);
 * without them nothing is skipped.
 */
function knownNetwork (facts: LoginFacts, options: OptionValues): PolicyOutcome | null {
  const prefix = facts.risk?.features.find(f => f.feature === 'prefix' && f.value !== null && f.value !== '')
  if (prefix === undefined) return null
  const own = num(options, 'own_network_successes')
  const common = num(options, 'common_network_successes')
  const others = Math.max(0, prefix.global_count - prefix.login_count)
  const evidence = { prefix: prefix.value, login_successes: prefix.login_count, other_successes: others }
  if (own > 0 && prefix.login_count >= own) return noted('impossible_travel', 'the login\'s own network', evidence)
  if (common > 0 && others >= common) return noted('impossible_travel', 'a network other logins use', evidence)
  return null
}

function check (facts: LoginFacts, options: OptionValues): PolicyOutcome {
  const { report } = facts
  const previous = facts.profile.last_success
  if (!report.success || previous === null) return nothing()
  const learning = learningState(facts.profile, report.t, options)
  if (learning.learning) return noted('impossible_travel', 'the login is in its learning period', { ...learning })
  const known = knownNetwork(facts, options)
  if (known !== null) return known
  if (!validPlace(report.location) || !validPlace(previous.location)) {
    return noted('impossible_travel', 'a location is unknown')
  }
  const here = radiusKm(report.location, options)
  const there = radiusKm(previous.location, options)
  const maxAccuracy = num(options, 'max_accuracy_km')
  if (here > maxAccuracy || there > maxAccuracy) {
    return noted('impossible_travel', 'a location is too imprecise', { accuracy_km: [there, here], max_accuracy_km: maxAccuracy })
  }
  const centresKm = distanceKm(previous.location, report.location)
  const km = Math.max(0, centresKm - here - there)
  // Reports may arrive out of order: the time between them is what matters, not its sign. Two far
  // places at the same second are infinitely fast; one second keeps the speed finite for JSON.
  const hours = Math.max(Math.abs(report.t - previous.t), 1) / 3600
  const kmh = km / hours
  if (km < num(options, 'min_km') || kmh < num(options, 'min_kmh')) return nothing()
  return found(loginFinding(facts, 'impossible_travel', options, {
    from: { t: previous.t, remote: previous.remote, country: previous.country, ...previous.location },
    to: { t: report.t, remote: report.remote, country: report.country, ...report.location },
    distance_km: Math.round(km),
    centres_km: Math.round(centresKm),
    hours: Math.round(hours * 1000) / 1000,
    speed_kmh: Math.round(kmh)
  }))
}

export const impossibleTravel: PolicyDefinition = {
  name: 'impossible_travel',
  source: 'Elastic (500 km, 800 km/h); Okta uses 805 km/h (500 mph); known networks and learning period after Microsoft Entra atypical travel; accuracy handling: trackalert',
  options: {
    min_km: { kind: 'number', default: 500, min: 0, unit: 'km', doc: 'smallest distance between the two logins, after subtracting both accuracy radii' },
    min_kmh: { kind: 'number', default: 800, min: 0, unit: 'km/h', doc: 'smallest speed (an airliner cruises at about 900 km/h)' },
    max_accuracy_km: { kind: 'number', default: 500, min: 0, unit: 'km', doc: 'a place with a larger accuracy radius is skipped (MaxMind gives 1000 km when it knows only the country)' },
    default_accuracy_km: { kind: 'number', default: 50, min: 0, unit: 'km', doc: 'radius assumed when the geo database gives none (DB-IP Lite)' },
    own_network_successes: { kind: 'number', default: 1, min: 0, integer: true, doc: 'skip when the login already succeeded this often from the destination prefix (0: never skip)' },
    common_network_successes: { kind: 'number', default: 2, min: 0, integer: true, doc: 'skip when other logins succeeded this often from the destination prefix, a shared or VPN network (0: never skip)' },
    ...learningOptions,
    severity: severityOption('high')
  },
  // The prefix counts of the risk inputs tell a known network from a new one.
  requires: () => ({ risk: true }),
  check
}
