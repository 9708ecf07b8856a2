// Reading CSV (RFC 4180): quoted fields, doubled quotes, CRLF or LF line ends, a header row.

/**
 * Parses CSV text into one object per data row, keyed by the header row's names. Empty lines
 * are skipped; a row with fewer fields than the header leaves the rest absent.
 * @throws {SyntaxError} when a quoted field is never closed
 */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const endField = (): void => {
    row.push(field);
    field = "";
  };
  const endRow = (): void => {
    endField();
    if (row.length > 1 || row[0] !== "") rows.push(row);
    row = [];
  };
  while (i < text.length) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"' && field === "") {
      quoted = true;
    } else if (char === ",") {
      endField();
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[i + 1] === "\n") i++;
      endRow();
    } else {
      field += char;
    }
    i++;
  }
  if (quoted) throw new SyntaxError("a quoted CSV field is not closed");
  if (field !== "" || row.length > 0) endRow();
  const [header, ...data] = rows;
  if (header === undefined) return [];
  const names = header.map((name) => name.trim().replace(/^\uFEFF/, ""));
  return data.map((cells) => {
    const record: Record<string, string> = {};
    names.forEach((name, column) => {
      const cell = cells[column];
      if (cell !== undefined) record[name] = cell;
    });
    return record;
  });
}
