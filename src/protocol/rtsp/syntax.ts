/** Small lexical helpers shared by the RTSP parser, serializer and header modules (RFC 2326 §15). */

/** token = 1*<any CHAR except CTLs or tspecials> (RFC 2326 §15.1, same set as RFC 7230 tchar). */
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function isToken(s: string): boolean {
  return TOKEN_RE.test(s);
}

/** Strips optional whitespace (SP / HT) at both ends. */
export function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s[a] === ' ' || s[a] === '\t')) a++;
  while (b > a && (s[b - 1] === ' ' || s[b - 1] === '\t')) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** True when the string holds a control character other than HT (including CR, LF, NUL, DEL). */
export function hasCtl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

/**
 * Splits on `sep` where it is not inside a double-quoted string (backslash escapes honoured).
 * Returns undefined when a quoted string is left open.
 */
export function splitOutsideQuotes(s: string, sep: string): string[] | undefined {
  const out: string[] = [];
  let inQuote = false;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inQuote) {
      if (c === '\\') i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') {
      inQuote = true;
    } else if (c === sep) {
      out.push(s.slice(from, i));
      from = i + 1;
    }
  }
  if (inQuote) return undefined;
  out.push(s.slice(from));
  return out;
}

/** `"a\"b"` → `a"b`; returns undefined when `s` is not exactly one well-formed quoted string. */
export function unquote(s: string): string | undefined {
  if (s.length < 2 || s[0] !== '"' || s[s.length - 1] !== '"') return undefined;
  let out = '';
  for (let i = 1; i < s.length - 1; i++) {
    const c = s[i];
    if (c === '\\') {
      i++;
      if (i >= s.length - 1) return undefined;
      out += s[i];
    } else if (c === '"') {
      return undefined;
    } else {
      out += c;
    }
  }
  return out;
}

/** Wraps in double quotes, escaping `"` and `\`. */
export function quote(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

/** Parses an unsigned decimal integer made of digits only; undefined if not digits or above max. */
export function parseUint(s: string, max: number): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const digits = s.replace(/^0+(?=\d)/, '');
  if (digits.length > 16) return undefined;
  const n = Number(digits);
  return n <= max ? n : undefined;
}

/** Sets an own enumerable property, safe for wire-chosen keys such as `__proto__`. */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
