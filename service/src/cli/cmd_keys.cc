// doppel keys generate|add|remove|list: CURVE key pairs and the allow-list
// of clients doppeld accepts (docs/security.md).
#include <cstdio>

#include "cli/common.h"
#include "doppel/service/access.h"
#include "doppel/storage/file.h"
#include "doppel/storage/store.h"

namespace doppel::cli {

void RegisterKeys(CLI::App& app, std::vector<std::pair<CLI::App*, Command>>& out) {
  CLI::App* sub = app.add_subcommand("keys", "CURVE keys and the clients doppeld accepts");
  sub->require_subcommand(1);
  struct Args {
    std::string name, clients, id, role, public_key;
  };
  auto a = std::make_shared<Args>();

  CLI::App* gen = sub->add_subcommand("generate", "Write a new key pair: NAME.key (secret, 0600) and NAME.pub");
  gen->add_option("name", a->name, "Path without extension: keys/server, keys/crm-loader")->required();
  out.emplace_back(gen, [a] {
    if (storage::PathExists(a->name + ".key")) return Fail(a->name + ".key exists; refusing to overwrite a key");
    auto keys = service::GenerateKeyPair();
    if (!keys.ok()) return Fail(keys.status());
    if (Status s = service::SaveKeyPair(*keys, a->name); !s.ok()) return Fail(s);
    std::printf("Wrote %s.key (keep it secret) and %s.pub\npublic key: %s\n", a->name.c_str(), a->name.c_str(),
                keys->public_key.c_str());
    return kExitOk;
  });

  CLI::App* data = sub->add_subcommand(
      "data-key", "Create a data key file (encryption at rest), or add a newer key to it (rotation)");
  data->add_option("file", a->name, "The key file (mode 0600); give it to doppeld --data-key or $DOPPEL_DATA_KEY_FILE")
      ->required();
  out.emplace_back(data, [a] {
    bool existed = storage::PathExists(a->name);
    if (Status s = storage::AddDataKey(a->name); !s.ok()) return Fail(s);
    std::printf("%s %s: new values are sealed with its newest key%s\n", existed ? "Added a key to" : "Wrote",
                a->name.c_str(), existed ? "; the older keys keep reading what they sealed" : "");
    return kExitOk;
  });

  CLI::App* add = sub->add_subcommand("add", "Allow a client key with a role (admin, ingest, operator, analyst)");
  add->add_option("--clients", a->clients, "The allow-list file (created when missing)")->required();
  add->add_option("--id", a->id, "A name for the client: crm-loader, operator-7")->required();
  add->add_option("--role", a->role, "admin, ingest, operator or analyst")->required();
  add->add_option("--public", a->public_key, "The client's public key, or its .pub file")->required();
  out.emplace_back(add, [a] {
    auto role = service::ParseRole(a->role);
    if (!role.ok()) return Fail(role.status());
    std::string key = a->public_key;
    if (!service::IsZ85Key(key)) {
      auto file = service::LoadKeyFile(key, /*needs_secret=*/false);
      if (!file.ok()) return Fail(file.status());
      key = file->public_key;
    }
    service::AccessList list;
    if (storage::PathExists(a->clients)) {
      auto loaded = service::AccessList::Load(a->clients);
      if (!loaded.ok()) return Fail(loaded.status());
      list = std::move(*loaded);
    }
    if (Status s = list.Add({a->id, *role, key}); !s.ok()) return Fail(s);
    if (Status s = list.Save(a->clients); !s.ok()) return Fail(s);
    std::printf("Added %s (%s) to %s; restart doppeld to apply\n", a->id.c_str(), a->role.c_str(), a->clients.c_str());
    return kExitOk;
  });

  CLI::App* rm = sub->add_subcommand("remove", "Remove a client from the allow-list");
  rm->add_option("--clients", a->clients, "The allow-list file")->required();
  rm->add_option("--id", a->id, "The client's id")->required();
  out.emplace_back(rm, [a] {
    auto list = service::AccessList::Load(a->clients);
    if (!list.ok()) return Fail(list.status());
    if (!list->Remove(a->id)) return Fail("no client '" + a->id + "' in " + a->clients);
    if (Status s = list->Save(a->clients); !s.ok()) return Fail(s);
    std::printf("Removed %s from %s; restart doppeld to apply\n", a->id.c_str(), a->clients.c_str());
    return kExitOk;
  });

  CLI::App* ls = sub->add_subcommand("list", "Print the allow-list: id, role, public key");
  ls->add_option("--clients", a->clients, "The allow-list file")->required();
  out.emplace_back(ls, [a] {
    auto list = service::AccessList::Load(a->clients);
    if (!list.ok()) return Fail(list.status());
    for (const auto& e : list->entries()) {
      std::printf("%s\t%s\t%s\n", e.id.c_str(), std::string(service::RoleName(e.role)).c_str(), e.public_key.c_str());
    }
    return kExitOk;
  });
}

}  // namespace doppel::cli
