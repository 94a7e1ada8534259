/**
 * Legitimate behaviour of one user: sessions in a daily rhythm of the user's local time, from home,
 * work, the phone's carrier, a VPN or a trip's destination; password typos (one or two failures, then
 * usually a success); devices updating their versions; a new phone showing up; trips by plane whose
 * flight time makes the travel speed plausible.
 */
import { addressIn, type GeoCatalog, type GeoNetwork } from '../geo/catalog.ts'
import { distanceKm } from '../geo/distance.ts'
import type { Rng } from '../rng.ts'
import { deviceString, type OwnedDevice } from './devices.ts'
import { DAY, HOUR, ms, type LoginEvent } from './events.ts'
import { homeIpOn, type User } from './population.ts'

export interface Trip {
  readonly dest: GeoNetwork
  readonly hotelIp: string
  /** Leaving home (last moment at home) and arriving at the destination, and the same back. */
  readonly departOut: number
  readonly arriveOut: number
  readonly departBack: number
  readonly arriveBack: number
}

/** Hours in the air and at airports for a distance: cruise at ~800 km/h plus 1.5 h on the ground. */
export function flightHours (km: number): number { return km / 800 + 1.5 }

// Local hours of the day and how likely a session starts in each: night is quiet, evenings are busy.
const HOURS = Array.from({ length: 24 }, (_, h) => h)
const HOUR_WEIGHTS = [1, 0.5, 0.3, 0.2, 0.2, 0.5, 2, 5, 8, 8, 7, 6, 7, 6, 6, 6, 6, 6, 7, 8, 8, 7, 5, 2]

function poisson (rng: Rng, mean: number): number {
  const limit = Math.exp(-mean)
  let k = 0
  let p = rng.next()
  while (p > limit) { k++; p *= rng.next() }
  return k
}

export function planTrips (user: User, catalog: GeoCatalog, rng: Rng, t0: number, days: number): Trip[] {
  const trips: Trip[] = []
  const count = poisson(rng, 0.35 * days / 30)
  let earliest = 1
  for (let k = 0; k < count && earliest < days - 2; k++) {
    const startDay = rng.int(earliest, days - 2)
    const nights = rng.int(2, 7)
    const abroad = rng.chance(0.5)
    const dest = abroad ? catalog.foreignNetwork(rng, user.country, catalog.countries.slice(0, 30)) : catalog.network(rng, user.country)
    const hours = flightHours(distanceKm(user.home, dest))
    const departOut = t0 + startDay * DAY + (rng.int(6, 20) - user.tzHours) * HOUR
    const arriveOut = departOut + hours * HOUR
    const departBack = arriveOut + nights * DAY
    trips.push({ dest, hotelIp: addressIn(dest, rng), departOut, arriveOut, departBack, arriveBack: departBack + hours * HOUR })
    earliest = startDay + nights + 2
  }
  return trips
}

function pickDevice (user: User, day: number, rng: Rng): OwnedDevice {
  const phones = user.phones.filter((p) => p.fromDay <= day)
  if (phones.length > 0 && rng.chance(0.45)) {
    // After a new phone arrives it is the one mostly used.
    return phones.length > 1 && rng.chance(0.9) ? phones[phones.length - 1]! : rng.pick(phones)
  }
  return rng.pick(user.desktops)
}

interface Place { ip: string }

function placeFor (user: User, dev: OwnedDevice, day: number, t: number, localHour: number, trips: readonly Trip[], rng: Rng): Place | null {
  for (const trip of trips) {
    if (t > trip.departOut && t < trip.arriveOut) return null // in the air
    if (t > trip.departBack && t < trip.arriveBack) return null
    if (t >= trip.arriveOut && t <= trip.departBack) return { ip: trip.hotelIp }
  }
  const weekday = (day + 1) % 7 < 5
  const atWork = user.workplace !== null && weekday && localHour >= 8 && localHour < 18
  if (atWork && (!dev.kind.mobile || rng.chance(0.5))) return { ip: rng.pick(user.workplace!.egress).ip }
  if (dev.kind.mobile && user.carrier.length > 0 && rng.chance(0.65)) return { ip: rng.pick(user.carrier).ip }
  if (!dev.kind.mobile && user.vpn !== null && rng.chance(0.3)) return { ip: rng.pick(user.vpn.egress).ip }
  return { ip: homeIpOn(user, day) }
}

export function legitEvents (user: User, catalog: GeoCatalog, rng: Rng, t0: number, days: number): { events: LoginEvent[], trips: Trip[] } {
  const trips = planTrips(user, catalog, rng.fork('trips'), t0, days)
  const events: LoginEvent[] = []
  const end = t0 + days * DAY
  for (let day = 0; day < days; day++) {
    const weekend = (day + 1) % 7 >= 5
    const sessions = poisson(rng, user.sessionsPerDay * (weekend ? 0.7 : 1))
    for (let s = 0; s < sessions; s++) {
      const localHour = rng.weighted(HOURS, HOUR_WEIGHTS)
      const t = t0 + day * DAY + (localHour - user.tzHours) * HOUR + rng.int(0, 3599)
      if (t < t0 || t >= end - 60) continue
      const dev = pickDevice(user, day, rng)
      const place = placeFor(user, dev, day, t, localHour, trips, rng)
      if (place === null) continue
      const base = { login: user.login, remote: place.ip, protocol: dev.kind.protocol, deviceId: deviceString(dev, day), label: -1 }
      let at = t
      if (rng.chance(user.typoRate)) {
        const failures = rng.chance(0.3) ? 2 : 1
        for (let f = 0; f < failures; f++) {
          events.push({ ...base, t: ms(at), success: false, password: `${user.password}-typo${f}` })
          at += rng.real(4, 20)
        }
        if (rng.chance(0.1)) continue // gave up for now
      }
      events.push({ ...base, t: ms(at), success: true, password: user.password })
    }
  }
  return { events, trips }
}
