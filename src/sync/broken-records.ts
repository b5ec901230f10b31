// Broken source records (a CSV row with a field too many, a bad quote) and the contacts they stand for.
import type { SourceProblem } from "../../connectors/types.js";
import type { CompiledMapping } from "../mapping/index.js";
import type { ContactState } from "../store/index.js";
import type { SeenIds } from "./seen-ids.js";

/** Past this many recognised contacts, further broken records count as unknown (and hold the deletions). */
export const MAX_KEPT = 10_000;

/**
 * A broken record is not sent, but its contact is still in the CRM: the deletion phase must not take it for
 * vanished. The keeper guesses the ids the record may have, keeps those the state knows, and marks them seen
 * once the source is read. Kept ids stay out of the run's seen set until then, so that a value of a broken row
 * that happens to equal another contact's id never turns that contact's own record into a "duplicate".
 */
export class BrokenRecordKeeper {
  private readonly kept = new Set<string>();

  constructor(
    private readonly mapping: CompiledMapping,
    private readonly lookup: (ids: readonly string[]) => Promise<Map<string, ContactState>>,
  ) {}

  /**
   * The contacts in state this record may be (an empty list when it is none of them), or null when it may be
   * any contact: its extent or its id cannot be told. Null is what holds the deletion phase back.
   */
  async recognise(problem: SourceProblem): Promise<string[] | null> {
    if (!problem.fields) return null;
    const possible = this.mapping.possibleIdsOf(problem.fields);
    if (possible === null) return null;
    if (possible.length === 0) return [];
    const known = [...(await this.lookup(possible)).keys()];
    if (this.kept.size + known.length > MAX_KEPT) return null;
    for (const id of known) this.kept.add(id);
    return known;
  }

  /** Marks the kept contacts seen, at the end of the read; returns how many were not seen already. */
  markSeen(seen: SeenIds): number {
    let added = 0;
    for (const id of this.kept) if (seen.add(id)) added++;
    this.kept.clear();
    return added;
  }
}
