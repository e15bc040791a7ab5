export { FileEngine, type FileEngineOptions, fileEngine, STALE_TEMP_AGE_MS } from './engine.js';
export { TEMP_MARKER } from './names.js';
