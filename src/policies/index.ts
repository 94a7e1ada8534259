/** Built-in detections: pure policies over a report's history facts, and the engine that runs them. */
export { PolicyEngine, builtInPolicies, type Evaluation } from './engine.ts'
export { attackerProbability, riskScore, type RiskResult, type FeatureRisk } from './risk.ts'
export { distanceKm } from './travel.ts'
export type { PolicyNote } from './policy.ts'
export type { OptionSpec, OptionValue, OptionValues } from './options.ts'
export * from './types.ts'
