import type { Kysely } from 'kysely';
import type { DatabaseSchema } from './database-schema.js';
import { mapLegacyKeyIds, movesFor } from './map-legacy-key-ids.js';
import { type KeyIdColumn, type KeyIdMove, replaceKeyIds } from './replace-key-ids.js';

type StoredKeyColumn = Extract<KeyIdColumn, { table: 'api_key' }> | { table: 'key_state'; column: 'key_id' };

export interface RekeyReport {
  /** Keys added at run time whose row moved to the key's id now. */
  readonly runtimeKeys: number;
  /** Key states moved to the key's id now, disabled reason, rests and counters as they were. */
  readonly states: number;
}

/**
 * Moves what the store keeps per key (the runtime key row and the pool's state) from an id of
 * before to the key's id now, for every key the pool knows; rows of keys no longer configured stay
 * as they are. Run at every start before the states are read: once nothing is left under an old
 * id it only reads the two small tables. Several instances may run it at once: each move is one
 * UPDATE, which the second instance finds already done.
 */
export async function rekeyStoredKeys(
  db: Kysely<DatabaseSchema>,
  keys: readonly { readonly id: string; readonly secret: string }[],
): Promise<RekeyReport> {
  const idOf = new Map(keys.map((key) => [key.secret, key.id]));
  const runtimeRows = await db.selectFrom('api_key').select(['id', 'secret']).execute();
  // A runtime key's row holds the key, so its id now follows from it whatever the old id was.
  const runtimeMoves = runtimeRows.flatMap(({ id, secret }) => {
    const to = idOf.get(secret);
    return to === undefined || to === id ? [] : [{ from: id, to }];
  });
  const stateIds = await db.selectFrom('key_state').select('key_id').execute();
  const stateMoves = movesFor(
    stateIds.map((row) => row.key_id),
    mapLegacyKeyIds(keys),
  );
  return {
    runtimeKeys: await move(
      db,
      { table: 'api_key', column: 'id' },
      runtimeMoves,
      new Set(runtimeRows.map((row) => row.id)),
    ),
    states: await move(
      db,
      { table: 'key_state', column: 'key_id' },
      stateMoves,
      new Set(stateIds.map((row) => row.key_id)),
    ),
  };
}

/**
 * Where a row already stands under the new id (an old instance still running wrote the old row
 * again after a new one had moved it), the row under the new id is the one the gateway now reads,
 * and the old one goes. Instances moving the same rows at once do not conflict: the second UPDATE
 * waits for the first and then finds no row left under the old id.
 */
async function move(
  db: Kysely<DatabaseSchema>,
  target: StoredKeyColumn,
  moves: readonly KeyIdMove[],
  present: ReadonlySet<string>,
): Promise<number> {
  const superseded = moves.filter((move) => present.has(move.to)).map((move) => move.from);
  for (let start = 0; start < superseded.length; start += 500) {
    const slice = superseded.slice(start, start + 500);
    if (target.table === 'api_key') await db.deleteFrom('api_key').where('id', 'in', slice).execute();
    else await db.deleteFrom('key_state').where('key_id', 'in', slice).execute();
  }
  return replaceKeyIds(
    db,
    target,
    moves.filter((move) => !present.has(move.to)),
  );
}
