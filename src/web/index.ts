/**
 * The live web dashboard: clouds, hosts, instances, links, request rates, application status and
 * events of any lattice, read from NATS like any client; fault buttons in simulation mode.
 */
export {
  startDashboard,
  type Dashboard,
  type DashboardOptions,
  type DashboardState,
  type SimControls,
} from './dashboard.ts';
export type { RouteHandler } from './server.ts';
export {
  buildView,
  SIM_ACTIONS,
  type CloudView,
  type DashboardView,
  type HostStatus,
  type HostView,
  type SimAction,
} from './view.ts';
export {
  addEvent,
  applyBeat,
  emptyModel,
  expire,
  hostGone,
  sample,
  type LatticeModel,
} from './model.ts';
export { renderFragments, renderPage, type Fragments } from './render.ts';
