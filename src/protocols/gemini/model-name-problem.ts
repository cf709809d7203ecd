/**
 * The longest model name the gateway relays. Google's ids are well under 100 characters; the cap
 * keeps a hostile name out of URLs, logs and the pool's per-model state.
 */
export const maxModelNameLength = 256;

/** Why a model name cannot be relayed, or undefined when it can. */
export function modelNameProblem(name: string): string | undefined {
  // Encoded, any other name stays one path segment; these two would walk up the upstream path.
  if (name === '.' || name === '..') return `The model name may not be "${name}".`;
  if (name.length > maxModelNameLength) {
    return `The model name has ${name.length} characters; model names have at most ${maxModelNameLength}.`;
  }
  return undefined;
}
