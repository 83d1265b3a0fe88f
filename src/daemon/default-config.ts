/**
 * The embedded default config: what `seamd run` uses without --config and what
 * `seamd config default` prints. config/default.yaml is the same text (a test keeps them equal).
 */
export const DEFAULT_CONFIG_YAML = `# seamd configuration. Every key is optional; a missing key takes the value shown here.
# Check a file with: seamd config check --config FILE

listen:
  # host:port of the RTSP front end players connect to ("[::]:8554" for IPv6, ":8554" = all IPv4)
  rtsp: 0.0.0.0:8554
  # UDP port pair viewers get media from: RTP on this even port, RTCP on the next one
  # (0 = any free even pair)
  rtp: 0.0.0.0:8000
  # host:port of the console (http://127.0.0.1:9090/), /metrics and the JSON APIs; null = off.
  # Off a loopback address, http.token or http.users is required.
  http: 127.0.0.1:9090
  # Other names and addresses players use for seamd ("proxy.isp.net" = any port,
  # "proxy.isp.net:554" = that port only). Only Request-URIs naming seamd (these, its listen
  # and interface addresses with its RTSP port, localhost) use the path map; any other host is
  # transparent.
  names: []

http:
  # Who may read listen.http (the console and APIs show viewer addresses). Off a loopback
  # address one of these is required. A token (16+ characters, e.g. from openssl rand -hex 16)
  # is sent as "Authorization: Bearer <token>" or as the password of HTTP Basic (any user name).
  token: null
  # Users for HTTP Basic: [{ name: alice, password: "scrypt$..." }], the hash printed by
  # seamd hash-password (the password itself never goes in this file).
  users: []

# Path name -> origin. Players ask for rtsp://<seamd host>:<port>/<name>.
# Names use letters, digits, ".", "_" and "-".
paths:
  # The bundled demo: a 5 s clip kept as a recording in the package, copied into recordings.dir
  # at start. Its origin cannot answer (port 1), so it is served from disk like any recording
  # whose origin is down: ffplay rtsp://127.0.0.1:8554/demo
  demo: rtsp://127.0.0.1:1/demo
  # cam1:
  #   origin: rtsp://10.0.0.5:554/stream
  #   mirrors: [rtsp://10.0.0.6:554/stream] # other servers with the same content
  #   upstream: { transport: tcp } # udp | tcp | auto; overrides upstream.transport
  #   fastStart: false # overrides serve.fastStart
  # cam2: rtsp://10.0.0.7/live # shorthand for { origin: rtsp://10.0.0.7/live }

# Clips: named spans of an archived path (pointers, never copies), played at
# rtsp://<seamd>/clips/<name>; the archive segments they use are kept past retention and quota.
# Also made with: seamd clips add|list|rm (kept in recordings.dir/.clips.json; the config wins).
# clips:
#   interview: { path: radio1, from: 2026-12-01T14:15:00Z, to: 2026-12-01T14:30:00Z }
# Schedules: programmes of an archived path (cron in UTC; 6 fields = seconds first), played at
# rtsp://<seamd>/<path>/<name>/<start as 20261201T141500Z>.
# schedule:
#   quarter: { path: radio1, cron: "0,15,30,45 * * * *", duration: 15m }

transparent:
  # Hosts a player's Request-URI may name to be relayed as is: host names
  # (*.example.net = any subdomain), IP addresses and CIDR ranges (10.0.0.0/8, fd00::/8).
  # Empty = only the paths above are served.
  allow: []

recordings:
  # Where seamed recordings are kept (relative to the working directory).
  dir: ./recordings
  # Record what seamd relays: file-backed content once per content (later viewers are served
  # from disk); live content as an archive (never served as a cache hit).
  enabled: true
  live: true
  # Byte quota over all recordings ("500MiB", "20GB", or a number); 0 = no limit. Over it,
  # the least recently used recordings are deleted (never one being written or played).
  quota: 0
  # Before serving from disk, DESCRIBE the origin (this long at most) to check the content is
  # unchanged; an origin that does not answer does not stop the recording being served.
  revalidate: true
  revalidateTimeoutMs: 2000

serve:
  # Serve file-backed content from its recording when at least this % of it is on disk.
  minCompleteness: 100
  # Viewers start at once: a live source keeps the packets since its last keyframe and a joining
  # viewer gets them first (audio from the keyframe's time); playout from disk sends the first
  # second ahead of the clock. Per path: paths.<name>.fastStart.
  fastStart: true
  # What a live source keeps for that: GOPs, bytes ("8MiB" or a number) and packets, at most.
  fastStartGops: 2
  fastStartMaxBytes: 8MiB
  fastStartMaxPackets: 8192

upstream:
  # udp | tcp | auto (udp first, tcp on 461 or when no media arrives within udpTimeoutMs)
  transport: auto
  udpTimeoutMs: 3000
  # How long to wait for the origin to answer an RTSP request.
  requestTimeoutMs: 10000
  userAgent: seamd/0.1
  # host[:port] -> { username, password }, used when the origin URL carries none.
  credentials: {}

limits:
  maxConnections: 1000
  maxConnectionsPerAddress: 32
  # Viewers' session timeout, advertised in "Session: <id>;timeout=<seconds>".
  sessionTimeoutSec: 60
  # Body limit for requests from players.
  maxRequestBytes: 65536
  # A request begun must be complete within this (else 408 and the connection is closed).
  requestTimeoutSec: 10
  # A connection with no viewer session and no request in progress is closed after this.
  idleTimeoutSec: 60

seam:
  # Extra upstream legs on loss, merged packet by packet (per path: paths.<name>.seam).
  # Legs always open (2 = redundant from the start) and the most ever open.
  minLegs: 1
  maxLegs: 3
  # Open one more leg when a leg loses this % over the window...
  openLossPct: 2
  # ...close extra legs after the merged stream stayed at or under this % for holdSec.
  closeLossPct: 0.5
  holdSec: 30
  # Minimum seconds between two opens; sliding window (seconds) for loss figures.
  openCooldownSec: 5
  windowSec: 5
  # 0 = forward each packet at its first arrival; >0 = hold and sort up to this many ms.
  reorderWindowMs: 0
  # Consecutive matching payloads that confirm where a new leg sits in the stream.
  alignRun: 8
  # A hole no leg filled within this many ms is reported as a gap.
  gapTimeoutMs: 1000

telemetry:
  # Viewers' receiver reports and the legs' loss, averaged over this sliding window (seconds)
  # per source, per origin (host:port) and per viewer network.
  windowSec: 10
  # Viewer networks: addresses folded to these prefix lengths (IPv4, IPv6).
  viewerPrefixV4: 24
  viewerPrefixV6: 56
  # Most values one /metrics label takes (sources, legs, origins, networks); the rest: "other".
  maxLabelValues: 50
  # Window loss % at which legs or a network's viewers are in trouble...
  lossyPct: 2
  # ...and below which a stream is clean.
  cleanPct: 0.5

# Decisions on trouble, in order; the first rule whose every match key holds wins.
# Empty = one built-in rule: upstream trouble -> bring in a mirror.
rules: []
  # - name: cams-lossy-origin
  #   match:
  #     path: "cam*" # path name glob
  #     origin: 10.0.0.5 # host, host:port or *.example.net
  #     network: 10.1.0.0/16 # viewer network (CIDR)
  #     trouble: upstream # upstream | last-mile | origin-wide
  #     minLossPct: 5
  #   action: mirror # open-legs (with legs: N) | mirror | recording-only | refuse-upstream | log

repair:
  # Re-fetch only the missing spans of recordings (Range requests) until they are whole.
  # immediate: as soon as a recording with gaps is finished, found at start, or asked for by a
  # viewer | off-peak: the same, but only inside the offPeak windows | manual: only by hand
  # (seamd recordings repair ID)
  schedule: immediate
  # Times of day (local time), e.g. ["01:00-06:00", "22:30-23:30"]
  offPeak: []
  # Repair legs open at once (all recordings), and a cap on their bandwidth in kbit/s (0 = none):
  # Speed is lowered first, then the number of legs.
  maxConcurrentLegs: 2
  maxBandwidthKbps: 0
  # Gaps closer than this many seconds are fetched as one span; longest span per leg.
  coalesceSec: 1
  maxSpanSec: 30
  # Speed asked of the origin (1 = real time); tcp | udp | auto for repair legs.
  speed: 4
  transport: tcp
  # Passes in a row that find nothing before giving up, and the wait between them (doubling).
  retryAttempts: 3
  retryBackoffSec: 5
  # Path names or rtsp:// URLs to record and repair before anyone asks.
  prefetch: []

log:
  # trace | debug | info | warn | error | fatal
  level: info
  # auto (pretty on a terminal) | true | false
  pretty: auto
`;
