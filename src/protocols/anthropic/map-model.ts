/**
 * Whether a `*` glob matches a name: its literal pieces appear in order, the first at the start and
 * the last at the end. Taking each middle piece at its first place is enough, and runs in linear
 * time, where a regular expression of several `.*` could be made to backtrack by a hostile name.
 */
function globMatches(pieces: readonly string[], name: string): boolean {
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return name === first;
  const last = pieces.at(-1) ?? '';
  const end = name.length - last.length;
  if (end < first.length || !name.startsWith(first) || !name.endsWith(last)) return false;
  let at = first.length;
  for (let index = 1; index < pieces.length - 1; index++) {
    const piece = pieces[index] ?? '';
    const found = name.indexOf(piece, at);
    if (found === -1 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

/**
 * ANTHROPIC_MODEL_MAP as a function, made once per version of the settings: the Gemini model for a
 * requested name, from the first glob that matches it in the order the map was written (`*` is any
 * run of characters; case is ignored); a name no glob matches is used as it is, so Gemini's own
 * names (and any other model Google serves) pass through.
 */
export function createModelMap(map: Readonly<Record<string, string>>): (requested: string) => string {
  const rules = Object.entries(map).map(([glob, model]) => ({
    pieces: glob.toLowerCase().split('*'),
    model,
  }));
  return (requested) => {
    const name = requested.toLowerCase();
    return rules.find((rule) => globMatches(rule.pieces, name))?.model ?? requested;
  };
}
