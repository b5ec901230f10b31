// The work behind `phonebook-sync daemon`, loaded only when it runs: --help and --version never load it.
import { loadConfig } from "../config/index.js";
import { createLogger, type Logger } from "../logger.js";
import { Daemon } from "../scheduler/daemon.js";
import type { DaemonFlags } from "./daemon.js";
import { EXIT, type ExitCode } from "./exit.js";

/** Starts the daemon and keeps it running until a SIGTERM or SIGINT has shut it down. */
export async function daemonAction(flags: DaemonFlags): Promise<ExitCode> {
  // The daemon's stderr is JSON lines: a warning about the file waits for the logger that writes them.
  const warnings: string[] = [];
  const config = await loadConfig(flags.config, { warn: (message) => warnings.push(message) });
  const logger = createLogger({ level: flags.logLevel ?? config.log.level, pretty: flags.pretty ?? process.stderr.isTTY === true });
  for (const warning of warnings) logger.warn({ config: config.file }, warning);
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
