import type { ServerResponse } from 'node:http';
import type { StreamCut } from '../relay/client-channel.js';

/**
 * The streams being sent, so that a shutdown whose deadline has passed can end each one with its
 * own protocol's error rather than a bare reset the client cannot tell from a network fault.
 */
export interface OpenStreams {
  /** Registers a stream as it starts; call the function returned once it is over. */
  track(cut: (reason: StreamCut) => void): () => void;
  /** Cuts every stream still open; returns how many there were. */
  cutAll(reason: StreamCut): number;
}

export function createOpenStreams(): OpenStreams {
  const cuts = new Set<(reason: StreamCut) => void>();
  return {
    track(cut) {
      // A wrapper per stream: the same function registered twice must still count twice.
      const entry = (reason: StreamCut) => cut(reason);
      cuts.add(entry);
      return () => {
        cuts.delete(entry);
      };
    },
    cutAll(reason) {
      const all = [...cuts];
      cuts.clear();
      for (const cut of all) cut(reason);
      return all.length;
    },
  };
}

/**
 * Ends a response abnormally once `text` (the protocol's error event) is out. A clean end after the
 * error would let clients that only look for the end take the truncated answer for a complete one;
 * the reset makes them fail clearly, and the writers' close handlers stop the upstream call and log.
 */
export function cutResponse(raw: ServerResponse, text: string | undefined): void {
  // An ended response is complete and only flushing: it is left to finish.
  if (raw.destroyed || raw.writableEnded) return;
  if (text === undefined) raw.destroy();
  else raw.write(text, () => raw.destroy());
}
