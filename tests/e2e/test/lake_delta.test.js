// The Delta log (src/lake/delta_*) read by a real engine: tracelake_delta_sample writes a
// partitioned table with 12 appends (one retried batch), a checkpoint after version 10, a
// dropped partition and a compaction (Optimize), plus expected.json with the live rows. DuckDB reads the commit files as
// JSON, the checkpoint as Parquet and exactly the live data files, and every check of
// shared/spec/delta-parquet.md section 4.2 that fits without a Delta reader is made here
// (DuckDB's delta extension needs a download, so the log is replayed in this test).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { run, sdkProgram } from '../lib/sdk_programs.js';

const ACTIONS = ['commitInfo', 'protocol', 'metaData', 'add', 'remove', 'txn'];

// Delta's string bounds (spec 1.5): 32 code points, the max with a tie-breaker.
function minBound(s) {
  return [...s].slice(0, 32).join('');
}
function maxBound(s) {
  const cps = [...s];
  if (cps.length <= 32) return s;
  for (let len = 32; len < cps.length && len < 64; len++) {
    const cut = cps[len].codePointAt(0);
    if (cut < 0x7f) return cps.slice(0, len).join('') + '\u007f';
    if (cut !== 0x10ffff) return cps.slice(0, len).join('') + '\u{10FFFF}';
  }
  return null;
}
function msIso(micros) {
  let ms = BigInt(micros) / 1000n;
  if (BigInt(micros) < 0n && BigInt(micros) % 1000n !== 0n) ms -= 1n;
  return new Date(Number(ms)).toISOString();
}

