// Matching tools: doppel explain (why two records do or do not match),
// doppel blocking (what blocking costs and misses), doppel link (a new list
// against a base).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <regex>

#include "cli/common.h"
#include "cli/match_input.h"
#include "doppel/service/client.h"
#include "doppel/core/matcher.h"
#include "doppel/core/writers.h"

namespace doppel::cli {

namespace {

Result<core::FsModel> ModelFor(const std::string& model_path, const core::MatchTable& t,
                               const core::MatcherOptions& mo, const kernels::KernelTable& k) {
  if (!model_path.empty()) {
    DOPPEL_ASSIGN_OR_RETURN(std::string text, storage::ReadFile(model_path));
    auto m = core::FsModel::FromJson(text);
    if (!m.ok()) return Status::InvalidArgument(model_path + ": " + m.status().message());
    return m;
  }
  return core::TrainOn(t, mo, k);
}

struct ExplainFlags {
  std::vector<std::string> args;  // INPUT ID1 ID2, or with --server: ID1 ID2
  std::string input, id1, id2, model_path, server;
  bool json = false;
  MemoryFlags memory;
  InputFlags in;
};

// Where a job without an output directory keeps its temporary files: beside
// its input (the working directory for stdin or a bare file name).
std::string DirectoryOf(const std::string& input) {
  const std::string dir = std::filesystem::path(input).parent_path().string();
  return dir.empty() ? "." : dir;
}

int RunExplain(ExplainFlags f) {
  if (!f.server.empty()) {
    if (f.args.size() != 2) return Fail("with --server give two stored record ids");
    auto client = service::Client::Connect(f.server);
    if (!client.ok()) return Fail(client.status());
    auto r = (*client)->ExplainJson(f.args[0], f.args[1]);
    if (!r.ok()) return Fail(r.status());
    std::fwrite(r->data(), 1, r->size(), stdout);
    return kExitOk;
  }
  if (f.args.size() != 3) return Fail("give INPUT ID1 ID2 (or --server ENDPOINT ID1 ID2)");
  f.input = f.args[0], f.id1 = f.args[1], f.id2 = f.args[2];
  auto config = f.in.Resolve();
  if (!config.ok()) return Fail(config.status());
  const kernels::KernelTable& k = ChooseKernels(*config);
  core::MatcherOptions mo = config->match;
  mo.threads = config->normalize.threads;
  // Training on the whole input is a dedupe's matching: the same budgets.
  if (Status s = f.memory.Apply(&mo); !s.ok()) return Fail(s);
  auto spill_scope = SpillScope::Open(&mo, DirectoryOf(f.input));
  if (!spill_scope.ok()) return Fail(spill_scope.status());
  Progress progress("explain", true);
  auto loaded = LoadTable(f.input, *config, progress, nullptr, &(*spill_scope)->space());
  if (!loaded.ok()) return Fail(loaded.status());
  auto find = [&](const std::string& id) -> int64_t { return loaded->index.Find(loaded->table.ids, id); };
  int64_t a = find(f.id1), b = find(f.id2);
  if (a < 0) return Fail("no record '" + f.id1 + "' in " + f.input);
  if (b < 0) return Fail("no record '" + f.id2 + "' in " + f.input);
  auto model = ModelFor(f.model_path, loaded->table, mo, k);
  if (!model.ok()) return Fail(model.status());
  core::TermFrequencies tf(loaded->table, mo.threads);
  std::vector<core::Contribution> parts;
  core::PairScore s = core::ScorePair(loaded->table, static_cast<uint32_t>(a), static_cast<uint32_t>(b), *model, &tf,
                                      k, &parts);
  (*spill_scope)->Report("explain", 0, /*quiet=*/true);  // only a budget that could not be kept
  double prior = core::PriorWeight(*model);
  if (f.json) {
    core::JsonWriter j;
    j.BeginObject().Field("id_l", f.id1).Field("id_r", f.id2).Field("prior_weight", prior);
    j.Key("comparisons").BeginArray();
    for (const auto& c : parts) {
      j.BeginObject().Field("comparison", core::InfoOf(c.comparison).name);
      j.Field("level", core::LevelName(c.comparison, c.level)).Field("weight", c.weight);
      j.Field("term_frequency_adjusted", c.tf_adjusted).EndObject();
    }
    j.EndArray();
    j.Field("weight", s.weight).Field("probability", s.probability).EndObject();
    std::fwrite(j.str().data(), 1, j.str().size(), stdout);
    return kExitOk;
  }
  std::printf("Why %s and %s %s (model: %s)\n\n", f.id1.c_str(), f.id2.c_str(),
              s.probability >= mo.cluster.threshold ? "match" : "do not match",
              f.model_path.empty() ? "trained on this file" : f.model_path.c_str());
  double running = prior;
  auto bar = [](double w) {
    int n = std::min(30, static_cast<int>(std::lround(std::fabs(w))));
    return std::string(w < 0 ? "-" : "+") + std::string(n, w < 0 ? '<' : '>');
  };
  std::printf("  %-12s %-24s %8s %9s  %s\n", "field", "level", "weight", "running", "");
  std::printf("  %-12s %-24s %+8.2f %+9.2f  %s\n", "prior", "two random records", prior, running, bar(prior).c_str());
  for (const auto& c : parts) {
    running += c.weight;
    std::string level(core::LevelName(c.comparison, c.level));
    if (c.tf_adjusted) level += " (by frequency)";
    std::printf("  %-12s %-24s %+8.2f %+9.2f  %s\n", std::string(core::InfoOf(c.comparison).name).c_str(),
                level.c_str(), c.weight, running, bar(c.weight).c_str());
  }
  std::printf("\n  match weight %+.2f, probability %.6f (threshold %.2f)\n", s.weight, s.probability,
              mo.cluster.threshold);
  std::printf("  fields missing on either side add nothing and are not listed.\n");
  return kExitOk;
}

struct BlockingFlags {
  std::string input, truth, truth_columns, truth_from_id;
  MemoryFlags memory;
  InputFlags in;
};

int RunBlocking(const BlockingFlags& f) {
  auto config = f.in.Resolve();
  if (!config.ok()) return Fail(config.status());
  const kernels::KernelTable& k = ChooseKernels(*config);
  core::MatcherOptions mo = config->match;
  mo.threads = config->normalize.threads;
  // Blocking a whole base is a dedupe's blocking: the same budgets, the
  // rules' pair lists spilled beyond --pair-memory.
  if (Status s = f.memory.Apply(&mo); !s.ok()) return Fail(s);
  auto spill_scope = SpillScope::Open(&mo, DirectoryOf(f.input));
  if (!spill_scope.ok()) return Fail(spill_scope.status());
  Progress progress("blocking", f.in.quiet);
  auto loaded = LoadTable(f.input, *config, progress, nullptr, &(*spill_scope)->space());
  if (!loaded.ok()) return Fail(loaded.status());
  const core::MatchTable& t = loaded->table;
  // The true entity of each record, when known, as a number (0: unknown).
  std::vector<uint32_t> entity(t.size(), 0);
  bool have_truth = false;
  std::unordered_map<std::string, uint32_t> entity_number;
  auto number_of = [&](const std::string& e) {
    return entity_number.emplace(e, static_cast<uint32_t>(entity_number.size() + 1)).first->second;
  };
  if (!f.truth.empty()) {
    auto truth = ReadTruthFile(f.truth, f.truth_columns);
    if (!truth.ok()) return Fail(truth.status());
    for (uint32_t i = 0; i < t.size(); ++i) {
      auto it = truth->find(std::string(t.ids.Get(i)));
      if (it != truth->end() && !it->second.empty()) entity[i] = number_of(it->second);
    }
    have_truth = true;
  } else if (!f.truth_from_id.empty()) {
    std::regex re(f.truth_from_id);
    for (uint32_t i = 0; i < t.size(); ++i) {
      std::string id(t.ids.Get(i));
      std::smatch m;
      if (std::regex_search(id, m, re) && m.size() > 1 && m[1].matched && m[1].length() > 0) {
        entity[i] = number_of(m[1]);
      }
    }
    have_truth = true;
  }
  uint64_t true_pairs = 0;
  if (have_truth) {
    std::vector<uint64_t> sizes(entity_number.size() + 1, 0);
    for (uint32_t e : entity) ++sizes[e];
    for (size_t e = 1; e < sizes.size(); ++e) true_pairs += sizes[e] * (sizes[e] - 1) / 2;
  }
  const std::function<bool(uint32_t, uint32_t)> is_true = [&](uint32_t a, uint32_t b) {
    return entity[a] != 0 && entity[a] == entity[b];
  };
  progress.Note("blocking " + core::WithThousands(t.size()) + " records with " +
                std::to_string(mo.blocking.rules.size()) + " rules");
  auto survey = core::SurveyBlocking(t, mo, k, have_truth ? &is_true : nullptr);
  if (!survey.ok()) return Fail(survey.status());
  std::printf("Blocking %s: %s records, %s possible pairs\n\n", f.input.c_str(), core::WithThousands(t.size()).c_str(),
              core::WithThousands(static_cast<uint64_t>(t.size()) * (t.size() - 1) / 2).c_str());
  std::printf("  %-16s %12s %12s %12s%s\n", "rule", "pairs", "new", "cumulative",
              have_truth ? "   rule recall  cumulative recall" : "");
  uint64_t cumulative = 0, cumulative_true = 0;
  for (size_t r = 0; r < survey->by_rule.size(); ++r) {
    const core::RuleStats& rule = survey->by_rule[r];
    cumulative += rule.new_pairs;
    std::printf("  %-16s %12s %12s %12s", std::string(core::BlockingRuleName(rule.rule)).c_str(),
                core::WithThousands(rule.pairs).c_str(), core::WithThousands(rule.new_pairs).c_str(),
                core::WithThousands(cumulative).c_str());
    if (have_truth) {
      cumulative_true += rule.new_true_pairs;
      std::printf("   %11s  %17s", core::Percent(survey->true_pairs[r], true_pairs).c_str(),
                  core::Percent(cumulative_true, true_pairs).c_str());
    }
    std::printf("\n");
    for (const auto& ex : rule.skipped_examples) std::printf("      skipped: %s\n", ex.c_str());
  }
  if (have_truth) {
    std::printf("\n  %s true pairs; blocking finds %s of them.\n", core::WithThousands(true_pairs).c_str(),
                core::Percent(cumulative_true, true_pairs).c_str());
  }
  (*spill_scope)->Report("blocking", survey->spilled_bytes, f.in.quiet);
  return kExitOk;
}

struct LinkFlags {
  std::string a, b, out_dir, model_path;
  double threshold = -1;
  MemoryFlags memory;
  InputFlags in;
};

int RunLink(const LinkFlags& f) {
  auto config = f.in.Resolve();
  if (!config.ok()) return Fail(config.status());
  if (Status s = storage::MakeDirs(f.out_dir); !s.ok()) return Fail(s);
  const kernels::KernelTable& k = ChooseKernels(*config);
  core::MatcherOptions mo = config->match;
  mo.threads = config->normalize.threads;
  if (f.threshold >= 0) mo.cluster.threshold = f.threshold;
  if (Status s = f.memory.Apply(&mo); !s.ok()) return Fail(s);
  // As dedupe: pairs and the records' columns over their budgets go to
  // unlinked files in --out.
  auto spill_scope = SpillScope::Open(&mo, f.out_dir);
  if (!spill_scope.ok()) return Fail(spill_scope.status());
  Progress progress("link", f.in.quiet);
  auto la = LoadTable(f.a, *config, progress, nullptr, &(*spill_scope)->space());
  if (!la.ok()) return Fail(la.status());
  auto lb = LoadTable(f.b, *config, progress, nullptr, &(*spill_scope)->space());
  if (!lb.ok()) return Fail(lb.status());
  // One table of A then B; the model learns from both lists together (the
  // matches are between them), then B's own entities, then A against B.
  const auto& ta = la->table;
  const auto& tb = lb->table;
  core::MatchTable both;
  for (size_t i = 0; i < ta.size(); ++i) both.AppendRow(ta, i);
  for (size_t i = 0; i < tb.size(); ++i) both.AppendRow(tb, i);
  auto model = ModelFor(f.model_path, both, mo, k);
  if (!model.ok()) return Fail(model.status());
  core::FsModel model_b = *model;
  auto matched_b = core::MatchAll(tb, mo, k, &model_b);
  if (!matched_b.ok()) return Fail(matched_b.status());
  const core::MatchResult& base = *matched_b;
  const auto split = static_cast<uint32_t>(ta.size());
  auto linked_lists = core::LinkLists(both, split, model_b, mo, k);
  if (!linked_lists.ok()) return Fail(linked_lists.status());
  const core::LinkResult& link = *linked_lists;

  auto out = storage::AtomicFile::Create(f.out_dir + "/links.csv");
  if (!out.ok()) return Fail(out.status());
  std::string buf = "record_id,entity_id,matched_record_id,weight,probability\n";
  uint64_t linked = 0;
  for (uint32_t i = 0; i < split; ++i) {
    std::string entity, record, weight, prob;
    if (link.best[i] >= 0) {
      uint32_t bi = static_cast<uint32_t>(link.best[i] - split);
      record = tb.ids.Get(bi);
      entity = tb.ids.Get(base.entity_of[bi]);
      char w[32], p[32];
      std::snprintf(w, sizeof w, "%.4f", link.best_score[i].weight);
      std::snprintf(p, sizeof p, "%.6f", link.best_score[i].probability);
      weight = w, prob = p;
      ++linked;
    }
    core::AppendCsvRow(buf, {ta.ids.Get(i), entity, record, weight, prob});
  }
  (*out)->Write(buf);
  auto model_file = storage::AtomicFile::Create(f.out_dir + "/model.json");
  if (!model_file.ok()) return Fail(model_file.status());
  (*model_file)->Write(model_b.ToJson());
  for (auto* file : {out->get(), model_file->get()}) {
    if (Status s = file->Commit(); !s.ok()) return Fail(s);
  }
  (*spill_scope)->Report("link", base.spilled_bytes, f.in.quiet);
  std::printf("Linked %s against %s\n", f.a.c_str(), f.b.c_str());
  std::printf("  %s of %s records found an entity (of %s entities in %s); %s candidate pairs\n",
              core::WithThousands(linked).c_str(), core::WithThousands(split).c_str(),
              core::WithThousands(base.clusters).c_str(), f.b.c_str(),
              core::WithThousands(link.candidate_pairs).c_str());
  std::printf("  output    %s/links.csv, %s/model.json\n", f.out_dir.c_str(), f.out_dir.c_str());
  return kExitOk;
}

}  // namespace

Command RegisterExplain(CLI::App& app) {
  auto f = std::make_shared<ExplainFlags>();
  CLI::App* sub = app.add_subcommand("explain", "Show what each field adds to the match weight of two records");
  sub->add_option("args", f->args, "INPUT ID1 ID2: the file holding both records and their ids (with --server: ID1 ID2)")
      ->required();
  sub->add_option("--server", f->server, "Ask doppeld about two stored records instead");
  sub->add_option("--model", f->model_path, "A model.json from doppel dedupe (default: train on the input)");
  sub->add_flag("--json", f->json, "Print JSON");
  f->memory.Register(sub, "the input's directory");
  f->in.Register(sub);
  return [f] { return RunExplain(*f); };
}

Command RegisterBlocking(CLI::App& app) {
  auto f = std::make_shared<BlockingFlags>();
  CLI::App* sub = app.add_subcommand("blocking", "Pairs each blocking rule produces, and with ground truth its recall");
  sub->add_option("input", f->input, "CSV or NDJSON file")->required();
  sub->add_option("--truth", f->truth, "Ground truth CSV (record id, entity id)");
  sub->add_option("--truth-columns", f->truth_columns, "Truth columns as id_column,entity_column");
  sub->add_option("--truth-from-id", f->truth_from_id, "Derive the entity from record ids with a regex group");
  f->memory.Register(sub, "the input's directory");
  f->in.Register(sub);
  return [f] { return RunBlocking(*f); };
}

Command RegisterLink(CLI::App& app) {
  auto f = std::make_shared<LinkFlags>();
  CLI::App* sub = app.add_subcommand("link", "Match a new list against a base: each record of A to its entity in B, or none");
  sub->add_option("a", f->a, "The new list")->required();
  sub->add_option("b", f->b, "The base")->required();
  sub->add_option("--out", f->out_dir, "Output directory for links.csv and model.json")->required();
  sub->add_option("--model", f->model_path, "A model.json to use (default: train on the base)");
  sub->add_option("--threshold", f->threshold, "Match probability needed for a link (default: 0.95)");
  f->memory.Register(sub, "the --out directory");
  f->in.Register(sub);
  return [f] { return RunLink(*f); };
}

}  // namespace doppel::cli
