import { describe, expect, it } from 'vitest';
import {
  credentialsKeys,
  originOfUrl,
  parseOriginUrl,
  sourceKey,
} from '../../../src/upstream/url.js';

describe('origin URLs: one home for keys, host:port and credentials', () => {
  it.each([
    ['rtsp://user:pw@Origin.Example:554/live/', 'rtsp://origin.example/live'],
    ['rtsp://origin.example:8554/live', 'rtsp://origin.example:8554/live'],
    ['rtsp://origin.example/live?x=1', 'rtsp://origin.example/live?x=1'],
    ['rtsp://[FD00::5]:554/a', 'rtsp://[fd00::5]/a'],
    ['rtsp://[fd00::5]:8554/a/', 'rtsp://[fd00::5]:8554/a'],
  ])('sourceKey(%s) = %s', (url, key) => {
    expect(sourceKey(url)).toBe(key);
  });

  it.each([
    ['rtsp://Origin.Example/live', 'origin.example:554'],
    ['rtsp://u:p@10.0.0.5:8554/x', '10.0.0.5:8554'],
    ['rtsp://[fd00::5]/x', '[fd00::5]:554'],
    ['rtsp://[fd00::5]:9/x', '[fd00::5]:9'],
    ['not a url', ''],
  ])('originOfUrl(%s) = %s', (url, origin) => {
    expect(originOfUrl(url)).toBe(origin);
  });

  it('the same origin under one key whichever way the URL is written', () => {
    const forms = ['rtsp://[fd00::5]:554/a', 'rtsp://[FD00::5]/a/', 'rtsp://x:y@[fd00::5]/a'];
    expect(new Set(forms.map(sourceKey)).size).toBe(1);
    expect(new Set(forms.map(originOfUrl)).size).toBe(1);
    expect(parseOriginUrl(forms[0] ?? '').port).toBe(554);
  });

  it.each([
    ['rtsp://Cam.Example/x', ['cam.example:554', 'cam.example']],
    ['rtsp://10.0.0.5:8554/x', ['10.0.0.5:8554', '10.0.0.5']],
    ['rtsp://[fd00::5]/x', ['[fd00::5]:554', '[fd00::5]', 'fd00::5']],
    ['::', []],
  ])('credentialsKeys(%s)', (url, keys) => {
    expect(credentialsKeys(url)).toEqual(keys);
  });
});
