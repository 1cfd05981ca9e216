/** The entries of an args object that are set, so that `{ ...defaults, ...definedOnly(args) }` keeps defaults. */
export function definedOnly<T extends object>(o: T): Partial<T> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
