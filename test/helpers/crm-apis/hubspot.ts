// A fake HubSpot CRM v3 on loopback: contacts by cursor with their company associations, companies by batch read,
// owners; a private-app or service-key token checked as HubSpot does; faults on the k-th request of the contact listing.
import { startRestServer, type RestReply, type RestRequestSeen, type RestServer } from "../rest-server.js";
import { COMPANY_NAMES, OWNER_NAMES, type Person } from "./contact-people.js";
import { cutJson, ListingFaults, type ListingFault } from "./listing-faults.js";

export const HUBSPOT_CONTACTS_PATH = "/crm/v3/objects/contacts";

export interface HubSpotContact {
  id: string;
  /** Every property the portal holds for the contact; a listing returns those it asks for (null when unset). */
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  /** Associated companies, the primary one first. */
  companyIds: string[];
}

export interface HubSpotCompany {
  id: string;
  name: string;
}

export interface HubSpotOwner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId: number;
}

export interface FakeHubSpot {
  url: string;
  contacts: Map<string, HubSpotContact>;
  companies: Map<string, HubSpotCompany>;
  owners: HubSpotOwner[];
  faults: ListingFaults;
  requests: RestRequestSeen[];
  /** Sets properties of a contact (null clears one), as an edit in HubSpot does: updatedAt moves on. */
  edit(id: string, properties: Record<string, string | null>): void;
  /** Moves a contact to the recycle bin: the listing (archived=false) no longer has it. */
  archive(id: string): void;
  close(): Promise<void>;
}

/** The HubSpot id of generated person `index`. */
export function hubspotContactId(index: number): string {
  return String(1000 + index);
}

/** The company a generated person's own "Company name" property holds when it has no associated company. */
export function ownCompanyProperty(person: Person): string | null {
  return person.index % 14 === 0 ? `Studio ${person.last}` : null;
}

const CREATED = "2025-01-10T08:00:00.000Z";

export async function startFakeHubSpot(token: string, persons: readonly Person[]): Promise<FakeHubSpot> {
  const contacts = new Map(persons.map((person) => [hubspotContactId(person.index), contactOf(person)]));
  const companies = new Map(COMPANY_NAMES.map((name, i) => [companyId(i), { id: companyId(i), name }]));
  const owners = OWNER_NAMES.map((owner, i) => ({ id: ownerId(i), email: owner.email, firstName: owner.first, lastName: owner.last, userId: 7_000_000 + i }));
  const faults = new ListingFaults();
  let clock = Date.parse("2025-06-01T09:00:00.000Z");

  const route = (request: RestRequestSeen): RestReply => {
    if (request.headers.authorization !== `Bearer ${token}`) return { status: 401, json: authError() };
    const path = request.url.pathname;
    if (request.method === "GET" && path === HUBSPOT_CONTACTS_PATH) return listContacts(request, faults.next());
    if (request.method === "POST" && path === "/crm/v3/objects/companies/batch/read") return batchReadCompanies(request);
    if (request.method === "GET" && path === "/crm/v3/owners") return listOwners(request);
    return { status: 404, json: { status: "error", message: `Unable to infer object type from: ${path}`, correlationId: correlationId(), category: "OBJECT_NOT_FOUND" } };
  };

  const listContacts = (request: RestRequestSeen, fault: ListingFault | undefined): RestReply => {
    if (fault?.kind === "throttle") return throttled(fault.retryAfterS);
    if (fault?.kind === "error") return { status: 500, json: { status: "error", message: "internal error", correlationId: correlationId() } };
    const query = request.url.searchParams;
    const limit = Math.min(Number(query.get("limit") ?? 10), 100);
    const wanted = (query.get("properties") ?? "firstname,lastname,email").split(",").filter(Boolean);
    const withCompanies = (query.get("associations") ?? "").split(",").includes("companies");
    const archived = query.get("archived") === "true";
    const after = query.get("after");
    const listed = [...contacts.values()].filter((c) => c.archived === archived).sort((a, b) => Number(a.id) - Number(b.id));
    const start = after === null ? 0 : listed.findIndex((c) => Number(c.id) >= Number(after));
    const page = start < 0 ? [] : listed.slice(start, start + limit);
    const next = start < 0 ? undefined : listed[start + limit];
    const nextAfter = fault?.kind === "repeatCursor" && after !== null ? after : next?.id;
    const body = {
      results: page.map((contact) => shape(contact, wanted, withCompanies)),
      ...(nextAfter === undefined ? {} : { paging: { next: { after: nextAfter, link: `http://${request.headers.host ?? ""}${HUBSPOT_CONTACTS_PATH}?after=${nextAfter}` } } }),
    };
    if (fault?.kind === "brokenJson") return { raw: cutJson(body) };
    return { json: body, ...(fault?.kind === "slow" ? { delayMs: fault.delayMs } : {}) };
  };

  const batchReadCompanies = (request: RestRequestSeen): RestReply => {
    const body = JSON.parse(request.body || "{}") as { properties?: unknown; inputs?: unknown };
    const inputs = Array.isArray(body.inputs) ? (body.inputs as Array<{ id?: unknown }>) : [];
    if (inputs.length > 100) return { status: 400, json: validationError(`inputs: size must be between 0 and 100 (got ${inputs.length})`) };
    if (inputs.some((input) => typeof input.id !== "string")) return { status: 400, json: validationError("inputs[].id: must be a string") };
    const wanted = Array.isArray(body.properties) ? (body.properties as string[]) : [];
    const ids = inputs.map((input) => input.id as string);
    const found = ids.flatMap((id) => {
      const company = companies.get(id);
      return company ? [{ id, properties: companyProperties(company, wanted), createdAt: CREATED, updatedAt: CREATED, archived: false }] : [];
    });
    const missing = ids.filter((id) => !companies.has(id));
    const done = { status: "COMPLETE", results: found, startedAt: new Date().toISOString(), completedAt: new Date().toISOString() };
    if (missing.length === 0) return { json: done };
    const error = { status: "error", category: "OBJECT_NOT_FOUND", message: "Could not get some COMPANY objects, they may be deleted or not exist. Check that ids are valid.", context: { ids: missing } };
    return { status: 207, json: { ...done, numErrors: 1, errors: [error] } };
  };

  const listOwners = (request: RestRequestSeen): RestReply => {
    const limit = Number(request.url.searchParams.get("limit") ?? 100);
    if (limit > 500) return { status: 400, json: validationError("limit: must be less than or equal to 500") };
    const results = owners.slice(0, limit).map((owner) => ({ ...owner, createdAt: CREATED, updatedAt: CREATED, archived: false, teams: [] }));
    return { json: { results } };
  };

  const server: RestServer = await startRestServer(route);
  const api: FakeHubSpot = {
    url: server.url,
    contacts,
    companies,
    owners,
    faults,
    requests: server.requests,
    edit(id, properties) {
      const contact = contacts.get(id);
      if (!contact) throw new Error(`no HubSpot contact ${id}`);
      clock += 60_000;
      contact.properties = { ...contact.properties, ...properties, lastmodifieddate: new Date(clock).toISOString() };
      contact.updatedAt = new Date(clock).toISOString();
    },
    archive(id) {
      const contact = contacts.get(id);
      if (!contact) throw new Error(`no HubSpot contact ${id}`);
      contact.archived = true;
    },
    close: () => server.close(),
  };
  return api;
}

