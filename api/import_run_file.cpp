#include "api/import_run_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace quarry::import_detail {

std::unexpected<Error> run_file_error(const std::string& what, const std::string& path) {
  return std::unexpected(Error{ErrorCode::StorageIo, "bulk import: cannot " + what + " " + path + ": " + std::strerror(errno)});
}

RunWriter::RunWriter(std::string path, std::size_t buffer_bytes)
    : path_(std::move(path)),
      fd_(::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)),
      buffer_(new char[buffer_bytes]),
      capacity_(buffer_bytes) {
  if (fd_ < 0) error_ = errno;
}

RunWriter::~RunWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void RunWriter::write(const char* data, std::size_t size) noexcept {
  while (size > 0 && !failed_) {
    const ssize_t n = ::write(fd_, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failed_ = true;
      error_ = n < 0 ? errno : EIO;
      return;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

void RunWriter::put(std::string_view key, std::string_view value) noexcept {
  if (!ok()) return;
  ++entries_;
  const std::uint32_t head[3] = {0, static_cast<std::uint32_t>(key.size()), static_cast<std::uint32_t>(value.size())};
  const std::size_t size = sizeof head + key.size() + value.size();
  if (used_ + size > capacity_) {
    write(buffer_.get(), used_);
    used_ = 0;
    if (size > capacity_) {  // larger than the buffer: written as it is
      write(reinterpret_cast<const char*>(head), sizeof head);
      write(key.data(), key.size());
      write(value.data(), value.size());
      return;
    }
  }
  char* at = buffer_.get() + used_;
  std::memcpy(at, head, sizeof head);
  if (!key.empty()) std::memcpy(at + sizeof head, key.data(), key.size());
  if (!value.empty()) std::memcpy(at + sizeof head + key.size(), value.data(), value.size());
  used_ += size;
}

Result<void> RunWriter::close() {
  if (fd_ < 0) {
    errno = error_;
    return run_file_error("create", path_);
  }
  if (ok()) write(buffer_.get(), used_);
  used_ = 0;
  const bool closed = ::close(fd_) == 0;
  if (!closed && !failed_) error_ = errno;
  fd_ = -1;
  if (!closed || failed_) {
    errno = error_;
    return run_file_error("write", path_);
  }
  return {};
}

RunReader::RunReader(std::string path) : path_(std::move(path)), fd_(::open(path_.c_str(), O_RDONLY | O_CLOEXEC)) {
  if (fd_ >= 0) buffer_.resize(kBufferBytes);
}

RunReader::~RunReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool RunReader::fill(std::size_t need) {
  if (end_ - at_ >= need) return true;
  // Keep the bytes not read yet, at the front.
  std::memmove(buffer_.data(), buffer_.data() + at_, end_ - at_);
  end_ -= at_;
  at_ = 0;
  if (buffer_.size() < need) buffer_.resize(std::max(need, buffer_.size() * 2));
  while (end_ < need && !eof_) {
    const ssize_t n = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
    if (n < 0) {
      if (errno == EINTR) continue;
      failed_ = true;
      return false;
    }
    if (n == 0) eof_ = true;
    end_ += static_cast<std::size_t>(n);
  }
  return end_ >= need;
}

bool RunReader::next() {
  constexpr std::size_t kHead = 3 * sizeof(std::uint32_t);
  if (!fill(kHead)) {
    failed_ = failed_ || end_ != at_;  // a part of a head: truncated
    return false;
  }
  std::uint32_t head[3];
  std::memcpy(head, buffer_.data() + at_, kHead);
  const std::size_t size = kHead + head[1] + head[2];
  if (!fill(size)) {
    failed_ = true;  // truncated entry
    return false;
  }
  const char* p = buffer_.data() + at_ + kHead;
  key = std::string_view(p, head[1]);
  value = std::string_view(p + head[1], head[2]);
  at_ += size;
  return true;
}

}  // namespace quarry::import_detail
