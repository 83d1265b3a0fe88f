/**
 * The header tables of another RTSP library (gortsplib, see test/unit/protocol/vectors/), many of
 * them real cameras' replies: valid ones parse to the right fields, an origin's odd answers are
 * kept with their unusable parameters reported, and a viewer's malformed input gets its 4xx.
 */
import { describe, expect, it } from 'vitest';
import {
  parseAuthorization,
  parseWwwAuthenticate,
  pickChallenge,
} from '../../../../../src/protocol/rtsp/headers/auth.js';
import { formatRange, parseRange } from '../../../../../src/protocol/rtsp/headers/range.js';
import { parseRtpInfo } from '../../../../../src/protocol/rtsp/headers/rtp-info.js';
import { parseSession } from '../../../../../src/protocol/rtsp/headers/session.js';
import {
  parseTransport,
  type TransportSpec,
} from '../../../../../src/protocol/rtsp/headers/transport.js';
import { negotiateTransport } from '../../../../../src/serve/negotiate.js';
import { GORTSPLIB_AUTHENTICATE, GORTSPLIB_AUTHORIZATION } from '../../vectors/gortsplib-auth.js';
import { GORTSPLIB_RANGE_INVALID, GORTSPLIB_RANGE_VALID } from '../../vectors/gortsplib-range.js';
import { GORTSPLIB_RTP_INFO, GORTSPLIB_SESSION } from '../../vectors/gortsplib-rtpinfo-session.js';
import {
  GORTSPLIB_TRANSPORT_FUZZ_SEEDS,
  GORTSPLIB_TRANSPORT_INVALID,
  GORTSPLIB_TRANSPORT_VALID,
  type TransportVector,
} from '../../vectors/gortsplib-transport.js';
import { errorCode } from './helpers.js';

const spec = (fields: Partial<TransportSpec>): TransportSpec => ({
  protocol: 'RTP',
  profile: 'AVP',
  lowerTransport: 'UDP',
  extra: {},
  ...fields,
});

/** The status seamd's SETUP gives a viewer sending this Transport (400 unparseable, as methods.ts). */
function viewerSetupStatus(header: string): number {
  let offers: TransportSpec[];
  try {
    offers = parseTransport(header);
  } catch {
    return 400;
  }
  const n = negotiateTransport(offers, {
    remoteAddress: '127.0.0.1',
    usedChannels: new Set(),
    suggestedChannel: 0,
  });
  return n.ok ? 200 : n.status;
}

/** The status seamd's PLAY gives a viewer sending this Range (457 unparseable, as methods.ts). */
function viewerPlayRange(header: string): string | 457 {
  try {
    return formatRange(parseRange(header));
  } catch {
    return 457;
  }
}

describe('gortsplib Transport vectors', () => {
  const all: TransportVector[] = [...GORTSPLIB_TRANSPORT_VALID, ...GORTSPLIB_TRANSPORT_INVALID];
  for (const v of all) {
    describe(v.name, () => {
      it('an origin answer keeps what is usable and reports the rest', () => {
        const ignored: string[] = [];
        if (v.fields === undefined) {
          expect(errorCode(() => parseTransport(v.input, ignored))).toBe('HDR_BAD_TRANSPORT');
          return;
        }
        expect(parseTransport(v.input, ignored)).toEqual(v.fields.map(spec));
        expect(ignored).toHaveLength(v.ignored ?? 0);
      });

      it('a viewer offer is read strictly', () => {
        if (v.fields === undefined || (v.ignored ?? 0) > 0) {
          expect(errorCode(() => parseTransport(v.input))).toBe('HDR_BAD_TRANSPORT');
        } else {
          expect(parseTransport(v.input)).toEqual(v.fields.map(spec));
        }
      });

      it(`a viewer SETUP gets ${v.viewer}`, () =>
        expect(viewerSetupStatus(v.input)).toBe(v.viewer));
    });
  }

  for (const input of GORTSPLIB_TRANSPORT_FUZZ_SEEDS) {
    it(`fuzz seed ${JSON.stringify(input)} is refused, typed, either way`, () => {
      expect(errorCode(() => parseTransport(input))).toBe('HDR_BAD_TRANSPORT');
      expect(errorCode(() => parseTransport(input, []))).toBe('HDR_BAD_TRANSPORT');
      expect(viewerSetupStatus(input)).toBe(400);
    });
  }

  it('says which parameters of a camera reply it left out', () => {
    const ignored: string[] = [];
    parseTransport(
      'RTP/AVP/UDP;unicast;source=;client_port=32560-32561;server_port=3046-3047;ssrc=45dcb578',
      ignored,
    );
    expect(ignored).toEqual(['source= (empty)']);
    parseTransport(
      'RTP/AVP;unicast;client_port=14236;source=172.16.8.2;server_port=56002;ssrc=1449463210',
      ignored,
    );
    expect(ignored[1]).toMatch(/^ssrc=1449463210 /);
  });
});

