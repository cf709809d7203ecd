import type { SettingsStore } from './config/settings-store.js';
import type { FactBus } from './core/fact-bus.js';
import type { KeyEvent } from './keypool/key-event.js';
import type { KeyPool } from './keypool/key-pool.js';

/**
 * What instances tell each other: a key's standing (KeyEvent), keys added or removed or their
 * notes changed in the shared store, saved settings changed in the shared store. The store is the
 * truth for the last two; the fact only says "read it again now".
 */
export type InstanceFact =
  | KeyEvent
  | { readonly type: 'keys-changed'; readonly removed: readonly string[]; readonly atMs: number }
  | { readonly type: 'settings-changed'; readonly atMs: number };

export interface InstancesInStepOptions {
  readonly bus: FactBus<InstanceFact>;
  readonly pool: KeyPool;
  readonly settings: SettingsStore;
  /** Reads the keys operators added, and the notes, from the shared store into this instance. */
  readonly reloadKeys: () => Promise<void>;
  readonly onLag: (lagMs: number) => void;
  /** A reload that failed: this instance keeps its view until the next fact or reconnection. */
  readonly onReloadError: (what: 'keys' | 'settings', error: unknown) => void;
}

const keyEventTypes: ReadonlySet<string> = new Set(['cooled', 'disabled', 'enabled', 'rest-cleared']);

/** Whether a fact from the bus is well formed: another instance's, or something else that wrote there. */
function isKeyEvent(fact: InstanceFact): fact is KeyEvent {
  const event = fact as Partial<KeyEvent> | null;
  return (
    typeof event === 'object' &&
    event !== null &&
    keyEventTypes.has(event.type as string) &&
    typeof event.id === 'string' &&
    typeof event.atMs === 'number' &&
    (event.type !== 'cooled' || (typeof event.model === 'string' && typeof event.untilMs === 'number'))
  );
}

/**
 * Merges other instances' facts into this one, and tells them this one's. Reloads run one at a
 * time per kind; a fact that comes while one runs asks for one more run after it, not one each.
 */
export function keepInstancesInStep(options: InstancesInStepOptions) {
  const { bus, pool } = options;
  // Facts from before this start are replayed first; a removal among them is already in the
  // store, and one of an API_KEYS key must not outlive the restart that brings it back.
  const startedMs = Date.now();

  function serialReload(what: 'keys' | 'settings', run: () => Promise<unknown>): () => void {
    let running: Promise<void> | undefined;
    let again = false;
    const start = (): void => {
      if (running) {
        again = true;
        return;
      }
      running = run()
        .then(
          () => undefined,
          (error: unknown) => options.onReloadError(what, error),
        )
        .finally(() => {
          running = undefined;
          if (again) {
            again = false;
            start();
          }
        });
    };
    return start;
  }
  const reloadKeys = serialReload('keys', options.reloadKeys);
  const reloadSettings = serialReload('settings', () => options.settings.reload());

  bus.subscribe((fact, lagMs) => {
    options.onLag(lagMs);
    if (isKeyEvent(fact)) pool.merge([fact]);
    else if (fact?.type === 'keys-changed') {
      if (Array.isArray(fact.removed) && fact.atMs >= startedMs)
        pool.remove(fact.removed.filter((id) => typeof id === 'string'));
      reloadKeys();
    } else if (fact?.type === 'settings-changed') reloadSettings();
  });
  // Back from an outage: what changed meanwhile in the shared store is read again; key facts
  // missed are read from the stream, where the others published them.
  bus.onReconnect(() => {
    reloadKeys();
    reloadSettings();
  });

  return {
    publishKeyEvents: (events: readonly KeyEvent[]) => {
      for (const event of events) bus.publish(event);
    },
    keysChanged: (removed: readonly string[]) =>
      bus.publish({ type: 'keys-changed', removed, atMs: Date.now() }),
    settingsChanged: () => bus.publish({ type: 'settings-changed', atMs: Date.now() }),
  };
}
