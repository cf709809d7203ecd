/** How the metrics name a request's model: a bounded set of labels, whatever clients send. */
export interface ModelLabels {
  /** The model's own name once known, `other` for any other, `none` for a call that names none. */
  of(model: string | null): string;
  /** Google served this model: it is labelled by name from now on, while fewer than `max` are. */
  learn(model: string | null): void;
}

export const otherModel = 'other';
export const noModel = 'none';

/**
 * Model names come from client URLs and bodies, and each label value is a series Prometheus keeps
 * for good: a client sending a new name per request would grow the scrape without end. A model is
 * named once the settings name it or an upstream call for it succeeded (Google knows it), up to
 * `max` of them; anything else is `other`.
 */
export function createModelLabels(known: readonly string[], max = 100): ModelLabels {
  const named = new Set<string>();
  const learn = (model: string | null) => {
    if (model === null || named.size >= max || named.has(model)) return;
    named.add(model);
  };
  for (const model of known) learn(model);
  return {
    of: (model) => (model === null ? noModel : named.has(model) ? model : otherModel),
    learn,
  };
}
