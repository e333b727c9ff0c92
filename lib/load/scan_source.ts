// Owns driving one source through the CSV scanner: header first, then rows, with flushes between chunks.
/**
 * @example Count the data rows of a stream
 * ```ts ignore
 * import { scanSource } from "./scan_source.ts";
 * const counts = await scanSource(bytes, "k.csv", {
 *   required: ["id"],
 *   onRow: () => {},
 *   afterChunk: () => Promise.resolve(),
 * });
 * ```
 */
import { type CsvRecord, CsvScanner, fieldText } from "../extract/csv_scanner.ts";
import { PipelineError } from "../errors.ts";
import { type HeaderMap, mapHeaderNames } from "../transform/header_map.ts";

/** What a loader plugs into {@link scanSource}. */
export interface SourceHandler {
  /** Column names the loader needs. */
  required: readonly string[];
  /** Called once with the mapped header before any row. */
  onHeader?: (header: HeaderMap) => void;
  /** Called synchronously per data record; must load or quarantine it. */
  onRow: (record: CsvRecord, header: HeaderMap) => void;
  /** Awaited after each input chunk: send buffered COPY data and rejects (backpressure point). */
  afterChunk: () => Promise<void>;
  /** Called after each input chunk with the data rows read so far. */
  onProgress?: (rowsRead: number) => void;
}

/** Rows read and columns not loaded. */
export interface ScanResult {
  rowsRead: number;
  header: HeaderMap;
}

/**
 * Scans a byte stream as CSV: maps the header by name, then hands each data record to the handler.
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
  const scanner = new CsvScanner(sourceKey, (record) => {
    if (header === undefined) {
      header = mapHeader(record, handler.required, sourceKey);
      handler.onHeader?.(header);
      return;
    }
    rowsRead++;
    handler.onRow(record, header);
  });
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
  return { rowsRead, header };
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
