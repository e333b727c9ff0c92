// Owns driving one source through the CSV scanner: header first, then rows, with flushes between chunks.
/**
 * @example Count the data rows of a stream
 * ```ts ignore
 * import { scanSource } from "./scan_source.ts";
 * const counts = await scanSource(bytes, "k.csv", {
 *   required: ["id"],
 *   singleLineColumns: "all",
 *   onRow: () => {},
 *   afterChunk: () => Promise.resolve(),
 * });
 * ```
 */
import { type CsvRecord, CsvScanner, fieldText } from "./csv_scanner.ts";
import { PipelineError } from "../errors.ts";
import { type HeaderMap, lineBreakFields, mapHeaderNames } from "./header_map.ts";

/** What a loader plugs into {@link scanSource}. */
export interface SourceHandler {
  /** Column names the loader needs. */
  required: readonly string[];
  /**
   * Columns that can never hold a line break (numbers), or `"all"` for a file without free text:
   * a line break inside a quoted value there ends the record, which is quarantined on its own.
   */
  singleLineColumns: "all" | readonly string[];
  /** Called once with the mapped header before any row. */
  onHeader?: (header: HeaderMap) => void;
  /** Called synchronously per data record; must load or quarantine it. */
  onRow: (record: CsvRecord, header: HeaderMap) => void;
  /** Awaited after each input chunk: send buffered COPY data and rejects (backpressure point). */
  afterChunk: () => Promise<void>;
  /** Called after each input chunk with the data rows read so far. */
  onProgress?: (rowsRead: number) => void;
}

/** Physical lines of an object as the scanner saw them. */
export interface ScannedLines {
  /** Every line of the object. */
  total: number;
  /** Lines of the header record (1 unless a quoted name holds a line break). */
  header: number;
  /** Lines that held nothing. */
  blank: number;
  /** Lines covered by data records: each must end up loaded or quarantined. */
  data: number;
}

/** Rows read, columns not loaded and the object's lines. */
export interface ScanResult {
  rowsRead: number;
  header: HeaderMap;
  lines: ScannedLines;
}

/**
 * Scans a byte stream as CSV: maps the header by name, then hands each data record to the handler.
 * The header is read as if no field could hold a line break, so that a stray quote in it fails on
 * line 1 instead of swallowing the file.
 *
 * @throws {PipelineError} `CSV_EMPTY` when there is no header line, `CSV_HEADER` for a bad header.
 */
export async function scanSource(
  bytes: AsyncIterable<Uint8Array>,
  sourceKey: string,
  handler: SourceHandler,
): Promise<ScanResult> {
  let header: HeaderMap | undefined;
  let rowsRead = 0;
  let headerLines = 0;
  let dataLines = 0;
  const scanner: CsvScanner = new CsvScanner(sourceKey, (record) => {
    if (header === undefined) {
      header = mapHeader(record, handler.required, sourceKey);
      headerLines = record.lineCount;
      scanner.reshape({
        fieldCount: header.fieldCount,
        lineBreaks: lineBreakFields(header, handler.singleLineColumns),
      });
      handler.onHeader?.(header);
      return;
    }
    rowsRead++;
    dataLines += record.lineCount;
    handler.onRow(record, header);
  }, { shape: { fieldCount: 0, lineBreaks: new Uint8Array(0) } });
  for await (const chunk of bytes) {
    scanner.push(chunk);
    await handler.afterChunk();
    handler.onProgress?.(rowsRead);
  }
  scanner.finish();
  await handler.afterChunk();
  handler.onProgress?.(rowsRead);
  if (header === undefined) {
    throw new PipelineError(
      "CSV_EMPTY",
      `Cannot read "${sourceKey}": the file is empty (no header line)`,
      {
        stage: "extract",
      },
    );
  }
  return {
    rowsRead,
    header,
    lines: {
      total: scanner.physicalLines,
      header: headerLines,
      blank: scanner.blankLines,
      data: dataLines,
    },
  };
}

function mapHeader(record: CsvRecord, required: readonly string[], sourceKey: string): HeaderMap {
  if (record.malformed !== undefined) {
    throw new PipelineError(
      "CSV_HEADER",
      `Cannot read the header of "${sourceKey}": ${record.malformed}`,
      {
        stage: "extract",
      },
    );
  }
  const names: string[] = [];
  try {
    for (let i = 0; i < record.fieldCount; i++) names.push(fieldText(record, i));
  } catch {
    throw new PipelineError(
      "CSV_HEADER",
      `Cannot read the header of "${sourceKey}": not valid UTF-8`,
      {
        stage: "extract",
      },
    );
  }
  return mapHeaderNames(names, required, sourceKey);
}
