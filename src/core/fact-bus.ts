/**
 * How instances behind one balancer tell each other facts (a key refused, a rest, a setting
 * saved). Publishing never waits and never fails a request: a fact that cannot be sent now is kept
 * (boundedly) and sent once the bus is back.
 */
export interface FactBus<T> {
  publish(fact: T): void;
  /**
   * Facts other instances published, in the order they were published — first those the bus still
   * holds from before this instance started, then each as it comes; `lagMs` is how long it took.
   */
  subscribe(listener: (fact: T, lagMs: number) => void): void;
  /** Called when the bus answers again after an outage: what was missed is to be read again from storage. */
  onReconnect(listener: () => void): void;
  close(): Promise<void>;
}
