/**
 * Realistic DESCRIBE answers, written in the shape each server produces (values made up). Lines
 * are given without endings; `crlf()` / `lf()` join them.
 */

export const crlf = (lines: string[]): string => lines.join('\r\n') + '\r\n';
export const lf = (lines: string[]): string => lines.join('\n') + '\n';

/** gst-rtsp-server, file mount (H.264 + AAC, 30 s). Content-Base rtsp://127.0.0.1:8554/file/. */
export const GST_FILE = [
  'v=0',
  'o=- 1188340656180883 1 IN IP4 127.0.0.1',
  's=Session streamed with GStreamer',
  'i=rtsp-server',
  't=0 0',
  'a=tool:GStreamer',
  'a=type:broadcast',
  'a=range:npt=now-30',
  'm=video 0 RTP/AVP 96',
  'c=IN IP4 0.0.0.0',
  'b=AS:2097',
  'a=rtpmap:96 H264/90000',
  'a=framerate:25',
  'a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z2QAH6zZQFAFuhAAAAMAEAAAAwMg8YMZYA==,aOvjyyLA;profile-level-id=64001f;level-asymmetry-allowed=1',
  'a=control:stream=0',
  'a=ts-refclk:local',
  'a=mediaclk:sender',
  'm=audio 0 RTP/AVP 97',
  'c=IN IP4 0.0.0.0',
  'b=AS:128',
  'a=rtpmap:97 MPEG4-GENERIC/44100/2',
  'a=fmtp:97 streamtype=5;profile-level-id=2;mode=AAC-hbr;config=1210;sizelength=13;indexlength=3;indexdeltalength=3',
  'a=control:stream=1',
  'a=ts-refclk:local',
  'a=mediaclk:sender',
];
export const GST_FILE_BASE = 'rtsp://127.0.0.1:8554/file/';

/** gst-rtsp-server, live mount (videotestsrc ! x264enc). */
export const GST_LIVE = [
  'v=0',
  'o=- 1188340656180883 1 IN IP4 127.0.0.1',
  's=Session streamed with GStreamer',
  'i=rtsp-server',
  't=0 0',
  'a=tool:GStreamer',
  'a=type:broadcast',
  'a=range:npt=now-',
  'm=video 0 RTP/AVP 96',
  'c=IN IP4 0.0.0.0',
  'a=rtpmap:96 H264/90000',
  'a=fmtp:96 packetization-mode=1;profile-level-id=42c01e;sprop-parameter-sets=Z0LAHtkAoD2wEQAAAwABAAADADIPFi5I,aMuMsg==',
  'a=control:stream=0',
  'a=ts-refclk:local',
  'a=mediaclk:sender',
];
export const GST_LIVE_BASE = 'rtsp://127.0.0.1:8554/live/';

/** live555 Media Server, Matroska file. Content-Base rtsp://192.168.1.10:8554/test.mkv/. */
export const LIVE555_FILE = [
  'v=0',
  'o=- 1700000000123456 1 IN IP4 192.168.1.10',
  's=Matroska video+audio+(optional)subtitles, streamed by the LIVE555 Media Server',
  'i=test.mkv',
  't=0 0',
  'a=tool:LIVE555 Streaming Media v2024.05.30',
  'a=type:broadcast',
  'a=control:*',
  'a=range:npt=0.000-596.458',
  'a=x-qt-text-nam:Matroska video+audio+(optional)subtitles, streamed by the LIVE555 Media Server',
  'a=x-qt-text-inf:test.mkv',
  'm=video 0 RTP/AVP 96',
  'c=IN IP4 0.0.0.0',
  'b=AS:500',
  'a=rtpmap:96 H264/90000',
  'a=fmtp:96 packetization-mode=1;profile-level-id=640028;sprop-parameter-sets=Z2QAKKzZQHgCJ+XARAAAAwAEAAADAPA8YMZY,aOvjyyLA',
  'a=control:track1',
  'm=audio 0 RTP/AVP 97',
  'c=IN IP4 0.0.0.0',
  'b=AS:96',
  'a=rtpmap:97 MPEG4-GENERIC/48000/2',
  'a=fmtp:97 streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1190',
  'a=control:track2',
];
export const LIVE555_FILE_BASE = 'rtsp://192.168.1.10:8554/test.mkv/';

/** live555 (proxy server style): absolute session-level control without trailing slash, live. */
export const LIVE555_ABS = [
  'v=0',
  'o=- 1700000099000001 1 IN IP4 192.168.1.10',
  's=Session streamed by "testRTSPClient"',
  'i=proxyStream',
  't=0 0',
  'a=tool:LIVE555 Streaming Media v2024.05.30',
  'a=type:broadcast',
  'a=control:rtsp://192.168.1.10:8554/proxyStream',
  'a=range:npt=0-',
  'm=video 0 RTP/AVP 96',
  'c=IN IP4 0.0.0.0',
  'b=AS:2000',
  'a=rtpmap:96 H265/90000',
  'a=fmtp:96 profile-space=0;profile-id=1;tier-flag=0;level-id=93',
  'a=control:track1',
];
export const LIVE555_ABS_BASE = 'rtsp://10.0.0.1/ignored/';

/** Axis-style camera: absolute session and per-track control URLs carrying a query string, a
 * 20-digit sess-id and sess-version (beyond 2^53), ONVIF metadata track. */
export const AXIS = [
  'v=0',
  'o=- 12345678901234567890 98765432109876543210 IN IP4 192.168.0.90',
  's=Session streamed with GStreamer',
  'i=rtsp-server',
  'e=NONE',
  't=0 0',
  'a=tool:GStreamer',
  'a=type:broadcast',
  'a=range:npt=now-',
  'a=control:rtsp://192.168.0.90:554/axis-media/media.amp?videocodec=h264',
  'm=video 0 RTP/AVP 96',
  'c=IN IP4 0.0.0.0',
  'b=AS:50000',
  'a=rtpmap:96 H264/90000',
  'a=fmtp:96 packetization-mode=1;profile-level-id=4d0029;sprop-parameter-sets=Z00AKeKQDwBE/LgLcBAQGkHiRFQ=,aO48gA==',
  'a=control:rtsp://192.168.0.90:554/axis-media/media.amp/stream=0?videocodec=h264',
  'a=framerate:30.000000',
  'a=transform:1.000000,0.000000,0.000000;0.000000,1.000000,0.000000;0.000000,0.000000,1.000000',
  'm=application 0 RTP/AVP 98',
  'c=IN IP4 0.0.0.0',
  'a=rtpmap:98 vnd.onvif.metadata/90000',
  'a=control:rtsp://192.168.0.90:554/axis-media/media.amp/stream=1?videocodec=h264',
];
export const AXIS_BASE = 'rtsp://192.168.0.90/axis-media/media.amp?videocodec=h264';

/** A cheap camera with no a=control at all, static payload types, no t= line, c= at session
 * level with the camera's address. */
export const NO_CONTROL = [
  'v=0',
  'o=- 0 0 IN IP4 10.0.0.5',
  's=No Name',
  'c=IN IP4 10.0.0.5',
  'm=video 0 RTP/AVP 26',
  'm=audio 0 RTP/AVP 0',
];
export const NO_CONTROL_BASE = 'rtsp://10.0.0.5/mjpeg';
