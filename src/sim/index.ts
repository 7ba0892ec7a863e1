/** The local multi-cloud simulation and its fault injection (the same code the chaos tests use). */
export {
  DEFAULT_SIM,
  planHosts,
  regionOf,
  REGIONS,
  type SimOptions,
  type SimTopology,
} from './plan.ts';
export {
  cloudNetwork,
  cloudPids,
  writeSimState,
  type CloudState,
  type NetworkState,
  type SimState,
} from './state.ts';
export { startSim, stopSim, readSimState, type StartSimOptions } from './sim.ts';
export { liveSimulations, netnsUnavailable, type LiveSimulation } from './netns.ts';
export {
  killCloud,
  hangCloud,
  restoreCloud,
  healAll,
  partitionCloud,
  cutLink,
  healNetwork,
  setLatency,
} from './faults.ts';
export { originClouds } from './origins.ts';
export {
  startLoad,
  warmUp,
  servedCloud,
  inFlightBound,
  type InFlightCap,
  type LoadGenerator,
  type LoadOptions,
  type LoadRequest,
  type LoadSecond,
  type LoadTotals,
  type RequestResult,
} from './load.ts';
export { startLatencyProxy, type LatencyProxy, type ProxyListener } from './proxy.ts';
export { renderFrame } from './view.ts';
export {
  deploySample,
  counterManifest,
  spreadManifest,
  SAMPLE,
  SERVED_BY_HEADER,
} from './deploy.ts';
export {
  appendRecord,
  journalFile,
  lastJournalFile,
  parseJournal,
  readJournal,
  recordFault,
  type JournalRecord,
} from './journal.ts';
export { startRecorder, type Recorder } from './recorder.ts';
export {
  chartPng,
  deriveTimeline,
  renderMarkdown,
  renderReport,
  type Incident,
  type Timeline,
} from './report/index.ts';
export { simIssuer } from './keys.ts';
