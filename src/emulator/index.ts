// The PBX emulator: seri_endpoint.php's phonebook services over real HTTP, for tests, the demo and trying things out.
export { startEmulator, type RunningEmulator } from "./server.js";
export { EMULATOR_DEFAULTS, EMULATOR_PATH, type EmulatorOptions, type Fault, type RequestLogEntry, type StoredContact } from "./types.js";
export { sanitizeNumber } from "./sanitize.js";
export { checkLatency, parseLatency, type Latency } from "./latency.js";
