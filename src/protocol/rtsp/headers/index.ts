export * from './auth.js';
export * from './content-base.js';
export * from './cseq.js';
export * from './range.js';
export * from './rtp-info.js';
export * from './session.js';
export * from './transport.js';
