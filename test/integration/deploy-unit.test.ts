// The systemd unit in deploy/: systemd-analyze verifies it as checked in, its hardening keys are there, and its
// offline security exposure stays low.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync } from "node:fs";
import { cp, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

const UNIT_FILE = path.join(ROOT, "deploy", "phonebook-sync.service");
const UNIT_TEXT = readFileSync(UNIT_FILE, "utf8");
/** Where the README installs the unit; the same path inside the test root. */
const INSTALLED_UNIT = "/etc/systemd/system/phonebook-sync.service";
/** The daemon's default daemon.shutdownTimeoutMs: systemd must wait longer before its SIGKILL. */
const SHUTDOWN_TIMEOUT_MS = 30_000;
/** `systemd-analyze security --offline` appeared in systemd 250. */
const OFFLINE_SECURITY_SINCE = 250;

interface Tool {
  path: string;
  version: number;
}

function which(program: string): string | undefined {
  const found = spawnSync("sh", ["-c", `command -v ${program}`], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/** systemd-analyze, from Debian's systemd package when missing (as root); otherwise why it cannot run. */
function findSystemdAnalyze(): Tool | { unavailable: string } {
  if (!which("systemd-analyze")) {
    if (process.getuid?.() !== 0) return { unavailable: "systemd-analyze is not installed, and installing it needs root: apt-get install -y systemd" };
    process.stderr.write("[deploy-unit] systemd-analyze is missing: apt-get install -y systemd\n");
    try {
      execFileSync("sh", ["-c", "(apt-get update -qq || true) && apt-get install -y -qq systemd"], {
        stdio: ["ignore", "inherit", "inherit"],
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      });
    } catch (err) {
      return { unavailable: `apt-get install -y systemd failed: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  const found = which("systemd-analyze");
  if (!found) return { unavailable: "systemd-analyze is still missing after apt-get install -y systemd" };
  // "systemd 252 (252.38-1~deb12u1)"
  const version = /^systemd (\d+)/.exec(execFileSync(found, ["--version"], { encoding: "utf8" }));
  if (!version?.[1]) return { unavailable: `cannot read the version of ${found}` };
  return { path: found, version: Number(version[1]) };
}

/** The unit's `key=value` lines by section; a key may repeat (SystemCallFilter=, Environment=, ...). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section?.[1]) {
      current = new Map();
      sections.set(section[1], current);
      continue;
    }
    const pair = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!pair?.[1] || !current) throw new Error(`not a key=value line of a section: ${raw}`);
    current.set(pair[1], [...(current.get(pair[1]) ?? []), pair[2] ?? ""]);
  }
  return sections;
}

function run(tool: Tool, args: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync(tool.path, args, { encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

/**
 * A root directory for `--root=`, holding what verify looks for on the machine the README sets up: the unit at
 * its installed path, byte for byte; executables at the paths of ExecStart= and ExecReload= (stubs: verify only
 * checks that they can be executed); the service user; and this machine's own systemd units, for the targets the
 * unit orders itself against (network-online.target, multi-user.target, sysinit.target).
 */
async function fakeRoot(): Promise<string> {
  const root = await tempDir("pbsync-unit-root-");
  const systemUnits = ["/usr/lib/systemd/system", "/lib/systemd/system"].find((dir) => existsSync(path.join(dir, "multi-user.target")));
  if (!systemUnits) throw new Error("this machine has no systemd units (multi-user.target) to verify against");
  await cp(systemUnits, path.join(root, "usr/lib/systemd/system"), { recursive: true, verbatimSymlinks: true });
  for (const executable of ["/usr/local/bin/phonebook-sync", "/bin/kill"]) {
    await mkdir(path.join(root, path.dirname(executable)), { recursive: true });
    await writeFile(path.join(root, executable), "#!/bin/sh\nexit 0\n");
    chmodSync(path.join(root, executable), 0o755);
  }
  await mkdir(path.join(root, "etc/systemd/system"), { recursive: true });
  await writeFile(path.join(root, INSTALLED_UNIT), UNIT_TEXT);
  // As `useradd --system ... phonebook-sync` leaves it.
  await writeFile(path.join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nphonebook-sync:x:998:998::/var/lib/phonebook-sync:/usr/sbin/nologin\n");
  await writeFile(path.join(root, "etc/group"), "root:x:0:\nphonebook-sync:x:998:\n");
  return root;
}

const tool = findSystemdAnalyze();

if ("unavailable" in tool) {
  // A missing tool fails, never skips: otherwise a broken unit would ship with a green test run.
  describe("the systemd unit in deploy/", () => {
    it("has systemd-analyze to check it with", () => {
      throw new Error(`cannot run: ${tool.unavailable}`);
    });
  });
} else {
  describe("the systemd unit in deploy/", () => {
    let root = "";
    beforeAll(async () => {
      root = await fakeRoot();
    });

    it("passes systemd-analyze verify without a single warning", () => {
      expect(readFileSync(path.join(root, INSTALLED_UNIT), "utf8")).toBe(UNIT_TEXT);
      const verified = run(tool, ["verify", `--root=${root}`, INSTALLED_UNIT]);
      expect(verified.output).toBe("");
      expect(verified.status).toBe(0);
    });

    it("is checked by a verify that does report a bad key and a missing executable", async () => {
      // The same setup on a broken copy: shows the empty output above comes from a real check of the file.
      const broken = UNIT_TEXT.replace(/^ProtectSystem=strict$/m, "ProtectSystem=strickt").replace(/^ExecStart=\/usr\/local\/bin\/phonebook-sync /m, "ExecStart=/usr/local/bin/phonebook-sinc ");
      expect(broken.split("\n").filter((line, i) => line !== UNIT_TEXT.split("\n")[i])).toHaveLength(2);
      await writeFile(path.join(root, "etc/systemd/system/phonebook-sync-broken.service"), broken);
      const verified = run(tool, ["verify", `--root=${root}`, "/etc/systemd/system/phonebook-sync-broken.service"]);
      expect(verified.output).toMatch(/protect system value.*strickt/i);
      expect(verified.output).toMatch(/\/usr\/local\/bin\/phonebook-sinc is not executable/);
    });

    it("sets the user, commands, restart policy and every hardening key the deployment relies on", () => {
      const unit = parseUnit(UNIT_TEXT);
      const service = unit.get("Service") ?? new Map<string, string[]>();
      const one = (key: string) => {
        const values = service.get(key);
        expect(values, `${key}= in [Service]`).toHaveLength(1);
        return values?.[0];
      };
      const expected: Record<string, string> = {
        User: "phonebook-sync",
        Group: "phonebook-sync",
        ExecStart: "/usr/local/bin/phonebook-sync daemon --config /etc/phonebook-sync/config.yaml",
        ExecReload: "/bin/kill -HUP $MAINPID",
        EnvironmentFile: "/etc/phonebook-sync/env",
        Restart: "on-failure",
        KillSignal: "SIGTERM",
        StateDirectory: "phonebook-sync",
        ProtectSystem: "strict",
        ProtectHome: "yes",
        PrivateTmp: "yes",
        NoNewPrivileges: "yes",
        PrivateDevices: "yes",
        ProtectKernelTunables: "yes",
        ProtectKernelModules: "yes",
        ProtectKernelLogs: "yes",
        ProtectControlGroups: "yes",
        ProtectClock: "yes",
        ProtectHostname: "yes",
        RestrictAddressFamilies: "AF_INET AF_INET6 AF_UNIX",
        RestrictNamespaces: "yes",
        RestrictRealtime: "yes",
        LockPersonality: "yes",
        SystemCallArchitectures: "native",
        SystemCallFilter: "@system-service",
        CapabilityBoundingSet: "",
        UMask: "0077",
      };
      for (const [key, value] of Object.entries(expected)) expect(one(key), `${key}=`).toBe(value);
      expect(one("RestartSec")).toMatch(/^\d+s$/);
      expect(service.get("Environment")).toContain("NODE_ENV=production");
      // V8's JIT needs writable and executable pages: with this key Node aborts at start-up.
      expect(service.has("MemoryDenyWriteExecute")).toBe(false);
      // systemd's SIGKILL must come after the daemon's own shutdown deadline, or batches in flight are cut off.
      const stopAfter = /^(\d+)s$/.exec(one("TimeoutStopSec") ?? "");
      expect(Number(stopAfter?.[1]) * 1000).toBeGreaterThan(SHUTDOWN_TIMEOUT_MS);
      expect(unit.get("Unit")?.get("After")).toContain("network-online.target");
      expect(unit.get("Unit")?.get("Wants")).toContain("network-online.target");
      expect(unit.get("Install")?.get("WantedBy")).toEqual(["multi-user.target"]);
    });

    // On a systemd older than 250 there is no offline review of a unit file, only of loaded units: this
    // assertion then has nothing to run against and is left out.
    it.runIf(tool.version >= OFFLINE_SECURITY_SINCE)("has an offline security exposure below 5.0", () => {
      const review = run(tool, ["security", "--offline=yes", `--root=${root}`, INSTALLED_UNIT]);
      expect(review.status, review.output).toBe(0);
      const score = /Overall exposure level for phonebook-sync\.service: (\d+(?:\.\d+)?)/.exec(review.output);
      expect(score, review.output).not.toBeNull();
      process.stdout.write(`[deploy-unit] systemd ${tool.version}: exposure of phonebook-sync.service is ${score?.[1]} (below 5.0 required)\n`);
      expect(Number(score?.[1])).toBeLessThan(5);
    });
  });
}
