// doppel eval --truth TRUTH.csv CLUSTERS.csv: pairwise and B-cubed scores.
#include <cstdio>
#include <regex>

#include "cli/common.h"
#include "doppel/core/eval.h"
#include "doppel/storage/file.h"

namespace doppel::cli {

namespace {

struct EvalFlags {
  std::string clusters, truth, truth_columns, truth_from_id;
  std::string cluster_columns;
  bool json = false;
};

// Reads two columns of a CSV file: by name ("a,b") or, when names are not
// given, record_id/entity_id if present, else the first two columns.
Status ReadPairs(const std::string& path, const std::string& columns,
                 const std::function<Status(std::string_view, std::string_view)>& add) {
  DOPPEL_ASSIGN_OR_RETURN(auto source, storage::OpenFileSource(path));
  core::ReaderOptions options;
  options.format = core::InputFormat::kCsv;
  DOPPEL_ASSIGN_OR_RETURN(auto reader, core::OpenReader(std::move(source), options));
  core::RecordBatch batch;
  std::vector<core::Reject> rejects;
  int id_col = -1, entity_col = -1;
  while (true) {
    DOPPEL_ASSIGN_OR_RETURN(bool more, reader->Next(&batch, &rejects));
    if (!rejects.empty()) {
      return Status::InvalidArgument(path + ":" + std::to_string(rejects.front().line) + ": " + rejects.front().reason);
    }
    if (id_col < 0) {
      const auto& names = reader->column_names();
      auto find = [&](std::string_view n) {
        for (size_t i = 0; i < names.size(); ++i) {
          if (names[i] == n) return static_cast<int>(i);
        }
        return -1;
      };
      if (!columns.empty()) {
        size_t comma = columns.find(',');
        if (comma == std::string::npos) return Status::InvalidArgument("column list must be 'id_column,entity_column'");
        id_col = find(columns.substr(0, comma));
        entity_col = find(columns.substr(comma + 1));
        if (id_col < 0 || entity_col < 0) return Status::InvalidArgument(path + ": no columns '" + columns + "'");
      } else if (find("record_id") >= 0 && find("entity_id") >= 0) {
        id_col = find("record_id"), entity_col = find("entity_id");
      } else if (names.size() >= 2) {
        id_col = 0, entity_col = 1;
      } else {
        return Status::InvalidArgument(path + ": expected at least two columns (record id, entity id)");
      }
    }
    if (!more) break;
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      DOPPEL_RETURN_IF_ERROR(add(batch.Value(r, id_col), batch.Value(r, entity_col)));
    }
  }
  return Status::Ok();
}

int RunEval(const EvalFlags& f) {
  if (f.truth.empty() == f.truth_from_id.empty()) {
    return Fail("give either --truth FILE or --truth-from-id REGEX");
  }
  core::Evaluator ev;
  std::regex pattern;
  if (!f.truth_from_id.empty()) {
    try {
      pattern = std::regex(f.truth_from_id);
    } catch (const std::regex_error& e) {
      return Fail("--truth-from-id: bad regular expression: " + std::string(e.what()));
    }
  }
  Status s = ReadPairs(f.clusters, f.cluster_columns, [&](std::string_view id, std::string_view cluster) {
    DOPPEL_RETURN_IF_ERROR(ev.AddPrediction(id, cluster));
    if (!f.truth_from_id.empty()) {
      std::match_results<std::string_view::const_iterator> m;
      if (!std::regex_search(id.begin(), id.end(), m, pattern) || m.size() < 2 || !m[1].matched) {
        return Status::InvalidArgument("--truth-from-id does not match record id '" + std::string(id) + "'");
      }
      DOPPEL_RETURN_IF_ERROR(ev.AddTruth(id, std::string_view(&*m[1].first, m[1].length())));
    }
    return Status::Ok();
  });
  if (!s.ok()) return Fail(s);
  if (!f.truth.empty()) {
    s = ReadPairs(f.truth, f.truth_columns, [&](std::string_view id, std::string_view e) { return ev.AddTruth(id, e); });
    if (!s.ok()) return Fail(s);
  }
  core::EvalResult r = ev.Compute();
  std::string text = f.json ? core::FormatEvalJson(r) : core::FormatEvalText(r);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace

Command RegisterEval(CLI::App& app) {
  auto f = std::make_shared<EvalFlags>();
  CLI::App* sub = app.add_subcommand("eval", "Score clusters against ground truth (pairwise and B-cubed P/R/F1)");
  sub->add_option("clusters", f->clusters, "clusters.csv from doppel dedupe (record_id,entity_id)")->required();
  sub->add_option("--truth", f->truth, "Ground truth CSV: record id and true entity id per record");
  sub->add_option("--truth-columns", f->truth_columns, "Truth columns as id_column,entity_column (default: record_id,entity_id or the first two)");
  sub->add_option("--cluster-columns", f->cluster_columns, "Cluster columns as id_column,entity_column");
  sub->add_option("--truth-from-id", f->truth_from_id,
                  "Derive the true entity from each record id with a regex's first group, e.g. 'rec-(\\d+)-' for FEBRL");
  sub->add_flag("--json", f->json, "Print JSON");
  return [f] { return RunEval(*f); };
}

}  // namespace doppel::cli
