import type { ResponsesTool } from './responses-types.js';

// A `namespace` tool groups function tools under one name (Codex sends its sub-agent tools so), and
// the model's call names both: `{name, namespace}`. Gemini has no namespaces, so each such function
// is declared under one joined name, and a call to it is split again by the request's own tools:
// stateless, since every request carries its tools.

/** Gemini allows dots in function names; the model reads `multi_agent.spawn` as meant. */
const separator = '.';

/** The name Gemini knows a function by. */
export function geminiFunctionName(name: string, namespace: string | undefined): string {
  return namespace === undefined ? name : `${namespace}${separator}${name}`;
}

export interface NamespacedName {
  readonly namespace: string;
  readonly name: string;
}

/** The functions of the request's namespace tools, by the name Gemini knows each by. */
export function namespacedFunctions(tools: readonly ResponsesTool[]): ReadonlyMap<string, NamespacedName> {
  const names = new Map<string, NamespacedName>();
  for (const tool of tools) {
    if (tool.type !== 'namespace') continue;
    for (const inner of tool.tools)
      names.set(geminiFunctionName(inner.name, tool.name), { namespace: tool.name, name: inner.name });
  }
  return names;
}
