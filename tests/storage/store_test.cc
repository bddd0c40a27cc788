// The RocksDB store on a real database in a temporary directory.
#include "doppel/storage/store.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <fstream>

#include "doppel/core/reader.h"
#include "doppel/storage/keys.h"
#include "store_internal.h"  // DecodeRecord, EncodeRecord: editing a record behind the store's back

namespace doppel::storage {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("doppel_store_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Db() const { return (dir_ / "db").string(); }

  // Changes the closed database behind the store's back: `edit` runs on
  // column family `cf` of the raw RocksDB.
  void EditRaw(const std::string& cf,
               const std::function<rocksdb::Status(rocksdb::DB*, rocksdb::ColumnFamilyHandle*)>& edit) {
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::Options(), Db(), &names).ok());
    for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), Db(), cfs, &handles, &raw).ok());
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == cf) {
        ASSERT_TRUE(edit(raw, handles[i]).ok());
      }
    }
    for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
    delete raw;
  }

  // Writes a meta value straight into the closed database, past the store.
  void PutRawMeta(const std::string& key, const std::string& value) {
    EditRaw("meta", [&](rocksdb::DB* raw, rocksdb::ColumnFamilyHandle* h) {
      return raw->Put(rocksdb::WriteOptions(), h, key, value);
    });
  }

  // Normalizes CSV text into store inputs.
  static std::vector<RecordInput> Inputs(const std::string& csv) {
    auto reader = core::OpenReader(std::make_unique<core::MemorySource>(csv), {});
    EXPECT_TRUE(reader.ok());
    core::RecordBatch batch;
    std::vector<core::Reject> rejects;
    std::vector<RecordInput> out;
    while (*(*reader)->Next(&batch, &rejects)) {
      auto map = core::FieldMap::Build(batch.column_names, {});
      std::vector<core::NormalizedRecord> recs;
      core::NormalizeBatch(batch, *map, {}, &recs);
      for (size_t r = 0; r < recs.size(); ++r) {
        RecordInput in;
        in.normalized = std::move(recs[r]);
        for (size_t c = 0; c < batch.num_columns(); ++c) {
          in.fields.emplace_back(batch.column_names[c], std::string(batch.Value(r, c)));
        }
        out.push_back(std::move(in));
      }
    }
    return out;
  }

  static std::vector<IngestOutcome> Ingest(Store& store, const std::string& csv, int64_t time = 1000,
                                           const std::string& source = "unit") {
    auto group = store.BeginGroup();
    EXPECT_NE(group, nullptr);
    auto out = group->Ingest(Inputs(csv), Actor{"test", source, time});
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    Status s = group->Commit();
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out.ok() ? *out : std::vector<IngestOutcome>{};
  }

  fs::path dir_;
};

const char* kHeader = "id;ФИО;Телефон;E-mail;Дата рождения\n";

TEST_F(StoreTest, IngestJoinsByExactKeysAndSurvivesReopen) {
  {
    auto store = Store::Open(Db());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto out = Ingest(**store, std::string(kHeader) +
                                   "a1;Иванов Иван Иванович;8 (912) 345-67-89;;12.03.1985\n"
                                   "a2;Петров Петр;;petrov@mail.ru;\n"
                                   "a3;Ivanov Ivan;+7 912 345 67 89;ivan@gmail.com;\n");
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].action, IngestAction::kNew);
    EXPECT_EQ(out[1].action, IngestAction::kNew);
    EXPECT_EQ(out[2].action, IngestAction::kJoined);  // same phone as a1, staged in the same group
    EXPECT_EQ(out[2].entity, out[0].entity);
    EXPECT_NE(out[1].entity, out[0].entity);
  }
  auto store = Store::Open(Db());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto rec = (*store)->GetRecord("a3");
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->version, 1u);
  EXPECT_EQ(rec->values.phones, (std::vector<std::string>{"+79123456789"}));
  auto entity = (*store)->GetEntity(rec->entity);
  ASSERT_TRUE(entity.ok());
  EXPECT_EQ(entity->members, (std::vector<std::string>{"a1", "a3"}));
  EXPECT_EQ(entity->golden.members, 2u);
  EXPECT_EQ(entity->golden.birth_date, 19850312);
  EXPECT_EQ(entity->golden.emails, (std::vector<std::string>{"ivan@gmail.com"}));
  EXPECT_EQ(entity->history.size(), 2u);
  StoreStats st = (*store)->Stats();
  EXPECT_EQ(st.records, 3u);
  EXPECT_EQ(st.entities, 2u);
  EXPECT_EQ((*store)->GetRecord("zz").status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*store)->GetEntity(999).status().code(), StatusCode::kNotFound);
}

TEST_F(StoreTest, ALinkingRecordMergesEntitiesIntoTheOlderId) {
  auto store = Store::Open(Db());
  ASSERT_TRUE(store.ok());
  auto first = Ingest(**store, std::string(kHeader) +
                                   "b1;Сидоров Олег;89991112233;;\n"
                                   "b2;Сидоров О.;;oleg@yandex.ru;\n");
  ASSERT_NE(first[0].entity, first[1].entity);
  auto second = Ingest(**store, std::string(kHeader) + "b3;Сидоров Олег;+7 999 111 22 33;oleg@ya.ru;\n", 2000);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].action, IngestAction::kMerged);
  EXPECT_EQ(second[0].entity, first[0].entity);
  EXPECT_EQ(second[0].merged, (std::vector<uint64_t>{first[1].entity}));
  // The merged-away id redirects to the survivor.
  auto old = (*store)->GetEntity(first[1].entity);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->id, first[0].entity);
  EXPECT_EQ(old->requested, first[1].entity);
  EXPECT_EQ(old->members, (std::vector<std::string>{"b1", "b2", "b3"}));
  EXPECT_EQ(old->merged_from, (std::vector<uint64_t>{first[1].entity}));
  EXPECT_EQ((*store)->Stats().entities, 1u);
  bool saw_merge = false;
  for (const auto& ev : old->history) saw_merge |= ev.op == "merge";
  EXPECT_TRUE(saw_merge);
}

