// loopback_floor: the kernel's own floor for parley_load's burst. It opens N loopback TCP
// connections the way parley_load does (clients in a process of their own, with its receive
// stamps and, when asked, its sampler, so the sender's kernel does the same work per segment),
// lets them idle, then sends one small segment to every one of them at once from T threads with
// plain send(2): no WebSocket, no event loop, no timers. The time until the last segment has left
// is the least any server on this machine could take to tell N clients something at the same
// instant; parley's lateness is measured against it (README.md here, "Floor").

#include <CLI/CLI.hpp>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::size_t connections = 10000;
    unsigned threads = std::max(1U, std::thread::hardware_concurrency());
    unsigned rounds = 5;
    unsigned idle_ms = 1500;
    std::size_t bytes = 60;
    // The clients as parley_load's: kernel receive stamps on every socket, and (as parley_load's
    // --sample-every, off by default in both) every Nth connection read by a thread at nice 0
    // asleep in epoll_wait.
    bool stamp = true;
    std::size_t sample_every = 0;
    // As parley_load's --hold-reads-ms: the clients read nothing from the start of each burst
    // until this long after it (they are stopped), so their reading takes no core from the senders.
    unsigned hold_reads_ms = 250;
};

/// A descriptor that closes itself.
class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&&) = delete;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    int get() const { return fd_; }

private:
    int fd_;
};

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "loopback_floor: %s: %s\n", what.c_str(), std::strerror(errno));
    std::exit(1);
}

/// In the forked child: no exit handlers, no flushing of stdio buffers copied from the parent.
[[noreturn]] void failInChild(const std::string& what) {
    std::fprintf(stderr, "loopback_floor (clients): %s: %s\n", what.c_str(), std::strerror(errno));
    std::_Exit(1);
}

sockaddr_in loopback(std::uint32_t host_order_address, std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(host_order_address);
    address.sin_port = htons(port);
    return address;
}

/// The listening socket on 127.0.0.1 and its port.
std::pair<Fd, sockaddr_in> listen() {
    Fd listener{::socket(AF_INET, SOCK_STREAM, 0)};
    const int on = 1;
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in address = loopback(0x7f000001, 0);
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener.get(), 4096) != 0) {
        fail("listen");
    }
    socklen_t length = sizeof address;
    ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length);
    return {std::move(listener), address};
}

/// Reads whatever `poller`'s sockets have, until the process ends: every 1 ms at nice 19 (never
/// asleep in epoll_wait, so no send has to wake it), or, for the sampler, asleep in epoll_wait at
/// nice 0 (each segment wakes it, as parley_load's sampler is woken).
[[noreturn]] void readForever(int poller, bool sleeps_in_epoll) {
    std::array<epoll_event, 512> ready{};
    std::array<char, 4096> sink{};
    for (;;) {
        const int count_ready =
            ::epoll_wait(poller, ready.data(), ready.size(), sleeps_in_epoll ? -1 : 0);
        if (count_ready <= 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds{1});
            continue;
        }
        for (int i = 0; i < count_ready; ++i) {
            while (::recv(ready[static_cast<std::size_t>(i)].data.fd, sink.data(), sink.size(),
                          MSG_DONTWAIT) > 0) {
            }
        }
    }
}

