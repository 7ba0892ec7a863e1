/** The local multi-cloud simulation and its fault injection (the same code the chaos tests use). */
export {
  DEFAULT_SIM,
  planHosts,
  regionOf,
  REGIONS,
  type SimOptions,
  type SimTopology,
} from './plan.ts';
export { cloudPids, writeSimState, type CloudState, type SimState } from './state.ts';
export {
  startSim,
  killCloud,
  hangCloud,
  restoreCloud,
  healAll,
  stopSim,
  readSimState,
} from './sim.ts';
export { startLoad, type LoadGenerator, type LoadSecond } from './load.ts';
export { renderFrame } from './view.ts';
export { deploySample, spreadManifest } from './deploy.ts';
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