TEST_F(StoreTest, AMergeInsideOneRequestKeepsEveryMember) {
  // Both entities are created by this same request, so their members are
  // staged, not yet in the store, when the third row links them.
  auto store = Store::Open(Db());
  ASSERT_TRUE(store.ok());
  auto out = Ingest(**store, std::string(kHeader) +
                                 "m1;Орлов Павел;89995550001;;\n"
                                 "m2;Орлов П.;;pavel.orlov@mail.ru;\n"
                                 "m4;Орлов Павел;89995550001;;\n"
                                 "m3;Орлов Павел;89995550001;pavel.orlov@mail.ru;\n");
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[3].action, IngestAction::kMerged);
  auto e = (*store)->GetEntity(out[1].entity);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  std::vector<std::string> members = e->members;
  std::sort(members.begin(), members.end());
  EXPECT_EQ(members, (std::vector<std::string>{"m1", "m2", "m3", "m4"}));
  EXPECT_EQ(e->golden.members, 4u);
  EXPECT_EQ((*store)->Stats().entities, 1u);
}

TEST_F(StoreTest, SourcePriorityFollowsTheRequestSource) {
  StoreOptions o;
  o.survivorship = {core::Survivorship::kSourcePriority, {"crm", "web"}};
  auto store = Store::Open(Db(), o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto web = Ingest(**store, std::string(kHeader) +
                                 "w1;Лебедев Андрей;89990001122;;\n"
                                 "w2;Лебедев Андрей;89990001122;;\n", 1000, "Web");
  auto crm = Ingest(**store, std::string(kHeader) + "c1;Лебедев Андрей Ильич;89990001122;;\n", 2000, "crm");
  ASSERT_EQ(crm[0].entity, web[0].entity);
  auto e = (*store)->GetEntity(web[0].entity);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->golden.middle, "Ильич");  // from the trusted source, though outvoted
  EXPECT_EQ(e->golden.name_from, "c1");
  EXPECT_EQ(e->golden.phones_from, (std::vector<std::string>{"c1"}));  // the latest record with it
  // Without the sources the rule is refused.
  StoreOptions bad;
  bad.survivorship.rule = core::Survivorship::kSourcePriority;
  EXPECT_FALSE(Store::Open(Db() + "2", bad).ok());
}

TEST_F(StoreTest, ReingestIsUnchangedOrANewVersion) {
  auto store = Store::Open(Db());
  ASSERT_TRUE(store.ok());
  std::string row = std::string(kHeader) + "c1;Кузнецов Илья;89160000001;;\n";
  auto a = Ingest(**store, row);
  auto b = Ingest(**store, row);
  EXPECT_EQ(b[0].action, IngestAction::kUnchanged);
  EXPECT_EQ(b[0].entity, a[0].entity);
  auto c = Ingest(**store, std::string(kHeader) + "c1;Кузнецов Илья;89160000002;;\n");
  EXPECT_EQ(c[0].action, IngestAction::kUpdated);
  auto rec = (*store)->GetRecord("c1");
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->version, 2u);
  EXPECT_EQ(rec->values.phones, (std::vector<std::string>{"+79160000002"}));
  // The old phone no longer finds c1; the new one does.
  auto d = Ingest(**store, std::string(kHeader) + "c2;Другой Человек;89160000001;;\n");
  EXPECT_EQ(d[0].action, IngestAction::kNew);
  auto e = Ingest(**store, std::string(kHeader) + "c3;Кузнецов И.;89160000002;;\n");
  EXPECT_EQ(e[0].action, IngestAction::kJoined);
  EXPECT_EQ(e[0].entity, a[0].entity);
  EXPECT_EQ((*store)->Stats().record_versions, 1u);
}

