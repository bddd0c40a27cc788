// Backups with RocksDB's BackupEngine.
#include <rocksdb/utilities/backup_engine.h>

#include <filesystem>

#include "store_internal.h"

namespace doppel::storage {

Status Store::Backup(const std::string& backup_dir) const {
  std::error_code ec;
  std::filesystem::create_directories(backup_dir, ec);
  if (ec) return Status::IoError("cannot create " + backup_dir + ": " + ec.message());
  rocksdb::BackupEngine* engine = nullptr;
  rocksdb::IOStatus s = rocksdb::BackupEngine::Open(rocksdb::BackupEngineOptions(backup_dir), rocksdb::Env::Default(), &engine);
  if (!s.ok()) return FromRocks(s, "cannot open backup directory " + backup_dir);
  std::unique_ptr<rocksdb::BackupEngine> owner(engine);
  s = engine->CreateNewBackup(impl_->db, /*flush_before_backup=*/true);
  if (!s.ok()) return FromRocks(s, "backup failed");
  std::vector<rocksdb::BackupInfo> backups;
  engine->GetBackupInfo(&backups);
  if (backups.empty()) return Status::Internal("backup reported success but lists no backup");
  return FromRocks(engine->VerifyBackup(backups.back().backup_id), "backup verification failed");
}

Status RestoreBackup(const std::string& backup_dir, const std::string& db_path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(db_path, ec) && !fs::is_empty(db_path, ec)) {
    return Status::InvalidArgument(db_path + " exists and is not empty; restore never overwrites a database "
                                   "(move it away first)");
  }
  if (!fs::exists(backup_dir, ec)) return Status::NotFound("no backup directory " + backup_dir);
  rocksdb::BackupEngineReadOnly* engine = nullptr;
  rocksdb::IOStatus s =
      rocksdb::BackupEngineReadOnly::Open(rocksdb::BackupEngineOptions(backup_dir), rocksdb::Env::Default(), &engine);
  if (!s.ok()) return FromRocks(s, "cannot open backup directory " + backup_dir);
  std::unique_ptr<rocksdb::BackupEngineReadOnly> owner(engine);
  std::vector<rocksdb::BackupInfo> backups;
  engine->GetBackupInfo(&backups);
  if (backups.empty()) return Status::NotFound(backup_dir + " holds no backup");
  DOPPEL_RETURN_IF_ERROR(FromRocks(engine->VerifyBackup(backups.back().backup_id), "backup is damaged"));
  return FromRocks(engine->RestoreDBFromLatestBackup(db_path, db_path), "restore failed");
}

}  // namespace doppel::storage
