// Internal to server/mlflow/ and server/tracelake/: MLflow's evaluation dataset routes
// (datasets.cc) and the JSON forms they share with tracelake's dataset-from-traces route.
#pragma once

#include <vector>

#include "model/dataset.h"
#include "server/mlflow/routes.h"
#include "storage/dataset_store.h"

namespace tracelake::server {

// MLflow's Dataset message: tags, schema and profile as JSON text, times in ms.
Json DatasetToJson(const model::Dataset& d);
// One element of GetDatasetRecords' records list (MLflow's DatasetRecord.to_dict()).
Json RecordToJson(const model::DatasetRecord& r);
// UpsertDatasetRecords' records list. kInvalidArgument naming the record when one is not an
// object or its inputs are not a JSON object.
Result<std::vector<storage::DatasetRecordInput>> RecordInputsFromJson(const Json& list);

// Every dataset RPC of MLflow's service.proto under /api/3.0/mlflow/datasets.
void RegisterDatasetRoutes(MlflowRouteTable& table, storage::DatasetStore& store,
                           int max_records_per_upsert);

// tracelake's POST /api/2.0/tracelake/datasets/{dataset_id}/records/from-traces: records built
// from stored traces (root span inputs and outputs, expectation assessments, source TRACE); and
// PATCH .../records/{record_id}: one record edited in place.
void RegisterDatasetFromTracesRoute(MlflowRouteTable& table, storage::DatasetStore& datasets,
                                    storage::TraceStore& traces);

}  // namespace tracelake::server
