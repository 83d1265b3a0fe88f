import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { exportPcap, exportRtpdump } from '../../../src/store/export.js';
import { openRecording, type Recording } from '../../../src/store/reader.js';
import { RecordingWriter } from '../../../src/store/writer.js';
import { rtp, sampleMeta, tempDir } from './helpers.js';

const run = promisify(execFile);
const TSHARK = '/usr/bin/tshark';

const V0 = 65530;
const videoExts = Array.from({ length: 30 }, (_, i) => V0 + i).filter((e) => e !== 65537);
const audioExts = Array.from({ length: 20 }, (_, i) => 300 + i);

async function sample(): Promise<{ dir: string; rec: Recording }> {
  const dir = await tempDir();
  const w = await RecordingWriter.create(dir, sampleMeta(), { flushIntervalMs: 0 });
  for (const ext of [...videoExts].reverse()) {
    w.append(0, ext, rtp(ext, (ext - V0) * 3000, { size: 100, ssrc: 0xaaaa }), 0);
  }
  for (const ext of audioExts) {
    w.append(1, ext, rtp(ext, (ext - 300) * 160, { pt: 0, size: 160, ssrc: 0xbbbb }), 0);
  }
  await w.close();
  return { dir, rec: await openRecording(dir) };
}

async function tsharkFields(file: string, fields: string[], extra: string[] = []) {
  const args = ['-r', file, ...extra, '-Y', 'rtp', '-T', 'fields'];
  for (const f of fields) args.push('-e', f);
  const { stdout } = await run(TSHARK, args, { maxBuffer: 1 << 24 });
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
}

describe('export', () => {
  it('writes a classic pcap with synthetic IPv4/UDP framing', async () => {
    const { dir, rec } = await sample();
    const out = join(dir, 'out.pcap');
    const res = await exportPcap(rec, out);
    expect(res).toMatchObject({ packets: videoExts.length + audioExts.length, skipped: 0 });
    const b = await readFile(out);
    expect(b.length).toBe(res.bytes);
    expect(b.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(b.readUInt32LE(20)).toBe(1);
    // First packet: the earliest media time, video ext V0 at npt 0 (audio starts at npt 0 too,
    // ties go to track 0).
    const inclLen = b.readUInt32LE(24 + 8);
    expect(inclLen).toBe(14 + 20 + 8 + 112);
    expect(b.readUInt16BE(24 + 16 + 12)).toBe(0x0800);
    expect(b.readUInt16BE(24 + 16 + 14 + 20 + 2)).toBe(5000);
    expect(b.readUInt16BE(24 + 16 + 14 + 20 + 8 + 2)).toBe(V0);
  });

  it('is read back by tshark as RTP (ethernet and raw IPv4)', async () => {
    const { dir, rec } = await sample();
    for (const linkType of ['ethernet', 'raw'] as const) {
      const out = join(dir, `${linkType}.pcap`);
      await exportPcap(rec, out, { linkType });
      const rows = await tsharkFields(
        out,
        ['udp.dstport', 'rtp.seq', 'rtp.timestamp', 'rtp.p_type', 'ip.checksum.status'],
        ['-o', 'ip.check_checksum:TRUE', '-d', 'udp.port==5000,rtp', '-d', 'udp.port==5002,rtp'],
      );
      expect(rows).toHaveLength(videoExts.length + audioExts.length);
      const video = rows.filter((r) => r[0] === '5000');
      const audio = rows.filter((r) => r[0] === '5002');
      expect(video.map((r) => Number(r[1]))).toEqual(videoExts.map((e) => e % 65536));
      expect(video.map((r) => Number(r[2]))).toEqual(videoExts.map((e) => (e - V0) * 3000));
      expect(audio.map((r) => Number(r[1]))).toEqual(audioExts);
      expect(new Set(audio.map((r) => r[3]))).toEqual(new Set(['0']));
      expect(new Set(rows.map((r) => r[4]))).toEqual(new Set(['1'])); // 1 = good
    }
  });

  it('writes rtpdump (rtptools) records', async () => {
    const { dir, rec } = await sample();
    const out = join(dir, 'out.rtpdump');
    const res = await exportRtpdump(rec, out, { tracks: [0], address: '192.0.2.7', port: 6000 });
    expect(res.packets).toBe(videoExts.length);
    const b = await readFile(out);
    const line = '#!rtpplay1.0 192.0.2.7/6000\n';
    expect(b.subarray(0, line.length).toString('latin1')).toBe(line);
    let o = line.length;
    const start = Date.parse(rec.meta.createdAt);
    expect(b.readUInt32BE(o)).toBe(Math.floor(start / 1000));
    expect(b.readUInt32BE(o + 8)).toBe(0xc0000207);
    expect(b.readUInt16BE(o + 12)).toBe(6000);
    o += 16;
    const seqs: number[] = [];
    const offsets: number[] = [];
    while (o < b.length) {
      const len = b.readUInt16BE(o);
      const plen = b.readUInt16BE(o + 2);
      expect(len).toBe(plen + 8);
      offsets.push(b.readUInt32BE(o + 4));
      seqs.push(b.readUInt16BE(o + 8 + 2));
      o += len;
    }
    expect(o).toBe(b.length);
    expect(seqs).toEqual(videoExts.map((e) => e % 65536));
    expect(offsets[1]).toBe(33); // 3000 / 90000 s
  });
});
