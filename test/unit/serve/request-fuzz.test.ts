/**
 * Fuzzing the whole request path in process (see request-fuzz.ts): mutated conversations must
 * get no server-error answer (5xx other than 501 unknown method and 505 bad version), no
 * exception may escape, every answer must parse, and everything a connection held (sessions,
 * sources, timers) must be given back when it closes.
 *
 * Reproduce a failure: SEAMD_FUZZ_SEED=<seed> (the default is fixed) and caseInput(seed, index)
 * for the index printed. SEAMD_FUZZ_CASES changes the count (default 100 000).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  caseInput,
  createFuzzFront,
  leftovers,
  runCase,
  runFuzz,
  type FuzzStats,
} from './request-fuzz.js';

const SEED = Number(process.env.SEAMD_FUZZ_SEED ?? 20261202);
const CASES = Number(process.env.SEAMD_FUZZ_CASES ?? 100_000);
const BATCHES = 10;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function emptyStats(): FuzzStats {
  return { cases: 0, requests: 0, statuses: new Map(), exceptions: 0, badOutputs: 0, failures: [] };
}

describe('request fuzzing (parser → resolve → method handlers)', () => {
  it('case inputs are a pure function of (seed, index)', () => {
    for (const i of [0, 1, 977, 99_999]) {
      const a = caseInput(SEED, i);
      const b = caseInput(SEED, i);
      expect(a.bytes.equals(b.bytes)).toBe(true);
      expect(a.cuts).toEqual(b.cuts);
    }
    expect(caseInput(SEED, 1).bytes.equals(caseInput(SEED + 1, 1).bytes)).toBe(false);
  });

  // Inputs the fuzzer found (500 answers, a rejected request chain); each failed before its fix.
  it.each([
    // node's DNS answers { address: null } for an empty host name
    ['empty host', 'DESCRIBE rtsp:/// RTSP/1.0\r\nCSeq: 1\r\n\r\n'],
    [
      'empty host, SETUP',
      'SETUP rtsp:///a/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP/TCP\r\n\r\n',
    ],
    // no authority: the path map matched and the presentation URL could not be parsed again
    [
      'no authority',
      'SETUP rtsp:fd00::5]/cam1/../cam1/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n',
    ],
    // a decoded %00 in the refusal reason: the answer could not be serialized
    [
      '%00 in the path',
      'DESCRIBE rtsp://127.0.0.1:8554/c%00am1 RTSP/1.0\r\nCSeq: 2\r\n\r\nOPTIONS * RTSP/1.0\r\nCSeq: 3\r\n\r\n',
    ],
  ])('found by fuzzing: %s', async (_name, text) => {
    const f = createFuzzFront();
    const res = await runCase(f, {
      bytes: Buffer.from(text, 'latin1'),
      cuts: [],
      remoteAddress: '127.0.0.1',
    });
    expect(res.exceptions).toEqual([]);
    expect(res.badOutput).toBeUndefined();
    expect(res.statuses.length).toBe(text.split('RTSP/1.0\r\n').length - 1);
    expect(res.statuses.filter((s) => s >= 500)).toEqual([]);
    expect(f.errors.first).toEqual([]);
    expect(leftovers(f)).toEqual({ viewerSessions: 0, liveSources: 0, pendingTimers: 0 });
  });

  it(`${CASES} mutated conversations: no 5xx, no exception, nothing left held`, async () => {
    const f = createFuzzFront();
    const stats = emptyStats();
    const heapBefore = heapAfterGc();
    const per = Math.ceil(CASES / BATCHES);
    for (let from = 0; from < CASES; from += per) {
      await runFuzz(SEED, from, Math.min(per, CASES - from), f, stats);
      if (stats.failures.length > 0) break;
    }
    const heapGrowth = heapAfterGc() - heapBefore;
    const report = stats.failures
      .slice(0, 5)
      .map(
        (x) => `seed ${SEED} case ${x.index}: ${x.why}\n  ${JSON.stringify(x.input.slice(0, 400))}`,
      );
    expect(report).toEqual([]);
    expect(stats.exceptions).toBe(0);
    expect(stats.badOutputs).toBe(0);
    expect(f.errors.count).toBe(0);
    expect(stats.cases).toBe(CASES);
    // Some 2.4 requests a case; most kinds of answer show up.
    expect(stats.requests).toBeGreaterThan(CASES * 2);
    for (const status of [200, 400, 403, 404, 405, 408, 454, 501, 505]) {
      expect(stats.statuses.get(status) ?? 0, `answers ${status}`).toBeGreaterThan(0);
    }
    // Bounded memory: every connection closed gave back all it held.
    expect(leftovers(f)).toEqual({ viewerSessions: 0, liveSources: 0, pendingTimers: 0 });
    expect(heapGrowth).toBeLessThan(16 * 1024 * 1024);
  }, 240_000);
});
