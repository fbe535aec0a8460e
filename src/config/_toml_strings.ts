/**
 * Just enough TOML to read `containers.conf`: every string value with the full key path it
 * sits under. Numbers, booleans, dates, arrays and inline tables are read past and left
 * out; the keys podrx needs from that file are all strings.
 *
 * @module
 */

/** One string value and where it sits, e.g. `["engine", "service_destinations", "x", "uri"]`. */
export interface TomlString {
  /** Table path plus key path, each piece unquoted. */
  path: string[];
  /** The string, escapes resolved. */
  value: string;
}

const BARE_KEY = /[A-Za-z0-9_-]/;

/**
 * Reads the string values of a TOML document.
 *
 * @param text The document.
 * @returns Its string values in document order; values under `[[array tables]]` are left out.
 * @throws {SyntaxError} When the text is not TOML as far as this reader can tell; the
 * message names the line.
 */
export function parseTomlStrings(text: string): TomlString[] {
  const reader = new Reader(text);
  const found: TomlString[] = [];
  let table: string[] | null = [];
  while (true) {
    reader.skipBlank();
    if (reader.done()) return found;
    if (reader.peek() === "[") {
      if (reader.peek(1) === "[") {
        reader.advance(2);
        reader.readKey("]");
        reader.expect("]]");
        // Values of array tables are never the ones podrx looks for.
        table = null;
      } else {
        reader.advance(1);
        table = reader.readKey("]");
        reader.expect("]");
      }
    } else {
      const key = reader.readKey("=");
      reader.expect("=");
      const value = reader.readValue();
      if (table !== null && value !== undefined) found.push({ path: [...table, ...key], value });
    }
    reader.endLine();
  }
}

class Reader {
  #text: string;
  #pos = 0;

  constructor(text: string) {
    this.#text = text;
  }

  done(): boolean {
    return this.#pos >= this.#text.length;
  }

  peek(offset = 0): string {
    return this.#text[this.#pos + offset] ?? "";
  }

  advance(count: number): void {
    this.#pos += count;
  }

  /** Skips spaces, newlines and comments. */
  skipBlank(): void {
    while (!this.done()) {
      const char = this.peek();
      if (char === "#") this.#skipComment();
      else if (/\s/.test(char)) this.#pos++;
      else return;
    }
  }

