import type { ComponentChildren } from 'preact';

export interface Column<Row> {
  readonly head: ComponentChildren;
  readonly cell: (row: Row, index: number) => ComponentChildren;
  /** Right-aligned, in tabular figures. */
  readonly numeric?: boolean;
  /** The cell names its row (a row header, for screen readers). */
  readonly rowHeader?: boolean;
  /** A class for the column's cells (`mono`, a status colour). */
  readonly cellClass?: (row: Row) => string | undefined;
}

/**
 * A read-only table in a frame that scrolls sideways on a narrow screen; the frame takes keyboard
 * focus so that what scrolls can be reached without a pointer.
 */
export function Table<Row>(props: {
  caption: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row, index: number) => string | number;
  flat?: boolean;
}) {
  const { columns } = props;
  // A frame that scrolls must take keyboard focus (axe: scrollable-region-focusable), and a focusable
  // element needs a name; a group, not a region, so that it does not repeat the card around it.
  // biome-ignore-start lint/a11y/noNoninteractiveTabindex: see above
  // biome-ignore-start lint/a11y/useSemanticElements: see above
  return (
    <div
      class={props.flat ? 'table-wrap flat' : 'table-wrap'}
      role="group"
      tabIndex={0}
      aria-label={props.caption}
    >
      <table>
        <caption class="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            {columns.map((column, index) => (
              <th key={index} scope="col" class={column.numeric ? 'number' : undefined}>
                {column.head}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row, rowIndex) => (
            <tr key={props.rowKey(row, rowIndex)}>
              {columns.map((column, index) => {
                const classes = [column.numeric ? 'number' : '', column.cellClass?.(row) ?? '']
                  .filter(Boolean)
                  .join(' ');
                const Cell = column.rowHeader ? 'th' : 'td';
                return (
                  <Cell key={index} scope={column.rowHeader ? 'row' : undefined} class={classes || undefined}>
                    {column.cell(row, rowIndex)}
                  </Cell>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
  // biome-ignore-end lint/a11y/useSemanticElements: see above
  // biome-ignore-end lint/a11y/noNoninteractiveTabindex: see above
}