function contactOf(person: Person): HubSpotContact {
  const id = hubspotContactId(person.index);
  const company = person.company === null ? null : (COMPANY_NAMES[person.company] ?? null);
  // The contact's own "Company name" is free text, often stale: the associated company is what counts.
  const ownCompany = company === null ? ownCompanyProperty(person) : person.index % 2 === 0 ? `${company} (old)` : company;
  return {
    id,
    properties: {
      firstname: person.first,
      lastname: person.last,
      email: person.email,
      phone: person.office?.typed ?? null,
      mobilephone: person.mobile?.typed ?? null,
      company: ownCompany,
      jobtitle: person.jobTitle,
      city: person.city,
      country: person.countryText,
      hubspot_owner_id: person.owner === null ? null : ownerId(person.owner),
      lifecyclestage: "customer",
      hs_object_id: id,
      createdate: CREATED,
      lastmodifieddate: CREATED,
    },
    createdAt: CREATED,
    updatedAt: CREATED,
    archived: false,
    companyIds: person.company === null ? [] : [companyId(person.company)],
  };
}

/** A contact as the listing returns it: the asked-for properties (null when unset) and HubSpot's three defaults. */
function shape(contact: HubSpotContact, wanted: readonly string[], withCompanies: boolean): Record<string, unknown> {
  const properties: Record<string, string | null> = {};
  for (const name of [...wanted, "createdate", "lastmodifieddate", "hs_object_id"]) properties[name] = contact.properties[name] ?? null;
  // HubSpot lists the primary association and, for the same company, its unlabeled one.
  const unlabeled = (id: string) => ({ id, type: "contact_to_company_unlabeled" });
  const results = contact.companyIds.flatMap((id, i) => (i === 0 ? [{ id, type: "contact_to_company" }, unlabeled(id)] : [unlabeled(id)]));
  return {
    id: contact.id,
    properties,
    createdAt: contact.createdAt,
    updatedAt: contact.updatedAt,
    archived: contact.archived,
    ...(withCompanies && results.length > 0 ? { associations: { companies: { results } } } : {}),
  };
}

function companyProperties(company: HubSpotCompany, wanted: readonly string[]): Record<string, string | null> {
  const all: Record<string, string> = { name: company.name, hs_object_id: company.id, createdate: CREATED, hs_lastmodifieddate: CREATED };
  const properties: Record<string, string | null> = {};
  for (const name of [...wanted, "createdate", "hs_lastmodifieddate", "hs_object_id"]) properties[name] = all[name] ?? null;
  return properties;
}

function companyId(index: number): string {
  return String(9_000_000 + index);
}

function ownerId(index: number): string {
  return String(51_000 + index);
}

function throttled(retryAfterS: number): RestReply {
  return {
    status: 429,
    headers: { "retry-after": String(retryAfterS), "x-hubspot-ratelimit-max": "100", "x-hubspot-ratelimit-remaining": "0", "x-hubspot-ratelimit-interval-milliseconds": "10000" },
    json: { status: "error", message: "You have reached your ten_secondly_rolling limit.", errorType: "RATE_LIMIT", correlationId: correlationId(), policyName: "TEN_SECONDLY_ROLLING" },
  };
}

/** HubSpot's answer to a missing or unknown token. */
function authError(): unknown {
  return {
    status: "error",
    message: "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
    correlationId: correlationId(),
    category: "INVALID_AUTHENTICATION",
  };
}

function validationError(message: string): unknown {
  return { status: "error", message, correlationId: correlationId(), category: "VALIDATION_ERROR" };
}

let correlation = 0;
function correlationId(): string {
  correlation++;
  return `4f9c1d2e-0000-4000-8000-${String(correlation).padStart(12, "0")}`;
}
