// The audit trail: appended in order, chained by hashes across reopenings,
// queried by client, op, entity and time, and any edit or removal of a past
// event is found by VerifyAudit.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>

#include "doppel/storage/keys.h"
#include "doppel/storage/store.h"

namespace doppel::storage {
namespace {

namespace fs = std::filesystem;

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("doppel_audit_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  std::unique_ptr<Store> Open() {
    auto s = Store::Open(dir_.string());
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(*s);
  }
  static AuditEvent Event(int i) {
    AuditEvent e;
    e.time_ms = 1000 * i;
    e.client = i % 2 ? "op-7" : "loader";
    e.role = i % 2 ? "operator" : "ingest";
    e.op = i % 2 ? "get_entity" : "ingest";
    e.entities = {static_cast<uint64_t>(100 + i)};
    e.records = {"r" + std::to_string(i)};
    e.outcome = "ok";
    e.detail = "{\"rows\":1}";
    return e;
  }
  // Rewrites the history family behind the store's back, as an attacker
  // with the files would.
  void Tamper(const std::function<void(rocksdb::DB*, rocksdb::ColumnFamilyHandle*)>& fn) {
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir_.string(), &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir_.string(), cfs, &handles, &db).ok());
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == "history") fn(db, handles[i]);
    }
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  fs::path dir_;
};

TEST_F(AuditTest, AppendsChainAcrossReopeningAndQueries) {
  {
    auto store = Open();
    for (int i = 1; i <= 10; ++i) ASSERT_TRUE(store->Audit(Event(i)).ok());
    auto check = store->VerifyAudit();
    ASSERT_TRUE(check.ok());
    EXPECT_TRUE(check->ok) << check->problem;
    EXPECT_EQ(check->events, 10u);
    EXPECT_EQ(check->head.size(), 64u);
  }
  auto store = Open();
  ASSERT_TRUE(store->Audit(Event(11)).ok());
  auto check = store->VerifyAudit();
  EXPECT_TRUE(check->ok) << check->problem;
  EXPECT_EQ(check->events, 11u);

  std::vector<uint64_t> seqs;
  AuditFilter by_client;
  by_client.client = "op-7";
  ASSERT_TRUE(store->QueryAudit(by_client, [&](const AuditEvent& e) {
    seqs.push_back(e.seq);
    return true;
  }).ok());
  EXPECT_EQ(seqs, (std::vector<uint64_t>{1, 3, 5, 7, 9, 11}));
  AuditFilter by_entity;
  by_entity.entity = 104;
  by_entity.from_ms = 2000;
  by_entity.to_ms = 9000;
  seqs.clear();
  ASSERT_TRUE(store->QueryAudit(by_entity, [&](const AuditEvent& e) {
    seqs.push_back(e.seq);
    EXPECT_EQ(e.records, std::vector<std::string>{"r4"});
    return true;
  }).ok());
  EXPECT_EQ(seqs, std::vector<uint64_t>{4});
}

TEST_F(AuditTest, AnEditedOrRemovedEventBreaksTheChain) {
  {
    auto store = Open();
    for (int i = 1; i <= 8; ++i) ASSERT_TRUE(store->Audit(Event(i)).ok());
  }
  std::string original;
  Tamper([&](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* h) {
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), h, keys::Audit(4), &original).ok());
    std::string edited = original;
    size_t at = edited.find("ingest");
    ASSERT_NE(at, std::string::npos);
    edited.replace(at, 6, "ingesT");  // same length: only the hash can tell
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), h, keys::Audit(4), edited).ok());
  });
  {
    auto store = Open();
    auto check = store->VerifyAudit();
    ASSERT_TRUE(check.ok());
    EXPECT_FALSE(check->ok);
    EXPECT_EQ(check->first_bad, 4u);
    EXPECT_EQ(check->events, 3u);
    EXPECT_NE(check->problem.find("changed"), std::string::npos) << check->problem;
  }
  Tamper([&](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* h) {
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), h, keys::Audit(4), original).ok());
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), h, keys::Audit(6)).ok());
  });
  auto store = Open();
  auto check = store->VerifyAudit();
  EXPECT_FALSE(check->ok);
  EXPECT_EQ(check->first_bad, 6u);
  EXPECT_NE(check->problem.find("missing"), std::string::npos) << check->problem;
}

}  // namespace
}  // namespace doppel::storage
