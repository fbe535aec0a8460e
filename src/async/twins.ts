import type { Observable } from "rxjs";

/** The names of `T`'s methods that return an Observable. */
export type ObservableMethodNames<T> = {
  [K in keyof T]: T[K] extends (...args: never[]) => Observable<unknown> ? K : never;
}[keyof T];

/**
 * `true` when `Twin` has exactly one member for each Observable method of `T`, and `false`
 * otherwise. The await twins assert it (`true satisfies TwinsOf<Image, AwaitableImage>`), so
 * an operation added without its twin, or a twin left behind, fails the type check.
 */
export type TwinsOf<T, Twin> = [ObservableMethodNames<T>] extends [keyof Twin]
  ? [keyof Twin] extends [ObservableMethodNames<T>] ? true : false
  : false;
