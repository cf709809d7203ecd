/**
 * A metric's children by label values, each made once (`make`) and then found by up to three
 * nested map lookups. prom-client's `labels(...)` builds a label object on every call; a request
 * records several metrics, so each finds its child here instead. Unused levels take ''.
 */
export class LabelChildren<Child> {
  private readonly children = new Map<string | number, Map<string | number, Map<string | number, Child>>>();

  constructor(private readonly make: (first: string, second: string, third: string) => Child) {}

  get(first: string | number, second: string | number = '', third: string | number = ''): Child {
    let level = this.children.get(first);
    if (level === undefined) {
      level = new Map();
      this.children.set(first, level);
    }
    let leaves = level.get(second);
    if (leaves === undefined) {
      leaves = new Map();
      level.set(second, leaves);
    }
    let child = leaves.get(third);
    if (child === undefined) {
      child = this.make(String(first), String(second), String(third));
      leaves.set(third, child);
    }
    return child;
  }
}
