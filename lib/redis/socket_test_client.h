// Client: a blocking loopback socket speaking raw RESP, for the tests of
// RedisServer (redis_server_test.cc, pipeline_test.cc).
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>

namespace nokv::redis {

class RespTestClient {
 public:
  explicit RespTestClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  }
  ~RespTestClient() { close(fd_); }
  bool connected() const { return connected_; }
  // Sends `s` with one send(2): the server gets it in one read.
  void Send(const std::string& s) {
    ASSERT_EQ(send(fd_, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
  }
  // Reads until `n` bytes arrived, EOF or timeout.
  std::string Read(size_t n) {
    std::string out;
    char buf[4096];
    while (out.size() < n) {
      ssize_t r = recv(fd_, buf, sizeof(buf), 0);
      if (r <= 0) break;
      out.append(buf, static_cast<size_t>(r));
    }
    return out;
  }
  // Reads one whole RESP2 reply (nested arrays included) and returns its
  // bytes; what came after it stays buffered for the next call. Empty on
  // EOF or timeout.
  std::string ReadReply() {
    size_t pos = 0;
    while (!Complete(&pos)) {
      char buf[4096];
      ssize_t r = recv(fd_, buf, sizeof(buf), 0);
      if (r <= 0) return "";
      buffered_.append(buf, static_cast<size_t>(r));
      pos = 0;
    }
    std::string reply = buffered_.substr(0, pos);
    buffered_.erase(0, pos);
    return reply;
  }
  // True if the server closed the connection (EOF).
  bool ReadEof() {
    char c;
    return recv(fd_, &c, 1, 0) == 0;
  }

 private:
  // True if buffered_ from *pos holds a whole reply; *pos moves past it.
  bool Complete(size_t* pos) {
    const size_t eol = buffered_.find("\r\n", *pos);
    if (eol == std::string::npos) return false;
    const char type = buffered_[*pos];
    const bool counted = type == '$' || type == '*';
    const long n = counted ? std::stol(buffered_.substr(*pos + 1, eol - *pos - 1)) : 0;
    *pos = eol + 2;
    if (type == '$' && n >= 0) {
      if (buffered_.size() < *pos + static_cast<size_t>(n) + 2) return false;
      *pos += static_cast<size_t>(n) + 2;
    } else if (type == '*') {
      for (long i = 0; i < n; i++) {
        if (!Complete(pos)) return false;
      }
    }
    return true;
  }

  std::string buffered_;
  int fd_ = -1;
  bool connected_ = false;
};

}  // namespace nokv::redis
