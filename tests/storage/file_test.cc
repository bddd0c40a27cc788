#include "doppel/storage/file.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace doppel::storage {
namespace {

std::string TempDir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("doppel_file_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

TEST(AtomicFile, CommitReplacesWholeFile) {
  std::string dir = TempDir();
  std::string path = dir + "/out.csv";
  {
    auto f = AtomicFile::Create(path);
    ASSERT_TRUE(f.ok());
    (*f)->Write("old\n");
    ASSERT_TRUE((*f)->Commit().ok());
  }
  {
    auto f = AtomicFile::Create(path);
    ASSERT_TRUE(f.ok());
    (*f)->Write("new\n");
    // Not yet committed: readers still see the old file.
    EXPECT_EQ(*ReadFile(path), "old\n");
    ASSERT_TRUE((*f)->Commit().ok());
  }
  EXPECT_EQ(*ReadFile(path), "new\n");
  // No temporary file left behind.
  int files = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1);
}

TEST(AtomicFile, AbandonedWriteLeavesNothing) {
  std::string dir = TempDir();
  std::string path = dir + "/never.csv";
  {
    auto f = AtomicFile::Create(path);
    ASSERT_TRUE(f.ok());
    (*f)->Write("partial");
  }
  EXPECT_FALSE(PathExists(path));
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

TEST(AtomicFile, SyncThenPublishReplacesTogether) {
  std::string dir = TempDir();
  auto a = AtomicFile::Create(dir + "/a.csv");
  auto b = AtomicFile::Create(dir + "/b.csv");
  ASSERT_TRUE(a.ok() && b.ok());
  (*a)->Write("A");
  (*b)->Write("B");
  ASSERT_TRUE((*a)->Sync().ok());
  ASSERT_TRUE((*b)->Sync().ok());
  EXPECT_FALSE(PathExists(dir + "/a.csv"));  // synced but not visible yet
  ASSERT_TRUE((*a)->Publish().ok());
  ASSERT_TRUE((*b)->Publish().ok());
  EXPECT_EQ(*ReadFile(dir + "/a.csv"), "A");
  EXPECT_EQ(*ReadFile(dir + "/b.csv"), "B");
  EXPECT_FALSE((*a)->Publish().ok());  // twice is a bug, reported
}

TEST(FileSource, ReadsAndReportsMissingFiles) {
  std::string dir = TempDir();
  auto missing = OpenFileSource(dir + "/nope.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto as_dir = OpenFileSource(dir);
  EXPECT_FALSE(as_dir.ok());
  auto f = AtomicFile::Create(dir + "/a.txt");
  (*f)->Write("hello");
  ASSERT_TRUE((*f)->Commit().ok());
  auto src = OpenFileSource(dir + "/a.txt");
  ASSERT_TRUE(src.ok());
  EXPECT_EQ((*src)->size(), 5u);
}

TEST(AtomicFile, CreateFailsInMissingDirectory) {
  auto f = AtomicFile::Create("/nonexistent-dir-doppel/x.csv");
  EXPECT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace doppel::storage
