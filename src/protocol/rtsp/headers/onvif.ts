/**
 * ONVIF Streaming replay request headers (ONVIF Streaming Specification, "Replay"): `Require:
 * onvif-replay` (RFC 2326 §12.32 option tags), `Rate-Control: yes|no` (no = as fast as the
 * transport allows), `Immediate: yes|no`, `Frames: intra|predicted|all[/interval]` and `Scale`
 * (a negative one asks for reverse playback).
 */
import { ProtocolError } from '../../../errors.js';
import { trimOws } from '../syntax.js';

export const ONVIF_REPLAY = 'onvif-replay';

export interface ReplayHeaders {
  /** Option tags of Require, lower-cased. */
  readonly require: readonly string[];
  readonly rateControl: boolean;
  readonly immediate: boolean;
  /** `Frames: intra`: keyframes only. */
  readonly intraOnly: boolean;
  readonly scale: number | undefined;
}

function yesNo(name: string, v: string | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  const t = trimOws(v).toLowerCase();
  if (t === 'yes') return true;
  if (t === 'no') return false;
  throw new ProtocolError(
    'RTSP_BAD_HEADER',
    `${name} must be yes or no (got ${JSON.stringify(v)})`,
  );
}

/** The replay headers of a request (`get` reads a header by name). Throws RTSP_BAD_HEADER (400). */
export function parseReplayHeaders(get: (name: string) => string | undefined): ReplayHeaders {
  const require = (get('Require') ?? '')
    .split(',')
    .map((t) => trimOws(t).toLowerCase())
    .filter((t) => t !== '');
  const frames = get('Frames');
  const f = frames === undefined ? 'all' : (trimOws(frames).toLowerCase().split('/')[0] ?? '');
  if (!['intra', 'predicted', 'all'].includes(f)) {
    throw new ProtocolError('RTSP_BAD_HEADER', `bad Frames ${JSON.stringify(frames)}`);
  }
  const scaleText = get('Scale');
  let scale: number | undefined;
  if (scaleText !== undefined) {
    scale = Number(trimOws(scaleText));
    if (!/^-?\d+(\.\d+)?$/.test(trimOws(scaleText)) || scale === 0) {
      throw new ProtocolError('RTSP_BAD_HEADER', `bad Scale ${JSON.stringify(scaleText)}`);
    }
  }
  return {
    require,
    rateControl: yesNo('Rate-Control', get('Rate-Control'), true),
    immediate: yesNo('Immediate', get('Immediate'), false),
    intraOnly: f === 'intra',
    scale,
  };
}
