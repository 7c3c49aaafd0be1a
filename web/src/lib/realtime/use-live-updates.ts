import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { liveStream, type StreamStatus } from './event-stream';
import { cachedLeadIds, createInvalidator, keysForStreamEvent } from './invalidation';
import type { StreamEvent } from './stream-events';

/**
 * Opens the tab's stream while the signed-in shell is on screen and feeds TanStack Query's
 * cache from it: each event invalidates the queries it affects (coalesced), a `reset`
 * invalidates every query. Mounted once, by the app shell.
 */
export function useLiveUpdates() {
  const client = useQueryClient();
  useEffect(() => {
    const invalidator = createInvalidator(client);
    const stopListening = liveStream.listen({
      event: (event) => {
        const keys = keysForStreamEvent(event, cachedLeadIds(client));
        for (const key of keys) invalidator.invalidate(key);
      },
      reset: () => invalidator.invalidateAll(),
    });
    const release = liveStream.acquire();
    return () => {
      stopListening();
      release();
      invalidator.dispose();
    };
  }, [client]);
}

/** "live", "connecting" or "reconnecting", for the shell's indicator. */
export function useStreamStatus(): StreamStatus {
  return useSyncExternalStore(
    (onChange) => liveStream.onStatus(onChange),
    () => liveStream.status,
    () => 'connecting' as const,
  );
}

/**
 * Calls `handler` for every stream event while the component is mounted (the latest handler:
 * no need to memoise it). For what invalidation alone cannot show: a new row's highlight, a
 * card gliding to its new column.
 */
export function useStreamEvent(handler: (event: StreamEvent) => void) {
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => liveStream.listen({ event: (event) => latest.current(event) }), []);
}