  expect(token: string): void {
    this.#skipSpaces();
    if (!this.#text.startsWith(token, this.#pos)) this.fail(`expected "${token}"`);
    this.#pos += token.length;
  }

  /** Reads a dotted key up to (not including) `end`. */
  readKey(end: string): string[] {
    const pieces: string[] = [];
    while (true) {
      this.#skipSpaces();
      const char = this.peek();
      if (char === '"') pieces.push(this.#basicString());
      else if (char === "'") pieces.push(this.#literalString());
      else {
        const start = this.#pos;
        while (BARE_KEY.test(this.peek())) this.#pos++;
        if (start === this.#pos) this.fail("expected a key");
        pieces.push(this.#text.slice(start, this.#pos));
      }
      this.#skipSpaces();
      if (this.peek() === ".") {
        this.#pos++;
        continue;
      }
      if (this.peek() !== end) this.fail(`expected "${end}" after the key`);
      return pieces;
    }
  }

  /** Reads a value; returns it when it is a string, reads past it otherwise. */
  readValue(): string | undefined {
    this.#skipSpaces();
    if (this.#text.startsWith('"""', this.#pos)) return this.#multilineString('"""');
    if (this.#text.startsWith("'''", this.#pos)) return this.#multilineString("'''");
    const char = this.peek();
    if (char === '"') return this.#basicString();
    if (char === "'") return this.#literalString();
    if (char === "[" || char === "{") {
      this.#skipNested();
      return undefined;
    }
    // A number, boolean or date: up to the end of the line or a comment.
    const start = this.#pos;
    while (!this.done() && this.peek() !== "\n" && this.peek() !== "#") this.#pos++;
    if (this.#text.slice(start, this.#pos).trim() === "") this.fail("expected a value");
    return undefined;
  }

  /** Nothing but spaces and a comment may follow on the line. */
  endLine(): void {
    this.#skipSpaces();
    if (this.peek() === "#") this.#skipComment();
    if (this.peek() === "\r") this.#pos++;
    if (!this.done() && this.peek() !== "\n") this.fail("unexpected text after the value");
  }

  fail(what: string): never {
    const line = this.#text.slice(0, this.#pos).split("\n").length;
    throw new SyntaxError(`Cannot read TOML: line ${line}: ${what}`);
  }

  #skipSpaces(): void {
    while (this.peek() === " " || this.peek() === "\t") this.#pos++;
  }

  #skipComment(): void {
    while (!this.done() && this.peek() !== "\n") this.#pos++;
  }

  /** Reads past an array or inline table, which may span lines and hold strings and comments. */
  #skipNested(): void {
    let depth = 0;
    while (!this.done()) {
      const char = this.peek();
      if (char === "[" || char === "{") {
        depth++;
        this.#pos++;
      } else if (char === "]" || char === "}") {
        depth--;
        this.#pos++;
        if (depth === 0) return;
      } else if (char === "#") this.#skipComment();
      else if (this.#text.startsWith('"""', this.#pos)) this.#multilineString('"""');
      else if (this.#text.startsWith("'''", this.#pos)) this.#multilineString("'''");
      else if (char === '"') this.#basicString();
      else if (char === "'") this.#literalString();
      else this.#pos++;
    }
    this.fail("unclosed array or table");
  }

  #basicString(): string {
    this.#pos++;
    let value = "";
    while (true) {
      const char = this.peek();
      if (char === "" || char === "\n") this.fail("unclosed string");
      this.#pos++;
      if (char === '"') return value;
      value += char === "\\" ? this.#escape() : char;
    }
  }

  #literalString(): string {
    const end = this.#text.indexOf("'", this.#pos + 1);
    const newline = this.#text.indexOf("\n", this.#pos + 1);
    if (end === -1 || (newline !== -1 && newline < end)) this.fail("unclosed string");
    const value = this.#text.slice(this.#pos + 1, end);
    this.#pos = end + 1;
    return value;
  }

  #multilineString(quotes: string): string {
    this.#pos += 3;
    // A newline right after the opening quotes is not part of the string.
    if (this.#text.startsWith("\r\n", this.#pos)) this.#pos += 2;
    else if (this.peek() === "\n") this.#pos++;
    let value = "";
    while (true) {
      if (this.done()) this.fail("unclosed string");
      if (this.#text.startsWith(quotes, this.#pos)) {
        this.#pos += 3;
        return value;
      }
      const char = this.peek();
      this.#pos++;
      if (char === "\\" && quotes === '"""') {
        if (/^[ \t]*\r?\n/.test(this.#text.slice(this.#pos, this.#pos + 40))) {
          // A line-ending backslash joins the lines and eats the next line's indentation.
          while (/\s/.test(this.peek())) this.#pos++;
        } else {
          value += this.#escape();
        }
      } else {
        value += char;
      }
    }
  }

  #escape(): string {
    const char = this.peek();
    this.#pos++;
    const simple: Record<string, string> = {
      b: "\b",
      t: "\t",
      n: "\n",
      f: "\f",
      r: "\r",
      e: "\x1b",
      '"': '"',
      "\\": "\\",
    };
    if (char in simple) return simple[char]!;
    if (char === "u" || char === "U") {
      const length = char === "u" ? 4 : 8;
      const hex = this.#text.slice(this.#pos, this.#pos + length);
      if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== length) this.fail("bad unicode escape");
      this.#pos += length;
      return String.fromCodePoint(Number.parseInt(hex, 16));
    }
    return this.fail(`unknown escape "\\${char}"`);
  }
}
