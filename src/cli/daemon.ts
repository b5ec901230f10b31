// `phonebook-sync daemon`: runs the scheduled jobs until SIGTERM; SIGHUP reloads the configuration.
import { Command, Option } from "commander";
import { LOG_LEVELS, loadConfig } from "../config/index.js";
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
    .action(
      action(async (flags: DaemonFlags) => {
        const config = await loadConfig(flags.config);
        const logger = createLogger({ level: flags.logLevel ?? config.log.level, pretty: flags.pretty ?? process.stderr.isTTY === true });
        // The last line of defence of a process that runs for months: a promise nobody observed is a bug to
        // report, not a reason to stop every job's schedule.
        const onUnhandled = (reason: unknown) => logger.error({ err: reason instanceof Error ? { message: reason.message, stack: reason.stack } : String(reason) }, "BUG: unhandled rejection (please report it); the daemon goes on");
        process.on("unhandledRejection", onUnhandled);
        // Listening from the first moment: a SIGTERM while the store and the PBX are opened stops the daemon
        // as soon as it has started, instead of killing it half-way.
        const signals = new DaemonSignals(logger);
        logger.info({ config: config.file, pid: process.pid }, "daemon starting");
        try {
          const daemon = await Daemon.start(config, logger);
          await signals.untilStopped(daemon);
          return EXIT.success;
        } finally {
          signals.dispose();
          process.off("unhandledRejection", onUnhandled);
        }
      }),
    );
}

/** The daemon's signal handlers: SIGTERM/SIGINT shut it down (a second one cancels the requests in flight), SIGHUP reloads. */
class DaemonSignals {
  private daemon: Daemon | null = null;
  private stopSignal: NodeJS.Signals | null = null;
  private stopped: Promise<void> | null = null;
  private reloadWhenStarted = false;
  private resolveStarted: (() => void) | null = null;

  constructor(private readonly logger: Logger) {
    process.on("SIGTERM", this.onStop);
    process.on("SIGINT", this.onStop);
    process.on("SIGHUP", this.onReload);
  }

  /** Resolves once a SIGTERM or SIGINT (maybe one that came while it started) has shut the daemon down. */
  untilStopped(daemon: Daemon): Promise<void> {
    this.daemon = daemon;
    if (this.stopSignal) return this.shutdown(daemon, this.stopSignal);
    if (this.reloadWhenStarted) this.onReload();
    return new Promise((resolve) => {
      this.resolveStarted = resolve;
    });
  }

  dispose(): void {
    process.off("SIGTERM", this.onStop);
    process.off("SIGINT", this.onStop);
    process.off("SIGHUP", this.onReload);
  }

  private shutdown(daemon: Daemon, signal: NodeJS.Signals): Promise<void> {
    this.stopped ??= daemon.shutdown(signal);
    return this.stopped;
  }

  private readonly onStop = (signal: NodeJS.Signals): void => {
    const daemon = this.daemon;
    if (this.stopSignal) {
      if (!daemon) {
        // Still opening the store or the PBX: no run has started, there is nothing to record.
        this.logger.warn({ signal }, "second signal while starting: exiting at once");
        process.exit(signal === "SIGINT" ? 130 : 143);
      }
      this.logger.warn({ signal }, "second signal: cancelling the requests in flight");
      daemon.cancelNow(`interrupted: daemon shutting down (${signal}, twice)`);
      return;
    }
    this.stopSignal = signal;
    if (!daemon) {
      this.logger.info({ signal }, "stop requested while starting: the daemon stops as soon as it has started");
      return;
    }
    const resolve = this.resolveStarted;
    void this.shutdown(daemon, signal).then(() => resolve?.());
  };

  private readonly onReload = (): void => {
    const daemon = this.daemon;
    if (!daemon) {
      this.logger.info("SIGHUP while starting: the configuration is reloaded as soon as the daemon has started");
      this.reloadWhenStarted = true;
      return;
    }
    this.logger.info("SIGHUP: reloading the configuration");
    daemon.reload().catch((err: unknown) => this.logger.error({ err: String(err) }, "reload failed; the old configuration keeps running"));
  };
}
