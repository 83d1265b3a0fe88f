/** The one-track (H.264) mount the viewer-session tests set up. */
export const BASE = 'rtsp://seamd.test/cam';
export const SDP = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=cam',
  't=0 0',
  'a=control:*',
  'm=video 0 RTP/AVP 96',
  'a=rtpmap:96 H264/90000',
  'a=control:trackID=0',
  '',
].join('\r\n');
