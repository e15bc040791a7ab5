// @sess/adapter-tests: the scenario table the four framework adapters share (private, test-only).
export { Client, type Reply, type RequestOptions } from './client.js';
export { ENGINES, type EngineCase, type MadeEngine, type Outage } from './engine-cases.js';
export { ProbedEngine } from './probe.js';
export { Gate, type RouteResult, type RouteState, type ScenarioRoute, scenarioRoutes } from './routes.js';
export {
  type AdapterUnderTest,
  listenOnLoopback,
  type RunningServer,
  runAdapterScenarios,
  type StartOptions,
} from './scenarios.js';
