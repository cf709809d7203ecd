/**
 * What the gateway has opened, in order, so that a close, and a start that fails half-way, close
 * the same things the same way: last opened first, since each may still use those opened before it.
 */
export interface ResourceStack {
  /** Adds a resource just opened. */
  push(name: string, close: () => unknown): void;
  /** Closes every resource, last opened first; one that fails is reported and the rest still close. */
  closeAll(): Promise<void>;
}

export function createResourceStack(onError: (name: string, error: unknown) => void): ResourceStack {
  const opened: { readonly name: string; readonly close: () => unknown }[] = [];
  return {
    push(name, close) {
      opened.push({ name, close });
    },
    async closeAll() {
      for (let resource = opened.pop(); resource; resource = opened.pop()) {
        try {
          await resource.close();
        } catch (error) {
          onError(resource.name, error);
        }
      }
    },
  };
}
