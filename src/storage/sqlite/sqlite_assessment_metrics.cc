// The assessments view of SqliteMetricStore::QueryMetricValues (storage/metric_values.h): valid
// assessments of the traces in the window (index assessments_by_trace), placed in time
// buckets by their creation time, with their names and JSON values.
#include <string>

#include "storage/sqlite/value_metrics_sql.h"

namespace tracelake::storage::sqlite {

Result<ValueTable> QueryAssessmentValues(Db& db, const ValueMetricQuery& q) {
  SqlFragment sql;
  // An overridden assessment stays stored but invalid: MLflow leaves it out of the metrics.
  sql.sql =
      "SELECT a.create_time, a.name, a.value_json FROM traces t "
      "JOIN assessments a ON a.trace_key = t.trace_key WHERE ";
  RETURN_IF_ERROR(AppendExperimentCondition(q, sql));
  sql.sql += " AND a.valid != 0";
  AppendTraceTimeCondition(q, sql);
  RETURN_IF_ERROR(AppendTraceFilter(q, sql));
  for (const auto& f : q.row_filters) {
    if (f.field == ValueRowFilter::Field::kAssessmentName) {
      sql.sql += " AND a.name = ?";
      sql.params.emplace_back(f.value);
    } else if (f.field == ValueRowFilter::Field::kAssessmentType) {
      // kind: 1 feedback, 2 expectation (sqlite_assessment_store.cc).
      if (f.value == "feedback")
        sql.sql += " AND a.kind = 1";
      else if (f.value == "expectation")
        sql.sql += " AND a.kind = 2";
      else
        sql.sql += " AND 0";
    }
  }
  ASSIGN_OR_RETURN(Stmt s, PrepareValueQuery(db, sql));
  ValueCellMap cells(q);
  ValueCellMap::Group group(q.dimensions.size());
  while (s.Next()) {
    // A feedback that carries only an error has no value: MLflow stores JSON null for it.
    const std::string_view value_json = s.Text(2).empty() ? std::string_view("null") : s.Text(2);
    for (size_t i = 0; i < q.dimensions.size(); ++i) {
      if (q.dimensions[i] == ValueDimension::kAssessmentName)
        ValueCellMap::Set(group[i], s.Text(1));
      else if (q.dimensions[i] == ValueDimension::kAssessmentValue)
        ValueCellMap::Set(group[i], value_json);
      else
        group[i] = std::nullopt;
    }
    std::optional<double> value;
    if (q.column == ValueColumn::kAssessmentValue) value = AssessmentNumericValue(value_json);
    cells.Add(s.Int(0), group, value);
  }
  RETURN_IF_ERROR(s.error());
  return cells.Take();
}

}  // namespace tracelake::storage::sqlite
