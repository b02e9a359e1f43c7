#include "postgres_server.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace parley::testing {

namespace {

using namespace std::chrono_literals;

constexpr const char* kUser = "postgres";

std::uint16_t freePort() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
    auto* raw = reinterpret_cast<sockaddr*>(&address);
    if (fd < 0 || bind(fd, raw, sizeof address) != 0 || getsockname(fd, raw, &length) != 0) {
        throw std::runtime_error("no free port for PostgreSQL");
    }
    close(fd);
    return ntohs(address.sin_port);
}

/// Starts `arguments` with output appended to `log`; as the postgres user when we are root.
pid_t spawn(std::vector<std::string> arguments, const std::filesystem::path& log) {
    if (geteuid() == 0) {
        arguments.insert(arguments.begin(), {"runuser", "-u", kUser, "--"});
    }
    std::vector<char*> argv;
    for (std::string& argument : arguments) {
        argv.push_back(argument.data());
    }
    argv.push_back(nullptr);
    const pid_t child = fork();
    if (child == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        // Its own process group: a Ctrl-C on the test run is the test's to handle, not postgres's.
        setpgid(0, 0);
        // A test binary that crashes leaves no server behind: SIGTERM (runuser passes it on) is
        // a shutdown that completes once the dead test's connections are gone. It fires when the
        // thread that started the server ends, so start servers from the main thread.
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        execvp(argv[0], argv.data());
        _exit(127);
    }
    if (child < 0) {
        throw std::runtime_error("fork failed");
    }
    return child;
}

std::string readFile(const std::filesystem::path& file) {
    std::ifstream in{file};
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

struct ConnectionDeleter {
    void operator()(PGconn* connection) const { PQfinish(connection); }
};

} // namespace

PostgresServer::PostgresServer() {
    const char* bin_dir = std::getenv("PARLEY_PG_BINDIR");
    bin_dir_ = bin_dir != nullptr ? bin_dir : "/usr/lib/postgresql/15/bin";
    std::string pattern = std::filesystem::temp_directory_path() / "parley-pg-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    directory_ = pattern;
    if (geteuid() == 0) {
        const passwd* user = getpwnam(kUser);
        if (user == nullptr || chown(directory_.c_str(), user->pw_uid, user->pw_gid) != 0) {
            throw std::runtime_error("cannot hand " + directory_.string() + " to user postgres");
        }
    }
    port_ = freePort();
    initdb();
    start();
}

PostgresServer::~PostgresServer() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
}

void PostgresServer::initdb() {
    const pid_t child =
        spawn({(bin_dir_ / "initdb").string(), "-D", (directory_ / "data").string(), "-U", kUser,
               "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"},
              directory_ / "initdb.log");
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw std::runtime_error("initdb failed:\n" + readFile(directory_ / "initdb.log"));
    }
}

void PostgresServer::start() {
    if (running()) {
        return;
    }
    runner_pid_ =
        spawn({(bin_dir_ / "postgres").string(), "-D", (directory_ / "data").string(), "-p",
               std::to_string(port_), "-k", directory_.string(), "-c", "listen_addresses=127.0.0.1",
               "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=200"},
              directory_ / "postgres.log");
    waitUntilReady();
}

void PostgresServer::waitUntilReady() {
    const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port_) +
                                 " user=postgres dbname=postgres connect_timeout=2";
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (PQping(conninfo.c_str()) != PQPING_OK) {
        int status = 0;
        if (waitpid(runner_pid_, &status, WNOHANG) == runner_pid_) {
            runner_pid_ = -1;
            throw std::runtime_error("postgres exited at start:\n" + log());
        }
        if (std::chrono::steady_clock::now() > deadline) {
            throw std::runtime_error("postgres did not accept connections within 60 s:\n" + log());
        }
        std::this_thread::sleep_for(20ms); // polling a readiness probe, not asserting on time
    }
}

void PostgresServer::stop() {
    if (!running()) {
        return;
    }
    // Under runuser the server is runuser's child: signal the postmaster itself (its pid heads
    // postmaster.pid), since runuser would turn SIGINT into a SIGTERM, a shutdown that waits for
    // every client to leave.
    pid_t postmaster = runner_pid_;
    std::ifstream pid_file{directory_ / "data" / "postmaster.pid"};
    if (pid_t listed = 0; pid_file >> listed && listed > 0) {
        postmaster = listed;
    }
    kill(postmaster, SIGINT);
    int status = 0;
    waitpid(runner_pid_, &status, 0);
    runner_pid_ = -1;
}

std::string PostgresServer::url(const std::string& database) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

void PostgresServer::execute(const std::string& database, const std::string& sql) const {
    const std::unique_ptr<PGconn, ConnectionDeleter> connection{
        PQconnectdb((url(database) + "?connect_timeout=5").c_str())};
    if (PQstatus(connection.get()) != CONNECTION_OK) {
        throw std::runtime_error("cannot connect to test PostgreSQL: " +
                                 std::string{PQerrorMessage(connection.get())});
    }
    PGresult* result = PQexec(connection.get(), sql.c_str());
    const ExecStatusType status = PQresultStatus(result);
    PQclear(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        throw std::runtime_error(sql + ": " + PQerrorMessage(connection.get()));
    }
}

void PostgresServer::createDatabase(const std::string& name) const {
    execute("postgres", "CREATE DATABASE " + name + " ENCODING 'UTF8' TEMPLATE template0");
}

void PostgresServer::dropDatabase(const std::string& name) const {
    execute("postgres", "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

std::string PostgresServer::log() const {
    return readFile(directory_ / "postgres.log");
}

} // namespace parley::testing
