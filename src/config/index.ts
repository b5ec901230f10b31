// The configuration module's public face.
export { loadConfig, parseConfig, type AppConfig, type JobConfig, type LoadOptions, type StoreOptionsConfig } from "./load.js";
export { DEFAULTS, LOG_LEVELS, configSchema, type DaemonConfig } from "./schema.js";
export { interpolateEnv } from "./interpolate.js";
export { parseDuration, formatDuration } from "./duration.js";
export { checkCron, checkTimezone, systemTimezone, nextRuns, previousPeriodMs, formatInZone } from "./schedule.js";
export { notificationSecrets, type NotificationsConfig, type WebhookConfig, type EmailConfig } from "./notifications-schema.js";
