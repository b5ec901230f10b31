// How the emulator writes its HTTP answers: whole, in place of the service when a fault says so, or broken after it ran.
import type http from "node:http";
import type { Fault } from "./types.js";
import { errorXml } from "./xml.js";

export const XML_TYPE = "text/xml; charset=UTF-8";

/** A whole outcome=0 answer that is not well-formed: a PHP page that printed a text without escaping its `&`. */
const MALFORMED_XML =
  '<?xml version="1.0" encoding="UTF-8" ?>\n<result>\n\t<outcome>0</outcome>\n\t<processed>1</processed>\n' +
  "\t<contacts>\n\t\t<contact>\n\t\t\t<uc_external_id>1</uc_external_id>\n\t\t\t<id>1</id>\n\t\t\t<act>insert</act>\n" +
  "\t\t\t<info>company Smith & Sons</info>\n\t\t</contact>\n\t</contacts>\n</result>\n";

/** What a fault may ask of the server beyond one answer. */
export interface FaultHost {
  /** True once the emulator is closing: nothing more is sent. */
  isClosed(): boolean;
  /** Stop listening and drop every connection; listen again after backAfterMs when given. */
  goAway(backAfterMs: number | undefined): void;
}

export function send(res: http.ServerResponse, status: number, body: string, contentType: string, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { ...headers, "content-type": contentType, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** Applies the effects that answer in place of the service; true when the fault answered (or dropped) the request itself. */
export async function answerInstead(fault: Fault, req: http.IncomingMessage, res: http.ServerResponse, host: FaultHost): Promise<boolean> {
  if (fault.delayMs) await held(res, fault.delayMs);
  if (host.isClosed() || res.destroyed) return true;
  if (fault.goAway) {
    host.goAway(fault.backAfterMs);
    return true;
  }
  if (fault.reset) {
    req.socket.destroy();
    return true;
  }
  if (fault.status !== undefined) {
    const page = `<!DOCTYPE html><html><head><title>${fault.status}</title></head><body><h1>Error ${fault.status}</h1></body></html>`;
    send(res, fault.status, page, "text/html", fault.retryAfter === undefined ? {} : { "retry-after": String(fault.retryAfter) });
    return true;
  }
  if (fault.body !== undefined) {
    send(res, 200, fault.body, /^\s*<!doctype html|^\s*<html/i.test(fault.body) ? "text/html; charset=UTF-8" : XML_TYPE);
    return true;
  }
  if (fault.malformedXml) {
    send(res, 200, MALFORMED_XML, XML_TYPE);
    return true;
  }
  if (fault.outcomeError !== undefined) {
    send(res, 200, errorXml(fault.outcomeError), XML_TYPE);
    return true;
  }
  return false;
}

/** Waits `ms`, or until the client hangs up: a request it gave up on is logged then, not seconds later. */
function held(res: http.ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      res.off("close", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.once("close", done);
  });
}

/** Whether the fault breaks the service's answer once the service has run. */
export function breaksAnswer(fault: Fault): boolean {
  return fault.truncatedXml === true || fault.resetMidAnswer === true;
}

/**
 * Sends the service's answer cut in the middle: whole as HTTP (truncatedXml), or with the full Content-Length
 * and the connection dropped once the first half is out (resetMidAnswer).
 */
export function sendBroken(fault: Fault, req: http.IncomingMessage, res: http.ServerResponse, xml: string): void {
  const half = xml.slice(0, Math.floor(xml.length / 2));
  if (!fault.resetMidAnswer) {
    send(res, 200, half, XML_TYPE);
    return;
  }
  if (res.destroyed) return;
  res.writeHead(200, { "content-type": XML_TYPE, "content-length": Buffer.byteLength(xml) });
  // Dropped only once the half has left, so that the client reads a started answer, not a refusal to answer.
  res.write(half, () => req.socket.destroy());
}
