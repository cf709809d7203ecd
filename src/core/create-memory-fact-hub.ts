import type { FactBus } from './fact-bus.js';

/**
 * Several instances' buses in one process, for tests of instances in step: each joined bus
 * receives what the others publish, the facts published before it joined first, as a Redis
 * stream gives them.
 */
export function createMemoryFactHub<T>(): { join(instance: string): FactBus<T> } {
  const history: { instance: string; fact: T; sentMs: number }[] = [];
  const members = new Map<string, (fact: T, lagMs: number) => void>();
  return {
    join(instance) {
      const listeners: ((fact: T, lagMs: number) => void)[] = [];
      return {
        publish(fact) {
          const entry = { instance, fact, sentMs: Date.now() };
          history.push(entry);
          // Delivered after the publisher's own change is done, as over a network; to the members
          // of now only: one that subscribes before the delivery has the fact from the history.
          const targets = [...members.keys()].filter((member) => member !== instance);
          queueMicrotask(() => {
            for (const member of targets) members.get(member)?.(fact, 0);
          });
        },
        subscribe(listener) {
          if (listeners.length === 0) {
            for (const entry of history) if (entry.instance !== instance) listener(entry.fact, 0);
            members.set(instance, (fact, lagMs) => {
              for (const each of listeners) each(fact, lagMs);
            });
          }
          listeners.push(listener);
        },
        onReconnect() {},
        async close() {
          members.delete(instance);
        },
      };
    },
  };
}
