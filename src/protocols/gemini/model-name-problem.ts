/**
 * The longest model name the gateway relays. Google's ids are well under 100 characters; the cap
 * keeps a hostile name out of URLs, logs and the pool's per-model state.
 */
export const maxModelNameLength = 256;

/** Why a model name cannot be relayed, or undefined when it can. */
export function modelNameProblem(name: string): string | undefined {
  if (name.length > maxModelNameLength) {
    return `Model names are at most ${maxModelNameLength} characters; this one has ${name.length}.`;
  }
  return undefined;
}
