/**
 * The daemon process's own figures for `/api/status` (`process`): memory and the resources
 * keeping the event loop alive (process.getActiveResourcesInfo(): TCPWrap, UDPWRAP, Timeout,
 * FSReqCallback …) counted by type. What an endurance run watches for growth.
 */
import { memoryUsage, getActiveResourcesInfo, pid, uptime } from 'node:process';

export interface ProcessFacts {
  pid: number;
  uptimeSec: number;
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  /** Active resources by type, e.g. { TCPSocketWrap: 3, Timeout: 12 }. */
  resources: Record<string, number>;
}

export function processFacts(): ProcessFacts {
  const m = memoryUsage();
  const resources: Record<string, number> = {};
  for (const type of getActiveResourcesInfo()) resources[type] = (resources[type] ?? 0) + 1;
  return {
    pid,
    uptimeSec: Math.round(uptime()),
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
    externalBytes: m.external,
    arrayBuffersBytes: m.arrayBuffers,
    resources,
  };
}
