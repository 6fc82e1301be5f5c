// Evaluation datasets, as MLflow 3 (mlflow/protos/datasets.proto): a named set of records, each
// with the inputs an agent is called with, the expected answers, and optionally the outputs of
// one run. Record contents are arbitrary JSON kept as text; storage checks their shapes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tracelake::model {

struct Dataset {
  std::string dataset_id;  // "d-" + 32 hex
  std::string name;
  std::map<std::string, std::string> tags;
  std::string schema_json;   // MLflow's inferred field types; empty until records are added
  std::string profile_json;  // {"num_records": n}; empty while the dataset has no record
  std::string digest;        // 8 hex: sha256("<name>:<last_update_time>")
  int64_t created_time_ms = 0;
  int64_t last_update_time_ms = 0;
  std::string created_by;  // from the mlflow.user tag; empty when unknown
  std::string last_updated_by;
  std::vector<std::string> experiment_ids;
};

// DatasetRecordSource.SourceType names: TRACE, HUMAN, DOCUMENT, CODE.
struct DatasetRecord {
  std::string dataset_record_id;  // "dr-" + 32 hex
  std::string dataset_id;
  std::string inputs_json;        // a JSON object
  std::string expectations_json;  // a JSON object, or empty
  std::string outputs_json;       // any JSON value, or empty when the record has none
  std::string tags_json;          // a JSON object of strings, or empty
  std::string source_json;        // {"source_type": "TRACE", "source_data": {...}}, or empty
  std::string source_type;        // the source's type name, or empty
  std::string source_id;          // source_data.trace_id for TRACE, else source_data.source_id
  int64_t created_time_ms = 0;
  int64_t last_update_time_ms = 0;
  std::string created_by;
  std::string last_updated_by;
};

}  // namespace tracelake::model