TEST_F(StoreTest, AnUncommittedGroupLeavesNoTrace) {
  auto store = Store::Open(Db());
  ASSERT_TRUE(store.ok());
  {
    auto group = (*store)->BeginGroup();
    ASSERT_NE(group, nullptr);
    EXPECT_EQ((*store)->BeginGroup(), nullptr);  // one group at a time
    ASSERT_TRUE(group->Ingest(Inputs(std::string(kHeader) + "d1;Орлов Иван;89160000003;;\n"), {"t", "", 1}).ok());
    EXPECT_EQ((*store)->GetRecord("d1").status().code(), StatusCode::kNotFound);  // not visible before commit
  }  // dropped without Commit
  EXPECT_EQ((*store)->GetRecord("d1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*store)->Stats().records, 0u);
  EXPECT_NE((*store)->BeginGroup(), nullptr);
}

TEST_F(StoreTest, RefusesWhatIsNotADoppelDatabase) {
  // A directory with other files in it.
  fs::create_directories(dir_ / "junk");
  std::ofstream(dir_ / "junk" / "notes.txt") << "hello";
  auto junk = Store::Open((dir_ / "junk").string());
  ASSERT_FALSE(junk.ok());
  EXPECT_NE(junk.status().message().find("not empty"), std::string::npos);
  // A plain RocksDB without our column families.
  {
    rocksdb::DB* raw = nullptr;
    rocksdb::Options o;
    o.create_if_missing = true;
    ASSERT_TRUE(rocksdb::DB::Open(o, (dir_ / "plain").string(), &raw).ok());
    delete raw;
  }
  auto plain = Store::Open((dir_ / "plain").string());
  ASSERT_FALSE(plain.ok());
  EXPECT_NE(plain.status().message().find("not a Doppel database"), std::string::npos);
  // Missing with create_if_missing off.
  StoreOptions no_create;
  no_create.create_if_missing = false;
  EXPECT_EQ(Store::Open((dir_ / "none").string(), no_create).status().code(), StatusCode::kNotFound);
}

TEST_F(StoreTest, RefusesAnUnknownSchemaVersion) {
  { ASSERT_TRUE(Store::Open(Db()).ok()); }
  ASSERT_NO_FATAL_FAILURE(PutRawMeta("schema_version", "99"));
  auto store = Store::Open(Db());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("schema version 99"), std::string::npos) << store.status().message();
}

// A plain value may start with the sealed-value mark (0xE7): the random
// index key did in one database of 256, and that database then refused to
// open ("a sealed value is truncated"). Plain databases read every value as
// it is, and a key made so still opens once data keys are added.
TEST_F(StoreTest, APlainValueStartingWithTheSealMarkStillOpens) {
  const std::string rows = std::string(kHeader) + "m1;Марков Илья;8 916 333-44-55;;01.02.1980\n";
  {
    auto store = Store::Open(Db());
    ASSERT_TRUE(store.ok());
    Ingest(**store, rows);
  }
  std::string key(32, '\x11');
  key[0] = static_cast<char>(0xE7);
  ASSERT_NO_FATAL_FAILURE(PutRawMeta("tombstone_key", key));
  {
    auto store = Store::Open(Db());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_TRUE((*store)->GetRecord("m1").ok());
  }
  const std::string keys = (dir_ / "data.keys").string();
  ASSERT_TRUE(AddDataKey(keys).ok());
  StoreOptions sealed;
  sealed.data_key_file = keys;
  for (int round = 0; round < 2; ++round) {  // sealed the key on the first, reads it sealed on the second
    auto store = Store::Open(Db(), sealed);
    ASSERT_TRUE(store.ok()) << round << ": " << store.status().ToString();
    EXPECT_TRUE((*store)->GetRecord("m1").ok());
  }
}

TEST_F(StoreTest, BackupAndRestoreRoundTrip) {
  std::string backups = (dir_ / "backups").string();
  {
    auto store = Store::Open(Db());
    ASSERT_TRUE(store.ok());
    Ingest(**store, std::string(kHeader) + "e1;Волков Пётр;89160000004;;\ne2;Волков П.;89160000004;;\n");
    ASSERT_TRUE((*store)->Backup(backups).ok());
    Ingest(**store, std::string(kHeader) + "e3;После Бэкапа;89160000005;;\n");
  }
  // Never over a live database.
  Status refused = RestoreBackup(backups, Db());
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("not empty"), std::string::npos);
  std::string restored = (dir_ / "restored").string();
  ASSERT_TRUE(RestoreBackup(backups, restored).ok());
  auto store = Store::Open(restored);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE((*store)->GetRecord("e2").ok());
  EXPECT_EQ((*store)->GetRecord("e3").status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*store)->Stats().records, 2u);
  EXPECT_FALSE(RestoreBackup((dir_ / "nope").string(), (dir_ / "x").string()).ok());
}

// A process that dies without closing leaves its writes only in the WAL.
// Damage in the middle of that log must stop the open, not be skipped.
TEST_F(StoreTest, DamagedWriteAheadLogIsRefusedNotReplayedUpToTheDamage) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "forks a child that starts RocksDB threads: ThreadSanitizer does not support that";
#endif
  auto write_and_die = [&](const std::string& db) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto store = Store::Open(db);
      if (!store.ok()) _exit(1);
      for (int g = 0; g < 5; ++g) {
        std::string csv = kHeader;
        for (int i = 0; i < 50; ++i) {
          char row[96];
          std::snprintf(row, sizeof row, "w%d;Клиент Тестовый;8916%07d;;\n", g * 100 + i, 1000000 + g * 100 + i);
          csv += row;
        }
        auto group = (*store)->BeginGroup();
        if (!group->Ingest(Inputs(csv), {"t", "", 1}).ok() || !group->Commit().ok()) _exit(2);
      }
      _exit(0);  // no destructors: nothing flushed, the WAL holds it all
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  };
  auto wal_of = [](const std::string& db) {
    fs::path best;
    for (const auto& e : fs::directory_iterator(db)) {
      if (e.path().extension() == ".log" && (best.empty() || fs::file_size(e) > fs::file_size(best))) best = e.path();
    }
    return best;
  };

  // Intact log: everything comes back.
  write_and_die(Db());
  {
    auto store = Store::Open(Db());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ((*store)->Stats().records, 250u);
  }

  // A byte flipped in the middle of the log: refused.
  std::string damaged = (dir_ / "damaged").string();
  write_and_die(damaged);
  fs::path wal = wal_of(damaged);
  ASSERT_FALSE(wal.empty());
  {
    std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
    auto size = fs::file_size(wal);
    f.seekp(static_cast<std::streamoff>(size / 2));
    char c;
    f.seekg(static_cast<std::streamoff>(size / 2));
    f.get(c);
    f.seekp(static_cast<std::streamoff>(size / 2));
    f.put(static_cast<char>(c ^ 0x5A));
  }
  auto refused = Store::Open(damaged);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kCorruption) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("--recover-to-damage"), std::string::npos) << refused.status().message();
  // Asked to, the log is replayed up to the damage, with a warning, and
  // what is kept agrees with itself.
  {
    StoreOptions o;
    o.recover_to_damage = true;
    auto recovered = Store::Open(damaged, o);
    ASSERT_TRUE(recovered.ok()) << recovered.status().ToString();
    EXPECT_LT((*recovered)->Stats().records, 250u);
    ASSERT_EQ((*recovered)->warnings().size(), 1u);
    auto check = (*recovered)->Check();
    ASSERT_TRUE(check.ok());
    EXPECT_TRUE(check->ok()) << (check->problems.empty() ? "" : check->problems[0]);
  }

  // The last record damaged (a checksum mismatch a few bytes from the end):
  // refused too, not dropped as if it were an unfinished write.
  std::string tail = (dir_ / "tail").string();
  write_and_die(tail);
  wal = wal_of(tail);
  {
    auto size = static_cast<std::streamoff>(fs::file_size(wal));
    std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
    char c;
    f.seekg(size - 30);
    f.get(c);
    f.seekp(size - 30);
    f.put(static_cast<char>(c ^ 0x5A));
  }
  auto tail_refused = Store::Open(tail);
  ASSERT_FALSE(tail_refused.ok());
  EXPECT_EQ(tail_refused.status().code(), StatusCode::kCorruption) << tail_refused.status().ToString();

  // The last record cut short (what a crash in the middle of an unsynced
  // append leaves): opened without it, and the warning says so.
  std::string cut = (dir_ / "cut").string();
  write_and_die(cut);
  wal = wal_of(cut);
  fs::resize_file(wal, fs::file_size(wal) - 100);
  auto opened = Store::Open(cut);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ((*opened)->Stats().records, 200u);
  ASSERT_EQ((*opened)->warnings().size(), 1u);
  EXPECT_NE((*opened)->warnings()[0].find("incomplete record"), std::string::npos) << (*opened)->warnings()[0];
}

