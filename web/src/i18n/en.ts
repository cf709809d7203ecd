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
