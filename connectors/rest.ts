// The REST connector: the records of a JSON API, page by page, declared in configuration (a CRM preset's source:
// block, or the job's own), with its login, joins and, where the API allows, incremental reads.
import { silentLogger, type Logger } from "../src/logger.js";
import { shapesOf } from "../src/mapping/field-path.js";
import { toText } from "../src/mapping/values.js";
import { registerSecret } from "../src/redact.js";
import { RestAuthenticator } from "./rest-auth.js";
import { describeRestSource, mainListing, restConfigSchema, restSecrets, type RestConfig, type RestRequest } from "./rest-config.js";
import { RestHttp, type RestAnswer } from "./rest-http.js";
import { joinPage } from "./rest-join.js";
import { changedListing, identityOf, Newest } from "./rest-incremental.js";
import { getter, pagesOf, type Lister, type Page } from "./rest-paging.js";
import { defineConnector, type CheckResult, type ReadOptions, type SourceHandle, type SourceItem } from "./types.js";

export { restConfigSchema, type RestConfig } from "./rest-config.js";

export const restConnector = defineConnector<RestConfig>({
  type: "rest",
  configSchema: restConfigSchema,
  secrets: restSecrets,
  open(config, ctx) {
    const logger = (ctx.logger ?? silentLogger).child({ source: "rest", api: describeRestSource(config) });
    const secret = ctx.registerSecret ?? registerSecret;
    // The config loader registers them too; a source opened without it (a test, a library caller) must not leak them.
    for (const value of restSecrets(config)) secret(value);
    return Promise.resolve(new RestSource(config, new RestHttp(config, ctx.baseDir, logger), secret, logger));
  },
});

/** An opened REST source: one dispatcher, one login, for the run's check and read. */
class RestSource implements SourceHandle {
  private readonly auth: RestAuthenticator;
  private readonly where: string;
  /** The record's id path, compiled once: read for every record. */
  private readonly readId: ((record: unknown) => unknown) | undefined;
  /** The first page as check() fetched (and joined) it: a full read starts from it instead of asking again. */
  private checkedFirst: RestAnswer | undefined;

  constructor(
    private readonly config: RestConfig,
    private readonly http: RestHttp,
    secret: (value: string) => void,
    private readonly logger: Logger,
  ) {
    this.auth = new RestAuthenticator(config.auth, http, secret);
    this.where = describeRestSource(config);
    this.readId = config.id === undefined ? undefined : getter(config.id);
  }

  /** Reads the first page (joins included) and reports the fields its records hold. */
  async check(): Promise<CheckResult> {
    const lister = this.lister(undefined);
    const first = await pagesOf(mainListing(this.config), lister, this.where).next();
    const records = first.done ? [] : first.value.records;
    if (!first.done) for (const join of this.config.join) await joinPage(records, join, lister, this.where);
    this.checkedFirst = first.done ? undefined : first.value.answer;
    const incremental = this.config.incremental && this.config.id !== undefined ? { keyColumn: this.config.id, identity: identityOf(this.config) } : undefined;
    // An empty first page tells nothing of the fields: the mapping is then not checked against them.
    return { ...(records.length > 0 ? { columns: shapesOf(records) } : {}), ...(incremental ? { incremental } : {}) };
  }

  async *read(options: ReadOptions = {}): AsyncGenerator<SourceItem> {
    const lister = this.lister(options.signal);
    const incremental = this.config.incremental;
    const newest = new Newest(incremental?.field);
    const since = incremental && this.config.id !== undefined ? options.since : undefined;
    const listing = since === undefined ? mainListing(this.config) : changedListing(this.config, since);
    // The ids read whole from the changed listing: the key listing names them too, and they must not come twice.
    const readWhole = new Set<string>();
    // Used once: a second read, or an incremental one (another listing), asks the API.
    const reused = since === undefined ? this.checkedFirst : undefined;
    this.checkedFirst = undefined;
    let count = 0;
    for await (const page of pagesOf(listing, lister, this.where, reused)) {
      if (reused === undefined || page.number > 1) for (const join of this.config.join) await joinPage(page.records, join, lister, this.where);
      for (const [index, record] of page.records.entries()) {
        newest.see(record);
        const item = this.item(page, index, record);
        if (since !== undefined && item.kind === "record") readWhole.add(this.idOf(record));
        yield item;
        count++;
      }
    }
    if (since !== undefined) yield* this.presentKeys(lister, readWhole);
    const watermark = newest.value() ?? since;
    if (incremental && watermark !== undefined) yield { kind: "watermark", value: watermark };
    this.logger.debug({ records: count, since: since ?? null }, "rest source read");
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /**
   * The ids of every record (the incremental key listing): each keeps its contact off the deletion list. Those read
   * whole are left out: the sync must classify them as records (a skip rule may now delete their contact), not count
   * them unchanged as well, whichever comes first.
   */
  private async *presentKeys(lister: Lister, readWhole: ReadonlySet<string>): AsyncGenerator<SourceItem> {
    const incremental = this.config.incremental;
    const id = this.config.id;
    if (!incremental || id === undefined) return;
    const idOf = getter(id);
    const keys: RestRequest = { ...incremental.keys, paging: incremental.keys.paging ?? this.config.paging };
    for await (const page of pagesOf(keys, lister, `${this.where} (keys)`)) {
      for (const [index, record] of page.records.entries()) {
        const value = toText(idOf(record));
        if (value === "") yield { kind: "problem", ref: `keys page ${page.number} item ${index + 1}`, code: "SOURCE_REST", message: `${this.where}: a record of the key listing has no ${id}` };
        else if (!readWhole.has(value)) yield { kind: "present", ref: `${id} ${value}`, fields: { [id]: value } };
      }
    }
  }

  /** The record's id as text ("" without `id`): its ref, and its key in the key listing. */
  private idOf(record: unknown): string {
    return this.readId === undefined ? "" : toText(this.readId(record));
  }

  private item(page: Page, index: number, record: unknown): SourceItem {
    const id = this.idOf(record);
    const ref = id !== "" ? `${this.config.id} ${id}` : `page ${page.number} item ${index + 1}`;
    if (record === null || typeof record !== "object" || Array.isArray(record)) {
      return { kind: "problem", ref, code: "SOURCE_REST", message: `${this.where}: ${ref} is ${record === null ? "null" : Array.isArray(record) ? "an array" : typeof record}, not a JSON object` };
    }
    return { kind: "record", ref, fields: record as Record<string, unknown> };
  }

  private lister(signal: AbortSignal | undefined): Lister {
    return {
      baseUrl: this.config.baseUrl,
      headers: this.config.headers,
      maxPages: this.config.maxPages,
      signal,
      send: (call, what) => this.auth.send(this.http, call, what),
    };
  }
}
