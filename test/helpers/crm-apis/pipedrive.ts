// A fake Pipedrive API on loopback: v2 persons by cursor, v2 organizations by ids, v1 users; the API token checked
// as Pipedrive does (x-api-token header or api_token query); faults on the k-th request of the persons listing.
import { startRestServer, type RestReply, type RestRequestSeen, type RestServer } from "../rest-server.js";
import { COMPANY_NAMES, OWNER_NAMES, type Person, type Phone } from "./contact-people.js";
import { cutJson, ListingFaults, type ListingFault } from "./listing-faults.js";

export const PIPEDRIVE_PERSONS_PATH = "/api/v2/persons";

export interface PipedriveItem {
  value: string;
  primary: boolean;
  label: string;
}

/** A person as API v2 gives it (with contact sync on: job_title and postal_address). */
export interface PipedrivePerson {
  id: number;
  name: string;
  first_name: string;
  last_name: string;
  owner_id: number;
  org_id: number | null;
  add_time: string;
  update_time: string;
  emails: PipedriveItem[];
  phones: PipedriveItem[];
  is_deleted: boolean;
  visible_to: number;
  label_ids: number[];
  picture_id: number | null;
  custom_fields: Record<string, unknown>;
  job_title?: string | null;
  postal_address?: { value: string; country?: string; locality?: string } | null;
}

export interface PipedriveOrganization {
  id: number;
  name: string;
  owner_id: number;
}

export interface FakePipedrive {
  url: string;
  persons: Map<number, PipedrivePerson>;
  organizations: Map<number, PipedriveOrganization>;
  faults: ListingFaults;
  requests: RestRequestSeen[];
  /** Changes a person, as an edit in Pipedrive does: update_time moves on. */
  edit(id: number, changes: Partial<PipedrivePerson>): void;
  /** Deletes a person: the listing no longer has it. */
  remove(id: number): void;
  close(): Promise<void>;
}

/** The Pipedrive id of generated person `index`. */
export function pipedrivePersonId(index: number): number {
  return 2000 + index;
}

/** Every 9th person with an office number has a second "work" number: the preset spreads it to numother. */
export function secondWorkNumber(person: Person): Phone | null {
  if (person.index % 9 !== 0 || person.office === null) return null;
  const subscriber = String(2_000_000 + person.index);
  return person.country === "DE" ? { typed: `040 ${subscriber}`, e164: `+4940${subscriber}` } : { typed: `051 ${subscriber}`, e164: `+39051${subscriber}` };
}

/** The account's users, who own persons: ids 15001... */
export function pipedriveUserId(owner: number): number {
  return 15_001 + owner;
}

const ADDED = "2025-01-10T08:00:00Z";

