/**
 * A guard against a postgres.js 3.4.9 bug (porsager/postgres#1119, #1181): when a statement fails after
 * sending some rows, the connection's row counter is not reset, so the next query on that connection
 * resolves with holes where those rows were and its own rows after them. The rows themselves are right;
 * dropping the holes gives the answer the query really had. Remove once the driver is fixed.
 */

/**
 * @example compactRows([, , { id: 1 }]) // [{ id: 1 }]
 */
export function compactRows<T>(value: T): T {
  if (!Array.isArray(value)) return value;
  for (let i = 0; i < value.length; i++) {
    if (!(i in value)) return value.filter(() => true) as T;
  }
  return value;
}
