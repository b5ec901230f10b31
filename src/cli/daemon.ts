// `phonebook-sync daemon`: runs the scheduled jobs until SIGTERM; SIGHUP reloads the configuration.
import { Command, Option } from "commander";
import { LOG_LEVELS } from "../config/log-levels.js";
import { action } from "./exit.js";

/** The flags as commander hands them over. */
export interface DaemonFlags {
  config: string;
  logLevel?: string;
  pretty?: boolean;
}

export function daemonCommand(): Command {
  return new Command("daemon")
    .description("Run every job on its schedule (cron, in its time zone) until stopped: the nightly sync.")
    .requiredOption("-c, --config <file>", "configuration file (YAML)")
    .addOption(new Option("--log-level <level>", "log level (default: log.level of the configuration)").choices(LOG_LEVELS))
    .addOption(new Option("--pretty", "human-readable log lines (default when stderr is a terminal)"))
    .addOption(new Option("--no-pretty", "JSON log lines (default when stderr is not a terminal)"))
    .addHelpText(
      "after",
      `
Each job with a schedule (its own, or defaults.schedule) runs on that cron expression in its time zone
(a sixth field in front counts seconds). A job never overlaps itself, also across daemons sharing a
MySQL/MariaDB store: each scheduled run happens once. On start, a job whose last complete run missed a
slot runs once (catchUp, default on). A run that failed for a passing reason is retried within
retryWindow. With daemon.http set, GET /healthz and /metrics (Prometheus) answer on that port.

Signals:
  SIGTERM, SIGINT  stop scheduling, let the batches in flight finish (daemon.shutdownTimeoutMs), record the
                   runs "aborted", release the locks, exit 0; a second signal cancels the requests in flight
  SIGHUP           reload the configuration; an invalid one is logged, problem by problem, and the old one
                   keeps running

Logs are JSON lines on stderr (pino), human-readable on a terminal; the PBX token never appears.

Examples:
  VOISPEED_TOKEN=... phonebook-sync daemon --config /etc/phonebook-sync/config.yaml
  phonebook-sync jobs --config /etc/phonebook-sync/config.yaml     # schedules, next and last runs`,
    )
    // The work, and the modules it needs, load only when the command runs: --help stays quick.
    .action(action(async (flags: DaemonFlags) => (await import("./daemon-action.js")).daemonAction(flags)));
}
