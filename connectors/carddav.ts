// The CardDAV connector: the vCards of one or several address books (Nextcloud, iCloud, Google, SOGo, Radicale), read
// incrementally with WebDAV sync-collection or ETags, parsed into records the mapping routes by TEL type.
import { readCaFile } from "./ca-file.js";
import { SyncError } from "../src/errors.js";
import { silentLogger, type Logger } from "../src/logger.js";
import { registerSecret } from "../src/redact.js";
import { carddavConfigSchema, carddavIdentity, carddavSecrets, describeCarddavSource, type CarddavConfig, type CarddavOAuth2 } from "./carddav-config.js";
import type { AddressBook, DavClient } from "./carddav-dav.js";
import type { TokenRequestOptions } from "./carddav-oauth.js";
import { readAddressBooks } from "./carddav-read.js";
import { defineConnector, type CheckResult, type ReadOptions, type SourceHandle, type SourceItem } from "./types.js";

export { carddavConfigSchema, type CarddavConfig } from "./carddav-config.js";

/** The key column of a vCard record: the card's UID (its href when it has none). */
export const CARDDAV_KEY = "uid";

export const carddavConnector = defineConnector<CarddavConfig>({
  type: "carddav",
  configSchema: carddavConfigSchema,
  secrets: carddavSecrets,
  async open(config, ctx) {
    const logger = (ctx.logger ?? silentLogger).child({ source: "carddav", server: describeCarddavSource(config) });
    const secret = ctx.registerSecret ?? registerSecret;
    // The config loader registers them too; a source opened without it (a test, a library caller) must not leak them.
    for (const value of carddavSecrets(config)) secret(value);
    const ca = config.caFile === undefined ? undefined : readCaFile(ctx.baseDir, config.caFile, "SOURCE_CARDDAV");
    // One access token per opened source: a run is far shorter than the hour a Google access token lasts.
    const token =
      config.oauth2 === undefined
        ? config.token
        : await oauthToken(config.oauth2, { timeoutMs: config.timeoutMs, registerSecret: secret, ...(ca !== undefined ? { ca } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) }, logger);
    const { DavClient } = await import("./carddav-dav.js");
    const client = new DavClient({
      url: config.url,
      ...(config.username !== undefined ? { username: config.username } : {}),
      ...(config.password !== undefined ? { password: config.password } : {}),
      ...(token !== undefined ? { token } : {}),
      ...(ca !== undefined ? { ca } : {}),
      timeoutMs: config.timeoutMs,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    return new CarddavSource(config, client, logger);
  },
});

/** The access token of an oauth2 login, fetched with the source's CA and timeout, and registered as a secret. */
async function oauthToken(oauth2: CarddavOAuth2, options: TokenRequestOptions, logger: Logger): Promise<string> {
  const { fetchAccessToken } = await import("./carddav-oauth.js");
  const token = await fetchAccessToken(oauth2, options);
  logger.debug({ tokenUrl: oauth2.tokenUrl, clientId: oauth2.clientId }, "carddav oauth2 access token obtained");
  return token;
}

/** An opened CardDAV source: one HTTP client and one discovery for the run's check and read. */
class CarddavSource implements SourceHandle {
  private books: AddressBook[] | undefined;
  /** Books found but not read: those the server fills itself, when no list names them. */
  private skipped: AddressBook[] = [];

  constructor(
    private readonly config: CarddavConfig,
    private readonly client: DavClient,
    private readonly logger: Logger,
  ) {}

  /** Finds the address books (discovery, or the one the URL names) and says which fields its records have. */
  async check(): Promise<CheckResult> {
    const books = await this.addressBooks();
    const { VCARD_COLUMNS } = await import("./vcard.js");
    const incremental = this.config.incremental ? { incremental: { keyColumn: CARDDAV_KEY, identity: carddavIdentity(this.config), refs: true } } : {};
    this.logger.debug({ addressBooks: books.map((book) => book.url) }, "carddav address books");
    const found = [
      ...books.map((book) => `reads address book "${book.displayName}" at ${book.url}${book.supportsSync || !this.config.incremental ? "" : " (no sync-collection: listed in full with ETags)"}`),
      ...this.skipped.map((book) => `skips address book "${book.displayName}" at ${book.url}: the server fills it itself (name it in addressBooks to read it)`),
    ];
    return { columns: [...VCARD_COLUMNS, "href", "etag"], found, ...incremental };
  }

  async *read(options: ReadOptions = {}): AsyncGenerator<SourceItem> {
    // A run that is stopped (a daemon's shutdown) cancels the request in flight, not only the next one.
    this.client.cancelWith(options.signal);
    const books = await this.addressBooks();
    yield* readAddressBooks({
      client: this.client,
      books,
      config: this.config,
      logger: this.logger,
      // Only the refs name the cards a delta leaves out: without them (a one-shot read) every card is read whole.
      ...(this.config.incremental && options.since !== undefined && options.refs ? { since: options.since } : {}),
      ...(this.config.incremental && options.refs ? { refs: options.refs } : {}),
    });
  }

  close(): Promise<void> {
    return this.client.close();
  }

  /** The configured address books among those found; one not found is a configuration error naming those there are. */
  private async addressBooks(): Promise<AddressBook[]> {
    if (this.books) return this.books;
    const found = await this.client.addressBooks();
    const wanted = this.config.addressBooks;
    const where = describeCarddavSource(this.config);
    if (found.length === 0) {
      throw new SyncError("SOURCE_CARDDAV", `${where}: no address book found`, {
        field: "url",
        hint: "Give the address book's own URL, or the server's CardDAV URL (see the README's CardDAV section for Nextcloud, iCloud, Google and SOGo).",
      });
    }
    if (wanted === undefined) {
      // Without a list: the user's own books. Nextcloud also lists books it fills itself ("Accounts", every user of
      // the cloud; "Recently contacted", every address mailed): read only when named.
      this.skipped = found.filter(isGenerated);
      const own = found.filter((book) => !isGenerated(book));
      if (own.length === 0) {
        throw new SyncError("SOURCE_CARDDAV", `${where}: no address book of the user's own; there are only ${describeBooks(found)}, which the server fills itself`, {
          field: "addressBooks",
          hint: "Name the address books to read in addressBooks.",
        });
      }
      return (this.books = own);
    }
    const missing = wanted.filter((name) => !found.some((book) => matchesBook(book, name)));
    if (missing.length > 0) {
      throw new SyncError("SOURCE_CARDDAV", `${where}: no address book ${missing.map((name) => `"${name}"`).join(", ")}; there are ${describeBooks(found)}`, {
        field: "addressBooks",
        hint: "Name address books by their display name, the last part of their URL, or their URL.",
      });
    }
    return (this.books = found.filter((book) => wanted.some((name) => matchesBook(book, name))));
  }
}

/** Books a server fills itself: Nextcloud's system address book (its users) and its "Recently contacted". */
function isGenerated(book: AddressBook): boolean {
  return /^z-(?:server|app)-generated--/.test(lastSegment(book.url));
}

function describeBooks(books: readonly AddressBook[]): string {
  return books.map((book) => `"${book.displayName || lastSegment(book.url)}" (${book.url})`).join(", ");
}

function lastSegment(url: string): string {
  return decodeURIComponent(new URL(url, "http://x").pathname.replace(/\/+$/, "").split("/").pop() ?? "");
}

/** A book is named by its display name, its URL's last segment (case ignored) or its URL (with or without the last slash). */
function matchesBook(book: AddressBook, name: string): boolean {
  const folded = name.trim().toLowerCase();
  const url = book.url.replace(/\/+$/, "");
  return (
    book.displayName.trim().toLowerCase() === folded ||
    lastSegment(book.url).toLowerCase() === folded ||
    url === name.replace(/\/+$/, "") ||
    new URL(book.url, "http://x").pathname.replace(/\/+$/, "") === name.replace(/\/+$/, "")
  );
}
