// The hand-written Parquet writer (src/lake) read by real readers: tracelake_parquet_sample writes
// flat and nested files (nulls, empty and unicode strings, int64 nanos at the extremes, µs
// timestamps, dates, binary, maps, lists of structs; many pages and row groups; dictionary and
// PLAIN; ZSTD, Snappy and uncompressed) and expected.json with every row. DuckDB reads every
// file row for row and checks the schema annotations and statistics; hyparquet is a second,
// independent reader (shared/spec/delta-parquet.md section 4.2).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { run, sdkProgram } from '../lib/sdk_programs.js';

// expected.json writes maps as [[key, value], ...]; DuckDB answers [{key, value}, ...].
function duckMaps(value) {
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string')) {
      return value.map(([key, v]) => ({ key, value: duckMaps(v) }));
    }
    return value.map(duckMaps);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, duckMaps(v)]));
  }
  return value;
}

describe('Parquet files written by tracelake', () => {
  let dir;
  let expected;
  let conn;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelake-parquet-'));
    const r = await run(sdkProgram('tracelake_parquet_sample'), [dir]);
    assert.equal(r.code, 0, r.stderr);
    expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
    const instance = await DuckDBInstance.create(':memory:');
    conn = await instance.connect();
  });

  after(() => {
    conn?.closeSync?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function query(sql) {
    return (await conn.runAndReadAll(sql)).getRowObjectsJson();
  }

  test('DuckDB reads every row of every file as written', async () => {
    assert.equal(expected.files.length, 6);
    for (const f of expected.files) {
      const file = path.join(dir, f.file);
      assert.equal(fs.statSync(file).size, f.size, f.file);
      const rows = f.kind === 'flat'
        ? await query(`SELECT * EXCLUDE (time, day, blob), epoch_us(time)::VARCHAR AS time,
                         (day - DATE '1970-01-01')::INTEGER AS day, hex(blob) AS blob
                       FROM read_parquet('${file}') ORDER BY file_row_number`)
        : await query(`SELECT * FROM read_parquet('${file}') ORDER BY file_row_number`);
      const want = expected[f.kind].map(duckMaps);
      assert.equal(rows.length, want.length, f.file);
      for (let i = 0; i < want.length; i++) {
        delete rows[i].file_row_number;
        assert.deepEqual(rows[i], want[i], `${f.file} row ${i}`);
      }
    }
  });

  test('the schema carries logical and converted types, repetition and nesting', async () => {
    const flat = await query(`SELECT name, type, converted_type, logical_type, repetition_type
                              FROM parquet_schema('${path.join(dir, 'flat_zstd.parquet')}')`);
    const byName = Object.fromEntries(flat.map((r) => [r.name, r]));
    assert.equal(byName.id.repetition_type, 'REQUIRED');
    assert.equal(byName.name.converted_type, 'UTF8');
    assert.match(byName.name.logical_type, /StringType/);
    assert.equal(byName.nanos.type, 'INT64');
    assert.equal(byName.nanos.converted_type, 'INT_64');
    assert.equal(byName.time.converted_type, 'TIMESTAMP_MICROS');
    assert.match(byName.time.logical_type, /isAdjustedToUTC=1.*MICROS=MicroSeconds\(\)/);
    assert.equal(byName.day.converted_type, 'DATE');
    assert.equal(byName.blob.converted_type, null);
    const types = await query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM
                                 read_parquet('${path.join(dir, 'nested_zstd.parquet')}'))`);
    assert.deepEqual(Object.fromEntries(types.map((r) => [r.column_name, r.column_type])), {
      id: 'VARCHAR',
      attributes: 'MAP(VARCHAR, VARCHAR)',
      events: 'STRUCT(time_unix_nano BIGINT, "name" VARCHAR, attributes MAP(VARCHAR, VARCHAR))[]',
      status: 'STRUCT(message VARCHAR, code VARCHAR)',
      tags: 'VARCHAR[]',
    });
  });

  test('metadata: codecs, encodings, row groups and statistics equal the data', async () => {
    for (const f of expected.files) {
      const file = path.join(dir, f.file);
      const meta = await query(`SELECT row_group_id, path_in_schema, compression, encodings,
                                  stats_min_value, stats_max_value, stats_null_count::VARCHAR AS nulls,
                                  num_values::VARCHAR AS num_values, row_group_num_rows::VARCHAR AS rg_rows
                                FROM parquet_metadata('${file}')`);
      const groups = new Set(meta.map((m) => m.row_group_id));
      assert.equal(groups.size, f.row_groups, f.file);
      for (const m of meta) assert.equal(m.compression, f.codec, f.file);
      if (f.kind !== 'flat') continue;
      const column = (name) => meta.filter((m) => m.path_in_schema === name);
      // Dictionary for the three kinds unless the file is PLAIN-only.
      for (const m of column('kind')) {
        assert.equal(m.encodings.includes('RLE_DICTIONARY'), f.codec !== 'UNCOMPRESSED', `${f.file} ${m.encodings}`);
      }
      for (const m of column('id')) assert.equal(m.encodings.includes('RLE_DICTIONARY'), f.codec === 'SNAPPY');
      // Per row group: null counts and min/max equal what DuckDB computes from the rows.
      const agg = await query(`SELECT nanos FROM read_parquet('${file}') ORDER BY file_row_number`);
      let start = 0;
      const rgs = column('nanos').sort((a, b) => a.row_group_id - b.row_group_id);
      for (const m of rgs) {
        const rows = agg.slice(start, start + Number(m.rg_rows));
        start += Number(m.rg_rows);
        const present = rows.map((r) => r.nanos).filter((v) => v !== null).map(BigInt);
        assert.equal(m.nulls, String(rows.length - present.length));
        assert.equal(m.num_values, m.rg_rows);
        const min = present.reduce((a, b) => (b < a ? b : a));
        const max = present.reduce((a, b) => (b > a ? b : a));
        assert.equal(m.stats_min_value, String(min), `${f.file} rg ${m.row_group_id}`);
        assert.equal(m.stats_max_value, String(max));
      }
      assert.equal(start, f.rows);
      // Strings: min/max byte-wise; the JSON column (kSkip) and a chunk with a >64-byte value
      // have none.
      for (const m of column('body')) {
        assert.equal(m.stats_min_value, null);
        assert.equal(m.stats_max_value, null);
      }
      const names = column('name').sort((a, b) => a.row_group_id - b.row_group_id);
      assert.equal(names[0].stats_min_value, '');
    }
  });

  test('DuckDB filters with the statistics and gets the same answer as a full scan', async () => {
    const file = path.join(dir, 'flat_zstd.parquet');
    const [{ n }] = await query(`SELECT count(*)::VARCHAR AS n FROM read_parquet('${file}')
                                 WHERE nanos > 1718446000250123456 AND kind = 'SPAN_KIND_CLIENT'`);
    const want = expected.flat.filter((r) => r.nanos !== null && BigInt(r.nanos) > 1718446000250123456n
      && r.kind === 'SPAN_KIND_CLIENT').length;
    assert.equal(n, String(want));
  });

  test('hyparquet, a second reader, agrees row for row', async () => {
    for (const name of ['flat_zstd.parquet', 'flat_snappy_dict.parquet', 'flat_uncompressed.parquet', 'nested_zstd.parquet']) {
      const file = await asyncBufferFromFile(path.join(dir, name));
      const rows = await parquetReadObjects({ file, compressors });
      const kind = name.startsWith('flat') ? 'flat' : 'nested';
      assert.equal(rows.length, expected[kind].length, name);
      for (let i = 0; i < rows.length; i++) {
        const got = rows[i];
        const want = expected[kind][i];
        if (kind === 'flat') {
          assert.deepEqual(
            [got.id, got.name, got.kind, got.nanos === null ? null : String(got.nanos), got.count, got.ok, got.score, got.body],
            [want.id, want.name, want.kind, want.nanos, want.count, want.ok, want.score, want.body],
            `${name} row ${i}`);
        } else {
          assert.deepEqual([got.id, got.status, got.tags], [want.id, want.status, want.tags], `${name} row ${i}`);
        }
      }
    }
  });
});
