/**
 * Every text of the console in English. zh-CN.ts has the same shape (the compiler checks it): a
 * text that takes values is a function of them.
 */
export const en = {
  language: { name: 'English', label: 'Language' },
  common: {
    loading: 'Loading…',
    retry: 'Retry',
    cancel: 'Cancel',
    close: 'Close',
    save: 'Save',
    apply: 'Apply',
    reset: 'Reset',
    delete: 'Delete',
    refresh: 'Refresh',
    none: 'None',
    error: (message: string) => `Something went wrong: ${message}`,
    confirm: 'Are you sure?',
    yes: 'Yes',
    no: 'No',
    all: 'All',
    more: 'Load more',
    themeLabel: 'Theme',
    theme: { system: 'System', light: 'Light', dark: 'Dark' },
    skipToContent: 'Skip to content',
  },
  nav: {
    label: 'Main',
    dashboard: 'Dashboard',
    keys: 'Keys',
    config: 'Configuration',
    logs: 'Logs',
    signOut: 'Sign out',
  },
  signIn: {
    title: 'Sign in to gemgate',
    intro:
      'Enter the admin token (AUTH_TOKEN). The gateway printed it at first start if you did not set one.',
    token: 'Admin token',
    submit: 'Sign in',
    working: 'Signing in…',
    expired: 'Your session ended. Sign in again to continue where you were.',
    refused: 'The admin token is not valid.',
  },
  dashboard: {
    title: 'Dashboard',
  },

  keys: {
    title: 'Keys',
  },

  config: {
    title: 'Configuration',
    intro:
      'Every setting of the gateway. Live settings apply to the next request once saved; the others are read at start.',
    search: 'Search settings',
    searchHint: 'By name or description',
    groupsLabel: 'Groups',
    noMatch: 'No setting matches the search.',
    groups: {
      API: 'API and keys',
      Model: 'Models',
      Media: 'Media',
      Image: 'Images',
      TTS: 'Text to speech',
      Stream: 'Streaming',
      Log: 'Logs',
      Sched: 'Scheduled tasks',
      Admin: 'Console',
      Server: 'Server',
      DB: 'Database',
    } as Record<string, string>,
    source: { default: 'Default', env: 'Environment', saved: 'Saved' },
    sourceLabel: 'Source',
    sourceHint: {
      default: 'The built-in default: neither the environment nor a saved value sets it.',
      env: 'Set in the environment or .env.',
      saved: 'Saved in the console; it overrides the environment.',
    },
    restartNeeded: 'Restart needed',
    restartHint: 'Not changed while gemgate runs: set it in the environment or .env and restart.',
    secret: 'Secret',
    changed: 'Changed',
    on: 'On',
    off: 'Off',
    empty: '(empty)',
    reveal: 'Reveal',
    hide: 'Hide',
    revealToEdit: 'Masked. Reveal it to see or change it.',
    notShown: 'The admin token is never shown here.',
    listHint: 'One per line.',
    jsonHint: 'JSON; checked before saving.',
    range: (min: string, max: string) =>
      min && max ? `From ${min} to ${max}.` : min ? `At least ${min}.` : max ? `At most ${max}.` : '',
    fallback: { env: 'Environment’s value:', default: 'No environment value; the default:' },
    useEnvironment: 'Use environment value',
    useEnvironmentHint:
      'Forget the saved value: the environment’s applies again, or the default when it sets none.',
    forgotten: (name: string) => `${name} is back to the environment’s value.`,
    pending: (count: number) =>
      count === 0 ? 'No unsaved changes.' : count === 1 ? '1 unsaved change.' : `${count} unsaved changes.`,
    saveChanges: (count: number) => `Save changes (${count})`,
    discard: 'Discard',
    saving: 'Saving…',
    saved: (count: number) =>
      count === 1
        ? 'Saved 1 change; it applies to the next request.'
        : `Saved ${count} changes; they apply to the next request.`,
    fixFirst: (count: number) =>
      count === 1
        ? 'Nothing was saved: 1 setting needs fixing.'
        : `Nothing was saved: ${count} settings need fixing.`,
    refused: 'Nothing was saved: the gateway refused these values.',
    problem: {
      required: 'Enter a value.',
      integer: 'Enter a whole number.',
      number: 'Enter a number.',
      json: 'This is not valid JSON.',
      object: 'Enter a JSON object, such as {"name": "value"}.',
      url: 'Enter a full URL, such as https://example.com.',
      range: (min: string, max: string) =>
        min && max
          ? `Enter a value from ${min} to ${max}.`
          : min
            ? `Enter at least ${min}.`
            : `Enter at most ${max}.`,
    },
    /**
     * The settings' descriptions. Empty in English: the gateway's own (English) descriptions are
     * shown, so they cannot drift from the server; other languages translate every setting.
     */
    descriptions: {} as Record<string, string>,
  },

  logs: {
    title: 'Logs',
  },
};

type Widen<T> = T extends string
  ? string
  : T extends (...args: infer A) => string
    ? (...args: A) => string
    : { readonly [K in keyof T]: Widen<T[K]> };

/** The shape every language's file fills. */
export type Messages = Widen<typeof en>;
