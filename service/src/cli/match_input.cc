#include "cli/match_input.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <cstdio>
#include <tuple>

#include "doppel/core/config.h"
#include "doppel/core/parallel.h"
#include "doppel/kernels/hash.h"
#include "doppel/core/writers.h"

namespace doppel::cli {

void MemoryFlags::Register(CLI::App* app, const std::string& where) {
  app->add_option("--pair-memory", pair_memory,
                  "RAM for candidate pairs (about 25 bytes each) before the rest goes to temporary files: 4G, "
                  "512M, or auto, a quarter of this machine's (or container's) memory (default: auto)");
  app->add_option("--record-memory", record_memory,
                  "RAM for the records' big buffers (about 0.4 KB a record) before new ones are mapped from "
                  "temporary files, which the system pages in and out: sizes as --pair-memory (default: auto)");
  app->add_option("--spill-dir", spill_dir,
                  "Where pairs over --pair-memory and buffers over --record-memory go, as files deleted as soon as "
                  "they are made; not tmpfs (default: " + where + ")");
}

Status MemoryFlags::Apply(core::MatcherOptions* mo) const {
  for (auto [flag, text, into] : {std::tuple{"--pair-memory", &pair_memory, &mo->pair_memory},
                                  std::tuple{"--record-memory", &record_memory, &mo->record_memory}}) {
    if (text->empty()) continue;
    auto bytes = core::ParseByteSize(*text);
    if (!bytes.ok()) return Status::InvalidArgument(std::string(flag) + ": " + bytes.status().message());
    *into = *bytes;
  }
  if (!spill_dir.empty()) mo->spill_dir = spill_dir;
  return Status::Ok();
}

Result<std::unique_ptr<SpillScope>> SpillScope::Open(core::MatcherOptions* mo, const std::string& default_dir) {
  const std::string dir = mo->spill_dir.empty() ? default_dir : mo->spill_dir;
  if (!storage::PathExists(dir)) return Status::InvalidArgument("--spill-dir " + dir + " does not exist");
  std::unique_ptr<SpillScope> scope(new SpillScope(dir, core::MemoryBudget(mo->record_memory)));
  mo->spill = &scope->space_;
  return scope;
}

core::BigBufferFiles::Stats SpillScope::Report(const char* command, uint64_t spilled_pair_bytes, bool quiet) const {
  const core::BigBufferFiles::Stats columns = core::BigBufferFiles::Get();
  if (!quiet && spilled_pair_bytes > 0) {
    std::fprintf(stderr, "%s: %s MB of candidate pairs went to temporary files in %s (--pair-memory)\n", command,
                 core::WithThousands(spilled_pair_bytes >> 20).c_str(), space_.dir().c_str());
  }
  if (!quiet && columns.peak_file_bytes > 0) {
    std::fprintf(stderr, "%s: %s MB of record columns went to temporary files in %s (--record-memory)\n", command,
                 core::WithThousands(columns.peak_file_bytes >> 20).c_str(), space_.dir().c_str());
  }
  // Said even when quiet: the run needed more RAM than it was given.
  if (columns.fallback_bytes > 0) {
    std::fprintf(stderr, "%s: note: %s MB of record columns stayed in RAM over --record-memory: %s\n", command,
                 core::WithThousands(columns.fallback_bytes >> 20).c_str(), columns.fallback_reason.c_str());
  }
  return columns;
}

Result<LoadedTable> LoadTable(const std::string& path, const core::JobConfig& config, Progress& progress,
                              storage::AtomicFile* rejects, core::SpillSpace* spill) {
  LoadedTable out;
  if (spill != nullptr) {
    auto file = spill->NewFile();
    if (!file.ok()) return file.status();
    out.snapshots.SpillTo(std::move(*file));
  }
  auto result = RunPipeline(
      path, config, progress, [](const core::FieldMap&, const std::vector<std::string>&) { return Status::Ok(); },
      [&](const BatchView& v) {
        // A record's match row and packed snapshot on every thread; only
        // the appends stay on this one (on a many-core machine they were the
        // whole read's bottleneck).
        const size_t n = v.records.size();
        std::vector<core::MatchRow> rows(n);
        std::vector<std::string> packed(n);
        core::ParallelFor(n, core::ResolveThreads(config.normalize.threads), 256, [&](size_t b, size_t e) {
          for (size_t i = b; i < e; ++i) {
            const core::NormalizedRecord& r = v.records[i];
            rows[i] = core::MatchRow::From(r);
            core::PackedSnapshots::Pack(core::MemberSnapshot::From(r, static_cast<int64_t>(r.line)), &packed[i]);
          }
        });
        std::string buf;
        for (size_t i = 0; i < n; ++i) {
          const core::NormalizedRecord& r = v.records[i];
          const int64_t seen = out.index.FindOrAdd(out.table.ids, r.id, static_cast<uint32_t>(out.table.size()));
          if (seen >= 0) {  // a repeated id would make every output ambiguous
            ++out.rejected;
            // The first one's line is its snapshot's seen_at.
            const int64_t first = out.snapshots.Get(static_cast<size_t>(seen)).seen_at;
            core::AppendCsvRow(buf, {std::to_string(r.line),
                                     "repeated record id (first seen at line " + std::to_string(first) + ")", r.id});
            continue;
          }
          out.table.Append(rows[i]);
          out.snapshots.AddPacked(packed[i]);
        }
        if (rejects != nullptr) rejects->Write(buf);
      },
      [&](const std::vector<core::Reject>& rs) {
        out.rejected += rs.size();
        if (rejects == nullptr) return;
        std::string buf;
        AppendRejectRows(buf, rs);
        rejects->Write(buf);
      });
  if (!result.ok()) return result.status();
  if (Status s = out.snapshots.Finish(); !s.ok()) {
    return Status(s.code(), "writing record snapshots to " + std::string(spill ? "the spill directory" : "memory") +
                                ": " + s.message());
  }
  out.pipeline = std::move(*result);
#ifdef __GLIBC__
  // The batches' buffers, freed, would otherwise stay with the process
  // through matching (about 130 MB at a million records).
  malloc_trim(0);
#endif
  return out;
}

size_t RecordIdIndex::Probe(const core::StringColumn& ids, std::string_view id, uint64_t h) const {
  const uint64_t tag = h >> 32;
  size_t i = static_cast<size_t>(tag) & (slots_.size() - 1);
  while (slots_[i] != kEmpty) {
    if ((slots_[i] >> 32) == tag && ids.Get(static_cast<uint32_t>(slots_[i])) == id) return i;
    i = (i + 1) & (slots_.size() - 1);
  }
  return i;  // the empty slot where id would go
}

int64_t RecordIdIndex::Find(const core::StringColumn& ids, std::string_view id) const {
  const uint64_t s = slots_[Probe(ids, id, kernels::HashString(id, 0x1D))];
  return s == kEmpty ? -1 : static_cast<int64_t>(static_cast<uint32_t>(s));
}

int64_t RecordIdIndex::FindOrAdd(const core::StringColumn& ids, std::string_view id, uint32_t row) {
  const uint64_t h = kernels::HashString(id, 0x1D);
  const size_t i = Probe(ids, id, h);
  if (slots_[i] != kEmpty) return static_cast<uint32_t>(slots_[i]);
  slots_[i] = (h >> 32 << 32) | row;
  if (++used_ * 2 > slots_.size()) {  // grow at half full, by the stored hash bits alone (row may not be in ids yet)
    core::HugeVector<uint64_t> old(slots_.size() * 2, kEmpty);
    old.swap(slots_);
    for (uint64_t s : old) {
      if (s == kEmpty) continue;
      size_t j = static_cast<size_t>(s >> 32) & (slots_.size() - 1);
      while (slots_[j] != kEmpty) j = (j + 1) & (slots_.size() - 1);
      slots_[j] = s;
    }
  }
  return -1;
}

Result<std::unordered_map<std::string, std::string>> ReadTruthFile(const std::string& path,
                                                                   const std::string& columns) {
  DOPPEL_ASSIGN_OR_RETURN(auto source, storage::OpenFileSource(path));
  core::ReaderOptions options;
  options.format = core::InputFormat::kCsv;
  DOPPEL_ASSIGN_OR_RETURN(auto reader, core::OpenReader(std::move(source), options));
  std::unordered_map<std::string, std::string> out;
  core::RecordBatch batch;
  std::vector<core::Reject> rejects;
  int id_col = 0, entity_col = 1;
  bool resolved = false;
  while (true) {
    DOPPEL_ASSIGN_OR_RETURN(bool more, reader->Next(&batch, &rejects));
    if (!resolved) {
      const auto& names = reader->column_names();
      auto find = [&](std::string_view n) {
        for (size_t i = 0; i < names.size(); ++i) {
          if (names[i] == n) return static_cast<int>(i);
        }
        return -1;
      };
      if (!columns.empty()) {
        size_t comma = columns.find(',');
        id_col = find(columns.substr(0, comma));
        entity_col = comma == std::string::npos ? -1 : find(columns.substr(comma + 1));
      } else if (find("record_id") >= 0 && find("entity_id") >= 0) {
        id_col = find("record_id"), entity_col = find("entity_id");
      }
      if (id_col < 0 || entity_col < 0 || names.size() < 2) {
        return Status::InvalidArgument(path + ": cannot find the record and entity columns");
      }
      resolved = true;
    }
    if (!more) break;
    for (size_t r = 0; r < batch.num_rows(); ++r) out[std::string(batch.Value(r, id_col))] = batch.Value(r, entity_col);
  }
  return out;
}

}  // namespace doppel::cli
