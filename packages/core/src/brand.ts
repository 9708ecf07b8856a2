declare const checked: unique symbol;

/** A value of type `T` that the function named by `Name` has checked or produced. */
export type Checked<T, Name extends string> = T & { readonly [checked]: Name };
