/** Recordings on disk: format (format.ts), writer, reader, compaction, export. */
export { FORMAT_VERSION, trackFileName, type TornTail } from './format.js';
export { StoreError } from './errors.js';
export {
  RECORDING_STATES,
  readMeta,
  type NewRecordingMeta,
  type RecordingMeta,
  type RecordingState,
  type TrackMeta,
} from './meta.js';
export { RecordingWriter, type WriterOptions, type WriterTimers } from './writer.js';
export {
  openRecording,
  RecordingTrack,
  type GapRange,
  type Recording,
  type StoredPacket,
} from './reader.js';
export { compact, type CompactTrackResult } from './compact.js';
export {
  exportPcap,
  exportRtpdump,
  type ExportResult,
  type ExportTime,
  type PcapOptions,
  type RtpdumpOptions,
} from './export.js';
