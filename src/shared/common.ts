/** Shapes every resource shares: lists, problems, sizes. */

/** One gibibyte. */
export const GiB = 1024 ** 3;

/** A list answer. */
export interface ItemList<T> {
  items: T[];
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
}
