// Incremental runs of a source that supports them (an SQL source with `incremental`): where to start reading, the
// unchanged records that arrive as keys alone, and the watermark a complete run leaves for the next one.
import type { CheckResult, SourcePresent } from "../../connectors/types.js";
import { SyncError } from "../errors.js";
import type { CompiledMapping } from "../mapping/index.js";
import type { RunCounts, Store } from "../store/index.js";
import type { ContactState } from "../store/index.js";
import { sha1Hex } from "./hashes.js";
import type { SeenIds } from "./seen-ids.js";

export interface IncrementalRun {
  /** Watermarks are kept per job and per mapping + query: another of either starts over with a full read. */
  sourceKey: string;
  /** Where this run starts reading; undefined for a full read. */
  since?: string;
  /** The source keeps per-record versions in the store (SourceRefs); `refetch` reads every record whole anyway. */
  refs?: { refetch: boolean };
}

/** Undefined for a source that reads everything every time. Throws when the mapping's id cannot come from the key. */
export async function planIncremental(
  store: Store,
  job: string,
  mapping: CompiledMapping,
  checked: CheckResult,
  fullRead: boolean,
): Promise<IncrementalRun | undefined> {
  const incremental = checked.incremental;
  if (!incremental) return undefined;
  const keyError = incrementalKeyError(job, mapping, checked);
  if (keyError) throw keyError;
  const sourceKey = sha1Hex(`${mapping.hash}\u0000${incremental.identity}`);
  const refs = incremental.refs === true ? { refs: { refetch: fullRead } } : {};
  if (fullRead) return { sourceKey, ...refs };
  const watermark = await store.readWatermark(job, sourceKey);
  return watermark ? { sourceKey, since: watermark.value, ...refs } : { sourceKey, ...refs };
}

/**
 * Why the mapping cannot go with an incremental source, if it cannot: unchanged rows (cards) arrive as keys alone,
 * so the external id must come from the key column alone. `validate` says it too, before any run.
 */
export function incrementalKeyError(job: string, mapping: CompiledMapping, checked: CheckResult): SyncError | undefined {
  const incremental = checked.incremental;
  if (!incremental || mapping.idColumn === incremental.keyColumn) return undefined;
  return new SyncError(
    "CONFIG_INVALID",
    `job ${job}: an incremental source reads unchanged rows as keys alone, so the mapping's externalId must come from the key column "${incremental.keyColumn}" alone` +
      (mapping.idColumn ? ` (it reads "${mapping.idColumn}")` : " (it reads several columns, or a hash)"),
    { field: "externalId", hint: `Set externalId: ${incremental.keyColumn} in the mapping, or the source's key to the id column, or drop incremental (incremental: false).` },
  );
}

/** The watermark goes on record only after a run that read everything and lost no contact on the way to the PBX. */
export async function recordWatermark(store: Store, job: string, run: IncrementalRun, value: string | undefined, runId: number, complete: boolean, counts: RunCounts): Promise<boolean> {
  if (value === undefined || !complete || counts.errors > 0 || counts.unconfirmed > 0) return false;
  await store.writeWatermark(job, run.sourceKey, value, runId);
  return true;
}

/**
 * Counts the keys of unchanged records, a chunk at a time with one state lookup: each is seen (so its contact is
 * not deleted) and counted unchanged. A key whose contact is not in the state was not sendable when last read
 * (skipped, invalid, rejected) and stays so until its row changes.
 */
export class PresentKeys {
  private chunk: SourcePresent[] = [];
  seenInState = 0;

  constructor(
    private readonly mapping: CompiledMapping,
    private readonly lookup: (ids: readonly string[]) => Promise<Map<string, ContactState>>,
    private readonly seen: SeenIds,
    private readonly counts: RunCounts,
    private readonly chunkSize = 500,
  ) {}

  async add(item: SourcePresent): Promise<void> {
    this.chunk.push(item);
    if (this.chunk.length >= this.chunkSize) await this.flush();
  }

  async flush(): Promise<void> {
    const items = this.chunk;
    this.chunk = [];
    if (items.length === 0) return;
    // A key listing may also name the records read whole as changed (a REST API lists every id): those were
    // counted when read, and are not unchanged. The read classifies its records before it hands keys here.
    const ids = items.map((item) => this.mapping.externalIdOf(item.fields)).filter((id) => id === "" || !this.seen.has(id));
    const states = await this.lookup(ids.filter((id) => id !== ""));
    for (const id of ids) {
      // A key the listing repeats counts once.
      if (id !== "" && !this.seen.add(id)) continue;
      this.counts.read++;
      this.counts.unchanged++;
      if (id !== "" && states.has(id)) this.seenInState++;
    }
  }
}
