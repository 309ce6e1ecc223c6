/** Shapes every resource shares: lists, problems, sizes. */

/** One gibibyte. */
export const GiB = 1024 ** 3;

/** A list answer: one page, and the cursor of the next (null on the last page; absent on unpaged sub-lists). */
export interface ItemList<T> {
  items: T[];
  nextCursor?: string | null;
}

/** An RFC 9457 problem answer. */
export interface ProblemBody {
  type?: string;
  title?: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
  errors?: { field: string; message: string }[];
  /** no_host_available: why each host of the pool was refused. */
  hosts?: { host: string; reasons: string[] }[];
}
