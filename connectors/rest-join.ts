// Joins of a REST source: per page, the related records the page's records name (HubSpot's associated companies),
// fetched in batches and put into each record at `into`, so that a mapping reads `company.properties.name`.
import { SyncError } from "../src/errors.js";
import { toText } from "../src/mapping/values.js";
import { redactUrl } from "../src/redact.js";
import { withSlash, type RestJoin } from "./rest-config.js";
import type { Lister } from "./rest-paging.js";
import { getter } from "./rest-paging.js";

/** Fetches what the page's records name and sets it into them; a record whose related id is unknown gets nothing. */
export async function joinPage(records: unknown[], join: RestJoin, lister: Lister, what: string): Promise<void> {
  const idOf = getter(join.ids);
  const wanted = new Set<string>();
  for (const record of records) {
    const id = toText(idOf(record));
    if (id !== "") wanted.add(id);
  }
  if (wanted.size === 0) return;
  const found = new Map<string, unknown>();
  const keyOf = getter(join.key);
  const recordsAt = join.records === "" ? (body: unknown) => body : getter(join.records);
  const ids = [...wanted];
  for (let start = 0; start < ids.length; start += join.batchSize) {
    const batch = ids.slice(start, start + join.batchSize);
    const call = joinCall(join, batch, lister);
    const answer = await lister.send(call, `${what}, join "${join.into}"`);
    const related = recordsAt(answer.body);
    if (!Array.isArray(related)) {
      throw new SyncError("SOURCE_REST", `${what}, join "${join.into}": no array of records at "${join.records || "(the answer itself)"}" in the answer of ${redactUrl(call.url)}`, {
        field: `join.${join.into}.records`,
        hint: "Set the join's records to the path of the array in its answer (results, data...).",
      });
    }
    for (const item of related) found.set(toText(keyOf(item)), item);
  }
  for (const record of records) {
    if (record === null || typeof record !== "object") continue;
    const match = found.get(toText(idOf(record)));
    if (match !== undefined) Object.defineProperty(record, join.into, { value: match, enumerable: true, writable: true, configurable: true });
  }
}

function joinCall(join: RestJoin, ids: string[], lister: Lister): Parameters<Lister["send"]>[0] {
  const url = new URL(join.path, withSlash(lister.baseUrl));
  for (const [name, value] of Object.entries(join.query)) url.searchParams.set(name, String(value));
  if (join.idsParam !== undefined) url.searchParams.set(join.idsParam, ids.join(","));
  let body = join.body;
  if (join.idsField !== undefined) body = { ...body, [join.idsField]: join.idsAs === "objects" ? ids.map((id) => ({ id })) : ids };
  return { method: join.method, url, headers: lister.headers, ...(body === undefined ? {} : { json: body }), signal: lister.signal };
}
