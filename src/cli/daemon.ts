// `phonebook-sync daemon`: runs the scheduled jobs until SIGTERM; SIGHUP reloads the configuration.
import { Command, Option } from "commander";
import { loadConfig } from "../config/index.js";
import { createLogger, type Logger } from "../logger.js";
import { Daemon } from "../scheduler/daemon.js";
import { action, EXIT } from "./exit.js";

interface DaemonFlags {
  config: string;
  logLevel?: string;
  pretty?: boolean;
}

export function daemonCommand(): Command {
  return new Command("daemon")
    .description("Run every job on its schedule (cron, in its time zone) until stopped: the nightly sync.")
    .requiredOption("-c, --config <file>", "configuration file (YAML)")
    .addOption(new Option("--log-level <level>", "log level (default: log.level of the configuration)").choices(["error", "warn", "info", "debug", "trace"]))
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
    .action(
      action(async (flags: DaemonFlags) => {
        const config = await loadConfig(flags.config);
        const logger = createLogger({ level: flags.logLevel ?? config.log.level, pretty: flags.pretty ?? process.stderr.isTTY === true });
        // The last line of defence of a process that runs for months: a promise nobody observed is a bug to
        // report, not a reason to stop every job's schedule.
        const onUnhandled = (reason: unknown) => logger.error({ err: reason instanceof Error ? { message: reason.message, stack: reason.stack } : String(reason) }, "BUG: unhandled rejection (please report it); the daemon goes on");
        process.on("unhandledRejection", onUnhandled);
        try {
          const daemon = await Daemon.start(config, logger);
          await untilStopped(daemon, logger);
          return EXIT.success;
        } finally {
          process.off("unhandledRejection", onUnhandled);
        }
      }),
    );
}

/** Resolves once a SIGTERM or SIGINT has shut the daemon down; SIGHUP reloads meanwhile. Removes its listeners. */
function untilStopped(daemon: Daemon, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onStop = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, "second signal: cancelling the requests in flight");
        daemon.cancelNow(`interrupted: daemon shutting down (${signal}, twice)`);
        return;
      }
      stopping = true;
      void daemon.shutdown(signal).then(() => {
        process.off("SIGTERM", onStop);
        process.off("SIGINT", onStop);
        process.off("SIGHUP", onReload);
        resolve();
      });
    };
    const onReload = () => {
      logger.info("SIGHUP: reloading the configuration");
      daemon.reload().catch((err: unknown) => logger.error({ err: String(err) }, "reload failed; the old configuration keeps running"));
    };
    process.on("SIGTERM", onStop);
    process.on("SIGINT", onStop);
    process.on("SIGHUP", onReload);
  });
}
