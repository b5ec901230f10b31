// The configuration module's public face.
export { loadConfig, parseConfig, type AppConfig, type JobConfig, type LoadOptions, type StoreOptionsConfig } from "./load.js";
export { DEFAULTS, configSchema } from "./schema.js";
export { interpolateEnv } from "./interpolate.js";
