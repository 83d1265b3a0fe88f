#!/usr/bin/python3
"""Real RTSP origin for seamd's end-to-end tests: GStreamer's gst-rtsp-server.

Server on --port (no auth):
  /file   the fixture clip, file-backed (each session its own pipeline, seekable)
  /long   --long-clip, file-backed (loss statistics need thousands of packets)
  /live   a live test pattern + tone, one pipeline shared by every session (x264 repeats
          SPS/PPS in-band at each keyframe; config-interval on the payloader makes ffmpeg
          report non-monotonic DTS, so it is left off); a keyframe every second
  /live2s the same with a keyframe every 2 s (start-time measurements: a player joining
          mid-GOP waits for the next keyframe)
  /livebig video only, noise at ~4 Mbit/s with a keyframe every 2 s: GOPs of hundreds of
          full-size packets (a fast start's burst that can overflow a receive buffer)
Server on --auth-port (optional; Digest auth, user "seamd", password "secret"):
  /file   the fixture clip

Usage: origin.py --port N [--auth-port M] --clip PATH.
Prints "READY <port>" on stdout once listening.
"""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

FILE_PIPELINE = (
    "( filesrc location={clip} ! qtdemux name=d "
    "d.video_0 ! queue ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1 "
    "d.audio_0 ! queue ! aacparse ! rtpmp4gpay name=pay1 pt=97 )"
)
LIVE_PIPELINE = (
    "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=25/1 "
    "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate=300 "
    "! h264parse ! rtph264pay name=pay0 pt=96 "
    "audiotestsrc is-live=true wave=sine freq=440 ! audio/x-raw,rate=44100,channels=2 "
    "! audioconvert ! avenc_aac ! aacparse ! rtpmp4gpay name=pay1 pt=97 )"
)
BIG_PIPELINE = (
    "( videotestsrc is-live=true pattern=snow ! video/x-raw,width=640,height=360,framerate=25/1 "
    "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=50 bitrate=4000 "
    "! h264parse ! rtph264pay name=pay0 pt=96 )"
)


def factory(launch, shared, role=None):
    f = GstRtspServer.RTSPMediaFactory()
    f.set_launch(launch)
    f.set_shared(shared)
    if role:
        perms = GstRtspServer.RTSPPermissions()
        perms.add_permission_for_role(role, "media.factory.access", True)
        perms.add_permission_for_role(role, "media.factory.construct", True)
        f.set_permissions(perms)
    return f


def make_server(address, port):
    server = GstRtspServer.RTSPServer()
    server.set_address(address)
    server.set_service(str(port))
    return server


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--auth-port", type=int)
    ap.add_argument("--clip", required=True)
    ap.add_argument("--long-clip", help="served file-backed at /long")
    ap.add_argument("--address", default="127.0.0.1")
    args = ap.parse_args()
    Gst.init(None)

    open_server = make_server(args.address, args.port)
    mounts = open_server.get_mount_points()
    mounts.add_factory("/file", factory(FILE_PIPELINE.format(clip=args.clip), False))
    mounts.add_factory("/live", factory(LIVE_PIPELINE.format(gop=25), True))
    mounts.add_factory("/live2s", factory(LIVE_PIPELINE.format(gop=50), True))
    mounts.add_factory("/livebig", factory(BIG_PIPELINE, True))
    if args.long_clip:
        mounts.add_factory("/long", factory(FILE_PIPELINE.format(clip=args.long_clip), False))
    servers = [open_server]

    if args.auth_port:
        auth_server = make_server(args.address, args.auth_port)
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "viewer")
        auth.add_digest("seamd", "secret", token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        auth_server.set_auth(auth)
        auth_server.get_mount_points().add_factory(
            "/file", factory(FILE_PIPELINE.format(clip=args.clip), False, "viewer")
        )
        servers.append(auth_server)

    for server in servers:
        if server.attach(None) == 0:
            print("FAILED to bind", flush=True)
            sys.exit(1)

    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    print("READY %d" % args.port, flush=True)
    loop.run()


if __name__ == "__main__":
    main()
