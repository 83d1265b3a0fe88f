#!/usr/bin/python3
"""
GStreamer's ONVIF replay client: rtspsrc in onvif-mode, a seek to a wall-clock time (rtspsrc
takes a seek position in onvif-mode as nanoseconds since 1900-01-01 and sends it as
`Range: clock=`; without a seek it asks for clock=19000101T000000Z-), video through
rtponvifparse. rtspsrc (1.22) does not send `Require: onvif-replay` itself: `--require` adds it
in `before-send`, as GStreamer's own ONVIF client example does. Prints the PLAY's headers, one
JSON line per video RTP packet: what entered rtponvifparse (sequence number, NAL type, the 0xABAC
extension: NTP time in ms since 1970, flags, CSeq byte) and what came out (arrival time, the
DELTA_UNIT and DISCONT flags rtponvifparse set from it), then {"done": ...}.
Run with /usr/bin/python3 (has gi).
"""
import argparse
import json
import os
import struct
import sys
import threading
import time

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstRtsp', '1.0')
from gi.repository import GLib, Gst, GstRtsp  # noqa: E402

NTP_UNIX_OFFSET_S = 2208988800

ap = argparse.ArgumentParser()
ap.add_argument('--url', required=True)
ap.add_argument('--start-ms', type=int, help='seek here (ms since 1970) before PLAY')
ap.add_argument('--end-ms', type=int)
ap.add_argument('--seconds', type=float, default=6)
ap.add_argument('--rate-control', default='yes', choices=['yes', 'no'])
ap.add_argument('--require', action='store_true',
                help='add Require: onvif-replay to PLAY (rtspsrc does not)')
args = ap.parse_args()

Gst.init(None)
pipe = Gst.parse_launch(
    f'rtspsrc name=s location={args.url} onvif-mode=true protocols=tcp '
    f'onvif-rate-control={"true" if args.rate_control == "yes" else "false"} '
    's. ! application/x-rtp,media=video ! rtponvifparse name=p ! fakesink sync=false '
    's. ! application/x-rtp,media=audio ! fakesink sync=false')
src = pipe.get_by_name('s')
parse = pipe.get_by_name('p')
out = sys.stdout
pending = {}


def emit(obj):
    out.write(json.dumps(obj) + '\n')
    out.flush()


def before_send(_src, msg):
    if msg.get_type() == GstRtsp.RTSPMsgType.REQUEST:
        _res, method, _uri, _ver = msg.parse_request()
        if args.require and method == GstRtsp.RTSPMethod.PLAY:
            msg.add_header(GstRtsp.RTSPHeaderField.REQUIRE, 'onvif-replay')
        if method == GstRtsp.RTSPMethod.PLAY:
            play = {}
            for name, field in (('range', GstRtsp.RTSPHeaderField.RANGE),
                                ('rateControl', GstRtsp.RTSPHeaderField.RATE_CONTROL),
                                ('require', GstRtsp.RTSPHeaderField.REQUIRE)):
                res, value = msg.get_header(field, 0)
                play[name] = value if res == GstRtsp.RTSPResult.OK else None
            emit({'play': play})
    return True


src.connect('before-send', before_send)


def on_sink(_pad, info):
    buf = info.get_buffer()
    data = buf.extract_dup(0, min(buf.get_size(), 64))
    seq = struct.unpack('>H', data[2:4])[0]
    rec = {'seq': seq, 'ext': None}
    if data[0] & 0x10:
        off = 12 + 4 * (data[0] & 0x0F)
        profile, words = struct.unpack('>HH', data[off:off + 4])
        if profile == 0xABAC and words == 3:
            sec, frac = struct.unpack('>II', data[off + 4:off + 12])
            ms = (sec - NTP_UNIX_OFFSET_S) * 1000 + frac * 1000 / 2**32
            rec['ext'] = {'ntpMs': ms, 'flags': data[off + 12], 'cseq': data[off + 13]}
        off += 4 + 4 * words
    else:
        off = 12 + 4 * (data[0] & 0x0F)
    rec['nal'] = data[off] & 0x1F
    if rec['nal'] == 28:
        rec['fu'] = data[off + 1] & 0x1F
    pending[seq] = rec
    return Gst.PadProbeReturn.OK


def on_src(_pad, info):
    buf = info.get_buffer()
    data = buf.extract_dup(0, 4)
    seq = struct.unpack('>H', data[2:4])[0]
    rec = pending.pop(seq, {'seq': seq, 'ext': None})
    rec['at'] = time.monotonic() * 1000
    rec['delta'] = bool(buf.has_flags(Gst.BufferFlags.DELTA_UNIT))
    rec['discont'] = bool(buf.has_flags(Gst.BufferFlags.DISCONT))
    emit(rec)
    return Gst.PadProbeReturn.OK


parse.get_static_pad('sink').add_probe(Gst.PadProbeType.BUFFER, on_sink)
parse.get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, on_src)

loop = GLib.MainLoop()
state = {'error': None, 'eos': False, 'seeked': False}


def on_message(_bus, msg):
    if msg.type == Gst.MessageType.ERROR:
        err, dbg = msg.parse_error()
        state['error'] = f'{err.message} {dbg}'
        loop.quit()
    elif msg.type == Gst.MessageType.EOS:
        state['eos'] = True
        loop.quit()
    return True


bus = pipe.get_bus()
bus.add_signal_watch()
bus.connect('message', on_message)


def to_ns(ms):
    return (ms + NTP_UNIX_OFFSET_S * 1000) * 1_000_000


def start():
    if args.start_ms is not None:
        pipe.set_state(Gst.State.PAUSED)
        pipe.get_state(5 * Gst.SECOND)
        stop_type = Gst.SeekType.NONE if args.end_ms is None else Gst.SeekType.SET
        stop = -1 if args.end_ms is None else to_ns(args.end_ms)
        state['seeked'] = src.send_event(Gst.Event.new_seek(
            1.0, Gst.Format.TIME, Gst.SeekFlags.FLUSH, Gst.SeekType.SET, to_ns(args.start_ms),
            stop_type, stop))
    pipe.set_state(Gst.State.PLAYING)
    return False


GLib.idle_add(start)
GLib.timeout_add(int(args.seconds * 1000), loop.quit)
loop.run()
emit({'done': {'error': state['error'], 'eos': state['eos'], 'seeked': state['seeked']}})
# rtspsrc 1.22 can hang for good in its TEARDOWN when the range ended (BYE) before its first
# packet left the jitterbuffer (it ignores that BYE, then pushes EOS when its sources time
# out): what it received is printed above; do not wait for the teardown longer than 3 s.
watchdog = threading.Timer(3.0, lambda: os._exit(0))
watchdog.daemon = True
watchdog.start()
pipe.set_state(Gst.State.NULL)
