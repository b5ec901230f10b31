// `/contacts/<uc_app_name>/<external id>`: one contact across runs (what was sent, what the PBX said, when it went)
// and where it stands now in the contact state.
import type { Hono } from "hono";
import { html } from "hono/html";
import type { ContactHistoryEntry, ContactStanding } from "../../store/index.js";
import type { ViewerDeps, ViewerEnv } from "../context.js";
import { rowDetail, sentTable } from "../detail.js";
import { messagePage, page, type Markup } from "../layout.js";
import { jobHref, outcomeBadge, statusBadge, timeTag } from "../wording.js";

function standingBlock(standing: readonly ContactStanding[]): Markup {
  if (standing.length === 0) {
    return html`<p class="callout" data-testid="contact-standing-none">Not in the contact state now: never confirmed by the PBX, or deleted from it since.</p>`;
  }
  return html`${standing.map(
    (entry) => html`<section class="callout" data-testid="contact-standing">
<dl class="facts"><dt>PBX id</dt><dd class="mono">${entry.pbxId ?? "unknown"}</dd>
<dt>last confirmed</dt><dd>${entry.confirmedAt ? timeTag(entry.confirmedAt) : "unknown"} by <a href="/runs/${entry.lastRunId}">run ${entry.lastRunId}</a></dd>
<dt>PBX key</dt><dd class="mono" title="which PBX: a hash of its address">${entry.pbxKey}</dd></dl>
${entry.sent ? html`<details open><summary>as the PBX has it</summary>${sentTable(entry.sent, "standing-fields")}</details>` : ""}</section>`,
  )}`;
}

function historyTable(history: readonly ContactHistoryEntry[]): Markup {
  if (history.length === 0) return html`<p data-testid="contact-history-none">No report row mentions this contact (unchanged runs record none).</p>`;
  return html`<div class="scroll"><table data-testid="contact-history"><thead><tr><th class="num">run</th><th>job</th><th>started</th><th>run status</th><th>outcome</th><th>ref</th><th>name</th><th class="num">PBX id</th><th>PBX said</th><th>detail</th></tr></thead><tbody>${history.map(
    (entry) => html`<tr data-testid="history-row" data-run-id="${entry.run.id}" data-outcome="${entry.outcome}">
<td class="num"><a href="/runs/${entry.run.id}">${entry.run.id}</a></td><td><a href="${jobHref(entry.run.job)}">${entry.run.job}</a></td><td>${timeTag(entry.run.startedAt)}</td>
<td>${statusBadge(entry.run.status, entry.run.dryRun)}</td><td>${outcomeBadge(entry.outcome)}</td><td class="mono ref">${entry.ref ?? ""}</td><td class="name">${entry.displayName ?? ""}</td>
<td class="num mono">${entry.pbxId ?? ""}</td><td class="info">${entry.info ?? ""}</td><td>${rowDetail(entry)}</td></tr>`,
  )}</tbody></table></div>`;
}

export function registerContactPage(app: Hono<ViewerEnv>, deps: ViewerDeps): void {
  app.get("/contacts/:app/:id", async (c) => {
    const appName = c.req.param("app");
    const externalId = c.req.param("id");
    const [history, standing] = await Promise.all([deps.store.contactHistory(appName, externalId), deps.store.contactStanding(appName, externalId)]);
    if (history.length === 0 && standing.length === 0) {
      return c.html(messagePage("Contact not found", `No contact "${externalId}" of uc_app_name "${appName}" is in any report or in the contact state.`, deps.store.location), 404);
    }
    const name = standing.find((entry) => entry.displayName)?.displayName ?? history.find((entry) => entry.displayName)?.displayName ?? externalId;
    const deletedIn = history.find((entry) => entry.outcome === "deleted" && !entry.run.dryRun);
    const body = html`<h1 data-testid="contact-title">${name}</h1>
<dl class="facts"><dt>uc_app_name</dt><dd class="mono">${appName}</dd><dt>uc_external_id</dt><dd class="mono" data-testid="contact-external-id">${externalId}</dd>
${deletedIn && standing.length === 0 ? html`<dt>deleted</dt><dd data-testid="contact-deleted">in <a href="/runs/${deletedIn.run.id}">run ${deletedIn.run.id}</a>, ${timeTag(deletedIn.run.startedAt)}</dd>` : ""}</dl>
<h2>Now</h2>
${standingBlock(standing)}
<h2>History <span class="muted">(newest first)</span></h2>
${historyTable(history)}`;
    return c.html(page({ title: `Contact ${name}`, page: "contact", location: deps.store.location, body }));
  });
}
