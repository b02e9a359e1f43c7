#include "server_process.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace parley::testing {

std::filesystem::path freshDirectory() {
    std::random_device random;
    auto dir = std::filesystem::temp_directory_path() /
               ("parley-it-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
    std::filesystem::create_directories(dir);
    return dir;
}

namespace {

std::string readFile(const std::filesystem::path& file) {
    std::ifstream in{file};
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

} // namespace

std::string parleyBinary() {
    const char* binary = std::getenv("PARLEY_BINARY");
    if (binary == nullptr) {
        throw std::runtime_error("PARLEY_BINARY is not set");
    }
    return binary;
}

ServerProcess::ServerProcess(std::vector<std::string> extra_args,
                             std::optional<std::filesystem::path> data_dir, bool with_test_key,
                             std::uint16_t port) {
    owns_data_dir_ = !data_dir.has_value();
    data_dir_ = data_dir ? *data_dir : freshDirectory();
    log_file_ = data_dir_.parent_path() / (data_dir_.filename().string() + ".log");
    std::vector<std::string> args = {
        parleyBinary(),     "serve",     "--listen", "127.0.0.1:" + std::to_string(port), "--data",
        data_dir_.string(), "--threads", "2"};
    if (with_test_key) {
        args.insert(args.end(), {"--account-sid", kTestKey.account_sid, "--api-key", kTestKey.sid,
                                 "--api-secret", kTestKey.secret});
    }
    args.insert(args.end(), extra_args.begin(), extra_args.end());

    // A restart on the same data directory appends to the same log: start it afresh so the port
    // read below is this process's.
    std::filesystem::remove(log_file_);
    pid_ = ::fork();
    if (pid_ == 0) {
        const int fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        std::vector<char*> argv;
        for (std::string& arg : args) {
            argv.push_back(arg.data());
        }
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    // The server prints "Health: http://127.0.0.1:PORT/healthz" (https:// with TLS) once it
    // listens.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
    const std::string marker = "://127.0.0.1:";
    while (std::chrono::steady_clock::now() < deadline) {
        const std::string text = readFile(log_file_);
        const auto health = text.find("Health: http");
        const auto at = health == std::string::npos ? health : text.find(marker, health);
        if (at != std::string::npos && text.find("/healthz", at) != std::string::npos) {
            port_ = static_cast<std::uint16_t>(std::stoi(text.substr(at + marker.size())));
            return;
        }
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("parley serve exited at start: " + text);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    throw std::runtime_error("parley serve did not start in 10 s: " + readFile(log_file_));
}

ServerProcess::~ServerProcess() {
    if (pid_ > 0) {
        stop(SIGKILL);
    }
    if (owns_data_dir_) {
        std::error_code ignored;
        std::filesystem::remove_all(data_dir_, ignored);
        std::filesystem::remove(log_file_, ignored);
    }
}

int ServerProcess::stop(int signal_number, std::chrono::milliseconds timeout) {
    if (pid_ <= 0) {
        return -1;
    }
    ::kill(pid_, signal_number);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) != pid_) {
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            pid_ = -1;
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void ServerProcess::signal(int signal_number) const {
    if (pid_ > 0) {
        ::kill(pid_, signal_number);
    }
}

std::string ServerProcess::output() const {
    return readFile(log_file_);
}

ServerProcess::HttpResult ServerProcess::get(const std::string& target,
                                             const std::string& basic_auth) const {
    return send(false, target, "", basic_auth);
}

ServerProcess::HttpResult ServerProcess::post(const std::string& target, const std::string& body,
                                              const std::string& basic_auth) const {
    return send(true, target, body, basic_auth);
}

ServerProcess::HttpResult ServerProcess::send(bool post, const std::string& target,
                                              const std::string& body,
                                              const std::string& basic_auth) const {
    return httpRequest(port_, post, target, body, basic_auth);
}

ServerProcess::HttpResult httpRequest(std::uint16_t port, bool post, const std::string& target,
                                      const std::string& body, const std::string& basic_auth) {
    namespace http = boost::beast::http;
    boost::asio::io_context io;
    boost::beast::tcp_stream stream{io};
    stream.connect(
        boost::asio::ip::tcp::endpoint{boost::asio::ip::make_address("127.0.0.1"), port});
    http::request<http::string_body> request{post ? http::verb::post : http::verb::get, target, 11};
    request.set(http::field::host, "127.0.0.1");
    if (post) {
        request.set(http::field::content_type, "application/json");
        request.body() = body;
        request.prepare_payload();
    }
    if (!basic_auth.empty()) {
        std::string encoded(boost::beast::detail::base64::encoded_size(basic_auth.size()), '\0');
        encoded.resize(boost::beast::detail::base64::encode(encoded.data(), basic_auth.data(),
                                                            basic_auth.size()));
        request.set(http::field::authorization, "Basic " + encoded);
    }
    http::write(stream, request);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    return {static_cast<int>(response.result_int()), response.body()};
}

std::string mintToken(const std::string& identity, std::chrono::seconds ttl,
                      std::optional<std::string> chat_service) {
    token::AccessTokenBuilder builder{kTestKey};
    builder.identity(identity).ttl(ttl).minimumTtl(std::chrono::seconds{-86400});
    builder.chat(token::ChatGrant{.service_sid = std::move(chat_service)});
    auto token = builder.mint(token::SystemClock::instance());
    if (!token) {
        throw std::runtime_error("mint failed: " + token.error().message);
    }
    return *token;
}

} // namespace parley::testing

namespace parley::testing {

std::string mintTokenAt(const std::string& identity, std::chrono::system_clock::time_point issued,
                        std::chrono::seconds ttl) {
    const token::ManualClock at{std::chrono::floor<std::chrono::milliseconds>(issued)};
    auto token = token::AccessTokenBuilder{kTestKey}
                     .identity(identity)
                     .ttl(ttl)
                     .minimumTtl(std::chrono::seconds{1})
                     .chat(token::ChatGrant{})
                     .mint(at);
    if (!token) {
        throw std::runtime_error("mint failed: " + token.error().message);
    }
    return *token;
}

} // namespace parley::testing
