import { DURATION_GRAMMAR } from './vocabulary.generated';

/**
 * The duration grammar of the backend (pkg/duration), for the editors: a Go duration (a possibly
 * signed sequence of decimal numbers, each with a unit ns, us, µs, ms, s, m or h: 500ms, 1.5h,
 * 1h30m) or a whole number of days or weeks (1d, 7d, 2w); months and years are refused. The units
 * come from the backend (vocabulary.generated.ts); the steps follow Go's time.ParseDuration so that
 * both read every input alike, which src/vocabulary.test.ts checks against the backend's table of
 * cases. Values are nanoseconds as a bigint, as a Go time.Duration holds them.
 */
export type DurationResult = { ns: bigint; error?: undefined } | { ns?: undefined; error: string };

const MAX_NS = BigInt('9223372036854775807'); // a time.Duration's largest value
const LIMIT = MAX_NS + BigInt(1); // 1 << 63, Go's bound while it reads
const TEN = BigInt(10);
const UNITS = new Map<string, bigint>(DURATION_GRAMMAR.units.map(([u, ns]) => [u, BigInt(ns)]));
const CALENDAR = new Map<string, bigint>(DURATION_GRAMMAR.calendarUnits.map(([u, ns]) => [u, BigInt(ns)]));
const REFUSED: readonly string[] = DURATION_GRAMMAR.refusedUnits;
const MIN_INTERVAL = BigInt(DURATION_GRAMMAR.minIntervalNs);

const syntax = (s: string): DurationResult => ({
  error: `"${s}" is not a duration such as 500ms, 30s, 5m, 1h30m, 1d or 1w`,
});

// Go's strings.TrimSpace: Unicode white space (JavaScript's trim also removes U+FEFF, not U+0085).
const SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const EDGES = new RegExp(`^${SPACE}+|${SPACE}+$`, 'g');
export function trimSpace(s: string): string {
  return s.replace(EDGES, '');
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** Go's time.ParseDuration, step for step (overflow included). */
function parseGoDuration(s: string): bigint | undefined {
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') {
    return BigInt(0);
  }
  if (s === '') {
    return undefined;
  }
  let d = BigInt(0);
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) {
      return undefined;
    }
    // [0-9]*
    let i = 0;
    let v = BigInt(0);
    for (; isDigit(s[i]); i++) {
      v = v * TEN + BigInt(s.charCodeAt(i) - 48);
      if (v > LIMIT) {
        return undefined;
      }
    }
    const pre = i > 0;
    s = s.slice(i);
    // (\.[0-9]*)?
    let post = false;
    let f = BigInt(0);
    let scale = 1;
    if (s[0] === '.') {
      s = s.slice(1);
      let overflow = false;
      for (i = 0; isDigit(s[i]); i++) {
        if (overflow) {
          continue;
        }
        const y = f * TEN + BigInt(s.charCodeAt(i) - 48);
        if (y > LIMIT) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = i > 0;
      s = s.slice(i);
    }
    if (!pre && !post) {
      return undefined;
    }
    // unit
    i = 0;
    while (i < s.length && s[i] !== '.' && !isDigit(s[i])) {
      i++;
    }
    if (i === 0) {
      return undefined;
    }
    const unit = UNITS.get(s.slice(0, i));
    s = s.slice(i);
    if (unit === undefined || v > LIMIT / unit) {
      return undefined;
    }
    v *= unit;
    if (f > BigInt(0)) {
      // Go: v += uint64(float64(f) * (float64(unit) / scale))
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > LIMIT) {
        return undefined;
      }
    }
    d += v;
    if (d > LIMIT) {
      return undefined;
    }
  }
  if (neg) {
    return -d;
  }
  return d > MAX_NS ? undefined : d;
}

/** A duration of the grammar; zero and negative ones too (callers say which they take). */
export function parseDuration(input: string): DurationResult {
  const t = trimSpace(input);
  if (t === '') {
    return syntax(input);
  }
  const last = t[t.length - 1];
  const num = t.slice(0, -1);
  if (/^[0-9]+$/.test(num)) {
    if (REFUSED.includes(last)) {
      return { error: `"${input}": months and years have no fixed length; use days or weeks, e.g. 30d` };
    }
    const unit = CALENDAR.get(last);
    if (unit !== undefined) {
      const n = BigInt(num);
      return n > MAX_NS / unit ? { error: `"${input}" is too large` } : { ns: n * unit };
    }
  }
  const ns = parseGoDuration(t);
  return ns === undefined ? syntax(input) : { ns };
}

/** Whether an interval is "auto" (any case) or empty, which lets the backend choose the width. */
export function isAutoInterval(input: string): boolean {
  const t = trimSpace(input);
  return t === '' || t.toLowerCase() === DURATION_GRAMMAR.auto;
}

/** A query's interval: auto (0) or a duration of at least 1ms in whole milliseconds. */
export function parseInterval(input: string): DurationResult {
  if (isAutoInterval(input)) {
    return { ns: BigInt(0) };
  }
  const r = parseDuration(input);
  if (r.error !== undefined) {
    return r;
  }
  if (r.ns < MIN_INTERVAL) {
    return { error: `"${input}" is below 1ms: use "auto" or a duration such as 30s, 5m or 1h` };
  }
  if (r.ns % MIN_INTERVAL !== BigInt(0)) {
    return { error: `"${input}" is not a whole number of milliseconds` };
  }
  return r;
}

const SECONDS = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$/;

/** A duration setting: empty (0, the default), a plain number of seconds, or a duration. */
export function parseSettingDuration(input: string): DurationResult {
  const t = trimSpace(input);
  if (t === '') {
    return { ns: BigInt(0) };
  }
  if (SECONDS.test(t)) {
    const ns = Number(t) * 1e9;
    if (!(Math.abs(ns) < 2 ** 63)) {
      return { error: `"${input}" is too large` };
    }
    return { ns: BigInt(Math.trunc(ns)) };
  }
  return parseDuration(input);
}
