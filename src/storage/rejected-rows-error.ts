/**
 * The database answered, and refused the rows themselves (a value too long, a character its
 * column cannot hold): writing the same rows again would fail again, unlike after a lost connection.
 */
export class RejectedRowsError extends Error {
  override readonly name = 'RejectedRowsError';
}

// MySQL/MariaDB errors on a value rather than on the connection or the server.
const mysqlRowErrors = new Set([
  1048, // ER_BAD_NULL_ERROR
  1062, // ER_DUP_ENTRY
  1264, // ER_WARN_DATA_OUT_OF_RANGE
  1292, // ER_TRUNCATED_WRONG_VALUE
  1366, // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD (a character the column's charset lacks)
  1406, // ER_DATA_TOO_LONG
]);

/** Whether a failed insert was refused for what its rows hold, on any of the three databases. */
export function isRowRejection(error: unknown): boolean {
  const { code, sqlState, errno, fatal } = (error ?? {}) as {
    code?: unknown;
    sqlState?: unknown;
    errno?: unknown;
    fatal?: unknown;
  };
  if (fatal === true) return false;
  // MySQL/MariaDB: a SQL state of class 22 (data) or 23 (integrity), or a known value error.
  if (typeof sqlState === 'string') {
    return /^2[23]/.test(sqlState) || (typeof errno === 'number' && mysqlRowErrors.has(errno));
  }
  if (typeof code !== 'string') return false;
  // SQLite: a constraint, a value too big, a type mismatch.
  if (code.startsWith('SQLITE_')) return /^SQLITE_(CONSTRAINT|TOOBIG|MISMATCH)/.test(code);
  // PostgreSQL: the SQLSTATE; class 22 (data exception), 23 (integrity), 54 (a limit exceeded).
  return /^(22|23|54)[0-9A-Z]{3}$/.test(code);
}