// B absorbed C, then A absorbed B, then B was split off again: C's redirect
// leads to B, so erasing A must leave C's redirect and history alone.
TEST_F(StoreTest, UnmergeTakesBackWhatTheEntityHadAbsorbed) {
  auto store = Store::Open(Db());
  ASSERT_TRUE(store.ok());
  auto out = Ingest(**store, std::string(kHeader) +
                                 "u1;Орлов Иван;89160000001;;\n"
                                 "u2;Петров Пётр;89160000002;;\n"
                                 "u3;Сидоров Олег;89160000003;;\n");
  const uint64_t a = out[0].entity, b = out[1].entity, c = out[2].entity;
  auto step = [&](auto&& fn) {
    auto g = (*store)->BeginGroup();
    ASSERT_NE(g, nullptr);
    fn(*g);
    ASSERT_TRUE(g->Commit().ok());
  };
  step([&](Store::WriteGroup& g) { ASSERT_TRUE(g.Merge(b, c, {"op", "", 2000}).ok()); });
  step([&](Store::WriteGroup& g) { ASSERT_TRUE(g.Merge(a, b, {"op", "", 3000}).ok()); });
  step([&](Store::WriteGroup& g) { ASSERT_TRUE(g.Unmerge(b, {"op", "", 4000}).ok()); });
  ASSERT_EQ((*store)->GetEntityItem(c)->id, b);
  step([&](Store::WriteGroup& g) { ASSERT_TRUE(g.Erase(a, {"op", "", 5000}).ok()); });
  auto live = (*store)->GetEntityItem(c);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  EXPECT_EQ(live->id, b);
  EXPECT_EQ(live->members.size(), 2u);  // u2 and u3
  auto check = (*store)->Check();
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok()) << check->problems[0];
}

// Check() agrees with a healthy database through merges and an unmerge,
// and names what a damaged one gets wrong.
TEST_F(StoreTest, CheckFindsEveryDisagreement) {
  {
    auto store = Store::Open(Db());
    ASSERT_TRUE(store.ok());
    auto out = Ingest(**store, std::string(kHeader) +
                                   "c1;Орлов Иван;89160000001;;\n"
                                   "c2;Орлов Иван;89160000001;;\n"
                                   "c3;Петров Пётр;89160000002;;\n"
                                   "c4;Сидоров Олег;89160000003;;\n");
    auto g = (*store)->BeginGroup();
    ASSERT_TRUE(g->Merge(out[2].entity, out[3].entity, {"op", "", 2000}).ok());
    ASSERT_TRUE(g->Commit().ok());
    g.reset();  // one group at a time
    g = (*store)->BeginGroup();
    ASSERT_TRUE(g->Unmerge(out[3].entity, {"op", "", 3000}).ok());
    ASSERT_TRUE(g->Commit().ok());
    g.reset();
    g = (*store)->BeginGroup();
    ASSERT_TRUE(g->Merge(out[0].entity, out[2].entity, {"op", "", 4000}).ok());
    ASSERT_TRUE(g->Commit().ok());
    g.reset();
    auto check = (*store)->Check();
    ASSERT_TRUE(check.ok()) << check.status().ToString();
    EXPECT_TRUE(check->ok()) << (check->problems.empty() ? "" : check->problems[0]);
    EXPECT_EQ(check->records, 4u);
    EXPECT_EQ(check->record_ids, 4u);
    EXPECT_EQ(check->entities, 2u);
    EXPECT_EQ(check->redirects, 1u);
    EXPECT_EQ(check->members, 4u);
  }
  // Damage it behind the store's back: one record loses its membership.
  ASSERT_NO_FATAL_FAILURE(EditRaw("membership", [](rocksdb::DB* raw, rocksdb::ColumnFamilyHandle* h) {
    return raw->Delete(rocksdb::WriteOptions(), h, keys::Member(3));
  }));
  auto store = Store::Open(Db());
  ASSERT_TRUE(store.ok());
  auto check = (*store)->Check();
  ASSERT_TRUE(check.ok());
  EXPECT_FALSE(check->ok());
  EXPECT_EQ(check->problem_count, 2u);  // the record belongs nowhere; its entity lists it
  std::string all;
  for (const auto& p : check->problems) all += p + "\n";
  EXPECT_NE(all.find("record #3 belongs to no entity"), std::string::npos) << all;
}

