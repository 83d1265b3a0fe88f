/** RTP-Info (RFC 2326 §12.33): `url=...;seq=N;rtptime=T` entries separated by commas. */
import { ProtocolError } from '../../../errors.js';
import { hasCtl, parseUint, trimOws, unquote } from '../syntax.js';

export interface RtpInfoEntry {
  url: string;
  seq?: number;
  rtptime?: number;
}

function bad(v: string, why: string): ProtocolError {
  return new ProtocolError('HDR_BAD_RTP_INFO', `bad RTP-Info ${JSON.stringify(v)}: ${why}`);
}

const SPLIT_RE = /,(?=[ \t]*url[ \t]*=)/i;

/**
 * Splits entries on commas that are followed (after optional whitespace) by `url=`, so a URL that
 * itself holds a comma stays whole.
 */
function splitEntries(v: string): string[] {
  const out: string[] = [];
  let from = 0;
  const re = new RegExp(SPLIT_RE.source, 'gi');
  for (let m = re.exec(v); m; m = re.exec(v)) {
    out.push(v.slice(from, m.index));
    from = m.index + 1;
  }
  out.push(v.slice(from));
  return out;
}

/** The parameters that end an entry's URL: RFC 2326's seq and rtptime, and RFC 7826's ssrc. */
const PARAM_RE = /^[ \t]*(seq|rtptime|ssrc)[ \t]*=(.*)$/is;

function parseEntry(v: string, text: string, ignored: string[] | undefined): RtpInfoEntry {
  // Everything from `url=` up to the first `;seq=` / `;rtptime=` / `;ssrc=` is the URL, even if
  // it holds semicolons of its own.
  const pieces = text.split(';');
  const first = pieces[0] ?? '';
  const m = /^[ \t]*url[ \t]*=(.*)$/is.exec(first);
  if (!m) throw bad(v, 'entry without url');
  let url = m[1] ?? '';
  let i = 1;
  for (; i < pieces.length && !PARAM_RE.test(pieces[i] ?? ''); i++) url += `;${pieces[i]}`;
  url = trimOws(url);
  url = unquote(url) ?? url;
  if (url === '' || hasCtl(url)) throw bad(v, 'url');
  const entry: RtpInfoEntry = { url };
  for (; i < pieces.length; i++) {
    const piece = trimOws(pieces[i] ?? '');
    if (piece === '') continue;
    const pm = PARAM_RE.exec(piece);
    const name = pm?.[1]?.toLowerCase();
    const value = trimOws(pm?.[2] ?? '');
    const seq = name === 'seq' ? parseUint(value, 0xffff) : undefined;
    const rtptime = name === 'rtptime' ? parseUint(value, 0xffffffff) : undefined;
    if (seq !== undefined) entry.seq = seq;
    else if (rtptime !== undefined) entry.rtptime = rtptime;
    else ignored?.push(`${entry.url}: ${piece}`); // unknown, ssrc (unused) or malformed
  }
  return entry;
}

/**
 * Parses an RTP-Info header (only ever read from origin answers, so liberal): unknown
 * parameters (e.g. RFC 7826's ssrc) and malformed seq/rtptime values are left out of the entry
 * and described in `ignored` when given; an entry without a usable url is HDR_BAD_RTP_INFO.
 */
export function parseRtpInfo(v: string, ignored?: string[]): RtpInfoEntry[] {
  if (hasCtl(v)) throw bad(v, 'control character');
  const entries = splitEntries(v)
    .map((e) => e.replace(/[ \t,]+$/, '')) // tolerate a trailing comma
    .filter((e) => trimOws(e) !== '')
    .map((e) => parseEntry(v, e, ignored));
  if (entries.length === 0) throw bad(v, 'empty');
  return entries;
}

export function formatRtpInfo(entries: RtpInfoEntry[]): string {
  if (entries.length === 0) throw bad('', 'no entries');
  return entries
    .map((e) => {
      const url = e.url;
      // Refuse what would not parse back to the same URL.
      if (
        url === '' ||
        trimOws(url) !== url ||
        // a trailing comma is dropped when no parameter follows it
        (e.seq === undefined && e.rtptime === undefined && url.endsWith(',')) ||
        unquote(url) !== undefined ||
        hasCtl(url) ||
        /;[ \t]*(seq|rtptime|ssrc)[ \t]*=/i.test(url) ||
        SPLIT_RE.test(url)
      ) {
        throw bad(url, 'url');
      }
      let out = `url=${url}`;
      if (e.seq !== undefined) {
        if (!Number.isInteger(e.seq) || e.seq < 0 || e.seq > 0xffff) throw bad(url, 'seq');
        out += `;seq=${e.seq}`;
      }
      if (e.rtptime !== undefined) {
        if (!Number.isInteger(e.rtptime) || e.rtptime < 0 || e.rtptime > 0xffffffff) {
          throw bad(url, 'rtptime');
        }
        out += `;rtptime=${e.rtptime}`;
      }
      return out;
    })
    .join(',');
}
