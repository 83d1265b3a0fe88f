/**
 * RFC 3551 section 6 static RTP payload types, used when an m= line names a static payload type
 * without an a=rtpmap. Channel counts are given only where the RFC fixes them.
 */
export interface StaticPayload {
  encoding: string;
  clockRate: number;
  channels: number | undefined;
}

const TABLE: ReadonlyMap<number, StaticPayload> = new Map<number, StaticPayload>(
  (
    [
      [0, 'PCMU', 8000, 1],
      [3, 'GSM', 8000, 1],
      [4, 'G723', 8000, 1],
      [5, 'DVI4', 8000, 1],
      [6, 'DVI4', 16000, 1],
      [7, 'LPC', 8000, 1],
      [8, 'PCMA', 8000, 1],
      [9, 'G722', 8000, 1],
      [10, 'L16', 44100, 2],
      [11, 'L16', 44100, 1],
      [12, 'QCELP', 8000, 1],
      [13, 'CN', 8000, 1],
      [14, 'MPA', 90000, undefined],
      [15, 'G728', 8000, 1],
      [16, 'DVI4', 11025, 1],
      [17, 'DVI4', 22050, 1],
      [18, 'G729', 8000, 1],
      [25, 'CELB', 90000, undefined],
      [26, 'JPEG', 90000, undefined],
      [28, 'NV', 90000, undefined],
      [31, 'H261', 90000, undefined],
      [32, 'MPV', 90000, undefined],
      [33, 'MP2T', 90000, undefined],
      [34, 'H263', 90000, undefined],
    ] as const
  ).map(([pt, encoding, clockRate, channels]) => [pt, { encoding, clockRate, channels }]),
);

/** The RFC 3551 static assignment for `payloadType`, if it has one. */
export function staticPayload(payloadType: number): StaticPayload | undefined {
  return TABLE.get(payloadType);
}

/** Clock rate assumed when neither a=rtpmap nor the static table says: 8000 for audio, 90000 for
 * everything else (video, application/metadata, text). */
export function defaultClockRate(mediaType: string): number {
  return mediaType.toLowerCase() === 'audio' ? 8000 : 90000;
}
