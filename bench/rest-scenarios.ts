// The rows of a REST source: the same contacts as the CSV, as nested JSON served in pages of 1,000 with cursor
// paging by a local API in its own process (bench/rest-server.ts), read by the REST connector and mapped by paths.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { REST_PAGE_SIZE, writeRestPages } from "./rest-pages.js";
import { csvOf, expectRows, prepareCsv, syncScenarios, type RunContext, type ScenarioRole, type SourceGroup } from "./scenarios.js";

export const REST_APP_NAME = "BENCH_REST";
const START_TIMEOUT_MS = 20_000;

interface RestApi {
  url: string;
  child: ChildProcess;
}

/** The API of each N's working directory, started by the first REST scenario and stopped by the group's finish. */
const apis = new Map<string, RestApi>();

/** Writes the pages (untimed, once per N) and starts the API serving them. */
async function apiFor(ctx: RunContext): Promise<RestApi> {
  const running = apis.get(ctx.dir);
  if (running) return running;
  await writeRestPages(ctx.dir, ctx.n);
  const child = spawn(process.execPath, [path.join(ctx.root, "dist", "bench", "rest-server.js"), ctx.dir], { stdio: ["pipe", "pipe", "pipe"] });
  const api = { url: await listeningUrl(child), child };
  apis.set(ctx.dir, api);
  return api;
}

function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the REST API did not say where it listens within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      child.off("exit", onExit);
      resolve(url);
    };
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`the REST API exited (${code}) before it listened:\n${output}`));
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}

async function stopApi(ctx: RunContext): Promise<void> {
  const api = apis.get(ctx.dir);
  apis.delete(ctx.dir);
  if (!api || api.child.exitCode !== null || api.child.signalCode !== null) return;
  const exited = once(api.child, "exit");
  api.child.stdin?.end();
  const timer = setTimeout(() => api.child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/** The whole listing and the edited one: the same API, two paths, as a CRM before and after a day's edits. */
async function prepareRest(ctx: RunContext, _role: ScenarioRole): Promise<void> {
  await prepareCsv(ctx);
  const api = await apiFor(ctx);
  const mapping = path.join(ctx.root, "bench", "rest-mapping.yaml");
  const config = (variant: string): string => `pbx:
  url: ${JSON.stringify(ctx.emulator.url)}
  token: \${VOISPEED_TOKEN}
store: { client: sqlite, filename: ./store-rest.sqlite }
jobs:
  - name: bench-rest
    appName: ${REST_APP_NAME}
    source:
      type: rest
      baseUrl: ${JSON.stringify(api.url)}
      path: /${variant}/contacts
      query: { limit: ${REST_PAGE_SIZE} }
      records: data
      paging: { type: cursor, param: after, from: paging.next }
      id: id
    mapping: ${JSON.stringify(mapping)}
`;
  await writeFile(path.join(ctx.dir, "rest-whole.yaml"), config("whole"));
  await writeFile(path.join(ctx.dir, "rest-edited.yaml"), config("edited"));
}

export const REST_GROUP: SourceGroup = {
  source: "rest",
  appName: REST_APP_NAME,
  scenarios: [
    {
      role: "parse-only",
      source: "rest",
      prepare: (ctx) => prepareRest(ctx, "first sync"),
      command: (ctx) => ({ args: [path.join(ctx.root, "dist", "bench", "scenarios", "rest-read-only.js"), `${apiOf(ctx)}/whole/contacts`, String(REST_PAGE_SIZE)] }),
      check: async (ctx, run) => expectRows(ctx, run),
    },
    ...syncScenarios({ source: "rest", prepare: prepareRest, configs: { whole: "rest-whole.yaml", edited: "rest-edited.yaml" }, store: "store-rest.sqlite", shape: csvOf }),
  ],
  finish: stopApi,
};

function apiOf(ctx: RunContext): string {
  const api = apis.get(ctx.dir);
  if (!api) throw new Error("the REST API was not started");
  return api.url;
}
