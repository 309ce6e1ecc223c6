/** @jsxImportSource hono/jsx/dom */
/**
 * The one table of every list page: columns described once (label, cell, sort key), sortable by
 * a click on a header (again: the other way), a search box over the rows' text, and rows that
 * become label/value cards on narrow screens (each cell carries its column label).
 */
import type { Child } from 'hono/jsx/dom';
import { useState } from 'hono/jsx/dom';
import { t } from '../i18n/index.js';

/** One column. */
export interface Column<T> {
  /** Stable key: the cells' `data-col`, and what `initialSort` names. */
  key: string;
  label: string;
  render(row: T): Child;
  /** The value to sort by; without it the column does not sort. */
  sort?(row: T): string | number;
  /** Right-aligned numbers. */
  num?: boolean;
  /** What the header cell shows instead of the label (e.g. a select-all checkbox); the label still names the cells. */
  header?: Child;
}

/** What {@link DataTable} shows. */
export interface DataTableProps<T> {
  /** The table's id (tests and links address it). */
  id: string;
  columns: Column<T>[];
  rows: T[];
  rowKey(row: T): string;
  /** Extra attributes of a row (`data-name`, `data-state`, …). */
  rowAttrs?(row: T): Record<string, string>;
  /** The text a row is found by; without it there is no search box. */
  searchText?(row: T): string;
  /** The search box's start value (e.g. from the route) and its label. */
  initialSearch?: string;
  searchLabel?: string;
  /** Other filters, shown next to the search box, already applied by the page to `rows`. */
  filters?: Child;
  /** The column sorted at first (ascending). */
  initialSort?: string;
}

type Sort = { key: string; dir: 1 | -1 } | undefined;

const compare = (a: string | number, b: string | number) =>
  typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' });

/** The header cell of a sortable column: a button that says which way it sorts. */
function SortHeader<T>({ column, sort, onSort }: { column: Column<T>; sort: Sort; onSort: (key: string) => void }) {
  const dir = sort?.key === column.key ? sort.dir : 0;
  return (
    <th class={column.num ? 'num' : ''} aria-sort={dir === 1 ? 'ascending' : dir === -1 ? 'descending' : 'none'} data-col={column.key}>
      <button type="button" class="sort-button" onClick={() => onSort(column.key)} title={t.table.sortBy(column.label)}>
        {column.label}
        <span class="sort-mark" aria-hidden="true">
          {dir === 1 ? '▲' : dir === -1 ? '▼' : '↕'}
        </span>
      </button>
    </th>
  );
}

/** A sortable, searchable table; renders only the toolbar and a note when nothing matches. */
export function DataTable<T>(props: DataTableProps<T>) {
  const [query, setQuery] = useState(props.initialSearch ?? '');
  const [sort, setSort] = useState<Sort>(props.initialSort ? { key: props.initialSort, dir: 1 } : undefined);
  const needle = query.trim().toLowerCase();
  const found = needle && props.searchText ? props.rows.filter((r) => props.searchText?.(r).toLowerCase().includes(needle)) : props.rows;
  const column = props.columns.find((c) => c.key === sort?.key && c.sort);
  const rows = column && sort ? [...found].sort((a, b) => sort.dir * compare(column.sort!(a), column.sort!(b))) : found;
  const onSort = (key: string) => setSort((cur) => (cur?.key === key ? { key, dir: cur.dir === 1 ? -1 : 1 } : { key, dir: 1 }));
  return (
    <>
      {(props.searchText || props.filters) && (
        <div class="toolbar">
          {props.searchText && (
            <input
              class="search"
              type="search"
              name="search"
              placeholder={props.searchLabel ?? t.table.search}
              aria-label={props.searchLabel ?? t.table.search}
              value={query}
              onInput={(e: Event) => setQuery((e.target as HTMLInputElement).value)}
            />
          )}
          {props.filters}
        </div>
      )}
      {rows.length === 0 && <p class="muted">{t.table.noMatch}</p>}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table class="table table-cards" id={props.id}>
            <thead>
              <tr>
                {props.columns.map((c) =>
                  c.sort ? (
                    <SortHeader key={c.key} column={c} sort={sort} onSort={onSort} />
                  ) : (
                    <th key={c.key} class={c.num ? 'num' : ''} data-col={c.key}>
                      {c.header ?? c.label}
                    </th>
                  ),
                )}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={props.rowKey(row)} {...(props.rowAttrs?.(row) ?? {})}>
                  {props.columns.map((c) => (
                    <td key={c.key} class={c.num ? 'num' : ''} data-label={c.label} data-col={c.key}>
                      {c.render(row)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
