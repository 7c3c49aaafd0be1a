/**
 * The two NOTIFY channels. Writers announce new outbox rows on OUTBOX_CHANNEL (see
 * modules/events); the sequencer numbers them and announces each organization's new seq
 * range on STREAM_CHANNEL, which every server process fans out to its clients.
 */
export { OUTBOX_CHANNEL } from '../modules/events/events.service.ts';
export const STREAM_CHANNEL = 'leadai_stream';
