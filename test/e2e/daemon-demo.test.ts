// `phonebook-sync daemon --config examples/demo.yaml`, the example as shipped (on a free port): health, metrics, its first run.
import { cp, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { ROOT } from "../helpers/cli.js";
import { logOf, startDaemon } from "../helpers/daemon.js";
import { parsePrometheus, sampleValue } from "../helpers/prometheus.js";
import { tempDir } from "../helpers/temp.js";

describe("the demo configuration under the daemon", () => {
  it("serves /healthz and /metrics, catches up the demo job on the embedded PBX, and stops on SIGTERM with 0", async () => {
    // A copy laid out as in the repository (demo.yaml refers to ../mappings and ../data), only the port changed.
    const dir = await tempDir("pbsync-daemon-demo-");
    for (const part of ["examples/demo.yaml", "examples/contacts.csv", "mappings/default.yaml"]) {
      await cp(path.join(ROOT, part), path.join(dir, part));
    }
    const config = path.join(dir, "examples", "demo.yaml");
    const text = await readFile(config, "utf8");
    expect(text).toContain("http: { port: 9464, host: 127.0.0.1 }");
    await writeFile(config, text.replace("port: 9464", "port: 0"));

    const daemon = startDaemon(config, { env: { VOISPEED_TOKEN: "" } });
    const base = await daemon.httpUrl(20_000);
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe("ok");
    const metrics = parsePrometheus(await (await fetch(`${base}/metrics`)).text());
    expect(sampleValue(metrics, "phonebook_sync_up")).toBe(1);

    const finished = await daemon.waitForLog(logOf("run finished", { job: "demo" }), 60_000);
    expect(await daemon.stop("SIGTERM")).toEqual({ code: 0, signal: null });

    const store = await openStore({ client: "sqlite", filename: path.join(dir, "data", "phonebook-sync.sqlite") }, { mustExist: true });
    try {
      const runs = await store.listRuns({ job: "demo" });
      const run = runs.find((each) => each.id === finished["runId"]);
      expect(run?.trigger).toBe("catch-up");
      // A minute may turn during the test: its regular run is the only other one there can be.
      expect(runs.filter((each) => each !== run).map((each) => each.trigger)).toEqual(runs.length > 1 ? ["schedule"] : []);
      // The example has broken rows on purpose: partial, with every good contact inserted.
      expect(run?.status).toBe("partial");
      expect(run?.counts.inserted).toBe(191);
    } finally {
      await store.close();
    }
  });
});