/// The client side, in a child process of its own as parley_load is: connects from 127.0.0.2 ..
/// 127.0.0.250 as parley_load binds them, with the same stamps and sampler (Options), and reads
/// until the parent exits.
[[noreturn]] void runClients(const Options& options, const sockaddr_in& server) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int on = 1;
    std::vector<Fd> clients;
    const Fd poller{::epoll_create1(0)};
    const Fd sampled{::epoll_create1(0)};
    for (std::size_t i = 0; i < options.connections; ++i) {
        Fd client{::socket(AF_INET, SOCK_STREAM, 0)};
        ::setsockopt(client.get(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
        if (options.stamp) {
            ::setsockopt(client.get(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
        }
        sockaddr_in source = loopback(0x7f000002 + static_cast<std::uint32_t>(i % 249), 0);
        if (::bind(client.get(), reinterpret_cast<sockaddr*>(&source), sizeof source) != 0 ||
            ::connect(client.get(), reinterpret_cast<const sockaddr*>(&server), sizeof server) !=
                0) {
            failInChild("connect " + std::to_string(i));
        }
        epoll_event event{};
        event.events = EPOLLIN | EPOLLET;
        event.data.fd = client.get();
        const bool on_sampler = options.sample_every != 0 && i % options.sample_every == 0;
        ::epoll_ctl(on_sampler ? sampled.get() : poller.get(), EPOLL_CTL_ADD, client.get(), &event);
        clients.push_back(std::move(client));
    }
    if (options.sample_every != 0) {
        std::thread{[&sampled] { readForever(sampled.get(), true); }}.detach();
    }
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 19); // this thread only
    readForever(poller.get(), false);
}

/// Waits until the listener has a connection to accept; fails when the client process has exited
/// (it could not connect) or nothing came for 10 s.
void awaitConnection(const Fd& listener, pid_t clients) {
    const auto give_up = Clock::now() + std::chrono::seconds{10};
    for (;;) {
        pollfd ready{.fd = listener.get(), .events = POLLIN, .revents = 0};
        if (::poll(&ready, 1, 100) > 0) {
            return;
        }
        if (::waitpid(clients, nullptr, WNOHANG) == clients) {
            errno = 0;
            fail("the client process ended before connecting all its connections");
        }
        if (Clock::now() > give_up) {
            errno = ETIMEDOUT;
            fail("waiting for the clients to connect");
        }
    }
}

/// The server side of N connections, with TCP_NODELAY as parley's listener sets it.
std::vector<Fd> acceptAll(const Fd& listener, std::size_t count, pid_t clients) {
    const int on = 1;
    std::vector<Fd> servers;
    for (std::size_t i = 0; i < count; ++i) {
        awaitConnection(listener, clients);
        Fd server{::accept(listener.get(), nullptr, nullptr)};
        if (server.get() < 0) {
            fail("accept");
        }
        ::setsockopt(server.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        servers.push_back(std::move(server));
    }
    return servers;
}

/// Stops the client process and waits until it is stopped (SIGCONT lets it read again).
void holdClients(pid_t clients) {
    ::kill(clients, SIGSTOP);
    int status = 0;
    if (::waitpid(clients, &status, WUNTRACED) != clients || !WIFSTOPPED(status)) {
        fail("stopping the clients");
    }
}

/// Sends one segment to every connection from `threads` threads at once; returns each thread's
/// time from the common start to its last send, in milliseconds.
std::vector<double> burst(const std::vector<Fd>& servers, unsigned threads, std::size_t bytes) {
    const std::string payload(bytes, 'x');
    std::vector<double> finished(threads);
    std::vector<std::thread> senders;
    const auto start = Clock::now();
    for (unsigned t = 0; t < threads; ++t) {
        senders.emplace_back([&, t] {
            for (std::size_t i = t; i < servers.size(); i += threads) {
                ::send(servers[i].get(), payload.data(), payload.size(),
                       MSG_DONTWAIT | MSG_NOSIGNAL);
            }
            finished[t] = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        });
    }
    for (auto& sender : senders) {
        sender.join();
    }
    return finished;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"Kernel floor for a lifecycle burst: one small segment to each of N idle "
                 "loopback connections at once, with plain send(2)"};
    Options options;
    app.add_option("-n,--connections", options.connections, "Loopback connections")
        ->check(CLI::Range(std::size_t{1}, std::size_t{100000}))
        ->capture_default_str();
    app.add_option("--threads", options.threads, "Sending threads (default: one per core)")
        ->check(CLI::Range(1U, 64U))
        ->capture_default_str();
    app.add_option("--rounds", options.rounds, "Bursts to send")->capture_default_str();
    app.add_option("--idle-ms", options.idle_ms,
                   "Idle time before each burst (ms): longer than the RTO, so the receivers "
                   "acknowledge at once as parley_load's idle connections do")
        ->capture_default_str();
    app.add_option("--bytes", options.bytes, "Segment size; token_about_to_expire is about 60")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1400}))
        ->capture_default_str();
    app.add_option("--sample-every", options.sample_every,
                   "As parley_load: every Nth connection read by a thread asleep in epoll_wait "
                   "at nice 0, which each segment wakes (0: none)")
        ->capture_default_str();
    app.add_option("--hold-reads-ms", options.hold_reads_ms,
                   "As parley_load: the clients are stopped from just before each burst until "
                   "this long after its start, so their reading takes no core from the senders "
                   "(0: they read as segments come)")
        ->check(CLI::Range(0U, 1000U))
        ->capture_default_str();
    app.add_flag("!--no-stamp", options.stamp,
                 "No kernel receive stamps on the clients (parley_load always asks for them)");
    CLI11_PARSE(app, argc, argv);

    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < options.connections + 64) {
        std::fprintf(stderr, "loopback_floor: need %zu descriptors, ulimit -Hn is %llu\n",
                     options.connections + 64, static_cast<unsigned long long>(limit.rlim_cur));
        return 1;
    }

    auto [listener, address] = listen();
    const pid_t clients = ::fork();
    if (clients < 0) {
        fail("fork");
    }
    if (clients == 0) {
        runClients(options, address);
    }
    const std::vector<Fd> servers = acceptAll(listener, options.connections, clients);
    std::printf("loopback_floor: %zu connections, %u sending thread(s), %zu-byte segments; "
                "clients: %s, reads held %u ms from each burst's start, %s\n",
                options.connections, options.threads, options.bytes,
                options.stamp ? "receive stamps" : "no stamps", options.hold_reads_ms,
                options.sample_every != 0 ? ("every " + std::to_string(options.sample_every) +
                                             "th read by a sleeping sampler")
                                                .c_str()
                                          : "no sampler");
    for (unsigned round = 1; round <= options.rounds; ++round) {
        std::this_thread::sleep_for(std::chrono::milliseconds{options.idle_ms});
        const bool hold = options.hold_reads_ms > 0;
        if (hold) {
            holdClients(clients);
        }
        const std::vector<double> finished = burst(servers, options.threads, options.bytes);
        const double last = *std::max_element(finished.begin(), finished.end());
        if (hold) {
            std::this_thread::sleep_for(std::chrono::duration<double, std::milli>{
                std::max(0.0, options.hold_reads_ms - last)});
            ::kill(clients, SIGCONT);
        }
        const double per_thread = static_cast<double>(options.connections) / options.threads;
        std::string each;
        for (const double thread_ms : finished) {
            std::array<char, 32> text{};
            std::snprintf(text.data(), text.size(), "%s%.1f", each.empty() ? "" : " / ", thread_ms);
            each += text.data();
        }
        std::printf("round %u: last of %zu segments sent after %.1f ms (%.2f us per send on each "
                    "thread; threads done after %s ms)\n",
                    round, options.connections, last, last * 1000.0 / per_thread, each.c_str());
        std::fflush(stdout);
    }
    ::kill(clients, SIGKILL);
    ::waitpid(clients, nullptr, 0);
    return 0;
}
