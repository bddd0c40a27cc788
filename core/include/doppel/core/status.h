// Status and Result<T>: how Doppel reports expected failures.
//
// Expected failures (bad input, missing files, I/O errors) return a Status or a
// Result<T>; programmer errors are assertions. Nothing in Doppel throws across
// a public API. Both types are cheap to move and [[nodiscard]].
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace doppel {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,  // the caller's input or options are wrong
  kNotFound,         // a named thing (file, record, column) does not exist
  kIoError,          // the operating system refused a read or write
  kCorruption,       // stored or received data is damaged
  kUnavailable,      // a resource (device, disk space) is missing now
  kUnimplemented,    // a capability not built into this binary
  kResourceExhausted,  // a request or input over a configured limit
  kPermissionDenied,  // the caller may not do this
  kInternal,         // an invariant broke: a bug
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
  static Status ResourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid_argument: <message>", or "ok".
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result built from an ok Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { assert(ok()); return std::get<T>(v_); }
  const T& value() const& { assert(ok()); return std::get<T>(v_); }
  T&& value() && { assert(ok()); return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace doppel

#define DOPPEL_CONCAT_INNER(a, b) a##b
#define DOPPEL_CONCAT(a, b) DOPPEL_CONCAT_INNER(a, b)

#define DOPPEL_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::doppel::Status doppel_status_ = (expr);        \
    if (!doppel_status_.ok()) return doppel_status_; \
  } while (0)

#define DOPPEL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

// DOPPEL_ASSIGN_OR_RETURN(auto x, MakeX()); returns the Status on failure.
#define DOPPEL_ASSIGN_OR_RETURN(lhs, expr) \
  DOPPEL_ASSIGN_OR_RETURN_IMPL(DOPPEL_CONCAT(doppel_result_, __LINE__), lhs, expr)
