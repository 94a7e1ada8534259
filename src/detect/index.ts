/** The built-in policies wired to the report path: facts from history, findings to the alert hub. */
export { AttackerSources } from './attacker-sources.ts'
export { Detector, type Detection } from './detector.ts'