describe('Delta tables written by tracelake', () => {
  let dir;
  let table;
  let log;
  let expected;
  let conn;
  let actions; // [{version, line, action, body}] in log order

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelake-delta-'));
    table = path.join(dir, 'spans');
    log = path.join(table, '_delta_log');
    const r = await run(sdkProgram('tracelake_delta_sample'), [table, path.join(dir, 'expected.json')]);
    assert.equal(r.code, 0, r.stderr);
    expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
    const instance = await DuckDBInstance.create(':memory:');
    conn = await instance.connect();
    const rows = await query(`
      SELECT regexp_extract(filename, '(\\d{20})\\.json$', 1)::BIGINT AS version,
             ${ACTIONS.map((a) => `to_json(${a})::VARCHAR AS ${a}`).join(', ')}
      FROM read_json('${log}/*.json', format = 'newline_delimited', filename = true,
                     union_by_name = true, maximum_object_size = 16777216)`);
    actions = [];
    for (const row of rows) {
      const present = ACTIONS.filter((a) => row[a] !== null && row[a] !== 'null');
      assert.equal(present.length, 1, `one action per line: ${JSON.stringify(row)}`);
      // Big longs (nanos) never pass through JSON.parse here: the bodies checked below hold
      // only small numbers, and stats are read back with DuckDB's json functions.
      actions.push({ version: Number(row.version), action: present[0], body: JSON.parse(row[present[0]]) });
    }
  });

  after(() => {
    conn?.closeSync?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function query(sql) {
    return (await conn.runAndReadAll(sql)).getRowObjectsJson();
  }

  // The reconciled live files and txns after `upTo` (P§Action Reconciliation).
  function replay(upTo = Infinity) {
    const files = new Map();
    const txns = new Map();
    for (const a of actions) {
      if (a.version > upTo) continue;
      if (a.action === 'add') files.set(a.body.path, a.body);
      if (a.action === 'remove') files.delete(a.body.path);
      if (a.action === 'txn') txns.set(a.body.appId, a.body.version);
    }
    return { files, txns };
  }

  test('commits are contiguous, version 0 holds protocol and metaData, one action per line', async () => {
    const names = fs.readdirSync(log).filter((f) => f.endsWith('.json')).sort();
    assert.deepEqual(names, Array.from({ length: 15 }, (_, v) => `${String(v).padStart(20, '0')}.json`));
    let lines = 0;
    for (const n of names) lines += fs.readFileSync(path.join(log, n), 'utf8').trim().split('\n').length;
    assert.equal(actions.length, lines);
    const v0 = actions.filter((a) => a.version === 0);
    assert.deepEqual(v0.map((a) => a.action), ['commitInfo', 'protocol', 'metaData']);
    assert.deepEqual(v0[1].body, { minReaderVersion: 1, minWriterVersion: 2 });
    const meta = v0[2].body;
    assert.equal(meta.name, 'tracelake_sample_spans');
    assert.deepEqual(meta.partitionColumns, ['date']);
    assert.deepEqual(meta.format, { provider: 'parquet', options: {} });
    assert.equal(meta.configuration['delta.checkpointInterval'], '10');
    const schema = JSON.parse(meta.schemaString);
    assert.deepEqual(schema.fields.map((f) => [f.name, typeof f.type === 'string' ? f.type : f.type.type]), [
      ['trace_id', 'string'], ['span_id', 'string'], ['name', 'string'], ['time', 'timestamp'],
      ['date', 'date'], ['start_time_unix_nano', 'long'], ['duration_ms', 'double'],
      ['attributes', 'map'], ['status', 'struct'], ['events', 'array']]);
    // Every commit starts with commitInfo; appends carry the txn; the retried batch 5 is not
    // committed twice.
    for (let v = 1; v <= 12; v++) {
      const c = actions.filter((a) => a.version === v);
      assert.equal(c[0].action, 'commitInfo');
      assert.equal(c[0].body.operation, 'WRITE');
      assert.equal(c[0].body.readVersion, v - 1);
      assert.deepEqual(c.filter((a) => a.action === 'txn').map((a) => a.body.version), [v]);
      assert.equal(c.filter((a) => a.action === 'add').length, 3);
    }
    const last = actions.filter((a) => a.version === 13);
    assert.equal(last[0].body.operation, 'DELETE');
    assert.equal(last.filter((a) => a.action === 'remove').length, expected.dropped.files);
    assert.ok(last.filter((a) => a.action === 'remove').every((a) => a.body.dataChange === true
      && a.body.partitionValues.date === '2024-06-14'));
    // Optimize: the 24 small files of the two remaining partitions become one file each, all
    // dataChange false (no new data for change readers).
    const opt = actions.filter((a) => a.version === 14);
    assert.equal(opt[0].body.operation, 'OPTIMIZE');
    assert.equal(opt.filter((a) => a.action === 'add').length, 2);
    assert.equal(opt.filter((a) => a.action === 'remove').length, 24);
    assert.ok(opt.slice(1).every((a) => a.body.dataChange === false));
    assert.deepEqual(expected.optimized, { version: 14, removed: 24, added: 2, rows: expected.rows.length });
  });

  test('every file ever added exists with its size, partition directory and exact stats', async () => {
    const { files, txns } = replay();
    assert.equal(files.size, 2);
    assert.equal(txns.get('tracelake-sample'), 12);
    // Vacuum has not run, so removed files are still there to check too.
    const added = actions.filter((a) => a.action === 'add').map((a) => [a.body.path, a.body]);
    assert.equal(added.length, 38);
    const schemaFields = JSON.parse(actions.find((a) => a.action === 'metaData').body.schemaString).fields;
    for (const [p, add] of added) {
      const file = path.join(table, p);
      assert.equal(fs.statSync(file).size, add.size, p);
      assert.ok(p.startsWith(`date=${add.partitionValues.date}/part-00000-`), p);
      assert.match(p, /\.c000\.zstd\.parquet$/);
      assert.equal(add.dataChange, !files.has(p), p);  // the live ones come from Optimize
      const [s] = await query(`
        WITH f AS (SELECT * FROM read_parquet('${file}')),
             st AS (SELECT '${add.stats.replaceAll("'", "''")}' AS j)
        SELECT count(*)::VARCHAR AS n, json_extract_string(j, '$.numRecords') AS s_n,
               min(start_time_unix_nano)::VARCHAR AS min_nanos, max(start_time_unix_nano)::VARCHAR AS max_nanos,
               json_extract_string(j, '$.minValues.start_time_unix_nano') AS s_min_nanos,
               json_extract_string(j, '$.maxValues.start_time_unix_nano') AS s_max_nanos,
               epoch_us(min(time))::VARCHAR AS min_time, epoch_us(max(time))::VARCHAR AS max_time,
               json_extract_string(j, '$.minValues.time') AS s_min_time,
               json_extract_string(j, '$.maxValues.time') AS s_max_time,
               min(name) AS min_name, max(name) AS max_name,
               json_extract_string(j, '$.minValues.name') AS s_min_name,
               json_extract_string(j, '$.maxValues.name') AS s_max_name,
               min(duration_ms) AS min_d, json_extract(j, '$.minValues.duration_ms')::DOUBLE AS s_min_d,
               max(status.code) AS max_code, json_extract_string(j, '$.maxValues.status.code') AS s_max_code,
               (count(*) - count(name))::VARCHAR AS null_name,
               json_extract_string(j, '$.nullCount.name') AS s_null_name,
               count(*) FILTER (WHERE status.code IS NULL)::VARCHAR AS null_code,
               json_extract_string(j, '$.nullCount.status.code') AS s_null_code,
               (count(*) - count(attributes))::VARCHAR AS null_attrs,
               json_extract_string(j, '$.nullCount.attributes') AS s_null_attrs,
               (count(*) - count(events))::VARCHAR AS null_events,
               json_extract_string(j, '$.nullCount.events') AS s_null_events,
               json_extract(j, '$.minValues.date') IS NULL AND json_extract(j, '$.nullCount.date') IS NULL AS no_date,
               json_extract(j, '$.minValues.attributes') IS NULL AS no_map_minmax
        FROM f, st GROUP BY j`);
      assert.equal(s.s_n, s.n, p);
      assert.equal(s.s_min_nanos, s.min_nanos, p);
      assert.equal(s.s_max_nanos, s.max_nanos, p);
      assert.equal(s.s_min_time, msIso(s.min_time), p);
      assert.equal(s.s_max_time, msIso(s.max_time), p);
      assert.equal(s.s_min_name, minBound(s.min_name), p);
      assert.equal(s.s_max_name, maxBound(s.max_name), p);
      assert.equal(s.s_min_d, s.min_d, p);
      assert.equal(s.s_max_code, s.max_code, p);
      assert.equal(s.s_null_name, s.null_name, p);
      assert.equal(s.s_null_code, s.null_code, p);
      assert.equal(s.s_null_attrs, s.null_attrs, p);
      assert.equal(s.s_null_events, s.null_events, p);
      assert.equal(s.no_date, true, 'the partition column is not in stats');
      assert.equal(s.no_map_minmax, true);
      // The file's schema is the table's (schemaString) minus the partition column.
      const cols = await query(`SELECT name, type, converted_type FROM parquet_schema('${file}')`);
      const byName = new Map(cols.map((c) => [c.name, c]));
      assert.ok(!byName.has('date'), p);
      for (const f of schemaFields.filter((f) => f.name !== 'date')) assert.ok(byName.has(f.name), `${p} ${f.name}`);
      assert.deepEqual([byName.get('time').type, byName.get('time').converted_type], ['INT64', 'TIMESTAMP_MICROS']);
      assert.equal(byName.get('start_time_unix_nano').type, 'INT64');
      assert.equal(byName.get('duration_ms').type, 'DOUBLE');
      assert.equal(byName.get('trace_id').converted_type, 'UTF8');
      assert.equal(byName.get('attributes').converted_type, 'MAP');
      assert.equal(byName.get('events').converted_type, 'LIST');
    }
  });

  test('the checkpoint holds the state at version 10, and _last_checkpoint names it', async () => {
    const cp = path.join(log, `${String(10).padStart(20, '0')}.checkpoint.parquet`);
    const hint = JSON.parse(fs.readFileSync(path.join(log, '_last_checkpoint'), 'utf8'));
    assert.deepEqual(hint, { version: 10, size: 33, sizeInBytes: fs.statSync(cp).size, numOfAddFiles: 30 });
    const schema = await query(`SELECT name, type, converted_type, repetition_type FROM parquet_schema('${cp}')`);
    const byName = new Map();
    for (const s of schema) if (!byName.has(s.name)) byName.set(s.name, s);
    assert.deepEqual(schema.slice(1, 2).map((s) => s.name), ['txn']);
    assert.equal(byName.get('minReaderVersion').type, 'INT32');
    assert.equal(byName.get('size').type, 'INT64');
    assert.equal(byName.get('modificationTime').type, 'INT64');
    assert.equal(byName.get('dataChange').type, 'BOOLEAN');
    assert.equal(byName.get('partitionValues').converted_type, 'MAP');
    assert.equal(byName.get('partitionColumns').converted_type, 'LIST');
    assert.equal(byName.get('stats').converted_type, 'UTF8');
    assert.ok(schema.slice(1).every((s) => s.repetition_type !== 'REQUIRED' || s.name === 'key'));
    const top = schema.filter((s) => s.name !== 'duckdb_schema' && s.name !== 'schema')
      .map((s) => s.name).filter((n) => ['txn', 'add', 'remove', 'metaData', 'protocol'].includes(n));
    assert.deepEqual(top, ['txn', 'add', 'remove', 'metaData', 'protocol']);

    const rows = await query(`
      SELECT (txn IS NOT NULL)::INT + (add IS NOT NULL)::INT + (remove IS NOT NULL)::INT
               + (metaData IS NOT NULL)::INT + (protocol IS NOT NULL)::INT AS actions,
             txn.appId AS app, txn.version::VARCHAR AS txn_version, add.path AS path,
             add.size::VARCHAR AS size, add.partitionValues AS pv, add.stats AS stats,
             metaData.schemaString AS schema_string, metaData.partitionColumns AS partition_columns,
             protocol.minReaderVersion AS r, protocol.minWriterVersion AS w
      FROM read_parquet('${cp}')`);
    assert.equal(rows.length, 33);
    assert.ok(rows.every((r) => r.actions === 1));
    const { files } = replay(10);
    const adds = rows.filter((r) => r.path !== null);
    assert.deepEqual(adds.map((r) => r.path).sort(), [...files.keys()].sort());
    for (const r of adds) {
      const a = files.get(r.path);
      assert.equal(r.size, String(a.size));
      assert.equal(r.stats, a.stats);
      assert.deepEqual(r.pv, [{ key: 'date', value: a.partitionValues.date }]);
    }
    assert.deepEqual(rows.filter((r) => r.app !== null).map((r) => [r.app, r.txn_version]), [['tracelake-sample', '10']]);
    const meta = rows.find((r) => r.schema_string !== null);
    assert.equal(meta.schema_string, actions.find((a) => a.action === 'metaData').body.schemaString);
    assert.deepEqual(meta.partition_columns, ['date']);
    const proto = rows.find((r) => r.r !== null);
    assert.deepEqual([proto.r, proto.w], [1, 2]);
  });

  test('the live files hold exactly the rows written, with the partition value of their directory', async () => {
    const { files } = replay();
    const list = [...files.keys()].map((p) => `'${path.join(table, p)}'`).join(', ');
    const rows = await query(`
      SELECT * EXCLUDE (time, date), epoch_us(time)::VARCHAR AS time,
             (date - DATE '1970-01-01')::INTEGER::VARCHAR AS date
      FROM read_parquet([${list}], hive_partitioning = true, hive_types = {'date': DATE})
      ORDER BY span_id`);
    const want = [...expected.rows].sort((a, b) => (a.span_id < b.span_id ? -1 : a.span_id > b.span_id ? 1 : 0));
    assert.equal(rows.length, want.length);
    for (let i = 0; i < want.length; i++) assert.deepEqual(rows[i], want[i], `row ${i}`);
    // The dropped partition's files are still on disk (vacuum has not run) but not live.
    const onDisk = fs.readdirSync(path.join(table, 'date=2024-06-14'));
    assert.equal(onDisk.length, expected.dropped.files);
    assert.ok(onDisk.every((f) => !files.has(`date=2024-06-14/${f}`)));
    // Reading every file on disk instead would double the compacted rows: the log decides.
    const everything = await query(`SELECT count(*)::INTEGER AS n FROM read_parquet('${table}/date=2024-06-1[56]/*.parquet')`);
    assert.equal(everything[0].n, 2 * want.length);
  });
});
