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
    autoRefresh: 'Refreshed every 30 s',
    periods: { minute: 'Last minute', hour: 'Last hour', day: 'Last 24 hours', month: 'Last 30 days' },
    requests: 'Requests',
    successRate: 'Success rate',
    failures: 'Failures',
    attempts: 'Upstream calls',
    tokens: 'Tokens',
    tokensDetail: (input: string, output: string) => `${input} in · ${output} out`,
    latency: 'Latency',
    latencyTitle: 'Latency percentiles',
    period: 'Period',
    mean: 'Mean',
    trend: 'Trend',
    range: 'Range',
    ranges: { '1h': '1 hour', '24h': '24 hours', '7d': '7 days', '30d': '30 days' },
    trendChart: (range: string) => `Requests and failures over the last ${range}`,
    pool: 'Key pool',
    states: {
      total: 'Keys',
      active: 'Active',
      resting: 'Resting',
      disabled: 'Switched off',
      refused: 'Refused',
    },
    restingByModel: 'Resting per model',
    model: 'Model',
    keys: 'Keys',
    reasons: 'Why',
    backAt: 'First back in',
    restReasons: {
      minute: 'per-minute quota',
      day: 'per-day quota',
      unknown: 'rate limited',
      precondition: 'no free tier',
      trouble: "Google's errors",
    },
    noneResting: 'No key is resting.',
    switchedOff: 'Switched off',
    offReasons: {
      operator: 'by an operator',
      invalid: 'invalid key',
      suspended: 'suspended',
      refused: 'refused',
    },
    byModel: 'Usage by model',
    byClient: 'Usage by client',
    client: 'Client',
    noData: 'No requests in this range.',
    attention: 'Keys with the most refusals',
    key: 'Key',
    answers429: '429',
    answers403: '401/403',
    answers400: '400',
    noRefusals: 'No key was refused in this range.',
    failuresTitle: 'Why requests failed',
    group: 'Reason',
    classes: 'Outcome classes',
    noFailures: 'No request failed in this range.',
    groups: {
      'per-minute': 'Per-minute quota',
      'per-day': 'Per-day quota',
      'no-free-tier': 'No free tier',
      'invalid-key': 'Invalid key',
      suspended: 'Suspended key',
      refused: 'Refused key',
      'google-5xx': "Google's errors (5xx)",
      timeout: 'Timeouts',
      connection: 'Connection failures',
      'client-error': "Client's mistakes",
      'no-usable-key': 'No usable key',
      'client-closed': 'Client went away',
      gateway: 'Gateway faults',
    },
    openLogs: (name: string) => `Open the request log for ${name}`,
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
