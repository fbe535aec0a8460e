/**
 * The files podrx reads and writes (build contexts, archives, auth files, logs), described
 * once for every runtime. Deno's own `Deno.*` calls fit it as they are.
 *
 * @module
 */

/** A path: a string, or a `file:` URL. */
export type FilePath = string | URL;

/** What `stat` says of a path. */
export interface FileInfo {
  /** A regular file. */
  readonly isFile: boolean;
  /** A directory. */
  readonly isDirectory: boolean;
  /** A symbolic link (only from `lstat`). */
  readonly isSymlink: boolean;
  /** A Unix socket; `null` where the runtime cannot tell. */
  readonly isSocket: boolean | null;
  /** Size in bytes. */
  readonly size: number;
  /** Last modification; `null` where the runtime cannot tell. */
  readonly mtime: Date | null;
  /** Permission and type bits; `null` where the runtime cannot tell. */
  readonly mode: number | null;
  /** The device the file is on. */
  readonly dev: number;
  /** The inode number; `null` where the runtime cannot tell. */
  readonly ino: number | null;
  /** How many hard links the file has; `null` where the runtime cannot tell. */
  readonly nlink: number | null;
}

/** One entry of a directory listing. */
export interface DirEntry {
  /** The entry's name, without the directory. */
  readonly name: string;
  /** A regular file. */
  readonly isFile: boolean;
  /** A directory. */
  readonly isDirectory: boolean;
  /** A symbolic link. */
  readonly isSymlink: boolean;
}

/** How to open a file; the flags mean what Deno's `Deno.open` options mean. */
export interface OpenOptions {
  /** Open for reading. */
  read?: boolean;
  /** Open for writing. */
  write?: boolean;
  /** Write at the end. */
  append?: boolean;
  /** Create the file when it is missing. */
  create?: boolean;
  /** Create the file, failing when it exists. */
  createNew?: boolean;
  /** Empty the file first. */
  truncate?: boolean;
  /** Permission bits of a file created. */
  mode?: number;
}

/** An open file. */
export interface OpenFile {
  /** Fills `buffer` from the current position: the count read, `null` at the end. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes from the current position: the count written (maybe fewer than given). */
  write(bytes: Uint8Array): Promise<number>;
  /** The rest of the file as a stream; the file closes when the stream ends or is canceled. */
  readonly readable: ReadableStream<Uint8Array>;
  /** A stream into the file; the file closes when the stream is closed or aborted. */
  readonly writable: WritableStream<Uint8Array>;
  /** What `stat` says of the open file. */
  stat(): Promise<FileInfo>;
  /** Flushes what was written to the disk. */
  sync(): Promise<void>;
  /** Closes the file. */
  close(): void;
}

/** The file operations podrx uses. */
export interface Files {
  /** Follows links. */
  stat(path: FilePath): Promise<FileInfo>;
  /** Follows links. */
  statSync(path: FilePath): FileInfo;
  /** Does not follow a link. */
  lstat(path: FilePath): Promise<FileInfo>;
  /** Does not follow a link. */
  lstatSync(path: FilePath): FileInfo;
  /** The absolute path with every link resolved. */
  realPath(path: FilePath): Promise<string>;
  /** The file's text, as UTF-8. */
  readTextFile(path: FilePath): Promise<string>;
  /** The file's text, as UTF-8. */
  readTextFileSync(path: FilePath): string;
  /** The file's bytes. */
  readFileSync(path: FilePath): Uint8Array;
  /** Where a symbolic link points. */
  readLinkSync(path: FilePath): string;
  /** The entries of a directory. */
  readDir(path: FilePath): AsyncIterable<DirEntry>;
  /** Makes a directory (and its parents, with `recursive`). */
  mkdir(path: FilePath, options?: { recursive?: boolean; mode?: number }): Promise<void>;
  /** Makes a new directory in the system's temporary directory. */
  makeTempDir(options: { prefix: string }): Promise<string>;
  /** Moves a path. */
  rename(from: FilePath, to: string): Promise<void>;
  /** Removes a file or an empty directory, or a whole tree with `recursive`. */
  remove(path: FilePath, options?: { recursive?: boolean }): Promise<void>;
  /** {@linkcode Files.remove}, synchronously. */
  removeSync(path: FilePath, options?: { recursive?: boolean }): void;
  /** Opens a file. */
  open(path: FilePath, options: OpenOptions): Promise<OpenFile>;
}
