// What a report row says about the contact itself: the fields sent (or last sent, for a deletion) and, for an
// update, each changed field before → after.
import { html } from "hono/html";
import type { ContactResultRow, SentContact } from "../store/index.js";
import type { Markup } from "./layout.js";

/** The PBX's fields in the order the PBX's own forms list them. */
const FIELDS: ReadonlyArray<keyof SentContact> = ["name", "surname", "company", "email", "numoffice", "numhome", "nummobile", "numsms", "nummobil2", "numfax", "numother", "ext_info"];

/** A field's value as text: ext_info as "caption: value" lines. */
export function fieldText(value: unknown): string {
  if (value == null || value === "") return "";
  if (Array.isArray(value)) {
    return value
      .map((item: unknown) => {
        const block = item as { caption?: unknown; value?: unknown } | null;
        return block && typeof block === "object" ? `${String(block.caption ?? "")}: ${String(block.value ?? "")}` : String(item);
      })
      .join("\n");
  }
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** The contact's fields as a two-column table; empty fields left out. */
export function sentTable(sent: SentContact, testId = "sent-fields"): Markup {
  const rows = FIELDS.filter((field) => fieldText(sent[field]) !== "");
  if (rows.length === 0) return html`<p class="muted">no fields</p>`;
  return html`<table class="detail" data-testid="${testId}"><tbody>${rows.map(
    (field) => html`<tr><th scope="row"><code>${field}</code></th><td class="pre">${multiline(fieldText(sent[field]))}</td></tr>`,
  )}</tbody></table>`;
}

/** Each changed field: what the PBX had, what was sent. */
function changesTable(before: NonNullable<ContactResultRow["detail"]>["before"], sent: SentContact | undefined): Markup {
  const fields = FIELDS.filter((field) => before !== undefined && Object.hasOwn(before, field));
  return html`<table class="detail" data-testid="changed-fields"><thead><tr><th>field</th><th>before</th><th>after</th></tr></thead><tbody>${fields.map(
    (field) =>
      html`<tr><th scope="row"><code>${field}</code></th><td class="before">${multiline(fieldText(before?.[field])) || html`<span class="muted">(empty)</span>`}</td><td class="after">${
        multiline(fieldText(sent?.[field])) || html`<span class="muted">(empty)</span>`
      }</td></tr>`,
  )}</tbody></table>`;
}

/** Line breaks of a value shown as <br>, everything else escaped. */
function multiline(text: string): Markup | "" {
  if (text === "") return "";
  const lines = text.split(/\r\n|\r|\n/);
  return html`${lines.map((line, i) => (i === 0 ? html`${line}` : html`<br>${line}`))}`;
}

/** The row's detail, folded (a <details> element); "" when the row holds none. */
export function rowDetail(row: Pick<ContactResultRow, "detail" | "outcome">): Markup | "" {
  const detail = row.detail;
  if (!detail || (!detail.sent && !detail.before)) return "";
  const deletion = row.outcome === "deleted" || row.outcome === "kept";
  const changed = detail.before !== undefined && Object.keys(detail.before).length > 0;
  const summary = changed ? `changes (${Object.keys(detail.before ?? {}).length})` : deletion ? "last sent" : "sent";
  return html`<details data-testid="row-detail"><summary>${summary}</summary>${changed ? changesTable(detail.before, detail.sent) : ""}${
    detail.sent ? html`${changed ? html`<p class="muted">as sent:</p>` : ""}${sentTable(detail.sent)}` : ""
  }</details>`;
}
