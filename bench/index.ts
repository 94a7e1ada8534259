/**
 * Benchmark harness (`npm run bench`, docs/performance.md). The entry points are run.ts (the
 * benchmark), profile.ts (CPU profile under load), bare-server.ts and webhook-receiver.ts (helper
 * processes); this barrel exports the reusable parts.
 */
export { formatProfile, summariseProfile, categoryOf, type CpuProfile, type FrameTime, type ProfileSummary } from './cpuprofile.ts'
export { SCENARIOS, probeScenario, writeScenarioConfig, type Scenario, type ScenarioContext, type ProbeResult } from './scenarios.ts'
export { readSettings, type BenchSettings } from './settings.ts'
export { formatTable, median, summarise, type MeasuredRun, type ScenarioResult, type TargetSummary } from './summary.ts'
export { luaLiteral, runWrk, wrkVersion, type WrkOptions, type WrkResult } from './wrk.ts'
export { cpuSeconds, machineBusySeconds, peakRssMiB, reapedChildrenCpuSeconds, startBare, startDaemon, startReceiver, startServer, type Server } from './processes.ts'
