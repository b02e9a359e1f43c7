#include "cli/chat_token_retry.hpp"

#include "cli/token_command_provider.hpp"

#include <random>
#include <utility>

namespace parley::cli {

namespace {

using namespace std::chrono_literals;

// As the AccessManager retries its provider: a refused or failed token is rarely fixed in a
// millisecond, and a minute is as long as a person should wait to hear of a fix.
constexpr lifecycle::BackoffPolicy kRetry{.initial = 1000ms, .max = 60'000ms, .multiplier = 2.0};
// The manager answers at once (its check is local); this only bounds a manager shutting down.
constexpr auto kOfferTimeout = 10s;

} // namespace

struct TokenRetry::Shared {
    std::mutex mutex;
    std::condition_variable changed;
    bool stop = false;
    bool wanted = true; // the first token
    bool backoff_first = false;
    bool reset = false;
    std::shared_ptr<client::AccessManager> manager;
};

TokenRetry::TokenRetry(std::string command, ChatControl& control,
                       std::shared_ptr<ChatPrinter> printer)
    : command_(std::move(command)), control_(&control), printer_(std::move(printer)),
      shared_(std::make_shared<Shared>()), backoff_(kRetry, std::random_device{}()) {}

TokenRetry::~TokenRetry() {
    stop();
}

std::future<std::string> TokenRetry::start() {
    auto first = first_.get_future();
    thread_ = std::thread{[this] { loop(); }};
    return first;
}

void TokenRetry::handTo(std::shared_ptr<client::AccessManager> manager) {
    const std::lock_guard lock{shared_->mutex};
    shared_->manager = std::move(manager);
}

void TokenRetry::refused() {
    const std::lock_guard lock{shared_->mutex};
    if (!shared_->wanted) {
        shared_->wanted = true;
        shared_->backoff_first = true;
    }
    shared_->changed.notify_all();
}

void TokenRetry::accepted() {
    const std::lock_guard lock{shared_->mutex};
    shared_->reset = true;
}

void TokenRetry::stop() {
    {
        const std::lock_guard lock{shared_->mutex};
        shared_->stop = true;
        shared_->manager.reset();
        shared_->changed.notify_all();
    }
    if (thread_.joinable()) {
        thread_.join();
    }
}

void TokenRetry::loop() {
    for (;;) {
        bool backoff_first = false;
        {
            std::unique_lock lock{shared_->mutex};
            shared_->changed.wait(lock, [this] { return shared_->stop || shared_->wanted; });
            if (shared_->stop) {
                return;
            }
            backoff_first = std::exchange(shared_->backoff_first, false);
            if (std::exchange(shared_->reset, false)) {
                backoff_.reset();
            }
        }
        if (backoff_first) {
            const auto delay = backoff_.next();
            printer_->tokenRetry("the token was refused", delay);
            if (!waitFor(delay)) {
                return;
            }
        }
        if (!fetchOnce()) {
            return;
        }
    }
}

// One run of the command and what follows from it; false when the thread should end.
bool TokenRetry::fetchOnce() {
    const auto result = runCommand();
    if (!result) {
        return false; // stopping
    }
    std::shared_ptr<client::AccessManager> manager;
    {
        const std::lock_guard lock{shared_->mutex};
        shared_->wanted = false;
        manager = shared_->manager;
    }
    if (!*result) {
        return onFailure(result->error());
    }
    if (!have_first_) {
        have_first_ = true;
        first_.set_value(**result);
        return true;
    }
    if (manager) {
        // The manager checks the token, then hands it to the client, whose verdict comes back
        // as refused() or accepted(). A token the manager refuses it reports itself.
        auto offered = manager->updateToken(**result);
        if (offered.wait_for(kOfferTimeout) != std::future_status::ready || !offered.get()) {
            refused();
        }
    }
    return true;
}

// The command gave no token: end (77), or run it again after the backoff.
bool TokenRetry::onFailure(const client::ProviderError& error) {
    if (error.terminal) {
        printer_->tokenCommandFailed(error.message);
        control_->endWith(1, "the token command failed for good: " + error.message);
        return false;
    }
    if (!have_first_) {
        control_->setReachable(false); // a /quit typed now leaves at once
    }
    const auto delay = backoff_.next();
    printer_->tokenRetry(error.message, delay);
    if (!waitFor(delay)) {
        return false;
    }
    const std::lock_guard lock{shared_->mutex};
    shared_->wanted = true;
    return true;
}

std::optional<client::ProviderResult> TokenRetry::runCommand() {
    auto answer = std::make_shared<std::promise<client::ProviderResult>>();
    auto future = answer->get_future();
    std::thread{[command = command_, answer, shared = shared_] {
        answer->set_value(runTokenCommand(command));
        const std::lock_guard lock{shared->mutex};
        shared->changed.notify_all();
    }}.detach();
    std::unique_lock lock{shared_->mutex};
    shared_->changed.wait(
        lock, [&] { return shared_->stop || future.wait_for(0s) == std::future_status::ready; });
    if (shared_->stop) {
        return std::nullopt;
    }
    return future.get();
}

bool TokenRetry::waitFor(std::chrono::milliseconds delay) {
    std::unique_lock lock{shared_->mutex};
    return !shared_->changed.wait_for(lock, delay, [this] { return shared_->stop; });
}

} // namespace parley::cli