TEST_F(StoreTest, TooCommonKeysAreNotEvidence) {
  StoreOptions o;
  o.max_block_records = 2;
  auto store = Store::Open(Db(), o);
  ASSERT_TRUE(store.ok());
  // Three strangers typed the call centre's number; the fourth must not join them.
  auto out = Ingest(**store, std::string(kHeader) +
                                 "f1;Первый Клиент;89160000009;;\n"
                                 "f2;Второй Клиент;89160000009;;\n"
                                 "f3;Третий Клиент;89160000009;;\n"
                                 "f4;Четвертый Клиент;89160000009;;\n");
  EXPECT_EQ(out[1].entity, out[0].entity);
  EXPECT_EQ(out[2].entity, out[0].entity);
  EXPECT_NE(out[3].entity, out[0].entity);
  EXPECT_EQ((*store)->Stats().common_keys_skipped, 1u);
}

}  // namespace
}  // namespace doppel::storage

namespace doppel::storage {
namespace {

// A hand-made model: agreement is strong evidence, disagreement weak against.
std::shared_ptr<const core::FsModel> SimpleModel() {
  auto m = std::make_shared<core::FsModel>();
  m->lambda = 1e-4;
  for (size_t c = 0; c < core::kComparisonCount; ++c) {
    const auto& info = core::InfoOf(static_cast<core::Comparison>(c));
    size_t L = info.levels.size();
    auto& cm = m->comparisons[c];
    cm.m.assign(L, 0.1 / L);
    cm.u.assign(L, 0.05 / L);
    cm.m[0] = 0.1;
    cm.u[0] = 0.9;
    cm.m[L - 1] = 0.7;  // the strongest level (exact or its kin)
    if (info.exact_level >= 0) cm.m[info.exact_level] = 0.7, cm.u[info.exact_level] = 0.01;
  }
  return m;
}

class FuzzyStoreTest : public StoreTest {};

TEST_F(FuzzyStoreTest, FuzzyIngestResolveMergeAndExactUnmerge) {
  StoreOptions o;
  o.model = SimpleModel();
  auto store = Store::Open(Db(), o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const char* header = "id;ФИО;Дата рождения;Телефон;E-mail\n";
  auto first = Ingest(**store, std::string(header) +
                                   "h1;Иванов Иван Иванович;12.03.1985;89123456789;\n"
                                   "h2;Петрова Анна Сергеевна;01.02.1990;;anna.p@mail.ru\n");
  ASSERT_EQ(first.size(), 2u);
  // A typo in the surname and no phone: only fuzzy matching finds it.
  auto second = Ingest(**store, std::string(header) + "h3;Иванoв Ивaн Ивановичъ;12.03.1985;;\n", 2000);
  EXPECT_EQ(second[0].action, IngestAction::kJoined);
  EXPECT_EQ(second[0].entity, first[0].entity);

  // Resolve says the same without writing.
  auto res = (*store)->Resolve(Inputs(std::string(header) + "x1;Ivanov Ivan;12.03.1985;;\n"
                                                            "x2;Сидоров Пётр;05.05.1970;;\n"), true);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ((*res)[0].entity, first[0].entity);
  EXPECT_GT((*res)[0].probability, 0.95);
  EXPECT_FALSE((*res)[0].explanation.empty());
  EXPECT_EQ((*res)[1].entity, 0u);
  EXPECT_EQ((*store)->GetRecord("x1").status().code(), StatusCode::kNotFound);

  // A manual merge, then the unmerge restores exactly the state before it.
  auto before_a = (*store)->GetEntity(first[0].entity);
  auto before_b = (*store)->GetEntity(first[1].entity);
  ASSERT_TRUE(before_a.ok() && before_b.ok());
  {
    auto g = (*store)->BeginGroup();
    auto survivor = g->Merge(first[1].entity, first[0].entity, {"operator", "same person per call", 3000});
    ASSERT_TRUE(survivor.ok()) << survivor.status().ToString();
    EXPECT_EQ(*survivor, std::min(first[0].entity, first[1].entity));
    ASSERT_TRUE(g->Commit().ok());
  }
  uint64_t lo = std::min(first[0].entity, first[1].entity), hi = std::max(first[0].entity, first[1].entity);
  auto merged = (*store)->GetEntity(hi);
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->id, lo);
  EXPECT_EQ(merged->members.size(), 3u);
  {
    auto g = (*store)->BeginGroup();
    auto left = g->Unmerge(hi, {"operator", "not the same after all", 4000});
    ASSERT_TRUE(left.ok()) << left.status().ToString();
    ASSERT_TRUE(g->Commit().ok());
  }
  auto after_a = (*store)->GetEntity(first[0].entity);
  auto after_b = (*store)->GetEntity(first[1].entity);
  ASSERT_TRUE(after_a.ok() && after_b.ok());
  EXPECT_EQ(after_a->id, first[0].entity);
  EXPECT_EQ(after_b->id, first[1].entity);
  EXPECT_EQ(after_a->members, before_a->members);
  EXPECT_EQ(after_b->members, before_b->members);
  EXPECT_EQ(after_a->golden.last, before_a->golden.last);
  EXPECT_EQ(after_b->golden.emails, before_b->golden.emails);
  EXPECT_EQ((*store)->Stats().entities, 2u);
  bool saw_unmerge = false;
  for (const auto& ev : after_b->history) saw_unmerge |= ev.op == "unmerge";
  EXPECT_TRUE(saw_unmerge);
  // Unmerging what is not merged is refused.
  auto g = (*store)->BeginGroup();
  EXPECT_EQ(g->Unmerge(first[0].entity, {"operator", "", 5000}).status().code(), StatusCode::kInvalidArgument);
}

// The index's fuzzy keys as a sorted list.
std::vector<std::pair<uint8_t, uint64_t>> SortedKeys(std::vector<std::pair<uint8_t, uint64_t>> keys) {
  std::sort(keys.begin(), keys.end());
  return keys;
}

TEST_F(FuzzyStoreTest, OlderFuzzyKeysAreRemadeWhenOpened) {
  StoreOptions o;
  o.model = SimpleModel();
  const char* header = "id;ФИО;Дата рождения;Телефон;E-mail\n";
  const std::string ivanov = "h1;Иванов Иван Иванович;12.03.1985;89123456789;\n";
  std::vector<std::pair<uint8_t, uint64_t>> keys_h1, keys_h2;
  uint64_t rid_h1 = 0;
  {
    auto store = Store::Open(Db(), o);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_TRUE((*store)->warnings().empty());
    Ingest(**store, std::string(header) + ivanov + "h2;Петрова Анна Сергеевна;01.02.1990;;anna.p@mail.ru\n");
    auto h1 = (*store)->GetRecord("h1");
    auto h2 = (*store)->GetRecord("h2");
    ASSERT_TRUE(h1.ok() && h2.ok());
    keys_h1 = SortedKeys(h1->block_keys);
    keys_h2 = SortedKeys(h2->block_keys);
    rid_h1 = h1->rid;
    ASSERT_FALSE(keys_h1.empty());
    ASSERT_NE(keys_h1, keys_h2);
  }
  {  // Reopened at the same version: nothing to do.
    auto store = Store::Open(Db(), o);
    ASSERT_TRUE(store.ok());
    EXPECT_TRUE((*store)->warnings().empty());
  }
  // A database from an older version, as far as h1 goes: its stored match
  // row now makes h2's keys, while its keys and posting lists are still
  // those of the match row it had. Re-keying must move it.
  ASSERT_NO_FATAL_FAILURE(EditRaw("records", [&](rocksdb::DB* raw, rocksdb::ColumnFamilyHandle* h) {
    std::string v1, v2;
    rocksdb::Status s = raw->Get(rocksdb::ReadOptions(), h, keys::Record(rid_h1), &v1);
    if (!s.ok()) return s;
    auto h1 = DecodeRecord(v1);
    auto h2 = [&]() -> Result<StoredRecord> {
      std::string rid_value;
      rocksdb::Status g = raw->Get(rocksdb::ReadOptions(), h, keys::RecordId("h2"), &rid_value);
      if (!g.ok()) return Status::NotFound("h2");
      g = raw->Get(rocksdb::ReadOptions(), h, keys::Record(keys::GetU64(rid_value, 0)), &v2);
      if (!g.ok()) return Status::NotFound("h2");
      return DecodeRecord(v2);
    }();
    if (!h1.ok() || !h2.ok()) return rocksdb::Status::Corruption("decode");
    std::string id = h1->match.id;
    h1->match = h2->match;
    h1->match.id = id;
    return raw->Put(rocksdb::WriteOptions(), h, keys::Record(rid_h1), EncodeRecord(*h1));
  }));
  PutRawMeta("fuzzy_keys_version", "1");
  {
    auto store = Store::Open(Db(), o);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_EQ((*store)->warnings().size(), 1u);
    EXPECT_NE((*store)->warnings()[0].find("re-keyed the fuzzy blocking index of 1 records"), std::string::npos)
        << (*store)->warnings()[0];
    auto h1 = (*store)->GetRecord("h1");
    ASSERT_TRUE(h1.ok());
    EXPECT_EQ(SortedKeys(h1->block_keys), keys_h2);
    // Ivanov's keys no longer lead to h1: nothing stored resolves him.
    auto res = (*store)->Resolve(Inputs(std::string(header) + "x1;Иванов Иван Иванович;12.03.1985;89123456789;\n"),
                                 false);
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    EXPECT_EQ((*res)[0].entity, 0u);
    auto check = (*store)->Check();
    ASSERT_TRUE(check.ok());
    EXPECT_TRUE(check->problems.empty());
  }
  {  // Done once: the next open has nothing left to do.
    auto store = Store::Open(Db(), o);
    ASSERT_TRUE(store.ok());
    EXPECT_TRUE((*store)->warnings().empty());
  }
  // Keys from a newer build are refused rather than mixed with these.
  PutRawMeta("fuzzy_keys_version", "9");
  auto newer = Store::Open(Db(), o);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace doppel::storage

namespace doppel::storage {
namespace {

// Every file of a database directory, as bytes.
std::string AllFiles(const fs::path& dir) {
  std::string all;
  for (const auto& f : fs::recursive_directory_iterator(dir)) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path(), std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), {});
  }
  return all;
}

TEST_F(StoreTest, ErasureLeavesNothingBehindButATombstone) {
  const std::string phone = "+79161112233", email = "zinaida.kukushkina@mail.ru", surname = "Кукушкина";
  uint64_t erased = 0, kept = 0;
  {
    auto store = Store::Open(Db());
    ASSERT_TRUE(store.ok());
    auto first = Ingest(**store, std::string(kHeader) +
                                     "z1;Кукушкина Зинаида Павловна;8 916 111-22-33;zinaida.kukushkina@mail.ru;02.03.1961\n"
                                     "z2;Кукушкина Зинаида;+7 916 111 22 33;;02.03.1961\n"
                                     "k1;Орлов Кирилл;8 903 777 00 11;kirill.orlov@yandex.ru;05.06.1990\n");
    erased = first[0].entity;
    kept = first[2].entity;
    // A second version of z1, a call on her number, a suppression entry.
    Ingest(**store, std::string(kHeader) + "z1;Кукушкина Зинаида Павловна;8 916 111-22-33;zinaida.kukushkina@mail.ru;02.03.1962\n", 2000);
    auto g = (*store)->BeginGroup();
    core::ContactState st;
    st.last_verified = 20261204;
    ASSERT_TRUE(g->PutContactState(core::ContactKind::kPhone, phone, st).ok());
    OutcomeEvent ev;
    ev.entity = erased;
    ev.contact = phone;
    ev.date = 20261204;
    ASSERT_TRUE(g->AppendOutcome(ev, Actor{"test", "calls", 3000}).ok());
    core::Suppression s;
    s.kind = core::ContactKind::kPhone;
    s.value = phone;
    s.reason = core::SuppressReason::kDoNotCall;
    ASSERT_TRUE(g->Suppress(s, Actor{"test", "calls", 3000}).ok());
    ASSERT_TRUE(g->PutSurvey(erased, core::SurveyAnswers{"sms", {"вклады"}, 20261204}).ok());
    ASSERT_TRUE(g->Commit().ok());
  }
  // The control: before the erasure her data are in the files.
  std::string before = AllFiles(dir_);
  ASSERT_NE(before.find(phone), std::string::npos);
  ASSERT_NE(before.find(surname), std::string::npos);
  {
    auto store = Store::Open(Db());
    auto g = (*store)->BeginGroup();
    auto result = g->Erase(erased, Actor{"dpo", "request 2026-118", 4000});
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->records, (std::vector<std::string>{"z1", "z2"}));
    EXPECT_GE(result->tombstones, 3u);  // phone, email, name with each birth date
    ASSERT_TRUE(g->Commit().ok());
    g.reset();
    ASSERT_TRUE((*store)->CompactAfterErasure().ok());
    EXPECT_EQ((*store)->GetRecord("z1").status().code(), StatusCode::kNotFound);
    EXPECT_EQ((*store)->GetEntity(erased).status().code(), StatusCode::kNotFound);
    EXPECT_TRUE((*store)->GetEntity(kept).ok());
    EXPECT_EQ((*store)->Stats().records, 1u);
    EXPECT_EQ((*store)->Stats().entities, 1u);
    bool suppressed = true;
    ASSERT_TRUE((*store)->ListSuppressions([&](const core::Suppression&) {
      suppressed = false;
      return true;
    }).ok());
    EXPECT_TRUE(suppressed) << "her suppression entry went with her (the tombstone stays)";
  }
  // Not a byte of her data is left in any file of the database.
  std::string after = AllFiles(dir_);
  EXPECT_EQ(after.find(phone), std::string::npos);
  for (const auto& f : fs::recursive_directory_iterator(dir_)) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path(), std::ios::binary);
    std::string bytes(std::istreambuf_iterator<char>(in), {});
    size_t at = bytes.find(phone);
    EXPECT_EQ(at, std::string::npos) << f.path() << " holds her phone at " << at << ": "
                                     << bytes.substr(at > 40 ? at - 40 : 0, 120);
  }
  EXPECT_EQ(after.find("9161112233"), std::string::npos);
  EXPECT_EQ(after.find(email), std::string::npos);
  EXPECT_EQ(after.find(surname), std::string::npos);
  EXPECT_EQ(after.find("Зинаида"), std::string::npos);
  EXPECT_NE(after.find("Орлов"), std::string::npos) << "the others' data are still readable";

  // She is not taken back in silently, by phone or by name and birth date.
  auto store = Store::Open(Db());
  auto again = Ingest(**store, std::string(kHeader) +
                                   "z9;Кукушкина Зинаида;;;02.03.1961\n"
                                   "z8;Другая Анна;+7 916 111-22-33;;\n"
                                   "n1;Новиков Олег;8 905 000 11 22;;\n");
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(again[0].action, IngestAction::kRefused);
  EXPECT_EQ(again[1].action, IngestAction::kRefused);
  EXPECT_EQ(again[2].action, IngestAction::kNew);
  EXPECT_EQ((*store)->GetRecord("z9").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace doppel::storage

namespace doppel::storage {
namespace {

TEST_F(StoreTest, SealedAtRestRotatesAndRefusesAWrongOrMissingKey) {
  const std::string keys = (dir_ / "data.keys").string();
  ASSERT_TRUE(AddDataKey(keys).ok());
  StoreOptions sealed;
  sealed.data_key_file = keys;
  const std::string rows = std::string(kHeader) +
                           "s1;Терентьева Изольда Марковна;8 916 222-33-44;izolda.terentieva@mail.ru;07.08.1977\n"
                           "s2;Терентьева Изольда;+7 916 222 33 44;;07.08.1977\n";
  {
    auto store = Store::Open(Db(), sealed);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Ingest(**store, rows);
    auto g = (*store)->BeginGroup();
    core::Suppression s;
    s.kind = core::ContactKind::kEmail;
    s.value = "izolda.terentieva@mail.ru";
    s.reason = core::SuppressReason::kDoNotCall;
    ASSERT_TRUE(g->Suppress(s, Actor{"t", "web", 1}).ok());
    ASSERT_TRUE(g->PutContactState(core::ContactKind::kPhone, "+79162223344", core::ContactState{}).ok());
    ASSERT_TRUE(g->Commit().ok());
    auto rec = (*store)->GetRecord("s1");
    ASSERT_TRUE(rec.ok()) << rec.status().ToString();
    EXPECT_EQ(rec->values.phones, std::vector<std::string>{"+79162223344"});
  }
  // The files alone reveal none of it: not in the tables, the log or the manifest.
  std::string files = AllFiles(dir_ / "db");
  for (const std::string secret : {"+79162223344", "9162223344", "Терентьева", "Изольда", "izolda.terentieva"}) {
    EXPECT_EQ(files.find(secret), std::string::npos) << secret;
  }
  // Backups copy the sealed files: they hold none of it either, and restore
  // to a database that needs the same key.
  {
    auto store = Store::Open(Db(), sealed);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Backup((dir_ / "backup").string()).ok());
  }
  std::string backup = AllFiles(dir_ / "backup");
  EXPECT_EQ(backup.find("9162223344"), std::string::npos);
  EXPECT_EQ(backup.find("Терентьева"), std::string::npos);
  ASSERT_TRUE(RestoreBackup((dir_ / "backup").string(), (dir_ / "restored").string()).ok());
  EXPECT_FALSE(Store::Open((dir_ / "restored").string()).ok());
  {
    auto restored = Store::Open((dir_ / "restored").string(), sealed);
    ASSERT_TRUE(restored.ok()) << restored.status().ToString();
    EXPECT_TRUE((*restored)->GetRecord("s2").ok());
  }
  // No key, or the wrong one: a clear error at open, never a wrong read.
  auto without = Store::Open(Db());
  ASSERT_FALSE(without.ok());
  EXPECT_NE(without.status().message().find("data key"), std::string::npos) << without.status().message();
  const std::string other = (dir_ / "other.keys").string();
  ASSERT_TRUE(AddDataKey(other).ok());
  StoreOptions wrong;
  wrong.data_key_file = other;
  auto mismatched = Store::Open(Db(), wrong);
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.status().message().find("wrong"), std::string::npos) << mismatched.status().message();

  // Rotation: a newer key seals new values; the old one still reads.
  ASSERT_TRUE(AddDataKey(keys).ok());
  {
    auto store = Store::Open(Db(), sealed);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Ingest(**store, std::string(kHeader) + "s3;Новая Запись;8 903 123 45 67;;\n", 2000);
    EXPECT_TRUE((*store)->GetRecord("s1").ok());
    EXPECT_TRUE((*store)->GetRecord("s3").ok());
    bool listed = false;
    ASSERT_TRUE((*store)->ListSuppressions([&](const core::Suppression& s) {
      listed = s.value == "izolda.terentieva@mail.ru";
      return true;
    }).ok());
    EXPECT_TRUE(listed);
  }
  // Without the old key, what it sealed is refused by name.
  std::string text;
  {
    std::ifstream in(keys);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("key 2 ", 0) == 0) text += line + "\n";
    }
  }
  const std::string newest = (dir_ / "newest.keys").string();
  { std::ofstream(newest) << text; }
  fs::permissions(newest, fs::perms::owner_read | fs::perms::owner_write);
  StoreOptions only_new;
  only_new.data_key_file = newest;
  auto store = Store::Open(Db(), only_new);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE((*store)->GetRecord("s3").ok());
  auto old = (*store)->GetRecord("s1");
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.status().message().find("data key 1"), std::string::npos) << old.status().message();
}

}  // namespace
}  // namespace doppel::storage

