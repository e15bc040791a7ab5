export type { ContractOptions } from './contract.js';
export { CONTRACT_SECRET_KEY, runEngineContract } from './contract.js';
export type { LogRecord } from './logger.js';
export { RecordingLogger } from './logger.js';
