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
    viewsLabel: 'Log',
    views: { requests: 'Request log', errors: 'Error log' },
    logName: { requests: 'the request log', errors: 'the error log' },
    requestsCaption: 'Requests, one row each',
    errorsCaption: 'Errors, one row each',
    filter: {
      label: 'Filters',
      active: (count: number) =>
        count === 0 ? 'Filters' : count === 1 ? 'Filters (1 set)' : `Filters (${count} set)`,
      presets: 'Time range',
      lastHour: 'Last hour',
      lastDay: 'Last 24 h',
      lastWeek: 'Last 7 days',
      from: 'From',
      to: 'To',
      key: 'Key id',
      model: 'Model',
      route: 'Route',
      status: 'Status',
      outcome: 'Outcome',
      client: 'Client id',
      text: 'Text',
      keyHint: 'A key id: up to 16 characters 0–9 and a–f',
      statusHint: 'A status such as 429, or a class such as 5xx',
      outcomeHint: 'An outcome class such as quota-day (ok for requests that succeeded)',
      clientHint: 'A client id: 16 characters 0–9 and a–f, or admin',
      textHintRequests: 'In route, model, key, outcome',
      textHintErrors: 'In route, model, key, type, message',
      apply: 'Apply filters',
      clear: 'Clear filters',
    },
    columns: {
      time: 'Time',
      route: 'Route',
      model: 'Model',
      key: 'Key',
      status: 'Status',
      outcome: 'Outcome',
      latency: 'Latency',
      attempts: 'Attempts',
      tokens: 'Tokens in / out',
      client: 'Client',
      type: 'Type / code',
      message: 'Message',
    },
    newestFirst: 'Newest first',
    oldestFirst: 'Oldest first',
    exportCsv: 'Export CSV',
    exportNdjson: 'Export NDJSON',
    deleteSelected: (count: number) => (count === 0 ? 'Delete selected' : `Delete selected (${count})`),
    deleteMatching: 'Delete matching',
    deleteAll: 'Delete all',
    selectPage: 'Select every row shown',
    selectRow: (id: number) => `Select row ${id}`,
    shown: (count: number, formatted: string) => (count === 1 ? '1 row shown' : `${formatted} rows shown`),
    empty: 'No rows match.',
    scannedBack: (time: string) =>
      `The search read back to ${time} without filling a page; older rows may still match.`,
    scannedOn: (time: string) =>
      `The search read on to ${time} without filling a page; newer rows may still match.`,
    searchFurther: 'Search further',
    deleted: (count: number) => (count === 1 ? 'Deleted 1 row.' : `Deleted ${count} rows.`),
    confirmTitle: 'Delete log rows',
    confirmSelected: (count: number, log: string) =>
      count === 1 ? `Delete the selected row from ${log}?` : `Delete the ${count} selected rows from ${log}?`,
    confirmMatching: (log: string) =>
      `Delete every row of ${log} that matches these filters, including rows not shown yet?`,
    confirmAll: (log: string) =>
      `Delete every row of ${log}, not only the rows shown? This cannot be undone.`,
    copied: 'Copied.',
    copyFailed: 'Could not copy; select the text instead.',
    detail: {
      requestTitle: (id: number) => `Request ${id}`,
      errorTitle: (id: number) => `Error ${id}`,
      failureGroup: 'Failure group',
      stream: 'Streamed',
      tokens: (input: number, output: number, thoughts: number, cached: number) =>
        `${input} in, ${output} out, ${thoughts} thinking, ${cached} cached`,
      instance: 'Instance',
      requestRef: 'Request reference',
      attempts: 'Attempts',
      noAttempts: 'No upstream call was made.',
      noAnswer: 'no answer',
      ms: 'Time (ms)',
      errors: 'Errors of this request',
      noErrors: 'This request left no error rows.',
      message: 'Message',
      requestBody: 'Request body',
      noBody:
        'The request body was not recorded (ERROR_LOG_RECORD_REQUEST_BODY is off, or the request had none).',
      copyMessage: 'Copy message',
      copyBody: 'Copy request body',
      filterKey: "Show this key's rows",
      delete: 'Delete this row',
      confirmDelete: 'Confirm: delete this row',
    },
  },
};

type Widen<T> = T extends string
  ? string
  : T extends (...args: infer A) => string
    ? (...args: A) => string
    : { readonly [K in keyof T]: Widen<T[K]> };

/** The shape every language's file fills. */
export type Messages = Widen<typeof en>;
