// doppel: the command line. Batch jobs on files (profile, dedupe, gen, eval),
// a client of doppeld (ingest, get, health, stats) and database maintenance
// (backup, restore).
#include <CLI/CLI.hpp>

#include <map>

#include "cli/common.h"

int main(int argc, char** argv) {
  CLI::App app{"doppel: find duplicates in client bases and keep contacts current"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("doppel ") + DOPPEL_VERSION);
  std::map<CLI::App*, doppel::cli::Command> commands;
  auto add = [&](auto reg) {
    size_t before = app.get_subcommands({}).size();
    doppel::cli::Command cmd = reg(app);
    commands[app.get_subcommands({})[before]] = std::move(cmd);
  };
  add(doppel::cli::RegisterProfile);
  add(doppel::cli::RegisterDedupe);
  add(doppel::cli::RegisterGen);
  add(doppel::cli::RegisterEval);
  add(doppel::cli::RegisterInfo);
  add(doppel::cli::RegisterIngest);
  add(doppel::cli::RegisterGet);
  add(doppel::cli::RegisterHealth);
  add(doppel::cli::RegisterStats);
  add(doppel::cli::RegisterBackup);
  add(doppel::cli::RegisterRestore);
  add(doppel::cli::RegisterCheck);
  add(doppel::cli::RegisterExplain);
  add(doppel::cli::RegisterBlocking);
  add(doppel::cli::RegisterLink);
  add(doppel::cli::RegisterResolve);
  add(doppel::cli::RegisterMerge);
  add(doppel::cli::RegisterUnmerge);
  add(doppel::cli::RegisterBench);
  std::vector<std::pair<CLI::App*, doppel::cli::Command>> loop;
  doppel::cli::RegisterLoop(app, loop);
  doppel::cli::RegisterKeys(app, loop);
  doppel::cli::RegisterAudit(app, loop);
  doppel::cli::RegisterErase(app, loop);
  doppel::cli::RegisterRetention(app, loop);
  for (auto& [sub, cmd] : loop) commands[sub] = std::move(cmd);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : doppel::cli::kExitUsage;
  }
  for (auto& [sub, cmd] : commands) {
    if (sub->parsed()) return cmd();
  }
  return doppel::cli::kExitUsage;
}