describe('gortsplib Range vectors', () => {
  for (const v of GORTSPLIB_RANGE_VALID) {
    it(`${v.name}: ${v.input} parses and a viewer PLAY forwards ${v.forwarded}`, () => {
      expect(parseRange(v.input)).toEqual(v.want);
      expect(viewerPlayRange(v.input)).toBe(v.forwarded);
    });
  }
  for (const [name, input] of GORTSPLIB_RANGE_INVALID) {
    it(`${name}: ${JSON.stringify(input)} is HDR_BAD_RANGE, a viewer PLAY gets 457`, () => {
      expect(errorCode(() => parseRange(input))).toBe('HDR_BAD_RANGE');
      expect(viewerPlayRange(input)).toBe(457);
    });
  }
});

describe('gortsplib RTP-Info vectors', () => {
  for (const v of GORTSPLIB_RTP_INFO) {
    it(v.name, () => {
      const ignored: string[] = [];
      if (v.want === undefined) {
        expect(errorCode(() => parseRtpInfo(v.input, ignored))).toBe('HDR_BAD_RTP_INFO');
        return;
      }
      expect(parseRtpInfo(v.input, ignored)).toEqual(v.want);
      expect(ignored).toHaveLength(v.ignored ?? 0);
    });
  }
});

describe('gortsplib Session vectors', () => {
  for (const v of GORTSPLIB_SESSION) {
    it(`${v.name}: from a viewer`, () => {
      if (v.viewer === undefined)
        expect(errorCode(() => parseSession(v.input))).toBe('HDR_BAD_SESSION');
      else expect(parseSession(v.input)).toEqual(v.viewer);
    });
    it(`${v.name}: from an origin`, () => {
      const ignored: string[] = [];
      if (v.origin === undefined) {
        expect(errorCode(() => parseSession(v.input, ignored))).toBe('HDR_BAD_SESSION');
      } else {
        expect(parseSession(v.input, ignored)).toEqual(v.origin);
        expect(ignored).toHaveLength(v.viewer === undefined ? 1 : 0);
      }
    });
  }
});

describe('gortsplib WWW-Authenticate vectors (from an origin)', () => {
  for (const v of GORTSPLIB_AUTHENTICATE) {
    it(v.name, () => {
      if (v.challenges === undefined) {
        expect(errorCode(() => parseWwwAuthenticate([v.input]))).toBe('HDR_BAD_AUTH');
        const ignored: string[] = [];
        expect(parseWwwAuthenticate([v.input], ignored)).toEqual([]);
        expect(ignored).toHaveLength(1);
        return;
      }
      const challenges = parseWwwAuthenticate([v.input]);
      expect(challenges).toEqual(v.challenges);
      expect(pickChallenge(challenges)?.scheme).toBe(v.picked);
    });
  }

  it('an unreadable challenge line does not hide a usable one on another line', () => {
    const ignored: string[] = [];
    const values = ['Digest realm,nonce=""algorithm', 'Basic realm="4419b63f5e51"'];
    expect(pickChallenge(parseWwwAuthenticate(values, ignored))?.scheme).toBe('Basic');
    expect(ignored).toHaveLength(1);
  });
});

describe('gortsplib Authorization vectors (from a viewer, strict)', () => {
  for (const v of GORTSPLIB_AUTHORIZATION) {
    it(v.name, () => {
      if (v.params === undefined) {
        expect(errorCode(() => parseAuthorization(v.input))).toBe('HDR_BAD_AUTH');
      } else {
        expect(parseAuthorization(v.input).params).toEqual(v.params);
      }
    });
  }
});