export async function startFakePipedrive(token: string, people: readonly Person[]): Promise<FakePipedrive> {
  const persons = new Map(people.map((person) => [pipedrivePersonId(person.index), personOf(person)]));
  const organizations = new Map(COMPANY_NAMES.map((name, i) => [orgId(i), { id: orgId(i), name, owner_id: pipedriveUserId(0) }]));
  const users = OWNER_NAMES.map((owner, i) => ({ id: pipedriveUserId(i), name: `${owner.first} ${owner.last}`, email: owner.email, active_flag: true, is_admin: i === 0 ? 1 : 0 }));
  const faults = new ListingFaults();
  let clock = Date.parse("2025-06-01T09:00:00Z");

  const route = (request: RestRequestSeen): RestReply => {
    const given = request.headers["x-api-token"] ?? request.url.searchParams.get("api_token");
    if (given !== token) return { status: 401, json: failure(401, "unauthorized access") };
    const path = request.url.pathname;
    if (request.method !== "GET") return { status: 404, json: failure(404, `Unknown method ${request.method} ${path}`) };
    if (path === PIPEDRIVE_PERSONS_PATH) return listPersons(request, faults.next());
    if (path === "/api/v2/organizations") return listOrganizations(request);
    if (path === "/api/v1/users" || path === "/v1/users") return { json: { success: true, data: users } };
    return { status: 404, json: failure(404, `Unknown method ${path}`) };
  };

  const listPersons = (request: RestRequestSeen, fault: ListingFault | undefined): RestReply => {
    if (fault?.kind === "throttle") return throttled(fault.retryAfterS);
    if (fault?.kind === "error") return { status: 500, json: failure(500, "Internal server error") };
    const query = request.url.searchParams;
    const limit = Number(query.get("limit") ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) return { status: 400, json: failure(400, "Validation failed: limit: Number must be less than or equal to 500") };
    const cursor = query.get("cursor");
    const from = cursor === null ? 0 : readCursor(cursor);
    if (from === undefined) return { status: 400, json: failure(400, "Validation failed: cursor: Invalid cursor") };
    const listed = [...persons.values()].filter((p) => !p.is_deleted).sort((a, b) => a.id - b.id);
    const start = listed.findIndex((p) => p.id >= from);
    const page = start < 0 ? [] : listed.slice(start, start + limit);
    const next = start < 0 ? undefined : listed[start + limit];
    const nextCursor = fault?.kind === "repeatCursor" && cursor !== null ? cursor : next === undefined ? null : writeCursor(next.id);
    const body = { success: true, data: page, additional_data: { next_cursor: nextCursor } };
    if (fault?.kind === "brokenJson") return { raw: cutJson(body) };
    return { json: body, ...(fault?.kind === "slow" ? { delayMs: fault.delayMs } : {}) };
  };

  const listOrganizations = (request: RestRequestSeen): RestReply => {
    const ids = (request.url.searchParams.get("ids") ?? "").split(",").filter(Boolean);
    if (ids.length > 100) return { status: 400, json: failure(400, "Validation failed: ids: Array must contain at most 100 element(s)") };
    const wanted = ids.length === 0 ? [...organizations.keys()] : ids.map(Number);
    const data = wanted.flatMap((id) => {
      const org = organizations.get(id);
      return org ? [{ ...org, add_time: ADDED, update_time: ADDED, is_deleted: false, visible_to: 3, label_ids: [], address: null, custom_fields: {} }] : [];
    });
    return { json: { success: true, data: data.slice(0, 100), additional_data: { next_cursor: null } } };
  };

  const server: RestServer = await startRestServer(route);
  return {
    url: server.url,
    persons,
    organizations,
    faults,
    requests: server.requests,
    edit(id, changes) {
      const found = persons.get(id);
      if (!found) throw new Error(`no Pipedrive person ${id}`);
      clock += 60_000;
      Object.assign(found, changes, { update_time: new Date(clock).toISOString().replace(/\.\d+Z$/, "Z") });
    },
    remove(id) {
      const found = persons.get(id);
      if (!found) throw new Error(`no Pipedrive person ${id}`);
      found.is_deleted = true;
    },
    close: () => server.close(),
  };
}

function personOf(person: Person): PipedrivePerson {
  const phones: PipedriveItem[] = [];
  if (person.office) phones.push({ value: person.office.typed, primary: true, label: "work" });
  if (person.mobile) phones.push({ value: person.mobile.typed, primary: person.office === null, label: "mobile" });
  const second = secondWorkNumber(person);
  if (second) phones.push({ value: second.typed, primary: false, label: "work" });
  const emails: PipedriveItem[] = [{ value: person.email, primary: true, label: "work" }];
  if (person.index % 10 === 0) emails.push({ value: `${person.email.split("@")[0] ?? "x"}@posta.example`, primary: false, label: "home" });
  const address = person.countryText === null && person.city === null ? null : { value: [person.city, person.countryText].filter(Boolean).join(", "), ...(person.countryText ? { country: person.countryText } : {}), ...(person.city ? { locality: person.city } : {}) };
  return {
    id: pipedrivePersonId(person.index),
    name: `${person.first} ${person.last}`,
    first_name: person.first,
    last_name: person.last,
    // Pipedrive persons always have an owner: the one who added them when nobody else was assigned.
    owner_id: pipedriveUserId(person.owner ?? 0),
    org_id: person.company === null ? null : orgId(person.company),
    add_time: ADDED,
    update_time: ADDED,
    emails,
    phones,
    is_deleted: false,
    visible_to: 3,
    label_ids: [],
    picture_id: null,
    custom_fields: {},
    job_title: person.jobTitle,
    postal_address: address,
  };
}

function orgId(index: number): number {
  return 301 + index;
}

/** An opaque cursor the way Pipedrive's look: base64 JSON naming where the next page starts. */
function writeCursor(id: number): string {
  return Buffer.from(JSON.stringify({ field: "id", fieldValue: id, id })).toString("base64url");
}

function readCursor(cursor: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { id?: unknown };
    return typeof parsed.id === "number" ? parsed.id : undefined;
  } catch {
    return undefined;
  }
}

function failure(code: number, error: string): unknown {
  return { success: false, error, errorCode: code, error_info: "Please check developers.pipedrive.com for more information about Pipedrive API." };
}

function throttled(retryAfterS: number): RestReply {
  return {
    status: 429,
    headers: { "retry-after": String(retryAfterS), "x-ratelimit-limit": "20", "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(retryAfterS) },
    json: failure(429, "Request over limit"),
  };
}
