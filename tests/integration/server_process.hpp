#pragma once

// Runs the real `parley serve` binary as a child process on an ephemeral port, with the flags a
// user would give, and tears it down (SIGTERM, or SIGKILL to test durability).

#include <parley/token/access_token_builder.hpp>
#include <parley/token/api_key.hpp>

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace parley::testing {

/// The API key every integration test's server is started with.
inline const token::ApiKey kTestKey{
    .sid = "SK11111111111111111111111111111111",
    .account_sid = "AC22222222222222222222222222222222",
    .secret = "integration-secret-0123456789abc",
};

class ServerProcess {
public:
    /// Starts `parley serve --listen 127.0.0.1:0 --data DIR` with kTestKey plus `extra_args`,
    /// and waits until it reports its port. Throws if it does not start within 10 s.
    /// With `with_test_key` false no key flags are given (config file or development setup).
    /// `port` 0 takes an ephemeral port; a restart passes the previous one, so clients
    /// reconnect to the same URL.
    explicit ServerProcess(std::vector<std::string> extra_args = {},
                           std::optional<std::filesystem::path> data_dir = std::nullopt,
                           bool with_test_key = true, std::uint16_t port = 0);
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    std::uint16_t port() const { return port_; }
    const std::filesystem::path& dataDir() const { return data_dir_; }

    /// Sends `signal` and waits for the exit; the exit status (128 + signal if killed by it).
    int stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds{10});
    /// Sends `signal` without waiting (e.g. SIGHUP).
    void signal(int signal) const;

    /// Everything the server printed so far.
    std::string output() const;

    /// An HTTP GET on the server; the status line code and the body.
    struct HttpResult {
        int status = 0;
        std::string body;
    };
    HttpResult get(const std::string& target, const std::string& basic_auth = "") const;
    /// An HTTP POST of a JSON `body`.
    HttpResult post(const std::string& target, const std::string& body,
                    const std::string& basic_auth = "") const;

private:
    HttpResult send(bool post, const std::string& target, const std::string& body,
                    const std::string& basic_auth) const;

    pid_t pid_ = -1;
    int output_fd_ = -1;
    std::uint16_t port_ = 0;
    std::filesystem::path data_dir_;
    bool owns_data_dir_ = false;
    std::filesystem::path log_file_;
};

/// An HTTP request to 127.0.0.1:`port`: a GET, or with `post` a POST of the JSON `body`.
ServerProcess::HttpResult httpRequest(std::uint16_t port, bool post, const std::string& target,
                                      const std::string& body = "",
                                      const std::string& basic_auth = "");

/// A new empty folder under the temporary directory, unique to this process and call; the caller
/// removes it (ServerProcess does for the one it makes).
std::filesystem::path freshDirectory();

/// A token for `identity` signed with kTestKey, `ttl` from now (any length: the minimum is
/// lowered), with a chat grant (naming `chat_service` when given).
std::string mintToken(const std::string& identity, std::chrono::seconds ttl,
                      std::optional<std::string> chat_service = std::nullopt);

/// A token with a chat grant issued at `issued` (any instant, past included) expiring `ttl`
/// later.
std::string mintTokenAt(const std::string& identity, std::chrono::system_clock::time_point issued,
                        std::chrono::seconds ttl);

/// The path of the parley binary under test (from the PARLEY_BINARY environment variable).
std::string parleyBinary();

} // namespace parley::testing