namespace doppel::storage {
namespace {

// Every key of one column family, through RocksDB itself.
std::vector<std::string> RawKeys(const std::string& db_path, const std::string& family) {
  std::vector<std::string> names, out;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), db_path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  EXPECT_TRUE(rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), db_path, cfs, &handles, &db).ok());
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] != family) continue;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[i]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) out.push_back(it->key().ToString());
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
  return out;
}

TEST_F(StoreTest, BlockKeysAreKeyedAndOldOnesMigrate) {
  uint64_t entity = 0;
  StoredRecord rec;
  {
    auto store = Store::Open(Db());
    auto out = Ingest(**store, std::string(kHeader) + "b1;Блоков Борис;8 916 333-44-55;;\n");
    entity = out[0].entity;
    rec = *(*store)->GetRecord("b1");
  }
  auto keys_now = RawKeys(Db(), "blocks");
  ASSERT_FALSE(keys_now.empty());
  for (const auto& k : keys_now) EXPECT_GE(static_cast<uint8_t>(k[0]), 0x80) << "a block key without the index key";
  // Put the index back the way older versions wrote it (unkeyed hashes).
  {
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), Db(), &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), Db(), cfs, &handles, &db).ok());
    rocksdb::ColumnFamilyHandle* blocks = nullptr;
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == "blocks") blocks = handles[i];
    }
    std::string value;
    for (const auto& k : keys_now) {
      ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), blocks, k, &value).ok());
      ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), blocks, k).ok());
    }
    for (const auto& [kind, hash] : rec.block_keys) {
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), blocks, keys::Block(kind, hash), value).ok());
    }
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  // Opening migrates them, and matching finds the client again.
  auto store = Store::Open(Db());
  ASSERT_TRUE(store.ok());
  for (const auto& k : RawKeys(Db(), "blocks")) EXPECT_GE(static_cast<uint8_t>(k[0]), 0x80);
  auto again = Ingest(**store, std::string(kHeader) + "b2;Блоков Борис;+7 916 333 44 55;;\n", 2000);
  EXPECT_EQ(again[0].entity, entity);
  EXPECT_EQ(again[0].action, IngestAction::kJoined);
}

}  // namespace
}  // namespace doppel::storage
